//! Parsing a `Set-Cookie` line (RFC 6265bis §5.6).

use crate::cookie::{Priority, SameSite};
use crate::date::parse_cookie_date;
use crate::error::Exclusion;

/// Largest name + value, in bytes.
pub(crate) const MAX_NAME_VALUE: usize = 4096;
/// Largest attribute value, in bytes; longer attributes are ignored.
pub(crate) const MAX_ATTRIBUTE_VALUE: usize = 1024;

/// A `Set-Cookie` line split into its parts; no policy applied yet.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ParsedCookie {
    pub(crate) name: String,
    pub(crate) value: String,
    /// `Expires`, in seconds since the epoch.
    pub(crate) expires: Option<i64>,
    /// `Max-Age`, in seconds (saturated), when well-formed.
    pub(crate) max_age: Option<i64>,
    /// `Domain`, lower-cased, leading dot kept; `None` when absent or empty.
    pub(crate) domain: Option<String>,
    /// `Path`, only when it starts with `/`.
    pub(crate) path: Option<String>,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) same_site: SameSite,
    pub(crate) partitioned: bool,
    pub(crate) priority: Priority,
}

/// Whether `c` is a control character other than horizontal tab (RFC 6265bis §5.6 step 1).
pub(crate) fn is_disallowed_ctl(c: char) -> bool {
    (c <= '\x1f' && c != '\t') || c == '\x7f'
}

fn trim_wsp(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

impl ParsedCookie {
    /// Parses one `Set-Cookie` header value.
    pub(crate) fn parse(line: &str) -> Result<ParsedCookie, Exclusion> {
        if line.chars().any(is_disallowed_ctl) {
            return Err(Exclusion::DisallowedCharacter);
        }
        let (pair, attributes) = match line.find(';') {
            Some(i) => (&line[..i], &line[i..]),
            None => (line, ""),
        };
        let (name, value) = match pair.find('=') {
            Some(i) => (trim_wsp(&pair[..i]), trim_wsp(&pair[i + 1..])),
            None => ("", trim_wsp(pair)),
        };
        if name.len() + value.len() > MAX_NAME_VALUE {
            return Err(Exclusion::NameValuePairExceedsMaxSize);
        }
        if name.is_empty() && value.is_empty() {
            return Err(Exclusion::FailureToStore);
        }
        let mut cookie = ParsedCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            ..ParsedCookie::default()
        };
        for av in attributes.split(';').skip(1) {
            let (key, val) = match av.find('=') {
                Some(i) => (trim_wsp(&av[..i]), trim_wsp(&av[i + 1..])),
                None => (trim_wsp(av), ""),
            };
            if val.len() > MAX_ATTRIBUTE_VALUE {
                continue;
            }
            cookie.apply_attribute(key, val);
        }
        Ok(cookie)
    }

    fn apply_attribute(&mut self, key: &str, val: &str) {
        if key.eq_ignore_ascii_case("expires") {
            if let Some(secs) = parse_cookie_date(val) {
                self.expires = Some(secs);
            }
        } else if key.eq_ignore_ascii_case("max-age") {
            if let Some(delta) = parse_max_age(val) {
                self.max_age = Some(delta);
            }
        } else if key.eq_ignore_ascii_case("domain") {
            // An empty Domain attribute is ignored (RFC 6265bis §5.6.3); the leading dot is
            // dropped when the domain is resolved.
            if !val.is_empty() {
                self.domain = Some(val.to_ascii_lowercase());
            }
        } else if key.eq_ignore_ascii_case("path") {
            self.path = if val.starts_with('/') {
                Some(val.to_owned())
            } else {
                None
            };
        } else if key.eq_ignore_ascii_case("secure") {
            self.secure = true;
        } else if key.eq_ignore_ascii_case("httponly") {
            self.http_only = true;
        } else if key.eq_ignore_ascii_case("samesite") {
            self.same_site = if val.eq_ignore_ascii_case("none") {
                SameSite::NoRestriction
            } else if val.eq_ignore_ascii_case("lax") {
                SameSite::Lax
            } else if val.eq_ignore_ascii_case("strict") {
                SameSite::Strict
            } else {
                SameSite::Unspecified
            };
        } else if key.eq_ignore_ascii_case("partitioned") {
            self.partitioned = true;
        } else if key.eq_ignore_ascii_case("priority") {
            if val.eq_ignore_ascii_case("low") {
                self.priority = Priority::Low;
            } else if val.eq_ignore_ascii_case("high") {
                self.priority = Priority::High;
            } else if val.eq_ignore_ascii_case("medium") {
                self.priority = Priority::Medium;
            }
        }
    }
}

/// `Max-Age` (RFC 6265bis §5.6.2): an optional `-` then digits; saturates on overflow.
fn parse_max_age(val: &str) -> Option<i64> {
    let (negative, digits) = match val.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, val),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_value_and_attributes() {
        let c = ParsedCookie::parse(" a = b ; Path=/x; Domain=Example.COM; Secure; HttpOnly; SameSite=strict; Max-Age=60; Partitioned; Priority=HIGH")
            .expect("parses");
        assert_eq!((c.name.as_str(), c.value.as_str()), ("a", "b"));
        assert_eq!(c.path.as_deref(), Some("/x"));
        assert_eq!(c.domain.as_deref(), Some("example.com"));
        assert!(c.secure && c.http_only && c.partitioned);
        assert_eq!(c.same_site, SameSite::Strict);
        assert_eq!(c.max_age, Some(60));
        assert_eq!(c.priority, Priority::High);
    }

    // RFC 6265bis §5.6: a line without '=' is a cookie with an empty name
    #[test]
    fn nameless_cookie() {
        let c = ParsedCookie::parse("foo").expect("parses");
        assert_eq!((c.name.as_str(), c.value.as_str()), ("", "foo"));
        assert_eq!(
            ParsedCookie::parse("=").err(),
            Some(Exclusion::FailureToStore)
        );
    }

    #[test]
    fn limits_and_controls() {
        let big = format!("a={}", "x".repeat(4096));
        assert_eq!(
            ParsedCookie::parse(&big).err(),
            Some(Exclusion::NameValuePairExceedsMaxSize)
        );
        let ok = format!("a={}", "x".repeat(4095));
        assert!(ParsedCookie::parse(&ok).is_ok());
        let long_path = format!("a=b; Path=/{}", "p".repeat(1024));
        assert_eq!(ParsedCookie::parse(&long_path).expect("parses").path, None);
        assert_eq!(
            ParsedCookie::parse("a=b\x01c").err(),
            Some(Exclusion::DisallowedCharacter)
        );
        assert!(ParsedCookie::parse("a=b\tc").is_ok());
    }

    #[test]
    fn attribute_edge_cases() {
        let c = ParsedCookie::parse("a=b; Max-Age=1x; Path=rel; Domain=; Expires=bogus")
            .expect("parses");
        assert_eq!(
            (c.max_age, c.path, c.domain, c.expires),
            (None, None, None, None)
        );
        let c = ParsedCookie::parse("a=b; max-age=-5; samesite=bogus").expect("parses");
        assert_eq!(c.max_age, Some(-5));
        assert_eq!(c.same_site, SameSite::Unspecified);
        let c = ParsedCookie::parse("a=b; Max-Age=99999999999999999999999").expect("parses");
        assert_eq!(c.max_age, Some(i64::MAX));
    }
}
