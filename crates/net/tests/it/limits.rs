use session_net::NetError;
use session_test_support::{RawServer, TestSite};

use crate::{get, kind, net};

#[tokio::test]
async fn hostile_servers_get_clear_errors() {
    let site = TestSite::start();
    let net = net(&site);
    let err = get(&net, &site.http_url("a.test", "/huge-headers?size=307200"))
        .await
        .expect_err("huge");
    assert_eq!(err.kind(), NetError::ResponseHeadersTooBig);
    assert_eq!(
        kind(get(&net, &site.http_url("a.test", "/many-headers?count=1000")).await),
        NetError::ResponseHeadersTooBig
    );
    // Under the limits all is well.
    let r = get(&net, &site.http_url("a.test", "/many-headers?count=90"))
        .await
        .expect("90 headers");
    assert_eq!(
        r.raw_headers()
            .iter()
            .filter(|(n, _)| n.starts_with("x-header-"))
            .count(),
        90
    );
    // The header line cap can be raised.
    let mut config = session_net::NetConfig::default();
    config.limits.max_headers = 400;
    let roomy = session_net::Net::new(config).expect("net");
    let url = format!(
        "http://127.0.0.1:{}/many-headers?count=300",
        site.http_port()
    );
    let r = get(&roomy, &url)
        .await
        .expect("300 headers under a cap of 400");
    assert_eq!(r.headers().len(), 302);
    assert!(
        get(&net, &site.http_url("a.test", "/huge-headers?size=100000"))
            .await
            .is_ok()
    );
    // HTTP/2 has the same header block limit.
    assert_eq!(
        kind(get(&net, &site.https_url("a.test", "/huge-headers?size=307200")).await),
        NetError::ResponseHeadersTooBig
    );

    // A decompression bomb stops with a clear error while reading.
    let r = get(&net, &site.http_url("a.test", "/bomb?mb=64"))
        .await
        .expect("head");
    let err = r.bytes().await.expect_err("bomb");
    assert_eq!(err.kind(), NetError::ContentDecodingFailed);
    assert!(err.to_string().contains("times its encoded size"), "{err}");
}

#[tokio::test]
async fn malformed_replies() {
    let net = session_net::Net::new(session_net::NetConfig::default()).expect("net");
    let garbage = RawServer::start(b"NOT HTTP AT ALL\r\n\r\n".to_vec(), true);
    assert_eq!(
        kind(get(&net, &garbage.url("/")).await),
        NetError::InvalidHttpResponse
    );
    let silent = RawServer::start(Vec::new(), true);
    assert_eq!(
        kind(get(&net, &silent.url("/")).await),
        NetError::EmptyResponse
    );
    let lying = RawServer::start(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".to_vec(),
        true,
    );
    let r = get(&net, &lying.url("/")).await.expect("head");
    assert_eq!(kind(r.bytes().await), NetError::ContentLengthMismatch);
}
