//! Origins and sites, as the web platform and Chromium define them.
//!
//! ```
//! use session_base::origin::{
//!     Origin, Site, default_port, is_loopback_host, is_public_suffix, registrable_domain,
//! };
//! use url::Url;
//!
//! let url = Url::parse("https://www.Example.co.uk:8443/a?b").unwrap();
//! let origin = Origin::from_url(&url);
//! assert_eq!(origin.to_string(), "https://www.example.co.uk:8443");
//! assert!(origin.is_potentially_trustworthy());
//! assert_eq!(Site::from_url(&url).to_string(), "https://example.co.uk");
//!
//! assert_eq!(registrable_domain("a.b.github.io"), Some("b.github.io"));
//! assert_eq!(registrable_domain("co.uk"), None);
//! assert!(Origin::parse("https://example.com/path").is_err());
//! assert!(Origin::parse("http://127.0.0.1:3000").unwrap().is_potentially_trustworthy());
//! assert!(is_loopback_host("app.localhost"));
//! assert_eq!(origin.host(), Some("www.example.co.uk"));
//! assert!(is_public_suffix("co.uk") && !is_public_suffix("example.co.uk"));
//! assert_eq!((default_port("https"), default_port("app")), (Some(443), None));
//! assert!(Site::try_from_url(&Url::parse("data:text/plain,x").unwrap()).is_none());
//! ```

use std::fmt;
use url::{Host, Url};

/// The registrable domain (eTLD+1) of `host` by the public suffix list, or `None` when the host
/// is an IP address, a public suffix itself, or has no registrable part (`localhost`).
///
/// The host is expected lower-case and without a trailing dot.
///
/// Example: see [the module's example](self).
pub fn registrable_domain(host: &str) -> Option<&str> {
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    let domain = psl::domain(host.as_bytes())?;
    if !domain.suffix().is_known() && !host.contains('.') {
        return None;
    }
    std::str::from_utf8(domain.as_bytes()).ok()
}

/// Whether `host` is itself a public suffix (`com`, `co.uk`, `github.io`).
///
/// Example: see [the module's example](self).
pub fn is_public_suffix(host: &str) -> bool {
    psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes().len() == host.len())
}

/// A tuple origin: scheme, host and port, or an opaque origin (`data:`, `file:` ...); the
/// [module example](self) shows it.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// An opaque origin, equal to no other.
    Opaque,
    /// `scheme://host[:port]`.
    Tuple {
        /// Lower-case scheme.
        scheme: String,
        /// Host as serialized by the URL parser (IPv6 in brackets).
        host: String,
        /// The port, or the scheme's default.
        port: u16,
    },
}

impl Origin {
    /// The origin of `url`.
    ///
    /// Example: see [the module's example](self).
    pub fn from_url(url: &Url) -> Self {
        match url.origin() {
            url::Origin::Opaque(_) => Origin::Opaque,
            url::Origin::Tuple(scheme, host, port) => Origin::Tuple {
                scheme,
                host: host.to_string(),
                port,
            },
        }
    }

    /// Parses an origin string such as `https://example.com`; anything with a path, query or
    /// fragment beyond `/`, or an opaque origin, is refused with a message naming the input.
    ///
    /// Example: see [the module's example](self).
    pub fn parse(s: &str) -> Result<Self, String> {
        let url = Url::parse(s).map_err(|_| format!("Invalid origin: '{s}'"))?;
        let origin = Origin::from_url(&url);
        if origin == Origin::Opaque || url.path() != "/" || url.query().is_some() {
            return Err(format!("Invalid origin: '{s}'"));
        }
        Ok(origin)
    }

    /// The host, for tuple origins.
    ///
    /// Example: see [the module's example](self).
    pub fn host(&self) -> Option<&str> {
        match self {
            Origin::Opaque => None,
            Origin::Tuple { host, .. } => Some(host),
        }
    }

    /// Whether the origin is potentially trustworthy: https/wss, or a loopback host.
    ///
    /// Example: see [the module's example](self).
    pub fn is_potentially_trustworthy(&self) -> bool {
        match self {
            Origin::Opaque => false,
            Origin::Tuple { scheme, host, .. } => {
                scheme == "https" || scheme == "wss" || is_loopback_host(host)
            }
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Opaque => f.write_str("null"),
            Origin::Tuple { scheme, host, port } => {
                write!(f, "{scheme}://{host}")?;
                if Some(*port) != default_port(scheme) {
                    write!(f, ":{port}")?;
                }
                Ok(())
            }
        }
    }
}

/// A schemeful site: scheme plus registrable domain (or the whole host when it has none); the
/// [module example](self) shows it.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Site {
    /// Lower-case scheme.
    pub scheme: String,
    /// Registrable domain, or the host itself (IP addresses, `localhost`).
    pub domain: String,
}

impl Site {
    /// The site of `url`, or `None` for URLs without a host.
    ///
    /// Example: see [the module's example](self).
    pub fn try_from_url(url: &Url) -> Option<Self> {
        let host = match url.host()? {
            Host::Domain(d) => d.to_ascii_lowercase(),
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(ip) => format!("[{ip}]"),
        };
        let domain = registrable_domain(&host).map(str::to_owned).unwrap_or(host);
        Some(Site {
            scheme: url.scheme().to_owned(),
            domain,
        })
    }

    /// The site of `url`; URLs without a host get an empty domain.
    ///
    /// Example: see [the module's example](self).
    pub fn from_url(url: &Url) -> Self {
        Self::try_from_url(url).unwrap_or_else(|| Site {
            scheme: url.scheme().to_owned(),
            domain: String::new(),
        })
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.domain)
    }
}

/// The default port of a special scheme.
///
/// Example: see [the module's example](self).
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Whether `host` names the local machine: `localhost`, `*.localhost`, 127.0.0.0/8 or `[::1]`.
///
/// Example: see [the module's example](self).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain("www.example.co.uk"),
            Some("example.co.uk")
        );
        assert_eq!(registrable_domain("example.com"), Some("example.com"));
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(registrable_domain("com"), None);
        assert_eq!(registrable_domain("127.0.0.1"), None);
        assert_eq!(registrable_domain("localhost"), None);
        assert!(is_public_suffix("co.uk"));
        assert!(!is_public_suffix("example.co.uk"));
    }

    #[test]
    fn origins_parse_and_print() {
        let o = Origin::parse("https://example.com").expect("valid");
        assert_eq!(o.to_string(), "https://example.com");
        assert_eq!(
            Origin::parse("http://a.test:8080/")
                .expect("valid")
                .to_string(),
            "http://a.test:8080"
        );
        assert_eq!(
            Origin::parse("data:text/plain,x").expect_err("opaque"),
            "Invalid origin: 'data:text/plain,x'"
        );
        assert!(Origin::parse("https://example.com/path").is_err());
    }

    #[test]
    fn loopback_and_trust() {
        assert!(is_loopback_host("localhost"));
        assert!(is_loopback_host("a.localhost"));
        assert!(is_loopback_host("127.0.0.2"));
        assert!(is_loopback_host("[::1]"));
        assert!(!is_loopback_host("example.com"));
        let o = Origin::parse("http://localhost:3000").expect("valid");
        assert!(o.is_potentially_trustworthy());
        assert!(
            !Origin::parse("http://a.test")
                .expect("valid")
                .is_potentially_trustworthy()
        );
    }

    #[test]
    fn sites() {
        let url = Url::parse("http://127.0.0.1:9/").expect("url");
        assert_eq!(Site::from_url(&url).to_string(), "http://127.0.0.1");
    }
}
