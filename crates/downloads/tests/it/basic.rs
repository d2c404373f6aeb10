//! Starting, naming, completing, failing and cancelling downloads.

use bytes::Bytes;
use session_downloads::{
    DownloadItem, DownloadOptions, DownloadState, Downloads, ErrorKind, InterruptReason,
    WillDownloadDecision,
};
use session_test_support::{DEADLINE, Resource};

use crate::support::{Env, done_count, drain, pattern, subscribe_all};

const MIB: u64 = 1 << 20;

fn put_pdf(env: &Env, name: &str, disposition: &str, len: u64) {
    env.site.put(
        name,
        Resource {
            body: Bytes::from(pattern(7, len)),
            etag: Some(format!("\"{name}-v1\"")),
            last_modified: None,
            headers: vec![
                ("content-disposition".into(), disposition.into()),
                ("content-type".into(), "application/pdf".into()),
            ],
        },
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<DownloadItem>();
    check::<Downloads>();
}

// DL-02, DL-03
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_completes_to_the_chosen_path() {
    let env = Env::new();
    let disposition = "attachment; filename=\"mock.pdf\"";
    put_pdf(&env, "dl02", disposition, 5 * MIB);
    let save_path = env.dir.path().join("nested").join("dir").join("saved.pdf");
    let chosen = save_path.clone();
    env.downloads
        .set_will_download_handler(Some(move |item: DownloadItem| {
            let chosen = chosen.clone();
            async move {
                assert_eq!(item.filename(), "mock.pdf");
                assert_eq!(item.total_bytes(), 5 * MIB);
                item.set_save_path(&chosen)
                    .expect("set_save_path inside will-download");
                WillDownloadDecision::Continue
            }
        }));
    let before = session_downloads::state::now_seconds();
    let url = env.url("/res/dl02");
    let item = env
        .downloads
        .download_url(
            &url,
            DownloadOptions {
                headers: vec![("Authorization".into(), "Bearer t0k".into())],
            },
        )
        .expect("download_url");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(item.state(), DownloadState::Completed);
    assert_eq!(item.filename(), "saved.pdf");
    assert_eq!(item.save_path().as_deref(), Some(save_path.as_path()));
    assert_eq!(item.url(), url);
    assert_eq!(item.url_chain(), vec![url.clone()]);
    assert_eq!(item.mime_type(), "application/pdf");
    assert_eq!(item.content_disposition(), disposition);
    assert_eq!(item.received_bytes(), 5 * MIB);
    assert_eq!(item.total_bytes(), 5 * MIB);
    assert_eq!(item.percent_complete(), 100);
    assert_eq!(item.current_bytes_per_second(), 0);
    assert!(item.start_time() >= before.floor());
    assert!(item.end_time() >= item.start_time());
    assert!(!item.has_user_gesture());
    assert!(!item.can_resume());
    assert_eq!(
        std::fs::read(&save_path).expect("saved file"),
        pattern(7, 5 * MIB)
    );
    assert!(!session_downloads::filename::temp_path_for(&save_path).exists());
    let requests = env.site.requests_to("/res/dl02");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), Some("Bearer t0k"));
    assert_eq!(requests[0].header("accept-encoding"), Some("identity"));
    // A completed item cannot resume or change its path.
    assert_eq!(
        item.resume().expect_err("completed").kind(),
        ErrorKind::InvalidState
    );
    assert_eq!(
        item.set_save_path(&save_path)
            .expect_err("completed")
            .kind(),
        ErrorKind::InvalidState
    );
}

// DL-04
#[tokio::test]
async fn bad_input_is_refused_without_an_item() {
    let env = Env::new();
    let bad_header = DownloadOptions {
        headers: vec![("Bad Header".into(), "x".into())],
    };
    let err = env
        .downloads
        .download_url(&env.url("/bytes/10"), bad_header)
        .expect_err("bad header");
    assert_eq!(err.kind(), ErrorKind::InvalidHeader);
    assert!(err.to_string().contains("Bad Header"));
    let err = env
        .downloads
        .download_url("not a url", DownloadOptions::default())
        .expect_err("bad url");
    assert_eq!(err.kind(), ErrorKind::InvalidUrl);
    let err = env
        .downloads
        .download_url("ftp://a.test/x", DownloadOptions::default())
        .expect_err("scheme");
    assert_eq!(err.kind(), ErrorKind::InvalidUrl);
    assert!(env.downloads.downloads().is_empty());
}

#[test]
fn download_url_outside_a_runtime_is_an_error() {
    let site = session_test_support::TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let downloads = crate::support::manager(dir.path(), &site);
    let err = downloads
        .download_url("http://127.0.0.1:9/x", DownloadOptions::default())
        .expect_err("no runtime");
    assert_eq!(err.kind(), ErrorKind::NoRuntime);
}

