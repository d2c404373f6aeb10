//! `Session::web_request`: requests of every origin of a session pass its listeners, after the
//! declarativeNetRequest rules of its extensions.

use std::time::Duration;

use session::downloads::{DownloadOptions, DownloadState};
use session::extensions::LoadOptions;
use session::net::web_request::{Answer, Details, Filter};
use session::net::{NetError, new_request};
use session::{Session, SessionOptions, Sessions};
use session_test_support::{HOST_RULES, TestSite};
use tokio::sync::mpsc;

fn open(user_data: &std::path::Path, site: &TestSite, name: &str) -> Session {
    let s = Sessions::new(user_data)
        .from_partition(name, SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Details>) -> Details {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an event within the deadline")
        .expect("channel open")
}

#[tokio::test]
async fn declarative_net_request_runs_before_listeners() {
    // WR-49 (the embedder's listeners and an extension's rules both apply; the rules first).
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tmp");
    let s = open(ud.path(), &site, "persist:wr-dnr");
    let dir = crate::extensions::dnr_stage::extension(
        r#"[{"id":1,"priority":1,"action":{"type":"block"},"condition":{"urlFilter":"||tracker.test^"}}]"#,
    );
    s.extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .expect("load");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (etx, mut erx) = mpsc::unbounded_channel();
    let _before = s.web_request().add_before_request(Filter::all(), move |d| {
        let _ = tx.send(d);
        async { Answer::proceed() }
    });
    let _error = s.web_request().add_error_occurred(Filter::all(), move |d| {
        let _ = etx.send(d);
        async {}
    });
    let e = s
        .fetch(
            new_request(
                http::Method::GET,
                &site.http_url("tracker.test", "/echo"),
                (),
            )
            .expect("request"),
        )
        .await
        .expect_err("blocked");
    assert_eq!(e.kind(), NetError::BlockedByClient);
    let d = next(&mut erx).await;
    assert_eq!(d.error.as_deref(), Some("net::ERR_BLOCKED_BY_CLIENT"));
    assert!(
        rx.try_recv().is_err(),
        "the listener never saw the blocked request"
    );
    s.fetch(
        new_request(http::Method::GET, &site.http_url("a.test", "/echo"), ()).expect("request"),
    )
    .await
    .expect("other hosts pass");
    assert_eq!(next(&mut rx).await.url.host_str(), Some("a.test"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_and_dictionary_downloads_pass_the_listeners() {
    let site = TestSite::start();
    let ud = tempfile::tempdir().expect("tmp");
    let s = open(ud.path(), &site, "persist:wr-dl");
    s.set_download_path(ud.path().join("saved"))
        .expect("download path");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _h = s
        .web_request()
        .add_before_send_headers(Filter::all(), move |d| {
            let _ = tx.send(d.url.path().to_string());
            let mut h = d.request_headers.unwrap_or_default();
            h.insert("x-seen-by", http::HeaderValue::from_static("webrequest"));
            async move { Answer::request_headers(h) }
        });
    let item = s
        .download_url(
            &site.https_url("a.test", "/bytes/5000"),
            DownloadOptions::default(),
        )
        .expect("download");
    assert_eq!(item.done().await, DownloadState::Completed);
    let seen = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("deadline")
        .expect("open");
    assert_eq!(seen, "/bytes/5000");
    assert_eq!(
        site.requests_to("/bytes/5000")[0].header("x-seen-by"),
        Some("webrequest")
    );
    // A spellchecker dictionary download goes through them too (here a 404).
    s.set_spell_checker_languages(&["sq"]).expect("sq");
    s.set_spell_checker_dictionary_download_url(&site.https_url("a.test", "/res/"))
        .expect("url");
    let _ = s.spellchecker().speller().await;
    let mut paths = Vec::new();
    while let Ok(p) = rx.try_recv() {
        paths.push(p);
    }
    assert!(paths.iter().any(|p| p.ends_with("sq.aff")), "{paths:?}");
}
