//! `Session` as a tower `Service` under real tower layers, against the loopback test site.

use std::time::Duration;

use http_body_util::BodyExt;
use session::net::{FetchOptions, NetError, RedirectMode};
use session::{SessionOptions, Sessions, UrlChain};
use session_test_support::{HOST_RULES, TestSite};
use tower::{Service, ServiceBuilder, ServiceExt};

type Req<B = String> = http::Request<B>;

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

#[tokio::test]
async fn a_session_under_tower_layers_answers_http_responses() {
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "svc", &site);
    let mut client = ServiceBuilder::new()
        .concurrency_limit(2)
        .timeout(Duration::from_secs(60))
        .service(s.clone());

    // A body of known length is replayed on a 307 (read first).
    let target = site.https_url("a.test", "/echo");
    let url = site.https_url(
        "a.test",
        &format!("/redirect-to?status=307&url={}", urlencode(&target)),
    );
    let request = http::Request::post(url)
        .header("x-through", "tower")
        .body(String::from("hello tower"))
        .expect("request");
    let response = ServiceExt::<Req>::ready(&mut client)
        .await
        .expect("ready")
        .call(request)
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), http::Version::HTTP_2);
    let chain = response
        .extensions()
        .get::<UrlChain>()
        .expect("url chain")
        .clone();
    assert_eq!(chain.0.len(), 2);
    assert_eq!(chain.url().map(|u| u.path()), Some("/echo"));
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let echo: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], "hello tower");

    // Options ride in the extensions, as with fetch.
    let mut request = http::Request::get(site.http_url("a.test", "/redirect/1"))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .expect("request");
    request
        .extensions_mut()
        .insert(FetchOptions::new().redirect(RedirectMode::Manual));
    let response = client.oneshot(request).await.expect("302");
    assert_eq!(response.status(), 302);
}

#[tokio::test]
async fn tower_timeout_cancels_a_hanging_request() {
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "svc-timeout", &site);
    let client = ServiceBuilder::new()
        .timeout(Duration::from_millis(200))
        .service(s);
    let request = http::Request::get(site.http_url("a.test", "/hang"))
        .body(String::new())
        .expect("request");
    let err = client
        .clone()
        .oneshot(request)
        .await
        .expect_err("the layer's deadline");
    assert!(err.is::<tower::timeout::error::Elapsed>(), "{err}");
    // A failure of the session itself keeps its Chromium name through the layers.
    let request = http::Request::get("http://127.0.0.1:1/")
        .body(String::new())
        .expect("request");
    let err = client.oneshot(request).await.expect_err("refused");
    let err = err
        .downcast::<session::net::Error>()
        .expect("a session error");
    assert_eq!(err.kind(), NetError::ConnectionRefused);
}

#[tokio::test]
async fn concurrency_limit_holds_requests_beyond_the_limit() {
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "svc-limit", &site);
    let client = ServiceBuilder::new().concurrency_limit(1).service(s);

    // The one permit is taken by a request that hangs.
    let mut first = client.clone();
    let hanging = http::Request::get(site.http_url("a.test", "/hang"))
        .body(String::new())
        .expect("request");
    let first_ready = ServiceExt::<Req>::ready(&mut first).await.expect("ready");
    let in_flight = tokio::spawn(first_ready.call(hanging));

    // A second caller is not ready while the permit is held...
    let mut second = client.clone();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(
        Service::<Req>::poll_ready(&mut second, &mut cx).is_pending(),
        "the limit holds the second request"
    );
    // ...and becomes ready once the first request is dropped.
    in_flight.abort();
    let _ = in_flight.await;
    let request = http::Request::get(site.http_url("a.test", "/status/204"))
        .body(String::new())
        .expect("request");
    let response = second.oneshot(request).await.expect("served");
    assert_eq!(response.status(), 204);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
