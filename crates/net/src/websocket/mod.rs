//! WebSockets through the session's pipeline (RFC 6455).
//!
//! [`Net::websocket`] opens a connection the way Chromium's `WebSocket` does: the opening
//! handshake is a request of resource type `webSocket` that goes through every stage of the
//! session (protocol handlers do not apply; no HTTP cache):
//!
//! - the HSTS stage upgrades `ws:` to `wss:` for a host with a policy (an internal `307`);
//! - declarativeNetRequest rules and webRequest listeners see it (`ws://` URL, `webSocket`
//!   type) and may cancel it, redirect it to another WebSocket URL or edit its headers;
//!   `onCompleted` reports `error: "net::ERR_WS_UPGRADE"` for an upgraded connection, as
//!   Chromium does;
//! - cookies go with it and its `Set-Cookie` lines are stored (unless
//!   [`WebSocketBuilder::credentials`] says `Omit`; SameSite judged against
//!   [`WebSocketBuilder::site_for_cookies`]);
//! - a `401` is answered by the login handler or the auth cache, on a new connection;
//! - proxies: through an HTTP proxy a WebSocket of either scheme goes in a `CONNECT` tunnel
//!   (as Chromium's), SOCKS as any request; TLS policy and certificate checks as any `https:`
//!   request, with ALPN `http/1.1` only;
//! - the net log records the handshake as a request.
//!
//! A server redirect is not followed; any answer but a right `101` fails with
//! `net::ERR_INVALID_RESPONSE` and Chromium's message (`Error during WebSocket handshake:
//! Unexpected response code: 200`, `Incorrect 'Sec-WebSocket-Accept' header value`, a
//! subprotocol not offered, an extension: none is offered, permessage-deflate is not
//! implemented).
//!
//! After the handshake, frames are RFC 6455's (client masking, fragmented messages
//! reassembled, pings answered, the close handshake, text checked as UTF-8, a
//! [`WebSocketConfig::max_message_size`]): [`WebSocket`] has async methods and is also a
//! `Stream` of [`Message`]s and a `Sink` of them.
//!
//! ```no_run
//! # async fn run() -> Result<(), session_net::Error> {
//! use session_net::websocket::Message;
//!
//! let net = session_net::Net::new(session_net::NetConfig::default())?;
//! let mut ws = net
//!     .websocket("wss://echo.example/chat")
//!     .protocol("chat")
//!     .header("x-client", "demo")
//!     .connect()
//!     .await?;
//! assert_eq!(ws.protocol(), Some("chat"));
//! ws.send_text("hello").await?;
//! if let Some(Message::Text(reply)) = ws.recv().await.transpose()? {
//!     println!("{reply}");
//! }
//! ws.close(1000, "done").await?;
//! # Ok(()) }
//! ```
//!
//! (The crate's integration tests run the same against the loopback test site.)

mod handshake;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite;
use url::Url;

use crate::error::{Error, NetError, Result};
use crate::net::Net;
use crate::request::{CredentialsMode, FetchOptions, RequestBody, ResourceType};
pub(crate) use handshake::Handshake;

/// Limits of one connection.
///
/// Example: see [`WebSocket`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebSocketConfig {
    /// The largest message received, after reassembling its fragments (default 64 MiB). A
    /// larger one fails the connection with `net::ERR_MSG_TOO_BIG`.
    pub max_message_size: usize,
    /// The largest single frame received (default 16 MiB).
    pub max_frame_size: usize,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        WebSocketConfig {
            max_message_size: 64 << 20,
            max_frame_size: 16 << 20,
        }
    }
}

impl WebSocketConfig {
    fn tungstenite(self) -> tungstenite::protocol::WebSocketConfig {
        tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(self.max_message_size))
            .max_frame_size(Some(self.max_frame_size.min(self.max_message_size)))
    }
}

/// A close frame's status code and reason (RFC 6455 §7.4).
///
/// Example: see [`WebSocket`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code (1000 normal closure, 1001 going away, 4000-4999 for applications).
    pub code: u16,
    /// The reason, at most 123 bytes of UTF-8.
    pub reason: String,
}

