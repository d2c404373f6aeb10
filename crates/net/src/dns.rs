//! Host resolution: host rules, IP literals, `localhost`, a host cache, then the system
//! resolver.
//!
//! The resolver is the operating system's (`getaddrinfo` on tokio's blocking pool), as
//! Chromium's default "system" resolver: it honours `/etc/hosts`, nsswitch and the system DNS
//! configuration. `getaddrinfo` reports no TTL, so answers are cached for 60 seconds, the TTL
//! Chromium's host cache gives system-resolver answers. `secure_dns_policy` is accepted and has
//! no effect (there is no DNS-over-HTTPS client here); `source: dns` and `source: mdns` use the
//! system resolver too.
//!
//! ```
//! use session_net::dns::{
//!     AddressFamily, CacheUsage, HostResolverSource, QueryType, ResolveHostOptions, SecureDnsPolicy,
//!     SYSTEM_TTL,
//! };
//! use session_net::{Net, NetConfig};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let net = Net::new(NetConfig::default())?;
//! net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
//! // Local answers only: host rules, IP literals, `localhost` and the cache; no resolver.
//! let options = ResolveHostOptions {
//!     query_type: Some(QueryType::A),
//!     source: "localOnly".parse()?,
//!     cache_usage: CacheUsage::Disallowed,
//!     secure_dns_policy: SecureDnsPolicy::Disable,
//! };
//! let host = net.resolve_host("api.test", options).await?;
//! assert_eq!(host.endpoints[0].address, "127.0.0.1");
//! assert_eq!(host.endpoints[0].family, AddressFamily::Ipv4);
//! let v6 = net.resolve_host("::1", ResolveHostOptions::default()).await?;
//! assert_eq!(v6.endpoints[0].family, AddressFamily::Ipv6);
//!
//! // Electron's names, checked as Electron checks them.
//! assert_eq!("AAAA".parse::<QueryType>()?, QueryType::Aaaa);
//! assert_eq!("staleAllowed".parse::<CacheUsage>()?, CacheUsage::StaleAllowed);
//! assert!("sometimes".parse::<HostResolverSource>().is_err());
//! let json: ResolveHostOptions = serde_json::from_str(r#"{"queryType": "A", "source": "dns"}"#).unwrap();
//! assert_eq!(json.source, HostResolverSource::Dns);
//! assert_eq!(SYSTEM_TTL.as_secs(), 60);
//! # Ok::<_, session_net::Error>(()) }).unwrap();
//! ```

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use session_base::host_rules::{HostRules, Mapping};

use crate::error::{Error, NetError, Result};

/// How long an answer of the system resolver stays in the host cache.
///
/// Example: see [the module's example](self).
pub const SYSTEM_TTL: Duration = Duration::from_secs(60);

/// `queryType`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QueryType {
    /// IPv4 addresses only.
    A,
    /// IPv6 addresses only.
    #[serde(rename = "AAAA")]
    Aaaa,
}

/// `source`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HostResolverSource {
    /// The resolver picks (here: the system resolver).
    #[default]
    Any,
    /// The system resolver.
    System,
    /// DNS (here: the system resolver).
    Dns,
    /// Multicast DNS (here: the system resolver).
    Mdns,
    /// Only the cache, host rules, IP literals and `localhost`.
    LocalOnly,
}

/// `cacheUsage`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CacheUsage {
    /// Fresh cache entries may answer.
    #[default]
    Allowed,
    /// Stale cache entries may answer too.
    StaleAllowed,
    /// The cache is not read.
    Disallowed,
}

/// `secureDnsPolicy`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecureDnsPolicy {
    /// Secure DNS may be used (there is none here).
    #[default]
    Allow,
    /// Secure DNS is not used.
    Disable,
}

macro_rules! parse_names {
    ($ty:ident, $what:literal, $($s:literal => $v:ident),*) => {
        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($s => Ok($ty::$v),)*
                    _ => Err(Error::new(NetError::InvalidArgument, format!(concat!("invalid ", $what, " '{}'"), s))),
                }
            }
        }
    };
}
parse_names!(QueryType, "queryType (A or AAAA)", "A" => A, "AAAA" => Aaaa);
parse_names!(HostResolverSource, "source (any, system, dns, mdns or localOnly)",
    "any" => Any, "system" => System, "dns" => Dns, "mdns" => Mdns, "localOnly" => LocalOnly);
parse_names!(CacheUsage, "cacheUsage (allowed, staleAllowed or disallowed)",
    "allowed" => Allowed, "staleAllowed" => StaleAllowed, "disallowed" => Disallowed);
parse_names!(SecureDnsPolicy, "secureDnsPolicy (allow or disable)", "allow" => Allow, "disable" => Disable);

/// Options of `resolve_host`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResolveHostOptions {
    /// `queryType`; `None` returns both families.
    pub query_type: Option<QueryType>,
    /// `source`.
    pub source: HostResolverSource,
    /// `cacheUsage`.
    pub cache_usage: CacheUsage,
    /// `secureDnsPolicy`.
    pub secure_dns_policy: SecureDnsPolicy,
}

