//! `Downloads`: the download manager of one session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, Weak};

use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::fetch::Fetcher;
use crate::item::{DownloadItem, ItemInner};
use crate::journal::Journal;
use crate::state::{DownloadRecord, DownloadState, InterruptReason};

/// What the `will-download` handler decides, before any byte is written.
///
/// Example: see [`Fetcher`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WillDownloadDecision {
    /// Go on: to the path set with [`DownloadItem::set_save_path`] if any, else a unique name in
    /// the session's download directory.
    Continue,
    /// Save to this absolute path.
    SaveTo(PathBuf),
    /// Cancel the download (Electron's `event.preventDefault()`); it ends `cancelled`.
    Cancel,
}

/// The async `will-download` handler: sees the item (URL, file name, MIME type, size known)
/// and decides; the download waits for it.
///
/// Example: see [`Fetcher`].
pub type WillDownloadHandler =
    Arc<dyn Fn(DownloadItem) -> BoxFuture<'static, WillDownloadDecision> + Send + Sync>;

/// Options of [`Downloads::download_url`].
///
/// Example: see [`Fetcher`].
#[derive(Debug, Clone, Default)]
pub struct DownloadOptions {
    /// Extra request headers (also sent on resume).
    pub headers: Vec<(String, String)>,
}

/// Options of [`Downloads::create_interrupted_download`] (Electron's names).
///
/// Example: see [`Downloads::create_interrupted_download`].
#[derive(Debug, Clone, Default)]
pub struct InterruptedDownloadOptions {
    /// Absolute path of the download.
    pub path: PathBuf,
    /// Complete URL chain of the download; the last one is requested on resume.
    pub url_chain: Vec<String>,
    /// MIME type.
    pub mime_type: Option<String>,
    /// Bytes already received.
    pub offset: u64,
    /// Total length, 0 when unknown.
    pub length: u64,
    /// `Last-Modified` validator.
    pub last_modified: Option<String>,
    /// `ETag` validator.
    pub etag: Option<String>,
    /// Seconds since the Unix epoch when the download started (default now).
    pub start_time: Option<f64>,
}

/// How a [`Downloads`] is set up.
#[non_exhaustive]
pub struct DownloadsConfig {
    /// The request pipeline downloads go through.
    pub fetcher: Arc<dyn Fetcher>,
    /// The journal (open one under a persistent partition, [`Journal::in_memory`] otherwise).
    pub journal: Journal,
    /// The default download directory.
    pub download_dir: PathBuf,
    /// Fsync a finished file (and its directory) around the rename into place, so a power
    /// loss never leaves a partial file at the final path (default `true`). Off, completion is
    /// about a third faster on a fast link and only a process crash is covered.
    pub sync_on_complete: bool,
    /// How many times a transient failure (network errors, a truncated body, 5xx, transient
    /// file errors) is retried within one run, continuing with a range request, before the item
    /// ends `interrupted` (default 0: report at once and let the application decide).
    pub retries: u32,
}

impl DownloadsConfig {
    /// A configuration with `sync_on_complete` on.
    ///
    /// Example: see [`Downloads`].
    pub fn new(
        fetcher: Arc<dyn Fetcher>,
        journal: Journal,
        download_dir: impl Into<PathBuf>,
    ) -> Self {
        DownloadsConfig {
            fetcher,
            journal,
            download_dir: download_dir.into(),
            sync_on_complete: true,
            retries: 0,
        }
    }

    /// Sets [`retries`](Self::retries).
    ///
    /// Example: see [`Downloads`].
    pub fn retries(mut self, attempts: u32) -> Self {
        self.retries = attempts;
        self
    }

    /// Sets [`sync_on_complete`](Self::sync_on_complete).
    ///
    /// Example: see [`Downloads`].
    pub fn sync_on_complete(mut self, on: bool) -> Self {
        self.sync_on_complete = on;
        self
    }
}

/// The downloads of one session: starts them, runs `will-download`, keeps the journal.
///
/// ```
/// use std::sync::Arc;
/// use session_downloads::{DownloadOptions, DownloadState, Downloads, DownloadsConfig, Journal, NetFetcher};
/// use session_net::{Body, Net, NetConfig, RequestBody};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let net = Net::new(NetConfig::default()).unwrap();
/// net.protocol().handle("app", |_: http::Request<RequestBody>| async move {
///     Ok(http::Response::builder()
///         .header("content-disposition", "attachment; filename=\"report.csv\"")
///         .body(Body::full("a,b\n1,2\n"))
///         .unwrap())
/// }).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let config = DownloadsConfig::new(Arc::new(NetFetcher::new(net)), Journal::in_memory(), dir.path());
/// let downloads = Downloads::new(config.sync_on_complete(false));
///
/// let item = downloads.download_url("app://files/export", DownloadOptions::default()).unwrap();
/// assert_eq!(item.done().await, DownloadState::Completed);
/// assert_eq!(item.filename(), "report.csv");
/// assert_eq!(item.received_bytes(), 8);
/// assert_eq!(std::fs::read_to_string(dir.path().join("report.csv")).unwrap(), "a,b\n1,2\n");
/// assert_eq!(downloads.downloads().len(), 1);
/// # }
/// ```
#[derive(Clone)]
pub struct Downloads {
    inner: Arc<ManagerInner>,
}

