//! webRequest (Electron's `ses.webRequest`): every request of a session observed, and
//! changed, by the embedder's listeners.
//!
//! ```
//! use session_net::web_request::{Answer, Filter};
//! use session_net::{Net, NetConfig};
//!
//! # fn main() -> Result<(), session_net::Error> {
//! let net = Net::new(NetConfig::default())?;
//! let web_request = net.web_request();
//! // Electron's call: one listener per event, `None` removes it.
//! web_request.on_before_request(
//!     Filter::urls(&["*://tracker.example/*"])?,
//!     Some(session_net::web_request::listener(|_details| async { Answer::cancel() })),
//! );
//! // An ordered chain: each part of an app adds its own; dropping the handle removes it.
//! let handle = web_request.add_before_send_headers(Filter::all(), |details| async move {
//!     let mut headers = details.request_headers.unwrap_or_default();
//!     headers.insert("x-app", http::HeaderValue::from_static("1"));
//!     Answer::request_headers(headers)
//! });
//! drop(handle);
//! # Ok(()) }
//! ```
//!
//! # Events
//!
//! Blocking events (their listeners answer with an [`Answer`], and the request waits):
//! `onBeforeRequest` (cancel, `redirect_url`), `onBeforeSendHeaders` (cancel, request headers),
//! `onHeadersReceived` (cancel, response headers, status line). Observe-only events (their
//! listeners are called in order and their futures polled once in place; one that is not done
//! then runs on a task of its own: the request never waits for them): `onSendHeaders`, `onResponseStarted`, `onBeforeRedirect`, `onCompleted`,
//! `onErrorOccurred`.
//!
//! Every hop runs the chain: a redirect target is seen by `onBeforeRequest` again, and a
//! listener's redirect is followed like a server's (a `307 Internal Redirect`, counted toward
//! the 20-redirect limit). Requests of every origin pass: `fetch`, downloads, PAC scripts,
//! HTTP cache hits (`from_cache: true`; a cache hit has no `onHeadersReceived`, as in
//! Chromium).
//!
//! # The chain
//!
//! The listener set with Electron's `on_*` call comes first, then those added with `add_*`, in
//! the order they were added. The listeners of a blocking event are called together with the
//! same details and their answers merged by [`merge()`] (any cancel wins, the first redirect
//! wins, header edits apply in order; a conflict is written to the net log). A listener that
//! panics fails the request with `net::ERR_FAILED` naming it; the session keeps working.
//!
//! With no listener of an event, its hook costs one atomic load.

mod details;
mod filter;
mod merge;

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http::{HeaderMap, StatusCode};
use http_body::Body as _;
use url::Url;

pub use crate::request::{ResourceType, UploadData};
pub use details::Details;
pub use filter::Filter;
pub use merge::{Answer, Merged, merge, merge_headers};

use crate::body::{Body, ConnSource};
use crate::error::{Error, NetError, Result};
use crate::netlog::NetLog;
use crate::response::{HopResponse, InternalRedirectReason, RawHeaders};
use crate::stages::{Flow, RequestContext, RequestEvent, ResponseFlow, Slot, Stage};

/// A listener of a blocking event.
///
/// Example: see [the module's example](self).
pub type Listener = Arc<dyn Fn(Details) -> BoxFuture<'static, Answer> + Send + Sync>;

/// A listener of an observe-only event.
///
/// Example: see [`Event`].
pub type Observer = Arc<dyn Fn(Details) -> BoxFuture<'static, ()> + Send + Sync>;

/// Makes a [`Listener`] of an async closure.
///
/// Example: see [the module's example](self).
pub fn listener<F, Fut>(f: F) -> Listener
where
    F: Fn(Details) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Answer> + Send + 'static,
{
    Arc::new(move |d| Box::pin(f(d)))
}

/// Makes an [`Observer`] of an async closure.
///
/// Example: see [`Event`].
pub fn observer<F, Fut>(f: F) -> Observer
where
    F: Fn(Details) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |d| Box::pin(f(d)))
}

