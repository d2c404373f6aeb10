//! Protocol handlers in the pipeline (PROTO-*, FETCH-12).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, StatusCode};
use session_net::protocol::{
    CustomScheme, Privileges, ProtocolResponse, ProtocolType, Registration, Schemes, request_url,
    serve_dir,
};
use session_net::{Body, FetchOptions, Net, NetConfig, NetError, RequestBody};
use session_test_support::TestSite;

use crate::{echoed_header, json, kind, net};

fn plain() -> Net {
    Net::new(NetConfig::default()).expect("net")
}

fn with_schemes(schemes: &[CustomScheme]) -> Net {
    let mut config = NetConfig::default();
    config.schemes = Schemes::new(schemes).expect("schemes");
    Net::new(config).expect("net")
}

fn req(method: Method, url: &str, body: impl Into<RequestBody>) -> http::Request<RequestBody> {
    session_net::new_request(method, url, body).expect("request")
}

async fn fetch_text(net: &Net, url: &str) -> session_net::Result<(u16, String)> {
    let r = net.fetch(req(Method::GET, url, ())).await?;
    let status = r.status().as_u16();
    Ok((status, r.text().await?))
}

fn ok_text(text: impl Into<Bytes>) -> http::Response<Body> {
    http::Response::new(Body::full(text.into()))
}

/// A handler that answers with the URL it saw.
fn echo_url(
    request: http::Request<RequestBody>,
) -> impl Future<Output = session_net::Result<http::Response<Body>>> {
    let url = request_url(&request).expect("url").to_string();
    async move { Ok(ok_text(url)) }
}

#[tokio::test]
async fn handle_unhandle_and_unknown_schemes() {
    let net = plain();
    let p = net.protocol();
    // PROTO-22 before anything: an unhandled scheme is ERR_UNKNOWN_URL_SCHEME.
    assert_eq!(
        kind(fetch_text(&net, "test-scheme://foo/").await),
        NetError::UnknownUrlScheme
    );
    p.handle("test-scheme", |_r: http::Request<RequestBody>| async {
        Ok(ok_text("hello"))
    })
    .expect("handle");
    assert!(p.is_protocol_handled("test-scheme"));
    assert!(p.is_protocol_handled("TEST-SCHEME"));
    // PROTO-21
    assert_eq!(
        fetch_text(&net, "test-scheme://foo/").await.expect("fetch"),
        (200, "hello".into())
    );
    // A second handle of the same scheme fails as Electron's does.
    let again = p
        .handle("test-scheme", |_r: http::Request<RequestBody>| async {
            Ok(ok_text("again"))
        })
        .expect_err("twice");
    assert!(
        again
            .to_string()
            .contains("Failed to register protocol: test-scheme")
    );
    // PROTO-22
    p.unhandle("test-scheme");
    assert!(!p.is_protocol_handled("test-scheme"));
    assert_eq!(
        kind(fetch_text(&net, "test-scheme://foo/").await),
        NetError::UnknownUrlScheme
    );
    assert!(p.handle("not a scheme", echo_url).is_err());
}

#[tokio::test]
async fn urls_as_handlers_see_them() {
    let net = with_schemes(&[CustomScheme::new(
        "app",
        Privileges::new().standard(true).secure(true),
    )]);
    net.protocol()
        .handle("test-scheme", echo_url)
        .expect("handle");
    net.protocol().handle("app", echo_url).expect("handle");
    // PROTO-25: a scheme that is not standard reaches its handler verbatim.
    for url in [
        "test-scheme://foo/",
        "test-scheme:///foo",
        "test-scheme://",
        "test-scheme://foo/:30",
    ] {
        assert_eq!(fetch_text(&net, url).await.expect(url).1, url);
    }
    // PROTO-26: a standard one is canonicalised like http.
    for (url, seen) in [
        ("app://foo", "app://foo/"),
        ("app:///foo", "app://foo/"),
        ("app://foo:1234", "app://foo/"),
        ("app://FOO/a/../b", "app://foo/b"),
    ] {
        assert_eq!(fetch_text(&net, url).await.expect(url).1, seen, "{url}");
    }
    let err = fetch_text(&net, "app://").await.expect_err("no host");
    assert_eq!(err.kind(), NetError::InvalidUrl);
    assert!(err.to_string().contains("Invalid URL"), "{err}");
    // The response's URL is the canonical one.
    let r = net
        .fetch(req(Method::GET, "app://Foo", ()))
        .await
        .expect("fetch");
    assert_eq!(r.url().as_str(), "app://foo/");
}

