//! Electron's `Cookies` class: `get`, `set`, `remove`, `flushStore`, the `changed` event — plus
//! the entry points the network stack and a page bridge use.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tokio_sync::sync::broadcast;
use url::Url;

use crate::context::{CookieSource, RequestContext, SameSiteContext};
use crate::cookie::{CanonicalCookie, Cookie, CookiePartitionKey, SameSite};
use crate::date::{Micros, now_micros};
use crate::error::{Error, ErrorKind, Exclusion, Result};
use crate::jar::{
    Change, ChangeCause, CookieJar, Limits, SetAccess, cookie_domain_matches, cookie_host,
    default_path, domain_key, header_value, is_secure_url, path_matches, resolve_domain,
};
use crate::parse::{MAX_NAME_VALUE, is_disallowed_ctl};
use crate::store::{Recovery, Store, records, touched_keys};
use crate::writer::{Durable, Writer};

/// Options of a jar.
///
/// Example: see [`Cookies::open`].
#[derive(Clone, Debug, Default)]
pub struct CookiesOptions {
    /// Keep session cookies (no expiry) in the store across restarts. Default false, as
    /// Chromium; opt in to keep logins that use session cookies.
    pub persist_session_cookies: bool,
    /// Limits; default Chromium's.
    pub limits: Limits,
}

/// `cookies.get` filter: every given field must match.
///
/// Example: see [`Cookies::get`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CookieFilter {
    /// Cookies that a request to this URL would carry (all-inclusive SameSite context,
    /// HttpOnly included).
    pub url: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    /// A host that must domain-match the cookie (exactly its domain, or a sub-domain of a
    /// domain cookie). A leading dot is ignored.
    pub domain: Option<String>,
    /// Exact path.
    pub path: Option<String>,
    /// Secure flag.
    pub secure: Option<bool>,
    /// Session (true) or persistent (false).
    pub session: Option<bool>,
    /// HttpOnly flag.
    pub http_only: Option<bool>,
    /// Only cookies of this partition.
    pub partition_key: Option<CookiePartitionKey>,
}

/// `cookies.set` details, with Electron's defaults.
///
/// Example: see [`Cookies::get`] and [`CookieDetails::from_json`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CookieDetails {
    /// The URL the cookie is set as if from; required.
    pub url: String,
    /// Name; empty by default.
    pub name: String,
    /// Value; empty by default.
    pub value: String,
    /// Domain: makes a domain cookie for it and its sub-domains; host-only when absent.
    pub domain: Option<String>,
    /// Path; the URL's default-path when absent.
    pub path: Option<String>,
    /// Secure; default true only for `SameSite=no_restriction`.
    pub secure: Option<bool>,
    /// HttpOnly; default false.
    pub http_only: Option<bool>,
    /// Expiry in seconds since the epoch; a session cookie when absent.
    pub expiration_date: Option<f64>,
    /// SameSite; default `lax`.
    pub same_site: Option<SameSite>,
}

impl CookieDetails {
    /// Reads `cookies.set` details from Electron-shaped JSON (what a script bridge passes),
    /// with Electron's messages: a missing `url` is "Missing required option 'url'", a bad
    /// `sameSite` is "Failed to convert '`<x>`' to an appropriate cookie same site value".
    ///
    /// ```
    /// use session_cookies::{CookieDetails, SameSite};
    ///
    /// let details = CookieDetails::from_json(&serde_json::json!({
    ///     "url": "https://a.test", "name": "sid", "value": "1", "sameSite": "strict",
    ///     "expirationDate": 4102444800.0,
    /// }))
    /// .unwrap();
    /// assert_eq!((details.name.as_str(), details.same_site), ("sid", Some(SameSite::Strict)));
    ///
    /// let err = CookieDetails::from_json(&serde_json::json!({ "name": "sid" })).unwrap_err();
    /// assert_eq!(err.to_string(), "Missing required option 'url'");
    /// let err = CookieDetails::from_json(&serde_json::json!({ "url": "https://a.test", "sameSite": "x" }));
    /// assert!(err.unwrap_err().to_string().contains("appropriate cookie same site value"));
    /// ```
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let invalid = |m: String| Error::new(ErrorKind::InvalidArgument, m);
        let object = value
            .as_object()
            .ok_or_else(|| invalid(format!("cookie details must be an object, got {value}")))?;
        if !object.contains_key("url") {
            return Err(invalid("Missing required option 'url'".to_owned()));
        }
        if let Some(same_site) = object.get("sameSite").and_then(|v| v.as_str()) {
            SameSite::parse(same_site)?;
        }
        serde_json::from_value(value.clone())
            .map_err(|e| invalid(format!("invalid cookie details: {e}")))
    }
}

