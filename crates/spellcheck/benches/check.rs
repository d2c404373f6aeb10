//! Checking a ~1M-word English text with Debian's en_US dictionary (package `hunspell-en-us`),
//! against libhunspell (`libhunspell-dev`, through a small C harness compiled here) in the same
//! run, plus flagged-word agreement with the `hunspell -l` CLI.
//!
//! The text is generated: words drawn with a Zipf distribution over a vocabulary ranked by the
//! English prose of `/usr/share/common-licenses` (most frequent first), followed by the
//! dictionary's stems; sentences of 6-20 words, capitalized, with commas; 1% of the words
//! misspelled by one random edit.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod common;

use common::{CpuClock, compile_harness, median};
use session_spellcheck::{Engine, Speller, text};
use session_test_support::bench::{BenchRow, write_rows};

const DICT_DIR: &str = "/usr/share/hunspell";
const WORDS: usize = 1_000_000;
const ROUNDS: usize = 5;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn plain_word(w: &str) -> bool {
    let mut parts = w.split('\'');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphabetic()))
    };
    let first = parts.next();
    ok(first) && parts.clone().count() <= 1 && parts.all(|p| ok(Some(p)))
}

fn vocabulary(dic: &str) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/usr/share/common-licenses") {
        for entry in dir.flatten() {
            let Ok(prose) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            for w in prose.split(|c: char| !(c.is_ascii_alphabetic() || c == '\'')) {
                let w = w.trim_matches('\'');
                if w.len() > 1 && plain_word(w) {
                    *counts.entry(w.to_lowercase()).or_default() += 1;
                }
            }
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut vocab: Vec<String> = ranked.into_iter().map(|(w, _)| w).collect();
    let known: std::collections::HashSet<String> = vocab.iter().cloned().collect();
    let mut stems: Vec<String> = dic
        .lines()
        .skip(1)
        .map(|l| l.split('/').next().unwrap_or("").trim().to_owned())
        .filter(|w| plain_word(w) && !known.contains(w))
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in (1..stems.len()).rev() {
        stems.swap(i, rng.below(i + 1));
    }
    vocab.extend(stems);
    vocab
}

fn misspell(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 3 {
        return format!("{word}q");
    }
    let i = 1 + rng.below(chars.len() - 1);
    let letter = char::from(b'a' + rng.below(26) as u8);
    match rng.below(4) {
        0 => chars.swap(i - 1, i),
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, letter),
        _ => chars[i] = letter,
    }
    chars.into_iter().collect()
}

fn generate(vocab: &[String]) -> String {
    // Zipf (s = 1) by inverse CDF.
    let mut cdf = Vec::with_capacity(vocab.len());
    let mut sum = 0.0;
    for r in 1..=vocab.len() {
        sum += 1.0 / r as f64;
        cdf.push(sum);
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = String::with_capacity(WORDS * 8);
    let mut in_sentence = 0;
    let mut sentence_len = 6 + rng.below(15);
    for _ in 0..WORDS {
        let x = rng.unit() * sum;
        let idx = cdf.partition_point(|&c| c < x).min(vocab.len() - 1);
        let mut word = vocab[idx].clone();
        if rng.below(100) == 0 {
            word = misspell(&word, &mut rng);
        }
        if in_sentence == 0 {
            let mut c = word.chars();
            if let Some(first) = c.next() {
                word = first.to_uppercase().chain(c).collect();
            }
        }
        out.push_str(&word);
        in_sentence += 1;
        if in_sentence == sentence_len {
            out.push_str(".\n");
            in_sentence = 0;
            sentence_len = 6 + rng.below(15);
        } else if rng.below(12) == 0 {
            out.push_str(", ");
        } else {
            out.push(' ');
        }
    }
    out
}

struct Hunspell {
    load: Duration,
    check: Duration,
    words: usize,
    wrong: usize,
}

fn run_harness(exe: &Path, words_file: &Path) -> Result<Hunspell, String> {
    let out = Command::new(exe)
        .arg(format!("{DICT_DIR}/en_US.aff"))
        .arg(format!("{DICT_DIR}/en_US.dic"))
        .arg(words_file)
        .arg("1")
        .output()
        .map_err(|e| format!("cannot run the harness: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let get = |name: &str| -> Result<u64, String> {
        fields
            .iter()
            .position(|f| *f == name)
            .and_then(|i| fields.get(i + 1))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("harness output without {name}: {text}"))
    };
    Ok(Hunspell {
        load: Duration::from_nanos(get("load_ns")?),
        check: Duration::from_nanos(get("check_ns")?),
        words: get("words")? as usize,
        wrong: get("wrong")? as usize,
    })
}

/// Multiset agreement: common flagged words over all flagged words (either side).
fn agreement(ours: &[String], theirs: &[String]) -> (f64, usize, usize) {
    let mut a: HashMap<&str, isize> = HashMap::new();
    for w in ours {
        *a.entry(w).or_default() += 1;
    }
    let mut common = 0usize;
    let mut only_theirs = 0usize;
    for w in theirs {
        match a.get_mut(w.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                common += 1;
            }
            _ => only_theirs += 1,
        }
    }
    let only_ours: usize = a.values().map(|&n| n.max(0) as usize).sum();
    let union = common + only_ours + only_theirs;
    (common as f64 / union.max(1) as f64, only_ours, only_theirs)
}

