//! `netLog` of a session over the loopback test site: the file is Chrome's NetLog JSON.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;
use session::net::{NetError, new_request};
use session::netlog::{CaptureMode, NetLogOptions};
use session::{Session, SessionOptions, Sessions};
use session_test_support::{HOST_RULES, TestSite};

fn session(sessions: &Sessions, name: &str, site: &TestSite) -> Session {
    let s = sessions
        .from_partition(name, SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

fn read_log(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read log");
    serde_json::from_str(&text).expect("the stopped log is valid JSON")
}

/// The events of `log` whose type is named `name`.
fn events<'a>(log: &'a Value, name: &str) -> Vec<&'a Value> {
    let ty = &log["constants"]["logEventTypes"][name];
    assert!(ty.is_number(), "no event type {name}");
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| &e["type"] == ty)
        .collect()
}

async fn get(s: &Session, url: &str, headers: &[(&str, &str)]) {
    let mut req = new_request(http::Method::GET, url, ()).expect("request");
    for (k, v) in headers {
        req.headers_mut().insert(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            v.parse().expect("value"),
        );
    }
    let r = s.fetch(req).await.expect("fetch");
    r.bytes().await.expect("body");
}

#[tokio::test]
async fn a_log_records_requests_sockets_and_is_valid_chrome_json_once_stopped() {
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(dir.path());
    let s = session(&sessions, "netlog-basic", &site);
    let path = dir.path().join("net.json");
    let log = s.net_log();
    // NETLOG-01
    assert!(!log.currently_logging());
    log.start_logging(&path, NetLogOptions::new())
        .expect("start");
    // NETLOG-02
    assert!(log.currently_logging());
    assert!(s.net_log().currently_logging(), "handles share the log");
    get(&s, &site.https_url("a.test", "/redirect/2"), &[]).await;
    // While running the file is a prefix of the final JSON (a crash leaves it unterminated).
    let partial = std::fs::read_to_string(&path).expect("partial");
    assert!(partial.starts_with("{\"constants\":"));
    assert!(serde_json::from_str::<Value>(&partial).is_err());
    assert_eq!(log.stop_logging().expect("stop"), path);
    // NETLOG-01
    assert!(!log.currently_logging());

    let v = read_log(&path);
    let c = &v["constants"];
    for key in [
        "logEventTypes",
        "logEventPhase",
        "logSourceType",
        "netError",
        "timeTickOffset",
        "clientInfo",
    ] {
        assert!(!c[key].is_null(), "constants.{key}");
    }
    assert_eq!(c["logFormatVersion"], 1);
    assert_eq!(c["netError"]["ERR_CONNECTION_REFUSED"], -102);
    for e in v["events"].as_array().expect("events") {
        assert!(e["time"].is_string(), "times are strings: {e}");
        assert!(e["source"]["start_time"].is_string());
        assert!(e["source"]["id"].as_u64().expect("id") > 0);
        assert!(e["phase"].as_u64().expect("phase") <= 2);
    }
    let alive = events(&v, "REQUEST_ALIVE");
    assert_eq!(alive.len(), 2, "one request: begin and end");
    assert_eq!(alive[0]["phase"], c["logEventPhase"]["PHASE_BEGIN"]);
    assert_eq!(alive[1]["phase"], c["logEventPhase"]["PHASE_END"]);
    let request_id = &alive[0]["source"]["id"];
    assert_eq!(
        alive[0]["source"]["type"],
        c["logSourceType"]["URL_REQUEST"]
    );
    let redirects = events(&v, "URL_REQUEST_REDIRECTED");
    assert_eq!(redirects.len(), 2);
    assert!(
        redirects[1]["params"]["location"]
            .as_str()
            .expect("location")
            .ends_with("/redirect/0")
    );
    let sent = events(&v, "HTTP_TRANSACTION_SEND_REQUEST_HEADERS");
    assert_eq!(sent.len(), 3, "three hops");
    assert!(sent.iter().all(|e| &e["source"]["id"] == request_id));
    assert!(
        sent[0]["params"]["line"]
            .as_str()
            .expect("line")
            .starts_with("GET /redirect/2 ")
    );
    let received = events(&v, "HTTP_TRANSACTION_READ_RESPONSE_HEADERS");
    assert_eq!(received.len(), 3);
    assert!(
        received[0]["params"]["headers"][0]
            .as_str()
            .expect("status line")
            .contains(" 302")
    );
    // Each socket: DNS, TCP, TLS (begin and end), and each hop names its socket.
    let ssl = events(&v, "SSL_CONNECT");
    let sockets = ssl.len() / 2;
    assert_eq!(sockets, 1, "the three hops share one HTTP/2 connection");
    let dns = events(&v, "HOST_RESOLVER_MANAGER_REQUEST");
    assert_eq!(dns.len(), 2 * sockets);
    assert_eq!(dns[1]["params"]["results"]["ip_endpoints"][0], "127.0.0.1");
    assert_eq!(events(&v, "TCP_CONNECT").len(), 2 * sockets);
    assert!(ssl[1]["params"]["net_error"].is_null());
    assert_eq!(ssl[0]["source"]["type"], c["logSourceType"]["SOCKET"]);
    let bound = events(&v, "SOCKET_POOL_BOUND_TO_SOCKET");
    assert_eq!(bound.len(), 3, "one per hop");
    assert_eq!(
        bound[0]["params"]["source_dependency"]["id"],
        ssl[0]["source"]["id"]
    );
    let read = events(&v, "SSL_SOCKET_BYTES_RECEIVED");
    assert!(!read.is_empty());
    assert!(read[0]["params"]["byte_count"].as_u64().expect("count") > 0);
    assert!(
        read[0]["params"]["bytes"].is_null(),
        "no bytes in default mode"
    );
}

