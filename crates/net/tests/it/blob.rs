//! `blob:` URLs through the pipeline: the Fetch standard's blob scheme fetch.

use http::Method;
use session_net::blob::{BlobPart, BlobStage, Blobs};
use session_net::{Net, NetConfig, NetError, RequestBody};

use crate::kind;

fn req(method: Method, url: &str, range: Option<&str>) -> http::Request<RequestBody> {
    let mut r = session_net::new_request(method, url, ()).expect("request");
    if let Some(range) = range {
        r.headers_mut()
            .insert(http::header::RANGE, range.parse().expect("value"));
    }
    r
}

#[tokio::test]
async fn blob_urls_are_served_from_the_registry_with_ranges() {
    let net = Net::new(NetConfig::default()).expect("net");
    let blobs = Blobs::default();
    // Without the stage, blob: is a scheme nobody serves.
    let bytes = blobs.register(
        vec![BlobPart::Bytes(bytes::Bytes::from_static(b"hello "))],
        "text/plain;charset=utf-8",
    );
    let url = format!("blob:https://a.test/{bytes}");
    assert_eq!(
        kind(net.fetch(req(Method::GET, &url, None)).await),
        NetError::UnknownUrlScheme
    );
    net.insert_stage(BlobStage::new(blobs.clone()));

    let r = net
        .fetch(req(Method::GET, &format!("{url}#frag"), None))
        .await
        .expect("fetch");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain;charset=utf-8");
    assert_eq!(r.headers()["content-length"], "6");
    assert_eq!(r.text().await.expect("text"), "hello ");

    // A blob of a file part larger than any buffer, read at an offset: ranges stream from it.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("big.bin");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(3 << 30).expect("sparse 3 GiB");
    drop(file);
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        f.seek(SeekFrom::Start((2 << 30) + 5)).expect("seek");
        f.write_all(b"marker").expect("write");
    }
    let big = blobs.register(
        vec![BlobPart::file(&path, 5, None).expect("part")],
        "video/mp4",
    );
    let big_url = format!("blob:null/{big}");
    let r = net
        .fetch(req(
            Method::GET,
            &big_url,
            Some("bytes=2147483648-2147483653"),
        ))
        .await
        .expect("range");
    assert_eq!(r.status(), 206);
    let size = (3u64 << 30) - 5;
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 2147483648-2147483653/{size}").as_str()
    );
    assert_eq!(r.text().await.expect("text"), "marker");
    let r = net
        .fetch(req(Method::GET, &big_url, None))
        .await
        .expect("whole");
    assert_eq!(r.headers()["content-length"], size.to_string().as_str());
    drop(r); // never read whole

    // Failures as Chromium names them.
    for (range, why) in [
        ("bytes=9-", "past the end"),
        ("bytes=0-1,3-4", "several ranges"),
        ("bytes=4-2", "does not parse"),
    ] {
        assert_eq!(
            kind(net.fetch(req(Method::GET, &url, Some(range))).await),
            NetError::RequestRangeNotSatisfiable,
            "{why}"
        );
    }
    assert_eq!(
        kind(net.fetch(req(Method::POST, &url, None)).await),
        NetError::MethodNotSupported
    );
    assert!(blobs.unregister(&bytes));
    assert_eq!(
        kind(net.fetch(req(Method::GET, &url, None)).await),
        NetError::FileNotFound
    );
    // An embedder's own handler of `blob` comes first.
    net.protocol()
        .handle("blob", |_r: http::Request<RequestBody>| async {
            Ok(http::Response::new(session_net::Body::full("mine")))
        })
        .expect("handle");
    let r = net
        .fetch(req(Method::GET, &big_url, None))
        .await
        .expect("handled");
    assert_eq!(r.text().await.expect("text"), "mine");
}
