//! `fetch` against its anchors, measured in one run on loopback:
//!
//! - 20,000 sequential GETs of a tiny keep-alive response: session-net's `Net::fetch` (with
//!   no-op stages in the cache, cookies and webRequest slots, as a session with every stage
//!   present and nothing to do) against a raw hyper-util client and reqwest;
//! - a 2 GiB body to nowhere: throughput against hyper-util, and the peak RSS of the process.
//!
//! The process pins itself to CPU 0 with `taskset` when it can (client and server then share
//! one core, the steadiest set-up on a 2-core machine); set `SES_BENCH_NO_PIN=1` to not pin.
//! The throughput runs happen in child processes so each peak RSS is its own.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper_util::rt::{TokioExecutor, TokioIo};
use session_net::stages::{Slot, Stage};
use session_net::{Net, NetConfig, new_request};
use session_test_support::bench::{
    BenchRow, median, peak_rss_mib, process_cpu, serve_loopback, write_rows,
};

const REQUESTS: usize = 20_000;
const WARMUP: usize = 1_000;
const ROUNDS: usize = 3;
const BATCH: usize = 200;
const THROUGHPUT_RUNS: usize = 3;
const BIG: u64 = 2 << 30;
const CHUNK: usize = 64 * 1024;

struct Noop(Slot);

impl Stage for Noop {
    fn slot(&self) -> Slot {
        self.0
    }
}

