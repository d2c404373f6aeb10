//! The facade's error type.

use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument was rejected (Electron throws a `TypeError` or `Error` here).
    InvalidArgument,
    /// A persistent partition is held open by another process.
    PartitionInUse,
    /// Reading or writing the partition's files failed.
    Io,
    /// A stored file (e.g. `Preferences`) could not be parsed.
    Corrupt,
}

/// An error of the session facade; the message says what was wrong, with which input.
///
/// The lower-level cause, when there is one, is returned by [`std::error::Error::source`] and not
/// repeated in the message, so a report that walks the chain shows each text once.
///
/// ```
/// use std::error::Error as _;
///
/// use session::{ErrorKind, SessionOptions, Sessions};
///
/// let user_data = tempfile::tempdir().unwrap();
/// let first = Sessions::new(user_data.path());
/// let _work = first.from_partition("persist:work", SessionOptions::default()).unwrap();
/// // A second registry over the same directory finds the partition locked.
/// let second = Sessions::new(user_data.path());
/// let err = second.from_partition("persist:work", SessionOptions::default()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::PartitionInUse);
/// assert!(err.source().is_some(), "the lock failure is the cause");
/// // Every text of the chain appears once.
/// let mut texts = vec![err.to_string()];
/// let mut cause = err.source();
/// while let Some(c) = cause {
///     texts.push(c.to_string());
///     cause = c.source();
/// }
/// for (i, t) in texts.iter().enumerate() {
///     assert!(texts[i + 1..].iter().all(|later| !t.contains(later.as_str())), "{texts:?}");
/// }
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error {
            kind,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// An error that is `source` itself, classified as `kind`: it displays as `source` and
    /// its `source()` is the source's own cause (a transparent wrapper).
    pub(crate) fn transparent(
        kind: ErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error {
            kind,
            message: String::new(),
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    /// The kind of failure.
    ///
    /// Example: see [`Error`].
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) if self.message.is_empty() => source.fmt(f),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = self.source.as_deref()?;
        if self.message.is_empty() {
            // Transparent: the wrapped error's text is ours, so its cause comes next.
            return source.source();
        }
        Some(source as &(dyn std::error::Error + 'static))
    }
}