// DL-05
#[tokio::test]
async fn unauthorized_ends_interrupted_with_nothing_received() {
    let env = Env::new();
    let announced = subscribe_all(&env.downloads);
    let item = env
        .downloads
        .download_url(&env.url("/status/401"), DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    let (_, mut events) = announced.try_recv().expect("will-download ran");
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::ServerUnauthorized)
    );
    assert_eq!(item.last_status(), Some(401));
    assert_eq!(item.received_bytes(), 0);
    assert_eq!(item.total_bytes(), 0);
    assert!(!item.can_resume());
    assert_eq!(done_count(&drain(&mut events)), 1);
    assert!(item.resume().is_err());
    assert_eq!(item.state(), DownloadState::Interrupted);
}

#[tokio::test]
async fn server_errors_and_network_failures_end_with_exactly_one_done() {
    let env = Env::new();
    let announced = subscribe_all(&env.downloads);
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let cases = [
        (
            env.url("/status/404"),
            InterruptReason::ServerUnreachable,
            false,
        ),
        (
            env.url("/status/403"),
            InterruptReason::ServerForbidden,
            false,
        ),
        (env.url("/status/503"), InterruptReason::ServerFailed, true),
        (
            env.url("/reset"),
            InterruptReason::NetworkDisconnected,
            true,
        ),
        (
            format!("http://127.0.0.1:{closed_port}/x"),
            InterruptReason::NetworkServerDown,
            true,
        ),
        (
            env.url("/truncated/100000/5000"),
            InterruptReason::ServerContentLengthMismatch,
            true,
        ),
    ];
    for (url, reason, resumable) in cases {
        let item = env
            .downloads
            .download_url(&url, DownloadOptions::default())
            .expect("start");
        assert_eq!(item.done().await, DownloadState::Interrupted, "{url}");
        let (_, mut events) = announced.try_recv().expect("will-download ran");
        assert_eq!(item.interrupt_reason(), Some(reason), "{url}");
        assert_eq!(item.can_resume(), resumable, "{url}");
        assert_eq!(done_count(&drain(&mut events)), 1, "{url}");
    }
}

