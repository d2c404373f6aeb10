//! `Error`: a failure with Chromium's net error name and code.

use std::fmt;
use std::sync::Arc;

macro_rules! net_errors {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $name:literal;)*) => {
        /// A Chromium net error (`net/base/net_error_list.h`): what Electron users see as
        /// `net::ERR_NAME_NOT_RESOLVED` and search for.
        ///
        /// ```
        /// use session_net::NetError;
        ///
        /// assert_eq!(NetError::NameNotResolved.code(), -105);
        /// assert_eq!(NetError::NameNotResolved.name(), "net::ERR_NAME_NOT_RESOLVED");
        /// assert_eq!(NetError::from_code(-105), Some(NetError::NameNotResolved));
        /// assert_eq!(NetError::from_code(1), None);
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum NetError {
            $($(#[$doc])* $variant,)*
        }

        impl NetError {
            /// Chromium's numeric code (negative), e.g. -105 for `NameNotResolved`.
            ///
            /// Example: see [`NetError`].
            pub fn code(self) -> i32 {
                match self { $(NetError::$variant => $code,)* }
            }

            /// Chromium's name with the `net::` prefix, e.g. `net::ERR_NAME_NOT_RESOLVED`.
            ///
            /// Example: see [`NetError`].
            pub fn name(self) -> &'static str {
                match self { $(NetError::$variant => concat!("net::", $name),)* }
            }

            /// Every error this crate knows (the net log lists them in its constants).
            pub(crate) const ALL: &'static [NetError] = &[$(NetError::$variant,)*];

            /// The error with Chromium code `code`, if it is one this crate knows.
            ///
            /// Example: see [`NetError`].
            pub fn from_code(code: i32) -> Option<NetError> {
                match code { $($code => Some(NetError::$variant),)* _ => None }
            }
        }
    };
}

