//! The session's side of authentication: the login handler, the auth cache behind a lock,
//! the NTLM allow-list and the proxy credentials from configuration; and what one request
//! does with a `401` (ask, retry, give up) through its [`AuthController`], or one hop with its
//! proxy's `407`s through a [`ProxyHandshake`] (the transport keeps NTLM's legs on one
//! connection; see `transport/layers.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use futures_util::future::BoxFuture;
use http::{HeaderValue, Method, StatusCode};
use url::Url;

use super::{AuthCache, AuthController, Credentials, Next, NtlmAllowList, Target, challenge};
use crate::error::{Error, NetError, Result};
use crate::proxy::ProxyServer;

/// What the login handler is told: Electron's `authInfo` plus the request.
///
/// Example: see [`Net::set_login_handler`](crate::Net::set_login_handler).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthRequest {
    /// A proxy asks (`407`), not the origin server (`401`).
    pub is_proxy: bool,
    /// The scheme, lower case: `basic`, `digest` or `ntlm`.
    pub scheme: String,
    /// The host of the server or proxy that asks.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The realm (empty for NTLM).
    pub realm: String,
    /// The URL being requested.
    pub url: Url,
    /// The request's method.
    pub method: Method,
}

/// The login handler's answer.
///
/// Example: see [`Net::set_login_handler`](crate::Net::set_login_handler).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthAnswer {
    /// Try these.
    Credentials(Credentials),
    /// Give up: the `401`/`407` goes to the caller with its body.
    Cancel,
}

/// Answers `401` and `407` challenges (Electron's `login` event). Dropping its future (the
/// request was aborted) abandons the request.
///
/// Example: see [`Net::set_login_handler`](crate::Net::set_login_handler).
pub type LoginHandler = Arc<dyn Fn(AuthRequest) -> BoxFuture<'static, AuthAnswer> + Send + Sync>;

/// Authentication state of one session.
#[derive(Default)]
pub(crate) struct Auth {
    handler: RwLock<Option<LoginHandler>>,
    cache: Mutex<AuthCache>,
    ntlm_allow: RwLock<NtlmAllowList>,
    /// Credentials from proxy rules and URIs, by proxy origin (`http://host:port`).
    proxy_identities: RwLock<HashMap<String, Credentials>>,
}

impl Auth {
    pub(crate) fn set_handler(&self, handler: Option<LoginHandler>) {
        *self.handler.write().unwrap_or_else(|e| e.into_inner()) = handler;
    }

    fn handler(&self) -> Option<LoginHandler> {
        self.handler
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Empties the cache; requests in flight go on with what they hold.
    pub(crate) fn clear_cache(&self) {
        self.cache().clear();
    }

    pub(crate) fn cache(&self) -> std::sync::MutexGuard<'_, AuthCache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_ntlm_allow_list(&self, list: &str) {
        *self.ntlm_allow.write().unwrap_or_else(|e| e.into_inner()) = NtlmAllowList::parse(list);
    }

    fn ntlm_allowed(&self, url: &Url) -> bool {
        self.ntlm_allow
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .allows(url)
    }

    /// Replaces the proxy credentials that came with the proxy configuration.
    pub(crate) fn set_proxy_identities(&self, identities: HashMap<String, Credentials>) {
        *self
            .proxy_identities
            .write()
            .unwrap_or_else(|e| e.into_inner()) = identities;
    }

    pub(crate) fn proxy_identity(&self, proxy_origin: &str) -> Option<Credentials> {
        self.proxy_identities
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(proxy_origin)
            .cloned()
    }

    /// Asks the handler; `None` without a handler or on cancel.
    async fn ask(&self, request: AuthRequest) -> Option<Credentials> {
        let handler = self.handler()?;
        match handler(request).await {
            AuthAnswer::Credentials(c) => Some(c),
            AuthAnswer::Cancel => None,
        }
    }

    /// Runs `next` to its end: asks the handler as often as the controller wants. Returns
    /// the header value to retry with, `None` to give up, or the error to fail with.
    pub(crate) async fn resolve(
        &self,
        controller: &mut AuthController,
        mut next: Next,
        who: Who<'_>,
    ) -> Result<Option<HeaderValue>> {
        loop {
            match next {
                Next::Retry(h) => {
                    return HeaderValue::from_str(&h).map(Some).map_err(|_| {
                        Error::new(
                            NetError::InvalidArgument,
                            format!(
                                "the credentials for {} cannot be sent in a header (control characters)",
                                who.url
                            ),
                        )
                    });
                }
                Next::GiveUp => return Ok(None),
                Next::Fail(why) => {
                    return Err(Error::new(NetError::TooManyRetries, why));
                }
                Next::Ask(ask) => {
                    let request = AuthRequest {
                        is_proxy: who.target == Target::Proxy,
                        scheme: ask.scheme,
                        host: who.host.to_string(),
                        port: who.port,
                        realm: ask.realm,
                        url: who.url.clone(),
                        method: who.method.clone(),
                    };
                    let Some(credentials) = self.ask(request).await else {
                        return Ok(None);
                    };
                    let mut cache = self.cache();
                    next = controller.on_credentials(
                        credentials,
                        &mut cache,
                        who.method.as_str(),
                        who.uri,
                    );
                }
            }
        }
    }

