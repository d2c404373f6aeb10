//! HSTS (Chromium's TransportSecurityState) through real TLS on loopback. Electron has no HSTS
//! API, so these tests name no behaviour ID; they follow RFC 6797 and Chrome's behaviour.
//!
//! Hosts reach the site on the default ports through host rules: `*.test:443` goes to the
//! HTTPS listener and `*.test:80` to the plain one, so an `http://a.test/` upgraded to
//! `https://a.test/` lands on TLS without the test naming a port.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use session_net::web_request::{Details, Filter};
use session_net::{
    CertificateVerdict, FetchOptions, Net, NetConfig, NetError, NetLogOptions, RedirectMode,
    verify_proc,
};
use session_test_support::{TestSite, TlsVariant};
use tokio::sync::mpsc;

use crate::{get, kind, request};

/// A network context whose `*.test` names reach the site on ports 80 and 443.
fn net_on_default_ports(site: &TestSite, trust_ca: bool) -> Net {
    let mut config = NetConfig::default();
    config.host_rules = rules(site).parse().expect("host rules");
    if trust_ca {
        config.extra_roots_pem = vec![site.ca_pem().as_bytes().to_vec()];
    }
    Net::new(config).expect("net")
}

fn rules(site: &TestSite) -> String {
    format!(
        "MAP *.test:443 127.0.0.1:{}, MAP *.test:80 127.0.0.1:{}, MAP *.test 127.0.0.1",
        site.https_port(),
        site.http_port()
    )
}

/// `/headers` answering with one `Strict-Transport-Security: value`.
fn sts_path(value: &str) -> String {
    let q: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    format!("/headers?Strict-Transport-Security={q}")
}

async fn learn(net: &Net, host: &str, value: &str) {
    let r = get(net, &format!("https://{host}{}", sts_path(value)))
        .await
        .expect("https fetch");
    assert_eq!(r.status(), 200);
}

fn chain(r: &session_net::Response) -> Vec<String> {
    r.url_chain().iter().map(|u| u.to_string()).collect()
}

#[tokio::test]
async fn a_policy_upgrades_later_http_requests_with_an_internal_307() {
    let site = TestSite::start();
    let net = net_on_default_ports(&site, true);
    // Before any policy, http goes to the plain listener.
    let r = get(&net, "http://a.test/status/200").await.expect("http");
    assert_eq!(chain(&r), ["http://a.test/status/200"]);
    assert!(net.transport_security().policy("a.test").is_none());

    learn(&net, "a.test", "max-age=600").await;
    let policy = net.transport_security().policy("a.test").expect("noted");
    assert_eq!(policy.domain, "a.test");
    assert!(!policy.include_subdomains);
    let left = policy
        .expiry
        .duration_since(policy.observed)
        .expect("expiry after observed");
    assert_eq!(left, Duration::from_secs(600));

    site.clear_log();
    let r = get(&net, "http://a.test/echo?x=1").await.expect("upgraded");
    assert_eq!(r.status(), 200);
    assert_eq!(
        chain(&r),
        ["http://a.test/echo?x=1", "https://a.test/echo?x=1"]
    );
    let logged = site.requests();
    assert_eq!(logged.len(), 1, "only the https request reached the site");
    assert!(logged[0].tls);

    // The hop itself, with manual redirects: Chrome's internal redirect.
    let mut options = FetchOptions::new();
    options.redirect = RedirectMode::Manual;
    let r = net
        .fetch(request(Method::GET, "http://a.test/p", (), options))
        .await
        .expect("manual");
    assert_eq!(r.status(), 307);
    assert_eq!(r.status_text(), "Internal Redirect");
    assert_eq!(r.header("location").as_deref(), Some("https://a.test/p"));
    assert_eq!(
        r.header("non-authoritative-reason").as_deref(),
        Some("HSTS")
    );
    // An explicit port other than 80 is kept: the upgraded URL goes to the same port over TLS
    // (here the site's HTTPS port, named explicitly).
    let url = format!("http://a.test:{}/status/204", site.https_port());
    let r = get(&net, &url).await.expect("explicit port");
    assert_eq!(
        chain(&r),
        [
            url.clone(),
            format!("https://a.test:{}/status/204", site.https_port())
        ]
    );
}

#[tokio::test]
async fn the_redirect_is_seen_by_web_request_and_the_net_log() {
    let site = TestSite::start();
    let net = net_on_default_ports(&site, true);
    learn(&net, "a.test", "max-age=600").await;
    let (tx, mut rx) = mpsc::unbounded_channel::<Details>();
    let _h = net
        .web_request()
        .add_before_redirect(Filter::all(), move |d| {
            let _ = tx.send(d);
            async {}
        });
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("net.json");
    net.net_log()
        .start_logging(&log, NetLogOptions::new())
        .expect("log");
    let r = get(&net, "http://a.test/status/200").await.expect("fetch");
    assert_eq!(r.status(), 200);
    let d = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("onBeforeRedirect within the deadline")
        .expect("open");
    assert_eq!(d.status_code, Some(307));
    assert_eq!(
        d.status_line.as_deref(),
        Some("HTTP/1.1 307 Internal Redirect")
    );
    assert_eq!(d.redirect_url.as_deref(), Some("https://a.test/status/200"));
    let headers = d.response_headers.expect("response headers");
    assert_eq!(
        headers
            .get("non-authoritative-reason")
            .and_then(|v| v.to_str().ok()),
        Some("HSTS")
    );
    net.net_log().stop_logging().expect("stop");
    let text = std::fs::read_to_string(&log).expect("log file");
    assert!(
        text.contains("\"URL_REQUEST_REDIRECT_JOB\""),
        "event type named"
    );
    assert!(text.contains("\"reason\":\"HSTS\""), "{text}");
    assert!(text.contains("Non-Authoritative-Reason: HSTS"), "{text}");
}