/// An event of the jar.
///
/// Example: see [`Cookies::subscribe`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CookiesEvent {
    /// Electron's `changed`: a cookie was inserted or removed.
    Changed {
        /// The cookie.
        cookie: Cookie,
        /// Why.
        cause: ChangeCause,
        /// Whether it was removed.
        removed: bool,
    },
}

struct State {
    jar: CookieJar,
    /// The persistent store's writer thread; `None` for a jar in memory.
    writer: Option<Writer>,
    persist_session_cookies: bool,
    /// Index keys whose cookies were sent since their record was last written: their access
    /// times (the eviction order) reach disk at `flush_store` or when the jar is dropped.
    accessed: std::collections::HashSet<String>,
}

impl Drop for State {
    fn drop(&mut self) {
        // On the way out: queue the access times; the writer, dropped next, drains its queue.
        self.queue_access_times();
    }
}

impl State {
    /// Queues the records of the domains whose cookies were sent since they were last written.
    fn queue_access_times(&mut self) {
        if self.accessed.is_empty() {
            return;
        }
        let keys: Vec<String> = self.accessed.drain().collect();
        if let Some(writer) = &self.writer {
            let recs = records(
                keys.iter().map(String::as_str),
                &self.jar,
                self.persist_session_cookies,
            );
            writer.write_later(recs);
        }
    }
}

struct Inner {
    state: Mutex<State>,
    events: session_base::events::LazySender<CookiesEvent>,
    path: Option<PathBuf>,
    recovery: Option<Recovery>,
}

/// A cookie jar with Electron's `Cookies` API. Cheap to clone; clones share the jar.
///
/// Every method is synchronous and returns once the change is in memory and, for a persistent
/// jar, committed to disk. The jar's lock guards memory only: commits happen on the store's
/// writer thread, which batches what queues up meanwhile, and a call waits for its commit after
/// releasing the lock, so readers (building a `Cookie` header never writes) never wait for the
/// disk. Async callers storing a response's cookies use [`Cookies::set_from_response_async`],
/// which waits without blocking a thread.
///
/// ```
/// use session_cookies::{Cookies, Exclusion, Format, RequestContext};
/// use url::Url;
///
/// let jar = Cookies::default();
/// let site = Url::parse("https://a.test/").unwrap();
/// let ctx = RequestContext::default(); // the application's own request: same-site with everything
///
/// // What the network stage does with a response and the next request.
/// let stored = jar
///     .set_from_response(&site, &["sid=1; HttpOnly", "theme=dark", "x=1; Domain=b.test"], &ctx)
///     .unwrap();
/// assert!(stored[0].is_ok() && stored[1].is_ok() && stored[2].is_err());
/// assert_eq!(jar.cookie_header(&site, &ctx).as_deref(), Some("sid=1; theme=dark"));
///
/// // A cross-site subresource does not carry SameSite-unspecified (Lax) cookies.
/// let from_b = RequestContext::from_page(&Url::parse("https://b.test/").unwrap());
/// assert_eq!(jar.cookie_header(&site, &from_b), None);
///
/// // Scripts (`document.cookie`) see no HttpOnly cookie and cannot set one.
/// assert_eq!(jar.document_cookie(&site, &ctx), "theme=dark");
/// assert_eq!(jar.set_document_cookie(&site, "x=1; HttpOnly", &ctx).unwrap(), Err(Exclusion::HttpOnly));
///
/// // Export and import: curl's cookies.txt or Electron's JSON.
/// let copy = Cookies::default();
/// assert_eq!(copy.import(&jar.export(Format::Netscape), Format::Netscape).unwrap(), 2);
/// assert_eq!(copy.all().len(), 2);
/// assert_eq!(copy.clear_for_hosts(&["www.a.test"], false).unwrap(), 2); // by registrable domain
/// jar.flush_store().unwrap(); // nothing to write for a jar in memory
/// ```
#[derive(Clone)]
pub struct Cookies {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cookies")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Default for Cookies {
    fn default() -> Self {
        Cookies::in_memory(CookiesOptions::default())
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn parse_url(s: &str) -> Result<Url> {
    Url::parse(s).map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("invalid URL '{s}': {e}"),
        )
    })
}

