//! webRequest through real fetches against the loopback site.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderValue, Method};
use session_net::web_request::{Answer, Details, Event, Filter, listener, observer};
use session_net::{FetchOptions, NetError};
use session_test_support::TestSite;
use tokio::sync::mpsc;

use crate::{echoed_header, get, json, kind, net, request};

/// Waits (with a deadline) for the next observed details.
async fn next(rx: &mut mpsc::UnboundedReceiver<Details>) -> Details {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an event within the deadline")
        .expect("channel open")
}

fn sink() -> (
    mpsc::UnboundedSender<Details>,
    mpsc::UnboundedReceiver<Details>,
) {
    mpsc::unbounded_channel()
}

#[tokio::test]
async fn cancel_fails_the_request_and_reports_the_error() {
    // WR-01, WR-39
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    wr.on_before_request(
        Filter::urls(&["*://a.test/status/*"]).expect("filter"),
        Some(listener(|_| async { Answer::cancel() })),
    );
    let (tx, mut rx) = sink();
    wr.on_error_occurred(
        Filter::all(),
        Some(observer(move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        })),
    );
    let e = get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect_err("cancelled");
    assert_eq!(e.kind(), NetError::BlockedByClient);
    assert!(e.detail().contains("onBeforeRequest listener"), "{e}");
    let d = next(&mut rx).await;
    assert_eq!(d.error.as_deref(), Some("net::ERR_BLOCKED_BY_CLIENT"));
    assert!(site.requests().is_empty(), "nothing reached the server");
    // WR-03: only matching URLs are cancelled.
    let r = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("echo");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_listener_redirect_is_followed_and_seen_on_every_hop() {
    // WR-13, WR-37, WR-43
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let target = site.http_url("a.test", "/status/201");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let t = target.clone();
    wr.on_before_request(
        Filter::all(),
        Some(listener(move |d| {
            s.lock().expect("lock").push((d.id, d.url.to_string()));
            let t = t.clone();
            async move {
                if d.url.path() == "/from" {
                    Answer::redirect(t)
                } else {
                    Answer::proceed()
                }
            }
        })),
    );
    let (tx, mut rx) = sink();
    let _h = wr.add_before_redirect(Filter::all(), move |d| {
        let _ = tx.send(d);
        async {}
    });
    let r = get(&net, &site.http_url("a.test", "/from"))
        .await
        .expect("fetch");
    assert_eq!(r.status(), 201);
    assert_eq!(r.text().await.expect("body"), "status 201");
    let paths: Vec<String> = site.requests().iter().map(|l| l.path.clone()).collect();
    assert_eq!(paths, ["/status/201"], "the server sees only the target");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "onBeforeRequest ran for both hops");
    assert_eq!(seen[0].0, seen[1].0, "the id is stable across the redirect");
    assert_eq!(seen[1].1, target);
    let d = next(&mut rx).await;
    assert_eq!(d.status_code, Some(307));
    assert_eq!(
        d.status_line.as_deref(),
        Some("HTTP/1.1 307 Internal Redirect")
    );
    assert_eq!(d.redirect_url.as_deref(), Some(target.as_str()));
    assert_eq!(d.from_cache, Some(false));
    // Chrome's reason for a redirect made by its webRequest layer.
    let reason = d
        .response_headers
        .as_ref()
        .and_then(|h| h.get("non-authoritative-reason"))
        .and_then(|v| v.to_str().ok());
    assert_eq!(reason, Some("WebRequest API"));
}

#[tokio::test]
async fn listener_redirects_count_toward_the_limit() {
    let site = TestSite::start();
    let net = net(&site);
    let base = site.http_url("a.test", "/loop");
    net.web_request().on_before_request(
        Filter::all(),
        Some(listener(move |d| {
            let n: u32 = d.url.query().and_then(|q| q.parse().ok()).unwrap_or(0);
            let next = format!("{base}?{}", n + 1);
            async move { Answer::redirect(next) }
        })),
    );
    let e = get(&net, &site.http_url("a.test", "/loop"))
        .await
        .expect_err("loop");
    assert_eq!(e.kind(), NetError::TooManyRedirects);
}

