//! The writing system of each language, which decides what its words are made of.
//!
//! As in Chromium, a language's word characters are the letters of its script: an English
//! checker does not look at a Greek or Cyrillic word (no dictionary of that script is active, so
//! nothing can judge it), and with English and Russian both active a Cyrillic word is checked
//! against the Russian dictionary only. Words are found by UAX #29 first
//! ([`crate::text`]); the script then says which dictionaries judge them.

/// The scripts of the languages Electron offers, plus [`Script::Other`] for letters of any
/// other script.
///
/// ```
/// use session_spellcheck::Script;
///
/// assert_eq!(Script::of('ß'), Some(Script::Latin));
/// assert_eq!(Script::of('7'), None); // shared by every script
/// assert_eq!(Script::of_word("Москва"), Some(Script::Cyrillic));
/// assert_eq!(Script::of_word("Mocквa"), None); // Latin and Cyrillic mixed
/// assert_eq!(Script::of_language("he"), Some(Script::Hebrew));
/// assert_eq!(Script::of_language("xx"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Script {
    /// Latin letters (`a`–`z`, `é`, `ß`, `ő`, …).
    Latin,
    /// Cyrillic (Bulgarian, Russian, Serbian, Tajik, Ukrainian).
    Cyrillic,
    /// Greek.
    Greek,
    /// Armenian.
    Armenian,
    /// Hebrew.
    Hebrew,
    /// Arabic (Persian).
    Arabic,
    /// Devanagari (Hindi).
    Devanagari,
    /// Tamil.
    Tamil,
    /// Hangul (Korean).
    Hangul,
    /// A letter of a script not listed here.
    Other,
}

impl Script {
    /// The script of `c` when it is a letter (or a mark) that belongs to one script; `None` for
    /// characters every script shares (digits, punctuation, combining marks, apostrophes).
    ///
    /// Example: see [`Script`].
    pub fn of(c: char) -> Option<Script> {
        let u = c as u32;
        if u < 0x80 {
            return c.is_ascii_alphabetic().then_some(Script::Latin);
        }
        let script = match u {
            0xAA | 0xBA | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x250..=0x2AF => Script::Latin,
            0x1D00..=0x1D7F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF => Script::Latin,
            0xAB30..=0xAB6F | 0xFB00..=0xFB06 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Script::Latin,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
            0x531..=0x58F | 0xFB13..=0xFB17 => Script::Armenian,
            0x591..=0x5FF | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                Script::Arabic
            }
            0x900..=0x97F | 0xA8E0..=0xA8FF => Script::Devanagari,
            0xB80..=0xBFF => Script::Tamil,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7FF => Script::Hangul,
            _ if c.is_alphabetic() && !is_shared(u) => Script::Other,
            _ => return None,
        };
        // Punctuation and digits inside a script's block (`;` in Greek, `״` in Hebrew, `٣` in
        // Arabic) are shared, as its letters and marks are not.
        (c.is_alphabetic() || is_mark(u)).then_some(script)
    }

    /// The script of a word: the one script its letters belong to; `None` when it has letters
    /// of two scripts (no dictionary can judge it) or none at all.
    ///
    /// Example: see [`Script`].
    pub fn of_word(word: &str) -> Option<Script> {
        if word.is_ascii() {
            return word
                .bytes()
                .any(|b| b.is_ascii_alphabetic())
                .then_some(Script::Latin);
        }
        let mut found = None;
        for c in word.chars() {
            match (Script::of(c), found) {
                (None, _) => {}
                (Some(s), None) => found = Some(s),
                (Some(s), Some(f)) if s == f => {}
                (Some(_), Some(_)) => return None,
            }
        }
        found
    }

    /// The script a language code (an entry of Electron's language table) is written in;
    /// `None` for a code outside the table, whose dictionary then judges words of any script.
    ///
    /// Example: see [`Script`].
    pub fn of_language(code: &str) -> Option<Script> {
        crate::languages::dictionary_region(code)?;
        let primary = code.split('-').next().unwrap_or(code);
        Some(match primary {
            "bg" | "ru" | "sr" | "tg" | "uk" => Script::Cyrillic,
            "el" => Script::Greek,
            "hy" => Script::Armenian,
            "he" => Script::Hebrew,
            "fa" => Script::Arabic,
            "hi" => Script::Devanagari,
            "ta" => Script::Tamil,
            "ko" => Script::Hangul,
            _ => Script::Latin,
        })
    }
}

/// Combining marks (general category M), which take the script of the letter they follow.
fn is_mark(u: u32) -> bool {
    matches!(u, 0x300..=0x36F | 0x591..=0x5BD | 0x5BF | 0x5C1..=0x5C2 | 0x5C4..=0x5C5 | 0x5C7
        | 0x610..=0x61A | 0x64B..=0x65F | 0x670 | 0x6D6..=0x6DC | 0x6DF..=0x6E4 | 0x6E7..=0x6E8
        | 0x6EA..=0x6ED | 0x900..=0x903 | 0x93A..=0x94F | 0x951..=0x957 | 0x962..=0x963
        | 0xB82 | 0xBBE..=0xBCD | 0xBD7)
}

/// Letters that Unicode gives the Common or Inherited script.
fn is_shared(u: u32) -> bool {
    matches!(u, 0x300..=0x36F | 0x2070..=0x209F | 0x2100..=0x214F | 0x3005)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_have_their_script() {
        assert_eq!(Script::of('a'), Some(Script::Latin));
        assert_eq!(Script::of('ß'), Some(Script::Latin));
        assert_eq!(Script::of('ő'), Some(Script::Latin));
        assert_eq!(Script::of('ж'), Some(Script::Cyrillic));
        assert_eq!(Script::of('λ'), Some(Script::Greek));
        assert_eq!(Script::of('ש'), Some(Script::Hebrew));
        assert_eq!(Script::of('ب'), Some(Script::Arabic));
        assert_eq!(Script::of('न'), Some(Script::Devanagari));
        assert_eq!(Script::of('한'), Some(Script::Hangul));
        assert_eq!(Script::of('ա'), Some(Script::Armenian));
        assert_eq!(Script::of('字'), Some(Script::Other));
        for shared in ['\'', '’', '.', '7', '\u{301}', '،', '٣', '״'] {
            assert_eq!(Script::of(shared), None, "{shared:?}");
        }
    }

    #[test]
    fn words_have_one_script_or_none() {
        assert_eq!(Script::of_word("don't"), Some(Script::Latin));
        assert_eq!(Script::of_word("l’été"), Some(Script::Latin));
        assert_eq!(Script::of_word("мир"), Some(Script::Cyrillic));
        assert_eq!(Script::of_word("צה״ל"), Some(Script::Hebrew));
        assert_eq!(Script::of_word("mixжed"), None);
        assert_eq!(Script::of_word("'"), None);
    }

    #[test]
    fn languages_have_scripts() {
        assert_eq!(Script::of_language("en-GB"), Some(Script::Latin));
        assert_eq!(Script::of_language("de"), Some(Script::Latin));
        assert_eq!(Script::of_language("ru"), Some(Script::Cyrillic));
        assert_eq!(Script::of_language("sh"), Some(Script::Latin));
        assert_eq!(Script::of_language("el"), Some(Script::Greek));
        assert_eq!(Script::of_language("he"), Some(Script::Hebrew));
        assert_eq!(Script::of_language("fa"), Some(Script::Arabic));
        assert_eq!(Script::of_language("ko"), Some(Script::Hangul));
        assert_eq!(Script::of_language("xx-custom"), None);
    }
}
