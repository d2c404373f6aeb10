//! The connection pool of one session: idle HTTP/1.1 connections per key, one shared HTTP/2
//! connection per key, and the innermost transport layer ([`SendHop`] for `Arc<Pool>`): send
//! one hop on a pooled connection, or on a new one from the [`Dialer`].

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Version, header};
use http_body::{Body as _, SizeHint};
use hyper::body::Incoming;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::Key;
use super::conn::{Conn, ConnInfo, Dialer, H1Conn, H2Conn, io_kind, send_error};
use super::layers::{Attempt, ProxyCredentials, SendHop};
use super::limits::{Grant, Limiter, Slot, SocketLimits, Wait};
use crate::body::{Body, ConnSource};
use crate::error::{Error, NetError, Result};
use crate::request::RequestBody;
use crate::response::{HopResponse, RawHeaders};

struct PoolState {
    epoch: u64,
    token: CancellationToken,
    /// The HTTP/1.1 connection tasks, aborted by `close_all` (cheaper than having every task
    /// poll a cancellation future).
    tasks: Vec<tokio::task::AbortHandle>,
    h1: HashMap<Key, Vec<H1Conn>>,
    h2: HashMap<Key, H2Conn>,
}

/// The connection pool of one session, the [`Dialer`] that fills it and the socket limits
/// ([`Limiter`]) it keeps.
pub(crate) struct Pool {
    state: Mutex<PoolState>,
    pub(crate) dialer: Dialer,
    pub(crate) limiter: Arc<Limiter>,
}

const ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("gzip, deflate, br, zstd");
const ACCEPT_ANY: HeaderValue = HeaderValue::from_static("*/*");

