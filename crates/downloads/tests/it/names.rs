//! Hostile file names from the server always land inside the download directory.

use bytes::Bytes;
use session_downloads::{DownloadOptions, DownloadState};
use session_test_support::Resource;

use crate::support::{Env, pattern};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_land_inside_the_directory() {
    let env = Env::new();
    let long = "n".repeat(10 * 1024);
    let cases: Vec<(String, &str)> = vec![
        ("attachment; filename=\"../../x\"".into(), "dotdot"),
        ("attachment; filename=\"/etc/passwd\"".into(), "abs"),
        (
            "attachment; filename=\"..\\\\..\\\\win.ini\"".into(),
            "backslash",
        ),
        ("attachment; filename=CON".into(), "con"),
        ("attachment; filename=\"nul.txt\"".into(), "nul"),
        (
            "attachment; filename*=UTF-8''a%01b%0Ac%7F.txt".into(),
            "controls",
        ),
        (
            "attachment; filename*=UTF-8''..%2F..%2Fup.txt".into(),
            "encoded-slash",
        ),
        ("attachment; filename=\"..\"".into(), "dots"),
        ("attachment; filename=\".hidden\"".into(), "hidden"),
        (
            "attachment; filename*=UTF-8''evil%E2%80%AEtxt.exe".into(),
            "bidi",
        ),
        (format!("attachment; filename=\"{long}.bin\""), "long"),
    ];
    let dir = env.download_dir();
    for (i, (disposition, name)) in cases.iter().enumerate() {
        env.site.put(
            name,
            Resource {
                body: Bytes::from(pattern(i as u64, 1000)),
                etag: None,
                last_modified: None,
                headers: vec![("content-disposition".into(), disposition.clone())],
            },
        );
        let item = env
            .downloads
            .download_url(
                &env.url(&format!("/res/{name}")),
                DownloadOptions::default(),
            )
            .expect("start");
        assert_eq!(item.done().await, DownloadState::Completed, "{name}");
        let saved = item.save_path().expect("save path");
        assert_eq!(
            saved.parent(),
            Some(dir.as_path()),
            "{name}: {}",
            saved.display()
        );
        let file_name = saved
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        assert!(
            file_name.len() <= session_downloads::filename::MAX_FILENAME_BYTES,
            "{name}"
        );
        assert!(!file_name.starts_with('.'), "{name}: {file_name:?}");
        assert!(
            !file_name
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\' || c == '\u{202e}'),
            "{name}: {file_name:?}"
        );
        assert_eq!(
            std::fs::read(&saved).expect("read"),
            pattern(i as u64, 1000),
            "{name}"
        );
    }
    // Nothing was written anywhere but the directory.
    let entries = std::fs::read_dir(&dir).expect("dir").count();
    assert_eq!(entries, cases.len());
    assert!(dir.join("_CON").exists());
    assert!(dir.join("_nul.txt").exists());
    let outside: Vec<_> = std::fs::read_dir(env.dir.path())
        .expect("root")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut outside = outside;
    outside.sort();
    assert_eq!(
        outside,
        vec!["Download Journal.json".to_owned(), "Downloads".to_owned()]
    );
}
