//! One proxy server (`PROXY host:port`, `socks5://host:port`) and lists of them.

use std::fmt;

/// The protocol spoken to a proxy.
///
/// Example: see [`parse_proxy_uri`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyScheme {
    /// A plain HTTP proxy (`PROXY`).
    Http,
    /// An HTTP proxy reached over TLS (`HTTPS`).
    Https,
    /// SOCKS version 4 (`SOCKS`).
    Socks4,
    /// SOCKS version 5 (`SOCKS5`).
    Socks5,
    /// QUIC (`QUIC`); parsed and reported, not spoken.
    Quic,
}

impl ProxyScheme {
    fn default_port(self) -> u16 {
        match self {
            ProxyScheme::Http => 80,
            ProxyScheme::Https | ProxyScheme::Quic => 443,
            ProxyScheme::Socks4 | ProxyScheme::Socks5 => 1080,
        }
    }

    fn from_uri_scheme(s: &str) -> Option<ProxyScheme> {
        Some(match s.to_ascii_lowercase().as_str() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "socks4" => ProxyScheme::Socks4,
            "socks" | "socks5" => ProxyScheme::Socks5,
            "quic" => ProxyScheme::Quic,
            _ => return None,
        })
    }

    fn pac_name(self) -> &'static str {
        match self {
            ProxyScheme::Http => "PROXY",
            ProxyScheme::Https => "HTTPS",
            ProxyScheme::Socks4 => "SOCKS",
            ProxyScheme::Socks5 => "SOCKS5",
            ProxyScheme::Quic => "QUIC",
        }
    }

    fn uri_prefix(self) -> &'static str {
        match self {
            ProxyScheme::Http => "",
            ProxyScheme::Https => "https://",
            ProxyScheme::Socks4 => "socks4://",
            ProxyScheme::Socks5 => "socks5://",
            ProxyScheme::Quic => "quic://",
        }
    }
}

/// A proxy server: scheme plus canonical host (IPv6 without brackets) and port.
///
/// ```
/// use session_net::proxy::{ProxyChoice, ProxyList, parse_pac_element, parse_pac_result};
///
/// let Some(ProxyChoice::Proxy(server)) = parse_pac_element("SOCKS5 [::1]:1080") else { panic!() };
/// assert_eq!(server.host, "::1");
/// assert_eq!(server.host_port(), "[::1]:1080");
/// assert_eq!(server.to_uri(), "socks5://[::1]:1080");
/// assert_eq!(server.to_pac(), "SOCKS5 [::1]:1080");
///
/// let list = parse_pac_result("PROXY a.example:80; nonsense; DIRECT");
/// assert_eq!(list.to_pac_string(), "PROXY a.example:80;DIRECT");
/// assert_eq!(list.0[1].to_pac(), "DIRECT");
/// assert_eq!(ProxyList::direct().to_pac_string(), "DIRECT");
/// assert!(!list.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProxyServer {
    /// How to talk to it.
    pub scheme: ProxyScheme,
    /// Canonical host: lower case, punycode, IPv6 without brackets.
    pub host: String,
    /// The port (the scheme's default when none was given).
    pub port: u16,
}

impl ProxyServer {
    /// `host:port` with IPv6 hosts in brackets.
    ///
    /// Example: see [`ProxyServer`].
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URI form Chromium prints: `host:port` for HTTP, `scheme://host:port` otherwise.
    ///
    /// Example: see [`ProxyServer`].
    pub fn to_uri(&self) -> String {
        format!("{}{}", self.scheme.uri_prefix(), self.host_port())
    }

    /// The PAC form: `PROXY host:port`, `SOCKS5 host:port` ...
    ///
    /// Example: see [`ProxyServer`].
    pub fn to_pac(&self) -> String {
        format!("{} {}", self.scheme.pac_name(), self.host_port())
    }
}

/// One element of a proxy list: a server or `DIRECT`.
///
/// Example: see [`ProxyServer`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProxyChoice {
    /// Connect without a proxy.
    Direct,
    /// Through this proxy.
    Proxy(ProxyServer),
}

