//! `Session`: one partition of browser state.

use crate::error::{Error, ErrorKind};
use crate::paths;
use crate::prefs::Preferences;
use crate::preload::{PreloadRegistry, PreloadScript, PreloadScriptRegistration};
use session_base::lock::PartitionLock;
use session_base::user_agent;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Options of a new session; they apply only when the session is first created
/// (Electron's `fromPartition(partition, options)`, SESSION-32).
///
/// ```
/// use session::cookies::CookieDetails;
/// use session::permissions::PermissionPolicy;
/// use session::{SessionOptions, Sessions};
///
/// let user_data = tempfile::tempdir().unwrap();
/// let options = SessionOptions::default()
///     .cache(false)
///     .persist_session_cookies(true)
///     .persist_permission_grants(true)
///     .permission_policy(PermissionPolicy::DenyByDefault);
/// {
///     let sessions = Sessions::new(user_data.path());
///     let crawler = sessions.from_partition("persist:crawler", options.clone()).unwrap();
///     assert!(crawler.http_cache().is_none());
///     assert_eq!(crawler.options().permission_policy, PermissionPolicy::DenyByDefault);
///     let login = CookieDetails { url: "https://a.test".into(), name: "login".into(), ..Default::default() };
///     crawler.cookies().set(&login).unwrap(); // a session cookie: no expiry
/// }
/// // After a restart the session cookie is still there.
/// let sessions = Sessions::new(user_data.path());
/// let crawler = sessions.from_partition("persist:crawler", options).unwrap();
/// assert_eq!(crawler.cookies().len(), 1);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SessionOptions {
    /// Whether the HTTP cache is enabled (default `true`).
    pub cache: bool,
    /// What permissions no handler decides get (default: Electron's, mostly granted).
    pub permission_policy: crate::permissions::PermissionPolicy,
    /// Keep permission and device grants on disk in a persistent partition (default `false`:
    /// in memory only, as Electron does).
    pub persist_permission_grants: bool,
    /// Keep session cookies across restarts of a persistent partition (default `false`).
    pub persist_session_cookies: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            cache: true,
            permission_policy: crate::permissions::PermissionPolicy::default(),
            persist_permission_grants: false,
            persist_session_cookies: false,
        }
    }
}

impl SessionOptions {
    /// Enables or disables the HTTP cache.
    ///
    /// Example: see [`SessionOptions`].
    pub fn cache(mut self, enabled: bool) -> Self {
        self.cache = enabled;
        self
    }
}

/// A partition of browser state, persistent on disk or in memory.
///
/// Cheap to clone: clones are handles to the same session. Obtained only from
/// [`Sessions`](crate::Sessions) (there is no public constructor, as Electron's sessions cannot be
/// created with `new`, SESSION-31).
///
/// Example: see [the crate's example](crate); each part has its own (the jar:
/// [`Cookies::get`](crate::cookies::Cookies::get), requests: [`Session::get`]).
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    partition: String,
    user_data: PathBuf,
    storage_path: Option<PathBuf>,
    options: SessionOptions,
    default_user_agent: String,
    state: Mutex<State>,
    prefs: Mutex<Preferences>,
    warnings: Vec<String>,
    pub(crate) permissions: crate::permissions::Permissions,
    pub(crate) devices: crate::devices::Devices,
    pub(crate) net: crate::net::Net,
    pub(crate) cookies: crate::cookies::Cookies,
    pub(crate) spellchecker: crate::spellcheck::Spellchecker,
    pub(crate) cache: Option<crate::cache::Cache>,
    pub(crate) downloads: crate::downloads::Downloads,
    pub(crate) dictionaries: session_cache::dictionary::SharedDictionaries,
    pub(crate) blobs: session_net::blob::Blobs,
    pub(crate) extensions: crate::extensions::Extensions,
    _lock: Option<PartitionLock>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A task may still hold the pipeline (and with it the HSTS writer) for a moment: what
        // is pending is written before the partition's lock goes, so a reopen sees it.
        let _ = self.net.transport_security().flush();
    }
}

