use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use session_cookies::{
    CookieDetails, CookieFilter, Cookies, CookiesOptions, RequestContext, SameSite,
};
use url::Url;

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
}

fn persistent(url: &str, name: &str, value: &str) -> CookieDetails {
    CookieDetails {
        url: url.into(),
        name: name.into(),
        value: value.into(),
        expiration_date: Some(now_secs() + 60.0),
        same_site: Some(SameSite::Strict),
        ..Default::default()
    }
}

fn count(c: &Cookies, url: &str) -> usize {
    c.get(&CookieFilter {
        url: Some(url.into()),
        ..Default::default()
    })
    .expect("get")
    .len()
}

// COOKIES-19: run 1 prints 011, run 2 prints 110
#[test]
fn persistent_partition_survives_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Cookies");
    let url = "http://foo.bar";
    let run = |expected: &str| {
        let c = Cookies::open(&path, CookiesOptions::default()).expect("open");
        let mut out = String::new();
        if expected == "011" {
            c.remove(url, "persist").expect("remove");
            out.push_str(&count(&c, url).to_string());
            c.set(&persistent(url, "persist", "v")).expect("set");
            out.push_str(&count(&c, url).to_string());
            out.push_str(&count(&c, url).to_string());
        } else {
            out.push_str(&count(&c, url).to_string());
            c.set(&persistent(url, "persist", "v")).expect("set");
            out.push_str(&count(&c, url).to_string());
            c.remove(url, "persist").expect("remove");
            out.push_str(&count(&c, url).to_string());
        }
        c.flush_store().expect("flush");
        assert_eq!(out, expected);
    };
    run("011");
    run("110");
    let c = Cookies::open(&path, CookiesOptions::default()).expect("open");
    assert!(c.is_empty());
}

#[test]
fn session_cookies_persist_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Cookies");
    let url = Url::parse("https://a.test/").expect("url");
    {
        let c = Cookies::open(&path, CookiesOptions::default()).expect("open");
        c.set_from_response(
            &url,
            &["sess=1", "keep=1; Max-Age=600"],
            &RequestContext::default(),
        )
        .expect("stored");
    }
    let c = Cookies::open(&path, CookiesOptions::default()).expect("reopen");
    assert_eq!(
        c.cookie_header(&url, &RequestContext::default()).as_deref(),
        Some("keep=1")
    );
    drop(c);
    let opts = CookiesOptions {
        persist_session_cookies: true,
        ..Default::default()
    };
    {
        let c = Cookies::open(&path, opts.clone()).expect("open");
        c.set_from_response(&url, &["sess=2"], &RequestContext::default())
            .expect("stored");
    }
    let c = Cookies::open(&path, opts).expect("reopen");
    assert_eq!(
        c.cookie_header(&url, &RequestContext::default()).as_deref(),
        Some("keep=1; sess=2")
    );
}

#[test]
fn corrupt_store_is_moved_aside_and_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Cookies");
    std::fs::write(
        &path,
        b"this is not a database, it is some text that is long enough",
    )
    .expect("write");
    let c = Cookies::open(&path, CookiesOptions::default()).expect("open recovers");
    let rec = c.recovery().expect("recovery reported");
    assert!(
        rec.moved_to
            .file_name()
            .expect("name")
            .to_string_lossy()
            .starts_with("Cookies.corrupt-")
    );
    assert_eq!(
        std::fs::read(&rec.moved_to).expect("kept"),
        b"this is not a database, it is some text that is long enough"
    );
    assert!(!rec.error.is_empty());
    c.set(&persistent("http://a.test", "x", "1"))
        .expect("fresh store works");
    drop(c);
    let c = Cookies::open(&path, CookiesOptions::default()).expect("reopen");
    assert!(c.recovery().is_none());
    assert_eq!(c.len(), 1);
}

#[test]
fn foreign_database_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Cookies");
    foreign_db(&path);
    let c = Cookies::open(&path, CookiesOptions::default()).expect("open recovers");
    let rec = c.recovery().expect("recovery reported");
    assert!(
        rec.error.contains("not a session-cookies database"),
        "{}",
        rec.error
    );
    assert!(rec.moved_to.exists());
    assert!(c.is_empty());
}

/// Writes a sound SQLite database that belongs to another program: a store of ours whose
/// format marker is changed in the file to another name of the same length.
fn foreign_db(path: &std::path::Path) {
    let other = path.with_file_name("Other");
    {
        let c = Cookies::open(&other, CookiesOptions::default()).expect("open other");
        c.flush_store().expect("checkpoint");
    }
    let mut bytes = std::fs::read(&other).expect("read");
    let needle = b"session-cookies";
    let pos = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("format marker in file");
    bytes[pos..pos + needle.len()].copy_from_slice(b"chromium-cookie");
    std::fs::write(path, bytes).expect("write foreign db");
}

