//! `session-reliability`: the trials behind `docs/reliability.md`, run by
//! `cargo xtask reliability` (not part of the test command: it runs for minutes).
//!
//! Each figure comes from a check that fails the run when it does not hold:
//!
//! - cookie burst: 1,000 concurrent GETs whose responses each set a persistent cookie, through a
//!   session whose jar is on disk and one whose jar is in memory, in the same run (goal ≤ 1.5x);
//!   afterwards every cookie is on disk;
//! - crash trials, cookies: a child process sets cookies and prints each acknowledged `set`; it
//!   is killed with SIGKILL at a random point; the reopened store must hold every acknowledged
//!   cookie;
//! - crash trials, downloads: a child process downloads (throttled) with its journal; it is
//!   killed with SIGKILL at a random point; the journal must list the item interrupted
//!   (`CRASH`), never claim more bytes than the part file holds, and the resume must continue by
//!   `Range` from the journaled offset to a byte-identical file. The bytes fetched again (on
//!   disk at the kill but not yet checkpointed) are reported;
//! - crash trials, disk cache: a child fills a persistent partition's cache and is killed; the
//!   reopened partition must open and serve no body that differs from what the site sent;
//! - crash trials, Preferences and grants: a child writes both through the facade and is
//!   killed; the partition must open without warnings, both files parse, and every
//!   acknowledged write is there;
//! - hostile servers (`session_test_support::hostile`): each case ends as expected with the
//!   child's peak memory under a bound;
//! - isolation matrix: state made in one partition never reaches another (also a unit test);
//! - load: 2,000 concurrent fetches (HTTP/1.1 and HTTP/2) plus 32 concurrent 16 MiB downloads,
//!   through one session and over 100 partitions, within a deadline; peak RSS reported;
//! - soak: a fixed-seed mix for `--soak-seconds` (default 600) in which memory does not grow.
//!
//! `session-reliability OUT.md [--trials N] [--seed S] [--soak-seconds N] [--only a,b]`
//! (`--only` runs some of `burst,cookies,downloads,cache,prefs,hostile,isolation,load,soak`
//! while developing); the children are this binary again (`child-cookies`, `child-download`,
//! `child-cache`, `child-prefs`, `child-hostile`, `child-load`, `child-soak`).

mod burst;
mod common;
mod crash;
mod crash_facade;
mod hostile;
mod isolation;
mod load;
mod soak;

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// Every allocation is counted, so the soak can tell live heap bytes (a leak grows them) from
/// resident pages (which also grow with allocator fragmentation).
#[global_allocator]
static ALLOCATOR: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed by this process, in KiB.
pub(crate) fn heap_live_kib() -> u64 {
    let s = ALLOCATOR.stats();
    // A realloc is counted in `bytes_allocated` / `bytes_deallocated` already.
    (s.bytes_allocated.saturating_sub(s.bytes_deallocated) as u64) >> 10
}

/// A small deterministic generator (xorshift); the seed is printed so a run can be repeated.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// One section of the report: its markdown, and whether its checks held.
pub(crate) struct Section {
    pub(crate) markdown: String,
    pub(crate) passed: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("child-cookies") => crash::child_cookies(&args[1..]),
        Some("child-download") => crash::child_download(&args[1..]),
        Some("child-cache") => crash_facade::child_cache(&args[1..]),
        Some("child-prefs") => crash_facade::child_prefs(&args[1..]),
        Some("child-hostile") => hostile::child_hostile(&args[1..]),
        Some("child-load") => load::child_load(&args[1..]),
        Some("child-soak") => soak::child_soak(&args[1..]),
        Some(out) if !out.starts_with('-') => run(out, &args[1..]),
        _ => Err(
            "usage: session-reliability OUT.md [--trials N] [--seed S] [--soak-seconds N]"
                .to_owned(),
        ),
    };
    if let Err(e) = result {
        eprintln!("session-reliability: {e}");
        std::process::exit(1);
    }
}

fn flag(args: &[String], name: &str) -> Result<Option<u64>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{name} needs a number")),
    }
}

fn run(out: &str, args: &[String]) -> Result<(), String> {
    let trials = flag(args, "--trials")?.unwrap_or(100);
    let soak_seconds = flag(args, "--soak-seconds")?.unwrap_or(600);
    let seed = flag(args, "--seed")?.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    println!("session-reliability: {trials} trials per crash kind, seed {seed}");
    let mut rng = Rng::new(seed);
    // `--only a,b` runs some sections (while developing); the recorded run runs them all.
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').map(str::to_owned).collect());
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    let mut sections = Vec::new();
    if wanted("burst") {
        sections.push(burst::cookie_burst()?);
    }
    if wanted("cookies") {
        sections.push(crash::cookie_crashes(trials, &mut rng)?);
    }
    if wanted("downloads") {
        sections.push(crash::download_crashes(trials, &mut rng)?);
    }
    if wanted("cache") {
        sections.push(crash_facade::cache_crashes(trials, &mut rng)?);
    }
    if wanted("prefs") {
        sections.push(crash_facade::prefs_crashes(trials, &mut rng)?);
    }
    if wanted("hostile") {
        sections.push(hostile::hostile()?);
    }
    if wanted("isolation") {
        sections.push(isolation::isolation()?);
    }
    if wanted("load") {
        sections.push(load::load()?);
    }
    if wanted("soak") {
        sections.push(soak::soak(soak_seconds, seed)?);
    }
    let mut md = String::from(
        "# Reliability\n\nWritten by `session-reliability` (`cargo xtask reliability` runs it as a release build). \
         Every figure comes from a check that fails the run when it does not hold.\n\n",
    );
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let _ = writeln!(
        md,
        "Machine: {} CPUs; {profile} build; {trials} trials per crash kind; seed {seed} (`--seed {seed}` repeats the random points).\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    let mut passed = true;
    for s in &sections {
        md.push_str(&s.markdown);
        md.push('\n');
        passed &= s.passed;
    }
    md.push_str(LIMITS);
    std::fs::write(out, md).map_err(|e| format!("cannot write {out}: {e}"))?;
    println!("wrote {out}");
    if passed {
        Ok(())
    } else {
        Err("some checks failed (see the report)".to_owned())
    }
}

/// What the report does not measure yet, said plainly.
const LIMITS: &str = "## Limits of these figures\n\n\
- The crash trials kill processes (SIGKILL): the kernel keeps what they wrote, so they show that nothing \
acknowledged is lost when a process dies. A power cut is not simulated; what covers it is the order of the \
writes (data fsynced before the journal, the cookie store's commits, atomic renames), not a figure here.\n\
- The soak runs for 10 minutes by default (`--soak-seconds` for longer).\n";
