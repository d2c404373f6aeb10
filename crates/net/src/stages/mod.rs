//! The seams of the request pipeline: where stages (protocol handlers, webRequest, cache,
//! cookies, auth) attach to the hop loop without the rest being rewritten. This page is the
//! whole contract; a stage never needs to read the loop.
//!
//! # A hop
//!
//! Every hop of a fetch (the first URL, then each redirect target) runs:
//!
//! 1. [`Stage::on_request`] of every registered stage, in [`Slot`] order: 1 protocol handlers,
//!    2 `onBeforeRequest`, 3 the HSTS upgrade (built in, first of its slot: an `http:` hop of a
//!    host with a policy is answered with an internal `307` to `https:`) then the cache lookup,
//!    4 cookies, 5 `onBeforeSendHeaders`. A stage may edit
//!    the [`RequestContext`] (headers, URL, method) and returns a [`Flow`]:
//!    - [`Flow::Continue`]: on to the next stage, and finally the transport;
//!    - [`Flow::Respond`]: this hop is answered (a fresh cache hit, a webRequest redirect): the
//!      later request stages, the transport and the response stages are skipped for
//!      this hop, and the answer goes on to the redirect rules like any response;
//!    - an `Err`: the fetch fails with it (a cancelled request: `net::ERR_BLOCKED_BY_CLIENT`).
//!
//!    Stage 1 does not answer with `Flow::Respond`: it names the protocol handler that stands in
//!    for the transport ([`RequestContext::answer_with`]), so the later stages still see the
//!    request (webRequest fires for handled schemes; the cookie and cache stages skip a handled
//!    hop, [`RequestContext::is_handled`]).
//! 2. The transport (stage 6): proxy routes, DNS with host rules, TCP, TLS, emulation, the pooled
//!    connection (see `transport/` for its layers); or, for a handled hop, the protocol handler,
//!    which gets the request body.
//! 3. [`Stage::on_response`] of every stage, in response order ([`Slot::response_rank`]:
//!    `onHeadersReceived`, cookies storing `Set-Cookie`, auth, cache store / 304 merge). It sees
//!    every hop the transport answered, redirects included, may replace the response or its
//!    body (to tee it), and returns a [`ResponseFlow`]:
//!    - [`ResponseFlow::Continue`]: on to the next stage;
//!    - [`ResponseFlow::Retry`]: send this same hop again (the stage has edited
//!      `ctx.headers`, e.g. added `Authorization`): the response is dropped, the later response
//!      stages do not see it, the request stages do not run again, and the transport sends the
//!      hop again (with its body, replayed) then the response stages run on the new response.
//!      A hop is sent again at most [`crate::MAX_HOP_RETRIES`] times, and only when its body
//!      can be replayed; past that `Retry` counts as `Continue`.
//! 4. Redirect handling (follow / manual / error; at most [`crate::MAX_REDIRECTS`]), then back
//!    to 1 for the next URL: every stage sees every hop. A stage that wants to redirect (a
//!    webRequest listener) answers with a [`Flow::Respond`] of a 3xx with `Location`, which is
//!    followed like a server's.
//!
//! After the last hop, content decoding (stage 8) runs, then [`Stage::on_event`] reports
//! [`RequestEvent::ResponseStarted`] (a stage may wrap the body to see its end) and the body
//! streams to the caller. [`RequestEvent::Redirect`] is reported before each redirect is
//! followed, and [`RequestEvent::Failed`] when the request fails anywhere (a stage's error, a
//! cancel, the fetch dropped before its response head: `net::ERR_ABORTED`).
//!
//! # Rules for a stage
//!
//! - Stages are `Send + Sync` and shared by every request of the session; per-request data goes
//!   in [`RequestContext::extensions`] (left on the request side, picked up on the response
//!   side).
//! - Dropping a hook's future abandons the request; a hook must not block the runtime (no
//!   disk I/O or lock held across an await on the request path).
//! - [`crate::Net::insert_stage`] adds a stage; stages of the same slot run in insertion order,
//!   before the session's webRequest listeners of that slot (as Chromium runs
//!   declarativeNetRequest rules before extensions' webRequest listeners).
//! - [`Stage::on_event`] observes; it must return at once (work that takes time is spawned).
//! - A pipeline with no stage registered costs one empty-slice check per hop; a stage with
//!   nothing to do should return a ready future.
//!
//! # Example
//!
//! A stage in slot 2 that answers requests to one host itself, so they never reach the network,
//! and marks the others with a header:
//!
//! ```
//! use std::sync::Arc;
//! use session_net::stages::{BoxFuture, Flow, RequestContext, Slot, Stage};
//! use session_net::{Body, HopResponse, Net, NetConfig, Result};
//!
//! struct Blocker;
//!
//! impl Stage for Blocker {
//!     fn slot(&self) -> Slot {
//!         Slot::BeforeRequest
//!     }
//!
//!     fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
//!         let flow = if ctx.url.host_str() == Some("ads.example") {
//!             let body = Body::full("blocked");
//!             Flow::Respond(Box::new(HopResponse::new(http::StatusCode::FORBIDDEN, Default::default(), body)))
//!         } else {
//!             ctx.headers.insert("x-checked", http::HeaderValue::from_static("1"));
//!             Flow::Continue
//!         };
//!         Box::pin(std::future::ready(Ok(flow)))
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let net = Net::new(NetConfig::default())?;
//! net.insert_stage(Arc::new(Blocker));
//! let request = session_net::new_request(http::Method::GET, "https://ads.example/banner.js", ())?;
//! let response = net.fetch(request).await?;
//! assert_eq!(response.status(), 403);
//! assert_eq!(response.text().await?, "blocked");
//! # Ok::<_, session_net::Error>(()) }).unwrap();
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use http::{HeaderMap, Method};
use url::Url;

