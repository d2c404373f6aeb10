//! The session's HTTP authentication: one login handler, `clear_auth_cache`, `clear_data`
//! with cookies, and partitions that never share credentials.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session::net::auth::{AuthAnswer, AuthRequest, Credentials};
use session::net::new_request;
use session::{ClearDataOptions, DataType, Session, SessionOptions, Sessions};
use session_test_support::{HOST_RULES, TestSite};

fn session(sessions: &Sessions, name: &str, site: &TestSite) -> Session {
    let s = sessions
        .from_partition(name, SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

fn counting(s: &Session) -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    s.set_login_handler(Some(move |req: AuthRequest| {
        c.fetch_add(1, Ordering::SeqCst);
        async move {
            assert!(!req.is_proxy);
            AuthAnswer::Credentials(Credentials::new("user", "pass"))
        }
    }));
    calls
}

async fn status(s: &Session, url: &str) -> u16 {
    let req = new_request(http::Method::GET, url, ()).expect("request");
    s.fetch(req).await.expect("fetch").status().as_u16()
}

#[tokio::test]
async fn clear_auth_cache_and_clear_data_with_cookies_forget_credentials() {
    // CACHE-08 through the facade.
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let s = session(&sessions, "auth-clear", &site);
    let calls = counting(&s);
    let url = site.https_url("a.test", "/auth/digest?algorithm=SHA-256");
    assert_eq!(status(&s, &url).await, 200);
    assert_eq!(status(&s, &url).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    s.clear_auth_cache();
    assert_eq!(status(&s, &url).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let only_cache = ClearDataOptions {
        data_types: Some(vec![DataType::Cache]),
        ..Default::default()
    };
    s.clear_data(only_cache).await.expect("clear cache");
    assert_eq!(status(&s, &url).await, 200);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the HTTP cache is not the auth cache"
    );
    let cookies = ClearDataOptions {
        data_types: Some(vec![DataType::Cookies]),
        ..Default::default()
    };
    s.clear_data(cookies.clone()).await.expect("clear cookies");
    assert_eq!(s.net().pooled_connections(), 0, "idle connections closed");
    assert_eq!(status(&s, &url).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // avoidClosingConnections: the auth cache and the connections stay (Chromium keeps the
    // auth cache then, since clearing it closes connections).
    assert!(s.net().pooled_connections() > 0);
    let keep = ClearDataOptions {
        avoid_closing_connections: true,
        ..cookies
    };
    s.clear_data(keep)
        .await
        .expect("clear cookies, keep connections");
    assert!(s.net().pooled_connections() > 0, "connections kept");
    assert_eq!(status(&s, &url).await, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 3, "credentials kept");
}

#[tokio::test]
async fn memory_and_persistent_partitions_never_share_credentials() {
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let persistent = session(&sessions, "persist:auth", &site);
    let memory = session(&sessions, "auth", &site);
    counting(&persistent);
    let url = site.http_url("a.test", "/auth/basic");
    assert_eq!(status(&persistent, &url).await, 200);
    assert_eq!(status(&memory, &url).await, 401);
    let default = sessions.default_session().expect("default");
    default
        .net()
        .set_host_rules(HOST_RULES.parse().expect("rules"));
    assert_eq!(status(&default, &url).await, 401);
}

#[tokio::test]
async fn the_net_log_and_har_show_the_401_and_the_retry() {
    use session::netlog::{NetLogOptions, har_from_net_log};
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(dir.path());
    let s = session(&sessions, "auth-log", &site);
    counting(&s);
    let path = dir.path().join("net.json");
    let log = s.net_log();
    log.start_logging(&path, NetLogOptions::new())
        .expect("start");
    assert_eq!(
        status(&s, &site.http_url("a.test", "/auth/basic")).await,
        200
    );
    log.stop_logging().expect("stop");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("log")).expect("json");
    let named = |name: &str| -> Vec<serde_json::Value> {
        let ty = v["constants"]["logEventTypes"][name].clone();
        assert!(ty.is_number(), "no event type {name}");
        v["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["type"] == ty)
            .cloned()
            .collect()
    };
    let challenges = named("AUTH_HANDLE_CHALLENGE");
    assert_eq!(challenges.len(), 1);
    assert_eq!(challenges[0]["params"]["headers"][0], "Basic realm=\"Foo\"");
    let tokens = named("AUTH_GENERATE_TOKEN");
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        tokens[0]["params"],
        serde_json::json!({"scheme": "basic", "source": "handler"})
    );
    assert!(
        !v.to_string().contains("dXNlcjpwYXNz"),
        "no credentials in a default log"
    );
    let har = har_from_net_log(&v, None).expect("har");
    let statuses: Vec<i64> = har["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["response"]["status"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(statuses, [401, 200]);
}