/// A WebSocket message.
///
/// Example: see [`WebSocket`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// A ping (at most 125 bytes). Received pings are answered with a pong by the connection.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// The peer's close frame (or ours, when sent): no message follows it.
    Close(Option<CloseFrame>),
}

impl Message {
    fn into_tungstenite(self) -> Result<tungstenite::Message> {
        Ok(match self {
            Message::Text(s) => tungstenite::Message::Text(s.into()),
            Message::Binary(b) => tungstenite::Message::Binary(b),
            Message::Ping(b) => tungstenite::Message::Ping(control_payload("ping", b)?),
            Message::Pong(b) => tungstenite::Message::Pong(control_payload("pong", b)?),
            Message::Close(frame) => {
                tungstenite::Message::Close(frame.map(close_frame).transpose()?)
            }
        })
    }

    fn from_tungstenite(m: tungstenite::Message) -> Option<Message> {
        Some(match m {
            tungstenite::Message::Text(s) => Message::Text(s.as_str().to_owned()),
            tungstenite::Message::Binary(b) => Message::Binary(b),
            tungstenite::Message::Ping(b) => Message::Ping(b),
            tungstenite::Message::Pong(b) => Message::Pong(b),
            tungstenite::Message::Close(f) => Message::Close(f.map(|f| CloseFrame {
                code: u16::from(f.code),
                reason: f.reason.as_str().to_owned(),
            })),
            // Raw frames are never read.
            tungstenite::Message::Frame(_) => return None,
        })
    }
}

fn control_payload(what: &str, b: Bytes) -> Result<Bytes> {
    if b.len() > 125 {
        return Err(Error::new(
            NetError::InvalidArgument,
            format!(
                "a {what} payload is at most 125 bytes, not {} (RFC 6455 §5.5)",
                b.len()
            ),
        ));
    }
    Ok(b)
}

/// Checks a close code and reason an application may send (RFC 6455 §7.4, as the WebSocket
/// API's `close()`: 1000 or 3000-4999, a reason of at most 123 bytes).
fn close_frame(f: CloseFrame) -> Result<tungstenite::protocol::CloseFrame> {
    if f.code != 1000 && !(3000..=4999).contains(&f.code) {
        return Err(Error::new(
            NetError::InvalidArgument,
            format!(
                "the close code must be either 1000, or between 3000 and 4999; {} is neither",
                f.code
            ),
        ));
    }
    if f.reason.len() > 123 {
        return Err(Error::new(
            NetError::InvalidArgument,
            format!(
                "the close reason must not be greater than 123 UTF-8 bytes; it is {}",
                f.reason.len()
            ),
        ));
    }
    Ok(tungstenite::protocol::CloseFrame {
        code: f.code.into(),
        reason: f.reason.into(),
    })
}

/// Chromium's name for a failure of an open connection.
fn frame_error(url: &Url, e: tungstenite::Error) -> Error {
    use tungstenite::Error as E;
    let (kind, what) = match &e {
        E::Capacity(tungstenite::error::CapacityError::MessageTooLong { size, max_size }) => (
            NetError::MsgTooBig,
            format!("a message of {size} bytes is over the limit of {max_size} bytes"),
        ),
        E::Capacity(c) => (NetError::MsgTooBig, c.to_string()),
        E::Utf8(_) => (
            NetError::WsProtocolError,
            "a text message is not valid UTF-8".to_string(),
        ),
        E::Protocol(tungstenite::error::ProtocolError::ResetWithoutClosingHandshake) => (
            NetError::ConnectionClosed,
            "the server closed the connection without a closing handshake".to_string(),
        ),
        E::Protocol(p) => (NetError::WsProtocolError, p.to_string()),
        E::Io(io) => (
            match io.kind() {
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe => {
                    NetError::ConnectionReset
                }
                std::io::ErrorKind::UnexpectedEof => NetError::ConnectionClosed,
                std::io::ErrorKind::ConnectionAborted => NetError::Aborted,
                _ => NetError::ConnectionFailed,
            },
            io.to_string(),
        ),
        E::ConnectionClosed | E::AlreadyClosed => (
            NetError::ConnectionClosed,
            "the connection is closed".to_string(),
        ),
        other => (NetError::Failed, other.to_string()),
    };
    Error::with_source(kind, format!("WebSocket {url}: {what}"), e)
}

