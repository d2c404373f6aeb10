//! Shared compression dictionaries (RFC 9842, Compression Dictionary Transport): what a
//! session remembers of responses that declared themselves dictionaries with
//! `Use-As-Dictionary`, so that later requests can advertise one (`Available-Dictionary`) and
//! have the response delta-compressed against it (`dcb`, `dcz`; decoded in `session-net`).
//!
//! Dictionaries are kept per [`IsolationKey`] (frame origin and top-frame site, as Chromium
//! partitions them): one stored under one top-frame site is never offered under another, and
//! sessions never share a store. Chromium keeps them apart from the HTTP cache, and so do we:
//! they do not count toward the cache's size.
//!
//! ```
//! use session_cache::dictionary::{
//!     DictionaryLimits, IsolationKey, SharedDictionaries, parse_use_as_dictionary,
//! };
//! use std::time::{Duration, SystemTime};
//!
//! let store = SharedDictionaries::memory(DictionaryLimits::default());
//! let url = url::Url::parse("https://a.test/app/v1.js").unwrap();
//! let key = IsolationKey::top_level(&url).unwrap();
//! let header = parse_use_as_dictionary(r#"match="/app/*.js", id="app""#).unwrap();
//! let bytes = bytes::Bytes::from_static(b"function app() {}");
//! store
//!     .register(&key, &url, &header, bytes, SystemTime::now(), Duration::from_secs(3600))
//!     .unwrap();
//!
//! let next = url::Url::parse("https://a.test/app/v2.js").unwrap();
//! let dictionary = store.find(&key, &next, "script").unwrap();
//! assert_eq!(dictionary.id, "app");
//! assert_eq!(store.usage_info()[0].total_size_bytes, 17);
//! ```

mod header;
mod pattern;
mod store;

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};
use session_base::origin::{Origin, Site};
use url::Url;

pub use header::{HeaderError, MAX_ID_LEN, UseAsDictionary, parse_use_as_dictionary};
pub use pattern::{DictionaryPattern, PatternError};
pub use store::{
    Dictionary, DictionaryInfo, DictionaryLimits, DictionaryUsageInfo, SharedDictionaries,
};

/// The partition of the dictionary store a request reads and writes: the origin of the frame
/// that makes it and the site of the top-level frame.
///
/// ```
/// use session_cache::dictionary::{INVALID_KEY_MESSAGE, IsolationKey};
///
/// let key = IsolationKey::new("https://cdn.a.test:8443/frame.html", "https://www.b.test/").unwrap();
/// assert_eq!(key.frame_origin(), "https://cdn.a.test:8443");
/// assert_eq!(key.top_frame_site(), "https://b.test");
/// let top = IsolationKey::top_level(&"https://www.a.test/page".parse().unwrap()).unwrap();
/// assert_eq!((top.frame_origin(), top.top_frame_site()), ("https://www.a.test", "https://a.test"));
///
/// let err = IsolationKey::new("file:///x", "https://b.test").unwrap_err();
/// assert_eq!(err.to_string(), INVALID_KEY_MESSAGE);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IsolationKey {
    frame_origin: String,
    top_frame_site: String,
}

/// Electron's rejection of bad `frameOrigin` / `topFrameSite` values.
///
/// Example: see [`IsolationKey`].
pub const INVALID_KEY_MESSAGE: &str = "Invalid URLs provided for frameOrigin or topFrameSite";

impl IsolationKey {
    /// The key of a frame at `frame_origin` inside a top-level frame at `top_frame_site` (both
    /// URLs; only their origin and site are kept). Electron's message when either is not an
    /// http(s) URL.
    ///
    /// Example: see [`IsolationKey`].
    pub fn new(frame_origin: &str, top_frame_site: &str) -> Result<Self, DictionaryError> {
        let bad = || DictionaryError::InvalidKey(INVALID_KEY_MESSAGE.to_owned());
        let frame = Url::parse(frame_origin).map_err(|_| bad())?;
        let top = Url::parse(top_frame_site).map_err(|_| bad())?;
        if !matches!(frame.scheme(), "http" | "https") || !matches!(top.scheme(), "http" | "https")
        {
            return Err(bad());
        }
        Ok(IsolationKey {
            frame_origin: Origin::from_url(&frame).to_string(),
            top_frame_site: Site::from_url(&top).to_string(),
        })
    }

