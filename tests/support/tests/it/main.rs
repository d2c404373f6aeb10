//! The test site's own tests: its TLS variants and its routes, through real clients.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use rustls_pki_types::ServerName;
use session_test_support::{RawServer, TestSite, TlsVariant, pattern_bytes};
use tokio::net::TcpStream;

async fn handshake(site: &TestSite, variant: TlsVariant) -> Result<Option<Vec<u8>>, String> {
    let connector = tokio_rustls::TlsConnector::from(site.pki().client_config());
    let tcp = TcpStream::connect(("127.0.0.1", site.tls_port(variant)))
        .await
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from("a.test").expect("valid name");
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    Ok(tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec))
}

#[tokio::test]
async fn a_client_trusting_the_test_ca_accepts_only_the_valid_certificate() {
    let site = TestSite::start();
    let alpn = handshake(&site, TlsVariant::Valid)
        .await
        .expect("valid certificate is accepted");
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]), "ALPN negotiates h2");

    let expired = handshake(&site, TlsVariant::Expired)
        .await
        .expect_err("expired");
    assert!(expired.contains("expired"), "{expired}");
    let wrong = handshake(&site, TlsVariant::WrongHost)
        .await
        .expect_err("wrong host");
    assert!(wrong.contains("not valid for name"), "{wrong}");
    let selfsigned = handshake(&site, TlsVariant::SelfSigned)
        .await
        .expect_err("self-signed");
    assert!(selfsigned.contains("UnknownIssuer"), "{selfsigned}");
}

async fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> (u16, http::HeaderMap, Bytes) {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let mut req = http::Request::get(path).header("host", "a.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = sender
        .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.map(|b| b.to_bytes());
    (status, headers, body.unwrap_or_default())
}

#[tokio::test]
async fn routes_echo_log_ranges_and_conditionals() {
    let site = TestSite::start();
    let (status, _, body) = get(site.http_port(), "/echo?x=1", &[("x-test", "yes")]).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).expect("echo is JSON");
    assert_eq!(json["path"], "/echo?x=1");
    let log = site.requests_to("/echo");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].header("x-test"), Some("yes"));
    assert_eq!(log[0].host, "a.test");

    let (status, headers, body) = get(
        site.http_port(),
        "/bytes/200000?seed=5",
        &[("range", "bytes=1000-1999")],
    )
    .await;
    assert_eq!(status, 206);
    assert_eq!(headers["content-range"], "bytes 1000-1999/200000");
    assert_eq!(body.as_ref(), pattern_bytes(5, 1000, 1000).as_slice());

    let etag = headers["etag"].to_str().expect("ascii").to_owned();
    let (status, _, body) = get(
        site.http_port(),
        "/bytes/200000?seed=6",
        &[("range", "bytes=10-"), ("if-range", &etag)],
    )
    .await;
    assert_eq!(status, 200, "a changed validator sends the whole entity");
    assert_eq!(body.len(), 200_000);

    let (status, _, _) = get(
        site.http_port(),
        "/headers?ETag=%22v1%22&Cache-Control=no-cache",
        &[("if-none-match", "\"v1\"")],
    )
    .await;
    assert_eq!(status, 304);

    // A cut entity delivers its head and the bytes before the cut, then the connection drops.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(("127.0.0.1", site.http_port()))
        .await
        .expect("connect");
    tcp.write_all(b"GET /bytes/100000?cut=5000 HTTP/1.1\r\nhost: a.test\r\n\r\n")
        .await
        .expect("write");
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw)
        .await
        .expect("read until the drop");
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    assert!(raw.starts_with(b"HTTP/1.1 200 OK"));
    assert_eq!(&raw[head_end..], pattern_bytes(0, 0, 5000).as_slice());
}

#[test]
fn raw_server_keeps_request_heads_and_replies_verbatim() {
    let raw = RawServer::start(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".to_vec(),
        true,
    );
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", raw.port())).expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nX-Mixed-Case: 1\r\n\r\n")
        .expect("write");
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).expect("read");
    assert!(reply.ends_with(b"hi"));
    assert!(raw.received()[0].windows(12).any(|w| w == b"X-Mixed-Case"));
}

#[tokio::test]
async fn wait_for_request_returns_the_request_once_it_arrives() {
    let site = TestSite::start();
    let port = site.http_port();
    let client = tokio::spawn(async move { get(port, "/status/204?later=1", &[]).await.0 });
    let seen = site
        .wait_for_path("/status/204", session_test_support::DEADLINE)
        .await;
    assert_eq!(seen.path, "/status/204?later=1");
    assert_eq!(client.await.expect("client"), 204);
    // Requests already logged count.
    let again = site.wait_for_request_blocking(
        |r| r.path.starts_with("/status/204"),
        std::time::Duration::from_millis(1),
    );
    assert_eq!(again.method, "GET");
}

#[test]
#[should_panic(expected = "no matching request reached the test site")]
fn wait_for_request_fails_at_its_deadline_instead_of_hanging() {
    let site = TestSite::start();
    site.wait_for_request_blocking(|r| r.path == "/never", std::time::Duration::from_millis(50));
}
