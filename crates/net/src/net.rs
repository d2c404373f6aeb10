//! [`Net`], one session's network context, and how it starts ([`NetConfig`], [`Limits`]).

use std::sync::{Arc, RwLock, Weak};

use http::HeaderValue;
use rustls_pki_types::CertificateDer;
use url::Url;

use crate::auth::{self, Auth, LoginHandler};
use crate::dns::{ResolveHostOptions, ResolvedHost, Resolver};
use crate::emulation::{Emulation, NetworkEmulation};
use crate::error::{Error, NetError, Result};
use crate::fetch::DefaultHeaders;
use crate::fetch::{self, Pipeline, Routing};
use crate::hsts::{HstsStage, TransportSecurity};
use crate::netlog::NetLog;
use crate::protocol;
use crate::proxy::{ProxyConfig, ProxyResolver, pac};
use crate::request::{FetchOptions, RequestBody};
use crate::response::Response;
use crate::stages::{self, Stages};
use crate::tls::{self, CertificateVerifyProc, SslConfig};
use crate::transport::{Dialer, Key, Pool, SocketLimits, Transport};
use crate::web_request::WebRequest;
use session_base::host_rules::HostRules;

/// hyper's default cap on HTTP/1 response header lines.
pub(crate) const HYPER_DEFAULT_MAX_HEADERS: usize = 100;

/// Limits against hostile servers.
///
/// ```
/// use session_net::{Limits, Net, NetConfig};
///
/// let mut limits = Limits::default();
/// assert_eq!(limits.max_header_bytes, 256 * 1024); // Chromium's
/// limits.max_headers = 200;
/// let mut config = NetConfig::default();
/// config.limits = limits;
/// let net = Net::new(config).unwrap();
/// # drop(net);
/// ```
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
///
/// ```
/// use session_net::{Net, NetConfig};
///
/// let mut config = NetConfig::default();
/// assert_eq!(config.user_agent, session_net::default_user_agent());
/// config.user_agent = "crawler/2.0".into();
/// config.accept_languages = Some("de,en".into());
/// config.host_rules = "MAP *.test 127.0.0.1".parse().unwrap();
/// let net = Net::new(config).unwrap();
/// assert_eq!(net.user_agent(), "crawler/2.0");
/// ```
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
    /// The application's privileged schemes (`registerSchemesAsPrivileged`): URLs of
    /// `standard` ones are canonicalised like `http` URLs.
    pub schemes: protocol::Schemes,
    /// The partition's HSTS policies: in memory by default, or
    /// [`TransportSecurity::open`] on a persistent partition's `TransportSecurity` file. It is a
    /// handle: `Net`s made from clones of one config share it, so give each partition its own.
    pub transport_security: TransportSecurity,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            user_agent: default_user_agent(),
            accept_languages: Some("en-US".into()),
            host_rules: HostRules::default(),
            extra_roots_pem: Vec::new(),
            limits: Limits::default(),
            schemes: protocol::Schemes::default(),
            transport_security: TransportSecurity::in_memory(),
        }
    }
}

/// The default User-Agent of a `Net` made without one: Electron's format, naming no application.
///
/// ```
/// let ua = session_net::default_user_agent();
/// assert!(ua.starts_with("Mozilla/5.0 ("));
/// assert!(ua.contains("Chrome/"));
/// ```
pub fn default_user_agent() -> String {
    session_base::user_agent::default_user_agent("", "")
}

pub use session_base::user_agent::accept_language_header;