/// Opens a WebSocket: [`Net::websocket`] (or the session's `websocket`) makes one, its
/// methods add headers, subprotocols and an origin, [`WebSocketBuilder::connect`] opens it.
/// A mistake while building (a bad header) is returned by `connect`.
///
/// Example: see [`WebSocket`].
#[must_use = "a WebSocketBuilder does nothing until connect() is awaited"]
pub struct WebSocketBuilder {
    net: Net,
    url: String,
    headers: HeaderMap,
    header_case: Vec<String>,
    protocols: Vec<String>,
    origin: Option<Url>,
    site_for_cookies: Option<Url>,
    credentials: CredentialsMode,
    config: WebSocketConfig,
    error: Option<Error>,
}

impl std::fmt::Debug for WebSocketBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketBuilder")
            .field("url", &self.url)
            .field("protocols", &self.protocols)
            .finish_non_exhaustive()
    }
}

impl Net {
    /// A WebSocket to `url` (`ws:`, `wss:`; `http:` and `https:` stand for them, as in the
    /// WebSocket API) through this session's pipeline: see [`crate::websocket`].
    ///
    /// Example: see [`WebSocket`].
    pub fn websocket(&self, url: &str) -> WebSocketBuilder {
        WebSocketBuilder {
            net: self.clone(),
            url: url.to_string(),
            headers: HeaderMap::new(),
            header_case: Vec::new(),
            protocols: Vec::new(),
            origin: None,
            site_for_cookies: None,
            credentials: CredentialsMode::Include,
            config: WebSocketConfig::default(),
            error: None,
        }
    }
}

