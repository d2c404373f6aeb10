//! HTTP Strict Transport Security per partition, as Chromium's `TransportSecurityState` keeps
//! it: a [`TransportSecurity`] per [`crate::Net`] ([`crate::Net::transport_security`]).
//!
//! - **Noted** from `Strict-Transport-Security` ([`parse_sts_header`]) of a response that came
//!   over `https:` whose certificate the default verifier trusted. A response accepted only
//!   because the certificate verify proc said "accept", a response from the HTTP cache or from
//!   a protocol handler, an `http:` response and an IP-literal host never set a policy. Only the
//!   first header of a response is read; `max-age` is capped at one year and `max-age=0`
//!   deletes the host's own entry.
//! - **Applied** to later `http:` requests of the host (and of its subdomains with
//!   `includeSubDomains`), which the pipeline's HSTS stage (first of slot 3, after webRequest's
//!   `onBeforeRequest`) answers with Chrome's internal redirect: `307 Internal Redirect`,
//!   `Location` the `https:` URL (port 80 becomes 443, another explicit port is kept),
//!   `Non-Authoritative-Reason: HSTS`. It is followed like any redirect, so it shows in the
//!   URL chain, in webRequest's `onBeforeRedirect` and in the net log
//!   (`URL_REQUEST_REDIRECT_JOB` with `reason: HSTS`, then the fake response headers).
//! - **Certificate errors are fatal** for a host with a policy: the verify proc's "accept" of a
//!   certificate the default verifier refused is ignored, and the request fails with the
//!   default verifier's error (`net::ERR_CERT_AUTHORITY_INVALID`, ...).
//! - **Stored** in `<partition>/TransportSecurity` for a persistent partition, in Chromium's
//!   JSON (version 2): `{"version":2,"sts":[{"host","mode":"force-https",
//!   "sts_include_subdomains","sts_observed","expiry"}]}`, where `host` is the base64 SHA-256
//!   of the host name in DNS wire form (so the file names no host) and times are seconds since
//!   the Unix epoch. A writer thread writes it atomically ([`session_base::fs::atomic_write`])
//!   a second after a change (or at [`TransportSecurity::flush`] and when the last handle is
//!   dropped); a file that cannot be read is moved aside as `TransportSecurity.corrupt-<time>`
//!   and the partition starts with no policy. An in-memory partition keeps its policies in
//!   memory only.
//!
//! There is no preload list: only policies the partition saw (or that were added with
//! [`TransportSecurity::add`]) apply. Websockets are not part of this crate, so only `http:`
//! is upgraded.
//!
//! ```
//! use std::time::Duration;
//! use session_net::{Net, NetConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), session_net::Error> {
//! let net = Net::new(NetConfig::default())?;
//! let hsts = net.transport_security();
//! hsts.add("example.test", Duration::from_secs(3600), true)?;
//! let policy = hsts.policy("www.example.test").expect("covered by includeSubDomains");
//! assert_eq!(policy.domain, "example.test");
//! assert!(hsts.add("127.0.0.1", Duration::from_secs(60), false).is_err());
//! assert!(hsts.delete("example.test"));
//! assert!(hsts.policy("www.example.test").is_none());
//! # Ok(()) }
//! ```

mod header;
mod stage;
mod state;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use url::Url;

use crate::error::{Error, NetError, Result};

pub use header::{MAX_AGE_LIMIT, Sts, parse_sts_header, sts_of};
pub(crate) use stage::HstsStage;
use state::State;
use writer::Writer;

/// Chromium's name of the file in a persistent partition.
///
/// Example: see [`TransportSecurity`].
pub const FILE_NAME: &str = "TransportSecurity";

/// The policy that applies to a host ([`TransportSecurity::policy`]).
///
/// Example: see [`TransportSecurity`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StsPolicy {
    /// The host the entry belongs to: the host asked about, or a parent domain whose entry has
    /// `include_subdomains`.
    pub domain: String,
    /// Whether the entry covers subdomains.
    pub include_subdomains: bool,
    /// When the entry was set.
    pub observed: SystemTime,
    /// When it stops applying.
    pub expiry: SystemTime,
}

/// The state the request path and the writer thread share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Whether there is any entry: the request path's one load when there is none.
    any: AtomicBool,
}