impl Pool {
    pub(crate) fn new(dialer: Dialer) -> Self {
        Pool {
            state: Mutex::new(PoolState {
                epoch: 0,
                token: CancellationToken::new(),
                tasks: Vec::new(),
                h1: HashMap::new(),
                h2: HashMap::new(),
            }),
            dialer,
            limiter: Limiter::new(SocketLimits::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets idle connections; connections in use finish their request and are then closed.
    pub(crate) fn flush_idle(&self) {
        let mut st = self.lock();
        st.epoch += 1;
        st.h1.clear();
        st.h2.clear();
    }

    /// Closes every connection, failing requests in flight with `net::ERR_ABORTED`.
    pub(crate) fn close_all(&self) {
        let mut st = self.lock();
        st.epoch += 1;
        st.h1.clear();
        st.h2.clear();
        let old = std::mem::replace(&mut st.token, CancellationToken::new());
        old.cancel();
        for task in st.tasks.drain(..) {
            task.abort();
        }
    }

    /// Number of idle HTTP/1.1 connections plus HTTP/2 connections in the pool.
    pub(crate) fn pooled_connections(&self) -> usize {
        let st = self.lock();
        st.h1.values().map(Vec::len).sum::<usize>() + st.h2.len()
    }

    fn checkout(&self, key: &Key) -> Option<Conn> {
        let mut st = self.lock();
        if let Some(c) = st.h2.get(key) {
            if !c.sender.is_closed() {
                return Some(Conn::H2(c.clone()));
            }
            st.h2.remove(key);
        }
        let list = st.h1.get_mut(key)?;
        while let Some(c) = list.pop() {
            if !c.sender.is_closed() {
                return Some(Conn::H1(c));
            }
        }
        None
    }

    /// Whether a live connection to `key` waits in the pool (cheaper than a checkout).
    pub(crate) fn has_pooled(&self, key: &Key) -> bool {
        let st = self.lock();
        st.h2.get(key).is_some_and(|c| !c.sender.is_closed())
            || st
                .h1
                .get(key)
                .is_some_and(|l| l.iter().any(|c| !c.sender.is_closed()))
    }

    /// A connection to `key` within the socket limits: a new one when a slot is free, else
    /// after waiting in the queue (see [`super::limits`]) either a new one or an idle one handed
    /// over (then `true`: it is reused). `fresh` refuses pooled connections.
    async fn open(
        self: &Arc<Self>,
        key: &Key,
        fresh: bool,
        mut credentials: Option<&mut ProxyCredentials>,
    ) -> Result<(Conn, bool)> {
        loop {
            let slot = match self.limiter.acquire(key, fresh) {
                Ok(slot) => slot,
                Err(wait) => {
                    let (rx, stalled) = match wait {
                        Wait::Stalled(rx) => (rx, true),
                        Wait::Queued(rx) => (rx, false),
                    };
                    // A fresh request never takes a pooled connection: an idle one of its own
                    // destination would hold a slot it waits for, so it goes.
                    if fresh {
                        self.close_one_idle(key, true);
                    }
                    if stalled {
                        self.close_one_idle(key, false);
                    }
                    // A connection parked while this request queued (see `put_back`).
                    if !fresh && let Some(c) = self.checkout(key) {
                        let mut rx = rx;
                        if let Ok(Grant::Conn(handed)) = rx.try_recv() {
                            self.put_back(key.clone(), handed);
                        }
                        return Ok((c, true));
                    }
                    match rx.await {
                        Ok(Grant::Slot(slot)) => slot,
                        Ok(Grant::Conn(c)) => return Ok((Conn::H1(c), true)),
                        Ok(Grant::Retry) | Err(_) => {
                            if !fresh && let Some(c) = self.checkout(key) {
                                return Ok((c, true));
                            }
                            continue;
                        }
                    }
                }
            };
            let c = Box::pin(self.connect(key, slot, credentials.as_deref_mut())).await?;
            if let Conn::H2(c) = &c {
                // A new HTTP/2 connection is shared by the origin's later requests, and by
                // those waiting for a socket to it.
                {
                    let mut st = self.lock();
                    if st.epoch == c.info.epoch {
                        st.h2.insert(key.clone(), c.clone());
                    }
                }
                self.limiter.h2_ready(key);
            }
            return Ok((c, false));
        }
    }

    /// Closes one idle HTTP/1.1 connection, to `key` when `own`, else to another destination
    /// (to make room under the session's or a proxy's limit).
    fn close_one_idle(&self, key: &Key, own: bool) {
        let victim = {
            let mut st = self.lock();
            st.h1
                .iter_mut()
                .filter(|(k, list)| (*k == key) == own && !list.is_empty())
                .find_map(|(_, list)| list.pop())
        };
        // Dropped outside the lock: its slot goes to the queue.
        drop(victim);
    }

    /// A new connection to `key` (see [`Dialer::dial`]), counted in this pool's epoch so
    /// `close_all` reaches it.
    async fn connect(
        &self,
        key: &Key,
        slot: Slot,
        credentials: Option<&mut ProxyCredentials>,
    ) -> Result<Conn> {
        let (epoch, token) = {
            let st = self.lock();
            (st.epoch, st.token.clone())
        };
        let (conn, task) = self
            .dialer
            .dial(key, slot, (epoch, token.clone()), credentials)
            .await?;
        if let Some(task) = task {
            let mut st = self.lock();
            if token.is_cancelled() {
                task.abort();
            } else {
                st.tasks.retain(|t| !t.is_finished());
                st.tasks.push(task);
            }
        }
        Ok(conn)
    }

    fn put_back(&self, key: Key, conn: H1Conn) {
        if conn.sender.is_closed() || conn.info.token.is_cancelled() {
            return;
        }
        if self.lock().epoch != conn.info.epoch {
            return;
        }
        // A request waiting for a socket to this destination takes it at once.
        let Some(conn) = self.limiter.offer(&key, conn) else {
            return;
        };
        // Requests to other destinations wait for room in the session: close it instead.
        if self.limiter.stalled_elsewhere(&key) {
            return;
        }
        let keep = self.limiter.limits().per_host;
        let mut conn = conn;
        loop {
            {
                let mut st = self.lock();
                if st.epoch != conn.info.epoch {
                    return;
                }
                let list = st.h1.entry(key.clone()).or_default();
                if list.len() >= keep {
                    return;
                }
                list.push(conn);
            }
            // A request that queued between the offer and the parking looks in the pool after
            // queueing, or is seen here: no wake-up is lost either way.
            if !self.limiter.has_waiter(&key) {
                return;
            }
            let Some(idle) = self.lock().h1.get_mut(&key).and_then(Vec::pop) else {
                return;
            };
            match self.limiter.offer(&key, idle) {
                Some(back) => conn = back,
                None => return,
            }
        }
    }

    /// Opens one connection to `key` and adds it to the pool (preconnect).
    /// Returns whether the origin speaks HTTP/2 (one connection is then enough).
    pub(crate) async fn preconnect_one(self: &Arc<Self>, key: &Key) -> Result<bool> {
        match self.open(key, true, None).await? {
            (Conn::H1(c), _) => {
                self.put_back(key.clone(), c);
                Ok(false)
            }
            (Conn::H2(_), _) => Ok(true),
        }
    }

    async fn send_on(
        self: &Arc<Self>,
        conn: Conn,
        key: &Key,
        url: &Url,
        req: Request<RequestBody>,
        held: Option<Arc<Held>>,
    ) -> Result<HopResponse, SendFailure> {
        let info = conn.info().clone();
        match conn {
            Conn::H2(mut c) => {
                if c.sender.ready().await.is_err() {
                    return Err(SendFailure::NotSent(Box::new(req)));
                }
                match c.sender.try_send_request(req).await {
                    Ok(resp) => self
                        .hop(resp, None, info, url, true, None)
                        .map_err(SendFailure::Failed),
                    Err(mut e) => match e.take_message() {
                        Some(req) => Err(SendFailure::NotSent(Box::new(req))),
                        None => Err(SendFailure::Failed(send_error(
                            e.error(),
                            &info,
                            false,
                            true,
                            url,
                        ))),
                    },
                }
            }
            Conn::H1(mut c) => {
                if c.sender.ready().await.is_err() {
                    return Err(SendFailure::NotSent(Box::new(req)));
                }
                match c.sender.try_send_request(req).await {
                    Ok(resp) => {
                        let key = key.clone();
                        self.hop(resp, Some((key, c)), info, url, false, held)
                            .map_err(SendFailure::Failed)
                    }
                    Err(mut e) => match e.take_message() {
                        Some(req) => Err(SendFailure::NotSent(Box::new(req))),
                        None => Err(SendFailure::Failed(send_error(
                            e.error(),
                            &info,
                            c.tap.saw_bytes(),
                            false,
                            url,
                        ))),
                    },
                }
            }
        }
    }

    fn hop(
        self: &Arc<Self>,
        mut resp: http::Response<Incoming>,
        mut h1: Option<(Key, H1Conn)>,
        info: Arc<ConnInfo>,
        url: &Url,
        h2: bool,
        held: Option<Arc<Held>>,
    ) -> Result<HopResponse> {
        let on_upgrade = (resp.status() == http::StatusCode::SWITCHING_PROTOCOLS
            && h1.as_ref().is_some_and(|(k, _)| k.websocket))
        .then(|| hyper::upgrade::on(&mut resp));
        let (parts, incoming) = resp.into_parts();
        let too_big = |what: String| {
            Error::new(
                NetError::ResponseHeadersTooBig,
                format!("the response head of {url} has {what}"),
            )
        };
        let head = match h1.as_ref().map(|(_, c)| c.tap.take()) {
            None => None,
            Some(Ok(head)) => head,
            Some(Err(())) => {
                return Err(too_big(format!(
                    "more than {} bytes",
                    self.dialer.limits.max_header_bytes
                )));
            }
        };
        // A WebSocket handshake's connection never goes back to the pool; after a `101` it is
        // handed over to the caller, nothing of it HTTP any more.
        let mut upgrade = None;
        if h1.as_ref().is_some_and(|(k, _)| k.websocket)
            && let Some((_, conn)) = h1.take()
            && parts.status == http::StatusCode::SWITCHING_PROTOCOLS
        {
            conn.tap.detach();
            let closed = info.token.clone();
            upgrade = on_upgrade.map(|on| crate::response::Upgrade {
                on,
                keep: Box::new(conn),
                closed,
            });
        }
        if parts.headers.len() > self.dialer.limits.max_headers {
            return Err(too_big(format!(
                "more than {} header lines",
                self.dialer.limits.max_headers
            )));
        }
        let status_text = if h2 {
            String::new()
        } else {
            match parts.extensions.get::<hyper::ext::ReasonPhrase>() {
                Some(r) => String::from_utf8_lossy(r.as_bytes()).into_owned(),
                None => parts.status.canonical_reason().unwrap_or("").to_string(),
            }
        };
        let chunked = parts
            .headers
            .get(header::TRANSFER_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let expected = if chunked {
            None
        } else {
            parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let mut body = ConnBody {
            expected: if incoming.is_end_stream() {
                None
            } else {
                expected
            },
            incoming,
            received: 0,
            chunked,
            h2,
            info: info.clone(),
            pool: h1.map(|(k, c)| (self.clone(), k, c)),
            held,
            url: url.as_str().into(),
        };
        if body.incoming.is_end_stream() {
            body.release();
        }
        let mut hop = HopResponse::new(parts.status, parts.headers, Body::from_conn(body));
        hop.version = if h2 { Version::HTTP_2 } else { parts.version };
        hop.status_text = status_text;
        if let Some(head) = head {
            hop.raw_headers = RawHeaders::from_wire(head);
        }
        hop.remote_addr = Some(info.remote);
        hop.trusted_tls = info.trusted_tls;
        hop.upgrade = upgrade;
        Ok(hop)
    }
}

impl SendHop for Arc<Pool> {
    async fn send(&self, att: &mut Attempt<'_>) -> Result<HopResponse> {
        let routes = att.routes;
        let key = &routes[att.route];
        // A connection held for this hop goes first; a fresh send closes it.
        let held = att.held.as_ref().and_then(|h| h.take());
        // A WebSocket handshake has a connection of its own (it is handed back upgraded).
        let fresh = att.fresh || key.websocket;
        let pooled = match held {
            _ if fresh => None,
            Some(c) => Some(Conn::H1(c)),
            None => self.checkout(key),
        };
        att.reused = pooled.is_some();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let (c, reused) =
                    Box::pin(self.open(key, fresh, att.proxy_credentials.as_mut())).await?;
                att.reused = reused;
                c
            }
        };
        let h2 = matches!(conn, Conn::H2(_));
        let absolute = att.absolute_form();
        self.dialer.netlog.bound_to_socket(conn.info().log_id);
        let Some(body) = att.body.take() else {
            return Err(Error::new(
                NetError::Failed,
                format!("request body of {} already sent", att.url),
            ));
        };
        let mut req = build_request(att.url, att.method, att.headers, body, h2 || absolute, h2)?;
        if key.websocket {
            // Chromium's handshake carries no `Accept`.
            req.headers_mut().remove(header::ACCEPT);
        }
        if absolute
            && let Some(value) = att
                .proxy_credentials
                .as_ref()
                .and_then(|c| c.authorization.as_ref())
        {
            req.headers_mut()
                .insert(header::PROXY_AUTHORIZATION, value.clone());
        }
        if let Conn::H1(c) = &conn {
            c.tap.set_spellings(att.header_case.clone());
        }
        self.dialer
            .netlog
            .request_headers(&req, att.url, att.header_case);
        match self
            .send_on(conn, key, att.url, req, att.held.clone())
            .await
        {
            Ok(r) => Ok(r),
            Err(SendFailure::NotSent(req)) => {
                // The body is back: the layers above may send it again.
                att.body = Some(req.into_body());
                Err(Error::new(
                    NetError::ConnectionClosed,
                    format!(
                        "the connection closed before the request to {} went out",
                        att.url
                    ),
                ))
            }
            Err(SendFailure::Failed(e)) => Err(e),
        }
    }
}

/// An HTTP/1.1 connection kept for the next request of one hop instead of going back to the
/// pool when a response's body ends: a proxy's NTLM handshake has every leg on one connection.
/// Once [`Held::finish`]ed, connections go to the pool again.
#[derive(Default)]
pub(crate) struct Held(Mutex<HeldState>);

#[derive(Default)]
enum HeldState {
    /// The next connection released is kept.
    #[default]
    Wanted,
    Holding(Arc<Pool>, Key, H1Conn),
    Finished,
}

impl Held {
    fn lock(&self) -> std::sync::MutexGuard<'_, HeldState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A response's body ended on `conn`: kept while wanted, else back to `pool`.
    fn keep(&self, pool: Arc<Pool>, key: Key, conn: H1Conn) {
        let back = {
            let mut st = self.lock();
            if matches!(*st, HeldState::Finished) {
                Some((pool, key, conn))
            } else if conn.sender.is_closed() {
                None
            } else {
                match std::mem::replace(&mut *st, HeldState::Holding(pool, key, conn)) {
                    HeldState::Holding(p, k, c) => Some((p, k, c)),
                    _ => None,
                }
            }
        };
        if let Some((p, k, c)) = back {
            p.put_back(k, c);
        }
    }

    /// The connection kept, for the hop's next request.
    fn take(&self) -> Option<H1Conn> {
        let mut st = self.lock();
        match std::mem::take(&mut *st) {
            HeldState::Holding(_, _, c) => Some(c),
            other => {
                *st = other;
                None
            }
        }
    }

    /// Whether a connection is kept.
    pub(crate) fn has_conn(&self) -> bool {
        matches!(&*self.lock(), HeldState::Holding(_, _, c) if !c.sender.is_closed())
    }

    /// The hop is done with it: a connection kept goes to the pool, and so do later ones.
    pub(crate) fn finish(&self) {
        let old = std::mem::replace(&mut *self.lock(), HeldState::Finished);
        if let HeldState::Holding(p, k, c) = old {
            p.put_back(k, c);
        }
    }
}

enum SendFailure {
    NotSent(Box<Request<RequestBody>>),
    Failed(Error),
}

fn build_request(
    url: &Url,
    method: &http::Method,
    headers: &HeaderMap,
    body: RequestBody,
    absolute_form: bool,
    h2: bool,
) -> Result<Request<RequestBody>> {
    let target = if absolute_form {
        url.as_str()
    } else {
        &url[url::Position::BeforePath..url::Position::AfterQuery]
    };
    let uri: http::Uri = target.parse().map_err(|e| {
        Error::new(
            NetError::InvalidUrl,
            format!("URL '{url}' is not a valid request target: {e}"),
        )
    })?;
    let mut req = Request::new(body);
    *req.method_mut() = method.clone();
    *req.uri_mut() = uri;
    *req.version_mut() = if h2 {
        Version::HTTP_2
    } else {
        Version::HTTP_11
    };
    let h = req.headers_mut();
    h.reserve(headers.len() + 5);
    if !h2 && !headers.contains_key(header::HOST) {
        let host = &url[url::Position::BeforeHost..url::Position::AfterPort];
        h.insert(
            header::HOST,
            HeaderValue::from_str(host)
                .map_err(|_| Error::new(NetError::InvalidUrl, format!("bad host in '{url}'")))?,
        );
    }
    for (name, value) in headers {
        if h2
            && (name == header::HOST
                || name == header::CONNECTION
                || name == header::TRANSFER_ENCODING)
        {
            continue;
        }
        h.append(name, value.clone());
    }
    if !h.contains_key(header::ACCEPT_ENCODING) {
        h.insert(header::ACCEPT_ENCODING, ACCEPT_ENCODING);
    }
    if !h.contains_key(header::ACCEPT) {
        h.insert(header::ACCEPT, ACCEPT_ANY);
    }
    if let Some(len) = req.body().len()
        && (len > 0 || method_expects_body(method))
        && !req.headers().contains_key(header::CONTENT_LENGTH)
    {
        req.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Ok(req)
}

fn method_expects_body(m: &http::Method) -> bool {
    matches!(
        *m,
        http::Method::POST | http::Method::PUT | http::Method::PATCH
    )
}

/// A body read from a connection; returns an HTTP/1.1 connection to the pool at its end.
struct ConnBody {
    incoming: Incoming,
    expected: Option<u64>,
    received: u64,
    chunked: bool,
    h2: bool,
    info: Arc<ConnInfo>,
    pool: Option<(Arc<Pool>, Key, H1Conn)>,
    /// Where the connection goes instead of the pool while its hop wants it.
    held: Option<Arc<Held>>,
    url: Box<str>,
}

impl ConnBody {
    fn release(&mut self) {
        if let Some((t, k, c)) = self.pool.take() {
            match &self.held {
                Some(held) => held.keep(t, k, c),
                None => t.put_back(k, c),
            }
        }
    }

    fn body_error(&self, e: &hyper::Error) -> Error {
        let url = &self.url;
        if self.info.token.is_cancelled() {
            return Error::new(
                NetError::Aborted,
                format!("the session closed the connection while reading {url}"),
            );
        }
        let kind = if e.is_incomplete_message() || io_kind(e) == Some(io::ErrorKind::UnexpectedEof)
        {
            if self.chunked {
                NetError::IncompleteChunkedEncoding
            } else if self.expected.is_some() {
                NetError::ContentLengthMismatch
            } else {
                NetError::ConnectionClosed
            }
        } else if e.is_parse() {
            NetError::InvalidChunkedEncoding
        } else {
            match io_kind(e) {
                Some(io::ErrorKind::ConnectionReset) | Some(io::ErrorKind::BrokenPipe) => {
                    NetError::ConnectionReset
                }
                Some(_) => NetError::Failed,
                None if self.h2 => NetError::Http2ProtocolError,
                None => NetError::Failed,
            }
        };
        let got = self.received;
        let what = match (kind, self.expected) {
            (NetError::ContentLengthMismatch, Some(n)) => {
                format!("the body of {url} ended after {got} of {n} bytes")
            }
            (NetError::IncompleteChunkedEncoding, _) => {
                format!("the chunked body of {url} ended after {got} bytes")
            }
            _ => format!("reading the body of {url} failed: {e}"),
        };
        Error::new(kind, what)
    }
}

impl ConnSource for ConnBody {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>>> {
        loop {
            match ready!(Pin::new(&mut self.incoming).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if data.is_empty() {
                            continue;
                        }
                        self.received += data.len() as u64;
                        return Poll::Ready(Ok(Some(data)));
                    }
                }
                Some(Err(e)) => {
                    self.pool = None;
                    return Poll::Ready(Err(self.body_error(&e)));
                }
                None => {
                    if let Some(n) = self.expected
                        && self.received < n
                    {
                        self.pool = None;
                        return Poll::Ready(Err(Error::new(
                            NetError::ContentLengthMismatch,
                            format!(
                                "the body of {} ended after {} of {n} bytes",
                                self.url, self.received
                            ),
                        )));
                    }
                    self.release();
                    return Poll::Ready(Ok(None));
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
