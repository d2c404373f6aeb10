//! The net log: every stage of a request written to a file in Chrome's NetLog JSON format
//! (`netLog.startLogging`), loadable by Chrome's netlog viewer.
//!
//! The file is written as the events happen: `{"constants": {...},\n"events": [\n` at start,
//! then one event per line followed by `,\n`. [`NetLog::stop_logging`] rewinds the last `,\n`
//! and writes `]}` so the file is valid JSON; a crash leaves an unterminated file (as Chrome's).
//!
//! When no log runs, every event site costs one atomic load (`NetLog::is_active`).
//!
//! Events (names are Chrome's; their numbers are ours, listed in `constants.logEventTypes`):
//! `REQUEST_ALIVE` and `URL_REQUEST_START_JOB` around a fetch, `URL_REQUEST_REDIRECTED` per
//! redirect, `HTTP_TRANSACTION_SEND_REQUEST_HEADERS` / `HTTP_TRANSACTION_READ_RESPONSE_HEADERS`
//! per hop answered by the network, `URL_REQUEST_FAKE_RESPONSE_HEADERS_CREATED` for a hop a
//! stage answered (a cache hit), `FAILED` with Chromium's `net_error`; on each socket
//! `SOCKET_ALIVE`, `HOST_RESOLVER_MANAGER_REQUEST`, `TCP_CONNECT`, `SSL_CONNECT` and
//! `SOCKET_BYTES_SENT`/`_RECEIVED` (`SSL_SOCKET_BYTES_*` for the plaintext of TLS sockets, with
//! `params.bytes` in base64 in [`CaptureMode::Everything`]); a request names its socket with
//! `SOCKET_POOL_BOUND_TO_SOCKET`.
//!
//! Capture modes: [`CaptureMode::Default`] replaces `Cookie`, `Set-Cookie`, `Authorization`
//! and `Proxy-Authorization` values by `[N bytes were stripped]`; `IncludeSensitive` keeps
//! them; `Everything` adds the bytes.
//!
//! `max_file_size`: a simpler bounded mode than Chromium's (which keeps the newest events in an
//! `.inprogress` directory): events that would take the file past the size are dropped (the
//! oldest are kept), and the file is still finished and valid at stop.

mod constants;
mod har;
mod socket;

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::error::{Error, NetError, Result};

pub use har::har_from_net_log;
pub(crate) use socket::Logged;

/// What a log captures (`captureMode`).
///
/// Example: see [`NetLog`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureMode {
    /// Metadata only: cookies and credentials stripped, no bytes.
    #[default]
    Default,
    /// Cookies and authentication headers included.
    IncludeSensitive,
    /// Everything, with the bytes of every socket read and write.
    Everything,
}

impl CaptureMode {
    /// Electron's spelling.
    ///
    /// Example: see [`NetLog`].
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureMode::Default => "default",
            CaptureMode::IncludeSensitive => "includeSensitive",
            CaptureMode::Everything => "everything",
        }
    }

    fn sensitive(self) -> bool {
        self != CaptureMode::Default
    }
}

impl FromStr for CaptureMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "default" => Ok(CaptureMode::Default),
            "includeSensitive" => Ok(CaptureMode::IncludeSensitive),
            "everything" => Ok(CaptureMode::Everything),
            _ => Err(Error::new(
                NetError::InvalidArgument,
                format!("Invalid value for captureMode: '{s}'"),
            )),
        }
    }
}

