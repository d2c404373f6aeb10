//! The examples of `examples/` run with `--offline` against the loopback site: `cargo test`
//! (and nextest) build them next to this test binary.

use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/it-<hash> -> target/<profile>/examples/<name>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the profile directory")
        .join("examples");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: `cargo test -p electron-session` builds the examples with the tests",
        path.display()
    );
    path
}

fn run_offline(name: &str) -> String {
    let out = Command::new(example(name))
        .arg("--offline")
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "example {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn crawler_logs_in_once_and_crawls_with_cookies_and_cache() {
    let out = run_offline("crawler");
    assert!(out.contains("ok: "), "{out}");
}

#[test]
fn custom_protocol_serves_streams_and_intercepts() {
    // PROTO-21, PROTO-26, PROTO-31 end to end through the facade.
    let out = run_offline("custom_protocol");
    assert!(out.contains("ok: "), "{out}");
}

#[test]
fn download_manager_resumes_after_a_restart() {
    let out = run_offline("download_manager");
    assert!(out.contains("ok: "), "{out}");
}

#[test]
fn proxy_pac_chooses_per_host() {
    let out = run_offline("proxy_pac");
    assert!(out.contains("ok: "), "{out}");
}

#[test]
fn spellcheck_downloads_checks_and_learns() {
    let out = run_offline("spellcheck");
    if let Some(reason) = out.lines().find(|l| l.starts_with("skipped: ")) {
        println!("{reason}");
        return;
    }
    assert!(out.contains("ok: "), "{out}");
}

#[test]
fn webrequest_blocker_blocks_and_adds_a_header() {
    // WR-01, WR-18 end to end through the facade.
    let out = run_offline("webrequest_blocker");
    assert!(out.contains("ok: "), "{out}");
    assert!(out.contains("failed net::ERR_BLOCKED_BY_CLIENT"), "{out}");
}
