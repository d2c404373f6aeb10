//! `session.extensions` and the deprecated `session.loadExtension` family.

use session::extensions::{ExtensionEvent, LoadOptions};
use session::{SessionOptions, Sessions};

fn extension_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("ok");
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"manifest_version": 3, "name": "facade", "version": "1.0"}"#,
    )
    .expect("ok");
    dir
}

#[test]
#[allow(deprecated)]
fn deprecated_session_methods_forward_to_extensions() {
    // EXT-15
    let user_data = tempfile::tempdir().expect("ok");
    let sessions = Sessions::new(user_data.path());
    let ses = sessions
        .from_partition("persist:ext", SessionOptions::default())
        .expect("ok");
    let dir = extension_dir();
    let mut events = ses.extensions().subscribe();
    let loaded = ses
        .load_extension(dir.path(), LoadOptions::default())
        .expect("ok");
    let id = loaded.extension.id.clone();
    assert!(matches!(events.try_recv().expect("ok"), ExtensionEvent::Loaded(e) if e.id == id));
    assert_eq!(
        ses.extensions().get_extension(&id),
        Some(loaded.extension.clone())
    );
    assert_eq!(ses.get_extension(&id), Some(loaded.extension.clone()));
    assert_eq!(ses.get_all_extensions(), vec![loaded.extension.clone()]);
    ses.remove_extension(&id);
    assert!(ses.extensions().get_all_extensions().is_empty());
}

#[test]
fn in_memory_sessions_refuse_extensions_and_sessions_are_separate() {
    // EXT-09, EXT-10
    let user_data = tempfile::tempdir().expect("ok");
    let sessions = Sessions::new(user_data.path());
    let temp = sessions
        .from_partition("temp", SessionOptions::default())
        .expect("ok");
    let dir = extension_dir();
    let e = temp
        .extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .expect_err("must fail");
    assert_eq!(
        e.to_string(),
        "Extensions cannot be loaded in a temporary session"
    );
    let a = sessions
        .from_partition("persist:a", SessionOptions::default())
        .expect("ok");
    let b = sessions
        .from_partition("persist:b", SessionOptions::default())
        .expect("ok");
    a.extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .expect("ok");
    assert_eq!(a.extensions().get_all_extensions().len(), 1);
    assert!(b.extensions().get_all_extensions().is_empty());
}