fn main() {
    let aff_path = format!("{DICT_DIR}/en_US.aff");
    let dic_path = format!("{DICT_DIR}/en_US.dic");
    let dic = std::fs::read_to_string(&dic_path).expect("install hunspell-en-us");
    let text = generate(&vocabulary(&dic));
    let tokens = text::tokenize(&text);
    let out = std::env::temp_dir().join(format!("spellcheck-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("bench dir");
    let words_file = out.join("words.txt");
    let mut list = String::with_capacity(text.len());
    for t in &tokens {
        list.push_str(t.word);
        list.push('\n');
    }
    std::fs::write(&words_file, list).expect("words");
    let text_file = out.join("text.txt");
    std::fs::write(&text_file, &text).expect("text");

    // Ours and libhunspell alternate, round by round, so that a busy machine slows both alike;
    // each figure is the median of its rounds.
    let harness = compile_harness("hunspell_harness.c", &out);
    let load_once = |engine: Engine| {
        let t0 = CpuClock::now();
        let aff = std::fs::read(&aff_path).expect("aff");
        let dic = std::fs::read(&dic_path).expect("dic");
        let dict = engine.load("en_US", &aff, &dic).expect("load");
        (t0.elapsed(), dict)
    };
    let (_, dict) = load_once(Engine::Spellbook);
    let speller = Speller::new(vec![("en-US".into(), dict.clone())]);
    let (mut our_loads, mut our_checks, mut raw_checks) = (Vec::new(), Vec::new(), Vec::new());
    let (mut hun_loads, mut hun_checks) = (Vec::new(), Vec::new());
    let mut found = Vec::new();
    let mut raw_wrong = 0;
    let mut hun: Result<Hunspell, String> = Err("not run".into());
    for _ in 0..ROUNDS {
        our_loads.push(load_once(Engine::Spellbook).0);
        let t0 = CpuClock::now();
        found = speller.check_text(&text);
        our_checks.push(t0.elapsed());
        let t0 = CpuClock::now();
        raw_wrong = tokens.iter().filter(|t| !dict.check(t.word)).count();
        raw_checks.push(t0.elapsed());
        hun = harness
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|exe| run_harness(exe, &words_file));
        if let Ok(h) = &hun {
            hun_loads.push(h.load);
            hun_checks.push(h.check);
        }
    }
    let our_load = median(our_loads);
    let our_check = median(our_checks);
    let raw_check = median(raw_checks);
    if let Ok(h) = &mut hun {
        h.load = median(hun_loads);
        h.check = median(hun_checks);
    }
    let distinct: std::collections::HashSet<&str> = tokens.iter().map(|t| t.word).collect();
    if std::env::var_os("SPELL_BENCH_DEBUG").is_some() {
        let t0 = CpuClock::now();
        let mut n = 0;
        text::for_each_word(&text, |_| n += 1);
        eprintln!("tokenize only: {:?} for {n}", t0.elapsed());
        use std::hash::BuildHasher;
        let hasher = foldhash::fast::FixedState::with_seed(1);
        let t0 = CpuClock::now();
        let mut acc = 0u64;
        text::for_each_word(&text, |t| acc ^= hasher.hash_one(t.word));
        eprintln!("tokenize + hash: {:?} ({acc})", t0.elapsed());
        let t0 = CpuClock::now();
        let mut acc = 0usize;
        for t in &tokens {
            acc += usize::from(dict.check(t.word));
        }
        eprintln!("raw spellbook loop: {:?} ({acc})", t0.elapsed());
        let t0 = CpuClock::now();
        let found2 = speller.check_text(&text);
        eprintln!("check_text: {:?} ({})", t0.elapsed(), found2.len());
        let wrong: Vec<&str> = tokens
            .iter()
            .map(|t| t.word)
            .filter(|w| !dict.check(w))
            .collect();
        let t0 = CpuClock::now();
        for w in &wrong {
            std::hint::black_box(dict.check(w));
        }
        eprintln!(
            "checking the {} wrong tokens: {:?}",
            wrong.len(),
            t0.elapsed()
        );
        let right: Vec<&str> = distinct.iter().copied().filter(|w| dict.check(w)).collect();
        let t0 = CpuClock::now();
        for w in &right {
            std::hint::black_box(dict.check(w));
        }
        eprintln!(
            "checking the {} distinct right words once: {:?}",
            right.len(),
            t0.elapsed()
        );
    }

    let cli = Command::new("hunspell")
        .args(["-d", &format!("{DICT_DIR}/en_US"), "-l", "-i", "UTF-8"])
        .arg(&text_file)
        .output();
    let _ = std::fs::remove_dir_all(&out);

    let n = tokens.len() as f64;
    let wps = |d: Duration| n / d.as_secs_f64() / 1e6;
    let mut rows = Vec::new();
    match &hun {
        Ok(h) => {
            rows.push(BenchRow {
                metric: format!("check a {}-word English text (en_US)", tokens.len()),
                unit: "M words/s".into(),
                ours: wps(our_check),
                anchor: "libhunspell 1.7 (C harness, Hunspell_spell per word)".into(),
                anchor_value: h.words as f64 / h.check.as_secs_f64() / 1e6,
                lower_is_better: false,
                goal_ratio: Some(5.0),
                note: format!(
                    "thread CPU time, median of {ROUNDS} alternating rounds; ours = Speller::check_text (segmentation included, repeated words checked once per call; {} distinct words); spellbook per word without that: {:.2} M words/s ({} flagged); flagged: ours {}, libhunspell {} of {} words",
                    distinct.len(),
                    wps(raw_check),
                    raw_wrong,
                    found.len(),
                    h.wrong,
                    h.words
                ),
            });
            rows.push(BenchRow {
                metric: "load en_US (.aff + .dic)".into(),
                unit: "ms".into(),
                ours: our_load.as_secs_f64() * 1e3,
                anchor: "libhunspell 1.7 Hunspell_create".into(),
                anchor_value: h.load.as_secs_f64() * 1e3,
                lower_is_better: true,
                goal_ratio: Some(1.0),
                note: format!(
                    "thread CPU time, median of {ROUNDS} rounds alternating with libhunspell; ours reads, decodes and parses both files"
                ),
            });
        }
        Err(e) => eprintln!("libhunspell anchor unavailable: {e}"),
    }
    match cli {
        Ok(o) if o.status.success() => {
            let theirs: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect();
            let ours: Vec<String> = found.iter().map(|m| m.word.clone()).collect();
            let (ratio, only_ours, only_theirs) = agreement(&ours, &theirs);
            if std::env::var_os("SPELL_BENCH_DEBUG").is_some() {
                let mine: std::collections::HashSet<&str> =
                    ours.iter().map(String::as_str).collect();
                let theirs_set: std::collections::HashSet<&str> =
                    theirs.iter().map(String::as_str).collect();
                eprintln!(
                    "only hunspell: {:?}",
                    theirs_set.difference(&mine).take(30).collect::<Vec<_>>()
                );
                eprintln!(
                    "only ours: {:?}",
                    mine.difference(&theirs_set).take(30).collect::<Vec<_>>()
                );
                let mut counts: HashMap<&str, isize> = HashMap::new();
                for w in &ours {
                    *counts.entry(w).or_default() += 1;
                }
                for w in &theirs {
                    *counts.entry(w).or_default() -= 1;
                }
                eprintln!(
                    "count differences: {:?}",
                    counts
                        .iter()
                        .filter(|(_, n)| **n != 0)
                        .take(20)
                        .collect::<Vec<_>>()
                );
            }
            rows.push(BenchRow {
                metric: "flagged-word agreement with hunspell -l".into(),
                unit: "%".into(),
                ours: ratio * 100.0,
                anchor: "hunspell -l (1.7 CLI)".into(),
                anchor_value: 100.0,
                lower_is_better: false,
                goal_ratio: Some(0.9999),
                note: format!(
                    "{} flagged by hunspell; {only_ours} flagged only by us, {only_theirs} only by hunspell",
                    theirs.len()
                ),
            });
        }
        Ok(o) => eprintln!("hunspell -l failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => eprintln!("cannot run hunspell: {e}"),
    }
    #[cfg(feature = "zspell")]
    if let Ok(h) = &hun {
        let (z_load, z) = load_once(Engine::Zspell);
        let zs = Speller::new(vec![("en-US".into(), z)]);
        let t0 = CpuClock::now();
        let z_found = zs.check_text(&text);
        let z_check = t0.elapsed();
        rows.push(BenchRow {
            metric: "zspell engine: load en_US".into(),
            unit: "ms".into(),
            ours: z_load.as_secs_f64() * 1e3,
            anchor: "libhunspell 1.7 Hunspell_create".into(),
            anchor_value: h.load.as_secs_f64() * 1e3,
            lower_is_better: true,
            goal_ratio: None,
            note: "the optional engine, for comparison".into(),
        });
        rows.push(BenchRow {
            metric: "zspell engine: check the same text".into(),
            unit: "M words/s".into(),
            ours: wps(z_check),
            anchor: "libhunspell 1.7 (C harness)".into(),
            anchor_value: h.words as f64 / h.check.as_secs_f64() / 1e6,
            lower_is_better: false,
            goal_ratio: None,
            note: format!("flagged {} (spellbook {})", z_found.len(), found.len()),
        });
    }
    write_rows("spellcheck", &rows).expect("write bench rows");
}
