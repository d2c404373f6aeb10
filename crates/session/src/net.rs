//! Networking of a session: everything of `session-net`, re-exported, and the session's network
//! methods (`fetch`, `resolve_host`, `preconnect`, `close_all_connections`, network emulation,
//! certificate verification, SSL config, host resolver cache).
//!
//! Each session owns one [`Net`]: its own connection pool (sessions never share sockets), host
//! cache, TLS state and emulation. `User-Agent` and `Accept-Language` follow
//! [`Session::set_user_agent`].

use crate::session::Session;
pub use session_net::*;

/// The session's network context, with its HSTS policies kept in
/// `<storage_path>/TransportSecurity` for a persistent partition (a warning when an unusable file
/// was moved aside), in memory otherwise.
pub(crate) fn new_net(
    user_agent: &str,
    accept_language: &str,
    schemes: &protocol::Schemes,
    storage_path: Option<&std::path::Path>,
) -> Result<(Net, Option<String>), crate::Error> {
    let mut config = NetConfig::default();
    config.schemes = schemes.clone();
    let mut warning = None;
    if let Some(dir) = storage_path {
        let (policies, w) =
            hsts::TransportSecurity::open(dir.join(hsts::FILE_NAME)).map_err(|e| {
                crate::Error::with_source(
                    crate::ErrorKind::Io,
                    "cannot open the session's HSTS state",
                    e,
                )
            })?;
        config.transport_security = policies;
        warning = w;
    }
    let net = Net::new(config).map_err(|e| {
        crate::Error::with_source(
            crate::ErrorKind::Io,
            "cannot set up the session's network context",
            e,
        )
    })?;
    user_agent_changed(&net, user_agent, accept_language);
    Ok((net, warning))
}

/// Follows the session's user agent and `Accept-Language` header.
pub(crate) fn user_agent_changed(net: &Net, user_agent: &str, accept_language: &str) {
    // A user agent with bytes a header cannot carry (a newline) keeps the previous one for
    // requests; the session still reports what was set.
    let _ = net.set_request_defaults(user_agent, Some(accept_language));
}

impl Session {
    /// `ses.protocol`: the session's protocol handlers (`handle`, `unhandle`,
    /// `is_protocol_handled` and the deprecated `register*`/`intercept*` family). Handlers are
    /// per session (PROTO-34); the privileged schemes are the registry's
    /// ([`crate::Sessions::register_schemes_as_privileged`]).
    ///
    /// ```
    /// use session::net::web_request::{Answer, Filter};
    /// use session::net::{Body, NetError, RequestBody};
    /// use session::{SessionOptions, Sessions};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let user_data = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(user_data.path()).from_partition("ui", SessionOptions::default()).unwrap();
    /// session.protocol().handle("app", |request: http::Request<RequestBody>| async move {
    ///     Ok(http::Response::new(Body::full(format!("page {}", request.uri().path()))))
    /// }).unwrap();
    /// assert!(session.protocol().is_protocol_handled("app"));
    /// let _blocker = session.web_request().add_before_request(Filter::all(), |d| async move {
    ///     if d.url.path().ends_with(".ads") { Answer::cancel() } else { Answer::proceed() }
    /// });
    ///
    /// let text = session.get("app://ui/index.html").send().await.unwrap().text().await.unwrap();
    /// assert_eq!(text, "page /index.html");
    /// let err = session.get("app://ui/banner.ads").send().await.unwrap_err();
    /// assert_eq!(err.kind(), NetError::BlockedByClient);
    /// # });
    /// ```
    pub fn protocol(&self) -> &protocol::Protocol {
        self.inner.net.protocol()
    }

    /// The session's network context: host rules, extra trusted roots, pipeline stages.
    ///
    /// Example: see [`Session::protocol`].
    pub fn net(&self) -> &Net {
        &self.inner.net
    }

    /// `ses.fetch(input, init)`: sends `request` through the session's pipeline. Options
    /// (redirect, credentials, cache, abort) ride in the request's extensions as
    /// [`FetchOptions`]; [`new_request`] builds a request for any URL, `file:` included.
    ///
    /// Dropping the future cancels the request.
    ///
    /// Example: see [`Session::protocol`].
    pub async fn fetch(
        &self,
        request: http::Request<RequestBody>,
    ) -> session_net::Result<Response> {
        self.inner.net.fetch(request).await
    }

    /// `ses.resolveHost(host, options)`.
    ///
    /// Dropping the future abandons the lookup.
    ///
    /// Example: see [`Session::protocol`].
    pub async fn resolve_host(
        &self,
        host: &str,
        options: ResolveHostOptions,
    ) -> session_net::Result<ResolvedHost> {
        self.inner.net.resolve_host(host, options).await
    }

    /// `ses.preconnect({url, numSockets})`: bad options are refused as Electron does
    /// (SESSION-30); resolves once the sockets are open (connection failures are not errors).
    ///
    /// Dropping the future stops opening sockets.
    ///
    /// Example: see [`Session::protocol`].
    pub async fn preconnect(&self, options: PreconnectOptions) -> session_net::Result<()> {
        self.inner.net.preconnect(options).await
    }

    /// `ses.closeAllConnections()`: requests in flight fail with `net::ERR_ABORTED`.
    ///
    /// Example: see [`Session::protocol`].
    pub fn close_all_connections(&self) {
        self.inner.net.close_all_connections();
    }

    /// `ses.enableNetworkEmulation(options)`.
    ///
    /// Example: see [`Session::protocol`].
    pub fn enable_network_emulation(&self, options: NetworkEmulation) {
        self.inner.net.enable_network_emulation(options);
    }

    /// `ses.disableNetworkEmulation()`.
    ///
    /// Example: see [`Session::protocol`].
    pub fn disable_network_emulation(&self) {
        self.inner.net.disable_network_emulation();
    }

    /// `ses.setCertificateVerifyProc(proc)`: `None` restores the default verification. Make a
    /// proc of an async closure with [`verify_proc`]. Cached verdicts and idle connections are
    /// dropped so the new proc sees every host; other sessions are not touched.
    ///
    /// Example: see [`Session::protocol`].
    pub fn set_certificate_verify_proc(&self, proc: Option<CertificateVerifyProc>) {
        self.inner.net.set_certificate_verify_proc(proc);
    }

    /// `ses.setSSLConfig(config)`: applies to new connections (what rustls cannot do is refused
    /// with a clear error, see [`tls`]).
    ///
    /// Example: see [`Session::protocol`].
    pub fn set_ssl_config(&self, config: SslConfig) -> session_net::Result<()> {
        self.inner.net.set_ssl_config(config)
    }

    /// `ses.clearHostResolverCache()`.
    ///
    /// Example: see [`Session::protocol`].
    pub fn clear_host_resolver_cache(&self) {
        self.inner.net.clear_host_resolver_cache();
    }
}
