//! Real text in German, French, Spanish and British English, with Debian's dictionaries: the
//! texts of the `hunspell-texts` conformance suite (packages `fortunes-de`, `debian-faq-fr`,
//! `fortunes-es`, `fortunes`; the dictionaries from `hunspell-de-de`, `hunspell-fr`,
//! `hunspell-es`, `hunspell-en-gb`).
//!
//! - Suggestions for the distinct words `hunspell -l` flags in each text (up to [`WORDS`], in
//!   text order, without digits): ours (`Speller::suggest`) against libhunspell's
//!   `Hunspell_suggest`, which is what `hunspell -a` runs for each word (`libhunspell-dev`, a C
//!   harness compiled here). Both in thread CPU time, loading excluded.
//! - Ranking: how often hunspell's first suggestion is in our first three, and how many
//!   lower-case words get a capitalised word (not the word itself capitalised) first.
//! - Checking the ~200 KB French text without suggestions, loading the dictionary included:
//!   ours (read, load, `Speller::check_text`) against the `hunspell -l` command (its CPU time).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{CpuClock, compile_harness, median};
use session_spellcheck::{Engine, Speller};
use session_test_support::bench::{BenchRow, write_rows};

const DICT_DIR: &str = "/usr/share/hunspell";
const FORTUNES: &str = "/usr/share/games/fortunes";
/// Most words given suggestions per language.
const WORDS: usize = 200;
const ROUNDS: usize = 3;

struct Corpus {
    language: &'static str,
    stem: &'static str,
    files: &'static [&'static str],
}

const CORPORA: &[Corpus] = &[
    Corpus {
        language: "de",
        stem: "de_DE",
        files: &[
            "de/anekdoten",
            "de/sprichworte",
            "de/letzteworte",
            "de/kinderzitate",
            "de/stilblueten",
            "de/wusstensie",
            "de/sprueche",
            "de/murphy",
            "de/mathematiker",
            "de/fussball",
        ],
    },
    Corpus {
        language: "fr",
        stem: "fr_FR",
        files: &["/usr/share/doc/debian/FAQ/debian-faq.fr.txt.gz"],
    },
    Corpus {
        language: "es",
        stem: "es_ES",
        files: &[
            "es/amistad.fortunes",
            "es/ciencia.fortunes",
            "es/filosofia.fortunes",
            "es/libertad.fortunes",
            "es/proverbios.fortunes",
            "es/verdad.fortunes",
            "es/vida.fortunes",
        ],
    },
    Corpus {
        language: "en-GB",
        stem: "en_GB",
        files: &["literature", "wisdom", "education"],
    },
];

fn read_text(corpus: &Corpus) -> Result<String, String> {
    let mut text = String::new();
    for file in corpus.files {
        let path = if file.starts_with('/') {
            Path::new(file).to_owned()
        } else {
            Path::new(FORTUNES).join(file)
        };
        let bytes = if file.ends_with(".gz") {
            let out = Command::new("gzip")
                .arg("-dc")
                .arg(&path)
                .output()
                .map_err(|e| format!("cannot run gzip: {e}"))?;
            if !out.status.success() {
                return Err(format!("{} is absent", path.display()));
            }
            out.stdout
        } else {
            std::fs::read(&path).map_err(|_| format!("{} is absent", path.display()))?
        };
        text.push_str(&String::from_utf8_lossy(&bytes));
        text.push('\n');
    }
    Ok(text)
}

/// The distinct words `hunspell -l` flags in `text`, in order.
fn hunspell_flagged(stem: &str, text: &str) -> Result<Vec<String>, String> {
    let mut child = Command::new("hunspell")
        .args(["-d", &format!("{DICT_DIR}/{stem}"), "-l", "-i", "UTF-8"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run hunspell: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = text.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    let mut seen = std::collections::HashSet::new();
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()) && seen.insert(w.to_string()))
        .map(str::to_owned)
        .collect())
}

