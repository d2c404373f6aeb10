//! HSTS per partition through the facade: the `TransportSecurity` file of a persistent partition
//! (kept across reopening, moved aside when unusable), `clear_data` with `cache`, and isolation
//! between partitions. Electron has no HSTS API, so no behaviour ID applies; the rules are
//! Chromium's TransportSecurityState.

use session::net::new_request;
use session::{ClearDataOptions, DataType, Session, SessionOptions, Sessions};
use session_test_support::{TestSite, temp_user_data};

/// `*.test` on the default ports reaches the site (443 → HTTPS, 80 → HTTP).
fn open(sessions: &Sessions, partition: &str, site: &TestSite) -> Session {
    let s = sessions
        .from_partition(partition, SessionOptions::default())
        .expect("session");
    let rules = format!(
        "MAP *.test:443 127.0.0.1:{}, MAP *.test:80 127.0.0.1:{}, MAP *.test 127.0.0.1",
        site.https_port(),
        site.http_port()
    );
    s.net().set_host_rules(rules.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

/// Fetches `url` and returns its URL chain.
async fn chain(s: &Session, url: &str) -> Vec<String> {
    let r = s
        .fetch(new_request(http::Method::GET, url, ()).expect("request"))
        .await
        .expect("fetch");
    let chain = r.url_chain().iter().map(|u| u.to_string()).collect();
    r.bytes().await.expect("body");
    chain
}

async fn learn(s: &Session, host: &str) {
    let url = format!("https://{host}/headers?Strict-Transport-Security=max-age%3D600");
    assert_eq!(chain(s, &url).await.len(), 1);
    assert!(
        s.net().transport_security().policy(host).is_some(),
        "{host} noted"
    );
}

fn upgraded(chain: &[String]) -> bool {
    chain.len() == 2 && chain[0].starts_with("http://") && chain[1].starts_with("https://")
}

#[tokio::test]
async fn a_persistent_partition_keeps_its_policies_across_reopening() {
    let site = TestSite::start();
    let ud = temp_user_data();
    {
        let sessions = Sessions::new(ud.path());
        let s = open(&sessions, "persist:hsts", &site);
        learn(&s, "a.test").await;
        let file = s
            .storage_path()
            .expect("persistent")
            .join("TransportSecurity");
        s.flush_storage_data().expect("flush");
        let text = std::fs::read_to_string(&file).expect("TransportSecurity written");
        assert!(text.contains("\"force-https\""), "{text}");
        assert!(!text.contains("a.test"), "hosts are stored hashed: {text}");
    }
    // A new registry, as a new process would have.
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "persist:hsts", &site);
    assert!(s.load_warnings().is_empty(), "{:?}", s.load_warnings());
    assert!(s.net().transport_security().policy("a.test").is_some());
    assert!(upgraded(&chain(&s, "http://a.test/status/200").await));
}

#[tokio::test]
async fn a_policy_noted_just_before_the_session_goes_is_kept() {
    let site = TestSite::start();
    let ud = temp_user_data();
    {
        let sessions = Sessions::new(ud.path());
        let s = open(&sessions, "persist:quick", &site);
        learn(&s, "b.test").await;
        // No flush: dropping the session writes what is pending.
    }
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "persist:quick", &site);
    assert!(s.net().transport_security().policy("b.test").is_some());
}

#[tokio::test]
async fn an_unusable_file_is_moved_aside_and_the_partition_opens_empty() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let dir = ud.path().join("Partitions").join("broken");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("TransportSecurity"),
        b"{\"version\":2,\"sts\":[oops",
    )
    .expect("write");
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "persist:broken", &site);
    let warnings = s.load_warnings().join("\n");
    assert!(
        warnings.contains("TransportSecurity.corrupt-"),
        "{warnings}"
    );
    let aside = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("TransportSecurity.corrupt-")
        });
    assert!(aside, "the unusable file is kept aside");
    // The partition works and learns again.
    assert_eq!(chain(&s, "http://a.test/status/200").await.len(), 1);
    learn(&s, "a.test").await;
    s.flush_storage_data().expect("flush");
    let text = std::fs::read_to_string(dir.join("TransportSecurity")).expect("rewritten");
    assert!(text.contains("\"version\":2"), "{text}");
}

#[tokio::test]
async fn clear_data_with_cache_clears_policies_by_host() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "persist:clear-hsts", &site);
    learn(&s, "a.test").await;
    learn(&s, "b.test").await;
    learn(&s, "c.test").await;
    // Another type leaves the policies alone.
    let counts = s
        .clear_data(ClearDataOptions {
            data_types: Some(vec![DataType::Cookies]),
            ..Default::default()
        })
        .await
        .expect("clear cookies");
    assert_eq!(counts.hsts_policies, 0);
    assert!(s.net().transport_security().policy("a.test").is_some());
    // `cache` for one origin takes that host's policy only.
    let counts = s
        .clear_data(ClearDataOptions {
            data_types: Some(vec![DataType::Cache]),
            origins: Some(vec!["https://a.test".into()]),
            ..Default::default()
        })
        .await
        .expect("clear a.test");
    assert_eq!(counts.hsts_policies, 1);
    assert!(s.net().transport_security().policy("a.test").is_none());
    assert!(!upgraded(&chain(&s, "http://a.test/status/200").await));
    // Excluding an origin keeps its policy and takes every other.
    let counts = s
        .clear_data(ClearDataOptions {
            data_types: Some(vec![DataType::Cache]),
            exclude_origins: Some(vec!["https://c.test".into()]),
            ..Default::default()
        })
        .await
        .expect("clear but c.test");
    assert_eq!(counts.hsts_policies, 1);
    assert!(s.net().transport_security().policy("b.test").is_none());
    assert!(s.net().transport_security().policy("c.test").is_some());
    // Everything.
    let counts = s
        .clear_data(ClearDataOptions::default())
        .await
        .expect("clear all");
    assert_eq!(counts.hsts_policies, 1);
    assert!(!upgraded(&chain(&s, "http://c.test/status/200").await));
    // Cleared for good: the file agrees once written.
    s.flush_storage_data().expect("flush");
    drop(s);
    drop(sessions);
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "persist:clear-hsts", &site);
    assert!(s.net().transport_security().policy("c.test").is_none());
}

#[tokio::test]
async fn partitions_never_share_policies() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let one = open(&sessions, "persist:one", &site);
    let two = open(&sessions, "persist:two", &site);
    let memory = open(&sessions, "memory", &site);
    // persistent → persistent and persistent → memory.
    learn(&one, "a.test").await;
    assert!(upgraded(&chain(&one, "http://a.test/status/200").await));
    for other in [&two, &memory] {
        assert!(other.net().transport_security().policy("a.test").is_none());
        assert_eq!(chain(other, "http://a.test/status/200").await.len(), 1);
    }
    // memory → persistent, and memory writes nothing.
    learn(&memory, "b.test").await;
    for other in [&one, &two] {
        assert!(other.net().transport_security().policy("b.test").is_none());
        assert_eq!(chain(other, "http://b.test/status/200").await.len(), 1);
    }
    assert!(memory.net().transport_security().path().is_none());
    one.flush_storage_data().expect("flush");
    two.flush_storage_data().expect("flush");
    assert!(
        one.storage_path()
            .expect("one")
            .join("TransportSecurity")
            .exists()
    );
    assert!(
        !two.storage_path()
            .expect("two")
            .join("TransportSecurity")
            .exists()
    );
    assert!(!ud.path().join("TransportSecurity").exists());
}
