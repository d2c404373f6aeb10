use session_spellcheck::custom::LoadOutcome;
use session_spellcheck::{Spellchecker, SpellcheckerOptions};

use crate::write_dict;

fn persistent(dir: &std::path::Path) -> Spellchecker {
    Spellchecker::new(SpellcheckerOptions {
        partition_dir: Some(dir.to_owned()),
        dictionary_dirs: vec![dir.join("dicts")],
        system_dictionary_dirs: Vec::new(),
        ..Default::default()
    })
}

#[tokio::test]
async fn fresh_session_lists_nothing_and_adds_persist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = persistent(dir.path());
    // SPELL-03
    assert!(s.list_words_in_spell_checker_dictionary().await.is_empty());
    // SPELL-02
    let added: Vec<bool> = ["foo", "bar", "baz"]
        .iter()
        .map(|w| s.add_word_to_spell_checker_dictionary(w))
        .collect();
    assert_eq!(added, vec![true, true, true]);
    assert_eq!(
        s.list_words_in_spell_checker_dictionary().await,
        vec!["bar", "baz", "foo"]
    );
    assert!(!s.add_word_to_spell_checker_dictionary("foo"), "duplicate");
    // On disk in Chromium's format, with a backup copy.
    let file = std::fs::read_to_string(dir.path().join("Custom Dictionary.txt")).expect("file");
    assert!(file.starts_with("bar\nbaz\nfoo\nchecksum_v1 = "), "{file}");
    let backup =
        std::fs::read_to_string(dir.path().join("Custom Dictionary.txt.backup")).expect("backup");
    assert_eq!(backup, file);
    // SPELL-14: a new spellchecker (new process) lists what is on disk.
    let again = persistent(dir.path());
    assert_eq!(
        again.list_words_in_spell_checker_dictionary().await,
        vec!["bar", "baz", "foo"]
    );
    assert_eq!(again.custom_dictionary_outcome(), LoadOutcome::Loaded);
}

#[tokio::test]
async fn invalid_words_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = persistent(dir.path());
    // SPELL-05
    assert!(!s.add_word_to_spell_checker_dictionary(""));
    assert!(!s.add_word_to_spell_checker_dictionary(" padded"));
    assert!(!s.add_word_to_spell_checker_dictionary(&"x".repeat(100)));
    assert!(!s.add_word_to_spell_checker_dictionary("two\nlines"));
    assert!(s.add_word_to_spell_checker_dictionary(&"x".repeat(99)));
    // SPELL-04
    assert!(s.add_word_to_spell_checker_dictionary("foobar"));
    assert_eq!(
        s.list_words_in_spell_checker_dictionary().await,
        vec!["foobar".to_owned(), "x".repeat(99)]
    );
}

#[tokio::test]
async fn remove_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = persistent(dir.path());
    assert!(s.add_word_to_spell_checker_dictionary("foobar"));
    // SPELL-10
    assert!(s.remove_word_from_spell_checker_dictionary("foobar"));
    assert!(s.list_words_in_spell_checker_dictionary().await.is_empty());
    // SPELL-11
    assert!(!s.remove_word_from_spell_checker_dictionary("foobar"));
    assert!(!s.remove_word_from_spell_checker_dictionary("never-added"));
    let again = persistent(dir.path());
    assert!(
        again
            .list_words_in_spell_checker_dictionary()
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn in_memory_session_refuses() {
    // SPELL-06
    let s = Spellchecker::new(SpellcheckerOptions {
        partition_dir: None,
        system_dictionary_dirs: Vec::new(),
        ..Default::default()
    });
    assert!(!s.add_word_to_spell_checker_dictionary("temporary"));
    assert!(!s.remove_word_from_spell_checker_dictionary("temporary"));
    assert!(s.list_words_in_spell_checker_dictionary().await.is_empty());
}

#[tokio::test]
async fn corrupt_file_recovers_from_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = persistent(dir.path());
    assert!(s.add_word_to_spell_checker_dictionary("alpha"));
    assert!(s.add_word_to_spell_checker_dictionary("beta"));
    let path = dir.path().join("Custom Dictionary.txt");
    // A torn write: the checksum no longer matches.
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[0] = b'X';
    std::fs::write(&path, &bytes).expect("corrupt");
    let again = persistent(dir.path());
    assert_eq!(
        again.list_words_in_spell_checker_dictionary().await,
        vec!["alpha", "beta"]
    );
    assert_eq!(
        again.custom_dictionary_outcome(),
        LoadOutcome::RecoveredFromBackup
    );
    // The main file was restored.
    let restored = std::fs::read(&path).expect("read");
    assert_eq!(
        restored,
        std::fs::read(dir.path().join("Custom Dictionary.txt.backup")).expect("backup")
    );
    // Both corrupt: start empty rather than trust either.
    std::fs::write(&path, b"a\nchecksum_v1 = 0").expect("corrupt");
    std::fs::write(
        dir.path().join("Custom Dictionary.txt.backup"),
        b"b\nchecksum_v1 = 0",
    )
    .expect("corrupt");
    let third = persistent(dir.path());
    assert!(
        third
            .list_words_in_spell_checker_dictionary()
            .await
            .is_empty()
    );
    assert_eq!(third.custom_dictionary_outcome(), LoadOutcome::Discarded);
}

#[tokio::test]
async fn added_words_are_accepted_at_once_and_removed_words_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_dict(&dir.path().join("dicts"), "en_US", &["hello", "world"]);
    let s = persistent(dir.path());
    let speller = s.speller().await.expect("speller");
    assert!(!speller.check_word("sessionkit"));
    assert!(s.add_word_to_spell_checker_dictionary("sessionkit"));
    assert!(speller.check_word("sessionkit"), "the same speller sees it");
    assert!(
        s.check_text("hello sessionkit world")
            .await
            .expect("check")
            .is_empty()
    );
    assert!(s.remove_word_from_spell_checker_dictionary("sessionkit"));
    assert!(!speller.check_word("sessionkit"));
    let wrong = s.check_text("hello sessionkit").await.expect("check");
    assert_eq!(wrong.len(), 1);
    assert_eq!((wrong[0].start, wrong[0].end), (6, 16));
}