/// Builds a request for `url` (any scheme `fetch` serves, `file:` included: URLs that do not fit
/// `http::Uri` travel in [`FetchOptions::url`]), with default options.
///
/// ```
/// use session_net::{FetchOptions, NetError, new_request};
///
/// let request = new_request(http::Method::POST, "https://a.example/api?q=1", "payload").unwrap();
/// assert_eq!(request.uri(), "https://a.example/api?q=1");
/// assert_eq!(request.body().len(), Some(7));
/// let options = request.extensions().get::<FetchOptions>().unwrap();
/// assert_eq!(options.url.as_ref().unwrap().path(), "/api");
///
/// let err = new_request(http::Method::GET, "no scheme", ()).unwrap_err();
/// assert_eq!(err.kind(), NetError::InvalidUrl);
/// ```
///
/// Sending one: see [`Net`].
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
///
/// ```
/// let mut options = session_net::PreconnectOptions::new("https://a.example/page");
/// assert_eq!(options.num_sockets, 1);
/// options.num_sockets = 4;
/// ```
///
/// Preconnecting: see [`Net`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreconnectOptions {
    /// The URL; only its origin matters.
    pub url: String,
    /// Sockets to open, 1..=6 (default 1).
    pub num_sockets: u32,
}

impl PreconnectOptions {
    /// One socket to `url`'s origin.
    ///
    /// Example: see [`PreconnectOptions`].
    pub fn new(url: impl Into<String>) -> Self {
        PreconnectOptions {
            url: url.into(),
            num_sockets: 1,
        }
    }
}

/// One session's network context. Cheap to clone (a handle); `Send + Sync`.
///
/// ```
/// use session_net::proxy::ProxyConfig;
/// use session_net::{HostRules, Net, NetConfig, PreconnectOptions, SocketLimits};
/// # let site = session_test_support::TestSite::start(); // a loopback site serving `/echo`
/// # let host_rules = session_test_support::HOST_RULES; // "MAP *.test 127.0.0.1"
/// # let ca_pem = site.ca_pem().as_bytes();
/// # let url = site.https_url("a.test", "/echo");
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.set_host_rules(host_rules.parse::<HostRules>().unwrap());
/// assert_eq!(net.host_rules().to_string(), "MAP *.test 127.0.0.1");
/// assert_eq!(net.add_trusted_roots_pem(ca_pem)?, 1);
/// net.set_user_agent("demo/1.0", Some("fr,en"))?;
/// assert_eq!(net.user_agent(), "demo/1.0");
///
/// let request = session_net::new_request(http::Method::GET, &url, ())?;
/// let response = net.fetch(request).await?;
/// assert!(response.ok());
/// assert!(response.text().await?.contains("demo/1.0")); // `/echo` echoes the request headers
/// assert_eq!(net.pooled_connections(), 1); // the connection went back to the pool
/// net.close_idle_connections();
/// assert_eq!(net.pooled_connections(), 0);
///
/// // Preconnect checks its options as Electron does.
/// assert!(net.preconnect(PreconnectOptions::new("not a url")).await.is_err());
///
/// net.set_socket_limits(SocketLimits::new(2, 8, 64));
/// assert_eq!(net.socket_limits().per_host, 2);
///
/// net.set_proxy(ProxyConfig::rules("http=proxy.example:3128")).await?;
/// assert_eq!(net.resolve_proxy("http://a.test/").await?, "PROXY proxy.example:3128");
/// assert_eq!(net.resolve_proxy("https://a.test/").await?, "DIRECT");
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
///
/// Settings, each for new connections of this `Net` only:
///
/// ```
/// use session_net::proxy::pac::PacLimits;
/// use session_net::{NetError, NetworkEmulation, ResolveHostOptions, SslConfig, TlsVersion};
/// # let site = session_test_support::TestSite::start();
/// # let url = site.http_url("a.test", "/echo");
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = session_net::Net::new(session_net::NetConfig::default())?;
/// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
/// let host = net.resolve_host("a.test", ResolveHostOptions::default()).await?;
/// assert_eq!(host.endpoints[0].address, "127.0.0.1");
/// net.clear_host_resolver_cache();
///
/// let mut ssl = SslConfig::default();
/// ssl.min_version = Some(TlsVersion::Tls1_3);
/// net.set_ssl_config(ssl.clone())?;
/// assert_eq!(net.ssl_config(), ssl);
///
/// net.enable_network_emulation(NetworkEmulation { offline: true, ..Default::default() });
/// let request = session_net::new_request(http::Method::GET, &url, ())?;
/// assert_eq!(net.fetch(request).await.unwrap_err().kind(), NetError::InternetDisconnected);
/// net.disable_network_emulation();
/// let request = session_net::new_request(http::Method::GET, &url, ())?;
/// assert!(net.fetch(request).await?.ok());
/// assert_eq!(net.queued_for_sockets(), 0);
/// net.close_all_connections();
/// assert_eq!(net.open_sockets(), 0);
///
/// net.set_pac_limits(PacLimits::default());
/// net.clear_auth_cache();
/// net.allow_ntlm_credentials_for_domains("*.corp.example");
/// let proxies = net.proxy_for_url(&url::Url::parse("https://a.test/").unwrap()).await?;
/// assert_eq!(proxies.to_pac_string(), "DIRECT");
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
///
/// The session's parts have examples of their own: [`Net::protocol`] ([`protocol::Protocol`]),
/// [`Net::web_request`] ([`WebRequest`]), [`Net::net_log`] ([`NetLog`]),
/// [`Net::transport_security`] ([`TransportSecurity`]), [`Net::insert_stage`] ([`stages`]).
#[derive(Clone)]
pub struct Net {
    pub(crate) pipeline: Arc<Pipeline>,
    /// HTTP authentication: the login handler, the auth cache (origin and proxy).
    auth: Arc<Auth>,
    /// The webRequest listeners.
    web_request: WebRequest,
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
    fn pool(&self) -> &Arc<Pool> {
        &self.pipeline.transport.pool
    }

