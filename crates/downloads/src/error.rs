//! The crate's error type.

/// What went wrong, for matching without parsing messages.
///
/// Example: see [`Fetcher`](crate::Fetcher) (an unusable URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A URL could not be parsed or has an unsupported scheme.
    InvalidUrl,
    /// A request header name or value is not valid HTTP.
    InvalidHeader,
    /// An argument is out of range or inconsistent (a relative path, offset past length...).
    InvalidArgument,
    /// No download with that id exists.
    NotFound,
    /// The operation does not fit the item's state (resuming a completed download...).
    InvalidState,
    /// Reading or writing the journal or a download file failed.
    Io,
    /// The journal file exists but cannot be read as a journal.
    CorruptJournal,
    /// The call needs a tokio runtime and none is running.
    NoRuntime,
}

/// An error of `session-downloads`; the message names the input that was wrong.
///
/// Example: see [`Fetcher`](crate::Fetcher) (an unusable URL) and [`Journal`](crate::Journal) (a damaged file).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<std::io::Error>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn io(
        context: impl std::fmt::Display,
        path: &std::path::Path,
        err: std::io::Error,
    ) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: format!("{context} {}: {err}", path.display()),
            source: Some(err),
        }
    }

    /// What kind of failure this is.
    ///
    /// Example: see [`Fetcher`](crate::Fetcher).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// `Result` with this crate's [`Error`].
///
/// Example: see [`Journal`](crate::Journal).
pub type Result<T, E = Error> = std::result::Result<T, E>;