/// An event a stage outside this crate adds to the log of a request ([`NetLog::note`]).
///
/// A stage that cancels requests to one host, as an extension's rule does, and says so in the
/// net log:
///
/// ```
/// use std::sync::Arc;
///
/// use session_net::netlog::Note;
/// use session_net::stages::{BoxFuture, Flow, RequestContext, Slot, Stage};
/// use session_net::{Error, Net, NetConfig, NetError, NetLog, NetLogOptions, Result, new_request};
///
/// struct BlockAds(NetLog);
///
/// impl Stage for BlockAds {
///     fn slot(&self) -> Slot {
///         Slot::BeforeRequest
///     }
///
///     fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
///         let blocked = ctx.url.host_str() == Some("ads.test");
///         if blocked {
///             self.0.note(Note::ExtensionAbortedRequest, || serde_json::json!({"extension_id": "blocker"}));
///         }
///         Box::pin(std::future::ready(if blocked {
///             Err(Error::new(NetError::BlockedByClient, "blocked by rule 1"))
///         } else {
///             Ok(Flow::Continue)
///         }))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let net = Net::new(NetConfig::default())?;
/// net.insert_stage(Arc::new(BlockAds(net.net_log())));
/// net.net_log().start_logging(dir.path().join("net.json"), NetLogOptions::new())?;
/// let e = net.fetch(new_request(http::Method::GET, "https://ads.test/banner.js", ())?).await.unwrap_err();
/// assert_eq!(e.kind(), NetError::BlockedByClient);
///
/// let path = net.net_log().stop_logging()?;
/// let log: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
/// let aborted = &log["constants"]["logEventTypes"]["CHROME_EXTENSION_ABORTED_REQUEST"];
/// let event = log["events"].as_array().unwrap().iter().find(|e| &e["type"] == aborted).unwrap();
/// assert_eq!(event["params"]["extension_id"], "blocker");
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Note {
    /// An extension cancelled the request (Chrome's `CHROME_EXTENSION_ABORTED_REQUEST`).
    ExtensionAbortedRequest,
    /// An extension redirected the request (`CHROME_EXTENSION_REDIRECTED_REQUEST`).
    ExtensionRedirectedRequest,
    /// An extension changed the request's or the response's headers
    /// (`CHROME_EXTENSION_MODIFIED_HEADERS`).
    ExtensionModifiedHeaders,
    /// A response's `Clear-Site-Data` cleared its origin's data (`CLEAR_SITE_DATA`; Chrome
    /// has no net log event for it, this library adds one).
    ClearSiteData,
}

/// Options of [`NetLog::start_logging`].
///
/// Example: see [`NetLog`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetLogOptions {
    /// What is captured.
    pub capture_mode: CaptureMode,
    /// The file grows to at most about this many bytes (the constants always fit); `None`:
    /// unlimited.
    pub max_file_size: Option<u64>,
}

impl NetLogOptions {
    /// Default capture, unlimited size.
    ///
    /// Example: see [`NetLog`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the capture mode.
    ///
    /// Example: see [`NetLog`].
    pub fn capture_mode(mut self, mode: CaptureMode) -> Self {
        self.capture_mode = mode;
        self
    }

    /// Sets the size limit.
    ///
    /// Example: see [`NetLog`].
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = Some(bytes);
        self
    }
}

/// A NetLog source type (`constants.logSourceType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceType {
    UrlRequest = 1,
    Socket = 2,
}

/// Where a hop's response head came from, which names its event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadFrom {
    /// A server (`HTTP_TRANSACTION_READ_RESPONSE_HEADERS`).
    Network,
    /// A server answering a WebSocket handshake (`WEBSOCKET_READ_RESPONSE_HEADERS`).
    WebSocket,
    /// A stage or a protocol handler (`URL_REQUEST_FAKE_RESPONSE_HEADERS_CREATED`).
    Stage,
}

/// A NetLog event phase (`constants.logEventPhase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    None = 0,
    Begin = 1,
    End = 2,
}

pub(crate) use constants::EventType;

/// The thing events are about: one request, one socket.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Source {
    pub(crate) id: u32,
    ty: SourceType,
    start: u64,
}

/// Milliseconds on our monotonic clock, and the Unix time of its zero.
fn clock() -> &'static (Instant, u64) {
    static BASE: OnceLock<(Instant, u64)> = OnceLock::new();
    BASE.get_or_init(|| {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        (Instant::now(), unix)
    })
}

fn ticks() -> u64 {
    clock().0.elapsed().as_millis() as u64
}

struct FileLog {
    file: File,
    path: PathBuf,
    mode: CaptureMode,
    /// Bytes in the file.
    len: u64,
    /// Whether at least one event (and so a trailing `,\n`) was written.
    any_event: bool,
    max: Option<u64>,
}