#[tokio::test]
async fn upload_data_and_request_headers_are_reported_and_replaced() {
    // WR-12, WR-17, WR-18, WR-23, WR-27
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let (tx, mut rx) = sink();
    let tx2 = tx.clone();
    let _a = wr.add_before_request(Filter::all(), move |d| {
        let _ = tx.send(d);
        async { Answer::proceed() }
    });
    let _b = wr.add_before_send_headers(Filter::all(), move |d| {
        let _ = tx2.send(d.clone());
        async move {
            let mut h = http::HeaderMap::new();
            h.insert("test", HeaderValue::from_static("header"));
            h.insert("accept", HeaderValue::from_static("text/x-changed"));
            Answer::request_headers(h)
        }
    });
    let (stx, mut srx) = sink();
    wr.on_send_headers(
        Filter::all(),
        Some(observer(move |d| {
            let stx = stx.clone();
            async move {
                let _ = stx.send(d);
            }
        })),
    );
    let mut req = request(
        Method::POST,
        &site.http_url("a.test", "/echo"),
        "a=1&b=2",
        FetchOptions::new(),
    );
    req.headers_mut()
        .insert("foo.bar", HeaderValue::from_static("baz"));
    let r = net.fetch(req).await.expect("fetch");
    let echo = json(&r.bytes().await.expect("body"));
    let before = next(&mut rx).await;
    let upload = before.upload_data.expect("upload data");
    assert_eq!(upload.len(), 1);
    assert_eq!(upload[0].bytes.as_deref(), Some(&b"a=1&b=2"[..]));
    assert_eq!(before.method, Method::POST);
    assert_eq!(before.resource_type.as_str(), "other");
    let send = next(&mut rx).await;
    let shown = send.request_headers.expect("request headers");
    assert_eq!(
        shown.get("foo.bar").map(|v| v.as_bytes()),
        Some(&b"baz"[..])
    );
    assert_eq!(
        echoed_header(&echo, "accept").as_deref(),
        Some("text/x-changed")
    );
    assert_eq!(echoed_header(&echo, "test").as_deref(), Some("header"));
    assert_eq!(
        echoed_header(&echo, "foo.bar"),
        None,
        "the whole set was replaced"
    );
    let sent = next(&mut srx).await.request_headers.expect("headers");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent.get("test").map(|v| v.as_bytes()), Some(&b"header"[..]));
}

#[tokio::test]
async fn response_headers_and_status_line_can_be_replaced() {
    // WR-28, WR-29, WR-35
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let (tx, mut rx) = sink();
    wr.on_headers_received(
        Filter::all(),
        Some(listener(move |d| {
            let _ = tx.send(d.clone());
            async move {
                let mut h = d.response_headers.unwrap_or_default();
                h.insert("custom", HeaderValue::from_static("Changed"));
                Answer::response_headers(h).with_status_line("HTTP/1.1 404 Not Found")
            }
        })),
    );
    let r = get(&net, &site.http_url("a.test", "/headers?Custom=Header"))
        .await
        .expect("fetch");
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.headers().get("custom").map(|v| v.as_bytes()),
        Some(&b"Changed"[..])
    );
    let d = next(&mut rx).await;
    assert_eq!(d.status_line.as_deref(), Some("HTTP/1.1 200 OK"));
    assert_eq!(d.status_code, Some(200));
    assert_eq!(
        d.to_json()["responseHeaders"]["custom"],
        serde_json::json!(["Header"]),
        "values are arrays"
    );
    let shown = d.response_headers.expect("headers");
    assert_eq!(
        shown.get("custom").map(|v| v.as_bytes()),
        Some(&b"Header"[..])
    );
}

