//! `Sessions`: the application-level registry of partitions.

use crate::error::Error;
use crate::paths;
use crate::session::{NewSession, Session, SessionOptions};
use session_base::user_agent;
use session_net::protocol::{CustomScheme, Schemes};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Announced once for every session the registry creates (Electron's `session-created`).
///
/// Example: see [`Sessions`].
#[derive(Clone, Debug)]
pub struct SessionCreated {
    /// The new session, the very handle `from_partition` returned (SESSION-08).
    pub session: Session,
}

/// The application's sessions: its `user_data` root and one [`Session`] per partition.
///
/// Partitions (Electron's rules, DEFAULTS §3):
/// - `""` and `"persist:"` are the default session, stored in `user_data` itself (SESSION-01, 33);
/// - `"persist:<name>"` is stored in `<user_data>/Partitions/<escaped lower-cased name>`;
/// - any other string is an in-memory session: nothing is written (SESSION-10);
/// - [`Sessions::from_path`] stores a session at an absolute path of your choice.
///
/// The same string always gives the same session (SESSION-02). Persistent sessions are keyed by
/// their directory, so `persist:Foo` and `persist:foo` — one directory — are one session here
/// (Electron hands out two objects racing on one store). A persistent session holds an exclusive
/// lock on its directory while open: a second process gets [`ErrorKind::PartitionInUse`]
/// naming the partition, never a shared store. Sessions live as long as the registry.
///
/// [`ErrorKind::PartitionInUse`]: crate::ErrorKind::PartitionInUse
///
/// ```
/// use session::net::protocol::{CustomScheme, Privileges};
/// use session::{SessionOptions, Sessions};
///
/// let root = tempfile::tempdir().unwrap();
/// let sessions = Sessions::for_app_at(root.path().join("My App"), "My App", "1.2.0");
/// assert_eq!(sessions.user_data(), root.path().join("My App"));
///
/// // Privileged schemes are registered before the first session exists.
/// let app = CustomScheme::new("app", Privileges::new().standard(true).secure(true));
/// sessions.register_schemes_as_privileged(&[app.clone()]).unwrap();
/// assert!(sessions.privileged_schemes().privileges("app").is_some());
///
/// let mut created = sessions.subscribe();
/// let default = sessions.default_session().unwrap();
/// assert_eq!(default.storage_path(), Some(sessions.user_data()));
/// assert!(default.user_agent().contains(" MyApp/1.2.0 "));
/// assert!(created.try_recv().unwrap().session.same_session(&default));
/// assert!(sessions.register_schemes_as_privileged(&[app]).is_err(), "too late");
///
/// // A session at a directory of your choice (absolute paths only).
/// let profile = root.path().join("profile");
/// let custom = sessions.from_path(&profile, SessionOptions::default()).unwrap();
/// assert_eq!(custom.partition(), profile.to_str().unwrap());
/// assert!(sessions.from_path("relative/dir", SessionOptions::default()).is_err());
/// assert!(sessions.delete_path(&profile).is_err(), "open in this process");
/// drop((sessions, created, default, custom)); // the last handles: the partitions close
///
/// // Once no registry holds them, partitions can be deleted.
/// let later = Sessions::new(root.path().join("My App"));
/// later.delete_path(&profile).unwrap();
/// assert!(!profile.exists());
/// let work = later.from_partition("persist:work", SessionOptions::default()).unwrap();
/// let dir = work.storage_path().unwrap().to_path_buf();
/// drop((work, later));
/// let removed = Sessions::new(root.path().join("My App")).delete_partition("persist:work").unwrap();
/// assert_eq!(removed, dir);
/// assert!(!dir.exists());
/// ```
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<RegistryInner>,
}

struct RegistryInner {
    user_data: PathBuf,
    default_user_agent: String,
    sessions: Mutex<HashMap<String, Session>>,
    created: broadcast::Sender<SessionCreated>,
    schemes: Mutex<Schemes>,
}

