//! Header parsing: `Cache-Control` directives (RFC 9111 §5.2), `Age` (§5.1), HTTP dates
//! (RFC 9110 §5.6.7) and the request-header normalisation `Vary` matching needs (§4.1).
//!
//! ```
//! use std::time::{Duration, SystemTime};
//!
//! use http::HeaderMap;
//! use http::header::{AGE, CACHE_CONTROL, DATE, EXPIRES, PRAGMA};
//! use session_cache::directives::*;
//!
//! let mut headers = HeaderMap::new();
//! headers.append(CACHE_CONTROL, "max-age=60, no-cache".parse().unwrap());
//! headers.append(CACHE_CONTROL, "max-age=5, stale-if-error=x".parse().unwrap());
//! headers.insert(AGE, "30, 40".parse().unwrap());
//! headers.insert(DATE, "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
//! headers.insert(EXPIRES, "0".parse().unwrap());
//!
//! let cc = CacheControl::from_headers(&headers);
//! assert_eq!(cc.max_age, Some(Seconds::Valid(60))); // the first occurrence wins
//! assert!(cc.no_cache);
//! assert_eq!(cc.stale_if_error, Some(Seconds::Invalid));
//! assert_eq!(Seconds::Invalid.value(), 0); // counted as stale
//! assert_eq!(age(&headers), 30);
//!
//! let date = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
//! assert_eq!(date_header(&headers, &DATE), Some(date));
//! assert!(has(&headers, &EXPIRES) && date_header(&headers, &EXPIRES).is_none()); // invalid date
//! assert_eq!(parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT"), Some(date)); // RFC 850
//! assert_eq!(parse_http_date(b"Sun Nov  6 08:49:37 1994"), Some(date)); // asctime
//! assert_eq!(fmt_http_date(date), "Sun, 06 Nov 1994 08:49:37 GMT");
//!
//! assert_eq!(parse_delta_seconds(b"99999999999"), Seconds::Valid(DELTA_SECONDS_MAX));
//! assert_eq!(parse_delta_seconds(b"-1"), Seconds::Invalid);
//! let items: Vec<&[u8]> = split_list(br#"a, "b,c" ,, d"#).collect();
//! assert_eq!(items, [&b"a"[..], br#""b,c""#, b"d"]);
//!
//! let mut request = HeaderMap::new();
//! request.insert(PRAGMA, "no-cache".parse().unwrap());
//! let cc = CacheControl::from_headers(&request);
//! assert!(CacheControl::request_no_cache(&request, &cc));
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use http::header::{AGE, CACHE_CONTROL, HeaderName, PRAGMA};

/// The largest delta-seconds value kept; larger ones are clamped to it (RFC 9111 §1.2.2).
///
/// Example: see [the module's example](self).
pub const DELTA_SECONDS_MAX: u64 = 2_147_483_648;

/// A parsed `delta-seconds` directive argument.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seconds {
    /// A valid non-negative integer, clamped to [`DELTA_SECONDS_MAX`].
    Valid(u64),
    /// Present but not a valid delta-seconds: RFC 9111 §4.2.1 encourages treating it as stale.
    Invalid,
}

impl Seconds {
    /// The value, with an invalid argument counted as zero (stale).
    ///
    /// Example: see [the module's example](self).
    pub fn value(self) -> u64 {
        match self {
            Seconds::Valid(v) => v,
            Seconds::Invalid => 0,
        }
    }
}

/// The directives of all `Cache-Control` lines of a message, with the first occurrence of a
/// directive winning (RFC 9111 §4.2.1).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheControl {
    /// `max-age`.
    pub max_age: Option<Seconds>,
    /// `max-stale` (request); `Some(None)` is max-stale without a value (any staleness).
    pub max_stale: Option<Option<Seconds>>,
    /// `min-fresh` (request).
    pub min_fresh: Option<Seconds>,
    /// `no-cache` (with or without field names: a private cache treats both as unqualified).
    pub no_cache: bool,
    /// `no-store`.
    pub no_store: bool,
    /// `only-if-cached` (request).
    pub only_if_cached: bool,
    /// `must-revalidate`.
    pub must_revalidate: bool,
    /// `must-understand`.
    pub must_understand: bool,
    /// `public`.
    pub public: bool,
    /// `immutable` (RFC 8246).
    pub immutable: bool,
    /// `stale-while-revalidate` (RFC 5861).
    pub stale_while_revalidate: Option<Seconds>,
    /// `stale-if-error` (RFC 5861).
    pub stale_if_error: Option<Seconds>,
}