impl FileLog {
    /// Rewinds the last `,\n` and closes the array and the object.
    fn finish(&mut self) -> std::io::Result<()> {
        if self.any_event {
            self.file.set_len(self.len - 2)?;
            self.file.seek(SeekFrom::Start(self.len - 2))?;
            self.file.write_all(b"\n")?;
        }
        self.file.write_all(b"]}\n")?;
        self.file.sync_data()
    }
}

/// `]}\n` plus the rewound separator: what `stop` adds.
const FOOTER: u64 = 4;

#[derive(Default)]
struct Shared {
    active: AtomicBool,
    next_id: AtomicU32,
    file: Mutex<Option<FileLog>>,
}

impl Drop for Shared {
    /// A log still running when its session goes away is finished (Electron finishes it at
    /// quit).
    fn drop(&mut self) {
        let file = self.file.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(mut log) = file.take()
            && let Err(e) = log.finish()
        {
            tracing::warn!("cannot finish net log '{}': {e}", log.path.display());
        }
    }
}

/// One session's net log (`netLog`). A handle: clones share the log. `Send + Sync`.
///
/// ```
/// use session_net::{Body, CaptureMode, Net, NetConfig, NetLogOptions, RequestBody, new_request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), session_net::Error> {
/// let dir = tempfile::tempdir().unwrap();
/// let net = Net::new(NetConfig::default())?;
/// net.protocol().handle("app", |_: http::Request<RequestBody>| async move {
///     Ok(http::Response::new(Body::full("ok")))
/// })?;
/// let log = net.net_log();
/// log.start_logging(dir.path().join("net.json"), NetLogOptions::new().capture_mode(CaptureMode::Default))?;
/// assert!(log.currently_logging());
/// net.fetch(new_request(http::Method::GET, "app://ui/", ())?).await?.text().await?;
///
/// let path = log.stop_logging()?;
/// assert!(!log.currently_logging());
/// let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
/// assert!(!json["events"].as_array().unwrap().is_empty());
/// assert!(json["constants"]["logEventTypes"].is_object());
/// // The same requests as a HAR 1.2 document.
/// let har = session_net::netlog::har_from_net_log(&json, None)?;
/// assert_eq!(har["log"]["version"], "1.2");
///
/// // Electron's options: a size cap and the capture mode's names.
/// let options = NetLogOptions::new().max_file_size(1 << 20).capture_mode(CaptureMode::IncludeSensitive);
/// assert_eq!((options.max_file_size, options.capture_mode.as_str()), (Some(1 << 20), "includeSensitive"));
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct NetLog {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for NetLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetLog")
            .field("currently_logging", &self.currently_logging())
            .finish()
    }
}

tokio::task_local! {
    /// The request a transport call works for, so sockets can name it.
    static REQUEST: Source;
}

