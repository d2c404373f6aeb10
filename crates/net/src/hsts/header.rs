//! `Strict-Transport-Security` (RFC 6797 §6.1) as Chromium's `ParseHSTSHeader` reads it.

use http::HeaderMap;

/// The most `max-age` is honoured for: one year (Chromium's `kMaxHSTSAgeSecs`); a larger value
/// is cut down to it.
///
/// Example: see [`parse_sts_header`].
pub const MAX_AGE_LIMIT: u32 = 86_400 * 365;

/// A valid `Strict-Transport-Security` header.
///
/// Example: see [`parse_sts_header`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sts {
    /// `max-age` in seconds, at most [`MAX_AGE_LIMIT`]; `0` means "forget this host".
    pub max_age: u32,
    /// Whether `includeSubDomains` was given.
    pub include_subdomains: bool,
}

/// Parses one `Strict-Transport-Security` value; `None` when the header must be ignored.
///
/// Directives are separated by `;` (empty ones skipped), names compare without regard to case,
/// values may be tokens or quoted strings. `max-age` is required (digits only, capped at
/// [`MAX_AGE_LIMIT`]); a repeated `max-age` or `includeSubDomains`, an `includeSubDomains` with
/// a value, an unknown directive whose name or unquoted value is not a token, or a quoted
/// string that does not close make the whole header invalid. Unknown directives are ignored.
///
/// ```
/// use session_net::hsts::{Sts, parse_sts_header};
///
/// assert_eq!(
///     parse_sts_header("max-age=31536000; includeSubDomains"),
///     Some(Sts { max_age: 31_536_000, include_subdomains: true })
/// );
/// assert_eq!(parse_sts_header("includeSubDomains"), None, "max-age is required");
/// assert_eq!(parse_sts_header("max-age=1; max-age=2"), None, "duplicates void the header");
/// ```
pub fn parse_sts_header(value: &str) -> Option<Sts> {
    let mut max_age = None;
    let mut include_subdomains = false;
    for directive in split_directives(value)? {
        let directive = trim_lws(directive);
        if directive.is_empty() {
            continue;
        }
        let (name, value) = match directive.find('=') {
            Some(i) => (
                trim_lws(&directive[..i]),
                Some(trim_lws(&directive[i + 1..])),
            ),
            None => (directive, None),
        };
        if name.is_empty() {
            return None;
        }
        let (value, quoted) = match value {
            Some(v) if v.starts_with('"') => (unquote(v)?, true),
            Some(v) => (v.to_string(), false),
            None => (String::new(), false),
        };
        if name.eq_ignore_ascii_case("max-age") {
            if max_age.is_some() {
                return None;
            }
            max_age = Some(delta_seconds(&value)?);
        } else if name.eq_ignore_ascii_case("includesubdomains") {
            if include_subdomains || !value.is_empty() || quoted {
                return None;
            }
            include_subdomains = true;
        } else if !is_token(name) || (!quoted && !value.is_empty() && !is_token(&value)) {
            return None;
        }
    }
    Some(Sts {
        max_age: max_age?,
        include_subdomains,
    })
}

/// The `Strict-Transport-Security` of a response: only the first such header is read (RFC 6797
/// §8.1, as Chromium); `None` when there is none or it is invalid (a later one is not tried).
///
/// ```
/// use http::HeaderMap;
/// use session_net::hsts::{MAX_AGE_LIMIT, sts_of};
///
/// let mut headers = HeaderMap::new();
/// headers.append("strict-transport-security", "max-age=99999999999".parse().unwrap());
/// headers.append("strict-transport-security", "max-age=0".parse().unwrap()); // never read
/// let sts = sts_of(&headers).unwrap();
/// assert_eq!(sts.max_age, MAX_AGE_LIMIT); // capped at a year
/// assert!(!sts.include_subdomains);
/// assert_eq!(sts_of(&HeaderMap::new()), None);
/// ```
pub fn sts_of(headers: &HeaderMap) -> Option<Sts> {
    let first = headers.get(http::header::STRICT_TRANSPORT_SECURITY)?;
    parse_sts_header(first.to_str().ok()?)
}

