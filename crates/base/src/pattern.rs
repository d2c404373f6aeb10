//! Chrome extension match patterns (`extensions::URLPattern`): `<all_urls>`,
//! `*://*.example.com/*`, `file:///*`, `about:blank`, explicit ports. Electron parses
//! `webRequest` filter `urls` with them, and extensions use them for host permissions, content
//! scripts and `web_accessible_resources`. [`MatchPatternSet`] indexes many patterns by host so a
//! request is checked against the few that can match.
//!
//! Grammar and results follow Chromium: the parse errors are Chromium's
//! [`PatternErrorKind`]s, `*` as a scheme means `http` or `https`, a leading `*.` in the host
//! matches the host and its subdomains (never inside an IP address), the port must match the URL's
//! effective port, the path is a glob over path and query where only `*` is special, and `file:`
//! patterns ignore their host.
//!
//! ```
//! use session_base::pattern::{MatchPattern, MatchPatternSet};
//! use url::Url;
//!
//! let p = MatchPattern::parse("*://*.example.com/*").unwrap();
//! assert!(p.matches(&Url::parse("https://www.example.com/a?b").unwrap()));
//! assert!(!p.matches(&Url::parse("ftp://example.com/").unwrap()));
//! assert!(MatchPattern::parse("http://*foo/").unwrap_err().to_string().contains("http://*foo/"));
//!
//! let set = MatchPatternSet::new(["https://a.test/*", "*://*.b.test/x*"].map(|s| MatchPattern::parse(s).unwrap()));
//! assert_eq!(set.matching(&Url::parse("http://c.b.test/xy").unwrap()), vec![1]);
//! ```

use std::collections::HashMap;
use std::fmt;

use url::{Host, Url};

use crate::glob::Glob;

/// Which schemes a pattern may name and match (Chromium's `valid_schemes` mask).
///
/// ```
/// use session_base::pattern::{MatchPattern, Schemes};
///
/// let web = Schemes::HTTP.union(Schemes::HTTPS);
/// assert!(web.allows("https") && !web.allows("file"));
/// assert!(Schemes::ALL.allows("chrome-extension") && Schemes::NAMED.allows("ws"));
/// assert!(MatchPattern::parse_with("file:///*", web).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Schemes(u32);

/// The schemes a [`Schemes`] mask can name, with their bits, in Chromium's order.
const NAMED: &[(&str, u32)] = &[
    ("http", 1 << 0),
    ("https", 1 << 1),
    ("file", 1 << 2),
    ("ftp", 1 << 3),
    ("chrome", 1 << 4),
    ("chrome-extension", 1 << 5),
    ("filesystem", 1 << 6),
    ("ws", 1 << 7),
    ("wss", 1 << 8),
    ("data", 1 << 9),
    ("uuid-in-package", 1 << 10),
];

impl Schemes {
    /// `http`.
    ///
    /// Example: see [`Schemes`].
    pub const HTTP: Schemes = Schemes(1 << 0);
    /// `https`.
    ///
    /// Example: see [`Schemes`].
    pub const HTTPS: Schemes = Schemes(1 << 1);
    /// `file`.
    ///
    /// Example: see [`Schemes`].
    pub const FILE: Schemes = Schemes(1 << 2);
    /// `ftp`.
    ///
    /// Example: see [`Schemes`].
    pub const FTP: Schemes = Schemes(1 << 3);
    /// `chrome` (WebUI).
    ///
    /// Example: see [`Schemes`].
    pub const CHROME_UI: Schemes = Schemes(1 << 4);
    /// `chrome-extension`.
    ///
    /// Example: see [`Schemes`].
    pub const EXTENSION: Schemes = Schemes(1 << 5);
    /// `filesystem`.
    ///
    /// Example: see [`Schemes`].
    pub const FILESYSTEM: Schemes = Schemes(1 << 6);
    /// `ws`.
    ///
    /// Example: see [`Schemes`].
    pub const WS: Schemes = Schemes(1 << 7);
    /// `wss`.
    ///
    /// Example: see [`Schemes`].
    pub const WSS: Schemes = Schemes(1 << 8);
    /// `data`.
    ///
    /// Example: see [`Schemes`].
    pub const DATA: Schemes = Schemes(1 << 9);
    /// `uuid-in-package`.
    ///
    /// Example: see [`Schemes`].
    pub const UUID_IN_PACKAGE: Schemes = Schemes(1 << 10);
    /// Every named scheme (Chromium's `kAllSchemes` in its tests).
    ///
    /// Example: see [`Schemes`].
    pub const NAMED: Schemes = Schemes((1 << 11) - 1);
    /// Any scheme at all, `about:` and `javascript:` included (`SCHEME_ALL`; Electron's
    /// `webRequest` filters).
    ///
    /// Example: see [`Schemes`].
    pub const ALL: Schemes = Schemes(u32::MAX);