impl std::fmt::Debug for Downloads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloads")
            .field("download_dir", &self.download_path())
            .field("journal", &self.inner.journal.path())
            .finish_non_exhaustive()
    }
}

pub(crate) struct ManagerInner {
    pub(crate) journal: Journal,
    pub(crate) fetcher: Arc<dyn Fetcher>,
    pub(crate) sync_on_complete: bool,
    pub(crate) retries: std::sync::atomic::AtomicU32,
    download_dir: RwLock<PathBuf>,
    handler: RwLock<Option<WillDownloadHandler>>,
    /// Live items by id (weak: a finished item nobody holds is released).
    items: Mutex<HashMap<u64, Weak<ItemInner>>>,
    /// Held while choosing a unique name and creating its temporary file.
    pub(crate) naming: Mutex<()>,
}

impl ManagerInner {
    pub(crate) fn download_dir(&self) -> PathBuf {
        self.download_dir
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn handler(&self) -> Option<WillDownloadHandler> {
        self.handler
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Downloads {
    /// A manager over `config`. Items the journal lists are available through
    /// [`downloads`](Self::downloads).
    ///
    /// Example: see [`Downloads`].
    pub fn new(config: DownloadsConfig) -> Self {
        Downloads {
            inner: Arc::new(ManagerInner {
                journal: config.journal,
                fetcher: config.fetcher,
                sync_on_complete: config.sync_on_complete,
                retries: std::sync::atomic::AtomicU32::new(config.retries),
                download_dir: RwLock::new(config.download_dir),
                handler: RwLock::new(None),
                items: Mutex::new(HashMap::new()),
                naming: Mutex::new(()),
            }),
        }
    }

    /// Sets the default download directory (Electron's `setDownloadPath`); it is created when
    /// a download needs it. Must be absolute.
    ///
    /// Example: see [`Downloads`].
    pub fn set_download_path(&self, path: impl Into<PathBuf>) -> Result<()> {
        let path = path.into();
        if !path.is_absolute() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("download path must be absolute: {}", path.display()),
            ));
        }
        *self
            .inner
            .download_dir
            .write()
            .unwrap_or_else(|p| p.into_inner()) = path;
        Ok(())
    }

    /// Sets how many times a transient failure is retried within a run (see
    /// [`DownloadsConfig::retries`]); applies to runs that start afterwards.
    ///
    /// Example: see [`Downloads`].
    pub fn set_retries(&self, attempts: u32) {
        self.inner
            .retries
            .store(attempts, std::sync::atomic::Ordering::Relaxed);
    }

    /// The default download directory.
    ///
    /// Example: see [`Downloads`].
    pub fn download_path(&self) -> PathBuf {
        self.inner.download_dir()
    }

    /// Sets (or with `None` removes) the async `will-download` handler. Without one, every
    /// download goes to a unique name in the download directory.
    ///
    /// Example: see [`Downloads`].
    pub fn set_will_download_handler<F, Fut>(&self, handler: Option<F>)
    where
        F: Fn(DownloadItem) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = WillDownloadDecision> + Send + 'static,
    {
        let handler: Option<WillDownloadHandler> =
            handler.map(|f| Arc::new(move |item| Box::pin(f(item)) as BoxFuture<'static, _>) as _);
        *self
            .inner
            .handler
            .write()
            .unwrap_or_else(|p| p.into_inner()) = handler;
    }

    /// Starts downloading `url` (Electron's `downloadURL`) and returns its item at once; the
    /// request, `will-download` and the transfer run on the runtime. Every failure after this
    /// point ends the item `interrupted` with a reason, never silently.
    ///
    /// Errors (without creating an item) for a URL that does not parse or has a scheme no
    /// download can use (`ftp`, `ws`, `data`, `blob`, `about`, ...), a header that is not valid HTTP, or no
    /// running tokio runtime. A custom scheme is fetched through the session's protocol
    /// handlers (DL-07); with none, the item ends interrupted.
    ///
    /// Example: see [`Downloads`].
    pub fn download_url(&self, url: &str, options: DownloadOptions) -> Result<DownloadItem> {
        let parsed = Url::parse(url).map_err(|e| {
            Error::new(
                ErrorKind::InvalidUrl,
                format!("invalid download URL {url:?}: {e}"),
            )
        })?;
        if !downloadable_scheme(&parsed) {
            return Err(Error::new(
                ErrorKind::InvalidUrl,
                format!(
                    "unsupported scheme in download URL {url:?} (http, https, file or a custom scheme)"
                ),
            ));
        }
        validate_headers(&options.headers)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(
                ErrorKind::NoRuntime,
                format!("downloading {url} needs a tokio runtime"),
            )
        })?;
        let mut record =
            DownloadRecord::new(self.inner.journal.allocate_id(), vec![parsed.to_string()]);
        record.request_headers = options.headers;
        let item = self.register(record, true);
        runtime.spawn(crate::engine::run(
            self.inner.clone(),
            item.clone(),
            crate::engine::Start::New,
        ));
        Ok(item)
    }

