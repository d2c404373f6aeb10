//! webRequest from the shell: a header added to one site's requests and a tracker blocked,
//! on a redirect chain (`ses fetch --set-header`, `--block`, `--trace`).

use super::Demo;

pub(crate) fn block_and_set_header(demo: &Demo) -> Result<(), String> {
    demo.say("a listener adds X-Demo to a.test's requests; the redirect target echoes it");
    let echo = demo.site.https_url("a.test", "/echo");
    let url = demo
        .site
        .https_url("a.test", &format!("/redirect-to?url={echo}"));
    let out = demo.ses_json(&[
        "--json",
        "fetch",
        "--set-header",
        "*://a.test/*",
        "X-Demo: 1",
        &url,
    ])?;
    let sent = Demo::echoed_header(&out, "x-demo")?.is_some();
    println!("  X-Demo reached the server after the redirect: {sent}");
    if !sent {
        return Err("the header set by the listener did not reach the server".into());
    }
    demo.say("a listener blocks *://tracker.test/*; a.test redirects there");
    let tracker = demo.site.https_url("tracker.test", "/status/200");
    let url = demo
        .site
        .https_url("a.test", &format!("/redirect-to?url={tracker}"));
    match demo.ses(&["fetch", "--block", "*://tracker.test/*", "--trace", &url]) {
        Err(e) if e.contains("net::ERR_BLOCKED_BY_CLIENT") => {
            // The trace (stderr): each event of both hops, then the error.
            for line in e.lines() {
                println!("  {line}");
            }
            Ok(())
        }
        Err(e) => Err(format!("expected net::ERR_BLOCKED_BY_CLIENT, got: {e}")),
        Ok(_) => Err("the tracker was not blocked".into()),
    }
}