impl NetLog {
    /// `netLog.startLogging(path, options)`: opens `path` (created or truncated) and starts
    /// writing. Errors: an empty path, "There is already a net log running", or the file
    /// error naming the path.
    ///
    /// Example: see [`NetLog`].
    pub fn start_logging(&self, path: impl AsRef<Path>, options: NetLogOptions) -> Result<()> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(Error::new(
                NetError::InvalidArgument,
                "The first parameter must be a non-empty path",
            ));
        }
        let mut guard = self.lock();
        if guard.is_some() {
            return Err(Error::new(
                NetError::InvalidArgument,
                "There is already a net log running",
            ));
        }
        let mut file = File::create(path).map_err(|e| {
            Error::new(
                NetError::AccessDenied,
                format!("cannot open net log file '{}': {e}", path.display()),
            )
        })?;
        let (_, unix_zero) = *clock();
        let head = format!(
            "{{\"constants\":{},\n\"events\": [\n",
            constants::constants(unix_zero)
        );
        file.write_all(head.as_bytes()).map_err(|e| {
            Error::new(
                NetError::Failed,
                format!("cannot write net log file '{}': {e}", path.display()),
            )
        })?;
        *guard = Some(FileLog {
            file,
            path: path.to_path_buf(),
            mode: options.capture_mode,
            len: head.len() as u64,
            any_event: false,
            max: options.max_file_size,
        });
        self.shared.active.store(true, Ordering::Release);
        Ok(())
    }

    /// `netLog.stopLogging()`: finishes the file (valid JSON) and returns its path. Rejects
    /// with "No net log in progress" when none runs.
    ///
    /// Example: see [`NetLog`].
    pub fn stop_logging(&self) -> Result<PathBuf> {
        let mut guard = self.lock();
        let Some(mut log) = guard.take() else {
            return Err(Error::new(NetError::Failed, "No net log in progress"));
        };
        self.shared.active.store(false, Ordering::Release);
        drop(guard);
        log.finish().map_err(|e| {
            Error::new(
                NetError::Failed,
                format!("cannot finish net log file '{}': {e}", log.path.display()),
            )
        })?;
        Ok(log.path)
    }

    /// `netLog.currentlyLogging`.
    ///
    /// Example: see [`NetLog`].
    pub fn currently_logging(&self) -> bool {
        self.is_active()
    }

    /// Whether events are wanted: the one check an event site pays when no log runs.
    #[inline]
    pub(crate) fn is_active(&self) -> bool {
        self.shared.active.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<FileLog>> {
        self.shared.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new source, when logging.
    pub(crate) fn source(&self, ty: SourceType) -> Option<Source> {
        if !self.is_active() {
            return None;
        }
        Some(Source {
            id: self.shared.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            ty,
            start: ticks(),
        })
    }

    /// Writes one event; `params` is only called when a log runs, with its capture mode.
    pub(crate) fn add(
        &self,
        source: &Source,
        ty: EventType,
        phase: Phase,
        params: impl FnOnce(CaptureMode) -> Option<Value>,
    ) {
        if !self.is_active() {
            return;
        }
        let mode = match &*self.lock() {
            Some(log) => log.mode,
            None => return,
        };
        let params = params(mode);
        let mut line = String::with_capacity(128);
        line.push('{');
        if let Some(p) = params {
            line.push_str("\"params\":");
            line.push_str(&p.to_string());
            line.push(',');
        }
        line.push_str(&format!(
            "\"phase\":{},\"source\":{{\"id\":{},\"start_time\":\"{}\",\"type\":{}}},\"time\":\"{}\",\"type\":{}}},\n",
            phase as u8,
            source.id,
            source.start,
            source.ty as u8,
            ticks(),
            ty as u32
        ));
        let mut guard = self.lock();
        let Some(log) = guard.as_mut() else { return };
        let n = line.len() as u64;
        if log.max.is_some_and(|max| log.len + n + FOOTER > max) {
            return;
        }
        match log.file.write_all(line.as_bytes()) {
            Ok(()) => {
                log.len += n;
                log.any_event = true;
            }
            Err(e) => tracing::warn!("net log '{}': {e}", log.path.display()),
        }
    }

    /// Runs `fut` as the work of request `source` (sockets it opens or reuses name it).
    pub(crate) async fn scope<F: std::future::Future>(source: Option<Source>, fut: F) -> F::Output {
        match source {
            Some(s) => REQUEST.scope(s, fut).await,
            None => fut.await,
        }
    }

    /// The request the current task works for.
    pub(crate) fn current_request() -> Option<Source> {
        REQUEST.try_with(|s| *s).ok()
    }

    /// Logs that the current request uses socket `socket` (a source id; 0: not logged).
    pub(crate) fn bound_to_socket(&self, socket: u32) {
        if socket == 0 || !self.is_active() {
            return;
        }
        if let Some(req) = Self::current_request() {
            self.add(&req, EventType::SocketPoolBoundToSocket, Phase::None, |_| {
                Some(json!({"source_dependency": {"id": socket, "type": SourceType::Socket as u8}}))
            });
        }
    }

    /// Adds `note` to the log of the request the current task works for: a stage's
    /// `on_request` / `on_response` calls it (the DNR stage of extensions, `Clear-Site-Data`).
    /// Nothing happens when no log runs or outside a request; `params` is only called when
    /// the event is written.
    ///
    /// Example: see [`Note`].
    pub fn note(&self, note: Note, params: impl FnOnce() -> Value) {
        if !self.is_active() {
            return;
        }
        let Some(src) = Self::current_request() else {
            return;
        };
        let ty = match note {
            Note::ExtensionAbortedRequest => EventType::ChromeExtensionAbortedRequest,
            Note::ExtensionRedirectedRequest => EventType::ChromeExtensionRedirectedRequest,
            Note::ExtensionModifiedHeaders => EventType::ChromeExtensionModifiedHeaders,
            Note::ClearSiteData => EventType::ClearSiteData,
        };
        self.add(&src, ty, Phase::None, |_| Some(params()));
    }

    /// Logs a webRequest answer ignored because an earlier listener of the chain decided
    /// otherwise (Chromium's event for conflicting extension answers).
    pub(crate) fn web_request_conflict(&self, event: &str, conflict: &str) {
        if !self.is_active() {
            return;
        }
        if let Some(src) = Self::current_request() {
            self.add(
                &src,
                EventType::ChromeExtensionIgnoredDueToConflict,
                Phase::None,
                |_| Some(json!({ "event": event, "conflict": conflict })),
            );
        }
    }

    /// Logs the request line and headers the current request sends.
    pub(crate) fn request_headers<B>(
        &self,
        req: &http::Request<B>,
        url: &url::Url,
        header_case: &[String],
    ) {
        if !self.is_active() {
            return;
        }
        let Some(src) = Self::current_request() else {
            return;
        };
        // A WebSocket handshake's headers go under Chrome's WebSocket event names.
        let ty = match url.scheme() {
            "ws" | "wss" => EventType::WebsocketSendRequestHeaders,
            _ => EventType::HttpTransactionSendRequestHeaders,
        };
        self.add(&src, ty, Phase::None, |mode| {
            let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
            let mut lines = Vec::with_capacity(req.headers().len() + 1);
            if req.version() != http::Version::HTTP_2
                && let Some(host) = url.host_str()
            {
                let host = match url.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host.to_string(),
                };
                if !req.headers().contains_key(http::header::HOST) {
                    lines.push(format!("Host: {host}"));
                }
            }
            let h1 = req.version() != http::Version::HTTP_2;
            for (name, value) in req.headers() {
                // HTTP/1.1 names go out as the caller spelled them, else in Title-Case.
                let name = if h1 {
                    header_case
                        .iter()
                        .find(|s| s.eq_ignore_ascii_case(name.as_str()))
                        .cloned()
                        .unwrap_or_else(|| title_case(name.as_str()))
                } else {
                    name.as_str().to_string()
                };
                lines.push(header_line(&name, value.as_bytes(), mode));
            }
            Some(json!({
                "line": format!("{} {target} HTTP/1.1\r\n", req.method()),
                "headers": lines,
            }))
        });
    }
}