    /// The union of two masks.
    ///
    /// Example: see [`Schemes`].
    pub const fn union(self, other: Schemes) -> Schemes {
        Schemes(self.0 | other.0)
    }

    /// Whether `scheme` is allowed by this mask.
    ///
    /// Example: see [`Schemes`].
    pub fn allows(self, scheme: &str) -> bool {
        if self == Schemes::ALL {
            return true;
        }
        NAMED
            .iter()
            .any(|(name, bit)| *name == scheme && self.0 & bit != 0)
    }

    fn intersect(self, other: Schemes) -> Schemes {
        Schemes(self.0 & other.0)
    }

    fn contains(self, other: Schemes) -> bool {
        self.0 & other.0 == other.0
    }

    fn named(self) -> impl Iterator<Item = &'static str> {
        NAMED
            .iter()
            .filter(move |(_, bit)| self.0 & bit != 0)
            .map(|(name, _)| *name)
    }
}

/// Why a pattern did not parse: Chromium's `URLPattern::ParseResult` values.
///
/// Example: see [`PatternError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatternErrorKind {
    /// No `:` at all.
    MissingSchemeSeparator,
    /// A scheme the mask does not allow.
    InvalidScheme,
    /// `://` for a scheme without authority, or `:` for one with.
    WrongSchemeSeparator,
    /// Nothing where the host should be.
    EmptyHost,
    /// `*` anywhere in the host but as the whole first label.
    InvalidHostWildcard,
    /// No `/` after the host.
    EmptyPath,
    /// A port that is not a number in 0..=65535 or `*`, or a port on a scheme without ports.
    InvalidPort,
    /// A host the URL parser rejects.
    InvalidHost,
}

impl PatternErrorKind {
    /// Chromium's name for it (`kEmptyHost`), as conformance data spells it.
    ///
    /// Example: see [`PatternError`].
    pub fn chromium_name(self) -> &'static str {
        match self {
            PatternErrorKind::MissingSchemeSeparator => "kMissingSchemeSeparator",
            PatternErrorKind::InvalidScheme => "kInvalidScheme",
            PatternErrorKind::WrongSchemeSeparator => "kWrongSchemeSeparator",
            PatternErrorKind::EmptyHost => "kEmptyHost",
            PatternErrorKind::InvalidHostWildcard => "kInvalidHostWildcard",
            PatternErrorKind::EmptyPath => "kEmptyPath",
            PatternErrorKind::InvalidPort => "kInvalidPort",
            PatternErrorKind::InvalidHost => "kInvalidHost",
        }
    }

    /// Chromium's message for it (`Host can not be empty.`).
    ///
    /// Example: see [`PatternError`].
    pub fn message(self) -> &'static str {
        match self {
            PatternErrorKind::MissingSchemeSeparator => "Missing scheme separator.",
            PatternErrorKind::InvalidScheme => "Invalid scheme.",
            PatternErrorKind::WrongSchemeSeparator => "Wrong scheme type.",
            PatternErrorKind::EmptyHost => "Host can not be empty.",
            PatternErrorKind::InvalidHostWildcard => "Invalid host wildcard.",
            PatternErrorKind::EmptyPath => "Empty path.",
            PatternErrorKind::InvalidPort => "Invalid port.",
            PatternErrorKind::InvalidHost => "Invalid host.",
        }
    }
}

/// A pattern that did not parse, with the pattern itself.
///
/// ```
/// use session_base::pattern::{MatchPattern, PatternErrorKind};
///
/// let err = MatchPattern::parse("https:///path").unwrap_err();
/// assert_eq!(err.kind, PatternErrorKind::EmptyHost);
/// assert_eq!(err.kind.chromium_name(), "kEmptyHost");
/// assert_eq!(err.kind.message(), "Host can not be empty.");
/// assert_eq!(err.to_string(), "URL pattern 'https:///path' is malformed: Host can not be empty.");
/// assert_eq!(MatchPattern::parse("https://a.test:99999/").unwrap_err().kind, PatternErrorKind::InvalidPort);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("URL pattern '{pattern}' is malformed: {}", kind.message())]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// What is wrong with it.
    pub kind: PatternErrorKind,
}

/// Schemes written `scheme://` (Chromium's standard schemes plus `filesystem`); any other scheme
/// is written `scheme:path`.
fn is_standard_scheme(scheme: &str) -> bool {
    matches!(
        scheme,
        "*" | "http"
            | "https"
            | "file"
            | "ftp"
            | "ws"
            | "wss"
            | "chrome"
            | "chrome-extension"
            | "chrome-untrusted"
            | "devtools"
            | "filesystem"
    )
}