/// The eight events.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use session_net::web_request::{Event, Filter, observer};
/// use session_net::{Body, Net, NetConfig, RequestBody, new_request};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.protocol().handle("app", |_: http::Request<RequestBody>| async move {
///     Ok(http::Response::new(Body::full("page")))
/// })?;
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// net.web_request().on_response_started(Filter::all(), Some(observer(move |details| {
///     log.lock().unwrap().push(details.to_json()); // Electron's `details` object
///     async {}
/// })));
/// // An `add_*` listener kept for the life of the session.
/// net.web_request().add_response_started(Filter::all(), |_| async {}).forget();
/// assert_eq!(net.web_request().listener_count(Event::ResponseStarted), 2);
///
/// net.fetch(new_request(http::Method::GET, "app://site/page", ())?).await?.text().await?;
/// let details = seen.lock().unwrap()[0].clone();
/// assert_eq!((details["url"].as_str(), details["statusCode"].as_u64()), (Some("app://site/page"), Some(200)));
/// assert_eq!(Event::ALL.len(), 8);
/// assert_eq!(Event::ResponseStarted.name(), "onResponseStarted");
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// `onBeforeRequest`.
    BeforeRequest = 0,
    /// `onBeforeSendHeaders`.
    BeforeSendHeaders = 1,
    /// `onSendHeaders`.
    SendHeaders = 2,
    /// `onHeadersReceived`.
    HeadersReceived = 3,
    /// `onResponseStarted`.
    ResponseStarted = 4,
    /// `onBeforeRedirect`.
    BeforeRedirect = 5,
    /// `onCompleted`.
    Completed = 6,
    /// `onErrorOccurred`.
    ErrorOccurred = 7,
}

impl Event {
    /// Every event, in the order a request meets them.
    ///
    /// Example: see [`Event`].
    pub const ALL: [Event; 8] = [
        Event::BeforeRequest,
        Event::BeforeSendHeaders,
        Event::SendHeaders,
        Event::HeadersReceived,
        Event::ResponseStarted,
        Event::BeforeRedirect,
        Event::Completed,
        Event::ErrorOccurred,
    ];

    /// Electron's name (`onBeforeRequest`).
    ///
    /// Example: see [`Event`].
    pub fn name(self) -> &'static str {
        match self {
            Event::BeforeRequest => "onBeforeRequest",
            Event::BeforeSendHeaders => "onBeforeSendHeaders",
            Event::SendHeaders => "onSendHeaders",
            Event::HeadersReceived => "onHeadersReceived",
            Event::ResponseStarted => "onResponseStarted",
            Event::BeforeRedirect => "onBeforeRedirect",
            Event::Completed => "onCompleted",
            Event::ErrorOccurred => "onErrorOccurred",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

#[derive(Clone)]
enum Callback {
    Blocking(Listener),
    Observe(Observer),
}

struct Entry {
    id: u64,
    name: String,
    filter: Filter,
    callback: Callback,
}

#[derive(Default)]
struct Lists {
    events: [Vec<Arc<Entry>>; 8],
}

#[derive(Default)]
struct Registry {
    lists: RwLock<Arc<Lists>>,
    /// One bit per event with at least one listener.
    active: AtomicU8,
    next_id: AtomicU64,
    /// The id of the listener set by Electron's `on_*` call, per event.
    single: Mutex<[Option<u64>; 8]>,
}

impl Registry {
    fn snapshot(&self) -> Arc<Lists> {
        self.lists.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn is_active(&self, event: Event) -> bool {
        self.active.load(Ordering::Acquire) & event.bit() != 0
    }

    /// Replaces the lists through `edit` (copy on write: requests in flight keep theirs).
    fn edit(&self, event: Event, edit: impl FnOnce(&mut Vec<Arc<Entry>>)) {
        let mut guard = self.lists.write().unwrap_or_else(|e| e.into_inner());
        let mut next = Lists {
            events: guard.events.clone(),
        };
        edit(&mut next.events[event as usize]);
        let mut active = 0;
        for e in Event::ALL {
            if !next.events[e as usize].is_empty() {
                active |= e.bit();
            }
        }
        *guard = Arc::new(next);
        self.active.store(active, Ordering::Release);
    }

    fn remove(&self, event: Event, id: u64) {
        self.edit(event, |list| list.retain(|e| e.id != id));
    }
}

/// Removes its listener when dropped (or by [`ListenerHandle::remove`]). A request in flight
/// finishes the event it is in; its later events no longer call the listener.
///
/// Example: see [`WebRequest`] (`remove`) and [`Event`] (`forget`).
#[must_use = "dropping the handle removes the listener"]
pub struct ListenerHandle {
    registry: Weak<Registry>,
    event: Event,
    id: u64,
}

impl ListenerHandle {
    /// Removes the listener now.
    ///
    /// Example: see [`WebRequest`].
    pub fn remove(self) {}

    /// Keeps the listener for the life of the session.
    ///
    /// Example: see [`Event`].
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl std::fmt::Debug for ListenerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenerHandle")
            .field("event", &self.event)
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        if let Some(r) = self.registry.upgrade() {
            r.remove(self.event, self.id);
        }
    }
}

/// The webRequest of one session. Cheap to clone (a handle); `Send + Sync`.
///
/// ```
/// use session_net::web_request::{Answer, Event, Filter};
/// use session_net::{Body, Net, NetConfig, NetError, RequestBody, new_request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), session_net::Error> {
/// let net = Net::new(NetConfig::default())?;
/// net.protocol().handle("app", |_: http::Request<RequestBody>| async move {
///     Ok(http::Response::new(Body::full("content")))
/// })?;
/// let blocker = net.web_request().add_before_request(Filter::all(), |details| async move {
///     if details.url.path().starts_with("/ads/") { Answer::cancel() } else { Answer::proceed() }
/// });
/// assert_eq!(net.web_request().listener_count(Event::BeforeRequest), 1);
///
/// let get = |url: &str| net.fetch(new_request(http::Method::GET, url, ()).unwrap());
/// assert_eq!(get("app://site/page").await?.text().await?, "content");
/// assert_eq!(get("app://site/ads/banner").await.unwrap_err().kind(), NetError::BlockedByClient);
///
/// blocker.remove();
/// assert!(get("app://site/ads/banner").await.is_ok());
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct WebRequest {
    registry: Arc<Registry>,
}

impl std::fmt::Debug for WebRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRequest")
            .field("active", &self.registry.active.load(Ordering::Relaxed))
            .finish()
    }
}

