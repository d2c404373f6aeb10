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

// A thousand HTTP/2 streams on one connection, next to 16 large bodies, whose responses arrive
// before they are read: a legitimate server then sends small DATA frames as the window opens,
// which must not trip h2's guard against floods of small frames (`ENHANCE_YOUR_CALM`,
// surfacing as `net::ERR_HTTP2_PROTOCOL_ERROR`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_h2_streams_all_complete() {
    let site = TestSite::start();
    let net = net(&site);
    let big: Vec<_> = (0..16)
        .map(|i| {
            let net = net.clone();
            let url = site.https_url("a.test", &format!("/bytes/16777216?seed={i}"));
            tokio::spawn(async move {
                let mut r = get(&net, &url).await?;
                let mut len = 0;
                while let Some(c) = r.chunk().await? {
                    len += c.len();
                }
                Ok::<_, session_net::Error>(len)
            })
        })
        .collect();
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let net = net.clone();
            let url = site.https_url("a.test", &format!("/bytes/4096?seed={i}"));
            tokio::spawn(async move { get(&net, &url).await?.bytes().await.map(|b| b.len()) })
        })
        .collect();
    let mut failures = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.expect("task") {
            failures.push(e.to_string());
        }
    }
    for b in big {
        assert_eq!(b.await.expect("task").expect("a large body"), 16 << 20);
    }
    assert!(
        failures.is_empty(),
        "{} failed, first: {}",
        failures.len(),
        failures[0]
    );
    assert!(site.requests().iter().all(|r| r.version == "HTTP/2.0"));
}