/// Schemes with a default port (the only ones a pattern may give a port for; `*` is http or
/// https).
fn scheme_has_ports(scheme: &str) -> bool {
    matches!(scheme, "*" | "http" | "https" | "ftp" | "ws" | "wss")
}

/// A parsed Chrome match pattern.
///
/// ```
/// use session_base::pattern::{MatchPattern, Schemes};
/// use url::Url;
///
/// let p = MatchPattern::parse("*://*.example.com:8080/api/*").unwrap();
/// assert_eq!((p.scheme(), p.host(), p.port(), p.path()), ("*", "example.com", Some(8080), "/api/*"));
/// assert!(p.match_subdomains() && !p.match_all_urls());
/// assert_eq!(p.explicit_schemes(), ["http", "https"]);
/// assert_eq!(p.convert_to_explicit_schemes()[1].to_string(), "https://*.example.com:8080/api/*");
/// assert!(p.matches_scheme("https") && !p.matches_scheme("ws"));
/// assert!(p.matches_host("cdn.example.com") && p.matches_path("/api/v1?x=1"));
/// assert!(p.matches(&Url::parse("http://example.com:8080/api/").unwrap()));
///
/// // Set operations, as Chromium's permission code uses them.
/// let all = MatchPattern::all_urls(Schemes::ALL);
/// assert!(all.match_all_urls() && all.contains(&p) && all.overlaps(&p));
/// let one = MatchPattern::parse("https://www.example.com:8080/api/v2").unwrap();
/// assert!(one.matches_single_origin() && !p.matches_single_origin());
/// assert_eq!(p.intersection(&one), Some(one.clone()));
/// assert!(all.matches_effective_tld(false, false) && !p.matches_effective_tld(false, false));
/// let web = MatchPattern::parse_with("*://*/*", Schemes::HTTP.union(Schemes::HTTPS)).unwrap();
/// assert_eq!(web.valid_schemes(), Schemes::HTTP.union(Schemes::HTTPS));
/// ```
#[derive(Clone, Debug)]
pub struct MatchPattern {
    valid: Schemes,
    scheme: String,
    host: String,
    match_subdomains: bool,
    match_all_urls: bool,
    port: Option<u16>,
    path: String,
    path_glob: Glob,
}

impl PartialEq for MatchPattern {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for MatchPattern {}

impl std::hash::Hash for MatchPattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.to_string().hash(state);
    }
}

impl std::str::FromStr for MatchPattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MatchPattern::parse(s)
    }
}

impl MatchPattern {
    /// Parses with every scheme allowed, as Electron's `webRequest` filters do.
    ///
    /// Example: see [`MatchPattern`].
    pub fn parse(pattern: &str) -> Result<MatchPattern, PatternError> {
        MatchPattern::parse_with(pattern, Schemes::ALL)
    }

    /// Parses allowing only the schemes in `valid` (content scripts and host permissions use
    /// narrower masks).
    ///
    /// Example: see [`MatchPattern`].
    pub fn parse_with(pattern: &str, valid: Schemes) -> Result<MatchPattern, PatternError> {
        parse(pattern, valid).map_err(|kind| PatternError {
            pattern: pattern.to_owned(),
            kind,
        })
    }

    /// `<all_urls>` over the given schemes.
    ///
    /// Example: see [`MatchPattern`].
    pub fn all_urls(valid: Schemes) -> MatchPattern {
        MatchPattern {
            valid,
            scheme: "*".into(),
            host: String::new(),
            match_subdomains: true,
            match_all_urls: true,
            port: None,
            path: "/*".into(),
            path_glob: Glob::literal_except_star("/*"),
        }
    }

    /// The scheme (`*` for http-or-https and for `<all_urls>`).
    ///
    /// Example: see [`MatchPattern`].
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The canonical host without the `*.` prefix; empty for "any host".
    ///
    /// Example: see [`MatchPattern`].
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether subdomains of [`host`](Self::host) match too (`*.`).
    ///
    /// Example: see [`MatchPattern`].
    pub fn match_subdomains(&self) -> bool {
        self.match_subdomains
    }

    /// Whether this is `<all_urls>`.
    ///
    /// Example: see [`MatchPattern`].
    pub fn match_all_urls(&self) -> bool {
        self.match_all_urls
    }

    /// The port, or `None` for any port.
    ///
    /// Example: see [`MatchPattern`].
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path glob (path and query; only `*` is special).
    ///
    /// Example: see [`MatchPattern`].
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The schemes this pattern was parsed with.
    ///
    /// Example: see [`MatchPattern`].
    pub fn valid_schemes(&self) -> Schemes {
        self.valid
    }

