//! The cache stage: [`Cache::lookup`] before the network, [`Cache::complete`] after it.

use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::SystemTime;

use http::header::{CONTENT_LENGTH, CONTENT_RANGE, PRAGMA, RANGE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, request, response};
use session_base::origin::Site;
use url::Url;

use crate::body::{CacheBody, TeeBody};
use crate::directives::CacheControl;
use crate::entry::{Head, WireForm};
use crate::error::{Error, Result};
use crate::policy::{self, Usability};
use crate::store::{Slot, Store, StoredBody};

/// Fetch's request cache mode (`RequestInit.cache`), which Chromium maps to load flags
/// (no-store → DISABLE_CACHE, no-cache → VALIDATE_CACHE, reload → BYPASS_CACHE, force-cache →
/// SKIP_CACHE_VALIDATION, only-if-cached → ONLY_FROM_CACHE|SKIP_CACHE_VALIDATION).
///
/// ```
/// use session_cache::CacheMode;
///
/// let mode: CacheMode = "only-if-cached".parse().unwrap();
/// assert_eq!(mode, CacheMode::OnlyIfCached);
/// assert_eq!(mode.as_str(), "only-if-cached");
/// assert!("no_store".parse::<CacheMode>().is_err()); // Fetch spells it no-store
/// ```
/// A request in each mode: see [`Cache`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CacheMode {
    /// Use fresh stored responses, validate stale ones, store what is storable.
    #[default]
    Default,
    /// Neither read nor write the cache.
    NoStore,
    /// Do not read the cache; store the response.
    Reload,
    /// Validate any stored response with the origin before using it.
    NoCache,
    /// Use any stored response, fresh or stale; otherwise go to the network.
    ForceCache,
    /// Use any stored response; never go to the network (a miss is `net::ERR_CACHE_MISS`).
    OnlyIfCached,
}

impl CacheMode {
    /// The Fetch name of the mode (`"no-store"`, ...).
    ///
    /// Example: see [`CacheMode`].
    pub fn as_str(self) -> &'static str {
        match self {
            CacheMode::Default => "default",
            CacheMode::NoStore => "no-store",
            CacheMode::Reload => "reload",
            CacheMode::NoCache => "no-cache",
            CacheMode::ForceCache => "force-cache",
            CacheMode::OnlyIfCached => "only-if-cached",
        }
    }
}

impl FromStr for CacheMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "default" => CacheMode::Default,
            "no-store" => CacheMode::NoStore,
            "reload" => CacheMode::Reload,
            "no-cache" => CacheMode::NoCache,
            "force-cache" => CacheMode::ForceCache,
            "only-if-cached" => CacheMode::OnlyIfCached,
            other => {
                return Err(Error::invalid(format!(
                    "unknown cache mode {other:?} (expected default, no-store, reload, no-cache, force-cache or only-if-cached)"
                )));
            }
        })
    }
}

/// The top-frame site a request is made for. Put it in the request's extensions and the cache
/// key is partitioned like Chromium's (top-frame site + URL); without it the key is the URL.
///
/// Example: see [`Cache`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopFrameSite(pub Site);

/// Where a response came from; the cache stage puts it in the response's extensions.
///
/// Example: see [`Cache`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the cache without contacting the origin.
    Hit,
    /// The origin answered 304 to a conditional request; the stored body was served.
    Validated,
    /// From the network.
    Miss,
}

impl CacheStatus {
    /// Electron's `fromCache`: true only for responses served without the network.
    ///
    /// Example: see [`Cache`].
    pub fn from_cache(self) -> bool {
        self == CacheStatus::Hit
    }
}

/// The outcome of [`Cache::lookup`].
///
/// Example: see [the crate's example](crate) (a miss, then a hit) and [`Cache`].
#[derive(Debug)]
pub enum Lookup {
    /// Serve this response without the network. When `revalidate` is set (within
    /// `stale-while-revalidate`), send it in the background and pass its response to
    /// [`Cache::complete`].
    Hit {
        /// The stored response, marked [`CacheStatus::Hit`].
        response: Response<StoredBody>,
        /// A background revalidation to run.
        revalidate: Option<Pending>,
    },
    /// Go to the network: apply [`Pending::apply`] to the request headers (conditional headers
    /// when a stale response is being validated), send it, and pass the response to
    /// [`Cache::complete`].
    Network(Pending),
    /// `only-if-cached` and nothing usable is stored: fail with this `net::ERR_CACHE_MISS`.
    OnlyIfCachedMiss(Error),
}

