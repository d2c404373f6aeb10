//! Proxy authentication: `407 Proxy Authentication Required` answered once by the session's
//! login handler, the credentials then kept per proxy for the session's later requests.
//! Only the `Basic` scheme is spoken.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine;
use futures_util::future::BoxFuture;
use http::HeaderValue;

use super::ProxyServer;

/// What the login handler is told (Electron's `authInfo` with `isProxy: true`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyAuthInfo {
    /// The scheme asked for, lower case (`basic`).
    pub scheme: String,
    /// The proxy's host.
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// The realm, empty when none was given.
    pub realm: String,
    /// The URL being requested.
    pub url: String,
}

/// Credentials for a proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyCredentials {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Answers a proxy's challenge: `Some(credentials)`, or `None` to give up (the request then
/// sees the 407 or `net::ERR_TUNNEL_CONNECTION_FAILED`).
pub type ProxyLoginHandler =
    Arc<dyn Fn(ProxyAuthInfo) -> BoxFuture<'static, Option<ProxyCredentials>> + Send + Sync>;

#[derive(Default)]
pub(crate) struct ProxyAuth {
    handler: RwLock<Option<ProxyLoginHandler>>,
    cache: Mutex<HashMap<(String, u16), HeaderValue>>,
}

fn key(p: &ProxyServer) -> (String, u16) {
    (p.host.clone(), p.port)
}

impl ProxyAuth {
    pub(crate) fn set_handler(&self, handler: Option<ProxyLoginHandler>) {
        *self.handler.write().unwrap_or_else(|e| e.into_inner()) = handler;
    }

    /// The `Proxy-Authorization` value kept for `proxy`.
    pub(crate) fn header(&self, proxy: &ProxyServer) -> Option<HeaderValue> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key(proxy))
            .cloned()
    }

    /// Asks the login handler about `challenge`; true when it gave credentials (kept for
    /// `proxy` from now on).
    pub(crate) async fn answer(&self, proxy: &ProxyServer, challenge: &str, url: &str) -> bool {
        let (scheme, params) = challenge
            .trim()
            .split_once(' ')
            .unwrap_or((challenge.trim(), ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let realm = params
            .split(',')
            .find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("realm")
                    .then(|| v.trim().trim_matches('"').to_string())
            })
            .unwrap_or_default();
        let handler = self
            .handler
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(handler) = handler else {
            return false;
        };
        let info = ProxyAuthInfo {
            scheme: "basic".into(),
            host: proxy.host.clone(),
            port: proxy.port,
            realm,
            url: url.to_string(),
        };
        let Some(c) = handler(info).await else {
            return false;
        };
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", c.username, c.password));
        let Ok(value) = HeaderValue::from_str(&format!("Basic {token}")) else {
            return false;
        };
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key(proxy), value);
        true
    }
}
