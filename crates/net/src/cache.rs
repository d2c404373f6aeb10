//! Stage 3 (cache lookup) and the cache part of stage 7 (store, 304 merge, invalidation): the
//! session's HTTP cache ([`session_cache::Cache`]).
//!
//! On the request side the stage looks the hop up by its cache mode: a usable stored response
//! answers the hop (`from_cache` true, the transport is skipped); a stale one with validators
//! adds `If-None-Match` / `If-Modified-Since` and leaves the lookup in `ctx.extensions`;
//! `only-if-cached` with nothing stored fails with `net::ERR_CACHE_MISS`. On the response side
//! a 304 is merged into the stored entry, whose body is served (`from_cache` false, as in
//! Chromium); a storable response is teed into the store as the caller reads its body; a
//! non-error response to an unsafe method invalidates the URL and its `Location` /
//! `Content-Location`. Each hop is a separate entry, so a redirect is stored under the URL that
//! answered it. The key is partitioned by the site of `site_for_cookies` when a request has one.
//!
//! Within `stale-while-revalidate` the stored response is served and, when the stage was made
//! with [`CacheStage::with_revalidation`], the same request is sent again in the background with
//! the `no-cache` mode, so its 304 or new response refreshes the entry.

use std::sync::{Arc, Weak};

use bytes::Bytes;
use futures_util::StreamExt;
use session_base::origin::Site;
use session_cache::{Cache, CacheStatus, Lookup, Pending, WireForm};

use crate::body::Body;
use crate::error::{Error, NetError, Result};
use crate::fetch::{Pipeline, Routing, fetch};
use crate::response::HopResponse;
use crate::stages::{BoxFuture, Flow, RequestContext, ResponseFlow, Slot, Stage};

/// The cache stage: insert it with [`crate::Net::insert_stage`].
///
/// ```
/// use session_cache::Cache;
/// use session_net::cache::CacheStage;
/// use session_net::{Net, NetConfig, new_request};
/// # let site = session_test_support::TestSite::start(); // `/headers?K=V` answers with those headers
/// # let url = site.http_url("a.test", "/headers?cache-control=max-age%3D600&_body=fresh");
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
/// let stage = CacheStage::with_revalidation(Cache::memory(None), &net);
/// let cache = stage.cache().clone();
/// net.insert_stage(stage);
///
/// let first = net.fetch(new_request(http::Method::GET, &url, ())?).await?;
/// assert!(!first.from_cache());
/// assert_eq!(first.text().await?, "fresh"); // read to the end: stored
/// let second = net.fetch(new_request(http::Method::GET, &url, ())?).await?;
/// assert!(second.from_cache());
/// assert_eq!(cache.entry_count(), 1);
/// let plain = CacheStage::new(Cache::memory(None)); // no background revalidation
/// assert_eq!(plain.cache().entry_count(), 0);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct CacheStage {
    cache: Cache,
    /// The pipeline that background revalidations go through (weak: the pipeline owns the
    /// stage).
    net: Option<Weak<Pipeline>>,
}

impl std::fmt::Debug for CacheStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheStage")
            .field("cache", &self.cache)
            .finish()
    }
}

impl CacheStage {
    /// A stage over `cache` (sessions never share a cache: give each its own). Responses within
    /// `stale-while-revalidate` are served without a background revalidation.
    ///
    /// Example: see [`CacheStage`].
    pub fn new(cache: Cache) -> Arc<Self> {
        Arc::new(CacheStage { cache, net: None })
    }

    /// A stage over `cache` whose `stale-while-revalidate` hits are revalidated in the
    /// background through `net` (the context the stage is inserted into).
    ///
    /// Example: see [`CacheStage`].
    pub fn with_revalidation(cache: Cache, net: &crate::Net) -> Arc<Self> {
        Arc::new(CacheStage {
            cache,
            net: Some(Arc::downgrade(&net.pipeline)),
        })
    }

