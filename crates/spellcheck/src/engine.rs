//! Spellchecking engines behind one small trait, and the decoding of hunspell `.aff`/`.dic` files.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};

/// A loaded hunspell dictionary: the little the spellchecker needs from an engine.
///
/// ```
/// use session_spellcheck::{Dictionary, Engine};
///
/// let aff = "SET UTF-8\nTRY esianrtolcdugmphbyfvkw\n";
/// let dic = "2\nhello\nworld\n";
/// let dictionary = Engine::Spellbook.load_str("en_US", aff, dic).unwrap();
/// assert_eq!(dictionary.engine(), Engine::Spellbook);
/// assert!(dictionary.check("hello") && !dictionary.check("helo"));
/// let mut out = Vec::new();
/// dictionary.suggest("helo", &mut out);
/// assert_eq!(out[0], "hello");
/// ```
pub trait Dictionary: Send + Sync + fmt::Debug {
    /// Which engine answers.
    ///
    /// Example: see [`Dictionary`].
    fn engine(&self) -> Engine;
    /// Whether `word` (one word, no surrounding punctuation) is spelled correctly.
    ///
    /// Example: see [`Dictionary`].
    fn check(&self, word: &str) -> bool;
    /// Corrections for `word`, best first, appended to `out`.
    ///
    /// Example: see [`Dictionary`].
    fn suggest(&self, word: &str, out: &mut Vec<String>);
}

/// The engines this build can load dictionaries with.
///
/// ```
/// use session_spellcheck::Engine;
///
/// assert_eq!(Engine::all()[0], Engine::default());
/// assert_eq!(Engine::Spellbook.name(), "spellbook");
/// // Raw bytes are decoded with the `.aff`'s `SET` (ISO8859-1 here).
/// let dictionary = Engine::Spellbook.load("fr_FR", b"SET ISO8859-1\n", b"1\nd\xe9j\xe0\n").unwrap();
/// assert!(dictionary.check("déjà"));
/// assert!(Engine::Spellbook.load("bad", b"SET UTF-8\n", b"1\n\xff\n").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Engine {
    /// [spellbook](https://docs.rs/spellbook), a port of Nuspell's algorithms. The default.
    #[default]
    Spellbook,
    /// [zspell](https://docs.rs/zspell), which expands every affix at load time (cargo feature
    /// `zspell`).
    #[cfg(feature = "zspell")]
    Zspell,
}

impl Engine {
    /// Every engine compiled into this build, the default first.
    ///
    /// Example: see [`Engine`].
    pub fn all() -> &'static [Engine] {
        &[
            Engine::Spellbook,
            #[cfg(feature = "zspell")]
            Engine::Zspell,
        ]
    }

    /// The engine's crate name.
    ///
    /// Example: see [`Engine`].
    pub fn name(self) -> &'static str {
        match self {
            Engine::Spellbook => "spellbook",
            #[cfg(feature = "zspell")]
            Engine::Zspell => "zspell",
        }
    }

    /// Loads a dictionary from the raw bytes of its `.aff` and `.dic` files, decoding them from
    /// the `.aff`'s `SET` encoding. `name` names the dictionary in errors.
    ///
    /// Example: see [`Engine`].
    pub fn load(self, name: &str, aff: &[u8], dic: &[u8]) -> Result<Arc<dyn Dictionary>> {
        let (aff, dic) = decode_pair(name, aff, dic)?;
        self.load_str(name, &aff, &dic)
    }

    /// Loads a dictionary from already decoded `.aff` and `.dic` text.
    ///
    /// Example: see [`Dictionary`].
    pub fn load_str(self, name: &str, aff: &str, dic: &str) -> Result<Arc<dyn Dictionary>> {
        match self {
            Engine::Spellbook => {
                // A fixed hasher: with a random one, which of two homonyms (`foo/S`, `foo/X`)
                // is found first changes from run to run.
                let hasher = foldhash::fast::FixedState::with_seed(0x5e55_1011);
                let dict =
                    spellbook::Dictionary::new_with_hasher(aff, dic, hasher).map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidDictionary,
                            format!("dictionary {name} is malformed: {e}"),
                        )
                    })?;
                Ok(Arc::new(SpellbookDictionary {
                    dict,
                    word_pairs: word_pairs(dic),
                }))
            }
            #[cfg(feature = "zspell")]
            Engine::Zspell => {
                let dict = zspell::builder()
                    .config_str(aff)
                    .dict_str(dic)
                    .build()
                    .map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidDictionary,
                            format!("dictionary {name} is malformed: {e}"),
                        )
                    })?;
                Ok(Arc::new(ZspellDictionary(dict)))
            }
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

