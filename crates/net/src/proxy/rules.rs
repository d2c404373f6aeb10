//! `proxyRules`: `[scheme=]uri[,uri...][;...]` (Chromium's `ProxyConfig::ProxyRules`).

use url::Url;

use super::server::{
    ProxyChoice, ProxyList, ProxyScheme, ProxyServer, parse_proxy_uri, split_user_info,
};
use crate::auth::Credentials;

/// Whether the rules name one list for every URL or a list per URL scheme.
///
/// Example: see [`ProxyRules`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesType {
    /// No rules: DIRECT.
    Empty,
    /// One list for all schemes.
    ProxyList,
    /// `http=`, `https=`, `ftp=` lists plus the `socks=` fallback.
    PerScheme,
}

/// Parsed `proxyRules`.
///
/// ```
/// use session_net::proxy::{ProxyRules, RulesType};
///
/// let rules = ProxyRules::parse("http=alice:pw@proxy:3128;https=secure:443,direct://;bogus=x:1");
/// assert_eq!(rules.kind, RulesType::PerScheme);
/// let url = |u: &str| url::Url::parse(u).unwrap();
/// assert_eq!(rules.list_for(&url("http://a.example/")).to_pac_string(), "PROXY proxy:3128");
/// assert_eq!(rules.list_for(&url("https://a.example/")).to_pac_string(), "PROXY secure:443;DIRECT");
/// assert!(rules.list_for(&url("ftp://a.example/")).is_empty()); // DIRECT
/// assert_eq!(rules.credentials[0].1.username, "alice");
/// assert_eq!(rules.unusable, ["bogus=x:1"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyRules {
    /// Which form the rules have (decided by their first entry).
    pub kind: RulesType,
    /// The list for every scheme ([`RulesType::ProxyList`]).
    pub single: ProxyList,
    /// `http=` list.
    pub http: ProxyList,
    /// `https=` list.
    pub https: ProxyList,
    /// `ftp=` list.
    pub ftp: ProxyList,
    /// `socks=` list: for schemes without a list of their own.
    pub fallback: ProxyList,
    /// Credentials given as user info (`http=alice:pw@proxy:3128`), per proxy.
    pub credentials: Vec<(ProxyServer, Credentials)>,
    /// Entries that could not be used (an unknown scheme key, a URI that does not parse, a
    /// per-scheme entry in a single list), as written.
    pub unusable: Vec<String>,
}

impl ProxyRules {
    /// Parses a rules string; entries that cannot be used are left out of the lists and named
    /// in [`ProxyRules::unusable`] (Chromium drops them silently).
    ///
    /// Example: see [`ProxyRules`].
    pub fn parse(text: &str) -> ProxyRules {
        let mut rules = ProxyRules {
            kind: RulesType::Empty,
            single: ProxyList::default(),
            http: ProxyList::default(),
            https: ProxyList::default(),
            ftp: ProxyList::default(),
            fallback: ProxyList::default(),
            credentials: Vec::new(),
            unusable: Vec::new(),
        };
        for entry in text.split(';') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (scheme, list) = match entry.split_once('=') {
                Some((s, l)) => (Some(s.trim().to_ascii_lowercase()), l),
                None => (None, entry),
            };
            if rules.kind == RulesType::Empty {
                rules.kind = if scheme.is_some() {
                    RulesType::PerScheme
                } else {
                    RulesType::ProxyList
                };
            }
            let (target, default_scheme) = match (rules.kind, scheme.as_deref()) {
                (RulesType::ProxyList, None) => (&mut rules.single, ProxyScheme::Http),
                (RulesType::PerScheme, Some("http")) => (&mut rules.http, ProxyScheme::Http),
                (RulesType::PerScheme, Some("https")) => (&mut rules.https, ProxyScheme::Http),
                (RulesType::PerScheme, Some("ftp")) => (&mut rules.ftp, ProxyScheme::Http),
                (RulesType::PerScheme, Some("socks")) => (&mut rules.fallback, ProxyScheme::Socks4),
                _ => {
                    rules.unusable.push(entry.to_string());
                    continue;
                }
            };
            for u in list.split(',') {
                let (credentials, u) = split_user_info(u);
                match parse_proxy_uri(&u, default_scheme, true) {
                    Some(choice) => {
                        if let (ProxyChoice::Proxy(p), Some(c)) = (&choice, credentials) {
                            rules.credentials.push((p.clone(), c));
                        }
                        target.0.push(choice);
                    }
                    None => rules.unusable.push(entry.to_string()),
                }
            }
        }
        rules
    }

    /// The list for `url` before bypass rules; empty means DIRECT.
    ///
    /// Example: see [`ProxyRules`].
    pub fn list_for(&self, url: &Url) -> ProxyList {
        let pick = |l: &ProxyList| (!l.is_empty()).then(|| l.clone());
        match self.kind {
            RulesType::Empty => ProxyList::default(),
            RulesType::ProxyList => self.single.clone(),
            RulesType::PerScheme => {
                let found = match url.scheme() {
                    "http" => pick(&self.http),
                    "https" => pick(&self.https),
                    "ftp" => pick(&self.ftp),
                    "ws" | "wss" => {
                        return pick(&self.fallback)
                            .or_else(|| pick(&self.https))
                            .or_else(|| pick(&self.http))
                            .unwrap_or_default();
                    }
                    _ => None,
                };
                found.or_else(|| pick(&self.fallback)).unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_scheme_and_single() {
        // PROXY-01
        let r = ProxyRules::parse("http=myproxy:80");
        let u = Url::parse("http://example.com/").expect("url");
        assert_eq!(r.list_for(&u).to_pac_string(), "PROXY myproxy:80");
        let u = Url::parse("https://example.com/").expect("url");
        assert_eq!(r.list_for(&u).to_pac_string(), "");
        let r = ProxyRules::parse("foopy ; ftp=ftp-proxy");
        assert_eq!(r.kind, RulesType::ProxyList);
        assert_eq!(r.single.to_pac_string(), "PROXY foopy:80");
        let r = ProxyRules::parse("http=direct://,myhttpproxy; https=direct://");
        assert_eq!(r.http.to_pac_string(), "DIRECT;PROXY myhttpproxy:80");
        assert_eq!(
            ProxyRules::parse("socks=foopy").fallback.to_pac_string(),
            "SOCKS foopy:1080"
        );
    }

    #[test]
    fn user_info_and_unusable_entries() {
        // PROXY-12: credentials in a rule are kept for that proxy, not a reason to drop it.
        let r =
            ProxyRules::parse("http=alice:pw@proxy.test:3128;https=http://bob:x%3Ay@p2.test:8080");
        assert_eq!(r.http.to_pac_string(), "PROXY proxy.test:3128");
        assert_eq!(r.https.to_pac_string(), "PROXY p2.test:8080");
        let names: Vec<(String, String, String)> = r
            .credentials
            .iter()
            .map(|(p, c)| (p.host_port(), c.username.clone(), c.password.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("proxy.test:3128".into(), "alice".into(), "pw".into()),
                ("p2.test:8080".into(), "bob".into(), "x:y".into())
            ]
        );
        assert!(r.unusable.is_empty());
        let r = ProxyRules::parse("foopy ; ftp=ftp-proxy; gopher=g:1");
        assert_eq!(r.unusable, ["ftp=ftp-proxy", "gopher=g:1"]);
        let r = ProxyRules::parse("http=dddf:");
        assert_eq!(r.unusable, ["http=dddf:"]);
    }
}
