//! `clear_data` and `clear_storage_data` across cookies, the HTTP cache and the download history
//! (SESSION-14, 15, 17..19, 21).

use session::cookies::{CookieDetails, CookieFilter};
use session::downloads::{DownloadOptions, DownloadState};
use session::net::new_request;
use session::{
    ClearDataOptions, ClearStorageDataOptions, DataType, ErrorKind, Session, SessionOptions,
    Sessions, StorageType,
};
use session_test_support::{HOST_RULES, TestSite, temp_user_data};

fn open(sessions: &Sessions, name: &str, site: &TestSite) -> Session {
    let s = sessions
        .from_partition(name, SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

fn set_cookie(s: &Session, url: &str, name: &str) {
    s.cookies()
        .set(&CookieDetails {
            url: url.into(),
            name: name.into(),
            value: "v".into(),
            ..Default::default()
        })
        .expect("set cookie");
}

fn cookie_names(s: &Session) -> Vec<String> {
    let mut names: Vec<String> = s
        .cookies()
        .get(&CookieFilter::default())
        .expect("get")
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    names
}

async fn cache(s: &Session, url: &str) -> bool {
    let r = s
        .fetch(new_request(http::Method::GET, url, ()).expect("request"))
        .await
        .expect("fetch");
    let from_cache = r.from_cache();
    r.bytes().await.expect("body");
    from_cache
}

// SESSION-17, SESSION-19: origins clear cookies at registrable-domain granularity, and the
// cache entries of exactly those origins.
#[tokio::test]
async fn clear_data_for_origins_touches_only_those_origins() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "persist:clear", &site);
    set_cookie(&s, "https://example.com", "com");
    set_cookie(&s, "https://www.example.com", "www");
    set_cookie(&s, "https://example.org", "org");
    let a = site.https_url("a.test", "/headers?Cache-Control=max-age%3D3600&_body=a");
    let b = site.https_url("b.test", "/headers?Cache-Control=max-age%3D3600&_body=b");
    assert!(!cache(&s, &a).await);
    assert!(!cache(&s, &b).await);
    assert!(cache(&s, &a).await, "a.test is cached");

    let a_origin = format!("https://a.test:{}", site.https_port());
    let counts = s
        .clear_data(ClearDataOptions {
            data_types: Some(vec![DataType::Cookies, DataType::Cache]),
            origins: Some(vec!["https://sub.example.com".into(), a_origin]),
            ..Default::default()
        })
        .await
        .expect("clear");
    assert_eq!(counts.cookies, 2);
    assert_eq!(counts.cache_entries, 1);
    assert_eq!(cookie_names(&s), ["org"]);
    assert!(!cache(&s, &a).await, "a.test's entry went");
    assert!(cache(&s, &b).await, "b.test's entry stayed");
}

// SESSION-18
#[tokio::test]
async fn clear_data_excluding_origins_keeps_them() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let s = open(&Sessions::new(ud.path()), "excl", &site);
    set_cookie(&s, "https://example.com", "com");
    set_cookie(&s, "https://example.org", "org");
    s.clear_data(ClearDataOptions {
        exclude_origins: Some(vec!["https://example.com".into()]),
        ..Default::default()
    })
    .await
    .expect("clear");
    assert_eq!(cookie_names(&s), ["com"]);
}

// SESSION-19
#[tokio::test]
async fn clear_data_rejects_both_lists_and_opaque_origins() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let s = open(&Sessions::new(ud.path()), "bad", &site);
    set_cookie(&s, "https://example.com", "com");
    let err = s
        .clear_data(ClearDataOptions {
            origins: Some(vec!["https://example.com".into()]),
            exclude_origins: Some(vec!["https://example.org".into()]),
            ..Default::default()
        })
        .await
        .expect_err("both lists");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        err.to_string(),
        "Cannot provide both 'origins' and 'excludeOrigins'"
    );
    let err = s
        .clear_data(ClearDataOptions {
            origins: Some(vec!["file:///tmp/x".into()]),
            ..Default::default()
        })
        .await
        .expect_err("opaque");
    assert_eq!(err.to_string(), "Invalid origin: 'file:///tmp/x'");
    assert_eq!(
        cookie_names(&s),
        ["com"],
        "nothing was cleared by a refused call"
    );
}

// SESSION-14, SESSION-15: with no options everything goes, and two concurrent clears both
// finish with the data cleared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_data_without_options_clears_everything_even_concurrently() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let s = open(&Sessions::new(ud.path()), "persist:all", &site);
    s.set_download_path(ud.path().join("saved"))
        .expect("download path");
    set_cookie(&s, "https://example.com", "com");
    let url = site.https_url("a.test", "/headers?Cache-Control=max-age%3D3600");
    cache(&s, &url).await;
    let item = s
        .download_url(
            &site.https_url("a.test", "/bytes/1000"),
            DownloadOptions::default(),
        )
        .expect("download");
    assert_eq!(item.done().await, DownloadState::Completed);
    let saved = item.save_path().expect("saved");
    assert_eq!(s.downloads().len(), 1);
    assert!(s.get_cache_size() > 0);

    let (one, two) = tokio::join!(
        s.clear_data(ClearDataOptions::default()),
        s.clear_data(ClearDataOptions::default())
    );
    let (one, two) = (one.expect("first"), two.expect("second"));
    assert_eq!(one.cookies + two.cookies, 1);
    assert!(cookie_names(&s).is_empty());
    assert_eq!(s.get_cache_size(), 0);
    assert!(s.downloads().is_empty(), "the download history is empty");
    assert!(saved.exists(), "the downloaded file itself stays");
}

// SESSION-21: clear_storage_data with cookies removes every cookie; for an origin, that
// origin's registrable domain only.
#[tokio::test]
async fn clear_storage_data_cookies() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let s = open(&Sessions::new(ud.path()), "storage", &site);
    set_cookie(&s, "https://a.example.com", "a");
    set_cookie(&s, "https://example.org", "org");
    s.clear_storage_data(ClearStorageDataOptions {
        origin: Some("https://b.example.com".into()),
        storages: Some(vec![StorageType::Cookies]),
    })
    .await
    .expect("clear one origin");
    assert_eq!(cookie_names(&s), ["org"]);
    s.clear_storage_data(ClearStorageDataOptions::default())
        .await
        .expect("clear all");
    assert!(cookie_names(&s).is_empty());
    let err = s
        .clear_storage_data(ClearStorageDataOptions {
            origin: Some("not an origin".into()),
            storages: None,
        })
        .await
        .expect_err("bad origin");
    assert_eq!(err.to_string(), "Invalid origin: 'not an origin'");
}
