//! An RFC 6265bis cookie jar with Electron's Cookies API.
//!
//! This crate parses `Set-Cookie`, matches domains against the public suffix list, enforces
//! Chromium's limits and eviction, builds `Cookie` request headers and keeps persistent jars in a
//! durable SQLite store. It needs neither hyper nor an async runtime and can be used on its own:
//! events go through `tokio::sync::broadcast`, taken from tokio with only its `sync` feature
//! (no runtime, no I/O driver).
//!
//! - [`Cookies`]: Electron's `Cookies` class — [`Cookies::get`], [`Cookies::set`],
//!   [`Cookies::remove`], [`Cookies::flush_store`], [`Cookies::subscribe`] — plus what a network
//!   stack needs ([`Cookies::cookie_header`], [`Cookies::set_from_response`]), what a page bridge
//!   needs ([`Cookies::document_cookie`], [`Cookies::set_document_cookie`]) and import/export
//!   ([`Cookies::import`], [`Cookies::export`]).
//! - [`CookieJar`]: the rules as plain functions over data, time passed in.
//! - Storage: [`Cookies::open`] keeps a jar in a SQLite file (WAL) written by a thread of its
//!   own, in batches; every change is committed before the call that made it returns, and the
//!   jar's lock is never held across a write.
//!
//! ```
//! use session_cookies::{CookieDetails, CookieFilter, Cookies, CookiesOptions, RequestContext};
//! use url::Url;
//!
//! let cookies = Cookies::in_memory(CookiesOptions::default());
//! let url = Url::parse("https://www.example.com/account/login").unwrap();
//! cookies
//!     .set_from_response(&url, &["sid=42; Path=/; Secure; HttpOnly", "theme=dark"], &RequestContext::default())
//!     .unwrap();
//! cookies
//!     .set(&CookieDetails { url: "https://example.com".into(), name: "lang".into(), value: "en".into(), ..Default::default() })
//!     .unwrap();
//!
//! let page = Url::parse("https://www.example.com/account/").unwrap();
//! assert_eq!(
//!     cookies.cookie_header(&page, &RequestContext::default()).as_deref(),
//!     Some("theme=dark; sid=42")
//! );
//! // `document.cookie` never shows HttpOnly cookies
//! assert_eq!(cookies.document_cookie(&page, &RequestContext::from_page(&page)), "theme=dark");
//! let all = cookies.get(&CookieFilter::default()).unwrap();
//! assert_eq!(all.len(), 3);
//! ```

mod api;
mod codec;
mod context;
mod cookie;
pub mod date;
mod error;
mod jar;
mod parse;
mod store;
mod text;
mod writer;

/// Entry points for `fuzz/` (built only with `--cfg fuzzing`, as cargo-fuzz does).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// Decodes `bytes` as the cookie store's row blob; a blob that decodes encodes back to one
    /// that decodes to the same cookies.
    pub fn row_codec(bytes: &[u8]) {
        if let Ok(cookies) = crate::codec::decode(bytes) {
            let again = crate::codec::decode(&crate::codec::encode(&cookies))
                .expect("re-encoded rows decode");
            assert_eq!(again, cookies);
        }
    }
}

pub use api::{CookieDetails, CookieFilter, Cookies, CookiesEvent, CookiesOptions};
pub use context::{CookieSource, RequestContext, SameSiteContext};
pub use cookie::{CanonicalCookie, Cookie, CookiePartitionKey, Priority, SameSite};
pub use error::{Error, ErrorKind, Exclusion, Result};
pub use jar::{Change, ChangeCause, CookieJar, Limits, header_value};
pub use store::Recovery;
pub use text::{Format, parse_json, parse_netscape, to_json, to_netscape};
