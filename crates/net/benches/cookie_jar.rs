//! What a full cookie jar costs a fetch whose host has no cookies: the same session's
//! sequential keep-alive GETs over loopback, with an empty jar and with Chromium's default limit
//! of 3,300 cookies over 110 other sites (goal: at most 1.05x). Requests alternate between the
//! two sessions so that machine noise hits both alike.

use std::time::Instant;

use session_cookies::{Cookies, CookiesOptions, RequestContext};
use session_net::cookies::CookieStage;
use session_net::{FetchOptions, Net, NetConfig, RequestBody};
use session_test_support::bench::{BenchRow, write_rows};
use session_test_support::{HOST_RULES, TestSite};
use url::Url;

const REQUESTS: usize = 2_000;
const ROUNDS: usize = 7;

fn net_with(cookies: Cookies) -> Net {
    let mut config = NetConfig::default();
    config.host_rules = HOST_RULES.parse().expect("host rules");
    let net = Net::new(config).expect("net");
    net.insert_stage(CookieStage::new(cookies));
    net
}

async fn one(net: &Net, url: &Url) -> f64 {
    let t = Instant::now();
    let mut request = http::Request::new(RequestBody::empty());
    request
        .extensions_mut()
        .insert(FetchOptions::new().url(url.clone()));
    let response = net.fetch(request).await.expect("fetch");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("body");
    t.elapsed().as_secs_f64() * 1e6
}

/// One round: requests alternate between the two sessions (the order flips every request), so
/// both see the same machine; pushes every request's time to its session's list.
async fn round(a: &Net, b: &Net, url: &Url, ta: &mut Vec<f64>, tb: &mut Vec<f64>) {
    for i in 0..REQUESTS {
        if i % 2 == 0 {
            ta.push(one(a, url).await);
            tb.push(one(b, url).await);
        } else {
            tb.push(one(b, url).await);
            ta.push(one(a, url).await);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let site = TestSite::start();
    let empty = Cookies::in_memory(CookiesOptions::default());
    let full = Cookies::in_memory(CookiesOptions::default());
    // 110 sites x 30 cookies = 3,300: the jar at Chromium's total limit.
    for s in 0..110 {
        let url = Url::parse(&format!("https://www.site{s}.example/")).expect("url");
        let lines: Vec<String> = (0..30)
            .map(|i| format!("c{i}=value-{i}; Path=/; Max-Age=86400"))
            .collect();
        full.set_from_response(&url, &lines, &RequestContext::default())
            .expect("fill");
    }
    assert_eq!(full.len(), 3_300);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let url = Url::parse(&site.http_url("a.test", "/status/200")).expect("url");
    let (empty_net, full_net) = (net_with(empty), net_with(full));
    let (mut with_empty, mut with_full) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        let (mut warm_a, mut warm_b) = (Vec::new(), Vec::new());
        round(&empty_net, &full_net, &url, &mut warm_a, &mut warm_b).await;
        for _ in 0..ROUNDS {
            round(&empty_net, &full_net, &url, &mut with_empty, &mut with_full).await;
        }
    });
    let rows = vec![BenchRow {
        metric: "fetch to a host without cookies, jar full (3,300 cookies) vs empty".into(),
        unit: "us/req".into(),
        ours: median(with_full),
        anchor: "same session, empty jar".into(),
        anchor_value: median(with_empty),
        lower_is_better: true,
        goal_ratio: Some(1.05),
        note: format!(
            "HTTP/1.1 keep-alive over loopback; median of {ROUNDS} x {REQUESTS} sequential GETs per session, requests alternating between the two sessions"
        ),
    }];
    write_rows("cookies-fetch", &rows).expect("write bench rows");
}