    /// Sends the hop again in the background with the `no-cache` mode (a conditional request
    /// through the whole pipeline) and reads its body to the end, so the entry is refreshed.
    fn revalidate_in_background(&self, ctx: &RequestContext) {
        let Some(pipeline) = self.net.as_ref().and_then(Weak::upgrade) else {
            return;
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(mut request) = crate::new_request(http::Method::GET, ctx.url.as_str(), ()) else {
            return;
        };
        *request.headers_mut() = ctx.headers.clone();
        request.headers_mut().remove(http::header::RANGE);
        let mut options = crate::FetchOptions::new()
            .cache(session_cache::CacheMode::NoCache)
            .credentials(ctx.credentials)
            .url(ctx.url.clone());
        if let Some(origin) = &ctx.initiator {
            options = options.origin(origin.clone());
        }
        if let Some(site) = &ctx.site_for_cookies {
            options = options.site_for_cookies(site.clone());
        }
        request.extensions_mut().insert(options);
        handle.spawn(async move {
            if let Ok(response) = fetch(&pipeline, request, Routing::Proxied).await {
                let _ = response.bytes().await;
            }
        });
    }

    /// The cache.
    ///
    /// Example: see [`CacheStage`].
    pub fn cache(&self) -> &Cache {
        &self.cache
    }
}

/// A net [`Body`] from any body of `Bytes` whose errors may be net errors.
fn to_body<B>(body: B) -> Body
where
    B: http_body::Body<Data = Bytes, Error = session_cache::BoxError> + Send + 'static,
{
    let stream = http_body_util::BodyDataStream::new(body).map(|r| {
        r.map_err(|e| match e.downcast::<Error>() {
            Ok(net) => *net,
            Err(other) => Error::new(
                NetError::Failed,
                format!("reading a cached body failed: {other}"),
            ),
        })
    });
    Body::from_stream(stream)
}

/// The reason phrase and header-name spellings of a network response, for the stored entry.
/// HTTP/2 has no reason phrase and lower-case names only.
fn wire_form(response: &HopResponse) -> WireForm {
    WireForm {
        reason: response.status_text.clone(),
        header_names: if response.version == http::Version::HTTP_2 {
            Vec::new()
        } else {
            response.raw_headers.spelled_names()
        },
    }
}

/// Gives a response served from a stored entry the version, reason phrase and header
/// spellings it had on the network (entries stored without them keep the defaults).
fn present_stored(hop: &mut HopResponse, version: http::Version, ext: &http::Extensions) {
    hop.version = version;
    match ext.get::<Arc<WireForm>>() {
        Some(form) => {
            hop.status_text = form.reason.clone();
            hop.raw_headers = crate::RawHeaders::from_pairs(form.pairs(&hop.headers));
        }
        None => {
            hop.status_text = if version == http::Version::HTTP_2 {
                String::new()
            } else {
                hop.status.canonical_reason().unwrap_or("").to_string()
            };
            hop.raw_headers = crate::RawHeaders::default();
        }
    }
}

impl Stage for CacheStage {
    fn slot(&self) -> Slot {
        Slot::Cache
    }

    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        // A protocol handler's answers are never stored or served from the cache, nor is a
        // WebSocket handshake.
        if ctx.is_handled() || ctx.is_websocket() {
            return Box::pin(std::future::ready(Ok(Flow::Continue)));
        }
        let site = ctx.site_for_cookies.as_ref().map(Site::from_url);
        let flow = match self.cache.lookup_url(
            &ctx.method,
            Some(&ctx.url),
            &ctx.headers,
            site.as_ref(),
            ctx.cache,
        ) {
            Lookup::Hit {
                response,
                revalidate,
            } => {
                if revalidate.is_some() {
                    self.revalidate_in_background(ctx);
                }
                let (parts, body) = response.into_parts();
                let body = http_body_util::BodyExt::map_err(body, session_cache::BoxError::from);
                let mut hop = HopResponse::new(parts.status, parts.headers, to_body(body));
                hop.from_cache = true;
                present_stored(&mut hop, parts.version, &parts.extensions);
                Ok(Flow::Respond(Box::new(hop)))
            }
            Lookup::Network(pending) => {
                pending.apply(&mut ctx.headers);
                if !pending.is_noop() {
                    ctx.extensions.insert(pending);
                }
                Ok(Flow::Continue)
            }
            Lookup::OnlyIfCachedMiss(e) => Err(Error::new(NetError::CacheMiss, e.to_string())),
        };
        Box::pin(std::future::ready(flow))
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, Result<ResponseFlow>> {
        if let Some(pending) = ctx.extensions.remove::<Pending>() {
            let form = wire_form(response);
            let mut http_response = http::Response::new(std::mem::take(&mut response.body));
            *http_response.status_mut() = response.status;
            *http_response.version_mut() = response.version;
            *http_response.headers_mut() = std::mem::take(&mut response.headers);
            http_response.extensions_mut().insert(form);
            let out = self.cache.complete(pending, http_response);
            let validated = out.extensions().get::<CacheStatus>() == Some(&CacheStatus::Validated);
            let (parts, body) = out.into_parts();
            if validated {
                // The stored response, as it first came from the network.
                response.status = parts.status;
                response.headers = parts.headers;
                present_stored(response, parts.version, &parts.extensions);
            } else {
                response.headers = parts.headers;
            }
            response.body = match body.into_untouched() {
                Ok(original) => original,
                Err(wrapped) => to_body(wrapped),
            };
        }
        Box::pin(std::future::ready(Ok(ResponseFlow::Continue)))
    }
}
