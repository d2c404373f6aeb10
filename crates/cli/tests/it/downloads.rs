//! `ses download` and `ses downloads list|resume|cancel` against the loopback test site.

use session_test_support::{TestSite, pattern_bytes};

use crate::{json, ses};

#[test]
fn download_interrupt_list_resume_in_separate_processes() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let to = ud.path().join("out");
    let to = to.to_str().expect("utf-8");
    let url = site.http_url("127.0.0.1", "/flaky/cli/400000?seed=8&cuts=150000");
    let base = ["--user-data", d, "--partition", "persist:dl"];

    let out = ses(&[&base[..], &["download", &url, "--to", to, "--json"]].concat());
    assert_eq!(
        out.status.code(),
        Some(1),
        "an interrupted download exits 1"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interrupted") && stderr.contains("ses downloads resume 1"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    let item: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary");
    for key in [
        "id",
        "url",
        "urlChain",
        "savePath",
        "filename",
        "mimeType",
        "state",
        "receivedBytes",
        "totalBytes",
        "eTag",
        "lastModifiedTime",
        "startTime",
        "endTime",
        "canResume",
    ] {
        assert!(item.get(key).is_some(), "summary lacks {key}: {item}");
    }
    assert_eq!(item["state"], "interrupted");
    assert_eq!(item["canResume"], true);

    let list = json(&ses(&[&base[..], &["downloads", "list", "--json"]].concat()));
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["state"], "interrupted");

    let done = json(&ses(
        &[&base[..], &["downloads", "resume", "1", "--json"]].concat()
    ));
    assert_eq!(done["state"], "completed");
    assert_eq!(done["receivedBytes"], 400_000);
    let saved = done["savePath"].as_str().expect("path");
    assert!(saved.starts_with(to));
    assert_eq!(
        std::fs::read(saved).expect("read"),
        pattern_bytes(8, 0, 400_000)
    );
    let requests = site.requests_to("/flaky/cli/400000");
    assert!(requests.last().and_then(|r| r.header("range")).is_some());
}

#[test]
fn retries_flag_continues_after_cuts() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let to = ud.path().join("out");
    let url = site.http_url(
        "127.0.0.1",
        "/flaky/cli-retry/200000?seed=4&cuts=50000,90000",
    );
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "download",
        &url,
        "--to",
        to.to_str().expect("utf-8"),
        "--retries",
        "2",
        "--json",
    ]);
    let requests: Vec<_> = site
        .requests_to("/flaky/cli-retry/200000")
        .into_iter()
        .map(|r| r.header("range").map(str::to_owned))
        .collect();
    assert!(out.status.success(), "ranges asked: {requests:?}");
    let v = json(&out);
    assert_eq!(v["state"], "completed");
    assert_eq!(
        std::fs::read(to.join("200000")).expect("read"),
        pattern_bytes(4, 0, 200_000)
    );
}

#[test]
fn download_with_a_name_and_plain_output() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let to = ud.path().join("out");
    let url = site.http_url("127.0.0.1", "/echo");
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "download",
        &url,
        "--to",
        to.to_str().expect("utf-8"),
        "--name",
        "echo.json",
        "-H",
        "X-Test: yes",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("state:       completed"), "{text}");
    let body = std::fs::read_to_string(to.join("echo.json")).expect("saved");
    assert!(
        body.to_ascii_lowercase().contains("\"x-test\",\"yes\""),
        "{body}"
    );
}

#[test]
fn bad_usage_and_unknown_ids() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "download",
        "http://127.0.0.1:9/x",
        "-H",
        "no-colon",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "download",
        "http://127.0.0.1:9/x",
        "--name",
        "../x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "persist:x",
        "downloads",
        "resume",
        "42",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no download with id 42"));
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "download",
        "not a url",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a url"));
}

#[test]
fn cancel_removes_the_partial_file() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let to = ud.path().join("out");
    let url = site.http_url("127.0.0.1", "/flaky/cli-cancel/300000?cuts=1000");
    let base = ["--user-data", d, "--partition", "persist:c"];
    let out = ses(&[
        &base[..],
        &["download", &url, "--to", to.to_str().expect("utf-8")],
    ]
    .concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(to.join("300000.part").exists());
    let v = json(&ses(
        &[&base[..], &["downloads", "cancel", "1", "--json"]].concat()
    ));
    assert_eq!(v["state"], "cancelled");
    assert!(!to.join("300000.part").exists());
    // Cancelling again is harmless; the journal keeps it cancelled.
    let v = json(&ses(
        &[&base[..], &["downloads", "cancel", "1", "--json"]].concat()
    ));
    assert_eq!(v["state"], "cancelled");
    let list = json(&ses(&[&base[..], &["downloads", "list", "--json"]].concat()));
    assert_eq!(list[0]["state"], "cancelled");
    assert_eq!(list[0]["canResume"], false);
}

