//! SPELL-12: dictionaries from a download URL, with events, validation and storage.

use std::collections::HashMap;
use std::sync::Arc;

use session_spellcheck::{ErrorKind, SpellcheckEvent, Spellchecker, SpellcheckerOptions};
use tokio::sync::broadcast::Receiver;

use crate::server::{Reply, Server, TcpFetcher};
use crate::{tiny_aff, tiny_dic};

fn routes(stem: &str, aff: Reply, dic: Reply) -> HashMap<String, Reply> {
    HashMap::from([
        (format!("/dict/{stem}.aff"), aff),
        (format!("/dict/{stem}.dic"), dic),
    ])
}

fn good(stem: &str, words: &[&str]) -> HashMap<String, Reply> {
    routes(
        stem,
        Reply::Ok(tiny_aff().into_bytes()),
        Reply::Ok(tiny_dic(words).into_bytes()),
    )
}

fn checker(user_data: &std::path::Path, base: &str) -> Spellchecker {
    let s = Spellchecker::new(SpellcheckerOptions {
        partition_dir: Some(user_data.to_owned()),
        user_data_dir: Some(user_data.to_owned()),
        system_dictionary_dirs: Vec::new(),
        ..Default::default()
    });
    s.set_spell_checker_dictionary_download_url(base)
        .expect("url");
    s.set_dictionary_fetcher(Some(Arc::new(TcpFetcher)));
    s
}

fn drain(rx: &mut Receiver<SpellcheckEvent>) -> Vec<SpellcheckEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

fn lang(code: &str) -> String {
    code.to_owned()
}

#[tokio::test]
async fn downloads_stores_and_initializes() {
    let server = Server::start(good("en_US", &["hello", "world"])).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let s = checker(dir.path(), &server.base);
    let mut events = s.subscribe();
    s.set_spell_checker_languages(&["en-US"]).expect("lang");
    let wrong = s.check_text("hello wrold").await.expect("check");
    assert_eq!(wrong.len(), 1);
    assert_eq!(wrong[0].word, "wrold");
    assert_eq!(
        drain(&mut events),
        vec![
            SpellcheckEvent::DictionaryDownloadBegin {
                language_code: lang("en-US")
            },
            SpellcheckEvent::DictionaryDownloadSuccess {
                language_code: lang("en-US")
            },
            SpellcheckEvent::DictionaryInitialized {
                language_code: lang("en-US")
            },
        ]
    );
    assert_eq!(
        server.requests(),
        vec!["/dict/en_US.aff", "/dict/en_US.dic"]
    );
    let stored = dir.path().join("Dictionaries");
    assert_eq!(
        std::fs::read_to_string(stored.join("en_US.dic")).expect("dic"),
        tiny_dic(&["hello", "world"])
    );
    assert!(stored.join("en_US.aff").is_file());
    // Loaded once: checking again fetches nothing.
    assert!(s.check_word("world").await.expect("check"));
    assert_eq!(server.requests().len(), 2);
    // Another session (new process) finds it offline: no request at all.
    let other = Spellchecker::new(SpellcheckerOptions {
        user_data_dir: Some(dir.path().to_owned()),
        system_dictionary_dirs: Vec::new(),
        ..Default::default()
    });
    let mut other_events = other.subscribe();
    assert!(!other.check_word("wrold").await.expect("offline"));
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        drain(&mut other_events),
        vec![SpellcheckEvent::DictionaryInitialized {
            language_code: lang("en-US")
        }]
    );
}

async fn expect_failure(routes: HashMap<String, Reply>, expected: &str) {
    let server = Server::start(routes).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let s = checker(dir.path(), &server.base);
    let mut events = s.subscribe();
    let err = s.check_text("hello").await.expect_err("must fail");
    assert!(err.to_string().contains(expected), "{err}");
    let events = drain(&mut events);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[0],
        SpellcheckEvent::DictionaryDownloadBegin {
            language_code: lang("en-US")
        }
    );
    match &events[1] {
        SpellcheckEvent::DictionaryDownloadFailure {
            language_code,
            error,
        } => {
            assert_eq!(language_code, "en-US");
            assert!(error.contains(expected), "{error}");
        }
        other => panic!("expected a failure event, got {other:?}"),
    }
    assert!(
        !dir.path().join("Dictionaries").join("en_US.dic").exists()
            && !dir.path().join("Dictionaries").join("en_US.aff").exists(),
        "nothing stored"
    );
}

