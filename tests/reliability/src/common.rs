//! What the trials share: sessions pointed at the parent's test site, child processes, and
//! memory figures read from `/proc/self/status`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};

use session::{Session, SessionOptions, Sessions};
use session_test_support::HOST_RULES;

/// The names the test site's certificate covers one by one (its `*.test` wildcard is not
/// accepted for a single-label suffix): HTTPS load goes to these three hosts.
pub(crate) const TLS_HOSTS: [&str; 3] = ["a.test", "b.test", "c.test"];

/// A session of `sessions` for `partition`, mapping `*.test` to loopback and trusting the
/// test site's CA (`ca_pem`).
pub(crate) fn site_session(
    sessions: &Sessions,
    partition: &str,
    options: SessionOptions,
    ca_pem: &[u8],
) -> Result<Session, String> {
    let s = sessions
        .from_partition(partition, options)
        .map_err(|e| format!("partition {partition}: {e}"))?;
    s.net()
        .set_host_rules(HOST_RULES.parse().map_err(|e| format!("host rules: {e}"))?);
    s.net()
        .add_trusted_roots_pem(ca_pem)
        .map_err(|e| format!("test CA: {e}"))?;
    Ok(s)
}

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`); 0 where it cannot be read.
pub(crate) fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Spawns this binary as a child with `args`, its stdout piped to a thread that forwards lines.
pub(crate) fn spawn_child(args: &[&str]) -> Result<(Child, Receiver<String>), String> {
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let mut child = Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("spawn child: {e}"))?;
    let stdout = child.stdout.take().ok_or("child stdout")?;
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    Ok((child, rx))
}

/// Kills the child (SIGKILL) and returns every line it printed.
pub(crate) fn kill_and_drain(mut child: Child, rx: Receiver<String>) -> Vec<String> {
    let _ = child.kill();
    let _ = child.wait();
    // The reader thread ends at EOF, once the pipe is closed.
    rx.iter().collect()
}

/// Runs a child to its end within `deadline`, returning its lines and whether it exited 0;
/// past the deadline it is killed and that is an error.
pub(crate) fn run_child(
    args: &[&str],
    deadline: std::time::Duration,
) -> Result<(Vec<String>, bool), String> {
    let (mut child, rx) = spawn_child(args)?;
    let start = std::time::Instant::now();
    let mut lines = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_sub(start.elapsed())) {
            Ok(l) => lines.push(l),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let _ = kill_and_drain(child, rx);
                return Err(format!(
                    "`{}` did not finish within {} s (deadlock?)",
                    args.join(" "),
                    deadline.as_secs()
                ));
            }
        }
    }
    let ok = child.wait().map(|s| s.success()).unwrap_or(false);
    Ok((lines, ok))
}

/// The value after `key` in the child's line starting with `key`.
pub(crate) fn line_value<'a>(lines: &'a [String], key: &str) -> Option<&'a str> {
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
}

/// Writes the test site's CA next to `dir` for children to trust.
pub(crate) fn write_ca(dir: &Path, pem: &str) -> Result<String, String> {
    let path = dir.join("ca.pem");
    std::fs::write(&path, pem).map_err(|e| format!("write {}: {e}", path.display()))?;
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| "non-UTF-8 temp path".to_owned())
}

pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
