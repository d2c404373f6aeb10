//! `ses hsts query|add|delete` and `ses fetch` upgrading by a policy noted in an earlier process
//! (the partition's `TransportSecurity` file). No behaviour ID: Electron has no HSTS API.

use session_test_support::TestSite;

use crate::{json, ses};

fn run(
    ud: &std::path::Path,
    site: &TestSite,
    ca: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let rules = format!(
        "MAP *.test:443 127.0.0.1:{}, MAP *.test:80 127.0.0.1:{}, MAP *.test 127.0.0.1",
        site.https_port(),
        site.http_port()
    );
    let mut all = vec![
        "--user-data",
        ud.to_str().expect("utf-8"),
        "--partition",
        "persist:cli-hsts",
        "--host-rules",
        &rules,
        "--ca-file",
        ca.to_str().expect("utf-8"),
        "--json",
    ];
    all.extend_from_slice(args);
    ses(&all)
}

#[test]
fn a_policy_from_one_process_upgrades_the_next_and_can_be_edited() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let ca = ud.path().join("ca.pem");
    std::fs::write(&ca, site.ca_pem()).expect("ca");
    let none = json(&run(ud.path(), &site, &ca, &["hsts", "query", "a.test"]));
    assert_eq!(none["policy"], serde_json::Value::Null);

    let sts =
        "https://a.test/headers?Strict-Transport-Security=max-age%3D600%3B%20includeSubDomains";
    let v = json(&run(ud.path(), &site, &ca, &["fetch", sts]));
    assert_eq!(v["status"], 200);

    let q = json(&run(ud.path(), &site, &ca, &["hsts", "query", "x.a.test"]));
    assert_eq!(q["policy"]["domain"], "a.test");
    assert_eq!(q["policy"]["includeSubdomains"], true);
    let v = json(&run(
        ud.path(),
        &site,
        &ca,
        &["fetch", "http://a.test/status/200"],
    ));
    assert_eq!(
        v["urlChain"],
        serde_json::json!(["http://a.test/status/200", "https://a.test/status/200"])
    );

    let d = json(&run(ud.path(), &site, &ca, &["hsts", "delete", "a.test"]));
    assert_eq!(d["deleted"], true);
    let v = json(&run(
        ud.path(),
        &site,
        &ca,
        &["fetch", "http://a.test/status/200"],
    ));
    assert_eq!(
        v["urlChain"],
        serde_json::json!(["http://a.test/status/200"])
    );

    json(&run(
        ud.path(),
        &site,
        &ca,
        &["hsts", "add", "b.test", "--max-age", "60"],
    ));
    let q = json(&run(ud.path(), &site, &ca, &["hsts", "query", "b.test"]));
    assert_eq!(q["policy"]["includeSubdomains"], false);
    let out = run(ud.path(), &site, &ca, &["hsts", "add", "127.0.0.1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("127.0.0.1"));
}
