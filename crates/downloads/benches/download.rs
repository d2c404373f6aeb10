//! A large file over loopback to disk: ours (`Downloads` over `session-net`, journal on disk,
//! temp file + rename; with the default fsync and with `sync_on_complete` off) against reqwest
//! streaming to a file (`std::fs` and `tokio::fs` variants, and `std::fs` + fsync for the same
//! durability as our default), `curl -o`, `curl -o` then `sync FILE` (the fair anchor for our
//! durable default) and `wget -O`, each in a child process of its own so peak RSS is the
//! client's alone. The file comes from nginx (sendfile) when the `nginx` command is present,
//! else from the test site.
//!
//! `DL_BENCH_BYTES` sets the size (default 2 GiB); `DL_BENCH_RUNS` the runs per variant (best
//! one kept, default 2); `DL_BENCH_ONLY=ours,net-null,...` runs just those variants and writes
//! no rows (`net-null`: the session's pipeline reading the body to nowhere).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use session_downloads::journal::{FILE_NAME, Journal};
use session_downloads::{DownloadOptions, DownloadState, Downloads, DownloadsConfig, NetFetcher};
use session_test_support::TestSite;
use session_test_support::bench::{BenchRow, write_rows};

const MIB: f64 = 1024.0 * 1024.0;

/// Peak resident set of this process, KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn ours(url: &str, dir: &Path, sync: bool) {
    let net = session_net::Net::new(session_net::NetConfig::default()).expect("net");
    let downloads = Downloads::new(
        DownloadsConfig::new(
            Arc::new(NetFetcher::new(net)),
            Journal::open(dir.join(FILE_NAME)).expect("journal"),
            dir,
        )
        .sync_on_complete(sync),
    );
    let item = downloads
        .download_url(url, DownloadOptions::default())
        .expect("start");
    let state = item.done().await;
    assert_eq!(
        state,
        DownloadState::Completed,
        "{:?}",
        item.interrupt_reason()
    );
}

/// The session's pipeline writing inline with `std::fs` (isolates the engine's own cost).
async fn net_std(url: &str, dir: &Path) {
    use futures_util::StreamExt as _;
    let net = session_net::Net::new(session_net::NetConfig::default()).expect("net");
    let fetcher = NetFetcher::new(net);
    let response = session_downloads::Fetcher::fetch(
        &fetcher,
        session_downloads::FetchRequest {
            url: url.parse().expect("url"),
            headers: Default::default(),
        },
    )
    .await
    .expect("fetch");
    let mut body = response.body;
    let mut file = std::fs::File::create(dir.join("net.bin")).expect("create");
    while let Some(chunk) = body.next().await {
        file.write_all(&chunk.expect("chunk")).expect("write");
    }
}

async fn net_null(url: &str) {
    use futures_util::StreamExt as _;
    let net = session_net::Net::new(session_net::NetConfig::default()).expect("net");
    let fetcher = NetFetcher::new(net);
    let response = session_downloads::Fetcher::fetch(
        &fetcher,
        session_downloads::FetchRequest {
            url: url.parse().expect("url"),
            headers: Default::default(),
        },
    )
    .await
    .expect("fetch");
    let mut body = response.body;
    let (mut n, mut bytes) = (0u64, 0u64);
    while let Some(chunk) = body.next().await {
        n += 1;
        bytes += chunk.expect("chunk").len() as u64;
    }
    eprintln!("net-null: {n} chunks, {} bytes avg", bytes / n.max(1));
}

async fn reqwest_std(url: &str, dir: &Path, fsync: bool) {
    let client = reqwest::Client::new();
    let mut response = client.get(url).send().await.expect("send");
    let mut file = std::fs::File::create(dir.join("reqwest.bin")).expect("create");
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        file.write_all(&chunk).expect("write");
    }
    if fsync {
        file.sync_all().expect("fsync");
    }
}

