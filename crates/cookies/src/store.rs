//! The durable store of a persistent jar: `<partition>/Cookies`, SQLite in WAL mode.
//!
//! The jar's lock guards memory only: a batch of changes becomes [`records`] (the touched
//! domains' cookies, encoded) under the lock and goes to the store's writer thread
//! ([`crate::writer`]), which commits whatever has queued up in one transaction with
//! `synchronous=FULL`. A call whose change must be durable (`set`, a response's `Set-Cookie`
//! headers) waits for that commit outside the lock: a crash after it returns loses nothing. A file that is not a database, is corrupt, or is some other program's database
//! is moved aside as `Cookies.corrupt-<unix time>` and a fresh store is started; the
//! [`Recovery`] says what happened.
//!
//! Table `cookies` holds one row per registrable domain (the jar's index key) whose blob
//! (`codec`) carries all its persisted cookies: a change rewrites the rows of the domains it
//! touches, and reopening reads one row per domain rather than one per cookie.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::codec;
use crate::date::Micros;
use crate::error::{Error, Result};
use crate::jar::{Change, CookieJar, domain_key};

const FORMAT: &str = "session-cookies";
const VERSION: &str = "2";

/// What happened when a store could not be used and was replaced by a fresh one.
///
/// ```
/// use session_cookies::{Cookies, CookiesOptions};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("Cookies");
/// std::fs::write(&path, b"not a database").unwrap();
/// let jar = Cookies::open(&path, CookiesOptions::default()).unwrap();
/// let recovery = jar.recovery().expect("the file was unusable");
/// let moved = recovery.moved_to.file_name().unwrap().to_str().unwrap();
/// assert!(moved.starts_with("Cookies.corrupt-"), "{moved}");
/// assert_eq!(std::fs::read(&recovery.moved_to).unwrap(), b"not a database");
/// assert!(jar.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// Where the unusable file now is.
    pub moved_to: PathBuf,
    /// Why it could not be used.
    pub error: String,
}

pub(crate) struct Store {
    conn: Connection,
}

enum OpenFailure {
    /// The file is not ours or not sound: move it aside.
    Unusable(String),
    /// Anything else (permissions, disk): report, touch nothing.
    Fatal(Error),
}

fn classify(context: &str, e: rusqlite::Error) -> OpenFailure {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            OpenFailure::Unusable(format!("{context}: {e}"))
        }
        _ => OpenFailure::Fatal(Error::store(context, e)),
    }
}

impl Store {
    /// Opens (or creates) the store at `path` and loads its cookies, dropping expired ones and,
    /// unless `persist_session_cookies`, session cookies.
    pub(crate) fn open(
        path: &Path,
        persist_session_cookies: bool,
        now: Micros,
        jar: &mut CookieJar,
    ) -> Result<(Store, Option<Recovery>)> {
        match Self::try_open(path, persist_session_cookies, now, jar) {
            Ok(store) => Ok((store, None)),
            Err(OpenFailure::Fatal(e)) => Err(e),
            Err(OpenFailure::Unusable(reason)) => {
                let moved_to = move_aside(path, now)?;
                // Whatever was read before the damage showed is dropped with the file.
                *jar = CookieJar::new(jar.limits().clone());
                let store = match Self::try_open(path, persist_session_cookies, now, jar) {
                    Ok(v) => v,
                    Err(OpenFailure::Fatal(e)) => return Err(e),
                    Err(OpenFailure::Unusable(r)) => {
                        return Err(Error::store(
                            &format!("fresh cookie store {}", path.display()),
                            r,
                        ));
                    }
                };
                Ok((
                    store,
                    Some(Recovery {
                        moved_to,
                        error: reason,
                    }),
                ))
            }
        }
    }

    fn try_open(
        path: &Path,
        persist_session_cookies: bool,
        now: Micros,
        jar: &mut CookieJar,
    ) -> std::result::Result<Store, OpenFailure> {
        let what = format!("cookie store {}", path.display());
        let conn = Connection::open(path).map_err(|e| classify(&what, e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| classify(&what, e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| classify(&what, e))?;
        // Read the file through a memory map: loading is one sequential scan.
        conn.pragma_update(None, "mmap_size", 256i64 * 1024 * 1024)
            .map_err(|e| classify(&what, e))?;
        let tables: Vec<String> = (|| {
            let mut stmt =
                conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })()
        .map_err(|e| classify(&what, e))?;
        if tables.is_empty() {
            create_schema(&conn).map_err(|e| classify(&what, e))?;
        } else {
            let format: Option<String> = if tables.iter().any(|t| t == "meta") {
                conn.query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| classify(&what, e))?
            } else {
                None
            };
            let version: Option<String> = if format.as_deref() == Some(FORMAT) {
                conn.query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| classify(&what, e))?
            } else {
                None
            };
            if format.as_deref() != Some(FORMAT)
                || version.as_deref() != Some(VERSION)
                || !tables.iter().any(|t| t == "cookies")
            {
                return Err(OpenFailure::Unusable(format!(
                    "{what}: not a session-cookies database of version {VERSION} (tables: {})",
                    tables.join(", ")
                )));
            }
        }
        load(&conn, persist_session_cookies, now, jar)?;
        Ok(Store { conn })
    }

