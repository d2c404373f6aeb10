//! Opening connections: DNS (host rules, host cache) → TCP → proxy tunnel → TLS (SSL config,
//! verify proc) → emulation → the HTTP/1.1 or HTTP/2 handshake (ALPN). Also the mapping of
//! socket and hyper failures to Chromium's error names.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::client::conn::{http1, http2};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::Key;
use super::layers::ProxyCredentials;
use super::limits::Slot;
use super::tap::{HeadTap, Tapped};
use super::tunnel;
use crate::dns::Resolver;
use crate::emulation::{Emulation, Throttled};
use crate::error::{Error, NetError, Result};
use crate::hsts::TransportSecurity;
use crate::net::Limits;
use crate::netlog::{EventType, Logged, NetLog};
use crate::request::RequestBody;
use crate::tls::Tls;

/// Receive window of an HTTP/2 stream (Chromium's `kSpdyStreamMaxRecvWindowSize`).
const H2_STREAM_WINDOW: u32 = 6 * 1024 * 1024;
/// Receive window of an HTTP/2 connection (Chromium's `kSpdySessionMaxRecvWindowSize`).
const H2_CONNECTION_WINDOW: u32 = 15 * 1024 * 1024;

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

pub(crate) struct ConnInfo {
    /// The socket's place in the session's socket limits, freed when the last holder of the
    /// connection (pool, request, body) lets go.
    _slot: Slot,
    pub(crate) token: CancellationToken,
    pub(crate) epoch: u64,
    pub(crate) remote: SocketAddr,
    /// The socket's net log source id (0: not logged).
    pub(crate) log_id: u32,
    /// TLS whose certificate the default verifier trusted (HSTS is noted only over it).
    pub(crate) trusted_tls: bool,
}

pub(crate) struct H1Conn {
    pub(crate) sender: http1::SendRequest<RequestBody>,
    pub(crate) tap: HeadTap,
    pub(crate) info: Arc<ConnInfo>,
}

#[derive(Clone)]
pub(crate) struct H2Conn {
    pub(crate) sender: http2::SendRequest<RequestBody>,
    pub(crate) info: Arc<ConnInfo>,
}

pub(crate) enum Conn {
    H1(H1Conn),
    H2(H2Conn),
}

impl Conn {
    pub(crate) fn info(&self) -> &Arc<ConnInfo> {
        match self {
            Conn::H1(c) => &c.info,
            Conn::H2(c) => &c.info,
        }
    }
}

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

pub(crate) fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
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
pub(crate) fn send_error(
    e: &hyper::Error,
    info: &ConnInfo,
    saw_bytes: bool,
    h2: bool,
    url: &Url,
) -> Error {
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

/// Opens the connections of one session. Connection-level layers (socket limits per host,
/// session or proxy; TLS session resumption) belong here, around or inside [`Dialer::dial`].
pub(crate) struct Dialer {
    pub(crate) resolver: Arc<Resolver>,
    pub(crate) tls: Tls,
    pub(crate) emulation: Arc<Emulation>,
    pub(crate) netlog: NetLog,
    pub(crate) limits: Limits,
    /// The session's HSTS policies: a host with one gets no certificate override.
    pub(crate) hsts: TransportSecurity,
}

impl Dialer {
    /// Opens a connection to `key` (through its proxy, if any) in the socket limits' `slot`
    /// (kept with the connection, freed when it closes). `credentials` give the
    /// `Proxy-Authorization` a `CONNECT` carries and answer the proxy's `407`s (see
    /// `tunnel::open`). An HTTP/1.1 connection's
    /// task is returned for the pool to keep (`close_all` aborts it).
    pub(crate) async fn dial(
        &self,
        key: &Key,
        slot: Slot,
        (epoch, token): (u64, CancellationToken),
        credentials: Option<&mut ProxyCredentials>,
    ) -> Result<(Conn, Option<tokio::task::AbortHandle>)> {
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
            tunnel::open(&mut tcp, proxy, key, &self.resolver, credentials).await?;
        }
        tcp.set_nodelay(true).map_err(|e| {
            Error::new(
                NetError::ConnectionFailed,
                format!("cannot configure the socket to {remote}: {e}"),
            )
        })?;
        let stream = Throttled::new(tcp, self.emulation.clone());
        let (socket, h2, trusted_tls) = if key.https {
            let host = key.host.trim_start_matches('[').trim_end_matches(']');
            let strict = self.hsts.is_strict(host);
            self.netlog.step_begin(log, EventType::SslConnect, None);
            let tls = self.tls.connect(host, stream, strict, key.websocket).await;
            self.netlog
                .step_end(log, EventType::SslConnect, &tls, |(s, _, _)| {
                    Some(crate::tls::connect_params(s.get_ref().1))
                });
            let (tls, h2, trusted) = tls?;
            (Socket::Tls(Box::new(tls)), h2, trusted)
        } else {
            (Socket::Plain(stream), false, false)
        };
        let info = Arc::new(ConnInfo {
            _slot: slot,
            token: token.clone(),
            epoch,
            remote,
            log_id: log.map_or(0, |s| s.id),
            trusted_tls,
        });
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
                // Chromium's receive windows (6 MiB per stream, 15 MiB per connection), fixed.
                // A small window (hyper's adaptive one starts at 64 KiB) shared by hundreds of
                // streams reopens a few bytes at a time, so a server sends DATA frames of a few
                // bytes, and h2's guard against floods of small frames then closes the whole
                // connection (`ENHANCE_YOUR_CALM`) under ordinary load.
                .initial_stream_window_size(H2_STREAM_WINDOW)
                .initial_connection_window_size(H2_CONNECTION_WINDOW)
                .handshake(TokioIo::new(socket))
                .await
                .map_err(handshake_err)?;
            tokio::spawn(async move {
                tokio::select! {
                    _ = conn => {}
                    _ = token.cancelled() => {}
                }
            });
            Ok((Conn::H2(H2Conn { sender, info }), None))
        } else {
            let tap = HeadTap::new(self.limits.max_header_bytes);
            let mut builder = http1::Builder::new();
            // hyper's own read buffer cap (about 400 KiB) stays: a smaller one costs reads on
            // big bodies; the header block limit is enforced on the captured head instead.
            builder.title_case_headers(true);
            // hyper parses up to 100 header lines in a stack array; any other cap costs a heap
            // array of that size for every response.
            if self.limits.max_headers != crate::net::HYPER_DEFAULT_MAX_HEADERS {
                builder.max_headers(self.limits.max_headers);
            }
            let (sender, conn) = builder
                .handshake(TokioIo::new(Tapped::new(socket, tap.clone())))
                .await
                .map_err(handshake_err)?;
            // A WebSocket handshake's connection is handed back upgraded after its `101`.
            let task = if key.websocket {
                tokio::spawn(conn.with_upgrades()).abort_handle()
            } else {
                tokio::spawn(conn).abort_handle()
            };
            Ok((Conn::H1(H1Conn { sender, tap, info }), Some(task)))
        }
    }
}
