//! Debian's en_US dictionary from /usr/share/hunspell (package hunspell-en-us).

use std::path::PathBuf;

use session_spellcheck::{Spellchecker, SpellcheckerOptions};

use crate::write_dict;

fn system_checker() -> Spellchecker {
    assert!(
        PathBuf::from("/usr/share/hunspell/en_US.dic").is_file(),
        "install hunspell-en-us"
    );
    Spellchecker::new(SpellcheckerOptions::default())
}

#[tokio::test]
async fn english_from_the_system_directory() {
    let s = system_checker();
    let speller = s.speller().await.expect("en_US");
    assert!(speller.check_word("dictionary"));
    assert!(speller.check_word("Dictionaries"));
    assert!(speller.check_word("don't"));
    assert!(!speller.check_word("dictionnary"));
    assert!(
        speller
            .suggest("dictionnary")
            .contains(&"dictionary".to_owned())
    );
    let text = "The quick brown fox jumsp over the lazzy dog; see https://exmaple.com or mail a@exmaple.com, it's well-known since 1999.";
    let wrong = speller.check_text(text);
    let words: Vec<_> = wrong.iter().map(|m| m.word.as_str()).collect();
    assert_eq!(words, vec!["jumsp", "lazzy"]);
    for m in &wrong {
        assert_eq!(&text[m.start..m.end], m.word);
    }
}

#[tokio::test]
async fn two_languages_at_once() {
    // A word is right when either language has it; suggestions come from both, in order.
    let dir = tempfile::tempdir().expect("tempdir");
    write_dict(dir.path(), "fr_FR", &["bonjour", "monde", "fromage"]);
    let s = Spellchecker::new(SpellcheckerOptions {
        dictionary_dirs: vec![dir.path().to_owned()],
        ..Default::default()
    });
    s.set_spell_checker_languages(&["en-US", "fr"])
        .expect("langs");
    let speller = s.speller().await.expect("both");
    assert_eq!(speller.languages(), vec!["en-US", "fr"]);
    let wrong = speller.check_text("Bonjour monde, hello world, fromagge and cheese");
    assert_eq!(
        wrong.iter().map(|m| m.word.as_str()).collect::<Vec<_>>(),
        vec!["fromagge"]
    );
    let by_language = speller.suggest_by_language("fromagge");
    assert_eq!(by_language[1].language, "fr");
    assert!(by_language[1].suggestions.contains(&"fromage".to_owned()));
    assert!(speller.suggest("fromagge").contains(&"fromage".to_owned()));
}

#[tokio::test]
async fn configured_directory_wins_over_the_system_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_dict(dir.path(), "en_US", &["zzyzx"]);
    let s = Spellchecker::new(SpellcheckerOptions {
        dictionary_dirs: vec![dir.path().to_owned()],
        ..Default::default()
    });
    assert!(s.check_word("zzyzx").await.expect("check"));
    assert!(!s.check_word("dictionary").await.expect("check"));
}

#[tokio::test]
async fn system_directories_can_be_turned_off() {
    let s = Spellchecker::new(SpellcheckerOptions::default());
    s.set_system_dictionary_dirs(Vec::new());
    assert!(s.search_dirs().is_empty());
    let err = s.speller().await.expect_err("no dictionary anywhere");
    assert_eq!(
        err.kind(),
        session_spellcheck::ErrorKind::DictionaryUnavailable
    );
}
