//! `Session::websocket`: what a session's state does to a WebSocket's handshake: cookies both
//! ways (and kept apart per partition), declarativeNetRequest rules of type `websocket`.

use session::extensions::LoadOptions;
use session::net::NetError;
use session::net::websocket::{Message, WebSocket};
use session::{Session, SessionOptions, Sessions};
use session_test_support::{DEADLINE, HOST_RULES, TestSite, temp_user_data};

fn open(sessions: &Sessions, partition: &str) -> Session {
    let s = sessions
        .from_partition(partition, SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s
}

/// The handshake's request headers as the server saw them (the route's `headers` command).
async fn server_saw(ws: &mut WebSocket) -> Vec<(String, String)> {
    ws.send_text("headers").await.expect("send");
    match tokio::time::timeout(DEADLINE, ws.recv())
        .await
        .expect("in time")
        .expect("open")
        .expect("message")
    {
        Message::Text(t) => serde_json::from_str(&t).expect("json"),
        other => panic!("expected the headers, got {other:?}"),
    }
}

fn cookie_header(pairs: &[(String, String)]) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == "cookie")
        .map(|(_, v)| v.clone())
}

#[tokio::test]
async fn cookies_go_both_ways_and_stay_in_their_partition() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let one = open(&sessions, "persist:one");
    let other = open(&sessions, "other");
    let port = site.http_port();
    // The handshake's Set-Cookie is stored in the session's jar.
    let url = format!("ws://a.test:{port}/ws?cookie=room%3D42%3B%20Path%3D%2F");
    let mut ws = one.websocket(&url).connect().await.expect("connect");
    assert_eq!(cookie_header(&server_saw(&mut ws).await), None);
    ws.close(1000, "").await.expect("close");
    let stored = one
        .cookies()
        .get(&session::cookies::CookieFilter {
            name: Some("room".into()),
            ..Default::default()
        })
        .expect("get");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].value, "42");
    // The next handshake sends it, and so does an HTTP request to the same host.
    let mut ws = one
        .websocket(format!("ws://a.test:{port}/ws"))
        .connect()
        .await
        .expect("connect");
    assert_eq!(
        cookie_header(&server_saw(&mut ws).await).as_deref(),
        Some("room=42")
    );
    // Another partition has no such cookie.
    let mut ws = other
        .websocket(format!("ws://a.test:{port}/ws"))
        .connect()
        .await
        .expect("connect");
    assert_eq!(cookie_header(&server_saw(&mut ws).await), None);
    // A cookie set over HTTP goes with a WebSocket of the same host.
    let r = other
        .get(format!(
            "http://a.test:{port}/headers?Set-Cookie=via%3Dhttp"
        ))
        .send()
        .await
        .expect("fetch");
    r.bytes().await.expect("body");
    let mut ws = other
        .websocket(format!("ws://a.test:{port}/ws"))
        .connect()
        .await
        .expect("connect");
    assert_eq!(
        cookie_header(&server_saw(&mut ws).await).as_deref(),
        Some("via=http")
    );
}

#[tokio::test]
async fn declarative_net_request_blocks_a_websocket_by_resource_type() {
    let site = TestSite::start();
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "persist:dnr-ws");
    let rules = r#"[
      {"id":1,"priority":1,"action":{"type":"block"},
       "condition":{"urlFilter":"/ws","resourceTypes":["websocket"]}}
    ]"#;
    let dir = crate::extensions::dnr_stage::extension(rules);
    s.extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .expect("load");
    let port = site.http_port();
    let e = s
        .websocket(format!("ws://a.test:{port}/ws"))
        .connect()
        .await
        .expect_err("blocked");
    assert_eq!(e.kind(), NetError::BlockedByClient);
    assert!(site.requests_to("/ws").is_empty(), "never sent");
    // The rule names the websocket type only: a fetch of the same URL goes through.
    let r = s
        .get(format!("http://a.test:{port}/ws"))
        .send()
        .await
        .expect("an xhr/other request is not blocked");
    assert_eq!(
        r.status(),
        400,
        "the route refuses a request that is not a handshake"
    );
}

#[tokio::test]
async fn credentials_omit_sends_and_stores_no_cookie() {
    // COOKIES-37: Electron's `net.WebSocket` sends no session cookie unless asked to; here
    // that is `credentials(Omit)` (the default, `Include`, is a page's WebSocket).
    let site = TestSite::start();
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = open(&sessions, "omit");
    let port = site.http_port();
    s.get(format!("http://a.test:{port}/headers?Set-Cookie=sid%3D1"))
        .send()
        .await
        .expect("fetch")
        .bytes()
        .await
        .expect("body");
    let mut ws = s
        .websocket(format!("ws://a.test:{port}/ws?cookie=other%3D2"))
        .credentials(session::net::CredentialsMode::Omit)
        .connect()
        .await
        .expect("connect");
    assert_eq!(cookie_header(&server_saw(&mut ws).await), None);
    let names: Vec<String> = s
        .cookies()
        .get(&session::cookies::CookieFilter::default())
        .expect("get")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["sid"], "the handshake's Set-Cookie was not stored");
    // With the default the session's cookie goes.
    let mut ws = s
        .websocket(format!("ws://a.test:{port}/ws"))
        .connect()
        .await
        .expect("connect");
    assert_eq!(
        cookie_header(&server_saw(&mut ws).await).as_deref(),
        Some("sid=1")
    );
}