impl ProxyChoice {
    /// The PAC form (`DIRECT` or `PROXY host:port`).
    ///
    /// Example: see [`ProxyServer`].
    pub fn to_pac(&self) -> String {
        match self {
            ProxyChoice::Direct => "DIRECT".into(),
            ProxyChoice::Proxy(p) => p.to_pac(),
        }
    }
}

impl fmt::Display for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_pac())
    }
}

/// Proxies to try in order (fail-over).
///
/// Example: see [`ProxyServer`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyList(pub Vec<ProxyChoice>);

impl ProxyList {
    /// Only `DIRECT`.
    ///
    /// Example: see [`ProxyServer`].
    pub fn direct() -> ProxyList {
        ProxyList(vec![ProxyChoice::Direct])
    }

    /// Chromium's `ProxyList::ToPacString`: elements joined by `;` with no space.
    ///
    /// Example: see [`ProxyServer`].
    pub fn to_pac_string(&self) -> String {
        self.0
            .iter()
            .map(ProxyChoice::to_pac)
            .collect::<Vec<_>>()
            .join(";")
    }

    /// True when the list is empty.
    ///
    /// Example: see [`ProxyServer`].
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Canonicalizes `host[:port]` (no scheme) as a URL authority would be: lower case, IDNA,
/// IPv4 number forms, IPv6 compression. `None` when it is not a plain authority.
pub(crate) fn canonical_host_port(text: &str) -> Option<(String, Option<u16>)> {
    if text.is_empty()
        || text.ends_with(':')
        || text
            .chars()
            .any(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace())
    {
        return None;
    }
    let url = url::Url::parse(&format!("http://{text}")).ok()?;
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() {
        return None;
    }
    // `url` drops a port equal to the scheme default (80): recover it from the text.
    let explicit = text.rsplit_once(':').and_then(|(h, p)| {
        if h.ends_with(']') || !h.contains(':') {
            p.parse::<u16>().ok()
        } else {
            None
        }
    });
    Some((host, url.port().or(explicit)))
}

/// Parses a proxy URI `[scheme://]host[:port]` (Chromium's `ProxyUriToProxyChain`).
/// `default_scheme` applies when the text names none. `direct://` gives
/// [`ProxyChoice::Direct`] when `allow_direct`.
///
/// ```
/// use session_net::proxy::{ProxyChoice, ProxyScheme, parse_proxy_uri};
///
/// let Some(ProxyChoice::Proxy(p)) = parse_proxy_uri("Proxy.Example", ProxyScheme::Http, false) else { panic!() };
/// assert_eq!((p.scheme, p.host.as_str(), p.port), (ProxyScheme::Http, "proxy.example", 80));
/// assert_eq!(parse_proxy_uri("direct://", ProxyScheme::Http, true), Some(ProxyChoice::Direct));
/// assert_eq!(parse_proxy_uri("direct://", ProxyScheme::Http, false), None);
/// ```
pub fn parse_proxy_uri(
    text: &str,
    default_scheme: ProxyScheme,
    allow_direct: bool,
) -> Option<ProxyChoice> {
    let text = text.trim_matches(|c: char| c == ' ' || c == '\t');
    let (scheme, rest) = match text.split_once("://") {
        Some((s, rest)) => {
            if s.eq_ignore_ascii_case("direct") {
                return (allow_direct && rest.is_empty()).then_some(ProxyChoice::Direct);
            }
            (ProxyScheme::from_uri_scheme(s)?, rest)
        }
        None => (default_scheme, text),
    };
    let (host, port) = canonical_host_port(rest)?;
    Some(ProxyChoice::Proxy(ProxyServer {
        scheme,
        host,
        port: port.unwrap_or(scheme.default_port()),
    }))
}

/// Splits the user info off a proxy URI (`[scheme://]user[:password]@host[:port]`): the
/// percent-decoded credentials, and the URI without them. A URI without `@` comes back whole.
pub(crate) fn split_user_info(text: &str) -> (Option<crate::auth::Credentials>, String) {
    let text = text.trim_matches(|c: char| c == ' ' || c == '\t');
    let (prefix, rest) = match text.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), text),
    };
    let Some((info, host)) = rest.rsplit_once('@') else {
        return (None, text.to_string());
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let (user, pass) = info.split_once(':').unwrap_or((info, ""));
    (
        Some(crate::auth::Credentials::new(decode(user), decode(pass))),
        format!("{prefix}{host}"),
    )
}

