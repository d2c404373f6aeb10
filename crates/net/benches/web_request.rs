//! webRequest against a session with no listener, measured in one run on loopback (the test
//! site's `/status/200`, 20,000 sequential GETs per round, the clients interleaved in batches so
//! the load of a shared machine falls on all alike):
//!
//! - one no-op async listener on each of the eight events, against no listener (goal ≤ 1.05x);
//! - one `onBeforeRequest` listener whose filter holds 1,000 match patterns (none matching the
//!   request, so the figure is the filter's cost), against no listener (goal ≤ 2 µs added).

use std::time::Instant;

use session_net::web_request::{Answer, Filter, ListenerHandle};
use session_net::{Net, NetConfig, new_request};
use session_test_support::bench::{BenchRow, process_cpu, write_rows};
use session_test_support::{HOST_RULES, TestSite};

const REQUESTS: usize = 20_000;
const WARMUP: usize = 1_000;
const ROUNDS: usize = 3;
const BATCH: usize = 200;
const PATTERNS: usize = 1_000;

fn net() -> Net {
    let mut config = NetConfig::default();
    config.host_rules = HOST_RULES.parse().expect("host rules");
    Net::new(config).expect("net")
}

/// A no-op async listener on each of the eight events.
fn eight_listeners(net: &Net) -> Vec<ListenerHandle> {
    let wr = net.web_request();
    let all = Filter::all;
    vec![
        wr.add_before_request(all(), |_| async { Answer::proceed() }),
        wr.add_before_send_headers(all(), |_| async { Answer::proceed() }),
        wr.add_send_headers(all(), |_| async {}),
        wr.add_headers_received(all(), |_| async { Answer::proceed() }),
        wr.add_response_started(all(), |_| async {}),
        wr.add_before_redirect(all(), |_| async {}),
        wr.add_completed(all(), |_| async {}),
        wr.add_error_occurred(all(), |_| async {}),
    ]
}

/// 1,000 patterns of the shapes blocklists use: subdomain wildcards, exact hosts with paths,
/// and a few any-host path patterns (which every URL meets).
fn patterns() -> Vec<String> {
    (0..PATTERNS)
        .map(|i| match i % 100 {
            0..=89 => format!("*://*.tracker{i}.example/*"),
            90..=98 => format!("https://ads{i}.test/banner/*"),
            _ => format!("*://*/pixel{i}/*"),
        })
        .collect()
}

fn thousand_patterns(net: &Net) -> ListenerHandle {
    let patterns = patterns();
    let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let filter = Filter::urls(&refs).expect("patterns");
    net.web_request()
        .add_before_request(filter, |_| async { Answer::cancel() })
}

async fn get(net: &Net, url: &str) {
    let r = net
        .fetch(new_request(http::Method::GET, url, ()).expect("request"))
        .await
        .expect("fetch");
    r.bytes().await.expect("body");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Per-request (wall µs, CPU µs) of: no listener, eight listeners, 1,000 patterns.
async fn measure(site: &TestSite) -> [(f64, f64); 3] {
    let url = site.http_url("a.test", "/status/200");
    let nets = [net(), net(), net()];
    let _eight = eight_listeners(&nets[1]);
    let _thousand = thousand_patterns(&nets[2]);
    for net in &nets {
        for _ in 0..WARMUP {
            get(net, &url).await;
        }
    }
    let mut rounds = Vec::new();
    for _ in 0..ROUNDS {
        let mut total = [(0.0f64, 0.0f64); 3];
        for _ in 0..REQUESTS / BATCH {
            for (i, net) in nets.iter().enumerate() {
                let (t, c) = (Instant::now(), process_cpu());
                for _ in 0..BATCH {
                    get(net, &url).await;
                }
                total[i].0 += t.elapsed().as_secs_f64();
                total[i].1 += process_cpu() - c;
            }
        }
        rounds.push(total.map(|(w, c)| (w * 1e6 / REQUESTS as f64, c * 1e6 / REQUESTS as f64)));
    }
    [0, 1, 2].map(|i| {
        (
            median(rounds.iter().map(|r| r[i].0).collect()),
            median(rounds.iter().map(|r| r[i].1).collect()),
        )
    })
}

fn main() {
    let site = TestSite::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let [none, eight, thousand] = rt.block_on(measure(&site));
    let note = format!(
        "median of {ROUNDS} rounds of {REQUESTS} sequential GETs of the test site's /status/200 over HTTP/1.1 keep-alive, clients interleaved in batches of {BATCH}; current-thread runtime; not pinned"
    );
    let cpu_note = "CPU time of the whole process (client + the test site's threads) per request, from /proc/self/task/*/schedstat";
    let mut rows = Vec::new();
    for (what, ours, anchor, n) in [
        ("wall", eight.0, none.0, &note),
        ("CPU", eight.1, none.1, &cpu_note.to_string()),
    ] {
        rows.push(BenchRow {
            metric: format!("one no-op async listener on each of the 8 events ({what})"),
            unit: "us/req".into(),
            ours,
            anchor: "the same session with no listener".into(),
            anchor_value: anchor,
            lower_is_better: true,
            goal_ratio: Some(1.05),
            note: n.clone(),
        });
    }
    for (what, ours, anchor, n) in [
        ("wall", thousand.0, none.0, &note),
        ("CPU", thousand.1, none.1, &cpu_note.to_string()),
    ] {
        rows.push(BenchRow {
            metric: format!("1,000 match patterns on onBeforeRequest, none matching ({what})"),
            unit: "us/req".into(),
            ours,
            anchor: "the same session with no listener".into(),
            anchor_value: anchor,
            lower_is_better: true,
            goal_ratio: Some((anchor + 2.0) / anchor),
            note: format!(
                "{n}; added {:.2} us/req (goal <= 2 us; the goal ratio is (anchor + 2 us) / anchor of this run)",
                ours - anchor
            ),
        });
    }
    write_rows("web-request", &rows).expect("write bench rows");
}
