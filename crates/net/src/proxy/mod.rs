//! Proxy configuration (`setProxy`), proxy resolution (`resolveProxy`) and PAC scripts.
//!
//! - [`ProxyConfig`] is Electron's `ProxyConfig` structure; [`ProxyMode`] its `mode`.
//! - [`ProxyRules`] parses `proxyRules` (`http=a:80;https=b,direct://`), [`BypassRules`]
//!   `proxyBypassRules` (`<local>`, `<-loopback>`, `*.example.com:80`, `10.0.0.0/8`), with
//!   Chromium's implicit loopback / link-local bypass.
//! - [`pac`] runs PAC scripts in QuickJS with a time and a memory limit.
//! - [`ProxyList::to_pac_string`] is the `resolveProxy` format: `PROXY a:80;DIRECT`.
//!
//! `system` mode reads the environment (`http_proxy`, `https_proxy`, `ftp_proxy`,
//! `all_proxy`, `no_proxy`, upper or lower case), as Chromium does on a Linux desktop without
//! GNOME/KDE settings; `auto_detect` fetches `http://wpad/wpad.dat` and goes DIRECT when
//! that fails.

mod bypass;
pub mod pac;
mod rules;
mod server;

use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use url::Url;

pub use bypass::{BypassRules, matches_implicit};
pub use rules::{ProxyRules, RulesType};
pub use server::{
    ProxyChoice, ProxyList, ProxyScheme, ProxyServer, parse_pac_element, parse_pac_result,
    parse_proxy_uri,
};

use crate::dns::Resolver;
use crate::error::{Error, NetError, Result};

/// Largest PAC script accepted, bytes.
///
/// ```
/// assert_eq!(session_net::proxy::MAX_PAC_SCRIPT_BYTES, 4 * 1024 * 1024);
/// ```
pub const MAX_PAC_SCRIPT_BYTES: usize = 4 * 1024 * 1024;

const WPAD_URL: &str = "http://wpad/wpad.dat";

/// Electron's proxy `mode`.
///
/// ```
/// use session_net::proxy::ProxyMode;
///
/// assert_eq!(ProxyMode::parse("pac_script").unwrap(), ProxyMode::PacScript);
/// assert!(ProxyMode::parse("manual").is_err());
/// ```
///
/// A config's effective mode: see [`ProxyConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyMode {
    /// Every connection is direct.
    Direct,
    /// WPAD: the PAC script at `http://wpad/wpad.dat`.
    AutoDetect,
    /// The PAC script at `pacScript`.
    PacScript,
    /// `proxyRules` and `proxyBypassRules`.
    FixedServers,
    /// The system's settings (the environment on Linux).
    System,
}

impl ProxyMode {
    /// Parses Electron's mode names.
    ///
    /// Example: see [`ProxyMode`].
    pub fn parse(text: &str) -> Result<ProxyMode> {
        Ok(match text {
            "direct" => ProxyMode::Direct,
            "auto_detect" => ProxyMode::AutoDetect,
            "pac_script" => ProxyMode::PacScript,
            "fixed_servers" => ProxyMode::FixedServers,
            "system" => ProxyMode::System,
            _ => {
                return Err(Error::new(
                    NetError::InvalidArgument,
                    "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system",
                ));
            }
        })
    }
}

