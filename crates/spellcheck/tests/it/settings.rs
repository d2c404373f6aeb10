use session_spellcheck::{
    ErrorKind, SpellcheckPrefs, Spellchecker, SpellcheckerOptions,
    available_spell_checker_languages,
};

fn checker() -> Spellchecker {
    Spellchecker::new(SpellcheckerOptions {
        system_dictionary_dirs: Vec::new(),
        ..Default::default()
    })
}

#[test]
fn enabled_by_default_and_toggles() {
    // SPELL-01
    let s = checker();
    assert!(s.is_spell_checker_enabled());
    // SPELL-13
    s.set_spell_checker_enabled(false);
    assert!(!s.is_spell_checker_enabled());
    assert!(!s.prefs().enabled);
    s.set_spell_checker_enabled(true);
    assert!(s.is_spell_checker_enabled());
}

#[test]
fn languages_are_validated_and_kept_in_order() {
    let s = checker();
    assert!(s.spell_checker_languages().is_empty());
    assert_eq!(s.active_languages(), vec!["en-US"]);
    // SPELL-07
    let err = s
        .set_spell_checker_languages(&["i-am-a-nonexistent-language"])
        .expect_err("invalid");
    assert_eq!(err.kind(), ErrorKind::InvalidLanguage);
    assert_eq!(
        err.to_string(),
        r#"Invalid language code provided: "i-am-a-nonexistent-language" is not a valid language code"#
    );
    assert!(s.spell_checker_languages().is_empty(), "nothing changed");
    // SPELL-08
    s.set_spell_checker_languages(&["es"]).expect("es");
    s.set_spell_checker_languages(&["fr", "en-US"])
        .expect("two");
    assert_eq!(s.spell_checker_languages(), vec!["fr", "en-US"]);
    assert_eq!(s.prefs().dictionaries, vec!["fr", "en-US"]);
}

#[test]
fn available_languages_is_electrons_table() {
    // SPELL-15
    let all = checker().available_spell_checker_languages();
    assert_eq!(all, available_spell_checker_languages());
    assert_eq!(all.len(), 56);
    for code in ["af", "en-US", "en-GB-oxendict", "es-419", "pt-BR", "vi"] {
        assert!(all.iter().any(|c| c == code), "{code}");
    }
}

#[test]
fn download_url_is_validated() {
    // SPELL-09
    let s = checker();
    let err = s
        .set_spell_checker_dictionary_download_url("i-am-not-a-valid-url")
        .expect_err("invalid");
    assert_eq!(err.kind(), ErrorKind::InvalidUrl);
    assert!(
        err.to_string().contains(
            "The URL you provided to setSpellCheckerDictionaryDownloadURL is not a valid URL"
        ),
        "{err}"
    );
    assert_eq!(s.spell_checker_dictionary_download_url(), None);
    s.set_spell_checker_dictionary_download_url("http://127.0.0.1:9/d/")
        .expect("valid");
    assert_eq!(
        s.spell_checker_dictionary_download_url().as_deref(),
        Some("http://127.0.0.1:9/d/")
    );
}

#[test]
fn settings_come_from_preferences_and_go_back() {
    let mut doc = serde_json::json!({
        "spellcheck": {"dictionaries": ["de", "bogus", "de"]},
        "browser": {"enable_spellchecking": false},
        "other": true
    });
    let s = Spellchecker::new(SpellcheckerOptions {
        prefs: SpellcheckPrefs::from_preferences(&doc),
        ..Default::default()
    });
    assert_eq!(
        s.spell_checker_languages(),
        vec!["de"],
        "invalid and duplicate codes dropped"
    );
    assert!(!s.is_spell_checker_enabled());
    s.set_spell_checker_enabled(true);
    s.set_spell_checker_languages(&["nl"]).expect("nl");
    s.prefs().write_to_preferences(&mut doc);
    assert_eq!(doc["spellcheck"]["dictionaries"], serde_json::json!(["nl"]));
    assert_eq!(doc["browser"]["enable_spellchecking"], true);
    assert_eq!(doc["other"], true);
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Spellchecker>();
    assert_send_sync::<session_spellcheck::Speller>();
    assert_send_sync::<session_spellcheck::Error>();
}
