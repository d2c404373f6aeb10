//! Benchmark results: every bench writes its rows here, `cargo xtask bench` renders them.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One measured figure: ours against an anchor measured in the same run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchRow {
    /// What was measured, e.g. `20,000 sequential GETs (keep-alive)`.
    pub metric: String,
    /// Unit of `ours` and `anchor_value`, e.g. `us/req`, `MiB/s`, `ms`.
    pub unit: String,
    /// Our figure.
    pub ours: f64,
    /// The anchor's name, e.g. `reqwest 0.12`.
    pub anchor: String,
    /// The anchor's figure, same unit.
    pub anchor_value: f64,
    /// True when smaller figures are better (times), false for rates.
    pub lower_is_better: bool,
    /// The goal for `ours / anchor_value`, e.g. `Some(1.10)` for "≤ 1.10x" when lower is better.
    pub goal_ratio: Option<f64>,
    /// Anything a reader needs to interpret the row (pinning, sizes, RSS).
    pub note: String,
}

impl BenchRow {
    /// `ours / anchor_value`.
    pub fn ratio(&self) -> f64 {
        self.ours / self.anchor_value
    }

    /// Whether the goal is met (`None` when the row has no goal).
    pub fn met(&self) -> Option<bool> {
        self.goal_ratio.map(|g| {
            if self.lower_is_better {
                self.ratio() <= g
            } else {
                self.ratio() >= g
            }
        })
    }
}

/// Where results go: `$SESSION_BENCH_OUT`, else `<workspace>/target/bench-results`.
pub fn results_dir() -> PathBuf {
    std::env::var_os("SESSION_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-results")
        })
}

/// Writes `rows` as `<results_dir>/<group>.json` (replacing an earlier run of the group) and
/// prints them.
pub fn write_rows(group: &str, rows: &[BenchRow]) -> std::io::Result<()> {
    let dir = results_dir();
    std::fs::create_dir_all(&dir)?;
    let json = serde_json::to_vec_pretty(rows).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(format!("{group}.json")), json)?;
    for r in rows {
        println!(
            "{group}: {}: ours {:.3} {} vs {} {:.3} {} -> {:.3}x{}",
            r.metric,
            r.ours,
            r.unit,
            r.anchor,
            r.anchor_value,
            r.unit,
            r.ratio(),
            match r.met() {
                Some(true) => " (goal met)",
                Some(false) => " (goal NOT met)",
                None => "",
            }
        );
    }
    Ok(())
}

/// Reads every group's rows from [`results_dir`], sorted by group name.
pub fn read_all() -> std::io::Result<Vec<(String, Vec<BenchRow>)>> {
    read_all_in(&results_dir())
}

/// Reads every group's rows from `dir`, sorted by group name.
pub fn read_all_in(dir: &std::path::Path) -> std::io::Result<Vec<(String, Vec<BenchRow>)>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let rows: Vec<BenchRow> = serde_json::from_slice(&std::fs::read(&path)?)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
            let group = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((group, rows));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// CPU time of every thread of the process (client and server), in seconds, from
/// `/proc/self/task/*/schedstat` (nanoseconds on CPU).
pub fn process_cpu() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .sum::<f64>()
        / 1e9
}

/// Peak resident set of this process in MiB (`VmHWM` of `/proc/self/status`); NaN where it
/// cannot be read.
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The median of `v` (the upper one of an even count); NaN when empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// A loopback TCP server on a thread of its own (a current-thread runtime, so the bench's
/// client runtime is not shared): every accepted connection, with `TCP_NODELAY` set, goes to
/// `on_connection` in a task of its own. Returns the listening address.
pub fn serve_loopback<F, Fut>(on_connection: F) -> std::net::SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::task::spawn_local(on_connection(stream));
            }
        });
    });
    rx.recv().expect("server address")
}
