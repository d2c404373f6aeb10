//! Chromium's simple globs (`base::MatchPattern`): `*` matches any run of characters, `?`
//! exactly one character, `\` makes the next character literal. Content scripts'
//! `include_globs`/`exclude_globs` use them against the whole URL, and match patterns use the
//! same matcher for their paths (where `?` and `\` are literal).
//!
//! ```
//! use session_base::glob::Glob;
//!
//! let g = Glob::new("https://???.example.com/*");
//! assert!(g.matches("https://www.example.com/a"));
//! assert!(!g.matches("https://example.com/a"));
//! assert!(Glob::literal_except_star("/a?b*").matches("/a?bc"));
//! assert_eq!(g.longest_literal(), b".example.com/"); // what an index can look up
//! ```

/// One unit of a compiled glob.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Tok {
    Byte(u8),
    AnyChar,
    Star,
}

/// A compiled glob; matching is linear in practice (backtracking only to the last `*`).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Glob {
    toks: Vec<Tok>,
}

impl Glob {
    /// `*`, `?` and `\` escapes, as in `include_globs`.
    ///
    /// Example: see [the module's example](self).
    pub fn new(pattern: &str) -> Glob {
        let mut toks = Vec::with_capacity(pattern.len());
        let mut bytes = pattern.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'*' => {
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                }
                b'?' => toks.push(Tok::AnyChar),
                b'\\' => match bytes.next() {
                    Some(next) => toks.push(Tok::Byte(next)),
                    None => toks.push(Tok::Byte(b'\\')),
                },
                _ => toks.push(Tok::Byte(b)),
            }
        }
        Glob { toks }
    }

    /// Only `*` is special; `?` and `\` match themselves (match-pattern paths).
    ///
    /// Example: see [the module's example](self).
    pub fn literal_except_star(pattern: &str) -> Glob {
        let mut toks = Vec::with_capacity(pattern.len());
        for b in pattern.bytes() {
            if b == b'*' {
                if toks.last() != Some(&Tok::Star) {
                    toks.push(Tok::Star);
                }
            } else {
                toks.push(Tok::Byte(b));
            }
        }
        Glob { toks }
    }

    /// The longest run of literal bytes (used by indexes to pick a cheap pre-check).
    ///
    /// Example: see [the module's example](self).
    pub fn longest_literal(&self) -> Vec<u8> {
        let mut best: Vec<u8> = Vec::new();
        let mut cur: Vec<u8> = Vec::new();
        for t in &self.toks {
            match t {
                Tok::Byte(b) => cur.push(*b),
                _ => {
                    if cur.len() > best.len() {
                        best = std::mem::take(&mut cur);
                    }
                    cur.clear();
                }
            }
        }
        if cur.len() > best.len() { cur } else { best }
    }

    /// Whether the whole of `text` matches.
    ///
    /// Example: see [the module's example](self).
    pub fn matches(&self, text: &str) -> bool {
        let text = text.as_bytes();
        let toks = &self.toks;
        let (mut p, mut t) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match toks.get(p) {
                Some(Tok::Star) => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                Some(Tok::Byte(b)) if *b == text[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                Some(Tok::AnyChar) => {
                    p += 1;
                    t += utf8_len(text[t]);
                    continue;
                }
                _ => {}
            }
            match star {
                Some((sp, st)) => {
                    let next = st + utf8_len(text[st]);
                    star = Some((sp, next));
                    p = sp + 1;
                    t = next;
                }
                None => return false,
            }
        }
        while toks.get(p) == Some(&Tok::Star) {
            p += 1;
        }
        p == toks.len()
    }
}

/// Bytes in the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_questions_and_escapes() {
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("a*b*c").matches("aXXbYYc"));
        assert!(!Glob::new("a*b*c").matches("aXXbYY"));
        assert!(Glob::new("*ab").matches("aab"));
        assert!(Glob::new("?").matches("é"));
        assert!(!Glob::new("??").matches("é"));
        assert!(Glob::new("a\\*b").matches("a*b"));
        assert!(!Glob::new("a\\*b").matches("aXb"));
        assert!(Glob::new("http://*.example.com/*").matches("http://www.example.com/x"));
        assert!(!Glob::new("http://*.example.com/*").matches("http://example.com/x"));
    }

    #[test]
    fn literal_question_mark_in_paths() {
        let g = Glob::literal_except_star("/foo?bar\\*baz");
        assert!(g.matches("/foo?bar\\hellobaz"));
        assert!(!g.matches("/fooXbar\\hellobaz"));
        assert_eq!(
            Glob::literal_except_star("/a*longest*b").longest_literal(),
            b"longest"
        );
    }
}
