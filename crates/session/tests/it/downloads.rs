//! The session's download methods: the session's pipeline, download path, journal in the
//! partition, restart and resume.

use session::downloads::{
    DownloadItem, DownloadOptions, DownloadState, WillDownloadDecision, journal,
};
use session::{SessionOptions, Sessions};
use session_test_support::{HOST_RULES, TestSite, pattern_bytes};

fn open(user_data: &std::path::Path, site: &TestSite) -> session::Session {
    let s = Sessions::new(user_data)
        .from_partition("persist:dl", SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())
        .expect("ca");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_use_the_session_and_survive_a_restart() {
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let target_dir = user_data.path().join("saved");
    let url = site.https_url("a.test", "/flaky/facade/300000?seed=21&cuts=120000");
    let (id, save_path) = {
        let s = open(user_data.path(), &site);
        s.set_download_path(&target_dir).expect("download path");
        s.set_user_agent("dl-agent", None);
        let item = s
            .download_url(&url, DownloadOptions::default())
            .expect("start");
        assert_eq!(item.done().await, DownloadState::Interrupted);
        assert!(item.can_resume());
        // The download path of the session, the session's user agent on the wire.
        assert_eq!(item.save_path(), Some(target_dir.join("300000")));
        let requests = site.requests_to("/flaky/facade/300000");
        assert_eq!(requests[0].header("user-agent"), Some("dl-agent"));
        let storage = s.storage_path().expect("persistent").to_path_buf();
        assert!(storage.join(journal::FILE_NAME).exists());
        (item.id(), item.save_path().expect("path"))
    };
    // The partition lock is released with the session; a new one (as a new process) lists
    // the interrupted download and resumes it.
    let s = open(user_data.path(), &site);
    let items = s.downloads();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id(), id);
    assert_eq!(items[0].state(), DownloadState::Interrupted);
    let item = s.download(id).expect("by id");
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(item.restarts(), 0);
    assert_eq!(
        std::fs::read(&save_path).expect("read"),
        pattern_bytes(21, 0, 300_000)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn will_download_handler_through_the_facade() {
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let s = Sessions::new(user_data.path())
        .from_partition("mem-dl", SessionOptions::default())
        .expect("session");
    let chosen = user_data.path().join("chosen.bin");
    let path = chosen.clone();
    s.set_will_download_handler(Some(move |item: DownloadItem| {
        assert_eq!(item.total_bytes(), 1000);
        let path = path.clone();
        async move { WillDownloadDecision::SaveTo(path) }
    }));
    let item = s
        .download_url(
            &site.http_url("127.0.0.1", "/bytes/1000"),
            DownloadOptions::default(),
        )
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(
        std::fs::read(&chosen).expect("read"),
        pattern_bytes(0, 0, 1000)
    );
    // An in-memory session has no journal on disk, but lists its items.
    assert_eq!(s.downloads().len(), 1);
    assert!(s.download_url("nope", DownloadOptions::default()).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_carry_cookies_and_follow_network_emulation() {
    let site = TestSite::start();
    let user_data = tempfile::tempdir().expect("tempdir");
    let s = Sessions::new(user_data.path())
        .from_partition("emu-dl", SessionOptions::default())
        .expect("session");
    s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
    s.set_download_path(user_data.path().join("dl"))
        .expect("path");
    let echo = site.http_url("a.test", "/echo");
    s.cookies()
        .set(&session::cookies::CookieDetails {
            url: echo.clone(),
            name: "sid".into(),
            value: "42".into(),
            ..Default::default()
        })
        .expect("cookie");
    let item = s
        .download_url(&echo, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Completed);
    let requests = site.requests_to("/echo");
    assert_eq!(requests[0].header("cookie"), Some("sid=42"));

    // 400 KB at 200 KB/s cannot take less than about two seconds.
    s.enable_network_emulation(session::net::NetworkEmulation {
        download_throughput: 200_000.0,
        ..Default::default()
    });
    let started = std::time::Instant::now();
    let item = s
        .download_url(
            &site.http_url("a.test", "/bytes/400000"),
            DownloadOptions::default(),
        )
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        std::fs::read(item.save_path().expect("path")).expect("read"),
        pattern_bytes(0, 0, 400_000)
    );
}
