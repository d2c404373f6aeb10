//! Stage 6: the transport. DNS (host rules, host cache) → TCP → TLS (SSL config, verify proc)
//! → emulation → a pooled HTTP/1.1 or HTTP/2 connection (ALPN), one pool per session.

mod tap;
mod tunnel;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Version, header};
use http_body::{Body as _, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::Limits;
use crate::body::Body;
use crate::dns::Resolver;
use crate::emulation::{Emulation, Throttled};
use crate::error::{Error, NetError, Result};
use crate::netlog::{EventType, Logged, NetLog};
use crate::request::RequestBody;
use crate::response::{HopResponse, RawHeaders};
use crate::tls::Tls;
pub(crate) use tap::parse_head_pairs;
use tap::{HeadTap, Tapped};

/// A socket, plain or TLS.
enum Socket {
    Plain(Throttled<TcpStream>),
    Tls(Box<TlsStream<Throttled<TcpStream>>>),
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Socket::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Plain(s) => Pin::new(s).poll_write(cx, data),
            Socket::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Socket::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Socket::Plain(s) => s.is_write_vectored(),
            Socket::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Plain(s) => Pin::new(s).poll_flush(cx),
            Socket::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Spawns hyper's HTTP/2 tasks so that closing the session's connections stops them.
#[derive(Clone)]
struct CancelExec(CancellationToken);

impl<F> hyper::rt::Executor<F> for CancelExec
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        let token = self.0.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = fut => {}
                _ = token.cancelled() => {}
            }
        });
    }
}

/// Where a pooled connection goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    https: bool,
    host: String,
    port: u16,
    /// The proxy the connection goes through (`None`: direct).
    proxy: Option<crate::proxy::ProxyServer>,
}

impl Key {
    pub(crate) fn from_url(url: &Url) -> Result<Key> {
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            s => {
                return Err(Error::new(
                    NetError::UnknownUrlScheme,
                    format!("no transport for scheme '{s}:' of {url}"),
                ));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::new(NetError::InvalidUrl, format!("URL '{url}' has no host")))?;
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        Ok(Key {
            https,
            host: host.to_string(),
            port,
            proxy: None,
        })
    }
}

struct ConnInfo {
    token: CancellationToken,
    epoch: u64,
    remote: SocketAddr,
    /// The socket's net log source id (0: not logged).
    log_id: u32,
}

struct H1Conn {
    sender: http1::SendRequest<RequestBody>,
    tap: HeadTap,
    info: Arc<ConnInfo>,
}

#[derive(Clone)]
struct H2Conn {
    sender: http2::SendRequest<RequestBody>,
    info: Arc<ConnInfo>,
}

enum Conn {
    H1(H1Conn),
    H2(H2Conn),
}

impl Conn {
    fn info(&self) -> &Arc<ConnInfo> {
        match self {
            Conn::H1(c) => &c.info,
            Conn::H2(c) => &c.info,
        }
    }
}

struct PoolState {
    epoch: u64,
    token: CancellationToken,
    /// The HTTP/1.1 connection tasks, aborted by `close_all` (cheaper than having every task
    /// poll a cancellation future).
    tasks: Vec<tokio::task::AbortHandle>,
    h1: HashMap<Key, Vec<H1Conn>>,
    h2: HashMap<Key, H2Conn>,
}

/// The connection pool of one session (and everything needed to open connections).
pub(crate) struct Transport {
    state: Mutex<PoolState>,
    pub(crate) resolver: Resolver,
    pub(crate) tls: Tls,
    pub(crate) emulation: Arc<Emulation>,
    pub(crate) proxy_auth: crate::proxy::auth::ProxyAuth,
    pub(crate) netlog: NetLog,
    limits: Limits,
}

/// Most idle HTTP/1.1 connections kept per host (Chromium's per-group socket limit).
const MAX_IDLE_PER_HOST: usize = 6;

