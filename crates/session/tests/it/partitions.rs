//! Partitions, storage paths, user agent, preloads, code cache, the lock (SESSION-*).

use session::{
    ErrorKind, PreloadScriptRegistration, PreloadScriptType, Session, SessionOptions, Sessions,
};
use session_test_support::temp_user_data;
use std::path::PathBuf;

fn opts() -> SessionOptions {
    SessionOptions::default()
}

#[test]
fn session_handles_are_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Session>();
    assert_traits::<Sessions>();
}

#[test]
fn default_session_identity_and_storage() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let default = sessions.default_session().expect("default");
    // SESSION-01
    assert!(default.same_session(&sessions.from_partition("", opts()).expect("''")));
    // SESSION-33
    assert!(
        default.same_session(
            &sessions
                .from_partition("persist:", opts())
                .expect("persist:")
        )
    );
    // SESSION-05, 09
    assert!(default.is_persistent());
    assert_eq!(default.storage_path(), Some(ud.path()));
}

#[test]
fn partitions_identity_persistence_and_paths() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    // SESSION-02
    let a = sessions.from_partition("test", opts()).expect("test");
    assert!(a.same_session(&sessions.from_partition("test", opts()).expect("again")));
    // SESSION-05, 10
    assert!(!a.is_persistent());
    assert_eq!(a.storage_path(), None);
    let one = sessions.from_partition("persist:one", opts()).expect("one");
    let two = sessions.from_partition("persist:two", opts()).expect("two");
    assert!(one.is_persistent());
    // SESSION-11, 12
    assert_ne!(one.storage_path(), two.storage_path());
    assert_ne!(
        one.storage_path(),
        sessions.default_session().expect("d").storage_path()
    );
    assert_eq!(
        one.storage_path().expect("path"),
        ud.path().join("Partitions").join("one")
    );
    // Lower-cased names share a directory, so they are one session here.
    let upper = sessions.from_partition("persist:ONE", opts()).expect("ONE");
    assert!(upper.same_session(&one));
}

#[test]
fn in_memory_partitions_write_nothing() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = sessions.from_partition("in-memory", opts()).expect("mem");
    s.set_user_agent("x", Some("fr"));
    s.register_preload_script(PreloadScriptRegistration {
        script_type: PreloadScriptType::Frame,
        id: None,
        file_path: "/abs/p.js".into(),
    })
    .expect("register");
    let entries: Vec<_> = std::fs::read_dir(ud.path()).expect("read").collect();
    assert!(entries.is_empty(), "nothing under user_data: {entries:?}");
}

#[test]
fn from_path_rules() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let dir = tempfile::tempdir().expect("tempdir");
    // SESSION-03
    let s = sessions.from_path(dir.path(), opts()).expect("abs path");
    assert_eq!(s.storage_path(), Some(dir.path()));
    assert!(s.same_session(&sessions.from_path(dir.path(), opts()).expect("again")));
    // SESSION-04
    let empty = sessions.from_path("", opts()).expect_err("empty");
    assert_eq!(empty.to_string(), "An empty path was specified");
    assert_eq!(empty.kind(), ErrorKind::InvalidArgument);
    let rel = sessions
        .from_path("relative/dir", opts())
        .expect_err("relative");
    assert_eq!(rel.to_string(), "An absolute path was not provided");
}

#[test]
fn options_apply_only_on_first_creation() {
    // SESSION-32
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("nocache", SessionOptions::default().cache(false))
        .expect("create");
    assert!(!s.options().cache);
    let again = sessions
        .from_partition("nocache", SessionOptions::default().cache(true))
        .expect("again");
    assert!(!again.options().cache);
}

#[tokio::test]
async fn session_created_fires_once_per_new_session() {
    // SESSION-08
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let mut events = sessions.subscribe();
    let s = sessions
        .from_partition("persist:ev", opts())
        .expect("create");
    let _ = sessions
        .from_partition("persist:ev", opts())
        .expect("again");
    let ev = events.recv().await.expect("one event");
    assert!(ev.session.same_session(&s));
    assert!(matches!(
        events.try_recv(),
        Err(tokio::sync::broadcast::error::TryRecvError::Empty)
    ));
}

#[test]
fn user_agent_and_accept_language() {
    let ud = temp_user_data();
    let sessions = Sessions::for_app_at(ud.path(), "My App", "2.0.1");
    let s = sessions.from_partition("ua", opts()).expect("create");
    let default_ua = s.user_agent();
    assert!(default_ua.contains("MyApp/2.0.1 Chrome/"), "{default_ua}");
    assert_eq!(s.accept_language(), "en-US");
    // SESSION-06, 07
    s.set_user_agent("test-agent", Some("en-US,fr,de"));
    assert_eq!(s.user_agent(), "test-agent");
    assert_eq!(s.accept_language(), "en-US,fr;q=0.9,de;q=0.8");
    s.set_user_agent("", None);
    assert_eq!(s.user_agent(), default_ua);
}

