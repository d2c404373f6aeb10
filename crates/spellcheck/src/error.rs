//! The crate's one error type.

use std::fmt;

/// What went wrong, for callers that branch on the cause.
///
/// Example: see [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A language code not in [`crate::available_spell_checker_languages`] (SPELL-07).
    InvalidLanguage,
    /// A dictionary download base URL that does not parse (SPELL-09).
    InvalidUrl,
    /// An `.aff`/`.dic` pair that cannot be used: bad encoding, truncated, malformed.
    InvalidDictionary,
    /// No dictionary for a language locally, and downloading was not possible.
    DictionaryUnavailable,
    /// The dictionary download failed (network error, HTTP status, bad body).
    Download,
    /// Reading or writing a file failed.
    Io,
    /// The operation needs a persistent session.
    InMemory,
}

/// An error of the spellchecker, naming the input that caused it.
///
/// ```
/// use std::error::Error as _;
///
/// use session_spellcheck::{Error, ErrorKind, validate_languages};
///
/// let err = validate_languages(&["tlh"]).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidLanguage);
///
/// // An engine or fetcher of your own reports its failures the same way.
/// let io = std::io::Error::other("disk gone");
/// let err = Error::with_source(ErrorKind::Io, "cannot read en_US.dic", io);
/// assert_eq!(err.kind(), ErrorKind::Io);
/// assert_eq!(err.source().unwrap().to_string(), "disk gone");
/// assert_eq!(Error::new(ErrorKind::Download, "HTTP 404 for en_US.aff").to_string(), "HTTP 404 for en_US.aff");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// A new error of `kind` with a message saying what was wrong with which input.
    ///
    /// Example: see [`Error`].
    pub fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Self {
            kind,
            message: message.to_string(),
            source: None,
        }
    }

    /// A new error with an underlying cause.
    ///
    /// Example: see [`Error`].
    pub fn with_source(
        kind: ErrorKind,
        message: impl fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            message: message.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// What kind of failure this is.
    ///
    /// Example: see [`Error`].
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// The crate's result type.
///
/// Example: see [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