net_errors! {
    /// A generic failure.
    Failed = -2, "ERR_FAILED";
    /// The operation was aborted (cancelled, or connections closed by the session).
    Aborted = -3, "ERR_ABORTED";
    /// An argument was invalid.
    InvalidArgument = -4, "ERR_INVALID_ARGUMENT";
    /// A file (a `file:` URL) does not exist.
    FileNotFound = -6, "ERR_FILE_NOT_FOUND";
    /// The operation timed out.
    TimedOut = -7, "ERR_TIMED_OUT";
    /// Permission to access a resource was denied.
    AccessDenied = -10, "ERR_ACCESS_DENIED";
    /// A file of the request body changed (its size) while the body was sent.
    UploadFileChanged = -14, "ERR_UPLOAD_FILE_CHANGED";
    /// The request was blocked by a client-side rule.
    BlockedByClient = -20, "ERR_BLOCKED_BY_CLIENT";
    /// A streamed upload body cannot be sent again (a 307/308 redirect, a retry).
    UploadStreamRewindNotSupported = -25, "ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED";
    /// The connection was closed (a TCP FIN).
    ConnectionClosed = -100, "ERR_CONNECTION_CLOSED";
    /// The connection was reset (a TCP RST).
    ConnectionReset = -101, "ERR_CONNECTION_RESET";
    /// The connection attempt was refused.
    ConnectionRefused = -102, "ERR_CONNECTION_REFUSED";
    /// The connection was aborted.
    ConnectionAborted = -103, "ERR_CONNECTION_ABORTED";
    /// The connection attempt failed.
    ConnectionFailed = -104, "ERR_CONNECTION_FAILED";
    /// The host name could not be resolved.
    NameNotResolved = -105, "ERR_NAME_NOT_RESOLVED";
    /// The network is offline (network emulation).
    InternetDisconnected = -106, "ERR_INTERNET_DISCONNECTED";
    /// A TLS protocol error.
    SslProtocolError = -107, "ERR_SSL_PROTOCOL_ERROR";
    /// The address is unreachable.
    AddressUnreachable = -109, "ERR_ADDRESS_UNREACHABLE";
    /// A tunnel through a proxy (`CONNECT`, SOCKS) could not be opened.
    TunnelConnectionFailed = -111, "ERR_TUNNEL_CONNECTION_FAILED";
    /// No TLS version or cipher suite in common with the server.
    SslVersionOrCipherMismatch = -113, "ERR_SSL_VERSION_OR_CIPHER_MISMATCH";
    /// A PAC script could not be fetched or failed to run.
    PacScriptFailed = -121, "ERR_PAC_SCRIPT_FAILED";
    /// The proxy asks for credentials nobody gave.
    ProxyAuthRequested = -127, "ERR_PROXY_AUTH_REQUESTED";
    /// No proxy of the list could be reached.
    ProxyConnectionFailed = -130, "ERR_PROXY_CONNECTION_FAILED";
    /// A proxy closed the connection between the legs of a handshake that must stay on one
    /// connection (NTLM's CHALLENGE answered on a connection the proxy then closed).
    UnableToReuseConnectionForProxyAuth = -170, "ERR_UNABLE_TO_REUSE_CONNECTION_FOR_PROXY_AUTH";
    /// The TCP connection attempt timed out.
    ConnectionTimedOut = -118, "ERR_CONNECTION_TIMED_OUT";
    /// A WebSocket message is larger than the limit ([`crate::websocket::WebSocketConfig`]).
    MsgTooBig = -142, "ERR_MSG_TOO_BIG";
    /// A WebSocket peer broke RFC 6455 (a bad frame, text that is not UTF-8, a bad close code).
    WsProtocolError = -145, "ERR_WS_PROTOCOL_ERROR";
    /// A WebSocket handshake succeeded and the connection now speaks WebSocket: what
    /// webRequest's `onCompleted` reports as `error` for a WebSocket, as Chromium does.
    WsUpgrade = -173, "ERR_WS_UPGRADE";
    /// The certificate's name does not match the host.
    CertCommonNameInvalid = -200, "ERR_CERT_COMMON_NAME_INVALID";
    /// The certificate is expired or not yet valid.
    CertDateInvalid = -201, "ERR_CERT_DATE_INVALID";
    /// The certificate chains to no trusted root.
    CertAuthorityInvalid = -202, "ERR_CERT_AUTHORITY_INVALID";
    /// The certificate could not be parsed.
    CertContainsErrors = -203, "ERR_CERT_CONTAINS_ERRORS";
    /// The certificate's revocation status could not be checked.
    CertUnableToCheckRevocation = -204, "ERR_CERT_UNABLE_TO_CHECK_REVOCATION";
    /// The certificate was revoked.
    CertRevoked = -206, "ERR_CERT_REVOKED";
    /// The certificate is invalid.
    CertInvalid = -207, "ERR_CERT_INVALID";
    /// The certificate is signed with a weak algorithm.
    CertWeakSignatureAlgorithm = -208, "ERR_CERT_WEAK_SIGNATURE_ALGORITHM";
    /// The URL is invalid.
    InvalidUrl = -300, "ERR_INVALID_URL";
    /// The URL scheme is not allowed.
    DisallowedUrlScheme = -301, "ERR_DISALLOWED_URL_SCHEME";
    /// The URL scheme is unknown.
    UnknownUrlScheme = -302, "ERR_UNKNOWN_URL_SCHEME";
    /// A redirect's `Location` is not a valid URL.
    InvalidRedirect = -303, "ERR_INVALID_REDIRECT";
    /// More than 20 redirects.
    TooManyRedirects = -310, "ERR_TOO_MANY_REDIRECTS";
    /// A redirect to a scheme that may not be redirected to (`file:`, `data:` ...).
    UnsafeRedirect = -311, "ERR_UNSAFE_REDIRECT";
    /// The port is on the unsafe list.
    UnsafePort = -312, "ERR_UNSAFE_PORT";
    /// The server's response could not be understood.
    InvalidResponse = -320, "ERR_INVALID_RESPONSE";
    /// The chunked encoding of the body was invalid.
    InvalidChunkedEncoding = -321, "ERR_INVALID_CHUNKED_ENCODING";
    /// The method is not supported for the URL (a `blob:` URL fetched with anything but GET).
    MethodNotSupported = -322, "ERR_METHOD_NOT_SUPPORTED";
    /// The server closed the connection without sending anything.
    EmptyResponse = -324, "ERR_EMPTY_RESPONSE";
    /// The response header block is larger than the limit.
    ResponseHeadersTooBig = -325, "ERR_RESPONSE_HEADERS_TOO_BIG";
    /// The requested range cannot be satisfied.
    RequestRangeNotSatisfiable = -328, "ERR_REQUEST_RANGE_NOT_SATISFIABLE";
    /// The body could not be decoded (or decodes past the ratio limit).
    ContentDecodingFailed = -330, "ERR_CONTENT_DECODING_FAILED";
    /// An HTTP/2 protocol error.
    Http2ProtocolError = -337, "ERR_HTTP2_PROTOCOL_ERROR";
    /// A `dcb`/`dcz` body does not start with the header of the dictionary the request
    /// advertised (RFC 9842).
    UnexpectedContentDictionaryHeader = -388, "ERR_UNEXPECTED_CONTENT_DICTIONARY_HEADER";
    /// The body was shorter than its `Content-Length`.
    ContentLengthMismatch = -354, "ERR_CONTENT_LENGTH_MISMATCH";
    /// A chunked body ended before its last chunk.
    IncompleteChunkedEncoding = -355, "ERR_INCOMPLETE_CHUNKED_ENCODING";
    /// The response could not be parsed as HTTP.
    InvalidHttpResponse = -370, "ERR_INVALID_HTTP_RESPONSE";
    /// A server kept asking for credentials (more rounds than allowed).
    TooManyRetries = -375, "ERR_TOO_MANY_RETRIES";
    /// The server answered with a status the caller treats as a failure (`error_for_status`).
    HttpResponseCodeFailure = -379, "ERR_HTTP_RESPONSE_CODE_FAILURE";
    /// An `only-if-cached` request found nothing in the cache.
    CacheMiss = -400, "ERR_CACHE_MISS";
    /// The compression dictionary a response needs cannot be loaded.
    DictionaryLoadFailed = -812, "ERR_DICTIONARY_LOAD_FAILED";
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The crate's error: a [`NetError`] kind plus a sentence about what failed with which input,
/// and the lower-level error that caused it, if any ([`std::error::Error::source`]).
///
/// Displays as `net::ERR_NAME_NOT_RESOLVED: could not resolve nx.test`, so the Chromium name
/// Electron users search for always leads the message. The cause is not repeated in the
/// message: a report walks `source()` (as `anyhow` and `ses` do) to show it.
///
/// ```
/// use std::error::Error as _;
/// use session_net::{Error, NetError};
///
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused by peer");
/// let e = Error::with_source(NetError::ConnectionRefused, "cannot connect to a.test", io);
/// assert_eq!(e.to_string(), "net::ERR_CONNECTION_REFUSED: cannot connect to a.test");
/// assert_eq!(e.source().map(|s| s.to_string()).as_deref(), Some("refused by peer"));
/// assert_eq!(e.kind(), NetError::ConnectionRefused);
/// assert_eq!(e.code(), -102);
/// assert_eq!(e.detail(), "cannot connect to a.test");
/// assert!(!e.is_timeout() && e.status().is_none());
///
/// let timeout = Error::new(NetError::TimedOut, "no answer from a.test in 5 s");
/// assert!(timeout.is_timeout());
/// ```
#[derive(Clone, Debug)]
pub struct Error {
    kind: NetError,
    detail: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
    status: Option<http::StatusCode>,
}

impl PartialEq for Error {
    /// Errors are equal when their kind and detail are; causes are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.detail == other.detail && self.status == other.status
    }
}

