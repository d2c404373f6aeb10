//! The test environment: the loopback site, a temporary directory, and managers whose
//! requests go through the real request pipeline (`session_net::Net`, with the site's test CA
//! trusted and `*.test` mapped to loopback).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use session_downloads::journal::{FILE_NAME, Journal};
use session_downloads::{DownloadEvent, DownloadItem, Downloads, DownloadsConfig, NetFetcher};
use session_test_support::{HOST_RULES, TestSite};

pub(crate) struct Env {
    pub(crate) site: TestSite,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) downloads: Downloads,
}

impl Env {
    pub(crate) fn new() -> Self {
        let site = TestSite::start();
        let dir = tempfile::tempdir().expect("tempdir");
        let downloads = manager(dir.path(), &site);
        Env {
            site,
            dir,
            downloads,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.site.http_url("127.0.0.1", path)
    }

    pub(crate) fn download_dir(&self) -> PathBuf {
        self.dir.path().join("Downloads")
    }

    /// A second manager over the same journal and directories, as a new process would open.
    pub(crate) fn reopen(&self) -> Downloads {
        manager(self.dir.path(), &self.site)
    }
}

pub(crate) fn manager(root: &Path, site: &TestSite) -> Downloads {
    let mut config = session_net::NetConfig::default();
    config.host_rules = HOST_RULES.parse().expect("host rules");
    config.extra_roots_pem = vec![site.ca_pem().as_bytes().to_vec()];
    let net = session_net::Net::new(config).expect("net");
    Downloads::new(DownloadsConfig::new(
        Arc::new(NetFetcher::new(net)),
        Journal::open(root.join(FILE_NAME)).expect("journal"),
        root.join("Downloads"),
    ))
}

/// Events of an item until its `Done`; the receiver was taken in `will-download`.
pub(crate) fn drain(
    rx: &mut tokio::sync::broadcast::Receiver<DownloadEvent>,
) -> Vec<DownloadEvent> {
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    events
}

pub(crate) fn done_count(events: &[DownloadEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, DownloadEvent::Done { .. }))
        .count()
}

/// Subscribes to every new item in `will-download`, handing the receivers out.
pub(crate) fn subscribe_all(
    downloads: &Downloads,
) -> std::sync::mpsc::Receiver<(
    DownloadItem,
    tokio::sync::broadcast::Receiver<DownloadEvent>,
)> {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    downloads.set_will_download_handler(Some(move |item: DownloadItem| {
        let events = item.subscribe();
        tx.lock().expect("tx").send((item, events)).expect("send");
        async { session_downloads::WillDownloadDecision::Continue }
    }));
    rx
}

pub(crate) fn pattern(seed: u64, len: u64) -> Vec<u8> {
    session_test_support::pattern_bytes(seed, 0, len as usize)
}

/// A small deterministic generator (xorshift) for offsets; the seed is printed on failure.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