    /// Creates an `interrupted` item from what an earlier session knew (Electron's
    /// `createInterruptedDownload`), runs `will-download` on it, journals it and returns it;
    /// [`DownloadItem::resume`] continues it with a range request. A partial file is looked for
    /// beside `path` (`path.part`), then at `path` itself.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use session_downloads::{
    ///     DownloadState, Downloads, DownloadsConfig, InterruptedDownloadOptions, Journal, NetFetcher,
    /// };
    /// use session_net::{Net, NetConfig};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dir = tempfile::tempdir().unwrap();
    /// let fetcher = Arc::new(NetFetcher::new(Net::new(NetConfig::default()).unwrap()));
    /// let downloads = Downloads::new(DownloadsConfig::new(fetcher, Journal::in_memory(), dir.path()));
    /// let path = dir.path().join("big.iso");
    /// std::fs::write(dir.path().join("big.iso.part"), vec![0u8; 1024]).unwrap(); // what arrived
    /// let item = downloads
    ///     .create_interrupted_download(InterruptedDownloadOptions {
    ///         path: path.clone(),
    ///         url_chain: vec!["https://a.test/big.iso".into()],
    ///         offset: 1024,
    ///         length: 4096,
    ///         etag: Some("\"v7\"".into()),
    ///         ..Default::default()
    ///     })
    ///     .await
    ///     .unwrap();
    /// assert_eq!(item.state(), DownloadState::Interrupted);
    /// assert_eq!((item.received_bytes(), item.total_bytes()), (1024, 4096));
    /// assert_eq!(item.etag(), "\"v7\"");
    /// assert_eq!(item.save_path(), Some(path));
    /// assert!(item.can_resume()); // `resume()` sends `Range: bytes=1024-` and `If-Range: "v7"`
    ///
    /// let relative = InterruptedDownloadOptions { path: "big.iso".into(), ..Default::default() };
    /// assert!(downloads.create_interrupted_download(relative).await.is_err());
    /// # }
    /// ```
    pub async fn create_interrupted_download(
        &self,
        options: InterruptedDownloadOptions,
    ) -> Result<DownloadItem> {
        if !options.path.is_absolute() || options.path.file_name().is_none() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "path must be an absolute file path: {}",
                    options.path.display()
                ),
            ));
        }
        if options.url_chain.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "url_chain must not be empty",
            ));
        }
        for url in &options.url_chain {
            let parsed = Url::parse(url).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidUrl,
                    format!("invalid URL {url:?} in url_chain: {e}"),
                )
            })?;
            if !downloadable_scheme(&parsed) {
                return Err(Error::new(
                    ErrorKind::InvalidUrl,
                    format!(
                        "unsupported scheme in url_chain URL {url:?} (http, https, file or a custom scheme)"
                    ),
                ));
            }
        }
        if options.length > 0 && options.offset > options.length {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "offset {} is past length {}",
                    options.offset, options.length
                ),
            ));
        }
        let mut record = DownloadRecord::new(self.inner.journal.allocate_id(), options.url_chain);
        record.state = DownloadState::Interrupted;
        // Chromium creates these items with this reason.
        record.interrupt_reason = Some(InterruptReason::NetworkTimeout);
        record.filename = options
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        record.save_path = Some(options.path.clone());
        record.mime_type = options.mime_type.unwrap_or_default();
        record.received_bytes = options.offset;
        record.total_bytes = options.length;
        record.last_modified_time = options.last_modified.unwrap_or_default();
        record.etag = options.etag.unwrap_or_default();
        if let Some(start) = options.start_time {
            record.start_time = start;
        }
        adopt_partial_file(&options.path, options.offset);
        let item = self.register(record, false);
        if let Some(handler) = self.inner.handler() {
            item.set_choosing_path(true);
            let decision = handler(item.clone()).await;
            item.set_choosing_path(false);
            match decision {
                WillDownloadDecision::Continue => {}
                WillDownloadDecision::SaveTo(path) => item.set_save_path(&path)?,
                WillDownloadDecision::Cancel => {
                    item.cancel();
                    return Ok(item);
                }
            }
        }
        item.persist(None);
        Ok(item)
    }

    /// Every download of the session: live items and those in the journal (after a restart,
    /// interrupted ones can be resumed from here), oldest first.
    ///
    /// Example: see [`Downloads`].
    pub fn downloads(&self) -> Vec<DownloadItem> {
        self.inner
            .journal
            .records()
            .into_iter()
            .map(|record| match self.live(record.id) {
                Some(item) => item,
                None => self.register(record, false),
            })
            .collect()
    }

    /// Stops every running download for an application that is about to exit
    /// ([`DownloadItem::interrupt_for_shutdown`]) and waits until each has synced its file and
    /// journaled its progress: a later start resumes them from the bytes on disk.
    ///
    /// Example: see [`Downloads`].
    pub async fn shutdown(&self) {
        let running: Vec<DownloadItem> = {
            let items = self.inner.items.lock().unwrap_or_else(|p| p.into_inner());
            items
                .values()
                .filter_map(Weak::upgrade)
                .map(|inner| DownloadItem { inner })
                .collect()
        };
        for item in &running {
            item.interrupt_for_shutdown();
        }
        for item in running {
            item.done().await;
        }
    }

    /// The item with `id`, live or from the journal.
    ///
    /// Example: see [`Downloads`].
    pub fn get(&self, id: u64) -> Option<DownloadItem> {
        self.live(id).or_else(|| {
            self.inner
                .journal
                .get(id)
                .map(|record| self.register(record, false))
        })
    }

    /// Forgets a finished item: removes it from the journal and deletes the partial file of an
    /// interrupted one (a completed file is the user's and stays). Errors for a running item.
    ///
    /// Example: see [`Downloads`].
    pub fn remove(&self, id: u64) -> Result<()> {
        if let Some(item) = self.get(id) {
            if !item.state().is_terminal() || item.inner_running() {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    format!("download {id} is still running"),
                ));
            }
            if item.state() == DownloadState::Interrupted
                && let Some(temp) = item.record().temp_path()
            {
                crate::part::discard(&temp)
                    .map_err(|e| Error::io("cannot delete partial download", &temp, e))?;
            }
        }
        self.inner.journal.remove(id)
    }

    fn live(&self, id: u64) -> Option<DownloadItem> {
        let items = self.inner.items.lock().unwrap_or_else(|p| p.into_inner());
        items
            .get(&id)
            .and_then(Weak::upgrade)
            .map(|inner| DownloadItem { inner })
    }

    fn register(&self, record: DownloadRecord, running: bool) -> DownloadItem {
        let id = record.id;
        let item = DownloadItem::new(record, running, Arc::downgrade(&self.inner));
        let mut items = self.inner.items.lock().unwrap_or_else(|p| p.into_inner());
        items.retain(|_, weak| weak.strong_count() > 0);
        items.insert(id, Arc::downgrade(&item.inner));
        item
    }
}