#[tokio::test]
async fn include_subdomains_covers_subdomains_only_when_given() {
    let site = TestSite::start();
    let net = net_on_default_ports(&site, true);
    learn(&net, "a.test", "max-age=600").await;
    learn(&net, "b.test", "max-age=600; includeSubDomains").await;
    let r = get(&net, "http://x.a.test/status/200")
        .await
        .expect("fetch");
    assert_eq!(chain(&r), ["http://x.a.test/status/200"], "not covered");
    // The test certificate names no subdomain of b.test, so the upgrade is looked at with
    // manual redirects.
    let mut options = FetchOptions::new();
    options.redirect = RedirectMode::Manual;
    let r = net
        .fetch(request(
            Method::GET,
            "http://deep.x.b.test/status/200",
            (),
            options,
        ))
        .await
        .expect("manual");
    assert_eq!(r.status(), 307);
    assert_eq!(
        r.header("location").as_deref(),
        Some("https://deep.x.b.test/status/200")
    );
    assert_eq!(
        net.transport_security()
            .policy("deep.x.b.test")
            .expect("covered")
            .domain,
        "b.test"
    );
}

#[tokio::test]
async fn max_age_zero_deletes_and_http_or_ip_responses_set_nothing() {
    let site = TestSite::start();
    let net = net_on_default_ports(&site, true);
    learn(&net, "a.test", "max-age=600; includeSubDomains").await;
    learn(&net, "a.test", "max-age=0").await;
    assert!(net.transport_security().policy("a.test").is_none());
    let r = get(&net, "http://a.test/status/200").await.expect("fetch");
    assert_eq!(chain(&r).len(), 1, "no longer upgraded");

    // Over plain http the header means nothing.
    let r = get(&net, &format!("http://c.test{}", sts_path("max-age=600")))
        .await
        .expect("http");
    assert_eq!(r.status(), 200);
    assert!(net.transport_security().policy("c.test").is_none());
    // Nor for an IP literal, even over trusted TLS (the leaf names 127.0.0.1).
    let url = format!(
        "https://127.0.0.1:{}{}",
        site.https_port(),
        sts_path("max-age=600")
    );
    assert_eq!(get(&net, &url).await.expect("ip").status(), 200);
    assert!(net.transport_security().policy("127.0.0.1").is_none());
    // An invalid header sets nothing.
    learn(&net, "c.test", "max-age=1; max-age=2").await;
    assert!(net.transport_security().policy("c.test").is_none());
}

#[tokio::test]
async fn a_certificate_the_verify_proc_accepted_sets_no_policy() {
    // TLS-01: the proc accepts an untrusted chain; HSTS is still not noted from it.
    let site = TestSite::start();
    let net = net_on_default_ports(&site, false);
    net.set_certificate_verify_proc(Some(verify_proc(|_| async { CertificateVerdict::Accept })));
    learn(&net, "a.test", "max-age=600").await;
    assert!(net.transport_security().policy("a.test").is_none());
    let r = get(&net, "http://a.test/status/200").await.expect("http");
    assert_eq!(chain(&r), ["http://a.test/status/200"]);
}

#[tokio::test]
async fn a_host_with_a_policy_gets_no_certificate_override() {
    let site = TestSite::start();
    let net = net_on_default_ports(&site, true);
    learn(&net, "a.test", "max-age=600").await;
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    net.set_certificate_verify_proc(Some(verify_proc(move |_| {
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async { CertificateVerdict::Accept }
    })));
    let self_signed = site.tls_port(TlsVariant::SelfSigned);
    // A host without a policy: the proc's accept stands.
    let r = get(&net, &format!("https://b.test:{self_signed}/status/200"))
        .await
        .expect("accepted by the proc");
    assert_eq!(r.status(), 200);
    // The host with a policy: the default verifier's error, whatever the proc says.
    let e = get(&net, &format!("https://a.test:{self_signed}/status/200"))
        .await
        .expect_err("fatal");
    assert_eq!(e.kind(), NetError::CertAuthorityInvalid);
    assert!(e.detail().contains("HSTS"), "{e}");
    assert!(calls.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    // Also for a policy added by hand, on another error.
    net.transport_security()
        .add("c.test", Duration::from_secs(60), false)
        .expect("add");
    let expired = site.tls_port(TlsVariant::Expired);
    assert_eq!(
        kind(get(&net, &format!("https://c.test:{expired}/status/200")).await),
        NetError::CertDateInvalid
    );
    // Deleting the policy gives the proc its say again.
    assert!(net.transport_security().delete("c.test"));
    let r = get(&net, &format!("https://c.test:{expired}/status/200"))
        .await
        .expect("accepted again");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn networks_never_share_policies() {
    let site = TestSite::start();
    let one = net_on_default_ports(&site, true);
    let two = net_on_default_ports(&site, true);
    learn(&one, "a.test", "max-age=600").await;
    assert!(one.transport_security().policy("a.test").is_some());
    assert!(two.transport_security().policy("a.test").is_none());
    let r = get(&two, "http://a.test/status/200").await.expect("http");
    assert_eq!(chain(&r).len(), 1);
}