    /// Writes `records` (a domain's encoded cookies, or `None` to delete its row) in one
    /// transaction, committed with `synchronous=FULL`.
    pub(crate) fn write(&mut self, records: &[(String, Option<Vec<u8>>)]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::store("cookie store transaction", e))?;
        write_records(&tx, records).map_err(|e| Error::store("cookie store write", e))?;
        tx.commit()
            .map_err(|e| Error::store("cookie store commit", e))
    }

    /// Checkpoints the write-ahead log into the main file.
    pub(crate) fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| Error::store("cookie store checkpoint", e))
    }
}

fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN;
         CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
         INSERT INTO meta (key, value) VALUES ('format', '{FORMAT}'), ('version', '{VERSION}');
         CREATE TABLE cookies (domain_key TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL);
         COMMIT;"
    ))
}

/// The records of `keys` as `jar` holds them: each domain's stored cookies encoded, or `None`
/// when none is left to store (its row is deleted). Memory only: called under the jar's lock.
pub(crate) fn records<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    jar: &CookieJar,
    persist_session_cookies: bool,
) -> Vec<(String, Option<Vec<u8>>)> {
    keys.into_iter()
        .map(|key| {
            let mut kept = jar
                .in_key(key)
                .filter(|c| c.is_persistent() || persist_session_cookies)
                .peekable();
            let data = kept.peek().is_some().then(|| codec::encode(kept));
            (key.to_owned(), data)
        })
        .collect()
}

/// The index keys a batch of changes touches in the store (changes of cookies it does not keep
/// are left out), sorted and without repeats.
pub(crate) fn touched_keys(changes: &[Change], persist_session_cookies: bool) -> Vec<&str> {
    let mut keys: Vec<&str> = changes
        .iter()
        .filter(|c| c.cookie.is_persistent() || persist_session_cookies)
        .map(|c| domain_key(&c.cookie.domain))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn write_records(conn: &Connection, records: &[(String, Option<Vec<u8>>)]) -> rusqlite::Result<()> {
    let mut upsert =
        conn.prepare_cached("INSERT OR REPLACE INTO cookies (domain_key, data) VALUES (?1, ?2)")?;
    let mut delete = conn.prepare_cached("DELETE FROM cookies WHERE domain_key = ?1")?;
    for (key, data) in records {
        match data {
            Some(data) => upsert.execute(params![key, data])?,
            None => delete.execute(params![key])?,
        };
    }
    Ok(())
}

/// Reads every record into `jar`, leaving out expired cookies and, unless they are kept,
/// session cookies; the records that lost cookies are rewritten.
fn load(
    conn: &Connection,
    persist_session_cookies: bool,
    now: Micros,
    jar: &mut CookieJar,
) -> std::result::Result<(), OpenFailure> {
    let what = "cookie store";
    let mut stale: Vec<String> = Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT domain_key, data FROM cookies")
            .map_err(|e| classify(what, e))?;
        let mut rows = stmt.query([]).map_err(|e| classify(what, e))?;
        while let Some(r) = rows.next().map_err(|e| classify(what, e))? {
            let key = r
                .get_ref(0)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(|e| OpenFailure::Unusable(format!("{what}: bad domain key: {e}")))?;
            let data = r
                .get_ref(1)
                .and_then(|v| Ok(v.as_blob()?))
                .map_err(|e| OpenFailure::Unusable(format!("{what}: bad record of {key}: {e}")))?;
            let mut cookies = codec::decode(data).map_err(|e| {
                OpenFailure::Unusable(format!("{what}: damaged record of {key}: {e}"))
            })?;
            let before = cookies.len();
            cookies.retain(|c| match c.expires {
                Some(e) => e > now,
                None => persist_session_cookies,
            });
            if cookies.len() != before {
                stale.push(key.to_owned());
            }
            jar.insert_loaded(key, cookies);
        }
    }
    if !stale.is_empty() {
        let stale = records(
            stale.iter().map(String::as_str),
            jar,
            persist_session_cookies,
        );
        write_records(conn, &stale).map_err(|e| classify(what, e))?;
    }
    Ok(())
}

/// Moves `path` (and its WAL companions) aside as `<name>.corrupt-<unix time>`.
fn move_aside(path: &Path, now: Micros) -> Result<PathBuf> {
    let secs = now / 1_000_000;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Cookies".to_owned());
    let mut target = path.with_file_name(format!("{name}.corrupt-{secs}"));
    let mut n = 1;
    while target.exists() {
        target = path.with_file_name(format!("{name}.corrupt-{secs}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(|e| {
        Error::new(
            crate::error::ErrorKind::Io,
            format!(
                "cannot move unusable cookie store {} aside: {e}",
                path.display()
            ),
        )
    })?;
    for suffix in ["-wal", "-shm"] {
        let side = path.with_file_name(format!("{name}{suffix}"));
        if side.exists() {
            let moved = target.with_file_name(format!(
                "{}{suffix}",
                target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            let _ = std::fs::rename(&side, &moved);
        }
    }
    let _ = session_base::fs::sync_parent(path);
    Ok(target)
}
