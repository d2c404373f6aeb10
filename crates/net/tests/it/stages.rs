//! The seams later crates use (cookies, cache), exercised with small real stages.

use std::sync::{Arc, Mutex};

use http::{HeaderMap, HeaderValue, StatusCode};
use session_net::stages::{BoxFuture, Flow, RequestContext, ResponseFlow, Slot, Stage};
use session_net::{Body, CacheMode, FetchOptions, HopResponse};
use session_test_support::TestSite;

use crate::{echoed_header, get, json, net, request};

/// A cookie-like stage: sends a header, records every hop's status and `Set-Cookie`.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(u16, Vec<String>)>>,
}

impl Stage for Recorder {
    fn slot(&self) -> Slot {
        Slot::Cookies
    }

    fn on_request<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
    ) -> BoxFuture<'a, session_net::Result<Flow>> {
        Box::pin(async move {
            if ctx.credentials_allowed() {
                ctx.headers
                    .insert("cookie", HeaderValue::from_static("from=stage"));
            }
            Ok(Flow::Continue)
        })
    }

    fn on_response<'a>(
        &'a self,
        _ctx: &'a mut RequestContext,
        r: &'a mut HopResponse,
    ) -> BoxFuture<'a, session_net::Result<ResponseFlow>> {
        Box::pin(async move {
            let cookies = r
                .headers
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap_or("").to_string())
                .collect();
            self.seen
                .lock()
                .expect("lock")
                .push((r.status.as_u16(), cookies));
            Ok(ResponseFlow::Continue)
        })
    }
}

#[tokio::test]
async fn request_and_response_hooks_see_every_hop() {
    let site = TestSite::start();
    let net = net(&site);
    let rec = Arc::new(Recorder::default());
    net.insert_stage(rec.clone());
    let hop = site.http_url("a.test", "/headers?Set-Cookie=b%3D2");
    let url = site.http_url(
        "a.test",
        &format!(
            "/headers?_status=302&Set-Cookie=a%3D1&Location={}",
            url::form_urlencoded::byte_serialize(hop.as_bytes()).collect::<String>()
        ),
    );
    let r = get(&net, &url).await.expect("fetch");
    assert_eq!(r.status(), 200);
    let seen = rec.seen.lock().expect("lock").clone();
    assert_eq!(
        seen,
        [
            (302, vec!["a=1".to_string()]),
            (200, vec!["b=2".to_string()])
        ]
    );
    // The request side added its header on each hop.
    let logged = site.requests();
    assert!(
        logged
            .iter()
            .all(|l| l.header("cookie") == Some("from=stage"))
    );
    let echo = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("echo")
        .bytes()
        .await
        .expect("body");
    assert_eq!(
        echoed_header(&json(&echo), "cookie").as_deref(),
        Some("from=stage")
    );
}

/// A cache-like stage: answers `force-cache` requests itself.
struct Canned;

impl Stage for Canned {
    fn slot(&self) -> Slot {
        Slot::Cache
    }

    fn on_request<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
    ) -> BoxFuture<'a, session_net::Result<Flow>> {
        Box::pin(async move {
            if ctx.cache != CacheMode::ForceCache {
                return Ok(Flow::Continue);
            }
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_static("text/plain"));
            let mut r = HopResponse::new(StatusCode::OK, headers, Body::full("cached"));
            r.from_cache = true;
            Ok(Flow::Respond(Box::new(r)))
        })
    }
}

#[tokio::test]
async fn a_stage_can_answer_without_the_network() {
    let site = TestSite::start();
    let net = net(&site);
    net.insert_stage(Arc::new(Canned));
    let url = site.http_url("a.test", "/status/200");
    let r = net
        .fetch(request(
            http::Method::GET,
            &url,
            (),
            FetchOptions::new().cache(CacheMode::ForceCache),
        ))
        .await
        .expect("canned");
    assert!(r.from_cache());
    assert_eq!(
        r.raw_headers(),
        [("content-type".to_string(), "text/plain".to_string())]
    );
    assert_eq!(r.text().await.expect("body"), "cached");
    assert!(site.requests().is_empty());
    let r = get(&net, &url).await.expect("network");
    assert!(!r.from_cache());
    assert_eq!(site.requests().len(), 1);
}

/// An auth-like stage: asks for every hop once more with a header added, as a login handler
/// answering a 401 would.
#[derive(Default)]
struct Again {
    asked: Mutex<u32>,
}

impl Stage for Again {
    fn slot(&self) -> Slot {
        Slot::Auth
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        _r: &'a mut HopResponse,
    ) -> BoxFuture<'a, session_net::Result<ResponseFlow>> {
        Box::pin(async move {
            if ctx.headers.contains_key("x-again") {
                return Ok(ResponseFlow::Continue);
            }
            *self.asked.lock().expect("lock") += 1;
            ctx.headers
                .insert("x-again", HeaderValue::from_static("yes"));
            Ok(ResponseFlow::Retry)
        })
    }
}

#[tokio::test]
async fn a_response_stage_can_send_the_hop_again_with_its_body() {
    let site = TestSite::start();
    let net = net(&site);
    let again = Arc::new(Again::default());
    net.insert_stage(again.clone());
    let url = site.http_url("a.test", "/echo");
    let r = net
        .fetch(request(
            http::Method::POST,
            &url,
            "payload",
            FetchOptions::new(),
        ))
        .await
        .expect("fetch");
    assert_eq!(r.status(), 200);
    let echo = json(&r.bytes().await.expect("body"));
    assert_eq!(echoed_header(&echo, "x-again").as_deref(), Some("yes"));
    assert_eq!(echo["body"], "payload", "the body went out again");
    assert_eq!(*again.asked.lock().expect("lock"), 1);
    let logged = site.requests();
    assert_eq!(logged.len(), 2, "the hop was sent twice");
    assert_eq!(logged[0].header("x-again"), None);
}

/// A stage that always asks again is cut off after `MAX_HOP_RETRIES`.
struct Forever;

impl Stage for Forever {
    fn slot(&self) -> Slot {
        Slot::Auth
    }

    fn on_response<'a>(
        &'a self,
        _ctx: &'a mut RequestContext,
        _r: &'a mut HopResponse,
    ) -> BoxFuture<'a, session_net::Result<ResponseFlow>> {
        Box::pin(std::future::ready(Ok(ResponseFlow::Retry)))
    }
}

#[tokio::test]
async fn retries_of_one_hop_are_bounded() {
    let site = TestSite::start();
    let net = net(&site);
    net.insert_stage(Arc::new(Forever));
    let r = get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("fetch");
    assert_eq!(r.status(), 200);
    assert_eq!(site.requests().len(), 1 + session_net::MAX_HOP_RETRIES);
}