macro_rules! blocking_event {
    ($on:ident, $add:ident, $event:expr, $what:literal) => {
        #[doc = concat!("Electron's `", $what, "(filter, listener)`: sets the one listener of this call (`None` removes it); it runs first in the chain.")]
        ///
        /// Example: see [`WebRequest`] (the `add_*` form).
        pub fn $on(&self, filter: Filter, listener: Option<Listener>) {
            self.set_single($event, filter, listener.map(Callback::Blocking));
        }

        #[doc = concat!("Adds a `", $what, "` listener at the end of the chain; dropping the handle removes it.")]
        ///
        /// Example: see [`WebRequest`].
        pub fn $add<F, Fut>(&self, filter: Filter, listener: F) -> ListenerHandle
        where
            F: Fn(Details) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Answer> + Send + 'static,
        {
            self.add(
                $event,
                filter,
                Callback::Blocking(Arc::new(move |d| Box::pin(listener(d)))),
                std::any::type_name::<F>(),
            )
        }
    };
}

macro_rules! observe_event {
    ($on:ident, $add:ident, $event:expr, $what:literal) => {
        #[doc = concat!("Electron's `", $what, "(filter, listener)`: sets the one listener of this call (`None` removes it); it runs first in the chain.")]
        ///
        /// Example: see [`WebRequest`] (a blocking event; observers are added the same way).
        pub fn $on(&self, filter: Filter, listener: Option<Observer>) {
            self.set_single($event, filter, listener.map(Callback::Observe));
        }

        #[doc = concat!("Adds a `", $what, "` listener at the end of the chain; dropping the handle removes it. The request never waits for it.")]
        ///
        /// Example: see [`WebRequest`] (a blocking event; observers are added the same way).
        pub fn $add<F, Fut>(&self, filter: Filter, listener: F) -> ListenerHandle
        where
            F: Fn(Details) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
        {
            self.add(
                $event,
                filter,
                Callback::Observe(Arc::new(move |d| Box::pin(listener(d)))),
                std::any::type_name::<F>(),
            )
        }
    };
}

impl WebRequest {
    blocking_event!(
        on_before_request,
        add_before_request,
        Event::BeforeRequest,
        "onBeforeRequest"
    );
    blocking_event!(
        on_before_send_headers,
        add_before_send_headers,
        Event::BeforeSendHeaders,
        "onBeforeSendHeaders"
    );
    observe_event!(
        on_send_headers,
        add_send_headers,
        Event::SendHeaders,
        "onSendHeaders"
    );
    blocking_event!(
        on_headers_received,
        add_headers_received,
        Event::HeadersReceived,
        "onHeadersReceived"
    );
    observe_event!(
        on_response_started,
        add_response_started,
        Event::ResponseStarted,
        "onResponseStarted"
    );
    observe_event!(
        on_before_redirect,
        add_before_redirect,
        Event::BeforeRedirect,
        "onBeforeRedirect"
    );
    observe_event!(on_completed, add_completed, Event::Completed, "onCompleted");
    observe_event!(
        on_error_occurred,
        add_error_occurred,
        Event::ErrorOccurred,
        "onErrorOccurred"
    );

