//! Checking words and text against several dictionaries at once plus the custom words.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::engine::Dictionary;
use crate::memo::Memo;
use crate::script::Script;
use crate::text::{Token, for_each_word, hyphen_parts};

/// Most suggestions for one word, over all active languages together (hunspell's own cap).
///
/// Example: see [`Speller`].
pub const MAX_SUGGESTIONS: usize = 15;

/// A misspelled word of a text, with its byte range (for underlining it in an editor).
///
/// Example: see [`Speller`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Misspelling {
    /// The word as it appears in the text.
    pub word: String,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
    /// Corrections, best first, when they were asked for ([`Suggestions::Compute`]); empty
    /// otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

/// Whether [`Speller::check_text_with`] computes corrections for the words it flags.
/// Finding a word wrong is cheap; finding its corrections costs hundreds of times more.
///
/// Example: see [`Speller`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Suggestions {
    /// Only the flagged words and their ranges (what an editor underlines).
    #[default]
    Skip,
    /// Each flagged word with [`Speller::suggest`]'s corrections (each distinct word once).
    Compute,
}

/// Suggestions for a word from one language's dictionary.
///
/// Example: see [`Speller`].
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
/// A word is correct when a dictionary of its script accepts it or it is a custom word; a word
/// of a script no active language is written in is not judged (an English checker leaves Greek
/// alone). Words are read as Chromium's spellchecker reads them: see [`Self::check_text`].
/// Suggestions are merged in language order, at most [`MAX_SUGGESTIONS`]. With no dictionary
/// (spellchecker disabled) nothing is flagged. Cheap to clone.
///
/// ```
/// use session_spellcheck::{Engine, MAX_SUGGESTIONS, Speller, Suggestions};
///
/// let aff = "SET UTF-8\nTRY esianrtolcdugmphbyfvkw\n";
/// let english = Engine::Spellbook.load_str("en_US", aff, "3\nhello\nworld\nhelp\n").unwrap();
/// let french = Engine::Spellbook.load_str("fr_FR", aff, "2\nbonjour\nmonde\n").unwrap();
/// let speller = Speller::new(vec![("en-US".into(), english), ("fr".into(), french)]);
/// assert_eq!(speller.languages(), ["en-US", "fr"]);
/// assert!(speller.check_word("monde") && speller.check_word("hello"));
/// assert!(speller.check_word("Ελλάδα"), "no active language is written in Greek: not judged");
///
/// let flagged = speller.check_text_with("hello wrold, bonjuor", Suggestions::Compute);
/// assert_eq!(flagged.len(), 2);
/// assert_eq!((flagged[0].word.as_str(), flagged[0].start, flagged[0].end), ("wrold", 6, 11));
/// assert_eq!(flagged[0].suggestions[0], "world");
/// let by_language = speller.suggest_by_language("bonjuor");
/// assert_eq!(by_language[1].language, "fr");
/// assert_eq!(by_language[1].suggestions[0], "bonjour");
/// assert!(speller.suggest("hepl").len() <= MAX_SUGGESTIONS);
///
/// // Any amount of text, piece by piece, with offsets into the whole stream.
/// let mut found = Vec::new();
/// let text = "hello world ".repeat(10_000) + "wrold";
/// let read = speller
///     .check_reader("notes.txt", text.as_bytes(), Suggestions::Skip, |m| found.push(m))
///     .unwrap();
/// assert_eq!(read, text.len() as u64);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].start, 120_000);
/// assert!(found[0].suggestions.is_empty()); // Suggestions::Skip
/// ```
#[derive(Debug, Clone)]
pub struct Speller {
    dictionaries: Vec<(String, Arc<dyn Dictionary>)>,
    /// The script of each dictionary's language; `None` judges words of any script.
    scripts: Vec<Option<Script>>,
    custom: SharedWords,
}

impl Speller {
    /// A speller over `dictionaries` (language code, dictionary), in priority order, with no
    /// custom words.
    ///
    /// Example: see [the crate's example](crate).
    pub fn new(dictionaries: Vec<(String, Arc<dyn Dictionary>)>) -> Self {
        Self::with_custom_words(dictionaries, SharedWords::default())
    }