async fn reqwest_tokio(url: &str, dir: &Path) {
    use tokio::io::AsyncWriteExt as _;
    let client = reqwest::Client::new();
    let mut response = client.get(url).send().await.expect("send");
    let mut file = tokio::fs::File::create(dir.join("reqwest.bin"))
        .await
        .expect("create");
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        file.write_all(&chunk).await.expect("write");
    }
    file.flush().await.expect("flush");
}

/// Child process: one download, then `seconds peak_rss_kib` on stdout.
fn child(variant: &str, url: &str, dir: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let start = Instant::now();
    runtime.block_on(async {
        match variant {
            "ours" => ours(url, dir, true).await,
            "ours-nosync" => ours(url, dir, false).await,
            "reqwest-std" => reqwest_std(url, dir, false).await,
            "reqwest-std-fsync" => reqwest_std(url, dir, true).await,
            "reqwest-tokio" => reqwest_tokio(url, dir).await,
            "net-null" => net_null(url).await,
            "net-std" => net_std(url, dir).await,
            other => panic!("unknown variant {other}"),
        }
    });
    println!("{} {}", start.elapsed().as_secs_f64(), peak_rss_kib());
}

struct Measured {
    mib_per_s: f64,
    rss_mib: f64,
}

fn run_variant(variant: &str, url: &str, size: u64, runs: usize, work: &Path) -> Option<Measured> {
    let mut best: Option<Measured> = None;
    for _ in 0..runs {
        let dir = work.join(variant);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let tool = variant
            .split_once(':')
            .filter(|(t, _)| matches!(*t, "curl" | "wget"));
        let (seconds, rss_kib) = if let Some((tool, how)) = tool {
            let out: PathBuf = if how == "null" {
                "/dev/null".into()
            } else {
                dir.join("tool.bin")
            };
            let start = Instant::now();
            let status = match tool {
                "curl" => Command::new("curl")
                    .args(["-s", "-o"])
                    .arg(&out)
                    .arg(url)
                    .status(),
                _ => Command::new("wget")
                    .args(["-q", "-O"])
                    .arg(&out)
                    .arg(url)
                    .status(),
            }
            .ok()?;
            assert!(status.success(), "{tool} failed");
            if how == "file+sync" {
                // coreutils `sync FILE`: fsync of that file, as our default does before rename.
                let status = Command::new("sync").arg(&out).status().ok()?;
                assert!(status.success(), "sync failed");
            }
            (start.elapsed().as_secs_f64(), 0)
        } else {
            let output = Command::new(std::env::current_exe().expect("exe"))
                .env("DL_BENCH_CHILD", variant)
                .env("DL_BENCH_URL", url)
                .env("DL_BENCH_DIR", &dir)
                .output()
                .expect("child");
            assert!(
                output.status.success(),
                "{variant}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            if std::env::var_os("DL_BENCH_ONLY").is_some() {
                eprint!("{}", String::from_utf8_lossy(&output.stderr));
            }
            let text = String::from_utf8_lossy(&output.stdout);
            let mut parts = text.split_whitespace();
            let seconds: f64 = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
            let rss: u64 = parts.next().and_then(|s| s.parse().ok()).expect("rss");
            (seconds, rss)
        };
        if !variant.ends_with(":null") && variant != "net-null" {
            let written: u64 = std::fs::read_dir(&dir)
                .expect("dir")
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name() != FILE_NAME)
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum();
            assert_eq!(written, size, "{variant} wrote {written} bytes");
        }
        let _ = std::fs::remove_dir_all(&dir);
        let m = Measured {
            mib_per_s: size as f64 / MIB / seconds,
            rss_mib: rss_kib as f64 / 1024.0,
        };
        println!(
            "{variant}: {:.0} MiB/s, peak RSS {:.1} MiB",
            m.mib_per_s, m.rss_mib
        );
        if best.as_ref().is_none_or(|b| m.mib_per_s > b.mib_per_s) {
            best = Some(m);
        }
    }
    best
}

