//! Splitting text into the words a spellchecker looks at.
//!
//! Words follow Unicode word boundaries (UAX #29), so an apostrophe between letters stays inside
//! a word (`don't`, `l'homme`); words joined by hyphens form one token (`well-known`) whose parts
//! are also checked on their own. URLs, e-mail addresses, file paths (`/usr/bin`, `~/.config`,
//! `C:\\Windows`) and anything with a digit are skipped.
//!
//! This is the word list of Chromium's `SpellcheckWordIterator` with contractions allowed: an
//! inner `'`, `’` or `.` between letters stays inside the word (`gibt's`, `a.C`, `e.g`), and the
//! checker ([`crate::Speller::check_text`]) then applies Chromium's contraction rule and looks
//! abbreviations up with their dot.
//!
//! ```
//! use session_spellcheck::text::{Token, for_each_word, hyphen_parts, tokenize};
//!
//! let words: Vec<&str> = tokenize("It's a well-known fact (see p. 12).").iter().map(|t| t.word).collect();
//! assert_eq!(words, ["It's", "a", "well-known", "fact", "see", "p"]);
//! let token = Token { word: "well-known", start: 7, end: 17 };
//! let parts: Vec<Token> = hyphen_parts(token).collect();
//! assert_eq!(parts[1], Token { word: "known", start: 12, end: 17 });
//!
//! let mut count = 0;
//! for_each_word("Grüße aus Köln", |_| count += 1);
//! assert_eq!(count, 3);
//! ```

use unicode_segmentation::UnicodeSegmentation;

/// One word of a text, with its byte range.
///
/// Example: see [the module's example](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The word as it appears in the text.
    pub word: &'a str,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
}

/// The words of `text` to check, in order.
///
/// Example: see [the module's example](self).
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    for_each_word(text, |t| out.push(t));
    out
}

/// Calls `f` with each word of `text` to check, in order.
///
/// The text is cut into chunks at whitespace. ASCII chunks (the common case) are segmented in
/// the same pass that finds their end; a chunk with other characters is segmented by UAX #29.
///
/// Example: see [the module's example](self).
pub fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(Token<'a>)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    // Words of the current chunk, held back until the chunk is known not to be a URL.
    let mut pending: Vec<(usize, usize)> = Vec::new();
    while i < n {
        // Skip whitespace.
        let b = bytes[i];
        if b < 0x80 {
            if CLASS[usize::from(b)] & WHITESPACE != 0 {
                i += 1;
                continue;
            }
        } else {
            let c = text[i..].chars().next().expect("i is a char boundary");
            if c.is_whitespace() {
                i += c.len_utf8();
                continue;
            }
        }
        let start = i;
        pending.clear();
        match scan_ascii_chunk(bytes, start, &mut pending) {
            Chunk::Ascii { end, special } => {
                i = end;
                let chunk = &text[start..end];
                let www = chunk.len() > 4 && chunk.as_bytes()[..4].eq_ignore_ascii_case(b"www.");
                if (special || www) && is_skipped_chunk(chunk) {
                    continue;
                }
                for &(s, e) in &pending {
                    f(Token {
                        word: &text[s..e],
                        start: s,
                        end: e,
                    });
                }
            }
            Chunk::NotAscii { at } => {
                // Find the chunk's end, then segment it the Unicode way.
                i = at;
                while i < n {
                    let c = text[i..].chars().next().expect("i is a char boundary");
                    if c.is_whitespace() {
                        break;
                    }
                    i += c.len_utf8();
                }
                let chunk = &text[start..i];
                if !is_skipped_chunk(chunk) {
                    unicode_words(chunk, start, &mut f);
                }
            }
        }
    }
}

/// What [`scan_ascii_chunk`] found.
enum Chunk {
    /// The chunk ends at `end` (whitespace or the end of the text) and is all ASCII; `special`
    /// when it holds a byte that may make it a URL or an e-mail address.
    Ascii { end: usize, special: bool },
    /// The chunk has a non-ASCII byte at `at` (its words so far are to be discarded).
    NotAscii { at: usize },
}

/// Scans the chunk of `bytes` starting at `start`, pushing the byte ranges of its words to
/// `words`: runs of letters, digits and underscores, joined across a joiner between two letters
/// or digits, without a digit or an underscore; an underscore does not start a word.
fn scan_ascii_chunk(bytes: &[u8], start: usize, words: &mut Vec<(usize, usize)>) -> Chunk {
    // Bytes past the end have no class.
    let class_at = |i: usize| bytes.get(i).map_or(0, |&b| CLASS[usize::from(b)]);
    let mut i = start;
    let mut special = false;
    loop {
        // Between words.
        let Some(&b) = bytes.get(i) else {
            return Chunk::Ascii { end: i, special };
        };
        let class = CLASS[usize::from(b)];
        if class & (LETTER | DIGIT) == 0 {
            if b >= 0x80 {
                return Chunk::NotAscii { at: i };
            }
            if class & WHITESPACE != 0 {
                return Chunk::Ascii { end: i, special };
            }
            special |= class & SPECIAL != 0;
            i += 1;
            continue;
        }
        // In a word: the tight loop over its letters.
        let word = i;
        let mut seen = class;
        i += 1;
        loop {
            let class = class_at(i);
            if class & (LETTER | DIGIT | UNDERSCORE) != 0 {
                seen |= class;
            } else if class & JOINER == 0
                || class_at(i + 1) & (LETTER | DIGIT) == 0
                || class_at(i - 1) & (LETTER | DIGIT) == 0
            {
                break;
            }
            i += 1;
        }
        if seen & (DIGIT | UNDERSCORE) == 0 {
            words.push((word, i));
        }
    }
}

