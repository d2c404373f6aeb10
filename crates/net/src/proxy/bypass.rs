//! Proxy bypass rules (`proxyBypassRules`): which URLs go DIRECT.
//!
//! Rules are separated by `,` or `;`; the last rule that matches a URL decides; when none
//! matches, the implicit rules bypass loopback and link-local hosts, unless `<-loopback>`
//! subtracted them.

use std::net::{IpAddr, Ipv6Addr};

use url::Url;

use super::server::canonical_host_port;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    /// `[scheme://]pattern[:port]`, pattern lower case with `*` wildcards.
    Host {
        scheme: Option<String>,
        pattern: String,
        port: Option<u16>,
    },
    /// `ip/prefix`, kept with the text it was written as.
    Cidr {
        text: String,
        scheme: Option<String>,
        net: IpAddr,
        prefix: u8,
    },
    /// `<local>`: a host with no dot that is not an IP literal.
    Local,
    /// `<-loopback>`: URLs the implicit rules would bypass are not bypassed.
    SubtractImplicit,
}

/// What a rule says about a URL.
#[derive(PartialEq, Eq)]
enum Verdict {
    NoMatch,
    Bypass,
    DontBypass,
}

/// A parsed `proxyBypassRules` list.
///
/// ```
/// use session_net::proxy::BypassRules;
///
/// let url = |u: &str| url::Url::parse(u).unwrap();
/// let mut rules = BypassRules::parse(".corp.example, 10.0.0.0/8");
/// assert_eq!(rules.to_strings(), ["*.corp.example", "10.0.0.0/8"]);
/// assert!(rules.matches(&url("http://wiki.corp.example/"), false));
/// assert!(rules.matches(&url("http://10.1.2.3/"), false));
/// assert!(!rules.matches(&url("http://a.example/"), false));
/// // Loopback bypasses the proxy implicitly, unless `<-loopback>` says otherwise.
/// assert!(rules.bypassed_implicitly(&url("http://127.0.0.1:8080/")));
/// rules.subtract_implicit();
/// assert!(!rules.matches(&url("http://127.0.0.1:8080/"), false));
/// assert!(BypassRules::parse_rule("<local>").is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BypassRules {
    rules: Vec<Rule>,
}

impl BypassRules {
    /// Parses a rule list; invalid rules are skipped (as Chromium does).
    ///
    /// Example: see [`BypassRules`].
    pub fn parse(text: &str) -> BypassRules {
        BypassRules {
            rules: text
                .split([',', ';'])
                .filter_map(|r| parse_rule(r.trim()))
                .collect(),
        }
    }

    /// Parses one rule; `None` when it is not valid.
    ///
    /// Example: see [`BypassRules`].
    pub fn parse_rule(text: &str) -> Option<BypassRules> {
        parse_rule(text.trim()).map(|r| BypassRules { rules: vec![r] })
    }

    /// The normalized rules, one string each (`.foo.com` becomes `*.foo.com`).
    ///
    /// Example: see [`BypassRules`].
    pub fn to_strings(&self) -> Vec<String> {
        self.rules.iter().map(rule_string).collect()
    }

    /// Appends `<-loopback>`.
    ///
    /// Example: see [`BypassRules`].
    pub fn subtract_implicit(&mut self) {
        self.rules.push(Rule::SubtractImplicit);
    }

    /// Whether `url` bypasses the proxy. With `reverse`, the list names the URLs that
    /// use the proxy instead.
    ///
    /// Example: see [`BypassRules`].
    pub fn matches(&self, url: &Url, reverse: bool) -> bool {
        match self.explicit_verdict(url) {
            Verdict::Bypass => !reverse,
            Verdict::DontBypass => reverse,
            Verdict::NoMatch => matches_implicit(url) || reverse,
        }
    }

    /// Whether `url` bypasses the proxy because of the implicit rules alone (no rule of the
    /// list decided it, and it is a loopback or link-local destination).
    ///
    /// Example: see [`BypassRules`].
    pub fn bypassed_implicitly(&self, url: &Url) -> bool {
        self.explicit_verdict(url) == Verdict::NoMatch && matches_implicit(url)
    }

