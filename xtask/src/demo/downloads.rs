//! Downloads: one the test site cuts mid-way, resumed in a new process with a range request,
//! checked by SHA-256.

use super::Demo;
use sha2::{Digest, Sha256};
use std::process::Command;

/// Runs `ses` expecting it to fail (exit 1): returns stdout, prints the stderr line.
fn ses_failing(demo: &Demo, args: &[&str]) -> Result<String, String> {
    println!("$ ses {}", args.join(" "));
    let out = Command::new(&demo.ses)
        .arg("--user-data")
        .arg(&demo.user_data)
        .args([
            "--host-rules",
            session_test_support::HOST_RULES,
            "--ca-file",
        ])
        .arg(&demo.ca_file)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", demo.ses.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in stdout.lines().take(40) {
        println!("  {line}");
    }
    println!("  (stderr) {}", String::from_utf8_lossy(&out.stderr).trim());
    if out.status.code() != Some(1) {
        return Err(format!(
            "ses {} should have exited 1, got {:?}",
            args.join(" "),
            out.status.code()
        ));
    }
    Ok(stdout)
}

pub(crate) fn interrupted_and_resumed(demo: &Demo) -> Result<(), String> {
    let len: u64 = 8 << 20;
    let cut = 3_000_000u64;
    let url = demo
        .site
        .https_url("a.test", &format!("/flaky/demo/{len}?seed=42&cuts={cut}"));
    let dir = demo.user_data.join("demo-downloads");
    let dir_arg = dir.display().to_string();
    demo.say(&format!("the test site drops the connection at byte {cut} of {len}: the download ends interrupted, with a reason"));
    let out = ses_failing(
        demo,
        &[
            "--partition",
            "persist:Demo",
            "download",
            &url,
            "--to",
            &dir_arg,
            "--json",
        ],
    )?;
    let item: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("no JSON summary: {e}"))?;
    let received = item["receivedBytes"].as_u64().ok_or("no receivedBytes")?;
    if item["state"] != "interrupted"
        || item["canResume"] != true
        || received == 0
        || received > cut
    {
        return Err(format!("unexpected summary: {item}"));
    }
    let id = item["id"].as_u64().ok_or("no id")?.to_string();
    let save_path = item["savePath"].as_str().ok_or("no savePath")?.to_owned();

    demo.say("a new process finds it in the partition's download journal");
    demo.ses(&["--partition", "persist:Demo", "downloads", "list"])?;

    demo.say("and resumes it with Range + If-Range: only the missing bytes travel");
    let done = demo.ses_json(&[
        "--partition",
        "persist:Demo",
        "downloads",
        "resume",
        &id,
        "--json",
    ])?;
    if done["state"] != "completed" || done["receivedBytes"] != len || done["restarts"] != 0 {
        return Err(format!("unexpected summary after resume: {done}"));
    }
    let requests = demo.site.requests_to(&format!("/flaky/demo/{len}"));
    let range = requests
        .last()
        .and_then(|r| r.header("range"))
        .unwrap_or("");
    if range != format!("bytes={received}-") {
        return Err(format!(
            "the resume asked for {range:?}, expected bytes={received}-"
        ));
    }
    let saved = std::fs::read(&save_path).map_err(|e| format!("cannot read {save_path}: {e}"))?;
    let got = hex::encode(Sha256::digest(&saved));
    let expected = hex::encode(Sha256::digest(session_test_support::pattern_bytes(
        42,
        0,
        len as usize,
    )));
    println!("  sha256 {got} ({save_path})");
    if got != expected {
        return Err(format!(
            "the resumed file differs from the served one: {got} != {expected}"
        ));
    }
    demo.say("byte-identical to what the site serves; no partial file is left beside it");
    if std::path::Path::new(&format!("{save_path}.part")).exists() {
        return Err("a .part file was left behind".into());
    }
    Ok(())
}
