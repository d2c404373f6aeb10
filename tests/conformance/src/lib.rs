//! Data-driven runs of public conformance suites against the session crates.
//!
//! Each suite is a module with `pub fn run() -> SuiteReport`, registered in [`SUITES`]. A suite's
//! data lives in `tests/conformance/data/<suite>/` (copied with its README and license), or is
//! read from `../shared/conformance/<suite>/` when its license asks us not to copy it
//! ([`shared_dir`]). Known deviations are listed with a reason in
//! `data/<suite>/expected-failures` (`case-id<TAB>reason` per line): a new failure and a newly
//! passing expected failure both fail the conformance test (`tests/it`), so regressions and
//! fixes are both noticed. `cargo xtask conformance` runs the binary, which writes
//! `docs/conformance.md`.
//!
//! ```
//! let report = session_conformance::SuiteReport::new("example", "a source");
//! assert_eq!(report.passed(), 0);
//! ```

pub mod content_disposition;
pub mod cookies_http_state;
pub mod declarative_net_request;
pub mod extensions_url_patterns;
pub mod http_cache;
pub mod hunspell_tests;
pub mod hunspell_texts;
pub mod proxy_chromium;
pub mod public_suffix_list;

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A registered suite: its name and the function that runs it.
pub struct Suite {
    /// The suite's name (also its data folder).
    pub name: &'static str,
    /// Runs every case.
    pub run: fn() -> SuiteReport,
}

/// Every suite, in report order.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "content-disposition",
        run: content_disposition::run,
    },
    Suite {
        name: "http-cache",
        run: http_cache::run,
    },
    Suite {
        name: "cookies-http-state",
        run: cookies_http_state::run,
    },
    Suite {
        name: "public-suffix-list",
        run: public_suffix_list::run,
    },
    Suite {
        name: "hunspell-tests",
        run: hunspell_tests::run,
    },
    Suite {
        name: "hunspell-texts",
        run: hunspell_texts::run,
    },
    Suite {
        name: "proxy-chromium",
        run: proxy_chromium::run,
    },
    Suite {
        name: "extensions-url-patterns",
        run: extensions_url_patterns::run,
    },
    Suite {
        name: "declarative-net-request",
        run: declarative_net_request::run,
    },
];

/// The outcome of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Passed.
    Pass,
    /// Failed, with what differed.
    Fail(String),
    /// Not applicable (e.g. needs a renderer); counted apart.
    Skip(String),
}

/// The results of one suite.
#[derive(Clone, Debug)]
pub struct SuiteReport {
    /// Suite name.
    pub name: String,
    /// Where the data comes from.
    pub source: String,
    /// Case id → outcome, in id order.
    pub cases: BTreeMap<String, Outcome>,
    /// Case id → reason, from `expected-failures`.
    pub expected_failures: BTreeMap<String, String>,
    /// Extra markdown for the report (per-kind tables, comparisons with browsers).
    pub extra_markdown: String,
    /// Why the whole suite did not run (its data is absent), if it did not.
    pub skipped: Option<String>,
}

impl SuiteReport {
    /// An empty report; loads `expected-failures` of the suite if present.
    pub fn new(name: &str, source: &str) -> Self {
        SuiteReport {
            name: name.to_owned(),
            source: source.to_owned(),
            cases: BTreeMap::new(),
            expected_failures: load_expected_failures(name),
            extra_markdown: String::new(),
            skipped: None,
        }
    }

    /// Marks the whole suite as not run, e.g. when data kept in `../shared` is absent: nothing
    /// is then reported as failing or as fixed.
    pub fn skip_suite(mut self, reason: impl Into<String>) -> Self {
        self.skipped = Some(reason.into());
        self
    }

    /// Records a case.
    pub fn record(&mut self, id: impl Into<String>, outcome: Outcome) {
        self.cases.insert(id.into(), outcome);
    }

    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.cases.values().filter(|o| **o == Outcome::Pass).count()
    }

    /// Cases that ran (passed or failed, not skipped).
    pub fn ran(&self) -> usize {
        self.cases
            .values()
            .filter(|o| !matches!(o, Outcome::Skip(_)))
            .count()
    }

    /// Failures not listed in `expected-failures`: (id, detail).
    pub fn unexpected_failures(&self) -> Vec<(String, String)> {
        if self.skipped.is_some() {
            return Vec::new();
        }
        self.cases
            .iter()
            .filter_map(|(id, o)| match o {
                Outcome::Fail(d) if !self.expected_failures.contains_key(id) => {
                    Some((id.clone(), d.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Listed expected failures that now pass (or no longer exist).
    pub fn fixed_expected_failures(&self) -> Vec<String> {
        if self.skipped.is_some() {
            return Vec::new();
        }
        self.expected_failures
            .keys()
            .filter(|id| !matches!(self.cases.get(*id), Some(Outcome::Fail(_))))
            .cloned()
            .collect()
    }

    /// The report as markdown.
    pub fn to_markdown(&self) -> String {
        if let Some(reason) = &self.skipped {
            return format!(
                "## {}\n\nSource: {}\n\nNot run: {reason}.\n",
                self.name, self.source
            );
        }
        let mut md = format!(
            "## {}\n\nSource: {}\n\nPassed **{} of {}** run cases ({} skipped); {} expected failures listed; {} unexpected failures.\n\n",
            self.name,
            self.source,
            self.passed(),
            self.ran(),
            self.cases.len() - self.ran(),
            self.expected_failures.len(),
            self.unexpected_failures().len(),
        );
        if !self.extra_markdown.is_empty() {
            md.push_str(&self.extra_markdown);
            md.push_str("\n\n");
        }
        let listed: Vec<_> = self
            .expected_failures
            .iter()
            .filter(|(id, _)| matches!(self.cases.get(*id), Some(Outcome::Fail(_))))
            .collect();
        if !listed.is_empty() {
            md.push_str("| expected failure | reason |\n|---|---|\n");
            for (id, reason) in listed {
                md.push_str(&format!(
                    "| `{}` | {} |\n",
                    id.replace('|', "\\|"),
                    reason.replace('|', "\\|")
                ));
            }
            md.push('\n');
        }
        for (id, detail) in self.unexpected_failures() {
            md.push_str(&format!("- UNEXPECTED `{id}`: {detail}\n"));
        }
        md
    }
}

/// `tests/conformance/data`.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// `../shared/conformance` beside the project checkout (`$SESSION_SHARED_DIR/conformance` when
/// set). Suites whose license keeps their data there read it from here.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("SESSION_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("conformance")
}

fn load_expected_failures(suite: &str) -> BTreeMap<String, String> {
    let path = data_dir().join(suite).join("expected-failures");
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('\t') {
            Some((id, reason)) => (id.trim().to_owned(), reason.trim().to_owned()),
            None => (l.trim().to_owned(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_and_fixed_are_reported() {
        let mut r = SuiteReport::new("none", "test");
        r.expected_failures.insert("b".into(), "known".into());
        r.expected_failures.insert("c".into(), "known".into());
        r.record("a", Outcome::Fail("x".into()));
        r.record("b", Outcome::Fail("y".into()));
        r.record("c", Outcome::Pass);
        assert_eq!(r.unexpected_failures(), vec![("a".into(), "x".into())]);
        assert_eq!(r.fixed_expected_failures(), vec!["c".to_owned()]);
        assert_eq!(r.passed(), 1);
    }
}
