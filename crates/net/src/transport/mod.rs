//! Stage 6: the transport. A hop goes down a stack of small layers (see [`layers`]):
//!
//! ```text
//! Transport::send   network emulation (offline, latency), the routes of the hop
//!   Failover        proxies in fail-over order, then DIRECT              (layers.rs)
//!   ProxyAuth       Proxy-Authorization kept per proxy; 407s answered, NTLM's  (layers.rs)
//!                   legs on one connection
//!   StaleRetry      a pooled connection found closed: once more on a new one (layers.rs)
//!   Pool            a pooled HTTP/1.1 or HTTP/2 connection, or a new one   (pool.rs)
//!     Limiter       6 sockets per destination, 32 per proxy, 256 per session; a queue (limits.rs)
//!     Dialer        DNS (host rules, host cache) → TCP → proxy tunnel → TLS → handshake (conn.rs)
//! ```
//!
//! A request-level layer (one that looks at the hop or its response) goes into the stack in
//! [`Transport::new`]; a connection-level one (socket limits, TLS session resumption) goes
//! into the [`conn::Dialer`] (the socket limits hand it a slot for each connection). The pool is one per session: sessions never share sockets.

mod conn;
pub(crate) mod layers;
mod limits;
mod pool;
mod spelling;
mod tap;
mod tunnel;

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::{Error, NetError, Result};
use crate::proxy::ProxyServer;
use crate::request::RequestBody;
use crate::response::HopResponse;
use crate::stages::RequestContext;
pub(crate) use conn::Dialer;
use layers::{Attempt, Failover, ProxyAuth, ProxyLogin, SendHop, StaleRetry};
pub use limits::SocketLimits;
pub(crate) use pool::Pool;

/// Where a pooled connection goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    https: bool,
    host: String,
    port: u16,
    /// The proxy the connection goes through (`None`: direct).
    proxy: Option<crate::proxy::ProxyServer>,
    /// A WebSocket handshake (`ws:`/`wss:`): an HTTP/1.1 connection of its own (ALPN
    /// `http/1.1` only), never pooled, tunnelled through an HTTP proxy even for `ws:` (as
    /// Chromium does), and handed back upgraded after a `101`.
    websocket: bool,
}

impl Key {
    pub(crate) fn from_url(url: &Url) -> Result<Key> {
        let (https, websocket) = match url.scheme() {
            "https" => (true, false),
            "http" => (false, false),
            "wss" => (true, true),
            "ws" => (false, true),
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
            websocket,
        })
    }

    /// Whether a connection through an HTTP proxy needs a `CONNECT` tunnel (`https:`, and
    /// WebSockets of either scheme) rather than absolute-form requests.
    pub(crate) fn tunnelled(&self) -> bool {
        self.https || self.websocket
    }
}

/// The transport of one session: its pool and the layers above it.
pub(crate) struct Transport {
    pub(crate) pool: Arc<Pool>,
    stack: Failover<ProxyAuth<StaleRetry<Arc<Pool>>>>,
}

impl Transport {
    /// The stack over `pool`; `login` answers proxies' `407`.
    pub(crate) fn new(pool: Arc<Pool>, login: Arc<dyn ProxyLogin>) -> Self {
        let stack = Failover {
            inner: ProxyAuth {
                inner: StaleRetry {
                    inner: pool.clone(),
                },
                login,
                netlog: pool.dialer.netlog.clone(),
            },
            pool: pool.clone(),
        };
        Transport { pool, stack }
    }

    /// Sends the hop of `ctx` (its URL, method and headers, names spelled as its
    /// `header_case` says on HTTP/1.1) by `proxies` (in fail-over order, `None` for DIRECT;
    /// empty means DIRECT) and returns its response head. Dropping the future abandons the hop.
    pub(crate) async fn send(
        &self,
        ctx: &RequestContext,
        body: RequestBody,
        proxies: &[Option<ProxyServer>],
    ) -> Result<HopResponse> {
        let url = &ctx.url;
        if let Some(emu) = self.pool.dialer.emulation.current() {
            if emu.offline {
                return Err(Error::new(
                    NetError::InternetDisconnected,
                    format!("network emulation is offline, {url} was not requested"),
                ));
            }
            if emu.latency > 0.0 && emu.latency.is_finite() {
                tokio::time::sleep(Duration::from_secs_f64(emu.latency / 1000.0)).await;
            }
        }
        let direct = Key::from_url(url)?;
        let routes: Vec<Key> = if proxies.is_empty() {
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
        let mut att = Attempt::new(url, &ctx.method, &ctx.headers, &routes, body);
        att.header_case = &ctx.header_case;
        self.stack.send(&mut att).await
    }
}