impl Sessions {
    /// A registry rooted at `user_data`; the default user agent names no application.
    ///
    /// Example: see [the crate's example](crate).
    pub fn new(user_data: impl Into<PathBuf>) -> Self {
        Self::build(user_data.into(), user_agent::default_user_agent("", ""))
    }

    /// A registry for the application `name` at `version`: `user_data` is the platform's
    /// config directory joined with `name` (as Electron's `app.getPath('userData')`) and the
    /// default user agent carries `<name without spaces>/<version>`.
    ///
    /// Example: see [`Sessions`].
    pub fn for_app(name: &str, version: &str) -> Self {
        Self::build(
            paths::default_user_data(name),
            user_agent::default_user_agent(name, version),
        )
    }

    /// Like [`Sessions::for_app`] with an explicit `user_data` root.
    ///
    /// Example: see [`Sessions`].
    pub fn for_app_at(user_data: impl Into<PathBuf>, name: &str, version: &str) -> Self {
        Self::build(
            user_data.into(),
            user_agent::default_user_agent(name, version),
        )
    }

    fn build(user_data: PathBuf, default_user_agent: String) -> Self {
        let (created, _) = broadcast::channel(64);
        Sessions {
            inner: Arc::new(RegistryInner {
                user_data,
                default_user_agent,
                sessions: Mutex::new(HashMap::new()),
                created,
                schemes: Mutex::new(Schemes::default()),
            }),
        }
    }

    /// `protocol.registerSchemesAsPrivileged(customSchemes)`: the schemes every session of this
    /// registry treats as privileged (a `standard` scheme's URLs are canonicalised like
    /// `http`'s; the other privileges are kept for an embedder with a renderer, see
    /// [`crate::net::protocol::Privileges`]). Calls add to the set (a scheme named again takes
    /// its new privileges). As in Electron this is for before sessions exist: once the registry
    /// has created its first session it is an error, and nothing changes.
    ///
    /// Example: see [`Sessions`].
    pub fn register_schemes_as_privileged(&self, schemes: &[CustomScheme]) -> Result<(), Error> {
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !sessions.is_empty() {
            return Err(Error::invalid(
                "registerSchemesAsPrivileged must be called before the first session is created",
            ));
        }
        let mut current = self.inner.schemes.lock().unwrap_or_else(|p| p.into_inner());
        *current = current
            .with(schemes)
            .map_err(|e| Error::invalid(e.detail().to_string()))?;
        Ok(())
    }

