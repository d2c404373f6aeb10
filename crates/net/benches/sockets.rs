//! Socket limits under load, measured in one run on loopback: 1,000 concurrent tiny GETs to one
//! HTTP/1.1 host through a session (at most 6 connections, the rest queued) against reqwest
//! (an unbounded pool: one connection per request in flight). Each round uses a new client of
//! each kind, so both pay for their connections; rounds alternate and the median is kept.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use session_net::{Net, NetConfig, new_request};
use session_test_support::bench::{BenchRow, median, serve_loopback, write_rows};

const CONCURRENT: usize = 1_000;
const ROUNDS: usize = 7;

/// A tiny keep-alive HTTP/1.1 server on its own thread; counts accepted connections.
fn start_server(accepted: Arc<AtomicUsize>) -> SocketAddr {
    serve_loopback(move |stream| {
        accepted.fetch_add(1, Ordering::Relaxed);
        async move {
            let service = hyper::service::service_fn(|_req| async {
                Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"tiny"))))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    })
}

async fn ours(url: &str) -> f64 {
    let net = Net::new(NetConfig::default()).expect("net");
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let (net, url) = (net.clone(), url.to_string());
            tokio::spawn(async move {
                let r = net
                    .fetch(new_request(http::Method::GET, &url, ()).expect("request"))
                    .await
                    .expect("fetch");
                r.bytes().await.expect("body").len()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task"), 4);
    }
    start.elapsed().as_secs_f64() * 1e3
}

async fn reqwest_run(url: &str) -> f64 {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest");
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let (client, url) = (client.clone(), url.to_string());
            tokio::spawn(async move {
                let r = client.get(&url).send().await.expect("send");
                r.bytes().await.expect("body").len()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task"), 4);
    }
    start.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let addr = start_server(accepted.clone());
    let url = format!("http://127.0.0.1:{}/tiny", addr.port());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut ours_ms, mut theirs_ms) = (Vec::new(), Vec::new());
    let (mut ours_conns, mut theirs_conns) = (0, 0);
    for _ in 0..ROUNDS {
        let before = accepted.load(Ordering::Relaxed);
        ours_ms.push(rt.block_on(ours(&url)));
        let mid = accepted.load(Ordering::Relaxed);
        theirs_ms.push(rt.block_on(reqwest_run(&url)));
        ours_conns = ours_conns.max(mid - before);
        theirs_conns = theirs_conns.max(accepted.load(Ordering::Relaxed) - mid);
    }
    let rows = vec![BenchRow {
        metric: format!("{CONCURRENT} concurrent tiny GETs to one HTTP/1.1 host (wall)"),
        unit: "ms".into(),
        ours: median(ours_ms),
        anchor: "reqwest 0.13 (unbounded pool)".into(),
        anchor_value: median(theirs_ms),
        lower_is_better: true,
        goal_ratio: Some(1.2),
        note: format!(
            "median of {ROUNDS} alternating rounds, a new client each round; most connections opened in a round: ours {ours_conns} (goal ≤ 6), reqwest {theirs_conns}"
        ),
    }];
    write_rows("net-sockets", &rows).expect("write bench rows");
}
