//! The session's spellchecker: settings in Preferences, dictionaries downloaded through the
//! session's own fetch from the loopback test site.

use bytes::Bytes;
use session::spellcheck::SpellcheckEvent;
use session::{SessionOptions, Sessions};
use session_test_support::{HOST_RULES, Resource, TestSite};

fn resource(body: Vec<u8>) -> Resource {
    Resource {
        body: Bytes::from(body),
        etag: None,
        last_modified: None,
        headers: Vec::new(),
    }
}

#[tokio::test]
async fn english_on_this_machine_is_used_without_any_request() {
    // Offline first: Debian's en_US (hunspell-en-us) is found, the download URL is not used.
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let s = sessions
        .from_partition("persist:spell", SessionOptions::default())
        .expect("session");
    // SPELL-09
    assert!(
        s.set_spell_checker_dictionary_download_url("i-am-not-a-valid-url")
            .is_err()
    );
    s.set_spell_checker_dictionary_download_url(&site.https_url("a.test", "/res/"))
        .expect("url");
    let mut events = s.spellchecker().subscribe();
    let wrong = s
        .spellchecker()
        .check_text("A sentance with one mistake")
        .await
        .expect("check");
    assert_eq!(wrong.len(), 1);
    assert_eq!(
        (wrong[0].word.as_str(), wrong[0].start, wrong[0].end),
        ("sentance", 2, 10)
    );
    assert_eq!(
        events.try_recv().expect("event"),
        SpellcheckEvent::DictionaryInitialized {
            language_code: "en-US".into()
        }
    );
    assert!(site.requests().is_empty());
    assert!(!user_data.path().join("Dictionaries").exists());
}

#[tokio::test]
async fn downloads_a_missing_language_through_the_session() {
    let site = TestSite::start();
    site.put(
        "hy.aff",
        resource(b"SET UTF-8\nTRY \xd5\xa1\xd5\xa2\n".to_vec()),
    );
    site.put("hy.dic", resource("2\nբարեւ\nաշխարհ\n".as_bytes().to_vec()));
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let s = sessions
        .from_partition("persist:hy", SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s.set_spell_checker_languages(&["hy"]).expect("hy");
    s.set_spell_checker_dictionary_download_url(&site.https_url("a.test", "/res/"))
        .expect("url");
    let mut events = s.spellchecker().subscribe();
    let wrong = s
        .spellchecker()
        .check_text("բարեւ աշխարհհ")
        .await
        .expect("downloaded");
    assert_eq!(wrong.len(), 1);
    assert_eq!(wrong[0].word, "աշխարհհ");
    let mut got = Vec::new();
    while let Ok(e) = events.try_recv() {
        got.push(e);
    }
    assert_eq!(
        got,
        vec![
            SpellcheckEvent::DictionaryDownloadBegin {
                language_code: "hy".into()
            },
            SpellcheckEvent::DictionaryDownloadSuccess {
                language_code: "hy".into()
            },
            SpellcheckEvent::DictionaryInitialized {
                language_code: "hy".into()
            },
        ]
    );
    let paths: Vec<String> = site.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.contains(&"/res/hy.aff".to_owned()), "{paths:?}");
    assert!(
        user_data
            .path()
            .join("Dictionaries")
            .join("hy.dic")
            .is_file()
    );
}

#[tokio::test]
async fn a_missing_file_is_a_download_failure() {
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let sessions = Sessions::new(user_data.path());
    let s = sessions
        .from_partition("persist:missing", SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s.set_spell_checker_languages(&["sq"]).expect("sq");
    s.set_spell_checker_dictionary_download_url(&site.https_url("a.test", "/res/"))
        .expect("url");
    let mut events = s.spellchecker().subscribe();
    let err = s.spellchecker().speller().await.expect_err("404");
    assert!(err.to_string().contains("sq.aff"), "{err}");
    let _begin = events.try_recv().expect("begin");
    assert!(matches!(
        events.try_recv().expect("failure"),
        SpellcheckEvent::DictionaryDownloadFailure { .. }
    ));
    assert!(
        !user_data
            .path()
            .join("Dictionaries")
            .join("sq.aff")
            .exists()
    );
}

#[tokio::test]
async fn settings_and_words_survive_a_restart() {
    let user_data = tempfile::tempdir().expect("tempdir");
    {
        let sessions = Sessions::new(user_data.path());
        let s = sessions
            .from_partition("persist:words", SessionOptions::default())
            .expect("session");
        // SPELL-01, 03
        assert!(s.is_spell_checker_enabled());
        assert!(s.list_words_in_spell_checker_dictionary().await.is_empty());
        // SPELL-07
        let err = s
            .set_spell_checker_languages(&["i-am-a-nonexistent-language"])
            .expect_err("invalid");
        assert_eq!(err.kind(), session::ErrorKind::InvalidArgument);
        s.set_spell_checker_languages(&["fr", "de"]).expect("langs");
        s.set_spell_checker_enabled(false).expect("disable");
        assert!(s.add_word_to_spell_checker_dictionary("foobar"));
        // SPELL-06
        let memory = sessions
            .from_partition("temporary", SessionOptions::default())
            .expect("in memory");
        assert!(!memory.add_word_to_spell_checker_dictionary("foobar"));
    }
    let sessions = Sessions::new(user_data.path());
    let s = sessions
        .from_partition("persist:words", SessionOptions::default())
        .expect("reopen");
    assert_eq!(s.spell_checker_languages(), vec!["fr", "de"]);
    assert!(!s.is_spell_checker_enabled());
    assert_eq!(
        s.list_words_in_spell_checker_dictionary().await,
        vec!["foobar"]
    );
    assert_eq!(s.available_spell_checker_languages().len(), 56);
    let prefs = std::fs::read_to_string(s.storage_path().expect("persistent").join("Preferences"))
        .expect("prefs");
    assert!(prefs.contains("\"dictionaries\""), "{prefs}");
}
