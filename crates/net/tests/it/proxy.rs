//! `set_proxy` / `resolve_proxy` / `force_reload_proxy_config` against PAC scripts served by
//! the loopback site.

use session_net::NetError;
use std::sync::Arc;

use session_net::proxy::ProxyConfig;
use session_test_support::{Resource, TestSite};

use crate::net;

fn pac(port: u16) -> String {
    format!(
        "function FindProxyForURL(url, host) {{ if (dnsDomainIs(host, 'google.com')) return 'PROXY myproxy:{port}'; return 'DIRECT'; }}"
    )
}

fn put_pac(site: &TestSite, name: &str, body: &str) -> String {
    site.put(
        name,
        Resource {
            body: body.to_string().into(),
            etag: None,
            last_modified: None,
            headers: vec![(
                "Content-Type".into(),
                "application/x-ns-proxy-autoconfig".into(),
            )],
        },
    );
    site.http_url("a.test", &format!("/res/{name}"))
}

#[tokio::test]
async fn fixed_rules_and_modes() {
    let site = TestSite::start();
    let net = net(&site);
    // Default: direct.
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "DIRECT"
    );
    // PROXY-01
    net.set_proxy(ProxyConfig::rules("http=myproxy:80"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "PROXY myproxy:80"
    );
    assert_eq!(
        net.resolve_proxy("https://example.com/")
            .await
            .expect("resolve"),
        "DIRECT"
    );
    // Implicit loopback bypass.
    assert_eq!(
        net.resolve_proxy("http://localhost/")
            .await
            .expect("resolve"),
        "DIRECT"
    );
    // PROXY-02
    net.set_proxy(ProxyConfig::rules("http=myproxy:80").with_bypass("<-loopback>"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("http://localhost")
            .await
            .expect("resolve"),
        "PROXY myproxy:80"
    );
    // PROXY-04
    net.set_proxy(ProxyConfig::rules("http=myproxy:80").with_bypass("<local>"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("http://example/").await.expect("resolve"),
        "DIRECT"
    );
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "PROXY myproxy:80"
    );
    // PROXY-05
    net.set_proxy(ProxyConfig::rules("http=myproxy:80").with_mode("direct"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "DIRECT"
    );
    // PROXY-06, PROXY-09: accepted.
    net.set_proxy(ProxyConfig::default().with_mode("auto_detect"))
        .await
        .expect("auto_detect");
    net.set_proxy(ProxyConfig::default().with_mode("system"))
        .await
        .expect("system");
    // PROXY-07
    net.set_proxy(ProxyConfig::default().with_mode("pac_script"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "DIRECT"
    );
    // PROXY-08
    net.set_proxy(ProxyConfig::rules("http=myproxy:80").with_mode("fixed_servers"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "PROXY myproxy:80"
    );
    // PROXY-10: refused, and the config in force is kept.
    let e = net
        .set_proxy(ProxyConfig::rules("x:1").with_mode("invalid"))
        .await
        .expect_err("bad mode");
    assert_eq!(
        e.detail(),
        "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system"
    );
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "PROXY myproxy:80"
    );
    // PROXY-14: an empty config is fixed_servers with no rules: direct.
    net.set_proxy(ProxyConfig::default()).await.expect("set");
    assert_eq!(
        net.resolve_proxy("http://example.com/")
            .await
            .expect("resolve"),
        "DIRECT"
    );
    // Fail-over lists keep their order, with no space after ';'.
    net.set_proxy(ProxyConfig::rules("a:1,socks5://b:2,direct://"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("ftp://example.com/")
            .await
            .expect("resolve"),
        "PROXY a:1;SOCKS5 b:2;DIRECT"
    );
}

#[tokio::test]
async fn pac_scripts_from_the_site() {
    let site = TestSite::start();
    let net = net(&site);
    let url = put_pac(&site, "proxy.pac", &pac(8132));
    // PROXY-03: mode omitted and mode pac_script.
    net.set_proxy(ProxyConfig::pac(&url)).await.expect("set");
    assert_eq!(
        net.resolve_proxy("https://google.com")
            .await
            .expect("resolve"),
        "PROXY myproxy:8132"
    );
    net.set_proxy(ProxyConfig::pac(&url).with_mode("pac_script"))
        .await
        .expect("set");
    assert_eq!(
        net.resolve_proxy("https://google.com")
            .await
            .expect("resolve"),
        "PROXY myproxy:8132"
    );
    assert_eq!(
        net.resolve_proxy("http://other.test/")
            .await
            .expect("resolve"),
        "DIRECT"
    );
    // The script is fetched once and kept.
    assert_eq!(site.requests_to("/res/proxy.pac").len(), 2);
    // PROXY-11: a changed script is seen only after force_reload_proxy_config.
    put_pac(&site, "proxy.pac", &pac(8133));
    assert_eq!(
        net.resolve_proxy("https://google.com")
            .await
            .expect("resolve"),
        "PROXY myproxy:8132"
    );
    net.force_reload_proxy_config().await.expect("reload");
    assert_eq!(
        net.resolve_proxy("https://google.com")
            .await
            .expect("resolve"),
        "PROXY myproxy:8133"
    );
}

#[tokio::test]
async fn pac_served_by_headers_route_and_data_urls() {
    let site = TestSite::start();
    let net = net(&site);
    let body = "function FindProxyForURL(u, h) { return 'PROXY a:80; DIRECT'; }";
    let encoded: String = url::form_urlencoded::byte_serialize(body.as_bytes()).collect();
    let url = site.http_url(
        "a.test",
        &format!("/headers?Content-Type=application/x-ns-proxy-autoconfig&_body={encoded}"),
    );
    net.set_proxy(ProxyConfig::pac(url)).await.expect("set");
    assert_eq!(
        net.resolve_proxy("http://x.example/")
            .await
            .expect("resolve"),
        "PROXY a:80;DIRECT"
    );
    // Loopback URLs bypass PAC scripts too.
    assert_eq!(
        net.resolve_proxy("http://127.0.0.1/")
            .await
            .expect("resolve"),
        "DIRECT"
    );

    net.set_proxy(ProxyConfig::pac(
        "data:application/x-ns-proxy-autoconfig,function FindProxyForURL(u,h){return 'SOCKS5 s:1080'}",
    ))
    .await
    .expect("set");
    assert_eq!(
        net.resolve_proxy("http://x.example/")
            .await
            .expect("resolve"),
        "SOCKS5 s:1080"
    );
}

#[tokio::test]
async fn broken_pac_scripts_are_named() {
    let site = TestSite::start();
    let net = net(&site);
    let url = put_pac(
        &site,
        "broken.pac",
        "function FindProxyForURL(u, h) { return 'DIRECT' ",
    );
    net.set_proxy(ProxyConfig::pac(&url)).await.expect("set");
    let e = net
        .resolve_proxy("http://x.example/")
        .await
        .expect_err("syntax error");
    assert_eq!(e.kind(), NetError::PacScriptFailed);
    assert!(
        e.detail().contains(&url) && e.detail().contains("SyntaxError"),
        "{e}"
    );

    let missing = site.http_url("a.test", "/status/404");
    net.set_proxy(ProxyConfig::pac(&missing))
        .await
        .expect("set");
    let e = net
        .resolve_proxy("http://x.example/")
        .await
        .expect_err("404");
    assert!(e.detail().contains(&missing), "{e}");

    let e = net.resolve_proxy("not a url").await.expect_err("bad url");
    assert_eq!(e.kind(), NetError::InvalidUrl);
}

#[tokio::test]
async fn hostile_pac_script_is_stopped() {
    let site = TestSite::start();
    let net = net(&site);
    net.set_pac_limits(session_net::proxy::pac::PacLimits {
        time: std::time::Duration::from_millis(300),
        memory: 16 * 1024 * 1024,
    });
    let url = put_pac(
        &site,
        "loop.pac",
        "function FindProxyForURL(u, h) { while (true) {} }",
    );
    net.set_proxy(ProxyConfig::pac(&url)).await.expect("set");
    let e = net
        .resolve_proxy("http://x.example/")
        .await
        .expect_err("loop");
    assert!(e.detail().contains("ran longer than 300 ms"), "{e}");
}

#[tokio::test]
async fn pac_dns_uses_the_session_resolver() {
    let site = TestSite::start();
    let net = net(&site);
    // `*.test` maps to 127.0.0.1 by the session's host rules.
    let url = put_pac(
        &site,
        "dns.pac",
        "function FindProxyForURL(u, h) { return isInNet(h, '127.0.0.0', '255.0.0.0') && isResolvable(h) ? 'PROXY in:1' : 'PROXY out:1'; }",
    );
    net.set_proxy(ProxyConfig::pac(&url)).await.expect("set");
    assert_eq!(
        net.resolve_proxy("http://b.test/").await.expect("resolve"),
        "PROXY in:1"
    );
}

/// A context trusting the site's CA but with no host rules: `*.test` does not resolve here,
/// only at the proxy.
fn net_without_host_rules(site: &TestSite) -> session_net::Net {
    let mut config = session_net::NetConfig::default();
    config.extra_roots_pem = vec![site.ca_pem().as_bytes().to_vec()];
    session_net::Net::new(config).expect("net")
}

async fn get(net: &session_net::Net, url: &str) -> Result<(u16, String), session_net::Error> {
    let request =
        session_net::new_request(http::Method::GET, url, session_net::RequestBody::empty())?;
    let response = net.fetch(request).await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

#[tokio::test]
async fn http_requests_go_through_the_http_proxy_unresolved() {
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    let net = net_without_host_rules(&site);
    net.set_proxy(ProxyConfig::rules(format!(
        "http=127.0.0.1:{}",
        proxy.port()
    )))
    .await
    .expect("set");
    let url = site.http_url("a.test", "/echo");
    let (status, body) = get(&net, &url).await.expect("through the proxy");
    assert_eq!(status, 200);
    assert!(body.contains("\"/echo\""), "{body}");
    assert_eq!(proxy.requests()[0].method, "GET");
    assert_eq!(proxy.requests()[0].target, url);
    // PROXY-13: a host nobody can resolve goes to the proxy as written.
    let (status, body) = get(&net, "http://non-existent-host.test:12345/x")
        .await
        .expect("the proxy answers");
    assert_eq!(status, 502);
    assert_eq!(body, "proxy cannot reach non-existent-host.test:12345");
    let last = proxy.requests().last().cloned().expect("logged");
    assert_eq!(last.target, "http://non-existent-host.test:12345/x");
    assert_eq!(
        last.host_header.as_deref(),
        Some("non-existent-host.test:12345")
    );
    // Without the proxy the same host does not resolve.
    net.set_proxy(ProxyConfig::default()).await.expect("set");
    let e = get(&net, "http://non-existent-host.test:12345/x")
        .await
        .expect_err("direct");
    assert_eq!(e.kind(), NetError::NameNotResolved);
}

#[tokio::test]
async fn https_requests_use_a_connect_tunnel() {
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    let net = net_without_host_rules(&site);
    net.set_proxy(ProxyConfig::rules(format!("127.0.0.1:{}", proxy.port())))
        .await
        .expect("set");
    let (status, _) = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect("tunnel");
    assert_eq!(status, 200);
    let r = &proxy.requests()[0];
    assert_eq!(r.method, "CONNECT");
    assert_eq!(r.target, format!("a.test:{}", site.https_port()));
    // A tunnel the proxy refuses fails with the tunnel error.
    let e = get(&net, "https://nowhere.invalid:4/")
        .await
        .expect_err("refused");
    assert_eq!(e.kind(), NetError::TunnelConnectionFailed);
}

#[tokio::test]
async fn socks5_proxies_carry_requests() {
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    let net = net_without_host_rules(&site);
    net.set_proxy(ProxyConfig::rules(format!(
        "socks5://127.0.0.1:{}",
        proxy.port()
    )))
    .await
    .expect("set");
    let (status, _) = get(&net, &site.http_url("b.test", "/echo"))
        .await
        .expect("http over socks");
    assert_eq!(status, 200);
    let (status, _) = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect("https over socks");
    assert_eq!(status, 200);
    let targets: Vec<String> = proxy
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(
        targets,
        vec![
            format!("SOCKS5 b.test:{}", site.http_port()),
            format!("SOCKS5 a.test:{}", site.https_port())
        ]
    );
}

#[tokio::test]
async fn proxies_fail_over_in_order_and_loopback_goes_direct() {
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    let net = net_without_host_rules(&site);
    // Port 1 on loopback refuses: the next proxy of the list is used.
    net.set_proxy(ProxyConfig::rules(format!(
        "http=127.0.0.1:1,127.0.0.1:{}",
        proxy.port()
    )))
    .await
    .expect("set");
    let (status, _) = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("fail-over");
    assert_eq!(status, 200);
    assert_eq!(proxy.requests().len(), 1);
    // Loopback URLs bypass the proxy implicitly.
    site.clear_log();
    let (status, _) = get(&net, &site.http_url("127.0.0.1", "/echo"))
        .await
        .expect("direct");
    assert_eq!(status, 200);
    assert_eq!(proxy.requests().len(), 1);
    assert_eq!(site.requests_to("/echo").len(), 1);
    // Every proxy down: the proxy error.
    net.set_proxy(ProxyConfig::rules("http=127.0.0.1:1"))
        .await
        .expect("set");
    let e = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect_err("down");
    assert_eq!(e.kind(), NetError::ProxyConnectionFailed);
    // A list ending in DIRECT falls back to a direct connection.
    let net = crate::net(&site);
    net.set_proxy(ProxyConfig::rules("http=127.0.0.1:1,direct://"))
        .await
        .expect("set");
    let (status, _) = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("direct fallback");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn socks4_proxies_get_a_locally_resolved_address() {
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    // SOCKS4 carries an IPv4 address: the session resolves `a.test` by its host rules.
    let net = net(&site);
    net.set_proxy(ProxyConfig::rules(format!(
        "socks4://127.0.0.1:{}",
        proxy.port()
    )))
    .await
    .expect("set");
    let (status, _) = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("over socks4");
    assert_eq!(status, 200);
    assert_eq!(
        proxy.requests()[0].target,
        format!("127.0.0.1:{}", site.http_port())
    );
    assert_eq!(proxy.requests()[0].method, "SOCKS4");
}

#[tokio::test]
async fn proxy_credentials_are_asked_once_and_kept() {
    // PROXY-12
    use session_net::auth::{AuthAnswer, AuthRequest, Credentials};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start_with_auth("user", "secret");
    let net = net_without_host_rules(&site);
    net.set_proxy(ProxyConfig::rules(format!("127.0.0.1:{}", proxy.port())))
        .await
        .expect("set");
    // No handler: the 407 reaches the caller, and a tunnel fails.
    let (status, _) = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("407");
    assert_eq!(status, 407);
    let e = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect_err("tunnel");
    assert_eq!(e.kind(), NetError::ProxyAuthRequested);

    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::<AuthRequest>::new()));
    let (c, s) = (calls.clone(), seen.clone());
    net.set_login_handler(Some(Arc::new(move |info: AuthRequest| {
        c.fetch_add(1, Ordering::SeqCst);
        s.lock().expect("seen").push(info);
        Box::pin(async { AuthAnswer::Credentials(Credentials::new("user", "secret")) })
    })));
    let (status, _) = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("http");
    assert_eq!(status, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let info = seen.lock().expect("seen")[0].clone();
    assert_eq!(
        (
            info.is_proxy,
            info.scheme.as_str(),
            info.realm.as_str(),
            info.port
        ),
        (true, "basic", "test-proxy", proxy.port())
    );
    // Kept: later requests, https tunnels and credentials-omit requests are not asked again.
    let (status, _) = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect("https");
    assert_eq!(status, 200);
    let mut request = session_net::new_request(
        http::Method::GET,
        &site.http_url("b.test", "/echo"),
        session_net::RequestBody::empty(),
    )
    .expect("request");
    request
        .extensions_mut()
        .insert(session_net::FetchOptions::new().credentials(session_net::CredentialsMode::Omit));
    assert_eq!(net.fetch(request).await.expect("omit").status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let last = proxy.requests().last().cloned().expect("logged");
    assert_eq!(
        last.authorization.as_deref(),
        Some("Basic dXNlcjpzZWNyZXQ=")
    );
}
