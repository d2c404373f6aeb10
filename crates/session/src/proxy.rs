//! The session's proxy: `setProxy`, `resolveProxy`, `forceReloadProxyConfig`.
//!
//! The types ([`ProxyConfig`], [`ProxyList`] ...) are `session-net`'s, re-exported.

use crate::session::Session;
pub use session_net::proxy::*;

impl Session {
    /// `ses.setProxy(config)`: a bad `mode` is refused with Electron's message
    /// ("Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or
    /// system"). `ProxyConfig::default()` means direct connections.
    ///
    /// ```
    /// use session::proxy::ProxyConfig;
    /// use session::{SessionOptions, Sessions};
    ///
    /// let user_data = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(user_data.path())
    ///     .from_partition("app", SessionOptions::default())
    ///     .unwrap();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// session.set_proxy(ProxyConfig::rules("http=proxy.example:3128")).await?;
    /// assert_eq!(session.resolve_proxy("http://a.test/").await?, "PROXY proxy.example:3128");
    /// assert_eq!(session.resolve_proxy("https://a.test/").await?, "DIRECT");
    /// session.force_reload_proxy_config().await?;
    ///
    /// let bad = ProxyConfig::default().with_mode("manual");
    /// assert!(session.set_proxy(bad).await.unwrap_err().to_string().contains("Invalid mode"));
    /// # Ok::<_, session::net::Error>(()) }).unwrap();
    /// ```
    pub async fn set_proxy(&self, config: ProxyConfig) -> session_net::Result<()> {
        self.inner.net.set_proxy(config).await
    }

    /// `ses.resolveProxy(url)`: the proxies for `url` as a PAC string, e.g.
    /// `PROXY myproxy:80;DIRECT`. Where Electron resolves with an empty string (a PAC script
    /// that cannot be fetched or run) this fails with `net::ERR_PAC_SCRIPT_FAILED` naming the
    /// script.
    ///
    /// Example: see [`Session::set_proxy`].
    pub async fn resolve_proxy(&self, url: &str) -> session_net::Result<String> {
        self.inner.net.resolve_proxy(url).await
    }

    /// `ses.forceReloadProxyConfig()`: fetches the PAC script again.
    ///
    /// Example: see [`Session::set_proxy`].
    pub async fn force_reload_proxy_config(&self) -> session_net::Result<()> {
        self.inner.net.force_reload_proxy_config().await
    }
}