use crate::error::{Error, Result};
use crate::request::{CacheMode, CredentialsMode, FetchOptions, RedirectMode, ResourceType};
use crate::response::HopResponse;

/// A boxed, sendable future, the return type of the stage hooks.
pub use futures_util::future::BoxFuture;

/// Where a stage sits in the request order of DESIGN.md.
///
/// ```
/// use session_net::stages::Slot;
///
/// assert!(Slot::ProtocolHandlers < Slot::Cookies); // request side: in slot order
/// assert!(Slot::Cookies.response_rank() < Slot::Cache.response_rank()); // Set-Cookie stored first
/// ```
///
/// A stage in a slot: see [the module](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Slot {
    /// 1. Protocol handlers (custom schemes, intercepted `http`/`https`/`file`).
    ProtocolHandlers = 1,
    /// 2. webRequest `onBeforeRequest` and declarativeNetRequest rules.
    BeforeRequest = 2,
    /// 3. HTTP cache lookup (request side) and store / 304 merge (response side); the built-in
    ///    HSTS stage runs first in it.
    Cache = 3,
    /// 4. Cookies attached (request side) and `Set-Cookie` stored (response side).
    Cookies = 4,
    /// 5. webRequest `onBeforeSendHeaders`/`onSendHeaders` (request side) and
    ///    `onHeadersReceived` (response side).
    BeforeSendHeaders = 5,
    /// Authentication (401/407): response side only.
    Auth = 6,
}

impl Slot {
    /// The order on the response side (stage 7 of DESIGN.md): headers received, then
    /// `Set-Cookie` stored, then auth, then the cache store; protocol handlers and
    /// `onBeforeRequest` last (they rarely look at responses).
    ///
    /// Example: see [`Slot`].
    pub fn response_rank(self) -> u8 {
        match self {
            Slot::BeforeSendHeaders => 0,
            Slot::Cookies => 1,
            Slot::Auth => 2,
            Slot::Cache => 3,
            Slot::ProtocolHandlers => 4,
            Slot::BeforeRequest => 5,
        }
    }
}

