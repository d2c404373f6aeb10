//! `condition.urlFilter` as Chromium's `url_pattern_index::UrlPattern` matches it: `*` any run
//! of characters, `^` one separator (anything but a letter, digit, `_`, `-`, `.`, `%`) or the
//! end of the URL, `|` anchors at the start or end of the URL, `||` at the start of the host or
//! of any of its labels. Matching is case-insensitive unless the rule says otherwise.

/// Where the pattern must start.
///
/// Example: see [`UrlFilter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftAnchor {
    /// Anywhere.
    None,
    /// At the start of the URL (`|`).
    Boundary,
    /// At the start of the host or just after one of its dots (`||`).
    Subdomain,
}

/// A compiled url filter: the pattern's bytes as written (`*` any run of characters, `^` one
/// separator or the end), runs of `*` collapsed, lower-cased unless the match is case-sensitive.
///
/// ```
/// use session_extensions::dnr::url_filter::{LeftAnchor, UrlFilter, is_separator, is_token_byte};
///
/// // `matches` takes the spec, its lower-cased copy and the host's byte range.
/// let check = |filter: &UrlFilter, url: &str| {
///     let parsed = url::Url::parse(url).unwrap();
///     let host = parsed.host_str().unwrap();
///     let start = url.find(host).unwrap();
///     filter.matches(url, &url.to_ascii_lowercase(), (start, start + host.len()))
/// };
/// let ads = UrlFilter::parse("||ads.test^", false).unwrap();
/// assert!(check(&ads, "https://cdn.ads.test/x.js"));
/// assert!(!check(&ads, "https://badads.test/x.js")); // `||` starts at a label
/// assert!(!check(&ads, "https://ads.test.example/")); // `^` needs a separator or the end
/// assert!(!ads.match_case());
/// assert_eq!(ads.complete_tokens(), [b"ads".to_vec(), b"test".to_vec()]);
///
/// let case = UrlFilter::new("/Banner", LeftAnchor::None, false, true);
/// assert!(case.match_case());
/// assert!(check(&case, "https://a.test/Banner.png") && !check(&case, "https://a.test/banner.png"));
///
/// assert!(UrlFilter::parse("", false).is_err() && UrlFilter::parse("é", false).is_err());
/// assert!(is_separator(b'/') && !is_separator(b'-'));
/// assert!(is_token_byte(b'%') && !is_token_byte(b'.'));
/// ```
#[derive(Clone, Debug)]
pub struct UrlFilter {
    pattern: Box<[u8]>,
    left: LeftAnchor,
    right_boundary: bool,
    match_case: bool,
    has_star: bool,
}

/// A url filter borrowed: its pattern bytes and flags.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FilterRef<'p> {
    pub(crate) pattern: &'p [u8],
    pub(crate) left: LeftAnchor,
    pub(crate) right_boundary: bool,
    pub(crate) match_case: bool,
    pub(crate) has_star: bool,
}

impl FilterRef<'_> {
    /// See [`UrlFilter::matches`].
    pub(crate) fn matches(self, spec: &str, lower: &str, host: (usize, usize)) -> bool {
        let text = if self.match_case {
            spec.as_bytes()
        } else {
            lower.as_bytes()
        };
        match self.left {
            LeftAnchor::Boundary => self.match_from(text, 0, true),
            LeftAnchor::None => self.match_from(text, 0, false),
            LeftAnchor::Subdomain => {
                let (start, end) = host;
                if start > text.len() || end > text.len() {
                    return false;
                }
                if self.match_from(text, start, true) {
                    return true;
                }
                (start..end)
                    .filter(|&i| text[i] == b'.')
                    .any(|i| self.match_from(text, i + 1, true))
            }
        }
    }

    /// Glob match of `text[start..]`: the pattern's `*`-free segments in order, each at its
    /// leftmost place after the previous one (the first at `start` when `anchored`, the last
    /// ending at the end of the text when right-anchored). Leftmost is enough: a segment has a
    /// fixed length, so its earliest place leaves the most text to the segments after it.
    fn match_from(self, text: &[u8], start: usize, anchored: bool) -> bool {
        let p = self.pattern;
        if !self.has_star {
            // One segment: the common case, without splitting.
            return match (anchored, self.right_boundary) {
                (true, false) => match_at(p, text, start).is_some(),
                (true, true) => match_at(p, text, start) == Some(text.len()),
                (false, false) => find(p, text, start).is_some(),
                (false, true) => ends_with(p, text, start),
            };
        }
        let n = p.split(|&b| b == b'*').count();
        let mut pos = start;
        for (i, seg) in p.split(|&b| b == b'*').enumerate() {
            let first_anchored = i == 0 && anchored;
            if i + 1 == n && self.right_boundary {
                return if first_anchored {
                    match_at(seg, text, pos) == Some(text.len())
                } else {
                    ends_with(seg, text, pos)
                };
            }
            pos = match if first_anchored {
                match_at(seg, text, pos)
            } else {
                find(seg, text, pos)
            } {
                Some(end) => end,
                None => return false,
            };
        }
        true
    }
}

/// Whether `b` is a separator for `^`.
///
/// Example: see [`UrlFilter`].
pub fn is_separator(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'%'))
}

/// Where `seg` (no `*` in it) matches `text` from `t`: the end of the match. Past the end of
/// the text only `^` may remain (it matches the end).
fn match_at(seg: &[u8], text: &[u8], t: usize) -> Option<usize> {
    let mut i = t;
    for (k, &p) in seg.iter().enumerate() {
        let Some(&c) = text.get(i) else {
            return seg[k..].iter().all(|&b| b == b'^').then_some(text.len());
        };
        if !(p == c || p == b'^' && is_separator(c)) {
            return None;
        }
        i += 1;
    }
    Some(i)
}