/// A request that went past the cache to the network, with what the cache needs to handle the
/// response.
///
/// Example: see [`Cache`].
#[derive(Clone)]
pub struct Pending {
    key: Option<String>,
    partition: Option<String>,
    method: Method,
    url: Option<Url>,
    req_headers: HeaderMap,
    req_cc: CacheControl,
    store: bool,
    stale: Option<Arc<Slot>>,
    add_headers: HeaderMap,
    request_time: SystemTime,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("key", &self.key)
            .field("store", &self.store)
            .field("revalidating", &self.stale.is_some())
            .field("add_headers", &self.add_headers)
            .finish()
    }
}

impl Pending {
    /// Adds the headers the cache stage contributes to the outgoing request: the validators of a
    /// stale response (`If-None-Match`, `If-Modified-Since`) and Fetch's headers for the cache
    /// mode (`Cache-Control: max-age=0` for no-cache; `Cache-Control`/`Pragma: no-cache` for
    /// no-store and reload). A header the request already has is left alone.
    ///
    /// Example: see [`Cache`].
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.add_headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
    }

    /// The headers [`Pending::apply`] adds.
    ///
    /// Example: see [`Cache`].
    pub fn added_headers(&self) -> &HeaderMap {
        &self.add_headers
    }

    /// Whether this request validates a stored response.
    ///
    /// Example: see [`Cache`].
    pub fn is_revalidation(&self) -> bool {
        self.stale.is_some()
    }

    /// Whether [`Cache::complete`] has nothing to do for the response: a safe method whose
    /// response will not be stored and validates nothing. A pipeline may then skip it.
    ///
    /// Example: see [`Cache`].
    pub fn is_noop(&self) -> bool {
        !self.store && self.stale.is_none() && policy::is_safe(&self.method)
    }
}

/// A private HTTP cache: cheap to clone, shared by every request of a session.
///
/// Storing and reusing: see [the crate's example](crate); on disk: [`Cache::open`]. Validation,
/// cache modes and partitioning:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::{BodyExt, Full};
/// use session_base::origin::Site;
/// use session_cache::{Cache, CacheMode, CacheStatus, HandleError, Lookup, TopFrameSite};
///
/// let cache = Cache::memory(None);
/// let sent = Arc::new(AtomicUsize::new(0));
/// // The rest of the pipeline: an origin that answers 304 to a matching If-None-Match.
/// let origin = {
///     let sent = sent.clone();
///     move |request: Request<()>| {
///         sent.fetch_add(1, Ordering::SeqCst);
///         let validating = request.headers().get("if-none-match").is_some_and(|v| v == "\"v1\"");
///         async move {
///             let response = Response::builder().header("etag", "\"v1\"");
///             let response = if validating {
///                 response.status(304).body(Full::new(Bytes::new()))
///             } else {
///                 response.header("cache-control", "no-cache").body(Full::new(Bytes::from("hello")))
///             };
///             Ok::<_, std::convert::Infallible>(response.unwrap())
///         }
///     }
/// };
/// let get = |url: &str| Request::get(url).body(()).unwrap();
///
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let first = cache.handle(get("http://a.test/"), CacheMode::Default, origin.clone()).await.unwrap();
///     assert_eq!(first.extensions().get::<CacheStatus>(), Some(&CacheStatus::Miss));
///     assert_eq!(first.into_body().collect().await.unwrap().to_bytes(), "hello");
///
///     // `no-cache`: validated with the origin, which answers 304; the stored body is served.
///     let second = cache.handle(get("http://a.test/"), CacheMode::Default, origin.clone()).await.unwrap();
///     assert_eq!(second.extensions().get::<CacheStatus>(), Some(&CacheStatus::Validated));
///     assert!(!CacheStatus::Validated.from_cache()); // Electron's fromCache: no network at all
///     assert!(second.body().is_stored());
///     assert_eq!(second.into_body().collect().await.unwrap().to_bytes(), "hello");
///     assert_eq!(sent.load(Ordering::SeqCst), 2);
///
///     // `only-if-cached` with nothing stored fails without the network.
///     let miss = cache.handle(get("http://a.test/new"), CacheMode::OnlyIfCached, origin.clone()).await;
///     let Err(HandleError::Cache(e)) = miss else { panic!("expected a cache miss") };
///     assert_eq!(e.net_error(), "net::ERR_CACHE_MISS");
///     assert_eq!(sent.load(Ordering::SeqCst), 2);
/// });
///
/// // The stage by hand: what goes out with the next request for the stored response.
/// let (parts, ()) = get("http://a.test/").into_parts();
/// let Lookup::Network(pending) = cache.lookup(&parts, CacheMode::Default) else { panic!() };
/// assert!(pending.is_revalidation() && !pending.is_noop());
/// assert_eq!(pending.added_headers()["if-none-match"], "\"v1\"");
/// let mut headers = http::HeaderMap::new();
/// pending.apply(&mut headers);
/// assert_eq!(headers["if-none-match"], "\"v1\"");
///
/// // Under a top-frame site, the key is partitioned: nothing is stored for b.test's frames.
/// let mut request = get("http://a.test/");
/// request.extensions_mut().insert(TopFrameSite(Site::from_url(&"https://b.test/".parse().unwrap())));
/// let (parts, ()) = request.into_parts();
/// assert!(matches!(cache.lookup(&parts, CacheMode::ForceCache), Lookup::Network(_)));
/// assert_eq!(cache.remove_where(|url| url.host_str() == Some("a.test")), 1);
/// ```
#[derive(Clone)]
pub struct Cache {
    store: Arc<Store>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("disk", &self.store.is_disk())
            .field("budget", &self.store.budget())
            .finish()
    }
}

