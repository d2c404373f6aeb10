//! The session's cookie jar: persistence per partition, isolation, clearing by origin.

use session::cookies::{CookieDetails, CookieFilter};
use session::{OriginFilter, SessionOptions, Sessions};
use session_test_support::temp_user_data;

fn details(url: &str, name: &str, expires_in: Option<f64>) -> CookieDetails {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    CookieDetails {
        url: url.into(),
        name: name.into(),
        value: "v".into(),
        expiration_date: expires_in.map(|s| now + s),
        ..Default::default()
    }
}

fn names(s: &session::Session) -> Vec<String> {
    let mut n: Vec<String> = s
        .cookies()
        .get(&CookieFilter::default())
        .expect("get")
        .into_iter()
        .map(|c| c.name)
        .collect();
    n.sort();
    n
}

// COOKIES-19, USER-PAINS §1: a persistent partition keeps its cookies across a restart
#[test]
fn persistent_partition_keeps_cookies_in_its_cookies_file() {
    let ud = temp_user_data();
    {
        let sessions = Sessions::new(ud.path());
        let s = sessions
            .from_partition("persist:ence-test", SessionOptions::default())
            .expect("session");
        s.cookies()
            .set(&details("http://foo.bar", "persistent", Some(60.0)))
            .expect("set");
        s.cookies()
            .set(&details("http://foo.bar", "session", None))
            .expect("set");
        assert!(s.storage_path().expect("path").join("Cookies").exists());
        s.flush_storage_data().expect("flush");
    }
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("persist:ence-test", SessionOptions::default())
        .expect("reopen");
    assert_eq!(names(&s), ["persistent"]);
}

#[test]
fn session_cookies_survive_when_asked() {
    let ud = temp_user_data();
    let opts = || SessionOptions::default().persist_session_cookies(true);
    {
        let sessions = Sessions::new(ud.path());
        let s = sessions
            .from_partition("persist:keep", opts())
            .expect("session");
        s.cookies()
            .set(&details("http://foo.bar", "login", None))
            .expect("set");
    }
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("persist:keep", opts())
        .expect("reopen");
    assert_eq!(names(&s), ["login"]);
}

// COOKIES-35, SESSION-10: partitions are isolated; in-memory ones write nothing
#[test]
fn partitions_are_isolated_and_in_memory_ones_write_nothing() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let a = sessions
        .from_partition("a", SessionOptions::default())
        .expect("a");
    let b = sessions
        .from_partition("b", SessionOptions::default())
        .expect("b");
    a.cookies()
        .set(&details("http://x.test", "only-a", Some(60.0)))
        .expect("set");
    assert_eq!(names(&a), ["only-a"]);
    assert!(names(&b).is_empty());
    let again = sessions
        .from_partition("a", SessionOptions::default())
        .expect("a");
    assert_eq!(names(&again), ["only-a"]);
    let files: Vec<_> = walk(ud.path());
    assert!(
        files.iter().all(|f| !f.ends_with("Cookies")),
        "no cookie store on disk: {files:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

// SESSION-17, SESSION-18, SESSION-19, SESSION-21
#[test]
fn clear_cookies_by_origin_at_registrable_domain_granularity() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("clear", SessionOptions::default())
        .expect("s");
    let fill = || {
        for (url, name) in [
            ("https://example.com", "com"),
            ("https://www.example.com", "www"),
            ("https://example.org", "org"),
        ] {
            s.cookies().set(&details(url, name, None)).expect("set");
        }
    };
    fill();
    let only =
        OriginFilter::from_lists(Some(&["https://example.com".to_owned()]), None).expect("filter");
    assert_eq!(s.clear_cookies(&only).expect("clear"), 2);
    assert_eq!(names(&s), ["org"]);
    s.clear_cookies(&OriginFilter::All).expect("clear all");
    fill();
    let except = OriginFilter::from_lists(None, Some(&["https://sub.example.com".to_owned()]))
        .expect("filter");
    assert_eq!(s.clear_cookies(&except).expect("clear"), 1);
    assert_eq!(names(&s), ["com", "www"]);
    assert_eq!(s.clear_cookies(&OriginFilter::All).expect("clear all"), 2);
    assert!(names(&s).is_empty());
}

#[test]
fn an_unusable_cookie_store_is_reported_and_replaced() {
    let ud = temp_user_data();
    let dir = ud.path().join("Partitions").join("broken");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("Cookies"),
        b"garbage garbage garbage garbage garbage",
    )
    .expect("write");
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("persist:broken", SessionOptions::default())
        .expect("opens anyway");
    assert!(
        s.load_warnings()
            .iter()
            .any(|w| w.contains("cookie store was unusable")),
        "{:?}",
        s.load_warnings()
    );
    s.cookies()
        .set(&details("http://a.test", "fresh", Some(60.0)))
        .expect("fresh store works");
    let moved = std::fs::read_dir(&dir).expect("ls").flatten().any(|e| {
        e.file_name()
            .to_string_lossy()
            .starts_with("Cookies.corrupt-")
    });
    assert!(moved);
}

// FETCH-07, COOKIES-29, USER-PAINS §1: a login over fetch survives a restart of the partition
#[tokio::test]
async fn fetch_stores_and_sends_through_the_sessions_jar() {
    use session::net::new_request;
    use session_test_support::{HOST_RULES, TestSite};
    let site = TestSite::start();
    let ud = temp_user_data();
    let open = |sessions: &Sessions| {
        let s = sessions
            .from_partition("persist:login", SessionOptions::default())
            .expect("session");
        s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
        s
    };
    let login = site.http_url("a.test", "/headers?Set-Cookie=sid%3Dabc%3B%20Max-Age%3D600");
    {
        let sessions = Sessions::new(ud.path());
        let s = open(&sessions);
        let r = s
            .fetch(new_request(http::Method::GET, &login, ()).expect("request"))
            .await
            .expect("fetch");
        assert_eq!(r.status(), 200);
        let stored = s.cookies().get(&CookieFilter::default()).expect("get");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].domain.as_deref(), Some("a.test"));
        assert_eq!(stored[0].host_only, Some(true));
    }
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions);
    let r = s
        .fetch(
            new_request(http::Method::GET, &site.http_url("a.test", "/echo"), ()).expect("request"),
        )
        .await
        .expect("fetch");
    let echo: serde_json::Value =
        serde_json::from_slice(&r.bytes().await.expect("body")).expect("json");
    let cookie = echo["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|p| p[0].as_str() == Some("cookie"))
        .and_then(|p| p[1].as_str().map(str::to_owned));
    assert_eq!(cookie.as_deref(), Some("sid=abc"));
}