/// The CPU time (user + system) of running `command` in a shell, from the shell's `cutime` and
/// `cstime` (clock ticks).
fn child_cpu(command: &str) -> Result<Duration, String> {
    let script = format!("{command} >/dev/null || exit 1; read -r s < /proc/$$/stat; echo \"$s\"");
    let out = Command::new("sh")
        .args(["-c", &script])
        .output()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    if !out.status.success() {
        return Err(format!("{command} failed"));
    }
    let stat = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .ok_or("no /proc stat")?
        .1
        .split_whitespace()
        .collect();
    // Fields 16 and 17 of /proc/PID/stat; field 3 is the first after the ")".
    let ticks: u64 = fields[13].parse::<u64>().map_err(|e| e.to_string())?
        + fields[14].parse::<u64>().map_err(|e| e.to_string())?;
    let hz: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    Ok(Duration::from_secs_f64(ticks as f64 / hz))
}

struct Theirs {
    suggestions: Vec<Vec<String>>,
    time: Duration,
}

fn run_suggest_harness(exe: &Path, stem: &str, words_file: &Path) -> Result<Theirs, String> {
    let out = Command::new(exe)
        .arg(format!("{DICT_DIR}/{stem}.aff"))
        .arg(format!("{DICT_DIR}/{stem}.dic"))
        .arg(words_file)
        .output()
        .map_err(|e| format!("cannot run the harness: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut suggestions = Vec::new();
    let mut time = None;
    for line in text.lines() {
        if let Some(ns) = line.strip_prefix("suggest_ns ") {
            time = ns.parse().ok().map(Duration::from_nanos);
        } else {
            suggestions.push(line.split('\t').skip(1).map(str::to_owned).collect());
        }
    }
    Ok(Theirs {
        suggestions,
        time: time.ok_or_else(|| format!("harness output without suggest_ns: {text}"))?,
    })
}

fn capitalised_first(word: &str, suggestions: &[String]) -> bool {
    word.chars().next().is_some_and(char::is_lowercase)
        && suggestions.first().is_some_and(|s| {
            s.chars().next().is_some_and(char::is_uppercase) && s.to_lowercase() != word
        })
}

fn main() {
    let out = std::env::temp_dir().join(format!("spellcheck-text-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("bench dir");
    let harness = compile_harness("hunspell_suggest.c", &out);
    let mut rows = Vec::new();
    for corpus in CORPORA {
        let aff_path = format!("{DICT_DIR}/{}.aff", corpus.stem);
        let dic_path = format!("{DICT_DIR}/{}.dic", corpus.stem);
        let (text, aff, dic) = match (
            read_text(corpus),
            std::fs::read(&aff_path),
            std::fs::read(&dic_path),
        ) {
            (Ok(t), Ok(a), Ok(d)) => (t, a, d),
            (Err(e), _, _) => {
                eprintln!("{}: skipped: {e}", corpus.language);
                continue;
            }
            _ => {
                eprintln!("{}: skipped: {dic_path} is absent", corpus.language);
                continue;
            }
        };
        let dict = Engine::Spellbook
            .load(corpus.stem, &aff, &dic)
            .expect("load");
        let speller = Speller::new(vec![(corpus.language.to_owned(), dict)]);
        let mut words = match hunspell_flagged(corpus.stem, &text) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("{}: skipped: {e}", corpus.language);
                continue;
            }
        };
        let flagged = words.len();
        words.truncate(WORDS);
        let words_file = out.join(format!("{}.words", corpus.stem));
        std::fs::write(&words_file, words.join("\n") + "\n").expect("words");

        let t0 = CpuClock::now();
        let ours: Vec<Vec<String>> = words.iter().map(|w| speller.suggest(w)).collect();
        let our_time = t0.elapsed();
        let theirs = match harness
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|exe| run_suggest_harness(exe, corpus.stem, &words_file))
        {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{}: libhunspell anchor unavailable: {e}", corpus.language);
                continue;
            }
        };
        let per_word = |d: Duration| d.as_secs_f64() * 1e3 / words.len().max(1) as f64;
        rows.push(BenchRow {
            metric: format!(
                "suggestions for {} misspelt words of real text ({})",
                words.len(),
                corpus.stem
            ),
            unit: "ms/word".into(),
            ours: per_word(our_time),
            anchor: "libhunspell 1.7 Hunspell_suggest (what hunspell -a runs)".into(),
            anchor_value: per_word(theirs.time),
            lower_is_better: true,
            goal_ratio: Some(0.5),
            note: format!(
                "thread CPU time, loading excluded; the first {} of the {flagged} distinct words hunspell -l flags in the text (words with digits left out)",
                words.len()
            ),
        });
        let compared: Vec<(usize, &String)> = theirs
            .suggestions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.first().map(|first| (i, first)))
            .collect();
        let in_top3 = compared
            .iter()
            .filter(|(i, first)| {
                ours.get(*i)
                    .is_some_and(|o| o.iter().take(3).any(|s| s == *first))
            })
            .count();
        let misses: Vec<String> = compared
            .iter()
            .filter(|(i, first)| {
                !ours
                    .get(*i)
                    .is_some_and(|o| o.iter().take(3).any(|s| s == *first))
            })
            .take(5)
            .map(|(i, first)| {
                format!(
                    "`{}`: hunspell `{first}`, ours `{}`",
                    words[*i],
                    ours[*i]
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        let pct = 100.0 * in_top3 as f64 / compared.len().max(1) as f64;
        let ours_cap = words
            .iter()
            .zip(&ours)
            .filter(|(w, s)| capitalised_first(w, s))
            .count();
        let theirs_cap = words
            .iter()
            .zip(&theirs.suggestions)
            .filter(|(w, s)| capitalised_first(w, s))
            .count();
        rows.push(BenchRow {
            metric: format!("hunspell's first suggestion in our top 3 ({})", corpus.stem),
            unit: "%".into(),
            ours: pct,
            anchor: "hunspell (its own first suggestion)".into(),
            anchor_value: 100.0,
            lower_is_better: false,
            goal_ratio: Some(0.97),
            note: format!(
                "{in_top3} of {} words hunspell has a suggestion for; lower-case words with a capitalised other word first: ours {ours_cap}, hunspell {theirs_cap}; misses: {}",
                compared.len(),
                if misses.is_empty() { "none".into() } else { misses.join("; ") }
            ),
        });

        if corpus.language == "fr" {
            let text_file = out.join("fr.txt");
            std::fs::write(&text_file, &text).expect("text");
            let mut ours_check = Vec::new();
            let mut theirs_check = Vec::new();
            let mut found = 0;
            for _ in 0..ROUNDS {
                let t0 = CpuClock::now();
                let text = std::fs::read_to_string(&text_file).expect("text");
                let aff = std::fs::read(&aff_path).expect("aff");
                let dic = std::fs::read(&dic_path).expect("dic");
                let dict = Engine::Spellbook.load("fr_FR", &aff, &dic).expect("load");
                let speller = Speller::new(vec![("fr".to_owned(), dict)]);
                found = speller.check_text(&text).len();
                ours_check.push(t0.elapsed());
                match child_cpu(&format!(
                    "hunspell -d {DICT_DIR}/fr_FR -l -i UTF-8 {}",
                    text_file.display()
                )) {
                    Ok(d) => theirs_check.push(d),
                    Err(e) => eprintln!("hunspell -l: {e}"),
                }
            }
            if !theirs_check.is_empty() {
                rows.push(BenchRow {
                    metric: format!(
                        "check a {} KB French text without suggestions, dictionary load included (fr_FR)",
                        text.len() / 1000
                    ),
                    unit: "ms".into(),
                    ours: median(ours_check).as_secs_f64() * 1e3,
                    anchor: "hunspell -l (1.7 CLI, process CPU time)".into(),
                    anchor_value: median(theirs_check).as_secs_f64() * 1e3,
                    lower_is_better: true,
                    goal_ratio: Some(1.0),
                    note: format!(
                        "median of {ROUNDS} rounds; ours = read + decode + load fr_FR + Speller::check_text in thread CPU time ({found} misspellings), hunspell's from the shell's cutime + cstime (10 ms ticks)"
                    ),
                });
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    write_rows("spellcheck-text", &rows).expect("write bench rows");
}