#[tokio::test]
async fn stop_without_start_and_bad_arguments_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(dir.path());
    let s = sessions
        .from_partition("netlog-errors", SessionOptions::default())
        .expect("session");
    let log = s.net_log();
    // NETLOG-03
    let e = log.stop_logging().expect_err("nothing to stop");
    assert_eq!(e.detail(), "No net log in progress");
    // NETLOG-04
    let e = log
        .start_logging("", NetLogOptions::new())
        .expect_err("empty path");
    assert_eq!(e.kind(), NetError::InvalidArgument);
    assert!(!log.currently_logging());
    let e = "aoeu".parse::<CaptureMode>().expect_err("bad mode");
    assert!(e.detail().starts_with("Invalid value for captureMode"));
    // NETLOG-10
    let missing = dir.path().join("no-such-dir").join("log.json");
    let e = log
        .start_logging(&missing, NetLogOptions::new())
        .expect_err("cannot open");
    assert!(e.detail().contains("no-such-dir"), "{}", e.detail());
    assert!(!log.currently_logging());
    let path = dir.path().join("a.json");
    log.start_logging(&path, NetLogOptions::new())
        .expect("start");
    let e = log
        .start_logging(dir.path().join("b.json"), NetLogOptions::new())
        .expect_err("second log");
    assert_eq!(e.detail(), "There is already a net log running");
    assert!(!dir.path().join("b.json").exists());
    log.stop_logging().expect("stop");
    assert_eq!(read_log(&path)["events"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn cookies_are_stripped_unless_include_sensitive() {
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(dir.path());
    let s = session(&sessions, "netlog-sensitive", &site);
    let secret = format!(
        "foo={}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    );
    let url = site.http_url("a.test", "/echo");
    let default_path = dir.path().join("default.json");
    s.net_log()
        .start_logging(&default_path, NetLogOptions::new())
        .expect("start");
    get(&s, &url, &[("cookie", &secret)]).await;
    s.net_log().stop_logging().expect("stop");
    let text = std::fs::read_to_string(&default_path).expect("read");
    assert!(!text.contains(&secret), "default mode strips cookies");
    let v = read_log(&default_path);
    let sent = events(&v, "HTTP_TRANSACTION_SEND_REQUEST_HEADERS");
    let stripped = format!("[{} bytes were stripped]", secret.len());
    assert!(sent[0]["params"]["headers"].to_string().contains(&stripped));

    // NETLOG-05
    let sensitive_path = dir.path().join("sensitive.json");
    s.net_log()
        .start_logging(
            &sensitive_path,
            NetLogOptions::new().capture_mode(CaptureMode::IncludeSensitive),
        )
        .expect("start");
    get(&s, &url, &[("cookie", &secret)]).await;
    s.net_log().stop_logging().expect("stop");
    let text = std::fs::read_to_string(&sensitive_path).expect("read");
    assert!(text.contains(&format!("Cookie: {secret}")));
}

#[tokio::test]
async fn everything_mode_logs_the_uploaded_bytes() {
    // NETLOG-06
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(dir.path());
    let s = session(&sessions, "netlog-everything", &site);
    let path = dir.path().join("everything.json");
    s.net_log()
        .start_logging(
            &path,
            NetLogOptions::new().capture_mode(CaptureMode::Everything),
        )
        .expect("start");
    let body = "uploaded-body-of-the-netlog-test";
    let req =
        new_request(http::Method::POST, &site.http_url("a.test", "/echo"), body).expect("request");
    s.fetch(req)
        .await
        .expect("post")
        .bytes()
        .await
        .expect("body");
    s.net_log().stop_logging().expect("stop");
    let v = read_log(&path);
    let b64 = base64::engine::general_purpose::STANDARD;
    let found = events(&v, "SOCKET_BYTES_SENT").iter().any(|e| {
        let bytes = b64
            .decode(e["params"]["bytes"].as_str().expect("bytes"))
            .expect("base64");
        String::from_utf8_lossy(&bytes).contains(body)
    });
    assert!(found, "an event's params.bytes holds the uploaded body");
    let received = events(&v, "SOCKET_BYTES_RECEIVED");
    assert!(received.iter().any(|e| e["params"]["bytes"].is_string()));
}

#[tokio::test]
async fn failures_carry_chromium_net_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(dir.path());
    let s = sessions
        .from_partition("netlog-failure", SessionOptions::default())
        .expect("session");
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let path = dir.path().join("failure.json");
    s.net_log()
        .start_logging(&path, NetLogOptions::new())
        .expect("start");
    let req =
        new_request(http::Method::GET, &format!("http://127.0.0.1:{port}/"), ()).expect("request");
    let e = s.fetch(req).await.expect_err("refused");
    s.net_log().stop_logging().expect("stop");
    let v = read_log(&path);
    let failed = events(&v, "FAILED");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["params"]["net_error"], e.kind().code());
    assert_eq!(
        v["constants"]["netError"]["ERR_CONNECTION_REFUSED"],
        failed[0]["params"]["net_error"]
    );
    let tcp = events(&v, "TCP_CONNECT");
    assert_eq!(tcp[1]["params"]["net_error"], e.kind().code());
}

#[tokio::test]
async fn max_file_size_bounds_the_file_and_keeps_it_valid() {
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(dir.path());
    let s = session(&sessions, "netlog-max", &site);
    let path = dir.path().join("bounded.json");
    let log = s.net_log();
    log.start_logging(&path, NetLogOptions::new())
        .expect("start");
    let constants_only = std::fs::metadata(&path).expect("meta").len();
    log.stop_logging().expect("stop");
    let max = constants_only + 2000;
    log.start_logging(&path, NetLogOptions::new().max_file_size(max))
        .expect("start");
    for _ in 0..10 {
        get(&s, &site.http_url("a.test", "/echo"), &[]).await;
    }
    log.stop_logging().expect("stop");
    let size = std::fs::metadata(&path).expect("meta").len();
    assert!(size <= max, "{size} > {max}");
    let v = read_log(&path);
    let n = v["events"].as_array().expect("events").len();
    assert!(n > 0, "the first events fit");
    assert!(
        events(&v, "REQUEST_ALIVE").len() < 20,
        "later ones were dropped"
    );
}
