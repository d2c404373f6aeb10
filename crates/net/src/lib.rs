//! The request pipeline of a session.
//!
//! [`Net`] is one session's network context: `fetch` over HTTP/1.1 and HTTP/2 with rustls (ring,
//! webpki-roots plus extra roots), one connection pool (sessions never share sockets), DNS with
//! host rules and a host cache, TLS policy (`set_ssl_config`) and certificate verification
//! (`set_certificate_verify_proc`), network emulation, content decoding, `file:` URLs, and the
//! seams where cookies and the HTTP cache attach.
//!
//! ```
//! use session_net::{Net, NetConfig, RequestBody};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), session_net::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("hello.txt");
//! std::fs::write(&path, "hello world").unwrap();
//!
//! let net = Net::new(NetConfig::default())?;
//! let url = url::Url::from_file_path(&path).unwrap();
//! let request = session_net::new_request(http::Method::GET, url.as_str(), RequestBody::empty())?;
//! let response = net.fetch(request).await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.text().await?, "hello world");
//! # Ok(()) }
//! ```
//!
//! # The pipeline and its seams
//!
//! Stages run in the order of DESIGN.md; see [`stages`] for the exact contract. A later crate
//! plugs in with [`Net::insert_stage`] and an implementation of [`stages::Stage`]:
//!
//! - **cookies**: `Slot::Cookies`, implemented by [`cookies::CookieStage`]. `on_request` reads [`stages::RequestContext::url`],
//!   [`stages::RequestContext::credentials_allowed`], `site_for_cookies_url()`, `initiator`,
//!   `top_level_navigation` and `method`, and appends a `Cookie` header to `ctx.headers`.
//!   `on_response` runs for every hop, redirects included, and stores every `Set-Cookie` of
//!   `response.headers`.
//! - **cache**: `Slot::Cache`, implemented by [`cache::CacheStage`]. `on_request` reads `ctx.cache` ([`CacheMode`]); on a fresh hit it
//!   returns `Flow::Respond(HopResponse { from_cache: true, .. })`, which skips the transport;
//!   for a revalidation it adds `If-None-Match` / `If-Modified-Since` and leaves the entry in
//!   `ctx.extensions`. `on_response` stores the response (wrapping `response.body` to tee it)
//!   or merges a 304 into the stored entry and replaces `*response`.
//!
//! # Behaviour notes
//!
//! - DNS is the system resolver (see [`dns`]); answers are cached for 60 s.
//! - HTTP/1.1 request header names go out in Title-Case (hyper does not take the caller's
//!   spelling); response `raw_headers` keep the server's spelling and wire order.
//! - What rustls cannot do of `set_ssl_config` is listed in [`tls`].

pub mod auth;
pub mod blob;
mod body;
pub mod cache;
pub mod certificate;
pub mod cookies;
mod decode;
pub mod dns;
pub mod emulation;
mod error;
mod fetch;
mod file;
pub mod netlog;
pub mod protocol;
pub mod proxy;
mod redirect;
mod request;
mod response;
pub mod shared_dictionary;
pub mod stages;
pub mod tls;
mod transport;

use std::sync::{Arc, RwLock};

use http::HeaderValue;
use rustls_pki_types::CertificateDer;
use url::Url;

pub use body::Body;
pub use certificate::{Certificate, CertificatePrincipal};
pub use dns::{ResolveHostOptions, ResolvedEndpoint, ResolvedHost};
pub use emulation::NetworkEmulation;
pub use error::{Error, NetError, Result};
pub use netlog::{CaptureMode, NetLog, NetLogOptions};
pub use redirect::MAX_REDIRECTS;
pub use request::{
    AbortHandle, CacheMode, CredentialsMode, FetchOptions, RedirectMode, RequestBody,
};
pub use response::{HopResponse, RawHeaders, Response, UrlChain};
pub use session_base::host_rules::HostRules;
pub use tls::{
    CertificateVerdict, CertificateVerifyProc, CertificateVerifyRequest, SslConfig, TlsVersion,
    verify_proc,
};

use stages::Stages;
use transport::{DefaultHeaders, Key, Transport};

/// hyper's default cap on HTTP/1 response header lines.
const HYPER_DEFAULT_MAX_HEADERS: usize = 100;