    fn dialer(&self) -> &Dialer {
        &self.pipeline.transport.pool.dialer
    }

    /// A network context with its own pool, host cache and TLS state.
    ///
    /// Example: see [`Net`].
    pub fn new(config: NetConfig) -> Result<Net> {
        let tls = tls::Tls::new(Vec::new())?;
        for pem in &config.extra_roots_pem {
            tls.add_roots_pem(pem)?;
        }
        let resolver = Arc::new(Resolver::default());
        resolver.set_rules(config.host_rules.clone());
        let netlog = NetLog::default();
        let pool = Arc::new(Pool::new(Dialer {
            resolver: resolver.clone(),
            tls,
            emulation: Arc::new(Emulation::default()),
            netlog: netlog.clone(),
            limits: config.limits.clone(),
            hsts: config.transport_security.clone(),
        }));
        let auth = Arc::new(Auth::default());
        let defaults = defaults_for(&config.user_agent, config.accept_languages.as_deref())?;
        let pipeline = Arc::new_cyclic(|weak: &Weak<Pipeline>| {
            // PAC scripts are fetched through this same pipeline, always DIRECT.
            let weak = weak.clone();
            let fetcher: crate::proxy::PacFetcher = Arc::new(move |url: Url| {
                let pipeline = weak.upgrade();
                Box::pin(async move {
                    let pipeline = pipeline
                        .ok_or_else(|| Error::new(NetError::Aborted, "the session is gone"))?;
                    let request = new_request(http::Method::GET, url.as_str(), ())?;
                    fetch::fetch(&pipeline, request, Routing::Direct).await
                })
            });
            Pipeline {
                stages: Stages::default(),
                transport: Transport::new(pool, auth.clone()),
                proxy: ProxyResolver::new(fetcher, resolver),
                defaults: RwLock::new(Arc::new(defaults)),
                limits: config.limits,
                netlog,
                protocol: protocol::Protocol::new(),
            }
        });
        let weak = Arc::downgrade(&pipeline);
        let handle_auth = auth.clone();
        let web_request = WebRequest::default();
        let handle_web_request = web_request.clone();
        pipeline.stages.insert(Arc::new(protocol::ProtocolStage {
            protocol: pipeline.protocol.clone(),
            schemes: config.schemes,
            net: Box::new(move || {
                weak.upgrade().map(|pipeline| Net {
                    pipeline,
                    auth: handle_auth.clone(),
                    web_request: handle_web_request.clone(),
                })
            }),
        }));
        // First of slot 3: after `onBeforeRequest`, before any cache stage the facade adds.
        pipeline.stages.insert(Arc::new(HstsStage {
            policies: config.transport_security,
            netlog: pipeline.netlog.clone(),
        }));
        pipeline.stages.insert(Arc::new(auth::AuthStage {
            auth: auth.clone(),
            netlog: pipeline.netlog.clone(),
        }));
        for stage in web_request.stages(pipeline.netlog.clone()) {
            pipeline.stages.insert_last(stage);
        }
        Ok(Net {
            pipeline,
            auth,
            web_request,
        })
    }

