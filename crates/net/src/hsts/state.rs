//! The dynamic STS entries of one partition as plain data, with time passed in: the lookup
//! (a host, then its parent domains for entries with `includeSubDomains`), the upgrade decision,
//! and the `TransportSecurity` file's JSON.
//!
//! As in Chromium, entries are keyed by the SHA-256 of the host in DNS wire form (length-prefixed
//! labels), so the file holds no host names; a parent domain's key is the hash of a suffix of
//! the same bytes.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use super::header::Sts;

/// The key of an entry: SHA-256 of the host in DNS wire form.
pub(crate) type HashedHost = [u8; 32];

/// One host's policy (Chromium's `STSState`); times in seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Entry {
    pub(crate) include_subdomains: bool,
    pub(crate) expiry: f64,
    pub(crate) observed: f64,
}

/// The entries of one partition.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct State {
    entries: HashMap<HashedHost, Entry>,
}

/// A host as HSTS keys it: lower case, one trailing dot dropped, never an IP literal; `None`
/// for a host that cannot have a policy.
pub(crate) fn canonical_host(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty()
        || host.len() > 253
        || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
        || !host.is_ascii()
    {
        return None;
    }
    if host.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// `a.example` → `\x01a\x07example\x00`.
fn dns_form(host: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(host.len() + 2);
    for label in host.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn hash(dns: &[u8]) -> HashedHost {
    Sha256::digest(dns).into()
}

/// The URL an `http:` (or `ws:`) URL is upgraded to: `https:` (`wss:`), port 80 becoming 443,
/// any other explicit port kept, as Chrome does. `None` for other schemes.
pub(crate) fn upgraded_url(url: &Url) -> Option<Url> {
    let scheme = match url.scheme() {
        "http" => "https",
        "ws" => "wss",
        _ => return None,
    };
    // A default port is never stored, so `http://a:80/` has none and becomes `https://a/`.
    let mut to = url.clone();
    to.set_scheme(scheme).ok()?;
    Some(to)
}

impl State {
    /// Whether there is no entry at all (the cheap test of the request path).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The policy that applies to `host` at `now`: its own entry, else the nearest parent
    /// domain's entry with `includeSubDomains`. Expired entries met on the way are dropped.
    /// Returns the domain the entry belongs to.
    pub(crate) fn lookup(&mut self, host: &str, now: f64) -> Option<(String, Entry)> {
        let host = canonical_host(host)?;
        let dns = dns_form(&host);
        let mut at = 0;
        let mut label_start = 0;
        while dns[at] != 0 {
            let key = hash(&dns[at..]);
            if let Some(entry) = self.entries.get(&key).copied() {
                if now > entry.expiry {
                    self.entries.remove(&key);
                } else if at == 0 || entry.include_subdomains {
                    return Some((host[label_start..].to_string(), entry));
                }
            }
            let len = usize::from(dns[at]);
            at += len + 1;
            label_start += len + 1;
        }
        None
    }

    /// Whether a request to `url` at `now` goes to `https:` instead; the upgraded URL if so.
    pub(crate) fn upgrade(&mut self, url: &Url, now: f64) -> Option<Url> {
        if !matches!(url.scheme(), "http" | "ws") || self.entries.is_empty() {
            return None;
        }
        let host = url.host_str()?;
        self.lookup(host, now)?;
        upgraded_url(url)
    }

    /// Whether certificate errors of `host` are fatal at `now` (it has a policy).
    pub(crate) fn is_strict(&mut self, host: &str, now: f64) -> bool {
        !self.entries.is_empty() && self.lookup(host, now).is_some()
    }

    /// Notes a valid header `sts` seen from `host` at `now`: `max-age=0` deletes the host's own
    /// entry, any other value (re)sets it. Returns whether anything changed.
    pub(crate) fn note(&mut self, host: &str, sts: Sts, now: f64) -> bool {
        if sts.max_age == 0 {
            return self.delete(host);
        }
        self.add(
            host,
            now + f64::from(sts.max_age),
            sts.include_subdomains,
            now,
        )
    }

    /// Sets `host`'s own entry; `false` for a host that cannot have one (an IP literal).
    pub(crate) fn add(
        &mut self,
        host: &str,
        expiry: f64,
        include_subdomains: bool,
        now: f64,
    ) -> bool {
        let Some(host) = canonical_host(host) else {
            return false;
        };
        self.entries.insert(
            hash(&dns_form(&host)),
            Entry {
                include_subdomains,
                expiry,
                observed: now,
            },
        );
        true
    }

    /// Deletes `host`'s own entry (not a parent's); whether there was one.
    pub(crate) fn delete(&mut self, host: &str) -> bool {
        canonical_host(host).is_some_and(|h| self.entries.remove(&hash(&dns_form(&h))).is_some())
    }

    /// Deletes every entry but the own entries of `hosts`; how many went.
    pub(crate) fn retain_only(&mut self, hosts: &[&str]) -> usize {
        let keep: HashSet<HashedHost> = hosts
            .iter()
            .filter_map(|h| canonical_host(h))
            .map(|h| hash(&dns_form(&h)))
            .collect();
        let before = self.entries.len();
        self.entries.retain(|key, _| keep.contains(key));
        before - self.entries.len()
    }

    /// Deletes every entry; how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        let n = self.entries.len();
        self.entries.clear();
        n
    }

    /// The entries not yet expired at `now`, as the `TransportSecurity` file's JSON.
    pub(crate) fn to_json(&self, now: f64) -> Vec<u8> {
        let mut sts: Vec<FileEntry> = self
            .entries
            .iter()
            .filter(|(_, e)| e.expiry >= now)
            .map(|(key, e)| FileEntry {
                host: BASE64.encode(key),
                mode: FORCE_HTTPS.into(),
                sts_include_subdomains: e.include_subdomains,
                sts_observed: e.observed,
                expiry: e.expiry,
            })
            .collect();
        sts.sort_by(|a, b| a.host.cmp(&b.host));
        serde_json::to_vec(&File {
            version: FILE_VERSION,
            sts,
        })
        .unwrap_or_default()
    }

    /// Reads the `TransportSecurity` file's JSON; entries expired at `now` or in another mode
    /// are dropped. `Err` says why the file cannot be used.
    pub(crate) fn from_json(bytes: &[u8], now: f64) -> Result<State, String> {
        let file: File = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if file.version != FILE_VERSION {
            return Err(format!(
                "version {} (expected {FILE_VERSION})",
                file.version
            ));
        }
        let mut entries = HashMap::new();
        for e in file.sts {
            let key: HashedHost = BASE64
                .decode(&e.host)
                .ok()
                .and_then(|k| k.try_into().ok())
                .ok_or_else(|| format!("host key '{}' is not a base64 SHA-256", e.host))?;
            if e.mode != FORCE_HTTPS || e.expiry < now || !e.expiry.is_finite() {
                continue;
            }
            entries.insert(
                key,
                Entry {
                    include_subdomains: e.sts_include_subdomains,
                    expiry: e.expiry,
                    observed: e.sts_observed,
                },
            );
        }
        Ok(State { entries })
    }
}

const FILE_VERSION: u32 = 2;
const FORCE_HTTPS: &str = "force-https";

/// Chromium's `TransportSecurity` file (version 2).
#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    sts: Vec<FileEntry>,
}