    pub(crate) fn with_custom_words(
        dictionaries: Vec<(String, Arc<dyn Dictionary>)>,
        custom: SharedWords,
    ) -> Self {
        let scripts = dictionaries
            .iter()
            .map(|(code, _)| Script::of_language(code))
            .collect();
        Self {
            dictionaries,
            scripts,
            custom,
        }
    }

    /// The dictionaries that judge `word`: those of its script (and those of no known script).
    fn judges(&self, word: &str) -> impl Iterator<Item = &(String, Arc<dyn Dictionary>)> {
        let script = if self.scripts.iter().all(Option::is_none) {
            None
        } else {
            Script::of_word(word)
        };
        self.dictionaries
            .iter()
            .zip(&self.scripts)
            .filter(move |(_, s)| s.is_none() || (script.is_some() && **s == script))
            .map(|(d, _)| d)
    }

    /// The language codes checked, in order.
    ///
    /// Example: see [`Speller`].
    pub fn languages(&self) -> Vec<String> {
        self.dictionaries.iter().map(|(l, _)| l.clone()).collect()
    }

    /// Whether `word` is correct in any active language of its script or is a custom word. A
    /// word with inner `'` or `.` is also correct when each of its parts is (Chromium's
    /// contraction rule: `gibt's`, `a.C`).
    ///
    /// Example: see [the crate's example](crate).
    pub fn check_word(&self, word: &str) -> bool {
        let custom = self.custom.read().unwrap_or_else(|p| p.into_inner());
        self.word_ok(&custom, word)
    }

    /// The dictionaries and custom words alone.
    fn check_with(&self, custom: &BTreeSet<String>, word: &str) -> bool {
        if self.dictionaries.is_empty() || in_custom(custom, word) {
            return true;
        }
        if !word.is_ascii() && word.chars().any(is_vowel_point) {
            // As Chromium does, Hebrew points and Arabic vowel marks are dropped before the
            // dictionary is asked (dictionaries store the words without them).
            let bare: String = word.chars().filter(|&c| !is_vowel_point(c)).collect();
            return self.check_with(custom, &bare);
        }
        let mut judged = false;
        for (_, d) in self.judges(word) {
            if d.check(word) {
                return true;
            }
            judged = true;
        }
        // A word no dictionary can read (another script) is not flagged.
        !judged
    }

    /// [`Self::check_with`], then Chromium's `IsValidContraction`: a word the dictionaries
    /// reject is still right when it has inner punctuation (`'`, `’`, `.`) and every part
    /// between is right (`gibt's` = `gibt` + `s`, `J.R.R`, `colour'house`).
    fn word_ok(&self, custom: &BTreeSet<String>, word: &str) -> bool {
        if self.check_with(custom, word) {
            return true;
        }
        let mut parts = word
            .split(|c: char| !c.is_alphanumeric() && !is_mark(c))
            .filter(|p| !p.is_empty())
            .peekable();
        let Some(first) = parts.next() else {
            return false;
        };
        if first.len() == word.len() || parts.peek().is_none() {
            return false;
        }
        self.check_with(custom, first) && parts.all(|p| self.check_with(custom, p))
    }

    /// An abbreviation the dictionary stores with its dot (`Dr.`, `usw.`, `Chr.`, `e.g.`),
    /// asked for a word the text follows with a dot.
    fn abbreviation_ok(&self, custom: &BTreeSet<String>, word: &str) -> bool {
        let mut dotted = String::with_capacity(word.len() + 1);
        dotted.push_str(word);
        dotted.push('.');
        self.check_with(custom, &dotted)
    }

