//! Resume: Range + If-Range continuing byte-identical files, restarts when the version changed
//! or ranges are ignored, pause as backpressure, the journal across a restart.

use bytes::Bytes;
use session_downloads::{
    DownloadEvent, DownloadItem, DownloadOptions, DownloadState, InterruptReason,
    InterruptedDownloadOptions, RestartReason, WillDownloadDecision,
};
use session_test_support::{DEADLINE, Resource};

use crate::support::{Env, Rng, done_count, drain, pattern, subscribe_all};

fn restarts_in(events: &[DownloadEvent]) -> Vec<RestartReason> {
    events
        .iter()
        .filter_map(|e| match e {
            DownloadEvent::Restarted { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_interruptions_at_random_offsets_resume_byte_identical() {
    let env = Env::new();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let announced = subscribe_all(&env.downloads);
    for i in 0..20u64 {
        let len = 100_000 + rng.below(400_000);
        let cut = 1 + rng.below(len - 1);
        let key = format!("twenty-{seed}-{i}");
        let url = env.url(&format!("/flaky/{key}/{len}?seed={i}&cuts={cut}"));
        let item = env
            .downloads
            .download_url(&url, DownloadOptions::default())
            .expect("start");
        assert_eq!(
            item.done().await,
            DownloadState::Interrupted,
            "seed {seed} case {i}"
        );
        let (_, mut events) = announced.try_recv().expect("announced");
        assert_eq!(done_count(&drain(&mut events)), 1);
        assert!(
            item.can_resume(),
            "seed {seed} case {i}: {:?}",
            item.interrupt_reason()
        );
        let received = item.received_bytes();
        assert!(
            received <= cut,
            "seed {seed} case {i}: received {received} past cut {cut}"
        );
        assert_eq!(item.total_bytes(), len);
        let temp = item.record().temp_path().expect("temp path");
        assert_eq!(
            std::fs::metadata(&temp).expect("partial file").len(),
            received
        );

        item.resume().expect("resume");
        assert_eq!(
            item.done().await,
            DownloadState::Completed,
            "seed {seed} case {i}"
        );
        let events = drain(&mut events);
        assert_eq!(done_count(&events), 1);
        assert!(
            restarts_in(&events).is_empty(),
            "seed {seed} case {i}: restarted"
        );
        assert_eq!(item.restarts(), 0);
        let saved = item.save_path().expect("save path");
        let bytes = std::fs::read(&saved).expect("saved file");
        assert!(
            bytes == pattern(i, len),
            "seed {seed} case {i}: file differs"
        );
        assert!(!temp.exists());
        let requests = env.site.requests_to(&format!("/flaky/{key}/{len}"));
        assert_eq!(requests.len(), 2);
        if received > 0 {
            assert_eq!(
                requests[1].header("range"),
                Some(format!("bytes={received}-").as_str())
            );
            assert_eq!(
                requests[1].header("if-range"),
                Some(format!("\"bytes-{len}-{i}\"").as_str())
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_interruptions_of_one_download() {
    let env = Env::new();
    let len = 3_000_000;
    let url = env.url(&format!(
        "/flaky/several/{len}?seed=5&cuts=100000,900000,900001,2999999"
    ));
    let item = env
        .downloads
        .download_url(&url, DownloadOptions::default())
        .expect("start");
    for _ in 0..4 {
        assert_eq!(item.done().await, DownloadState::Interrupted);
        item.resume().expect("resume");
    }
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(item.restarts(), 0);
    assert!(std::fs::read(item.save_path().expect("path")).expect("read") == pattern(5, len));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_validator_restarts_from_zero_and_says_so() {
    let env = Env::new();
    let v1 = Bytes::from(pattern(1, 200_000));
    let v2 = Bytes::from(pattern(2, 120_000));
    let resource = |body: Bytes, etag: &str| Resource {
        body,
        etag: Some(etag.into()),
        last_modified: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
        headers: vec![],
    };
    env.site.put("changing", resource(v1, "\"v1\""));
    let announced = subscribe_all(&env.downloads);
    // Cut past v2's length: only the first version's response is cut.
    let item = env
        .downloads
        .download_url(
            &env.url("/res/changing?cut=150000"),
            DownloadOptions::default(),
        )
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    let (_, mut events) = announced.try_recv().expect("announced");
    assert!(item.received_bytes() > 0);
    env.site.put("changing", resource(v2.clone(), "\"v2\""));
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Completed);
    let events = drain(&mut events);
    assert_eq!(restarts_in(&events), vec![RestartReason::ValidatorChanged]);
    assert_eq!(item.restarts(), 1);
    assert_eq!(item.etag(), "\"v2\"");
    assert_eq!(item.total_bytes(), 120_000);
    assert_eq!(
        std::fs::read(item.save_path().expect("path")).expect("read"),
        v2.to_vec()
    );
    let requests = env.site.requests_to("/res/changing");
    assert_eq!(requests[1].header("if-range"), Some("\"v1\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_range_restarts_from_zero() {
    let env = Env::new();
    let announced = subscribe_all(&env.downloads);
    let len = 300_000;
    let url = env.url(&format!(
        "/flaky/norange/{len}?seed=9&cuts=123456&norange=1"
    ));
    let item = env
        .downloads
        .download_url(&url, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    let (_, mut events) = announced.try_recv().expect("announced");
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(
        restarts_in(&drain(&mut events)),
        vec![RestartReason::RangeIgnored]
    );
    assert!(std::fs::read(item.save_path().expect("path")).expect("read") == pattern(9, len));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_validator_means_no_range_request() {
    let env = Env::new();
    env.site.put(
        "plain",
        Resource {
            body: Bytes::from(pattern(3, 200_000)),
            etag: None,
            last_modified: None,
            headers: vec![],
        },
    );
    let announced = subscribe_all(&env.downloads);
    let item = env
        .downloads
        .download_url(
            &env.url("/res/plain?cut=100000"),
            DownloadOptions::default(),
        )
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    let (_, mut events) = announced.try_recv().expect("announced");
    // The same URL is cut again at the same place: the restart is visible and honest.
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert_eq!(
        restarts_in(&drain(&mut events)),
        vec![RestartReason::NoValidator]
    );
    let requests = env.site.requests_to("/res/plain");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("range"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_stops_reading_and_resume_continues() {
    let env = Env::new();
    let announced = subscribe_all(&env.downloads);
    let len: u64 = 256 << 20;
    let item = env
        .downloads
        .download_url(
            &env.url(&format!("/bytes/{len}?seed=4")),
            DownloadOptions::default(),
        )
        .expect("start");
    let (_, mut events) =
        tokio::task::spawn_blocking(move || announced.recv_timeout(DEADLINE).expect("announced"))
            .await
            .expect("join");
    // Poll for the first bytes (with a deadline), then pause at once.
    let deadline = std::time::Instant::now() + DEADLINE;
    while item.received_bytes() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no byte arrived within {DEADLINE:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    item.pause();
    assert!(item.is_paused());
    assert!(item.can_resume());
    // Observe that nothing more is read: the sample waits are the observation, not a sync.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let first = item.received_bytes();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        item.received_bytes(),
        first,
        "bytes kept arriving while paused"
    );
    assert!(
        first < len,
        "the whole file was buffered: pause is not backpressure"
    );
    assert_eq!(item.current_bytes_per_second(), 0);
    assert_eq!(item.state(), DownloadState::Progressing);
    item.resume().expect("resume");
    assert!(!item.is_paused());
    assert_eq!(item.done().await, DownloadState::Completed);
    let saved = item.save_path().expect("path");
    assert_eq!(std::fs::metadata(&saved).expect("saved").len(), len);
    let mut file = std::fs::File::open(&saved).expect("open");
    let mut buf = vec![0; 1 << 20];
    for offset in (0..len).step_by(1 << 20) {
        std::io::Read::read_exact(&mut file, &mut buf).expect("read");
        assert!(
            buf == session_test_support::pattern_bytes(4, offset, 1 << 20),
            "differs at {offset}"
        );
    }
    assert_eq!(done_count(&drain(&mut events)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_lists_interrupted_downloads_after_a_restart_and_resumes_them() {
    let env = Env::new();
    let len = 500_000;
    let url = env.url(&format!("/flaky/journal/{len}?seed=11&cuts=250000"));
    let (id, save_path, received) = {
        let item = env
            .downloads
            .download_url(&url, DownloadOptions::default())
            .expect("start");
        assert_eq!(item.done().await, DownloadState::Interrupted);
        (
            item.id(),
            item.save_path().expect("path"),
            item.received_bytes(),
        )
    };
    assert!(received > 0);
    // A new process: a new manager over the same journal.
    let reopened = env.reopen();
    let listed = reopened.downloads();
    assert_eq!(listed.len(), 1);
    let item = &listed[0];
    assert_eq!(item.id(), id);
    assert_eq!(item.state(), DownloadState::Interrupted);
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::ServerContentLengthMismatch)
    );
    assert!(item.can_resume());
    assert_eq!(item.received_bytes(), received);
    assert_eq!(item.save_path(), Some(save_path.clone()));
    assert_eq!(item.url(), url);
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert!(std::fs::read(&save_path).expect("read") == pattern(11, len));
    assert_eq!(item.restarts(), 0);
    // New ids continue after the journal's.
    let next = reopened
        .download_url(&env.url("/bytes/10"), DownloadOptions::default())
        .expect("start");
    assert_eq!(next.id(), id + 1);
    next.done().await;
    let again = env.reopen();
    assert_eq!(
        again.get(id).expect("journal").state(),
        DownloadState::Completed
    );
}

// DL-12, DL-13
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_interrupted_download_resumes_with_a_range() {
    let env = Env::new();
    let len = 400_000;
    let url = env.url(&format!("/flaky/cid/{len}?seed=13&cuts=200000"));
    let first = env
        .downloads
        .download_url(&url, DownloadOptions::default())
        .expect("start");
    assert_eq!(first.done().await, DownloadState::Interrupted);
    let record = first.record();
    let path = record.save_path.clone().expect("path");

    let other = env.reopen();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    other.set_will_download_handler(Some(move |item: DownloadItem| {
        *seen2.lock().expect("lock") = Some(item.record());
        async { WillDownloadDecision::Continue }
    }));
    let item = other
        .create_interrupted_download(InterruptedDownloadOptions {
            path: path.clone(),
            url_chain: record.url_chain.clone(),
            mime_type: Some(record.mime_type.clone()),
            offset: record.received_bytes,
            length: record.total_bytes,
            last_modified: Some(record.last_modified_time.clone()),
            etag: Some(record.etag.clone()),
            start_time: Some(record.start_time),
        })
        .await
        .expect("create");
    let announced = seen
        .lock()
        .expect("lock")
        .clone()
        .expect("will-download ran");
    assert_eq!(announced.state, DownloadState::Interrupted);
    assert_eq!(announced.url_chain, record.url_chain);
    assert_eq!(announced.mime_type, "application/octet-stream");
    assert_eq!(announced.received_bytes, record.received_bytes);
    assert_eq!(announced.total_bytes, len);
    assert_eq!(announced.save_path.as_deref(), Some(path.as_path()));
    assert_eq!(item.start_time(), record.start_time);
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(
        item.filename(),
        path.file_name().expect("name").to_string_lossy()
    );
    assert_eq!(item.received_bytes(), len);
    assert!(std::fs::read(&path).expect("read") == pattern(13, len));
    let requests = env.site.requests_to(&format!("/flaky/cid/{len}"));
    assert_eq!(
        requests.last().and_then(|r| r.header("range")),
        Some(format!("bytes={}-", record.received_bytes).as_str())
    );

    let err = other
        .create_interrupted_download(InterruptedDownloadOptions {
            path: "relative.bin".into(),
            url_chain: vec![url.clone()],
            ..Default::default()
        })
        .await
        .expect_err("relative path");
    assert_eq!(err.kind(), session_downloads::ErrorKind::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_interrupted_item_removes_its_partial_file() {
    let env = Env::new();
    let item = env
        .downloads
        .download_url(
            &env.url("/flaky/cancel-int/300000?cuts=100000"),
            DownloadOptions::default(),
        )
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    let temp = item.record().temp_path().expect("temp");
    assert!(temp.exists());
    let mut events = item.subscribe();
    item.cancel();
    assert_eq!(item.state(), DownloadState::Cancelled);
    assert!(!temp.exists());
    assert_eq!(done_count(&drain(&mut events)), 1);
    assert!(!item.can_resume());
    assert_eq!(
        env.reopen().get(item.id()).expect("journal").state(),
        DownloadState::Cancelled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_interrupted_item_deletes_its_partial_file() {
    let env = Env::new();
    let item = env
        .downloads
        .download_url(
            &env.url("/flaky/remove/300000?cuts=100000"),
            DownloadOptions::default(),
        )
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    let temp = item.record().temp_path().expect("temp");
    assert!(temp.exists());
    env.downloads.remove(item.id()).expect("remove");
    assert!(!temp.exists());
    assert!(env.reopen().get(item.id()).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_retries_continue_after_transient_failures() {
    let env = Env::new();
    let mut config = session_downloads::DownloadsConfig::new(
        std::sync::Arc::new(session_downloads::NetFetcher::new(
            session_net::Net::new(session_net::NetConfig::default()).expect("net"),
        )),
        session_downloads::Journal::in_memory(),
        env.download_dir(),
    );
    config = config.retries(3);
    let downloads = session_downloads::Downloads::new(config);
    let announced = subscribe_all(&downloads);
    let len = 600_000;
    let url = env.url(&format!(
        "/flaky/retries/{len}?seed=31&cuts=100000,250000,400000"
    ));
    let item = downloads
        .download_url(&url, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Completed);
    let (_, mut events) = announced.try_recv().expect("announced");
    let events = drain(&mut events);
    assert_eq!(done_count(&events), 1, "only the final outcome is reported");
    assert!(restarts_in(&events).is_empty());
    assert!(std::fs::read(item.save_path().expect("path")).expect("read") == pattern(31, len));
    let requests = env.site.requests_to(&format!("/flaky/retries/{len}"));
    assert_eq!(requests.len(), 4);
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.header("range").is_some() && r.header("if-range").is_some())
    );

    // A fourth cut is one more than the retries allow: the item ends interrupted, resumable.
    let url = env.url(&format!(
        "/flaky/retries-out/{len}?seed=32&cuts=1000,2000,3000,4000"
    ));
    let item = downloads
        .download_url(&url, DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert!(item.can_resume());
    // A 404 is not retried.
    let item = downloads
        .download_url(&env.url("/status/404"), DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert_eq!(env.site.requests_to("/status/404").len(), 1);
}

/// `receivedBytes` of item `id` in the journal file as it is on disk now.
fn journaled_bytes(env: &Env, id: u64) -> u64 {
    let path = env.dir.path().join(session_downloads::journal::FILE_NAME);
    let Ok(bytes) = std::fs::read(path) else {
        return 0;
    };
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("journal json");
    doc["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == id)
        .and_then(|r| r["receivedBytes"].as_u64())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_checkpointed_while_bytes_flow() {
    // A crash loses at most about 1 s or 16 MiB of progress: the journal shows progress while
    // the download still runs, never more than the part file holds.
    let env = Env::new();
    let item = env
        .downloads
        .download_url(
            &env.url("/drip?bytes=400000&chunk=4000&delay_ms=50&ranged=1"),
            DownloadOptions::default(),
        )
        .expect("start");
    let deadline = std::time::Instant::now() + DEADLINE;
    let journaled = loop {
        let n = journaled_bytes(&env, item.id());
        if n > 0 {
            break n;
        }
        assert_eq!(
            item.state(),
            DownloadState::Progressing,
            "the download ended before any checkpoint"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint within {DEADLINE:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let part = item.record().temp_path().expect("temp path");
    assert!(journaled <= std::fs::metadata(&part).expect("part").len());
    item.interrupt_for_shutdown();
    assert_eq!(item.done().await, DownloadState::Interrupted);
    assert_eq!(item.interrupt_reason(), Some(InterruptReason::UserShutdown));
    assert!(item.can_resume());
    // Shutting down journals every byte on disk, not the last periodic checkpoint.
    let on_disk = std::fs::metadata(&part).expect("part").len();
    assert_eq!(journaled_bytes(&env, item.id()), on_disk);
    item.resume().expect("resume");
    assert_eq!(item.done().await, DownloadState::Completed);
    let requests = env.site.requests_to("/drip");
    assert_eq!(
        requests.last().and_then(|r| r.header("range")),
        Some(format!("bytes={on_disk}-").as_str())
    );
    assert_eq!(
        std::fs::read(item.save_path().expect("saved")).expect("file"),
        vec![b'x'; 400000]
    );
}