impl CacheControl {
    /// Parses every `Cache-Control` line of `headers`.
    ///
    /// Example: see [the module's example](self).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut cc = CacheControl::default();
        for value in headers.get_all(CACHE_CONTROL) {
            cc.parse_line(value.as_bytes());
        }
        cc
    }

    /// Whether the request headers ask to bypass stored responses: `Cache-Control: no-cache`, or
    /// `Pragma: no-cache` when there is no `Cache-Control` (RFC 9111 §5.4).
    ///
    /// Example: see [the module's example](self).
    pub fn request_no_cache(headers: &HeaderMap, cc: &CacheControl) -> bool {
        cc.no_cache
            || (!headers.contains_key(CACHE_CONTROL)
                && headers.get_all(PRAGMA).iter().any(|v| {
                    split_list(v.as_bytes()).any(|item| item.eq_ignore_ascii_case(b"no-cache"))
                }))
    }

    fn parse_line(&mut self, line: &[u8]) {
        for item in split_list(line) {
            let (name, arg) = match item.iter().position(|&b| b == b'=') {
                Some(i) => (&item[..i], Some(unquote(&item[i + 1..]))),
                None => (item, None),
            };
            if !is_token(name) {
                continue;
            }
            let name = name.to_ascii_lowercase();
            let seconds = || arg.as_deref().map(parse_delta_seconds);
            match name.as_slice() {
                b"max-age" => {
                    self.max_age
                        .get_or_insert(seconds().unwrap_or(Seconds::Invalid));
                }
                b"max-stale" => {
                    self.max_stale.get_or_insert(seconds());
                }
                b"min-fresh" => {
                    self.min_fresh
                        .get_or_insert(seconds().unwrap_or(Seconds::Invalid));
                }
                b"stale-while-revalidate" => {
                    self.stale_while_revalidate
                        .get_or_insert(seconds().unwrap_or(Seconds::Invalid));
                }
                b"stale-if-error" => {
                    self.stale_if_error
                        .get_or_insert(seconds().unwrap_or(Seconds::Invalid));
                }
                // A qualified `no-cache="field"` only keeps those fields out of the stored
                // response (RFC 9111 §5.2.2.4), see `policy::strip_unstorable`.
                b"no-cache" if arg.is_none() => self.no_cache = true,
                b"no-store" => self.no_store = true,
                b"only-if-cached" => self.only_if_cached = true,
                b"must-revalidate" => self.must_revalidate = true,
                b"must-understand" => self.must_understand = true,
                b"public" => self.public = true,
                b"immutable" => self.immutable = true,
                _ => {}
            }
        }
    }
}

/// Splits a comma-separated list, ignoring commas inside quoted strings, trimming optional
/// whitespace and skipping empty items.
///
/// Example: see [the module's example](self).
pub fn split_list(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    session_base::header::split_unquoted(line, b',')
}

use session_base::header::trim_ows as trim;

fn unquote(arg: &[u8]) -> Vec<u8> {
    if arg.len() >= 2 && arg[0] == b'"' && arg[arg.len() - 1] == b'"' {
        let mut out = Vec::with_capacity(arg.len() - 2);
        let mut escaped = false;
        for &b in &arg[1..arg.len() - 1] {
            if !escaped && b == b'\\' {
                escaped = true;
            } else {
                out.push(b);
                escaped = false;
            }
        }
        out
    } else {
        arg.to_vec()
    }
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses `delta-seconds` (`1*DIGIT`), clamping at [`DELTA_SECONDS_MAX`].
///
/// Example: see [the module's example](self).
pub fn parse_delta_seconds(s: &[u8]) -> Seconds {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return Seconds::Invalid;
    }
    let mut v: u64 = 0;
    for &b in s {
        v = v.saturating_mul(10).saturating_add(u64::from(b - b'0'));
        if v >= DELTA_SECONDS_MAX {
            return Seconds::Valid(DELTA_SECONDS_MAX);
        }
    }
    Seconds::Valid(v)
}

/// The `Age` of a response: the first value of the first line, without parameters; an invalid
/// value is ignored (RFC 9111 §5.1).
///
/// Example: see [the module's example](self).
pub fn age(headers: &HeaderMap) -> u64 {
    headers
        .get(AGE)
        .and_then(|v| split_list(v.as_bytes()).next())
        .map(|first| first.split(|&b| b == b';').next().unwrap_or(first))
        .map(|first| match parse_delta_seconds(first) {
            Seconds::Valid(v) => v,
            Seconds::Invalid => 0,
        })
        .unwrap_or(0)
}