impl NetLog {
    /// A new socket source with `SOCKET_ALIVE` and the start of its host resolution.
    pub(crate) fn socket_source(&self, host: &str, port: u16) -> Option<Source> {
        let src = self.source(SourceType::Socket)?;
        self.add(&src, EventType::SocketAlive, Phase::Begin, |_| None);
        self.add(
            &src,
            EventType::HostResolverManagerRequest,
            Phase::Begin,
            |_| Some(json!({"host": format!("{host}:{port}")})),
        );
        Some(src)
    }

    /// The end of a socket's host resolution.
    pub(crate) fn resolved(
        &self,
        src: Option<&Source>,
        result: Result<&[std::net::IpAddr], &Error>,
    ) {
        let Some(src) = src else { return };
        self.add(
            src,
            EventType::HostResolverManagerRequest,
            Phase::End,
            |_| match result {
                Ok(addrs) => Some(json!({
                    "results": {"ip_endpoints": addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>()}
                })),
                Err(e) => error_params(e),
            },
        );
    }

    /// The start of a connect step (`TCP_CONNECT`, `SSL_CONNECT`).
    pub(crate) fn step_begin(&self, src: Option<&Source>, ty: EventType, params: Option<Value>) {
        if let Some(src) = src {
            self.add(src, ty, Phase::Begin, |_| params);
        }
    }