    /// The session's protocol handlers (`ses.protocol`): `handle`, `unhandle`,
    /// `is_protocol_handled` and Electron's deprecated `register*`/`intercept*` family.
    ///
    /// Example: see [`protocol::Protocol`].
    pub fn protocol(&self) -> &protocol::Protocol {
        &self.pipeline.protocol
    }

    /// Sends `request` through the pipeline and returns the response once its head arrived;
    /// the body streams. Options ride in the request's extensions ([`FetchOptions`]).
    ///
    /// Dropping the future cancels the request (its connection is closed if it was in use).
    ///
    /// Example: see [`Net`].
    pub async fn fetch(&self, request: http::Request<RequestBody>) -> Result<Response> {
        fetch::fetch(&self.pipeline, request, Routing::Proxied).await
    }

    /// The session's net log (`netLog`): a handle on the log every request and socket of this
    /// `Net` writes to while it runs.
    ///
    /// Example: see [`NetLog`].
    pub fn net_log(&self) -> NetLog {
        self.pipeline.netlog.clone()
    }

    /// The session's webRequest (`ses.webRequest`): listeners that see, and may change,
    /// every request of this `Net` (fetches, downloads, PAC scripts, cache hits).
    ///
    /// Example: see [`WebRequest`].
    pub fn web_request(&self) -> &WebRequest {
        &self.web_request
    }

    /// The session's HSTS policies (Chromium's `TransportSecurityState`): what is noted from
    /// `Strict-Transport-Security`, looked up, added and deleted (see [`crate::hsts`]).
    ///
    /// Example: see [`TransportSecurity`].
    pub fn transport_security(&self) -> &TransportSecurity {
        &self.dialer().hsts
    }

    /// Adds a stage to the pipeline (see [`stages`]).
    ///
    /// Example: see [`stages`].
    pub fn insert_stage(&self, stage: Arc<dyn stages::Stage>) {
        self.pipeline.stages.insert(stage);
    }

    /// `setUserAgent(userAgent, acceptLanguages)`: new defaults for requests that set neither
    /// header. `accept_languages: None` keeps the current `Accept-Language`.
    ///
    /// Example: see [`Net`].
    pub fn set_user_agent(&self, user_agent: &str, accept_languages: Option<&str>) -> Result<()> {
        let mut guard = self
            .pipeline
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
    ///
    /// ```
    /// use session_net::{Net, NetConfig, new_request};
    /// # let site = session_test_support::TestSite::start(); // `/echo` answers the request it got as JSON
    /// # let echo = site.http_url("a.test", "/echo");
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let net = Net::new(NetConfig::default())?;
    /// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
    /// net.set_request_defaults("crawler/3.0", Some("fr-FR,fr;q=0.9"));
    /// let seen = net.fetch(new_request(http::Method::GET, &echo, ())?).await?.text().await?;
    /// assert!(seen.contains("crawler/3.0") && seen.contains("fr-FR,fr;q=0.9"), "{seen}");
    /// // A request that sets its own User-Agent keeps it.
    /// let mut request = new_request(http::Method::GET, &echo, ())?;
    /// request.headers_mut().insert("user-agent", "custom/1".parse().unwrap());
    /// assert!(net.fetch(request).await?.text().await?.contains("custom/1"));
    /// # Ok::<_, session_net::Error>(()) }).unwrap();
    /// ```
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
            .pipeline
            .defaults
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        Ok(())
    }