#[tokio::test]
async fn intercepting_http_and_file() {
    let site = TestSite::start();
    let net = net(&site);
    // PROTO-23, PROTO-27
    net.protocol()
        .handle("https", echo_url)
        .expect("handle https");
    assert_eq!(
        fetch_text(&net, "https://foo").await.expect("https").1,
        "https://foo/"
    );
    assert!(net.protocol().is_protocol_handled("https"));
    assert!(net.protocol().is_protocol_intercepted("https"));
    // PROTO-36: an intercepted file: sees `file://foo/`.
    net.protocol()
        .handle("file", echo_url)
        .expect("handle file");
    assert_eq!(
        fetch_text(&net, "file://foo").await.expect("file").1,
        "file://foo/"
    );
    // PROTO-33: bypassing handlers reaches the built-in http handler ...
    net.protocol()
        .handle("http", echo_url)
        .expect("handle http");
    let url = site.http_url("a.test", "/echo");
    assert_eq!(fetch_text(&net, &url).await.expect("handled").1, url);
    let mut bypass = req(Method::GET, &url, ());
    bypass
        .extensions_mut()
        .get_mut::<FetchOptions>()
        .expect("options")
        .bypass_custom_protocol_handlers = true;
    let r = net.fetch(bypass).await.expect("network");
    assert_eq!(json(&r.bytes().await.expect("body"))["path"], "/echo");
    // ... and for a purely custom scheme fails with ERR_UNKNOWN_URL_SCHEME.
    net.protocol().handle("custom", echo_url).expect("handle");
    let mut bypass = req(Method::GET, "custom://x/", ());
    bypass
        .extensions_mut()
        .get_mut::<FetchOptions>()
        .expect("options")
        .bypass_custom_protocol_handlers = true;
    assert_eq!(kind(net.fetch(bypass).await), NetError::UnknownUrlScheme);
}

#[tokio::test]
async fn handlers_forward_to_the_network_without_recursion() {
    // PROTO-31: a handler of `http` forwards to the network with the request's headers, through
    // the session's Net found in the request, bypassing itself.
    let site = TestSite::start();
    let net = net(&site);
    net.protocol()
        .handle("http", |request: http::Request<RequestBody>| async move {
            let session = request
                .extensions()
                .get::<Net>()
                .cloned()
                .expect("the session's Net");
            let url = request_url(&request).expect("url");
            let mut forward = session_net::new_request(Method::GET, url.as_str(), ())?;
            *forward.headers_mut() = request.headers().clone();
            forward
                .extensions_mut()
                .get_mut::<FetchOptions>()
                .expect("options")
                .bypass_custom_protocol_handlers = true;
            let response = session.fetch(forward).await?;
            let status = response.status();
            let body = response.bytes().await?;
            let mut out = ok_text(body);
            *out.status_mut() = status;
            Ok(out)
        })
        .expect("handle");
    let mut r = req(Method::GET, &site.http_url("a.test", "/echo"), ());
    r.headers_mut()
        .insert("x-forwarded-by-handler", "yes".parse().expect("v"));
    let response = net.fetch(r).await.expect("fetch");
    assert_eq!(response.status(), 200);
    let echo = json(&response.bytes().await.expect("body"));
    assert_eq!(echo["path"], "/echo");
    assert_eq!(
        echoed_header(&echo, "x-forwarded-by-handler").as_deref(),
        Some("yes")
    );
}

