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
            "--suggest",
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
fn check_a_megabyte_from_stdin_and_a_file() {
    use std::io::Write;
    let ud = session_test_support::temp_user_data();
    let base = ud_args(&ud, "spell");
    // Over 1 MB (far past Linux's 128 KiB limit for one argument), misspellings at both ends.
    let mut text = String::from("Teh start.\n");
    while text.len() < 1_100_000 {
        text.push_str("The quick brown fox jumps over the lazy dog, see /usr/share/dict.\n");
    }
    text.push_str("The ende is neer.\n");
    let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
    all.extend(["--json", "spell", "check", "-"]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ses"))
        .args(&all)
        .env_remove("SES_USER_DATA")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ses");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = text.clone();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer").expect("write stdin");
    let v = json(&out);
    let found = v.as_array().expect("array");
    let words: Vec<&str> = found
        .iter()
        .map(|m| m["word"].as_str().expect("word"))
        .collect();
    assert_eq!(words, vec!["Teh", "ende", "neer"], "{v}");
    let start = found[2]["start"].as_u64().expect("start") as usize;
    assert_eq!(&text[start..start + 4], "neer");
    // Suggestions only when asked for.
    assert!(found[0].get("suggestions").is_none(), "{v}");

    // The same from a file, as text lines, with suggestions.
    let file = ud.path().join("text.txt");
    std::fs::write(&file, &text).expect("write");
    let arg = format!("@{}", file.display());
    let out = run(&base, &["spell", "check", "--suggest", &arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("Teh\t0..3\t"), "{stdout}");
    assert!(lines[0].contains("The"), "{stdout}");
    assert!(
        lines[2].starts_with(&format!("neer\t{start}..{}\t", start + 4)),
        "{stdout}"
    );

    // A missing file and bytes that are not UTF-8 are clear errors.
    let out = run(&base, &["spell", "check", "@/nonexistent/text.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/text.txt"));
    std::fs::write(&file, b"caf\xe9 ok").expect("write");
    let out = run(&base, &["spell", "check", &arg]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not UTF-8") && err.contains("offset 3"),
        "{err}"
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
