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

#[test]
fn fetch_writes_a_har_of_the_request_and_its_redirects() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let har = run.ud.path().join("fetch.har");
    let url = site.https_url("a.test", "/redirect-to?url=/echo%3Fq%3D1");
    let out = run.ses(&[
        "fetch",
        "--har",
        har.to_str().expect("utf-8"),
        "-H",
        "Cookie: secret=1",
        &url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body_len = out.stdout.len() as u64;
    let v = read_json(&har);
    assert_eq!(v["log"]["version"], "1.2");
    assert!(v["log"]["creator"]["name"].is_string());
    let entries = v["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "the redirect hop and the final one");
    let (first, last) = (&entries[0], &entries[1]);
    assert_eq!(first["request"]["method"], "GET");
    assert_eq!(first["request"]["url"], url.as_str());
    assert_eq!(first["response"]["status"], 302);
    assert!(
        first["response"]["redirectURL"]
            .as_str()
            .expect("redirect")
            .ends_with("/echo?q=1")
    );
    assert_eq!(last["response"]["status"], 200);
    assert_eq!(last["response"]["redirectURL"], "");
    assert_eq!(last["request"]["queryString"][0]["name"], "q");
    assert_eq!(last["request"]["queryString"][0]["value"], "1");
    assert!(
        last["response"]["content"]["mimeType"]
            .as_str()
            .expect("mime")
            .starts_with("application/json")
    );
    assert_eq!(last["response"]["content"]["size"], body_len);
    assert_eq!(last["response"]["bodySize"], body_len);
    // The HAR's own log includes sensitive headers (as browsers' HAR exports do).
    let sent = last["request"]["headers"].as_array().expect("headers");
    assert!(
        sent.iter()
            .any(|h| h["name"] == "cookie" && h["value"] == "secret=1"),
        "{sent:?}"
    );
    let got = last["response"]["headers"].as_array().expect("headers");
    assert!(
        got.iter()
            .all(|h| h["name"].is_string() && h["value"].is_string())
    );
    for e in entries {
        assert!(e["startedDateTime"].as_str().expect("date").ends_with('Z'));
        let t = &e["timings"];
        for k in ["send", "wait", "receive"] {
            assert!(t[k].as_i64().expect(k) >= 0, "{k}");
        }
        for k in ["blocked", "dns", "connect", "ssl"] {
            assert!(t[k].as_i64().expect(k) >= -1, "{k}");
        }
        assert!(e["time"].as_i64().expect("time") >= 0);
        assert_eq!(e["response"]["httpVersion"], "HTTP/2.0");
    }
    // The first hop opened its socket: DNS and TLS were timed.
    assert!(entries[0]["timings"]["ssl"].as_i64().expect("ssl") >= 0);
    assert!(entries[0]["timings"]["dns"].as_i64().expect("dns") >= 0);
}
