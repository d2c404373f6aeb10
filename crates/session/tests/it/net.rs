//! The session's network methods over the loopback test site.

use session::net::{
    NetError, NetworkEmulation, PreconnectOptions, ResolveHostOptions, new_request,
};
use session::{SessionOptions, Sessions};
use session_test_support::{HOST_RULES, TestSite};

fn session(sessions: &Sessions, name: &str, site: &TestSite) -> session::Session {
    let s = sessions
        .from_partition(name, SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

fn header(echo: &serde_json::Value, name: &str) -> Option<String> {
    echo["headers"].as_array()?.iter().find_map(|p| {
        let p = p.as_array()?;
        p[0].as_str()?
            .eq_ignore_ascii_case(name)
            .then(|| p[1].as_str().unwrap_or("").to_string())
    })
}

#[tokio::test]
async fn fetch_carries_the_sessions_user_agent() {
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let s = session(&sessions, "net-ua", &site);
    // SESSION-07 through the facade: set_user_agent reaches the wire.
    s.set_user_agent("test-agent", Some("en-US,fr,de"));
    let req =
        new_request(http::Method::GET, &site.https_url("a.test", "/echo"), ()).expect("request");
    let r = s.fetch(req).await.expect("fetch");
    assert_eq!(r.version(), http::Version::HTTP_2);
    let echo: serde_json::Value =
        serde_json::from_slice(&r.bytes().await.expect("body")).expect("json");
    assert_eq!(header(&echo, "user-agent").as_deref(), Some("test-agent"));
    assert_eq!(
        header(&echo, "accept-language").as_deref(),
        Some("en-US,fr;q=0.9,de;q=0.8")
    );
}

#[tokio::test]
async fn network_methods_are_per_session() {
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let a = session(&sessions, "net-a", &site);
    let b = session(&sessions, "net-b", &site);
    a.enable_network_emulation(NetworkEmulation {
        offline: true,
        ..Default::default()
    });
    let url = site.http_url("a.test", "/status/200");
    let err = a
        .fetch(new_request(http::Method::GET, &url, ()).expect("req"))
        .await
        .expect_err("offline");
    assert_eq!(err.kind(), NetError::InternetDisconnected);
    assert_eq!(
        b.fetch(new_request(http::Method::GET, &url, ()).expect("req"))
            .await
            .expect("b online")
            .status(),
        200
    );
    a.disable_network_emulation();
    assert!(
        a.fetch(new_request(http::Method::GET, &url, ()).expect("req"))
            .await
            .is_ok()
    );

    let mut o = PreconnectOptions::new(site.http_url("a.test", "/"));
    o.num_sockets = 2;
    b.preconnect(o).await.expect("preconnect");
    assert!(b.net().pooled_connections() >= 2);
    b.close_all_connections();
    assert_eq!(b.net().pooled_connections(), 0);

    let resolved = a
        .resolve_host("x.test", ResolveHostOptions::default())
        .await
        .expect("resolve");
    assert_eq!(resolved.endpoints[0].address, "127.0.0.1");
    a.clear_host_resolver_cache();
}