fn connect_error(addr: SocketAddr, host: &str, e: &io::Error) -> Error {
    let kind = match e.kind() {
        io::ErrorKind::ConnectionRefused => NetError::ConnectionRefused,
        io::ErrorKind::TimedOut => NetError::ConnectionTimedOut,
        io::ErrorKind::ConnectionReset => NetError::ConnectionReset,
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            NetError::AddressUnreachable
        }
        io::ErrorKind::AddrNotAvailable => NetError::AddressUnreachable,
        _ => NetError::ConnectionFailed,
    };
    Error::new(kind, format!("cannot connect to '{host}' at {addr}: {e}"))
}

fn find<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

/// Chromium's name for an HTTP/2 failure. While waiting for the response head, a stream h2
/// reset itself is its answer to a header block over `SETTINGS_MAX_HEADER_LIST_SIZE` (or a
/// malformed one, which h2 does not tell apart).
fn h2_kind(e: &h2::Error, head: bool) -> NetError {
    if head
        && e.is_library()
        && matches!(
            e.reason(),
            Some(h2::Reason::REFUSED_STREAM) | Some(h2::Reason::PROTOCOL_ERROR)
        )
    {
        NetError::ResponseHeadersTooBig
    } else if e.is_io() {
        NetError::ConnectionReset
    } else {
        NetError::Http2ProtocolError
    }
}

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

/// Maps a hyper failure of sending a request / receiving a head.
fn send_error(e: &hyper::Error, info: &ConnInfo, saw_bytes: bool, h2: bool, url: &Url) -> Error {
    if info.token.is_cancelled() {
        return Error::new(
            NetError::Aborted,
            format!("the session closed the connection of {url}"),
        );
    }
    let kind = if let Some(h2e) = find::<h2::Error>(e) {
        h2_kind(h2e, true)
    } else if e.is_parse_too_large() {
        NetError::ResponseHeadersTooBig
    } else if e.is_parse() {
        NetError::InvalidHttpResponse
    } else if e.is_incomplete_message() {
        if saw_bytes {
            NetError::InvalidHttpResponse
        } else {
            NetError::EmptyResponse
        }
    } else {
        match io_kind(e) {
            Some(io::ErrorKind::ConnectionReset) | Some(io::ErrorKind::BrokenPipe) => {
                NetError::ConnectionReset
            }
            Some(io::ErrorKind::ConnectionAborted) => NetError::ConnectionAborted,
            Some(io::ErrorKind::UnexpectedEof) => NetError::EmptyResponse,
            Some(_) => NetError::ConnectionFailed,
            None if h2 => NetError::Http2ProtocolError,
            None if e.is_canceled() || e.is_closed() => NetError::ConnectionClosed,
            None => NetError::Failed,
        }
    };
    let what = match kind {
        NetError::ResponseHeadersTooBig => {
            "the response header block is over the limit".to_string()
        }
        NetError::EmptyResponse => {
            "the server closed the connection without sending a response".to_string()
        }
        _ => e.to_string(),
    };
    Error::new(kind, format!("{what} ({url})"))
}

/// Request headers every request gets unless the caller set them.
pub(crate) struct DefaultHeaders {
    pub(crate) user_agent: HeaderValue,
    pub(crate) accept_language: Option<HeaderValue>,
}

const ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("gzip, deflate, br, zstd");
const ACCEPT_ANY: HeaderValue = HeaderValue::from_static("*/*");

