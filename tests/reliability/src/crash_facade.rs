//! Crash trials through the session facade: a child process (this binary again) fills a
//! persistent partition's disk cache, or writes its Preferences and permission grants, and is
//! killed with SIGKILL at a random point; the parent reopens the partition and checks it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use session::cache::CacheMode;
use session::permissions::Permission;
use session::{Session, SessionOptions, Sessions};
use session_test_support::{DEADLINE, TestSite, pattern_bytes};

use crate::common::{TLS_HOSTS, kill_and_drain, site_session, spawn_child, write_ca};
use crate::{Rng, Section};

/// The partition of both kinds of trial.
const PARTITION: &str = "persist:crash";

/// The `i`th URL the cache child fills the cache with, its seed and length.
fn cache_url(i: u64, http: u16, https: u16) -> (String, u64, usize) {
    let len = 1024 * (1 + (i * 37) % 256) as usize;
    let url = if i.is_multiple_of(2) {
        format!("http://c{}.test:{http}/bytes/{len}?seed={i}", i % 20)
    } else {
        format!(
            "https://{}:{https}/bytes/{len}?seed={i}",
            TLS_HOSTS[(i % 3) as usize]
        )
    };
    (url, i, len)
}

/// Child: fetches `cache_url(0..)` through a persistent partition, printing `ACK i` once the
/// body was read in full (which is when the cache commits the entry).
pub(crate) fn child_cache(args: &[String]) -> Result<(), String> {
    let [dir, http, https, ca] = args else {
        return Err("child-cache DIR HTTP_PORT HTTPS_PORT CA".to_owned());
    };
    let (http, https): (u16, u16) = (
        http.parse().map_err(|_| "bad port")?,
        https.parse().map_err(|_| "bad port")?,
    );
    let ca = std::fs::read(ca).map_err(|e| format!("read {ca}: {e}"))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let sessions = Sessions::new(dir);
        let s = site_session(&sessions, PARTITION, SessionOptions::default(), &ca)?;
        for i in 0u64.. {
            let (url, _, _) = cache_url(i, http, https);
            s.get(&url)
                .send()
                .await
                .map_err(|e| format!("{url}: {e}"))?
                .bytes()
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            println!("ACK {i}");
        }
        Ok(())
    })
}

/// Reads lines until `target` acknowledgements were seen, then kills the child; returns the
/// highest acknowledged index + 1 (the count of acknowledged operations).
fn run_until_killed(args: &[&str], target: u64, what: &str) -> Result<u64, String> {
    let (child, rx) = spawn_child(args)?;
    let start = Instant::now();
    let mut seen = 0;
    while seen < target {
        match rx.recv_timeout(DEADLINE.saturating_sub(start.elapsed())) {
            Ok(l) if l.starts_with("ACK ") => seen += 1,
            Ok(_) => {}
            Err(_) => {
                let _ = kill_and_drain(child, rx);
                return Err(format!("{what}: the child stopped acknowledging"));
            }
        }
    }
    let rest = kill_and_drain(child, rx);
    Ok(seen
        + rest
            .iter()
            .filter(|l| l.starts_with("ACK ") && l[4..].parse::<u64>().is_ok())
            .count() as u64)
}

/// Opens the partition again as a new process would (the lock of the dead owner must not
/// count).
fn reopen(dir: &Path, options: SessionOptions, ca: &[u8]) -> Result<(Sessions, Session), String> {
    let sessions = Sessions::new(dir);
    let s = site_session(&sessions, PARTITION, options, ca)
        .map_err(|e| format!("the partition does not open: {e}"))?;
    Ok((sessions, s))
}

