//! `ses cookies ...` as a user runs it: each call is a new process over a persistent partition.

use session_test_support::{HOST_RULES, TestSite};

use crate::{json, ses};

struct Jar {
    ud: tempfile::TempDir,
}

impl Jar {
    fn new() -> Jar {
        Jar {
            ud: session_test_support::temp_user_data(),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec![
            "--user-data",
            self.ud.path().to_str().expect("utf-8"),
            "--partition",
            "persist:cli-cookies",
            "--host-rules",
            HOST_RULES,
        ];
        all.extend_from_slice(args);
        ses(&all)
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        json(&self.run(&all))
    }
}

#[test]
fn set_then_list_in_another_process() {
    let jar = Jar::new();
    let stored = jar.json(&[
        "cookies",
        "set",
        "--url",
        "https://example.com/a/b",
        "--name",
        "sid",
        "--value",
        "1",
        "--expires",
        "4102444800",
        "--same-site",
        "strict",
        "--http-only",
    ]);
    assert_eq!(stored["path"], "/a");
    assert_eq!(stored["sameSite"], "strict");
    assert_eq!(stored["httpOnly"], true);
    let list = jar.json(&["cookies", "list", "--domain", "example.com"]);
    assert_eq!(list.as_array().expect("array").len(), 1);
    assert_eq!(list[0]["name"], "sid");
    assert_eq!(list[0]["session"], false);
    let none = jar.json(&["cookies", "list", "--http-only", "false"]);
    assert_eq!(none, serde_json::json!([]));
    let removed = jar.json(&[
        "cookies",
        "remove",
        "--url",
        "https://example.com/a/b",
        "--name",
        "sid",
    ]);
    assert_eq!(removed, serde_json::json!({"removed": 1}));
    assert_eq!(jar.json(&["cookies", "list"]), serde_json::json!([]));
}

// COOKIES-06, COOKIES-10: failures are one line on stderr, exit 1
#[test]
fn bad_values_fail_with_electrons_messages() {
    let jar = Jar::new();
    let out = jar.run(&[
        "cookies",
        "set",
        "--url",
        "https://a.test",
        "--name",
        "a",
        "--same-site",
        "garbage",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "ses: Failed to convert 'garbage' to an appropriate cookie same site value"
    );
    let out = jar.run(&[
        "cookies",
        "set",
        "--url",
        "https://a.test",
        "--name",
        "a",
        "--value",
        "x;y",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("The cookie contains ASCII control characters")
    );
    let out = jar.run(&["cookies", "set", "--url", "https://a.test"]);
    assert_eq!(out.status.code(), Some(2));
}

// Session cookies are not kept between processes (persist_session_cookies is off), so these
// persist with Max-Age.
#[test]
fn store_and_header_with_contexts() {
    let jar = Jar::new();
    let out = jar.json(&[
        "cookies",
        "store",
        "https://a.test/login",
        "sid=1; HttpOnly; Path=/; Max-Age=3600",
        "lax=1; SameSite=Lax; Path=/; Max-Age=3600",
        "bad=1; Domain=com",
    ]);
    assert_eq!(
        out,
        serde_json::json!([
            {"stored": true},
            {"stored": true},
            {"stored": false, "reason": "The cookie was set with an invalid Domain attribute."}
        ])
    );
    let h = jar.json(&["cookies", "header", "https://a.test/x"]);
    assert_eq!(h, serde_json::json!({"cookie": "sid=1; lax=1"}));
    let h = jar.json(&[
        "cookies",
        "header",
        "https://a.test/x",
        "--site-for-cookies",
        "https://b.test/",
    ]);
    assert_eq!(h, serde_json::json!({"cookie": ""}));
    let h = jar.json(&[
        "cookies",
        "header",
        "https://a.test/x",
        "--site-for-cookies",
        "https://b.test/",
        "--top-level-navigation",
    ]);
    assert_eq!(h, serde_json::json!({"cookie": "sid=1; lax=1"}));
    let script = jar.json(&[
        "cookies",
        "store",
        "https://a.test/",
        "--script",
        "js=1; Path=/; Max-Age=3600",
        "h=1; HttpOnly",
    ]);
    assert_eq!(script[0], serde_json::json!({"stored": true}));
    assert_eq!(script[1]["stored"], false);
    let doc = jar.json(&["cookies", "header", "https://a.test/", "--script"]);
    assert_eq!(doc, serde_json::json!({"cookie": "lax=1; js=1"}));
    let text = jar.run(&["cookies", "header", "https://nothing.test/"]);
    assert_eq!(String::from_utf8_lossy(&text.stdout), "\n");
}

#[test]
fn export_import_round_trip_between_partitions() {
    let jar = Jar::new();
    jar.json(&[
        "cookies",
        "store",
        "https://www.example.org/",
        "a=1; Domain=example.org; Max-Age=3600",
        "b=2; HttpOnly; Secure; Max-Age=3600",
    ]);
    for format in ["netscape", "json"] {
        let out = jar.run(&["cookies", "export", "--format", format]);
        assert!(out.status.success());
        let file = jar.ud.path().join(format!("cookies.{format}"));
        std::fs::write(&file, &out.stdout).expect("write");
        let other = Jar::new();
        let imported = other.json(&["cookies", "import", file.to_str().expect("utf-8")]);
        assert_eq!(imported, serde_json::json!({"imported": 2}));
        let again = other.run(&["cookies", "export", "--format", format]);
        assert_eq!(
            String::from_utf8_lossy(&again.stdout),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(jar.json(&["cookies", "flush"]), serde_json::json!({}));
}

// USER-PAINS §1: a login over `ses fetch` is in the jar of the next process
#[test]
fn fetched_login_survives_into_the_next_process() {
    let site = TestSite::start();
    let jar = Jar::new();
    let login = site.http_url("a.test", "/headers?Set-Cookie=sid%3Dabc%3B%20Max-Age%3D600");
    let out = jar.run(&["fetch", &login]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = jar.json(&["cookies", "list", "--url", &site.http_url("a.test", "/")]);
    assert_eq!(list[0]["name"], "sid");
    assert_eq!(list[0]["value"], "abc");
    let echo = jar.json(&["fetch", &site.http_url("a.test", "/echo")]);
    let body: serde_json::Value =
        serde_json::from_str(echo["body"].as_str().expect("body")).expect("echo json");
    let sent = body["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|p| p[0] == "cookie")
        .map(|p| p[1].clone());
    assert_eq!(sent, Some(serde_json::json!("sid=abc")));
}