impl Eq for Error {}

impl Error {
    /// An error of `kind` with a message naming the input.
    ///
    /// Example: see [`Error`].
    pub fn new(kind: NetError, detail: impl Into<String>) -> Self {
        Error {
            kind,
            detail: detail.into(),
            source: None,
            status: None,
        }
    }

    /// An error of `kind` with a message naming the input, caused by `source` (returned by
    /// [`std::error::Error::source`], not repeated in the message).
    ///
    /// Example: see [`Error`].
    pub fn with_source(
        kind: NetError,
        detail: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error {
            source: Some(Arc::new(source)),
            ..Error::new(kind, detail)
        }
    }

    /// `net::ERR_HTTP_RESPONSE_CODE_FAILURE` for a response with `status` from `url`
    /// ([`crate::Response::error_for_status`]).
    pub(crate) fn for_status(status: http::StatusCode, url: &url::Url) -> Self {
        let reason = status.canonical_reason().unwrap_or("");
        Error {
            status: Some(status),
            ..Error::new(
                NetError::HttpResponseCodeFailure,
                format!("HTTP {} {reason} from {url}", status.as_u16())
                    .replace("  ", " ")
                    .trim_end()
                    .to_string(),
            )
        }
    }

    /// The Chromium net error.
    ///
    /// Example: see [`Error`].
    pub fn kind(&self) -> NetError {
        self.kind
    }

