//! Checking words and text against several dictionaries at once plus the custom words.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::engine::Dictionary;
use crate::memo::Memo;
use crate::text::{Token, for_each_word, hyphen_parts};

/// A misspelled word of a text, with its byte range (for underlining it in an editor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Misspelling {
    /// The word as it appears in the text.
    pub word: String,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
}

/// Suggestions for a word from one language's dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LanguageSuggestions {
    /// The language code the dictionary was loaded for.
    pub language: String,
    /// Corrections, best first.
    pub suggestions: Vec<String>,
}

/// The user's added words, shared by every [`Speller`] of a spellchecker so that an added word
/// is accepted at once.
pub(crate) type SharedWords = Arc<RwLock<BTreeSet<String>>>;

/// A ready checker: the dictionaries of the active languages, in order, plus the custom words.
///
/// A word is correct when any dictionary accepts it or it is a custom word; suggestions are
/// merged in language order. With no dictionary (spellchecker disabled) nothing is flagged.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Speller {
    dictionaries: Vec<(String, Arc<dyn Dictionary>)>,
    custom: SharedWords,
}

impl Speller {
    /// A speller over `dictionaries` (language code, dictionary), in priority order, with no
    /// custom words.
    pub fn new(dictionaries: Vec<(String, Arc<dyn Dictionary>)>) -> Self {
        Self::with_custom_words(dictionaries, SharedWords::default())
    }

    pub(crate) fn with_custom_words(
        dictionaries: Vec<(String, Arc<dyn Dictionary>)>,
        custom: SharedWords,
    ) -> Self {
        Self {
            dictionaries,
            custom,
        }
    }

    /// The language codes checked, in order.
    pub fn languages(&self) -> Vec<String> {
        self.dictionaries.iter().map(|(l, _)| l.clone()).collect()
    }

    /// Whether `word` is correct in any active language or is a custom word.
    pub fn check_word(&self, word: &str) -> bool {
        let custom = self.custom.read().unwrap_or_else(|p| p.into_inner());
        self.check_with(&custom, word)
    }

    fn check_with(&self, custom: &BTreeSet<String>, word: &str) -> bool {
        if self.dictionaries.is_empty() || in_custom(custom, word) {
            return true;
        }
        self.dictionaries.iter().any(|(_, d)| d.check(word))
    }

    /// Corrections for `word` from every active language, merged in language order without
    /// duplicates.
    pub fn suggest(&self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for group in self.suggest_by_language(word) {
            for s in group.suggestions {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Corrections for `word`, per language, in language order.
    pub fn suggest_by_language(&self, word: &str) -> Vec<LanguageSuggestions> {
        self.dictionaries
            .iter()
            .map(|(language, d)| {
                let mut suggestions = Vec::new();
                d.suggest(word, &mut suggestions);
                LanguageSuggestions {
                    language: language.clone(),
                    suggestions,
                }
            })
            .collect()
    }

    /// The misspelled words of `text`, in order, with byte ranges. A hyphenated word is fine
    /// when the dictionary accepts it whole or all of its parts are correct; otherwise the
    /// wrong parts are reported. Repeated words are checked once per call.
    pub fn check_text(&self, text: &str) -> Vec<Misspelling> {
        let mut out = Vec::new();
        if self.dictionaries.is_empty() {
            return out;
        }
        let custom = self.custom.read().unwrap_or_else(|p| p.into_inner());
        let mut memo = Memo::for_text(text.len());
        for_each_word(text, |token: Token<'_>| {
            if memo.get_or_check(token.word, |w| self.check_with(&custom, w)) {
                return;
            }
            if token.word.contains(['-', '\u{2010}']) {
                out.extend(
                    hyphen_parts(token)
                        .filter(|p| !self.check_with(&custom, p.word))
                        .map(misspelling),
                );
            } else {
                out.push(misspelling(token));
            }
        });
        out
    }
}

fn misspelling(t: Token<'_>) -> Misspelling {
    Misspelling {
        word: t.word.to_owned(),
        start: t.start,
        end: t.end,
    }
}

/// A custom word matches as added, and also capitalized or in capitals when added in lower case
/// (`foobar` accepts `Foobar` and `FOOBAR`).
fn in_custom(custom: &BTreeSet<String>, word: &str) -> bool {
    if custom.is_empty() {
        return false;
    }
    if custom.contains(word) {
        return true;
    }
    let lower = word.to_lowercase();
    if lower == word || !custom.contains(&lower) {
        return false;
    }
    let mut chars = word.chars();
    let first_upper = chars.next().is_some_and(char::is_uppercase);
    let rest_lower = word.chars().skip(1).collect::<String>().to_lowercase()
        == word.chars().skip(1).collect::<String>();
    let all_upper = word.to_uppercase() == word;
    (first_upper && rest_lower) || all_upper
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;

    fn dict(words: &[&str]) -> Arc<dyn Dictionary> {
        let dic = format!("{}\n{}\n", words.len(), words.join("\n"));
        Engine::Spellbook
            .load_str("t", "SET UTF-8\nTRY abcdefghijklmnopqrstuvwxyz\n", &dic)
            .expect("load")
    }

    #[test]
    fn any_language_accepts() {
        let s = Speller::new(vec![
            ("en-US".into(), dict(&["hello", "world"])),
            ("fr".into(), dict(&["bonjour", "monde"])),
        ]);
        assert!(s.check_word("hello"));
        assert!(s.check_word("bonjour"));
        assert!(!s.check_word("helo"));
        let found = s.check_text("hello monde, bonjuor world helo");
        let words: Vec<_> = found.iter().map(|m| m.word.as_str()).collect();
        assert_eq!(words, vec!["bonjuor", "helo"]);
        assert_eq!(found[0].start, "hello monde, ".len());
    }

    #[test]
    fn suggestions_merge_in_language_order() {
        let s = Speller::new(vec![
            ("en-US".into(), dict(&["hello"])),
            ("fr".into(), dict(&["hallo"])),
        ]);
        let by = s.suggest_by_language("hxllo");
        assert_eq!(by[0].language, "en-US");
        assert!(by[0].suggestions.contains(&"hello".to_owned()));
        assert!(by[1].suggestions.contains(&"hallo".to_owned()));
        let merged = s.suggest("hxllo");
        let h = merged.iter().position(|w| w == "hello").expect("hello");
        let a = merged.iter().position(|w| w == "hallo").expect("hallo");
        assert!(h < a, "{merged:?}");
    }

    #[test]
    fn custom_words_and_case() {
        let custom = SharedWords::default();
        let s =
            Speller::with_custom_words(vec![("en-US".into(), dict(&["hello"]))], custom.clone());
        assert!(!s.check_word("foobar"));
        custom.write().expect("lock").insert("foobar".into());
        assert!(s.check_word("foobar"));
        assert!(s.check_word("Foobar"));
        assert!(s.check_word("FOOBAR"));
        assert!(!s.check_word("fooBar"));
    }

    #[test]
    fn hyphenated_words_report_wrong_parts() {
        let s = Speller::new(vec![("en-US".into(), dict(&["well", "known"]))]);
        assert!(s.check_text("well-known").is_empty());
        let found = s.check_text("a well-knwon thing");
        let words: Vec<_> = found.iter().map(|m| m.word.as_str()).collect();
        assert_eq!(words, vec!["a", "knwon", "thing"]);
        assert_eq!(found[1].start, 7);
    }

    #[test]
    fn no_dictionaries_flags_nothing() {
        let s = Speller::new(Vec::new());
        assert!(s.check_text("zzxq qqqq").is_empty());
        assert!(s.check_word("zzxq"));
    }
}
