//! The `match` URL pattern of a dictionary (RFC 9842 section 2.1.1), resolved against the
//! dictionary's own URL as the URL Pattern standard does with a base URL.
//!
//! What is supported: absolute patterns (`https://a.test/app/*`, whose scheme, host and port
//! must be the dictionary's own: same origin only), path patterns (`/app/*.js`), relative
//! paths (`v2/*`, resolved against the dictionary URL's directory), a search part after `?`,
//! and in each part fixed text, `*` (any run of characters) and `:name` (one or more
//! characters other than `/`), with `\` escaping. RFC 9842 forbids regular-expression groups
//! `( )`, so they are refused; `{ }` groups and the `?`/`+` modifiers are not supported either and
//! are refused with a message saying so (a dictionary declaring them is not stored). Components
//! after the last one given match anything, as in the standard: `/app/*` matches any query.

use std::fmt;

use url::Url;

/// Most parts a pattern may have: bounds the matching work of a hostile pattern.
const MAX_PARTS: usize = 256;

/// Why a `match` pattern cannot be used.
///
/// Example: see [`DictionaryPattern`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pattern: String,
    reason: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dictionary match pattern '{}' is not usable: {}",
            self.pattern, self.reason
        )
    }
}

impl std::error::Error for PatternError {}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    /// `*`: any run of characters, possibly empty.
    Any,
    /// `:name`: one or more characters other than `/`.
    Segment,
}

/// A compiled `match` pattern, bound to its dictionary's origin.
///
/// ```
/// use session_cache::dictionary::DictionaryPattern;
/// use url::Url;
///
/// let dictionary = Url::parse("https://a.test/app/v1.js").unwrap();
/// let pattern = DictionaryPattern::compile("/app/:version/*.js?lang=*", &dictionary).unwrap();
/// assert!(pattern.matches(&Url::parse("https://a.test/app/v2/main.js?lang=fr").unwrap()));
/// assert!(!pattern.matches(&Url::parse("https://a.test/app/main.js?lang=fr").unwrap()));
/// // Bound to the dictionary's origin.
/// assert!(!pattern.matches(&Url::parse("https://b.test/app/v2/main.js?lang=fr").unwrap()));
/// let relative = DictionaryPattern::compile("*.css", &dictionary).unwrap(); // relative to /app/
/// assert!(relative.matches(&Url::parse("https://a.test/app/site.css").unwrap()));
///
/// let err = DictionaryPattern::compile("https://b.test/*", &dictionary).unwrap_err();
/// assert!(err.to_string().contains("not usable"), "{err}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryPattern {
    origin: url::Origin,
    path: Vec<Part>,
    /// `None`: any query.
    search: Option<Vec<Part>>,
}

impl DictionaryPattern {
    /// Compiles `pattern` relative to `dictionary_url`.
    ///
    /// Example: see [`DictionaryPattern`].
    pub fn compile(pattern: &str, dictionary_url: &Url) -> Result<Self, PatternError> {
        let err = |reason: &str| PatternError {
            pattern: pattern.to_owned(),
            reason: reason.to_owned(),
        };
        let origin = dictionary_url.origin();
        if !origin.is_tuple() {
            return Err(err("the dictionary URL has no origin"));
        }
        let rest: String = if let Some(after_scheme) = absolute_rest(pattern) {
            // scheme://host[:port]/path...
            let (scheme, tail) = after_scheme;
            let auth_end = tail.find(['/', '?', '#']).unwrap_or(tail.len());
            let authority = &tail[..auth_end];
            if [scheme, authority]
                .iter()
                .any(|s| s.contains(['*', '(', ')', '{', '}', '\\']))
            {
                return Err(err("the scheme, host and port must be fixed"));
            }
            let probe = Url::parse(&format!("{scheme}://{authority}/"))
                .map_err(|e| err(&format!("bad origin: {e}")))?;
            if probe.origin() != origin {
                return Err(err(&format!(
                    "it is not same-origin with the dictionary {}",
                    origin.ascii_serialization()
                )));
            }
            let path = &tail[auth_end..];
            if path.is_empty() {
                "/".to_owned()
            } else {
                path.to_owned()
            }
        } else if pattern.starts_with('/') {
            pattern.to_owned()
        } else if pattern.starts_with('?') || pattern.starts_with('#') {
            format!("{}{pattern}", escape(dictionary_url.path()))
        } else {
            let base = dictionary_url.path();
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            format!("{}{pattern}", escape(dir))
        };
        let (path, search) = split_components(&rest);
        let path = tokenize(path).map_err(|r| err(&r))?;
        let search = match search {
            Some(s) => Some(tokenize(s).map_err(|r| err(&r))?),
            None => None,
        };
        if path.len() + search.as_ref().map_or(0, Vec::len) > MAX_PARTS {
            return Err(err("too many parts"));
        }
        Ok(DictionaryPattern {
            origin,
            path,
            search,
        })
    }

