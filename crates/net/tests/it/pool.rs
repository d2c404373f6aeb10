use http::Method;
use session_net::{FetchOptions, NetError, PreconnectOptions};
use session_test_support::{DEADLINE, TestSite};

use crate::{get, net, request};

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let site = TestSite::start();
    let net = net(&site);
    for _ in 0..5 {
        let r = get(&net, &site.http_url("a.test", "/status/200"))
            .await
            .expect("get");
        r.bytes().await.expect("body");
    }
    assert_eq!(net.pooled_connections(), 1);
    // Sessions never share sockets.
    let other = crate::net(&site);
    assert_eq!(other.pooled_connections(), 0);
    get(&other, &site.http_url("a.test", "/status/200"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    assert_eq!(other.pooled_connections(), 1);
}

#[tokio::test]
async fn preconnect_opens_sockets() {
    let site = TestSite::start();
    let net = net(&site);
    let mut o = PreconnectOptions::new(site.http_url("a.test", "/anything"));
    o.num_sockets = 3;
    net.preconnect(o).await.expect("preconnect");
    assert_eq!(net.pooled_connections(), 3);
    // An HTTP/2 origin needs one connection.
    let mut o = PreconnectOptions::new(site.https_url("a.test", "/"));
    o.num_sockets = 2;
    net.preconnect(o).await.expect("preconnect h2");
    assert_eq!(net.pooled_connections(), 4);
    assert!(site.requests().is_empty(), "preconnect sends no request");
}

#[tokio::test]
async fn close_all_connections_fails_requests_in_flight() {
    let site = TestSite::start();
    let net = net(&site);
    for url in [
        site.http_url("a.test", "/hang"),
        site.https_url("a.test", "/hang"),
    ] {
        site.clear_log();
        let pending = tokio::spawn({
            let net = net.clone();
            let req = request(Method::GET, &url, (), FetchOptions::new());
            async move { net.fetch(req).await }
        });
        site.wait_for_path("/hang", DEADLINE).await;
        net.close_all_connections();
        let err = pending.await.expect("join").expect_err("closed");
        assert_eq!(err.kind(), NetError::Aborted, "{url}: {err}");
        assert_eq!(net.pooled_connections(), 0);
    }
    // The session still works afterwards.
    assert_eq!(
        get(&net, &site.http_url("a.test", "/status/200"))
            .await
            .expect("after")
            .status(),
        200
    );
}

#[tokio::test]
async fn dropping_a_fetch_cancels_it() {
    let site = TestSite::start();
    let net = net(&site);
    let task = tokio::spawn({
        let net = net.clone();
        let req = request(
            Method::GET,
            &site.http_url("a.test", "/hang"),
            (),
            FetchOptions::new(),
        );
        async move { net.fetch(req).await }
    });
    site.wait_for_path("/hang", DEADLINE).await;
    // Dropping the future (here by aborting its task) abandons the request: its connection,
    // still waiting for an answer, never goes back to the pool.
    task.abort();
    assert!(task.await.expect_err("cancelled").is_cancelled());
    assert_eq!(net.pooled_connections(), 0);
    let r = get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("next request");
    assert_eq!(r.status(), 200);
}
