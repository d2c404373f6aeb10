//! The session's HTTP cache through the facade (CACHE-01, 07, 09; fromPartition's `cache`).

use session::net::new_request;
use session::{OriginFilter, SessionOptions, Sessions};
use session_test_support::{HOST_RULES, Resource, TestSite};

fn session(
    sessions: &Sessions,
    name: &str,
    options: SessionOptions,
    site: &TestSite,
) -> session::Session {
    let s = sessions.from_partition(name, options).expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

fn put(site: &TestSite, name: &str, body: &str) {
    site.put(
        name,
        Resource {
            body: body.to_owned().into(),
            etag: None,
            last_modified: None,
            headers: vec![("cache-control".into(), "max-age=3600".into())],
        },
    );
}

async fn get(s: &session::Session, url: &str) -> (String, bool) {
    let r = s
        .fetch(new_request(http::Method::GET, url, ()).expect("request"))
        .await
        .expect("fetch");
    let from_cache = r.from_cache();
    (r.text().await.expect("body"), from_cache)
}

// CACHE-01 across a restart: a persistent partition's disk cache answers a new Sessions.
#[tokio::test]
async fn persistent_partition_caches_on_disk_across_restarts() {
    let site = TestSite::start();
    put(&site, "p", "response-1");
    let url = site.https_url("a.test", "/res/p");
    let user_data = tempfile::tempdir().expect("tempdir");
    let dir = {
        let sessions = Sessions::new(user_data.path());
        let s = session(&sessions, "persist:c", SessionOptions::default(), &site);
        assert_eq!(get(&s, &url).await, ("response-1".into(), false));
        assert!(s.get_cache_size() > 0);
        s.storage_path().expect("persistent").join("Cache")
    };
    // The entry file is written by the cache's writer thread, which the closed session's cache
    // finished before it went away.
    assert!(std::fs::read_dir(&dir).expect("Cache dir").count() > 0);
    put(&site, "p", "response-2");
    let sessions = Sessions::new(user_data.path());
    let s = session(&sessions, "persist:c", SessionOptions::default(), &site);
    assert_eq!(get(&s, &url).await, ("response-1".into(), true));
    assert_eq!(site.requests_to("/res/p").len(), 1);
    // CACHE-07
    s.clear_cache();
    assert_eq!(s.get_cache_size(), 0);
    assert_eq!(get(&s, &url).await, ("response-2".into(), false));
}

#[tokio::test]
async fn in_memory_partition_caches_and_cache_false_disables() {
    let site = TestSite::start();
    put(&site, "m", "response-1");
    let url = site.http_url("a.test", "/res/m");
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let s = session(&sessions, "mem", SessionOptions::default(), &site);
    get(&s, &url).await;
    assert!(get(&s, &url).await.1);
    assert_eq!(site.requests_to("/res/m").len(), 1);

    let off = session(
        &sessions,
        "nocache",
        SessionOptions::default().cache(false),
        &site,
    );
    assert!(!get(&off, &url).await.1);
    assert!(!get(&off, &url).await.1);
    assert_eq!(site.requests_to("/res/m").len(), 3);
    assert_eq!(off.get_cache_size(), 0);
    assert!(off.http_cache().is_none());
}

#[tokio::test]
async fn clear_cache_data_removes_only_the_covered_origins() {
    let site = TestSite::start();
    put(&site, "o", "body");
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let s = session(&sessions, "origins", SessionOptions::default(), &site);
    let a = site.http_url("a.test", "/res/o");
    let b = site.http_url("b.test", "/res/o");
    get(&s, &a).await;
    get(&s, &b).await;
    let origin_a = format!("http://a.test:{}", site.http_port());
    let filter = OriginFilter::from_lists(Some(&[origin_a]), None).expect("filter");
    assert_eq!(s.clear_cache_data(&filter), 1);
    assert!(!get(&s, &a).await.1);
    assert!(get(&s, &b).await.1);
}
