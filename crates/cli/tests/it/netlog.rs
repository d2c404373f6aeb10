//! `ses fetch --netlog FILE` and `--har FILE` against the loopback test site.

use serde_json::Value;
use session_test_support::TestSite;

use crate::net::Run;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("valid JSON")
}

fn count(log: &Value, name: &str) -> usize {
    let ty = &log["constants"]["logEventTypes"][name];
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| &e["type"] == ty)
        .count()
}

#[test]
fn fetch_writes_a_net_log_of_the_request() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let path = run.ud.path().join("fetch-netlog.json");
    let out = run.ses(&[
        "fetch",
        "--netlog",
        path.to_str().expect("utf-8"),
        &site.https_url("a.test", "/redirect/1"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "redirected");
    let log = read_json(&path);
    assert_eq!(log["constants"]["logFormatVersion"], 1);
    assert_eq!(count(&log, "REQUEST_ALIVE"), 2);
    assert_eq!(count(&log, "URL_REQUEST_REDIRECTED"), 1);
    assert_eq!(count(&log, "HTTP_TRANSACTION_READ_RESPONSE_HEADERS"), 2);
    assert!(count(&log, "SSL_SOCKET_BYTES_RECEIVED") > 0);
}

#[test]
fn a_failed_fetch_still_finishes_its_net_log() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let path = run.ud.path().join("failed-netlog.json");
    let out = run.ses(&[
        "fetch",
        "--netlog",
        path.to_str().expect("utf-8"),
        &site.tls_url(session_test_support::TlsVariant::Expired, "a.test", "/"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let log = read_json(&path);
    assert_eq!(count(&log, "FAILED"), 1);
    let bad = run.ses(&[
        "fetch",
        "--netlog",
        run.ud
            .path()
            .join("missing-dir/x.json")
            .to_str()
            .expect("utf-8"),
        &site.http_url("a.test", "/echo"),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--netlog: ") && err.contains("missing-dir"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
