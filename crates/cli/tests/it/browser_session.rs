//! A browser session across `ses` runs: session cookies kept by a persistent partition,
//! `cookies end-session`, `--junk-session-cookies`, `--lock-wait`, completions.

use std::process::{Command, Stdio};

use session_test_support::{HOST_RULES, TestSite};

use crate::ses;

fn run(ud: &std::path::Path, extra: &[&str], args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--user-data",
        ud.to_str().expect("utf-8"),
        "--partition",
        "persist:browser",
        "--host-rules",
        HOST_RULES,
    ];
    all.extend_from_slice(extra);
    all.extend_from_slice(args);
    ses(&all)
}

fn cookie_sent(ud: &std::path::Path, site: &TestSite, extra: &[&str]) -> Option<String> {
    let out = run(ud, extra, &["fetch", &site.http_url("a.test", "/echo")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let echo: serde_json::Value = serde_json::from_slice(&out.stdout).expect("echo");
    echo["headers"]
        .as_array()?
        .iter()
        .find_map(|p| (p[0].as_str()? == "cookie").then(|| p[1].as_str().unwrap_or("").to_string()))
}

fn login(ud: &std::path::Path, site: &TestSite) {
    // A session cookie: no Expires, no Max-Age.
    let out = run(
        ud,
        &[],
        &[
            "fetch",
            &site.http_url("a.test", "/headers?Set-Cookie=sid%3Dabc%3B%20Path%3D%2F"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn session_cookies_live_across_runs_until_the_session_ends() {
    // COOKIES-33: the cookie is a session cookie; the CLI keeps it between processes.
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    login(ud.path(), &site);
    assert_eq!(
        cookie_sent(ud.path(), &site, &[]).as_deref(),
        Some("sid=abc")
    );
    let list = run(
        ud.path(),
        &[],
        &["cookies", "list", "--session", "true", "--json"],
    );
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(list[0]["name"], "sid");
    assert_eq!(list[0]["session"], true);

    // `cookies end-session` drops it for good.
    let out = run(ud.path(), &[], &["cookies", "end-session"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(cookie_sent(ud.path(), &site, &[]), None);

    // --junk-session-cookies starts a new session for that run and the next ones.
    login(ud.path(), &site);
    assert_eq!(
        cookie_sent(ud.path(), &site, &["--junk-session-cookies"]),
        None
    );
    assert_eq!(cookie_sent(ud.path(), &site, &[]), None);
}

#[test]
fn lock_wait_waits_for_the_other_process() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8");
    // A first process holds the partition while its request hangs.
    let mut holder = Command::new(env!("CARGO_BIN_EXE_ses"))
        .args([
            "--user-data",
            d,
            "--partition",
            "persist:browser",
            "--host-rules",
            HOST_RULES,
            "fetch",
            &site.http_url("a.test", "/hang"),
        ])
        .env_remove("SES_USER_DATA")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ses");
    // It has the lock once its request reached the site.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while site.requests_to("/hang").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the holder never fetched"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Without --lock-wait: fails at once, naming the partition.
    let out = run(ud.path(), &[], &["info"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("persist:browser"));
    // With it: waits, and opens the partition once the holder is gone.
    let waiter = Command::new(env!("CARGO_BIN_EXE_ses"))
        .args([
            "--user-data",
            d,
            "--partition",
            "persist:browser",
            "--lock-wait",
            "600",
            "info",
            "--json",
        ])
        .env_remove("SES_USER_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ses");
    holder.kill().expect("end the holder");
    let _ = holder.wait();
    let out = waiter.wait_with_output().expect("waiter ends");
    let v = crate::json(&out);
    assert_eq!(v["partition"], "persist:browser");
}

#[test]
fn completions_and_manual_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = ses(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).expect("utf-8");
        assert!(
            script.contains("end-session"),
            "{shell}: subcommands are completed"
        );
        assert!(
            script.contains("junk-session-cookies"),
            "{shell}: flags are completed"
        );
    }
    let out = ses(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let out = ses(&["manpage"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).expect("utf-8");
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    assert!(page.contains("ses"));
}

/// `ses manpage --dir` (what `cargo xtask man` runs): a page for `ses` and one per command,
/// each naming its flags, and pages groff renders without a warning.
#[test]
fn manual_pages_per_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = ses(&["manpage", "--dir", dir.path().to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| {
        std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let top = read("ses.1");
    assert!(top.contains(".TH ses 1"), "{top}");
    assert!(
        top.contains("ses\\-fetch(1)"),
        "commands are cross-referenced: {top}"
    );
    assert!(
        top.contains("junk\\-session\\-cookies"),
        "global flags: {top}"
    );
    let fetch = read("ses-fetch.1");
    for flag in ["max\\-time", "data\\-binary", "\\-\\-fail"] {
        assert!(fetch.contains(flag), "ses-fetch.1 names {flag}: {fetch}");
    }
    assert!(read("ses-cookies.1").contains(".TH ses-cookies 1"));
    assert!(
        !dir.path().join("ses-manpage.1").exists(),
        "the hidden command has no page"
    );
    let groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(dir.path().join("ses-fetch.1"))
        .output();
    match groff {
        Ok(out) => assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("skipped the groff rendering: groff is not installed ({e})"),
    }
}
