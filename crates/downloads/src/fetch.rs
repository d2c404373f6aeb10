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
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// The URL to get.
    pub url: Url,
    /// Request headers.
    pub headers: HeaderMap,
}

/// The body of a response: chunks as they arrive. Not polling it stops reading from the
/// socket (pause is backpressure).
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, FetchError>> + Send>>;

/// A response to a [`FetchRequest`], redirects already followed.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// What the download reports.
    pub reason: InterruptReason,
    /// The underlying error (Chromium's net error name where there is one).
    pub message: String,
}

impl FetchError {
    /// An error for a Chromium net error name (`net::ERR_CONNECTION_RESET` or without prefix).
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
pub trait Fetcher: Send + Sync + 'static {
    /// Sends `request`; resolves once the final response head arrived. Dropping the future
    /// abandons the request.
    fn fetch(&self, request: FetchRequest)
    -> BoxFuture<'static, Result<FetchResponse, FetchError>>;
}

/// The interrupt reason for a Chromium net error name, the way Chromium's download code maps
/// them (`ConvertNetErrorToInterruptReason`).
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