    /// The `User-Agent` requests get by default.
    ///
    /// Example: see [`Net`].
    pub fn user_agent(&self) -> String {
        String::from_utf8_lossy(self.pipeline.defaults().user_agent.as_bytes()).into_owned()
    }

    /// `resolveHost`.
    ///
    /// Example: see [`Net`].
    ///
    /// Dropping the future abandons the lookup (a system lookup already started finishes on
    /// the blocking pool and is discarded).
    pub async fn resolve_host(
        &self,
        host: &str,
        options: ResolveHostOptions,
    ) -> Result<ResolvedHost> {
        self.dialer().resolver.resolve_host(host, options).await
    }

    /// `clearHostResolverCache`.
    ///
    /// Example: see [`Net`].
    pub fn clear_host_resolver_cache(&self) {
        self.dialer().resolver.clear_cache();
    }

    /// Replaces the host rules (`--host-resolver-rules`); idle connections are dropped so new
    /// requests resolve by the new rules.
    ///
    /// Example: see [`Net`].
    pub fn set_host_rules(&self, rules: HostRules) {
        self.dialer().resolver.set_rules(rules);
        self.dialer().resolver.clear_cache();
        self.pool().flush_idle();
    }

    /// The host rules in force.
    ///
    /// Example: see [`Net`].
    pub fn host_rules(&self) -> HostRules {
        (*self.dialer().resolver.rules()).clone()
    }

