//! `RequestBuilder` and the reqwest-style `Response` methods over the loopback test site.

use std::time::Duration;

use session::net::{CacheMode, CredentialsMode, NetError, RedirectMode};
use session::{SessionOptions, Sessions};
use session_test_support::{HOST_RULES, TestSite};

fn session(sessions: &Sessions, name: &str, site: &TestSite) -> session::Session {
    let s = sessions
        .from_partition(name, SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

fn header(echo: &serde_json::Value, name: &str) -> Vec<String> {
    echo["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .filter_map(|p| {
            let p = p.as_array()?;
            p[0].as_str()?
                .eq_ignore_ascii_case(name)
                .then(|| p[1].as_str().unwrap_or("").to_string())
        })
        .collect()
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Item {
    name: String,
    count: u32,
}

#[tokio::test]
async fn query_headers_and_json_body_reach_the_server() {
    // FETCH-02 through the builder: a JSON body is echoed, with its content type.
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "rb-json", &site);
    let item = Item {
        name: "tea & cake".into(),
        count: 2,
    };
    let echo: serde_json::Value = s
        .post(site.https_url("a.test", "/echo?x=1"))
        .query(&[("q", "a b"), ("lang", "fr")])
        .header("x-one", "1")
        .header("x-one", "2")
        .json(&item)
        .send()
        .await
        .expect("send")
        .error_for_status()
        .expect("200")
        .json()
        .await
        .expect("echo is JSON");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/echo?x=1&q=a+b&lang=fr");
    assert_eq!(header(&echo, "x-one"), ["1", "2"]);
    assert_eq!(header(&echo, "content-type"), ["application/json"]);
    let sent: Item = serde_json::from_str(echo["body"].as_str().expect("body")).expect("json");
    assert_eq!(sent, item);
}

#[tokio::test]
async fn form_and_basic_auth_set_their_headers() {
    // FETCH-03: a urlencoded form body.
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "rb-form", &site);
    let mut extra = http::HeaderMap::new();
    extra.insert("x-replaced", "new".parse().expect("value"));
    let r = s
        .put(site.http_url("a.test", "/echo"))
        .header("x-replaced", "old")
        .headers(extra)
        .form(&[("foo", "bar"), ("sp ace", "é")])
        .basic_auth("aladdin", Some("open sesame"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.url().path(), "/echo");
    let echo: serde_json::Value = r.json().await.expect("json");
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["body"], "foo=bar&sp+ace=%C3%A9");
    assert_eq!(
        header(&echo, "content-type"),
        ["application/x-www-form-urlencoded"]
    );
    assert_eq!(
        header(&echo, "authorization"),
        ["Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ=="]
    );
    assert_eq!(header(&echo, "x-replaced"), ["new"]);
}

#[tokio::test]
async fn file_and_blob_bodies_are_streamed_and_shown_as_parts() {
    // WR-12: uploadData shows a file by its path and a blob by its blobUUID.
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "rb-parts", &site);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let _h =
        s.web_request()
            .add_before_request(session::net::web_request::Filter::all(), move |d| {
                seen2.lock().expect("lock").push(d.upload_data);
                async { session::net::web_request::Answer::proceed() }
            });
    let path = ud.path().join("upload.txt");
    std::fs::write(&path, "from a file").expect("write");
    let echo: serde_json::Value = s
        .post(site.http_url("a.test", "/echo"))
        .body_file(&path)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(echo["body"], "from a file");
    assert_eq!(header(&echo, "content-length"), ["11"]);
    let uuid = s.register_blob(&b"from a blob"[..], "text/plain");
    let echo: serde_json::Value = s
        .put(site.http_url("a.test", "/echo"))
        .body_blob(&uuid)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(echo["body"], "from a blob");
    let seen = seen.lock().expect("lock").clone();
    let file = seen[0].as_ref().expect("uploadData");
    assert_eq!(file[0].file.as_deref(), Some(path.as_path()));
    let blob = seen[1].as_ref().expect("uploadData");
    assert_eq!(blob[0].blob_uuid.as_deref(), Some(uuid.as_str()));
    // An unknown blob and a missing file fail at send, naming them.
    let e = s
        .post(site.http_url("a.test", "/echo"))
        .body_blob("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .expect_err("unknown blob");
    assert!(
        e.detail().contains("00000000-0000-0000-0000-000000000000"),
        "{e}"
    );
    let e = s
        .post(site.http_url("a.test", "/echo"))
        .body_file(ud.path().join("missing.txt"))
        .send()
        .await
        .expect_err("missing file");
    assert_eq!(e.kind(), NetError::FileNotFound);
    assert!(e.detail().contains("missing.txt"), "{e}");
}

