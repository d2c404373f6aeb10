//! The request-level layers of the transport. Each is a small type wrapping the next; the
//! stack, outermost first, is
//!
//! ```text
//! Failover → ProxyAuth → StaleRetry → Arc<Pool>
//! ```
//!
//! - [`Failover`] walks the routes of the hop (proxies in fail-over order, or DIRECT) and moves
//!   to the next when a route cannot be connected.
//! - [`ProxyAuth`] sends the credentials kept for the route's proxy and answers its `407`
//!   (a refused `CONNECT`, or the response to an absolute-form request) once, through
//!   [`ProxyLogin`].
//! - [`StaleRetry`] sends the hop again on a new connection when a pooled one turned out to be
//!   closed (nothing sent, or an empty response / reset before any byte of a response).
//! - The pool (`pool.rs`) sends on a pooled connection or on a new one from the dialer.
//!
//! Every layer sees one [`Attempt`]: the hop, the route chosen, and what the layers below
//! learned. A new request-level layer is a type implementing [`SendHop`] over an inner one,
//! put in the stack in `Transport::new`. Connection-level concerns (socket limits, TLS
//! session resumption) belong to the dialer (`conn.rs`), not here.
//!
//! The body rule: after an error, `att.body` is `Some` exactly when nothing of the hop was
//! sent, so a layer may send it again as it is; once sent, only `att.replay` (a copy of a
//! replayable body) can be sent again.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use url::Url;

use super::pool::Pool;
use super::{DefaultHeaders, Key};
use crate::error::{Error, NetError, Result};
use crate::proxy::{ProxyScheme, ProxyServer};
use crate::request::RequestBody;
use crate::response::HopResponse;

/// One hop on its way down the layers.
pub(crate) struct Attempt<'a> {
    pub(crate) url: &'a Url,
    pub(crate) method: &'a Method,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) defaults: &'a DefaultHeaders,
    /// Where the hop may go, in fail-over order.
    pub(crate) routes: &'a [Key],
    /// The route in use, an index into `routes`.
    pub(crate) route: usize,
    /// The body, taken by the pool when it sends (see the body rule above).
    pub(crate) body: Option<RequestBody>,
    /// A copy of the body for sending it again, when it can be replayed.
    pub(crate) replay: Option<RequestBody>,
    /// Only a new connection will do.
    pub(crate) fresh: bool,
    /// Whether the last send went over a pooled connection.
    pub(crate) reused: bool,
    /// `Proxy-Authorization` for the route's proxy: sent with a `CONNECT` and with
    /// absolute-form requests.
    pub(crate) proxy_authorization: Option<HeaderValue>,
    /// The `Proxy-Authenticate` challenge of a refused `CONNECT`.
    pub(crate) tunnel_challenge: Option<String>,
    /// Header names as the caller spelled them (HTTP/1.1).
    pub(crate) header_case: &'a Arc<[String]>,
}

impl<'a> Attempt<'a> {
    pub(crate) fn new(
        url: &'a Url,
        method: &'a Method,
        headers: &'a HeaderMap,
        defaults: &'a DefaultHeaders,
        routes: &'a [Key],
        body: RequestBody,
    ) -> Self {
        Attempt {
            url,
            method,
            headers,
            defaults,
            routes,
            route: 0,
            replay: body.try_clone(),
            body: Some(body),
            fresh: false,
            reused: false,
            proxy_authorization: None,
            tunnel_challenge: None,
            header_case: &NO_SPELLINGS,
        }
    }

    /// The proxy of the route in use.
    pub(crate) fn proxy(&self) -> Option<&ProxyServer> {
        self.routes[self.route].proxy.as_ref()
    }

    /// Whether requests on this route are absolute-form (`http:` through an HTTP proxy).
    pub(crate) fn absolute_form(&self) -> bool {
        !self.routes[self.route].https
            && self.proxy().is_some_and(|p| p.scheme == ProxyScheme::Http)
    }

    /// Makes the body ready to be sent again: still here, or the replay copy (which is then
    /// copied again). False when it cannot be.
    fn rewind(&mut self) -> bool {
        if self.body.is_none() {
            self.body = self.replay.take();
            self.replay = self.body.as_ref().and_then(RequestBody::try_clone);
        }
        self.body.is_some()
    }
}

static NO_SPELLINGS: std::sync::LazyLock<Arc<[String]>> =
    std::sync::LazyLock::new(|| Arc::from(Vec::new()));

/// A transport layer: sends one hop.
pub(crate) trait SendHop: Send + Sync {
    /// Sends `att`'s hop and returns the response head. Dropping the future abandons the hop
    /// (a connection in use is closed).
    fn send(&self, att: &mut Attempt<'_>) -> impl Future<Output = Result<HopResponse>> + Send;
}

/// Where [`ProxyAuth`] gets credentials for a proxy. `method` and `uri` are what the
/// credentials are computed over (Digest): `CONNECT` and `host:port` for a tunnel, the
/// request's method and absolute URL otherwise.
pub(crate) trait ProxyLogin: Send + Sync {
    /// The `Proxy-Authorization` value to send to `proxy` before any challenge, if any.
    fn kept(&self, proxy: &ProxyServer, method: &Method, uri: &str) -> Option<HeaderValue>;
    /// Answers `proxy`'s challenge (its `Proxy-Authenticate` values) met while requesting
    /// `url`: the value to send, or `None` to give up.
    fn answer<'a>(
        &'a self,
        proxy: &'a ProxyServer,
        challenge: &'a str,
        url: &'a Url,
        method: &'a Method,
        uri: &'a str,
    ) -> BoxFuture<'a, Option<HeaderValue>>;
}