    /// How many listeners `event` has.
    ///
    /// Example: see [`WebRequest`].
    pub fn listener_count(&self, event: Event) -> usize {
        self.registry.snapshot().events[event as usize].len()
    }

    fn set_single(&self, event: Event, filter: Filter, callback: Option<Callback>) {
        let mut single = self
            .registry
            .single
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let old = single[event as usize].take();
        let entry = callback.map(|callback| {
            let id = self.registry.next_id.fetch_add(1, Ordering::Relaxed);
            Arc::new(Entry {
                id,
                name: format!("{} listener", event.name()),
                filter,
                callback,
            })
        });
        single[event as usize] = entry.as_ref().map(|e| e.id);
        self.registry.edit(event, |list| {
            if let Some(old) = old {
                list.retain(|e| e.id != old);
            }
            if let Some(e) = entry {
                list.insert(0, e);
            }
        });
    }

    fn add(&self, event: Event, filter: Filter, callback: Callback, what: &str) -> ListenerHandle {
        let id = self.registry.next_id.fetch_add(1, Ordering::Relaxed);
        let entry = Arc::new(Entry {
            id,
            name: format!("{} listener #{id} ({what})", event.name()),
            filter,
            callback,
        });
        self.registry.edit(event, |list| list.push(entry));
        ListenerHandle {
            registry: Arc::downgrade(&self.registry),
            event,
            id,
        }
    }

    /// The two pipeline stages: `onBeforeRequest` (slot 2) and the headers events (slot 5,
    /// which also reports the observe-only events of the request).
    pub(crate) fn stages(&self, netlog: NetLog) -> [Arc<dyn Stage>; 2] {
        [
            Arc::new(WebRequestStage {
                registry: self.registry.clone(),
                slot: Slot::BeforeRequest,
                netlog: netlog.clone(),
            }),
            Arc::new(WebRequestStage {
                registry: self.registry.clone(),
                slot: Slot::BeforeSendHeaders,
                netlog,
            }),
        ]
    }
}

