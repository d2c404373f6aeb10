//! The states of a download, Chromium's interrupt reasons, and the record a journal keeps.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Electron's download states.
///
/// Example: see [`DownloadRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DownloadState {
    /// Bytes are flowing, the item is paused, or it waits for its first response.
    Progressing,
    /// The file is complete at its save path.
    Completed,
    /// Cancelled: the temporary file is gone.
    Cancelled,
    /// Stopped by a failure; [`InterruptReason`] says which, and the item may resume.
    Interrupted,
}

impl DownloadState {
    /// Electron's string for the state.
    ///
    /// Example: see [`DownloadRecord`].
    pub fn as_str(self) -> &'static str {
        match self {
            DownloadState::Progressing => "progressing",
            DownloadState::Completed => "completed",
            DownloadState::Cancelled => "cancelled",
            DownloadState::Interrupted => "interrupted",
        }
    }

    /// Whether the item has stopped (completed, cancelled or interrupted).
    ///
    /// Example: see [`DownloadRecord`].
    pub fn is_terminal(self) -> bool {
        self != DownloadState::Progressing
    }
}

impl std::fmt::Display for DownloadState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a download was interrupted: Chromium's `DownloadInterruptReason`, same names and codes.
///
/// ```
/// use session_downloads::InterruptReason;
///
/// let reason = InterruptReason::from_status(503);
/// assert_eq!((reason.name(), reason.code()), ("SERVER_FAILED", 30));
/// assert!(reason.is_resumable() && reason.is_transient());
///
/// let gone = InterruptReason::from_status(404);
/// assert_eq!(gone, InterruptReason::ServerUnreachable);
/// assert!(!gone.is_resumable()); // a missing resource cannot resume
///
/// let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
/// let reason = InterruptReason::from_io(&full);
/// assert_eq!((reason.name(), reason.code()), ("FILE_NO_SPACE", 3));
/// assert!(reason.is_resumable() && !reason.is_transient()); // once space is made
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum InterruptReason {
    /// Generic file operation failure.
    FileFailed,
    /// The file cannot be accessed due to security restrictions.
    FileAccessDenied,
    /// Not enough room on the drive.
    FileNoSpace,
    /// The directory or file name is too long.
    FileNameTooLong,
    /// The file is too large for the file system.
    FileTooLarge,
    /// A temporary problem with the file (may succeed on retry).
    FileTransientError,
    /// The partial file on disk is shorter than the journal says.
    FileTooShort,
    /// Generic network failure.
    NetworkFailed,
    /// The network operation timed out.
    NetworkTimeout,
    /// The network connection was lost.
    NetworkDisconnected,
    /// The server has gone down.
    NetworkServerDown,
    /// The request is invalid (bad URL, unsupported scheme, bad header).
    NetworkInvalidRequest,
    /// The server answered with an error status (5xx, or a 4xx without a more specific reason).
    ServerFailed,
    /// The server does not support range requests where one was required.
    ServerNoRange,
    /// The server sent something inconsistent (bad `Content-Range`, more bytes than announced).
    ServerBadContent,
    /// The server refused for lack of credentials (401, 407).
    ServerUnauthorized,
    /// The server's certificate was rejected.
    ServerCertProblem,
    /// The server refused access (403).
    ServerForbidden,
    /// The server did not find the resource (404, 410).
    ServerUnreachable,
    /// The body ended before `Content-Length` bytes.
    ServerContentLengthMismatch,
    /// A redirect crossed origins where that is not allowed.
    ServerCrossOriginRedirect,
    /// The user cancelled (also the `will-download` handler).
    UserCanceled,
    /// The process shut down while the download ran.
    UserShutdown,
    /// The process ended without shutting down: found in the journal as still running.
    Crash,
}

impl InterruptReason {
    /// Chromium's numeric code.
    ///
    /// Example: see [`InterruptReason`].
    pub fn code(self) -> u32 {
        use InterruptReason::*;
        match self {
            FileFailed => 1,
            FileAccessDenied => 2,
            FileNoSpace => 3,
            FileNameTooLong => 5,
            FileTooLarge => 6,
            FileTransientError => 10,
            FileTooShort => 13,
            NetworkFailed => 20,
            NetworkTimeout => 21,
            NetworkDisconnected => 22,
            NetworkServerDown => 23,
            NetworkInvalidRequest => 24,
            ServerFailed => 30,
            ServerNoRange => 31,
            ServerBadContent => 33,
            ServerUnauthorized => 34,
            ServerCertProblem => 35,
            ServerForbidden => 36,
            ServerUnreachable => 37,
            ServerContentLengthMismatch => 38,
            ServerCrossOriginRedirect => 39,
            UserCanceled => 40,
            UserShutdown => 41,
            Crash => 50,
        }
    }