    /// The key of a top-level request to `url` (the default when a fetch names no frame).
    ///
    /// Example: see [`IsolationKey`].
    pub fn top_level(url: &Url) -> Result<Self, DictionaryError> {
        Self::new(url.as_str(), url.as_str())
    }

    pub(crate) fn from_strings(frame_origin: &str, top_frame_site: &str) -> Result<Self, ()> {
        let key = Self::new(frame_origin, top_frame_site).map_err(|_| ())?;
        (key.frame_origin == frame_origin && key.top_frame_site == top_frame_site)
            .then_some(key)
            .ok_or(())
    }

    /// The frame origin, serialized (`https://a.test`).
    ///
    /// Example: see [`IsolationKey`].
    pub fn frame_origin(&self) -> &str {
        &self.frame_origin
    }

    /// The top-frame site, serialized (`https://a.test`).
    ///
    /// Example: see [`IsolationKey`].
    pub fn top_frame_site(&self) -> &str {
        &self.top_frame_site
    }
}

/// How long a dictionary from this response may be used: the response's remaining freshness
/// (RFC 9842 section 2.1: dictionaries expire with the cached response).
///
/// ```
/// use std::time::{Duration, SystemTime};
///
/// use http::{HeaderMap, StatusCode};
/// use session_cache::dictionary::{allowed_for, expiration};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("cache-control", "max-age=3600".parse().unwrap());
/// headers.insert("age", "600".parse().unwrap());
/// let now = SystemTime::now();
/// assert_eq!(expiration(StatusCode::OK, &headers, now, now), Duration::from_secs(3000));
/// headers.insert("cache-control", "max-age=3600, no-store".parse().unwrap());
/// assert_eq!(expiration(StatusCode::OK, &headers, now, now), Duration::ZERO);
///
/// // Dictionaries need a secure context.
/// assert!(allowed_for(&"https://a.test/".parse().unwrap()));
/// assert!(allowed_for(&"http://127.0.0.1:8080/".parse().unwrap()));
/// assert!(!allowed_for(&"http://a.test/".parse().unwrap()));
/// ```
pub fn expiration(
    status: StatusCode,
    headers: &HeaderMap,
    request_time: SystemTime,
    response_time: SystemTime,
) -> Duration {
    let cc = crate::directives::CacheControl::from_headers(headers);
    if cc.no_store {
        return Duration::ZERO;
    }
    let lifetime = crate::policy::freshness_lifetime(status, headers, &cc, response_time);
    let age = crate::policy::current_age(headers, request_time, response_time, response_time);
    lifetime.saturating_sub(age)
}

/// Whether a request to `url` may advertise or use dictionaries: RFC 9842 requires a secure
/// context, so HTTPS, or plain HTTP to a loopback host.
///
/// Example: see [`expiration`].
pub fn allowed_for(url: &Url) -> bool {
    Origin::from_url(url).is_potentially_trustworthy() && matches!(url.scheme(), "http" | "https")
}

/// Errors of the dictionary store.
///
/// Example: see [`IsolationKey`] and [`SharedDictionaries`].
#[derive(Debug)]
#[non_exhaustive]
pub enum DictionaryError {
    /// `frameOrigin` or `topFrameSite` is not a URL (Electron's message).
    InvalidKey(String),
    /// A response's dictionary was not stored (too big, not fresh, a bad pattern).
    Rejected(String),
    /// Reading or writing the store's directory failed.
    Io(String, std::io::Error),
}

impl DictionaryError {
    pub(crate) fn rejected(url: &Url, why: &str) -> Self {
        DictionaryError::Rejected(format!("the dictionary from {url} is not stored: {why}"))
    }

    pub(crate) fn io(what: &str, path: &Path, e: std::io::Error) -> Self {
        DictionaryError::Io(format!("cannot {what} {}", path.display()), e)
    }
}

impl fmt::Display for DictionaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DictionaryError::InvalidKey(m) | DictionaryError::Rejected(m) => f.write_str(m),
            DictionaryError::Io(m, _) => f.write_str(m),
        }
    }
}

impl std::error::Error for DictionaryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DictionaryError::Io(_, e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
