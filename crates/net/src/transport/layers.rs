//! The request-level layers of the transport. Each is a small type wrapping the next; the
//! stack, outermost first, is
//!
//! ```text
//! Failover → ProxyAuth → StaleRetry → Arc<Pool>
//! ```
//!
//! - [`Failover`] walks the routes of the hop (proxies in fail-over order, or DIRECT) and moves
//!   to the next when a route cannot be connected.
//! - [`ProxyAuth`] sends the credentials kept for the route's proxy and answers its `407`s
//!   (to a `CONNECT`, or to an absolute-form request) through [`ProxyLogin`], keeping one
//!   [`ProxyCredentials`] for the hop. A `407` whose connection stays open is answered on that
//!   connection: a `CONNECT` again on the same socket (`tunnel.rs`), an absolute-form request
//!   on the connection [`Held`] back from the pool. NTLM's legs need this; a proxy that closes
//!   the connection after its CHALLENGE message fails the hop with
//!   `net::ERR_UNABLE_TO_REUSE_CONNECTION_FOR_PROXY_AUTH`, any other `407` on a closing
//!   connection is answered on a new one.
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

use super::Key;
use super::pool::{Held, Pool};
use crate::auth::{ProxyHandshake, Target, log_challenge, log_token};
use crate::error::{Error, NetError, Result};
use crate::netlog::NetLog;
use crate::proxy::{ProxyScheme, ProxyServer};
use crate::request::RequestBody;
use crate::response::HopResponse;

/// One hop on its way down the layers.
pub(crate) struct Attempt<'a> {
    pub(crate) url: &'a Url,
    pub(crate) method: &'a Method,
    pub(crate) headers: &'a HeaderMap,
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
    /// Credentials for the route's HTTP proxy: the `Proxy-Authorization` a `CONNECT` or an
    /// absolute-form request carries, and the answers to the proxy's `407`s.
    pub(crate) proxy_credentials: Option<ProxyCredentials>,
    /// Where the connection of an absolute-form response goes when its body ends, instead of
    /// the pool, to carry the hop's next request.
    pub(crate) held: Option<Arc<Held>>,
    /// Header names as the caller spelled them (HTTP/1.1).
    pub(crate) header_case: &'a Arc<[String]>,
}

impl<'a> Attempt<'a> {
    pub(crate) fn new(
        url: &'a Url,
        method: &'a Method,
        headers: &'a HeaderMap,
        routes: &'a [Key],
        body: RequestBody,
    ) -> Self {
        Attempt {
            url,
            method,
            headers,
            routes,
            route: 0,
            replay: body.try_clone(),
            body: Some(body),
            fresh: false,
            reused: false,
            proxy_credentials: None,
            held: None,
            header_case: &NO_SPELLINGS,
        }
    }

    /// The proxy of the route in use.
    pub(crate) fn proxy(&self) -> Option<&ProxyServer> {
        self.routes[self.route].proxy.as_ref()
    }

    /// Whether requests on this route are absolute-form (`http:` through an HTTP proxy).
    pub(crate) fn absolute_form(&self) -> bool {
        !self.routes[self.route].tunnelled()
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
    /// A handshake with `proxy` for one hop.
    fn start(&self, proxy: &ProxyServer) -> ProxyHandshake;
    /// The `Proxy-Authorization` value to send before any challenge, if any.
    fn kept(
        &self,
        handshake: &mut ProxyHandshake,
        method: &Method,
        uri: &str,
    ) -> Option<HeaderValue>;
    /// Answers the proxy's challenge (its `Proxy-Authenticate` lines) met while requesting
    /// `url`: the value to send, `None` to give up, or an error ending the hop.
    fn answer<'a>(
        &'a self,
        handshake: &'a mut ProxyHandshake,
        proxy: &'a ProxyServer,
        challenge: &'a [String],
        url: &'a Url,
        method: &'a Method,
        uri: &'a str,
    ) -> BoxFuture<'a, Result<Option<HeaderValue>>>;
}

/// Most `407`s answered for one hop. The handshake's own limit
/// ([`crate::auth::MAX_ROUNDS`] rounds, NTLM's two legs being one) ends it first; this bounds
/// restarts on new connections too.
const MAX_PROXY_CHALLENGES: usize = 2 * crate::auth::MAX_ROUNDS as usize + 2;

/// One hop's credentials for its HTTP proxy: what to send next, and the handshake that
/// answers the proxy's `407`s (see the module docs).
pub(crate) struct ProxyCredentials {
    login: Arc<dyn ProxyLogin>,
    netlog: NetLog,
    handshake: ProxyHandshake,
    proxy: ProxyServer,
    url: Url,
    method: Method,
    uri: String,
    /// `Proxy-Authorization` for the next `CONNECT` or absolute-form request.
    pub(crate) authorization: Option<HeaderValue>,
    /// The last `407` was answered but its connection cannot carry the answer: send it on a
    /// new connection.
    pub(crate) restart: bool,
    challenges: usize,
}