impl Cookies {
    /// A jar that lives in memory only and never touches disk.
    ///
    /// Example: see [the crate's example](crate).
    pub fn in_memory(options: CookiesOptions) -> Self {
        Self::build(CookieJar::new(options.limits), None, false, None, None)
    }

    /// Opens the persistent jar stored at `path` (a partition's `Cookies` file), creating it if
    /// missing. An unusable file is moved aside and reported by [`Cookies::recovery`].
    ///
    /// ```
    /// use session_cookies::{CookieDetails, CookieFilter, Cookies, CookiesOptions};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("Cookies");
    /// let jar = Cookies::open(&path, CookiesOptions::default()).unwrap();
    /// jar.set(&CookieDetails {
    ///     url: "https://a.test".into(), name: "sid".into(), value: "1".into(),
    ///     expiration_date: Some(4_102_444_800.0), // 2100: a persistent cookie
    ///     ..Default::default()
    /// }).unwrap();
    /// jar.set(&CookieDetails { url: "https://a.test".into(), name: "tmp".into(), ..Default::default() })
    ///     .unwrap();
    /// drop(jar);
    ///
    /// // Reopened: the persistent cookie is back, the session cookie is not (Chromium's default).
    /// let jar = Cookies::open(&path, CookiesOptions::default()).unwrap();
    /// let names: Vec<_> = jar.get(&CookieFilter::default()).unwrap().into_iter().map(|c| c.name).collect();
    /// assert_eq!(names, ["sid"]);
    /// assert_eq!(jar.storage_path(), Some(path.as_path()));
    /// assert!(jar.recovery().is_none());
    /// ```
    pub fn open(path: impl AsRef<Path>, options: CookiesOptions) -> Result<Self> {
        let path = path.as_ref();
        let now = now_micros();
        let mut jar = CookieJar::new(options.limits);
        let (store, recovery) = Store::open(path, options.persist_session_cookies, now, &mut jar)?;
        let writer = Writer::start(store, "cookie-store".to_owned())?;
        Ok(Self::build(
            jar,
            Some(writer),
            options.persist_session_cookies,
            Some(path.to_owned()),
            recovery,
        ))
    }

