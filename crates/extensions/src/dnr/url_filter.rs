//! `condition.urlFilter` as Chromium's `url_pattern_index::UrlPattern` matches it: `*` any run
//! of characters, `^` one separator (anything but a letter, digit, `_`, `-`, `.`, `%`) or the
//! end of the URL, `|` anchors at the start or end of the URL, `||` at the start of the host or
//! of any of its labels. Matching is case-insensitive unless the rule says otherwise.

/// Where the pattern must start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftAnchor {
    /// Anywhere.
    None,
    /// At the start of the URL (`|`).
    Boundary,
    /// At the start of the host or just after one of its dots (`||`).
    Subdomain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Byte(u8),
    Sep,
    Star,
}

/// A compiled url filter.
#[derive(Clone, Debug)]
pub struct UrlFilter {
    toks: Box<[Tok]>,
    left: LeftAnchor,
    right_boundary: bool,
    match_case: bool,
}

/// Whether `b` is a separator for `^`.
pub fn is_separator(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'%'))
}

impl UrlFilter {
    /// Parses DNR syntax (`||example.com^`, `|https:`, `ads*.js|`). Errors are the reasons
    /// Chromium gives (non-ASCII, empty).
    pub fn parse(filter: &str, case_sensitive: bool) -> Result<UrlFilter, &'static str> {
        if filter.is_empty() {
            return Err("empty");
        }
        if !filter.is_ascii() {
            return Err("non-ascii");
        }
        let (left, rest) = if let Some(r) = filter.strip_prefix("||") {
            (LeftAnchor::Subdomain, r)
        } else if let Some(r) = filter.strip_prefix('|') {
            (LeftAnchor::Boundary, r)
        } else {
            (LeftAnchor::None, filter)
        };
        let (right, body) = match rest.strip_suffix('|') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        Ok(UrlFilter::new(body, left, right, case_sensitive))
    }

    /// From parts (`pattern` without anchors).
    pub fn new(
        pattern: &str,
        left: LeftAnchor,
        right_boundary: bool,
        match_case: bool,
    ) -> UrlFilter {
        let mut toks = Vec::with_capacity(pattern.len());
        for b in pattern.bytes() {
            let t = match b {
                b'*' => Tok::Star,
                b'^' => Tok::Sep,
                _ if match_case => Tok::Byte(b),
                _ => Tok::Byte(b.to_ascii_lowercase()),
            };
            if t == Tok::Star && toks.last() == Some(&Tok::Star) {
                continue;
            }
            toks.push(t);
        }
        UrlFilter {
            toks: toks.into_boxed_slice(),
            left,
            right_boundary,
            match_case,
        }
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.toks.len() * std::mem::size_of::<Tok>()
    }

    /// Whether matching distinguishes case.
    pub fn match_case(&self) -> bool {
        self.match_case
    }

    /// Matches against the URL spec. `lower` is the spec lower-cased (ASCII) and `host` the byte
    /// range of the host in it.
    pub fn matches(&self, spec: &str, lower: &str, host: (usize, usize)) -> bool {
        let text = if self.match_case {
            spec.as_bytes()
        } else {
            lower.as_bytes()
        };
        match self.left {
            LeftAnchor::Boundary => self.match_from(text, 0, false),
            LeftAnchor::None => self.match_from(text, 0, true),
            LeftAnchor::Subdomain => {
                let (start, end) = host;
                if start > text.len() || end > text.len() {
                    return false;
                }
                if self.match_from(text, start, false) {
                    return true;
                }
                (start..end)
                    .filter(|&i| text[i] == b'.')
                    .any(|i| self.match_from(text, i + 1, false))
            }
        }
    }

    /// Glob match of `text[start..]` with an implicit leading `*` when `floating`, and an
    /// implicit trailing `*` unless right-anchored.
    fn match_from(&self, text: &[u8], start: usize, floating: bool) -> bool {
        let toks = &self.toks;
        let n = toks.len();
        // Token at virtual position p: a leading star when floating, the pattern, then a
        // trailing star when not right-anchored.
        let lead = usize::from(floating);
        let total = lead + n + usize::from(!self.right_boundary);
        let tok = |p: usize| -> Tok {
            if p < lead {
                Tok::Star
            } else if p - lead < n {
                toks[p - lead]
            } else {
                Tok::Star
            }
        };
        let (mut p, mut t) = (0usize, start);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            if p < total {
                match tok(p) {
                    Tok::Star => {
                        star = Some((p, t));
                        p += 1;
                        continue;
                    }
                    Tok::Byte(b) if b == text[t] => {
                        p += 1;
                        t += 1;
                        continue;
                    }
                    Tok::Sep if is_separator(text[t]) => {
                        p += 1;
                        t += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            match star {
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    p = sp + 1;
                    t = st + 1;
                }
                None => return false,
            }
        }
        // The end of the URL: only stars and separators (which match the end) may remain.
        while p < total && matches!(tok(p), Tok::Star | Tok::Sep) {
            p += 1;
        }
        p == total
    }

    /// Tokens (maximal runs of `[a-z0-9%]`, lower-cased) that any URL this filter matches
    /// must contain whole: runs bounded on both sides by a literal non-token character, a `^`,
    /// or an anchor.
    pub fn complete_tokens(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let toks = &self.toks;
        let mut i = 0;
        while i < toks.len() {
            let Tok::Byte(b) = toks[i] else {
                i += 1;
                continue;
            };
            if !is_token_byte(b) {
                i += 1;
                continue;
            }
            let start = i;
            while i < toks.len() && matches!(toks[i], Tok::Byte(b) if is_token_byte(b)) {
                i += 1;
            }
            let left_ok = if start == 0 {
                self.left != LeftAnchor::None
            } else {
                !matches!(toks[start - 1], Tok::Star)
            };
            let right_ok = if i == toks.len() {
                self.right_boundary
            } else {
                !matches!(toks[i], Tok::Star)
            };
            if left_ok && right_ok {
                out.push(
                    toks[start..i]
                        .iter()
                        .map(|t| match t {
                            Tok::Byte(b) => b.to_ascii_lowercase(),
                            _ => b'*',
                        })
                        .collect(),
                );
            }
        }
        out
    }
}

/// Characters that make up index tokens.
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'%'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(filter: &str, url: &str) -> bool {
        let u = url::Url::parse(url).unwrap();
        let spec = u.as_str();
        let lower = spec.to_ascii_lowercase();
        let host = (
            u[..url::Position::BeforeHost].len(),
            u[..url::Position::AfterHost].len(),
        );
        UrlFilter::parse(filter, false)
            .unwrap()
            .matches(spec, &lower, host)
    }

    #[test]
    fn anchors_and_separators() {
        assert!(m("||example.com^", "https://www.example.com/x"));
        assert!(!m("||example.com^", "https://notexample.com/x"));
        assert!(m("|https:", "https://a.com/"));
        assert!(!m("|http:", "https://a.com/"));
        assert!(m("ads*.js|", "https://a.com/ads/x.js"));
        assert!(!m("ads*.js|", "https://a.com/ads/x.js?1"));
        assert!(m("abc^", "https://xyz.com/abc"));
    }

    #[test]
    fn tokens_are_only_complete_ones() {
        let f = UrlFilter::parse("||ads.example.com^*banner", false).unwrap();
        assert_eq!(
            f.complete_tokens(),
            vec![b"ads".to_vec(), b"example".to_vec(), b"com".to_vec()]
        );
        let f = UrlFilter::parse("foo*bar", false).unwrap();
        assert!(f.complete_tokens().is_empty());
    }
}