#[tokio::test]
async fn bodies_statuses_and_headers() {
    let net = plain();
    // PROTO-24, PROTO-30: a streamed body, any status, headers verbatim.
    net.protocol()
        .handle("stream", |_r: http::Request<RequestBody>| async {
            let chunks = (0..64).map(|i| Ok(Bytes::from(vec![b'a' + (i % 26) as u8; 4096])));
            let mut r = http::Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
            *r.status_mut() = StatusCode::CREATED;
            r.headers_mut().insert(
                "content-type",
                "text/html; charset=testcharset".parse().expect("v"),
            );
            Ok(r)
        })
        .expect("handle");
    let r = net
        .fetch(req(Method::GET, "stream://x/", ()))
        .await
        .expect("fetch");
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=testcharset")
    );
    assert!(!r.from_cache());
    let body = r.bytes().await.expect("body");
    assert_eq!(body.len(), 64 * 4096);
    assert_eq!(&body[4096..4100], b"bbbb");

    // PROTO-32: the handler reads the POST body.
    net.protocol()
        .handle("post", |r: http::Request<RequestBody>| async move {
            let method = r.method().to_string();
            let body = http_body_util::BodyExt::collect(r.into_body())
                .await
                .map_err(|e| session_net::Error::new(NetError::Failed, e.to_string()))?
                .to_bytes();
            Ok(ok_text(format!(
                "{method} {}",
                String::from_utf8_lossy(&body)
            )))
        })
        .expect("handle");
    let r = net
        .fetch(req(Method::POST, "post://x/", "payload"))
        .await
        .expect("post");
    assert_eq!(r.text().await.expect("text"), "POST payload");
    let streamed = RequestBody::from_stream(futures_util::stream::iter([
        Ok(Bytes::from_static(b"stre")),
        Ok(Bytes::from_static(b"amed")),
    ]));
    let r = net
        .fetch(req(Method::POST, "post://x/", streamed))
        .await
        .expect("post");
    assert_eq!(r.text().await.expect("text"), "POST streamed");
}

#[tokio::test]
async fn failing_and_panicking_handlers_leave_the_session_working() {
    let net = plain();
    // PROTO-28: an error answer fails the fetch with its net error.
    net.protocol()
        .handle("err", |_r: http::Request<RequestBody>| async {
            Err::<http::Response<Body>, _>(session_net::Error::new(NetError::Failed, "no"))
        })
        .expect("handle");
    assert_eq!(kind(fetch_text(&net, "err://x/").await), NetError::Failed);
    // A panic, while making the future or inside it, is net::ERR_FAILED.
    net.protocol()
        .handle("boom", |_r: http::Request<RequestBody>| async {
            if true {
                panic!("handler bug");
            }
            Ok(ok_text("never"))
        })
        .expect("handle");
    let err = fetch_text(&net, "boom://x/").await.expect_err("panic");
    assert_eq!(err.kind(), NetError::Failed);
    assert!(err.to_string().contains("panicked"), "{err}");
    fn sync_panic(
        _r: http::Request<RequestBody>,
    ) -> std::future::Ready<session_net::Result<http::Response<Body>>> {
        panic!("before any future")
    }
    net.protocol().handle("boom2", sync_panic).expect("handle");
    assert_eq!(kind(fetch_text(&net, "boom2://x/").await), NetError::Failed);
    // The session keeps working.
    net.protocol()
        .handle("fine", |_r: http::Request<RequestBody>| async {
            Ok(ok_text("fine"))
        })
        .expect("handle");
    assert_eq!(fetch_text(&net, "fine://x/").await.expect("fine").1, "fine");
}