    /// Whether `scheme` is one this pattern matches.
    ///
    /// Example: see [`MatchPattern`].
    pub fn matches_scheme(&self, scheme: &str) -> bool {
        if !self.valid.allows(scheme) {
            return false;
        }
        if self.scheme == "*" {
            return self.match_all_urls || scheme == "http" || scheme == "https";
        }
        self.scheme == scheme
    }

    /// Whether `url` matches (for `filesystem:` URLs, their inner URL's origin and the joined
    /// path).
    ///
    /// Example: see [`MatchPattern`].
    pub fn matches(&self, url: &Url) -> bool {
        match UrlParts::of(url) {
            Some(parts) => self.matches_parts(&parts),
            None => false,
        }
    }

    fn matches_parts(&self, u: &UrlParts<'_>) -> bool {
        if !self.matches_scheme(u.scheme) {
            return false;
        }
        if self.match_all_urls {
            return true;
        }
        if !u.has_path {
            return false;
        }
        if self.scheme != "file" && !self.host_matches(&u.host, u.host_is_ip) {
            return false;
        }
        if self.port.is_some() && self.port != u.port {
            return false;
        }
        self.matches_path(&u.path)
    }

    /// Whether `host` (canonical, as a URL's host) matches the host part.
    ///
    /// Example: see [`MatchPattern`].
    pub fn matches_host(&self, host: &str) -> bool {
        let is_ip = host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok();
        self.host_matches(&host.to_ascii_lowercase(), is_ip)
    }

    fn host_matches(&self, test: &str, test_is_ip: bool) -> bool {
        let test = strip_one_dot(test);
        let pattern = strip_one_dot(&self.host);
        if test == pattern {
            return true;
        }
        if !self.match_subdomains {
            return false;
        }
        if pattern.is_empty() {
            return true;
        }
        if test_is_ip || test.len() <= pattern.len() + 1 || !test.ends_with(pattern) {
            return false;
        }
        test.as_bytes()[test.len() - pattern.len() - 1] == b'.'
    }

    /// Whether the path-and-query `test` matches the path glob (`/foo` also matches `/foo/*`).
    ///
    /// Example: see [`MatchPattern`].
    pub fn matches_path(&self, test: &str) -> bool {
        if test.len() + 2 == self.path.len()
            && self.path.starts_with(test)
            && self.path.ends_with("/*")
        {
            return true;
        }
        self.path_glob.matches(test)
    }

    /// The schemes this pattern matches, spelled out (`*` becomes `http`, `https`).
    ///
    /// Example: see [`MatchPattern`].
    pub fn explicit_schemes(&self) -> Vec<&str> {
        if self.scheme != "*" && !self.match_all_urls && self.valid.allows(&self.scheme) {
            return vec![self.scheme.as_str()];
        }
        self.valid
            .named()
            .filter(|s| self.matches_scheme(s))
            .collect()
    }

    /// One pattern per explicit scheme (`<all_urls>` becomes `http://*/*`, `file:///*` ...).
    ///
    /// Example: see [`MatchPattern`].
    pub fn convert_to_explicit_schemes(&self) -> Vec<MatchPattern> {
        self.explicit_schemes()
            .into_iter()
            .map(|scheme| {
                let mut p = self.clone();
                p.scheme = scheme.to_owned();
                p.match_all_urls = false;
                p
            })
            .collect()
    }

    /// Whether some URL matches both patterns.
    ///
    /// Example: see [`MatchPattern`].
    pub fn overlaps(&self, other: &MatchPattern) -> bool {
        if self.match_all_urls || other.match_all_urls {
            return true;
        }
        let schemes = other
            .explicit_schemes()
            .iter()
            .any(|s| self.matches_scheme(s))
            || self
                .explicit_schemes()
                .iter()
                .any(|s| other.matches_scheme(s));
        schemes
            && (self.matches_host(&other.host) || other.matches_host(&self.host))
            && (self.port.is_none() || other.port.is_none() || self.port == other.port)
            && (self.matches_path(strip_trailing_star(&other.path))
                || other.matches_path(strip_trailing_star(&self.path)))
    }

    /// Whether every URL `other` matches is matched by this pattern.
    ///
    /// Example: see [`MatchPattern`].
    pub fn contains(&self, other: &MatchPattern) -> bool {
        if self.match_all_urls && self.valid.contains(other.valid) {
            return true;
        }
        other
            .explicit_schemes()
            .iter()
            .all(|s| self.matches_scheme(s))
            && self.matches_host(&other.host)
            && (!other.match_subdomains || self.match_subdomains)
            && (self.port.is_none() || self.port == other.port)
            && self.matches_path(strip_trailing_star(&other.path))
    }

