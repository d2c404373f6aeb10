//! Proxies: `ses proxy resolve` with rules, bypass rules and a PAC script, and a fetch through
//! the test proxy that never resolves the host itself.

use super::Demo;
use session_test_support::{Resource, TestProxy};

pub(crate) fn resolve_and_fetch(demo: &Demo) -> Result<(), String> {
    demo.say("proxy rules per scheme; loopback bypasses them unless <-loopback>");
    let r = demo.ses_json(&[
        "--proxy",
        "http=myproxy:80,direct://",
        "--json",
        "proxy",
        "resolve",
        "http://example.com/",
    ])?;
    if r["proxy"] != "PROXY myproxy:80;DIRECT" {
        return Err(format!("unexpected {r}"));
    }
    demo.ses(&[
        "--proxy",
        "myproxy:80",
        "proxy",
        "resolve",
        "http://localhost/",
    ])?;
    demo.ses(&[
        "--proxy",
        "myproxy:80",
        "--proxy-bypass",
        "<-loopback>",
        "proxy",
        "resolve",
        "http://localhost/",
    ])?;
    demo.say("a PAC script served by the test site (QuickJS, time and memory limited)");
    demo.site.put(
        "demo.pac",
        Resource {
            body: "function FindProxyForURL(url, host) { return shExpMatch(host, '*.google.com') ? 'PROXY myproxy:8132; DIRECT' : 'DIRECT'; }".into(),
            etag: None,
            last_modified: None,
            headers: vec![("Content-Type".into(), "application/x-ns-proxy-autoconfig".into())],
        },
    );
    let pac = demo.site.http_url("a.test", "/res/demo.pac");
    demo.ses(&[
        "--pac-url",
        &pac,
        "proxy",
        "resolve",
        "https://www.google.com/",
    ])?;
    demo.say("a fetch through a forward proxy: the name is resolved by the proxy only");
    let proxy = TestProxy::start();
    let rules = format!("http=127.0.0.1:{}", proxy.port());
    demo.ses(&[
        "--proxy",
        &rules,
        "fetch",
        "-i",
        "http://non-existent-host.test:12345/",
    ])?;
    match proxy.requests().first() {
        Some(r) if r.target == "http://non-existent-host.test:12345/" => Ok(()),
        other => Err(format!("the proxy saw {other:?}")),
    }
}