#[tokio::test]
async fn redirects_within_and_across_schemes() {
    let site = TestSite::start();
    let net = net(&site);
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    // PROTO-05: a 302 to another URL of the scheme; the handler sees it verbatim.
    net.protocol()
        .handle("cors", move |r: http::Request<RequestBody>| {
            let log = log.clone();
            async move {
                let url = request_url(&r).expect("url").to_string();
                log.lock().expect("lock").push(url.clone());
                if url == "cors://start" {
                    let mut out = ok_text("");
                    *out.status_mut() = StatusCode::FOUND;
                    out.headers_mut()
                        .insert("location", "cors://fake-host".parse().expect("v"));
                    return Ok(out);
                }
                Ok(ok_text(format!("at {url}")))
            }
        })
        .expect("handle");
    let r = net
        .fetch(req(Method::GET, "cors://start", ()))
        .await
        .expect("fetch");
    assert_eq!(r.text().await.expect("text"), "at cors://fake-host");
    assert_eq!(
        *seen.lock().expect("lock"),
        ["cors://start", "cors://fake-host"]
    );
    // PROTO-37: http -> custom scheme through a server's redirect.
    let url = site.http_url("a.test", "/redirect-to?url=cors%3A%2F%2Fbar&status=302");
    let r = net.fetch(req(Method::GET, &url, ())).await.expect("fetch");
    assert_eq!(r.url().as_str(), "cors://bar");
    assert_eq!(r.text().await.expect("text"), "at cors://bar");
    // An unhandled scheme is still an unsafe redirect target.
    let url = site.http_url(
        "a.test",
        "/redirect-to?url=nothandled%3A%2F%2Fbar&status=302",
    );
    assert_eq!(
        kind(net.fetch(req(Method::GET, &url, ())).await),
        NetError::UnsafeRedirect
    );
}

#[tokio::test]
async fn a_307_on_a_custom_scheme_keeps_the_post_body() {
    // PROTO-38
    let net = plain();
    net.protocol()
        .handle("p", |r: http::Request<RequestBody>| async move {
            let url = request_url(&r).expect("url").to_string();
            let body = http_body_util::BodyExt::collect(r.into_body())
                .await
                .map_err(|e| session_net::Error::new(NetError::Failed, e.to_string()))?
                .to_bytes();
            if url == "p://first" {
                let mut out = ok_text("");
                *out.status_mut() = StatusCode::TEMPORARY_REDIRECT;
                out.headers_mut()
                    .insert("location", "p://second".parse().expect("v"));
                return Ok(out);
            }
            Ok(ok_text(body))
        })
        .expect("handle");
    let r = net
        .fetch(req(Method::POST, "p://first", "kept"))
        .await
        .expect("fetch");
    assert_eq!(r.text().await.expect("text"), "kept");
}

#[tokio::test]
async fn serve_dir_over_a_handled_scheme_with_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("clip.bin"),
        (0..=255u8).collect::<Vec<u8>>(),
    )
    .expect("write");
    let net = with_schemes(&[CustomScheme::new(
        "app",
        Privileges::new().standard(true).stream(true),
    )]);
    net.protocol()
        .handle("app", serve_dir(dir.path()))
        .expect("handle");
    let mut r = req(Method::GET, "app://bundle/clip.bin", ());
    r.headers_mut()
        .insert("range", "bytes=16-31".parse().expect("v"));
    let response = net.fetch(r).await.expect("fetch");
    assert_eq!(response.status(), 206);
    assert_eq!(
        response.header("content-range").as_deref(),
        Some("bytes 16-31/256")
    );
    assert_eq!(
        response.bytes().await.expect("body").to_vec(),
        (16..32u8).collect::<Vec<u8>>()
    );
    // Dot segments are gone before the responder sees the path; encoded ones are refused.
    let (status, _) = fetch_text(&net, "app://bundle/%2e%2e/etc/passwd")
        .await
        .expect("fetch");
    assert_eq!(status, 404);
    // FETCH-12: fetch is not subject to CORS: a scheme with no fetch privilege reads fine.
    let other = plain();
    other
        .protocol()
        .handle("nofetch", serve_dir(dir.path()))
        .expect("handle");
    let r = other
        .fetch(req(Method::GET, "nofetch://x/clip.bin", ()))
        .await
        .expect("fetch");
    assert_eq!(r.bytes().await.expect("body").len(), 256);
}