impl Shared {
    fn new(state: State) -> Arc<Shared> {
        Arc::new(Shared {
            any: AtomicBool::new(!state.is_empty()),
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The file's bytes (memory only, under the lock for as long as serialising takes).
    pub(crate) fn snapshot(&self) -> Vec<u8> {
        self.lock().to_json(now())
    }

    /// Runs `change` under the lock; returns what it returned and keeps `any` true to the state.
    fn change<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.lock();
        let out = change(&mut state);
        self.any.store(!state.is_empty(), Ordering::Release);
        out
    }
}

struct Inner {
    shared: Arc<Shared>,
    path: Option<PathBuf>,
    writer: Option<Writer>,
}

/// The HSTS policies of one partition: memory, plus the `TransportSecurity` file of a persistent
/// partition. A cheap handle (`Clone`, `Send + Sync`); see the [module docs](self).
///
/// ```
/// use std::time::Duration;
///
/// use session_net::hsts::{FILE_NAME, TransportSecurity};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join(FILE_NAME);
/// {
///     let (hsts, warning) = TransportSecurity::open(&path).unwrap();
///     assert!(warning.is_none());
///     assert_eq!(hsts.path(), Some(path.as_path()));
///     hsts.add("bank.test", Duration::from_secs(86_400), true).unwrap();
///     hsts.add("shop.test", Duration::from_secs(86_400), false).unwrap();
///     hsts.flush().unwrap(); // durable now, not a second later
/// }
/// let (hsts, _) = TransportSecurity::open(&path).unwrap();
/// let policy = hsts.policy("login.bank.test").unwrap();
/// assert!(policy.include_subdomains && policy.domain == "bank.test");
/// assert!(policy.expiry > policy.observed);
/// assert!(hsts.policy("www.shop.test").is_none()); // no includeSubDomains
/// assert!(hsts.delete("shop.test") && !hsts.delete("shop.test"));
/// assert_eq!(hsts.retain_only(&["bank.test"]), 0);
/// assert_eq!(hsts.clear(), 1);
/// assert_eq!(TransportSecurity::in_memory().path(), None);
///
/// // A file that is not Chromium's JSON is moved aside, with a warning.
/// std::fs::write(&path, b"garbage").unwrap();
/// let (hsts, warning) = TransportSecurity::open(&path).unwrap();
/// assert!(warning.unwrap().contains("TransportSecurity.corrupt-"));
/// assert!(hsts.policy("bank.test").is_none());
/// ```
#[derive(Clone)]
pub struct TransportSecurity {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TransportSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportSecurity")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Default for TransportSecurity {
    fn default() -> Self {
        Self::in_memory()
    }
}

fn now() -> f64 {
    to_secs(SystemTime::now())
}

fn to_secs(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

fn from_secs(secs: f64) -> SystemTime {
    let d = Duration::try_from_secs_f64(secs.abs()).unwrap_or(Duration::MAX);
    if secs >= 0.0 {
        UNIX_EPOCH.checked_add(d).unwrap_or(UNIX_EPOCH)
    } else {
        UNIX_EPOCH.checked_sub(d).unwrap_or(UNIX_EPOCH)
    }
}

impl TransportSecurity {
    /// Policies in memory only (an in-memory partition; what [`crate::NetConfig`] starts with).
    ///
    /// Example: see [`TransportSecurity`].
    pub fn in_memory() -> TransportSecurity {
        Self::from_shared(Shared::new(State::default()), None, None)
    }

    fn from_shared(
        shared: Arc<Shared>,
        path: Option<PathBuf>,
        writer: Option<Writer>,
    ) -> TransportSecurity {
        TransportSecurity {
            inner: Arc::new(Inner {
                shared,
                path,
                writer,
            }),
        }
    }

    /// Opens the policies kept in `path` (a persistent partition's
    /// `<partition>/`[`FILE_NAME`]); a missing file means none. A file that cannot be used (not
    /// Chromium's JSON, another version) is moved aside as `TransportSecurity.corrupt-<time>`:
    /// the store starts empty and the returned warning says where the file went. Fails only
    /// when the file cannot be read or moved, naming it.
    ///
    /// Example: see [`TransportSecurity`].
    pub fn open(path: impl Into<PathBuf>) -> Result<(TransportSecurity, Option<String>)> {
        let path = path.into();
        let io = |what: &str, e: std::io::Error| {
            Error::new(
                NetError::Failed,
                format!("cannot {what} {}: {e}", path.display()),
            )
        };
        let (state, warning) = match std::fs::read(&path) {
            Ok(bytes) => match State::from_json(&bytes, now()) {
                Ok(state) => (state, None),
                Err(why) => {
                    let aside = session_base::fs::move_aside(&path)
                        .map_err(|e| io("move aside the unusable", e))?;
                    let warning = format!(
                        "{} could not be used ({why}); moved to {} and started with no HSTS policy",
                        path.display(),
                        aside.display()
                    );
                    tracing::warn!("{warning}");
                    (State::default(), Some(warning))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (State::default(), None),
            Err(e) => return Err(io("read", e)),
        };
        let shared = Shared::new(state);
        let writer = Writer::start(path.clone(), shared.clone())
            .map_err(|e| io("start the writer of", e))?;
        Ok((Self::from_shared(shared, Some(path), Some(writer)), warning))
    }

    /// The file the policies are kept in; `None` in memory.
    ///
    /// Example: see [`TransportSecurity`].
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The policy that applies to `host` now: its own entry, else the nearest parent domain's
    /// with `include_subdomains`. `None` when requests to it are not upgraded.
    ///
    /// Example: see [`TransportSecurity`].
    pub fn policy(&self, host: &str) -> Option<StsPolicy> {
        if !self.inner.shared.any.load(Ordering::Acquire) {
            return None;
        }
        let (domain, entry) = self.inner.shared.change(|s| s.lookup(host, now()))?;
        Some(StsPolicy {
            domain,
            include_subdomains: entry.include_subdomains,
            observed: from_secs(entry.observed),
            expiry: from_secs(entry.expiry),
        })
    }

    /// Adds (or replaces) `host`'s own policy for `max_age` from now, as Chrome's
    /// `net-internals` "Add HSTS domain" does. Fails with `net::ERR_INVALID_ARGUMENT` for a host
    /// that cannot have one (an IP literal, an empty or malformed name). Connections already
    /// open keep the certificate verdict they were opened with
    /// ([`crate::Net::close_idle_connections`] drops the idle ones).
    ///
    /// Example: see [`TransportSecurity`].
    pub fn add(&self, host: &str, max_age: Duration, include_subdomains: bool) -> Result<()> {
        let t = now();
        let expiry = t + max_age.as_secs_f64();
        if !self
            .inner
            .shared
            .change(|s| s.add(host, expiry, include_subdomains, t))
        {
            return Err(Error::new(
                NetError::InvalidArgument,
                format!("'{host}' cannot have an HSTS policy (an IP address or not a host name)"),
            ));
        }
        self.changed();
        Ok(())
    }

    /// Deletes `host`'s own policy (a parent's `include_subdomains` policy still applies);
    /// whether there was one.
    ///
    /// Example: see [`TransportSecurity`].
    pub fn delete(&self, host: &str) -> bool {
        let deleted = self.inner.shared.change(|s| s.delete(host));
        if deleted {
            self.changed();
        }
        deleted
    }

    /// Deletes every policy except those of `hosts` (their own entries); how many went.
    ///
    /// Example: see [`TransportSecurity`].
    pub fn retain_only(&self, hosts: &[&str]) -> usize {
        let n = self.inner.shared.change(|s| s.retain_only(hosts));
        if n > 0 {
            self.changed();
        }
        n
    }

    /// Deletes every policy; how many there were.
    ///
    /// Example: see [`TransportSecurity`].
    pub fn clear(&self) -> usize {
        let n = self.inner.shared.change(State::clear);
        if n > 0 {
            self.changed();
        }
        n
    }

    /// Writes pending changes to the file now and waits until they are on disk (a no-op in
    /// memory). The request path never waits for this; call it when a change must be durable
    /// (the file is otherwise written a second after a change, and when the last handle goes).
    ///
    /// Example: see [`TransportSecurity`].
    pub fn flush(&self) -> Result<()> {
        match &self.inner.writer {
            None => Ok(()),
            Some(w) => w
                .flush()
                .map_err(|e| Error::new(NetError::Failed, format!("HSTS state not saved: {e}"))),
        }
    }

    fn changed(&self) {
        if let Some(w) = &self.inner.writer {
            w.dirty();
        }
    }

    /// The `https:` URL an `http:` request to `url` goes to instead, if a policy applies.
    pub(crate) fn upgrade(&self, url: &Url) -> Option<Url> {
        if !matches!(url.scheme(), "http" | "ws") || !self.inner.shared.any.load(Ordering::Acquire)
        {
            return None;
        }
        self.inner.shared.change(|s| s.upgrade(url, now()))
    }

    /// Whether `host` has a policy, making its certificate errors fatal.
    pub(crate) fn is_strict(&self, host: &str) -> bool {
        self.inner.shared.any.load(Ordering::Acquire)
            && self.inner.shared.change(|s| s.is_strict(host, now()))
    }

    /// Notes a valid header seen from `host` over trusted TLS.
    pub(crate) fn note(&self, host: &str, sts: Sts) {
        if self.inner.shared.change(|s| s.note(host, sts, now())) {
            self.changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<TransportSecurity>();
        check::<StsPolicy>();
    }

    #[test]
    fn a_persistent_store_survives_reopening_and_writes_off_the_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let (ts, warning) = TransportSecurity::open(&path).expect("open");
        assert!(warning.is_none());
        ts.note(
            "a.test",
            Sts {
                max_age: 600,
                include_subdomains: true,
            },
        );
        ts.flush().expect("flush");
        let bytes = std::fs::read(&path).expect("written");
        assert!(!String::from_utf8_lossy(&bytes).contains("a.test"));
        drop(ts);
        let (again, _) = TransportSecurity::open(&path).expect("reopen");
        assert_eq!(again.policy("x.a.test").expect("kept").domain, "a.test");
        // Dropping the last handle writes what is pending.
        assert!(again.delete("a.test"));
        drop(again);
        let (third, _) = TransportSecurity::open(&path).expect("reopen");
        assert!(third.policy("a.test").is_none());
    }

    #[test]
    fn an_unusable_file_is_moved_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{\"version\":2,\"sts\":[{").expect("write");
        let (ts, warning) = TransportSecurity::open(&path).expect("open");
        let warning = warning.expect("a warning");
        assert!(warning.contains("TransportSecurity.corrupt-"), "{warning}");
        assert!(ts.policy("a.test").is_none());
        assert!(!path.exists());
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            aside
                .iter()
                .any(|n| n.starts_with("TransportSecurity.corrupt-")),
            "{aside:?}"
        );
    }
}