impl Transport {
    pub(crate) fn new(tls: Tls, limits: Limits) -> Self {
        Transport {
            state: Mutex::new(PoolState {
                epoch: 0,
                token: CancellationToken::new(),
                tasks: Vec::new(),
                h1: HashMap::new(),
                h2: HashMap::new(),
            }),
            resolver: Resolver::default(),
            tls,
            emulation: Arc::new(Emulation::default()),
            proxy_auth: Default::default(),
            netlog: NetLog::default(),
            limits,
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

    fn put_back(&self, key: Key, conn: H1Conn) {
        if conn.sender.is_closed() || conn.info.token.is_cancelled() {
            return;
        }
        let mut st = self.lock();
        if st.epoch != conn.info.epoch {
            return;
        }
        let list = st.h1.entry(key).or_default();
        if list.len() < MAX_IDLE_PER_HOST {
            list.push(conn);
        }
    }

    /// Opens one connection to `key` and adds it to the pool (preconnect).
    /// Returns whether the origin speaks HTTP/2 (one connection is then enough).
    pub(crate) async fn preconnect_one(self: &Arc<Self>, key: &Key) -> Result<bool> {
        match self.connect(key).await? {
            Conn::H1(c) => {
                self.put_back(key.clone(), c);
                Ok(false)
            }
            Conn::H2(c) => {
                let mut st = self.lock();
                if st.epoch == c.info.epoch {
                    st.h2.insert(key.clone(), c);
                }
                Ok(true)
            }
        }
    }

    async fn connect(&self, key: &Key) -> Result<Conn> {
        let (epoch, token) = {
            let st = self.lock();
            (st.epoch, st.token.clone())
        };
        // Through a proxy the TCP connection goes to the proxy; the origin's name is not
        // resolved here (except for SOCKS4, which needs an address).
        let (connect_host, connect_port) = match &key.proxy {
            Some(p) => (p.host.as_str(), p.port),
            None => (key.host.as_str(), key.port),
        };
        let log = self.netlog.socket_source(connect_host, connect_port);
        let target = self.resolver.target(connect_host, connect_port).await;
        let log = log.as_ref();
        self.netlog
            .resolved(log, target.as_ref().map(|t| &t.addrs[..]));
        let target = target?;
        let mut last = None;
        let mut tcp = None;
        self.netlog.step_begin(log, EventType::TcpConnect, None);
        for ip in target.addrs.iter() {
            let addr = SocketAddr::new(*ip, target.port);
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    tcp = Some((s, addr));
                    break;
                }
                Err(e) => last = Some(connect_error(addr, connect_host, &e)),
            }
        }
        let tcp = tcp.ok_or_else(|| {
            last.unwrap_or_else(|| {
                Error::new(
                    NetError::NameNotResolved,
                    format!("no address for '{connect_host}'"),
                )
            })
        });
        self.netlog
            .step_end(log, EventType::TcpConnect, &tcp, |(_, addr)| {
                Some(serde_json::json!({"remote_address": addr.to_string()}))
            });
        let (mut tcp, remote) = tcp?;
        if let Some(proxy) = &key.proxy {
            tunnel::open(&mut tcp, proxy, key, &self.resolver, &self.proxy_auth).await?;
        }
        tcp.set_nodelay(true).map_err(|e| {
            Error::new(
                NetError::ConnectionFailed,
                format!("cannot configure the socket to {remote}: {e}"),
            )
        })?;
        let stream = Throttled::new(tcp, self.emulation.clone());
        let info = Arc::new(ConnInfo {
            token: token.clone(),
            epoch,
            remote,
            log_id: log.map_or(0, |s| s.id),
        });
        let (socket, h2) = if key.https {
            let host = key.host.trim_start_matches('[').trim_end_matches(']');
            self.netlog.step_begin(log, EventType::SslConnect, None);
            let tls = self.tls.connect(host, stream).await;
            self.netlog
                .step_end(log, EventType::SslConnect, &tls, |_| None);
            let (tls, h2) = tls?;
            (Socket::Tls(Box::new(tls)), h2)
        } else {
            (Socket::Plain(stream), false)
        };
        let socket = Logged::new(socket, self.netlog.clone(), log.copied(), key.https);
        let handshake_err = |e: hyper::Error| {
            Error::new(
                NetError::ConnectionFailed,
                format!("HTTP handshake with '{}' failed: {e}", key.host),
            )
        };
        if h2 {
            let (sender, conn) = http2::Builder::new(CancelExec(token.clone()))
                .max_header_list_size(self.limits.max_header_bytes as u32)
                .adaptive_window(true)
                .handshake(TokioIo::new(socket))
                .await
                .map_err(handshake_err)?;
            tokio::spawn(async move {
                tokio::select! {
                    _ = conn => {}
                    _ = token.cancelled() => {}
                }
            });
            Ok(Conn::H2(H2Conn { sender, info }))
        } else {
            let tap = HeadTap::new(self.limits.max_header_bytes);
            let mut builder = http1::Builder::new();
            // hyper's own read buffer cap (about 400 KiB) stays: a smaller one costs reads on
            // big bodies; the header block limit is enforced on the captured head instead.
            builder.title_case_headers(true);
            // hyper parses up to 100 header lines in a stack array; any other cap costs a heap
            // array of that size for every response.
            if self.limits.max_headers != crate::HYPER_DEFAULT_MAX_HEADERS {
                builder.max_headers(self.limits.max_headers);
            }
            let (sender, conn) = builder
                .handshake(TokioIo::new(Tapped::new(socket, tap.clone())))
                .await
                .map_err(handshake_err)?;
            let task = tokio::spawn(conn).abort_handle();
            let mut st = self.lock();
            if token.is_cancelled() {
                task.abort();
            } else {
                st.tasks.retain(|t| !t.is_finished());
                st.tasks.push(task);
            }
            drop(st);
            Ok(Conn::H1(H1Conn { sender, tap, info }))
        }
    }

