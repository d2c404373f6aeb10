//! Crash trials: a child process (this binary again) works on a store and is killed with
//! SIGKILL at a random point; the parent checks what survived.

use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::time::{Duration, Instant};

use session_cookies::{CookieDetails, CookieFilter, Cookies, CookiesOptions};
use session_downloads::journal::{FILE_NAME, Journal};
use session_downloads::{
    DownloadOptions, DownloadState, Downloads, DownloadsConfig, InterruptReason, NetFetcher,
};
use session_net::{Net, NetConfig, NetworkEmulation};
use session_test_support::{DEADLINE, HOST_RULES, TestSite, pattern_bytes};

use crate::common::{kill_and_drain, spawn_child};
use crate::{Rng, Section};

fn arg<'a>(args: &'a [String], i: usize, what: &str) -> Result<&'a str, String> {
    args.get(i)
        .map(String::as_str)
        .ok_or_else(|| format!("missing {what}"))
}

fn cookie_value(i: u64) -> String {
    format!("value-{i}-{}", "x".repeat((i % 37) as usize))
}

/// Child: sets cookies `c<i>` on 50 hosts until killed, printing `ACK i` once each `set` returned.
pub(crate) fn child_cookies(args: &[String]) -> Result<(), String> {
    let dir = PathBuf::from(arg(args, 0, "directory")?);
    let jar =
        Cookies::open(dir.join("Cookies"), CookiesOptions::default()).map_err(|e| e.to_string())?;
    let expires = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs()
        + 86_400) as f64;
    for i in 0u64.. {
        jar.set(&CookieDetails {
            url: format!("https://h{}.test/", i % 50),
            name: format!("c{i}"),
            value: cookie_value(i),
            expiration_date: Some(expires),
            ..Default::default()
        })
        .map_err(|e| e.to_string())?;
        println!("ACK {i}");
    }
    Ok(())
}

/// Cookie crash trials.
pub(crate) fn cookie_crashes(trials: u64, rng: &mut Rng) -> Result<Section, String> {
    let mut lost_total = 0u64;
    let mut acked_total = 0u64;
    let mut failures = Vec::new();
    for trial in 0..trials {
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let dir_arg = dir.path().to_str().ok_or("non-UTF-8 temp path")?;
        let (child, rx) = spawn_child(&["child-cookies", dir_arg])?;
        // Kill after a random number of acknowledged sets (1..=300).
        let target = 1 + rng.below(300);
        let start = Instant::now();
        let mut seen = 0;
        while seen < target {
            match rx.recv_timeout(DEADLINE.saturating_sub(start.elapsed())) {
                Ok(l) if l.starts_with("ACK ") => seen += 1,
                Ok(_) => {}
                Err(_) => {
                    let _ = kill_and_drain(child, rx);
                    return Err(format!(
                        "cookie trial {trial}: the child stopped acknowledging"
                    ));
                }
            }
        }
        let rest = kill_and_drain(child, rx);
        let acked = seen
            + rest
                .iter()
                .filter(|l| l.starts_with("ACK ") && l[4..].parse::<u64>().is_ok())
                .count() as u64;
        acked_total += acked;
        let jar = match Cookies::open(dir.path().join("Cookies"), CookiesOptions::default()) {
            Ok(j) => j,
            Err(e) => {
                failures.push(format!("trial {trial}: the store does not open: {e}"));
                continue;
            }
        };
        if let Some(r) = jar.recovery() {
            failures.push(format!(
                "trial {trial}: the store was moved aside: {}",
                r.error
            ));
        }
        let all = jar
            .get(&CookieFilter::default())
            .map_err(|e| e.to_string())?;
        let lost = (0..acked)
            .filter(|i| {
                let name = format!("c{i}");
                !all.iter()
                    .any(|c| c.name == name && c.value == cookie_value(*i))
            })
            .count() as u64;
        if lost > 0 {
            failures.push(format!(
                "trial {trial}: {lost} of {acked} acknowledged cookies missing"
            ));
        }
        lost_total += lost;
    }
    println!("cookie crashes: {trials} trials, {acked_total} acknowledged sets, {lost_total} lost");
    let mut md = String::from("## Crash trials: cookies\n\n");
    md.push_str(&format!(
        "{trials} trials: a process sets persistent cookies (`Cookies::set`, 50 hosts) and is killed with SIGKILL after a \
         random number (1-300) of acknowledged sets (plus whatever it acknowledged before the signal landed). \
         Acknowledged sets: {acked_total}; missing after reopening: {lost_total}; stores that did not open or were moved \
         aside: {}.\n",
        failures
            .iter()
            .filter(|f| !f.contains("missing"))
            .count()
    ));
    for f in failures.iter().take(10) {
        md.push_str(&format!("- **{f}**\n"));
    }
    Ok(Section {
        markdown: md,
        passed: failures.is_empty(),
    })
}

