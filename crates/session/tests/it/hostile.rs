//! Hostile servers end in a clear `net::ERR_*` (or, for a body longer than its
//! `Content-Length`, in the declared bytes), never a hang or unbounded memory (USER-PAINS:
//! hostile servers; the figures with peak memory are in docs/reliability.md).

use std::time::Duration;

use session::{SessionOptions, Sessions};
use session_test_support::hostile::Hostile;
use session_test_support::{HOST_RULES, TestPki};

/// What a fetch of `case` ends in: `ok <body length>` or the error's Chromium name.
async fn outcome(s: &session::Session, url: &str) -> String {
    let mut r = match s.get(url).timeout(Duration::from_secs(2)).send().await {
        Ok(r) => r,
        Err(e) => return e.kind().name().to_owned(),
    };
    // A chunk at a time, as a page reads: an endless body is never held whole.
    let mut len = 0;
    loop {
        match r.chunk().await {
            Ok(Some(c)) => len += c.len(),
            Ok(None) => return format!("ok {len}"),
            Err(e) => return e.kind().name().to_owned(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_end_in_clear_errors() {
    let pki = TestPki::generate();
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let expected = [
        (Hostile::SlowHeaders, "net::ERR_TIMED_OUT"),
        (Hostile::EndlessHeaders, "net::ERR_RESPONSE_HEADERS_TOO_BIG"),
        (Hostile::EndlessChunked, "net::ERR_TIMED_OUT"),
        (Hostile::ShortBody, "net::ERR_CONTENT_LENGTH_MISMATCH"),
        (Hostile::LongBody, "ok 5"),
        (Hostile::ManySetCookies, "net::ERR_RESPONSE_HEADERS_TOO_BIG"),
        (Hostile::HugeCookie, "net::ERR_RESPONSE_HEADERS_TOO_BIG"),
        (Hostile::RedirectLoop, "net::ERR_TOO_MANY_REDIRECTS"),
        (Hostile::BombGzip, "net::ERR_CONTENT_DECODING_FAILED"),
        (Hostile::BombDeflate, "net::ERR_CONTENT_DECODING_FAILED"),
        (Hostile::BombBr, "net::ERR_CONTENT_DECODING_FAILED"),
        (Hostile::BombZstd, "net::ERR_CONTENT_DECODING_FAILED"),
        (Hostile::ZstdHugeWindow, "net::ERR_CONTENT_DECODING_FAILED"),
        // The floods get no response: the request's deadline ends them.
        (Hostile::H2SettingsFlood, "net::ERR_TIMED_OUT"),
        (Hostile::H2PingFlood, "net::ERR_TIMED_OUT"),
        (Hostile::H2RapidReset, "net::ERR_HTTP2_PROTOCOL_ERROR"),
        (
            Hostile::H2EndlessContinuation,
            "net::ERR_HTTP2_PROTOCOL_ERROR",
        ),
    ];
    assert_eq!(expected.len(), Hostile::ALL.len());
    let mut got = Vec::new();
    for (case, _) in expected {
        // A fresh in-memory session per case, so no connection outlives its server.
        let s = sessions
            .from_partition(&format!("hostile-{case:?}"), SessionOptions::default())
            .expect("session");
        s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
        s.net()
            .add_trusted_roots_pem(pki.ca_pem().as_bytes())
            .expect("ca");
        let server = case.start(&pki);
        let url = case.url(&server);
        got.push((case, outcome(&s, &url).await));
        drop(s);
    }
    for (case, result) in &got {
        println!("{case:?}: {result}");
    }
    for ((case, result), (_, want)) in got.iter().zip(expected) {
        assert_eq!(result, want, "{case:?}");
    }
}