    /// Whether `url` (same origin, matching path and query) is covered by the pattern.
    ///
    /// Example: see [`DictionaryPattern`].
    pub fn matches(&self, url: &Url) -> bool {
        if url.origin() != self.origin {
            return false;
        }
        if !match_parts(&self.path, url.path()) {
            return false;
        }
        match &self.search {
            None => true,
            Some(parts) => match_parts(parts, url.query().unwrap_or("")),
        }
    }
}

/// `(scheme, rest after "://")` when `pattern` is absolute.
fn absolute_rest(pattern: &str) -> Option<(&str, &str)> {
    let i = pattern.find("://")?;
    let scheme = &pattern[..i];
    (!scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
    .then(|| (scheme, &pattern[i + 3..]))
}

/// Escapes the pattern syntax characters of a fixed base path.
fn escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if "*:(){}?+\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Splits at the first unescaped `?` (search) and `#` (hash, ignored: requests carry none).
fn split_components(s: &str) -> (&str, Option<&str>) {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut q = None;
    // A `?` right after `*`, a group or a `:name` is a modifier, not the start of the search.
    let mut after_token = false;
    let mut in_name = false;
    while i < bytes.len() {
        let c = bytes[i];
        let modifier_position = after_token || in_name;
        in_name = (in_name && (c.is_ascii_alphanumeric() || c == b'_'))
            || (c == b':'
                && bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_'));
        after_token = matches!(c, b'*' | b')' | b'}');
        match c {
            b'\\' => {
                i += 1;
                after_token = false;
            }
            b'?' if modifier_position => {}
            b'?' if q.is_none() => q = Some(i),
            b'#' => {
                return match q {
                    Some(qi) => (&s[..qi], Some(&s[qi + 1..i])),
                    None => (&s[..i], None),
                };
            }
            _ => {}
        }
        i += 1;
    }
    match q {
        Some(qi) => (&s[..qi], Some(&s[qi + 1..])),
        None => (s, None),
    }
}

fn tokenize(s: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    let flush = |text: &mut String, parts: &mut Vec<Part>| {
        if !text.is_empty() {
            parts.push(Part::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) => push_text(&mut text, e),
                None => return Err("it ends with '\\'".into()),
            },
            '*' => {
                flush(&mut text, &mut parts);
                if parts.last() != Some(&Part::Any) {
                    parts.push(Part::Any);
                }
                modifier(chars.peek())?;
            }
            ':' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_') =>
            {
                flush(&mut text, &mut parts);
                while chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
                {
                    chars.next();
                }
                parts.push(Part::Segment);
                modifier(chars.peek())?;
            }
            '(' | ')' => return Err("regular-expression groups are not allowed".into()),
            '{' | '}' => return Err("'{ }' groups are not supported".into()),
            c => push_text(&mut text, c),
        }
    }
    flush(&mut text, &mut parts);
    Ok(parts)
}

fn modifier(next: Option<&char>) -> Result<(), String> {
    match next {
        Some('?' | '+') => Err("the '?' and '+' modifiers are not supported".into()),
        _ => Ok(()),
    }
}

/// Fixed text as it appears in a serialized URL: the characters the URL parser escapes in a
/// path are percent-encoded.
fn push_text(text: &mut String, c: char) {
    if c.is_ascii_graphic() && !"\"<>`".contains(c) {
        text.push(c);
    } else {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            text.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Whether `parts` match all of `input`: a set of reachable positions per part, so the work is
/// bounded by parts x length whatever the pattern.
fn match_parts(parts: &[Part], input: &str) -> bool {
    let bytes = input.as_bytes();
    let n = bytes.len();
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    for part in parts {
        let mut next = vec![false; n + 1];
        match part {
            Part::Text(t) => {
                let t = t.as_bytes();
                for p in 0..=n {
                    if reach[p] && bytes[p..].starts_with(t) {
                        next[p + t.len()] = true;
                    }
                }
            }
            Part::Any => {
                if let Some(first) = reach.iter().position(|&r| r) {
                    next[first..].iter_mut().for_each(|x| *x = true);
                }
            }
            Part::Segment => {
                for (p, _) in reach.iter().enumerate().take(n).filter(|(_, r)| **r) {
                    let mut q = p;
                    while q < n && bytes[q] != b'/' {
                        q += 1;
                        if next[q] {
                            break;
                        }
                        next[q] = true;
                    }
                }
            }
        }
        reach = next;
        if !reach.contains(&true) {
            return false;
        }
    }
    reach[n]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn matches(pattern: &str, dict: &str, url: &str) -> bool {
        DictionaryPattern::compile(pattern, &u(dict))
            .expect("compiles")
            .matches(&u(url))
    }

    #[test]
    fn path_patterns() {
        let d = "https://a.test/app/v1/main.js";
        assert!(matches(
            "/app/*/main.js",
            d,
            "https://a.test/app/v2/main.js"
        ));
        assert!(matches(
            "/app/*/main.js",
            d,
            "https://a.test/app/a/b/main.js"
        ));
        assert!(!matches(
            "/app/*/main.js",
            d,
            "https://a.test/app/v2/main.css"
        ));
        assert!(matches("/app/*.js", d, "https://a.test/app/x.js?v=3"));
        assert!(matches("/*", d, "https://a.test/"));
        assert!(!matches("/app/*", d, "https://a.test/other/x"));
        // `:name` is one path segment.
        assert!(matches(
            "/app/:v/main.js",
            d,
            "https://a.test/app/v9/main.js"
        ));
        assert!(!matches(
            "/app/:v/main.js",
            d,
            "https://a.test/app/a/b/main.js"
        ));
        assert!(!matches(
            "/app/:v/main.js",
            d,
            "https://a.test/app//main.js"
        ));
    }

    #[test]
    fn same_origin_only() {
        let d = "https://a.test/app/v1/main.js";
        assert!(!matches("/app/*", d, "https://b.test/app/x"));
        assert!(!matches("/app/*", d, "http://a.test/app/x"));
        assert!(!matches("/app/*", d, "https://a.test:8443/app/x"));
        assert!(matches("https://a.test/app/*", d, "https://a.test/app/x"));
        let e = DictionaryPattern::compile("https://b.test/app/*", &u(d)).expect_err("cross");
        assert!(e.to_string().contains("same-origin"), "{e}");
        assert!(DictionaryPattern::compile("https://*.a.test/*", &u(d)).is_err());
    }

    #[test]
    fn relative_and_search_patterns() {
        let d = "https://a.test/app/v1/main.js";
        assert!(matches("v2/*", d, "https://a.test/app/v1/v2/x"));
        assert!(!matches("v2/*", d, "https://a.test/v2/x"));
        assert!(matches("/q?x=*", d, "https://a.test/q?x=1"));
        assert!(!matches("/q?x=*", d, "https://a.test/q?y=1"));
        assert!(matches("/q?", d, "https://a.test/q"));
        assert!(!matches("/q?", d, "https://a.test/q?a"));
        assert!(matches(r"/a\*b", d, "https://a.test/a*b"));
        assert!(!matches(r"/a\*b", d, "https://a.test/axxb"));
        assert!(matches("/a b", d, "https://a.test/a%20b"));
    }

    #[test]
    fn refuses_what_is_not_supported() {
        let d = u("https://a.test/");
        for bad in ["/a/(\\d+)", "/a{/b}?", "/a/*?", "/a/:id+", "/a\\"] {
            assert!(DictionaryPattern::compile(bad, &d).is_err(), "{bad}");
        }
        assert!(DictionaryPattern::compile("/a", &u("data:text/plain,x")).is_err());
    }

    #[test]
    fn hostile_patterns_stay_bounded() {
        let d = u("https://a.test/");
        let p = DictionaryPattern::compile(&format!("/{}b", "*a".repeat(100)), &d).expect("ok");
        let long = format!("https://a.test/{}", "a".repeat(4000));
        assert!(!p.matches(&u(&long)));
        assert!(DictionaryPattern::compile(&"/*a".repeat(200), &d).is_err());
    }
}
