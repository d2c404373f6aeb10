//! Protocol handlers against their anchors, measured in one run:
//!
//! - a 1 GiB file through `serve_file` over a handled scheme, read by `Net::fetch`, against
//!   reading the same file with `tokio::fs` directly (256 KiB reads into one buffer); each in a
//!   child process so its peak RSS is its own. The file is sparse (no disk in the figure: both
//!   sides read the page cache's zero pages), so the rows compare the paths, not the disk;
//! - a handled scheme answering a tiny body: `Net::fetch` against calling the handler
//!   directly, per request; the goal is at most 5 us of pipeline on top of the handler.

use std::time::Instant;

use http::Method;
use session_net::protocol::{ProtocolHandler, serve_file};
use session_net::{Body, Net, NetConfig, RequestBody, new_request};
use session_test_support::bench::{BenchRow, peak_rss_mib, write_rows};
use tokio::io::AsyncReadExt;

const BIG: u64 = 1 << 30;
const RUNS: usize = 3;
const TINY: usize = 50_000;
const ROUNDS: usize = 5;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn read_ours(path: &std::path::Path) -> u64 {
    let net = Net::new(NetConfig::default()).expect("net");
    net.protocol()
        .handle("app", serve_file(path))
        .expect("handle");
    let mut r = net
        .fetch(new_request(Method::GET, "app://bench/big.bin", ()).expect("request"))
        .await
        .expect("fetch");
    let mut n = 0u64;
    while let Some(c) = r.chunk().await.expect("chunk") {
        n += c.len() as u64;
    }
    n
}

async fn read_tokio_fs(path: &std::path::Path) -> u64 {
    let mut file = tokio::fs::File::open(path).await.expect("open");
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = file.read(&mut buf).await.expect("read");
        if k == 0 {
            break;
        }
        n += k as u64;
    }
    n
}

/// In a child: one read of the file; prints `THROUGHPUT <MiB/s> <peak RSS MiB>`.
fn child(which: &str, path: &std::path::Path) {
    let start = Instant::now();
    let n = rt().block_on(async {
        if which == "ours" {
            read_ours(path).await
        } else {
            read_tokio_fs(path).await
        }
    });
    assert_eq!(n, BIG, "whole file read");
    let rate = n as f64 / (1024.0 * 1024.0) / start.elapsed().as_secs_f64();
    println!("THROUGHPUT {rate} {}", peak_rss_mib());
}

fn run_child(which: &str, path: &std::path::Path) -> (f64, f64) {
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .env("SES_PROTOCOL_BENCH_MODE", which)
        .env("SES_PROTOCOL_BENCH_FILE", path)
        .output()
        .expect("run child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("THROUGHPUT "))
        .unwrap_or_else(|| {
            panic!(
                "child {which} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let mut it = line
        .split_whitespace()
        .map(|v| v.parse::<f64>().expect("number"));
    (it.next().expect("rate"), it.next().expect("rss"))
}

fn tiny_handler(
    _r: http::Request<RequestBody>,
) -> std::future::Ready<session_net::Result<http::Response<Body>>> {
    std::future::ready(Ok(http::Response::new(Body::full(&b"ok"[..]))))
}

/// Per-request microseconds: fetch through the pipeline, and the handler called directly
/// (with the same request building and body reading), interleaved by rounds.
async fn tiny() -> (f64, f64) {
    let net = Net::new(NetConfig::default()).expect("net");
    net.protocol().handle("app", tiny_handler).expect("handle");
    let direct: std::sync::Arc<dyn ProtocolHandler> = std::sync::Arc::new(tiny_handler);
    let url = "app://bench/tiny";
    let mut ours = Vec::new();
    let mut anchor = Vec::new();
    for round in 0..=ROUNDS {
        let t = Instant::now();
        for _ in 0..TINY {
            let r = net
                .fetch(new_request(Method::GET, url, ()).expect("request"))
                .await
                .expect("fetch");
            assert_eq!(r.bytes().await.expect("body").len(), 2);
        }
        let o = t.elapsed().as_secs_f64() * 1e6 / TINY as f64;
        let t = Instant::now();
        for _ in 0..TINY {
            let r = direct
                .call(new_request(Method::GET, url, ()).expect("request"))
                .await
                .expect("call");
            assert_eq!(r.into_body().bytes().await.expect("body").len(), 2);
        }
        let a = t.elapsed().as_secs_f64() * 1e6 / TINY as f64;
        if round > 0 {
            ours.push(o);
            anchor.push(a);
        }
    }
    (median(ours), median(anchor))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    if let (Ok(which), Some(file)) = (
        std::env::var("SES_PROTOCOL_BENCH_MODE"),
        std::env::var_os("SES_PROTOCOL_BENCH_FILE"),
    ) {
        child(&which, std::path::Path::new(&file));
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    std::fs::File::create(&path)
        .expect("create")
        .set_len(BIG)
        .expect("sparse file");
    let mut best = [(0.0f64, 0.0f64); 2];
    for _ in 0..RUNS {
        for (i, which) in ["tokio", "ours"].iter().enumerate() {
            let (rate, rss) = run_child(which, &path);
            best[i].0 = best[i].0.max(rate);
            best[i].1 = best[i].1.max(rss);
        }
    }
    let [(fs_rate, fs_rss), (ours_rate, ours_rss)] = best;
    let (ours_us, direct_us) = rt().block_on(tiny());
    let overhead = ours_us - direct_us;
    let rows = vec![
        BenchRow {
            metric: "1 GiB file through serve_file over a handled scheme, read by fetch".into(),
            unit: "MiB/s".into(),
            ours: ours_rate,
            anchor: "tokio::fs read loop (256 KiB buffer)".into(),
            anchor_value: fs_rate,
            lower_is_better: false,
            goal_ratio: Some(0.9),
            note: format!(
                "best of {RUNS} child runs each, alternated; sparse file (page-cache zero pages, no disk); peak RSS ours {ours_rss:.1} MiB (goal <= 32 MiB: {}), tokio::fs {fs_rss:.1} MiB",
                if ours_rss <= 32.0 { "met" } else { "missed" }
            ),
        },
        BenchRow {
            metric: "handled scheme, tiny body: fetch vs calling the handler directly".into(),
            unit: "us/req".into(),
            ours: ours_us,
            anchor: "the handler called directly".into(),
            anchor_value: direct_us,
            lower_is_better: true,
            goal_ratio: Some((direct_us + 5.0) / direct_us),
            note: format!(
                "median of {ROUNDS} rounds of {TINY} sequential requests, interleaved; pipeline overhead {overhead:.2} us/req (goal <= 5 us; the goal ratio is (anchor + 5 us) / anchor of this run); current-thread runtime"
            ),
        },
    ];
    write_rows("net-protocol", &rows).expect("write rows");
}