    /// The end of a connect step: `params` on success, the net error otherwise.
    pub(crate) fn step_end<T>(
        &self,
        src: Option<&Source>,
        ty: EventType,
        result: &Result<T>,
        params: impl FnOnce(&T) -> Option<Value>,
    ) {
        if let Some(src) = src {
            self.add(src, ty, Phase::End, |_| match result {
                Ok(v) => params(v),
                Err(e) => error_params(e),
            });
        }
    }
}

/// The request side of a fetch in the log: `REQUEST_ALIVE` begins with it and ends when the
/// response head arrived, the fetch failed (`FAILED` first), or its future was dropped
/// (`ERR_ABORTED`).
pub(crate) struct RequestLog<'a> {
    log: &'a NetLog,
    pub(crate) source: Source,
    done: bool,
}

impl<'a> RequestLog<'a> {
    pub(crate) fn begin(log: &'a NetLog, url: &url::Url, method: &http::Method) -> Option<Self> {
        let source = log.source(SourceType::UrlRequest)?;
        log.add(&source, EventType::RequestAlive, Phase::Begin, |_| {
            Some(json!({"url": url.as_str(), "method": method.as_str()}))
        });
        Some(RequestLog {
            log,
            source,
            done: false,
        })
    }

    pub(crate) fn end<T>(mut self, result: &Result<T>) {
        self.done = true;
        if let Err(e) = result {
            self.log
                .add(&self.source, EventType::Failed, Phase::None, |_| {
                    error_params(e)
                });
        }
        self.log.add(
            &self.source,
            EventType::RequestAlive,
            Phase::End,
            |_| match result {
                Ok(_) => None,
                Err(e) => error_params(e),
            },
        );
    }
}

impl Drop for RequestLog<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.log
                .add(&self.source, EventType::RequestAlive, Phase::End, |_| {
                    Some(json!({"net_error": NetError::Aborted.code()}))
                });
        }
    }
}

impl NetLog {
    /// A hop starts (`URL_REQUEST_START_JOB` begin).
    pub(crate) fn hop_begin(&self, src: Option<&Source>, url: &url::Url, method: &http::Method) {
        if let Some(src) = src {
            self.add(src, EventType::UrlRequestStartJob, Phase::Begin, |_| {
                Some(json!({"url": url.as_str(), "method": method.as_str(), "load_flags": 0, "priority": "MEDIUM"}))
            });
        }
    }

    /// A hop has its response head: the headers (`network`: read from the server, else made by
    /// a stage), then the end of `URL_REQUEST_START_JOB`.
    pub(crate) fn hop_response(
        &self,
        src: Option<&Source>,
        status_line: (http::Version, http::StatusCode, &str),
        headers: &[(String, String)],
        from: HeadFrom,
    ) {
        let Some(src) = src else { return };
        let ty = match from {
            HeadFrom::Network => EventType::HttpTransactionReadResponseHeaders,
            HeadFrom::WebSocket => EventType::WebsocketReadResponseHeaders,
            HeadFrom::Stage => EventType::UrlRequestFakeResponseHeadersCreated,
        };
        let (version, status, status_text) = status_line;
        self.add(src, ty, Phase::None, |mode| {
            let mut lines = vec![
                format!("{version:?} {} {status_text}", status.as_u16())
                    .trim_end()
                    .to_string(),
            ];
            for (name, value) in headers {
                lines.push(header_line(name, value.as_bytes(), mode));
            }
            Some(json!({ "headers": lines }))
        });
        self.add(src, EventType::UrlRequestStartJob, Phase::End, |_| None);
    }

    /// A hop failed before its response head.
    pub(crate) fn hop_failed(&self, src: Option<&Source>, error: &Error) {
        if let Some(src) = src {
            self.add(src, EventType::UrlRequestStartJob, Phase::End, |_| {
                error_params(error)
            });
        }
    }

    /// A redirect is followed to `location`.
    pub(crate) fn redirected(&self, src: Option<&Source>, location: &url::Url) {
        if let Some(src) = src {
            self.add(src, EventType::UrlRequestRedirected, Phase::None, |_| {
                Some(json!({ "location": location.as_str() }))
            });
        }
    }
}

