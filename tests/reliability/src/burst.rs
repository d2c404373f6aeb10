//! What a persistent cookie store costs a burst of responses that set cookies: 1,000 concurrent
//! GETs whose responses each set a persistent cookie (1,000 hosts, one cookie each), through a
//! session whose jar is stored on disk and through one whose jar lives in memory, in the same
//! run (goal: at most 1.5x). Rounds alternate which session goes first so that machine noise
//! hits both alike.

use std::time::Instant;

use session_cookies::{Cookies, CookiesOptions};
use session_net::cookies::CookieStage;
use session_net::{FetchOptions, Net, NetConfig, RequestBody};
use session_test_support::{HOST_RULES, TestSite};
use url::Url;

use crate::Section;

const REQUESTS: usize = 1_000;
const ROUNDS: usize = 5;
const GOAL: f64 = 1.5;

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

/// The cookie-burst figure: median burst time with the jar on disk over in memory.
pub(crate) fn cookie_burst() -> Result<Section, String> {
    let site = TestSite::start();
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let path = dir.path().join("Cookies");
    let disk = Cookies::open(&path, CookiesOptions::default()).map_err(|e| e.to_string())?;
    let memory = Cookies::in_memory(CookiesOptions::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
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
    let expected = REQUESTS * (ROUNDS + 1);
    let mut problems = Vec::new();
    if disk.len() != expected || memory.len() != expected {
        problems.push(format!(
            "jars hold {} (disk) and {} (memory) cookies, expected {expected}",
            disk.len(),
            memory.len()
        ));
    }
    drop(disk_net);
    drop(disk);
    let reopened = Cookies::open(&path, CookiesOptions::default()).map_err(|e| e.to_string())?;
    if reopened.len() != expected {
        problems.push(format!(
            "the reopened store holds {} cookies, expected {expected}",
            reopened.len()
        ));
    }
    let (d, m) = (median(on_disk), median(in_memory));
    let ratio = d / m;
    let met = ratio <= GOAL;
    println!("cookie burst: disk {d:.1} ms, memory {m:.1} ms, ratio {ratio:.3}");
    let mut md = String::from(
        "## Cookie burst

",
    );
    md.push_str(
        "1,000 concurrent GETs (HTTP/1.1 over loopback, 1,000 hosts) whose responses each set a persistent \
         cookie; every `Set-Cookie` is committed before its response is handed on. Median of 5 bursts per jar, \
         rounds alternating which jar goes first.\n\n",
    );
    md.push_str("| jar | ms per burst |\n|---|---|\n");
    md.push_str(&format!("| on disk (SQLite, writer thread) | {d:.1} |\n"));
    md.push_str(&format!("| in memory | {m:.1} |\n\n"));
    md.push_str(&format!(
        "Ratio {ratio:.3} (goal ≤ {GOAL}): {}. Every cookie of every burst was in the reopened store: {}.\n",
        if met { "met" } else { "**not met**" },
        if problems.is_empty() { "yes".to_owned() } else { format!("**no** ({})", problems.join("; ")) },
    ));
    Ok(Section {
        markdown: md,
        passed: met && problems.is_empty(),
    })
}