/// Parses one element of a PAC result (`PROXY host:port`, `SOCKS5 h`, `DIRECT`).
///
/// Example: see [`ProxyServer`].
pub fn parse_pac_element(text: &str) -> Option<ProxyChoice> {
    let text = text.trim();
    let (kind, rest) = match text.split_once([' ', '\t']) {
        Some((k, r)) => (k, r.trim()),
        None => (text, ""),
    };
    let scheme = match kind.to_ascii_uppercase().as_str() {
        "DIRECT" => return rest.is_empty().then_some(ProxyChoice::Direct),
        "PROXY" => ProxyScheme::Http,
        "HTTPS" => ProxyScheme::Https,
        "SOCKS" | "SOCKS4" => ProxyScheme::Socks4,
        "SOCKS5" => ProxyScheme::Socks5,
        "QUIC" => ProxyScheme::Quic,
        _ => return None,
    };
    if rest.is_empty() {
        return None;
    }
    let (host, port) = canonical_host_port(rest)?;
    Some(ProxyChoice::Proxy(ProxyServer {
        scheme,
        host,
        port: port.unwrap_or(scheme.default_port()),
    }))
}

/// Parses a whole PAC result (`PROXY a:80; DIRECT`); invalid elements are skipped.
///
/// Example: see [`ProxyServer`].
pub fn parse_pac_result(text: &str) -> ProxyList {
    ProxyList(text.split(';').filter_map(parse_pac_element).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Option<String> {
        match parse_proxy_uri(s, ProxyScheme::Http, true)? {
            ProxyChoice::Direct => Some("direct://".into()),
            ProxyChoice::Proxy(p) => Some(p.to_uri()),
        }
    }

    #[test]
    fn uris() {
        assert_eq!(uri("foopy:10").as_deref(), Some("foopy:10"));
        assert_eq!(uri("http://foopy").as_deref(), Some("foopy:80"));
        assert_eq!(uri("socks://foopy").as_deref(), Some("socks5://foopy:1080"));
        assert_eq!(
            uri("https://0xA.020.3.4:443").as_deref(),
            Some("https://10.16.3.4:443")
        );
        assert_eq!(
            uri("http://[::192.9.5.5]").as_deref(),
            Some("[::c009:505]:80")
        );
        assert_eq!(uri("DIRECT://").as_deref(), Some("direct://"));
        for bad in [
            "",
            "dddf:",
            "dddd:d",
            "http://",
            "http:/",
            "foopy.111",
            "direct://xyz",
        ] {
            assert_eq!(uri(bad), None, "{bad}");
        }
    }

    #[test]
    fn user_info_is_split_off() {
        let (c, rest) = split_user_info("http://alice:p%40ss@proxy.test:3128");
        let c = c.expect("credentials");
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("alice", "p@ss")
        );
        assert_eq!(rest, "http://proxy.test:3128");
        assert_eq!(uri(&rest).as_deref(), Some("proxy.test:3128"));
        let (c, rest) = split_user_info("bob@proxy.test");
        assert_eq!(c.map(|c| c.username), Some("bob".to_string()));
        assert_eq!(rest, "proxy.test");
        assert_eq!(
            split_user_info("proxy.test:1"),
            (None, "proxy.test:1".to_string())
        );
    }

    #[test]
    fn pac_results() {
        assert_eq!(
            parse_pac_result("PROXY a:80; DIRECT").to_pac_string(),
            "PROXY a:80;DIRECT"
        );
        assert_eq!(
            parse_pac_result("socks foopy").to_pac_string(),
            "SOCKS foopy:1080"
        );
        assert!(parse_pac_element("HTTP foopy:10").is_none());
        assert!(parse_pac_element("DIRECT foopy:10").is_none());
    }
}