#[test]
fn a_killed_download_is_listed_as_crashed_and_resumes() {
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let to = ud.path().join("out");
    let url = site.http_url("127.0.0.1", "/drip?bytes=30000&chunk=1000&delay_ms=100");
    let base = ["--user-data", d, "--partition", "persist:k"];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(base)
        .args(["download", &url, "--to", to.to_str().expect("utf-8")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn ses");
    // Wait for bytes on disk, then kill the process without letting it finish anything.
    let part = to.join("drip.part");
    let deadline = std::time::Instant::now() + session_test_support::DEADLINE;
    while std::fs::metadata(&part).map_or(0, |m| m.len()) == 0 {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "ses ended before it was killed"
        );
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("no byte reached {} in time", part.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill");
    child.wait().expect("reap");

    let list = json(&ses(&[&base[..], &["downloads", "list", "--json"]].concat()));
    assert_eq!(list[0]["state"], "interrupted");
    assert_eq!(list[0]["interruptReason"], "CRASH");
    assert_eq!(list[0]["canResume"], true);
    let done = json(&ses(
        &[&base[..], &["downloads", "resume", "1", "--json"]].concat()
    ));
    assert_eq!(done["state"], "completed");
    assert_eq!(
        std::fs::read(to.join("drip")).expect("read"),
        vec![b'x'; 30000]
    );
    assert!(!part.exists());
}

/// Starts `ses download` of a slow body, waits (with a deadline) for bytes in its `.part` file,
/// then sends `signal` to it; returns the exit status and its stderr.
fn signal_mid_download(
    site: &TestSite,
    base: &[&str],
    to: &std::path::Path,
    signal: &str,
) -> (std::process::ExitStatus, String) {
    let url = site.http_url(
        "127.0.0.1",
        "/drip?bytes=60000&chunk=1000&delay_ms=50&ranged=1",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(base)
        .args(["download", &url, "--to", to.to_str().expect("utf-8")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn ses");
    let part = to.join("drip.part");
    let deadline = std::time::Instant::now() + session_test_support::DEADLINE;
    while std::fs::metadata(&part).map_or(0, |m| m.len()) == 0 {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "ses ended before the signal"
        );
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("no byte reached {} in time", part.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("reap");
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ctrl_c_or_sigterm_keeps_the_progress_and_exits_130_or_143() {
    // DL-resume: a download stopped by a signal is journaled with the bytes on disk (not the
    // last periodic checkpoint), and resumes from there.
    let site = TestSite::start();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    for (n, (signal, code)) in [("INT", 130), ("TERM", 143)].into_iter().enumerate() {
        let to = ud.path().join(format!("out-{signal}"));
        let partition = format!("persist:sig-{signal}");
        let base = ["--user-data", d, "--partition", partition.as_str()];
        site.clear_log();
        let (status, stderr) = signal_mid_download(&site, &base, &to, signal);
        assert_eq!(status.code(), Some(code), "SIG{signal}: {stderr}");
        assert!(
            stderr.contains("progress saved") && stderr.contains("ses downloads resume 1"),
            "{stderr}"
        );
        let on_disk = std::fs::metadata(to.join("drip.part")).expect("part").len();
        assert!(on_disk > 0);
        let list = json(&ses(&[&base[..], &["downloads", "list", "--json"]].concat()));
        assert_eq!(list[0]["state"], "interrupted", "{n}");
        assert_eq!(list[0]["interruptReason"], "USER_SHUTDOWN");
        assert_eq!(list[0]["canResume"], true);
        assert_eq!(
            list[0]["receivedBytes"], on_disk,
            "the journal has every byte on disk"
        );
        let done = json(&ses(
            &[&base[..], &["downloads", "resume", "1", "--json"]].concat()
        ));
        assert_eq!(done["state"], "completed");
        assert_eq!(
            std::fs::read(to.join("drip")).expect("read"),
            vec![b'x'; 60000]
        );
        let ranges: Vec<String> = site
            .requests_to("/drip")
            .iter()
            .filter_map(|r| r.header("range").map(str::to_owned))
            .collect();
        assert_eq!(ranges, vec![format!("bytes={on_disk}-")]);
    }
}
