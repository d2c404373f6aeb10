//! Hunspell's own regression tests (152 dictionaries with `.good`, `.wrong` and `.sug` files)
//! against every engine of `session_spellcheck`: good words must be accepted, wrong words
//! rejected, and suggestions must match hunspell's, line for line. Case ids are
//! `<engine>/<test>.<good|wrong|sug>:<line>`.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use serde::Deserialize;
use session_spellcheck::{Dictionary, Engine};

use crate::{Outcome, SuiteReport};

const NAME: &str = "hunspell-tests";

#[derive(Deserialize)]
struct Index {
    dic_driven_tests: Vec<TestEntry>,
}

#[derive(Deserialize)]
struct TestEntry {
    name: String,
}

/// Tests an engine is not run on, because it would not finish: (engine, test, reason). Every
/// line of such a test is recorded as a failure with the reason.
const NOT_RUN: &[(&str, &str, &str)] = &[(
    "spellbook",
    "timelimit",
    "compound checking has no time limit in spellbook; the 72-character compound does not finish",
)];

#[derive(Default, Clone, Copy)]
struct Tally {
    passed: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.passed += usize::from(ok);
    }

    fn percent(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.passed as f64 / self.total as f64
        }
    }
}

/// Runs the suite.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "hunspell `tests/` at f143a42 (MPL 1.1 / GPL 2+ / LGPL 2.1+), per engine",
    );
    let dir = crate::data_dir().join(NAME);
    let index: Index = match std::fs::read_to_string(dir.join("index.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(i) => i,
        Err(e) => {
            report.record(
                "index.json",
                Outcome::Fail(format!("cannot read index.json: {e}")),
            );
            return report;
        }
    };
    let mut table = String::from(
        "| engine | good lines | wrong lines | good + wrong | suggestion lines |\n|---|---|---|---|---|\n",
    );
    for &engine in Engine::all() {
        let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
        for test in &index.dic_driven_tests {
            run_test(
                &mut report,
                &mut tallies,
                engine,
                &dir.join("data"),
                &test.name,
            );
        }
        let t = |k: &str| tallies.get(k).copied().unwrap_or_default();
        let both = Tally {
            passed: t("good").passed + t("wrong").passed,
            total: t("good").total + t("wrong").total,
        };
        let cell = |x: Tally| format!("{} / {} ({:.1}%)", x.passed, x.total, x.percent());
        table.push_str(&format!(
            "| {engine} | {} | {} | {} | {} |\n",
            cell(t("good")),
            cell(t("wrong")),
            cell(both),
            cell(t("sug")),
        ));
    }
    report.extra_markdown = format!(
        "{table}\nA `.sug` line compares the engine's suggestions for the n-th wrong word that has any \
         with hunspell's n-th line, exactly (order included); a dictionary the engine cannot load \
         fails all its lines."
    );
    report
}

fn lines(path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&text);
    Some(
        text.lines()
            .map(|l| l.trim_end_matches('\r').to_owned())
            .collect(),
    )
}

fn run_test(
    report: &mut SuiteReport,
    tallies: &mut BTreeMap<&'static str, Tally>,
    engine: Engine,
    data: &Path,
    name: &str,
) {
    let good = lines(&data.join(format!("{name}.good"))).unwrap_or_default();
    let wrong = lines(&data.join(format!("{name}.wrong"))).unwrap_or_default();
    let sug = lines(&data.join(format!("{name}.sug"))).unwrap_or_default();
    let id = |kind: &str, i: usize| format!("{engine}/{name}.{kind}:{}", i + 1);
    let not_run = NOT_RUN
        .iter()
        .find(|(e, t, _)| *e == engine.name() && *t == name);
    let loaded = (|| -> Result<std::sync::Arc<dyn Dictionary>, String> {
        if let Some((_, _, reason)) = not_run {
            return Err(format!("not run: {reason}"));
        }
        let aff = std::fs::read(data.join(format!("{name}.aff"))).map_err(|e| e.to_string())?;
        let dic = std::fs::read(data.join(format!("{name}.dic"))).map_err(|e| e.to_string())?;
        catch_unwind(|| engine.load(name, &aff, &dic))
            .map_err(|_| "the engine panicked while loading".to_owned())?
            .map_err(|e| e.to_string())
    })();
    let dict = match loaded {
        Ok(d) => d,
        Err(e) => {
            let e = if e.starts_with("not run") {
                e
            } else {
                format!("not loaded: {e}")
            };
            for (kind, list) in [("good", &good), ("wrong", &wrong), ("sug", &sug)] {
                for (i, l) in list.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
                    let _ = l;
                    tallies.entry(kind).or_default().add(false);
                    report.record(id(kind, i), Outcome::Fail(e.clone()));
                }
            }
            return;
        }
    };
    let check = |word: &str| -> Result<bool, String> {
        catch_unwind(AssertUnwindSafe(|| {
            word.split_whitespace().all(|w| dict.check(w))
        }))
        .map_err(|_| format!("the engine panicked checking {word:?}"))
    };
    for (i, line) in good.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let outcome = match check(line) {
            Ok(true) => Outcome::Pass,
            Ok(false) => Outcome::Fail(format!("{line:?} rejected")),
            Err(e) => Outcome::Fail(e),
        };
        tallies
            .entry("good")
            .or_default()
            .add(outcome == Outcome::Pass);
        report.record(id("good", i), outcome);
    }
    let mut produced: Vec<String> = Vec::new();
    for (i, line) in wrong.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let rejected = line
            .split_whitespace()
            .map(|w| check(w).map(|ok| (w, ok)))
            .collect::<Result<Vec<_>, _>>();
        let outcome = match rejected {
            Ok(words) => {
                for (w, ok) in &words {
                    if !ok {
                        let mut out = Vec::new();
                        if catch_unwind(AssertUnwindSafe(|| dict.suggest(w, &mut out))).is_err() {
                            produced.push(format!("<panic suggesting {w:?}>"));
                        } else if !out.is_empty() {
                            produced.push(out.join(", "));
                        }
                    }
                }
                match words.iter().find(|(_, ok)| *ok) {
                    None => Outcome::Pass,
                    Some((w, _)) => Outcome::Fail(format!("{w:?} accepted")),
                }
            }
            Err(e) => Outcome::Fail(e),
        };
        tallies
            .entry("wrong")
            .or_default()
            .add(outcome == Outcome::Pass);
        report.record(id("wrong", i), outcome);
    }
    for (i, expected) in sug.iter().enumerate() {
        if expected.is_empty() {
            continue;
        }
        let outcome = match produced.get(i) {
            Some(got) if got == expected => Outcome::Pass,
            Some(got) => Outcome::Fail(format!("got {got:?}, want {expected:?}")),
            None => Outcome::Fail(format!("no suggestion line, want {expected:?}")),
        };
        tallies
            .entry("sug")
            .or_default()
            .add(outcome == Outcome::Pass);
        report.record(id("sug", i), outcome);
    }
}
