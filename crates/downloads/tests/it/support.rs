//! The test environment: the loopback site, a temporary directory, and a `Fetcher` over a
//! plain hyper client (real HTTP/1.1 on loopback sockets).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use http_body_util::{BodyDataStream, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use session_downloads::journal::{FILE_NAME, Journal};
use session_downloads::{
    DownloadEvent, DownloadItem, Downloads, DownloadsConfig, FetchError, FetchRequest,
    FetchResponse, Fetcher, InterruptReason,
};
use session_test_support::TestSite;

/// HTTP/1.1 over loopback, following redirects.
pub(crate) struct HyperFetcher {
    client: Client<HttpConnector, Empty<Bytes>>,
}

impl HyperFetcher {
    pub(crate) fn new() -> Self {
        HyperFetcher {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

impl Fetcher for HyperFetcher {
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> BoxFuture<'static, Result<FetchResponse, FetchError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let mut url = request.url;
            let mut chain = vec![url.clone()];
            loop {
                let mut req = http::Request::get(url.as_str())
                    .body(Empty::new())
                    .map_err(|e| FetchError {
                        reason: InterruptReason::NetworkInvalidRequest,
                        message: e.to_string(),
                    })?;
                *req.headers_mut() = request.headers.clone();
                let resp = client.request(req).await.map_err(|e| FetchError {
                    reason: if e.is_connect() {
                        InterruptReason::NetworkServerDown
                    } else {
                        InterruptReason::NetworkDisconnected
                    },
                    message: e.to_string(),
                })?;
                if resp.status().is_redirection()
                    && let Some(location) = resp.headers().get(http::header::LOCATION)
                    && chain.len() < 20
                {
                    url = url
                        .join(location.to_str().unwrap_or(""))
                        .expect("redirect target");
                    chain.push(url.clone());
                    continue;
                }
                let (parts, body) = resp.into_parts();
                let body = BodyDataStream::new(body).map(|chunk| {
                    chunk.map_err(|e| FetchError {
                        reason: InterruptReason::NetworkDisconnected,
                        message: e.to_string(),
                    })
                });
                return Ok(FetchResponse {
                    status: parts.status.as_u16(),
                    headers: parts.headers,
                    url_chain: chain,
                    body: Box::pin(body),
                });
            }
        })
    }
}

pub(crate) struct Env {
    pub(crate) site: TestSite,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) downloads: Downloads,
}

impl Env {
    pub(crate) fn new() -> Self {
        let site = TestSite::start();
        let dir = tempfile::tempdir().expect("tempdir");
        let downloads = manager(dir.path());
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
        manager(self.dir.path())
    }
}

pub(crate) fn manager(root: &Path) -> Downloads {
    Downloads::new(DownloadsConfig {
        fetcher: Arc::new(HyperFetcher::new()),
        journal: Journal::open(root.join(FILE_NAME)).expect("journal"),
        download_dir: root.join("Downloads"),
    })
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
