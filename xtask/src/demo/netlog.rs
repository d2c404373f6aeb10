//! The net log and HAR of one fetch through a redirect: `ses fetch --netlog FILE --har FILE`.

use super::Demo;

pub(crate) fn netlog_and_har(demo: &Demo) -> Result<(), String> {
    demo.say("a fetch with a redirect, logged as Chrome's NetLog JSON and as a HAR 1.2");
    let log = demo.user_data.join("demo-netlog.json");
    let har = demo.user_data.join("demo.har");
    let url = demo.site.https_url("a.test", "/redirect/1");
    let path = |p: &std::path::Path| p.to_str().map(str::to_owned).ok_or("non-UTF-8 path");
    demo.ses(&[
        "fetch",
        "--netlog",
        &path(&log)?,
        "--har",
        &path(&har)?,
        &url,
    ])?;
    let read = |p: &std::path::Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let log = read(&log)?;
    let events = log["events"].as_array().map_or(0, Vec::len);
    let har = read(&har)?;
    let entries = har["log"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    println!("  net log: {events} events; HAR: {} entries", entries.len());
    for e in &entries {
        println!(
            "  {} {} -> {} (wait {} ms)",
            e["request"]["method"].as_str().unwrap_or(""),
            e["request"]["url"].as_str().unwrap_or(""),
            e["response"]["status"],
            e["timings"]["wait"]
        );
    }
    if entries.len() != 2 || events == 0 {
        return Err(format!(
            "expected 2 HAR entries and some events, got {} and {events}",
            entries.len()
        ));
    }
    Ok(())
}
