//! The file responder (`serve_dir`, `serve_file`) on real files.

use std::path::Path;

use http::{Method, StatusCode};
use session_net::Body;
use session_net::protocol::{serve_dir, serve_file};

fn req(method: Method, url: &str, headers: &[(&str, &str)]) -> http::Request<()> {
    let mut r = http::Request::new(());
    *r.method_mut() = method;
    r.extensions_mut()
        .insert(url::Url::parse(url).expect("url"));
    for (n, v) in headers {
        r.headers_mut().insert(
            http::HeaderName::from_bytes(n.as_bytes()).expect("name"),
            v.parse().expect("header value"),
        );
    }
    r
}

fn get(url: &str, headers: &[(&str, &str)]) -> http::Request<()> {
    req(Method::GET, url, headers)
}

async fn body(r: http::Response<Body>) -> Vec<u8> {
    r.into_body().bytes().await.expect("body").to_vec()
}

fn header(r: &http::Response<Body>, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_string())
}

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let content: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("data.bin"), &content).expect("write");
    std::fs::write(dir.path().join("empty.txt"), b"").expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/index.html"), "<p>sub</p>").expect("write");
    std::fs::write(dir.path().join("sub/a b.css"), "a{}").expect("write");
    dir
}

fn content() -> Vec<u8> {
    (0..1000u32).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn whole_files_with_validators_and_types() {
    let dir = site();
    let files = serve_dir(dir.path());
    let r = files
        .serve(&get("app://x/data.bin", &[]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-length").as_deref(), Some("1000"));
    assert_eq!(header(&r, "accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(
        header(&r, "content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert!(header(&r, "etag").is_some_and(|e| e.starts_with('"')));
    assert!(header(&r, "last-modified").is_some_and(|d| d.ends_with("GMT")));
    assert_eq!(body(r).await, content());

    let r = files.serve(&get("app://x/sub/", &[])).await.expect("index");
    assert_eq!(header(&r, "content-type").as_deref(), Some("text/html"));
    assert_eq!(body(r).await, b"<p>sub</p>");
    let r = files
        .serve(&get("app://x/sub/a%20b.css", &[]))
        .await
        .expect("css");
    assert_eq!(header(&r, "content-type").as_deref(), Some("text/css"));

    let r = files
        .serve(&req(Method::HEAD, "app://x/data.bin", &[]))
        .await
        .expect("head");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-length").as_deref(), Some("1000"));
    assert!(body(r).await.is_empty());

    let r = files
        .serve(&req(Method::POST, "app://x/data.bin", &[]))
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);

    let r = files
        .serve(&get("app://x/missing", &[]))
        .await
        .expect("404");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ranges_on_a_real_file() {
    let dir = site();
    let files = serve_dir(dir.path());
    let all = content();
    let url = "app://x/data.bin";
    let cases: &[(&str, StatusCode, Option<&str>, &[u8])] = &[
        (
            "bytes=0-9",
            StatusCode::PARTIAL_CONTENT,
            Some("bytes 0-9/1000"),
            &all[0..10],
        ),
        (
            "bytes=990-",
            StatusCode::PARTIAL_CONTENT,
            Some("bytes 990-999/1000"),
            &all[990..],
        ),
        (
            "bytes=-5",
            StatusCode::PARTIAL_CONTENT,
            Some("bytes 995-999/1000"),
            &all[995..],
        ),
        (
            "bytes=500-5000",
            StatusCode::PARTIAL_CONTENT,
            Some("bytes 500-999/1000"),
            &all[500..],
        ),
        (
            "bytes=1000-",
            StatusCode::RANGE_NOT_SATISFIABLE,
            Some("bytes */1000"),
            b"",
        ),
        ("bytes=0-1,5-6", StatusCode::OK, None, &all),
        ("bytes=9-3", StatusCode::OK, None, &all),
    ];
    for &(range, status, content_range, want) in cases {
        let r = files
            .serve(&get(url, &[("range", range)]))
            .await
            .expect("serve");
        assert_eq!(r.status(), status, "{range}");
        assert_eq!(
            header(&r, "content-range").as_deref(),
            content_range,
            "{range}"
        );
        assert_eq!(
            header(&r, "content-length"),
            Some(want.len().to_string()),
            "{range}"
        );
        assert_eq!(body(r).await, want, "{range}");
    }

    // If-Range with the current ETag keeps the range; a stale one gets the whole file.
    let etag = header(&files.serve(&get(url, &[])).await.expect("serve"), "etag").expect("etag");
    let r = files
        .serve(&get(url, &[("range", "bytes=1-2"), ("if-range", &etag)]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(body(r).await, &all[1..3]);
    let r = files
        .serve(&get(
            url,
            &[("range", "bytes=1-2"), ("if-range", "\"stale\"")],
        ))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await, all);

    // Conditionals: 304 for a matching ETag or a date not older than the file.
    let r = files
        .serve(&get(url, &[("if-none-match", &etag)]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&r, "etag").as_deref(), Some(etag.as_str()));
    assert!(body(r).await.is_empty());
    let r = files
        .serve(&get(url, &[("if-match", "\"stale\"")]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);

    // Zero-length files: a range cannot be satisfied, a suffix is the (empty) whole.
    let r = files
        .serve(&get("app://x/empty.txt", &[("range", "bytes=0-")]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&r, "content-range").as_deref(), Some("bytes */0"));
    let r = files
        .serve(&get("app://x/empty.txt", &[("range", "bytes=-3")]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-length").as_deref(), Some("0"));
}

#[tokio::test]
async fn paths_that_leave_the_root_are_404() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.txt"), "secret").expect("write");
    let dir = site();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(root.join("ok.txt"), "ok").expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("out.txt"))
            .expect("symlink");
        std::os::unix::fs::symlink(outside.path(), root.join("outdir")).expect("symlink");
        std::os::unix::fs::symlink(root.join("ok.txt"), root.join("in.txt")).expect("symlink");
    }
    let files = serve_dir(&root);
    for url in [
        "app://x/%2e%2e/data.bin",
        "app://x/%2E%2E/%2e%2e/etc/passwd",
        "app://x/.%2e/data.bin",
        "app://x/sub%2f..%2f..%2fdata.bin",
        "app://x/..%5cdata.bin",
        "app://x/ok.txt%00.png",
        "app://x/out.txt",
        "app://x/outdir/secret.txt",
    ] {
        let r = files.serve(&get(url, &[])).await.expect("serve");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{url}");
        assert!(body(r).await.is_empty(), "{url}");
    }
    // A raw `..` in the request URI (no parsed URL) is resolved by URL parsing, inside the root.
    let mut raw = http::Request::new(());
    *raw.uri_mut() = "app://x/../ok.txt".parse().expect("uri");
    let r = files.serve(&raw).await.expect("serve");
    assert_eq!(body(r).await, b"ok");
    #[cfg(unix)]
    {
        let r = files
            .serve(&get("app://x/in.txt", &[]))
            .await
            .expect("serve");
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "a link inside the root is served"
        );
    }
}

#[tokio::test]
async fn a_filter_limits_what_is_served() {
    let dir = site();
    let files = serve_dir(dir.path()).filter(|p| p.starts_with("sub/"));
    let r = files
        .serve(&get("app://x/sub/a%20b.css", &[]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::OK);
    let r = files
        .serve(&get("app://x/data.bin", &[]))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

fn sparse(path: &Path, len: u64) {
    let f = std::fs::File::create(path).expect("create");
    f.set_len(len).expect("set_len");
}

#[tokio::test]
async fn a_range_at_five_gib_of_a_sparse_file_and_a_body_never_held_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.bin");
    let len: u64 = 6 << 30;
    sparse(&path, len);
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        f.seek(SeekFrom::Start(5 << 30)).expect("seek");
        f.write_all(b"five gib").expect("write");
    }
    let file = serve_file(&path);
    let r = file
        .serve(&get(
            "app://x/any",
            &[("range", "bytes=5368709120-5368709127")],
        ))
        .await
        .expect("serve");
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(&r, "content-range").as_deref(),
        Some("bytes 5368709120-5368709127/6442450944")
    );
    assert_eq!(body(r).await, b"five gib");

    // The whole 6 GiB body is announced and streams in bounded chunks; holding it in memory
    // would not be possible here.
    let r = file.serve(&get("app://x/any", &[])).await.expect("serve");
    assert_eq!(header(&r, "content-length"), Some(len.to_string()));
    let mut body = r.into_body();
    let mut read = 0usize;
    for _ in 0..8 {
        let chunk = body.chunk().await.expect("chunk").expect("more data");
        assert!(chunk.len() <= 256 * 1024, "chunk of {}", chunk.len());
        read += chunk.len();
    }
    assert!(read > 0);
}
