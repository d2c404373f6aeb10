//! `ses clear-data`.

use crate::{json, ses};

// SESSION-17, SESSION-19 through the command line
#[test]
fn clear_data_by_origin_and_bad_input() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let base = ["--user-data", d, "--partition", "persist:c", "--json"];
    // Persistent cookies: session cookies do not outlive a process by default.
    let expires = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 3600)
        .to_string();
    for (url, name) in [
        ("https://www.example.com", "a"),
        ("https://example.org", "b"),
    ] {
        let mut args = base.to_vec();
        args.extend([
            "cookies", "set", "--url", url, "--name", name, "--value", "v",
        ]);
        args.extend(["--expires", &expires]);
        json(&ses(&args));
    }
    let mut args = base.to_vec();
    args.extend([
        "clear-data",
        "--types",
        "cookies",
        "--origins",
        "https://example.com",
    ]);
    assert_eq!(json(&ses(&args)), serde_json::json!({}));
    let mut args = base.to_vec();
    args.extend(["cookies", "list"]);
    let left = json(&ses(&args));
    let names: Vec<&str> = left
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["b"]);

    let mut args = base.to_vec();
    args.extend(["clear-data", "--types", "nope"]);
    let out = ses(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid data type: 'nope'"));
    let mut args = base.to_vec();
    args.extend(["clear-data", "--origins", "file:///x"]);
    let out = ses(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid origin: 'file:///x'"));
}
