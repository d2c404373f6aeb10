//! Load: 1,000 concurrent fetches over HTTP/1.1 and 1,000 over HTTP/2 (TLS on loopback) plus
//! 32 concurrent 16 MiB downloads, all at once, through one session and then spread over 100
//! partitions (half persistent, half in memory). Each run is a child process (this binary,
//! `child-load`) so its peak resident set (`VmHWM`) is its own; the test site runs in the
//! parent. Every body is compared with what the site sent; a run past its deadline is killed
//! and fails the check (a deadlock cannot pass).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use session::downloads::{DownloadOptions, DownloadState, WillDownloadDecision};
use session::{Session, SessionOptions, Sessions};
use session_test_support::{TestSite, pattern_bytes};

use crate::Section;
use crate::common::{TLS_HOSTS, line_value, mib, run_child, site_session, status_kib, write_ca};

const FETCHES: usize = 1_000;
const FETCH_LEN: usize = 4_096;
const DOWNLOADS: usize = 32;
const DOWNLOAD_LEN: usize = 16 << 20;
const PARTITIONS: usize = 100;
/// A load run that has not finished by then is a failure (deadlock or worse).
const DEADLINE: Duration = Duration::from_secs(600);

struct Ports {
    http: u16,
    https: u16,
}

/// The partition of unit `i` in `spread` mode (even: persistent, odd: in memory).
fn partition(spread: bool, i: usize) -> String {
    match (spread, i % PARTITIONS) {
        (false, _) => "persist:load".to_owned(),
        (true, k) if k % 2 == 0 => format!("persist:p{k}"),
        (true, k) => format!("mem{k}"),
    }
}

async fn fetch_one(s: Session, url: String, seed: u64) -> Result<(), String> {
    let r = s
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let body = r.bytes().await.map_err(|e| format!("{url} body: {e}"))?;
    if body[..] != pattern_bytes(seed, 0, FETCH_LEN)[..] {
        return Err(format!("{url}: the body differs from what the site sent"));
    }
    Ok(())
}

async fn download_one(s: Session, url: String, path: PathBuf) -> Result<(), String> {
    let item = s
        .download_url(&url, DownloadOptions::default())
        .map_err(|e| format!("{url}: {e}"))?;
    let state = item.done().await;
    if state != DownloadState::Completed {
        return Err(format!("{url}: ended {state}"));
    }
    let saved = item.save_path().ok_or("no save path")?;
    if saved != path {
        return Err(format!("{url}: saved to {}", saved.display()));
    }
    Ok(())
}

/// Compares a downloaded file with what the site sent, 1 MiB at a time, then deletes it.
fn verify_download(path: &Path, seed: u64) -> Result<(), String> {
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut offset = 0;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        if buf[..n] != pattern_bytes(seed, offset as u64, n)[..] {
            return Err(format!(
                "{} differs from what the site sent",
                path.display()
            ));
        }
        offset += n;
    }
    if offset != DOWNLOAD_LEN {
        return Err(format!("{} holds {offset} bytes", path.display()));
    }
    std::fs::remove_file(path).map_err(|e| format!("remove {}: {e}", path.display()))
}

