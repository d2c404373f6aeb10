//! Request bodies made of parts (bytes, files, blobs) through real fetches: what the server
//! receives, what webRequest and protocol handlers are shown, replays and Chromium's errors.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use session_net::blob::{BlobPart, Blobs};
use session_net::protocol::{ProtocolResponse, ProtocolType, Registration};
use session_net::web_request::{Answer, Details, Filter, observer};
use session_net::{BodyPart, FetchOptions, Net, NetConfig, NetError, RequestBody};
use session_test_support::TestSite;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use crate::{echoed_header, json, net, request};

/// Text of `len` bytes, the same on every call.
fn text(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Details>) -> Details {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an event within the deadline")
        .expect("channel open")
}

async fn post(net: &Net, url: &str, body: RequestBody) -> session_net::Result<serde_json::Value> {
    let r = net
        .fetch(request(Method::POST, url, body, FetchOptions::new()))
        .await?;
    Ok(json(&r.bytes().await?))
}

#[tokio::test]
async fn parts_are_sent_in_order_with_their_length_and_shown_to_listeners() {
    // WR-12: uploadData, one element per part (bytes, file, blobUUID), on every event.
    let site = TestSite::start();
    let net = net(&site);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("middle.txt");
    let file = text(200_000);
    std::fs::write(&path, &file).expect("write");
    let blobs = Blobs::default();
    let uuid = blobs.register(
        vec![
            BlobPart::Bytes(Bytes::from_static(b"<blob ")),
            BlobPart::file(&path, 0, Some(3)).expect("part"),
        ],
        "text/plain",
    );
    let blob = blobs.body_part(&uuid).expect("registered");
    // The body holds the blob: unregistering it now does not take it from the request.
    assert!(blobs.unregister(&uuid));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let before_tx = tx.clone();
    let _before = net
        .web_request()
        .add_before_request(Filter::all(), move |d| {
            let _ = before_tx.send(d);
            async { Answer::proceed() }
        });
    net.web_request().on_completed(
        Filter::all(),
        Some(observer(move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        })),
    );
    let body = RequestBody::from_parts([
        BodyPart::bytes("head|"),
        BodyPart::file_range(&path, 100, Some(50_000)),
        blob,
    ]);
    let echo = post(&net, &site.http_url("a.test", "/echo"), body)
        .await
        .expect("posted");
    let mut want = b"head|".to_vec();
    want.extend_from_slice(&file[100..50_100]);
    want.extend_from_slice(b"<blob abc");
    assert_eq!(echo["bodyLength"], want.len());
    assert_eq!(echo["body"].as_str().map(str::as_bytes), Some(&want[..]));
    assert_eq!(
        echoed_header(&echo, "content-length").as_deref(),
        Some(want.len().to_string().as_str()),
        "every part's length is known: Content-Length, not chunked"
    );
    for event in ["onBeforeRequest", "onCompleted"] {
        let d = next(&mut rx).await;
        let parts = d.upload_data.clone().expect("uploadData");
        assert_eq!(parts.len(), 3, "{event}");
        assert_eq!(parts[0].bytes.as_deref(), Some(&b"head|"[..]));
        assert_eq!(parts[1].file.as_deref(), Some(path.as_path()));
        assert_eq!(
            parts[1].bytes, None,
            "a file is shown by its path, not read"
        );
        assert_eq!(parts[2].blob_uuid.as_deref(), Some(uuid.as_str()));
        let json = d.to_json();
        assert_eq!(json["uploadData"][0], serde_json::json!({"bytes": "head|"}));
        assert_eq!(
            json["uploadData"][1],
            serde_json::json!({"file": path.display().to_string()})
        );
        assert_eq!(json["uploadData"][2], serde_json::json!({"blobUUID": uuid}));
    }
}

#[tokio::test]
async fn a_file_body_is_streamed_over_http2() {
    let site = TestSite::start();
    let net = net(&site);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("big.txt");
    let file = text(3 * 1024 * 1024 + 17);
    std::fs::write(&path, &file).expect("write");
    let echo = post(
        &net,
        &site.https_url("a.test", "/echo"),
        RequestBody::file(&path),
    )
    .await
    .expect("posted");
    assert_eq!(echo["version"], "HTTP/2.0");
    assert_eq!(echo["bodyLength"], file.len());
    assert_eq!(echo["body"].as_str().map(str::as_bytes), Some(&file[..]));
}

#[tokio::test]
async fn a_307_replays_a_file_body_reopening_the_file() {
    // PROTO-38 / NET-10 for files: a 307/308 sends the body again; a file is read again.
    let site = TestSite::start();
    let net = net(&site);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("replayed.txt");
    let file = text(300_000);
    std::fs::write(&path, &file).expect("write");
    for status in [307, 308] {
        let url = site.http_url("a.test", &format!("/redirect-to?status={status}&url=/echo"));
        let echo = post(&net, &url, RequestBody::file(&path))
            .await
            .expect("posted");
        assert_eq!(echo["method"], "POST", "{status}");
        assert_eq!(echo["bodyLength"], file.len(), "{status}");
        assert_eq!(echo["body"].as_str().map(str::as_bytes), Some(&file[..]));
    }
    // A 303 turns it into a GET without a body.
    let url = site.http_url("a.test", "/redirect-to?status=303&url=/echo");
    let echo = post(&net, &url, RequestBody::file(&path))
        .await
        .expect("posted");
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["bodyLength"], 0);
}

