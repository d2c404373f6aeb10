//! Soak: a fixed-seed mix of fetches (HTTP/1.1 and HTTP/2), cookies (set by responses and
//! through the API), cache hits and clears, downloads and cancels over four partitions (two
//! persistent, two in memory), 16 at a time, for `--soak-seconds` (default 600) in a child
//! process that samples its live heap (every allocation is counted) and its resident set every
//! second. The check: memory does not grow — the median live heap over the last third of the
//! samples after warm-up is at most the median over the first third times 1.10, plus 4 MiB. The
//! resident set is reported beside it: it also holds what the allocator keeps after a peak.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use session::cookies::{CookieDetails, CookieFilter};
use session::downloads::{DownloadOptions, WillDownloadDecision};
use session::{Session, SessionOptions, Sessions};
use session_test_support::{TestSite, pattern_bytes};

use crate::common::{TLS_HOSTS, line_value, mib, run_child, site_session, status_kib, write_ca};
use crate::{Rng, Section};

const WORKERS: u64 = 16;
/// Growth allowed between the first and the last third: a ratio and a constant.
const GROWTH_RATIO: f64 = 1.10;
const GROWTH_SLACK_KIB: u64 = 4 << 10;

/// Ops done, by kind (fetch, cookie, cache, download, cancel).
#[derive(Default)]
struct Counts([AtomicU64; 6]);