/// Limits against hostile servers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest response header block, in bytes (Chromium: 256 KiB); larger fails with
    /// `net::ERR_RESPONSE_HEADERS_TOO_BIG`.
    pub max_header_bytes: usize,
    /// Most header lines in one response; more fails with `net::ERR_RESPONSE_HEADERS_TOO_BIG`.
    /// The default, 100, is hyper's stack-allocated parse array; a larger cap works but costs a
    /// heap array per response (Chromium has no such cap, only the byte limit).
    pub max_headers: usize,
    /// A decoded body may be at most this many times its encoded size once past
    /// `decompression_floor`; past it the body fails with `net::ERR_CONTENT_DECODING_FAILED`.
    pub max_decompression_ratio: u64,
    /// Decoded bytes allowed before the ratio is enforced.
    pub decompression_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 256 * 1024,
            max_headers: HYPER_DEFAULT_MAX_HEADERS,
            max_decompression_ratio: 100,
            decompression_floor: 10 * 1024 * 1024,
        }
    }
}

/// How a [`Net`] starts.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NetConfig {
    /// `User-Agent` of every request that sets none.
    pub user_agent: String,
    /// The `acceptLanguages` list (`en-US,fr,de`), sent with q-values; `None` sends no
    /// `Accept-Language`.
    pub accept_languages: Option<String>,
    /// Host rules (`--host-resolver-rules`).
    pub host_rules: HostRules,
    /// Extra trusted root certificates, PEM.
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// Limits against hostile servers.
    pub limits: Limits,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            user_agent: default_user_agent(),
            accept_languages: Some("en-US".into()),
            host_rules: HostRules::default(),
            extra_roots_pem: Vec::new(),
            limits: Limits::default(),
        }
    }
}

/// The default User-Agent of a `Net` made without one: Electron's format, naming no application.
pub fn default_user_agent() -> String {
    session_base::user_agent::default_user_agent("", "")
}

pub use session_base::user_agent::accept_language_header;

/// Builds a request for `url` (any scheme `fetch` serves, `file:` included: URLs that do not fit
/// `http::Uri` travel in [`FetchOptions::url`]), with default options.
pub fn new_request(
    method: http::Method,
    url: &str,
    body: impl Into<RequestBody>,
) -> Result<http::Request<RequestBody>> {
    let parsed = Url::parse(url).map_err(|e| {
        Error::new(
            NetError::InvalidUrl,
            format!("'{url}' is not a valid URL: {e}"),
        )
    })?;
    let mut request = http::Request::new(body.into());
    *request.method_mut() = method;
    if let Ok(uri) = parsed.as_str().parse::<http::Uri>()
        && uri.scheme().is_some()
        && uri.authority().is_some()
    {
        *request.uri_mut() = uri;
    }
    // The parsed URL rides along so that `fetch` does not parse it again.
    request
        .extensions_mut()
        .insert(FetchOptions::new().url(parsed));
    Ok(request)
}

/// Options of [`Net::preconnect`] (Electron's `preconnect` options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreconnectOptions {
    /// The URL; only its origin matters.
    pub url: String,
    /// Sockets to open, 1..=6 (default 1).
    pub num_sockets: u32,
}

impl PreconnectOptions {
    /// One socket to `url`'s origin.
    pub fn new(url: impl Into<String>) -> Self {
        PreconnectOptions {
            url: url.into(),
            num_sockets: 1,
        }
    }
}

pub(crate) struct Inner {
    transport: Arc<Transport>,
    stages: Stages,
    defaults: RwLock<Arc<DefaultHeaders>>,
    limits: Limits,
    proxy: proxy::ProxyState,
}