    /// Chromium's numeric code.
    ///
    /// Example: see [`Error`].
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// The detail sentence, without the Chromium name.
    ///
    /// Example: see [`Error`].
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The HTTP status of an error made by `error_for_status`.
    ///
    /// Example: see [`Response`](crate::Response) (its `error_for_status`).
    pub fn status(&self) -> Option<http::StatusCode> {
        self.status
    }

    /// Whether the request timed out (`net::ERR_TIMED_OUT`, or `net::ERR_CONNECTION_TIMED_OUT`
    /// while connecting).
    ///
    /// Example: see [`Error`].
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, NetError::TimedOut | NetError::ConnectionTimedOut)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            f.write_str(self.kind.name())
        } else {
            write!(f, "{}: {}", self.kind.name(), self.detail)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<NetError> for Error {
    fn from(kind: NetError) -> Self {
        Error::new(kind, "")
    }
}

/// `Result` with this crate's [`Error`].
///
/// Example: see [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_chromiums() {
        assert_eq!(NetError::NameNotResolved.code(), -105);
        assert_eq!(
            NetError::NameNotResolved.name(),
            "net::ERR_NAME_NOT_RESOLVED"
        );
        assert_eq!(NetError::ConnectionRefused.code(), -102);
        assert_eq!(NetError::CertAuthorityInvalid.code(), -202);
        assert_eq!(NetError::EmptyResponse.code(), -324);
        assert_eq!(NetError::UnsafeRedirect.code(), -311);
        assert_eq!(NetError::IncompleteChunkedEncoding.code(), -355);
        assert_eq!(NetError::from_code(-201), Some(NetError::CertDateInvalid));
        assert_eq!(NetError::from_code(1), None);
    }

    #[test]
    fn display_leads_with_the_name() {
        let e = Error::new(NetError::EmptyResponse, "127.0.0.1:1 closed the connection");
        assert_eq!(
            e.to_string(),
            "net::ERR_EMPTY_RESPONSE: 127.0.0.1:1 closed the connection"
        );
        assert_eq!(
            Error::from(NetError::Aborted).to_string(),
            "net::ERR_ABORTED"
        );
    }

    #[test]
    fn the_cause_is_a_source_not_a_repeat() {
        use std::error::Error as _;
        let cause = std::io::Error::other("disk on fire");
        let e = Error::with_source(NetError::Failed, "reading /x failed", cause);
        assert_eq!(e.to_string(), "net::ERR_FAILED: reading /x failed");
        assert_eq!(
            e.source().expect("a cause").to_string(),
            "disk on fire",
            "the cause is reachable through source()"
        );
        assert!(!e.to_string().contains("disk on fire"));
        // A clone keeps the cause; equality ignores it.
        assert!(e.clone().source().is_some());
        assert_eq!(e, Error::new(NetError::Failed, "reading /x failed"));
    }

    #[test]
    fn status_failures_carry_the_status() {
        let url = url::Url::parse("http://a.test/x").expect("url");
        let e = Error::for_status(http::StatusCode::NOT_FOUND, &url);
        assert_eq!(e.kind(), NetError::HttpResponseCodeFailure);
        assert_eq!(e.code(), -379);
        assert_eq!(e.status(), Some(http::StatusCode::NOT_FOUND));
        assert_eq!(
            e.to_string(),
            "net::ERR_HTTP_RESPONSE_CODE_FAILURE: HTTP 404 Not Found from http://a.test/x"
        );
    }
}
