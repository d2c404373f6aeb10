//! The `ses fetch` flags of curl's habits: bodies from files, stdin and forms, `--max-time`,
//! `--fail`, `-o -`, `--json` timing, HAR details, pipes.

use std::io::Write;
use std::process::{Command, Stdio};

use session_test_support::TestSite;

use crate::net::Run;

fn echo_of(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "ses failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the echo is JSON")
}

fn header(echo: &serde_json::Value, name: &str) -> Option<String> {
    echo["headers"].as_array()?.iter().find_map(|p| {
        p[0].as_str()?
            .eq_ignore_ascii_case(name)
            .then(|| p[1].as_str().unwrap_or("").to_string())
    })
}

#[test]
fn data_from_a_file_stdin_and_binary() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let url = site.http_url("a.test", "/echo");
    let file = run.ud.path().join("body.txt");
    std::fs::write(&file, "a=1\r\n&b=2\n").expect("write");
    let at_file = format!("@{}", file.display());

    // -d @FILE strips newlines, as curl does; --data-binary keeps every byte.
    let echo = echo_of(&run.ses(&["fetch", "-d", &at_file, &url]));
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], "a=1&b=2");
    assert_eq!(
        header(&echo, "content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let echo = echo_of(&run.ses(&["fetch", "--data-binary", &at_file, &url]));
    assert_eq!(echo["body"], "a=1\r\n&b=2\n");

    // -d @- reads stdin.
    let mut args = run.args();
    args.extend(["fetch", "-d", "@-", "-X", "PUT", url.as_str()].map(String::from));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(&args)
        .env_remove("SES_USER_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ses");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"from stdin")
        .expect("write stdin");
    let out = child.wait_with_output().expect("ses ends");
    let echo = echo_of(&out);
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["body"], "from stdin");

    // A missing file is a failure naming it.
    let out = run.ses(&["fetch", "-d", "@/nonexistent/x", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x"));
    // --data-binary @FILE streams the file: its length goes as Content-Length, and a missing
    // one fails the fetch with Chromium's error.
    let big = run.ud.path().join("big.bin");
    let bytes: Vec<u8> = (0..1_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    std::fs::write(&big, &bytes).expect("write");
    let echo = echo_of(&run.ses(&[
        "fetch",
        "--data-binary",
        &format!("@{}", big.display()),
        &url,
    ]));
    assert_eq!(echo["bodyLength"], 1_000_000);
    assert_eq!(echo["body"].as_str().map(str::as_bytes), Some(&bytes[..]));
    assert_eq!(header(&echo, "content-length").as_deref(), Some("1000000"));
    let out = run.ses(&["fetch", "--data-binary", "@/nonexistent/x", &url]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/x") && err.contains("net::ERR_FILE_NOT_FOUND"),
        "{err}"
    );
}

#[test]
fn form_fields_and_files_go_as_multipart() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let file = run.ud.path().join("photo.bin");
    std::fs::write(&file, b"\x00\x01binary").expect("write");
    let note = run.ud.path().join("note.txt");
    std::fs::write(&note, "hello note").expect("write");
    let echo = echo_of(&run.ses(&[
        "fetch",
        "-F",
        "name=ada",
        "-F",
        &format!("photo=@{}", file.display()),
        "-F",
        &format!("note=<{}", note.display()),
        &site.http_url("a.test", "/echo"),
    ]));
    assert_eq!(echo["method"], "POST");
    let content_type = header(&echo, "content-type").expect("content type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart");
    let body = echo["body"].as_str().expect("text body");
    assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
    assert!(body.ends_with(&format!("--{boundary}--\r\n")), "{body}");
    assert!(body.contains("Content-Disposition: form-data; name=\"name\"\r\n\r\nada\r\n"));
    assert!(body.contains(
        "Content-Disposition: form-data; name=\"photo\"; filename=\"photo.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\u{0}\u{1}binary\r\n"
    ));
    assert!(body.contains("name=\"note\"\r\n\r\nhello note\r\n"));
    // -F and -d do not mix.
    let out = run.ses(&[
        "fetch",
        "-F",
        "a=1",
        "-d",
        "b",
        &site.http_url("a.test", "/echo"),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn max_time_fail_and_output_to_stdout() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let out = run.ses(&[
        "fetch",
        "--max-time",
        "0.3",
        &site.http_url("a.test", "/hang"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("net::ERR_TIMED_OUT"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = run.ses(&[
        "fetch",
        "--max-time",
        "-1",
        &site.http_url("a.test", "/echo"),
    ]);
    assert_eq!(out.status.code(), Some(2));

    // --fail: exit 22 and no body for a status of 400 or more; a 2xx is untouched.
    let out = run.ses(&["fetch", "--fail", &site.http_url("a.test", "/status/404")]);
    assert_eq!(out.status.code(), Some(22));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    let out = run.ses(&["fetch", &site.http_url("a.test", "/status/404")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --fail a 404 is a response"
    );
    let out = run.ses(&[
        "fetch",
        "--fail",
        "-o",
        "-",
        &site.http_url("a.test", "/status/200"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"status 200");
    assert!(!run.ud.path().join("-").exists());
}

#[test]
fn json_has_timing() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let out = run.ses(&["fetch", "--json", &site.https_url("a.test", "/echo")]);
    let v = crate::json(&out);
    let t = &v["timing"];
    for key in ["dns", "connect", "tls", "ttfb", "total"] {
        assert!(t[key].as_f64().is_some_and(|ms| ms >= 0.0), "{key}: {t}");
    }
    // A fresh TLS connection was made for this run: its handshake was timed.
    assert!(t["total"].as_f64() >= t["ttfb"].as_f64(), "{t}");
}

#[test]
fn har_has_cookies_post_data_redirects_and_failures() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let har = run.ud.path().join("x.har");
    let har_s = har.to_str().expect("utf-8");
    // A 307 replays the body: both hops carry postData; the first names where it went.
    let target = site.http_url(
        "a.test",
        "/headers?Set-Cookie=sid%3D7%3B%20Path%3D%2F%3B%20HttpOnly",
    );
    let url = site.http_url(
        "a.test",
        &format!(
            "/redirect-to?status=307&url={}",
            url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
        ),
    );
    let out = run.ses(&[
        "fetch",
        "-d",
        "x=1",
        "-H",
        "Cookie: pre=1",
        "--har",
        har_s,
        &url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har).expect("har")).expect("json");
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["response"]["redirectURL"], target);
    for e in entries {
        assert_eq!(e["request"]["postData"]["text"], "x=1", "{e}");
        assert_eq!(
            e["request"]["postData"]["mimeType"],
            "application/x-www-form-urlencoded"
        );
    }
    assert_eq!(
        entries[0]["request"]["cookies"],
        serde_json::json!([{"name": "pre", "value": "1"}])
    );
    let set = &entries[1]["response"]["cookies"][0];
    assert_eq!(set["name"], "sid");
    assert_eq!(set["value"], "7");
    assert_eq!(set["path"], "/");
    assert_eq!(set["httpOnly"], true);

    // redirect: manual still names the Location.
    let out = run.ses(&[
        "fetch",
        "--redirect",
        "manual",
        "--har",
        har_s,
        &site.http_url("a.test", "/redirect/1"),
    ]);
    assert!(out.status.success());
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har).expect("har")).expect("json");
    assert_eq!(
        doc["log"]["entries"][0]["response"]["redirectURL"],
        "/redirect/0"
    );

    // A failed request writes its HAR too, with the error.
    std::fs::remove_file(&har).expect("remove");
    let out = run.ses(&["fetch", "--har", har_s, "http://127.0.0.1:1/"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har).expect("a HAR for the failure")).expect("json");
    let text = doc.to_string();
    assert!(text.contains("net::ERR_CONNECTION_REFUSED"), "{text}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let mut args = run.args();
    args.extend(["fetch", site.http_url("a.test", "/bytes/4000000").as_str()].map(String::from));
    // The reader goes away at once: no message, no panic, status 0 (as ripgrep).
    let mut child = Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(&args)
        .env_remove("SES_USER_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ses");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ses ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // With stderr closed as well, and --json: still no panic.
    let mut args = run.args();
    args.extend(["fetch", "--json", site.http_url("a.test", "/echo").as_str()].map(String::from));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(&args)
        .env_remove("SES_USER_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ses");
    drop(child.stdout.take());
    let status = child.wait().expect("ses ends");
    assert_ne!(status.code(), Some(101), "a panic");
}

#[test]
fn block_set_header_and_trace_through_web_request() {
    // WR-01, WR-13, WR-18: the webRequest flags on a redirect chain.
    let site = TestSite::start();
    let run = Run::new(&site);
    let echo_url = site.http_url("b.test", "/echo");
    let url = site.http_url("a.test", &format!("/redirect-to?url={echo_url}"));
    let out = run.ses(&[
        "fetch",
        "--set-header",
        "*://b.test/*",
        "X-Demo: 1",
        "--trace",
        &url,
    ]);
    let echo = echo_of(&out);
    assert_eq!(header(&echo, "x-demo").as_deref(), Some("1"));
    let trace = String::from_utf8_lossy(&out.stderr);
    let events: Vec<&str> = trace
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        events,
        [
            "onBeforeRequest",
            "onBeforeSendHeaders",
            "onSendHeaders",
            "onHeadersReceived",
            "onBeforeRedirect",
            "onBeforeRequest",
            "onBeforeSendHeaders",
            "onSendHeaders",
            "onHeadersReceived",
            "onResponseStarted",
            "onCompleted",
        ],
        "{trace}"
    );
    assert!(trace.contains(&format!("302 -> {echo_url}")), "{trace}");

    // --block on the redirect target; --trace --json prints JSON lines.
    let out = run.ses(&[
        "--json",
        "fetch",
        "--block",
        "*://b.test/*",
        "--trace",
        &url,
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("net::ERR_BLOCKED_BY_CLIENT"), "{stderr}");
    let error = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "onErrorOccurred")
        .expect("an onErrorOccurred line");
    assert_eq!(error["details"]["error"], "net::ERR_BLOCKED_BY_CLIENT");
    assert_eq!(error["details"]["url"], echo_url);
    assert_eq!(
        site.requests_to("/echo").len(),
        1,
        "only the first run reached the target"
    );

    // WR-42: a bad pattern is a usage error naming it.
    let out = run.ses(&["fetch", "--block", "*://a.test", &url]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Invalid url pattern *://a.test"),
        "{stderr}"
    );
}