/// Electron's `ProxyConfig` (`session.setProxy(config)`).
///
/// ```
/// use session_net::proxy::{ProxyConfig, ProxyMode};
///
/// let fixed = ProxyConfig::rules("http=proxy:3128;https=secure:3129").with_bypass("<local>,*.corp");
/// assert_eq!(fixed.effective_mode().unwrap(), ProxyMode::FixedServers);
/// assert_eq!(fixed.proxy_bypass_rules.as_deref(), Some("<local>,*.corp"));
///
/// let pac = ProxyConfig::pac("http://wpad.corp/proxy.pac");
/// assert_eq!(pac.effective_mode().unwrap(), ProxyMode::PacScript);
/// let system = ProxyConfig::default().with_mode("system");
/// assert_eq!(system.effective_mode().unwrap(), ProxyMode::System);
/// assert!(ProxyConfig::default().with_mode("bogus").effective_mode().is_err());
/// ```
///
/// Applying one to a session: see [`Net`](crate::Net).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProxyConfig {
    /// `direct`, `auto_detect`, `pac_script`, `fixed_servers` or `system`; omitted means
    /// `pac_script` when `pac_script` is non-empty, else `fixed_servers`.
    pub mode: Option<String>,
    /// URL of a PAC script (`http:`, `https:`, `file:` or `data:`).
    pub pac_script: Option<String>,
    /// Proxy rules.
    pub proxy_rules: Option<String>,
    /// Bypass rules.
    pub proxy_bypass_rules: Option<String>,
}

impl ProxyConfig {
    /// A config of fixed proxy rules.
    ///
    /// Example: see [`ProxyConfig`].
    pub fn rules(rules: impl Into<String>) -> ProxyConfig {
        ProxyConfig {
            proxy_rules: Some(rules.into()),
            ..ProxyConfig::default()
        }
    }

    /// A config of a PAC script URL.
    ///
    /// Example: see [`ProxyConfig`].
    pub fn pac(url: impl Into<String>) -> ProxyConfig {
        ProxyConfig {
            pac_script: Some(url.into()),
            ..ProxyConfig::default()
        }
    }

    /// Sets the mode.
    ///
    /// Example: see [`ProxyConfig`].
    pub fn with_mode(mut self, mode: impl Into<String>) -> ProxyConfig {
        self.mode = Some(mode.into());
        self
    }

    /// Sets the bypass rules.
    ///
    /// Example: see [`ProxyConfig`].
    pub fn with_bypass(mut self, rules: impl Into<String>) -> ProxyConfig {
        self.proxy_bypass_rules = Some(rules.into());
        self
    }

    /// The effective mode (validates `mode`).
    ///
    /// Example: see [`ProxyConfig`].
    pub fn effective_mode(&self) -> Result<ProxyMode> {
        match self.mode.as_deref() {
            Some(m) => ProxyMode::parse(m),
            None if self.pac_script.as_deref().is_some_and(|p| !p.is_empty()) => {
                Ok(ProxyMode::PacScript)
            }
            None => Ok(ProxyMode::FixedServers),
        }
    }
}

/// A config checked and parsed.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    mode: ProxyMode,
    rules: ProxyRules,
    bypass: BypassRules,
    pac_url: Option<String>,
}

impl Resolved {
    fn from_config(config: &ProxyConfig) -> Result<Resolved> {
        let mode = config.effective_mode()?;
        let mut resolved = Resolved {
            mode,
            rules: ProxyRules::parse(config.proxy_rules.as_deref().unwrap_or("")),
            bypass: BypassRules::parse(config.proxy_bypass_rules.as_deref().unwrap_or("")),
            pac_url: config.pac_script.clone().filter(|p| !p.is_empty()),
        };
        match mode {
            ProxyMode::System => {
                let env = |name: &str| {
                    std::env::var(name)
                        .or_else(|_| std::env::var(name.to_ascii_uppercase()))
                        .ok()
                        .filter(|v| !v.trim().is_empty())
                };
                let mut text = String::new();
                if let Some(all) = env("all_proxy") {
                    text = all;
                } else {
                    for (scheme, var) in [
                        ("http", "http_proxy"),
                        ("https", "https_proxy"),
                        ("ftp", "ftp_proxy"),
                    ] {
                        if let Some(v) = env(var) {
                            text.push_str(&format!("{scheme}={v};"));
                        }
                    }
                }
                resolved.rules = ProxyRules::parse(&text);
                resolved.bypass = BypassRules::parse(&env("no_proxy").unwrap_or_default());
            }
            ProxyMode::AutoDetect => resolved.pac_url = Some(WPAD_URL.into()),
            _ => {}
        }
        if matches!(mode, ProxyMode::FixedServers | ProxyMode::System)
            && let Some(rule) = resolved.rules.unusable.first()
        {
            return Err(Error::new(
                NetError::InvalidArgument,
                format!(
                    "proxy rule '{rule}' cannot be used (a scheme key other than http, https, ftp or socks, or a proxy URI that does not parse); no request would go through it"
                ),
            ));
        }
        Ok(resolved)
    }
}

