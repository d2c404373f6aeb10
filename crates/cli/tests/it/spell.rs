//! `ses spell ...`: checking with Debian's en_US, a dictionary downloaded from the test site, and
//! the custom dictionary across processes.

use session_test_support::{HOST_RULES, Resource, TestSite};

use crate::{json, ses};

fn ud_args(ud: &tempfile::TempDir, partition: &str) -> Vec<String> {
    vec![
        "--user-data".into(),
        ud.path().to_str().expect("utf-8").into(),
        "--partition".into(),
        partition.into(),
    ]
}

fn run(base: &[String], args: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    ses(&all)
}

#[test]
fn check_english_text() {
    let ud = session_test_support::temp_user_data();
    let base = ud_args(&ud, "spell");
    let v = json(&run(
        &base,
        &[
            "--json",
            "spell",
            "check",
            "Teh quick brown fox, see https://exmaple.com",
        ],
    ));
    let found = v.as_array().expect("array");
    assert_eq!(found.len(), 1, "{v}");
    assert_eq!(found[0]["word"], "Teh");
    assert_eq!(found[0]["start"], 0);
    assert_eq!(found[0]["end"], 3);
    let suggestions = found[0]["suggestions"].as_array().expect("suggestions");
    assert!(suggestions.iter().any(|s| s == "The"), "{v}");
    let v = json(&run(&base, &["--json", "spell", "suggest", "recieve"]));
    assert!(
        v.as_array().expect("array").iter().any(|s| s == "receive"),
        "{v}"
    );
}

#[test]
fn languages_and_bad_language() {
    let ud = session_test_support::temp_user_data();
    let base = ud_args(&ud, "spell");
    // SPELL-15
    let v = json(&run(&base, &["--json", "spell", "languages"]));
    assert_eq!(v.as_array().expect("array").len(), 56);
    // SPELL-07
    let out = run(&base, &["spell", "check", "--lang", "xx-bogus", "text"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Invalid language code provided: \"xx-bogus\""),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn custom_words_persist_across_processes() {
    let ud = session_test_support::temp_user_data();
    let base = ud_args(&ud, "persist:spell");
    let v = json(&run(
        &base,
        &["--json", "spell", "check", "sessionkit works"],
    ));
    assert_eq!(v[0]["word"], "sessionkit");
    assert_eq!(
        json(&run(
            &base,
            &["--json", "spell", "words", "add", "sessionkit"]
        ))["ok"],
        true
    );
    assert_eq!(
        json(&run(
            &base,
            &["--json", "spell", "words", "add", "sessionkit"]
        ))["ok"],
        false
    );
    assert_eq!(
        json(&run(&base, &["--json", "spell", "words", "list"])),
        serde_json::json!(["sessionkit"])
    );
    let v = json(&run(
        &base,
        &["--json", "spell", "check", "sessionkit works"],
    ));
    assert_eq!(v, serde_json::json!([]));
    assert_eq!(
        json(&run(
            &base,
            &["--json", "spell", "words", "remove", "sessionkit"]
        ))["ok"],
        true
    );
    // SPELL-06: an in-memory partition refuses.
    let memory = ud_args(&ud, "scratch");
    assert_eq!(
        json(&run(&memory, &["--json", "spell", "words", "add", "x"]))["ok"],
        false
    );
}

#[test]
fn download_from_the_test_site() {
    let site = TestSite::start();
    for (name, body) in [
        ("sq.aff", b"SET UTF-8\nTRY ae\n".to_vec()),
        ("sq.dic", "2\nmirë\ndita\n".as_bytes().to_vec()),
    ] {
        site.put(
            name,
            Resource {
                body: body.into(),
                etag: None,
                last_modified: None,
                headers: Vec::new(),
            },
        );
    }
    let ud = session_test_support::temp_user_data();
    let ca = ud.path().join("ca.pem");
    std::fs::write(&ca, site.ca_pem()).expect("ca");
    let mut base = ud_args(&ud, "persist:dl");
    base.extend(["--host-rules".into(), HOST_RULES.into()]);
    base.extend(["--ca-file".into(), ca.to_str().expect("utf-8").into()]);
    let url = site.https_url("a.test", "/res/");
    let v = json(&run(
        &base,
        &[
            "--json",
            "spell",
            "check",
            "--lang",
            "sq",
            "--dictionary-url",
            &url,
            "mirë ditaa",
        ],
    ));
    assert_eq!(v[0]["word"], "ditaa");
    assert_eq!(v[0]["start"], "mirë ".len());
    assert!(ud.path().join("Dictionaries").join("sq.dic").is_file());
    // A new process finds it offline, without the URL.
    let requests = site.requests().len();
    let v = json(&run(
        &base,
        &["--json", "spell", "check", "--lang", "sq", "dita"],
    ));
    assert_eq!(v, serde_json::json!([]));
    assert_eq!(site.requests().len(), requests);
    // Without a URL and without the dictionary: a clear error.
    let out = run(&base, &["spell", "check", "--lang", "hy", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no dictionary for hy"));
}