    /// Corrections for `word` from the active languages of its script, merged in language
    /// order without duplicates, at most [`MAX_SUGGESTIONS`]. Each language's own list is
    /// ranked first: for a word typed in lower case, capitalised words (proper nouns) come
    /// after the lower-case ones, unless they are the word itself capitalised (`english` →
    /// `English`).
    ///
    /// Example: see [the crate's example](crate).
    pub fn suggest(&self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut found = Vec::new();
        for (_, d) in self.judges(word) {
            if out.len() >= MAX_SUGGESTIONS {
                break;
            }
            found.clear();
            d.suggest(word, &mut found);
            rank(word, &mut found);
            for s in found.drain(..) {
                if out.len() >= MAX_SUGGESTIONS {
                    break;
                }
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Corrections for `word`, per language, in language order, each ranked and capped as in
    /// [`Self::suggest`].
    ///
    /// Example: see [`Speller`].
    pub fn suggest_by_language(&self, word: &str) -> Vec<LanguageSuggestions> {
        self.dictionaries
            .iter()
            .map(|(language, d)| {
                let mut suggestions = Vec::new();
                d.suggest(word, &mut suggestions);
                rank(word, &mut suggestions);
                suggestions.truncate(MAX_SUGGESTIONS);
                LanguageSuggestions {
                    language: language.clone(),
                    suggestions,
                }
            })
            .collect()
    }

    /// The misspelled words of `text`, in order, with byte ranges and no suggestions:
    /// [`Self::check_text_with`] with [`Suggestions::Skip`].
    ///
    /// Example: see [the crate's example](crate).
    pub fn check_text(&self, text: &str) -> Vec<Misspelling> {
        self.check_text_with(text, Suggestions::Skip)
    }

    /// The misspelled words of `text`, in order, with byte ranges, and their corrections when
    /// `suggestions` asks for them.
    ///
    /// Words are found as Chromium's spellchecker finds them ([`crate::text`]: UAX #29 words;
    /// URLs, e-mail addresses, file paths and words with digits skipped). A word is then right
    /// when a dictionary (or the custom words) accepts it; when it has inner `'` or `.` and
    /// each part is right (Chromium's contraction rule); or, followed by a dot in the text,
    /// when the dictionary has it with its dot (`Dr.`, `usw.`). A hyphenated word is right
    /// when the dictionary accepts it whole or all of its parts are right; otherwise its wrong
    /// parts are reported. Each distinct word is checked (and given suggestions) once per call.
    ///
    /// Example: see [`Speller`].
    pub fn check_text_with(&self, text: &str, suggestions: Suggestions) -> Vec<Misspelling> {
        let mut out = Vec::new();
        if self.dictionaries.is_empty() {
            return out;
        }
        let custom = self.custom.read().unwrap_or_else(|p| p.into_inner());
        let mut memo = Memo::for_text(text.len());
        let bytes = text.as_bytes();
        for_each_word(text, |token: Token<'_>| {
            if memo.get_or_check(token.word, |w| self.word_ok(&custom, w)) {
                return;
            }
            let dotted = bytes.get(token.end) == Some(&b'.');
            if token.word.contains(['-', '\u{2010}']) {
                out.extend(
                    hyphen_parts(token)
                        .filter(|p| {
                            !(self.word_ok(&custom, p.word)
                                || (dotted
                                    && p.end == token.end
                                    && self.abbreviation_ok(&custom, p.word)))
                        })
                        .map(misspelling),
                );
            } else if !(dotted && self.abbreviation_ok(&custom, token.word)) {
                out.push(misspelling(token));
            }
        });
        drop(custom);
        if suggestions == Suggestions::Compute {
            let mut known: HashMap<&str, Vec<String>> = HashMap::new();
            for m in &mut out {
                let word = &text[m.start..m.end];
                m.suggestions = known
                    .entry(word)
                    .or_insert_with(|| self.suggest(word))
                    .clone();
            }
        }
        out
    }
}

impl Speller {
    /// Checks the UTF-8 text `reader` yields, of any size, piece by piece: each misspelling
    /// goes to `found` as soon as its piece is checked, in order, with byte offsets into the
    /// whole stream (and corrections when `suggestions` asks for them; each distinct word's
    /// are computed once). Pieces end at whitespace, so words are read exactly as
    /// [`Self::check_text_with`] reads the whole text. Returns the bytes read.
    ///
    /// Invalid UTF-8 is an [`std::io::ErrorKind::InvalidData`] error naming `name` and the
    /// byte offset; what came before it has been reported.
    ///
    /// Example: see [`Speller`].
    pub fn check_reader(
        &self,
        name: &str,
        mut reader: impl std::io::Read,
        suggestions: Suggestions,
        mut found: impl FnMut(Misspelling),
    ) -> std::io::Result<u64> {
        const PIECE: usize = 256 * 1024;
        let mut buf: Vec<u8> = Vec::with_capacity(PIECE * 2);
        let mut base: u64 = 0;
        let mut known: HashMap<String, Vec<String>> = HashMap::new();
        let mut eof = false;
        while !eof || !buf.is_empty() {
            // Fill to at least one piece (or to the end).
            while !eof && buf.len() < PIECE {
                let old = buf.len();
                buf.resize(old + PIECE, 0);
                match reader.read(&mut buf[old..]) {
                    Ok(0) => {
                        buf.truncate(old);
                        eof = true;
                    }
                    Ok(n) => buf.truncate(old + n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
                    Err(e) => {
                        return Err(std::io::Error::new(
                            e.kind(),
                            format!("reading {name} failed at byte {}: {e}", base + old as u64),
                        ));
                    }
                }
            }
            // Cut after the last ASCII whitespace (never inside a word or a character).
            let cut = if eof {
                buf.len()
            } else {
                match buf.iter().rposition(u8::is_ascii_whitespace) {
                    Some(i) => i + 1,
                    // One chunk longer than a piece: read on until it ends.
                    None => {
                        let old = buf.len();
                        buf.resize(old + PIECE, 0);
                        let n = loop {
                            match reader.read(&mut buf[old..]) {
                                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                                other => break other,
                            }
                        };
                        let n = n.map_err(|e| {
                            std::io::Error::new(
                                e.kind(),
                                format!("reading {name} failed at byte {}: {e}", base + old as u64),
                            )
                        })?;
                        buf.truncate(old + n);
                        eof = n == 0;
                        continue;
                    }
                }
            };
            let text = std::str::from_utf8(&buf[..cut]).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{name} is not UTF-8 text: invalid byte at offset {}",
                        base + e.valid_up_to() as u64
                    ),
                )
            })?;
            for mut m in self.check_text(text) {
                if suggestions == Suggestions::Compute {
                    m.suggestions = match known.get(&m.word) {
                        Some(s) => s.clone(),
                        None => {
                            let s = self.suggest(&m.word);
                            known.insert(m.word.clone(), s.clone());
                            s
                        }
                    };
                }
                m.start += base as usize;
                m.end += base as usize;
                found(m);
            }
            base += cut as u64;
            buf.drain(..cut);
        }
        Ok(base)
    }
}