#[tokio::test]
async fn http_error_is_a_failure() {
    expect_failure(
        routes(
            "en_US",
            Reply::Ok(tiny_aff().into_bytes()),
            Reply::Status(404),
        ),
        "HTTP status 404",
    )
    .await;
}

#[tokio::test]
async fn truncated_body_is_a_failure() {
    let body = tiny_dic(&["hello", "world", "again"]).into_bytes();
    expect_failure(
        routes(
            "en_US",
            Reply::Ok(tiny_aff().into_bytes()),
            Reply::Truncated {
                sent: body.len() / 2,
                body,
            },
        ),
        "truncated",
    )
    .await;
}

#[tokio::test]
async fn cut_off_dictionary_is_a_failure() {
    // Served whole, but the file itself is cut short: fewer words than announced.
    expect_failure(
        routes(
            "en_US",
            Reply::Ok(tiny_aff().into_bytes()),
            Reply::Ok(b"500\nhello\nwor".to_vec()),
        ),
        "truncated",
    )
    .await;
}

#[tokio::test]
async fn wrong_encoding_is_a_failure() {
    expect_failure(
        routes(
            "en_US",
            Reply::Ok(tiny_aff().into_bytes()),
            Reply::Ok(b"1\ncaf\xe9\n".to_vec()),
        ),
        "not valid UTF-8",
    )
    .await;
}

#[tokio::test]
async fn malformed_dictionary_is_a_failure() {
    expect_failure(
        routes(
            "en_US",
            Reply::Ok(b"SET UTF-8\nSFX S Y 3\nSFX S 0 s .\n".to_vec()),
            Reply::Ok(tiny_dic(&["hello"]).into_bytes()),
        ),
        "malformed",
    )
    .await;
}

#[tokio::test]
async fn connection_refused_is_a_failure() {
    // Bind and drop to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let s = checker(dir.path(), &format!("http://127.0.0.1:{port}/dict/"));
    let mut events = s.subscribe();
    let err = s.speller().await.expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Download);
    assert!(matches!(
        drain(&mut events).last(),
        Some(SpellcheckEvent::DictionaryDownloadFailure { .. })
    ));
}

#[tokio::test]
async fn nothing_is_downloaded_while_disabled() {
    let server = Server::start(good("en_US", &["hello"])).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let s = checker(dir.path(), &server.base);
    let mut events = s.subscribe();
    s.set_spell_checker_enabled(false);
    assert!(
        s.check_text("hello wrold")
            .await
            .expect("disabled")
            .is_empty()
    );
    assert!(server.requests().is_empty());
    assert!(drain(&mut events).is_empty());
    s.set_spell_checker_enabled(true);
    assert_eq!(s.check_text("hello wrold").await.expect("enabled").len(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn only_enabled_languages_are_downloaded() {
    let mut all = good("en_US", &["hello"]);
    all.extend(good("fr_FR", &["bonjour"]));
    all.extend(good("de_DE", &["hallo"]));
    let server = Server::start(all).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let s = checker(dir.path(), &server.base);
    s.set_spell_checker_languages(&["fr", "de"]).expect("langs");
    let wrong = s.check_text("bonjour hallo hello").await.expect("check");
    assert_eq!(
        wrong.iter().map(|m| m.word.as_str()).collect::<Vec<_>>(),
        vec!["hello"]
    );
    let mut requested = server.requests();
    requested.sort();
    assert_eq!(
        requested,
        vec![
            "/dict/de_DE.aff",
            "/dict/de_DE.dic",
            "/dict/fr_FR.aff",
            "/dict/fr_FR.dic"
        ]
    );
}

#[tokio::test]
async fn no_url_means_no_network_and_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Spellchecker::new(SpellcheckerOptions {
        user_data_dir: Some(dir.path().to_owned()),
        system_dictionary_dirs: Vec::new(),
        ..Default::default()
    });
    s.set_dictionary_fetcher(Some(Arc::new(TcpFetcher)));
    s.set_spell_checker_languages(&["hy"]).expect("hy");
    let err = s.speller().await.expect_err("unavailable");
    assert_eq!(err.kind(), ErrorKind::DictionaryUnavailable);
    assert!(err.to_string().contains("hy.aff"), "{err}");
    assert!(err.to_string().contains("no download URL"), "{err}");
}