    /// The pattern matching exactly the URLs both match, when Chromium can express it.
    ///
    /// Example: see [`MatchPattern`].
    pub fn intersection(&self, other: &MatchPattern) -> Option<MatchPattern> {
        let valid = self.valid.intersect(other.valid);
        if self.match_all_urls && other.match_all_urls {
            return Some(MatchPattern::all_urls(valid));
        }
        let scheme = if self.match_all_urls {
            other.scheme.clone()
        } else if other.match_all_urls || self.scheme == other.scheme {
            self.scheme.clone()
        } else if self.scheme == "*" && self.matches_scheme(&other.scheme) {
            other.scheme.clone()
        } else if other.scheme == "*" && other.matches_scheme(&self.scheme) {
            self.scheme.clone()
        } else {
            return None;
        };
        let (host, subdomains) = if self.match_all_urls {
            (other.host.clone(), other.match_subdomains)
        } else if other.match_all_urls {
            (self.host.clone(), self.match_subdomains)
        } else if self.host_contains(other) {
            (other.host.clone(), other.match_subdomains)
        } else if other.host_contains(self) {
            (self.host.clone(), self.match_subdomains)
        } else {
            return None;
        };
        let port = match (self.port, other.port) {
            (None, p) | (p, None) => p,
            (Some(a), Some(b)) if a == b => Some(a),
            _ => return None,
        };
        let path = if self.matches_path(&other.path) {
            other.path.clone()
        } else if other.matches_path(&self.path) {
            self.path.clone()
        } else {
            return None;
        };
        Some(MatchPattern {
            valid,
            path_glob: Glob::literal_except_star(&path),
            scheme,
            host,
            match_subdomains: subdomains,
            match_all_urls: false,
            port,
            path,
        })
    }

    fn host_contains(&self, other: &MatchPattern) -> bool {
        self.matches_host(&other.host) && (!other.match_subdomains || self.match_subdomains)
    }

    /// Whether the pattern is one scheme, one host, no subdomains.
    ///
    /// Example: see [`MatchPattern`].
    pub fn matches_single_origin(&self) -> bool {
        !self.match_all_urls && self.scheme != "*" && !self.match_subdomains
    }

    /// Whether the pattern grants every host under an effective TLD (`*://*.com/*`, `<all_urls>`,
    /// `http://*/*`), by the public suffix list; `include_private` counts private registries
    /// (`appspot.com`), `include_unknown` treats an unknown last label as a registry.
    ///
    /// Example: see [`MatchPattern`].
    pub fn matches_effective_tld(&self, include_private: bool, include_unknown: bool) -> bool {
        if self.match_all_urls || (self.match_subdomains && self.host.is_empty()) {
            return true;
        }
        if !self.match_subdomains {
            return false;
        }
        if has_registry_controlled_domain(&self.host, include_private, include_unknown) {
            return false;
        }
        has_registry_controlled_domain(
            &format!("notatld.{}", self.host),
            include_private,
            include_unknown,
        )
    }
}

/// Whether `host` has a registrable part below its public suffix.
fn has_registry_controlled_domain(
    host: &str,
    include_private: bool,
    include_unknown: bool,
) -> bool {
    let host = strip_one_dot(host);
    let mut rest = host;
    let suffix_len = loop {
        let Some(suffix) = psl::suffix(rest.as_bytes()) else {
            return false;
        };
        if !suffix.is_known() && !include_unknown {
            return false;
        }
        if suffix.typ() == Some(psl::Type::Private) && !include_private {
            match std::str::from_utf8(suffix.as_bytes())
                .ok()
                .and_then(|s| s.split_once('.'))
            {
                Some((_, parent)) => rest = &host[host.len() - parent.len()..],
                None => return false,
            }
            continue;
        }
        break suffix.as_bytes().len();
    };
    host.len() > suffix_len + 1 && host.as_bytes()[host.len() - suffix_len - 1] == b'.'
}

fn strip_one_dot(host: &str) -> &str {
    host.strip_suffix('.').unwrap_or(host)
}

fn strip_trailing_star(path: &str) -> &str {
    path.strip_suffix('*').unwrap_or(path)
}