#[tokio::test]
async fn registry_semantics_of_the_deprecated_family() {
    let net = plain();
    let p = net.protocol();
    let string = |_r| async { ProtocolResponse::text("s") };
    // PROTO-01: first register true, second (any type) false.
    assert!(p.register_typed(Registration::Register, ProtocolType::String, "x1", string));
    assert!(!p.register_typed(
        Registration::Register,
        ProtocolType::Buffer,
        "x1",
        |_r| async { ProtocolResponse::bytes(vec![1]) }
    ));
    // PROTO-12
    assert!(p.is_protocol_registered("x1"));
    assert!(!p.is_protocol_registered("unknown"));
    // PROTO-06
    assert!(!p.unregister_protocol("not-exist"));
    assert!(p.unregister_protocol("x1"));
    // PROTO-13, PROTO-14
    assert!(p.register_typed(
        Registration::Intercept,
        ProtocolType::String,
        "http",
        string
    ));
    assert!(p.is_protocol_intercepted("http"));
    assert!(!p.register_typed(
        Registration::Intercept,
        ProtocolType::String,
        "http",
        string
    ));
    // PROTO-20
    assert!(!p.unintercept_protocol("not-exist"));
    assert!(!p.unintercept_protocol("https"));
    assert!(p.unintercept_protocol("http"));
}

#[tokio::test]
async fn deprecated_handlers_answer_as_electron() {
    let site = TestSite::start();
    let net = net(&site);
    let p = net.protocol();
    // PROTO-35, PROTO-07
    assert!(p.register_string_protocol("electron-test", |r| async move {
        ProtocolResponse::text(format!("hello {}", r.url))
    }));
    let r = net
        .fetch(req(Method::GET, "electron-test://foo", ()))
        .await
        .expect("string");
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(r.text().await.expect("text"), "hello electron-test://foo");
    // PROTO-07: a non-string answer fails; PROTO-03: an empty one too.
    p.register_typed(
        Registration::Register,
        ProtocolType::String,
        "s2",
        |_r| async { ProtocolResponse::bytes(vec![1, 2]) },
    );
    assert_eq!(kind(fetch_text(&net, "s2://x").await), NetError::Failed);
    p.register_typed(
        Registration::Register,
        ProtocolType::String,
        "s3",
        |_r| async { ProtocolResponse::new() },
    );
    assert!(fetch_text(&net, "s3://x").await.is_err());
    // PROTO-08, PROTO-16: mimeType and charset.
    p.register_typed(
        Registration::Register,
        ProtocolType::Buffer,
        "buf",
        |_r| async {
            ProtocolResponse::bytes(b"{}".to_vec())
                .mime_type("application/json")
                .charset("utf-8")
        },
    );
    let r = net
        .fetch(req(Method::GET, "buf://x", ()))
        .await
        .expect("buffer");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.text().await.expect("text"), "{}");
    // PROTO-17: an intercepted http POST echoes its uploadData.
    p.register_typed(
        Registration::Intercept,
        ProtocolType::Buffer,
        "http",
        |r| async move {
            let bytes = r
                .upload_data
                .first()
                .and_then(|u| u.bytes.clone())
                .unwrap_or_default();
            ProtocolResponse::bytes(bytes)
        },
    );
    let r = net
        .fetch(req(Method::POST, &site.http_url("a.test", "/x"), "posted"))
        .await
        .expect("post");
    assert_eq!(r.text().await.expect("text"), "posted");
    p.unintercept_protocol("http");
    // PROTO-09: a file by path, with extra headers; a missing file fails.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("f.txt");
    std::fs::write(&file, "file body").expect("write");
    let path = file.clone();
    p.register_typed(Registration::Register, ProtocolType::File, "f", move |_r| {
        let path = path.clone();
        async move { ProtocolResponse::file(path).header("x-extra", "1") }
    });
    let mut ranged = req(Method::GET, "f://x", ());
    ranged
        .headers_mut()
        .insert("range", "bytes=5-".parse().expect("v"));
    let r = net.fetch(ranged).await.expect("file");
    assert_eq!(r.status(), 206);
    assert_eq!(r.header("x-extra").as_deref(), Some("1"));
    assert_eq!(r.text().await.expect("text"), "body");
    let missing = dir.path().join("missing");
    p.register_typed(
        Registration::Register,
        ProtocolType::File,
        "f2",
        move |_r| {
            let missing = missing.clone();
            async move { ProtocolResponse::file(missing) }
        },
    );
    assert_eq!(
        kind(fetch_text(&net, "f2://x").await),
        NetError::FileNotFound
    );
    // PROTO-10: an http handler's url is fetched (redirects followed) and relayed.
    let target = site.http_url("a.test", "/redirect/2");
    p.register_typed(Registration::Register, ProtocolType::Http, "h", move |_r| {
        let target = target.clone();
        async move { ProtocolResponse::url(target) }
    });
    let r = net
        .fetch(req(Method::GET, "h://x", ()))
        .await
        .expect("http");
    assert_eq!(r.status(), 200);
    assert_eq!(r.url().as_str(), "h://x");
    p.register_typed(
        Registration::Register,
        ProtocolType::Http,
        "h2",
        |_r| async { ProtocolResponse::url("url") },
    );
    assert!(fetch_text(&net, "h2://x").await.is_err());
    // PROTO-11: a stream with a status and no data is an empty 204; headers joined.
    p.register_typed(
        Registration::Register,
        ProtocolType::Stream,
        "st",
        |_r| async {
            ProtocolResponse::new()
                .status(204)
                .header("header1", "value1, value2")
        },
    );
    let r = net
        .fetch(req(Method::GET, "st://x", ()))
        .await
        .expect("stream");
    assert_eq!(r.status(), 204);
    assert_eq!(r.header("header1").as_deref(), Some("value1, value2"));
    assert!(r.bytes().await.expect("body").is_empty());
    let big = Bytes::from(vec![7u8; 2 << 20]);
    let chunks: Vec<session_net::Result<Bytes>> = big
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let chunks = Arc::new(Mutex::new(Some(chunks)));
    p.register_typed(
        Registration::Register,
        ProtocolType::Stream,
        "st2",
        move |_r| {
            let chunks = chunks.lock().expect("lock").take().unwrap_or_default();
            async move {
                ProtocolResponse::stream(Body::from_stream(futures_util::stream::iter(chunks)))
            }
        },
    );
    let r = net
        .fetch(req(Method::GET, "st2://x", ()))
        .await
        .expect("stream");
    assert_eq!(r.bytes().await.expect("body"), big);
    // An error code fails the request with that error.
    p.register_typed(
        Registration::Register,
        ProtocolType::String,
        "e",
        |_r| async { ProtocolResponse::error(-6) },
    );
    assert_eq!(
        kind(fetch_text(&net, "e://x").await),
        NetError::FileNotFound
    );
}