#[tokio::test]
async fn error_for_status_names_the_status_and_keeps_success() {
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "rb-status", &site);
    let r = s
        .get(site.http_url("a.test", "/status/404"))
        .send()
        .await
        .expect("a 404 is a response");
    assert_eq!(r.status(), 404);
    let err = r.error_for_status().expect_err("404 is an error");
    assert_eq!(err.kind(), NetError::HttpResponseCodeFailure);
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
    assert!(err.to_string().contains("/status/404"), "{err}");

    // A redirect seen with redirect: manual is not an error; follow gives the chain.
    let r = s
        .get(site.http_url("a.test", "/redirect/1"))
        .redirect(RedirectMode::Manual)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 302);
    assert!(r.error_for_status_ref().is_ok());
    let r = s
        .get(site.http_url("a.test", "/redirect/2"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.url_chain().len(), 3);
    assert_eq!(r.url().path(), "/redirect/0");
    assert_eq!(r.text().await.expect("text"), "redirected");
}

#[tokio::test]
async fn timeout_fails_with_err_timed_out_before_headers_and_during_the_body() {
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "rb-timeout", &site);
    let err = s
        .get(site.http_url("a.test", "/hang"))
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .expect_err("the server never answers");
    assert_eq!(err.kind(), NetError::TimedOut);
    assert!(err.is_timeout());

    // Headers come at once, the body drips for far longer than the timeout.
    let r = s
        .get(site.http_url("a.test", "/drip?bytes=100&chunk=1&delay_ms=200"))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect("headers within the timeout");
    let err = r.bytes().await.expect_err("the body outlives the timeout");
    assert_eq!(err.kind(), NetError::TimedOut);
}

#[tokio::test]
async fn bytes_stream_credentials_and_cache_modes() {
    use futures_util::StreamExt;
    // FETCH-07: credentials decide whether the session's cookies go.
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = session(&sessions, "rb-modes", &site);
    let url = site.https_url("a.test", "/echo");
    s.cookies()
        .set(&session::cookies::CookieDetails {
            url: url.clone(),
            name: "sid".into(),
            value: "42".into(),
            ..Default::default()
        })
        .expect("set cookie");
    let with = s
        .get(&url)
        .credentials(CredentialsMode::Include)
        .send()
        .await
        .expect("send");
    let mut stream = with.bytes_stream();
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.expect("chunk"));
    }
    let echo: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(header(&echo, "cookie"), ["sid=42"]);
    let without: serde_json::Value = s
        .get(&url)
        .credentials(CredentialsMode::Omit)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(header(&without, "cookie").is_empty());

    // only-if-cached on an empty cache: net::ERR_CACHE_MISS.
    let err = s
        .get(site.https_url("a.test", "/bytes/10"))
        .cache(CacheMode::OnlyIfCached)
        .send()
        .await
        .expect_err("nothing cached");
    assert_eq!(err.kind(), NetError::CacheMiss);
}

#[tokio::test]
async fn building_mistakes_surface_at_send() {
    let ud = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("rb-bad", SessionOptions::default())
        .expect("session");
    let err = s.get("not a url").send().await.expect_err("bad URL");
    assert_eq!(err.kind(), NetError::InvalidUrl);
    assert!(err.to_string().contains("'not a url'"), "{err}");
    let err = s
        .get("http://a.test/")
        .header("bad header", "v")
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(err.kind(), NetError::InvalidArgument);
    let err = s
        .get("http://a.test/")
        .query(&serde_json::json!({"nested": {"a": 1}}))
        .build()
        .expect_err("nested values do not urlencode");
    assert_eq!(err.kind(), NetError::InvalidArgument);
    // build() gives the request fetch() receives.
    let req = s
        .delete("http://a.test/x")
        .header("x-a", "b")
        .build()
        .expect("request");
    assert_eq!(req.method(), http::Method::DELETE);
    assert_eq!(req.uri(), "http://a.test/x");
    assert_eq!(req.headers()["x-a"], "b");
}

#[tokio::test]
async fn header_names_given_as_text_keep_their_spelling_on_http1() {
    let raw = session_test_support::RawServer::start(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".to_vec(),
        true,
    );
    let dir = tempfile::tempdir().expect("dir");
    let sessions = Sessions::new(dir.path());
    let s = sessions
        .from_partition("spelling", SessionOptions::default())
        .expect("session");
    let r = s
        .get(raw.url("/"))
        .header("x-API-Key", "k")
        .header(http::header::ACCEPT_LANGUAGE, "fr")
        .header(String::from("dnt"), "1")
        .send()
        .await
        .expect("send");
    assert_eq!(r.text().await.expect("body"), "ok");
    let head = String::from_utf8(raw.received()[0].clone()).expect("utf-8 head");
    assert!(head.contains("\r\nx-API-Key: k\r\n"), "{head}");
    assert!(head.contains("\r\ndnt: 1\r\n"), "{head}");
    assert!(
        head.contains("\r\nAccept-Language: fr\r\n"),
        "a HeaderName goes Title-Case: {head}"
    );
}