fn parse_range(headers: &HeaderMap, total: u64) -> Option<Option<(u64, u64)>> {
    // Outer None: no Range header. Some(None): a Range this cache cannot serve.
    let value = headers.get(RANGE)?;
    let Some(spec) = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return Some(None);
    };
    if spec.contains(',') || total == 0 {
        return Some(None);
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        (n > 0).then(|| (total.saturating_sub(n), total.min(n)))
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            total - 1
        } else {
            b.parse::<u64>().ok()?.min(total - 1)
        };
        (start <= end && start < total).then(|| (start, end - start + 1))
    };
    Some(range)
}

impl Cache {
    /// A cache whose entries live in memory (for in-memory sessions), bounded by `budget`
    /// bytes (default 10 MiB, Chromium's in-memory default).
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn memory(budget: Option<u64>) -> Cache {
        Cache {
            store: Arc::new(Store::memory(budget)),
        }
    }

    /// Opens (creating it if needed) the disk cache in `dir`, normally `<partition>/Cache/`,
    /// bounded by `budget` bytes (default: Chromium's automatic size from the free disk space).
    /// Damaged and half-written entries found there are deleted.
    ///
    /// ```
    /// use session_cache::Cache;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let cache = Cache::open(&dir.path().join("Cache"), Some(1 << 20)).unwrap();
    /// assert!(dir.path().join("Cache").is_dir());
    /// assert_eq!((cache.budget(), cache.entry_count(), cache.size()), (1 << 20, 0, 0));
    /// cache.set_budget(64 * 1024);
    /// assert_eq!(cache.budget(), 64 * 1024);
    /// assert_eq!(cache.remove_where(|url| url.host_str() == Some("a.test")), 0);
    /// ```
    pub fn open(dir: &Path, budget: Option<u64>) -> Result<Cache> {
        Ok(Cache {
            store: Arc::new(Store::disk(dir, budget)?),
        })
    }