    /// The privileged schemes (see [`Sessions::register_schemes_as_privileged`]).
    ///
    /// Example: see [`Sessions`].
    pub fn privileged_schemes(&self) -> Schemes {
        self.inner
            .schemes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The application data root.
    ///
    /// Example: see [`Sessions`].
    pub fn user_data(&self) -> &Path {
        &self.inner.user_data
    }

    /// Subscribes to `session-created` events.
    ///
    /// Example: see [`Sessions`].
    pub fn subscribe(&self) -> broadcast::Receiver<SessionCreated> {
        self.inner.created.subscribe()
    }

    /// The default session (`from_partition("")`).
    ///
    /// Example: see [`Sessions`].
    pub fn default_session(&self) -> Result<Session, Error> {
        self.from_partition("", SessionOptions::default())
    }

    /// The session of `partition`, created with `options` if it does not exist yet (options of
    /// an existing session are left as they were, SESSION-32).
    ///
    /// Example: see [the crate's example](crate).
    pub fn from_partition(
        &self,
        partition: &str,
        options: SessionOptions,
    ) -> Result<Session, Error> {
        let (key, storage_path) = match partition.strip_prefix("persist:") {
            Some("") => (
                dir_key(&self.inner.user_data),
                Some(self.inner.user_data.clone()),
            ),
            Some(name) => {
                let dir = paths::partition_dir(&self.inner.user_data, name);
                (dir_key(&dir), Some(dir))
            }
            None if partition.is_empty() => (
                dir_key(&self.inner.user_data),
                Some(self.inner.user_data.clone()),
            ),
            None => (format!("memory:{partition}"), None),
        };
        self.get_or_create(key, partition, storage_path, options)
    }

    /// The session stored at the absolute directory `path` (SESSION-03, 04).
    ///
    /// Example: see [`Sessions`].
    pub fn from_path(
        &self,
        path: impl AsRef<Path>,
        options: SessionOptions,
    ) -> Result<Session, Error> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(Error::invalid("An empty path was specified"));
        }
        if !path.is_absolute() {
            return Err(Error::invalid("An absolute path was not provided"));
        }
        let partition = path.to_string_lossy().into_owned();
        self.get_or_create(dir_key(path), &partition, Some(path.to_path_buf()), options)
    }

    /// Deletes the directory of the persistent partition `partition` (`persist:<name>`), which
    /// must not be open: not in this registry, and not in another process (its lock is taken
    /// first). Returns the deleted directory; a partition never created is not an error.
    ///
    /// The default session is refused: it is stored in `user_data` itself, beside every other
    /// partition. In-memory partitions have nothing on disk and are refused too.
    ///
    /// Example: see [`Sessions`].
    pub fn delete_partition(&self, partition: &str) -> Result<PathBuf, Error> {
        let name = match partition.strip_prefix("persist:") {
            Some(name) if !name.is_empty() => name,
            _ if partition.is_empty() || partition == "persist:" => {
                return Err(Error::invalid(
                    "the default session is stored in user_data itself and cannot be deleted as a partition",
                ));
            }
            _ => {
                return Err(Error::invalid(format!(
                    "partition '{partition}' is in memory; there is nothing on disk to delete"
                )));
            }
        };
        self.delete_dir(
            partition,
            &paths::partition_dir(&self.inner.user_data, name),
        )
    }

    /// Deletes the directory of a session stored with [`Sessions::from_path`]; same rules as
    /// [`Sessions::delete_partition`].
    ///
    /// Example: see [`Sessions`].
    pub fn delete_path(&self, path: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(Error::invalid("An empty path was specified"));
        }
        if !path.is_absolute() {
            return Err(Error::invalid("An absolute path was not provided"));
        }
        self.delete_dir(&path.to_string_lossy(), path)
    }

    fn delete_dir(&self, partition: &str, dir: &Path) -> Result<PathBuf, Error> {
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if sessions.contains_key(&dir_key(dir)) {
            return Err(Error::invalid(format!(
                "partition '{partition}' is open in this process"
            )));
        }
        if !dir.exists() {
            return Ok(dir.to_path_buf());
        }
        let lock = session_base::lock::PartitionLock::acquire(dir).map_err(|e| {
            Error::with_source(
                crate::ErrorKind::PartitionInUse,
                format!("cannot delete partition '{partition}'"),
                e,
            )
        })?;
        let result = std::fs::remove_dir_all(dir);
        drop(lock);
        result.map_err(|e| {
            Error::with_source(
                crate::ErrorKind::Io,
                format!("cannot delete {}", dir.display()),
                e,
            )
        })?;
        Ok(dir.to_path_buf())
    }

    fn get_or_create(
        &self,
        key: String,
        partition: &str,
        storage_path: Option<PathBuf>,
        options: SessionOptions,
    ) -> Result<Session, Error> {
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(existing) = sessions.get(&key) {
            return Ok(existing.clone());
        }
        let session = Session::create(NewSession {
            partition,
            user_data: &self.inner.user_data,
            storage_path,
            options,
            default_user_agent: &self.inner.default_user_agent,
            schemes: self.privileged_schemes(),
        })?;
        sessions.insert(key, session.clone());
        drop(sessions);
        let _ = self.inner.created.send(SessionCreated {
            session: session.clone(),
        });
        Ok(session)
    }
}

fn dir_key(dir: &Path) -> String {
    format!("disk:{}", dir.display())
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("user_data", &self.inner.user_data)
            .finish_non_exhaustive()
    }
}
