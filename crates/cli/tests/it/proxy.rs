//! `ses proxy resolve` with the global proxy options.

use session_test_support::{Resource, TestSite};

use crate::{json, ses};

#[test]
fn resolve_with_rules_and_modes() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    // PROXY-01 through the CLI.
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--json",
        "--proxy",
        "http=myproxy:80",
        "proxy",
        "resolve",
        "http://example.com/",
    ]));
    assert_eq!(v, serde_json::json!({"proxy": "PROXY myproxy:80"}));
    // Text mode prints the string; bypass rules apply.
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--proxy",
        "myproxy:80,direct://",
        "--proxy-bypass",
        "<-loopback>",
        "proxy",
        "resolve",
        "http://localhost/",
    ]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "PROXY myproxy:80;DIRECT"
    );
    // Without options: DIRECT.
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--json",
        "proxy",
        "resolve",
        "http://example.com/",
    ]));
    assert_eq!(v["proxy"], "DIRECT");
    // PROXY-10: a bad mode is bad usage, with Electron's message.
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--proxy-mode",
        "invalid",
        "proxy",
        "resolve",
        "http://example.com/",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system"
    ));
}

#[test]
fn resolve_with_a_pac_url() {
    let site = TestSite::start();
    site.put(
        "p.pac",
        Resource {
            body: "function FindProxyForURL(u, h) { return shExpMatch(h, '*.google.com') ? 'PROXY myproxy:8132' : 'DIRECT'; }".into(),
            etag: None,
            last_modified: None,
            headers: vec![("Content-Type".into(), "application/x-ns-proxy-autoconfig".into())],
        },
    );
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let pac = site.http_url("127.0.0.1", "/res/p.pac");
    // PROXY-03 through the CLI.
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--json",
        "--pac-url",
        &pac,
        "proxy",
        "resolve",
        "https://www.google.com/",
    ]));
    assert_eq!(v["proxy"], "PROXY myproxy:8132");
    // A broken script: exit 1, naming it and the line of the error in it.
    site.put(
        "p.pac",
        Resource {
            body: "// p.pac\n\nfunction FindProxyForURL(u, h) { return 'DIRECT' +; }\n".into(),
            etag: None,
            last_modified: None,
            headers: Vec::new(),
        },
    );
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--pac-url",
        &pac,
        "proxy",
        "resolve",
        "https://www.google.com/",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("net::ERR_PAC_SCRIPT_FAILED")
            && err.contains(&pac)
            && err.contains("SyntaxError")
            && err.contains("(line 3)"),
        "{err}"
    );
}

#[test]
fn fetch_goes_through_the_proxy_options() {
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let rules = format!("http=127.0.0.1:{}", proxy.port());
    // PROXY-13 through the CLI: the name is resolved by the proxy only.
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--proxy",
        &rules,
        "fetch",
        "http://non-existent-host.test:12345/x",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "proxy cannot reach non-existent-host.test:12345"
    );
    let url = site.http_url("a.test", "/echo");
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--json",
        "--proxy",
        &rules,
        "fetch",
        &url,
    ]));
    assert_eq!(v["status"], 200);
    let targets: Vec<String> = proxy.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        vec!["http://non-existent-host.test:12345/x".to_string(), url]
    );
}

#[test]
fn verbose_says_a_loopback_destination_bypassed_the_proxy() {
    // PROXY-02: Chromium's implicit bypass sends 127.0.0.1 DIRECT although a proxy is set;
    // -v says so, and <-loopback> sends it through the proxy.
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let rules = format!("http=127.0.0.1:{}", proxy.port());
    let url = site.http_url("127.0.0.1", "/echo");
    let fetch = |extra: &[&str]| {
        let mut args = vec!["--user-data", d, "--partition", "mem", "--proxy", &rules];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["fetch", &url]);
        let out = ses(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8")
    };
    let said = fetch(&["-v"]);
    assert!(
        said.lines().any(|l| l
            .starts_with("* 127.0.0.1 goes DIRECT, not through PROXY 127.0.0.1:")
            && l.contains("loopback")
            && l.contains("<-loopback>")),
        "{said}"
    );
    assert!(proxy.requests().is_empty(), "the request went direct");
    assert_eq!(fetch(&[]), "", "quiet without -v");
    let said = fetch(&["-v", "--proxy-bypass", "<-loopback>"]);
    assert!(!said.contains("goes DIRECT"), "{said}");
    let targets: Vec<String> = proxy.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, vec![url.clone()]);
    // With a PAC script, the script is not asked.
    let out = ses(&[
        "-v",
        "--user-data",
        d,
        "--partition",
        "mem",
        "--pac-url",
        "data:,function FindProxyForURL(u, h) { return 'PROXY p.test:1'; }",
        "proxy",
        "resolve",
        "http://localhost:8080/",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "DIRECT");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.starts_with("* localhost goes DIRECT, not through the PAC script data:,"),
        "{said}"
    );
}