impl WebSocketBuilder {
    /// Adds a request header to the handshake (sent as spelled on the wire). The handshake's
    /// own headers (`Upgrade`, `Connection`, `Sec-WebSocket-*`) cannot be replaced here; a
    /// webRequest listener sees and may edit them all.
    ///
    /// Example: see [`WebSocket`].
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
                self.header_case.push(name.to_string());
            }
            _ => {
                self.error.get_or_insert_with(|| {
                    Error::new(
                        NetError::InvalidArgument,
                        format!("'{name}: {value}' is not a valid header"),
                    )
                });
            }
        }
        self
    }

    /// Offers a subprotocol (`Sec-WebSocket-Protocol`); call again to offer several, in order
    /// of preference. Each must be an HTTP token, offered once.
    ///
    /// Example: see [`WebSocket`].
    pub fn protocol(mut self, protocol: &str) -> Self {
        self.protocols.push(protocol.to_string());
        self
    }

    /// The `Origin` header of the handshake (a page's origin); none by default, as a request
    /// of the embedder itself.
    ///
    /// Example: see [`WebSocket`].
    pub fn origin(mut self, origin: &str) -> Self {
        match Url::parse(origin) {
            Ok(u) => self.origin = Some(u),
            Err(e) => {
                self.error.get_or_insert_with(|| {
                    Error::new(
                        NetError::InvalidArgument,
                        format!("origin '{origin}' is not a valid URL: {e}"),
                    )
                });
            }
        }
        self
    }

    /// The URL whose site is the site for cookies (the page's); by default the WebSocket's
    /// own URL, so `SameSite` cookies of its site go with it.
    ///
    /// Example: see [`WebSocket`].
    pub fn site_for_cookies(mut self, url: Url) -> Self {
        self.site_for_cookies = Some(url);
        self
    }

    /// Whether the session's cookies go with the handshake and its `Set-Cookie` lines are
    /// stored, and whether the login handler answers a `401`: `Include` (the default, as a
    /// page's WebSocket in the session) or `Omit` (as Electron's `net.WebSocket` without
    /// `useSessionCookies`). `SameOrigin` compares [`WebSocketBuilder::origin`] with the
    /// WebSocket's URL.
    ///
    /// Example: see [`WebSocket`].
    pub fn credentials(mut self, mode: CredentialsMode) -> Self {
        self.credentials = mode;
        self
    }

    /// The connection's limits.
    ///
    /// Example: see [`WebSocket`].
    pub fn config(mut self, config: WebSocketConfig) -> Self {
        self.config = config;
        self
    }

    /// The largest message received ([`WebSocketConfig::max_message_size`]).
    ///
    /// Example: see [`WebSocket`].
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.config.max_message_size = bytes;
        self
    }

    fn url(&self) -> Result<Url> {
        let mut url = Url::parse(&self.url).map_err(|e| {
            Error::new(
                NetError::InvalidUrl,
                format!("'{}' is not a valid WebSocket URL: {e}", self.url),
            )
        })?;
        let scheme = match url.scheme() {
            "ws" | "http" => "ws",
            "wss" | "https" => "wss",
            other => {
                return Err(Error::new(
                    NetError::DisallowedUrlScheme,
                    format!(
                        "the URL's scheme must be either 'http', 'https', 'ws', or 'wss'; '{other}' is not allowed ({})",
                        self.url
                    ),
                ));
            }
        };
        if let Some(f) = url.fragment() {
            return Err(Error::new(
                NetError::InvalidUrl,
                format!(
                    "the URL {} contains a fragment identifier ('{f}'); fragment identifiers are not allowed in WebSocket URLs",
                    self.url
                ),
            ));
        }
        if url.scheme() != scheme {
            let text = format!("{scheme}{}", &url.as_str()[url.scheme().len()..]);
            url = Url::parse(&text).map_err(|e| {
                Error::new(
                    NetError::InvalidUrl,
                    format!("'{text}' is not a valid URL: {e}"),
                )
            })?;
        }
        Ok(url)
    }

    /// Runs the opening handshake through the pipeline and returns the open connection.
    /// Fails with the pipeline's errors (`net::ERR_BLOCKED_BY_CLIENT`,
    /// `net::ERR_CONNECTION_REFUSED`, a certificate error ...) or, for a wrong answer,
    /// `net::ERR_INVALID_RESPONSE` naming what was wrong. Dropping the future abandons the
    /// handshake and closes its connection.
    ///
    /// Example: see [`WebSocket`].
    pub async fn connect(self) -> Result<WebSocket> {
        if let Some(e) = self.error {
            return Err(e);
        }
        handshake::check_protocols(&self.protocols)?;
        let url = self.url()?;
        let handshake = Arc::new(Handshake::new(self.protocols)?);
        let mut headers = self.headers;
        if let Some(origin) = &self.origin {
            let text = origin.origin().ascii_serialization();
            headers.insert(
                http::header::ORIGIN,
                HeaderValue::from_str(&text).map_err(|_| {
                    Error::new(
                        NetError::InvalidArgument,
                        format!("origin '{text}' is not a valid header value"),
                    )
                })?,
            );
        }
        handshake.add_headers(&mut headers)?;
        let mut options = FetchOptions::new()
            .url(url.clone())
            .credentials(self.credentials)
            .resource_type(ResourceType::WebSocket);
        options.header_case = self.header_case;
        options.origin = self.origin;
        options.site_for_cookies = self.site_for_cookies;
        options.websocket = Some(handshake.clone());
        let mut request = http::Request::new(RequestBody::empty());
        *request.headers_mut() = headers;
        request.extensions_mut().insert(options);
        let mut response = self.net.fetch(request).await?;
        let hop = &mut response.hop;
        let negotiated = handshake.check(hop.status, &hop.headers)?;
        let final_url = response
            .url_chain
            .last()
            .cloned()
            .unwrap_or_else(|| url.clone());
        let upgrade = hop.upgrade.take().ok_or_else(|| {
            Error::new(
                NetError::Failed,
                format!("the connection of the WebSocket handshake with {final_url} was not kept"),
            )
        })?;
        let upgraded = upgrade.on.await.map_err(|e| {
            Error::with_source(
                NetError::ConnectionClosed,
                format!("the connection to {final_url} closed as it was upgraded"),
                e,
            )
        })?;
        drop(upgrade.keep);
        let stream = WebSocketStream::from_raw_socket(
            Upgraded::new(upgraded, upgrade.closed),
            tungstenite::protocol::Role::Client,
            Some(self.config.tungstenite()),
        )
        .await;
        Ok(WebSocket {
            stream,
            url: final_url,
            protocol: negotiated.protocol,
            status: hop.status,
            headers: std::mem::take(&mut hop.headers),
            raw_headers: hop.raw_headers.get(&hop.headers).to_vec(),
        })
    }
}