const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const UNDERSCORE: u8 = 4;
/// `'`, `.` and `-`: inside a word between two letters or digits.
const JOINER: u8 = 8;
const WHITESPACE: u8 = 16;
/// `:`, `@`, `/` and `\\`: a chunk holding one may be a URL, an e-mail address or a path (so
/// may one starting with `www.`).
const SPECIAL: u8 = 32;

/// Classes of ASCII bytes (every other byte is 0).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() {
            LETTER
        } else if b.is_ascii_digit() {
            DIGIT
        } else if b == b'_' {
            UNDERSCORE
        } else if b == b'\'' || b == b'.' || b == b'-' {
            JOINER
        } else if b.is_ascii_whitespace() || b == 0x0b {
            WHITESPACE
        } else if b == b':' || b == b'@' || b == b'/' || b == b'\\' {
            SPECIAL
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Whether a whitespace-delimited chunk is a URL, an e-mail address or a file path, whose
/// pieces are not words.
fn is_skipped_chunk(chunk: &str) -> bool {
    is_path(chunk) || is_url_or_email(chunk)
}

/// `/usr/bin`, `~/.bashrc`, `./configure`, `../x`, `a/b/c`, `C:\\Windows`, `\\\\server\\share`,
/// also inside brackets or quotes; `and/or` and `km/h` (one slash between words) are words.
fn is_path(chunk: &str) -> bool {
    let bytes = chunk
        .trim_start_matches(['(', '[', '{', '"', '\'', '«', '“', '‘', '<'])
        .as_bytes();
    let slashes = bytes.iter().filter(|&&b| b == b'/').count();
    if slashes == 0 {
        return bytes.contains(&b'\\')
            && bytes.windows(2).any(|w| {
                w[1] == b'\\' && (w[0].is_ascii_alphanumeric() || w[0] == b':' || w[0] == b'\\')
            });
    }
    let starts = |p: &[u8]| bytes.starts_with(p);
    (starts(b"/")
        && bytes
            .get(1)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"._~".contains(b)))
        || starts(b"~/")
        || starts(b"./")
        || starts(b"../")
        || slashes >= 2
}

