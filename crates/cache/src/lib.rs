//! An RFC 9111 private (browser) HTTP cache for one session.
//!
//! The rules of RFC 9111 are plain functions over `http` headers ([`policy`], [`directives`]):
//! storability, freshness (max-age, Expires, Age, heuristic freshness from Last-Modified),
//! `Vary` secondary keys, validation with conditional requests and 304 merging, `no-cache`,
//! `must-revalidate`, `stale-while-revalidate`, invalidation by unsafe methods. [`Cache`] is the
//! pipeline's cache stage over a store: [`Cache::memory`] for in-memory sessions,
//! [`Cache::open`] for a crash-safe disk store under `<partition>/Cache/`. Both stream bodies in
//! (a [`TeeBody`] writes the network body into the store as the consumer reads it) and out
//! ([`StoredBody`] reads 64 KiB at a time), and both are bounded by a byte budget with
//! least-recently-used eviction (defaults: Chromium's 10 MiB in memory, Chromium's automatic
//! size from free disk space on disk).
//!
//! Responses are stored under the URL that returned them (a redirect is stored as the 3xx of
//! its own URL), partial content (206) is never stored as a full response, a HEAD is answered
//! from a stored GET, a single byte range is cut from a stored full response, and the key is
//! partitioned by top-frame site when the request carries a [`TopFrameSite`].
//!
//! ## Why our own store (and our own rules)
//!
//! The `http-cache` crate family keeps whole bodies in memory as `Vec<u8>` (so a 2 GiB
//! download would sit in RAM), caches redirects under the original URL, cannot handle
//! non-cloneable (streaming) request bodies, and has no byte budget for its managers; its disk
//! manager (cacache) costs more per hit than going to a local server. Those are requirements
//! here (streaming, bounded, correct redirects), so the store is ours: an in-memory index over
//! memory bodies or one file per entry (body, then a checksummed head and a trailer, so a file
//! cut short by a crash is recognised and dropped). We also
//! wrote the RFC 9111 rules instead of using `http-cache-semantics`: its `CachePolicy` keeps
//! full copies of the request and response header maps per entry and re-derives everything
//! from them on each use, and it has no invalidation, range or Fetch cache-mode support and
//! different parse rules from the cache-tests suite; owning the rules lets every case of that
//! suite be decided here (see `docs/conformance.md`).
//!
//! ```
//! use http::{Request, Response};
//! use session_cache::{Cache, CacheMode, CacheStatus, Lookup};
//!
//! let cache = Cache::memory(None);
//! let (parts, ()) = Request::get("http://a.test/x").body(()).unwrap().into_parts();
//!
//! // First request: nothing stored, go to the network.
//! let Lookup::Network(pending) = cache.lookup(&parts, CacheMode::Default) else { panic!() };
//! let network = Response::builder()
//!     .header("cache-control", "max-age=3600")
//!     .body(http_body_util::Full::new(bytes::Bytes::from("response-1")))
//!     .unwrap();
//! let response = cache.complete(pending, network);
//! assert_eq!(response.extensions().get::<CacheStatus>(), Some(&CacheStatus::Miss));
//! // Reading the body to its end commits the entry.
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! use http_body_util::BodyExt;
//! let body = rt.block_on(response.into_body().collect()).unwrap().to_bytes();
//! assert_eq!(body, "response-1");
//!
//! // Second request: a fresh hit, no network.
//! let Lookup::Hit { response, .. } = cache.lookup(&parts, CacheMode::Default) else { panic!() };
//! assert!(response.extensions().get::<CacheStatus>().unwrap().from_cache());
//! assert!(cache.size() > 0);
//! cache.clear();
//! assert_eq!(cache.size(), 0);
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod body;
mod cache;
pub mod dictionary;
pub mod directives;
mod entry;
mod error;
pub mod policy;
mod store;
mod writer;

/// Entry points for `fuzz/` (built only with `--cfg fuzzing`, as cargo-fuzz does).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// Decodes `bytes` as a disk cache entry's metadata file, then again with a valid checksum
    /// appended (so the parser past the checksum is reached), and checks that a decoded entry
    /// encodes back to bytes that decode to the same entry.
    pub fn entry_file(bytes: &[u8]) {
        let _ = crate::entry::Head::decode(bytes);
        let mut sealed = bytes.to_vec();
        sealed.extend_from_slice(&crate::entry::checksum(bytes).to_le_bytes());
        if let Some(head) = crate::entry::Head::decode(&sealed) {
            let again =
                crate::entry::Head::decode(&head.encode()).expect("re-encoded entry decodes");
            assert_eq!(again.key, head.key);
            assert_eq!(again.headers, head.headers);
            assert_eq!(again.body_len, head.body_len);
            assert_eq!(again.body_file, head.body_file);
        }
    }
}

pub use body::{BoxError, CacheBody, TeeBody};
pub use cache::{Cache, CacheMode, CacheStatus, HandleError, Lookup, Pending, TopFrameSite};
pub use entry::WireForm;
pub use error::{Error, ErrorKind, Result};
pub use store::{DEFAULT_DISK_BASE, DEFAULT_MEMORY_BUDGET, StoredBody, auto_disk_budget};