/// `family` of a resolved endpoint.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressFamily {
    /// `AF_INET`.
    Ipv4,
    /// `AF_INET6`.
    Ipv6,
    /// `AF_UNSPEC`.
    Unspec,
}

/// Electron's `ResolvedEndpoint`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedEndpoint {
    /// The address as text.
    pub address: String,
    /// Its family.
    pub family: AddressFamily,
}

/// Electron's `ResolvedHost`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedHost {
    /// The addresses, in the resolver's order.
    pub endpoints: Vec<ResolvedEndpoint>,
}

impl ResolvedHost {
    fn from_addrs(addrs: &[IpAddr]) -> Self {
        ResolvedHost {
            endpoints: addrs
                .iter()
                .map(|a| ResolvedEndpoint {
                    address: a.to_string(),
                    family: if a.is_ipv4() {
                        AddressFamily::Ipv4
                    } else {
                        AddressFamily::Ipv6
                    },
                })
                .collect(),
        }
    }
}

/// The host cache: answers by host with their expiry. Pure data, the clock is passed in.
#[derive(Debug, Default)]
pub(crate) struct HostCache {
    entries: HashMap<String, (Arc<[IpAddr]>, Instant)>,
}

impl HostCache {
    const MAX_ENTRIES: usize = 1000;

    pub(crate) fn get(&self, host: &str, now: Instant, stale_ok: bool) -> Option<Arc<[IpAddr]>> {
        let (addrs, expires) = self.entries.get(host)?;
        (stale_ok || now < *expires).then(|| addrs.clone())
    }

    pub(crate) fn insert(&mut self, host: &str, addrs: Arc<[IpAddr]>, now: Instant, ttl: Duration) {
        if self.entries.len() >= Self::MAX_ENTRIES {
            self.entries.retain(|_, (_, exp)| *exp > now);
            if self.entries.len() >= Self::MAX_ENTRIES {
                self.entries.clear();
            }
        }
        self.entries.insert(host.to_string(), (addrs, now + ttl));
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Where a connection to `host:port` goes.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) addrs: Arc<[IpAddr]>,
    pub(crate) port: u16,
}

/// The session's resolver: host rules plus the host cache plus the system resolver.
#[derive(Default)]
pub(crate) struct Resolver {
    rules: RwLock<Arc<HostRules>>,
    cache: Mutex<HostCache>,
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn not_resolved(host: &str) -> Error {
    Error::new(
        NetError::NameNotResolved,
        format!("could not resolve host '{host}'"),
    )
}

impl Resolver {
    pub(crate) fn set_rules(&self, rules: HostRules) {
        *self.rules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(rules);
    }

    pub(crate) fn rules(&self) -> Arc<HostRules> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn clear_cache(&self) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Where a connection to `host:port` should go (host rules applied).
    pub(crate) async fn target(&self, host: &str, port: u16) -> Result<Target> {
        let host = strip_brackets(host);
        let (name, port) = match self.rules().map(host, port) {
            Mapping::Unchanged => (host.to_string(), port),
            Mapping::NotFound => return Err(not_resolved(host)),
            Mapping::To { host, port } => (host, port),
        };
        let addrs = self.lookup(&name, ResolveHostOptions::default()).await?;
        Ok(Target { addrs, port })
    }

    /// `resolve_host`.
    pub(crate) async fn resolve_host(
        &self,
        host: &str,
        options: ResolveHostOptions,
    ) -> Result<ResolvedHost> {
        if host.is_empty() {
            return Err(Error::new(
                NetError::InvalidArgument,
                "resolve_host needs a non-empty host",
            ));
        }
        let host = strip_brackets(host).to_ascii_lowercase();
        let name = match self.rules().map(&host, 80) {
            Mapping::Unchanged => host.clone(),
            Mapping::NotFound => return Err(not_resolved(&host)),
            Mapping::To { host, .. } => host,
        };
        let addrs = self.lookup(&name, options).await?;
        let filtered: Vec<IpAddr> = addrs
            .iter()
            .copied()
            .filter(|a| match options.query_type {
                None => true,
                Some(QueryType::A) => a.is_ipv4(),
                Some(QueryType::Aaaa) => a.is_ipv6(),
            })
            .collect();
        if filtered.is_empty() {
            return Err(not_resolved(&host));
        }
        Ok(ResolvedHost::from_addrs(&filtered))
    }