/// The single valid HTTP-date of header `name`; `None` when absent, repeated or invalid.
///
/// Example: see [the module's example](self).
pub fn date_header(headers: &HeaderMap, name: &HeaderName) -> Option<SystemTime> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    parse_http_date(first.as_bytes())
}

/// Whether header `name` is present (valid or not).
///
/// Example: see [the module's example](self).
pub fn has(headers: &HeaderMap, name: &HeaderName) -> bool {
    headers.contains_key(name)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];
const DAYS: [&[u8; 3]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];
const LONG_DAYS: [&[u8]; 7] = [
    b"monday",
    b"tuesday",
    b"wednesday",
    b"thursday",
    b"friday",
    b"saturday",
    b"sunday",
];

/// Parses an HTTP-date: IMF-fixdate, or the obsolete RFC 850 and asctime forms (RFC 9110
/// §5.6.7). Names compare case-insensitively; anything else (other zones, missing comma, two
/// digit years in IMF-fixdate, one digit hours) is invalid.
///
/// Example: see [the module's example](self).
pub fn parse_http_date(s: &[u8]) -> Option<SystemTime> {
    let s = trim(s);
    imf_fixdate(s).or_else(|| rfc850(s)).or_else(|| asctime(s))
}

fn digits(s: &[u8], n: usize) -> Option<u64> {
    if s.len() != n || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |v, &b| v * 10 + u64::from(b - b'0')))
}

fn month(s: &[u8]) -> Option<u64> {
    MONTHS
        .iter()
        .position(|m| s.eq_ignore_ascii_case(&m[..]))
        .map(|i| i as u64 + 1)
}

fn time_of_day(s: &[u8]) -> Option<u64> {
    if s.len() != 8 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (h, m, sec) = (
        digits(&s[0..2], 2)?,
        digits(&s[3..5], 2)?,
        digits(&s[6..8], 2)?,
    );
    (h < 24 && m < 60 && sec < 61).then_some(h * 3600 + m * 60 + sec)
}

fn to_time(year: u64, month: u64, day: u64, secs: u64) -> Option<SystemTime> {
    if !(1..=31).contains(&day) || year < 1970 {
        return None;
    }
    // Days from the civil date (proleptic Gregorian), Howard Hinnant's algorithm.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe;
    let days = days.checked_sub(719_468)?;
    UNIX_EPOCH.checked_add(Duration::from_secs(days * 86_400 + secs))
}

// Sun, 06 Nov 1994 08:49:37 GMT
fn imf_fixdate(s: &[u8]) -> Option<SystemTime> {
    if s.len() != 29 || s[3] != b',' || s[4] != b' ' || s[7] != b' ' || s[11] != b' ' {
        return None;
    }
    if !DAYS.iter().any(|d| s[..3].eq_ignore_ascii_case(&d[..])) {
        return None;
    }
    let day = digits(&s[5..7], 2)?;
    let mon = month(&s[8..11])?;
    if s[16] != b' ' || s[25] != b' ' || !s[26..].eq_ignore_ascii_case(b"GMT") {
        return None;
    }
    let year = digits(&s[12..16], 4)?;
    to_time(year, mon, day, time_of_day(&s[17..25])?)
}

// Sunday, 06-Nov-94 08:49:37 GMT
fn rfc850(s: &[u8]) -> Option<SystemTime> {
    let comma = s.iter().position(|&b| b == b',')?;
    if !LONG_DAYS.iter().any(|d| s[..comma].eq_ignore_ascii_case(d)) {
        return None;
    }
    let rest = &s[comma + 1..];
    if rest.len() != 23 || rest[0] != b' ' || rest[3] != b'-' || rest[7] != b'-' {
        return None;
    }
    if rest[10] != b' ' || rest[19] != b' ' || !rest[20..].eq_ignore_ascii_case(b"GMT") {
        return None;
    }
    let day = digits(&rest[1..3], 2)?;
    let mon = month(&rest[4..7])?;
    let yy = digits(&rest[8..10], 2)?;
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    let now_year = 1970 + SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs() / 31_556_952;
    let mut year = (now_year / 100) * 100 + yy;
    if year > now_year + 50 {
        year -= 100;
    }
    to_time(year, mon, day, time_of_day(&rest[11..19])?)
}

// Sun Nov  6 08:49:37 1994
fn asctime(s: &[u8]) -> Option<SystemTime> {
    if s.len() != 24 || s[3] != b' ' || s[7] != b' ' || s[10] != b' ' || s[19] != b' ' {
        return None;
    }
    if !DAYS.iter().any(|d| s[..3].eq_ignore_ascii_case(&d[..])) {
        return None;
    }
    let mon = month(&s[4..7])?;
    let day = if s[8] == b' ' {
        digits(&s[9..10], 1)?
    } else {
        digits(&s[8..10], 2)?
    };
    let year = digits(&s[20..24], 4)?;
    to_time(year, mon, day, time_of_day(&s[11..19])?)
}

