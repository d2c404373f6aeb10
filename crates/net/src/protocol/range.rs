//! The decisions of a file response as pure functions over header values: preconditions
//! (RFC 9110 §13.2.2: `If-Match`, `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since`),
//! then `If-Range` and `Range` (RFC 9110 §13.1.5, §14.1.2, §14.2).
//!
//! The policy for ranges:
//! - one satisfiable byte range: `206` with `Content-Range: bytes start-end/len`;
//! - no satisfiable range (a start at or past the end, `bytes=-0`, any range of an empty file
//!   but a suffix): `416` with `Content-Range: bytes */len`;
//! - several ranges: one `200` with the whole body. RFC 9110 §14.2 lets a server ignore `Range`;
//!   a multipart/byteranges body is what no media element asks for, and a whole body still
//!   answers the request (tower-http's `ServeDir` answers 416 here instead, which leaves the
//!   client with nothing);
//! - a `Range` that does not parse (another unit, `bytes=5-2`, numbers past `u64`) is ignored:
//!   `200` with the whole body, as §14.2 allows;
//! - `If-Range` that does not match the current validator (strong `ETag` comparison, or a date
//!   equal to `Last-Modified`): the whole body, `200`.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use http::Method;
//! use session_net::protocol::range::*;
//!
//! assert_eq!(parse_range("bytes=10-"), Some(RangeSpec::FromTo { start: 10, end: None }));
//! assert_eq!(parse_range("bytes=-5"), Some(RangeSpec::Suffix(5)));
//! assert_eq!(parse_range("bytes=0-1, 5-6"), Some(RangeSpec::Multiple));
//! assert_eq!(parse_range("items=0-1"), None);
//! assert_eq!(resolve_range(RangeSpec::Suffix(5), 100), RangeDecision::Partial { start: 95, end: 99 });
//! assert_eq!(resolve_range(RangeSpec::FromTo { start: 100, end: None }, 100), RangeDecision::Unsatisfiable);
//!
//! let file = Validators::for_file(100, UNIX_EPOCH + Duration::from_millis(1_700_000_000_500));
//! assert_eq!(file.last_modified, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
//! let get = |c: Conditions| decide(&Method::GET, &c, &file, 100);
//! assert_eq!(get(Conditions { range: Some("bytes=0-9"), ..Default::default() }),
//!     Decision::Send(RangeDecision::Partial { start: 0, end: 9 }));
//! assert_eq!(get(Conditions { if_none_match: Some(&file.etag), ..Default::default() }), Decision::NotModified);
//! assert_eq!(get(Conditions { if_match: Some("\"other\""), ..Default::default() }), Decision::PreconditionFailed);
//! // A stale If-Range: the whole body.
//! let stale = Conditions { range: Some("bytes=0-9"), if_range: Some("\"old\""), ..Default::default() };
//! assert_eq!(get(stale), Decision::Send(RangeDecision::Whole));
//! assert!(if_range_matches(&file.etag, &file));
//! assert!(if_range_matches("Tue, 14 Nov 2023 22:13:20 GMT", &file)); // == Last-Modified
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

/// A parsed `Range` header of the `bytes` unit.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=start-` or `bytes=start-end` (`end` inclusive, `None` to the end).
    FromTo {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: Option<u64>,
    },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
    /// More than one range.
    Multiple,
}

/// Parses a `Range` value; `None` when it must be ignored (another unit, bad syntax,
/// `last < first`).
///
/// Example: see [the module's example](self).
pub fn parse_range(value: &str) -> Option<RangeSpec> {
    let (unit, set) = value.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let mut specs = set.split(',').map(str::trim).filter(|s| !s.is_empty());
    let first = parse_one(specs.next()?)?;
    let mut more = false;
    for s in specs {
        parse_one(s)?;
        more = true;
    }
    Some(if more { RangeSpec::Multiple } else { first })
}

fn parse_one(spec: &str) -> Option<RangeSpec> {
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (a.is_empty(), b.is_empty()) {
        (true, true) => None,
        (true, false) => digits(b).then(|| b.parse().ok().map(RangeSpec::Suffix))?,
        (false, _) => {
            if !digits(a) {
                return None;
            }
            let start: u64 = a.parse().ok()?;
            let end = if b.is_empty() {
                None
            } else if digits(b) {
                let end: u64 = b.parse().ok()?;
                if end < start {
                    return None;
                }
                Some(end)
            } else {
                return None;
            };
            Some(RangeSpec::FromTo { start, end })
        }
    }
}

