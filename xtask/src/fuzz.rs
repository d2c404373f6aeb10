//! `cargo xtask fuzz [--seconds N] [TARGET ...]`: runs the coverage-guided fuzz targets of
//! `fuzz/` (cargo-fuzz on the nightly toolchain; the fuzz crate is not part of the stable
//! workspace) and writes `docs/fuzzing.md`.
//!
//! Each target starts from its checked-in seed corpus (`fuzz/corpus/<target>/`, never written)
//! and grows a scratch corpus under `fuzz/target/corpus/<target>/` for N seconds (default 120).
//! The report has, per target, the executions, libFuzzer's coverage (`cov`) and feature (`ft`)
//! counts, the scratch corpus size, peak memory, and the crashes found; a crash leaves its input
//! in `fuzz/artifacts/<target>/` and makes the command fail, so it becomes a regression test and
//! a fix before the report is kept.

use std::path::Path;
use std::process::Command;

use crate::root;

const TARGETS: &[(&str, &str)] = &[
    (
        "cookie_line",
        "Set-Cookie lines and cookie dates into a jar (HTTP and script sources)",
    ),
    (
        "cookie_rows",
        "the cookie store's row codec, as read back from SQLite",
    ),
    (
        "cookie_import",
        "cookies.txt and JSON cookie imports, and their export",
    ),
    (
        "cache_headers",
        "Cache-Control, Age, HTTP dates, Use-As-Dictionary, dictionary match patterns",
    ),
    (
        "cache_entry",
        "disk cache entry metadata files (damaged, torn, or crafted with a valid checksum)",
    ),
    (
        "http_response",
        "raw server bytes through the HTTP/1.1 client: response heads, framing, gzip/deflate/br/zstd \
         decoding with limits, redirects, and the net log and HAR writers",
    ),
    (
        "content_disposition",
        "Content-Disposition with RFC 5987/2047 and referrer charsets",
    ),
    (
        "proxy_config",
        "proxy rules, bypass rules, PAC results, proxy modes, host resolver rules",
    ),
    (
        "match_patterns",
        "Chrome match patterns (match, overlap, intersection, sets) and globs",
    ),
    (
        "hunspell",
        ".aff/.dic pairs (encodings, completeness) and Custom Dictionary.txt",
    ),
    ("hid_descriptor", "HID report descriptors"),
    (
        "www_authenticate",
        "WWW-Authenticate / Proxy-Authenticate challenges and the scheme choice",
    ),
    (
        "extension_json",
        "extension manifests, messages.json catalogs, declarativeNetRequest rules",
    ),
    (
        "sts_header",
        "Strict-Transport-Security (HSTS) header values",
    ),
];

/// Crashes found by the targets (or while writing them), each fixed with a regression test beside the parser: (target,
/// what it was, the test that keeps it fixed). The report lists them under its table.
const FIXED: &[(&str, &str, &str)] = &[(
    "cache_entry",
    "a sealed entry file with a header count above `HeaderMap`'s maximum panicked in \
     `HeaderMap::with_capacity`; a vary count of 4 billion asked for a huge allocation. Counts \
     read from the file now only cap the initial capacity",
    "session-cache `entry::tests::absurd_counts_are_refused`",
)];