/// Child: the load in `one` or `spread` mode; prints `ELAPSED ms`, `HWM KiB` and `OK`.
pub(crate) fn child_load(args: &[String]) -> Result<(), String> {
    let [mode, http, https, ca, dir] = args else {
        return Err("child-load MODE HTTP_PORT HTTPS_PORT CA DIR".to_owned());
    };
    let spread = mode == "spread";
    let ports = Ports {
        http: http.parse().map_err(|_| "bad port")?,
        https: https.parse().map_err(|_| "bad port")?,
    };
    let ca = std::fs::read(ca).map_err(|e| format!("read {ca}: {e}"))?;
    let dir = PathBuf::from(dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let elapsed = runtime.block_on(async {
        let sessions = Sessions::new(dir.join("user-data"));
        let mut by_name = std::collections::HashMap::new();
        let session = |i: usize, by_name: &mut std::collections::HashMap<String, Session>| {
            let name = partition(spread, i);
            if let Some(s) = by_name.get(&name) {
                return Ok::<_, String>(s.clone());
            }
            let s = site_session(&sessions, &name, SessionOptions::default(), &ca)?;
            // Each download goes to a file named after its seed.
            let files = dir.join("downloads");
            s.set_will_download_handler(Some(move |item: session::downloads::DownloadItem| {
                let seed = item.url().rsplit('=').next().unwrap_or("x").to_owned();
                let path = files.join(format!("d{seed}"));
                async move { WillDownloadDecision::SaveTo(path) }
            }));
            by_name.insert(name, s.clone());
            Ok(s)
        };
        std::fs::create_dir_all(dir.join("downloads")).map_err(|e| e.to_string())?;
        let mut tasks = Vec::new();
        let mut files = Vec::new();
        let start = Instant::now();
        for j in 0..DOWNLOADS {
            let s = session(j * 3, &mut by_name)?;
            let seed = 50_000 + j as u64;
            let url = if j % 2 == 0 {
                format!(
                    "http://d{j}.test:{}/bytes/{DOWNLOAD_LEN}?seed={seed}",
                    ports.http
                )
            } else {
                format!(
                    "https://{}:{}/bytes/{DOWNLOAD_LEN}?seed={seed}",
                    TLS_HOSTS[j % 3],
                    ports.https
                )
            };
            let path = dir.join("downloads").join(format!("d{seed}"));
            files.push((path.clone(), seed));
            tasks.push(tokio::spawn(download_one(s, url, path)));
        }
        for i in 0..2 * FETCHES {
            let s = session(i, &mut by_name)?;
            let seed = i as u64;
            let host = i % 100;
            let url = if i < FETCHES {
                format!(
                    "http://h{host}.test:{}/bytes/{FETCH_LEN}?seed={seed}",
                    ports.http
                )
            } else {
                format!(
                    "https://{}:{}/bytes/{FETCH_LEN}?seed={seed}",
                    TLS_HOSTS[host % 3],
                    ports.https
                )
            };
            tasks.push(tokio::spawn(fetch_one(s, url, seed)));
        }
        let mut errors = Vec::new();
        for t in tasks {
            match t.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(e),
                Err(e) => errors.push(format!("task: {e}")),
            }
        }
        if !errors.is_empty() {
            let mut kinds: Vec<String> = errors
                .iter()
                .map(|e| e.split(": ").skip(1).collect::<Vec<_>>().join(": "))
                .collect();
            kinds.sort();
            kinds.dedup();
            for k in kinds.iter().take(8) {
                eprintln!("child-load: {k}");
            }
            return Err(format!(
                "{} of {} failed; first: {}",
                errors.len(),
                2 * FETCHES + DOWNLOADS,
                errors[0]
            ));
        }
        Ok((start.elapsed(), files))
    })?;
    let (elapsed, files) = elapsed;
    // The peak before the files are compared (which reads them here, not in the library).
    println!("ELAPSED {}", elapsed.as_millis());
    println!("HWM {}", status_kib("VmHWM"));
    for (path, seed) in files {
        verify_download(&path, seed)?;
    }
    println!("OK");
    Ok(())
}

struct Run {
    elapsed_ms: u64,
    hwm_kib: u64,
}

fn one_run(site: &TestSite, mode: &str, ca: &str, dir: &Path) -> Result<Run, String> {
    let work = dir.join(mode);
    let work = work.to_str().ok_or("non-UTF-8 temp path")?;
    let (http, https) = (site.http_port().to_string(), site.https_port().to_string());
    let (lines, ok) = run_child(&["child-load", mode, &http, &https, ca, work], DEADLINE)?;
    if !ok || !lines.iter().any(|l| l == "OK") {
        return Err(format!("the {mode} load run failed: {lines:?}"));
    }
    let num = |k: &str| {
        line_value(&lines, k)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok(Run {
        elapsed_ms: num("ELAPSED"),
        hwm_kib: num("HWM"),
    })
}

/// The load section.
pub(crate) fn load() -> Result<Section, String> {
    let site = Arc::new(TestSite::start());
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let ca = write_ca(dir.path(), site.ca_pem())?;
    let mut md = String::from("## Load\n\n");
    md.push_str(&format!(
        "All at once: {FETCHES} concurrent GETs over HTTP/1.1 and {FETCHES} over HTTP/2 (TLS on loopback; 100 hosts over HTTP/1.1, 3 over HTTP/2; \
         {} KiB bodies, each compared with what the site sent) plus {DOWNLOADS} concurrent {} MiB downloads (half over \
         each protocol, each file compared), in a child process (peak resident set `VmHWM` of that process; the test \
         site runs in the parent). A run not finished within {} s is killed and fails the check.\n\n",
        FETCH_LEN >> 10,
        DOWNLOAD_LEN >> 20,
        DEADLINE.as_secs()
    ));
    md.push_str("| run | all complete | wall time (s) | peak RSS (MiB) |\n|---|---|---|---|\n");
    let mut passed = true;
    for (mode, label) in [
        ("one", "one session (persistent)"),
        (
            "spread",
            "spread over 100 partitions (50 persistent, 50 in memory)",
        ),
    ] {
        match one_run(&site, mode, &ca, dir.path()) {
            Ok(r) => {
                println!(
                    "load {mode}: {} ms, peak RSS {:.1} MiB",
                    r.elapsed_ms,
                    mib(r.hwm_kib)
                );
                md.push_str(&format!(
                    "| {label} | yes | {:.1} | {:.1} |\n",
                    r.elapsed_ms as f64 / 1e3,
                    mib(r.hwm_kib)
                ));
            }
            Err(e) => {
                println!("load {mode}: FAILED: {e}");
                passed = false;
                md.push_str(&format!("| {label} | **no**: {e} | | |\n"));
            }
        }
    }
    Ok(Section {
        markdown: md,
        passed,
    })
}