impl ProxyCredentials {
    fn new(
        login: Arc<dyn ProxyLogin>,
        netlog: NetLog,
        proxy: ProxyServer,
        att: &Attempt<'_>,
    ) -> Self {
        let (method, uri) = proxy_target(att);
        let mut handshake = login.start(&proxy);
        let authorization = login.kept(&mut handshake, &method, &uri);
        if let Some(v) = &authorization {
            log_token(&netlog, v, handshake.source());
        }
        ProxyCredentials {
            login,
            netlog,
            handshake,
            proxy,
            url: att.url.clone(),
            method,
            uri,
            authorization,
            restart: false,
            challenges: 0,
        }
    }

    /// The proxy answered `407` with `challenge` (its `Proxy-Authenticate` lines) on a
    /// connection that can carry the next request (`reusable`) or not. True: send again with
    /// [`Self::authorization`] (on a new connection when [`Self::restart`]); false: give up
    /// (the `407` goes to the caller, a `CONNECT` fails with `net::ERR_PROXY_AUTH_REQUESTED`).
    /// Fails with `net::ERR_UNABLE_TO_REUSE_CONNECTION_FOR_PROXY_AUTH` when NTLM's CHALLENGE
    /// arrived on a closing connection, `net::ERR_TOO_MANY_RETRIES` when the proxy keeps
    /// refusing.
    pub(crate) async fn on_407(&mut self, challenge: Vec<String>, reusable: bool) -> Result<bool> {
        self.restart = false;
        log_challenge(&self.netlog, Target::Proxy, || challenge.clone());
        self.challenges += 1;
        if self.challenges > MAX_PROXY_CHALLENGES {
            return Err(Error::new(
                NetError::TooManyRetries,
                format!(
                    "proxy {} asked for credentials {MAX_PROXY_CHALLENGES} times",
                    self.proxy.to_pac()
                ),
            ));
        }
        if !reusable && self.handshake.mid_ntlm() {
            return Err(Error::new(
                NetError::UnableToReuseConnectionForProxyAuth,
                format!(
                    "proxy {} closed the connection of the NTLM handshake before its challenge could be answered",
                    self.proxy.to_pac()
                ),
            ));
        }
        let answer = self
            .login
            .answer(
                &mut self.handshake,
                &self.proxy,
                &challenge,
                &self.url,
                &self.method,
                &self.uri,
            )
            .await?;
        let Some(value) = answer else {
            return Ok(false);
        };
        log_token(&self.netlog, &value, self.handshake.source());
        self.authorization = Some(value);
        self.restart = !reusable;
        Ok(true)
    }
}

/// Whether a proxy's response leaves its connection open for another request: on HTTP/1.1
/// unless `Connection` or `Proxy-Connection` says `close`, on HTTP/1.0 only when one of them
/// says `keep-alive`.
pub(crate) fn keeps_alive<'h>(
    http10: bool,
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
) -> bool {
    let mut close = false;
    let mut keep = false;
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("connection")
            && !name.eq_ignore_ascii_case("proxy-connection")
        {
            continue;
        }
        for token in String::from_utf8_lossy(value).split(',') {
            let token = token.trim();
            close |= token.eq_ignore_ascii_case("close");
            keep |= token.eq_ignore_ascii_case("keep-alive");
        }
    }
    !close && (!http10 || keep)
}

/// The `Proxy-Authenticate` lines of a response.
pub(crate) fn proxy_challenges(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::PROXY_AUTHENTICATE)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect()
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
            // Something was sent, or the proxy was reached and its authentication failed:
            // the route worked, the hop failed.
            let auth_failed = matches!(
                error.kind(),
                NetError::TooManyRetries | NetError::UnableToReuseConnectionForProxyAuth
            );
            if att.body.is_none() || auth_failed {
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
    pub(crate) netlog: NetLog,
}

impl<L: SendHop> SendHop for ProxyAuth<L> {
    async fn send(&self, att: &mut Attempt<'_>) -> Result<HopResponse> {
        let Some(proxy) = att
            .proxy()
            .filter(|p| p.scheme == ProxyScheme::Http)
            .cloned()
        else {
            att.proxy_credentials = None;
            att.held = None;
            return self.inner.send(att).await;
        };
        let credentials =
            ProxyCredentials::new(self.login.clone(), self.netlog.clone(), proxy, att);
        att.proxy_credentials = Some(credentials);
        let held = att.absolute_form().then(|| Arc::new(Held::default()));
        att.held = held.clone();
        let result = self.challenged(att).await;
        // The last response's connection goes to the pool (when its body ends).
        if let Some(held) = held {
            held.finish();
        }
        att.held = None;
        result
    }
}