/// Formats `t` as an IMF-fixdate.
///
/// Example: see [the module's example](self).
pub fn fmt_http_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil from days, Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let mname = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!(
        "{weekday}, {day:02} {mname} {year} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn cc(lines: &[&str]) -> CacheControl {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append(CACHE_CONTROL, HeaderValue::from_str(l).unwrap());
        }
        CacheControl::from_headers(&h)
    }

    // RFC 9111 §4.2.1: first occurrence wins; §5.2: quoted-string form accepted.
    #[test]
    fn max_age_forms() {
        assert_eq!(
            cc(&["max-age=1800, max-age=1"]).max_age,
            Some(Seconds::Valid(1800))
        );
        assert_eq!(
            cc(&["max-age=1", "max-age=1800"]).max_age,
            Some(Seconds::Valid(1))
        );
        assert_eq!(
            cc(&["max-age=\"3600\""]).max_age,
            Some(Seconds::Valid(3600))
        );
        assert_eq!(cc(&["max-age='3600'"]).max_age, Some(Seconds::Invalid));
        assert_eq!(cc(&["max-age=003600"]).max_age, Some(Seconds::Valid(3600)));
        assert_eq!(cc(&["max-age= 3600"]).max_age, Some(Seconds::Invalid));
        assert_eq!(cc(&["max-age =3600"]).max_age, None);
        assert_eq!(cc(&["max-age=3600.5"]).max_age, Some(Seconds::Invalid));
        assert_eq!(
            cc(&["extension=\"max-age=3600\", max-age=1"]).max_age,
            Some(Seconds::Valid(1))
        );
        assert_eq!(
            cc(&["max-age=99999999999"]).max_age,
            Some(Seconds::Valid(DELTA_SECONDS_MAX))
        );
        let c = cc(&["No-Store, must-revalidate,,PUBLIC"]);
        assert!(c.no_store && c.must_revalidate && c.public && !c.no_cache);
        assert_eq!(cc(&["max-stale"]).max_stale, Some(None));
    }

    // RFC 9111 §5.1.
    #[test]
    fn age_first_value_of_first_line() {
        let mut h = HeaderMap::new();
        h.append(AGE, HeaderValue::from_static("7200, 0"));
        assert_eq!(age(&h), 7200);
        h.insert(AGE, HeaderValue::from_static("0, 7200"));
        h.append(AGE, HeaderValue::from_static("7200"));
        assert_eq!(age(&h), 0);
        h.insert(AGE, HeaderValue::from_static("-7200"));
        assert_eq!(age(&h), 0);
        h.insert(AGE, HeaderValue::from_static("7200;foo=bar"));
        assert_eq!(age(&h), 7200);
        h.insert(AGE, HeaderValue::from_static("2147483649"));
        assert_eq!(age(&h), DELTA_SECONDS_MAX);
    }

    // RFC 9110 §5.6.7.
    #[test]
    fn http_dates() {
        let t = parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 784_111_777);
        assert_eq!(fmt_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date(b"Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(parse_http_date(b"SUN, 06 NOV 1994 08:49:37 gmt"), Some(t));
        for bad in [
            "Thu, 18 Aug 2050 02:01:18 UTC",
            "Thu, 18 Aug 50 02:01:18 GMT",
            "Thu 18 Aug 2050 02:01:18 GMT",
            "Thu, 18  Aug  2050 02:01:18 GMT",
            "Thu, 18-Aug-2050 02:01:18 GMT",
            "Thu, 18 Aug 2050 02.01.18 GMT",
            "Thu, 18 Aug 2050 2:01:18 GMT",
            "0",
        ] {
            assert_eq!(parse_http_date(bad.as_bytes()), None, "{bad}");
        }
        assert!(parse_http_date(b"Sun, 21 Nov 2286 04:46:39 GMT").is_some());
        assert!(parse_http_date(b"Thursday, 18-Aug-50 02:01:18 GMT").is_some());
    }

    #[test]
    fn pragma_only_without_cache_control() {
        let mut h = HeaderMap::new();
        h.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        assert!(CacheControl::request_no_cache(
            &h,
            &CacheControl::from_headers(&h)
        ));
        h.insert(CACHE_CONTROL, HeaderValue::from_static("max-age=10"));
        assert!(!CacheControl::request_no_cache(
            &h,
            &CacheControl::from_headers(&h)
        ));
    }
}