    /// `preconnect`: checks the options as Electron does, then opens `num_sockets` connections
    /// to the URL's origin (one for an HTTP/2 origin) and keeps them in the pool. Resolves when
    /// they are open; failures to connect are not errors (as in Electron), only bad options are.
    ///
    /// Dropping the future stops opening sockets.
    ///
    /// Example: see [`Net`].
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
            match self.pool().preconnect_one(&key).await {
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
    /// with `net::ERR_ABORTED`. The TLS session tickets go too: the next connection to every
    /// host is a full handshake.
    ///
    /// Example: see [`Net`].
    pub fn close_all_connections(&self) {
        self.pool().close_all();
        self.dialer().tls.forget_sessions();
    }

    /// Closes the idle connections of the session; connections in use finish their request
    /// and are then closed instead of pooled (nothing in flight fails, unlike
    /// [`Net::close_all_connections`]).
    ///
    /// Example: see [`Net`].
    pub fn close_idle_connections(&self) {
        self.pool().flush_idle();
    }

    /// Connections kept in the pool (idle HTTP/1.1 plus HTTP/2), for observation.
    ///
    /// Example: see [`Net`].
    pub fn pooled_connections(&self) -> usize {
        self.pool().pooled_connections()
    }

    /// The session's socket limits: at most 6 sockets to one destination, 32 through one
    /// proxy, 256 in all (Chromium's), counting sockets being opened, in use and idle. A request
    /// beyond them waits in a first-come-first-served queue for a socket to go idle or close;
    /// HTTP/2 multiplexes on one connection instead. New limits apply at once (a raise serves
    /// waiting requests; a cut closes nothing, the counts fall as sockets close).
    ///
    /// Example: see [`Net`].
    pub fn set_socket_limits(&self, limits: SocketLimits) {
        self.pool().limiter.set_limits(limits);
    }

    /// The socket limits in force (see [`Net::set_socket_limits`]).
    ///
    /// Example: see [`Net`].
    pub fn socket_limits(&self) -> SocketLimits {
        self.pool().limiter.limits()
    }

    /// Sockets of the session open or being opened (idle pooled ones included), for
    /// observation.
    ///
    /// Example: see [`Net`].
    pub fn open_sockets(&self) -> usize {
        self.pool().limiter.open()
    }

    /// Requests waiting for a socket under the limits, for observation.
    ///
    /// Example: see [`Net`].
    pub fn queued_for_sockets(&self) -> usize {
        self.pool().limiter.queued()
    }

    /// `enableNetworkEmulation`.
    ///
    /// Example: see [`Net`].
    pub fn enable_network_emulation(&self, options: NetworkEmulation) {
        self.dialer().emulation.enable(options);
    }

    /// `disableNetworkEmulation`.
    ///
    /// Example: see [`Net`].
    pub fn disable_network_emulation(&self) {
        self.dialer().emulation.disable();
    }

    /// `setCertificateVerifyProc`: `None` restores the default verification. Cached verdicts
    /// and idle connections are dropped so the new proc sees every host again; requests in
    /// flight (and other sessions) are not touched.
    ///
    /// Example: see [`CertificateVerifyRequest`](crate::tls::CertificateVerifyRequest).
    pub fn set_certificate_verify_proc(&self, proc: Option<CertificateVerifyProc>) {
        self.dialer().tls.set_proc(proc);
        self.pool().flush_idle();
    }

    /// `setSSLConfig`: applies to new connections; idle ones are not reused.
    ///
    /// Example: see [`Net`].
    pub fn set_ssl_config(&self, config: SslConfig) -> Result<()> {
        self.dialer().tls.set_ssl_config(config)?;
        self.pool().flush_idle();
        Ok(())
    }

    /// The SSL config in force.
    ///
    /// Example: see [`Net`].
    pub fn ssl_config(&self) -> SslConfig {
        self.dialer().tls.ssl_config()
    }

    /// Trusts the root certificates in `pem` (one or more `CERTIFICATE` blocks) for this
    /// session, in addition to webpki-roots; returns how many were added.
    ///
    /// Example: see [`Net`].
    pub fn add_trusted_roots_pem(&self, pem: &[u8]) -> Result<usize> {
        let n = self.dialer().tls.add_roots_pem(pem)?;
        self.pool().flush_idle();
        Ok(n)
    }

    /// Trusts one DER root certificate for this session.
    ///
    /// Example: see [`CertificateVerifyRequest`](crate::tls::CertificateVerifyRequest).
    pub fn add_trusted_root_der(&self, der: &[u8]) -> Result<()> {
        self.dialer()
            .tls
            .add_roots(vec![CertificateDer::from(der.to_vec())])?;
        self.pool().flush_idle();
        Ok(())
    }

    /// `setProxy(config)`: validates the config and applies it to later requests and
    /// lookups (idle connections are dropped). A PAC script is fetched when first needed.
    ///
    /// Credentials written in the rules (`http=alice:pw@proxy:3128`, also through
    /// `http_proxy` in `system` mode) answer that proxy's challenges (Basic, Digest) without
    /// the login handler. A rule that cannot be used fails with `net::ERR_INVALID_ARGUMENT`
    /// naming it (Chromium drops it, and requests would go DIRECT).
    ///
    /// Example: see [`Net`].
    pub async fn set_proxy(&self, config: ProxyConfig) -> Result<()> {
        self.pipeline.proxy.set(&config).await?;
        self.auth
            .set_proxy_identities(self.pipeline.proxy.credentials());
        self.pool().flush_idle();
        Ok(())
    }

    /// Sets the handler that answers `401` and `407` challenges (Electron's `login` event,
    /// `isProxy` for proxies). Without one, or when it cancels, the `401`/`407` is the
    /// response. Requests with `credentials: omit` never ask it for a server; proxy
    /// credentials are kept per proxy for every later request. `None` removes it.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use session_net::auth::{AuthAnswer, AuthRequest, Credentials, LoginHandler};
    /// use session_net::{Net, NetConfig, new_request};
    /// # let site = session_test_support::TestSite::start(); // `/auth/basic` wants user:pass, realm Foo
    /// # let url = site.http_url("a.test", "/auth/basic");
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let net = Net::new(NetConfig::default())?;
    /// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
    /// let login: LoginHandler = Arc::new(|request: AuthRequest| {
    ///     Box::pin(async move {
    ///         assert!(!request.is_proxy);
    ///         assert_eq!((request.scheme.as_str(), request.realm.as_str()), ("basic", "Foo"));
    ///         AuthAnswer::Credentials(Credentials::new("user", "pass"))
    ///     })
    /// });
    /// net.set_login_handler(Some(login));
    /// assert_eq!(net.fetch(new_request(http::Method::GET, &url, ())?).await?.status(), 200);
    ///
    /// // Forget the credentials and refuse: the 401 is the response.
    /// net.clear_auth_cache();
    /// net.set_login_handler(Some(Arc::new(|_| Box::pin(async { AuthAnswer::Cancel }))));
    /// assert_eq!(net.fetch(new_request(http::Method::GET, &url, ())?).await?.status(), 401);
    /// # Ok::<_, session_net::Error>(()) }).unwrap();
    /// ```
    pub fn set_login_handler(&self, handler: Option<LoginHandler>) {
        self.auth.set_handler(handler);
    }

    /// `clearAuthCache()`: forgets every cached credential (servers and proxies). Requests in
    /// flight are not aborted.
    ///
    /// Example: see [`Net`].
    pub fn clear_auth_cache(&self) {
        self.auth.clear_cache();
    }

    /// `allowNTLMCredentialsForDomains(domains)`: the servers (Chromium's allow-list syntax)
    /// that get cached NTLM credentials without the login handler being asked again; `""`
    /// for none (the default). Proxies are not subject to it: as in Chromium, a proxy that
    /// challenges with NTLM gets the session's cached credentials for it.
    ///
    /// Example: see [`Net`].
    pub fn allow_ntlm_credentials_for_domains(&self, domains: &str) {
        self.auth.set_ntlm_allow_list(domains);
    }

    /// Sets the limits PAC scripts run under.
    ///
    /// Example: see [`Net`].
    pub fn set_pac_limits(&self, limits: pac::PacLimits) {
        self.pipeline.proxy.set_pac_limits(limits);
    }

    /// `forceReloadProxyConfig()`: drops the cached PAC script and fetches it again now
    /// (a fetch failure is reported; later lookups retry). Idle connections are dropped.
    ///
    /// ```
    /// use session_net::proxy::ProxyConfig;
    /// use session_net::{Net, NetConfig};
    /// # let site = session_test_support::TestSite::start(); // serves what `put` stores
    /// # site.put("proxy.pac", session_test_support::Resource {
    /// #     body: "function FindProxyForURL(url, host) { return 'PROXY corp-proxy.test:3128'; }".into(),
    /// #     etag: None,
    /// #     last_modified: None,
    /// #     headers: vec![("content-type".into(), "application/x-ns-proxy-autoconfig".into())],
    /// # });
    /// # let pac_url = site.http_url("a.test", "/res/proxy.pac");
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let net = Net::new(NetConfig::default())?;
    /// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
    /// net.set_proxy(ProxyConfig::pac(&pac_url)).await?;
    /// assert_eq!(net.resolve_proxy("http://example.test/").await?, "PROXY corp-proxy.test:3128");
    /// net.force_reload_proxy_config().await?; // fetched again now
    /// assert_eq!(net.resolve_proxy("http://example.test/").await?, "PROXY corp-proxy.test:3128");
    /// # Ok::<_, session_net::Error>(()) }).unwrap();
    /// ```
    pub async fn force_reload_proxy_config(&self) -> Result<()> {
        self.pool().flush_idle();
        self.pipeline.proxy.force_reload().await
    }

    /// The proxies for `url`, in fail-over order (`[DIRECT]` when none applies). Fails
    /// with `net::ERR_PAC_SCRIPT_FAILED` naming the script when a PAC script cannot be
    /// fetched or run.
    ///
    /// Example: see [`Net`].
    pub async fn proxy_for_url(&self, url: &Url) -> Result<crate::proxy::ProxyList> {
        self.pipeline.proxy.proxy_for_url(url).await
    }

    /// `resolveProxy(url)`: the proxies for `url` as a PAC string (`PROXY a:80;DIRECT`).
    /// Electron resolves with an empty string where this fails.
    ///
    /// Example: see [`Net`].
    pub async fn resolve_proxy(&self, url: &str) -> Result<String> {
        self.pipeline.proxy.resolve_proxy(url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::{AbortHandle, Body};

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