/// Checks `headers` are valid HTTP, naming the first bad one.
pub(crate) fn validate_headers(headers: &[(String, String)]) -> Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidHeader,
                format!("invalid header name {name:?}"),
            )
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::new(
                ErrorKind::InvalidHeader,
                format!("invalid value for header {name:?}"),
            )
        })?;
        map.append(header, value);
    }
    Ok(map)
}

/// A partial file written straight to `path` (as Electron does) becomes our `path.part`.
fn adopt_partial_file(path: &Path, offset: u64) {
    let temp = crate::filename::temp_path_for(path);
    if offset == 0 || temp.exists() {
        return;
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() >= offset)
        && let Err(e) = std::fs::rename(path, &temp)
    {
        tracing::warn!(path = %path.display(), "cannot adopt partial download: {e}");
    }
}

/// Whether a download may be started for `url`: `http`, `https`, `file`, or a custom scheme
/// (served by the session's protocol handlers); not the schemes Chromium does not download
/// from (`ftp`, `ws`, `wss`, `data`, `blob`, `about`, `javascript`) nor URLs without a path.
fn downloadable_scheme(url: &Url) -> bool {
    !url.cannot_be_a_base()
        && !matches!(
            url.scheme(),
            "ftp" | "ws" | "wss" | "data" | "blob" | "about" | "javascript"
        )
}
