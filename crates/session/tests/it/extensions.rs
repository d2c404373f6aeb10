//! `session.extensions` and the deprecated `session.loadExtension` family.

use session::extensions::{ExtensionEvent, LoadOptions};
use session::{SessionOptions, Sessions};

fn extension_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("ok");
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"manifest_version": 3, "name": "facade", "version": "1.0"}"#,
    )
    .expect("ok");
    dir
}

#[test]
#[allow(deprecated)]
fn deprecated_session_methods_forward_to_extensions() {
    // EXT-15
    let user_data = tempfile::tempdir().expect("ok");
    let sessions = Sessions::new(user_data.path());
    let ses = sessions
        .from_partition("persist:ext", SessionOptions::default())
        .expect("ok");
    let dir = extension_dir();
    let mut events = ses.extensions().subscribe();
    let loaded = ses
        .load_extension(dir.path(), LoadOptions::default())
        .expect("ok");
    let id = loaded.extension.id.clone();
    assert!(matches!(events.try_recv().expect("ok"), ExtensionEvent::Loaded(e) if e.id == id));
    assert_eq!(
        ses.extensions().get_extension(&id),
        Some(loaded.extension.clone())
    );
    assert_eq!(ses.get_extension(&id), Some(loaded.extension.clone()));
    assert_eq!(ses.get_all_extensions(), vec![loaded.extension.clone()]);
    ses.remove_extension(&id);
    assert!(ses.extensions().get_all_extensions().is_empty());
}

#[test]
fn in_memory_sessions_refuse_extensions_and_sessions_are_separate() {
    // EXT-09, EXT-10
    let user_data = tempfile::tempdir().expect("ok");
    let sessions = Sessions::new(user_data.path());
    let temp = sessions
        .from_partition("temp", SessionOptions::default())
        .expect("ok");
    let dir = extension_dir();
    let e = temp
        .extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .expect_err("must fail");
    assert_eq!(
        e.to_string(),
        "Extensions cannot be loaded in a temporary session"
    );
    let a = sessions
        .from_partition("persist:a", SessionOptions::default())
        .expect("ok");
    let b = sessions
        .from_partition("persist:b", SessionOptions::default())
        .expect("ok");
    a.extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .expect("ok");
    assert_eq!(a.extensions().get_all_extensions().len(), 1);
    assert!(b.extensions().get_all_extensions().is_empty());
}

pub(crate) mod dnr_stage {
    use session::extensions::LoadOptions;
    use session::net::{NetError, new_request};
    use session::{SessionOptions, Sessions};
    use session_test_support::{HOST_RULES, TestSite};