async fn op(
    s: &Session,
    worker: u64,
    rng: &mut Rng,
    ports: (u16, u16),
    files: &std::path::Path,
    counts: &Counts,
) -> Result<(), String> {
    let kind = rng.below(10);
    let scheme = |r: u64| {
        if r.is_multiple_of(2) {
            format!("http://h{}.test:{}", r % 20, ports.0)
        } else {
            format!("https://{}:{}", TLS_HOSTS[(r % 3) as usize], ports.1)
        }
    };
    let r = rng.below(1 << 30);
    match kind {
        // Fetch: 200 URLs, so many come from the cache on the second visit.
        0..=3 => {
            let seed = r % 200;
            let len = ((seed % 64) + 1) * 1024;
            let url = format!("{}/bytes/{len}?seed={seed}", scheme(r));
            let body = s
                .get(&url)
                .send()
                .await
                .map_err(|e| format!("{url}: {e}"))?
                .bytes()
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            if body[..] != pattern_bytes(seed, 0, len as usize)[..] {
                return Err(format!("{url}: wrong body"));
            }
            counts.0[0].fetch_add(1, Ordering::Relaxed);
        }
        // Cookies: set by a response, through the API, read and removed (50 names, bounded).
        4 | 5 => {
            let name = format!("c{}", r % 50);
            let url = format!(
                "{}/headers?Set-Cookie={name}%3Dv{r}%3B%20Max-Age%3D3600",
                scheme(r)
            );
            s.get(&url)
                .send()
                .await
                .map_err(|e| format!("{url}: {e}"))?
                .bytes()
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            // A site of this worker's own, so no other worker removes the cookie meanwhile.
            let site = format!("https://api{worker}.test/");
            s.cookies()
                .set(&CookieDetails {
                    url: site.clone(),
                    name: name.clone(),
                    value: format!("{r}"),
                    expiration_date: Some(4_000_000_000.0),
                    ..Default::default()
                })
                .map_err(|e| format!("cookie set: {e}"))?;
            let got = s
                .cookies()
                .get(&CookieFilter {
                    url: Some(site.clone()),
                    ..Default::default()
                })
                .map_err(|e| format!("cookie get: {e}"))?;
            if !got.iter().any(|c| c.name == name) {
                return Err(format!("cookie {name} set on {site} is not there"));
            }
            if r.is_multiple_of(3) {
                s.cookies()
                    .remove(&site, &name)
                    .map_err(|e| format!("cookie remove: {e}"))?;
            }
            counts.0[1].fetch_add(1, Ordering::Relaxed);
        }
        // Cache: now and then cleared, so entries are written again.
        6 => {
            if r.is_multiple_of(20) {
                s.clear_cache();
            }
            counts.0[2].fetch_add(1, Ordering::Relaxed);
        }
        // Download 256 KiB, compare, delete the file and forget the item.
        7 => {
            let seed = 1_000 + r % 100;
            let url = format!("{}/bytes/262144?seed={seed}", scheme(r));
            let item = s
                .download_url(&url, DownloadOptions::default())
                .map_err(|e| format!("{url}: {e}"))?;
            let state = item.done().await;
            if state != session::downloads::DownloadState::Completed {
                return Err(format!("download {url} ended {state}"));
            }
            let path = item.save_path().ok_or("no save path")?;
            let body = tokio::fs::read(&path)
                .await
                .map_err(|e| format!("read {}: {e}", path.display()))?;
            if body != pattern_bytes(seed, 0, 262_144) {
                return Err(format!("download {url}: wrong file"));
            }
            let _ = tokio::fs::remove_file(&path).await;
            s.download_manager()
                .remove(item.id())
                .map_err(|e| format!("forget download: {e}"))?;
            counts.0[3].fetch_add(1, Ordering::Relaxed);
        }
        // Cancels: a slow body dropped part-way, a slow download cancelled.
        _ => {
            let url = format!(
                "{}/drip?bytes=200000&chunk=2000&delay_ms=5&n={r}",
                scheme(r)
            );
            let wait = Duration::from_millis(r % 200);
            let _ = tokio::time::timeout(wait, async {
                let mut resp = s.get(&url).send().await.map_err(|e| e.to_string())?;
                while resp.chunk().await.map_err(|e| e.to_string())?.is_some() {}
                Ok::<_, String>(())
            })
            .await;
            let item = s
                .download_url(&url, DownloadOptions::default())
                .map_err(|e| format!("{url}: {e}"))?;
            tokio::time::sleep(wait).await;
            item.cancel();
            let _ = tokio::time::timeout(session_test_support::DEADLINE, item.done())
                .await
                .map_err(|_| format!("cancelled download {url} did not end"))?;
            if let Some(p) = item.save_path() {
                let _ = tokio::fs::remove_file(p).await;
            }
            let _ = s.download_manager().remove(item.id());
            let _ = files;
            counts.0[4].fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Child: the soak; prints `RSS elapsed_ms KiB` every second, then `OPS ...`, `HWM` and `OK`.
pub(crate) fn child_soak(args: &[String]) -> Result<(), String> {
    let [seconds, seed, http, https, ca, dir] = args else {
        return Err("child-soak SECONDS SEED HTTP_PORT HTTPS_PORT CA DIR".to_owned());
    };
    let seconds: u64 = seconds.parse().map_err(|_| "bad seconds")?;
    let seed: u64 = seed.parse().map_err(|_| "bad seed")?;
    let ports = (
        http.parse().map_err(|_| "bad port")?,
        https.parse().map_err(|_| "bad port")?,
    );
    let ca = std::fs::read(ca).map_err(|e| format!("read {ca}: {e}"))?;
    let dir = PathBuf::from(dir);
    let files = dir.join("downloads");
    std::fs::create_dir_all(&files).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let counts = Arc::new(Counts::default());
    let result = runtime.block_on(async {
        let sessions = Sessions::new(dir.join("user-data"));
        let mut all = Vec::new();
        // One counter for every partition, so no two downloads share a file.
        let counter = Arc::new(AtomicU64::new(0));
        for name in ["persist:s0", "persist:s1", "mem2", "mem3"] {
            let s = site_session(&sessions, name, SessionOptions::default(), &ca)?;
            let files = files.clone();
            let n = counter.clone();
            s.set_will_download_handler(Some(move |_item| {
                let path = files.join(format!("f{}", n.fetch_add(1, Ordering::Relaxed)));
                async move { WillDownloadDecision::SaveTo(path) }
            }));
            all.push(s);
        }
        let start = Instant::now();
        let end = start + Duration::from_secs(seconds);
        let watched = all.clone();
        let sampler = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            while Instant::now() < end {
                tick.tick().await;
                // RSS, then what the partitions hold: cookies, cache entries, download items.
                let cookies: usize = watched.iter().map(|s| s.cookies().len()).sum();
                let entries: usize = watched
                    .iter()
                    .map(|s| s.http_cache().map_or(0, |c| c.entry_count()))
                    .sum();
                let items: usize = watched.iter().map(|s| s.downloads().len()).sum();
                println!(
                    "RSS {} {} {cookies} {entries} {items} {}",
                    start.elapsed().as_millis(),
                    status_kib("VmRSS"),
                    crate::heap_live_kib()
                );
            }
        });
        let mut workers = Vec::new();
        for w in 0..WORKERS {
            let all = all.clone();
            let counts = counts.clone();
            let files = files.clone();
            workers.push(tokio::spawn(async move {
                let mut rng = Rng::new(seed.wrapping_add(w * 7_919));
                while Instant::now() < end {
                    let s = &all[rng.below(all.len() as u64) as usize];
                    if let Err(e) = op(s, w, &mut rng, ports, &files, &counts).await {
                        counts.0[5].fetch_add(1, Ordering::Relaxed);
                        return Err(e);
                    }
                }
                Ok(())
            }));
        }
        let mut first_error = None;
        for w in workers {
            match w.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error.get_or_insert(format!("worker: {e}"));
                }
            }
        }
        let _ = sampler.await;
        first_error.map_or(Ok(()), Err)
    });
    let c: Vec<u64> = counts.0.iter().map(|a| a.load(Ordering::Relaxed)).collect();
    println!("OPS {} {} {} {} {}", c[0], c[1], c[2], c[3], c[4]);
    println!("HWM {}", status_kib("VmHWM"));
    result?;
    println!("OK");
    Ok(())
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

