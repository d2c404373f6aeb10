//! The rules of RFC 9111 for a private cache, as functions over headers: storability (§3),
//! freshness and age (§4.2), what a stored response may be reused for (§4), validation (§4.3),
//! invalidation (§4.4).
//!
//! One response through every rule, as the cache applies them:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//!
//! use http::{HeaderMap, HeaderName, Method, StatusCode};
//! use session_cache::directives::CacheControl;
//! use session_cache::policy::*;
//!
//! fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
//!     pairs.iter().map(|(n, v)| (HeaderName::from_static(n), v.parse().unwrap())).collect()
//! }
//! let request = headers(&[("accept-language", "fr")]);
//! let response = headers(&[
//!     ("cache-control", "max-age=60, stale-while-revalidate=30"),
//!     ("etag", "\"v1\""),
//!     ("vary", "Accept-Language"),
//!     ("connection", "x-hop"),
//!     ("x-hop", "1"),
//! ]);
//! let req_cc = CacheControl::from_headers(&request);
//! let res_cc = CacheControl::from_headers(&response);
//!
//! // §3: may it be stored, and under which secondary key?
//! assert!(storable(&Method::GET, &req_cc, StatusCode::OK, &response, &res_cc));
//! assert!(!storable(&Method::POST, &req_cc, StatusCode::OK, &response, &res_cc));
//! assert!(heuristically_cacheable(StatusCode::NOT_FOUND) && understood(StatusCode::OK));
//! let names = vary_names(&response).unwrap();
//! assert_eq!(vary_value(&request, &names[0]).as_deref(), Some("fr"));
//! let key = secondary_key(&request, &names);
//! assert!(vary_matches(&request, &key));
//! assert!(!vary_matches(&headers(&[("accept-language", "de")]), &key));
//! let mut stored = response.clone();
//! strip_unstorable(&mut stored); // hop-by-hop headers are not stored
//! assert!(stored.get("x-hop").is_none() && stored.get("connection").is_none());
//!
//! // §4.2: fresh for 60 s, then 30 s of stale-while-revalidate, then validate.
//! let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let lifetime = freshness_lifetime(StatusCode::OK, &stored, &res_cc, t0);
//! assert!(lifetime < MAX_HEURISTIC);
//! let age = |secs| current_age(&stored, t0, t0, t0 + Duration::from_secs(secs));
//! assert_eq!(age(10), Duration::from_secs(10));
//! let plain = CacheControl::default();
//! assert_eq!(usability(&res_cc, lifetime, age(10), &plain, false), Usability::Fresh);
//! assert_eq!(usability(&res_cc, lifetime, age(70), &plain, false), Usability::StaleWhileRevalidate);
//! assert_eq!(usability(&res_cc, lifetime, age(100), &plain, false), Usability::Validate);
//! assert_eq!(age_header(age(70)), "70");
//!
//! // §4.3: validate with the ETag; a 304 updates the stored headers.
//! assert_eq!(conditional_headers(&stored)["if-none-match"], "\"v1\"");
//! merge_not_modified(&mut stored, &headers(&[("cache-control", "max-age=600")]));
//! assert_eq!(stored["cache-control"], "max-age=600");
//!
//! // §4.4: a successful POST invalidates its target and a same-origin Location.
//! let target = url::Url::parse("https://a.test/items").unwrap();
//! let created = headers(&[("location", "/items/7"), ("content-location", "https://b.test/x")]);
//! let urls = invalidated_urls(&Method::POST, StatusCode::CREATED, &target, &created);
//! let urls: Vec<&str> = urls.iter().map(|u| u.as_str()).collect();
//! assert_eq!(urls, ["https://a.test/items", "https://a.test/items/7"]);
//! assert!(is_safe(&Method::GET) && !is_safe(&Method::POST));
//! ```

use std::time::{Duration, SystemTime};

