use http::{Method, Version};
use session_net::{AbortHandle, FetchOptions, NetError, RequestBody};
use session_test_support::{DEADLINE, ENCODED_TEXT, RawServer, TestSite, pattern_bytes};

use crate::{echoed_header, get, get_text, json, kind, net, request};

#[tokio::test]
async fn get_and_post_reach_the_server() {
    let site = TestSite::start();
    let net = net(&site);
    // NET-01, FETCH-01
    let r = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert!(r.ok());
    let echo = json(&r.bytes().await.expect("body"));
    assert_eq!(echo["method"], "GET");
    // NET-02, NET-04, FETCH-02
    let body = "hello=world&x=1";
    let r = net
        .fetch(request(
            Method::POST,
            &site.http_url("a.test", "/echo"),
            body,
            FetchOptions::new(),
        ))
        .await
        .expect("post");
    let echo = json(&r.bytes().await.expect("body"));
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], body);
    assert_eq!(
        echoed_header(&echo, "content-length").as_deref(),
        Some("15")
    );
    let logged = site.requests_to("/echo");
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[1].method, "POST");
}

#[tokio::test]
async fn streamed_upload_arrives_whole() {
    let site = TestSite::start();
    let net = net(&site);
    let chunks: Vec<std::io::Result<bytes::Bytes>> = (0..100)
        .map(|i| Ok(bytes::Bytes::from(vec![b'a' + (i % 26) as u8; 1024])))
        .collect();
    let expected: Vec<u8> = (0..100)
        .flat_map(|i| vec![b'a' + (i % 26) as u8; 1024])
        .collect();
    let body = RequestBody::from_stream(futures_util::stream::iter(chunks));
    let r = net
        .fetch(request(
            Method::POST,
            &site.http_url("a.test", "/echo"),
            body,
            FetchOptions::new(),
        ))
        .await
        .expect("post");
    let echo = json(&r.bytes().await.expect("body"));
    // NET-07: a body of unknown length goes chunked.
    assert_eq!(
        echoed_header(&echo, "transfer-encoding").as_deref(),
        Some("chunked")
    );
    assert_eq!(echo["bodyLength"], expected.len());
    assert_eq!(
        echo["body"].as_str().expect("text").as_bytes(),
        &expected[..]
    );
}

#[tokio::test]
async fn bodies_are_complete_and_non_2xx_readable() {
    let site = TestSite::start();
    let net = net(&site);
    // NET-03
    let r = get(&net, &site.http_url("a.test", "/bytes/300000?seed=7"))
        .await
        .expect("bytes");
    assert_eq!(r.bytes().await.expect("body"), pattern_bytes(7, 0, 300_000));
    // NET-30
    let r = get(&net, &site.http_url("a.test", "/status/404"))
        .await
        .expect("404");
    assert_eq!(r.status(), 404);
    assert!(!r.ok());
    assert_eq!(r.text().await.expect("body"), "status 404");
}

#[tokio::test]
async fn response_metadata_like_node() {
    let site = TestSite::start();
    let net = net(&site);
    // NET-44
    let r = get(
        &net,
        &site.http_url("a.test", "/status/200?reason=Fine%20Thanks"),
    )
    .await
    .expect("get");
    assert_eq!(r.status_text(), "Fine Thanks");
    assert_eq!(r.http_version(), "1.1");
    assert_eq!(r.version(), Version::HTTP_11);
    let r = get(&net, &site.http_url("a.test", "/status/200"))
        .await
        .expect("get");
    assert_eq!(r.status_text(), "OK");

    // NET-45..NET-48
    let url = site.http_url(
        "a.test",
        "/headers?Referrer-Policy=first-text&Referrer-Policy=second-text&Last-Modified=one&Last-Modified=two&Set-Cookie=a%3D1",
    );
    let r = get(&net, &url).await.expect("headers");
    assert!(
        r.headers()
            .keys()
            .all(|k| k.as_str() == k.as_str().to_ascii_lowercase())
    );
    assert_eq!(
        r.header("referrer-policy").as_deref(),
        Some("first-text, second-text")
    );
    assert_eq!(r.header("Last-Modified").as_deref(), Some("one"));
    assert_eq!(r.set_cookies(), ["a=1"]);
}

#[tokio::test]
async fn raw_headers_keep_wire_order_and_case() {
    // NET-44, NET-49: one pair per line, original case, wire order (interleaved names too).
    let raw = RawServer::start(
        b"HTTP/1.1 200 Okay Then\r\nX-Zeta: 1\r\nset-cookie: a=1\r\nX-ALPHA: 2\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nhi".to_vec(),
        true,
    );
    let net = session_net::Net::new(session_net::NetConfig::default()).expect("net");
    let r = get(&net, &raw.url("/")).await.expect("raw");
    assert_eq!(r.status_text(), "Okay Then");
    let names: Vec<&str> = r.raw_headers().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "X-Zeta",
            "set-cookie",
            "X-ALPHA",
            "Set-Cookie",
            "Content-Length"
        ]
    );
    assert_eq!(r.set_cookies(), ["a=1", "b=2"]);
    assert_eq!(r.text().await.expect("body"), "hi");
}