#[tokio::test]
async fn the_net_log_records_handled_requests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("net.json");
    let net = plain();
    net.protocol()
        .handle("logged", |_r: http::Request<RequestBody>| async {
            Ok(ok_text("x"))
        })
        .expect("handle");
    net.net_log()
        .start_logging(&path, session_net::NetLogOptions::default())
        .expect("start");
    fetch_text(&net, "logged://host/page").await.expect("fetch");
    net.net_log().stop_logging().expect("stop");
    let log = std::fs::read_to_string(&path).expect("log");
    assert!(log.contains("logged://host/page"), "the URL is in the log");
}

/// Records what the later stages see of each hop.
struct Watch {
    slot: session_net::stages::Slot,
    seen: Arc<Mutex<Vec<String>>>,
}

impl session_net::stages::Stage for Watch {
    fn slot(&self) -> session_net::stages::Slot {
        self.slot
    }

    fn on_request<'a>(
        &'a self,
        ctx: &'a mut session_net::stages::RequestContext,
    ) -> session_net::stages::BoxFuture<'a, session_net::Result<session_net::stages::Flow>> {
        self.seen.lock().expect("seen").push(format!(
            "request {} handled={}",
            ctx.url,
            ctx.is_handled()
        ));
        ctx.headers
            .insert("x-from-stage", http::HeaderValue::from_static("1"));
        Box::pin(std::future::ready(Ok(session_net::stages::Flow::Continue)))
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut session_net::stages::RequestContext,
        response: &'a mut session_net::HopResponse,
    ) -> session_net::stages::BoxFuture<'a, session_net::Result<session_net::stages::ResponseFlow>>
    {
        self.seen.lock().expect("seen").push(format!(
            "response {} {} from_cache={}",
            ctx.url, response.status, response.from_cache
        ));
        Box::pin(std::future::ready(Ok(
            session_net::stages::ResponseFlow::Continue,
        )))
    }
}