    /// The verdict of the last rule that matches `url`.
    fn explicit_verdict(&self, url: &Url) -> Verdict {
        self.rules
            .iter()
            .rev()
            .map(|rule| evaluate(rule, url))
            .find(|v| *v != Verdict::NoMatch)
            .unwrap_or(Verdict::NoMatch)
    }
}

fn parse_rule(raw: &str) -> Option<Rule> {
    if raw.is_empty() {
        return None;
    }
    let lower = raw.to_ascii_lowercase();
    if lower == "<local>" {
        return Some(Rule::Local);
    }
    if lower == "<-loopback>" {
        return Some(Rule::SubtractImplicit);
    }
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => {
            if s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                return None;
            }
            (Some(s.to_ascii_lowercase()), r)
        }
        None => (None, raw),
    };
    if rest.is_empty() {
        return None;
    }
    if let Some((ip, bits)) = rest.split_once('/') {
        let net: IpAddr = ip.parse().ok()?;
        let prefix: u8 = bits.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        if prefix > max || bits.starts_with('+') {
            return None;
        }
        return Some(Rule::Cidr {
            text: raw.to_string(),
            scheme,
            net,
            prefix,
        });
    }
    // An IP literal (with optional port) is canonicalized like a URL host.
    if rest.starts_with('[')
        || rest
            .split(':')
            .next()
            .is_some_and(|h| h.parse::<IpAddr>().is_ok())
    {
        let (host, port) = canonical_host_port(rest)?;
        let pattern = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        return Some(Rule::Host {
            scheme,
            pattern,
            port,
        });
    }
    let (pattern, port) = match rest.rsplit_once(':') {
        Some((h, p)) => {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            (h, Some(p.parse::<u16>().ok()?))
        }
        None => (rest, None),
    };
    if pattern.is_empty() {
        return None;
    }
    let mut pattern = pattern.to_ascii_lowercase();
    if pattern.starts_with('.') {
        pattern.insert(0, '*');
    }
    Some(Rule::Host {
        scheme,
        pattern,
        port,
    })
}

fn rule_string(rule: &Rule) -> String {
    match rule {
        Rule::Host {
            scheme,
            pattern,
            port,
        } => {
            let mut s = String::new();
            if let Some(sc) = scheme {
                s.push_str(sc);
                s.push_str("://");
            }
            s.push_str(pattern);
            if let Some(p) = port {
                s.push_str(&format!(":{p}"));
            }
            s
        }
        Rule::Cidr { text, .. } => text.clone(),
        Rule::Local => "<local>".into(),
        Rule::SubtractImplicit => "<-loopback>".into(),
    }
}

/// Glob match with `*` (any run of characters).
pub(crate) fn wildcard_match(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut ti, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn url_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(a) => Some(IpAddr::V4(a)),
        url::Host::Ipv6(a) => Some(IpAddr::V6(a)),
        url::Host::Domain(_) => None,
    }
}

/// Whether `addr` lies in `net/prefix`, treating IPv4 and IPv4-mapped IPv6 as the same.
pub(crate) fn ip_in_prefix(addr: IpAddr, net: IpAddr, prefix: u8) -> bool {
    fn v6(a: IpAddr) -> (Ipv6Addr, bool) {
        match a {
            IpAddr::V4(v4) => (v4.to_ipv6_mapped(), true),
            IpAddr::V6(v6) => (v6, false),
        }
    }
    let (a, _) = v6(addr);
    let (n, was_v4) = v6(net);
    let bits = if was_v4 {
        prefix as u32 + 96
    } else {
        prefix as u32
    };
    if bits > 128 {
        return false;
    }
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    (u128::from(a) & mask) == (u128::from(n) & mask)
}