/// Splits at `;` outside quoted strings; `None` when a quoted string does not close.
fn split_directives(value: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, b) in value.bytes().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            quoted = !quoted;
        } else if b == b';' && !quoted {
            out.push(&value[start..i]);
            start = i + 1;
        }
    }
    if quoted {
        return None;
    }
    out.push(&value[start..]);
    Some(out)
}

/// The content of a quoted string that makes up the whole value (backslash escapes undone);
/// `None` when anything follows the closing quote.
fn unquote(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return chars.as_str().is_empty().then_some(out),
            c => out.push(c),
        }
    }
    None
}

/// `1*DIGIT`, capped at [`MAX_AGE_LIMIT`] (an overlong number is capped, not refused).
fn delta_seconds(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = value
        .bytes()
        .try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .unwrap_or(u64::MAX);
    Some(n.min(u64::from(MAX_AGE_LIMIT)) as u32)
}

fn trim_lws(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(max_age: u32, include_subdomains: bool) -> Option<Sts> {
        Some(Sts {
            max_age,
            include_subdomains,
        })
    }

    #[test]
    fn the_header_grammar_as_chromium_reads_it() {
        // No behaviour ID (Electron has no HSTS API): RFC 6797 §6.1 with Chromium's choices.
        let table: &[(&str, Option<Sts>)] = &[
            ("max-age=100", sts(100, false)),
            ("max-age=0", sts(0, false)),
            ("MAX-AGE=100", sts(100, false)),
            ("Max-Age=100; IncludeSubDomains", sts(100, true)),
            ("includesubdomains; max-age=5", sts(5, true)),
            ("  max-age = 100  ;  includeSubDomains  ", sts(100, true)),
            ("max-age=\"100\"", sts(100, false)),
            ("max-age=\"1\\00\"", sts(100, false)),
            ("max-age=100;;", sts(100, false)),
            (";max-age=100", sts(100, false)),
            ("max-age=100; preload", sts(100, false)),
            ("max-age=100; unknown=token", sts(100, false)),
            (
                "max-age=100; unknown=\"quoted; with semicolon\"",
                sts(100, false),
            ),
            ("max-age=99999999999999999999999", sts(MAX_AGE_LIMIT, false)),
            ("max-age=31536001", sts(MAX_AGE_LIMIT, false)),
            ("max-age=31536000", sts(31_536_000, false)),
            // includeSubDomains= with an empty unquoted value is accepted, as Chromium does.
            ("max-age=1; includeSubDomains=", sts(1, true)),
            // Refused.
            ("", None),
            ("includeSubDomains", None),
            ("max-age", None),
            ("max-age=", None),
            ("max-age=-1", None),
            ("max-age=+1", None),
            ("max-age=1.5", None),
            ("max-age=0x10", None),
            ("max-age=1 2", None),
            ("max-age=1; max-age=1", None),
            ("max-age=1; includeSubDomains; includeSubDomains", None),
            ("max-age=1; includeSubDomains=yes", None),
            ("max-age=1; includeSubDomains=\"\"", None),
            ("max-age=\"100", None),
            ("max-age=\"100\"x", None),
            ("max-age=1; =x", None),
            ("max-age=1; bad name=x", None),
            ("max-age=1; x=a b", None),
            ("max-age=1; x=a\"b", None),
            ("max-age=1, max-age=2", None),
        ];
        for (value, want) in table {
            assert_eq!(parse_sts_header(value), *want, "{value:?}");
        }
    }

    #[test]
    fn only_the_first_header_counts() {
        // RFC 6797 §8.1.
        let mut headers = HeaderMap::new();
        assert_eq!(sts_of(&headers), None);
        headers.append(
            "strict-transport-security",
            "max-age=10".parse().expect("header value"),
        );
        headers.append(
            "strict-transport-security",
            "max-age=20; includeSubDomains"
                .parse()
                .expect("header value"),
        );
        assert_eq!(sts_of(&headers), sts(10, false));
        let mut invalid_first = HeaderMap::new();
        invalid_first.append(
            "strict-transport-security",
            "bogus".parse().expect("header value"),
        );
        invalid_first.append(
            "strict-transport-security",
            "max-age=20".parse().expect("header value"),
        );
        assert_eq!(sts_of(&invalid_first), None);
    }
}