#[tokio::test]
async fn started_and_completed_report_cache_and_status() {
    // WR-36, WR-38
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let (tx, mut rx) = sink();
    let tx2 = tx.clone();
    wr.on_response_started(
        Filter::all(),
        Some(observer(move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        })),
    );
    wr.on_completed(
        Filter::all(),
        Some(observer(move |d| {
            let tx = tx2.clone();
            async move {
                let _ = tx.send(d);
            }
        })),
    );
    let r = get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("fetch");
    let started = next(&mut rx).await;
    assert_eq!(started.status_line.as_deref(), Some("HTTP/1.1 200 OK"));
    assert_eq!(started.from_cache, Some(false));
    assert_eq!(started.ip.as_deref(), Some("127.0.0.1"));
    assert!(started.response_headers.is_some());
    r.bytes().await.expect("body");
    let done = next(&mut rx).await;
    assert_eq!(done.status_code, Some(200));
    assert_eq!(done.error.as_deref(), Some("net::OK"));
    assert_eq!(done.id, started.id);
}

#[tokio::test]
async fn several_listeners_chain_and_handles_remove_them() {
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let add = |name: &'static str| {
        wr.add_before_send_headers(Filter::all(), move |d| async move {
            let mut h = d.request_headers.unwrap_or_default();
            h.insert(name, HeaderValue::from_static("1"));
            Answer::request_headers(h)
        })
    };
    let a = add("x-a");
    let b = add("x-b");
    let url = site.http_url("a.test", "/echo");
    let echo = json(
        &get(&net, &url)
            .await
            .expect("fetch")
            .bytes()
            .await
            .expect("body"),
    );
    assert_eq!(echoed_header(&echo, "x-a").as_deref(), Some("1"));
    assert_eq!(echoed_header(&echo, "x-b").as_deref(), Some("1"));
    drop(a);
    let echo = json(
        &get(&net, &url)
            .await
            .expect("fetch")
            .bytes()
            .await
            .expect("body"),
    );
    assert_eq!(echoed_header(&echo, "x-a"), None);
    assert_eq!(echoed_header(&echo, "x-b").as_deref(), Some("1"));
    drop(b);
    assert_eq!(wr.listener_count(Event::BeforeSendHeaders), 0);
}

#[tokio::test]
async fn a_panicking_listener_fails_its_request_only() {
    let site = TestSite::start();
    let net = net(&site);
    let h = net
        .web_request()
        .add_before_request(Filter::all(), |d: Details| async move {
            if d.url.path() == "/boom" {
                panic!("listener bug");
            }
            Answer::proceed()
        });
    let e = get(&net, &site.http_url("a.test", "/boom"))
        .await
        .expect_err("panicked");
    assert_eq!(e.kind(), NetError::Failed);
    assert!(e.detail().contains("onBeforeRequest listener #"), "{e}");
    assert!(e.detail().contains("listener bug"), "{e}");
    let r = get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("the session keeps working");
    assert_eq!(r.status(), 200);
    drop(h);
}

#[tokio::test]
async fn observers_never_delay_and_handles_can_go_mid_request() {
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    // An observer that never finishes.
    let _slow = wr.add_send_headers(Filter::all(), |_| std::future::pending::<()>());
    // A blocking listener holds the request while the headers listener's handle is dropped.
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let go_rx = Arc::new(tokio::sync::Mutex::new(Some(go_rx)));
    let _hold = wr.add_before_request(Filter::all(), move |_| {
        let go = go_rx.clone();
        async move {
            if let Some(rx) = go.lock().await.take() {
                let _ = rx.await;
            }
            Answer::proceed()
        }
    });
    let called = Arc::new(Mutex::new(0));
    let c = called.clone();
    let late = wr.add_headers_received(Filter::all(), move |_| {
        *c.lock().expect("lock") += 1;
        async { Answer::proceed() }
    });
    let fetch = tokio::spawn({
        let net = net.clone();
        let url = site.http_url("a.test", "/status/200");
        async move { get(&net, &url).await }
    });
    // The request is inside onBeforeRequest once the listener took the receiver.
    while go_tx.is_closed() {
        tokio::task::yield_now().await;
    }
    drop(late);
    let _ = go_tx.send(());
    let r = tokio::time::timeout(Duration::from_secs(20), fetch)
        .await
        .expect("within the deadline")
        .expect("task")
        .expect("fetch");
    assert_eq!(r.status(), 200);
    assert_eq!(
        *called.lock().expect("lock"),
        0,
        "the removed listener was not called"
    );
}

