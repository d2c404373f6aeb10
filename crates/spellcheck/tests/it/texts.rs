//! Running text in German, Spanish and British English with Debian's dictionaries
//! (`hunspell-de-de`, `hunspell-es`, `hunspell-en-gb`, `hunspell-en-us`): words read as
//! Chromium reads them, abbreviations, and suggestions.

use std::path::Path;

use session_spellcheck::{
    MAX_SUGGESTIONS, Spellchecker, SpellcheckerOptions, Speller, Suggestions,
};

/// A speller for `languages` from /usr/share/hunspell, or `None` (with the reason printed) when
/// a Debian dictionary package is absent.
async fn system(languages: &[&str], packages: &str) -> Option<Speller> {
    for language in languages {
        let stem = session_spellcheck::dictionary_file_stem(language).expect("known language");
        if !Path::new(&format!("/usr/share/hunspell/{stem}.dic")).is_file() {
            println!("skipped: /usr/share/hunspell/{stem}.dic is absent (install {packages})");
            return None;
        }
    }
    let s = Spellchecker::new(SpellcheckerOptions::default());
    s.set_spell_checker_languages(languages).expect("languages");
    Some(s.speller().await.expect("dictionaries"))
}

fn flagged(speller: &Speller, text: &str) -> Vec<String> {
    speller
        .check_text(text)
        .into_iter()
        .map(|m| m.word)
        .collect()
}

#[tokio::test]
async fn german_contractions_and_abbreviations() {
    let Some(de) = system(&["de"], "hunspell-de-de").await else {
        return;
    };
    // `gibt's`: `gibt` and `s` are words (Chromium's contraction rule); `v. Chr.`, `usw.`,
    // `ca.`, `Dr.` are in the dictionary with their dot.
    let text = "Das gibt's nicht, sagte Dr. Müller im Jahr 44 v. Chr. in Rom usw. und ca. zehn \
                Leute; siehe /usr/share/doc und https://www.example.de/pfad.";
    assert_eq!(flagged(&de, text), Vec::<String>::new());
    // Without its dot an abbreviation is wrong, as in hunspell; a misspelling stays one.
    assert_eq!(flagged(&de, "Chr und Müllr"), vec!["Chr", "Müllr"]);
}

#[tokio::test]
async fn spanish_and_english_inner_dots_and_apostrophes() {
    let Some(es) = system(&["es"], "hunspell-es").await else {
        return;
    };
    assert_eq!(
        flagged(&es, "En el año 340 a.C vivía Aristóteles."),
        Vec::<String>::new()
    );
    let Some(gb) = system(&["en-GB"], "hunspell-en-gb").await else {
        return;
    };
    assert_eq!(
        flagged(
            &gb,
            "J.R.R Tolkien look'd at the colour'house, e.g. the cellar."
        ),
        Vec::<String>::new()
    );
    assert_eq!(flagged(&gb, "the colour'hoose"), vec!["colour'hoose"]);
}

#[tokio::test]
async fn suggestions_are_capped_and_ranked_with_two_languages() {
    let Some(both) = system(&["en-US", "en-GB"], "hunspell-en-us and hunspell-en-gb").await else {
        return;
    };
    // Each dictionary alone gives up to 15; merged they stay at 15, without duplicates.
    let by_language = both.suggest_by_language("pairs");
    assert!(
        by_language
            .iter()
            .all(|l| l.suggestions.len() <= MAX_SUGGESTIONS)
    );
    for word in ["paris", "anymor", "colrs", "speling"] {
        let merged = both.suggest(word);
        assert!(merged.len() <= MAX_SUGGESTIONS, "{word}: {merged:?}");
        let mut unique = merged.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), merged.len(), "{word}: {merged:?}");
        // A lower-case word: no capitalised other word first.
        let first = merged.first().expect("some suggestion");
        assert!(
            !first.starts_with(char::is_uppercase) || first.to_lowercase() == word,
            "{word}: {merged:?}"
        );
    }
    // The word itself capitalised may come first (`english` → `English`; en_US has `english`).
    let Some(gb) = system(&["en-GB"], "hunspell-en-gb").await else {
        return;
    };
    let found = gb.check_text_with("we speak english", Suggestions::Compute);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].suggestions.first().map(String::as_str),
        Some("English")
    );
}

#[tokio::test]
async fn other_scripts_are_not_judged_by_a_latin_dictionary() {
    let Some(gb) = system(&["en-GB"], "hunspell-en-gb").await else {
        return;
    };
    assert_eq!(
        flagged(
            &gb,
            "The word λόγος and Москва are not English, but teh is wrong."
        ),
        vec!["teh"]
    );
}
