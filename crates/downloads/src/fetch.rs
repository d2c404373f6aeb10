//! What the transfer engine needs from the network: one request, its response head, and a
//! body stream. The session's request pipeline (`session-net`) provides it (the facade wires
//! [`Fetcher`] to `Session::fetch`), so downloads share the session's pool, proxy, cookies,
//! host rules and network emulation.

use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;
use futures_util::future::BoxFuture;
use http::HeaderMap;
use url::Url;

use crate::state::InterruptReason;

/// A download request: `GET url` with these headers (the engine adds `Range`/`If-Range` and
/// `Accept-Encoding: identity`).
///
/// Example: see [`Fetcher`].
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// The URL to get.
    pub url: Url,
    /// Request headers.
    pub headers: HeaderMap,
}

/// The body of a response: chunks as they arrive. Not polling it stops reading from the
/// socket (pause is backpressure).
///
/// Example: see [`Fetcher`].
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, FetchError>> + Send>>;

/// A response to a [`FetchRequest`], redirects already followed.
///
/// Example: see [`Fetcher`].
pub struct FetchResponse {
    /// Status code of the final response.
    pub status: u16,
    /// Headers of the final response.
    pub headers: HeaderMap,
    /// Every URL requested, the answered one last.
    pub url_chain: Vec<Url>,
    /// The body.
    pub body: BodyStream,
}

impl std::fmt::Debug for FetchResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("url_chain", &self.url_chain)
            .finish_non_exhaustive()
    }
}

/// A failed request or body read, with the interrupt reason it means for a download.
///
/// Example: see [`Fetcher`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// What the download reports.
    pub reason: InterruptReason,
    /// The underlying error (Chromium's net error name where there is one).
    pub message: String,
}

impl FetchError {
    /// An error for a Chromium net error name (`net::ERR_CONNECTION_RESET` or without prefix).
    ///
    /// Example: see [`Fetcher`].
    pub fn from_net_error(name: &str, message: impl Into<String>) -> Self {
        FetchError {
            reason: reason_for_net_error(name),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.reason)
    }
}

impl std::error::Error for FetchError {}

/// Issues download requests; implemented over the session's request pipeline.
///
/// A session's downloads use [`NetFetcher`](crate::NetFetcher) (see [`Downloads`](crate::Downloads));
/// this one serves them from memory, and shows the `will-download` decisions and events:
///
/// ```
/// use std::sync::Arc;
///
/// use futures_util::future::BoxFuture;
/// use session_downloads::fetch::{BodyStream, FetchError, FetchRequest, FetchResponse, Fetcher};
/// use session_downloads::{
///     DownloadEvent, DownloadOptions, DownloadState, Downloads, DownloadsConfig, ErrorKind,
///     InterruptReason, Journal, WillDownloadDecision,
/// };
///
/// /// Serves `hello` for every URL, and fails `/reset` as a reset connection would.
/// struct Memory;
///
/// impl Fetcher for Memory {
///     fn fetch(&self, request: FetchRequest) -> BoxFuture<'static, Result<FetchResponse, FetchError>> {
///         Box::pin(async move {
///             if request.url.path() == "/reset" {
///                 return Err(FetchError::from_net_error("net::ERR_CONNECTION_RESET", "reset"));
///             }
///             assert_eq!(request.headers["x-token"], "t1"); // DownloadOptions::headers
///             let body: BodyStream = Box::pin(futures_util::stream::iter([Ok("hello".into())]));
///             let headers = http::HeaderMap::new();
///             Ok(FetchResponse { status: 200, headers, url_chain: vec![request.url], body })
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dir = tempfile::tempdir().unwrap();
/// let config = DownloadsConfig::new(Arc::new(Memory), Journal::in_memory(), dir.path());
/// let downloads = Downloads::new(config.sync_on_complete(false));
/// let elsewhere = dir.path().join("kept/greeting.txt");
/// let target = elsewhere.clone();
/// downloads.set_will_download_handler(Some(move |item: session_downloads::DownloadItem| {
///     let target = target.clone();
///     async move {
///         match item.filename().as_str() {
///             "secret.txt" => WillDownloadDecision::Cancel,
///             "greeting.txt" => WillDownloadDecision::SaveTo(target),
///             _ => WillDownloadDecision::Continue,
///         }
///     }
/// }));
/// let options = DownloadOptions { headers: vec![("X-Token".into(), "t1".into())] };
///
/// let item = downloads.download_url("https://a.test/greeting.txt", options.clone()).unwrap();
/// let mut events = item.subscribe();
/// assert_eq!(item.done().await, DownloadState::Completed);
/// assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "hello");
/// let last = std::iter::from_fn(|| events.try_recv().ok()).last();
/// assert!(matches!(last, Some(DownloadEvent::Done { state: DownloadState::Completed, .. })));
///
/// let item = downloads.download_url("https://a.test/secret.txt", options.clone()).unwrap();
/// assert_eq!(item.done().await, DownloadState::Cancelled);
///
/// let item = downloads.download_url("https://a.test/reset", options.clone()).unwrap();
/// assert_eq!(item.done().await, DownloadState::Interrupted);
/// assert_eq!(item.interrupt_reason(), Some(InterruptReason::NetworkDisconnected));
/// assert!(item.can_resume());
///
/// let err = downloads.download_url("ftp://a.test/x", options).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidUrl);
/// # }
/// ```
pub trait Fetcher: Send + Sync + 'static {
    /// Sends `request`; resolves once the final response head arrived. Dropping the future
    /// abandons the request.
    ///
    /// Example: see [`Fetcher`], whose example implements it.
    fn fetch(&self, request: FetchRequest)
    -> BoxFuture<'static, Result<FetchResponse, FetchError>>;
}