#[tokio::test]
async fn file_urls_go_through_on_before_request() {
    // WR-15
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.txt");
    std::fs::write(&path, "x").expect("write");
    let site = TestSite::start();
    let net = net(&site);
    net.web_request().on_before_request(
        Filter::urls(&["file:///*"]).expect("filter"),
        Some(listener(|_| async { Answer::cancel() })),
    );
    let url = url::Url::from_file_path(&path).expect("url");
    let options = FetchOptions::new().url(url);
    let e = net
        .fetch(request(Method::GET, "http://unused.test/", (), options))
        .await
        .expect_err("cancelled");
    assert_eq!(e.kind(), NetError::BlockedByClient);
}

#[tokio::test]
async fn cache_hits_are_reported_from_cache() {
    let site = TestSite::start();
    let net = net(&site);
    net.insert_stage(session_net::cache::CacheStage::new(
        session_cache::Cache::memory(None),
    ));
    let (tx, mut rx) = sink();
    net.web_request().on_response_started(
        Filter::all(),
        Some(observer(move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        })),
    );
    let url = site.http_url("a.test", "/headers?Cache-Control=max-age%3D3600&_body=hi");
    for _ in 0..2 {
        get(&net, &url)
            .await
            .expect("fetch")
            .bytes()
            .await
            .expect("body");
    }
    assert_eq!(next(&mut rx).await.from_cache, Some(false));
    assert_eq!(next(&mut rx).await.from_cache, Some(true));
    assert_eq!(site.requests().len(), 1);
}

/// Forwards every details of an observe-only event to a channel.
fn observe_into(tx: mpsc::UnboundedSender<Details>) -> session_net::web_request::Observer {
    observer(move |d| {
        let _ = tx.send(d);
        async {}
    })
}

#[tokio::test]
async fn details_of_a_get_and_resource_types() {
    // WR-11, WR-08, WR-50
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let (tx, mut rx) = sink();
    let _all = wr.add_before_request(Filter::all(), move |d| {
        let _ = tx.send(d);
        async { Answer::proceed() }
    });
    let xhr_only = Filter::urls(&["<all_urls>"])
        .expect("filter")
        .types(&[session_net::ResourceType::Xhr]);
    let _xhr = wr.add_before_request(xhr_only, |_| async { Answer::cancel() });
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as f64;
    get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("an `other` request is not cancelled by the xhr listener");
    let d = next(&mut rx).await;
    assert!(d.id > 0);
    assert!(d.timestamp >= before, "timestamp in ms since the epoch");
    assert_eq!(d.url.as_str(), site.http_url("a.test", "/status/200"));
    assert_eq!(d.method, Method::GET);
    assert_eq!(d.resource_type.as_str(), "other");
    assert!(d.upload_data.is_none());
    let json = d.to_json();
    assert_eq!(json["resourceType"], "other");
    assert!(json.get("uploadData").is_none());
    // A request of type xhr (by option, or a page's Sec-Fetch-Dest: empty) is cancelled.
    let options = FetchOptions::new().resource_type(session_net::ResourceType::Xhr);
    let e = net
        .fetch(request(
            Method::GET,
            &site.http_url("a.test", "/status/200"),
            (),
            options,
        ))
        .await
        .expect_err("xhr cancelled");
    assert_eq!(e.kind(), NetError::BlockedByClient);
    let mut req = request(
        Method::GET,
        &site.http_url("a.test", "/status/200"),
        (),
        FetchOptions::new(),
    );
    req.headers_mut()
        .insert("sec-fetch-dest", HeaderValue::from_static("empty"));
    assert_eq!(
        net.fetch(req).await.expect_err("xhr").kind(),
        NetError::BlockedByClient
    );
}