/// The soak section.
pub(crate) fn soak(seconds: u64, seed: u64) -> Result<Section, String> {
    let site = TestSite::start();
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let ca = write_ca(dir.path(), site.ca_pem())?;
    let work = dir.path().join("soak");
    let work = work.to_str().ok_or("non-UTF-8 temp path")?;
    let (http, https) = (site.http_port().to_string(), site.https_port().to_string());
    let (secs, seed_s) = (seconds.to_string(), seed.to_string());
    let (lines, ok) = run_child(
        &["child-soak", &secs, &seed_s, &http, &https, &ca, work],
        Duration::from_secs(seconds + 300),
    )?;
    // (elapsed ms, RSS KiB, cookies, cache entries, download items, live heap KiB)
    let samples: Vec<[u64; 6]> = lines
        .iter()
        .filter_map(|l| {
            let v: Vec<u64> = l
                .strip_prefix("RSS ")?
                .split(' ')
                .filter_map(|x| x.parse().ok())
                .collect();
            v.try_into().ok()
        })
        .collect();
    for s in samples.iter().step_by(30) {
        println!(
            "soak at {:>4} s: RSS {:.1} MiB, heap {:.1} MiB, {} cookies, {} cache entries, {} download items",
            s[0] / 1000,
            mib(s[1]),
            mib(s[5]),
            s[2],
            s[3],
            s[4]
        );
    }
    let held = samples.last().copied().unwrap_or_default();
    let ops: Vec<u64> = line_value(&lines, "OPS")
        .unwrap_or("")
        .split(' ')
        .filter_map(|v| v.parse().ok())
        .collect();
    let hwm: u64 = line_value(&lines, "HWM")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // Warm-up: the first sixth of the run (connections, caches and jars filling up).
    let warm = samples.len() / 6;
    let steady = &samples[warm.min(samples.len())..];
    let third = steady.len() / 3;
    // Medians of column `i` over the first and the last third of the steady samples.
    let thirds = |i: usize| {
        if third == 0 {
            return (0, 0);
        }
        let column = |s: &[[u64; 6]]| median(s.iter().map(|x| x[i]).collect());
        (
            column(&steady[..third]),
            column(&steady[steady.len() - third..]),
        )
    };
    let (first, last) = thirds(5);
    let (rss_first, rss_last) = thirds(1);
    let limit = (first as f64 * GROWTH_RATIO) as u64 + GROWTH_SLACK_KIB;
    let flat = third > 0 && last <= limit;
    let heap_peak = samples.iter().map(|s| s[5]).max().unwrap_or(0);
    let completed = ok && lines.iter().any(|l| l == "OK");
    println!(
        "soak: {seconds} s, ops {ops:?}, live heap first third {:.1} MiB, last third {:.1} MiB; RSS first third {:.1} MiB, last third {:.1} MiB, peak {:.1} MiB",
        mib(first),
        mib(last),
        mib(rss_first),
        mib(rss_last),
        mib(hwm)
    );
    let mut md = String::from("## Soak\n\n");
    md.push_str(&format!(
        "{seconds} s of a fixed-seed mix (seed {seed}) over four partitions (two persistent, two in memory), 16 \
         operations at a time, in a child process: fetches over HTTP/1.1 and HTTP/2 of 200 URLs (so many come from the \
         HTTP cache), cookies set by responses and through the API (50 names, some removed), cache clears, 256 KiB \
         downloads (compared, then the file deleted and the item forgotten), and cancels (a slow body dropped part-way, \
         a slow download cancelled). Every body and file is compared with what the site sent; an error fails the run. \
         The child counts every allocation (a counting global allocator) and samples its live heap (bytes allocated \
         and not freed) and its resident set every second.\n\n\
         Rule: after a warm-up of the first sixth of the samples, the median live heap of the last third of the rest is \
         at most the median of the first third times {GROWTH_RATIO:.2} plus {} MiB. A leak grows the live heap; the \
         resident set, reported beside it, also keeps what the allocator holds on to after a peak of live memory (glibc \
         keeps freed memory in its per-thread arenas), so it follows the highest peak rather than what is held.\n\n",
        GROWTH_SLACK_KIB >> 10
    ));
    let get = |i: usize| ops.get(i).copied().unwrap_or(0);
    md.push_str(&format!(
        "| operations (fetch / cookie / cache / download / cancel) | live heap first third (MiB) | live heap last third (MiB) | limit (MiB) | live heap peak (MiB) | RSS first third (MiB) | RSS last third (MiB) | peak RSS (MiB) | memory flat |\n\
         |---|---|---|---|---|---|---|---|---|\n\
         | {} / {} / {} / {} / {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} |\n\n\
         At the end the four partitions held {} cookies, {} HTTP cache entries and {} download items.\n",
        get(0),
        get(1),
        get(2),
        get(3),
        get(4),
        mib(first),
        mib(last),
        mib(limit),
        mib(heap_peak),
        mib(rss_first),
        mib(rss_last),
        mib(hwm),
        if flat { "yes" } else { "**no**" },
        held[2],
        held[3],
        held[4]
    ));
    if !completed {
        md.push_str(&format!(
            "\n**The soak did not complete**: {}\n",
            lines
                .iter()
                .rev()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(" / ")
        ));
    }
    Ok(Section {
        markdown: md,
        passed: flat && completed,
    })
}