struct Outcome {
    target: &'static str,
    what: &'static str,
    execs: u64,
    cov: u64,
    ft: u64,
    corpus: u64,
    rss_mb: u64,
    crashed: Option<String>,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 120u64;
    let mut only: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds needs a number")?;
            }
            t if TARGETS.iter().any(|(n, _)| *n == t) => only.push(t.to_owned()),
            other => return Err(format!("unknown fuzz argument or target '{other}'")),
        }
    }
    let fuzz_dir = root().join("fuzz");
    rustup(&fuzz_dir, &["cargo", "fuzz", "build", "-O"])?;
    let mut outcomes = Vec::new();
    for &(target, what) in TARGETS {
        if !only.is_empty() && !only.iter().any(|o| o == target) {
            continue;
        }
        let scratch = fuzz_dir.join("target/corpus").join(target);
        std::fs::create_dir_all(&scratch)
            .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
        let seeds = fuzz_dir.join("corpus").join(target);
        println!("$ cargo fuzz run {target} ({seconds} s)");
        let out = Command::new("rustup")
            .args(["run", "nightly", "cargo", "fuzz", "run", "-O", target])
            .arg(&scratch)
            .arg(&seeds)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-print_final_stats=1",
                "-rss_limit_mb=2048",
                "-timeout=10",
            ])
            .current_dir(&fuzz_dir)
            .output()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let mut o = parse_log(target, what, &log);
        o.corpus = std::fs::read_dir(&scratch).map_or(0, |d| d.count() as u64);
        if !out.status.success() && o.crashed.is_none() {
            o.crashed = Some(format!("exit {}", out.status));
        }
        println!(
            "  {target}: {} execs, cov {}, ft {}, corpus {}{}",
            o.execs,
            o.cov,
            o.ft,
            o.corpus,
            o.crashed
                .as_deref()
                .map(|c| format!(", CRASH {c}"))
                .unwrap_or_default()
        );
        outcomes.push(o);
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crashed.is_some())
        .map(|o| o.target)
        .collect();
    if only.is_empty() && crashed.is_empty() {
        write_report(&outcomes, seconds)?;
    }
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets crashed: {}", crashed.join(", ")))
    }
}

fn rustup(dir: &Path, args: &[&str]) -> Result<(), String> {
    println!("$ rustup run nightly {}", args.join(" "));
    let status = Command::new("rustup")
        .args(["run", "nightly"])
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| {
            format!("cannot run rustup (the nightly toolchain and cargo-fuzz are needed): {e}")
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed ({status}); install cargo-fuzz with `cargo install --locked cargo-fuzz`",
            args.join(" ")
        ))
    }
}

/// Reads libFuzzer's final stats and its last status line.
fn parse_log(target: &'static str, what: &'static str, log: &str) -> Outcome {
    let stat = |name: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let field = |line: &str, key: &str| {
        line.split_whitespace()
            .skip_while(|w| *w != key)
            .nth(1)
            .and_then(|v| v.parse::<u64>().ok())
    };
    let last = log
        .lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains("cov:"))
        .unwrap_or("");
    let crashed = log
        .lines()
        .find(|l| l.contains("Test unit written to"))
        .map(|l| l.trim().to_owned());
    Outcome {
        target,
        what,
        execs: stat("number_of_executed_units"),
        cov: field(last, "cov:").unwrap_or(0),
        ft: field(last, "ft:").unwrap_or(0),
        corpus: 0,
        rss_mb: stat("peak_rss_mb"),
        crashed,
    }
}

fn write_report(outcomes: &[Outcome], seconds: u64) -> Result<(), String> {
    let mut md = String::from(
        "# Fuzzing\n\nWritten by `cargo xtask fuzz` (cargo-fuzz with libFuzzer and AddressSanitizer, nightly \
         toolchain). Each target starts from its seed corpus in `fuzz/corpus/<target>/` and runs for \
         the time given; `cov` and `ft` are libFuzzer's edge-coverage and feature counts at the end of \
         the run. A crash fails the command and leaves its input in `fuzz/artifacts/`; each one \
         becomes a regression test beside the parser and a fix.\n\n",
    );
    md.push_str(&format!(
        "Recorded run: {seconds} s per target on this 2-core machine.\n\n\
         | target | what it feeds | executions | cov | ft | corpus | peak RSS (MB) | crashes |\n\
         |---|---|---:|---:|---:|---:|---:|---|\n"
    ));
    for o in outcomes {
        md.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            o.target,
            o.what,
            o.execs,
            o.cov,
            o.ft,
            o.corpus,
            o.rss_mb,
            o.crashed.as_deref().unwrap_or("none")
        ));
    }
    md.push_str("\n## Crashes found and fixed\n\n");
    for (target, what, test) in FIXED {
        md.push_str(&format!("- `{target}`: {what}. Regression test: {test}.\n"));
    }
    let path = root().join("docs/fuzzing.md");
    std::fs::write(&path, md).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