fn evaluate(rule: &Rule, url: &Url) -> Verdict {
    let yes = |b: bool| if b { Verdict::Bypass } else { Verdict::NoMatch };
    match rule {
        Rule::Local => {
            let host = url.host_str().unwrap_or("");
            yes(!host.is_empty() && !host.contains('.') && url_ip(url).is_none())
        }
        Rule::SubtractImplicit => {
            if matches_implicit(url) {
                Verdict::DontBypass
            } else {
                Verdict::NoMatch
            }
        }
        Rule::Host {
            scheme,
            pattern,
            port,
        } => {
            if scheme.as_deref().is_some_and(|s| s != url.scheme()) {
                return Verdict::NoMatch;
            }
            if port.is_some() && *port != url.port_or_known_default() {
                return Verdict::NoMatch;
            }
            yes(wildcard_match(url.host_str().unwrap_or(""), pattern))
        }
        Rule::Cidr {
            scheme,
            net,
            prefix,
            ..
        } => {
            if scheme.as_deref().is_some_and(|s| s != url.scheme()) {
                return Verdict::NoMatch;
            }
            yes(url_ip(url).is_some_and(|a| ip_in_prefix(a, *net, *prefix)))
        }
    }
}

/// The implicit rules: localhost names, loopback and link-local addresses.
///
/// ```
/// use session_net::proxy::matches_implicit;
///
/// let url = |u: &str| url::Url::parse(u).unwrap();
/// assert!(matches_implicit(&url("http://localhost:3000/")));
/// assert!(matches_implicit(&url("http://[::1]/")));
/// assert!(matches_implicit(&url("http://169.254.1.1/")));
/// assert!(!matches_implicit(&url("http://10.0.0.1/")));
/// ```
pub fn matches_implicit(url: &Url) -> bool {
    if let Some(ip) = url_ip(url) {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        return match ip {
            IpAddr::V4(a) => a.is_loopback() || a.is_link_local(),
            IpAddr::V6(a) => a.is_loopback() || (a.segments()[0] & 0xffc0) == 0xfe80,
        };
    }
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    host == "localhost" || host.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rules: &str, url: &str) -> bool {
        BypassRules::parse(rules).matches(&Url::parse(url).expect("url"), false)
    }

    #[test]
    fn basic_rules() {
        assert!(m("wWw.gOogle.com", "ftp://www.google.com:99"));
        assert!(!m("wWw.gOogle.com", "http://foo.www.google.com"));
        assert!(m(".google.com", "http://foo:bar@baz.google.com#x"));
        assert!(m("*.GOOGLE.com:80", "http://www.google.com"));
        assert!(!m("*.GOOGLE.com:80", "https://www.google.com"));
        assert!(m("192.168.1.1/16", "http://[::ffff:192.168.11.11]"));
        assert!(m("::ffff:192.168.1.1/112", "http://192.168.11.11"));
        assert!(m(
            "[3ffe:2a00:100:7031:0:0::1]",
            "http://[3ffe:2a00:100:7031::1]:33"
        ));
    }

    #[test]
    fn local_and_loopback() {
        // PROXY-04, PROXY-02
        assert!(m("<local>", "http://example/"));
        assert!(!m("<local>", "http://example./"));
        assert!(m("", "http://localhost/"));
        assert!(m("", "http://127.0.0.2/"));
        assert!(!m("<-loopback>", "http://localhost/"));
        assert!(m("<-loopback>; localhost", "http://localhost/"));
        assert!(!m("localhost; <-loopback>", "http://localhost/"));
        assert_eq!(
            BypassRules::parse(".foo2.com, <Local>").to_strings(),
            vec!["*.foo2.com", "<local>"]
        );
    }

    #[test]
    fn implicit_bypass_is_told_apart() {
        // PROXY-02: only a bypass the implicit rules decided, not one a listed rule decided.
        let implicit = |rules: &str, url: &str| {
            BypassRules::parse(rules).bypassed_implicitly(&Url::parse(url).expect("url"))
        };
        assert!(implicit("", "http://127.0.0.1:8080/"));
        assert!(implicit("*.example.com", "http://localhost/"));
        assert!(implicit("", "http://[::1]/"));
        assert!(!implicit("127.0.0.1", "http://127.0.0.1/"), "a listed rule");
        assert!(!implicit("<-loopback>", "http://127.0.0.1/"), "subtracted");
        assert!(!implicit("", "http://a.test/"), "not loopback by name");
    }

    #[test]
    fn invalid_rules() {
        for bad in [
            "*.com:+443",
            "*.com:-443",
            "://",
            "  ",
            "http://",
            "[a:b:c:d::]/48",
        ] {
            assert!(BypassRules::parse_rule(bad).is_none(), "{bad}");
        }
    }
}
