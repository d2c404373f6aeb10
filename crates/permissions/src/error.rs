//! The crate's error type.

use std::fmt;

/// What went wrong, for callers that branch on it.
///
/// Example: see [`normalize_origin`](crate::normalize_origin).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument was malformed (an origin, a permission name, a handler's answer).
    InvalidInput,
    /// The request was denied (by a handler or by the default policy).
    PermissionDenied,
    /// Nothing can answer this request (no display-media handler is set).
    NotSupported,
    /// Reading or writing the grant file failed.
    Io,
}

/// The error of every fallible operation of this crate.
///
/// Example: see [`normalize_origin`](crate::normalize_origin).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<std::io::Error>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Error {
            kind,
            message: message.to_string(),
            source: None,
        }
    }

    pub(crate) fn io(message: impl fmt::Display, source: std::io::Error) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: format!("{message}: {source}"),
            source: Some(source),
        }
    }

    /// What went wrong.
    ///
    /// Example: see [`normalize_origin`](crate::normalize_origin).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}
