//! What a persistent cookie store costs a burst of responses that set cookies: 1,000 concurrent
//! GETs whose responses each set a persistent cookie (1,000 hosts, one cookie each), through a
//! session whose jar is stored on disk and through one whose jar lives in memory, in the same
//! run (goal: at most 1.5x). Rounds alternate which session goes first so that machine noise
//! hits both alike.

use std::time::Instant;

use session_cookies::{Cookies, CookiesOptions};
use session_net::cookies::CookieStage;
use session_net::{FetchOptions, Net, NetConfig, RequestBody};
use session_test_support::bench::{BenchRow, write_rows};
use session_test_support::{HOST_RULES, TestSite};
use url::Url;

const REQUESTS: usize = 1_000;
const ROUNDS: usize = 5;

fn net_with(cookies: Cookies) -> Net {
    let mut config = NetConfig::default();
    config.host_rules = HOST_RULES.parse().expect("host rules");
    let net = Net::new(config).expect("net");
    net.insert_stage(CookieStage::new(cookies));
    net
}

/// One burst: every request at once, each to its own host and setting its own cookie; the
/// wall-clock time until the last response, in milliseconds.
async fn burst(net: &Net, port: u16, round: usize) -> f64 {
    let t = Instant::now();
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let net = net.clone();
            let url = Url::parse(&format!(
                "http://h{i}.test:{port}/headers?Set-Cookie=c{round}%3Dv{i}%3B%20Max-Age%3D86400"
            ))
            .expect("url");
            tokio::spawn(async move {
                let mut request = http::Request::new(RequestBody::empty());
                request
                    .extensions_mut()
                    .insert(FetchOptions::new().url(url));
                let response = net.fetch(request).await.expect("fetch");
                assert_eq!(response.status(), 200);
                response.bytes().await.expect("body");
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("request task");
    }
    t.elapsed().as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let disk = Cookies::open(dir.path().join("Cookies"), CookiesOptions::default()).expect("open");
    let memory = Cookies::in_memory(CookiesOptions::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (disk_net, memory_net) = (net_with(disk.clone()), net_with(memory.clone()));
    let port = site.http_port();
    let (mut on_disk, mut in_memory) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        // Warm-up: connections, host cache.
        burst(&disk_net, port, 0).await;
        burst(&memory_net, port, 0).await;
        for round in 1..=ROUNDS {
            if round % 2 == 0 {
                on_disk.push(burst(&disk_net, port, round).await);
                in_memory.push(burst(&memory_net, port, round).await);
            } else {
                in_memory.push(burst(&memory_net, port, round).await);
                on_disk.push(burst(&disk_net, port, round).await);
            }
        }
    });
    // Every cookie of every round is there.
    assert_eq!(disk.len(), REQUESTS * (ROUNDS + 1));
    assert_eq!(memory.len(), REQUESTS * (ROUNDS + 1));
    drop(disk_net);
    drop(disk);
    let reopened =
        Cookies::open(dir.path().join("Cookies"), CookiesOptions::default()).expect("reopen");
    assert_eq!(
        reopened.len(),
        REQUESTS * (ROUNDS + 1),
        "every cookie is on disk"
    );
    let rows = vec![BenchRow {
        metric: "1,000 concurrent GETs each setting a persistent cookie, jar on disk vs in memory"
            .into(),
        unit: "ms/burst".into(),
        ours: median(on_disk),
        anchor: "same run, in-memory jar".into(),
        anchor_value: median(in_memory),
        lower_is_better: true,
        goal_ratio: Some(1.5),
        note: format!(
            "HTTP/1.1 over loopback, 1,000 hosts; median of {ROUNDS} bursts per jar, rounds alternating which jar goes first; every Set-Cookie committed before its response is handed on"
        ),
    }];
    write_rows("cookies-burst", &rows).expect("write bench rows");
}