/// Says (at `info`, target `session_net::proxy`) that `url` skipped `configured` because it is a
/// loopback or link-local destination: Chromium's implicit bypass, which surprises users who
/// point a local test at a proxy. `ses -v` prints it.
fn note_implicit_bypass(url: &Url, configured: &str) {
    tracing::info!(
        target: "session_net::proxy",
        "{} goes DIRECT, not through {configured}: a loopback or link-local destination bypasses \
         the proxy (Chromium's implicit rule; the bypass rule <-loopback> sends it through the \
         proxy)",
        url.host_str().unwrap_or("")
    );
}

fn pac_error(url: &str, what: impl std::fmt::Display) -> Error {
    Error::new(
        NetError::PacScriptFailed,
        format!("PAC script {url}: {what}"),
    )
}

fn decode_data_url(url: &Url) -> Result<Vec<u8>> {
    let text = url.as_str();
    let rest = &text["data:".len()..];
    let (meta, data) = rest
        .split_once(',')
        .ok_or_else(|| pac_error(text, "a data: URL needs a comma"))?;
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(data).collect();
    if meta.to_ascii_lowercase().ends_with(";base64") {
        use base64::Engine;
        let compact: Vec<u8> = bytes
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|e| pac_error(text, format!("bad base64: {e}")))
    } else {
        Ok(bytes)
    }
}

/// Fetches a PAC script directly (never through a proxy) through the session's pipeline, so
/// the fetch is seen as any other request is.
pub(crate) type PacFetcher =
    Arc<dyn Fn(Url) -> BoxFuture<'static, Result<crate::response::Response>> + Send + Sync>;

/// The proxy settings of one session and the answers they give: which proxies a URL goes
/// through (`resolveProxy`, and the routes of every hop).
pub(crate) struct ProxyResolver {
    config: RwLock<Arc<Resolved>>,
    /// The fetched PAC script (its URL and text), kept until the config changes or a reload.
    pac: tokio::sync::Mutex<Option<(String, Arc<String>)>>,
    limits: RwLock<pac::PacLimits>,
    fetcher: PacFetcher,
    /// Host lookups of PAC scripts (`dnsResolve`).
    dns: Arc<Resolver>,
}

impl ProxyResolver {
    /// DIRECT until [`ProxyResolver::set`]; PAC scripts come through `fetcher`, their host
    /// lookups through `dns`.
    pub(crate) fn new(fetcher: PacFetcher, dns: Arc<Resolver>) -> Self {
        ProxyResolver {
            config: RwLock::new(Arc::new(Resolved {
                mode: ProxyMode::Direct,
                rules: ProxyRules::parse(""),
                bypass: BypassRules::default(),
                pac_url: None,
            })),
            pac: tokio::sync::Mutex::new(None),
            limits: RwLock::new(pac::PacLimits::default()),
            fetcher,
            dns,
        }
    }