    /// A `401` for the request to `url`: the `Authorization` value to retry with, `None` to
    /// hand the `401` to the caller, or an error (a challenge header that cannot be parsed at
    /// all, endless challenges).
    pub(crate) async fn on_unauthorized(
        &self,
        controller: &mut AuthController,
        headers: &http::HeaderMap,
        url: &Url,
        method: &Method,
    ) -> Result<Option<HeaderValue>> {
        let lines = headers
            .get_all(http::header::WWW_AUTHENTICATE)
            .iter()
            .map(HeaderValue::as_bytes);
        let challenges = challenge::parse(lines).map_err(|e| {
            Error::new(
                NetError::InvalidResponse,
                format!("the WWW-Authenticate of {url} cannot be parsed: {e}"),
            )
        })?;
        let uri = request_target(url);
        let next = {
            let mut cache = self.cache();
            controller.on_challenge(
                &challenges,
                &mut cache,
                method.as_str(),
                &uri,
                self.ntlm_allowed(url),
            )
        };
        let who = Who {
            target: Target::Server,
            host: url.host_str().unwrap_or(""),
            port: url.port_or_known_default().unwrap_or(0),
            url,
            method,
            uri: &uri,
        };
        self.resolve(controller, next, who).await
    }
}

/// One hop's authentication with its proxy, kept across the proxy's `407`s: NTLM's second
/// leg answers the CHALLENGE message its first leg brought, on the same connection.
pub(crate) struct ProxyHandshake {
    controller: AuthController,
}

impl ProxyHandshake {
    /// A NEGOTIATE message went out: the proxy's next `407` carries the CHALLENGE message and
    /// must be read, and answered, on the connection that carried the NEGOTIATE.
    pub(crate) fn mid_ntlm(&self) -> bool {
        self.controller.awaits_ntlm_challenge()
    }

    /// Where the identity last sent came from.
    pub(crate) fn source(&self) -> Option<super::Source> {
        self.controller.source()
    }
}

impl Auth {
    /// A handshake with `proxy` for one hop; the proxy's credentials from the rules go first.
    pub(crate) fn proxy_handshake(&self, proxy: &ProxyServer) -> ProxyHandshake {
        let origin = proxy_origin(proxy);
        let identity = self.proxy_identity(&origin);
        ProxyHandshake {
            controller: AuthController::new(Target::Proxy, &origin, "", identity),
        }
    }

    /// The `Proxy-Authorization` to send before any challenge: a cached Basic or Digest
    /// identity for the proxy (NTLM is never sent before a challenge).
    pub(crate) fn proxy_kept(
        &self,
        handshake: &mut ProxyHandshake,
        method: &Method,
        uri: &str,
    ) -> Option<HeaderValue> {
        let header = handshake
            .controller
            .preempt(&mut self.cache(), method.as_str(), uri)?;
        HeaderValue::from_str(&header).ok()
    }

    /// Answers a proxy's `407` (its `Proxy-Authenticate` lines): the rules' credentials for
    /// it, then the cache, then the login handler; NTLM's second leg from the CHALLENGE
    /// message. `None` gives up (a challenge that cannot be parsed, nothing answerable, no
    /// handler or a cancel); an error ends the hop (`net::ERR_TOO_MANY_RETRIES` after
    /// [`super::MAX_ROUNDS`] rounds, a broken NTLM CHALLENGE message).
    ///
    /// The NTLM allow-list does not apply to proxies: cached NTLM credentials always go to the
    /// proxy that challenges, as Chromium's allow-list filter lets every proxy pass.
    pub(crate) async fn proxy_answer(
        &self,
        handshake: &mut ProxyHandshake,
        proxy: &ProxyServer,
        challenge: &[String],
        url: &Url,
        method: &Method,
        uri: &str,
    ) -> Result<Option<HeaderValue>> {
        let Ok(challenges) = challenge::parse(challenge.iter().map(|l| l.as_bytes())) else {
            return Ok(None);
        };
        let next = {
            let mut cache = self.cache();
            handshake
                .controller
                .on_challenge(&challenges, &mut cache, method.as_str(), uri, true)
        };
        let who = Who {
            target: Target::Proxy,
            host: &proxy.host,
            port: proxy.port,
            url,
            method,
            uri,
        };
        self.resolve(&mut handshake.controller, next, who).await
    }
}

/// `http://host:port` of a proxy: the key of its auth cache entries.
pub(crate) fn proxy_origin(proxy: &ProxyServer) -> String {
    format!("http://{}", proxy.host_port())
}

/// Who asks, for the handler and the Digest `uri`.
pub(crate) struct Who<'a> {
    pub(crate) target: Target,
    pub(crate) host: &'a str,
    pub(crate) port: u16,
    pub(crate) url: &'a Url,
    pub(crate) method: &'a Method,
    /// The request target the credentials are computed over (Digest's `uri`).
    pub(crate) uri: &'a str,
}

/// `scheme://host:port` of `url`. Written by hand, not by `format!`: the auth stage makes it
/// for every hop.
pub(crate) fn origin_of(url: &Url) -> String {
    let (scheme, host) = (url.scheme(), url.host_str().unwrap_or(""));
    let mut port = url.port_or_known_default().unwrap_or(0);
    let mut digits = [0u8; 5];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (port % 10) as u8;
        port /= 10;
        if port == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(scheme.len() + host.len() + 4 + digits.len() - at);
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(host);
    out.push(':');
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
    out
}

/// Path and query: the origin-form request target.
pub(crate) fn request_target(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// Whether `status` is a challenge from the origin server.
pub(crate) fn is_unauthorized(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_read_scheme_host_and_port() {
        for (url, origin) in [
            ("http://a.test/x", "http://a.test:80"),
            ("https://a.test:8443/x?q", "https://a.test:8443"),
            ("ws://127.0.0.1:9/", "ws://127.0.0.1:9"),
            ("wss://[::1]:65535/", "wss://[::1]:65535"),
            ("http://h.test:10/", "http://h.test:10"),
        ] {
            let url = Url::parse(url).expect("url");
            assert_eq!(origin_of(&url), origin);
        }
    }
}
