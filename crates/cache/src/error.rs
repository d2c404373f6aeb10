//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// What kind of failure an [`Error`] is.
///
/// Example: see [`Error`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `only-if-cached` found no usable stored response (Chromium's `net::ERR_CACHE_MISS`).
    CacheMiss,
    /// Reading or writing the disk store failed.
    Io,
    /// A stored entry is damaged (it is dropped from the cache).
    Corrupt,
    /// An argument was invalid (e.g. a cache directory that is a file).
    InvalidInput,
}

/// An error of the HTTP cache.
///
/// ```
/// use session_cache::{Cache, ErrorKind};
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("not-a-dir");
/// std::fs::write(&file, b"").unwrap();
/// let err = Cache::open(&file, None).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert_eq!(err.net_error(), "net::ERR_INVALID_ARGUMENT");
/// ```
/// A cache miss: see [`Cache`](crate::Cache).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<std::io::Error>,
}

impl Error {
    /// The kind of failure.
    ///
    /// Example: see [`Error`].
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Chromium's net error name for this failure, as Electron reports it.
    ///
    /// Example: see [`Error`].
    pub fn net_error(&self) -> &'static str {
        match self.kind {
            ErrorKind::CacheMiss => "net::ERR_CACHE_MISS",
            ErrorKind::Corrupt | ErrorKind::Io => "net::ERR_CACHE_READ_FAILURE",
            ErrorKind::InvalidInput => "net::ERR_INVALID_ARGUMENT",
        }
    }

    pub(crate) fn cache_miss(url: &str) -> Self {
        Error {
            kind: ErrorKind::CacheMiss,
            message: format!("net::ERR_CACHE_MISS: no stored response for {url} (only-if-cached)"),
            source: None,
        }
    }

    pub(crate) fn io(what: &str, path: &std::path::Path, err: std::io::Error) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: format!("cannot {what} {}: {err}", path.display()),
            source: Some(err),
        }
    }

    pub(crate) fn corrupt(path: PathBuf, why: &str) -> Self {
        Error {
            kind: ErrorKind::Corrupt,
            message: format!("damaged cache entry {}: {why}", path.display()),
            source: None,
        }
    }

    pub(crate) fn invalid(message: String) -> Self {
        Error {
            kind: ErrorKind::InvalidInput,
            message,
            source: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// The crate's result type.
///
/// Example: see [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