    pub(crate) fn extension(rules: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"{"manifest_version":3,"name":"dnr","version":"1.0",
                "permissions":["declarativeNetRequest"],
                "host_permissions":["<all_urls>"],
                "declarative_net_request":{"rule_resources":[{"id":"main","enabled":true,"path":"rules.json"}]}}"#,
        )
        .expect("manifest");
        std::fs::write(dir.path().join("rules.json"), rules).expect("rules");
        dir
    }

    #[tokio::test]
    async fn rules_block_redirect_and_edit_headers_of_fetches() {
        let site = TestSite::start();
        let ud = tempfile::tempdir().expect("tmp");
        let sessions = Sessions::new(ud.path());
        let s = sessions
            .from_partition("persist:dnr", SessionOptions::default())
            .expect("session");
        s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
        let port = site.http_port();
        let rules = format!(
            r#"[
              {{"id":1,"priority":1,"action":{{"type":"block"}},
                "condition":{{"urlFilter":"||tracker.test^"}}}},
              {{"id":2,"priority":1,"action":{{"type":"redirect","redirect":{{"url":"http://a.test:{port}/echo"}}}},
                "condition":{{"urlFilter":"|http://old.test:{port}/"}}}},
              {{"id":3,"priority":1,"action":{{"type":"modifyHeaders",
                  "requestHeaders":[{{"header":"x-added","operation":"set","value":"by-dnr"}}],
                  "responseHeaders":[{{"header":"x-seen","operation":"set","value":"yes"}}]}},
                "condition":{{"urlFilter":"/echo"}}}}
            ]"#
        );
        let dir = extension(&rules);
        s.extensions()
            .load_extension(dir.path(), LoadOptions::default())
            .expect("load");
        let fetch = |url: String| {
            let s = s.clone();
            async move {
                s.fetch(new_request(http::Method::GET, &url, ()).expect("request"))
                    .await
            }
        };

        // Block.
        let e = fetch(site.http_url("tracker.test", "/echo"))
            .await
            .expect_err("blocked");
        assert_eq!(e.kind(), NetError::BlockedByClient);
        assert!(site.requests_to("/echo").is_empty(), "never sent");

        // Redirect, then header edits on the redirect target.
        let r = fetch(site.http_url("old.test", "/anything"))
            .await
            .expect("redirected");
        assert_eq!(r.status(), 200);
        assert_eq!(r.url().as_str(), site.http_url("a.test", "/echo"));
        assert_eq!(
            r.headers().get("x-seen").map(|v| v.to_str().ok()),
            Some(Some("yes"))
        );
        let sent = &site.requests_to("/echo")[0];
        assert_eq!(sent.header("x-added"), Some("by-dnr"));
        assert!(
            site.requests_to("/anything").is_empty(),
            "the old URL was never asked"
        );

        // The net log names each decision with the extension and the rule.
        let log_path = ud.path().join("dnr-netlog.json");
        let log = s.net_log();
        log.start_logging(&log_path, session::netlog::NetLogOptions::new())
            .expect("start log");
        let _ = fetch(site.http_url("tracker.test", "/echo")).await;
        let _ = fetch(site.http_url("old.test", "/anything")).await;
        log.stop_logging().expect("stop log");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&log_path).expect("log")).expect("json");
        let id = s.extensions().get_all_extensions()[0].id.clone();
        let events = |name: &str| -> Vec<serde_json::Value> {
            let ty = &v["constants"]["logEventTypes"][name];
            v["events"]
                .as_array()
                .expect("events")
                .iter()
                .filter(|e| &e["type"] == ty)
                .map(|e| e["params"].clone())
                .collect()
        };
        let aborted = events("CHROME_EXTENSION_ABORTED_REQUEST");
        assert_eq!(aborted.len(), 1, "{aborted:?}");
        assert_eq!(aborted[0]["extension_id"], id.as_str());
        assert_eq!(aborted[0]["rules"][0]["rule_id"], 1);
        assert_eq!(aborted[0]["rules"][0]["ruleset_id"], "main");
        let redirected = events("CHROME_EXTENSION_REDIRECTED_REQUEST");
        assert_eq!(redirected.len(), 1, "{redirected:?}");
        assert_eq!(redirected[0]["rules"][0]["rule_id"], 2);
        assert_eq!(redirected[0]["url"], site.http_url("a.test", "/echo"));
        let modified = events("CHROME_EXTENSION_MODIFIED_HEADERS");
        assert_eq!(modified.len(), 1, "{modified:?}");
        assert_eq!(modified[0]["rules"][0]["rule_id"], 3);
        assert_eq!(
            modified[0]["modified_headers"],
            serde_json::json!(["x-added", "x-seen"])
        );

        // Removing the extension removes its rules.
        s.extensions().remove_extension(&id);
        let r = fetch(site.http_url("tracker.test", "/echo"))
            .await
            .expect("not blocked");
        assert_eq!(r.status(), 200);
    }
}

fn request_from(url: &str, origin: Option<&str>) -> http::Request<session::net::RequestBody> {
    let mut request = session::net::new_request(http::Method::GET, url, ()).expect("request");
    if let Some(origin) = origin {
        let options = request
            .extensions_mut()
            .remove::<session::net::FetchOptions>()
            .expect("options");
        request
            .extensions_mut()
            .insert(options.origin(url::Url::parse(origin).expect("origin")));
    }
    request
}

async fn fetch_from(
    ses: &session::Session,
    url: &str,
    origin: Option<&str>,
) -> session::net::Result<(u16, String, String)> {
    let response = ses.fetch(request_from(url, origin)).await?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((status, content_type, response.text().await?))
}

