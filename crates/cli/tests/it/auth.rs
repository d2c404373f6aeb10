//! `ses fetch -u`, `--proxy-user` and `ses auth clear`.

use session_test_support::{HOST_RULES, NtlmProxy, TestProxy, TestSite};

use crate::{json, ses};

#[test]
fn fetch_with_user_answers_basic_and_digest() {
    // NET-08 through the CLI: -u answers the challenge; without it the 401 is the answer.
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let base = [
        "--user-data",
        d,
        "--partition",
        "mem",
        "--host-rules",
        HOST_RULES,
        "--json",
        "fetch",
    ];
    let basic = site.http_url("a.test", "/auth/basic");
    let v = json(&ses(&[&base[..], &[basic.as_str()]].concat()));
    assert_eq!(v["status"], 401);
    assert_eq!(v["body"], "unauthenticated");
    let v = json(&ses(
        &[&base[..], &["-u", "user:pass", basic.as_str()]].concat()
    ));
    assert_eq!(v["status"], 200);
    let digest = site.http_url("a.test", "/auth/digest?algorithm=SHA-256&user=u&pass=p");
    let v = json(&ses(&[&base[..], &["-u", "u:p", digest.as_str()]].concat()));
    assert_eq!(v["status"], 200);
    // Wrong credentials are tried once; then the 401 is the answer.
    let v = json(&ses(
        &[&base[..], &["-u", "u:wrong", digest.as_str()]].concat()
    ));
    assert_eq!(v["status"], 401);
    // -u USER without a password and no terminal: a usage error, not a hang.
    let out = ses(&[&base[..], &["-u", "u", digest.as_str()]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password given"));
}

#[test]
fn proxy_user_answers_the_proxy() {
    // PROXY-12 through the CLI, with Digest and with NTLM (its legs on one connection).
    let site = TestSite::start();
    let url = site.http_url("a.test", "/echo");
    let proxies = [
        (TestProxy::start_with_digest_auth("alice", "pw"), "alice:pw"),
        (
            TestProxy::start_with_ntlm("alice", "pw", NtlmProxy::default()),
            "TEST\\alice:pw",
        ),
    ];
    for (proxy, user) in &proxies {
        let ud = session_test_support::temp_user_data();
        let d = ud.path().to_str().expect("utf-8 path");
        let rules = format!("127.0.0.1:{}", proxy.port());
        let base = [
            "--user-data",
            d,
            "--partition",
            "mem",
            "--proxy",
            rules.as_str(),
            "--json",
            "fetch",
        ];
        let v = json(&ses(&[&base[..], &[url.as_str()]].concat()));
        assert_eq!(v["status"], 407);
        let v = json(&ses(
            &[&base[..], &["--proxy-user", user, url.as_str()]].concat()
        ));
        assert_eq!(v["status"], 200, "{user}");
    }
    let ntlm = &proxies[1].0;
    let sent: Vec<bool> = ntlm
        .requests()
        .iter()
        .map(|r| r.authorization.is_some())
        .collect();
    assert_eq!(sent, [false, false, true, true]);
    assert_eq!(ntlm.connections(), 2, "one per run");
}

#[test]
fn auth_clear() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "--json",
        "auth",
        "clear",
    ]));
    assert_eq!(v, serde_json::json!({}));
}