#[test]
fn preload_scripts_registry() {
    let ud = temp_user_data();
    let s = Sessions::new(ud.path())
        .from_partition("pre", opts())
        .expect("create");
    // SESSION-26
    let id = s
        .register_preload_script(PreloadScriptRegistration {
            script_type: PreloadScriptType::ServiceWorker,
            id: None,
            file_path: "/abs/sw.js".into(),
        })
        .expect("register");
    assert_eq!(s.preload_scripts().len(), 1);
    assert_eq!(s.preload_scripts()[0].id, id);
    // SESSION-27
    let dup = s
        .register_preload_script(PreloadScriptRegistration {
            script_type: PreloadScriptType::Frame,
            id: Some(id.clone()),
            file_path: "/abs/other.js".into(),
        })
        .expect_err("duplicate id");
    assert_eq!(
        dup.to_string(),
        format!("Cannot register preload script with existing ID '{id}'")
    );
    let rel = s
        .register_preload_script(PreloadScriptRegistration {
            script_type: PreloadScriptType::Frame,
            id: None,
            file_path: "rel.js".into(),
        })
        .expect_err("relative");
    assert_eq!(
        rel.to_string(),
        "Preload script must have absolute path: rel.js"
    );
    s.unregister_preload_script(&id).expect("unregister");
    assert!(s.preload_scripts().is_empty());
    let missing = s.unregister_preload_script(&id).expect_err("unknown id");
    assert_eq!(
        missing.to_string(),
        format!("Cannot unregister preload script with non-existing ID '{id}'")
    );
    // SESSION-28
    assert!(s.preloads().is_empty());
    let (a, b) = (PathBuf::from("/abs/a.js"), PathBuf::from("/abs/b.js"));
    s.set_preloads(vec![a.clone(), b.clone()]).expect("set");
    assert_eq!(s.preloads(), vec![a.clone(), b.clone()]);
    s.set_preloads(vec![b.clone()]).expect("replace");
    assert_eq!(s.preloads(), vec![b]);
    assert!(s.set_preloads(vec!["rel.js".into()]).is_err());
}

#[test]
fn code_cache_path_and_clear() {
    let ud = temp_user_data();
    let s = Sessions::new(ud.path())
        .from_partition("persist:cc", opts())
        .expect("create");
    // SESSION-13
    let msg = "Absolute path must be provided to store code cache.";
    assert_eq!(
        s.set_code_cache_path("../fixtures")
            .expect_err("rel")
            .to_string(),
        msg
    );
    assert_eq!(
        s.set_code_cache_path("").expect_err("empty").to_string(),
        msg
    );
    let dir = ud.path().join("code-cache-here");
    s.set_code_cache_path(&dir)
        .expect("absolute under user data");
    assert!(dir.is_dir());
    std::fs::write(dir.join("entry"), b"x").expect("write entry");
    std::fs::create_dir(dir.join("js")).expect("subdir");
    s.clear_code_caches(&[]).expect("clear");
    assert_eq!(std::fs::read_dir(&dir).expect("read").count(), 0);
    assert!(
        s.clear_code_caches(&["https://a.test/x.js".into()])
            .is_err()
    );
}

#[test]
fn download_path_defaults_and_persists() {
    let ud = temp_user_data();
    {
        let s = Sessions::new(ud.path())
            .from_partition("persist:dl", opts())
            .expect("create");
        assert!(s.download_path().is_absolute());
        s.set_download_path("/somewhere/else").expect("set");
        assert!(s.set_download_path("relative").is_err());
    }
    // A new registry (as a new process would) reads it back from Preferences.
    let s = Sessions::new(ud.path())
        .from_partition("persist:dl", opts())
        .expect("reopen");
    assert_eq!(s.download_path(), PathBuf::from("/somewhere/else"));
    let prefs =
        std::fs::read_to_string(ud.path().join("Partitions/dl/Preferences")).expect("prefs");
    assert!(prefs.contains("default_directory"));
}

#[test]
fn partitions_are_isolated_on_disk() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let a = sessions.from_partition("persist:a", opts()).expect("a");
    let b = sessions.from_partition("persist:b", opts()).expect("b");
    a.set_download_path("/only/a").expect("set a");
    assert_ne!(b.download_path(), PathBuf::from("/only/a"));
    assert!(a.storage_path().expect("a").join("Preferences").exists());
    assert!(!b.storage_path().expect("b").join("Preferences").exists());
}

#[test]
fn a_second_registry_cannot_open_a_held_partition() {
    let ud = temp_user_data();
    let first = Sessions::new(ud.path());
    let held = first.from_partition("persist:Work", opts()).expect("first");
    let second = Sessions::new(ud.path());
    let err = second
        .from_partition("persist:work", opts())
        .expect_err("held by the first registry");
    assert_eq!(err.kind(), ErrorKind::PartitionInUse);
    assert!(err.to_string().contains("persist:work"), "{err}");
    drop(held);
    drop(first);
    second
        .from_partition("persist:work", opts())
        .expect("free once the first is gone");
}

/// Runs in two roles: without `SESSION_LOCK_CHILD` it is the parent, which starts this very test
/// in a child process holding the partition and checks it cannot open it while the child lives.
#[test]
fn a_second_process_cannot_open_a_held_partition() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    if let Some(dir) = std::env::var_os("SESSION_LOCK_CHILD") {
        let sessions = Sessions::new(PathBuf::from(dir));
        let _held = sessions
            .from_partition("persist:shared", opts())
            .expect("child opens the partition");
        println!("LOCKED");
        // Hold the partition until the parent closes our stdin.
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        return;
    }
    let ud = temp_user_data();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "partitions::a_second_process_cannot_open_a_held_partition",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SESSION_LOCK_CHILD", ud.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let locked = lines.by_ref().any(|l| l.contains("LOCKED"));
    assert!(locked, "child reported the partition held");
    let err = Sessions::new(ud.path())
        .from_partition("persist:shared", opts())
        .expect_err("held by the child process");
    assert_eq!(err.kind(), ErrorKind::PartitionInUse);
    assert!(err.to_string().contains("persist:shared"), "{err}");
    drop(child.stdin.take());
    lines.for_each(drop);
    assert!(child.wait().expect("child exits").success());
    Sessions::new(ud.path())
        .from_partition("persist:shared", opts())
        .expect("free once the child is gone");
}