struct SpellbookDictionary {
    dict: spellbook::Dictionary<foldhash::fast::FixedState>,
    /// Entries of the `.dic` made of two words (`a lot`, `scot-free`).
    word_pairs: std::collections::HashSet<String>,
}

/// The `.dic` entries that hold a space or a hyphen: what hunspell calls dictionary word pairs.
fn word_pairs(dic: &str) -> std::collections::HashSet<String> {
    dic.lines()
        .skip(1)
        .filter(|l| l.contains([' ', '-']))
        .filter_map(|line| {
            let line = line.split('\t').next().unwrap_or(line);
            let word = match line.find('/') {
                Some(i) => &line[..i],
                None => line,
            };
            let kept: Vec<&str> = word.split(' ').take_while(|t| !is_morph_field(t)).collect();
            let word = kept.join(" ");
            (word.contains([' ', '-'])).then_some(word)
        })
        .collect()
}

/// `po:noun`, `ph:alot`: a morphological field after a `.dic` word.
fn is_morph_field(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() >= 3 && b[0].is_ascii_lowercase() && b[1].is_ascii_lowercase() && b[2] == b':'
}

impl fmt::Debug for SpellbookDictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SpellbookDictionary").finish_non_exhaustive()
    }
}

impl Dictionary for SpellbookDictionary {
    fn engine(&self) -> Engine {
        Engine::Spellbook
    }

    fn check(&self, word: &str) -> bool {
        self.dict.check(word)
    }

    fn suggest(&self, word: &str, out: &mut Vec<String>) {
        let mut found = Vec::new();
        self.dict.suggest(word, &mut found);
        if !self.word_pairs.is_empty() {
            prefer_word_pairs(word, &mut found, |s| self.word_pairs.contains(s));
        }
        out.extend(found);
    }
}

/// Hunspell's rule for run-together words: when the word is a dictionary word pair written
/// without its space or hyphen (`alot` → `a lot`, `scotfree` → `scot-free`), that pair is the
/// only suggestion. Pairs with a space win over pairs with a hyphen.
fn prefer_word_pairs(word: &str, found: &mut Vec<String>, check: impl Fn(&str) -> bool) {
    for separator in [' ', '-'] {
        let pairs: Vec<String> = found
            .iter()
            .filter(|s| {
                s.contains(separator) && s.replace(separator, "") == word && check(s.as_str())
            })
            .cloned()
            .collect();
        if !pairs.is_empty() {
            *found = pairs;
            return;
        }
    }
}

#[cfg(feature = "zspell")]
struct ZspellDictionary(zspell::Dictionary);

#[cfg(feature = "zspell")]
impl fmt::Debug for ZspellDictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ZspellDictionary").finish_non_exhaustive()
    }
}

#[cfg(feature = "zspell")]
impl Dictionary for ZspellDictionary {
    fn engine(&self) -> Engine {
        Engine::Zspell
    }

    fn check(&self, word: &str) -> bool {
        self.0.check_word(word)
    }

    fn suggest(&self, word: &str, out: &mut Vec<String>) {
        if let Some(found) = self.0.entry(word).suggest() {
            out.extend(found.into_iter().map(str::to_owned));
        }
    }
}