/// Moves capitalised suggestions (proper nouns, mostly) after the others when `word` starts in
/// lower case, unless a suggestion is `word` itself capitalised; the order within each group
/// is kept.
fn rank(word: &str, suggestions: &mut Vec<String>) {
    let lower_input = word.chars().next().is_some_and(char::is_lowercase);
    if !lower_input || suggestions.len() < 2 {
        return;
    }
    let lowered = word.to_lowercase();
    let demoted = |s: &String| {
        s.chars().next().is_some_and(char::is_uppercase) && s.to_lowercase() != lowered
    };
    if !suggestions.iter().any(demoted) {
        return;
    }
    let (keep, later): (Vec<String>, Vec<String>) =
        suggestions.drain(..).partition(|s| !demoted(s));
    suggestions.extend(keep);
    suggestions.extend(later);
}

/// Hebrew points (niqqud, cantillation) and Arabic vowel marks (harakat).
fn is_vowel_point(c: char) -> bool {
    matches!(c as u32, 0x591..=0x5C7 | 0x64B..=0x65F | 0x670)
}

/// Combining marks inside a word (Hebrew points, Arabic vowel signs, Devanagari signs).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F | 0x591..=0x5C7 | 0x610..=0x61A | 0x64B..=0x65F | 0x670
        | 0x900..=0x903 | 0x93A..=0x94F | 0x951..=0x957 | 0x962..=0x963 | 0xB82..=0xBCD)
}