/// What to send for a `GET` of a representation of `len` bytes.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeDecision {
    /// `200` with the whole representation.
    Whole,
    /// `206` with bytes `start..=end`.
    Partial {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// `416` with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Resolves a parsed range against a length.
///
/// Example: see [the module's example](self).
pub fn resolve_range(spec: RangeSpec, len: u64) -> RangeDecision {
    match spec {
        RangeSpec::Multiple => RangeDecision::Whole,
        RangeSpec::Suffix(0) => RangeDecision::Unsatisfiable,
        // RFC 9110 §14.1.1: for an empty representation a non-zero suffix is the only
        // satisfiable range, and it selects the whole (empty) representation.
        RangeSpec::Suffix(_) if len == 0 => RangeDecision::Whole,
        RangeSpec::Suffix(n) => RangeDecision::Partial {
            start: len.saturating_sub(n),
            end: len - 1,
        },
        RangeSpec::FromTo { start, .. } if start >= len => RangeDecision::Unsatisfiable,
        RangeSpec::FromTo { start, end } => RangeDecision::Partial {
            start,
            end: end.map_or(len - 1, |e| e.min(len - 1)),
        },
    }
}

/// The validators of the current representation.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validators {
    /// The strong entity tag, quotes included (`"5f-1a2b"`).
    pub etag: String,
    /// The modification time, whole seconds (what `Last-Modified` can say).
    pub last_modified: SystemTime,
}

impl Validators {
    /// Validators of a file of `len` bytes modified at `modified`: a strong `ETag` made of the
    /// length and the modification time in nanoseconds, and the time cut to whole seconds.
    ///
    /// Example: see [the module's example](self).
    pub fn for_file(len: u64, modified: SystemTime) -> Self {
        let since = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
        Validators {
            etag: format!("\"{:x}-{:x}\"", len, since.as_nanos()),
            last_modified: UNIX_EPOCH + std::time::Duration::from_secs(since.as_secs()),
        }
    }
}

/// The request headers the decisions read, as strings (`None` when absent).
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, Default)]
pub struct Conditions<'a> {
    /// `If-Match`.
    pub if_match: Option<&'a str>,
    /// `If-None-Match`.
    pub if_none_match: Option<&'a str>,
    /// `If-Modified-Since`.
    pub if_modified_since: Option<&'a str>,
    /// `If-Unmodified-Since`.
    pub if_unmodified_since: Option<&'a str>,
    /// `If-Range`.
    pub if_range: Option<&'a str>,
    /// `Range`.
    pub range: Option<&'a str>,
}

/// The outcome of the preconditions and the range, for a file response.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `304 Not Modified`.
    NotModified,
    /// `412 Precondition Failed`.
    PreconditionFailed,
    /// Send the body (or part of it) as the range decision says.
    Send(RangeDecision),
}

/// Evaluates the conditional headers and the range for a request with `method` (`GET` and
/// `HEAD` are the safe ones; `Range` is honoured for `GET` only) of a representation of `len`
/// bytes with `validators`. RFC 9110 §13.2.2's order.
///
/// Example: see [the module's example](self).
pub fn decide(method: &http::Method, c: &Conditions<'_>, v: &Validators, len: u64) -> Decision {
    let safe = method == http::Method::GET || method == http::Method::HEAD;
    if let Some(im) = c.if_match {
        if !etag_list_matches(im, &v.etag, true) {
            return Decision::PreconditionFailed;
        }
    } else if let Some(ius) = c.if_unmodified_since
        && let Some(t) = http_date(ius)
        && v.last_modified > t
    {
        return Decision::PreconditionFailed;
    }
    if let Some(inm) = c.if_none_match {
        if etag_list_matches(inm, &v.etag, false) {
            return if safe {
                Decision::NotModified
            } else {
                Decision::PreconditionFailed
            };
        }
    } else if safe
        && let Some(ims) = c.if_modified_since
        && let Some(t) = http_date(ims)
        && v.last_modified <= t
    {
        return Decision::NotModified;
    }
    if method != http::Method::GET {
        return Decision::Send(RangeDecision::Whole);
    }
    let Some(spec) = c.range.and_then(parse_range) else {
        return Decision::Send(RangeDecision::Whole);
    };
    if let Some(ir) = c.if_range
        && !if_range_matches(ir, v)
    {
        return Decision::Send(RangeDecision::Whole);
    }
    Decision::Send(resolve_range(spec, len))
}

