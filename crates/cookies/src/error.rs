//! The crate's error type.

use std::fmt;

/// Why a cookie was not stored (or not sent), after Chromium's `CookieInclusionStatus`
/// exclusion reasons. [`Exclusion::message`] gives the text Electron shows.
///
/// Example: see [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Exclusion {
    /// HttpOnly cookie offered by a script (`document.cookie`).
    HttpOnly,
    /// Secure cookie from (or for) a URL that may not access Secure cookies.
    SecureOnly,
    /// The cookie's domain does not domain-match the URL.
    DomainMismatch,
    /// SameSite=Strict cookie in a cross-site context.
    SameSiteStrict,
    /// SameSite=Lax cookie in a cross-site context.
    SameSiteLax,
    /// SameSite left unspecified (treated as Lax) in a cross-site context.
    SameSiteUnspecifiedTreatedAsLax,
    /// SameSite=None without Secure.
    SameSiteNoneInsecure,
    /// The cookie could not be stored (unparseable line, bad path ...).
    FailureToStore,
    /// The URL's scheme cannot carry cookies, or it has no host.
    NonCookieableScheme,
    /// An insecure origin tried to overwrite or shadow a Secure cookie.
    OverwriteSecure,
    /// A script tried to overwrite an HttpOnly cookie.
    OverwriteHttpOnly,
    /// The Domain attribute is a public suffix or does not cover the URL's host.
    InvalidDomain,
    /// A `__Secure-`, `__Host-`, `__Http-` or `__Host-Http-` prefix whose rules are not met.
    InvalidPrefix,
    /// Partitioned without Secure.
    InvalidPartitioned,
    /// Name and value together are longer than 4096 bytes.
    NameValuePairExceedsMaxSize,
    /// Control characters (or `;` in a name or value given through the API).
    DisallowedCharacter,
}

impl Exclusion {
    /// Chromium's description of the reason, as Electron prints it.
    ///
    /// Example: see [`Error`].
    pub fn message(self) -> &'static str {
        match self {
            Exclusion::HttpOnly => {
                "The cookie was HttpOnly, but the attempted access was through a non-HTTP API."
            }
            Exclusion::SecureOnly => {
                "The cookie was Secure, but the URL was not allowed to access Secure cookies."
            }
            Exclusion::DomainMismatch => "The cookie's domain was not a domain-match for the URL.",
            Exclusion::SameSiteStrict => {
                "The cookie was SameSite=Strict, but the request was cross-site."
            }
            Exclusion::SameSiteLax => {
                "The cookie was SameSite=Lax, but the request was cross-site."
            }
            Exclusion::SameSiteUnspecifiedTreatedAsLax => {
                "The cookie did not specify SameSite and was treated as SameSite=Lax, but the request was cross-site."
            }
            Exclusion::SameSiteNoneInsecure => {
                "The cookie was SameSite=None, but it was not Secure."
            }
            Exclusion::FailureToStore => "The cookie could not be stored.",
            Exclusion::NonCookieableScheme => "The cookie was set on a non-cookieable scheme.",
            Exclusion::OverwriteSecure => {
                "The cookie attempted to overwrite a Secure cookie from an insecure origin."
            }
            Exclusion::OverwriteHttpOnly => {
                "The cookie attempted to overwrite an HttpOnly cookie from a non-HTTP source."
            }
            Exclusion::InvalidDomain => "The cookie was set with an invalid Domain attribute.",
            Exclusion::InvalidPrefix => {
                "The cookie was set with an invalid __Secure- or __Host- prefix."
            }
            Exclusion::InvalidPartitioned => {
                "The cookie was set with an invalid Partitioned attribute."
            }
            Exclusion::NameValuePairExceedsMaxSize => {
                "The cookie's name and value combined exceeded the max size."
            }
            Exclusion::DisallowedCharacter => "The cookie contains ASCII control characters",
        }
    }
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// What kind of failure an [`Error`] is.
///
/// Example: see [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A cookie was refused by the jar's rules; [`Error::exclusion`] says why.
    Rejected,
    /// An argument was malformed (a same-site string, a missing URL, a filter).
    InvalidArgument,
    /// The SQLite store failed.
    Store,
    /// An imported file could not be parsed.
    Import,
    /// A file could not be read or written.
    Io,
}

/// The error of every fallible operation of this crate.
///
/// ```
/// use session_cookies::{CookieDetails, CookieFilter, Cookies, ErrorKind, Exclusion, SameSite};
///
/// let jar = Cookies::default();
/// let insecure_none = CookieDetails {
///     url: "https://a.test".into(),
///     name: "sid".into(),
///     same_site: Some(SameSite::NoRestriction),
///     secure: Some(false),
///     ..Default::default()
/// };
/// let err = jar.set(&insecure_none).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Rejected);
/// assert_eq!(err.exclusion(), Some(Exclusion::SameSiteNoneInsecure));
/// assert_eq!(err.to_string(), "Failed to set cookie - The cookie was SameSite=None, but it was not Secure.");
/// assert_eq!(Exclusion::SameSiteNoneInsecure.message(), "The cookie was SameSite=None, but it was not Secure.");
///
/// let err = jar.get(&CookieFilter { url: Some("not a url".into()), ..Default::default() }).unwrap_err();
/// assert_eq!((err.kind(), err.exclusion()), (ErrorKind::InvalidArgument, None));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    exclusion: Option<Exclusion>,
    message: String,
}

impl Error {
    /// What kind of failure this is.
    ///
    /// Example: see [`Error`].
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// For [`ErrorKind::Rejected`], the reason the cookie was refused.
    ///
    /// Example: see [`Error`].
    pub fn exclusion(&self) -> Option<Exclusion> {
        self.exclusion
    }

    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            exclusion: None,
            message: message.into(),
        }
    }

    /// A refusal from `cookies.set`, worded as Electron words it.
    pub(crate) fn set_failed(reason: Exclusion) -> Self {
        Error {
            kind: ErrorKind::Rejected,
            exclusion: Some(reason),
            message: format!("Failed to set cookie - {}", reason.message()),
        }
    }

    pub(crate) fn store(context: &str, err: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Store, format!("{context}: {err}"))
    }
}

/// Shorthand for results of this crate.
///
/// Example: see [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