/// The character encoding an `.aff` file declares with `SET`, or `None` when it declares none.
///
/// ```
/// use session_spellcheck::{check_complete, declared_encoding, decode_pair};
///
/// assert_eq!(declared_encoding(b"# comment\nSET KOI8-R\n").as_deref(), Some("KOI8-R"));
/// assert_eq!(declared_encoding(b"TRY abc\n"), None);
/// let (aff, dic) = decode_pair("de_DE", b"SET ISO8859-1\n", b"1\nStra\xdfe\n").unwrap();
/// assert_eq!((aff.as_str(), dic.as_str()), ("SET ISO8859-1\n", "1\nStraße\n"));
///
/// // A download cut short announces more entries than it has.
/// assert!(check_complete("de_DE", &aff, &dic).is_ok());
/// assert!(check_complete("de_DE", &aff, "3\nStraße\n").is_err());
/// ```
pub fn declared_encoding(aff: &[u8]) -> Option<String> {
    aff.split(|&b| b == b'\n').find_map(|line| {
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        let rest = line.strip_prefix(b"SET")?;
        if !rest.first().is_some_and(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let value = String::from_utf8_lossy(rest);
        value.split_whitespace().next().map(str::to_owned)
    })
}

/// Decodes an `.aff`/`.dic` pair to UTF-8 text following the `.aff`'s `SET` declaration
/// (UTF-8, ISO8859-1..16, KOI8-R, Windows code pages; none means ISO8859-1 unless the bytes are
/// valid UTF-8). Bytes that are invalid in the declared encoding are an error.
///
/// Example: see [`declared_encoding`].
pub fn decode_pair(name: &str, aff: &[u8], dic: &[u8]) -> Result<(String, String)> {
    let declared = declared_encoding(aff);
    let decode = |what: &str, bytes: &[u8]| -> Result<String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match declared.as_deref() {
            Some(label) if is_utf8_label(label) => decode_utf8(name, what, label, bytes),
            Some(label) => decode_8bit(name, what, label, bytes),
            None => match std::str::from_utf8(bytes) {
                Ok(text) => Ok(text.to_owned()),
                Err(_) => Ok(latin1(bytes)),
            },
        }
    };
    Ok((decode(".aff", aff)?, decode(".dic", dic)?))
}

/// UTF-8 text, where only comment lines (`#`) may hold other bytes (hunspell never reads them).
fn decode_utf8(name: &str, what: &str, label: &str, bytes: &[u8]) -> Result<String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(bytes.len());
    let mut offset = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(text) => out.push_str(text),
            Err(_) if line.trim_ascii_start().starts_with(b"#") => {
                out.push_str(&String::from_utf8_lossy(line));
            }
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::InvalidDictionary,
                    format!(
                        "dictionary {name}: {what} declares SET {label} but is not valid UTF-8 \
                         (at byte {})",
                        offset + e.valid_up_to()
                    ),
                ));
            }
        }
        offset += line.len();
    }
    Ok(out)
}

fn is_utf8_label(label: &str) -> bool {
    label.eq_ignore_ascii_case("UTF-8") || label.eq_ignore_ascii_case("UTF8")
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn decode_8bit(name: &str, what: &str, label: &str, bytes: &[u8]) -> Result<String> {
    let upper = label.to_ascii_uppercase();
    // Hunspell spells these "ISO8859-1"; the WHATWG labels want "ISO-8859-1".
    let normalized = match upper.strip_prefix("ISO8859") {
        Some(rest) => format!("ISO-8859{rest}"),
        None => upper.replace("MICROSOFT-CP", "WINDOWS-"),
    };
    if normalized == "ISO-8859-1" {
        // WHATWG maps this label to windows-1252; hunspell means true Latin-1.
        return Ok(latin1(bytes));
    }
    let encoding = encoding_rs::Encoding::for_label(normalized.as_bytes()).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidDictionary,
            format!("dictionary {name}: unsupported SET encoding {label:?}"),
        )
    })?;
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Error::new(
            ErrorKind::InvalidDictionary,
            format!("dictionary {name}: {what} has bytes that are not valid {label}"),
        ));
    }
    Ok(text.into_owned())
}