    fn current(&self) -> Arc<Resolved> {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Where a hop to `url` goes: proxies in fail-over order, `None` for DIRECT. A PAC script
    /// that fails means DIRECT (as in Chromium).
    pub(crate) async fn route(&self, url: &Url) -> Vec<Option<ProxyServer>> {
        if self.current().mode == ProxyMode::Direct {
            return vec![None];
        }
        match self.proxy_for_url(url).await {
            Ok(list) => list
                .0
                .into_iter()
                .map(|c| match c {
                    ProxyChoice::Direct => None,
                    ProxyChoice::Proxy(p) => Some(p),
                })
                .collect(),
            Err(e) => {
                tracing::debug!("proxy lookup for {url} failed, going direct: {e}");
                vec![None]
            }
        }
    }
    async fn fetch_pac(&self, pac_url: &str) -> Result<Arc<String>> {
        let url =
            Url::parse(pac_url).map_err(|e| pac_error(pac_url, format!("not a valid URL: {e}")))?;
        let bytes = match url.scheme() {
            "data" => decode_data_url(&url)?,
            "http" | "https" | "file" => {
                let response = (self.fetcher)(url.clone())
                    .await
                    .map_err(|e| pac_error(pac_url, e))?;
                if !response.ok() {
                    return Err(pac_error(
                        pac_url,
                        format!("server answered {}", response.status()),
                    ));
                }
                let body = response.bytes().await.map_err(|e| pac_error(pac_url, e))?;
                body.to_vec()
            }
            other => return Err(pac_error(pac_url, format!("unsupported scheme '{other}:'"))),
        };
        if bytes.len() > MAX_PAC_SCRIPT_BYTES {
            return Err(pac_error(
                pac_url,
                format!("larger than {MAX_PAC_SCRIPT_BYTES} bytes"),
            ));
        }
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Arc::new(text))
    }

    async fn pac_script(&self, pac_url: &str) -> Result<Arc<String>> {
        let mut guard = self.pac.lock().await;
        if let Some((u, text)) = guard.as_ref()
            && u == pac_url
        {
            return Ok(text.clone());
        }
        let text = self.fetch_pac(pac_url).await?;
        *guard = Some((pac_url.to_string(), text.clone()));
        Ok(text)
    }

    /// Validates `config` and applies it to later lookups; a PAC script is fetched when
    /// first needed.
    /// The credentials written in the current rules, by proxy origin (`http://host:port`).
    pub(crate) fn credentials(
        &self,
    ) -> std::collections::HashMap<String, crate::auth::Credentials> {
        self.current()
            .rules
            .credentials
            .iter()
            .map(|(p, c)| (crate::auth::proxy_origin(p), c.clone()))
            .collect()
    }

    pub(crate) async fn set(&self, config: &ProxyConfig) -> Result<()> {
        let resolved = Resolved::from_config(config)?;
        let mut pac = self.pac.lock().await;
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(resolved);
        *pac = None;
        Ok(())
    }

    /// Sets the limits PAC scripts run under.
    pub(crate) fn set_pac_limits(&self, limits: pac::PacLimits) {
        *self.limits.write().unwrap_or_else(|e| e.into_inner()) = limits;
    }

    /// `forceReloadProxyConfig()`: drops the cached PAC script and fetches it again now
    /// (a fetch failure is reported; later lookups retry).
    pub(crate) async fn force_reload(&self) -> Result<()> {
        let config = self.current();
        *self.pac.lock().await = None;
        match (&config.mode, &config.pac_url) {
            (ProxyMode::PacScript, Some(url)) => self.pac_script(url).await.map(|_| ()),
            _ => Ok(()),
        }
    }