#[tokio::test]
async fn server_redirects_pass_through_listeners_and_every_hop_is_seen() {
    // WR-14, WR-34, WR-24, WR-32
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let _a = wr.add_before_request(Filter::all(), move |d| {
        s.lock()
            .expect("lock")
            .push((d.id, d.url.path().to_string()));
        async { Answer::proceed() }
    });
    let _b = wr.add_before_send_headers(Filter::all(), |_| async { Answer::proceed() });
    let _c = wr.add_headers_received(Filter::all(), |d| async move {
        Answer::response_headers(d.response_headers.unwrap_or_default())
    });
    let (tx, mut rx) = sink();
    wr.on_before_redirect(Filter::all(), Some(observe_into(tx)));
    for _ in 0..2 {
        let url = site.http_url(
            "a.test",
            "/redirect-to?status=301&url=/headers%3FX-Kept%3D1",
        );
        let r = get(&net, &url).await.expect("followed");
        assert_eq!(r.status(), 200);
        assert_eq!(r.url().path(), "/headers");
        assert_eq!(r.header("x-kept").as_deref(), Some("1"));
        let d = next(&mut rx).await;
        assert_eq!(d.status_code, Some(301));
        assert!(
            d.redirect_url
                .expect("redirectURL")
                .ends_with("/headers?X-Kept=1")
        );
    }
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(
        seen.len(),
        4,
        "onBeforeRequest saw both hops of both fetches"
    );
    assert_eq!(seen[0].0, seen[1].0);
    assert_ne!(seen[1].0, seen[2].0, "each request has its own id");
    assert_eq!(seen[1].1, "/headers");
}

#[tokio::test]
async fn streamed_uploads_pass_unchanged() {
    // WR-16
    let site = TestSite::start();
    let net = net(&site);
    let (tx, mut rx) = sink();
    let _h = net
        .web_request()
        .add_before_request(Filter::all(), move |d| {
            let _ = tx.send(d);
            async { Answer::proceed() }
        });
    let chunks = ["stream", "ed ", "body"].map(|c| Ok(bytes::Bytes::from_static(c.as_bytes())));
    let body = session_net::RequestBody::from_stream(futures_util::stream::iter(chunks));
    let r = net
        .fetch(request(
            Method::POST,
            &site.http_url("a.test", "/echo"),
            body,
            FetchOptions::new(),
        ))
        .await
        .expect("fetch");
    let echo = json(&r.bytes().await.expect("body"));
    assert_eq!(echo["body"], "streamed body");
    assert!(
        next(&mut rx).await.upload_data.is_none(),
        "a stream is not held to be shown"
    );
}

#[tokio::test]
async fn origin_can_be_rewritten_and_cors_headers_added() {
    // WR-20, WR-30, WR-47
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let _req = wr.add_before_send_headers(Filter::all(), |d| async move {
        let mut h = d.request_headers.unwrap_or_default();
        h.insert("origin", HeaderValue::from_static("https://rewritten.test"));
        h.insert("x-custom-header", HeaderValue::from_static("intercepted"));
        Answer::request_headers(h)
    });
    let _resp = wr.add_headers_received(Filter::all(), |d| async move {
        let mut h = d.response_headers.unwrap_or_default();
        h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        Answer::response_headers(h)
    });
    let mut req = request(
        Method::GET,
        &site.http_url("a.test", "/echo"),
        (),
        FetchOptions::new(),
    );
    req.headers_mut()
        .insert("origin", HeaderValue::from_static("https://page.test"));
    let r = net.fetch(req).await.expect("fetch");
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    let echo = json(&r.bytes().await.expect("body"));
    assert_eq!(
        echoed_header(&echo, "origin").as_deref(),
        Some("https://rewritten.test")
    );
    assert_eq!(
        echoed_header(&echo, "x-custom-header").as_deref(),
        Some("intercepted")
    );
}