#[tokio::test]
async fn request_headers_go_out_in_insertion_order() {
    // NET-15, NET-18: order kept; HTTP/1.1 names go out in Title-Case.
    let raw = RawServer::start(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        true,
    );
    let net = session_net::Net::new(session_net::NetConfig::default()).expect("net");
    let mut req = request(Method::GET, &raw.url("/"), (), FetchOptions::new());
    req.headers_mut()
        .insert("x-header-name", "1".parse().expect("v"));
    req.headers_mut()
        .insert("a-second", "2".parse().expect("v"));
    req.headers_mut().insert("m-third", "3".parse().expect("v"));
    net.fetch(req).await.expect("fetch");
    let head = String::from_utf8(raw.received().concat()).expect("ascii head");
    let pos = |s: &str| {
        head.find(s)
            .unwrap_or_else(|| panic!("{s} missing from {head}"))
    };
    assert!(pos("X-Header-Name: 1") < pos("A-Second: 2"));
    assert!(pos("A-Second: 2") < pos("M-Third: 3"));
}

#[tokio::test]
async fn http2_over_tls() {
    let site = TestSite::start();
    let net = net(&site);
    let r = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect("h2");
    assert_eq!(r.version(), Version::HTTP_2);
    assert_eq!(r.http_version(), "2.0");
    assert_eq!(r.status_text(), "");
    let echo = json(&r.bytes().await.expect("body"));
    assert_eq!(echo["version"], "HTTP/2.0");
    // Many requests multiplex on one connection.
    let url = site.https_url("b.test", "/bytes/5000");
    let all = futures_util::future::join_all((0..8).map(|_| get(&net, &url))).await;
    for r in all {
        assert_eq!(r.expect("h2 get").bytes().await.expect("body").len(), 5000);
    }
    let logged = site.requests_to("/bytes/5000");
    assert!(logged.iter().all(|l| l.version == "HTTP/2.0" && l.tls));
}

#[tokio::test]
async fn user_agent_and_accept_language() {
    let site = TestSite::start();
    let net = net(&site);
    // SESSION-07
    net.set_user_agent("test-agent", Some("en-US,fr,de"))
        .expect("set ua");
    let echo = json(
        &get(&net, &site.http_url("a.test", "/echo"))
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body"),
    );
    assert_eq!(
        echoed_header(&echo, "user-agent").as_deref(),
        Some("test-agent")
    );
    assert_eq!(
        echoed_header(&echo, "accept-language").as_deref(),
        Some("en-US,fr;q=0.9,de;q=0.8")
    );
    assert_eq!(
        echoed_header(&echo, "accept-encoding").as_deref(),
        Some("gzip, deflate, br, zstd")
    );
    // A header the caller sets wins.
    let mut req = request(
        Method::GET,
        &site.http_url("a.test", "/echo"),
        (),
        FetchOptions::new(),
    );
    req.headers_mut()
        .insert("user-agent", "mine".parse().expect("v"));
    let echo = json(
        &net.fetch(req)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body"),
    );
    assert_eq!(echoed_header(&echo, "user-agent").as_deref(), Some("mine"));
}

#[tokio::test]
async fn content_decoding() {
    let site = TestSite::start();
    let net = net(&site);
    for enc in ["gzip", "deflate", "br", "zstd", "identity"] {
        assert_eq!(
            get_text(&net, &site.http_url("a.test", &format!("/encoded/{enc}"))).await,
            ENCODED_TEXT,
            "{enc}"
        );
        assert_eq!(
            get_text(&net, &site.https_url("a.test", &format!("/encoded/{enc}"))).await,
            ENCODED_TEXT,
            "{enc} h2"
        );
    }
}

#[tokio::test]
async fn truncated_bodies() {
    let site = TestSite::start();
    let net = net(&site);
    // FETCH-06: the response resolves, reading the body fails.
    let r = get(&net, &site.http_url("a.test", "/truncated-chunked/1000"))
        .await
        .expect("head arrives");
    assert_eq!(r.status(), 200);
    assert_eq!(kind(r.text().await), NetError::IncompleteChunkedEncoding);
    let r = get(&net, &site.http_url("a.test", "/truncated/1000/10"))
        .await
        .expect("head arrives");
    let err = r.bytes().await.expect_err("short body");
    assert_eq!(err.kind(), NetError::ContentLengthMismatch);
    assert!(err.to_string().contains("1000"), "{err}");
}