/// Size of the download in the download trials.
const DOWNLOAD_LEN: u64 = 48 << 20;
/// The child's download rate (bytes/s), so that a kill lands mid-transfer.
const CHILD_RATE: u64 = 16 << 20;

fn net() -> Result<Net, String> {
    let mut config = NetConfig::default();
    config.host_rules = HOST_RULES.parse().map_err(|e| format!("host rules: {e}"))?;
    Net::new(config).map_err(|e| e.to_string())
}

fn downloads(dir: &Path, net: Net) -> Result<Downloads, String> {
    Ok(Downloads::new(DownloadsConfig::new(
        Arc::new(NetFetcher::new(net)),
        Journal::open(dir.join(FILE_NAME)).map_err(|e| e.to_string())?,
        dir.join("Downloads"),
    )))
}

/// Child: downloads `url` at `rate` bytes/s with a journal in `dir`, printing `STARTED`.
pub(crate) fn child_download(args: &[String]) -> Result<(), String> {
    let dir = PathBuf::from(arg(args, 0, "directory")?);
    let url = arg(args, 1, "url")?.to_owned();
    let rate: f64 = arg(args, 2, "rate")?
        .parse()
        .map_err(|_| "bad rate".to_owned())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let net = net()?;
        net.enable_network_emulation(NetworkEmulation {
            download_throughput: rate,
            ..Default::default()
        });
        let downloads = downloads(&dir, net)?;
        let item = downloads
            .download_url(&url, DownloadOptions::default())
            .map_err(|e| e.to_string())?;
        println!("STARTED {}", item.id());
        let state = item.done().await;
        println!("ENDED {state}");
        Ok(())
    })
}

