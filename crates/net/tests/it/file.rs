use http::Method;
use session_net::{FetchOptions, NetError};

use crate::kind;

/// `file:` URLs with an empty host do not fit `http::Uri`: they go in the options.
fn request(
    _m: Method,
    url: &str,
    _b: (),
    options: FetchOptions,
) -> http::Request<session_net::RequestBody> {
    let mut r = http::Request::new(session_net::RequestBody::empty());
    r.extensions_mut()
        .insert(options.url(url::Url::parse(url).expect("file url")));
    r
}

#[tokio::test]
async fn file_urls_with_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hello.txt");
    std::fs::write(&path, "hello world").expect("write");
    let net = session_net::Net::new(session_net::NetConfig::default()).expect("net");
    let url = url::Url::from_file_path(&path).expect("file url");

    // FETCH-11
    let r = net
        .fetch(request(Method::GET, url.as_str(), (), FetchOptions::new()))
        .await
        .expect("file");
    assert_eq!(r.status(), 200);
    assert_eq!(r.header("content-type").as_deref(), Some("text/plain"));
    assert_eq!(r.header("content-length").as_deref(), Some("11"));
    assert_eq!(r.text().await.expect("body"), "hello world");

    let mut req = request(Method::GET, url.as_str(), (), FetchOptions::new());
    req.headers_mut()
        .insert("range", "bytes=6-".parse().expect("v"));
    let r = net.fetch(req).await.expect("range");
    assert_eq!(r.status(), 206);
    assert_eq!(r.header("content-range").as_deref(), Some("bytes 6-10/11"));
    assert_eq!(r.text().await.expect("body"), "world");

    let mut req = request(Method::GET, url.as_str(), (), FetchOptions::new());
    req.headers_mut()
        .insert("range", "bytes=50-".parse().expect("v"));
    assert_eq!(
        kind(net.fetch(req).await),
        NetError::RequestRangeNotSatisfiable
    );

    // The file responder answers `file:` too: suffix ranges, If-Range, several ranges.
    let mut req = request(Method::GET, url.as_str(), (), FetchOptions::new());
    req.headers_mut()
        .insert("range", "bytes=-5".parse().expect("v"));
    let r = net.fetch(req).await.expect("suffix");
    assert_eq!(r.status(), 206);
    let etag = r.header("etag").expect("etag");
    assert_eq!(r.text().await.expect("body"), "world");
    let mut req = request(Method::GET, url.as_str(), (), FetchOptions::new());
    req.headers_mut()
        .insert("range", "bytes=0-4".parse().expect("v"));
    req.headers_mut()
        .insert("if-range", etag.parse().expect("v"));
    let r = net.fetch(req).await.expect("if-range");
    assert_eq!(r.status(), 206);
    assert_eq!(r.text().await.expect("body"), "hello");
    let mut req = request(Method::GET, url.as_str(), (), FetchOptions::new());
    req.headers_mut()
        .insert("range", "bytes=0-1,3-4".parse().expect("v"));
    let r = net.fetch(req).await.expect("multi");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.expect("body"), "hello world");

    let missing = url::Url::from_file_path(dir.path().join("missing")).expect("url");
    assert_eq!(
        kind(
            net.fetch(request(
                Method::GET,
                missing.as_str(),
                (),
                FetchOptions::new()
            ))
            .await
        ),
        NetError::FileNotFound
    );
}
