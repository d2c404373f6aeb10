use session_net::dns::{AddressFamily, CacheUsage, HostResolverSource, QueryType};
use session_net::{Net, NetConfig, NetError, ResolveHostOptions};

fn net_with(rules: &str) -> Net {
    let mut c = NetConfig::default();
    c.host_rules = rules.parse().expect("rules");
    Net::new(c).expect("net")
}

const SPEC_RULES: &str = "MAP localhost2 127.0.0.1, MAP ipv4.localhost2 10.0.0.1, MAP ipv6.localhost2 [::1], MAP notfound.localhost2 ~NOTFOUND";

#[tokio::test]
async fn resolve_host_like_electrons_spec() {
    let net = net_with(SPEC_RULES);
    // DNS-01
    let r = net
        .resolve_host("ipv4.localhost2", ResolveHostOptions::default())
        .await
        .expect("v4");
    assert_eq!(r.endpoints.len(), 1);
    assert_eq!(r.endpoints[0].address, "10.0.0.1");
    assert_eq!(r.endpoints[0].family, AddressFamily::Ipv4);
    // DNS-02
    let aaaa = ResolveHostOptions {
        query_type: Some(QueryType::Aaaa),
        ..Default::default()
    };
    let err = net
        .resolve_host("ipv4.localhost2", aaaa)
        .await
        .expect_err("no AAAA");
    assert_eq!(err.kind(), NetError::NameNotResolved);
    // DNS-03
    let r = net
        .resolve_host("ipv6.localhost2", ResolveHostOptions::default())
        .await
        .expect("v6");
    assert_eq!(r.endpoints.len(), 1);
    assert_eq!(
        (r.endpoints[0].address.as_str(), r.endpoints[0].family),
        ("::1", AddressFamily::Ipv6)
    );
    // DNS-04, DNS-05
    let a = ResolveHostOptions {
        query_type: Some(QueryType::A),
        ..Default::default()
    };
    assert_eq!(
        crate::kind(net.resolve_host("notfound.localhost2", a).await),
        NetError::NameNotResolved
    );
    let err = net
        .resolve_host("notfound.localhost2", ResolveHostOptions::default())
        .await
        .expect_err("notfound");
    assert!(err.to_string().starts_with("net::ERR_NAME_NOT_RESOLVED"));
}

#[tokio::test]
async fn host_cache_and_sources() {
    let net = net_with("");
    let local = ResolveHostOptions {
        source: HostResolverSource::LocalOnly,
        ..Default::default()
    };
    // The system resolver knows localhost via /etc/hosts only through our local rule; use a
    // name /etc/hosts is sure to have instead: the machine's own "localhost" is answered locally.
    assert!(net.resolve_host("localhost", local).await.is_ok());
    // A name only the system can answer: after one system lookup it is in the cache, so a
    // local-only lookup finds it; clearing the cache forgets it.
    let name = "ip6-localhost";
    if net
        .resolve_host(name, ResolveHostOptions::default())
        .await
        .is_ok()
    {
        assert!(net.resolve_host(name, local).await.is_ok(), "cached");
        net.clear_host_resolver_cache();
        assert!(
            net.resolve_host(name, local).await.is_err(),
            "cache cleared"
        );
        let no_cache = ResolveHostOptions {
            cache_usage: CacheUsage::Disallowed,
            ..Default::default()
        };
        assert!(net.resolve_host(name, no_cache).await.is_ok());
    }
    assert_eq!(
        crate::kind(net.resolve_host("", ResolveHostOptions::default()).await),
        NetError::InvalidArgument
    );
}

#[tokio::test]
async fn host_rules_can_change() {
    let net = net_with("MAP *.test 127.0.0.1");
    assert!(
        net.resolve_host("a.test", ResolveHostOptions::default())
            .await
            .is_ok()
    );
    net.set_host_rules("MAP a.test ~NOTFOUND".parse().expect("rules"));
    assert_eq!(net.host_rules().to_string(), "MAP a.test ~NOTFOUND");
    assert_eq!(
        crate::kind(
            net.resolve_host("a.test", ResolveHostOptions::default())
                .await
        ),
        NetError::NameNotResolved
    );
}