use http::header::{
    CONNECTION, CONTENT_LENGTH, CONTENT_LOCATION, DATE, ETAG, EXPIRES, HeaderName,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, PROXY_AUTHENTICATE,
    PROXY_AUTHORIZATION, TE, TRAILER, TRANSFER_ENCODING, UPGRADE, VARY,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use crate::directives::{self, CacheControl, split_list};

/// The longest heuristic freshness lifetime given to a response (one week, like Firefox).
///
/// Example: see [the module's example](self) and [`freshness_lifetime`].
pub const MAX_HEURISTIC: Duration = Duration::from_secs(7 * 24 * 3600);

/// Status codes that are heuristically cacheable (RFC 9110 §15.1).
///
/// Example: see [the module's example](self).
pub fn heuristically_cacheable(status: StatusCode) -> bool {
    matches!(
        status.as_u16(),
        200 | 203 | 204 | 206 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501
    )
}

/// Status codes whose semantics this cache understands (for `must-understand`, RFC 9111 §5.2.2.3).
///
/// Example: see [the module's example](self).
pub fn understood(status: StatusCode) -> bool {
    matches!(
        status.as_u16(),
        200..=206 | 300..=305 | 307 | 308 | 400..=417 | 421..=426 | 428 | 429 | 431 | 451 | 500..=505 | 511
    )
}

/// Whether a response to `method` may be stored by a private cache (RFC 9111 §3). Partial
/// content (206) and 304 are never stored as a full response.
///
/// Example: see [the module's example](self).
pub fn storable(
    method: &Method,
    req_cc: &CacheControl,
    status: StatusCode,
    res_headers: &HeaderMap,
    res_cc: &CacheControl,
) -> bool {
    if *method != Method::GET || req_cc.no_store {
        return false;
    }
    if status.is_informational()
        || status == StatusCode::PARTIAL_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return false;
    }
    if res_cc.must_understand {
        if !understood(status) {
            return false;
        }
    } else if res_cc.no_store {
        return false;
    }
    if vary_names(res_headers).is_none() {
        return false;
    }
    res_cc.max_age.is_some()
        || directives::has(res_headers, &EXPIRES)
        || res_cc.public
        || heuristically_cacheable(status)
}

