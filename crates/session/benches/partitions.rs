//! Many partitions in one process: 1,000 in-memory sessions, what each costs in resident memory
//! and how long each takes to create. Whatever is immutable (parsed roots, the public suffix
//! list, static tables) is shared by the sessions of a process; per-session state is made when
//! first used.

#![allow(missing_docs)]

use std::time::Instant;

use session::{SessionOptions, Sessions};
use session_test_support::bench::{BenchRow, write_rows};

const N: usize = 1_000;
const ROUNDS: usize = 5;

/// Resident set size of this process, bytes (Linux `/proc/self/statm`).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// One round, in a process of its own (memory a previous round freed would otherwise be
/// reused without growing the RSS): prints `ROUND <us each> <KiB each>`.
/// CPU time of the calling thread, seconds (`/proc/thread-self/schedstat`).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .unwrap_or(f64::NAN)
        / 1e9
}

fn round() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    rt.block_on(async {
        let sessions = Sessions::new(tmp.path().join("user-data"));
        // One session first, so that what a process makes once is not counted per partition.
        let _first = sessions
            .from_partition("warm", SessionOptions::default())
            .expect("session");
        let before = rss().expect("rss");
        let (start, cpu) = (Instant::now(), thread_cpu());
        let mut all = Vec::with_capacity(N);
        for i in 0..N {
            all.push(
                sessions
                    .from_partition(&format!("tab-{i}"), SessionOptions::default())
                    .expect("session"),
            );
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / N as f64;
        let cpu_us = (thread_cpu() - cpu) * 1e6 / N as f64;
        let kib = rss().expect("rss").saturating_sub(before) as f64 / 1024.0 / N as f64;
        println!("ROUND {us} {kib} {cpu_us}");
        drop(all);
    });
}

fn main() {
    if std::env::var_os("SES_PARTITIONS_ROUND").is_some() {
        round();
        return;
    }
    let (mut per_us, mut per_kib, mut per_cpu_us) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env("SES_PARTITIONS_ROUND", "1")
            .output()
            .expect("run a round");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("ROUND "))
            .unwrap_or_else(|| panic!("round failed: {}", String::from_utf8_lossy(&out.stderr)));
        let mut it = line
            .split_whitespace()
            .map(|v| v.parse::<f64>().expect("number"));
        per_us.push(it.next().expect("us"));
        per_kib.push(it.next().expect("kib"));
        per_cpu_us.push(it.next().expect("cpu us"));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let rows = vec![
        BenchRow {
            metric: "1,000 in-memory partitions in one process: resident memory each".into(),
            unit: "KiB".into(),
            ours: median(per_kib),
            anchor: "goal 64 KiB".into(),
            anchor_value: 64.0,
            lower_is_better: true,
            goal_ratio: Some(1.0),
            note: format!(
                "growth of the RSS while {N} sessions are created after a first one, each round in a new process, median of {ROUNDS}"
            ),
        },
        BenchRow {
            metric: "1,000 in-memory partitions in one process: creation each".into(),
            unit: "us".into(),
            ours: median(per_us),
            anchor: "goal 50 us".into(),
            anchor_value: 50.0,
            lower_is_better: true,
            goal_ratio: Some(1.0),
            note: format!(
                "Sessions::from_partition, each round in a new process, median of {ROUNDS} rounds"
            ),
        },
        BenchRow {
            metric: "1,000 in-memory partitions in one process: creation each (CPU)".into(),
            unit: "us".into(),
            ours: median(per_cpu_us),
            anchor: "goal 50 us".into(),
            anchor_value: 50.0,
            lower_is_better: true,
            goal_ratio: Some(1.0),
            note: format!(
                "CPU time of the creating thread (/proc/thread-self/schedstat), steadier than wall time on a loaded machine; median of {ROUNDS} rounds"
            ),
        },
    ];
    write_rows("partitions", &rows).expect("write bench rows");
}