    /// The proxies for `url`, in fail-over order (`[DIRECT]` when none applies). Fails
    /// with `net::ERR_PAC_SCRIPT_FAILED` naming the script when a PAC script cannot be
    /// fetched or run.
    pub(crate) async fn proxy_for_url(&self, url: &Url) -> Result<ProxyList> {
        let config = self.current();
        let list = match config.mode {
            ProxyMode::Direct => ProxyList::direct(),
            ProxyMode::FixedServers | ProxyMode::System => {
                if config.bypass.matches(url, false) {
                    let listed = config.rules.list_for(url);
                    if config.bypass.bypassed_implicitly(url)
                        && listed.0.iter().any(|c| matches!(c, ProxyChoice::Proxy(_)))
                    {
                        note_implicit_bypass(url, &listed.to_pac_string());
                    }
                    ProxyList::direct()
                } else {
                    config.rules.list_for(url)
                }
            }
            ProxyMode::PacScript | ProxyMode::AutoDetect => match &config.pac_url {
                None => ProxyList::direct(),
                Some(pac_url) if matches_implicit(url) => {
                    note_implicit_bypass(url, &format!("the PAC script {pac_url}"));
                    ProxyList::direct()
                }
                Some(pac_url) => {
                    let script = match self.pac_script(pac_url).await {
                        Ok(s) => s,
                        Err(_) if config.mode == ProxyMode::AutoDetect => {
                            return Ok(ProxyList::direct());
                        }
                        Err(e) => return Err(e),
                    };
                    self.run_pac(pac_url, script, url).await?
                }
            },
        };
        Ok(if list.is_empty() {
            ProxyList::direct()
        } else {
            list
        })
    }

    async fn run_pac(&self, pac_url: &str, script: Arc<String>, url: &Url) -> Result<ProxyList> {
        let limits = self
            .limits
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let resolver = self.dns.clone();
        let handle = tokio::runtime::Handle::current();
        let dns: pac::PacDns = Arc::new(move |host: &str| -> Vec<IpAddr> {
            if let Ok(ip) = host.parse::<IpAddr>() {
                return vec![ip];
            }
            handle
                .block_on(resolver.resolve_host(host, crate::ResolveHostOptions::default()))
                .map(|r| {
                    r.endpoints
                        .iter()
                        .filter_map(|e| e.address.parse().ok())
                        .collect()
                })
                .unwrap_or_default()
        });
        let name = pac_url.to_string();
        let target = url.clone();
        let result = tokio::task::spawn_blocking(move || {
            pac::PacRun {
                name: &name,
                dns,
                limits,
            }
            .find_proxy(&script, &target)
        })
        .await
        .map_err(|e| pac_error(pac_url, format!("the PAC task failed: {e}")))?
        .map_err(|e| Error::new(NetError::PacScriptFailed, e.0))?;
        let list = parse_pac_result(&result);
        if list.is_empty() && !result.trim().is_empty() {
            return Err(pac_error(
                pac_url,
                format!("FindProxyForURL returned no valid element: {result:?}"),
            ));
        }
        Ok(list)
    }

    /// `resolveProxy(url)`: the proxies for `url` as a PAC string (`PROXY a:80;DIRECT`).
    /// Electron resolves with an empty string where this fails.
    pub(crate) async fn resolve_proxy(&self, url: &str) -> Result<String> {
        let parsed = Url::parse(url).map_err(|e| {
            Error::new(
                NetError::InvalidUrl,
                format!("'{url}' is not a valid URL: {e}"),
            )
        })?;
        Ok(self.proxy_for_url(&parsed).await?.to_pac_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        // PROXY-10
        let e = ProxyConfig::default()
            .with_mode("invalid")
            .effective_mode()
            .expect_err("mode");
        assert_eq!(
            e.detail(),
            "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system"
        );
        assert_eq!(
            ProxyConfig::pac("http://x/").effective_mode().ok(),
            Some(ProxyMode::PacScript)
        );
        assert_eq!(
            ProxyConfig::default().effective_mode().ok(),
            Some(ProxyMode::FixedServers)
        );
        let json: ProxyConfig =
            serde_json::from_str(r#"{"mode":"direct","proxyRules":"a:1"}"#).expect("json");
        assert_eq!(json.effective_mode().ok(), Some(ProxyMode::Direct));
    }

    #[test]
    fn data_urls() {
        let u =
            Url::parse("data:application/x-ns-proxy-autoconfig;base64,ZnVuY3Rpb24=").expect("url");
        assert_eq!(decode_data_url(&u).expect("data"), b"function");
        let u = Url::parse("data:,a%20b").expect("url");
        assert_eq!(decode_data_url(&u).expect("data"), b"a b");
    }
}