/// The header names a response varies on; `None` for `Vary: *` (never reusable).
///
/// Example: see [the module's example](self).
pub fn vary_names(res_headers: &HeaderMap) -> Option<Vec<HeaderName>> {
    let mut names = Vec::new();
    for line in res_headers.get_all(VARY) {
        for item in split_list(line.as_bytes()) {
            if item == b"*" {
                return None;
            }
            if let Ok(name) = HeaderName::from_bytes(item)
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
    }
    Some(names)
}

/// The normalised value of request header `name` that `Vary` compares: all lines combined,
/// list items trimmed and joined by `,`; `None` when the header is absent (RFC 9111 §4.1).
///
/// Example: see [the module's example](self).
pub fn vary_value(req_headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let mut values = req_headers.get_all(name).iter().peekable();
    values.peek()?;
    let mut out = Vec::new();
    for v in values {
        for item in split_list(v.as_bytes()) {
            if !out.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(item);
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The request values selected by the response's `Vary`, to store with the response.
///
/// Example: see [the module's example](self).
pub fn secondary_key(
    req_headers: &HeaderMap,
    names: &[HeaderName],
) -> Vec<(HeaderName, Option<String>)> {
    names
        .iter()
        .map(|n| (n.clone(), vary_value(req_headers, n)))
        .collect()
}

/// Whether a request matches a stored secondary key.
///
/// Example: see [the module's example](self).
pub fn vary_matches(req_headers: &HeaderMap, stored: &[(HeaderName, Option<String>)]) -> bool {
    stored
        .iter()
        .all(|(name, value)| vary_value(req_headers, name) == *value)
}

/// The freshness lifetime of a response (RFC 9111 §4.2.1): `max-age`, else `Expires - Date`,
/// else 10% of `Date - Last-Modified` for heuristically cacheable responses (§4.2.2), capped at
/// [`MAX_HEURISTIC`]. `s-maxage` is for shared caches and ignored.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use http::{HeaderMap, StatusCode};
/// use session_cache::directives::CacheControl;
/// use session_cache::policy::freshness_lifetime;
///
/// let lifetime = |pairs: &[(&'static str, &str)]| {
///     let mut headers = HeaderMap::new();
///     for (name, value) in pairs {
///         headers.insert(*name, value.parse().unwrap());
///     }
///     let cc = CacheControl::from_headers(&headers);
///     freshness_lifetime(StatusCode::OK, &headers, &cc, SystemTime::now())
/// };
/// assert_eq!(lifetime(&[("cache-control", "max-age=60, s-maxage=600")]), Duration::from_secs(60));
/// // No max-age or Expires: 10% of the time since Last-Modified.
/// assert_eq!(
///     lifetime(&[
///         ("date", "Tue, 11 Nov 2025 10:00:00 GMT"),
///         ("last-modified", "Tue, 11 Nov 2025 00:00:00 GMT"),
///     ]),
///     Duration::from_secs(3600)
/// );
/// assert_eq!(lifetime(&[("expires", "0")]), Duration::ZERO);
/// ```
pub fn freshness_lifetime(
    status: StatusCode,
    headers: &HeaderMap,
    cc: &CacheControl,
    response_time: SystemTime,
) -> Duration {
    if let Some(max_age) = cc.max_age {
        return Duration::from_secs(max_age.value());
    }
    let date = directives::date_header(headers, &DATE).unwrap_or(response_time);
    if directives::has(headers, &EXPIRES) {
        return match directives::date_header(headers, &EXPIRES) {
            Some(expires) => expires.duration_since(date).unwrap_or(Duration::ZERO),
            None => Duration::ZERO,
        };
    }
    if (heuristically_cacheable(status) || cc.public)
        && let Some(lm) = directives::date_header(headers, &LAST_MODIFIED)
    {
        let span = date.duration_since(lm).unwrap_or(Duration::ZERO);
        return (span / 10).min(MAX_HEURISTIC);
    }
    Duration::ZERO
}

/// The current age of a stored response (RFC 9111 §4.2.3).
///
/// Example: see [the module's example](self).
pub fn current_age(
    headers: &HeaderMap,
    request_time: SystemTime,
    response_time: SystemTime,
    now: SystemTime,
) -> Duration {
    let age_value = Duration::from_secs(directives::age(headers));
    let date = directives::date_header(headers, &DATE).unwrap_or(response_time);
    let apparent_age = response_time.duration_since(date).unwrap_or(Duration::ZERO);
    let response_delay = response_time
        .duration_since(request_time)
        .unwrap_or(Duration::ZERO);
    let corrected_age_value = age_value + response_delay;
    let corrected_initial_age = apparent_age.max(corrected_age_value);
    let resident_time = now.duration_since(response_time).unwrap_or(Duration::ZERO);
    corrected_initial_age + resident_time
}

/// What a stored response may be used for, given the request (RFC 9111 §4.2, §4.2.4, §5.2.1;
/// RFC 5861 §3).
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usability {
    /// Fresh enough: serve without contacting the origin.
    Fresh,
    /// Stale but within `stale-while-revalidate`: serve, and revalidate in the background.
    StaleWhileRevalidate,
    /// Must be validated with the origin before use.
    Validate,
}

/// Decides whether a stored response can be served for a request.
///
/// Example: see [the module's example](self).
pub fn usability(
    res_cc: &CacheControl,
    lifetime: Duration,
    age: Duration,
    req_cc: &CacheControl,
    req_no_cache: bool,
) -> Usability {
    if res_cc.no_cache || req_no_cache {
        return Usability::Validate;
    }
    if let Some(max_age) = req_cc.max_age
        && age > Duration::from_secs(max_age.value())
    {
        return Usability::Validate;
    }
    if let Some(min_fresh) = req_cc.min_fresh
        && lifetime < age + Duration::from_secs(min_fresh.value())
    {
        return Usability::Validate;
    }
    if age < lifetime {
        return Usability::Fresh;
    }
    let staleness = age - lifetime;
    if res_cc.must_revalidate {
        return Usability::Validate;
    }
    if let Some(max_stale) = req_cc.max_stale {
        let allowed = max_stale.is_none_or(|s| staleness <= Duration::from_secs(s.value()));
        if allowed {
            return Usability::Fresh;
        }
    }
    if let Some(swr) = res_cc.stale_while_revalidate
        && staleness <= Duration::from_secs(swr.value())
    {
        return Usability::StaleWhileRevalidate;
    }
    Usability::Validate
}

/// The conditional headers that validate a stored response (RFC 9111 §4.3.1): `If-None-Match`
/// from `ETag`, `If-Modified-Since` from `Last-Modified`. Empty when it has no validator.
///
/// Example: see [the module's example](self).
pub fn conditional_headers(stored: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    if let Some(etag) = stored.get(ETAG) {
        out.insert(IF_NONE_MATCH, etag.clone());
    }
    if let Some(lm) = stored.get(LAST_MODIFIED)
        && directives::parse_http_date(lm.as_bytes()).is_some()
    {
        out.insert(IF_MODIFIED_SINCE, lm.clone());
    }
    out
}

/// Headers a cache never stores: hop-by-hop fields (RFC 9110 §7.6.1), those listed in
/// `Connection`, and those named by `no-cache="..."` (RFC 9111 §3.1, §5.2.2.4).
///
/// Example: see [the module's example](self).
pub fn strip_unstorable(headers: &mut HeaderMap) {
    let mut listed: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .flat_map(|v| split_list(v.as_bytes()).filter_map(|n| HeaderName::from_bytes(n).ok()))
        .collect();
    for line in headers.get_all(http::header::CACHE_CONTROL) {
        for item in split_list(line.as_bytes()) {
            let Some(eq) = item.iter().position(|&b| b == b'=') else {
                continue;
            };
            if !item[..eq].eq_ignore_ascii_case(b"no-cache") {
                continue;
            }
            let arg = &item[eq + 1..];
            let arg = arg
                .strip_prefix(b"\"")
                .and_then(|a| a.strip_suffix(b"\""))
                .unwrap_or(arg);
            listed.extend(split_list(arg).filter_map(|n| HeaderName::from_bytes(n).ok()));
        }
    }
    for name in listed {
        headers.remove(name);
    }
    for name in [
        CONNECTION,
        TE,
        TRAILER,
        TRANSFER_ENCODING,
        UPGRADE,
        PROXY_AUTHENTICATE,
        PROXY_AUTHORIZATION,
    ] {
        headers.remove(name);
    }
    for name in [
        "keep-alive",
        "proxy-connection",
        "proxy-authentication-info",
    ] {
        headers.remove(name);
    }
}

/// Merges the headers of a 304 into the stored ones (RFC 9111 §3.2, §4.3.4): every field of
/// the 304 replaces the stored field of that name, except `Content-Length` and fields that are
/// never stored.
///
/// Example: see [the module's example](self).
pub fn merge_not_modified(stored: &mut HeaderMap, not_modified: &HeaderMap) {
    let mut update = not_modified.clone();
    strip_unstorable(&mut update);
    update.remove(CONTENT_LENGTH);
    let mut last: Option<HeaderName> = None;
    for (name, value) in update {
        match name {
            Some(name) => {
                stored.insert(name.clone(), value);
                last = Some(name);
            }
            None => {
                if let Some(name) = &last {
                    stored.append(name.clone(), value);
                }
            }
        }
    }
}

/// Whether a method is safe (RFC 9110 §9.2.1); responses to unsafe methods invalidate.
///
/// Example: see [the module's example](self).
pub fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The URLs a response to an unsafe request invalidates (RFC 9111 §4.4): the target, and the
/// same-origin `Location` and `Content-Location` targets, for a non-error status.
///
/// Example: see [the module's example](self).
pub fn invalidated_urls(
    method: &Method,
    status: StatusCode,
    target: &url::Url,
    res_headers: &HeaderMap,
) -> Vec<url::Url> {
    if is_safe(method) || !(status.is_success() || status.is_redirection()) {
        return Vec::new();
    }
    let mut urls = vec![target.clone()];
    for name in [LOCATION, CONTENT_LOCATION] {
        let Some(value) = res_headers.get(&name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        if let Ok(u) = target.join(value)
            && u.origin() == target.origin()
            && !urls.contains(&u)
        {
            urls.push(u);
        }
    }
    urls
}

/// The `Age` header value to send with a response served from the cache.
///
/// Example: see [the module's example](self).
pub fn age_header(age: Duration) -> HeaderValue {
    HeaderValue::from(age.as_secs().min(directives::DELTA_SECONDS_MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn date(secs: u64) -> String {
        directives::fmt_http_date(t(secs))
    }

    // RFC 9111 §3: storability.
    #[test]
    fn storable_rules() {
        let none = CacheControl::default();
        let ok = |status: u16, pairs: &[(&str, &str)]| {
            let headers = h(pairs);
            storable(
                &Method::GET,
                &none,
                StatusCode::from_u16(status).unwrap(),
                &headers,
                &CacheControl::from_headers(&headers),
            )
        };
        assert!(ok(200, &[]));
        assert!(!ok(201, &[("last-modified", &date(0))]));
        assert!(ok(599, &[("cache-control", "max-age=10")]));
        assert!(ok(599, &[("cache-control", "public")]));
        assert!(!ok(
            599,
            &[("cache-control", "max-age=10, no-store, must-understand")]
        ));
        assert!(ok(
            200,
            &[("cache-control", "max-age=10, no-store, must-understand")]
        ));
        assert!(!ok(200, &[("cache-control", "no-store")]));
        assert!(ok(200, &[("cache-control", "private, max-age=10")]));
        assert!(!ok(206, &[("cache-control", "max-age=10")]));
        assert!(!ok(
            200,
            &[("cache-control", "max-age=10"), ("vary", "Foo, *")]
        ));
        let headers = h(&[("cache-control", "max-age=10")]);
        let cc = CacheControl::from_headers(&headers);
        assert!(!storable(
            &Method::POST,
            &none,
            StatusCode::OK,
            &headers,
            &cc
        ));
    }

    // RFC 9111 §4.2.1, §4.2.2.
    #[test]
    fn lifetimes() {
        let life = |pairs: &[(&str, &str)]| {
            let headers = h(pairs);
            freshness_lifetime(
                StatusCode::OK,
                &headers,
                &CacheControl::from_headers(&headers),
                t(1000),
            )
        };
        assert_eq!(
            life(&[("cache-control", "max-age=60"), ("expires", &date(0))]),
            Duration::from_secs(60)
        );
        assert_eq!(
            life(&[("expires", &date(1100)), ("date", &date(1000))]),
            Duration::from_secs(100)
        );
        assert_eq!(
            life(&[("expires", "0"), ("date", &date(1000))]),
            Duration::ZERO
        );
        assert_eq!(
            life(&[("last-modified", &date(0)), ("date", &date(1000))]),
            Duration::from_secs(100)
        );
        assert_eq!(life(&[]), Duration::ZERO);
    }

    // RFC 9111 §4.2.3.
    #[test]
    fn age_calculation() {
        let headers = h(&[("age", "30"), ("date", &date(100))]);
        assert_eq!(
            current_age(&headers, t(100), t(102), t(110)),
            Duration::from_secs(40)
        );
        let headers = h(&[("date", &date(50))]);
        assert_eq!(
            current_age(&headers, t(100), t(100), t(100)),
            Duration::from_secs(50)
        );
    }

    // RFC 9111 §4.2.4, §5.2.1; RFC 5861.
    #[test]
    fn usability_rules() {
        let cc = |s: &str| CacheControl::from_headers(&h(&[("cache-control", s)]));
        let none = CacheControl::default();
        let s = Duration::from_secs;
        assert_eq!(
            usability(&none, s(10), s(5), &none, false),
            Usability::Fresh
        );
        assert_eq!(
            usability(&none, s(10), s(10), &none, false),
            Usability::Validate
        );
        assert_eq!(
            usability(&none, s(10), s(5), &none, true),
            Usability::Validate
        );
        assert_eq!(
            usability(&cc("no-cache"), s(10), s(5), &none, false),
            Usability::Validate
        );
        assert_eq!(
            usability(&none, s(10), s(5), &cc("max-age=1"), false),
            Usability::Validate
        );
        assert_eq!(
            usability(&none, s(10), s(5), &cc("min-fresh=6"), false),
            Usability::Validate
        );
        assert_eq!(
            usability(&none, s(10), s(20), &cc("max-stale=20"), false),
            Usability::Fresh
        );
        assert_eq!(
            usability(
                &cc("must-revalidate"),
                s(10),
                s(20),
                &cc("max-stale"),
                false
            ),
            Usability::Validate
        );
        let swr = cc("max-age=10, stale-while-revalidate=5");
        assert_eq!(
            usability(&swr, s(10), s(14), &none, false),
            Usability::StaleWhileRevalidate
        );
        assert_eq!(
            usability(&swr, s(10), s(16), &none, false),
            Usability::Validate
        );
    }

    // RFC 9111 §4.1.
    #[test]
    fn vary() {
        assert_eq!(
            vary_names(&h(&[("vary", "Foo, Bar"), ("vary", "foo")]))
                .unwrap()
                .len(),
            2
        );
        assert!(vary_names(&h(&[("vary", ""), ("vary", "*")])).is_none());
        let stored = secondary_key(&h(&[("foo", "1, 2")]), &[HeaderName::from_static("foo")]);
        assert!(vary_matches(&h(&[("foo", "1"), ("foo", "2")]), &stored));
        assert!(vary_matches(&h(&[("foo", " 1 ,2 ")]), &stored));
        assert!(!vary_matches(&h(&[("foo", "1")]), &stored));
        assert!(!vary_matches(&h(&[]), &stored));
        let absent = secondary_key(&h(&[]), &[HeaderName::from_static("foo")]);
        assert!(vary_matches(&h(&[]), &absent));
        assert!(!vary_matches(&h(&[("foo", "1")]), &absent));
    }

    // RFC 9111 §3.1, §3.2, §4.3.4.
    #[test]
    fn stripping_and_304_merge() {
        let mut stored = h(&[
            ("connection", "a"),
            ("a", "1"),
            ("keep-alive", "x"),
            ("cache-control", "no-cache=\"b\", max-age=1"),
            ("b", "2"),
            ("c", "3"),
            ("content-length", "36"),
        ]);
        strip_unstorable(&mut stored);
        assert!(
            stored.get("a").is_none()
                && stored.get("b").is_none()
                && stored.get("keep-alive").is_none()
        );
        assert_eq!(stored["c"], "3");
        merge_not_modified(
            &mut stored,
            &h(&[
                ("c", "4"),
                ("content-length", "10"),
                ("set-cookie", "x=1"),
                ("set-cookie", "y=2"),
            ]),
        );
        assert_eq!(stored["c"], "4");
        assert_eq!(stored["content-length"], "36");
        assert_eq!(stored.get_all("set-cookie").iter().count(), 2);
        let cond = conditional_headers(&h(&[("etag", "\"x\""), ("last-modified", &date(5))]));
        assert_eq!(cond[IF_NONE_MATCH], "\"x\"");
        assert_eq!(cond[IF_MODIFIED_SINCE], date(5).as_str());
    }

    // RFC 9111 §4.4.
    #[test]
    fn invalidation() {
        let target = url::Url::parse("http://a.test/x/y").unwrap();
        let headers = h(&[("location", "z"), ("content-location", "http://b.test/q")]);
        let urls = invalidated_urls(&Method::POST, StatusCode::OK, &target, &headers);
        assert_eq!(
            urls,
            vec![
                target.clone(),
                url::Url::parse("http://a.test/x/z").unwrap()
            ]
        );
        assert!(
            invalidated_urls(
                &Method::POST,
                StatusCode::INTERNAL_SERVER_ERROR,
                &target,
                &headers
            )
            .is_empty()
        );
        assert!(invalidated_urls(&Method::GET, StatusCode::OK, &target, &headers).is_empty());
        assert_eq!(
            invalidated_urls(
                &Method::from_bytes(b"M-SEARCH").unwrap(),
                StatusCode::OK,
                &target,
                &h(&[])
            )
            .len(),
            1
        );
    }
}