    async fn lookup(&self, name: &str, options: ResolveHostOptions) -> Result<Arc<[IpAddr]>> {
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(Arc::from([ip]));
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") {
            return Ok(Arc::from([
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]));
        }
        let now = Instant::now();
        if options.cache_usage != CacheUsage::Disallowed {
            let stale_ok = options.cache_usage == CacheUsage::StaleAllowed;
            if let Some(hit) = self
                .cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&name, now, stale_ok)
            {
                return Ok(hit);
            }
        }
        if options.source == HostResolverSource::LocalOnly {
            return Err(not_resolved(&name));
        }
        let found: Vec<IpAddr> = tokio::net::lookup_host((name.as_str(), 0))
            .await
            .map_err(|_| not_resolved(&name))?
            .map(|sa| sa.ip())
            .fold(Vec::new(), |mut v, ip| {
                if !v.contains(&ip) {
                    v.push(ip);
                }
                v
            });
        if found.is_empty() {
            return Err(not_resolved(&name));
        }
        let addrs: Arc<[IpAddr]> = found.into();
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(
            &name,
            addrs.clone(),
            Instant::now(),
            SYSTEM_TTL,
        );
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_honours_ttl_and_stale_use() {
        let mut c = HostCache::default();
        let t0 = Instant::now();
        let addrs: Arc<[IpAddr]> = Arc::from([IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))]);
        c.insert("a.test", addrs.clone(), t0, Duration::from_secs(60));
        assert_eq!(
            c.get("a.test", t0 + Duration::from_secs(59), false),
            Some(addrs.clone())
        );
        assert_eq!(c.get("a.test", t0 + Duration::from_secs(60), false), None);
        assert_eq!(
            c.get("a.test", t0 + Duration::from_secs(600), true),
            Some(addrs)
        );
        c.clear();
        assert_eq!(c.get("a.test", t0, true), None);
    }

    fn resolver(rules: &str) -> Resolver {
        let r = Resolver::default();
        r.set_rules(rules.parse().expect("rules"));
        r
    }

    #[tokio::test]
    async fn electron_spec_host_rules() {
        let r = resolver(
            "MAP ipv4.localhost2 10.0.0.1, MAP ipv6.localhost2 [::1], MAP notfound.localhost2 ~NOTFOUND",
        );
        // DNS-01
        let v4 = r
            .resolve_host("ipv4.localhost2", ResolveHostOptions::default())
            .await
            .expect("v4");
        assert_eq!(
            v4.endpoints,
            [ResolvedEndpoint {
                address: "10.0.0.1".into(),
                family: AddressFamily::Ipv4
            }]
        );
        // DNS-02
        let aaaa = ResolveHostOptions {
            query_type: Some(QueryType::Aaaa),
            ..Default::default()
        };
        let err = r
            .resolve_host("ipv4.localhost2", aaaa)
            .await
            .expect_err("no AAAA");
        assert_eq!(err.kind(), NetError::NameNotResolved);
        // DNS-03
        let v6 = r
            .resolve_host("ipv6.localhost2", ResolveHostOptions::default())
            .await
            .expect("v6");
        assert_eq!(
            v6.endpoints,
            [ResolvedEndpoint {
                address: "::1".into(),
                family: AddressFamily::Ipv6
            }]
        );
        // DNS-04, DNS-05
        let a = ResolveHostOptions {
            query_type: Some(QueryType::A),
            ..Default::default()
        };
        for opts in [a, ResolveHostOptions::default()] {
            let err = r
                .resolve_host("notfound.localhost2", opts)
                .await
                .expect_err("notfound");
            assert!(
                err.to_string().starts_with("net::ERR_NAME_NOT_RESOLVED"),
                "{err}"
            );
        }
    }

    #[tokio::test]
    async fn local_only_never_asks_the_system() {
        let r = resolver("");
        let local = ResolveHostOptions {
            source: HostResolverSource::LocalOnly,
            ..Default::default()
        };
        assert!(r.resolve_host("not-in-cache.invalid", local).await.is_err());
        assert_eq!(
            r.resolve_host("localhost", local)
                .await
                .expect("localhost")
                .endpoints
                .len(),
            2
        );
        assert_eq!(
            r.resolve_host("[::1]", local)
                .await
                .expect("literal")
                .endpoints[0]
                .address,
            "::1"
        );
    }

    #[tokio::test]
    async fn targets_take_the_rule_port() {
        let r = resolver("MAP x.test 127.0.0.1:8443");
        let t = r.target("x.test", 443).await.expect("target");
        assert_eq!(t.port, 8443);
        assert_eq!(&*t.addrs, &[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    }

    #[test]
    fn option_names_parse() {
        assert_eq!("AAAA".parse::<QueryType>(), Ok(QueryType::Aaaa));
        assert_eq!(
            "localOnly".parse::<HostResolverSource>(),
            Ok(HostResolverSource::LocalOnly)
        );
        assert!("sometimes".parse::<CacheUsage>().is_err());
        let json = serde_json::to_string(&ResolvedHost::from_addrs(&[IpAddr::V6(
            Ipv6Addr::LOCALHOST,
        )]))
        .expect("json");
        assert_eq!(json, r#"{"endpoints":[{"address":"::1","family":"ipv6"}]}"#);
    }
}