impl Inner {
    fn defaults(&self) -> Arc<DefaultHeaders> {
        self.defaults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// One session's network context. Cheap to clone (a handle); `Send + Sync`.
#[derive(Clone)]
pub struct Net {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").finish_non_exhaustive()
    }
}

fn header_value(what: &str, s: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(s).map_err(|_| {
        Error::new(
            NetError::InvalidArgument,
            format!("{what} '{s}' is not a valid header value"),
        )
    })
}

fn defaults_for(user_agent: &str, accept_languages: Option<&str>) -> Result<DefaultHeaders> {
    Ok(DefaultHeaders {
        user_agent: header_value("user agent", user_agent)?,
        accept_language: match accept_languages {
            Some(l) if !l.trim().is_empty() => Some(header_value(
                "accept languages",
                &accept_language_header(l),
            )?),
            _ => None,
        },
    })
}

impl Net {
    /// A network context with its own pool, host cache and TLS state.
    pub fn new(config: NetConfig) -> Result<Net> {
        let tls = tls::Tls::new(Vec::new())?;
        for pem in &config.extra_roots_pem {
            tls.add_roots_pem(pem)?;
        }
        let transport = Arc::new(Transport::new(tls, config.limits.clone()));
        transport.resolver.set_rules(config.host_rules.clone());
        let defaults = defaults_for(&config.user_agent, config.accept_languages.as_deref())?;
        Ok(Net {
            inner: Arc::new(Inner {
                transport,
                stages: Stages::default(),
                defaults: RwLock::new(Arc::new(defaults)),
                limits: config.limits,
                proxy: proxy::ProxyState::default(),
            }),
        })
    }

    /// Sends `request` through the pipeline and returns the response once its head arrived;
    /// the body streams. Options ride in the request's extensions ([`FetchOptions`]).
    ///
    /// Dropping the future cancels the request (its connection is closed if it was in use).
    pub async fn fetch(&self, request: http::Request<RequestBody>) -> Result<Response> {
        fetch::fetch(&self.inner, request).await
    }

    /// The session's net log (`netLog`): a handle on the log every request and socket of this
    /// `Net` writes to while it runs.
    pub fn net_log(&self) -> NetLog {
        self.inner.transport.netlog.clone()
    }

    /// Adds a stage to the pipeline (see [`stages`]).
    pub fn insert_stage(&self, stage: Arc<dyn stages::Stage>) {
        self.inner.stages.insert(stage);
    }

    /// `setUserAgent(userAgent, acceptLanguages)`: new defaults for requests that set neither
    /// header. `accept_languages: None` keeps the current `Accept-Language`.
    pub fn set_user_agent(&self, user_agent: &str, accept_languages: Option<&str>) -> Result<()> {
        let mut guard = self
            .inner
            .defaults
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let mut next = defaults_for(user_agent, accept_languages)?;
        if accept_languages.is_none() {
            next.accept_language = guard.accept_language.clone();
        }
        *guard = Arc::new(next);
        Ok(())
    }

    /// Sets the `User-Agent` and the ready-made `Accept-Language` value (`None`: send none) of
    /// requests that set neither header. The session facade uses this to follow its own
    /// `set_user_agent`.
    pub fn set_request_defaults(
        &self,
        user_agent: &str,
        accept_language: Option<&str>,
    ) -> Result<()> {
        let next = DefaultHeaders {
            user_agent: header_value("user agent", user_agent)?,
            accept_language: match accept_language {
                Some(v) if !v.is_empty() => Some(header_value("accept language", v)?),
                _ => None,
            },
        };
        *self
            .inner
            .defaults
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        Ok(())
    }

    /// The `User-Agent` requests get by default.
    pub fn user_agent(&self) -> String {
        String::from_utf8_lossy(self.inner.defaults().user_agent.as_bytes()).into_owned()
    }

    /// `resolveHost`.
    ///
    /// Dropping the future abandons the lookup (a system lookup already started finishes on
    /// the blocking pool and is discarded).
    pub async fn resolve_host(
        &self,
        host: &str,
        options: ResolveHostOptions,
    ) -> Result<ResolvedHost> {
        self.inner
            .transport
            .resolver
            .resolve_host(host, options)
            .await
    }

    /// `clearHostResolverCache`.
    pub fn clear_host_resolver_cache(&self) {
        self.inner.transport.resolver.clear_cache();
    }

    /// Replaces the host rules (`--host-resolver-rules`); idle connections are dropped so new
    /// requests resolve by the new rules.
    pub fn set_host_rules(&self, rules: HostRules) {
        self.inner.transport.resolver.set_rules(rules);
        self.inner.transport.resolver.clear_cache();
        self.inner.transport.flush_idle();
    }

    /// The host rules in force.
    pub fn host_rules(&self) -> HostRules {
        (*self.inner.transport.resolver.rules()).clone()
    }