#[tokio::test]
async fn non_ascii_header_values_are_shown_decoded_and_passed_unchanged() {
    // WR-33
    let site = TestSite::start();
    let net = net(&site);
    let (tx, mut rx) = sink();
    net.web_request().on_headers_received(
        Filter::all(),
        Some(listener(move |d| {
            let _ = tx.send(d);
            async { Answer::proceed() }
        })),
    );
    let value = "attachment; filename=aa中aa.txt";
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let url = site.http_url("a.test", &format!("/headers?Content-Disposition={encoded}"));
    let r = get(&net, &url).await.expect("fetch");
    assert_eq!(
        r.headers()
            .get("content-disposition")
            .map(|v| v.as_bytes().to_vec()),
        Some(value.as_bytes().to_vec()),
        "the client gets the bytes as sent"
    );
    let d = next(&mut rx).await;
    assert_eq!(
        d.to_json()["responseHeaders"]["content-disposition"],
        serde_json::json!([value])
    );
}

#[tokio::test]
async fn listeners_belong_to_their_session() {
    // WR-44
    let site = TestSite::start();
    let (one, two) = (net(&site), net(&site));
    one.web_request().on_before_request(
        Filter::all(),
        Some(listener(|_| async { Answer::cancel() })),
    );
    let url = site.http_url("a.test", "/status/200");
    assert_eq!(kind(get(&one, &url).await), NetError::BlockedByClient);
    assert_eq!(get(&two, &url).await.expect("other session").status(), 200);
}

fn tiny_handler(
    _r: http::Request<session_net::RequestBody>,
) -> std::future::Ready<session_net::Result<http::Response<session_net::Body>>> {
    std::future::ready(Ok(http::Response::new(session_net::Body::full(
        &b"handled"[..],
    ))))
}

#[tokio::test]
async fn every_kind_of_url_goes_through_on_before_request() {
    // WR-46, WR-45, WR-10 (`<all_urls>` and a handled custom scheme)
    let site = TestSite::start();
    let net = net(&site);
    net.protocol().handle("app", tiny_handler).expect("handle");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    net.web_request().on_before_request(
        Filter::urls(&["<all_urls>"]).expect("filter"),
        Some(listener(move |d| {
            s.lock().expect("lock").push(d.url.scheme().to_string());
            async { Answer::cancel() }
        })),
    );
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("f"), "f").expect("write");
    let file = url::Url::from_file_path(dir.path().join("f")).expect("url");
    let mut bypass = FetchOptions::new();
    bypass.bypass_custom_protocol_handlers = true;
    for (url, options) in [
        (site.https_url("a.test", "/status/200"), FetchOptions::new()),
        (site.http_url("a.test", "/status/200"), bypass),
        (
            "http://unused.test/".to_string(),
            FetchOptions::new().url(file),
        ),
        ("app://host/x".to_string(), FetchOptions::new()),
    ] {
        let e = net
            .fetch(request(Method::GET, &url, (), options))
            .await
            .expect_err("cancelled");
        assert_eq!(e.kind(), NetError::BlockedByClient, "{url}: {e}");
    }
    assert_eq!(
        *seen.lock().expect("lock"),
        ["https", "http", "file", "app"]
    );
    assert!(site.requests().is_empty());
}