fn panic_text(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

fn panicked(name: &str, p: &(dyn Any + Send)) -> Error {
    Error::new(
        NetError::Failed,
        format!("webRequest {name} panicked: {}", panic_text(p)),
    )
}

/// Calls one blocking listener, turning a panic into `net::ERR_FAILED` naming it.
async fn call(entry: &Entry, details: Details) -> Result<Answer> {
    let Callback::Blocking(l) = &entry.callback else {
        return Ok(Answer::proceed());
    };
    let fut = std::panic::catch_unwind(AssertUnwindSafe(|| l(details)))
        .map_err(|p| panicked(&entry.name, &*p))?;
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .map_err(|p| panicked(&entry.name, &*p))
}

struct WebRequestStage {
    registry: Arc<Registry>,
    slot: Slot,
    netlog: NetLog,
}

impl WebRequestStage {
    /// Runs the chain of blocking `event` for a hop; `None` when no listener's filter matched.
    async fn blocking(
        &self,
        event: Event,
        ctx: &RequestContext,
        details: impl FnOnce() -> Details,
        request_headers: Option<&HeaderMap>,
        response_headers: Option<&HeaderMap>,
    ) -> Result<Option<Merged>> {
        let lists = self.registry.snapshot();
        let mut matching = lists.events[event as usize]
            .iter()
            .filter(|e| e.filter.matches(&ctx.url, ctx.resource_type));
        let Some(first) = matching.next() else {
            return Ok(None);
        };
        let answers: Vec<(&str, Answer)> = match matching.next() {
            // One listener (the common case): no list of calls to build.
            None => {
                let answer = call(first, details()).await?;
                return Ok(Some(self.merged(
                    event,
                    &[(first.name.as_str(), answer)],
                    request_headers,
                    response_headers,
                )));
            }
            Some(second) => {
                let many: Vec<&Arc<Entry>> = [first, second].into_iter().chain(matching).collect();
                let details = details();
                let calls = many.iter().map(|e| call(e, details.clone()));
                let results = futures_util::future::join_all(calls).await;
                let mut out = Vec::with_capacity(results.len());
                for (e, r) in many.iter().zip(results) {
                    out.push((e.name.as_str(), r?));
                }
                out
            }
        };
        Ok(Some(self.merged(
            event,
            &answers,
            request_headers,
            response_headers,
        )))
    }

    /// The answers merged, conflicts logged.
    fn merged(
        &self,
        event: Event,
        answers: &[(&str, Answer)],
        request_headers: Option<&HeaderMap>,
        response_headers: Option<&HeaderMap>,
    ) -> Merged {
        let merged = merge(answers, request_headers, response_headers);
        for c in &merged.conflicts {
            tracing::info!("webRequest {}: {c}", event.name());
            self.netlog.web_request_conflict(event.name(), c);
        }
        merged
    }

    /// Calls the listeners of observe-only `event` whose filters match, in order; their
    /// futures run on their own.
    fn observe(&self, event: Event, ctx: &RequestContext, details: impl FnOnce() -> Details) {
        if !self.registry.is_active(event) {
            return;
        }
        let lists = self.registry.snapshot();
        observe_url(&lists, event, &ctx.url, ctx.resource_type, details);
    }
}

/// Calls the observe-only listeners of `event` whose filters match; the details are made
/// once, when one matches.
fn observe_url(
    lists: &Lists,
    event: Event,
    url: &Url,
    rt: ResourceType,
    details: impl FnOnce() -> Details,
) {
    let first = lists.events[event as usize]
        .iter()
        .position(|e| matches!(e.callback, Callback::Observe(_)) && e.filter.matches(url, rt));
    if let Some(first) = first {
        observe_made(lists, event, first, details());
    }
}

/// Calls the observe-only listeners of `event` from index `from` on whose filters match the
/// details' URL and type, in order; the last one called gets the details, the others a copy.
fn observe_made(lists: &Lists, event: Event, from: usize, details: Details) {
    let list = &lists.events[event as usize];
    let rt = details.resource_type;
    let observer = |i: usize| match &list[i].callback {
        Callback::Observe(o) if list[i].filter.matches(&details.url, rt) => Some(o),
        _ => None,
    };
    let Some((mut at, mut o)) = (from..list.len()).find_map(|i| observer(i).map(|o| (i, o))) else {
        return;
    };
    loop {
        match (at + 1..list.len()).find_map(|i| observer(i).map(|o| (i, o))) {
            Some(next) => {
                run_observer(&list[at], o, details.clone());
                (at, o) = next;
            }
            None => return run_observer(&list[at], o, details),
        }
    }
}

/// Calls one observe-only listener. Its future is polled once in place: a listener with
/// nothing to wait for ends here; one that waits goes on on a task of its own, never awaited
/// by the request. A panic is logged.
fn run_observer(e: &Entry, o: &Observer, details: Details) {
    match std::panic::catch_unwind(AssertUnwindSafe(|| o(details))) {
        Ok(fut) => {
            let mut fut = AssertUnwindSafe(fut).catch_unwind();
            match (&mut fut).now_or_never() {
                Some(Ok(())) => {}
                Some(Err(p)) => {
                    tracing::warn!("webRequest {} panicked: {}", e.name, panic_text(&*p))
                }
                None => {
                    if let Ok(rt) = tokio::runtime::Handle::try_current() {
                        let name = e.name.clone();
                        rt.spawn(async move {
                            if let Err(p) = fut.await {
                                tracing::warn!("webRequest {name} panicked: {}", panic_text(&*p));
                            }
                        });
                    }
                }
            }
        }
        Err(p) => tracing::warn!("webRequest {} panicked: {}", e.name, panic_text(&*p)),
    }
}

fn blocked(name: &str, url: &Url) -> Error {
    Error::new(
        NetError::BlockedByClient,
        format!("{url} was cancelled by webRequest {name}"),
    )
}

/// The `307 Internal Redirect` a listener's `redirect_url` turns into.
fn internal_redirect(to: &str, from: &Url, request: &HeaderMap) -> Result<HopResponse> {
    let target = from.join(to).map_err(|e| {
        Error::new(
            NetError::InvalidUrl,
            format!("webRequest redirect of {from} to '{to}': not a valid URL: {e}"),
        )
    })?;
    Ok(HopResponse::internal_redirect(
        &target,
        InternalRedirectReason::WebRequest,
        request,
    ))
}

/// Applies `HTTP/1.1 404 Not Found` to a response; a line that does not parse is ignored.
fn apply_status_line(r: &mut HopResponse, line: &str) {
    let mut parts = line.trim().splitn(3, ' ');
    let (_, code, text) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
    match code
        .and_then(|c| c.parse::<u16>().ok())
        .and_then(|c| StatusCode::from_u16(c).ok())
    {
        Some(status) => {
            r.status = status;
            r.status_text = text.to_string();
        }
        None => tracing::warn!("webRequest status line '{line}' ignored: no status code"),
    }
}

impl Stage for WebRequestStage {
    fn slot(&self) -> Slot {
        self.slot
    }

    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        let event = if self.slot == Slot::BeforeRequest {
            Event::BeforeRequest
        } else {
            Event::BeforeSendHeaders
        };
        let wanted = self.registry.is_active(event)
            || (event == Event::BeforeSendHeaders && self.registry.is_active(Event::SendHeaders));
        if !wanted {
            return Box::pin(std::future::ready(Ok(Flow::Continue)));
        }
        Box::pin(async move {
            if event == Event::BeforeRequest {
                let details = || Details::of(ctx);
                let Some(m) = self.blocking(event, ctx, details, None, None).await? else {
                    return Ok(Flow::Continue);
                };
                if let Some(name) = &m.cancelled_by {
                    return Err(blocked(name, &ctx.url));
                }
                if let Some(to) = &m.redirect_url {
                    return Ok(Flow::Respond(Box::new(internal_redirect(
                        to,
                        &ctx.url,
                        &ctx.headers,
                    )?)));
                }
                return Ok(Flow::Continue);
            }
            if self.registry.is_active(Event::BeforeSendHeaders) {
                let details = || {
                    let mut d = Details::of(ctx);
                    d.request_headers = Some(ctx.headers.clone());
                    d
                };
                let merged = self
                    .blocking(event, ctx, details, Some(&ctx.headers), None)
                    .await?;
                if let Some(m) = merged {
                    if let Some(name) = &m.cancelled_by {
                        return Err(blocked(name, &ctx.url));
                    }
                    if let Some(h) = m.request_headers {
                        ctx.headers = h;
                    }
                }
            }
            self.observe(Event::SendHeaders, ctx, || {
                let mut d = Details::of(ctx);
                d.request_headers = Some(ctx.headers.clone());
                d
            });
            Ok(Flow::Continue)
        })
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, Result<ResponseFlow>> {
        if self.slot != Slot::BeforeSendHeaders || !self.registry.is_active(Event::HeadersReceived)
        {
            return Box::pin(std::future::ready(Ok(ResponseFlow::Continue)));
        }
        Box::pin(async move {
            let details = || Details::of(ctx).with_response(response);
            let merged = self
                .blocking(
                    Event::HeadersReceived,
                    ctx,
                    details,
                    None,
                    Some(&response.headers),
                )
                .await?;
            let Some(m) = merged else {
                return Ok(ResponseFlow::Continue);
            };
            if let Some(name) = &m.cancelled_by {
                return Err(blocked(name, &ctx.url));
            }
            if let Some(h) = m.response_headers {
                response.headers = h;
                response.raw_headers = RawHeaders::default();
            }
            if let Some(line) = &m.status_line {
                apply_status_line(response, line);
            }
            Ok(ResponseFlow::Continue)
        })
    }

    fn on_event(&self, ctx: &RequestContext, event: &mut RequestEvent<'_>) {
        if self.slot != Slot::BeforeSendHeaders {
            return;
        }
        match event {
            RequestEvent::Redirect { response, to } => {
                self.observe(Event::BeforeRedirect, ctx, || {
                    let mut d = Details::of(ctx).with_response(response);
                    d.redirect_url = Some(to.to_string());
                    d
                });
            }
            RequestEvent::ResponseStarted(response) => {
                let upgraded = ctx.is_websocket() && response.upgrade.is_some();
                // The body's end is watched when onCompleted / onErrorOccurred listen and it
                // has not ended yet; its details are onResponseStarted's, made once.
                let watch = !upgraded
                    && !response.body.is_end_stream()
                    && (self.registry.is_active(Event::Completed)
                        || self.registry.is_active(Event::ErrorOccurred));
                let mut for_end = None;
                self.observe(Event::ResponseStarted, ctx, || {
                    let d = Details::of(ctx).with_response(response);
                    if watch {
                        for_end = Some(d.clone());
                    }
                    d
                });
                if upgraded {
                    // An upgraded WebSocket completes at once with `net::ERR_WS_UPGRADE`, as
                    // Chromium reports it (WR-40).
                    self.observe(Event::Completed, ctx, || {
                        let mut d = Details::of(ctx).with_response(response);
                        d.error = Some(NetError::WsUpgrade.name().into());
                        d
                    });
                } else if response.body.is_end_stream() {
                    self.observe(Event::Completed, ctx, || {
                        let mut d = Details::of(ctx).with_response(response);
                        d.error = Some("net::OK".into());
                        d
                    });
                } else if watch {
                    let details =
                        for_end.unwrap_or_else(|| Details::of(ctx).with_response(response));
                    let body = std::mem::take(&mut response.body);
                    response.body = watch_end(body, Arc::downgrade(&self.registry), details);
                }
            }
            RequestEvent::Failed(error) => {
                self.observe(Event::ErrorOccurred, ctx, || {
                    let mut d = Details::of(ctx);
                    d.error = Some(error.kind().name().to_string());
                    d
                });
            }
        }
    }
}

/// A body that reports `onCompleted` at its end, or `onErrorOccurred` when it fails or is
/// dropped before its end (`net::ERR_ABORTED`).
fn watch_end(body: Body, registry: Weak<Registry>, details: Details) -> Body {
    Body::from_conn(Watch {
        body,
        end: Some(Box::new((registry, details))),
    })
}

type End = Box<(Weak<Registry>, Details)>;

struct Watch {
    body: Body,
    end: Option<End>,
}

impl Watch {
    fn report(&mut self, error: Option<&Error>) {
        let Some(end) = self.end.take() else {
            return;
        };
        let (registry, mut details) = *end;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        details.timestamp = Details::now();
        let event = match error {
            None => {
                details.error = Some("net::OK".into());
                Event::Completed
            }
            Some(e) => {
                details.error = Some(e.kind().name().to_string());
                Event::ErrorOccurred
            }
        };
        observe_made(&registry.snapshot(), event, 0, details);
    }
}

impl ConnSource for Watch {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>>> {
        match std::task::ready!(std::pin::Pin::new(&mut self.body).poll_frame(cx)) {
            None => {
                self.report(None);
                Poll::Ready(Ok(None))
            }
            Some(Ok(frame)) => Poll::Ready(Ok(Some(frame.into_data().unwrap_or_default()))),
            Some(Err(e)) => {
                self.report(Some(&e));
                Poll::Ready(Err(e))
            }
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if self.end.is_some() {
            self.report(Some(&Error::new(NetError::Aborted, "the body was dropped")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_remove_and_the_single_listener_goes_first() {
        let wr = WebRequest::default();
        assert!(!wr.registry.is_active(Event::BeforeRequest));
        let a = wr.add_before_request(Filter::all(), |_| async { Answer::proceed() });
        wr.on_before_request(
            Filter::all(),
            Some(listener(|_| async { Answer::cancel() })),
        );
        let lists = wr.registry.snapshot();
        let names: Vec<&str> = lists.events[0].iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names[0], "onBeforeRequest listener");
        assert!(names[1].starts_with("onBeforeRequest listener #0 ("));
        // Setting it again replaces it; None removes it.
        wr.on_before_request(
            Filter::all(),
            Some(listener(|_| async { Answer::proceed() })),
        );
        assert_eq!(wr.listener_count(Event::BeforeRequest), 2);
        wr.on_before_request(Filter::all(), None);
        assert_eq!(wr.listener_count(Event::BeforeRequest), 1);
        drop(a);
        assert_eq!(wr.listener_count(Event::BeforeRequest), 0);
        assert!(!wr.registry.is_active(Event::BeforeRequest));
    }

    #[test]
    fn status_lines_apply() {
        let mut r = HopResponse::new(StatusCode::OK, HeaderMap::new(), Body::empty());
        apply_status_line(&mut r, "HTTP/1.1 404 Not Found");
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.status_text, "Not Found");
        apply_status_line(&mut r, "garbage");
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<WebRequest>();
        check::<ListenerHandle>();
        check::<Details>();
        check::<Answer>();
    }
}