/// `If-Range`: an entity tag compared strongly (a weak tag never matches), or an HTTP date
/// equal to `Last-Modified`.
///
/// Example: see [the module's example](self).
pub fn if_range_matches(value: &str, v: &Validators) -> bool {
    let value = value.trim();
    if value.starts_with('"') {
        return value == v.etag;
    }
    if value.starts_with("W/") {
        return false;
    }
    http_date(value).is_some_and(|t| t == v.last_modified)
}

/// Whether an `If-Match` / `If-None-Match` list names `etag` (`*` names any). `strong`:
/// weak tags never match (If-Match); otherwise the weak comparison (If-None-Match).
fn etag_list_matches(list: &str, etag: &str, strong: bool) -> bool {
    if list.trim() == "*" {
        return true;
    }
    let opaque = |t: &str| t.strip_prefix("W/").unwrap_or(t).to_string();
    list.split(',').map(str::trim).any(|t| {
        if strong {
            !t.starts_with("W/") && t == etag
        } else {
            opaque(t) == opaque(etag)
        }
    })
}

fn http_date(s: &str) -> Option<SystemTime> {
    session_cache::directives::parse_http_date(s.trim().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;
    use std::time::Duration;

    use RangeDecision::{Partial, Unsatisfiable, Whole};

    fn v() -> Validators {
        Validators::for_file(100, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }

    fn get(range: &str, len: u64) -> Decision {
        let c = Conditions {
            range: Some(range),
            ..Conditions::default()
        };
        decide(&Method::GET, &c, &v(), len)
    }

    fn send(r: RangeDecision) -> Decision {
        Decision::Send(r)
    }

    #[test]
    fn range_matrix() {
        let cases: &[(&str, u64, RangeDecision)] = &[
            // start-end, clamped at the end
            ("bytes=0-9", 100, Partial { start: 0, end: 9 }),
            ("bytes=50-500", 100, Partial { start: 50, end: 99 }),
            ("bytes=99-99", 100, Partial { start: 99, end: 99 }),
            (" bytes = 1 - 2 ", 100, Partial { start: 1, end: 2 }),
            ("BYTES=1-2", 100, Partial { start: 1, end: 2 }),
            // open-ended
            ("bytes=90-", 100, Partial { start: 90, end: 99 }),
            ("bytes=0-", 100, Partial { start: 0, end: 99 }),
            // suffix, longer than the file
            ("bytes=-10", 100, Partial { start: 90, end: 99 }),
            ("bytes=-1000", 100, Partial { start: 0, end: 99 }),
            ("bytes=-0", 100, Unsatisfiable),
            // past the end
            ("bytes=100-", 100, Unsatisfiable),
            ("bytes=100-200", 100, Unsatisfiable),
            // multiple ranges: whole body
            ("bytes=0-1,5-6", 100, Whole),
            ("bytes=0-1, -1", 100, Whole),
            // ignored: other unit, bad syntax, reversed, overflow
            ("items=1-2", 100, Whole),
            ("bytes=5-2", 100, Whole),
            ("bytes=-", 100, Whole),
            ("bytes=a-b", 100, Whole),
            ("bytes=1-2,x", 100, Whole),
            ("bytes=99999999999999999999-", 100, Whole),
            ("bytes=+1-2", 100, Whole),
            // zero-length files: nothing is satisfiable but a suffix, which is the whole
            ("bytes=0-", 0, Unsatisfiable),
            ("bytes=0-0", 0, Unsatisfiable),
            ("bytes=-5", 0, Whole),
            ("bytes=-0", 0, Unsatisfiable),
            // far into a large file: no cap
            (
                "bytes=5368709120-",
                6 << 30,
                Partial {
                    start: 5 << 30,
                    end: (6 << 30) - 1,
                },
            ),
        ];
        for &(range, len, want) in cases {
            assert_eq!(get(range, len), send(want), "{range} of {len} bytes");
        }
    }

    #[test]
    fn range_is_for_get_only() {
        let c = Conditions {
            range: Some("bytes=0-1"),
            ..Conditions::default()
        };
        assert_eq!(decide(&Method::HEAD, &c, &v(), 100), send(Whole));
        assert_eq!(decide(&Method::POST, &c, &v(), 100), send(Whole));
    }

    #[test]
    fn if_range_match_and_mismatch() {
        let v = v();
        let lm = session_cache::directives::fmt_http_date(v.last_modified);
        let older =
            session_cache::directives::fmt_http_date(v.last_modified - Duration::from_secs(1));
        let weak = format!("W/{}", v.etag);
        let cases: &[(&str, RangeDecision)] = &[
            (&v.etag, Partial { start: 0, end: 9 }),
            ("\"other\"", Whole),
            (&weak, Whole),
            (&lm, Partial { start: 0, end: 9 }),
            (&older, Whole),
            ("not a date", Whole),
        ];
        for &(ir, want) in cases {
            let c = Conditions {
                range: Some("bytes=0-9"),
                if_range: Some(ir),
                ..Conditions::default()
            };
            assert_eq!(
                decide(&Method::GET, &c, &v, 100),
                send(want),
                "If-Range {ir}"
            );
        }
        // If-Range without Range changes nothing.
        let c = Conditions {
            if_range: Some("\"other\""),
            ..Conditions::default()
        };
        assert_eq!(decide(&Method::GET, &c, &v, 100), send(Whole));
    }

    #[test]
    fn preconditions() {
        let v = v();
        let lm = session_cache::directives::fmt_http_date(v.last_modified);
        let later =
            session_cache::directives::fmt_http_date(v.last_modified + Duration::from_secs(5));
        let earlier =
            session_cache::directives::fmt_http_date(v.last_modified - Duration::from_secs(5));
        let weak = format!("W/{}", v.etag);
        let list = format!("\"a\", {}", v.etag);
        let c = |f: fn(&mut Conditions<'static>, &'static str), s: &str| {
            let s: &'static str = Box::leak(s.to_string().into_boxed_str());
            let mut c = Conditions::default();
            f(&mut c, s);
            c
        };
        let inm = |c: &mut Conditions<'static>, s| c.if_none_match = Some(s);
        let ims = |c: &mut Conditions<'static>, s| c.if_modified_since = Some(s);
        let im = |c: &mut Conditions<'static>, s| c.if_match = Some(s);
        let ius = |c: &mut Conditions<'static>, s| c.if_unmodified_since = Some(s);
        let d = |c: Conditions<'static>| decide(&Method::GET, &c, &v, 100);
        assert_eq!(d(c(inm, &v.etag)), Decision::NotModified);
        assert_eq!(d(c(inm, &weak)), Decision::NotModified);
        assert_eq!(d(c(inm, &list)), Decision::NotModified);
        assert_eq!(d(c(inm, "*")), Decision::NotModified);
        assert_eq!(d(c(inm, "\"a\"")), send(Whole));
        assert_eq!(d(c(ims, &lm)), Decision::NotModified);
        assert_eq!(d(c(ims, &later)), Decision::NotModified);
        assert_eq!(d(c(ims, &earlier)), send(Whole));
        assert_eq!(d(c(ims, "garbage")), send(Whole));
        assert_eq!(d(c(im, &v.etag)), send(Whole));
        assert_eq!(d(c(im, &weak)), Decision::PreconditionFailed);
        assert_eq!(d(c(im, "\"a\"")), Decision::PreconditionFailed);
        assert_eq!(d(c(ius, &earlier)), Decision::PreconditionFailed);
        assert_eq!(d(c(ius, &lm)), send(Whole));
        // If-None-Match wins over If-Modified-Since (§13.2.2 step 3 before 4).
        let mut both = c(inm, "\"a\"");
        both.if_modified_since = Some(Box::leak(lm.clone().into_boxed_str()));
        assert_eq!(d(both), send(Whole));
        // A matching If-None-Match on an unsafe method fails the precondition.
        assert_eq!(
            decide(&Method::PUT, &c(inm, &v.etag), &v, 100),
            Decision::PreconditionFailed
        );
        // A 304 takes precedence over a range.
        let mut r = c(inm, &v.etag);
        r.range = Some("bytes=0-1");
        assert_eq!(d(r), Decision::NotModified);
    }

    #[test]
    fn validators_of_a_file() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 123);
        let a = Validators::for_file(10, t);
        assert_eq!(
            a.last_modified,
            UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
        assert_ne!(a.etag, Validators::for_file(11, t).etag);
        assert_ne!(
            a.etag,
            Validators::for_file(10, t + Duration::from_nanos(1)).etag
        );
        assert!(a.etag.starts_with('"') && a.etag.ends_with('"'));
    }
}