#[tokio::test]
async fn chain_answers_merge_and_conflicts_go_to_the_net_log() {
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let one = site.http_url("a.test", "/status/201");
    let two = site.http_url("a.test", "/status/202");
    let (o, t) = (one.clone(), two.clone());
    let redirect = |to: String| {
        move |d: Details| {
            let to = to.clone();
            async move {
                if d.url.path() == "/start" {
                    Answer::redirect(to)
                } else {
                    Answer::proceed()
                }
            }
        }
    };
    let _a = wr.add_before_request(Filter::all(), redirect(o));
    let _b = wr.add_before_request(Filter::all(), redirect(t));
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("log.json");
    net.net_log()
        .start_logging(&log, session_net::NetLogOptions::new())
        .expect("log");
    // The first redirect in chain order wins.
    let r = get(&net, &site.http_url("a.test", "/start"))
        .await
        .expect("fetch");
    assert_eq!(r.status(), 201);
    net.net_log().stop_logging().expect("stop");
    let text = std::fs::read_to_string(&log).expect("read log");
    assert!(
        text.contains("CHROME_EXTENSION_IGNORED_DUE_TO_CONFLICT"),
        "{text}"
    );
    assert!(
        text.contains(&format!("redirect to {two} ignored")),
        "{text}"
    );
    // Any cancel wins, whatever its place in the chain.
    let _c = wr.add_before_request(Filter::all(), |_| async { Answer::cancel() });
    assert_eq!(
        kind(get(&net, &site.http_url("a.test", "/start")).await),
        NetError::BlockedByClient
    );
}

#[tokio::test]
async fn listeners_are_async_and_the_request_waits_for_blocking_ones() {
    let site = TestSite::start();
    let net = net(&site);
    // A blocking listener answers only when another task tells it to.
    let (ask_tx, mut ask_rx) = mpsc::unbounded_channel::<tokio::sync::oneshot::Sender<Answer>>();
    let _h = net
        .web_request()
        .add_before_send_headers(Filter::all(), move |d| {
            let ask = ask_tx.clone();
            async move {
                let (tx, rx) = tokio::sync::oneshot::channel();
                let _ = ask.send(tx);
                let mut answer = rx.await.unwrap_or_default();
                let mut h = d.request_headers.unwrap_or_default();
                h.insert("x-decided", HeaderValue::from_static("later"));
                answer.request_headers = Some(h);
                answer
            }
        });
    tokio::spawn(async move {
        while let Some(reply) = ask_rx.recv().await {
            tokio::task::yield_now().await;
            let _ = reply.send(Answer::proceed());
        }
    });
    let r = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("fetch");
    let echo = json(&r.bytes().await.expect("body"));
    assert_eq!(echoed_header(&echo, "x-decided").as_deref(), Some("later"));
}

