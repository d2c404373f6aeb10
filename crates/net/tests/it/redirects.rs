use http::Method;
use session_net::{FetchOptions, NetError, RedirectMode, RequestBody};
use session_test_support::TestSite;

use crate::{get, json, kind, net, request};

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn chains_are_followed() {
    let site = TestSite::start();
    let net = net(&site);
    // NET-32
    let r = get(&net, &site.http_url("a.test", "/redirect/3"))
        .await
        .expect("chain");
    assert_eq!(r.status(), 200);
    let chain: Vec<String> = r.url_chain().iter().map(|u| u.path().to_string()).collect();
    assert_eq!(
        chain,
        ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"]
    );
    assert_eq!(r.url().path(), "/redirect/0");
    assert_eq!(r.text().await.expect("body"), "redirected");
}

#[tokio::test]
async fn cross_origin_redirect() {
    let site = TestSite::start();
    let net = net(&site);
    // FETCH-05
    let target = site.http_url("b.test", "/echo");
    let r = get(
        &net,
        &site.http_url("a.test", &format!("/redirect-to?url={}", enc(&target))),
    )
    .await
    .expect("redirect");
    assert_eq!(r.status(), 200);
    assert_eq!(r.url().host_str(), Some("b.test"));
    assert_eq!(r.url_chain().len(), 2);
}

#[tokio::test]
async fn method_rewriting_and_body_replay() {
    let site = TestSite::start();
    let net = net(&site);
    let echo = site.http_url("a.test", "/echo");
    // NET-05: 307 keeps POST and re-sends the body; 308 too.
    for status in [307, 308] {
        let url = site.http_url(
            "a.test",
            &format!("/redirect-to?status={status}&url={}", enc(&echo)),
        );
        let r = net
            .fetch(request(Method::POST, &url, "payload", FetchOptions::new()))
            .await
            .expect("post");
        let e = json(&r.bytes().await.expect("body"));
        assert_eq!(e["method"], "POST", "{status}");
        assert_eq!(e["body"], "payload", "{status}");
    }
    // NET-06: 302 turns POST into GET without body; 303 does so for PUT too.
    for (status, method) in [(302, Method::POST), (301, Method::POST), (303, Method::PUT)] {
        let url = site.http_url(
            "a.test",
            &format!("/redirect-to?status={status}&url={}", enc(&echo)),
        );
        let mut req = request(method.clone(), &url, "payload", FetchOptions::new());
        req.headers_mut()
            .insert("content-type", "text/plain".parse().expect("v"));
        let r = net.fetch(req).await.expect("redirected");
        let e = json(&r.bytes().await.expect("body"));
        assert_eq!(e["method"], "GET", "{status} {method}");
        assert_eq!(e["bodyLength"], 0, "{status} {method}");
        assert!(crate::echoed_header(&e, "content-type").is_none());
    }
    // A streamed body cannot be replayed.
    let url = site.http_url(
        "a.test",
        &format!("/redirect-to?status=307&url={}", enc(&echo)),
    );
    let body = RequestBody::from_stream(futures_util::stream::iter([Ok(
        bytes::Bytes::from_static(b"x"),
    )]));
    let err = net
        .fetch(request(Method::POST, &url, body, FetchOptions::new()))
        .await
        .expect_err("stream");
    assert_eq!(err.kind(), NetError::UploadStreamRewindNotSupported);
}

#[tokio::test]
async fn manual_and_error_modes() {
    let site = TestSite::start();
    let net = net(&site);
    let url = site.http_url("a.test", "/redirect/1");
    let r = net
        .fetch(request(
            Method::GET,
            &url,
            (),
            FetchOptions::new().redirect(RedirectMode::Manual),
        ))
        .await
        .expect("manual");
    assert_eq!(r.status(), 302);
    assert_eq!(r.header("location").as_deref(), Some("/redirect/0"));
    assert_eq!(r.url_chain().len(), 1);
    // NET-34
    let err = net
        .fetch(request(
            Method::GET,
            &url,
            (),
            FetchOptions::new().redirect(RedirectMode::Error),
        ))
        .await
        .expect_err("error mode");
    assert!(
        err.to_string()
            .contains("Attempted to redirect, but redirect policy was 'error'"),
        "{err}"
    );
    assert_eq!(site.requests_to("/redirect/0").len(), 0);
}

#[tokio::test]
async fn unsafe_and_endless_redirects() {
    let site = TestSite::start();
    let net = net(&site);
    // NET-35
    for target in ["file:///etc/passwd", "data:text/plain,hi", "about:blank"] {
        let url = site.http_url("a.test", &format!("/redirect-to?url={}", enc(target)));
        assert_eq!(
            kind(get(&net, &url).await),
            NetError::UnsafeRedirect,
            "{target}"
        );
    }
    // 20 redirects are fine, 21 are too many.
    assert_eq!(
        get(&net, &site.http_url("a.test", "/redirect/20"))
            .await
            .expect("20")
            .status(),
        200
    );
    let err = get(&net, &site.http_url("a.test", "/redirect/21"))
        .await
        .expect_err("21");
    assert_eq!(err.kind(), NetError::TooManyRedirects);
    assert_eq!(err.code(), -310);
}