/// nginx serving one sparse file of `size` bytes on a loopback port, stopped on drop.
struct Nginx {
    child: std::process::Child,
    url: String,
    version: String,
}

impl Nginx {
    fn start(work: &Path, size: u64) -> Option<Nginx> {
        let version = Command::new("nginx").arg("-v").output().ok()?;
        let version = String::from_utf8_lossy(&version.stderr)
            .trim()
            .trim_start_matches("nginx version: ")
            .to_string();
        let prefix = work.join("nginx");
        let root = prefix.join("root");
        std::fs::create_dir_all(prefix.join("logs")).ok()?;
        std::fs::create_dir_all(&root).ok()?;
        std::fs::File::create(root.join("big.bin"))
            .and_then(|f| f.set_len(size))
            .ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let conf = prefix.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "daemon off; master_process off; worker_processes 1;\n\
                 pid {p}/nginx.pid; error_log {p}/logs/error.log;\n\
                 events {{ worker_connections 64; }}\n\
                 http {{ access_log off; sendfile on; tcp_nopush on;\n\
                 client_body_temp_path {p}/tmp; proxy_temp_path {p}/tmp; fastcgi_temp_path {p}/tmp;\n\
                 server {{ listen 127.0.0.1:{port}; root {r}; }} }}\n",
                p = prefix.display(),
                r = root.display(),
            ),
        )
        .ok()?;
        let child = Command::new("nginx")
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf)
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let nginx = Nginx {
            child,
            url: format!("http://127.0.0.1:{port}/big.bin"),
            version,
        };
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                eprintln!("nginx did not start; using the test site");
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Some(nginx)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() {
    if let Ok(variant) = std::env::var("DL_BENCH_CHILD") {
        let url = std::env::var("DL_BENCH_URL").expect("url");
        let dir = PathBuf::from(std::env::var("DL_BENCH_DIR").expect("dir"));
        child(&variant, &url, &dir);
        return;
    }
    let size: u64 = std::env::var("DL_BENCH_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2 << 30);
    let runs: usize = std::env::var("DL_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let site = TestSite::start();
    let work = tempfile::Builder::new()
        .prefix("download-bench-")
        .tempdir_in(std::env::temp_dir())
        .expect("work dir");
    let nginx = Nginx::start(work.path(), size);
    let (url, source) = match &nginx {
        Some(n) => (n.url.clone(), n.version.clone()),
        None => (
            site.http_url("127.0.0.1", &format!("/bytes/{size}")),
            "the test site (no nginx command)".to_string(),
        ),
    };
    let gib = size as f64 / (1024.0 * MIB);
    if let Ok(only) = std::env::var("DL_BENCH_ONLY") {
        // Investigation mode: the named variants only, no rows written.
        for variant in only.split(',') {
            run_variant(variant, &url, size, runs, work.path());
        }
        return;
    }
    let has = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let (has_curl, has_wget) = (has("curl"), has("wget"));

    // Rounds interleave the variants, so a busy moment of the machine hits them alike; the
    // best run of each is kept.
    let mut variants = vec![
        "ours",
        "ours-nosync",
        "reqwest-std",
        "reqwest-tokio",
        "reqwest-std-fsync",
    ];
    if has_curl {
        variants.extend(["curl:file", "curl:file+sync", "curl:null"]);
    }
    if has_wget {
        variants.push("wget:file");
    }
    let mut best: std::collections::HashMap<&str, Measured> = std::collections::HashMap::new();
    for _ in 0..runs {
        for variant in &variants {
            let m = run_variant(variant, &url, size, 1, work.path()).expect("a run");
            if best.get(variant).is_none_or(|b| m.mib_per_s > b.mib_per_s) {
                best.insert(variant, m);
            }
        }
    }
    let take = |v: &str| {
        best.get(v)
            .map(|m| Measured {
                mib_per_s: m.mib_per_s,
                rss_mib: m.rss_mib,
            })
            .expect("measured")
    };
    let (ours, nosync, std_fs, tokio_fs, std_fsync) = (
        take("ours"),
        take("ours-nosync"),
        take("reqwest-std"),
        take("reqwest-tokio"),
        take("reqwest-std-fsync"),
    );
    let faster_reqwest = if std_fs.mib_per_s >= tokio_fs.mib_per_s {
        ("reqwest 0.13 to a file (std::fs)", &std_fs)
    } else {
        ("reqwest 0.13 to a file (tokio::fs)", &tokio_fs)
    };
    let mut rows = vec![
        BenchRow {
            metric: format!("{gib:.0} GiB download to disk, no fsync (sync_on_complete off)"),
            unit: "MiB/s".into(),
            ours: nosync.mib_per_s,
            anchor: faster_reqwest.0.into(),
            anchor_value: faster_reqwest.1.mib_per_s,
            lower_is_better: false,
            goal_ratio: Some(1.05),
            note: format!(
                "served by {source}, best of {runs}; ours: temp file + rename, journal on disk; reqwest std::fs {:.0} / tokio::fs {:.0} MiB/s",
                std_fs.mib_per_s, tokio_fs.mib_per_s
            ),
        },
        BenchRow {
            metric: format!("{gib:.0} GiB download to disk, durable (the default)"),
            unit: "MiB/s".into(),
            ours: ours.mib_per_s,
            anchor: "reqwest 0.13 std::fs + fsync".into(),
            anchor_value: std_fsync.mib_per_s,
            lower_is_better: false,
            goal_ratio: None,
            note: "both fsync the file before completion; ours also the directory after the rename"
                .into(),
        },
        BenchRow {
            metric: format!("peak RSS of the client, {gib:.0} GiB download"),
            unit: "MiB".into(),
            ours: ours.rss_mib.max(nosync.rss_mib),
            anchor: "goal 48 MiB".into(),
            anchor_value: 48.0,
            lower_is_better: true,
            goal_ratio: Some(1.0),
            note: format!(
                "whole client process (runtime, TLS roots, pool); reqwest std::fs {:.1} MiB",
                std_fs.rss_mib
            ),
        },
    ];
    if has_curl {
        let (curl, synced, null) = (take("curl:file"), take("curl:file+sync"), take("curl:null"));
        rows.push(BenchRow {
            metric: format!("{gib:.0} GiB download to disk vs curl, durable"),
            unit: "MiB/s".into(),
            ours: ours.mib_per_s,
            anchor: "curl -o file, then sync FILE".into(),
            anchor_value: synced.mib_per_s,
            lower_is_better: false,
            goal_ratio: Some(2.0),
            note: format!(
                "ours: the default (fsync before rename, directory fsync after); served by {source}"
            ),
        });
        rows.push(BenchRow {
            metric: format!("{gib:.0} GiB download to disk vs curl, no fsync"),
            unit: "MiB/s".into(),
            ours: nosync.mib_per_s,
            anchor: "curl -o file".into(),
            anchor_value: curl.mib_per_s,
            lower_is_better: false,
            goal_ratio: Some(1.5),
            note: format!(
                "network-only limit (curl -o /dev/null): {:.0} MiB/s; served by {source}",
                null.mib_per_s
            ),
        });
    }
    if has_wget {
        let wget = take("wget:file");
        rows.push(BenchRow {
            metric: format!("{gib:.0} GiB download to disk vs wget, no fsync"),
            unit: "MiB/s".into(),
            ours: nosync.mib_per_s,
            anchor: "wget -O file".into(),
            anchor_value: wget.mib_per_s,
            lower_is_better: false,
            goal_ratio: None,
            note: format!("no goal set for wget; served by {source}"),
        });
    }
    drop(nginx);
    write_rows("downloads", &rows).expect("write rows");
}