#[tokio::test]
async fn observe_only_listeners_never_delay_and_may_panic() {
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    // Every observe-only event gets a listener that never finishes and one that panics.
    let mut handles = Vec::new();
    for panics in [false, true] {
        let never = move |_: Details| async move {
            if panics {
                panic!("observer bug");
            }
            std::future::pending::<()>().await
        };
        handles.push(wr.add_send_headers(Filter::all(), never));
        handles.push(wr.add_response_started(Filter::all(), never));
        handles.push(wr.add_before_redirect(Filter::all(), never));
        handles.push(wr.add_completed(Filter::all(), never));
        handles.push(wr.add_error_occurred(Filter::all(), never));
    }
    let url = site.http_url("a.test", "/redirect/2");
    let r = tokio::time::timeout(Duration::from_secs(20), async {
        get(&net, &url).await.expect("fetch").text().await
    })
    .await
    .expect("not delayed")
    .expect("body");
    assert_eq!(r, "redirected");
    let r = get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("still works");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_dropped_fetch_or_body_is_an_error_occurred() {
    let site = TestSite::start();
    let net = net(&site);
    let (tx, mut rx) = sink();
    net.web_request()
        .on_error_occurred(Filter::all(), Some(observe_into(tx)));
    // The body dropped before its end.
    let r = get(&net, &site.http_url("a.test", "/bytes/1000000"))
        .await
        .expect("head");
    drop(r);
    let d = next(&mut rx).await;
    assert_eq!(d.error.as_deref(), Some("net::ERR_ABORTED"));
    assert_eq!(d.status_code, Some(200));
    // The fetch dropped while a blocking listener holds it.
    let (held_tx, held_rx) = tokio::sync::oneshot::channel::<()>();
    let held = Arc::new(Mutex::new(Some(held_tx)));
    let _h = net
        .web_request()
        .add_before_request(Filter::all(), move |_| {
            if let Some(tx) = held.lock().expect("lock").take() {
                let _ = tx.send(());
            }
            std::future::pending::<Answer>()
        });
    let url = site.http_url("a.test", "/status/200");
    let fetch = tokio::spawn({
        let net = net.clone();
        async move { get(&net, &url).await }
    });
    held_rx.await.expect("the listener holds the request");
    fetch.abort();
    let d = next(&mut rx).await;
    assert_eq!(d.error.as_deref(), Some("net::ERR_ABORTED"));
    assert!(d.status_code.is_none());
}

#[tokio::test]
async fn pac_script_fetches_are_visible() {
    use session_net::proxy::ProxyConfig;
    let site = TestSite::start();
    let net = net(&site);
    site.put(
        "wr.pac",
        session_test_support::Resource {
            body: "function FindProxyForURL(u, h) { return 'DIRECT'; }".into(),
            etag: None,
            last_modified: None,
            headers: vec![],
        },
    );
    let (tx, mut rx) = sink();
    let _h = net.web_request().add_before_request(
        Filter::urls(&["*://*/res/*"]).expect("filter"),
        move |d| {
            let _ = tx.send(d);
            async { Answer::proceed() }
        },
    );
    let pac = site.http_url("pac.test", "/res/wr.pac");
    net.set_proxy(ProxyConfig::pac(&pac)).await.expect("set");
    assert_eq!(
        net.resolve_proxy("http://x.test/").await.expect("resolve"),
        "DIRECT"
    );
    assert_eq!(next(&mut rx).await.url.as_str(), pac);
}

#[tokio::test]
async fn user_agent_and_languages_are_seen_and_changed_before_send_headers() {
    // SESSION-07 through onBeforeSendHeaders: the defaults are request headers like any other
    let site = TestSite::start();
    let net = net(&site);
    net.set_user_agent("test-agent", Some("en-US,fr,de"))
        .expect("user agent");
    let wr = net.web_request();
    let (tx, mut rx) = sink();
    let _a = wr.add_before_send_headers(Filter::all(), move |d| {
        let _ = tx.send(d.clone());
        async move {
            let mut h = d.request_headers.clone().unwrap_or_default();
            if d.url.query().is_none() {
                h.insert("user-agent", HeaderValue::from_static("changed-agent"));
            } else {
                h.remove("user-agent");
            }
            Answer::request_headers(h)
        }
    });
    let r = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("fetch");
    let echo = json(&r.bytes().await.expect("body"));
    let seen = next(&mut rx)
        .await
        .request_headers
        .expect("request headers");
    assert_eq!(
        seen.get("user-agent").map(|v| v.as_bytes()),
        Some(&b"test-agent"[..])
    );
    assert_eq!(
        seen.get("accept-language").map(|v| v.as_bytes()),
        Some(&b"en-US,fr;q=0.9,de;q=0.8"[..])
    );
    assert_eq!(
        echoed_header(&echo, "user-agent").as_deref(),
        Some("changed-agent")
    );
    assert_eq!(
        echoed_header(&echo, "accept-language").as_deref(),
        Some("en-US,fr;q=0.9,de;q=0.8")
    );
    // A listener that removes the header: the request goes without one.
    let r = get(&net, &site.http_url("a.test", "/echo?removed"))
        .await
        .expect("fetch");
    let echo = json(&r.bytes().await.expect("body"));
    let _ = next(&mut rx).await;
    assert_eq!(echoed_header(&echo, "user-agent"), None);
}
