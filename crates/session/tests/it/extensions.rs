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

mod dnr_stage {
    use session::extensions::LoadOptions;
    use session::net::{NetError, new_request};
    use session::{SessionOptions, Sessions};
    use session_test_support::{HOST_RULES, TestSite};

    fn extension(rules: &str) -> tempfile::TempDir {
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

        // Removing the extension removes its rules.
        let id = s.extensions().get_all_extensions()[0].id.clone();
        s.extensions().remove_extension(&id);
        let r = fetch(site.http_url("tracker.test", "/echo"))
            .await
            .expect("not blocked");
        assert_eq!(r.status(), 200);
    }
}