    /// Chromium's name (`NETWORK_FAILED`).
    ///
    /// Example: see [`InterruptReason`].
    pub fn name(self) -> &'static str {
        use InterruptReason::*;
        match self {
            FileFailed => "FILE_FAILED",
            FileAccessDenied => "FILE_ACCESS_DENIED",
            FileNoSpace => "FILE_NO_SPACE",
            FileNameTooLong => "FILE_NAME_TOO_LONG",
            FileTooLarge => "FILE_TOO_LARGE",
            FileTransientError => "FILE_TRANSIENT_ERROR",
            FileTooShort => "FILE_TOO_SHORT",
            NetworkFailed => "NETWORK_FAILED",
            NetworkTimeout => "NETWORK_TIMEOUT",
            NetworkDisconnected => "NETWORK_DISCONNECTED",
            NetworkServerDown => "NETWORK_SERVER_DOWN",
            NetworkInvalidRequest => "NETWORK_INVALID_REQUEST",
            ServerFailed => "SERVER_FAILED",
            ServerNoRange => "SERVER_NO_RANGE",
            ServerBadContent => "SERVER_BAD_CONTENT",
            ServerUnauthorized => "SERVER_UNAUTHORIZED",
            ServerCertProblem => "SERVER_CERT_PROBLEM",
            ServerForbidden => "SERVER_FORBIDDEN",
            ServerUnreachable => "SERVER_UNREACHABLE",
            ServerContentLengthMismatch => "SERVER_CONTENT_LENGTH_MISMATCH",
            ServerCrossOriginRedirect => "SERVER_CROSS_ORIGIN_REDIRECT",
            UserCanceled => "USER_CANCELED",
            UserShutdown => "USER_SHUTDOWN",
            Crash => "CRASH",
        }
    }

    /// Whether `resume()` can pick the item up again: network and transient failures, server
    /// errors (5xx), a full disk once space is made. Cancellation, authorisation, certificate
    /// failures and a missing resource (404/410) cannot resume.
    ///
    /// Example: see [`InterruptReason`].
    pub fn is_resumable(self) -> bool {
        use InterruptReason::*;
        !matches!(
            self,
            UserCanceled
                | ServerUnauthorized
                | ServerCertProblem
                | ServerForbidden
                | ServerUnreachable
                | ServerCrossOriginRedirect
                | NetworkInvalidRequest
        )
    }

    /// Whether the failure may go away by itself (worth an automatic retry): network errors, a
    /// truncated body, a server error, a transient file error.
    ///
    /// Example: see [`InterruptReason`].
    pub fn is_transient(self) -> bool {
        use InterruptReason::*;
        matches!(
            self,
            NetworkFailed
                | NetworkTimeout
                | NetworkDisconnected
                | NetworkServerDown
                | ServerContentLengthMismatch
                | ServerFailed
                | FileTransientError
        )
    }

    /// The reason for an HTTP error status of a download response.
    ///
    /// Example: see [`InterruptReason`].
    pub fn from_status(status: u16) -> Self {
        match status {
            401 | 407 => InterruptReason::ServerUnauthorized,
            403 => InterruptReason::ServerForbidden,
            404 | 410 => InterruptReason::ServerUnreachable,
            416 => InterruptReason::ServerNoRange,
            _ => InterruptReason::ServerFailed,
        }
    }

    /// The reason for a failed file operation.
    ///
    /// Example: see [`InterruptReason`].
    pub fn from_io(err: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::StorageFull => InterruptReason::FileNoSpace,
            K::PermissionDenied | K::ReadOnlyFilesystem => InterruptReason::FileAccessDenied,
            K::InvalidFilename => InterruptReason::FileNameTooLong,
            K::FileTooLarge => InterruptReason::FileTooLarge,
            K::Interrupted | K::WouldBlock | K::TimedOut => InterruptReason::FileTransientError,
            _ => InterruptReason::FileFailed,
        }
    }
}

