//! HTTP cache: a second process is answered from the partition's disk cache, then a stale entry
//! is revalidated with a 304.

use super::Demo;

pub(crate) fn disk_cache_and_revalidation(demo: &Demo) -> Result<(), String> {
    let partition = "persist:Cache-Demo";
    let fresh = demo.site.https_url(
        "a.test",
        "/headers?Cache-Control=max-age%3D3600&_body=cached%20for%20an%20hour",
    );
    demo.say("process 1 fetches a max-age=3600 resource: it comes from the network and is written to <partition>/Cache/");
    let first = demo.ses_json(&["--partition", partition, "fetch", &fresh, "--json"])?;
    demo.say("process 2 (a fresh `ses`) fetches it again: served from the disk cache, the site sees no request");
    let before = demo.site.requests_to("/headers").len();
    let second = demo.ses_json(&["--partition", partition, "fetch", &fresh, "--json"])?;
    if first["fromCache"] != false || second["fromCache"] != true || second["body"] != first["body"]
    {
        return Err(format!(
            "expected a network fetch then a cache hit: {first} / {second}"
        ));
    }
    if demo.site.requests_to("/headers").len() != before {
        return Err("the second fetch reached the site".into());
    }
    demo.ses(&["--partition", partition, "cache", "size"])?;

    let validated = demo.site.https_url(
        "a.test",
        "/headers?ETag=%22v1%22&Cache-Control=no-cache&_body=validated%20body",
    );
    demo.say("a no-cache resource with an ETag is stored, and each later use is revalidated");
    demo.ses(&["--partition", partition, "fetch", &validated, "--json"])?;
    let again = demo.ses_json(&[
        "--partition",
        partition,
        "fetch",
        "-i",
        &validated,
        "--json",
    ])?;
    let last = demo.site.requests_to("/headers");
    let sent = last
        .last()
        .and_then(|r| r.header("if-none-match"))
        .map(str::to_owned);
    demo.say(&format!(
        "process 4 sent If-None-Match: {}; the site answered 304 and the stored body was served (status {}, fromCache {})",
        sent.as_deref().unwrap_or("(none)"),
        again["status"],
        again["fromCache"]
    ));
    if sent.as_deref() != Some("\"v1\"")
        || again["body"] != "validated body"
        || again["status"] != 200
    {
        return Err(format!("expected a 304 revalidation: {again}"));
    }
    demo.say("clearing the cache empties <partition>/Cache/");
    demo.ses(&["--partition", partition, "cache", "clear"])?;
    let size = demo.ses_json(&["--partition", partition, "--json", "cache", "size"])?;
    if size["bytes"] != 0 {
        return Err(format!("cache not empty after clear: {size}"));
    }
    Ok(())
}