/// What a request hook decided.
///
/// Example: see [the module](self).
#[derive(Debug)]
pub enum Flow {
    /// Go on to the next stage, and finally the transport.
    Continue,
    /// Answer this hop with this response: skip the transport and the response hooks.
    Respond(Box<HopResponse>),
}

/// What a response hook decided.
///
/// Example: see [`Stage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseFlow {
    /// Go on to the next response stage.
    Continue,
    /// Send this hop again with the request headers as the stage left them.
    Retry,
}

/// An observe-only event of a request as a whole, for [`Stage::on_event`].
///
/// Example: see [`Stage`].
#[derive(Debug)]
#[non_exhaustive]
pub enum RequestEvent<'a> {
    /// A redirect (a server's, or a stage's answer) is about to be followed to `to`.
    Redirect {
        /// The response that redirects.
        response: &'a HopResponse,
        /// Where the next hop goes.
        to: &'a Url,
    },
    /// The final response head goes to the caller, its body decoded; a stage may wrap the
    /// body to see its end.
    ResponseStarted(&'a mut HopResponse),
    /// The request failed with this error.
    Failed(&'a Error),
}

/// The request as the stages see it, for one hop.
///
/// Example: see [the module](self) (a stage reading `url` and editing `headers`).
#[derive(Debug)]
#[non_exhaustive]
pub struct RequestContext {
    /// The request's id: unique in the process, the same for all its hops.
    pub id: u64,
    /// What the request is for: [`FetchOptions::resource_type`], else [`ResourceType::infer`].
    pub resource_type: ResourceType,
    /// The URL of this hop.
    pub url: Url,
    /// The method of this hop (redirects may have rewritten it).
    pub method: Method,
    /// The request headers; stages add (`Cookie`) or edit them.
    pub headers: HeaderMap,
    /// The URLs before this one (empty on the first hop).
    pub previous_urls: Vec<Url>,
    /// `credentials` mode.
    pub credentials: CredentialsMode,
    /// `cache` mode.
    pub cache: CacheMode,
    /// `redirect` mode.
    pub redirect: RedirectMode,
    /// The initiator origin, from the options or the request's `Origin` header; `None` for a
    /// request of the embedder itself.
    pub initiator: Option<Url>,
    /// The URL whose site is the site for cookies; `None` means this hop's own URL (same-site).
    pub site_for_cookies: Option<Url>,
    /// Whether the request is a top-level navigation.
    pub top_level_navigation: bool,
    /// Skip protocol handlers (stage 1).
    pub bypass_custom_protocol_handlers: bool,
    /// Request header names as the caller spelled them ([`FetchOptions::header_case`]).
    pub header_case: std::sync::Arc<[String]>,
    /// Whether the request carries a body.
    pub has_body: bool,
    /// The protocol handler that answers this hop in place of the transport.
    pub(crate) handler: Option<crate::protocol::Handled>,
    /// The request body as webRequest's `uploadData` (one element per part), when it has one
    /// and it is not a stream ([`crate::RequestBody::upload_data`]).
    pub upload: Option<Vec<crate::UploadData>>,
    /// The opening handshake of a WebSocket ([`RequestContext::is_websocket`]).
    pub(crate) websocket: Option<Arc<crate::websocket::Handshake>>,
    /// Per-request scratch space: a stage can leave data on the request side (the cache entry it
    /// looked up) and pick it up on the response side (to merge a 304).
    pub extensions: http::Extensions,
}

impl RequestContext {
    pub(crate) fn new(
        url: Url,
        method: Method,
        headers: HeaderMap,
        options: &FetchOptions,
    ) -> Self {
        let initiator = options.origin.clone().or_else(|| {
            headers
                .get(http::header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| Url::parse(s).ok())
        });
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let resource_type = options
            .resource_type
            .unwrap_or_else(|| ResourceType::infer(options.top_level_navigation, &headers));
        RequestContext {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            resource_type,
            upload: None,
            url,
            method,
            headers,
            previous_urls: Vec::new(),
            credentials: options.credentials,
            cache: options.cache,
            redirect: options.redirect,
            initiator,
            site_for_cookies: options.site_for_cookies.clone(),
            top_level_navigation: options.top_level_navigation,
            bypass_custom_protocol_handlers: options.bypass_custom_protocol_handlers,
            header_case: options.header_case.clone().into(),
            has_body: false,
            handler: None,
            websocket: options.websocket.clone(),
            extensions: http::Extensions::new(),
        }
    }

    /// Whether credentials (cookies, auth) go with this hop: `include` always, `omit` never,
    /// `same-origin` when there is no initiator (Electron's `net.fetch`) or the initiator is
    /// same-origin with this hop's URL.
    ///
    /// Example: see [`Stage`].
    pub fn credentials_allowed(&self) -> bool {
        match self.credentials {
            CredentialsMode::Include => true,
            CredentialsMode::Omit => false,
            CredentialsMode::SameOrigin => match &self.initiator {
                None => true,
                Some(origin) => origin.origin() == self.url.origin(),
            },
        }
    }

    /// Answers this hop with `handler` in place of the transport (what stage 1 does for a
    /// scheme with a protocol handler). The later request stages still run (webRequest sees
    /// the request), the cookie and cache stages leave the hop alone, and the response stages
    /// see the handler's response. It lasts for this hop only.
    ///
    /// A stage that answers one host from a handler of its own, with no scheme registered:
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use session_net::protocol::ProtocolHandler;
    /// use session_net::stages::{BoxFuture, Flow, RequestContext, Slot, Stage};
    /// use session_net::{Body, Net, NetConfig, RequestBody, Result, new_request};
    ///
    /// struct Offline(Arc<dyn ProtocolHandler>);
    ///
    /// impl Stage for Offline {
    ///     fn slot(&self) -> Slot {
    ///         Slot::ProtocolHandlers
    ///     }
    ///
    ///     fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
    ///         if ctx.url.host_str() == Some("offline.test") {
    ///             ctx.answer_with(self.0.clone());
    ///         }
    ///         Box::pin(std::future::ready(Ok(Flow::Continue)))
    ///     }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let net = Net::new(NetConfig::default())?;
    /// let copy = |request: http::Request<RequestBody>| async move {
    ///     Ok(http::Response::new(Body::full(format!("offline copy of {}", request.uri().path()))))
    /// };
    /// net.insert_stage(Arc::new(Offline(Arc::new(copy))));
    /// // `offline.test` has no address: only the handler can answer it.
    /// let response = net.fetch(new_request(http::Method::GET, "https://offline.test/page", ())?).await?;
    /// assert_eq!(response.text().await?, "offline copy of /page");
    /// # Ok::<_, session_net::Error>(()) }).unwrap();
    /// ```
    pub fn answer_with(&mut self, handler: Arc<dyn crate::protocol::ProtocolHandler>) {
        self.handler = Some(crate::protocol::Handled { handler, net: None });
    }

    /// Whether a protocol handler answers this hop ([`RequestContext::answer_with`]).
    ///
    /// Example: see [`Stage`].
    pub fn is_handled(&self) -> bool {
        self.handler.is_some()
    }

    /// Whether the request is a WebSocket's opening handshake (a `ws:`/`wss:` URL, resource
    /// type `webSocket`): no cache, cookies and auth as for `http:`/`https:`, server redirects
    /// not followed (a stage's internal redirect is), and the connection handed back
    /// upgraded after a `101`.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// use session_net::stages::{BoxFuture, Flow, RequestContext, Slot, Stage};
    /// use session_net::{Net, NetConfig, Result, new_request};
    ///
    /// /// Records each request's scheme and whether it opens a WebSocket.
    /// #[derive(Default)]
    /// struct Seen(Mutex<Vec<(String, bool)>>);
    ///
    /// impl Stage for Seen {
    ///     fn slot(&self) -> Slot {
    ///         Slot::BeforeSendHeaders
    ///     }
    ///
    ///     fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
    ///         self.0.lock().unwrap().push((ctx.url.scheme().to_owned(), ctx.is_websocket()));
    ///         Box::pin(std::future::ready(Ok(Flow::Continue)))
    ///     }
    /// }
    ///
    /// # let site = session_test_support::TestSite::start(); // a loopback site: `/ws` echoes, `/echo` answers JSON
    /// # let port = site.http_port();
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let net = Net::new(NetConfig::default())?;
    /// let seen = Arc::new(Seen::default());
    /// net.insert_stage(seen.clone());
    /// let ws = net.websocket(&format!("ws://127.0.0.1:{port}/ws")).connect().await?;
    /// assert_eq!(ws.status(), 101);
    /// net.fetch(new_request(http::Method::GET, &format!("http://127.0.0.1:{port}/echo"), ())?).await?;
    /// let seen = seen.0.lock().unwrap().clone();
    /// assert_eq!(seen, [("ws".to_owned(), true), ("http".to_owned(), false)]);
    /// # Ok::<_, session_net::Error>(()) }).unwrap();
    /// ```
    pub fn is_websocket(&self) -> bool {
        self.websocket.is_some()
    }

    /// The URL whose site decides SameSite: `site_for_cookies`, else this hop's URL.
    ///
    /// Example: see [`Stage`].
    pub fn site_for_cookies_url(&self) -> &Url {
        self.site_for_cookies.as_ref().unwrap_or(&self.url)
    }
}

/// A pipeline stage. Implement the hooks you need; the defaults do nothing.
///
/// A request hook: see [the module](self). The response hook and the events:
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use session_net::stages::{BoxFuture, RequestContext, RequestEvent, ResponseFlow, Slot, Stage};
/// use session_net::{Body, HopResponse, Net, NetConfig, RequestBody, Result};
///
/// /// Stamps every response and records what each request saw.
/// #[derive(Default)]
/// struct Audit(Mutex<Vec<String>>);
///
/// impl Stage for Audit {
///     fn slot(&self) -> Slot {
///         Slot::BeforeSendHeaders
///     }
///
///     fn on_response<'a>(
///         &'a self,
///         ctx: &'a mut RequestContext,
///         response: &'a mut HopResponse,
///     ) -> BoxFuture<'a, Result<ResponseFlow>> {
///         let seen = format!("{} {} credentials={} handled={}",
///             ctx.url, response.status, ctx.credentials_allowed(), ctx.is_handled());
///         self.0.lock().unwrap().push(seen);
///         response.headers.insert("x-audited", http::HeaderValue::from_static("1"));
///         Box::pin(std::future::ready(Ok(ResponseFlow::Continue)))
///     }
///
///     fn on_event(&self, ctx: &RequestContext, event: &mut RequestEvent<'_>) {
///         if let RequestEvent::ResponseStarted(head) = event {
///             let started = format!("started {} for {}", head.status, ctx.site_for_cookies_url());
///             self.0.lock().unwrap().push(started);
///         }
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.protocol().handle("app", |_: http::Request<RequestBody>| async {
///     Ok(http::Response::new(Body::full("ok")))
/// })?;
/// let audit = Arc::new(Audit::default());
/// net.insert_stage(audit.clone());
/// let response = net.fetch(session_net::new_request(http::Method::GET, "app://ui/", ())?).await?;
/// assert_eq!(response.header("x-audited").as_deref(), Some("1"));
/// let log = audit.0.lock().unwrap().clone();
/// assert_eq!(log, ["app://ui/ 200 OK credentials=true handled=true", "started 200 OK for app://ui/"]);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
pub trait Stage: Send + Sync + 'static {
    /// Where the stage sits.
    ///
    /// Example: see [`Stage`].
    fn slot(&self) -> Slot;

    /// Request side, before the transport. Dropping the future abandons the request.
    ///
    /// Example: see [the module](self).
    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        let _ = ctx;
        Box::pin(std::future::ready(Ok(Flow::Continue)))
    }

    /// Response side, for every hop answered by the transport (redirects included).
    ///
    /// Example: see [`Stage`].
    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, Result<ResponseFlow>> {
        let _ = (ctx, response);
        Box::pin(std::future::ready(Ok(ResponseFlow::Continue)))
    }

    /// Observe-only events of the request as a whole (a redirect followed, the final response
    /// head, a failure), in request order. It must return at once.
    ///
    /// Example: see [`Stage`].
    fn on_event(&self, ctx: &RequestContext, event: &mut RequestEvent<'_>) {
        let _ = (ctx, event);
    }
}

/// The registered stages of one session, in both orders.
#[derive(Default)]
pub(crate) struct Stages {
    lists: RwLock<Arc<StageLists>>,
}

#[derive(Default)]
pub(crate) struct StageLists {
    pub(crate) request: Vec<Arc<dyn Stage>>,
    pub(crate) response: Vec<Arc<dyn Stage>>,
    /// Every stage in insertion order, with whether it goes last in its slot.
    inserted: Vec<(Arc<dyn Stage>, bool)>,
}

impl Stages {
    pub(crate) fn insert(&self, stage: Arc<dyn Stage>) {
        self.insert_at(stage, false);
    }

    /// Inserts a stage that runs after every other of its slot, whenever they are inserted
    /// (the session's webRequest listeners).
    pub(crate) fn insert_last(&self, stage: Arc<dyn Stage>) {
        self.insert_at(stage, true);
    }

    fn insert_at(&self, stage: Arc<dyn Stage>, last: bool) {
        let mut guard = self.lists.write().unwrap_or_else(|e| e.into_inner());
        let mut inserted = guard.inserted.clone();
        inserted.push((stage, last));
        let mut ordered = inserted.clone();
        ordered.sort_by_key(|(s, last)| (s.slot(), *last));
        let request: Vec<Arc<dyn Stage>> = ordered.into_iter().map(|(s, _)| s).collect();
        let mut response = request.clone();
        response.sort_by_key(|s| s.slot().response_rank());
        *guard = Arc::new(StageLists {
            request,
            response,
            inserted,
        });
    }

    pub(crate) fn snapshot(&self) -> Arc<StageLists> {
        self.lists.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S(Slot);
    impl Stage for S {
        fn slot(&self) -> Slot {
            self.0
        }
    }

    #[test]
    fn stages_sort_in_both_orders() {
        let stages = Stages::default();
        stages.insert_last(Arc::new(S(Slot::Cookies)));
        for slot in [
            Slot::Cookies,
            Slot::Cache,
            Slot::BeforeSendHeaders,
            Slot::ProtocolHandlers,
        ] {
            stages.insert(Arc::new(S(slot)));
        }
        let lists = stages.snapshot();
        let req: Vec<Slot> = lists.request.iter().map(|s| s.slot()).collect();
        assert_eq!(
            req,
            [
                Slot::ProtocolHandlers,
                Slot::Cache,
                Slot::Cookies,
                Slot::Cookies,
                Slot::BeforeSendHeaders
            ]
        );
        assert!(
            Arc::ptr_eq(&lists.request[3], &lists.inserted[0].0),
            "the stage inserted last-in-slot runs after the one of its slot inserted later"
        );
        let resp: Vec<Slot> = lists.response.iter().map(|s| s.slot()).collect();
        assert_eq!(
            resp,
            [
                Slot::BeforeSendHeaders,
                Slot::Cookies,
                Slot::Cookies,
                Slot::Cache,
                Slot::ProtocolHandlers
            ]
        );
    }

    #[test]
    fn credentials_modes() {
        let url = Url::parse("https://a.test/x").expect("url");
        let mut ctx =
            RequestContext::new(url, Method::GET, HeaderMap::new(), &FetchOptions::default());
        // FETCH-08: same-origin with no Origin is treated as include.
        assert!(ctx.credentials_allowed());
        ctx.initiator = Some(Url::parse("https://b.test").expect("url"));
        assert!(!ctx.credentials_allowed());
        ctx.initiator = Some(Url::parse("https://a.test").expect("url"));
        assert!(ctx.credentials_allowed());
        ctx.credentials = CredentialsMode::Omit;
        assert!(!ctx.credentials_allowed());
    }
}