impl<L: SendHop> ProxyAuth<L> {
    /// Sends the hop until the proxy stops answering `407`.
    async fn challenged(&self, att: &mut Attempt<'_>) -> Result<HopResponse> {
        loop {
            let result = self.inner.send(att).await;
            match result {
                // A `CONNECT` refused: answered on its socket already, unless that closed.
                Err(e) if e.kind() == NetError::ProxyAuthRequested => {
                    let restart = att.proxy_credentials.as_ref().is_some_and(|c| c.restart);
                    if !restart || !att.rewind() {
                        return Err(e);
                    }
                    att.fresh = true;
                }
                Ok(mut r)
                    if r.status == StatusCode::PROXY_AUTHENTICATION_REQUIRED
                        && att.absolute_form() =>
                {
                    if !att.rewind() {
                        return Ok(r);
                    }
                    let http10 = r.version == http::Version::HTTP_10;
                    let reusable = keeps_alive(
                        http10,
                        r.headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())),
                    );
                    let challenge = proxy_challenges(&r.headers);
                    let Some(credentials) = att.proxy_credentials.as_mut() else {
                        return Ok(r);
                    };
                    let ntlm_leg = credentials.handshake.mid_ntlm();
                    if !credentials.on_407(challenge, reusable).await? {
                        return Ok(r);
                    }
                    let held = att.held.as_ref().filter(|_| reusable);
                    let kept = match held {
                        Some(held) => drain(&mut r).await && held.has_conn(),
                        None => false,
                    };
                    if !kept && reusable && ntlm_leg {
                        return Err(Error::new(
                            NetError::UnableToReuseConnectionForProxyAuth,
                            format!(
                                "the connection to proxy {} closed before the NTLM handshake's last leg",
                                att.proxy().map(ProxyServer::to_pac).unwrap_or_default()
                            ),
                        ));
                    }
                    att.fresh = !kept;
                }
                r => return r,
            }
        }
    }
}

/// Most bytes of a `407`'s body read to keep its connection.
pub(crate) const MAX_DRAIN: u64 = 64 * 1024;

/// Reads a `407`'s body to its end so that its connection carries the next request; false
/// when it is too big (over [`MAX_DRAIN`]) or fails.
async fn drain(response: &mut HopResponse) -> bool {
    let mut body = std::mem::take(&mut response.body);
    let mut read = 0u64;
    loop {
        match body.chunk().await {
            Ok(Some(c)) => {
                read += c.len() as u64;
                if read > MAX_DRAIN {
                    return false;
                }
            }
            Ok(None) => return true,
            Err(_) => return false,
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
    fn start(&self, proxy: &ProxyServer) -> ProxyHandshake {
        self.proxy_handshake(proxy)
    }

    fn kept(
        &self,
        handshake: &mut ProxyHandshake,
        method: &Method,
        uri: &str,
    ) -> Option<HeaderValue> {
        self.proxy_kept(handshake, method, uri)
    }

    fn answer<'a>(
        &'a self,
        handshake: &'a mut ProxyHandshake,
        proxy: &'a ProxyServer,
        challenge: &'a [String],
        url: &'a Url,
        method: &'a Method,
        uri: &'a str,
    ) -> BoxFuture<'a, Result<Option<HeaderValue>>> {
        Box::pin(self.proxy_answer(handshake, proxy, challenge, url, method, uri))
    }
}

#[cfg(test)]
mod tests {
    use super::keeps_alive;

    fn alive(http10: bool, headers: &[(&str, &str)]) -> bool {
        keeps_alive(http10, headers.iter().map(|(k, v)| (*k, v.as_bytes())))
    }

    #[test]
    fn keep_alive_as_http_1_0_and_1_1_say() {
        assert!(alive(false, &[]));
        assert!(!alive(false, &[("Connection", "close")]));
        assert!(!alive(false, &[("proxy-connection", "Close")]));
        assert!(!alive(false, &[("Connection", "keep-alive, close")]));
        assert!(alive(false, &[("Connection", "Upgrade, keep-alive")]));
        assert!(!alive(true, &[]));
        assert!(alive(true, &[("Proxy-Connection", "Keep-Alive")]));
        assert!(!alive(
            true,
            &[("Connection", "keep-alive"), ("Proxy-Connection", "close")]
        ));
        assert!(alive(false, &[("Content-Length", "close")]));
    }
}