#[tokio::test]
async fn file_errors_interrupt_the_download() {
    let env = Env::new();
    let blocker = env.dir.path().join("a-file");
    std::fs::write(&blocker, b"x").expect("write");
    let target = blocker.join("sub").join("x.bin");
    env.downloads.set_will_download_handler(Some(move |_item| {
        let target = target.clone();
        async move { WillDownloadDecision::SaveTo(target) }
    }));
    let item = env
        .downloads
        .download_url(&env.url("/bytes/1000"), DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert_eq!(item.interrupt_reason(), Some(InterruptReason::FileFailed));
}

// DL-01
#[tokio::test]
async fn will_download_cancel_prevents_any_file() {
    let env = Env::new();
    put_pdf(&env, "dl01", "inline; filename=\"mockFile.txt\"", 1000);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    env.downloads
        .set_will_download_handler(Some(move |item: DownloadItem| {
            *seen2.lock().expect("lock") = Some((item.url(), item.filename()));
            async { WillDownloadDecision::Cancel }
        }));
    let url = env.url("/res/dl01");
    let item = env
        .downloads
        .download_url(&url, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Cancelled);
    assert_eq!(
        seen.lock().expect("lock").clone(),
        Some((url, "mockFile.txt".to_owned()))
    );
    assert_eq!(item.interrupt_reason(), Some(InterruptReason::UserCanceled));
    assert!(
        !env.download_dir().exists()
            || std::fs::read_dir(env.download_dir())
                .expect("dir")
                .next()
                .is_none()
    );
}

// DL-08
#[tokio::test]
async fn cancel_right_after_will_download() {
    let env = Env::new();
    let disposition = "attachment; filename=\"mock.pdf\"";
    put_pdf(&env, "dl08", disposition, 5 * MIB);
    env.downloads
        .set_will_download_handler(Some(|item: DownloadItem| {
            item.cancel();
            async { WillDownloadDecision::Continue }
        }));
    let item = env
        .downloads
        .download_url(&env.url("/res/dl08"), DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Cancelled);
    assert_eq!(item.filename(), "mock.pdf");
    assert_eq!(item.mime_type(), "application/pdf");
    assert_eq!(item.content_disposition(), disposition);
    assert_eq!(item.received_bytes(), 0);
    assert_eq!(item.total_bytes(), 5 * MIB);
    assert!(
        !env.download_dir().exists()
            || std::fs::read_dir(env.download_dir())
                .expect("dir")
                .next()
                .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_transfer_deletes_the_partial_file() {
    let env = Env::new();
    let announced = subscribe_all(&env.downloads);
    let item = env
        .downloads
        .download_url(
            &env.url("/drip?bytes=100000&chunk=1000&delay_ms=5"),
            DownloadOptions::default(),
        )
        .expect("start");
    let (_, mut events) =
        tokio::task::spawn_blocking(move || announced.recv_timeout(DEADLINE).expect("announced"))
            .await
            .expect("join");
    while item.received_bytes() == 0 {
        tokio::time::timeout(DEADLINE, events.recv())
            .await
            .expect("a progress event within the deadline")
            .expect("progress event");
    }
    item.cancel();
    assert_eq!(item.done().await, DownloadState::Cancelled);
    assert_eq!(done_count(&drain(&mut events)), 1);
    let leftovers: Vec<_> = std::fs::read_dir(env.download_dir())
        .expect("dir")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_directory_names_and_uniquifies() {
    let env = Env::new();
    put_pdf(&env, "report", "inline", 2000);
    let first = env
        .downloads
        .download_url(&env.url("/res/report"), DownloadOptions::default())
        .expect("start");
    assert_eq!(first.done().await, DownloadState::Completed);
    let second = env
        .downloads
        .download_url(&env.url("/res/report"), DownloadOptions::default())
        .expect("start");
    assert_eq!(second.done().await, DownloadState::Completed);
    // DL-09 (the URL names it; with no name anywhere it would be `download.pdf`).
    assert_eq!(
        first.save_path(),
        Some(env.download_dir().join("report.pdf"))
    );
    assert_eq!(
        second.save_path(),
        Some(env.download_dir().join("report (1).pdf"))
    );
    assert_eq!(second.filename(), "report (1).pdf");
    assert_eq!(
        std::fs::read(env.download_dir().join("report (1).pdf")).expect("read"),
        pattern(7, 2000)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_download_path_moves_the_default_directory() {
    let env = Env::new();
    let other = env.dir.path().join("elsewhere");
    assert!(env.downloads.set_download_path("relative/dir").is_err());
    env.downloads.set_download_path(&other).expect("set");
    let item = env
        .downloads
        .download_url(&env.url("/bytes/300"), DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(item.save_path(), Some(other.join("300")));
    assert_eq!(
        std::fs::read(other.join("300")).expect("read"),
        pattern(0, 300)
    );
}

// DL-15
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_items_live_without_handles_and_are_released_after() {
    let env = Env::new();
    let id = {
        let item = env
            .downloads
            .download_url(&env.url("/bytes/50000"), DownloadOptions::default())
            .expect("start");
        item.id()
    };
    // No handle is held; the download still runs to the end.
    let item = loop {
        let item = env.downloads.get(id).expect("listed");
        if item.state().is_terminal() {
            break item;
        }
        item.done().await;
    };
    assert_eq!(item.state(), DownloadState::Completed);
    drop(item);
    // Released: a new lookup builds a fresh handle from the journal.
    assert_eq!(
        env.downloads.get(id).expect("journal").state(),
        DownloadState::Completed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_redirects_and_resume_over_the_session_pipeline() {
    let env = Env::new();
    let target = env
        .site
        .https_url("a.test", "/flaky/tls/200000?seed=3&cuts=70000");
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    let start = env
        .site
        .https_url("b.test", &format!("/redirect-to?url={encoded}"));
    let item = env
        .downloads
        .download_url(&start, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert_eq!(item.url_chain(), vec![start.clone(), target.clone()]);
    assert_eq!(item.url(), target);
    assert_eq!(item.filename(), "200000");
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(item.restarts(), 0);
    assert_eq!(
        std::fs::read(item.save_path().expect("path")).expect("read"),
        pattern(3, 200_000)
    );
    // The resume asked the last URL of the chain for the rest.
    let requests = env.site.requests_to("/flaky/tls/200000");
    assert_eq!(requests.len(), 2);
    assert!(requests[1].tls);
    assert!(requests[1].header("range").is_some());
}

// DL-11
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_urls_download_and_a_missing_file_interrupts() {
    let env = Env::new();
    let source = env.dir.path().join("source.bin");
    std::fs::write(&source, pattern(17, 70_000)).expect("write");
    let url = url::Url::from_file_path(&source)
        .expect("file url")
        .to_string();
    let item = env
        .downloads
        .download_url(&url, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(item.filename(), "source.bin");
    assert_eq!(
        std::fs::read(item.save_path().expect("path")).expect("read"),
        pattern(17, 70_000)
    );

    let target = env.dir.path().join("never.bin");
    let chosen = target.clone();
    env.downloads
        .set_will_download_handler(Some(move |item: DownloadItem| {
            item.set_save_path(&chosen).expect("save path");
            async { WillDownloadDecision::Continue }
        }));
    let missing = url::Url::from_file_path(env.dir.path().join("missing.bin"))
        .expect("url")
        .to_string();
    let item = env
        .downloads
        .download_url(&missing, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert_eq!(item.interrupt_reason(), Some(InterruptReason::FileFailed));
    // Resuming tries again and ends interrupted again.
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert!(!target.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_downloads_at_once() {
    let env = Env::new();
    let items: Vec<_> = (0..8u64)
        .map(|i| {
            let url = env.url(&format!("/bytes/{}?seed={i}", 300_000 + i * 1000));
            env.downloads
                .download_url(&url, DownloadOptions::default())
                .expect("start")
        })
        .collect();
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item.done().await, DownloadState::Completed);
        let len = 300_000 + i as u64 * 1000;
        assert_eq!(
            std::fs::read(item.save_path().expect("path")).expect("read"),
            pattern(i as u64, len)
        );
    }
    let mut paths: Vec<_> = items.iter().filter_map(DownloadItem::save_path).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 8, "every download got its own file");
}