    /// `preconnect`: checks the options as Electron does, then opens `num_sockets` connections
    /// to the URL's origin (one for an HTTP/2 origin) and keeps them in the pool. Resolves when
    /// they are open; failures to connect are not errors (as in Electron), only bad options are.
    ///
    /// Dropping the future stops opening sockets.
    pub async fn preconnect(&self, options: PreconnectOptions) -> Result<()> {
        let url = Url::parse(&options.url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                Error::new(
                    NetError::InvalidArgument,
                    "Must pass non-empty valid url to session.preconnect.",
                )
            })?;
        if !(1..=6).contains(&options.num_sockets) {
            return Err(Error::new(
                NetError::InvalidArgument,
                format!(
                    "numSocketsToPreconnect is outside range [1,6]: {}",
                    options.num_sockets
                ),
            ));
        }
        let key = Key::from_url(&url)?;
        for _ in 0..options.num_sockets {
            match self.inner.transport.preconnect_one(&key).await {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    tracing::debug!("preconnect to {url} failed: {e}");
                    break;
                }
            }
        }
        Ok(())
    }

    /// `closeAllConnections`: closes every connection of the session; requests in flight fail
    /// with `net::ERR_ABORTED`.
    pub fn close_all_connections(&self) {
        self.inner.transport.close_all();
    }

    /// Connections kept in the pool (idle HTTP/1.1 plus HTTP/2), for observation.
    pub fn pooled_connections(&self) -> usize {
        self.inner.transport.pooled_connections()
    }

    /// `enableNetworkEmulation`.
    pub fn enable_network_emulation(&self, options: NetworkEmulation) {
        self.inner.transport.emulation.enable(options);
    }

    /// `disableNetworkEmulation`.
    pub fn disable_network_emulation(&self) {
        self.inner.transport.emulation.disable();
    }

    /// `setCertificateVerifyProc`: `None` restores the default verification. Cached verdicts
    /// and idle connections are dropped so the new proc sees every host again; requests in
    /// flight (and other sessions) are not touched.
    pub fn set_certificate_verify_proc(&self, proc: Option<CertificateVerifyProc>) {
        self.inner.transport.tls.set_proc(proc);
        self.inner.transport.flush_idle();
    }

    /// `setSSLConfig`: applies to new connections; idle ones are not reused.
    pub fn set_ssl_config(&self, config: SslConfig) -> Result<()> {
        self.inner.transport.tls.set_ssl_config(config)?;
        self.inner.transport.flush_idle();
        Ok(())
    }

    /// The SSL config in force.
    pub fn ssl_config(&self) -> SslConfig {
        self.inner.transport.tls.ssl_config()
    }

    /// Trusts the root certificates in `pem` (one or more `CERTIFICATE` blocks) for this
    /// session, in addition to webpki-roots; returns how many were added.
    pub fn add_trusted_roots_pem(&self, pem: &[u8]) -> Result<usize> {
        let n = self.inner.transport.tls.add_roots_pem(pem)?;
        self.inner.transport.flush_idle();
        Ok(n)
    }

    /// Trusts one DER root certificate for this session.
    pub fn add_trusted_root_der(&self, der: &[u8]) -> Result<()> {
        self.inner
            .transport
            .tls
            .add_roots(vec![CertificateDer::from(der.to_vec())])?;
        self.inner.transport.flush_idle();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Net>();
        check::<Response>();
        check::<Body>();
        check::<Error>();
        check::<AbortHandle>();
    }

    #[tokio::test]
    async fn preconnect_validates_like_electron() {
        // SESSION-30
        let net = Net::new(NetConfig::default()).expect("net");
        let err = net
            .preconnect(PreconnectOptions::new(""))
            .await
            .expect_err("empty");
        assert_eq!(
            err.detail(),
            "Must pass non-empty valid url to session.preconnect."
        );
        let mut o = PreconnectOptions::new("http://127.0.0.1:1/");
        o.num_sockets = 7;
        assert!(net.preconnect(o.clone()).await.is_err());
        o.num_sockets = 0;
        assert!(net.preconnect(o).await.is_err());
    }

    #[test]
    fn user_agent_updates() {
        let net = Net::new(NetConfig::default()).expect("net");
        net.set_user_agent("test-agent", Some("en-US,fr,de"))
            .expect("ua");
        assert_eq!(net.user_agent(), "test-agent");
        assert!(net.set_user_agent("bad\nagent", None).is_err());
    }
}