/// `Name: value`, with the value of a sensitive header stripped unless `mode` allows it.
pub(crate) fn header_line(name: &str, value: &[u8], mode: CaptureMode) -> String {
    let sensitive = [
        "cookie",
        "set-cookie",
        "set-cookie2",
        "authorization",
        "proxy-authorization",
    ]
    .iter()
    .any(|s| name.eq_ignore_ascii_case(s));
    if sensitive && !mode.sensitive() {
        format!("{name}: [{} bytes were stripped]", value.len())
    } else {
        format!("{name}: {}", String::from_utf8_lossy(value))
    }
}

/// `content-type` → `Content-Type`, as hyper writes HTTP/1.1 header names.
fn title_case(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper { c.to_ascii_uppercase() } else { c };
            upper = c == '-';
            out
        })
        .collect()
}

/// `params` of a bytes event.
pub(crate) fn bytes_params(data: &[u8], mode: CaptureMode) -> Option<Value> {
    if mode == CaptureMode::Everything {
        Some(json!({
            "byte_count": data.len(),
            "bytes": base64::engine::general_purpose::STANDARD.encode(data),
        }))
    } else {
        Some(json!({ "byte_count": data.len() }))
    }
}

/// `params` with a net error.
pub(crate) fn error_params(e: &Error) -> Option<Value> {
    Some(json!({ "net_error": e.kind().code() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_modes_parse_like_electron() {
        // NETLOG-04
        assert_eq!(
            "includeSensitive".parse::<CaptureMode>().expect("mode"),
            CaptureMode::IncludeSensitive
        );
        let e = "aoeu".parse::<CaptureMode>().expect_err("bad mode");
        assert!(e.detail().starts_with("Invalid value for captureMode"));
    }

    #[test]
    fn sensitive_headers_are_stripped_by_default() {
        assert_eq!(
            header_line("Cookie", b"a=b", CaptureMode::Default),
            "Cookie: [3 bytes were stripped]"
        );
        assert_eq!(
            header_line("cookie", b"a=b", CaptureMode::IncludeSensitive),
            "cookie: a=b"
        );
        assert_eq!(
            header_line("Accept", b"*/*", CaptureMode::Default),
            "Accept: */*"
        );
        assert_eq!(title_case("x-forwarded-for"), "X-Forwarded-For");
    }

    #[test]
    fn a_stopped_log_is_valid_json_and_a_running_one_is_unterminated() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("log.json");
        let log = NetLog::default();
        assert!(!log.currently_logging());
        log.start_logging(&path, NetLogOptions::new())
            .expect("start");
        let src = log.source(SourceType::UrlRequest).expect("source");
        log.add(&src, EventType::RequestAlive, Phase::Begin, |_| None);
        let partial = std::fs::read_to_string(&path).expect("read");
        assert!(serde_json::from_str::<Value>(&partial).is_err());
        assert!(partial.ends_with("},\n"));
        log.add(&src, EventType::RequestAlive, Phase::End, |_| None);
        assert_eq!(log.stop_logging().expect("stop"), path);
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let events = v["events"].as_array().expect("events");
        assert_eq!(events.len(), 2);
        assert_eq!(events[1]["phase"], 2);
        assert!(events[0]["time"].is_string());
        assert_eq!(
            v["constants"]["logEventTypes"]["REQUEST_ALIVE"],
            events[0]["type"]
        );
    }

    #[test]
    fn max_file_size_drops_events_and_keeps_the_file_valid() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("log.json");
        let log = NetLog::default();
        log.start_logging(&path, NetLogOptions::new())
            .expect("start");
        let head = std::fs::metadata(&path).expect("meta").len();
        log.stop_logging().expect("stop");
        let max = head + 400;
        log.start_logging(&path, NetLogOptions::new().max_file_size(max))
            .expect("start");
        let src = log.source(SourceType::Socket).expect("source");
        for _ in 0..100 {
            log.add(&src, EventType::SocketAlive, Phase::None, |_| None);
        }
        log.stop_logging().expect("stop");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.len() as u64 <= max);
        let v: Value = serde_json::from_str(&text).expect("json");
        let n = v["events"].as_array().expect("events").len();
        assert!(n > 0 && n < 100, "{n} events");
    }
}