    /// Sends one hop over a pooled (or new) connection. `replay` is a copy of the body when it
    /// can be sent again (a retry on a fresh connection after a stale pooled one failed).
    pub(crate) async fn send(
        self: &Arc<Self>,
        url: &Url,
        method: &http::Method,
        headers: &HeaderMap,
        defaults: &DefaultHeaders,
        body: RequestBody,
        proxies: &[Option<crate::proxy::ProxyServer>],
    ) -> Result<HopResponse> {
        let direct = Key::from_url(url)?;
        let keys: Vec<Key> = if proxies.is_empty() {
            vec![direct]
        } else {
            proxies
                .iter()
                .map(|p| Key {
                    proxy: p.clone(),
                    ..direct.clone()
                })
                .collect()
        };
        let mut replay = body.try_clone();
        let mut body = Some(body);
        let mut fresh_only = false;
        let mut auth_tried = false;
        loop {
            let pooled = (!fresh_only)
                .then(|| keys.iter().find_map(|k| self.checkout(k).map(|c| (c, k))))
                .flatten();
            let (conn, reused, key) = match pooled {
                Some((c, k)) => (c, true, k),
                None => {
                    let (c, k) = Box::pin(self.connect_any(&keys, url)).await?;
                    (c, false, k)
                }
            };
            let absolute = !key.https
                && key
                    .proxy
                    .as_ref()
                    .is_some_and(|p| p.scheme == crate::proxy::ProxyScheme::Http);
            let h2 = matches!(conn, Conn::H2(_));
            if let Conn::H2(c) = &conn
                && !reused
            {
                // A new HTTP/2 connection is shared by the origin's later requests.
                let mut st = self.lock();
                if st.epoch == c.info.epoch {
                    st.h2.insert(key.clone(), c.clone());
                }
            }
            self.netlog.bound_to_socket(conn.info().log_id);
            let Some(b) = body.take() else {
                return Err(Error::new(
                    NetError::Failed,
                    format!("request body of {url} already sent"),
                ));
            };
            let mut req = build_request(url, method, headers, defaults, b, h2 || absolute, h2)?;
            let proxy = key.proxy.as_ref().filter(|_| absolute);
            if let Some(value) = proxy.and_then(|p| self.proxy_auth.header(p)) {
                req.headers_mut().insert(header::PROXY_AUTHORIZATION, value);
            }
            self.netlog.request_headers(&req, url);
            match self.send_on(conn, key, url, req).await {
                Ok(r)
                    if r.status == http::StatusCode::PROXY_AUTHENTICATION_REQUIRED
                        && !auth_tried
                        && replay.is_some() =>
                {
                    auth_tried = true;
                    let challenge = r
                        .headers
                        .get(header::PROXY_AUTHENTICATE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    match proxy {
                        Some(p) if self.proxy_auth.answer(p, &challenge, url.as_str()).await => {
                            body = replay.take();
                            replay = body.as_ref().and_then(|b| b.try_clone());
                            fresh_only = true;
                        }
                        _ => return Ok(r),
                    }
                }
                Ok(r) => return Ok(r),
                Err(SendFailure::NotSent(req)) => {
                    body = Some(req.into_body());
                    fresh_only = true;
                }
                Err(SendFailure::Failed(e)) => {
                    let retryable = reused
                        && matches!(
                            e.kind(),
                            NetError::EmptyResponse
                                | NetError::ConnectionReset
                                | NetError::ConnectionClosed
                        );
                    match replay.take() {
                        Some(r) if retryable => {
                            body = Some(r);
                            fresh_only = true;
                        }
                        _ => return Err(e),
                    }
                }
            }
        }
    }

    /// Connects by the first key that works: proxies in fail-over order, then the next.
    async fn connect_any<'k>(&self, keys: &'k [Key], url: &Url) -> Result<(Conn, &'k Key)> {
        let mut last = None;
        for (i, key) in keys.iter().enumerate() {
            let mut result = self.connect(key).await;
            // A tunnel refused with 407: ask the login handler once, then try again.
            if let (Err(e), Some(p)) = (&result, &key.proxy)
                && e.kind() == NetError::ProxyAuthRequested
                && let Some(challenge) = self.proxy_auth.take_challenge(p)
                && self.proxy_auth.answer(p, &challenge, url.as_str()).await
            {
                result = self.connect(key).await;
            }
            match result {
                Ok(c) => return Ok((c, key)),
                Err(e) => match &key.proxy {
                    Some(p) if i + 1 < keys.len() => {
                        tracing::debug!("proxy {} failed, trying the next: {e}", p.to_pac());
                        last = Some(e);
                    }
                    Some(p)
                        if !matches!(
                            e.kind(),
                            NetError::TunnelConnectionFailed | NetError::ProxyAuthRequested
                        ) =>
                    {
                        return Err(Error::new(
                            NetError::ProxyConnectionFailed,
                            format!("proxy {} could not be reached: {e}", p.to_pac()),
                        ));
                    }
                    _ => return Err(e),
                },
            }
        }
        Err(last.unwrap_or_else(|| Error::new(NetError::Failed, "no route to try")))
    }

