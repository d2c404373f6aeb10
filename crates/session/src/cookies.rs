//! Cookies of a session: everything of `session-cookies`, re-exported, and the session's jar
//! (`session.cookies`): persistent partitions keep it in `<storage_path>/Cookies` (SQLite, WAL,
//! every change committed before the call returns), in-memory partitions never touch disk.

use crate::clear::OriginFilter;
use crate::error::{Error as SessionError, ErrorKind as SessionErrorKind};
use crate::session::{Session, SessionOptions};
pub use session_cookies::*;
use std::path::Path;

/// The file name of the cookie store inside a persistent partition (Chromium's).
///
/// ```
/// use session::cache::CACHE_DIR;
/// use session::cookies::COOKIES_FILE;
/// use session::dictionaries::SHARED_DICTIONARY_DIR;
/// use session::{SessionOptions, Sessions};
///
/// let user_data = tempfile::tempdir().unwrap();
/// let sessions = Sessions::new(user_data.path());
/// let work = sessions.from_partition("persist:work", SessionOptions::default()).unwrap();
/// let dir = work.storage_path().unwrap();
/// assert!(dir.join(COOKIES_FILE).is_file());
/// assert!(dir.join(CACHE_DIR).is_dir());
/// assert!(dir.join(SHARED_DICTIONARY_DIR).is_dir());
/// ```
pub const COOKIES_FILE: &str = "Cookies";

/// Opens the jar of a new session; a store that had to be replaced yields a warning.
pub(crate) fn open_cookies(
    storage_path: Option<&Path>,
    options: &SessionOptions,
) -> Result<(Cookies, Option<String>), SessionError> {
    let jar_options = CookiesOptions {
        persist_session_cookies: options.persist_session_cookies,
        ..CookiesOptions::default()
    };
    match storage_path {
        None => Ok((Cookies::in_memory(jar_options), None)),
        Some(dir) => {
            let path = dir.join(COOKIES_FILE);
            let cookies = Cookies::open(&path, jar_options).map_err(|e| {
                SessionError::with_source(
                    SessionErrorKind::Io,
                    format!("cannot open cookie store {}", path.display()),
                    e,
                )
            })?;
            let warning = cookies.recovery().map(|r| {
                format!(
                    "cookie store was unusable ({}); moved to {} and started fresh",
                    r.error,
                    r.moved_to.display()
                )
            });
            Ok((cookies, warning))
        }
    }
}

/// Puts the jar in the session's request pipeline (stage 4: `Cookie` attached, `Set-Cookie`
/// stored on every hop).
pub(crate) fn attach_to_net(net: &session_net::Net, cookies: &Cookies) {
    net.insert_stage(session_net::cookies::CookieStage::new(cookies.clone()));
}

impl SessionOptions {
    /// Keep session cookies (no expiry) across restarts of a persistent partition (default
    /// `false`, as Chromium): the logins that use session cookies survive.
    ///
    /// Example: see [`SessionOptions`].
    pub fn persist_session_cookies(mut self, yes: bool) -> Self {
        self.persist_session_cookies = yes;
        self
    }
}

impl Session {
    /// Electron's `session.cookies`: the session's cookie jar.
    ///
    /// ```
    /// use session::cookies::{CookieDetails, CookieFilter};
    /// use session::{OriginFilter, SessionOptions, Sessions};
    ///
    /// let user_data = tempfile::tempdir().unwrap();
    /// let sessions = Sessions::new(user_data.path());
    /// let session = sessions.from_partition("persist:main", SessionOptions::default()).unwrap();
    /// session.cookies().set(&CookieDetails {
    ///     url: "https://a.test".into(), name: "sid".into(), value: "1".into(),
    ///     expiration_date: Some(4_102_444_800.0), ..Default::default()
    /// }).unwrap();
    /// session.flush_storage_data().unwrap();
    /// assert!(session.storage_path().unwrap().join("Cookies").exists());
    /// assert_eq!(session.cookies().get(&CookieFilter::default()).unwrap()[0].value, "1");
    ///
    /// assert_eq!(session.clear_cookies(&OriginFilter::All).unwrap(), 1);
    /// assert!(session.cookies().is_empty());
    /// ```
    pub fn cookies(&self) -> &Cookies {
        &self.inner.cookies
    }

    /// Example: see [`Session::cookies`].
    ///
    /// `ses.flushStorageData()`: the storage this library keeps that could be pending is the
    /// cookie store's write-ahead log, so this checkpoints it (every cookie change is already
    /// committed when its call returns), and the HSTS policies not yet written to
    /// `TransportSecurity` (written a second after a change otherwise).
    pub fn flush_storage_data(&self) -> Result<(), SessionError> {
        self.cookies().flush_store().map_err(|e| {
            SessionError::with_source(SessionErrorKind::Io, "cannot flush the cookie store", e)
        })?;
        self.net().transport_security().flush().map_err(|e| {
            SessionError::with_source(SessionErrorKind::Io, "cannot flush the HSTS state", e)
        })
    }

    /// The cookies part of `clear_data` / `clear_storage_data`: removes the cookies the origin
    /// filter covers, at registrable-domain granularity (SESSION-17..19, 21). Returns how many
    /// went. Example: see [`Session::cookies`].
    pub fn clear_cookies(&self, filter: &OriginFilter) -> Result<usize, SessionError> {
        let domains: Vec<String> = filter.listed_domains().into_iter().collect();
        let result = match filter {
            OriginFilter::All => self.cookies().clear(),
            OriginFilter::Only(_) => self.cookies().clear_for_hosts(&domains, false),
            OriginFilter::Except(_) => self.cookies().clear_for_hosts(&domains, true),
        };
        result
            .map_err(|e| SessionError::with_source(SessionErrorKind::Io, "cannot clear cookies", e))
    }
}