impl fmt::Display for MatchPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.match_all_urls {
            return f.write_str("<all_urls>");
        }
        let standard = is_standard_scheme(&self.scheme);
        f.write_str(&self.scheme)?;
        f.write_str(if standard { "://" } else { ":" })?;
        if standard && self.scheme != "file" {
            if self.match_subdomains {
                f.write_str("*")?;
                if !self.host.is_empty() {
                    f.write_str(".")?;
                }
            }
            f.write_str(&self.host)?;
            if let Some(port) = self.port {
                write!(f, ":{port}")?;
            }
        }
        f.write_str(&self.path)
    }
}

fn parse(pattern: &str, valid: Schemes) -> Result<MatchPattern, PatternErrorKind> {
    if pattern == "<all_urls>" {
        return Ok(MatchPattern::all_urls(valid));
    }
    let (scheme_end, standard_sep) = match pattern.find("://") {
        Some(i) => (i, true),
        None => match pattern.find(':') {
            Some(i) => (i, false),
            None => return Err(PatternErrorKind::MissingSchemeSeparator),
        },
    };
    let scheme = pattern[..scheme_end].to_ascii_lowercase();
    let mut valid = valid;
    if scheme == "*" {
        valid = valid.intersect(Schemes::HTTP.union(Schemes::HTTPS));
    } else if !valid.allows(&scheme) {
        return Err(PatternErrorKind::InvalidScheme);
    }
    let standard = is_standard_scheme(&scheme);
    if standard != standard_sep {
        return Err(PatternErrorKind::WrongSchemeSeparator);
    }
    let host_start = scheme_end + if standard { 3 } else { 1 };
    if host_start >= pattern.len() {
        return Err(PatternErrorKind::EmptyHost);
    }
    let mut host = String::new();
    let mut match_subdomains = false;
    let mut port = None;
    let path_start = if !standard {
        host_start
    } else if scheme == "file" {
        match pattern[host_start..].find('/') {
            None => host_start - 1,
            Some(i) => host_start + i,
        }
    } else {
        let Some(rel_end) = pattern[host_start..].find('/') else {
            return Err(PatternErrorKind::EmptyPath);
        };
        if rel_end == 0 {
            return Err(PatternErrorKind::EmptyHost);
        }
        let mut host_and_port = &pattern[host_start..host_start + rel_end];
        let port_sep = if !host_and_port.starts_with('[') {
            host_and_port.find(':')
        } else {
            let Some(close) = host_and_port.find(']') else {
                return Err(PatternErrorKind::InvalidHost);
            };
            if close == 1 {
                return Err(PatternErrorKind::EmptyHost);
            }
            if close < host_and_port.len() - 1 {
                if host_and_port.as_bytes()[close + 1] != b':' {
                    return Err(PatternErrorKind::InvalidHost);
                }
                Some(close + 1)
            } else {
                None
            }
        };
        if let Some(sep) = port_sep {
            let text = &host_and_port[sep + 1..];
            if text != "*" {
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(PatternErrorKind::InvalidPort);
                }
                port = Some(
                    text.parse::<u16>()
                        .map_err(|_| PatternErrorKind::InvalidPort)?,
                );
            }
            host_and_port = &host_and_port[..sep];
        }
        let mut labels: Vec<&str> = host_and_port.split('.').collect();
        if labels.len() == 1 && labels[0].is_empty() {
            return Err(PatternErrorKind::EmptyHost);
        }
        if labels[0] == "*" {
            match_subdomains = true;
            labels.remove(0);
            if labels.len() == 1 && labels[0].is_empty() {
                return Err(PatternErrorKind::EmptyHost);
            }
        }
        let joined = labels.join(".");
        if joined.contains('*') {
            return Err(PatternErrorKind::InvalidHostWildcard);
        }
        if !joined.is_empty() {
            host = canonical_host(&joined).ok_or(PatternErrorKind::InvalidHost)?;
        }
        host_start + rel_end
    };
    if port.is_some() && !scheme_has_ports(&scheme) {
        return Err(PatternErrorKind::InvalidPort);
    }
    if scheme == "file" {
        port = None;
    }
    let path = pattern[path_start..].to_owned();
    Ok(MatchPattern {
        valid,
        path_glob: Glob::literal_except_star(&path),
        scheme,
        host,
        match_subdomains,
        match_all_urls: false,
        port,
        path,
    })
}

/// The host as a URL would carry it: lower case, IDNA to punycode, IPv4 normalised, IPv6 in
/// brackets; `None` when the URL parser rejects it.
fn canonical_host(host: &str) -> Option<String> {
    if host.contains('\0') {
        return None;
    }
    // A host made only of dots is kept as written: "." names the root, and "*.." its subdomains.
    if host.bytes().all(|b| b == b'.') {
        return Some(host.to_owned());
    }
    match Host::parse(host).ok()? {
        Host::Domain(d) => Some(d),
        Host::Ipv4(ip) => Some(ip.to_string()),
        Host::Ipv6(ip) => Some(format!("[{ip}]")),
    }
}