/// The interrupt reason for a Chromium net error name, the way Chromium's download code maps
/// them (`ConvertNetErrorToInterruptReason`).
///
/// ```
/// use session_downloads::InterruptReason;
/// use session_downloads::fetch::reason_for_net_error;
///
/// assert_eq!(reason_for_net_error("net::ERR_CONNECTION_RESET"), InterruptReason::NetworkDisconnected);
/// assert_eq!(reason_for_net_error("ERR_CERT_DATE_INVALID"), InterruptReason::ServerCertProblem);
/// assert_eq!(reason_for_net_error("ERR_SOMETHING_NEW"), InterruptReason::NetworkFailed);
/// ```
pub fn reason_for_net_error(name: &str) -> InterruptReason {
    let name = name.strip_prefix("net::").unwrap_or(name);
    match name {
        "ERR_TIMED_OUT" | "ERR_CONNECTION_TIMED_OUT" => InterruptReason::NetworkTimeout,
        "ERR_CONNECTION_CLOSED"
        | "ERR_CONNECTION_RESET"
        | "ERR_CONNECTION_ABORTED"
        | "ERR_INTERNET_DISCONNECTED"
        | "ERR_EMPTY_RESPONSE"
        | "ERR_NETWORK_CHANGED"
        | "ERR_HTTP2_PROTOCOL_ERROR"
        | "ERR_HTTP2_STREAM_ERROR" => InterruptReason::NetworkDisconnected,
        "ERR_CONNECTION_REFUSED"
        | "ERR_CONNECTION_FAILED"
        | "ERR_NAME_NOT_RESOLVED"
        | "ERR_ADDRESS_UNREACHABLE"
        | "ERR_NAME_RESOLUTION_FAILED"
        | "ERR_PROXY_CONNECTION_FAILED" => InterruptReason::NetworkServerDown,
        "ERR_INVALID_URL"
        | "ERR_UNKNOWN_URL_SCHEME"
        | "ERR_DISALLOWED_URL_SCHEME"
        | "ERR_INVALID_ARGUMENT"
        | "ERR_UNSAFE_REDIRECT"
        | "ERR_BLOCKED_BY_CLIENT"
        | "ERR_TOO_MANY_REDIRECTS" => InterruptReason::NetworkInvalidRequest,
        "ERR_CONTENT_LENGTH_MISMATCH" | "ERR_INCOMPLETE_CHUNKED_ENCODING" => {
            InterruptReason::ServerContentLengthMismatch
        }
        "ERR_FILE_NOT_FOUND" => InterruptReason::FileFailed,
        "ERR_ACCESS_DENIED" => InterruptReason::FileAccessDenied,
        "ERR_INVALID_RESPONSE" | "ERR_CONTENT_DECODING_FAILED" | "ERR_RESPONSE_HEADERS_TOO_BIG" => {
            InterruptReason::ServerBadContent
        }
        other if other.starts_with("ERR_CERT_") || other.starts_with("ERR_SSL_") => {
            InterruptReason::ServerCertProblem
        }
        _ => InterruptReason::NetworkFailed,
    }
}
