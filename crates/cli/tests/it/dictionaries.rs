//! `ses dictionaries` and `ses fetch` of a `dcz` delta, each step in a new process over a
//! persistent partition.

use session_test_support::dictionary::{bundle_v1, bundle_v2};
use session_test_support::{HOST_RULES, TestSite};

use crate::ses;

fn run(ud: &std::path::Path, ca: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--user-data",
        ud.to_str().expect("utf-8"),
        "--partition",
        "persist:cli-dict",
        "--host-rules",
        HOST_RULES,
        "--ca-file",
        ca.to_str().expect("utf-8"),
    ];
    all.extend_from_slice(args);
    ses(&all)
}

#[test]
fn a_dictionary_survives_the_process_and_decodes_the_next_version() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let ca = ud.path().join("ca.pem");
    std::fs::write(&ca, site.ca_pem()).expect("ca");
    let (ud, ca) = (ud.path(), ca.as_path());

    let v1 = site.https_url("a.test", "/dictionary/v1.js");
    let out = run(
        ud,
        ca,
        &[
            "fetch",
            &v1,
            "-o",
            ud.join("v1.js").to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(ud.join("v1.js")).expect("v1"), bundle_v1());

    let list = crate::json(&run(ud, ca, &["--json", "dictionaries", "list"]));
    let rows = list.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["totalSizeBytes"], bundle_v1().len());
    let frame = rows[0]["frameOrigin"].as_str().expect("origin").to_owned();
    let top = rows[0]["topFrameSite"].as_str().expect("site").to_owned();
    let info = crate::json(&run(
        ud,
        ca,
        &[
            "--json",
            "dictionaries",
            "info",
            "--frame-origin",
            &frame,
            "--top-frame-site",
            &top,
        ],
    ));
    assert_eq!(info[0]["match"], "/dictionary/*.js");
    assert_eq!(info[0]["id"], "bundle-v1");

    // The next version comes as dcz and is written decoded.
    let v2 = site.https_url("a.test", "/dictionary/v2.js");
    let out = run(
        ud,
        ca,
        &[
            "fetch",
            &v2,
            "-i",
            "-o",
            ud.join("v2.js").to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(head.contains("content-encoding: dcz"), "{head}");
    assert_eq!(std::fs::read(ud.join("v2.js")).expect("v2"), bundle_v2());
    assert!(
        site.requests_to("/dictionary/v2.js")[0]
            .header("available-dictionary")
            .is_some()
    );

    assert_eq!(
        crate::json(&run(ud, ca, &["--json", "dictionaries", "clear"])),
        serde_json::json!({})
    );
    let list = crate::json(&run(ud, ca, &["--json", "dictionaries", "list"]));
    assert_eq!(list, serde_json::json!([]));
}