#[tokio::test]
async fn a_missing_file_fails_with_err_file_not_found_before_anything_is_sent() {
    let site = TestSite::start();
    let net = net(&site);
    let (tx, mut rx) = mpsc::unbounded_channel();
    net.web_request().on_error_occurred(
        Filter::all(),
        Some(observer(move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        })),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let missing = dir.path().join("not-there.bin");
    let e = post(
        &net,
        &site.http_url("a.test", "/echo"),
        RequestBody::from_parts([BodyPart::bytes("a"), BodyPart::file(&missing)]),
    )
    .await
    .expect_err("missing file");
    assert_eq!(e.kind(), NetError::FileNotFound);
    assert!(e.detail().contains("not-there.bin"), "{e}");
    let d = next(&mut rx).await;
    assert_eq!(d.error.as_deref(), Some("net::ERR_FILE_NOT_FOUND"));
    assert!(site.requests_to("/echo").is_empty(), "nothing was sent");
    // A range the file does not hold fails the same way Chromium's reader does.
    let short = dir.path().join("short.bin");
    std::fs::write(&short, b"0123456789").expect("write");
    let e = post(
        &net,
        &site.http_url("a.test", "/echo"),
        RequestBody::from_parts([BodyPart::file_range(&short, 4, Some(10))]),
    )
    .await
    .expect_err("short file");
    assert_eq!(e.kind(), NetError::UploadFileChanged);
    // An unknown blob is an error naming it, when the body is built.
    let e = Blobs::default()
        .body_part("7d444840-9dc0-11d1-b245-5ffdce74fad2")
        .expect_err("unknown");
    assert!(
        e.detail().contains("7d444840-9dc0-11d1-b245-5ffdce74fad2"),
        "{e}"
    );
}

#[tokio::test]
async fn a_file_that_shrinks_while_it_is_sent_fails_with_err_upload_file_changed() {
    // A sparse file far larger than the socket buffers: the server reads 1 MiB, the file is
    // cut to nothing, then the server reads on; the client's next read of the file ends early.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("shrinking.bin");
    let size = 256u64 * 1024 * 1024;
    std::fs::File::create(&path)
        .expect("create")
        .set_len(size)
        .expect("sparse");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (got_tx, got_rx) = tokio::sync::oneshot::channel();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        while total < 1024 * 1024 {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n as u64,
            }
        }
        let _ = got_tx.send(());
        let _ = go_rx.await;
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n as u64,
            }
        }
        total
    });
    let net = Net::new(NetConfig::default()).expect("net");
    let url = format!("http://127.0.0.1:{port}/upload");
    let fetch = tokio::spawn({
        let net = net.clone();
        let path = path.clone();
        async move {
            net.fetch(request(
                Method::PUT,
                &url,
                RequestBody::file(&path),
                FetchOptions::new(),
            ))
            .await
            .map(|_| ())
        }
    });
    tokio::time::timeout(Duration::from_secs(20), got_rx)
        .await
        .expect("the server got the first MiB in time")
        .expect("server running");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open")
        .set_len(0)
        .expect("truncate");
    let _ = go_tx.send(());
    let e = tokio::time::timeout(Duration::from_secs(20), fetch)
        .await
        .expect("the fetch ends in time")
        .expect("task")
        .expect_err("the file changed");
    assert_eq!(e.kind(), NetError::UploadFileChanged, "{e}");
    assert!(e.detail().contains("shrinking.bin"), "{e}");
    let received = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("server ends")
        .expect("server task");
    assert!(received < size, "the body was cut short ({received} bytes)");
}

#[tokio::test]
async fn protocol_handlers_see_the_parts_and_read_their_bytes() {
    // PROTO-16 / PROTO-17 with parts: a deprecated handler's ProtocolRequest lists the parts
    // as webRequest does; a handle() handler reads the body, files streamed.
    let site = TestSite::start();
    let net = net(&site);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("form.bin");
    std::fs::write(&path, b"file-bytes").expect("write");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    net.protocol().register_typed(
        Registration::Register,
        ProtocolType::Buffer,
        "parts",
        move |r| {
            *seen2.lock().expect("lock") = r.upload_data.clone();
            async { ProtocolResponse::bytes("ok") }
        },
    );
    let body = || RequestBody::from_parts([BodyPart::bytes("a="), BodyPart::file(&path)]);
    let r = net
        .fetch(request(
            Method::POST,
            "parts://host/form",
            body(),
            FetchOptions::new(),
        ))
        .await
        .expect("handled");
    assert_eq!(r.text().await.expect("body"), "ok");
    {
        let seen = seen.lock().expect("lock");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].bytes.as_deref(), Some(&b"a="[..]));
        assert_eq!(seen[1].file.as_deref(), Some(path.as_path()));
    }
    net.protocol()
        .handle("whole", |req: http::Request<RequestBody>| async move {
            let parts = req.body().upload_data().map_or(0, |p| p.len());
            let bytes = http_body_util::BodyExt::collect(req.into_body())
                .await
                .map_err(|e| session_net::Error::new(NetError::Failed, e.to_string()))?
                .to_bytes();
            let mut text = format!("{parts}:").into_bytes();
            text.extend_from_slice(&bytes);
            Ok(http::Response::new(session_net::Body::full(text)))
        })
        .expect("handle");
    let r = net
        .fetch(request(
            Method::POST,
            "whole://host/form",
            body(),
            FetchOptions::new(),
        ))
        .await
        .expect("handled");
    assert_eq!(r.text().await.expect("body"), "2:a=file-bytes");
}