#[tokio::test]
async fn connection_failures_have_chromium_names() {
    let site = TestSite::start();
    let net = net(&site);
    // NET-40
    let err = get(&net, &site.http_url("a.test", "/reset"))
        .await
        .expect_err("reset");
    assert_eq!(err.kind(), NetError::EmptyResponse);
    assert!(
        err.to_string().starts_with("net::ERR_EMPTY_RESPONSE"),
        "{err}"
    );
    // ERR_CONNECTION_REFUSED: a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let err = get(&net, &format!("http://127.0.0.1:{port}/"))
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), NetError::ConnectionRefused);
    assert_eq!(err.code(), -102);
    // ERR_INVALID_URL / unknown scheme.
    assert_eq!(
        kind(get(&net, "gopher://a.test/").await),
        NetError::UnknownUrlScheme
    );
}

#[tokio::test]
async fn dns_failure() {
    // FETCH-04
    let mut config = session_net::NetConfig::default();
    config.host_rules = "MAP nx.test ~NOTFOUND".parse().expect("rules");
    let net = session_net::Net::new(config).expect("net");
    let err = get(&net, "http://nx.test/").await.expect_err("nx");
    assert_eq!(err.kind(), NetError::NameNotResolved);
    assert!(err.to_string().contains("ERR_NAME_NOT_RESOLVED"));
}

async fn wait_for_request(site: &TestSite, path: &str) {
    site.wait_for_path(path, DEADLINE).await;
}

#[tokio::test]
async fn abort_handle_cancels() {
    let site = TestSite::start();
    let net = net(&site);
    // NET-25: aborted before start, the server is never hit.
    let handle = AbortHandle::new();
    handle.abort();
    let url = site.http_url("a.test", "/echo?never");
    let err = net
        .fetch(request(
            Method::GET,
            &url,
            (),
            FetchOptions::new().abort(handle),
        ))
        .await
        .expect_err("aborted");
    assert_eq!(err.kind(), NetError::Aborted);
    assert!(site.requests_to("/echo?never").is_empty());

    // FETCH-09: aborting a pending fetch rejects it.
    let handle = AbortHandle::new();
    let pending = tokio::spawn({
        let net = net.clone();
        let req = request(
            Method::GET,
            &site.http_url("a.test", "/hang"),
            (),
            FetchOptions::new().abort(handle.clone()),
        );
        async move { net.fetch(req).await }
    });
    wait_for_request(&site, "/hang").await;
    handle.abort();
    let err = pending.await.expect("join").expect_err("aborted");
    assert_eq!(err.kind(), NetError::Aborted);
    assert!(err.to_string().contains("aborted"));

    // Aborting while the body streams fails the next read.
    let handle = AbortHandle::new();
    let url = site.http_url("a.test", "/drip?bytes=1000&chunk=10&delay_ms=20");
    let mut r = net
        .fetch(request(
            Method::GET,
            &url,
            (),
            FetchOptions::new().abort(handle.clone()),
        ))
        .await
        .expect("head");
    assert!(r.chunk().await.expect("first chunk").is_some());
    handle.abort();
    assert_eq!(kind(r.chunk().await), NetError::Aborted);
}

/// A server on loopback that answers every request of one keep-alive connection with an empty
/// 200 and keeps each request head as received.
async fn head_recorder() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head: Vec<u8> = buf.drain(..end + 4).collect();
                        keep.lock()
                            .expect("heads")
                            .push(String::from_utf8_lossy(&head).into_owned());
                        if tcp
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    match tcp.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (port, heads)
}

#[tokio::test]
async fn header_names_go_out_as_the_caller_spelled_them() {
    let (port, heads) = head_recorder().await;
    let net = crate::net_untrusting();
    let url = format!("http://127.0.0.1:{port}/");
    let send = |spelled: &'static [&'static str]| {
        let mut options = FetchOptions::new();
        for s in spelled {
            options = options.header_case(*s);
        }
        let mut r = request(Method::GET, &url, (), options);
        for name in ["x-api-key", "x-other", "accept"] {
            r.headers_mut().insert(
                http::HeaderName::from_static(name),
                "v".parse().expect("value"),
            );
        }
        net.fetch(r)
    };
    assert_eq!(
        send(&["x-API-key", "ACCEPT"])
            .await
            .expect("first")
            .status(),
        200
    );
    // The same connection, other spellings: each request has its own.
    assert_eq!(send(&["X-OTHER"]).await.expect("second").status(), 200);
    let heads = heads.lock().expect("heads").clone();
    assert_eq!(heads.len(), 2, "one connection, two requests: {heads:?}");
    assert!(heads[0].contains("\r\nx-API-key: v\r\n"), "{}", heads[0]);
    assert!(heads[0].contains("\r\nACCEPT: v\r\n"), "{}", heads[0]);
    assert!(
        heads[0].contains("\r\nX-Other: v\r\n"),
        "Title-Case otherwise: {}",
        heads[0]
    );
    assert!(heads[0].contains("\r\nUser-Agent: "), "{}", heads[0]);
    assert!(heads[1].contains("\r\nX-OTHER: v\r\n"), "{}", heads[1]);
    assert!(heads[1].contains("\r\nX-Api-Key: v\r\n"), "{}", heads[1]);
}
