//! `Clear-Site-Data` from a secure origin clears that origin's data in the session.

use session::net::new_request;
use session::{SessionOptions, Sessions};
use session_test_support::{HOST_RULES, Resource, TestSite};

fn session(sessions: &Sessions, site: &TestSite) -> session::Session {
    let s = sessions
        .from_partition("persist:csd", SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

async fn get(s: &session::Session, url: &str) {
    let r = s
        .fetch(new_request(http::Method::GET, url, ()).expect("request"))
        .await
        .expect("fetch");
    r.bytes().await.expect("body");
}

fn cookie_domains(s: &session::Session) -> Vec<String> {
    let mut d: Vec<String> = s
        .cookies()
        .all()
        .iter()
        .map(|c| c.display_domain())
        .collect();
    d.sort();
    d
}

#[tokio::test]
async fn each_value_clears_its_data_for_the_origin_only() {
    let site = TestSite::start();
    site.put(
        "csd",
        Resource {
            body: "cached".into(),
            etag: None,
            last_modified: None,
            headers: vec![("cache-control".into(), "max-age=3600".into())],
        },
    );
    let ud = tempfile::tempdir().expect("tmp");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, &site);
    let a = |p: &str| site.https_url("a.test", p);
    let b = |p: &str| site.https_url("b.test", p);
    let fill = || async {
        get(&s, &a("/headers?set-cookie=x%3D1%3B%20Max-Age%3D3600")).await;
        get(&s, &b("/headers?set-cookie=y%3D2%3B%20Max-Age%3D3600")).await;
        get(&s, &a("/res/csd")).await;
        get(&s, &b("/res/csd")).await;
        get(&s, &a("/dictionary/v1.js")).await;
    };
    fill().await;
    assert_eq!(cookie_domains(&s), vec!["a.test", "b.test"]);
    let cache_before = s.get_cache_size();
    assert_eq!(s.get_shared_dictionary_usage_info().len(), 1);

    // "cookies": a.test's cookies go, b.test's and the cache stay.
    get(&s, &a("/headers?clear-site-data=%22cookies%22")).await;
    assert_eq!(cookie_domains(&s), vec!["b.test"]);
    assert!(s.get_cache_size() >= cache_before);
    assert_eq!(s.get_shared_dictionary_usage_info().len(), 1);

    // "cache": a.test's cache entries and dictionaries go.
    get(&s, &a("/headers?clear-site-data=%22cache%22")).await;
    assert!(s.get_cache_size() < cache_before);
    assert!(s.get_shared_dictionary_usage_info().is_empty());
    site.clear_log();
    get(&s, &b("/res/csd")).await;
    assert!(
        site.requests_to("/res/csd").is_empty(),
        "b.test is still cached"
    );
    get(&s, &a("/res/csd")).await;
    assert_eq!(site.requests_to("/res/csd").len(), 1, "a.test is not");

    // "*" clears both; over plain http (not a secure context) nothing is cleared.
    // The net log records what was cleared, for which origin (only when something was).
    fill().await;
    let log_path = ud.path().join("csd-netlog.json");
    s.net_log()
        .start_logging(&log_path, session::netlog::NetLogOptions::new())
        .expect("start log");
    let plain = site.http_url("a.test", "/headers?clear-site-data=%22*%22");
    get(&s, &plain).await;
    assert_eq!(cookie_domains(&s), vec!["a.test", "b.test"]);
    get(&s, &a("/headers?clear-site-data=%22*%22")).await;
    assert_eq!(cookie_domains(&s), vec!["b.test"]);
    assert!(s.get_shared_dictionary_usage_info().is_empty());
    s.net_log().stop_logging().expect("stop log");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&log_path).expect("log")).expect("json");
    let ty = &v["constants"]["logEventTypes"]["CLEAR_SITE_DATA"];
    let cleared: Vec<&serde_json::Value> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| &e["type"] == ty)
        .map(|e| &e["params"])
        .collect();
    assert_eq!(cleared.len(), 1, "{cleared:?}");
    let origin = a("/");
    assert_eq!(cleared[0]["origin"], origin.trim_end_matches('/'));
    assert_eq!(
        cleared[0]["types"],
        serde_json::json!(["cookies", "cache", "storage"])
    );
}