    fn build(
        jar: CookieJar,
        writer: Option<Writer>,
        persist_session_cookies: bool,
        path: Option<PathBuf>,
        recovery: Option<Recovery>,
    ) -> Self {
        let events = session_base::events::LazySender::new(1024);
        Cookies {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    jar,
                    writer,
                    persist_session_cookies,
                    accessed: Default::default(),
                }),
                events,
                path,
                recovery,
            }),
        }
    }

    /// The store's file, for a persistent jar.
    ///
    /// Example: see [`Cookies::open`].
    pub fn storage_path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// When opening found an unusable store and started a fresh one: where the old file went
    /// and why.
    ///
    /// Example: see [`Cookies::open`].
    pub fn recovery(&self) -> Option<&Recovery> {
        self.inner.recovery.as_ref()
    }

    /// Electron's `changed` event stream.
    ///
    /// ```
    /// use session_cookies::{ChangeCause, CookieDetails, Cookies, CookiesEvent};
    ///
    /// let jar = Cookies::default();
    /// let mut events = jar.subscribe();
    /// jar.set(&CookieDetails { url: "https://a.test".into(), name: "n".into(), ..Default::default() })
    ///     .unwrap();
    /// jar.remove("https://a.test/", "n").unwrap();
    /// let CookiesEvent::Changed { cause, removed, .. } = events.try_recv().unwrap() else { unreachable!() };
    /// assert_eq!((cause, removed), (ChangeCause::Inserted, false));
    /// let CookiesEvent::Changed { cause, removed, .. } = events.try_recv().unwrap() else { unreachable!() };
    /// assert_eq!((cause, removed), (ChangeCause::Explicit, true));
    /// ```
    pub fn subscribe(&self) -> broadcast::Receiver<CookiesEvent> {
        self.inner.events.subscribe()
    }

    /// Number of cookies in the jar. Example: see [`Cookies::get`].
    pub fn len(&self) -> usize {
        lock(&self.inner.state).jar.len()
    }

    /// Whether the jar is empty. Example: see [`Cookies::get`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Announces `changes` (already applied to the jar) and queues them for the store; the
    /// returned [`Durable`] completes once they are committed. Called under the lock; wait on
    /// the result after releasing it.
    fn commit(&self, state: &mut State, changes: &[Change]) -> Durable {
        if changes.is_empty() {
            return Durable::done();
        }
        self.announce(changes);
        match &state.writer {
            Some(writer) => {
                let keys = touched_keys(changes, state.persist_session_cookies);
                writer.write(records(keys, &state.jar, state.persist_session_cookies))
            }
            None => Durable::done(),
        }
    }

    /// [`Cookies::commit`] for changes nobody waits for (expired cookies dropped on the way):
    /// they reach the store with the next batch.
    fn commit_later(&self, state: &mut State, changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        self.announce(changes);
        if let Some(writer) = &state.writer {
            let keys = touched_keys(changes, state.persist_session_cookies);
            writer.write_later(records(keys, &state.jar, state.persist_session_cookies));
        }
    }

    fn announce(&self, changes: &[Change]) {
        if self.inner.events.receiver_count() > 0 {
            for change in changes {
                let _ = self.inner.events.send(CookiesEvent::Changed {
                    cookie: change.cookie.to_electron(),
                    cause: change.cause,
                    removed: change.cause.removed(),
                });
            }
        }
    }

    /// `cookies.get(filter)`: the matching cookies. With a URL, in Cookie-header order; without,
    /// every cookie (longer paths first, then older) filtered. Access times are not updated.
    ///
    /// ```
    /// use session_cookies::{CookieDetails, CookieFilter, Cookies};
    ///
    /// let jar = Cookies::default();
    /// assert!(jar.is_empty());
    /// for (url, name) in [("https://a.test/", "x"), ("https://www.a.test/docs/", "y"), ("https://b.test/", "x")] {
    ///     jar.set(&CookieDetails { url: url.into(), name: name.into(), ..Default::default() }).unwrap();
    /// }
    /// assert_eq!(jar.len(), 3);
    /// let named_x = jar.get(&CookieFilter { name: Some("x".into()), ..Default::default() }).unwrap();
    /// assert_eq!(named_x.len(), 2);
    /// // Host-only cookies: a request to www.a.test/docs/ carries only `y`.
    /// let sent = jar.get(&CookieFilter { url: Some("https://www.a.test/docs/".into()), ..Default::default() })
    ///     .unwrap();
    /// assert_eq!(sent.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["y"]);
    ///
    /// assert_eq!(jar.remove("https://b.test/", "x").unwrap(), 1);
    /// assert_eq!(jar.clear().unwrap(), 2);
    /// ```
    pub fn get(&self, filter: &CookieFilter) -> Result<Vec<Cookie>> {
        let now = now_micros();
        let mut state = lock(&self.inner.state);
        let mut changes = Vec::new();
        let mut found: Vec<CanonicalCookie> = match &filter.url {
            Some(u) if !u.is_empty() => {
                let url = parse_url(u)?;
                state
                    .jar
                    .matching(
                        &url,
                        &RequestContext::default(),
                        CookieSource::Api,
                        true,
                        false,
                        now,
                        &mut changes,
                    )
                    .into_iter()
                    .cloned()
                    .collect()
            }
            _ => {
                state
                    .jar
                    .remove_matching(ChangeCause::Expired, &mut changes, |c| c.is_expired(now));
                let mut all: Vec<CanonicalCookie> = state.jar.all().cloned().collect();
                all.sort_by(|a, b| {
                    b.path
                        .len()
                        .cmp(&a.path.len())
                        .then(a.creation.cmp(&b.creation))
                });
                all
            }
        };
        self.commit_later(&mut state, &changes);
        drop(state);
        found.retain(|c| filter_matches(filter, c));
        Ok(found.iter().map(CanonicalCookie::to_electron).collect())
    }

    /// `cookies.set(details)`: stores a cookie as Electron does, returning it as stored.
    /// Errors read `Failed to set cookie - <reason>`.
    ///
    /// ```
    /// use session_cookies::{CookieDetails, Cookies};
    ///
    /// let jar = Cookies::default();
    /// let stored = jar.set(&CookieDetails {
    ///     url: "https://shop.a.test/cart".into(), name: "cart".into(), value: "3".into(),
    ///     domain: Some("a.test".into()), ..Default::default()
    /// }).unwrap();
    /// assert_eq!((stored.domain.as_deref(), stored.path.as_deref()), (Some(".a.test"), Some("/")));
    ///
    /// // A domain the URL cannot set is refused.
    /// let err = jar.set(&CookieDetails {
    ///     url: "https://a.test/".into(), name: "x".into(), domain: Some("b.test".into()), ..Default::default()
    /// }).unwrap_err();
    /// assert!(err.to_string().starts_with("Failed to set cookie - "));
    /// ```
    pub fn set(&self, details: &CookieDetails) -> Result<Cookie> {
        let now = now_micros();
        let mut state = lock(&self.inner.state);
        let cookie = sanitize(&mut state.jar, details, now)?;
        let url =
            Url::parse(&details.url).map_err(|_| Error::set_failed(Exclusion::InvalidDomain))?;
        let access = SetAccess {
            source: CookieSource::Api,
            url_secure: is_secure_url(&url),
            same_site: SameSiteContext::Strict,
        };
        let electron = cookie.to_electron();
        let changes = state
            .jar
            .set_canonical(cookie, access, now)
            .map_err(Error::set_failed)?;
        let durable = self.commit(&mut state, &changes);
        drop(state);
        durable.wait()?;
        Ok(electron)
    }

    /// `cookies.remove(url, name)`: removes the cookies named `name` that a request to `url`
    /// would carry. Returns how many went. Example: see [`Cookies::get`].
    pub fn remove(&self, url: &str, name: &str) -> Result<usize> {
        let url = parse_url(url)?;
        let Some(host) = cookie_host(&url) else {
            return Ok(0);
        };
        let secure = is_secure_url(&url);
        let path = if url.path().is_empty() {
            "/"
        } else {
            url.path()
        };
        let mut state = lock(&self.inner.state);
        let mut changes = Vec::new();
        let n = state
            .jar
            .remove_in_domain(&host, ChangeCause::Explicit, &mut changes, |c| {
                c.name == name
                    && cookie_domain_matches(c, &host)
                    && path_matches(path, &c.path)
                    && (!c.secure || secure)
            });
        let durable = self.commit(&mut state, &changes);
        drop(state);
        durable.wait()?;
        Ok(n)
    }

    /// `cookies.flushStore()`: every change is already committed when its call returns, so
    /// this writes the access times of cookies sent since (the eviction order) and of expired
    /// cookies dropped since, and checkpoints the write-ahead log into the database file.
    ///
    /// Example: see [`Cookies`].
    pub fn flush_store(&self) -> Result<()> {
        let mut state = lock(&self.inner.state);
        state.queue_access_times();
        let durable = match &state.writer {
            Some(writer) => writer.checkpoint(),
            None => Durable::done(),
        };
        drop(state);
        durable.wait()
    }

    /// The `Cookie` header a request to `url` in `ctx` carries, or `None` when no cookie
    /// applies. Marks the sent cookies as accessed.
    ///
    /// Example: see [`Cookies`].
    pub fn cookie_header(&self, url: &Url, ctx: &RequestContext) -> Option<String> {
        self.header_for(url, ctx, CookieSource::Http)
    }

    fn header_for(&self, url: &Url, ctx: &RequestContext, source: CookieSource) -> Option<String> {
        let now = now_micros();
        let mut state = lock(&self.inner.state);
        let mut changes = Vec::new();
        let header = {
            let hits = state
                .jar
                .matching(url, ctx, source, false, true, now, &mut changes);
            if hits.is_empty() {
                None
            } else {
                Some(header_value(hits))
            }
        };
        if header.is_some()
            && state.writer.is_some()
            && let Some(host) = cookie_host(url)
        {
            let key = domain_key(&host);
            if !state.accessed.contains(key) {
                let key = key.to_owned();
                state.accessed.insert(key);
            }
        }
        // Expired cookies met on the way are gone from memory; building a header never waits
        // for the disk: their rows go with the store's next batch (and a row left behind is
        // harmless: expired rows are dropped when the store opens).
        self.commit_later(&mut state, &changes);
        header
    }

    /// Stores the `Set-Cookie` headers of one response from `url`, in order, in one
    /// transaction. One result per header: `Ok` when stored, else the reason.
    ///
    /// Example: see [`Cookies`].
    pub fn set_from_response<S: AsRef<str>>(
        &self,
        url: &Url,
        set_cookie_headers: &[S],
        ctx: &RequestContext,
    ) -> Result<Vec<std::result::Result<(), Exclusion>>> {
        let (outcomes, durable) =
            self.store_lines(url, set_cookie_headers, ctx, CookieSource::Http);
        durable.wait()?;
        Ok(outcomes)
    }

    /// [`Cookies::set_from_response`] for async callers: the cookies are in the jar when the
    /// future is first polled, and it completes once the store has committed them, without
    /// blocking a thread meanwhile (a burst of responses shares one commit). Needs no
    /// particular runtime.
    ///
    /// Example: see [`Cookies`], which calls its synchronous twin [`Cookies::set_from_response`].
    pub async fn set_from_response_async<S: AsRef<str>>(
        &self,
        url: &Url,
        set_cookie_headers: &[S],
        ctx: &RequestContext,
    ) -> Result<Vec<std::result::Result<(), Exclusion>>> {
        let (outcomes, durable) =
            self.store_lines(url, set_cookie_headers, ctx, CookieSource::Http);
        durable.await?;
        Ok(outcomes)
    }

    /// Applies `lines` to the jar under its lock and queues them for the store; wait on the
    /// returned [`Durable`] for them to be committed.
    fn store_lines<S: AsRef<str>>(
        &self,
        url: &Url,
        lines: &[S],
        ctx: &RequestContext,
        source: CookieSource,
    ) -> (Vec<std::result::Result<(), Exclusion>>, Durable) {
        if lines.is_empty() {
            return (Vec::new(), Durable::done());
        }
        let now = now_micros();
        let mut state = lock(&self.inner.state);
        let mut changes = Vec::new();
        let mut outcomes = Vec::with_capacity(lines.len());
        for line in lines {
            match state
                .jar
                .set_from_header(url, line.as_ref(), ctx, source, now)
            {
                Ok(c) => {
                    changes.extend(c);
                    outcomes.push(Ok(()));
                }
                Err(e) => outcomes.push(Err(e)),
            }
        }
        let durable = self.commit(&mut state, &changes);
        (outcomes, durable)
    }

    /// `document.cookie = line` by a page at `url`: HttpOnly cookies are refused (and may not
    /// be overwritten), as a browser refuses them to scripts.
    ///
    /// Example: see [`Cookies`].
    pub fn set_document_cookie(
        &self,
        url: &Url,
        line: &str,
        ctx: &RequestContext,
    ) -> Result<std::result::Result<(), Exclusion>> {
        let (mut out, durable) = self.store_lines(url, &[line], ctx, CookieSource::Script);
        durable.wait()?;
        Ok(out.pop().unwrap_or(Err(Exclusion::FailureToStore)))
    }

    /// What `document.cookie` returns to a page at `url`: no HttpOnly cookies.
    ///
    /// Example: see [`Cookies`].
    pub fn document_cookie(&self, url: &Url, ctx: &RequestContext) -> String {
        self.header_for(url, ctx, CookieSource::Script)
            .unwrap_or_default()
    }

    /// Removes every cookie. Returns how many went.
    ///
    /// Example: see [`Cookies::get`].
    pub fn clear(&self) -> Result<usize> {
        let mut state = lock(&self.inner.state);
        let mut changes = Vec::new();
        let n = state
            .jar
            .remove_matching(ChangeCause::Explicit, &mut changes, |_| true);
        let durable = self.commit(&mut state, &changes);
        drop(state);
        durable.wait()?;
        Ok(n)
    }

    /// Removes the cookies of the registrable domains of `hosts` (with `exclude`, of every
    /// other domain): `clearData` by origin, at registrable-domain granularity.
    ///
    /// Example: see [`Cookies`].
    pub fn clear_for_hosts<S: AsRef<str>>(&self, hosts: &[S], exclude: bool) -> Result<usize> {
        let keys: std::collections::HashSet<String> = hosts
            .iter()
            .map(|h| domain_key(&h.as_ref().to_ascii_lowercase()).to_owned())
            .collect();
        let mut state = lock(&self.inner.state);
        let mut changes = Vec::new();
        let n = if exclude {
            state
                .jar
                .remove_matching(ChangeCause::Explicit, &mut changes, |c| {
                    !keys.contains(domain_key(&c.domain))
                })
        } else {
            keys.iter()
                .map(|k| {
                    state
                        .jar
                        .remove_in_domain(k, ChangeCause::Explicit, &mut changes, |_| true)
                })
                .sum()
        };
        let durable = self.commit(&mut state, &changes);
        drop(state);
        durable.wait()?;
        Ok(n)
    }

    /// Every cookie, as the jar holds it (for export).
    ///
    /// Example: see [`Cookies`].
    pub fn all(&self) -> Vec<CanonicalCookie> {
        let mut all: Vec<CanonicalCookie> = lock(&self.inner.state).jar.all().cloned().collect();
        all.sort_by_key(|c| c.creation);
        all
    }

    /// Stores already-built cookies (imports): each is checked as an API `set` from a secure
    /// URL would be; all changes go in one transaction. Returns how many were stored.
    pub(crate) fn insert_all(&self, cookies: Vec<CanonicalCookie>) -> Result<usize> {
        let now = now_micros();
        let mut state = lock(&self.inner.state);
        let mut changes = Vec::new();
        let mut stored = 0;
        let access = SetAccess {
            source: CookieSource::Api,
            url_secure: true,
            same_site: SameSiteContext::Strict,
        };
        for mut c in cookies {
            c.creation = state.jar.next_creation(now);
            c.last_access = c.creation;
            if let Ok(ch) = state.jar.set_canonical(c, access, now) {
                stored += usize::from(ch.iter().any(|c| !c.cause.removed()));
                changes.extend(ch);
            }
        }
        let durable = self.commit(&mut state, &changes);
        drop(state);
        durable.wait()?;
        Ok(stored)
    }
}