    async fn send_on(
        self: &Arc<Self>,
        conn: Conn,
        key: &Key,
        url: &Url,
        req: Request<RequestBody>,
    ) -> Result<HopResponse, SendFailure> {
        let info = conn.info().clone();
        match conn {
            Conn::H2(mut c) => {
                if c.sender.ready().await.is_err() {
                    return Err(SendFailure::NotSent(Box::new(req)));
                }
                match c.sender.try_send_request(req).await {
                    Ok(resp) => self
                        .hop(resp, None, info, url, true)
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
                        self.hop(resp, Some((key, c)), info, url, false)
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
        resp: http::Response<Incoming>,
        h1: Option<(Key, H1Conn)>,
        info: Arc<ConnInfo>,
        url: &Url,
        h2: bool,
    ) -> Result<HopResponse> {
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
                    self.limits.max_header_bytes
                )));
            }
        };
        if parts.headers.len() > self.limits.max_headers {
            return Err(too_big(format!(
                "more than {} header lines",
                self.limits.max_headers
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
        Ok(hop)
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
    defaults: &DefaultHeaders,
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
    if !h.contains_key(header::USER_AGENT) {
        h.insert(header::USER_AGENT, defaults.user_agent.clone());
    }
    if let Some(al) = &defaults.accept_language
        && !h.contains_key(header::ACCEPT_LANGUAGE)
    {
        h.insert(header::ACCEPT_LANGUAGE, al.clone());
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
pub(crate) struct ConnBody {
    incoming: Incoming,
    expected: Option<u64>,
    received: u64,
    chunked: bool,
    h2: bool,
    info: Arc<ConnInfo>,
    pool: Option<(Arc<Transport>, Key, H1Conn)>,
    url: Box<str>,
}

impl ConnBody {
    fn release(&mut self) {
        if let Some((t, k, c)) = self.pool.take() {
            t.put_back(k, c);
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

    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>>> {
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

    pub(crate) fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