/// The method and request target credentials for the route's proxy are computed over.
fn proxy_target(att: &Attempt<'_>) -> (Method, String) {
    if att.absolute_form() {
        let mut url = att.url.clone();
        url.set_fragment(None);
        (att.method.clone(), url.to_string())
    } else {
        let host = att.url.host_str().unwrap_or("");
        let port = att.url.port_or_known_default().unwrap_or(443);
        (Method::CONNECT, format!("{host}:{port}"))
    }
}

/// Tries the routes in order; see the module docs.
pub(crate) struct Failover<L> {
    pub(crate) inner: L,
    pub(crate) pool: Arc<Pool>,
}

impl<L: SendHop> SendHop for Failover<L> {
    async fn send(&self, att: &mut Attempt<'_>) -> Result<HopResponse> {
        let routes = att.routes.len();
        // A route with a pooled connection goes first (it worked a moment ago).
        let start = if routes > 1 && !att.fresh {
            (0..routes)
                .find(|&i| self.pool.has_pooled(&att.routes[i]))
                .unwrap_or(0)
        } else {
            0
        };
        let mut last = None;
        for i in start..routes {
            att.route = i;
            let error = match self.inner.send(att).await {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            // Something was sent: the route worked, the hop failed.
            if att.body.is_none() {
                return Err(error);
            }
            let proxy = att.proxy().cloned();
            match proxy {
                Some(p) if i + 1 < routes => {
                    tracing::debug!("proxy {} failed, trying the next: {error}", p.to_pac());
                    last = Some(error);
                }
                Some(p)
                    if !matches!(
                        error.kind(),
                        NetError::TunnelConnectionFailed | NetError::ProxyAuthRequested
                    ) =>
                {
                    return Err(Error::new(
                        NetError::ProxyConnectionFailed,
                        format!("proxy {} could not be reached: {error}", p.to_pac()),
                    ));
                }
                _ => return Err(error),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(NetError::Failed, "no route to try")))
    }
}

/// Proxy credentials; see the module docs.
pub(crate) struct ProxyAuth<L> {
    pub(crate) inner: L,
    pub(crate) login: Arc<dyn ProxyLogin>,
}

impl<L: SendHop> SendHop for ProxyAuth<L> {
    async fn send(&self, att: &mut Attempt<'_>) -> Result<HopResponse> {
        let Some(proxy) = att
            .proxy()
            .filter(|p| p.scheme == ProxyScheme::Http)
            .cloned()
        else {
            att.proxy_authorization = None;
            return self.inner.send(att).await;
        };
        let (method, uri) = proxy_target(att);
        att.proxy_authorization = self.login.kept(&proxy, &method, &uri);
        att.tunnel_challenge = None;
        let result = self.inner.send(att).await;
        let challenge = match &result {
            Err(e) if e.kind() == NetError::ProxyAuthRequested => att.tunnel_challenge.take(),
            Ok(r)
                if r.status == StatusCode::PROXY_AUTHENTICATION_REQUIRED && att.absolute_form() =>
            {
                Some(
                    r.headers
                        .get_all(header::PROXY_AUTHENTICATE)
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
            _ => None,
        };
        let Some(challenge) = challenge else {
            return result;
        };
        if !att.rewind() {
            return result;
        }
        match self
            .login
            .answer(&proxy, &challenge, att.url, &method, &uri)
            .await
        {
            Some(value) => {
                att.proxy_authorization = Some(value);
                att.fresh = true;
                self.inner.send(att).await
            }
            None => result,
        }
    }
}

/// A pooled connection found closed; see the module docs.
pub(crate) struct StaleRetry<L> {
    pub(crate) inner: L,
}

impl<L: SendHop> SendHop for StaleRetry<L> {
    async fn send(&self, att: &mut Attempt<'_>) -> Result<HopResponse> {
        match self.inner.send(att).await {
            Err(e) if att.reused => {
                let unsent = att.body.is_some();
                let stale = matches!(
                    e.kind(),
                    NetError::EmptyResponse
                        | NetError::ConnectionReset
                        | NetError::ConnectionClosed
                );
                if unsent || (stale && att.rewind()) {
                    att.fresh = true;
                    self.inner.send(att).await
                } else {
                    Err(e)
                }
            }
            r => r,
        }
    }
}

impl ProxyLogin for crate::auth::Auth {
    fn kept(&self, proxy: &ProxyServer, method: &Method, uri: &str) -> Option<HeaderValue> {
        self.proxy_kept(proxy, method, uri)
    }

    fn answer<'a>(
        &'a self,
        proxy: &'a ProxyServer,
        challenge: &'a str,
        url: &'a Url,
        method: &'a Method,
        uri: &'a str,
    ) -> BoxFuture<'a, Option<HeaderValue>> {
        Box::pin(self.proxy_answer(proxy, challenge, url, method, uri))
    }
}