fn misspelling(t: Token<'_>) -> Misspelling {
    Misspelling {
        word: t.word.to_owned(),
        start: t.start,
        end: t.end,
        suggestions: Vec::new(),
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

    #[test]
    fn contractions_need_every_part_right() {
        // Chromium's IsValidContraction.
        let s = Speller::new(vec![(
            "es".into(),
            dict(&["a", "C", "J", "R", "gibt", "s", "colour", "house"]),
        )]);
        assert!(s.check_word("a.C"));
        assert!(s.check_word("J.R.R"));
        assert!(s.check_word("gibt's"));
        assert!(s.check_word("gibt\u{2019}s"));
        assert!(s.check_word("colour'house"));
        assert!(!s.check_word("colour'hous"));
        let found = s.check_text("a.C gibt's colour'hose x.C");
        let words: Vec<_> = found.iter().map(|m| m.word.as_str()).collect();
        assert_eq!(words, vec!["colour'hose", "x.C"]);
    }

    #[test]
    fn abbreviations_are_looked_up_with_their_dot() {
        let s = Speller::new(vec![(
            "de".into(),
            dict(&["Dr.", "usw.", "v.", "Chr.", "ca."]),
        )]);
        assert!(s.check_text("Dr. v. Chr. usw. ca.").is_empty());
        // Without its dot the abbreviation is a wrong word, as in hunspell.
        let found = s.check_text("Dr usw ca");
        assert_eq!(found.len(), 3);
        // The dot must follow at once.
        assert_eq!(s.check_text("Chr .").len(), 1);
        // `e.g.`: the token is `e.g`, looked up as `e.g.`.
        let en = Speller::new(vec![("en-GB".into(), dict(&["e.g.", "etc."]))]);
        assert!(en.check_text("e.g. this, etc.").len() == 1);
    }

    #[test]
    fn words_of_another_script_are_left_to_their_language() {
        let s = Speller::new(vec![("en-US".into(), dict(&["hello", "world"]))]);
        // No Cyrillic or Greek dictionary: those words are not judged.
        assert!(s.check_text("hello мир κόσμος world").is_empty());
        assert_eq!(s.check_text("hello wrold").len(), 1);
        let both = Speller::new(vec![
            ("en-US".into(), dict(&["hello", "world"])),
            ("ru".into(), dict(&["привет", "мир"])),
        ]);
        let found = both.check_text("hello мир мирр wrold привет");
        let words: Vec<_> = found.iter().map(|m| m.word.as_str()).collect();
        assert_eq!(words, vec!["мирр", "wrold"]);
        // A Cyrillic word gets Russian suggestions only.
        assert_eq!(both.suggest("мирр"), vec!["мир"]);
        // Letters of two scripts in one word: nothing can judge it.
        assert!(both.check_word("hellо"));
        // A language outside Electron's table judges every script.
        let any = Speller::new(vec![("xx".into(), dict(&["hello"]))]);
        assert_eq!(any.check_text("мир").len(), 1);
    }

    #[test]
    fn suggestions_are_capped_across_languages_without_duplicates() {
        let many: Vec<String> = (b'a'..=b'z').map(|c| format!("{}at", c as char)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let s = Speller::new(vec![
            ("en-US".into(), dict(&many)),
            ("fr".into(), dict(&many)),
        ]);
        let by = s.suggest_by_language("xat");
        assert!(
            by.iter().all(|l| l.suggestions.len() == MAX_SUGGESTIONS),
            "{by:?}"
        );
        let merged = s.suggest("xat");
        assert_eq!(merged.len(), MAX_SUGGESTIONS);
        assert_eq!(merged, by[0].suggestions);
        // Two small languages: the first's list, then the second's new words.
        let s = Speller::new(vec![
            ("en-US".into(), dict(&["hello", "hallo"])),
            ("de".into(), dict(&["hallo", "hullo"])),
        ]);
        let merged = s.suggest("hxllo");
        let mut sorted = merged.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), merged.len(), "{merged:?}");
        assert_eq!(
            merged.last().map(String::as_str),
            Some("hullo"),
            "{merged:?}"
        );
    }

    #[test]
    fn lower_case_input_does_not_get_proper_nouns_first() {
        let mut found = vec![
            "Raymore".to_owned(),
            "any more".to_owned(),
            "Anymore".to_owned(),
        ];
        rank("anymore", &mut found);
        assert_eq!(found, vec!["any more", "Anymore", "Raymore"]);
        let mut found = vec!["Coors".to_owned(), "colours".to_owned()];
        rank("Colors", &mut found);
        assert_eq!(found, vec!["Coors", "colours"]);
        let s = Speller::new(vec![("en-US".into(), dict(&["Coors", "colors"]))]);
        assert_eq!(
            s.suggest("coolrs").first().map(String::as_str),
            Some("colors")
        );
    }

    #[test]
    fn suggestions_only_on_request() {
        let s = Speller::new(vec![("en-US".into(), dict(&["hello", "world"]))]);
        let plain = s.check_text("helo wrold helo");
        assert!(plain.iter().all(|m| m.suggestions.is_empty()));
        let with = s.check_text_with("helo wrold helo", Suggestions::Compute);
        assert_eq!(with.len(), 3);
        assert_eq!(with[0].suggestions, vec!["hello"]);
        assert_eq!(with[1].suggestions, vec!["world"]);
        assert_eq!(with[2].suggestions, with[0].suggestions);
    }

    #[test]
    fn a_reader_is_checked_piece_by_piece_with_whole_stream_offsets() {
        let s = Speller::new(vec![("en-US".into(), dict(&["hello", "world"]))]);
        // 1.2 MB: several pieces, a misspelling near each end and one long chunk.
        let mut text = String::from("helo ");
        while text.len() < 600_000 {
            text.push_str("hello world\n");
        }
        text.push_str(&"x".repeat(300_000));
        text.push_str(" wrold ");
        while text.len() < 1_200_000 {
            text.push_str("world hello ");
        }
        text.push_str("hellp");
        let mut found = Vec::new();
        let read = s
            .check_reader("stdin", text.as_bytes(), Suggestions::Compute, |m| {
                found.push(m)
            })
            .expect("read");
        assert_eq!(read, text.len() as u64);
        let words: Vec<_> = found.iter().map(|m| m.word.as_str()).collect();
        assert_eq!(words.len(), 4, "{words:?}");
        assert_eq!(words[0], "helo");
        assert_eq!(words[2], "wrold");
        assert_eq!(words[3], "hellp");
        for m in &found {
            assert_eq!(&text[m.start..m.end], m.word);
        }
        assert_eq!(found[2].suggestions, vec!["world"]);
        assert_eq!(found, s.check_text_with(&text, Suggestions::Compute));
    }

    #[test]
    fn a_reader_with_invalid_utf8_names_the_input_and_offset() {
        let s = Speller::new(vec![("en-US".into(), dict(&["hello"]))]);
        let mut found = Vec::new();
        let err = s
            .check_reader(
                "notes.txt",
                &b"hello helo caf\xe9 x"[..],
                Suggestions::Skip,
                |m| found.push(m),
            )
            .expect_err("latin-1");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("notes.txt"), "{err}");
        assert!(err.to_string().contains("offset 14"), "{err}");
    }

    #[test]
    fn hebrew_points_and_arabic_vowel_marks_are_dropped() {
        let s = Speller::new(vec![
            ("he".into(), dict(&["שלום"])),
            ("fa".into(), dict(&["كتب"])),
        ]);
        assert!(s.check_word("שָׁלוֹם"));
        assert!(s.check_word("كَتَبَ"));
        assert!(!s.check_word("שָׁלוֹמם"));
        assert!(s.check_text("שָׁלוֹם كَتَبَ").is_empty());
    }
}