fn is_url_or_email(chunk: &str) -> bool {
    let bytes = chunk.as_bytes();
    if bytes.len() < 4 {
        return false;
    }
    if chunk.contains("://") {
        return true;
    }
    let lower_starts =
        |p: &str| bytes.len() >= p.len() && bytes[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    // `www.host`, not a sentence ending in "www."
    if lower_starts("www.") && bytes.get(4).is_some_and(u8::is_ascii_alphanumeric) {
        return true;
    }
    if lower_starts("mailto:") {
        return true;
    }
    // local@domain.tld, and local@host as in message ids (`<1234.abc@host>`)
    match chunk.find('@') {
        Some(at) => {
            let (local, domain) = (&chunk[..at], &chunk[at + 1..]);
            local.chars().next_back().is_some_and(char::is_alphanumeric)
                && domain.chars().next().is_some_and(char::is_alphanumeric)
        }
        None => false,
    }
}

fn unicode_words<'a>(chunk: &'a str, offset: usize, f: &mut impl FnMut(Token<'a>)) {
    // Word segments (with a letter), merged across single hyphens.
    let mut pending: Option<(usize, usize, bool)> = None; // start, end, has_digit
    let mut hyphen_end: Option<usize> = None;
    let flush = |p: Option<(usize, usize, bool)>, f: &mut dyn FnMut(Token<'a>)| {
        if let Some((s, e, digit)) = p {
            let word = &chunk[s..e];
            if !digit && !word.contains('_') {
                f(Token {
                    word,
                    start: offset + s,
                    end: offset + e,
                });
            }
        }
    };
    for (pos, seg) in chunk.split_word_bound_indices() {
        if seg.chars().any(char::is_alphanumeric) {
            let digit = seg.chars().any(char::is_numeric);
            match pending {
                Some((s, _, d)) if hyphen_end == Some(pos) => {
                    pending = Some((s, pos + seg.len(), d || digit));
                }
                _ => {
                    flush(pending.take(), f);
                    pending = Some((pos, pos + seg.len(), digit));
                }
            }
            hyphen_end = None;
        } else if matches!(seg, "-" | "\u{2010}") && pending.is_some_and(|(_, e, _)| e == pos) {
            hyphen_end = Some(pos + seg.len());
        } else {
            flush(pending.take(), f);
            hyphen_end = None;
        }
    }
    flush(pending, f);
}

/// The parts of a hyphenated word (`well-known` → `well`, `known`) with their byte ranges;
/// the word itself when it has no hyphen.
///
/// Example: see [the module's example](self).
pub fn hyphen_parts(token: Token<'_>) -> impl Iterator<Item = Token<'_>> {
    let mut pos = token.start;
    token
        .word
        .split(['-', '\u{2010}'])
        .map(move |part| {
            let t = Token {
                word: part,
                start: pos,
                end: pos + part.len(),
            };
            // Skip the hyphen that followed this part (both hyphens are 1 or 3 bytes).
            let rest = &token.word[(t.end - token.start).min(token.word.len())..];
            pos = t.end + rest.chars().next().map_or(0, char::len_utf8);
            t
        })
        .filter(|t| !t.word.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).into_iter().map(|t| t.word).collect()
    }

    #[test]
    fn apostrophes_hyphens_and_punctuation() {
        assert_eq!(
            words("Don't stop, it's a well-known (\"fact\")."),
            vec!["Don't", "stop", "it's", "a", "well-known", "fact"]
        );
        assert_eq!(words("'quoted' - dash"), vec!["quoted", "dash"]);
    }

    #[test]
    fn skips_urls_emails_and_numbers() {
        assert_eq!(
            words(
                "see https://exmaple.com/pathh or www.foo.bar, mail bob@exmaple.org 42 x86 3rd ok"
            ),
            vec!["see", "or", "mail", "ok"]
        );
        assert_eq!(words("the www. and www"), vec!["the", "www", "and", "www"]);
        assert_eq!(
            words("<1234.abc@gyllingar> @home me @ x"),
            vec!["home", "me", "x"]
        );
    }

    #[test]
    fn skips_paths() {
        assert_eq!(
            words("run /usr/bin/env or ~/.bashrc (see /etc/fstab) and ./configure, ../lib"),
            vec!["run", "or", "see", "and"]
        );
        assert_eq!(
            words("C:\\Windows\\Systm32 a/b/c and/or km/h"),
            vec!["and", "or", "km", "h"]
        );
        assert_eq!(words("/ usr/ /étc/pässwd naïve"), vec!["usr", "naïve"]);
    }

    #[test]
    fn contractions_and_abbreviations_stay_one_token() {
        // Chromium's word iterator with contractions allowed: inner ' and . join.
        assert_eq!(
            words("gibt's a.C J.R.R e.g. Dr. usw. colour'house"),
            vec!["gibt's", "a.C", "J.R.R", "e.g", "Dr", "usw", "colour'house"]
        );
        assert_eq!(words("l’été d’Alembert"), vec!["l’été", "d’Alembert"]);
    }

    #[test]
    fn byte_ranges_index_the_text() {
        let text = "naïve café, l’homme — über-cool 12ème";
        let tokens = tokenize(text);
        for t in &tokens {
            assert_eq!(&text[t.start..t.end], t.word);
        }
        let got: Vec<_> = tokens.iter().map(|t| t.word).collect();
        assert_eq!(got, vec!["naïve", "café", "l’homme", "über-cool"]);
    }

    #[test]
    fn unicode_whitespace_separates() {
        let text = "one\u{a0}two\u{2003}three\u{3000}four\tfive\u{b}six";
        assert_eq!(
            words(text),
            vec!["one", "two", "three", "four", "five", "six"]
        );
        for t in tokenize(text) {
            assert_eq!(&text[t.start..t.end], t.word);
        }
    }

    #[test]
    fn ascii_word_before_non_ascii_chunk_and_joiners() {
        assert_eq!(words("end- über"), vec!["end", "über"]);
        assert_eq!(words("a_b _c d.e f'"), vec!["c", "d.e", "f"]);
        assert_eq!(words("x-\u{e9}t\u{e9}"), vec!["x-\u{e9}t\u{e9}"]);
    }

    #[test]
    fn non_latin_scripts() {
        assert_eq!(words("Привет, мир!"), vec!["Привет", "мир"]);
        let text = "नमस्ते दुनिया";
        assert_eq!(words(text), vec!["नमस्ते", "दुनिया"]);
    }

    #[test]
    fn hyphen_parts_have_ranges() {
        let text = "a über-cool-thing";
        let tokens = tokenize(text);
        let parts: Vec<_> = hyphen_parts(tokens[1]).collect();
        assert_eq!(parts.len(), 3);
        for p in &parts {
            assert_eq!(&text[p.start..p.end], p.word);
        }
        assert_eq!(parts[2].word, "thing");
    }
}