#[tokio::test]
async fn later_stages_see_handled_hops_and_cookies_stay_out() {
    // The pipeline applies to handled schemes: a stage at webRequest's slot sees the request
    // (and may edit its headers, which the handler receives) and the handler's response
    // (`from_cache` false); the cookie stage attaches nothing to a non-http scheme.
    let net = plain();
    let seen = Arc::new(Mutex::new(Vec::new()));
    net.insert_stage(Arc::new(Watch {
        slot: session_net::stages::Slot::BeforeSendHeaders,
        seen: seen.clone(),
    }));
    let jar = session_cookies::Cookies::in_memory(session_cookies::CookiesOptions::default());
    net.insert_stage(session_net::cookies::CookieStage::new(jar.clone()));
    let stored = jar
        .set_from_response(
            &url::Url::parse("http://app.test/").expect("url"),
            &["k=v"],
            &session_cookies::RequestContext::default(),
        )
        .expect("stored");
    assert!(stored.iter().all(Result::is_ok));
    net.protocol()
        .handle("app", |r: http::Request<RequestBody>| async move {
            let headers = format!(
                "stage={:?} cookie={:?}",
                r.headers().get("x-from-stage"),
                r.headers().get("cookie")
            );
            let mut response = ok_text(headers);
            *response.status_mut() = StatusCode::CREATED;
            Ok(response)
        })
        .expect("handle");
    let (status, text) = fetch_text(&net, "app://app.test/x").await.expect("fetch");
    assert_eq!(status, 201);
    assert_eq!(text, "stage=Some(\"1\") cookie=None");
    assert_eq!(
        *seen.lock().expect("seen"),
        [
            "request app://app.test/x handled=true",
            "response app://app.test/x 201 Created from_cache=false"
        ]
    );
}

#[tokio::test]
async fn web_request_events_fire_for_handled_schemes() {
    // The pipeline applies to handled schemes as in Electron: onBeforeRequest sees the request
    // (and a cancel keeps it from the handler), onCompleted reports `fromCache: false`.
    use session_net::web_request::{Answer, Details, Filter, listener, observer};
    let net = plain();
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    net.protocol()
        .handle("app", move |_r: http::Request<RequestBody>| {
            *c.lock().expect("calls") += 1;
            async { Ok(ok_text("page")) }
        })
        .expect("handle");
    let wr = net.web_request();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    wr.on_before_request(
        Filter::all(),
        Some(listener(move |d: Details| {
            s.lock().expect("seen").push(d.url.to_string());
            let cancel = d.url.path() == "/blocked";
            async move {
                if cancel {
                    Answer::cancel()
                } else {
                    Answer::proceed()
                }
            }
        })),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Details>();
    wr.on_completed(
        Filter::all(),
        Some(observer(move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        })),
    );
    let (status, text) = fetch_text(&net, "app://host/page").await.expect("fetch");
    assert_eq!((status, text.as_str()), (200, "page"));
    let done = tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv())
        .await
        .expect("onCompleted within the deadline")
        .expect("open");
    assert_eq!(done.url.as_str(), "app://host/page");
    assert_eq!(done.from_cache, Some(false));
    assert_eq!(done.status_code, Some(200));
    assert_eq!(
        kind(fetch_text(&net, "app://host/blocked").await),
        NetError::BlockedByClient
    );
    assert_eq!(
        *calls.lock().expect("calls"),
        1,
        "the cancelled request never reached the handler"
    );
    assert_eq!(
        *seen.lock().expect("seen"),
        ["app://host/page", "app://host/blocked"]
    );
}

