//! `ses cache size|clear` and `ses fetch --cache` / `fromCache` over a persistent partition,
//! each step in a new process.

use session_test_support::{HOST_RULES, Resource, TestSite};

use crate::ses;

fn run(ud: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--user-data",
        ud.to_str().expect("utf-8"),
        "--partition",
        "persist:cli-cache",
        "--host-rules",
        HOST_RULES,
    ];
    all.extend_from_slice(args);
    ses(&all)
}

#[test]
fn second_process_is_served_from_the_disk_cache_then_cleared() {
    let site = TestSite::start();
    site.put(
        "cli",
        Resource {
            body: "cached body".into(),
            etag: None,
            last_modified: None,
            headers: vec![("cache-control".into(), "max-age=3600".into())],
        },
    );
    let ud = session_test_support::temp_user_data();
    let url = site.http_url("a.test", "/res/cli");
    let first = crate::json(&run(ud.path(), &["fetch", &url, "--json"]));
    assert_eq!(first["fromCache"], false);
    let second = crate::json(&run(ud.path(), &["fetch", &url, "--json"]));
    assert_eq!(second["fromCache"], true);
    assert_eq!(second["body"], "cached body");
    assert_eq!(site.requests_to("/res/cli").len(), 1);

    let size = crate::json(&run(ud.path(), &["--json", "cache", "size"]));
    assert!(size["bytes"].as_u64().expect("bytes") > 0, "{size}");
    assert_eq!(
        crate::json(&run(ud.path(), &["--json", "cache", "clear"])),
        serde_json::json!({})
    );
    let size = crate::json(&run(ud.path(), &["--json", "cache", "size"]));
    assert_eq!(size["bytes"], 0);

    // FETCH-13: only-if-cached on an empty cache fails with Chromium's error name.
    let out = run(ud.path(), &["fetch", &url, "--cache", "only-if-cached"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("net::ERR_CACHE_MISS"));
    let out = run(ud.path(), &["fetch", &url, "--cache", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
}
