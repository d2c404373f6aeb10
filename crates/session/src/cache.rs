//! The HTTP cache of a session: everything of `session-cache`, re-exported, and the session's
//! cache methods (`get_cache_size`, `clear_cache`, the cache part of `clear_data`). Persistent
//! partitions keep it in `<storage_path>/Cache/` (a disk store that survives restarts),
//! in-memory partitions in memory; `SessionOptions::cache(false)` (Electron's
//! `fromPartition(name, {cache: false})`) gives the session no cache at all.

use crate::clear::OriginFilter;
use crate::session::{Session, SessionOptions};
use session_base::origin::Origin;
pub use session_cache::*;
use std::path::Path;

/// The cache directory inside a persistent partition (Chromium's `Cache`).
///
/// Example: see [`COOKIES_FILE`](crate::cookies::COOKIES_FILE).
pub const CACHE_DIR: &str = "Cache";

/// Opens the cache of a new session: `None` when disabled. A disk store that cannot be opened
/// falls back to memory, with a warning.
pub(crate) fn open_cache(
    storage_path: Option<&Path>,
    options: &SessionOptions,
) -> (Option<Cache>, Option<String>) {
    if !options.cache {
        return (None, None);
    }
    match storage_path {
        None => (Some(Cache::memory(None)), None),
        Some(dir) => {
            let path = dir.join(CACHE_DIR);
            match Cache::open(&path, None) {
                Ok(cache) => (Some(cache), None),
                Err(e) => (
                    Some(Cache::memory(None)),
                    Some(format!(
                        "HTTP cache unusable ({e}); using a memory cache for this run"
                    )),
                ),
            }
        }
    }
}

/// Puts the cache in the session's request pipeline (stage 3 lookup, stage 7 store).
pub(crate) fn attach_to_net(net: &session_net::Net, cache: Option<&Cache>) {
    if let Some(cache) = cache {
        net.insert_stage(session_net::cache::CacheStage::with_revalidation(
            cache.clone(),
            net,
        ));
    }
}

impl Session {
    /// The session's HTTP cache, `None` when the session was created with the cache disabled.
    ///
    /// Example: see [`session_cache`].
    pub fn http_cache(&self) -> Option<&Cache> {
        self.inner.cache.as_ref()
    }

    /// `ses.getCacheSize()`: the bytes the HTTP cache holds (CACHE-09); 0 without a cache.
    ///
    /// Example: see [`session_cache`].
    pub fn get_cache_size(&self) -> u64 {
        self.http_cache().map_or(0, Cache::size)
    }

    /// `ses.clearCache()`: empties the HTTP cache, on disk too (CACHE-07).
    ///
    /// Example: see [`session_cache`].
    pub fn clear_cache(&self) {
        if let Some(cache) = self.http_cache() {
            cache.clear();
        }
    }

    /// Sets the HTTP cache's byte budget (Electron offers only a global switch); entries least
    /// recently used are evicted at once when over it. The default is Chromium's: 10 MiB in
    /// memory, a size derived from the free disk space on disk.
    ///
    /// Example: see [`session_cache`].
    pub fn set_cache_max_size(&self, bytes: u64) {
        if let Some(cache) = self.http_cache() {
            cache.set_budget(bytes);
        }
    }

    /// The cache part of `clear_data` / `clear_storage_data`: removes the entries whose URL's
    /// origin the filter covers (origin granularity, as Chromium's cache deletion). Returns how
    /// many went.
    ///
    /// Example: see [`session_cache`].
    pub fn clear_cache_data(&self, filter: &OriginFilter) -> usize {
        match (self.http_cache(), filter) {
            (None, _) => 0,
            (Some(cache), OriginFilter::All) => {
                let n = cache.entry_count();
                cache.clear();
                n
            }
            (Some(cache), filter) => {
                cache.remove_where(|url| filter.covers_origin(&Origin::from_url(url)))
            }
        }
    }
}