/// Disk cache crash trials.
pub(crate) fn cache_crashes(trials: u64, rng: &mut Rng) -> Result<Section, String> {
    let site = TestSite::start();
    let base = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let ca_path = write_ca(base.path(), site.ca_pem())?;
    let ca = site.ca_pem().as_bytes().to_vec();
    let (http, https) = (site.http_port(), site.https_port());
    let (http_s, https_s) = (http.to_string(), https.to_string());
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    let (mut acked_total, mut served_total, mut dropped_total) = (0u64, 0u64, 0u64);
    for trial in 0..trials {
        let dir = base.path().join(format!("t{trial}"));
        let dir_arg = dir.to_str().ok_or("non-UTF-8 temp path")?;
        let target = 1 + rng.below(150);
        let acked = run_until_killed(
            &["child-cache", dir_arg, &http_s, &https_s, &ca_path],
            target,
            &format!("cache trial {trial}"),
        )?;
        acked_total += acked;
        let outcome = runtime.block_on(async {
            let (_sessions, s) = reopen(&dir, SessionOptions::default(), &ca)?;
            let dropped = s.http_cache().map_or(0, |c| c.dropped_entries());
            let mut served = 0;
            // Every URL the child may have touched, and one more.
            for i in 0..=acked {
                let (url, seed, len) = cache_url(i, http, https);
                let Ok(r) = s.get(&url).cache(CacheMode::OnlyIfCached).send().await else {
                    continue;
                };
                let body = match r.bytes().await {
                    Ok(b) => b,
                    // A body that fails while read is not a torn entry served as good.
                    Err(_) => continue,
                };
                if body[..] != pattern_bytes(seed, 0, len)[..] {
                    return Err(format!(
                        "{url} was served from the cache with a body that is not the one sent ({} bytes)",
                        body.len()
                    ));
                }
                served += 1;
            }
            Ok::<_, String>((served, dropped))
        });
        match outcome {
            Ok((served, dropped)) => {
                served_total += served;
                dropped_total += dropped;
            }
            Err(e) => failures.push(format!("trial {trial}: {e}")),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "cache crashes: {trials} trials, {acked_total} acknowledged fetches, {served_total} served from cache, {dropped_total} dropped at open, {} failures",
        failures.len()
    );
    let mut md = String::from("## Crash trials: disk cache\n\n");
    md.push_str(&format!(
        "{trials} trials: a process fetches distinct cacheable URLs (1-256 KiB, HTTP/1.1 and HTTP/2) through a persistent \
         partition, filling its disk cache, and is killed with SIGKILL after a random number (1-150) of fetches whose \
         body it had read in full. Then a new process opens the partition (it must open: the dead owner's lock does not \
         count) and asks for every URL the child touched with `only-if-cached`; every body served must equal what the \
         site sent for that URL. Fetches before the kill: {acked_total}; served from the cache afterwards: \
         {served_total}, all byte-identical: {}; entries the cache found cut short and dropped when it opened: \
         {dropped_total}; partitions that did not open: {}.\n",
        if failures.iter().any(|f| f.contains("served")) { "**no**" } else { "yes" },
        failures.iter().filter(|f| f.contains("does not open")).count()
    ));
    for f in failures.iter().take(10) {
        md.push_str(&format!("- **{f}**\n"));
    }
    Ok(Section {
        markdown: md,
        passed: failures.is_empty(),
    })
}

fn grant_options() -> SessionOptions {
    SessionOptions::default().persist_permission_grants(true)
}

fn download_dir(i: u64) -> PathBuf {
    PathBuf::from(format!("/downloads/d{i}"))
}

fn grant_origin(i: u64) -> String {
    format!("https://g{i}.test")
}

/// Child: alternately sets the download directory (Preferences) and grants a permission
/// (`Permission Grants.json`) through the facade, printing `ACK i` after each returned.
pub(crate) fn child_prefs(args: &[String]) -> Result<(), String> {
    let [dir] = args else {
        return Err("child-prefs DIR".to_owned());
    };
    let sessions = Sessions::new(dir);
    let s = sessions
        .from_partition(PARTITION, grant_options())
        .map_err(|e| e.to_string())?;
    for i in 0u64.. {
        if i.is_multiple_of(2) {
            s.set_download_path(download_dir(i))
                .map_err(|e| e.to_string())?;
        } else {
            s.permissions()
                .grant_permission(&grant_origin(i), Permission::Geolocation)
                .map_err(|e| e.to_string())?;
        }
        println!("ACK {i}");
    }
    Ok(())
}

/// Checks one reopened partition of a Preferences trial.
fn check_prefs(dir: &Path, acked: u64) -> Result<(), String> {
    let sessions = Sessions::new(dir);
    let s = sessions
        .from_partition(PARTITION, grant_options())
        .map_err(|e| format!("the partition does not open: {e}"))?;
    if !s.load_warnings().is_empty() {
        return Err(format!("opened with warnings: {:?}", s.load_warnings()));
    }
    let storage = s.storage_path().ok_or("not persistent")?;
    for file in ["Preferences", "Permission Grants.json"] {
        let path = storage.join(file);
        if let Ok(bytes) = std::fs::read(&path) {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|e| format!("{file} does not parse: {e}"))?;
        }
    }
    // The last acknowledged directory, or the one in flight at the kill.
    if acked > 0 {
        let last_even = (acked - 1) / 2 * 2;
        let got = s.download_path();
        if got != download_dir(last_even) && got != download_dir(last_even + 2) {
            return Err(format!(
                "download directory {} after acknowledging {}",
                got.display(),
                download_dir(last_even).display()
            ));
        }
    }
    let missing: Vec<u64> = (0..acked)
        .filter(|i| i % 2 == 1)
        .filter(|&i| {
            !s.permissions()
                .granted_permissions(&grant_origin(i))
                .unwrap_or_default()
                .contains(&Permission::Geolocation)
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} acknowledged grants missing (first: {})",
            missing.len(),
            grant_origin(missing[0])
        ));
    }
    Ok(())
}

/// Preferences and permission grant crash trials.
pub(crate) fn prefs_crashes(trials: u64, rng: &mut Rng) -> Result<Section, String> {
    let base = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let mut failures = Vec::new();
    let mut acked_total = 0;
    for trial in 0..trials {
        let dir = base.path().join(format!("t{trial}"));
        let dir_arg = dir.to_str().ok_or("non-UTF-8 temp path")?;
        let target = 1 + rng.below(300);
        let acked = run_until_killed(
            &["child-prefs", dir_arg],
            target,
            &format!("prefs trial {trial}"),
        )?;
        acked_total += acked;
        if let Err(e) = check_prefs(&dir, acked) {
            failures.push(format!("trial {trial}: {e}"));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "prefs crashes: {trials} trials, {acked_total} acknowledged writes, {} failures",
        failures.len()
    );
    let mut md = String::from("## Crash trials: Preferences and permission grants\n\n");
    md.push_str(&format!(
        "{trials} trials: a process alternately sets the download directory (`Session::set_download_path`, kept in \
         `Preferences`) and grants a permission to a new origin (`Permissions::grant_permission`, kept in \
         `Permission Grants.json`) through the facade, and is killed with SIGKILL after a random number (1-300) of \
         acknowledged writes. Then a new process opens the partition: it must open (never \"in use\" after the owner \
         died) without warnings (nothing moved aside), both files must parse, the download directory must be the last \
         acknowledged one (or the one in flight) and every acknowledged grant must be there. Acknowledged writes: \
         {acked_total}; trials that failed: {}.\n",
        failures.len()
    ));
    for f in failures.iter().take(10) {
        md.push_str(&format!("- **{f}**\n"));
    }
    Ok(Section {
        markdown: md,
        passed: failures.is_empty(),
    })
}