fn start_server() -> SocketAddr {
    let chunk = Bytes::from(vec![0x5a; CHUNK]);
    serve_loopback(move |stream| {
        let chunk = chunk.clone();
        async move {
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let chunk = chunk.clone();
                    async move {
                        let body: BoxBody<Bytes, Infallible> = if req.uri().path() == "/big" {
                            let n = (BIG / CHUNK as u64) as usize;
                            let frames = futures_util::stream::iter(
                                (0..n)
                                    .map(move |_| Ok::<_, Infallible>(Frame::data(chunk.clone()))),
                            );
                            BoxBody::new(StreamBody::new(frames))
                        } else {
                            BoxBody::new(Full::new(Bytes::from_static(b"ok")))
                        };
                        let mut resp = hyper::Response::new(body);
                        let len = if req.uri().path() == "/big" { BIG } else { 2 };
                        resp.headers_mut()
                            .insert(http::header::CONTENT_LENGTH, len.into());
                        Ok::<_, Infallible>(resp)
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    })
}

fn pin() {
    if std::env::var_os("SES_BENCH_PINNED").is_some()
        || std::env::var_os("SES_BENCH_NO_PIN").is_some()
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let status = std::process::Command::new("taskset")
        .arg("-c")
        .arg("0")
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env("SES_BENCH_PINNED", "1")
        .status();
    if let Ok(status) = status {
        std::process::exit(status.code().unwrap_or(1));
    }
}

/// Per-request figures of one client: wall time and CPU time, in microseconds.
#[derive(Default, Clone, Copy)]
struct Cost {
    wall: f64,
    cpu: f64,
}

fn session_net() -> Net {
    let net = Net::new(NetConfig::default()).expect("net");
    for slot in [
        Slot::ProtocolHandlers,
        Slot::Cache,
        Slot::Cookies,
        Slot::BeforeSendHeaders,
    ] {
        net.insert_stage(Arc::new(Noop(slot)));
    }
    net
}

type HyperClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Empty<Bytes>,
>;

fn hyper_client() -> HyperClient {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http()
}

async fn ours_get(net: &Net, url: &str) -> usize {
    let r = net
        .fetch(new_request(http::Method::GET, url, ()).expect("request"))
        .await
        .expect("fetch");
    r.bytes().await.expect("body").len()
}

/// The request headers `Net::fetch` sends by default; the anchors send the same, so that every
/// client puts the same request on the wire and the figures compare the clients, not the bytes.
fn same_headers() -> http::HeaderMap {
    static SAME: std::sync::OnceLock<http::HeaderMap> = std::sync::OnceLock::new();
    SAME.get_or_init(build_same_headers).clone()
}

fn build_same_headers() -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    let ua = session_net::default_user_agent();
    h.insert(http::header::USER_AGENT, ua.parse().expect("ua"));
    h.insert(
        http::header::ACCEPT_LANGUAGE,
        http::HeaderValue::from_static("en-US"),
    );
    h.insert(
        http::header::ACCEPT_ENCODING,
        http::HeaderValue::from_static("gzip, deflate, br, zstd"),
    );
    h.insert(http::header::ACCEPT, http::HeaderValue::from_static("*/*"));
    h
}

async fn hyper_get(client: &HyperClient, url: &str) -> usize {
    let uri: hyper::Uri = url.parse().expect("uri");
    let mut req = hyper::Request::new(Empty::new());
    *req.uri_mut() = uri;
    *req.headers_mut() = same_headers();
    let r = client.request(req).await.expect("get");
    r.into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .len()
}

async fn reqwest_get(client: &reqwest::Client, url: &str) -> usize {
    client
        .get(url)
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body")
        .len()
}

async fn latency(addr: SocketAddr) -> [Cost; 3] {
    let url = format!("http://127.0.0.1:{}/tiny", addr.port());
    let net = session_net();
    let hyper = hyper_client();
    let reqwest = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest");
    for _ in 0..WARMUP {
        ours_get(&net, &url).await;
        hyper_get(&hyper, &url).await;
        reqwest_get(&reqwest, &url).await;
    }
    // Interleave the three clients in batches so that the load of a shared machine falls on
    // all of them alike; each still makes REQUESTS sequential requests per round.
    let mut rounds: Vec<[Cost; 3]> = Vec::new();
    for _ in 0..ROUNDS {
        let mut total = [Cost::default(); 3];
        for _ in 0..REQUESTS / BATCH {
            for (i, slot) in total.iter_mut().enumerate() {
                let (t, c) = (Instant::now(), process_cpu());
                for _ in 0..BATCH {
                    match i {
                        0 => ours_get(&net, &url).await,
                        1 => hyper_get(&hyper, &url).await,
                        _ => reqwest_get(&reqwest, &url).await,
                    };
                }
                slot.wall += t.elapsed().as_secs_f64();
                slot.cpu += process_cpu() - c;
            }
        }
        rounds.push(total.map(|c| Cost {
            wall: c.wall * 1e6 / REQUESTS as f64,
            cpu: c.cpu * 1e6 / REQUESTS as f64,
        }));
    }
    let pick = |i: usize, f: fn(&Cost) -> f64| median(rounds.iter().map(|r| f(&r[i])).collect());
    [0, 1, 2].map(|i| Cost {
        wall: pick(i, |c| c.wall),
        cpu: pick(i, |c| c.cpu),
    })
}

async fn throughput(which: &str, addr: SocketAddr) -> (f64, f64, f64) {
    let url = format!("http://127.0.0.1:{}/big", addr.port());
    let start = Instant::now();
    let cpu = process_cpu();
    let mut n = 0u64;
    if which == "ours" {
        let net = session_net();
        let mut r = net
            .fetch(new_request(http::Method::GET, &url, ()).expect("request"))
            .await
            .expect("fetch");
        while let Some(c) = r.chunk().await.expect("chunk") {
            n += c.len() as u64;
        }
    } else {
        let client = hyper_client();
        let mut body = client
            .get(url.parse().expect("uri"))
            .await
            .expect("get")
            .into_body();
        while let Some(frame) = body.frame().await {
            if let Ok(d) = frame.expect("frame").into_data() {
                n += d.len() as u64;
            }
        }
    }
    assert_eq!(n, BIG, "whole body read");
    let mib_s = n as f64 / (1024.0 * 1024.0) / start.elapsed().as_secs_f64();
    let cpu_mib_s = n as f64 / (1024.0 * 1024.0) / (process_cpu() - cpu);
    (mib_s, cpu_mib_s, peak_rss_mib())
}

fn child_throughput(which: &str) -> (f64, f64, f64) {
    let exe = std::env::current_exe().expect("exe");
    let out = std::process::Command::new(exe)
        .env("SES_FETCH_BENCH_MODE", which)
        .env("SES_BENCH_PINNED", "1")
        .output()
        .expect("run throughput child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("THROUGHPUT "))
        .expect("child result line");
    let mut it = line
        .split_whitespace()
        .map(|v| v.parse::<f64>().expect("number"));
    (
        it.next().expect("rate"),
        it.next().expect("cpu rate"),
        it.next().expect("rss"),
    )
}

fn main() {
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    };
    if let Ok(mode) = std::env::var("SES_FETCH_BENCH_MODE") {
        let addr = start_server();
        if let Some(which) = mode.strip_prefix("profile-") {
            // For `perf`: one client alone, many requests.
            let url = format!("http://127.0.0.1:{}/tiny", addr.port());
            rt().block_on(async {
                let net = session_net();
                let hyper = hyper_client();
                for _ in 0..100_000 {
                    if which == "ours" {
                        ours_get(&net, &url).await;
                    } else {
                        hyper_get(&hyper, &url).await;
                    }
                }
            });
            return;
        }
        let (rate, cpu_rate, rss) = rt().block_on(throughput(&mode, addr));
        println!("THROUGHPUT {rate} {cpu_rate} {rss}");
        return;
    }
    pin();
    let pinned = std::env::var_os("SES_BENCH_PINNED").is_some();
    let addr = start_server();
    let [ours, hyper, reqwest] = rt().block_on(latency(addr));
    // Alternate the two throughput runs and keep the best figures of each.
    let mut best = [(0.0f64, 0.0f64, 0.0f64); 2];
    for _ in 0..THROUGHPUT_RUNS {
        for (i, which) in ["hyper", "ours"].iter().enumerate() {
            let (rate, cpu_rate, rss) = child_throughput(which);
            best[i].0 = best[i].0.max(rate);
            best[i].1 = best[i].1.max(cpu_rate);
            best[i].2 = best[i].2.max(rss);
        }
    }
    let [
        (hyper_rate, hyper_cpu_rate, hyper_rss),
        (ours_rate, ours_cpu_rate, ours_rss),
    ] = best;
    let pin_note = if pinned {
        "client and server pinned to CPU 0"
    } else {
        "not pinned"
    };
    let latency_note = format!(
        "median of {ROUNDS} rounds, clients interleaved in batches of {BATCH}; Net::fetch with no-op stages in 4 slots; every client sends the same request headers (Net's defaults: User-Agent, Accept-Language, Accept-Encoding, Accept); {pin_note}"
    );
    let cpu_note = "CPU time of the whole process (client + in-process server threads) per request, from /proc/self/task/*/schedstat; steadier than wall time on a loaded machine";
    let mut rows = Vec::new();
    for (anchor, cost, goal) in [
        ("hyper-util legacy client", hyper, 1.10),
        ("reqwest 0.13", reqwest, 0.90),
    ] {
        rows.push(BenchRow {
            metric: "20,000 sequential GETs, tiny keep-alive response (wall)".into(),
            unit: "us/req".into(),
            ours: ours.wall,
            anchor: anchor.into(),
            anchor_value: cost.wall,
            lower_is_better: true,
            goal_ratio: Some(goal),
            note: latency_note.clone(),
        });
        rows.push(BenchRow {
            metric: "20,000 sequential GETs, tiny keep-alive response (CPU)".into(),
            unit: "us/req".into(),
            ours: ours.cpu,
            anchor: anchor.into(),
            anchor_value: cost.cpu,
            lower_is_better: true,
            goal_ratio: Some(goal),
            note: cpu_note.into(),
        });
    }
    rows.extend([
        BenchRow {
            metric: "2 GiB body to nowhere, HTTP/1.1 loopback".into(),
            unit: "MiB/s".into(),
            ours: ours_rate,
            anchor: "hyper-util legacy client".into(),
            anchor_value: hyper_rate,
            lower_is_better: false,
            goal_ratio: Some(0.95),
            note: format!(
                "best of {THROUGHPUT_RUNS} alternating runs each, child processes; peak RSS of the whole process (client + in-process server): ours {ours_rss:.1} MiB, hyper-util {hyper_rss:.1} MiB; {pin_note}"
            ),
        },
        BenchRow {
            metric: "2 GiB body to nowhere, HTTP/1.1 loopback (per CPU second)".into(),
            unit: "MiB/CPU-s".into(),
            ours: ours_cpu_rate,
            anchor: "hyper-util legacy client".into(),
            anchor_value: hyper_cpu_rate,
            lower_is_better: false,
            goal_ratio: Some(0.95),
            note: format!("bytes per CPU second of the whole process (client + in-process server), best of {THROUGHPUT_RUNS} runs each; steadier than wall time on a loaded machine"),
        },
        BenchRow {
            metric: "2 GiB body to nowhere: peak RSS".into(),
            unit: "MiB".into(),
            ours: ours_rss,
            anchor: "hyper-util legacy client".into(),
            anchor_value: hyper_rss,
            lower_is_better: true,
            goal_ratio: None,
            note: "VmHWM of the process (client + in-process server); goal: ours <= 32 MiB".into(),
        },
    ]);
    write_rows("net-fetch", &rows).expect("write bench rows");
}