#[tokio::test]
async fn an_intercepted_http_request_goes_through_the_session_its_handler_names() {
    // PROTO-18: `interceptHttpProtocol` answering `{url, session}` fetches through that
    // session (its webRequest cancel fails the request), and the handler sees the headers.
    use session_net::web_request::{Answer, Filter, listener};
    let site = TestSite::start();
    let this = net(&site);
    let custom = net(&site);
    custom.web_request().on_before_request(
        Filter::urls(&["*://b.test/*"]).expect("filter"),
        Some(listener(|_| async { Answer::cancel() })),
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (keep, other) = (seen.clone(), custom.clone());
    this.protocol().register_typed(
        Registration::Intercept,
        ProtocolType::Http,
        "http",
        move |r| {
            keep.lock().expect("seen").push(r.headers.clone());
            let other = other.clone();
            async move {
                let mut answer = ProtocolResponse::url(r.url.replace("a.test", "b.test"));
                answer.session = Some(other);
                answer
            }
        },
    );
    let mut sent = req(Method::GET, &site.http_url("a.test", "/echo"), ());
    sent.headers_mut()
        .insert("x-from-page", http::HeaderValue::from_static("1"));
    let e = this
        .fetch(sent)
        .await
        .expect_err("cancelled by the custom session");
    assert_eq!(e.kind(), NetError::BlockedByClient, "{e}");
    let headers = seen.lock().expect("seen").clone();
    assert_eq!(headers.len(), 1);
    assert_eq!(
        headers[0].get("x-from-page").map(String::as_str),
        Some("1"),
        "{headers:?}"
    );
    // Without the cancel, the same handler's fetch reaches the site through `custom`.
    custom.web_request().on_before_request(Filter::all(), None);
    let (status, body) = fetch_text(&this, &site.http_url("a.test", "/echo"))
        .await
        .expect("through the custom session");
    assert_eq!(status, 200);
    assert!(body.contains("b.test"), "{body}");
}

#[tokio::test]
async fn a_stream_handler_redirect_is_followed_and_drops_the_post_body() {
    // PROTO-19: `interceptStreamProtocol`: a body, a POST echo, and a 302 to another host that
    // is followed with GET and no body.
    let site = TestSite::start();
    let net = net(&site);
    let target = site.http_url("b.test", "/echo");
    net.protocol().register_typed(
        Registration::Intercept,
        ProtocolType::Stream,
        "http",
        move |r| {
            let target = target.clone();
            async move {
                if r.url.ends_with("/redirect") {
                    ProtocolResponse::new()
                        .status(302)
                        .header("location", target)
                } else {
                    let posted = r.upload_data.first().and_then(|u| u.bytes.clone());
                    ProtocolResponse::stream(Body::full(
                        posted.unwrap_or_else(|| Bytes::from(format!("{} {}", r.method, r.url))),
                    ))
                }
            }
        },
    );
    let (status, body) = fetch_text(&net, &site.http_url("a.test", "/plain"))
        .await
        .expect("stream body");
    assert_eq!(
        (status, body.starts_with("GET http://a.test")),
        (200, true),
        "{body}"
    );
    let echo = net
        .fetch(req(
            Method::POST,
            &site.http_url("a.test", "/post"),
            "posted",
        ))
        .await
        .expect("post echo")
        .text()
        .await
        .expect("text");
    assert_eq!(echo, "posted");
    // The 302 goes to b.test (also intercepted): followed with GET and no body.
    let r = net
        .fetch(req(
            Method::POST,
            &site.http_url("a.test", "/redirect"),
            "posted",
        ))
        .await
        .expect("redirected");
    assert_eq!(r.status(), 200);
    let chain: Vec<String> = r.url_chain().iter().map(|u| u.to_string()).collect();
    assert_eq!(chain.len(), 2, "{chain:?}");
    let text = r.text().await.expect("text");
    assert!(text.starts_with("GET http://b.test"), "{text}");
}