/// The upgraded connection, which fails with `ConnectionAborted` once the session closes its
/// connections. In a `Mutex` only to make [`WebSocket`] `Sync` (hyper's upgraded IO is not);
/// reached through `get_mut`, never locked.
struct Upgraded(std::sync::Mutex<UpgradedIo>);

struct UpgradedIo {
    io: TokioIo<hyper::upgrade::Upgraded>,
    closed: Pin<Box<tokio_util::sync::WaitForCancellationFutureOwned>>,
}

impl Upgraded {
    fn new(io: hyper::upgrade::Upgraded, closed: tokio_util::sync::CancellationToken) -> Self {
        Upgraded(std::sync::Mutex::new(UpgradedIo {
            io: TokioIo::new(io),
            closed: Box::pin(closed.cancelled_owned()),
        }))
    }

    /// The IO, or the error once the session closed its connections.
    fn io(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Result<Pin<&mut TokioIo<hyper::upgrade::Upgraded>>, std::io::Error> {
        let inner = self
            .get_mut()
            .0
            .get_mut()
            .unwrap_or_else(|e| e.into_inner());
        if inner.closed.as_mut().poll(cx).is_ready() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "the session closed its connections",
            ));
        }
        Ok(Pin::new(&mut inner.io))
    }
}

impl tokio::io::AsyncRead for Upgraded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.io(cx) {
            Ok(io) => io.poll_read(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl tokio::io::AsyncWrite for Upgraded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.io(cx) {
            Ok(io) => io.poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.io(cx) {
            Ok(io) => io.poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.io(cx) {
            Ok(io) => io.poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

/// An open WebSocket. Its async methods send and receive one message at a time; it is also a
/// [`Stream`] of received [`Message`]s (pongs to received pings are sent by the connection
/// itself as it reads) and a [`Sink`] of messages to send, so `futures_util::StreamExt::split`
/// gives halves for a reading task and a writing task. Dropping it closes the TCP connection
/// without a closing handshake (call [`WebSocket::close`] first); the session's
/// `close_all_connections` fails it with `net::ERR_ABORTED`.
///
/// ```
/// use session_net::websocket::{CloseFrame, Message, WebSocketConfig};
/// use session_net::{CredentialsMode, Net, NetConfig, NetError};
/// # let site = session_test_support::TestSite::start(); // a loopback site: `/ws` echoes messages
/// # let url = format!("ws://a.test:{}/ws?protocols=chat", site.http_port());
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
/// let mut config = WebSocketConfig::default();
/// config.max_frame_size = 1 << 20;
/// let mut ws = net
///     .websocket(&url)
///     .protocol("chat")
///     .header("X-Client", "example")
///     .origin("https://app.test")
///     .site_for_cookies("https://app.test/".parse().unwrap())
///     .config(config)
///     .max_message_size(1000)
///     .credentials(CredentialsMode::Omit) // no session cookies, no login handler
///     .connect()
///     .await?;
/// assert_eq!(ws.status(), 101);
/// assert_eq!((ws.protocol(), ws.extensions()), (Some("chat"), ""));
/// assert_eq!(ws.url().path(), "/ws");
/// assert_eq!(ws.headers()["sec-websocket-protocol"], "chat");
/// assert!(ws.raw_headers().iter().any(|(name, _)| name.eq_ignore_ascii_case("upgrade")));
///
/// ws.send_text("hello").await?;
/// assert_eq!(ws.recv().await.unwrap()?, Message::Text("hello".into()));
/// ws.send_binary(vec![1u8, 2, 3]).await?;
/// assert_eq!(ws.recv().await.unwrap()?, Message::Binary(vec![1u8, 2, 3].into()));
/// ws.ping(&b"there?"[..]).await?;
/// assert_eq!(ws.recv().await.unwrap()?, Message::Pong((&b"there?"[..]).into()));
/// ws.send(Message::Text("big 2000".into())).await?; // the server answers with 2000 bytes
/// assert_eq!(ws.recv().await.unwrap().unwrap_err().kind(), NetError::MsgTooBig);
///
/// let mut ws = net.websocket(&url).connect().await?;
/// let theirs = ws.close(1000, "bye").await?;
/// assert_eq!(theirs, Some(CloseFrame { code: 1000, reason: "bye".into() }));
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
pub struct WebSocket {
    stream: WebSocketStream<Upgraded>,
    url: Url,
    protocol: Option<String>,
    status: StatusCode,
    headers: HeaderMap,
    raw_headers: Vec<(String, String)>,
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("url", &self.url)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl WebSocket {
    /// The URL connected to (after internal redirects: `wss:` when HSTS upgraded it).
    ///
    /// Example: see [`WebSocket`].
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The subprotocol the server chose, if any was offered.
    ///
    /// Example: see [`WebSocket`].
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The extensions in use: always empty (none is offered; permessage-deflate is not
    /// implemented).
    ///
    /// Example: see [`WebSocket`].
    pub fn extensions(&self) -> &str {
        ""
    }

    /// The handshake response's status (`101`).
    ///
    /// Example: see [`WebSocket`].
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The handshake response's headers.
    ///
    /// Example: see [`WebSocket`].
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The handshake response's header lines as the server sent them (names as spelled,
    /// wire order).
    ///
    /// Example: see [`WebSocket`].
    pub fn raw_headers(&self) -> &[(String, String)] {
        &self.raw_headers
    }

    /// Sends one message (a `Close` with a frame checks its code as [`WebSocket::close`]).
    ///
    /// Example: see [`WebSocket`].
    pub async fn send(&mut self, message: Message) -> Result<()> {
        let m = message.into_tungstenite()?;
        self.stream
            .send(m)
            .await
            .map_err(|e| frame_error(&self.url, e))
    }

    /// Sends a text message.
    ///
    /// Example: see [`WebSocket`].
    pub async fn send_text(&mut self, text: impl Into<String>) -> Result<()> {
        self.send(Message::Text(text.into())).await
    }

    /// Sends a binary message.
    ///
    /// Example: see [`WebSocket`].
    pub async fn send_binary(&mut self, data: impl Into<Bytes>) -> Result<()> {
        self.send(Message::Binary(data.into())).await
    }

    /// Sends a ping (at most 125 bytes); its pong arrives as [`Message::Pong`].
    ///
    /// Example: see [`WebSocket`].
    pub async fn ping(&mut self, payload: impl Into<Bytes>) -> Result<()> {
        self.send(Message::Ping(payload.into())).await
    }

    /// The next message; `None` once the connection is closed (after the peer's
    /// [`Message::Close`]). Dropping the future loses nothing: a message is returned whole
    /// or stays buffered.
    ///
    /// Example: see [`WebSocket`].
    pub async fn recv(&mut self) -> Option<Result<Message>> {
        self.next().await
    }

    /// The closing handshake: sends a close frame with `code` (1000, or 3000-4999) and
    /// `reason` (at most 123 bytes), then reads until the server's close frame, which it
    /// returns (messages still arriving in between are dropped). Dropping the future leaves
    /// the handshake unfinished.
    ///
    /// Example: see [`WebSocket`].
    pub async fn close(&mut self, code: u16, reason: &str) -> Result<Option<CloseFrame>> {
        let frame = close_frame(CloseFrame {
            code,
            reason: reason.to_string(),
        })?;
        match self.stream.close(Some(frame)).await {
            Ok(()) | Err(tungstenite::Error::ConnectionClosed) => {}
            Err(e) => return Err(frame_error(&self.url, e)),
        }
        let mut theirs = None;
        while let Some(m) = self.stream.next().await {
            match m {
                Ok(tungstenite::Message::Close(f)) => {
                    // The closing handshake is done; a server (or a proxy's tunnel) may now
                    // drop the connection without a TLS close_notify.
                    theirs = f.map(|f| CloseFrame {
                        code: u16::from(f.code),
                        reason: f.reason.as_str().to_owned(),
                    });
                    break;
                }
                Ok(_) => {}
                Err(tungstenite::Error::ConnectionClosed) => break,
                Err(e) => return Err(frame_error(&self.url, e)),
            }
        }
        Ok(theirs)
    }
}

impl Stream for WebSocket {
    type Item = Result<Message>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let this = &mut *self;
            match std::task::ready!(this.stream.poll_next_unpin(cx)) {
                None => return Poll::Ready(None),
                Some(Err(tungstenite::Error::ConnectionClosed)) => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(frame_error(&this.url, e)))),
                Some(Ok(m)) => {
                    if let Some(m) = Message::from_tungstenite(m) {
                        return Poll::Ready(Some(Ok(m)));
                    }
                }
            }
        }
    }
}

impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        this.stream
            .poll_ready_unpin(cx)
            .map_err(|e| frame_error(&this.url, e))
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<()> {
        let m = item.into_tungstenite()?;
        let this = &mut *self;
        this.stream
            .start_send_unpin(m)
            .map_err(|e| frame_error(&this.url, e))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        this.stream
            .poll_flush_unpin(cx)
            .map_err(|e| frame_error(&this.url, e))
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        this.stream
            .poll_close_unpin(cx)
            .map_err(|e| frame_error(&this.url, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_and_reasons_are_checked() {
        assert!(
            close_frame(CloseFrame {
                code: 1000,
                reason: "bye".into()
            })
            .is_ok()
        );
        assert!(
            close_frame(CloseFrame {
                code: 4000,
                reason: String::new()
            })
            .is_ok()
        );
        let e = close_frame(CloseFrame {
            code: 1006,
            reason: String::new(),
        })
        .expect_err("1006");
        assert!(e.to_string().contains("1006 is neither"), "{e}");
        let e = close_frame(CloseFrame {
            code: 1000,
            reason: "x".repeat(124),
        })
        .expect_err("long");
        assert!(e.to_string().contains("123 UTF-8 bytes; it is 124"), "{e}");
        let e = control_payload("ping", Bytes::from(vec![0; 126])).expect_err("big ping");
        assert!(e.to_string().contains("not 126"), "{e}");
    }

    #[test]
    fn urls_are_checked_as_the_websocket_api_does() {
        let net = Net::new(crate::NetConfig::default()).expect("net");
        let url = |u: &str| net.websocket(u).url();
        assert_eq!(url("ws://a.test/x").expect("ws").as_str(), "ws://a.test/x");
        assert_eq!(
            url("https://a.test/x").expect("https").as_str(),
            "wss://a.test/x"
        );
        assert_eq!(
            url("http://a.test:81/").expect("http").as_str(),
            "ws://a.test:81/"
        );
        let e = url("ftp://a.test/").expect_err("ftp");
        assert_eq!(e.kind(), NetError::DisallowedUrlScheme);
        assert!(e.to_string().contains("'ftp' is not allowed"), "{e}");
        let e = url("ws://a.test/#frag").expect_err("fragment");
        assert!(e.to_string().contains("('frag')"), "{e}");
        assert_eq!(
            url("not a url").expect_err("bad").kind(),
            NetError::InvalidUrl
        );
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<WebSocket>();
        check::<WebSocketBuilder>();
        check::<Message>();
    }
}
