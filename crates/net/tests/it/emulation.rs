use std::time::{Duration, Instant};

use http::Method;
use session_net::{FetchOptions, NetError, NetworkEmulation};
use session_test_support::TestSite;

use crate::{get, kind, net, request};

#[tokio::test]
async fn offline_and_back() {
    let site = TestSite::start();
    let net = net(&site);
    net.enable_network_emulation(NetworkEmulation {
        offline: true,
        ..Default::default()
    });
    let err = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect_err("offline");
    assert_eq!(err.kind(), NetError::InternetDisconnected);
    assert!(site.requests_to("/echo").is_empty());
    // Other sessions are online.
    assert!(
        get(&crate::net(&site), &site.http_url("a.test", "/status/200"))
            .await
            .is_ok()
    );
    net.disable_network_emulation();
    assert_eq!(
        get(&net, &site.http_url("a.test", "/echo"))
            .await
            .expect("online")
            .status(),
        200
    );
}

#[tokio::test]
async fn latency_is_added_to_each_request() {
    let site = TestSite::start();
    let net = net(&site);
    net.enable_network_emulation(NetworkEmulation {
        latency: 150.0,
        ..Default::default()
    });
    let start = Instant::now();
    get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("first");
    get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("second");
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn download_and_upload_are_throttled() {
    let site = TestSite::start();
    let net = net(&site);
    // Warm the connection up so the handshake is not part of the measurement.
    get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("warm");
    net.enable_network_emulation(NetworkEmulation {
        download_throughput: 100_000.0,
        ..Default::default()
    });
    let start = Instant::now();
    let body = get(&net, &site.http_url("a.test", "/bytes/60000"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    assert_eq!(body.len(), 60_000);
    // 60 kB at 100 kB/s, less the 5 kB burst: at least 0.55 s.
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );

    net.enable_network_emulation(NetworkEmulation {
        upload_throughput: 100_000.0,
        ..Default::default()
    });
    let start = Instant::now();
    let r = net
        .fetch(request(
            Method::POST,
            &site.http_url("a.test", "/echo"),
            vec![b'u'; 60_000],
            FetchOptions::new(),
        ))
        .await
        .expect("post");
    assert_eq!(
        crate::json(&r.bytes().await.expect("body"))["bodyLength"],
        60_000
    );
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );

    // TLS sockets are throttled too (the limit sits under TLS).
    net.enable_network_emulation(NetworkEmulation {
        download_throughput: 100_000.0,
        ..Default::default()
    });
    let start = Instant::now();
    let body = get(&net, &site.https_url("a.test", "/bytes/60000"))
        .await
        .expect("h2")
        .bytes()
        .await
        .expect("body");
    assert_eq!(body.len(), 60_000);
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        kind(get(&net, "http://nx.invalid.localhost2.invalid/").await),
        NetError::NameNotResolved
    );
}