#[derive(Serialize, Deserialize)]
struct FileEntry {
    /// Base64 of the hashed host.
    host: String,
    mode: String,
    #[serde(default)]
    sts_include_subdomains: bool,
    #[serde(default)]
    sts_observed: f64,
    expiry: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_700_000_000.0;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn sts(max_age: u32, include_subdomains: bool) -> Sts {
        Sts {
            max_age,
            include_subdomains,
        }
    }

    #[test]
    fn upgraded_urls_keep_an_explicit_port_other_than_80() {
        // No behaviour ID: Chrome's URLRequestHttpJob HSTS redirect.
        let table = [
            ("http://a.test/x?q#f", Some("https://a.test/x?q#f")),
            ("http://a.test:80/", Some("https://a.test/")),
            ("http://a.test:8080/p", Some("https://a.test:8080/p")),
            ("http://a.test:443/", Some("https://a.test/")),
            ("ws://a.test/s", Some("wss://a.test/s")),
            ("https://a.test/", None),
            ("ftp://a.test/", None),
        ];
        for (from, to) in table {
            assert_eq!(
                upgraded_url(&url(from)).map(|u| u.to_string()),
                to.map(str::to_string),
                "{from}"
            );
        }
    }

    #[test]
    fn own_entry_and_parents_with_include_subdomains() {
        let mut s = State::default();
        assert!(s.note("a.test", sts(100, false), NOW));
        assert!(s.note("b.test", sts(100, true), NOW));
        assert!(s.upgrade(&url("http://a.test/"), NOW).is_some());
        assert!(s.upgrade(&url("http://A.TEST./"), NOW).is_some());
        assert!(s.upgrade(&url("http://x.a.test/"), NOW).is_none());
        assert!(s.upgrade(&url("http://b.test/"), NOW).is_some());
        let (domain, _) = s.lookup("deep.x.b.test", NOW).expect("subdomain");
        assert_eq!(domain, "b.test");
        assert!(s.upgrade(&url("http://notb.test/"), NOW).is_none());
        assert!(s.upgrade(&url("https://a.test/"), NOW).is_none());
        // The host's own entry wins over a parent's; a non-matching own entry lets the walk go on.
        assert!(s.note("x.b.test", sts(5, false), NOW));
        assert_eq!(s.lookup("x.b.test", NOW).expect("own").0, "x.b.test");
        assert_eq!(s.lookup("y.x.b.test", NOW).expect("parent").0, "b.test");
    }