/// Whether `seg` matches at some place at or after `from` that ends the text.
fn ends_with(seg: &[u8], text: &[u8], from: usize) -> bool {
    (from.max(text.len().saturating_sub(seg.len()))..=text.len())
        .any(|t| match_at(seg, text, t) == Some(text.len()))
}

/// The end of the leftmost match of `seg` in `text` at or after `from`.
fn find(seg: &[u8], text: &[u8], from: usize) -> Option<usize> {
    match seg.first() {
        // A literal first byte: only the places holding it can start a match.
        Some(&first) if first != b'^' => {
            let mut t = from;
            while t < text.len() {
                let off = text[t..].iter().position(|&b| b == first)?;
                t += off;
                if let Some(end) = match_at(seg, text, t) {
                    return Some(end);
                }
                t += 1;
            }
            None
        }
        _ => (from..=text.len()).find_map(|t| match_at(seg, text, t)),
    }
}

impl UrlFilter {
    /// Parses DNR syntax (`||example.com^`, `|https:`, `ads*.js|`). Errors are the reasons
    /// Chromium gives (non-ASCII, empty).
    ///
    /// Example: see [`UrlFilter`].
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
    ///
    /// Example: see [`UrlFilter`].
    pub fn new(
        pattern: &str,
        left: LeftAnchor,
        right_boundary: bool,
        match_case: bool,
    ) -> UrlFilter {
        let mut bytes = Vec::with_capacity(pattern.len());
        for b in pattern.bytes() {
            if b == b'*' && bytes.last() == Some(&b'*') {
                continue;
            }
            bytes.push(if match_case {
                b
            } else {
                b.to_ascii_lowercase()
            });
        }
        UrlFilter {
            has_star: bytes.contains(&b'*'),
            pattern: bytes.into_boxed_slice(),
            left,
            right_boundary,
            match_case,
        }
    }

    /// Whether matching distinguishes case.
    ///
    /// Example: see [`UrlFilter`].
    pub fn match_case(&self) -> bool {
        self.match_case
    }

    /// Matches against the URL spec. `lower` is the spec lower-cased (ASCII) and `host` the byte
    /// range of the host in it.
    ///
    /// Example: see [`UrlFilter`].
    pub fn matches(&self, spec: &str, lower: &str, host: (usize, usize)) -> bool {
        self.as_ref().matches(spec, lower, host)
    }

    /// The filter as a borrowed view (what the index keeps: the bytes in a shared array).
    pub(crate) fn as_ref(&self) -> FilterRef<'_> {
        FilterRef {
            pattern: &self.pattern,
            left: self.left,
            right_boundary: self.right_boundary,
            match_case: self.match_case,
            has_star: self.has_star,
        }
    }

    /// Tokens (maximal runs of `[a-z0-9%]`, lower-cased) that any URL this filter matches
    /// must contain whole: runs bounded on both sides by a literal non-token character, a `^`,
    /// or an anchor.
    ///
    /// Example: see [`UrlFilter`].
    pub fn complete_tokens(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let p = &self.pattern;
        let mut i = 0;
        while i < p.len() {
            if !is_token_byte(p[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < p.len() && is_token_byte(p[i]) {
                i += 1;
            }
            let left_ok = if start == 0 {
                self.left != LeftAnchor::None
            } else {
                p[start - 1] != b'*'
            };
            let right_ok = if i == p.len() {
                self.right_boundary
            } else {
                p[i] != b'*'
            };
            if left_ok && right_ok {
                out.push(p[start..i].to_ascii_lowercase());
            }
        }
        out
    }
}

/// Characters that make up index tokens.
///
/// Example: see [`UrlFilter`].
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

    /// The glob as its definition reads, by backtracking: `*` any run, `^` a separator or the
    /// end of the text.
    fn reference(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') => (0..=t.len()).any(|k| reference(&p[1..], &t[k..])),
            Some(b'^') => {
                (t.first().is_some_and(|&c| is_separator(c)) && reference(&p[1..], &t[1..]))
                    || (t.is_empty() && reference(&p[1..], t))
            }
            Some(&c) => t.first() == Some(&c) && reference(&p[1..], &t[1..]),
        }
    }

    #[test]
    fn leftmost_segments_agree_with_backtracking() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let pat_bytes = b"ab/.*^";
        let text_bytes = b"ab/.";
        for _ in 0..20_000 {
            let pattern: String = (0..next(7))
                .map(|_| pat_bytes[next(pat_bytes.len())] as char)
                .collect();
            let text: String = (0..next(9))
                .map(|_| text_bytes[next(text_bytes.len())] as char)
                .collect();
            for (left, right) in [
                (LeftAnchor::None, false),
                (LeftAnchor::None, true),
                (LeftAnchor::Boundary, false),
                (LeftAnchor::Boundary, true),
            ] {
                let f = UrlFilter::new(&pattern, left, right, false);
                let mut full = Vec::new();
                if left == LeftAnchor::None {
                    full.push(b'*');
                }
                full.extend_from_slice(pattern.as_bytes());
                if !right {
                    full.push(b'*');
                }
                let expected = reference(&full, text.as_bytes());
                assert_eq!(
                    f.matches(&text, &text, (0, 0)),
                    expected,
                    "{pattern:?} {left:?} right={right} on {text:?}"
                );
            }
        }
    }
}