/// Checks what a download must satisfy before it is stored: both files non-empty, and a `.dic`
/// that has at least as many entries as its first line announces (a cut-off body has fewer).
///
/// Example: see [`declared_encoding`].
pub fn check_complete(name: &str, aff: &str, dic: &str) -> Result<()> {
    if aff.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidDictionary,
            format!("dictionary {name}: the .aff file is empty"),
        ));
    }
    let mut lines = dic.lines();
    let first = lines.next().unwrap_or("").trim();
    let announced: usize = first.parse().map_err(|_| {
        Error::new(
            ErrorKind::InvalidDictionary,
            format!("dictionary {name}: the .dic file does not start with a word count (found {first:?})"),
        )
    })?;
    let present = lines.filter(|l| !l.trim().is_empty()).count();
    if present < announced {
        return Err(Error::new(
            ErrorKind::InvalidDictionary,
            format!(
                "dictionary {name}: the .dic file is truncated: it announces {announced} words \
                 but holds {present}"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AFF: &str = "SET UTF-8\nTRY abc\nSFX S Y 1\nSFX S 0 s .\n";
    const DIC: &str = "2\ncat/S\ndog\n";

    #[test]
    fn loads_and_checks_with_spellbook() {
        let d = Engine::Spellbook
            .load("t", AFF.as_bytes(), DIC.as_bytes())
            .expect("load");
        assert!(d.check("cats"));
        assert!(d.check("dog"));
        assert!(!d.check("dogs"));
        let mut out = Vec::new();
        d.suggest("caat", &mut out);
        assert!(out.contains(&"cat".to_owned()), "{out:?}");
    }

    #[test]
    fn declared_utf8_with_latin1_bytes_is_an_error() {
        let dic = b"1\ncaf\xe9\n";
        let err = Engine::Spellbook
            .load("xx_XX", AFF.as_bytes(), dic)
            .expect_err("bad utf-8");
        assert_eq!(err.kind(), ErrorKind::InvalidDictionary);
        assert!(err.to_string().contains("xx_XX"), "{err}");
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    }

    #[test]
    fn latin1_and_latin2_dictionaries_are_decoded() {
        let aff = b"SET ISO8859-1\n";
        let d = Engine::Spellbook
            .load("l1", aff, b"1\ncaf\xe9\n")
            .expect("latin-1");
        assert!(d.check("café"));
        let aff = b"SET ISO8859-2\n";
        // 0xB3 is "ł" in ISO 8859-2.
        let d = Engine::Spellbook
            .load("l2", aff, b"1\n\xb3za\n")
            .expect("latin-2");
        assert!(d.check("łza"));
    }

    #[test]
    fn word_pairs_win() {
        let aff = "SET UTF-8\nTRY alot\n";
        let d = Engine::Spellbook
            .load_str("t", aff, "4\na\na lot\nlot\nalto\n")
            .expect("load");
        let mut out = Vec::new();
        d.suggest("alot", &mut out);
        assert_eq!(out, vec!["a lot"]);
    }

    #[test]
    fn invalid_bytes_only_in_comments_are_tolerated() {
        let aff = b"# stra\xdfe\nSET UTF-8\n";
        let d = Engine::Spellbook
            .load("c", aff, b"1\nstra\xc3\x9fe\n")
            .expect("comment");
        assert!(d.check("straße"));
        let err = Engine::Spellbook
            .load("c", b"SET UTF-8\nTRY \xdf\n", b"1\nx\n")
            .expect_err("not a comment");
        assert!(err.to_string().contains("at byte 14"), "{err}");
    }

    #[test]
    fn unknown_encoding_is_an_error() {
        let err = Engine::Spellbook
            .load("q", b"SET EBCDIC-42\n", b"1\nx\n")
            .expect_err("unknown");
        assert!(err.to_string().contains("EBCDIC-42"), "{err}");
    }

    #[test]
    fn truncated_dic_is_detected() {
        check_complete("t", AFF, DIC).expect("complete");
        let err = check_complete("t", AFF, "3\ncat/S\ndog\n").expect_err("truncated");
        assert!(err.to_string().contains("truncated"), "{err}");
        let err = check_complete("t", AFF, "<html>oops</html>").expect_err("not a dic");
        assert!(err.to_string().contains("word count"), "{err}");
        let err = check_complete("t", " \n", DIC).expect_err("empty aff");
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