    /// The bytes the cache holds (bodies and metadata): `getCacheSize()`.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn size(&self) -> u64 {
        self.store.size()
    }

    /// How many responses were not stored because the disk writer was behind (the request
    /// never waits for the disk; the entry is dropped instead, as Chrome's simple cache does).
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn dropped_entries(&self) -> u64 {
        self.store.dropped()
    }

    /// The number of stored entries.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn entry_count(&self) -> usize {
        self.store.len()
    }

    /// The byte budget.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn budget(&self) -> u64 {
        self.store.budget()
    }

    /// Changes the byte budget, evicting least recently used entries at once if over it.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn set_budget(&self, bytes: u64) {
        self.store.set_budget(bytes);
    }

    /// Removes every entry: `clearCache()`. Writes in flight when it is called are discarded.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn clear(&self) {
        self.store.clear();
    }

    /// Removes the entries whose URL `doomed` selects (whatever their partition), e.g. those of
    /// some origins for `clear_data`; returns how many went.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn remove_where(&self, doomed: impl Fn(&Url) -> bool) -> usize {
        self.store.remove_where(|key| {
            // A key is the URL, or `_dk_<top-frame site> <URL>`.
            let url = key.rsplit(' ').next().unwrap_or(key);
            Url::parse(url).is_ok_and(|u| doomed(&u))
        })
    }

    fn key_for(partition: Option<&str>, url: &Url) -> String {
        let mut u = url.clone();
        u.set_fragment(None);
        match partition {
            Some(p) => format!("_dk_{p} {u}"),
            None => u.into(),
        }
    }

    /// Stage 3: what to do with a request before the network. The request's
    /// [`TopFrameSite`] extension, if any, partitions the key.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn lookup(&self, parts: &request::Parts, mode: CacheMode) -> Lookup {
        let url = Url::parse(&parts.uri.to_string()).ok();
        let site = parts.extensions.get::<TopFrameSite>().map(|s| &s.0);
        self.lookup_url(&parts.method, url.as_ref(), &parts.headers, site, mode)
    }

    /// [`Cache::lookup`] over the pieces of a request: method, URL (`None` or a scheme other
    /// than http(s): never cached), headers and the top-frame site partitioning the key.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn lookup_url(
        &self,
        method: &Method,
        url: Option<&Url>,
        headers: &HeaderMap,
        top_frame_site: Option<&Site>,
        mode: CacheMode,
    ) -> Lookup {
        let now = SystemTime::now();
        let url = url
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .cloned();
        let partition = top_frame_site.map(ToString::to_string);
        let req_cc = CacheControl::from_headers(headers);
        let mut pending = Pending {
            key: None,
            partition,
            method: method.clone(),
            url: url.clone(),
            req_headers: HeaderMap::new(),
            req_cc: req_cc.clone(),
            store: false,
            stale: None,
            add_headers: HeaderMap::new(),
            request_time: now,
        };
        let Some(url) = url else {
            return Lookup::Network(pending);
        };
        let cacheable_method = *method == Method::GET || *method == Method::HEAD;
        match mode {
            CacheMode::NoStore | CacheMode::Reload => {
                pending.add_headers.insert(
                    http::header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                );
                pending
                    .add_headers
                    .insert(PRAGMA, HeaderValue::from_static("no-cache"));
            }
            CacheMode::NoCache => {
                pending.add_headers.insert(
                    http::header::CACHE_CONTROL,
                    HeaderValue::from_static("max-age=0"),
                );
            }
            _ => {}
        }
        if !cacheable_method || mode == CacheMode::NoStore || req_cc.no_store {
            return Lookup::Network(pending);
        }
        let key = Self::key_for(pending.partition.as_deref(), &url);
        pending.key = Some(key.clone());
        pending.store = *method == Method::GET;
        pending.req_headers = headers.clone();
        if mode == CacheMode::Reload {
            return Lookup::Network(pending);
        }
        let slot = self
            .store
            .get(&key)
            .filter(|s| policy::vary_matches(headers, &s.head.vary));
        let Some(slot) = slot else {
            if mode == CacheMode::OnlyIfCached {
                return Lookup::OnlyIfCachedMiss(Error::cache_miss(url.as_str()));
            }
            if req_cc.only_if_cached {
                return self.gateway_timeout();
            }
            return Lookup::Network(pending);
        };
        let range = parse_range(headers, slot.head.body_len);
        if matches!(range, Some(None)) || (range.is_some() && slot.head.status != StatusCode::OK) {
            // A range this cache cannot cut from the stored response: let the origin answer.
            pending.store = false;
            return Lookup::Network(pending);
        }
        let range = range.flatten();
        let res_cc = CacheControl::from_headers(&slot.head.headers);
        let age = policy::current_age(
            &slot.head.headers,
            slot.head.request_time,
            slot.head.response_time,
            now,
        );
        let lifetime = policy::freshness_lifetime(
            slot.head.status,
            &slot.head.headers,
            &res_cc,
            slot.head.response_time,
        );
        let usability = match mode {
            CacheMode::ForceCache | CacheMode::OnlyIfCached => Usability::Fresh,
            CacheMode::NoCache if res_cc.immutable && age < lifetime => Usability::Fresh,
            CacheMode::NoCache => Usability::Validate,
            _ => {
                let req_no_cache = CacheControl::request_no_cache(headers, &req_cc);
                match policy::usability(&res_cc, lifetime, age, &req_cc, req_no_cache) {
                    Usability::Validate if req_cc.only_if_cached => Usability::Fresh,
                    u => u,
                }
            }
        };
        let head_only = *method == Method::HEAD;
        match usability {
            Usability::Fresh | Usability::StaleWhileRevalidate => {
                let Ok(response) =
                    self.hit_response(&slot, age, head_only, range, CacheStatus::Hit)
                else {
                    return Lookup::Network(pending);
                };
                let revalidate = (usability == Usability::StaleWhileRevalidate).then(|| {
                    let mut p = Pending {
                        method: Method::GET,
                        add_headers: policy::conditional_headers(&slot.head.headers),
                        stale: Some(Arc::clone(&slot)),
                        req_headers: pending.req_headers.clone(),
                        key: pending.key.clone(),
                        partition: pending.partition.clone(),
                        url: pending.url.clone(),
                        req_cc: pending.req_cc.clone(),
                        store: true,
                        request_time: now,
                    };
                    p.req_headers.remove(RANGE);
                    p
                });
                Lookup::Hit {
                    response,
                    revalidate,
                }
            }
            Usability::Validate => {
                let conditional = policy::conditional_headers(&slot.head.headers);
                if !conditional.is_empty() && range.is_none() {
                    for (name, value) in conditional {
                        if let Some(name) = name {
                            pending.add_headers.insert(name, value);
                        }
                    }
                    pending.stale = Some(slot);
                }
                Lookup::Network(pending)
            }
        }
    }

    fn gateway_timeout(&self) -> Lookup {
        let mut response = Response::new(StoredBody::empty());
        *response.status_mut() = StatusCode::GATEWAY_TIMEOUT;
        response
            .headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from(0));
        response.extensions_mut().insert(CacheStatus::Hit);
        Lookup::Hit {
            response,
            revalidate: None,
        }
    }

    fn hit_response(
        &self,
        slot: &Slot,
        age: std::time::Duration,
        head_only: bool,
        range: Option<(u64, u64)>,
        status: CacheStatus,
    ) -> Result<Response<StoredBody>> {
        let body = if head_only {
            StoredBody::empty()
        } else {
            self.store.open_body(slot, range)?
        };
        let mut response = Response::new(body);
        *response.status_mut() = slot.head.status;
        *response.version_mut() = slot.head.version;
        *response.headers_mut() = slot.head.headers.clone();
        if let Some(form) = &slot.head.form {
            response.extensions_mut().insert(Arc::clone(form));
        }
        if status == CacheStatus::Hit {
            response
                .headers_mut()
                .insert(http::header::AGE, policy::age_header(age));
        }
        if let Some((start, len)) = range {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let total = slot.head.body_len;
            let value = format!("bytes {start}-{}/{total}", start + len - 1);
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(CONTENT_RANGE, v);
            }
            response
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        response.extensions_mut().insert(status);
        Ok(response)
    }

    /// Stages 7 (cache part): handles the network's response to a request that went past
    /// [`Cache::lookup`]. A 304 to a revalidation is merged into the stored response, which is
    /// served ([`CacheStatus::Validated`]); a storable response is teed into the store as the
    /// consumer reads its body; a non-error response to an unsafe method invalidates the target
    /// URL and its same-origin `Location` / `Content-Location`.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub fn complete<B>(&self, pending: Pending, response: Response<B>) -> Response<CacheBody<B>> {
        let (parts, body) = response.into_parts();
        let now = SystemTime::now();
        if !policy::is_safe(&pending.method) {
            if let Some(url) = &pending.url {
                for u in
                    policy::invalidated_urls(&pending.method, parts.status, url, &parts.headers)
                {
                    self.store
                        .remove(&Self::key_for(pending.partition.as_deref(), &u));
                }
            }
            return network(parts, body, None, None);
        }
        if let Some(stale) = pending
            .stale
            .as_ref()
            .filter(|_| parts.status == StatusCode::NOT_MODIFIED)
        {
            let mut head = stale.head.clone();
            policy::merge_not_modified(&mut head.headers, &parts.headers);
            // Names the 304 brought keep its spelling too.
            if let Some(new) = parts.extensions.get::<WireForm>() {
                let mut form = head.form.as_deref().cloned().unwrap_or_default();
                for n in &new.header_names {
                    if !form.header_names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
                        form.header_names.push(n.clone());
                    }
                }
                head.form = Some(Arc::new(form));
            }
            head.request_time = pending.request_time;
            head.response_time = now;
            let slot = self
                .store
                .update_head(stale, head.clone())
                .unwrap_or_else(|| Arc::clone(stale));
            if let Ok(mut response) = self.hit_response(
                &slot,
                std::time::Duration::ZERO,
                pending.method == Method::HEAD,
                None,
                CacheStatus::Validated,
            ) {
                *response.headers_mut() = head.headers;
                let (p, stored) = response.into_parts();
                return Response::from_parts(p, CacheBody::stored(stored));
            }
            return network(parts, body, None, None);
        }
        let Some(key) = pending.key.filter(|_| pending.store) else {
            return network(parts, body, None, None);
        };
        let res_cc = CacheControl::from_headers(&parts.headers);
        if !policy::storable(
            &pending.method,
            &pending.req_cc,
            parts.status,
            &parts.headers,
            &res_cc,
        ) {
            return network(parts, body, None, None);
        }
        let Some(vary) = policy::vary_names(&parts.headers) else {
            return network(parts, body, None, None);
        };
        let mut headers = parts.headers.clone();
        policy::strip_unstorable(&mut headers);
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let head = Head {
            key,
            status: parts.status,
            version: parts.version,
            form: parts.extensions.get::<WireForm>().cloned().map(Arc::new),
            headers,
            vary: policy::secondary_key(&pending.req_headers, &vary),
            request_time: pending.request_time,
            response_time: now,
            body_len: 0,
            body_file: String::new(),
        };
        let writer = self.store.writer(head, declared);
        network(parts, body, writer, declared)
    }

    /// Runs a request through the whole cache stage around `send` (the rest of the pipeline):
    /// lookup, the network when needed, 304 merging, storing, invalidation, and background
    /// revalidation for `stale-while-revalidate` (spawned on the current tokio runtime).
    ///
    /// Dropping the future drops the request in flight; nothing half-written is ever served.
    ///
    /// Example: see [the crate's example](crate) and [`Cache::open`].
    pub async fn handle<ReqB, ResB, S, Fut, E>(
        &self,
        request: Request<ReqB>,
        mode: CacheMode,
        send: S,
    ) -> std::result::Result<Response<CacheBody<ResB>>, HandleError<E>>
    where
        ReqB: Default + Send + 'static,
        ResB: http_body::Body<Data = bytes::Bytes> + Send + Unpin + 'static,
        ResB::Error: Into<crate::body::BoxError> + Send,
        S: Fn(Request<ReqB>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Response<ResB>, E>> + Send + 'static,
        E: Send + 'static,
    {
        let (mut parts, body) = request.into_parts();
        match self.lookup(&parts, mode) {
            Lookup::Hit {
                response,
                revalidate,
            } => {
                if let Some(pending) = revalidate {
                    let mut bg = Request::new(ReqB::default());
                    *bg.method_mut() = Method::GET;
                    *bg.uri_mut() = parts.uri.clone();
                    *bg.headers_mut() = parts.headers.clone();
                    bg.headers_mut().remove(RANGE);
                    *bg.extensions_mut() = parts.extensions.clone();
                    pending.apply(bg.headers_mut());
                    let cache = self.clone();
                    let send = send.clone();
                    tokio::spawn(async move {
                        if let Ok(res) = send(bg).await {
                            let res = cache.complete(pending, res);
                            drain(res.into_body()).await;
                        }
                    });
                }
                let (p, b) = response.into_parts();
                Ok(Response::from_parts(p, CacheBody::stored(b)))
            }
            Lookup::OnlyIfCachedMiss(e) => Err(HandleError::Cache(e)),
            Lookup::Network(pending) => {
                pending.apply(&mut parts.headers);
                let res = send(Request::from_parts(parts, body))
                    .await
                    .map_err(HandleError::Transport)?;
                Ok(self.complete(pending, res))
            }
        }
    }
}

async fn drain<B: http_body::Body + Unpin>(mut body: B) {
    use http_body_util::BodyExt;
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            break;
        }
    }
}

fn network<B>(
    parts: response::Parts,
    body: B,
    writer: Option<crate::store::EntryWriter>,
    declared: Option<u64>,
) -> Response<CacheBody<B>> {
    let mut response = Response::from_parts(
        parts,
        CacheBody::network(TeeBody::new(body, writer, declared)),
    );
    response.extensions_mut().insert(CacheStatus::Miss);
    response
}

/// The error of [`Cache::handle`].
///
/// Example: see [`Cache`].
#[derive(Debug)]
pub enum HandleError<E> {
    /// The cache refused (`only-if-cached` miss).
    Cache(Error),
    /// The rest of the pipeline failed.
    Transport(E),
}

impl<E: std::fmt::Display> std::fmt::Display for HandleError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandleError::Cache(e) => e.fmt(f),
            HandleError::Transport(e) => e.fmt(f),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for HandleError<E> {}