#[tokio::test]
async fn chrome_extension_urls_serve_files_by_web_accessible_resources() {
    let user_data = tempfile::tempdir().expect("ok");
    let sessions = Sessions::new(user_data.path());
    let ses = sessions
        .from_partition("persist:war", SessionOptions::default())
        .expect("ok");
    let dir = tempfile::tempdir().expect("ok");
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"manifest_version": 3, "name": "war", "version": "1",
            "web_accessible_resources": [{"resources": ["public/*"], "matches": ["https://ok.test/*"]}]}"#,
    )
    .expect("ok");
    std::fs::create_dir(dir.path().join("public")).expect("ok");
    std::fs::write(dir.path().join("public/a.js"), "console.log(1);").expect("ok");
    std::fs::write(dir.path().join("secret.txt"), "0123456789").expect("ok");
    let outside = tempfile::tempdir().expect("ok");
    std::fs::write(outside.path().join("x.txt"), "outside").expect("ok");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("x.txt"),
        dir.path().join("public/link.txt"),
    )
    .expect("ok");
    let id = ses
        .extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .expect("ok")
        .extension
        .id;
    let base = format!("chrome-extension://{id}");
    let own = format!("chrome-extension://{id}");

    // The embedder (no initiator) and the extension itself load any file, with its MIME type.
    let (status, mime, body) = fetch_from(&ses, &format!("{base}/public/a.js"), None)
        .await
        .expect("ok");
    assert_eq!((status, body.as_str()), (200, "console.log(1);"));
    assert!(mime.contains("javascript"), "{mime}");
    let (status, _, body) = fetch_from(&ses, &format!("{base}/secret.txt"), Some(&own))
        .await
        .expect("ok");
    assert_eq!((status, body.as_str()), (200, "0123456789"));

    // A page of a granted origin loads a web-accessible resource, nothing else.
    let ok = Some("https://ok.test");
    assert_eq!(
        fetch_from(&ses, &format!("{base}/public/a.js"), ok)
            .await
            .expect("ok")
            .0,
        200
    );
    for (url, origin) in [
        (format!("{base}/secret.txt"), ok),
        (format!("{base}/public/a.js"), Some("https://evil.test")),
        (
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop/a.js".to_string(),
            None,
        ),
    ] {
        let e = fetch_from(&ses, &url, origin).await.expect_err(&url);
        assert_eq!(e.kind(), session::net::NetError::BlockedByClient, "{url}");
    }

    // Range is honoured (the file responder answers).
    let mut request = request_from(&format!("{base}/secret.txt"), None);
    request
        .headers_mut()
        .insert("range", "bytes=2-4".parse().expect("ok"));
    let response = ses.fetch(request).await.expect("ok");
    assert_eq!(response.status(), 206);
    assert_eq!(response.headers()["content-range"], "bytes 2-4/10");
    assert_eq!(response.text().await.expect("ok"), "234");

    // Nothing outside the directory: dot segments, encoded ones, a symlink out; a missing file.
    // (`%2e%2e` segments are dot segments of the URL itself: they never get above the root.)
    for path in [
        "/public/..%2f..%2fx.txt",
        "/public/%2e%2e%2f%2e%2e%2fx.txt",
        "/public/link.txt",
        "/nope.js",
    ] {
        let url = format!("{base}{path}");
        let e = fetch_from(&ses, &url, None).await.expect_err(&url);
        assert_eq!(e.kind(), session::net::NetError::FileNotFound, "{url}");
    }

    // EXT-10: another session's extensions are not served here.
    let other = sessions
        .from_partition("persist:other", SessionOptions::default())
        .expect("ok");
    let e = fetch_from(&other, &format!("{base}/public/a.js"), None)
        .await
        .expect_err("not loaded there");
    assert_eq!(e.kind(), session::net::NetError::BlockedByClient);

    // The embedder's own handler of the scheme comes first; once removed, the files are back.
    ses.protocol()
        .handle(
            "chrome-extension",
            |_r: http::Request<session::net::RequestBody>| async {
                Ok(http::Response::new(session::net::Body::full("mine")))
            },
        )
        .expect("ok");
    let (_, _, body) = fetch_from(&ses, &format!("{base}/public/a.js"), None)
        .await
        .expect("ok");
    assert_eq!(body, "mine");
    ses.protocol().unhandle("chrome-extension");
    ses.extensions().remove_extension(&id);
    let e = fetch_from(&ses, &format!("{base}/public/a.js"), None)
        .await
        .expect_err("removed");
    assert_eq!(e.kind(), session::net::NetError::BlockedByClient);
}