/// Download crash trials.
pub(crate) fn download_crashes(trials: u64, rng: &mut Rng) -> Result<Section, String> {
    let site = TestSite::start();
    let seed = 7;
    let url = site.http_url("127.0.0.1", &format!("/bytes/{DOWNLOAD_LEN}?seed={seed}"));
    let expected = pattern_bytes(seed, 0, DOWNLOAD_LEN as usize);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let mut refetched: Vec<u64> = Vec::new();
    let mut failures = Vec::new();
    let mut finished_before_kill = 0;
    for trial in 0..trials {
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let dir_arg = dir.path().to_str().ok_or("non-UTF-8 temp path")?;
        let rate = CHILD_RATE.to_string();
        let (child, rx) = spawn_child(&["child-download", dir_arg, &url, &rate])?;
        let id = match rx.recv_timeout(DEADLINE) {
            Ok(l) if l.starts_with("STARTED ") => l[8..].parse::<u64>().unwrap_or(0),
            other => {
                let _ = kill_and_drain(child, rx);
                return Err(format!(
                    "download trial {trial}: the child did not start: {other:?}"
                ));
            }
        };
        // A random point within the transfer (which takes about 3 s at the child's rate);
        // the pause is the experiment, not a synchronisation.
        std::thread::sleep(Duration::from_millis(100 + rng.below(2_600)));
        let lines = kill_and_drain(child, rx);
        if lines.iter().any(|l| l.starts_with("ENDED")) {
            finished_before_kill += 1;
            continue;
        }
        site.clear_log();
        let outcome = runtime.block_on(async {
            let downloads = downloads(dir.path(), net()?)?;
            let item = downloads.get(id).ok_or("the journal lost the item")?;
            let on_disk = item
                .record()
                .temp_path()
                .and_then(|p| std::fs::metadata(p).ok())
                .map_or(0, |m| m.len());
            if item.state() != DownloadState::Interrupted
                || item.interrupt_reason() != Some(InterruptReason::Crash)
            {
                return Err(format!(
                    "listed as {} ({:?}), not interrupted by CRASH",
                    item.state(),
                    item.interrupt_reason()
                ));
            }
            let journaled = item.received_bytes();
            if journaled > on_disk {
                return Err(format!(
                    "the journal claims {journaled} bytes, the part file holds {on_disk}"
                ));
            }
            item.resume().map_err(|e| e.to_string())?;
            let state = tokio::time::timeout(DEADLINE, item.done())
                .await
                .map_err(|_| "the resume did not finish in time".to_owned())?;
            if state != DownloadState::Completed {
                return Err(format!("the resume ended {state}"));
            }
            let path = item.save_path().ok_or("no save path")?;
            let body = std::fs::read(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
            if body != expected {
                return Err("the resumed file differs from the original".to_owned());
            }
            let range = site
                .requests_to(&format!("/bytes/{DOWNLOAD_LEN}"))
                .last()
                .and_then(|r| r.header("range").map(str::to_owned));
            let want = (journaled > 0).then(|| format!("bytes={journaled}-"));
            if range != want {
                return Err(format!("resumed with Range {range:?}, expected {want:?}"));
            }
            Ok(on_disk - journaled)
        });
        match outcome {
            Ok(lost) => refetched.push(lost),
            Err(e) => failures.push(format!("trial {trial}: {e}")),
        }
    }
    refetched.sort_unstable();
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let median = refetched.get(refetched.len() / 2).copied().unwrap_or(0);
    let max = refetched.last().copied().unwrap_or(0);
    // The engine's promise: at most 1 s of progress at the child's rate, or 16 MiB, whichever
    // is less (checkpoints start every half of that, so a sync may take as long again).
    let bound = CHILD_RATE.min(16 << 20);
    // The throttle is a token bucket: allow one more read's worth of slack over the bound.
    let within = refetched
        .iter()
        .filter(|&&b| b <= bound + (1 << 20))
        .count();
    println!(
        "download crashes: {} resumed, median re-fetch {:.2} MiB, max {:.2} MiB",
        refetched.len(),
        mib(median),
        mib(max)
    );
    let mut md = String::from("## Crash trials: downloads\n\n");
    md.push_str(&format!(
        "{trials} trials: a process downloads a {} MiB file at {} MiB/s (throttled, so the kill lands mid-transfer) with \
         its journal, and is killed with SIGKILL after a random 0.1-2.7 s. Then a new process opens the journal, finds \
         the item interrupted (`CRASH`), resumes it by `Range` from the journaled offset and compares the file with the \
         original. Resumed byte-identical: {} of {}; finished before the kill: {finished_before_kill}.\n\n",
        DOWNLOAD_LEN >> 20,
        CHILD_RATE >> 20,
        refetched.len(),
        trials - finished_before_kill,
    ));
    md.push_str(&format!(
        "Re-fetched after the crash (bytes in the part file at the kill that were not yet checkpointed): median {:.2} MiB, \
         max {:.2} MiB; within the engine's promise (1 s of progress or 16 MiB, here {:.0} MiB, plus 1 MiB of slack; \
         checkpoints start every half of that): {within} of {}.\n",
        mib(median),
        mib(max),
        mib(bound),
        refetched.len()
    ));
    for f in failures.iter().take(10) {
        md.push_str(&format!("- **{f}**\n"));
    }
    Ok(Section {
        markdown: md,
        passed: failures.is_empty() && within == refetched.len(),
    })
}