/// What matching needs from a URL, with `filesystem:` URLs unwrapped.
struct UrlParts<'a> {
    scheme: &'a str,
    host: String,
    host_is_ip: bool,
    port: Option<u16>,
    has_path: bool,
    path: String,
}

impl<'a> UrlParts<'a> {
    fn of(url: &'a Url) -> Option<UrlParts<'a>> {
        if url.scheme() == "filesystem" {
            return UrlParts::of_filesystem(url);
        }
        let scheme = url.scheme();
        let standard = is_standard_scheme(scheme);
        let mut path = url.path().to_owned();
        if standard && path.is_empty() {
            path.push('/');
        }
        let has_path = !path.is_empty();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        Some(UrlParts {
            scheme,
            host: url.host_str().unwrap_or("").to_ascii_lowercase(),
            host_is_ip: matches!(url.host(), Some(Host::Ipv4(_) | Host::Ipv6(_))),
            port: url.port_or_known_default(),
            has_path,
            path,
        })
    }

    /// `filesystem:<origin>/<type>/<path>`: the inner URL is `<origin>/<type>/`, and the path
    /// matched is the inner path followed by the outer one, as Chromium joins them.
    fn of_filesystem(url: &'a Url) -> Option<UrlParts<'a>> {
        let inner = Url::parse(url.path()).ok()?;
        if inner.scheme() == "filesystem" || !is_standard_scheme(inner.scheme()) {
            return None;
        }
        let inner_path = inner.path();
        let rest = inner_path.strip_prefix('/')?;
        let (kind, outer) = rest.split_once('/')?;
        let mut path = format!("/{kind}//{outer}");
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        let scheme: &'a str = match inner.scheme() {
            "http" => "http",
            "https" => "https",
            "file" => "file",
            "ftp" => "ftp",
            "ws" => "ws",
            "wss" => "wss",
            "chrome" => "chrome",
            "chrome-extension" => "chrome-extension",
            "chrome-untrusted" => "chrome-untrusted",
            "devtools" => "devtools",
            _ => return None,
        };
        Some(UrlParts {
            scheme,
            host: inner.host_str().unwrap_or("").to_ascii_lowercase(),
            host_is_ip: matches!(inner.host(), Some(Host::Ipv4(_) | Host::Ipv6(_))),
            port: inner.port_or_known_default(),
            has_path: true,
            path,
        })
    }
}

/// Many patterns, indexed by host: a URL is checked only against the patterns naming its host
/// or one of its parent domains, plus those for every host.
///
/// ```
/// use session_base::pattern::{MatchPattern, MatchPatternSet};
/// use url::Url;
///
/// let mut set = MatchPatternSet::new([MatchPattern::parse("https://a.test/*").unwrap()]);
/// set.push(MatchPattern::parse("*://*.b.test/x*").unwrap());
/// assert_eq!((set.len(), set.is_empty()), (2, false));
/// assert_eq!(set.patterns()[1].host(), "b.test");
/// let url = Url::parse("http://c.b.test/xy").unwrap();
/// assert!(set.matches(&url));
/// assert_eq!(set.matching(&url), [1]);
/// assert!(!set.matches(&Url::parse("https://c.test/").unwrap()));
/// ```
#[derive(Clone, Debug, Default)]
pub struct MatchPatternSet {
    patterns: Vec<MatchPattern>,
    /// Patterns without `*.` by their host (trailing dot stripped).
    exact: HashMap<String, Vec<u32>>,
    /// Patterns with `*.` and a host, by that host.
    subdomains: HashMap<String, Vec<u32>>,
    /// Patterns that may match any host (`<all_urls>`, `*://*/*`, `file:`, `about:`...).
    any_host: Vec<u32>,
}

impl MatchPatternSet {
    /// Indexes `patterns`; indices in results are positions in this order.
    ///
    /// Example: see [`MatchPatternSet`].
    pub fn new(patterns: impl IntoIterator<Item = MatchPattern>) -> MatchPatternSet {
        let mut set = MatchPatternSet::default();
        for p in patterns {
            set.push(p);
        }
        set
    }

    /// Adds one pattern; its index is the previous [`len`](Self::len).
    ///
    /// Example: see [`MatchPatternSet`].
    pub fn push(&mut self, pattern: MatchPattern) {
        let idx = u32::try_from(self.patterns.len()).unwrap_or(u32::MAX);
        let scheme = pattern.scheme.as_str();
        let host_less = pattern.match_all_urls
            || scheme == "file"
            || !is_standard_scheme(scheme)
            || (pattern.match_subdomains && pattern.host.is_empty());
        if host_less {
            self.any_host.push(idx);
        } else {
            let key = strip_one_dot(&pattern.host).to_owned();
            let map = if pattern.match_subdomains {
                &mut self.subdomains
            } else {
                &mut self.exact
            };
            map.entry(key).or_default().push(idx);
        }
        self.patterns.push(pattern);
    }

