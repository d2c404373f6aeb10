//! What the spellcheck benches share: a CPU clock and compiling a libhunspell harness.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The calling thread's CPU time (Linux `schedstat`), the clock the C harnesses use too
/// (`CLOCK_THREAD_CPUTIME_ID`): on a busy machine wall time would count other processes' turns.
#[derive(Clone, Copy)]
pub(crate) struct CpuClock(Duration);

impl CpuClock {
    pub(crate) fn now() -> CpuClock {
        let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .expect("/proc/thread-self/schedstat (Linux) is needed to measure CPU time");
        CpuClock(Duration::from_nanos(ns))
    }

    pub(crate) fn elapsed(self) -> Duration {
        CpuClock::now().0.saturating_sub(self.0)
    }
}

pub(crate) fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Compiles `benches/<source>` against libhunspell into `out`.
pub(crate) fn compile_harness(source: &str, out: &Path) -> Result<PathBuf, String> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("benches")
        .join(source);
    let exe = out.join(source.trim_end_matches(".c"));
    let status = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&src)
        .arg("-lhunspell")
        .status()
        .map_err(|e| format!("cannot run cc: {e}"))?;
    if !status.success() {
        return Err("cc failed: install libhunspell-dev".into());
    }
    Ok(exe)
}