impl std::fmt::Display for InterruptReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything known about one download; what the journal stores, and what every accessor of a
/// `DownloadItem` reads.
///
/// ```
/// use session_downloads::{DownloadRecord, DownloadState, InterruptReason};
///
/// let mut record = DownloadRecord::new(7, vec![
///     "https://a.test/latest".into(),
///     "https://cdn.a.test/v2/app.zip".into(), // after a redirect
/// ]);
/// assert_eq!(record.url(), "https://cdn.a.test/v2/app.zip");
/// assert_eq!(record.state, DownloadState::Progressing);
/// assert!(!record.state.is_terminal() && record.can_resume());
/// assert_eq!(record.temp_path(), None); // no save path yet
///
/// record.save_path = Some("/downloads/app.zip".into());
/// assert_eq!(record.temp_path().unwrap(), std::path::Path::new("/downloads/app.zip.part"));
/// record.total_bytes = 400;
/// record.received_bytes = 100;
/// assert_eq!(record.percent_complete(), 25);
///
/// record.state = DownloadState::Interrupted;
/// record.interrupt_reason = Some(InterruptReason::NetworkFailed);
/// assert!(record.state.is_terminal() && record.can_resume());
/// let summary = record.summary();
/// assert_eq!((summary.state.as_str(), summary.interrupt_reason), ("interrupted", Some("NETWORK_FAILED")));
/// assert!(summary.can_resume);
/// assert!(summary.start_time <= session_downloads::state::now_seconds());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadRecord {
    /// Id unique within the partition (the journal continues the count across runs).
    pub id: u64,
    /// Every URL of the request, the last one answered (redirects included).
    pub url_chain: Vec<String>,
    /// Extra request headers given to `download_url`, sent again on resume. They are kept in the
    /// partition's journal on disk (credentials included, like the cookie store beside it).
    #[serde(default)]
    pub request_headers: Vec<(String, String)>,
    /// Where the file goes once complete; `None` until decided.
    pub save_path: Option<PathBuf>,
    /// The file name suggested by the response (or the save path's name once set).
    pub filename: String,
    /// The response's MIME type.
    pub mime_type: String,
    /// The response's raw `Content-Disposition` (empty when absent).
    pub content_disposition: String,
    /// The current state.
    pub state: DownloadState,
    /// Why the item is interrupted (also kept for a cancelled item: `USER_CANCELED`).
    pub interrupt_reason: Option<InterruptReason>,
    /// HTTP status of the last response, when one came.
    #[serde(default)]
    pub last_status: Option<u16>,
    /// Bytes durably written to the temporary file (or the whole file when completed).
    pub received_bytes: u64,
    /// Size of the whole file, 0 when unknown.
    pub total_bytes: u64,
    /// The response's `ETag` (empty when absent).
    pub etag: String,
    /// The response's `Last-Modified` (empty when absent).
    pub last_modified_time: String,
    /// Seconds since the Unix epoch when the download started.
    pub start_time: f64,
    /// Seconds since the Unix epoch when it reached a terminal state (0 while running).
    pub end_time: f64,
    /// Whether a user gesture started it (always false for `download_url`).
    #[serde(default)]
    pub has_user_gesture: bool,
    /// How many times the download had to start again from byte 0 (validator changed, range
    /// ignored) instead of continuing.
    #[serde(default)]
    pub restarts: u32,
}

impl DownloadRecord {
    /// A fresh record for `url_chain` starting now.
    ///
    /// Example: see [`DownloadRecord`].
    pub fn new(id: u64, url_chain: Vec<String>) -> Self {
        DownloadRecord {
            id,
            url_chain,
            request_headers: Vec::new(),
            save_path: None,
            filename: String::new(),
            mime_type: String::new(),
            content_disposition: String::new(),
            state: DownloadState::Progressing,
            interrupt_reason: None,
            last_status: None,
            received_bytes: 0,
            total_bytes: 0,
            etag: String::new(),
            last_modified_time: String::new(),
            start_time: now_seconds(),
            end_time: 0.0,
            has_user_gesture: false,
            restarts: 0,
        }
    }

    /// The URL the bytes come from: the last of the chain, as Chromium's `GetURL` (and so
    /// Electron's `getURL`).
    ///
    /// Example: see [`DownloadRecord`].
    pub fn url(&self) -> &str {
        self.url_chain.last().map(String::as_str).unwrap_or("")
    }

