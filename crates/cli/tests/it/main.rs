//! The `ses` binary, run as a user would.

mod auth;
mod browser_session;
mod cache;
mod clear_data;
mod cookies;
mod devices;
mod dictionaries;
mod docs;
mod downloads;
mod fetch_flags;
mod hsts;
mod net;
mod netlog;
mod proxy;
mod spell;
mod ws;

use std::process::{Command, Output};

fn ses(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(args)
        .env_remove("SES_USER_DATA")
        .output()
        .expect("run ses")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "ses failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

#[test]
fn info_of_a_persistent_partition() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "persist:Work",
        "info",
        "--json",
    ]));
    assert_eq!(v["persistent"], true);
    let storage = v["storagePath"].as_str().expect("a path");
    assert_eq!(
        storage,
        ud.path()
            .join("Partitions")
            .join("work")
            .to_str()
            .expect("utf-8")
    );
    assert_eq!(v["partition"], "persist:Work");
    assert!(
        v["userAgent"]
            .as_str()
            .expect("ua")
            .starts_with("Mozilla/5.0")
    );
}

#[test]
fn info_of_an_in_memory_partition_writes_nothing() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "temp",
        "info",
        "--json",
    ]));
    assert_eq!(v["persistent"], false);
    assert!(v["storagePath"].is_null());
    assert!(!ud.path().join("Partitions").exists());
}

#[test]
fn bad_usage_exits_2_and_failures_exit_1_with_one_line() {
    let out = ses(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    let out = ses(&["--path", "relative/dir", "info"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("An absolute path was not provided"),
        "{stderr}"
    );
}

#[test]
fn partition_delete_removes_only_that_partition() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "persist:gone",
        "info",
        "--json",
    ]));
    json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "persist:kept",
        "info",
        "--json",
    ]));
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "persist:gone",
        "--json",
        "partition",
        "delete",
    ]));
    assert_eq!(v, serde_json::json!({}));
    assert!(!ud.path().join("Partitions/gone").exists());
    assert!(ud.path().join("Partitions/kept").exists());
    let out = ses(&["--user-data", d, "--partition", "", "partition", "delete"]);
    assert_eq!(out.status.code(), Some(1));
}