    #[test]
    fn expiry_and_max_age_zero() {
        let mut s = State::default();
        s.note("a.test", sts(10, false), NOW);
        assert!(s.is_strict("a.test", NOW + 10.0));
        assert!(!s.is_strict("a.test", NOW + 10.5), "expired");
        assert!(s.is_empty(), "the expired entry was dropped");
        s.note("a.test", sts(10, true), NOW);
        assert!(s.note("a.test", sts(0, false), NOW));
        assert!(!s.is_strict("a.test", NOW));
        assert!(
            !s.note("a.test", sts(0, false), NOW),
            "nothing left to delete"
        );
        // max-age=0 of a subdomain does not delete the parent's policy.
        s.note("b.test", sts(10, true), NOW);
        assert!(!s.note("x.b.test", sts(0, false), NOW));
        assert!(s.is_strict("x.b.test", NOW));
        assert_eq!(s.retain_only(&["B.test"]), 0);
        s.note("c.test", sts(10, false), NOW);
        assert_eq!(s.retain_only(&["b.test"]), 1);
        assert!(s.is_strict("b.test", NOW) && !s.is_strict("c.test", NOW));
    }

    #[test]
    fn ip_literals_never_get_a_policy() {
        let mut s = State::default();
        assert!(!s.note("127.0.0.1", sts(100, true), NOW));
        assert!(!s.note("[::1]", sts(100, true), NOW));
        assert!(!s.note("::1", sts(100, true), NOW));
        assert!(s.is_empty());
        assert!(s.upgrade(&url("http://127.0.0.1/"), NOW).is_none());
        assert_eq!(canonical_host(""), None);
        assert_eq!(canonical_host("a..b"), None);
        assert_eq!(canonical_host(&"x".repeat(64)), None);
    }

    #[test]
    fn the_file_round_trips_and_holds_no_host_names() {
        let mut s = State::default();
        s.note("a.test", sts(100, true), NOW);
        s.note("gone.test", sts(1, false), NOW - 10.0);
        let bytes = s.to_json(NOW);
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(!text.contains("a.test"), "{text}");
        assert!(text.contains("\"mode\":\"force-https\""), "{text}");
        assert!(text.contains("\"version\":2"), "{text}");
        let mut back = State::from_json(&bytes, NOW).expect("parse");
        assert!(back.is_strict("sub.a.test", NOW));
        assert!(!back.is_strict("gone.test", NOW));
        // Chromium's key for a host: base64 of SHA-256 over the DNS wire form.
        let key = BASE64.encode(Sha256::digest(b"\x01a\x04test\x00"));
        assert!(text.contains(&key), "{text}");
        for bad in [
            &b"not json"[..],
            br#"{"version":1,"sts":[]}"#,
            br#"{"version":2,"sts":[{"host":"eA==","mode":"force-https","expiry":1e12}]}"#,
        ] {
            assert!(State::from_json(bad, NOW).is_err());
        }
    }
}