struct State {
    user_agent: String,
    accept_language: String,
    preloads: PreloadRegistry,
    code_cache_path: Option<PathBuf>,
}

/// What the registry knows when it creates a session.
pub(crate) struct NewSession<'a> {
    pub(crate) partition: &'a str,
    pub(crate) user_data: &'a Path,
    pub(crate) storage_path: Option<PathBuf>,
    pub(crate) options: SessionOptions,
    pub(crate) default_user_agent: &'a str,
    pub(crate) schemes: session_net::protocol::Schemes,
}

impl Session {
    pub(crate) fn create(new: NewSession<'_>) -> Result<Session, Error> {
        let (lock, prefs, mut warnings) = match &new.storage_path {
            Some(dir) => {
                let lock = PartitionLock::acquire(dir).map_err(|e| match e {
                    session_base::lock::LockError::InUse { .. } => Error::with_source(
                        ErrorKind::PartitionInUse,
                        format!("cannot open partition '{}'", new.partition),
                        e,
                    ),
                    other => Error::with_source(
                        ErrorKind::Io,
                        format!("cannot open partition '{}'", new.partition),
                        other,
                    ),
                })?;
                let (prefs, warning) = Preferences::load(dir)?;
                (Some(lock), prefs, warning.into_iter().collect())
            }
            None => (None, Preferences::in_memory(), Vec::new()),
        };
        let permissions =
            crate::permissions::new_permissions(new.storage_path.as_deref(), &new.options)?;
        let devices = crate::devices::new_devices(&permissions);
        let (net, hsts_warning) = crate::net::new_net(
            new.default_user_agent,
            "en-US",
            &new.schemes,
            new.storage_path.as_deref(),
        )?;
        warnings.extend(hsts_warning);
        let (cookies, cookie_warning) =
            crate::cookies::open_cookies(new.storage_path.as_deref(), &new.options)?;
        warnings.extend(cookie_warning);
        crate::cookies::attach_to_net(&net, &cookies);
        let spellchecker = crate::spellcheck::new_spellchecker(
            new.storage_path.as_deref(),
            new.user_data,
            &prefs,
            &net,
        );
        let (cache, cache_warning) =
            crate::cache::open_cache(new.storage_path.as_deref(), &new.options);
        warnings.extend(cache_warning);
        let (dictionaries, dictionary_warning) =
            crate::dictionaries::open_dictionaries(new.storage_path.as_deref());
        warnings.extend(dictionary_warning);
        // Before the cache stage: a stored response may vary on `Available-Dictionary`.
        crate::dictionaries::attach_to_net(&net, &dictionaries);
        crate::cache::attach_to_net(&net, cache.as_ref());
        let (downloads, journal_warning) =
            crate::downloads::new_downloads(new.storage_path.as_deref(), &net)?;
        warnings.extend(journal_warning);
        let extensions = crate::extensions::new_extensions(new.storage_path.as_deref());
        let inner = Arc::new(Inner {
            partition: new.partition.to_owned(),
            user_data: new.user_data.to_path_buf(),
            storage_path: new.storage_path,
            options: new.options,
            default_user_agent: new.default_user_agent.to_owned(),
            state: Mutex::new(State {
                user_agent: new.default_user_agent.to_owned(),
                accept_language: "en-US".to_owned(),
                preloads: PreloadRegistry::default(),
                code_cache_path: None,
            }),
            prefs: Mutex::new(prefs),
            warnings,
            permissions,
            devices,
            net,
            cookies,
            spellchecker,
            cache,
            downloads,
            dictionaries,
            blobs: session_net::blob::Blobs::default(),
            extensions,
            _lock: lock,
        });
        crate::extensions::attach(&inner);
        crate::extensions::attach_resources(&inner);
        crate::dictionaries::attach_blobs(&inner);
        crate::clear_site_data::attach(&inner);
        Ok(Session { inner })
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Session {
        Session { inner }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn prefs(&self) -> MutexGuard<'_, Preferences> {
        self.inner.prefs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The partition string this session was obtained with (`""` for the default session, the
    /// absolute path for [`Sessions::from_path`](crate::Sessions::from_path)).
    ///
    /// Example: see [the crate's example](crate).
    pub fn partition(&self) -> &str {
        &self.inner.partition
    }

    /// Whether `other` is a handle to this very session.
    ///
    /// Example: see [the crate's example](crate).
    pub fn same_session(&self, other: &Session) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether the session keeps its state on disk (SESSION-05).
    ///
    /// Example: see [the crate's example](crate).
    pub fn is_persistent(&self) -> bool {
        self.inner.storage_path.is_some()
    }

    /// The directory holding the session's data on disk, `None` for in-memory sessions
    /// (Electron's `storagePath` / `getStoragePath()`).
    ///
    /// Example: see [the crate's example](crate).
    pub fn storage_path(&self) -> Option<&Path> {
        self.inner.storage_path.as_deref()
    }

    /// The application's `user_data` root, shared by all sessions (e.g. for `Dictionaries/`).
    ///
    /// Example: see [the crate's example](crate).
    pub fn user_data(&self) -> &Path {
        &self.inner.user_data
    }

    /// The options the session was created with.
    ///
    /// Example: see [the crate's example](crate).
    pub fn options(&self) -> &SessionOptions {
        &self.inner.options
    }

    /// Problems met while opening the session that did not stop it (a corrupt `Preferences`
    /// moved aside, ...).
    ///
    /// Example: see [the crate's example](crate).
    pub fn load_warnings(&self) -> &[String] {
        &self.inner.warnings
    }

    /// Overrides the user agent and, when given, the accepted languages (a comma-separated list
    /// such as `en-US,fr,de`, sent as `en-US,fr;q=0.9,de;q=0.8`, SESSION-07) for requests of this
    /// session. An empty `user_agent` restores the default.
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_user_agent(&self, user_agent: &str, accept_languages: Option<&str>) {
        let mut state = self.state();
        state.user_agent = if user_agent.is_empty() {
            self.inner.default_user_agent.clone()
        } else {
            user_agent.to_owned()
        };
        if let Some(langs) = accept_languages {
            let header = user_agent::accept_language_header(langs);
            if !header.is_empty() {
                state.accept_language = header;
            }
        }
        crate::net::user_agent_changed(&self.inner.net, &state.user_agent, &state.accept_language);
    }

    /// The user agent requests of this session send (SESSION-06).
    ///
    /// Example: see [the crate's example](crate).
    pub fn user_agent(&self) -> String {
        self.state().user_agent.clone()
    }

    /// The `Accept-Language` header requests of this session send (default `en-US`).
    ///
    /// Example: see [the crate's example](crate).
    pub fn accept_language(&self) -> String {
        self.state().accept_language.clone()
    }

    /// Sets the directory downloads are saved to when no save path is chosen. Persistent
    /// sessions keep it in `Preferences` (`download.default_directory`).
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_download_path(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        if !path.is_absolute() {
            return Err(Error::invalid(format!(
                "download path must be absolute: {}",
                path.display()
            )));
        }
        self.prefs().set(
            "download.default_directory",
            serde_json::Value::from(path.to_string_lossy().into_owned()),
        )
    }

    /// The directory downloads are saved to: the one set with [`Session::set_download_path`],
    /// else the OS Downloads folder.
    ///
    /// Example: see [the crate's example](crate).
    pub fn download_path(&self) -> PathBuf {
        self.prefs()
            .get("download.default_directory")
            .and_then(|v| v.as_str())
            .map(PathBuf::from)
            .unwrap_or_else(paths::default_download_dir)
    }

    /// Registers a preload script and returns its id (SESSION-26, 27).
    ///
    /// Example: see [`PreloadScriptRegistration`](crate::PreloadScriptRegistration).
    pub fn register_preload_script(
        &self,
        script: PreloadScriptRegistration,
    ) -> Result<String, Error> {
        self.state().preloads.register(script)
    }

    /// Unregisters the preload script with `id` (SESSION-27).
    ///
    /// Example: see [`PreloadScriptRegistration`](crate::PreloadScriptRegistration).
    pub fn unregister_preload_script(&self, id: &str) -> Result<(), Error> {
        self.state().preloads.unregister(id)
    }

    /// Every registered preload script, in registration order.
    ///
    /// Example: see [`PreloadScriptRegistration`](crate::PreloadScriptRegistration).
    pub fn preload_scripts(&self) -> Vec<PreloadScript> {
        self.state().preloads.scripts()
    }

    /// Replaces the `frame` preload scripts with `paths` (deprecated in Electron for
    /// [`Session::register_preload_script`]; SESSION-28). Every path must be absolute.
    ///
    /// Example: see [`PreloadScriptRegistration`](crate::PreloadScriptRegistration).
    pub fn set_preloads(&self, paths: Vec<PathBuf>) -> Result<(), Error> {
        self.state().preloads.set_frame_paths(paths)
    }

    /// The paths of the `frame` preload scripts (deprecated in Electron for
    /// [`Session::preload_scripts`]).
    ///
    /// Example: see [`PreloadScriptRegistration`](crate::PreloadScriptRegistration).
    pub fn preloads(&self) -> Vec<PathBuf> {
        self.state().preloads.frame_paths()
    }

    /// Sets the directory for the JS code cache of renderers using this session (SESSION-13).
    /// The directory is created if missing.
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_code_cache_path(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() || !path.is_absolute() {
            return Err(Error::invalid(
                "Absolute path must be provided to store code cache.",
            ));
        }
        std::fs::create_dir_all(path).map_err(|e| {
            Error::with_source(
                ErrorKind::Io,
                format!("cannot create code cache directory {}", path.display()),
                e,
            )
        })?;
        self.state().code_cache_path = Some(path.to_path_buf());
        Ok(())
    }

    /// The code cache directory: the one set, else `<storage_path>/Code Cache` for persistent
    /// sessions, `None` for in-memory ones.
    ///
    /// Example: see [the crate's example](crate).
    pub fn code_cache_path(&self) -> Option<PathBuf> {
        self.state()
            .code_cache_path
            .clone()
            .or_else(|| self.storage_path().map(|p| p.join("Code Cache")))
    }

    /// Removes every entry of the code cache directory (the directory itself stays).
    ///
    /// Electron can also clear the entries of given URLs; the cache is written by a renderer
    /// this library does not have, so it keeps no URL index: passing URLs is an error rather than
    /// a silent no-op.
    ///
    /// Example: see [the crate's example](crate).
    pub fn clear_code_caches(&self, urls: &[String]) -> Result<(), Error> {
        if !urls.is_empty() {
            return Err(Error::invalid(format!(
                "clearing code cache entries by URL is not supported (got {} URLs); pass none to clear all",
                urls.len()
            )));
        }
        let Some(dir) = self.code_cache_path() else {
            return Ok(());
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(Error::with_source(
                    ErrorKind::Io,
                    format!("cannot read {}", dir.display()),
                    e,
                ));
            }
        };
        for entry in entries {
            let path = entry
                .map_err(|e| {
                    Error::with_source(ErrorKind::Io, format!("cannot read {}", dir.display()), e)
                })?
                .path();
            let result = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            result.map_err(|e| {
                Error::with_source(
                    ErrorKind::Io,
                    format!("cannot remove {}", path.display()),
                    e,
                )
            })?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("partition", &self.inner.partition)
            .field("storage_path", &self.inner.storage_path)
            .finish_non_exhaustive()
    }
}
