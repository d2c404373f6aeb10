//! The request pipeline: a fetch over HTTP/2 + TLS from the test site, a redirect chain, host
//! resolution with host rules, and a certificate error named as Chromium names it.

use super::Demo;

pub(crate) fn fetch(demo: &Demo) -> Result<(), String> {
    let site = &demo.site;
    demo.say("fetch over HTTPS: ALPN picks HTTP/2, the test CA comes from --ca-file");
    let url = site.https_url("a.test", "/echo");
    let r = demo.ses_json(&["--partition", "persist:Demo", "fetch", &url, "--json"])?;
    let echo: serde_json::Value = serde_json::from_str(r["body"].as_str().ok_or("no text body")?)
        .map_err(|e| format!("echo is not JSON: {e}"))?;
    if r["status"] != 200 || echo["version"] != "HTTP/2.0" {
        return Err(format!("expected 200 over HTTP/2, got {r}"));
    }
    demo.say("the same with -i: status line and headers as the server sent them");
    demo.ses(&[
        "--partition",
        "persist:Demo",
        "fetch",
        "-i",
        &site.https_url("b.test", "/encoded/br"),
    ])?;
    demo.say("a redirect chain is followed (urlChain lists every hop)");
    let r = demo.ses_json(&[
        "--partition",
        "persist:Demo",
        "fetch",
        &site.http_url("a.test", "/redirect/3"),
        "--json",
    ])?;
    if r["urlChain"].as_array().map(Vec::len) != Some(4) {
        return Err(format!("expected 4 URLs in the chain, got {r}"));
    }
    demo.say("host rules answer resolve_host too");
    demo.ses(&["resolve", "anything.test", "--json"])?;
    demo.say("an expired certificate fails with Chromium's error name");
    let expired = site.tls_url(session_test_support::TlsVariant::Expired, "a.test", "/");
    match demo.ses(&["fetch", &expired]) {
        Err(e) if e.contains("net::ERR_CERT_DATE_INVALID") => {
            println!("  (failed as expected: {e})");
            Ok(())
        }
        Err(e) => Err(format!("unexpected failure: {e}")),
        Ok(_) => Err("an expired certificate was accepted".into()),
    }
}