    /// Whether `resume()` may continue this item.
    ///
    /// Example: see [`DownloadRecord`].
    pub fn can_resume(&self) -> bool {
        match self.state {
            DownloadState::Interrupted => self
                .interrupt_reason
                .is_none_or(InterruptReason::is_resumable),
            DownloadState::Progressing => true,
            DownloadState::Completed | DownloadState::Cancelled => false,
        }
    }

    /// Percent complete, 0 when the total is unknown.
    ///
    /// Example: see [`DownloadRecord`].
    pub fn percent_complete(&self) -> u32 {
        if self.state == DownloadState::Completed {
            return 100;
        }
        if self.total_bytes == 0 {
            return 0;
        }
        ((self.received_bytes.min(self.total_bytes) as u128 * 100) / self.total_bytes as u128)
            as u32
    }

    /// The temporary file beside the save path.
    ///
    /// Example: see [`DownloadRecord`].
    pub fn temp_path(&self) -> Option<PathBuf> {
        self.save_path
            .as_deref()
            .map(crate::filename::temp_path_for)
    }

    /// The CLI/JSON summary of this record.
    ///
    /// Example: see [`DownloadRecord`].
    pub fn summary(&self) -> DownloadSummary {
        DownloadSummary {
            id: self.id,
            url: self.url().to_owned(),
            url_chain: self.url_chain.clone(),
            save_path: self
                .save_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            filename: self.filename.clone(),
            mime_type: self.mime_type.clone(),
            state: self.state,
            received_bytes: self.received_bytes,
            total_bytes: self.total_bytes,
            e_tag: self.etag.clone(),
            last_modified_time: self.last_modified_time.clone(),
            start_time: self.start_time,
            end_time: self.end_time,
            can_resume: self.can_resume(),
            interrupt_reason: self.interrupt_reason.map(InterruptReason::name),
            restarts: self.restarts,
        }
    }
}

/// The summary `ses download`/`ses downloads` print (CLI.md's shape, plus `interruptReason`
/// and `restarts`).
///
/// Example: see [`DownloadRecord`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadSummary {
    /// Item id.
    pub id: u64,
    /// Last URL of the chain (where the bytes come from).
    pub url: String,
    /// Every URL including redirects.
    pub url_chain: Vec<String>,
    /// Save path (empty until decided).
    pub save_path: String,
    /// Suggested file name.
    pub filename: String,
    /// MIME type.
    pub mime_type: String,
    /// State.
    pub state: DownloadState,
    /// Bytes received.
    pub received_bytes: u64,
    /// Total bytes, 0 when unknown.
    pub total_bytes: u64,
    /// `ETag` validator.
    #[serde(rename = "eTag")]
    pub e_tag: String,
    /// `Last-Modified` validator.
    pub last_modified_time: String,
    /// Start, seconds since the Unix epoch.
    pub start_time: f64,
    /// End, seconds since the Unix epoch (0 while running).
    pub end_time: f64,
    /// Whether `resume` can continue it.
    pub can_resume: bool,
    /// Chromium's interrupt reason name, when interrupted or cancelled.
    pub interrupt_reason: Option<&'static str>,
    /// Times the download started again from byte 0.
    pub restarts: u32,
}

/// Seconds since the Unix epoch, as Electron reports times.
///
/// Example: see [`DownloadRecord`].
pub fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_with_chromium_names() {
        let json = serde_json::to_string(&InterruptReason::NetworkFailed).expect("json");
        assert_eq!(json, "\"NETWORK_FAILED\"");
        assert_eq!(InterruptReason::NetworkFailed.name(), "NETWORK_FAILED");
        assert_eq!(InterruptReason::ServerUnauthorized.code(), 34);
        assert!(!InterruptReason::UserCanceled.is_resumable());
        assert!(InterruptReason::Crash.is_resumable());
    }

    #[test]
    fn percent_and_resume() {
        let mut r = DownloadRecord::new(1, vec!["http://a.test/x".into()]);
        assert_eq!(r.percent_complete(), 0);
        r.total_bytes = 200;
        r.received_bytes = 50;
        assert_eq!(r.percent_complete(), 25);
        r.state = DownloadState::Interrupted;
        r.interrupt_reason = Some(InterruptReason::ServerForbidden);
        assert!(!r.can_resume());
        r.interrupt_reason = Some(InterruptReason::NetworkDisconnected);
        assert!(r.can_resume());
        let summary = serde_json::to_value(r.summary()).expect("json");
        assert_eq!(summary["eTag"], "");
        assert_eq!(summary["state"], "interrupted");
        assert_eq!(summary["canResume"], true);
    }
}
