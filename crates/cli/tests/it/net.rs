//! `ses fetch` and `ses resolve` against the loopback test site.

use session_test_support::{HOST_RULES, TestSite};

use crate::ses;

pub(crate) struct Run {
    pub(crate) ud: tempfile::TempDir,
    ca: std::path::PathBuf,
}

impl Run {
    pub(crate) fn new(site: &TestSite) -> Run {
        let ud = session_test_support::temp_user_data();
        let ca = ud.path().join("ca.pem");
        std::fs::write(&ca, site.ca_pem()).expect("write ca");
        Run { ud, ca }
    }

    /// The global options [`Run::ses`] passes, for a child spawned by hand.
    pub(crate) fn args(&self) -> Vec<String> {
        [
            "--user-data",
            self.ud.path().to_str().expect("utf-8"),
            "--partition",
            "cli-net",
            "--host-rules",
            HOST_RULES,
            "--ca-file",
            self.ca.to_str().expect("utf-8"),
        ]
        .map(String::from)
        .to_vec()
    }

    pub(crate) fn ses(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec![
            "--user-data",
            self.ud.path().to_str().expect("utf-8"),
            "--partition",
            "cli-net",
            "--host-rules",
            HOST_RULES,
            "--ca-file",
            self.ca.to_str().expect("utf-8"),
        ];
        all.extend_from_slice(args);
        ses(&all)
    }
}

#[test]
fn fetch_json_over_http2_and_tls() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let url = site.https_url("a.test", "/redirect-to?url=/echo");
    let out = run.ses(&["fetch", &url, "--json", "-H", "X-Test: yes"]);
    let v = crate::json(&out);
    assert_eq!(v["status"], 200);
    assert_eq!(v["statusText"], "");
    assert_eq!(v["urlChain"].as_array().expect("chain").len(), 2);
    assert_eq!(v["fromCache"], false);
    let echo: serde_json::Value =
        serde_json::from_str(v["body"].as_str().expect("text body")).expect("echo json");
    assert_eq!(echo["version"], "HTTP/2.0");
    assert!(
        v["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .any(|h| h[0] == "content-type")
    );
    assert_eq!(v["bodyBytes"], v["body"].as_str().expect("body").len());
    let logged = site.requests_to("/echo");
    assert_eq!(logged[0].header("x-test"), Some("yes"));
}

#[test]
fn fetch_text_with_head_post_and_output_file() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let out = run.ses(&[
        "fetch",
        "-i",
        &site.http_url("a.test", "/status/201?reason=Made"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("HTTP/1.1 201 Made\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nstatus 201"), "{text}");

    let out = run.ses(&["fetch", "-d", "a=1", &site.http_url("a.test", "/echo")]);
    let echo: serde_json::Value = serde_json::from_slice(&out.stdout).expect("echo");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], "a=1");

    let file = run.ud.path().join("body.bin");
    let out = run.ses(&[
        "fetch",
        "-o",
        file.to_str().expect("utf-8"),
        &site.http_url("a.test", "/bytes/100000"),
    ]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&file).expect("file"),
        session_test_support::pattern_bytes(0, 0, 100_000)
    );
}

#[test]
fn fetch_failures_name_chromium_errors() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let out = run.ses(&[
        "fetch",
        &site.tls_url(session_test_support::TlsVariant::Expired, "a.test", "/"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("net::ERR_CERT_DATE_INVALID"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = run.ses(&[
        "fetch",
        "--redirect",
        "sideways",
        &site.http_url("a.test", "/"),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn resolve_with_host_rules() {
    let site = TestSite::start();
    let run = Run::new(&site);
    let v = crate::json(&run.ses(&["resolve", "x.test", "--json"]));
    assert_eq!(
        v,
        serde_json::json!({"endpoints": [{"address": "127.0.0.1", "family": "ipv4"}]})
    );
    let out = run.ses(&["resolve", "x.test", "--type", "AAAA"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("net::ERR_NAME_NOT_RESOLVED"));
    let out = run.ses(&["resolve", "x.test", "--source", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serve_dir_answers_a_scheme_with_ranges() {
    let ud = session_test_support::temp_user_data();
    let dir = ud.path().join("dist");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("movie.bin"), b"0123456789").expect("write");
    let d = ud.path().to_str().expect("utf-8");
    let serve = format!("app={}", dir.display());
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "cli-serve",
        "--serve-dir",
        &serve,
        "fetch",
        "app://Bundle/movie.bin",
        "-H",
        "Range: bytes=2-5",
        "--json",
    ]);
    let v = crate::json(&out);
    assert_eq!(v["status"], 206);
    assert_eq!(v["body"], "2345");
    assert_eq!(v["urlChain"][0], "app://bundle/movie.bin");
    let out = ses(&[
        "--user-data",
        d,
        "--serve-dir",
        &serve,
        "fetch",
        "app://bundle/%2e%2e/secret",
        "--json",
    ]);
    assert_eq!(crate::json(&out)["status"], 404);
    let out = ses(&["--user-data", d, "--serve-dir", "app", "fetch", "app://x/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SCHEME=DIR"));
}

#[test]
fn header_names_go_out_as_written() {
    let raw = session_test_support::RawServer::start(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".to_vec(),
        true,
    );
    let out = crate::ses(&[
        "--partition",
        "spelling",
        "fetch",
        "-H",
        "x-lower: 1",
        "-H",
        "X-UPPER: 2",
        &raw.url("/"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = String::from_utf8(raw.received()[0].clone()).expect("utf-8 head");
    assert!(head.contains("\r\nx-lower: 1\r\n"), "{head}");
    assert!(head.contains("\r\nX-UPPER: 2\r\n"), "{head}");
}

#[test]
fn extension_files_are_fetched_by_chrome_extension_urls() {
    let ud = session_test_support::temp_user_data();
    let ext = ud.path().join("ext");
    std::fs::create_dir(&ext).expect("mkdir");
    std::fs::write(
        ext.join("manifest.json"),
        r#"{"manifest_version": 3, "name": "cli", "version": "1"}"#,
    )
    .expect("write");
    std::fs::write(ext.join("a.js"), "let x = 1;").expect("write");
    let d = ud.path().to_str().expect("utf-8");
    let e = ext.to_str().expect("utf-8");
    let info = crate::json(&ses(&["--user-data", d, "extensions", "info", e, "--json"]));
    let id = info["id"].as_str().expect("id").to_string();
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "persist:cli-ext",
        "--extension",
        e,
        "fetch",
        &format!("chrome-extension://{id}/a.js"),
        "-H",
        "Range: bytes=4-4",
        "--json",
    ]);
    let v = crate::json(&out);
    assert_eq!(v["status"], 206);
    assert_eq!(v["body"], "x");
}