    /// The patterns, in insertion order.
    ///
    /// Example: see [`MatchPatternSet`].
    pub fn patterns(&self) -> &[MatchPattern] {
        &self.patterns
    }

    /// How many patterns.
    ///
    /// Example: see [`MatchPatternSet`].
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether there are none.
    ///
    /// Example: see [`MatchPatternSet`].
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether any pattern matches `url`.
    ///
    /// Example: see [`MatchPatternSet`].
    pub fn matches(&self, url: &Url) -> bool {
        let Some(parts) = UrlParts::of(url) else {
            return false;
        };
        let mut found = false;
        self.for_candidates(&parts, |i| {
            if self.patterns[i].matches_parts(&parts) {
                found = true;
                return true;
            }
            false
        });
        found
    }

    /// Indices of every pattern matching `url`, ascending.
    ///
    /// Example: see [`MatchPatternSet`].
    pub fn matching(&self, url: &Url) -> Vec<usize> {
        let Some(parts) = UrlParts::of(url) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        self.for_candidates(&parts, |i| {
            if self.patterns[i].matches_parts(&parts) {
                out.push(i);
            }
            false
        });
        out.sort_unstable();
        out
    }

    /// Calls `f` with each candidate index until it returns true.
    fn for_candidates(&self, u: &UrlParts<'_>, mut f: impl FnMut(usize) -> bool) {
        for &i in &self.any_host {
            if f(i as usize) {
                return;
            }
        }
        let host = strip_one_dot(&u.host);
        if let Some(v) = self.exact.get(host) {
            for &i in v {
                if f(i as usize) {
                    return;
                }
            }
        }
        if self.subdomains.is_empty() {
            return;
        }
        let mut h = host;
        loop {
            if let Some(v) = self.subdomains.get(h) {
                for &i in v {
                    if f(i as usize) {
                        return;
                    }
                }
            }
            if u.host_is_ip {
                return;
            }
            match h.split_once('.') {
                Some((_, rest)) if !rest.is_empty() => h = rest,
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn p(s: &str) -> MatchPattern {
        MatchPattern::parse(s).unwrap()
    }

    #[test]
    fn errors_name_the_pattern_and_chromium_kind() {
        let e = MatchPattern::parse("http://foo.*.bar/baz").unwrap_err();
        assert_eq!(e.kind, PatternErrorKind::InvalidHostWildcard);
        assert_eq!(
            e.to_string(),
            "URL pattern 'http://foo.*.bar/baz' is malformed: Invalid host wildcard."
        );
        assert_eq!(
            MatchPattern::parse("malformed_host").unwrap_err().kind,
            PatternErrorKind::MissingSchemeSeparator
        );
        assert_eq!(
            MatchPattern::parse_with("ftp://x/", Schemes::HTTP)
                .unwrap_err()
                .kind,
            PatternErrorKind::InvalidScheme
        );
    }

    #[test]
    fn subdomains_ports_and_file() {
        let s = p("*://*.example.com:8080/a*");
        assert!(s.matches(&url("https://x.y.example.com:8080/abc")));
        assert!(!s.matches(&url("https://x.y.example.com/abc")));
        assert!(!s.matches(&url("https://xexample.com:8080/abc")));
        assert!(p("file:///tmp/*").matches(&url("file:///tmp/a.html")));
        assert!(!p("file:///tmp/*").matches(&url("file:///etc/passwd")));
        assert!(p("http://[::1]/*").matches(&url("http://[::1]:80/x")));
    }

    #[test]
    fn set_finds_exactly_the_matching_patterns() {
        let pats = [
            "<all_urls>",
            "https://a.test/*",
            "*://*.a.test/x*",
            "http://b.test/*",
            "*://*/only*",
        ]
        .map(p);
        let set = MatchPatternSet::new(pats.clone());
        for u in [
            "https://a.test/xy",
            "https://w.a.test/xy",
            "http://b.test/q",
            "http://c.test/only",
            "ftp://a.test/x",
            "about:blank",
        ] {
            let u = url(u);
            let expected: Vec<usize> = (0..pats.len()).filter(|&i| pats[i].matches(&u)).collect();
            assert_eq!(set.matching(&u), expected, "{u}");
            assert_eq!(set.matches(&u), !expected.is_empty());
        }
    }
}
