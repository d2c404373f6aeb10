//! `ses ws` against the site's WebSocket route: stdin lines out, messages printed, exit codes.

use std::io::Write as _;
use std::process::{Command, Stdio};

use session_test_support::TestSite;

use crate::net::Run;

/// Runs `ses ws` with `stdin` as its standard input.
fn ws(run: &Run, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(run.args())
        .arg("ws")
        .args(args)
        .env_remove("SES_USER_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ses ws");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("ses ws ends")
}

#[test]
fn lines_go_out_and_messages_come_back() {
    let site = TestSite::start();
    let run = Run::new(&site);
    for url in [
        format!("ws://a.test:{}/ws?protocols=chat", site.http_port()),
        format!("wss://a.test:{}/ws?protocols=chat", site.https_port()),
    ] {
        let out = ws(
            &run,
            &[&url, "-H", "X-From: cli", "--protocol", "chat", "-i"],
            "hello\nsecond line\nheaders\n",
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with("HTTP/1.1 101"), "{stdout}");
        assert!(
            stdout
                .to_ascii_lowercase()
                .contains("sec-websocket-protocol: chat\n"),
            "{stdout}"
        );
        assert!(stdout.contains("\nhello\nsecond line\n"), "{stdout}");
        assert!(stdout.contains(r#"["x-from","cli"]"#), "{stdout}");
    }
}

#[test]
fn failures_and_close_codes_set_the_exit_status() {
    let site = TestSite::start();
    let run = Run::new(&site);
    // A server that answers 200 instead of 101.
    let url = format!("ws://a.test:{}/ws?status=200", site.http_port());
    let out = ws(&run, &[&url], "");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("net::ERR_INVALID_RESPONSE: Error during WebSocket handshake: Unexpected response code: 200"),
        "{stderr}"
    );
    // The server closes with an application code.
    let url = format!("ws://a.test:{}/ws", site.http_port());
    let out = ws(&run, &[&url], "close 4001 no more\n");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("code 4001: no more"), "{stderr}");
    // A bad header is a usage error.
    let out = ws(&run, &[&url, "-H", "no colon"], "");
    assert_eq!(out.status.code(), Some(2));
}