#[test]
fn in_memory_jar_never_touches_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    let c = Cookies::in_memory(CookiesOptions::default());
    c.set(&persistent("http://a.test", "x", "1")).expect("set");
    c.flush_store().expect("flush");
    assert!(c.storage_path().is_none());
    let after: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert_eq!(before.len(), after.len());
}

const CRASH_DIR_ENV: &str = "SESSION_COOKIES_CRASH_CHILD_DIR";

/// The child half of `cookie_survives_kill_right_after_set`: sets a cookie, reports it on stdout
/// and waits on stdin until the parent kills it. Does nothing when not run as that child.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CRASH_DIR_ENV) else {
        return;
    };
    let c = Cookies::open(
        std::path::Path::new(&dir).join("Cookies"),
        CookiesOptions::default(),
    )
    .expect("open");
    c.set(&persistent("https://bank.test", "login", "token-1"))
        .expect("set");
    let url = Url::parse("https://bank.test/").expect("url");
    c.set_from_response(
        &url,
        &["sid=abc; Max-Age=3600; Secure; HttpOnly"],
        &RequestContext::default(),
    )
    .expect("stored");
    let mut out = std::io::stdout();
    writeln!(out, "SET-DONE").expect("stdout");
    out.flush().expect("flush");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    // Only reached if the parent closed stdin without killing: exit without cleanup.
    std::process::abort();
}

#[test]
fn cookie_survives_kill_right_after_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "store::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_DIR_ENV, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut saw = false;
    let mut line = String::new();
    while reader.read_line(&mut line).expect("read child") > 0 {
        if line.contains("SET-DONE") {
            saw = true;
            break;
        }
        line.clear();
    }
    assert!(saw, "child reported the set");
    child.kill().expect("kill child");
    let _ = child.wait();
    let c = Cookies::open(dir.path().join("Cookies"), CookiesOptions::default()).expect("reopen");
    let url = Url::parse("https://bank.test/").expect("url");
    assert_eq!(
        c.cookie_header(&url, &RequestContext::default()).as_deref(),
        Some("login=token-1; sid=abc")
    );
}

#[test]
fn damaged_record_in_a_sound_database_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Cookies");
    {
        let c = Cookies::open(&path, CookiesOptions::default()).expect("open");
        c.set(&persistent("http://a.test", "x", "1")).expect("set");
    }
    {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.execute("UPDATE cookies SET data = x'0102'", [])
            .expect("damage the record");
    }
    let c = Cookies::open(&path, CookiesOptions::default()).expect("open recovers");
    let rec = c.recovery().expect("recovery reported");
    assert!(
        rec.error.contains("damaged record of a.test"),
        "{}",
        rec.error
    );
    assert!(c.is_empty());
}

#[test]
fn expired_cookies_leave_the_file_on_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Cookies");
    {
        let c = Cookies::open(&path, CookiesOptions::default()).expect("open");
        c.set(&CookieDetails {
            expiration_date: Some(now_secs() + 0.05),
            ..persistent("http://a.test", "soon", "1")
        })
        .expect("set");
        c.set(&persistent("http://a.test", "later", "1"))
            .expect("set");
    }
    let deadline = now_secs() + 0.1;
    while now_secs() < deadline {
        std::thread::yield_now();
    }
    drop(Cookies::open(&path, CookiesOptions::default()).expect("reopen drops the expired one"));
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let blob: Vec<u8> = conn
        .query_row(
            "SELECT data FROM cookies WHERE domain_key = 'a.test'",
            [],
            |r| r.get(0),
        )
        .expect("record");
    let text = String::from_utf8_lossy(&blob);
    assert!(text.contains("later") && !text.contains("soon"));
}

// Chromium's eviction is least-recently-accessed first: access times survive a restart.
#[test]
fn access_times_reach_disk_on_flush_and_on_drop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Cookies");
    let url = Url::parse("http://a.test/").expect("url");
    let created = {
        let c = Cookies::open(&path, CookiesOptions::default()).expect("open");
        c.set(&persistent("http://a.test", "x", "1")).expect("set");
        let created = c.all()[0].creation;
        assert!(c.cookie_header(&url, &RequestContext::default()).is_some());
        created
    };
    let c = Cookies::open(&path, CookiesOptions::default()).expect("reopen");
    let after_drop = c.all()[0].last_access;
    assert!(
        after_drop > created,
        "access time written when the jar was dropped"
    );
    assert!(c.cookie_header(&url, &RequestContext::default()).is_some());
    c.flush_store().expect("flush");
    let in_memory = c.all()[0].last_access;
    assert!(in_memory > after_drop);
    std::mem::forget(c); // as if the process died right after flushing
    let c = Cookies::open(&path, CookiesOptions::default()).expect("reopen");
    assert_eq!(c.all()[0].last_access, in_memory);
}