fn filter_matches(filter: &CookieFilter, c: &CanonicalCookie) -> bool {
    if filter.name.as_ref().is_some_and(|n| *n != c.name) {
        return false;
    }
    if let Some(d) = &filter.domain {
        let host = d.trim_start_matches('.').to_ascii_lowercase();
        if !host.is_empty() && !cookie_domain_matches(c, &host) {
            return false;
        }
    }
    if filter.path.as_ref().is_some_and(|p| *p != c.path) {
        return false;
    }
    if filter.secure.is_some_and(|s| s != c.secure) {
        return false;
    }
    if filter.session.is_some_and(|s| s != c.expires.is_none()) {
        return false;
    }
    if filter.http_only.is_some_and(|h| h != c.http_only) {
        return false;
    }
    if let Some(pk) = &filter.partition_key
        && c.partition_key.as_deref() != Some(pk.top_level_site.as_str())
    {
        return false;
    }
    true
}

/// Chromium's `CreateSanitizedCookie` for `cookies.set`.
fn sanitize(jar: &mut CookieJar, d: &CookieDetails, now: Micros) -> Result<CanonicalCookie> {
    let url = Url::parse(&d.url).map_err(|_| Error::set_failed(Exclusion::InvalidDomain))?;
    let host = cookie_host(&url).ok_or_else(|| Error::set_failed(Exclusion::InvalidDomain))?;
    let bad = |s: &str| s.chars().any(|ch| is_disallowed_ctl(ch) || ch == ';');
    if bad(&d.name) || bad(&d.value) || d.name.contains('=') {
        return Err(Error::set_failed(Exclusion::DisallowedCharacter));
    }
    if d.name.len() + d.value.len() > MAX_NAME_VALUE {
        return Err(Error::set_failed(Exclusion::NameValuePairExceedsMaxSize));
    }
    let domain_attr = d.domain.as_deref().filter(|s| !s.is_empty());
    let (domain, host_only) = resolve_domain(&host, domain_attr).map_err(Error::set_failed)?;
    let path = match d.path.as_deref().filter(|p| !p.is_empty()) {
        Some(p) if p.starts_with('/') => p.to_owned(),
        Some(_) => return Err(Error::set_failed(Exclusion::FailureToStore)),
        None => default_path(&url),
    };
    let same_site = d.same_site.unwrap_or(SameSite::Lax);
    let secure = d.secure.unwrap_or(same_site == SameSite::NoRestriction);
    let max = now.saturating_add(jar.limits().max_age_days.saturating_mul(86_400_000_000));
    let expires = match d.expiration_date {
        None => None,
        Some(secs) if secs.is_finite() => Some(((secs * 1e6).round() as Micros).min(max)),
        Some(secs) => {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("expirationDate {secs} is not a number of seconds"),
            ));
        }
    };
    let creation = jar.next_creation(now);
    Ok(CanonicalCookie {
        name: d.name.clone(),
        value: d.value.clone(),
        domain,
        host_only,
        path,
        creation,
        expires,
        last_access: creation,
        secure,
        http_only: d.http_only.unwrap_or(false),
        same_site,
        priority: Default::default(),
        partition_key: None,
    })
}
