//! The durable store of a persistent jar: `<partition>/Cookies`, SQLite in WAL mode.
//!
//! Every batch of changes (one `set`, one response's `Set-Cookie` headers) is one transaction,
//! committed with `synchronous=FULL` before the call that made it returns: a crash right after
//! loses nothing. A file that is not a database, is corrupt, or is some other program's database
//! is moved aside as `Cookies.corrupt-<unix time>` and a fresh store is started; the
//! [`Recovery`] says what happened.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::cookie::{CanonicalCookie, Priority, SameSite};
use crate::date::Micros;
use crate::error::{Error, Result};
use crate::jar::{Change, CookieJar, domain_key};

const FORMAT: &str = "session-cookies";
const VERSION: &str = "1";

/// What happened when a store could not be used and was replaced by a fresh one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// Where the unusable file now is.
    pub moved_to: PathBuf,
    /// Why it could not be used.
    pub error: String,
}

pub(crate) struct Store {
    conn: Connection,
    persist_session_cookies: bool,
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
                    "{what}: not a session-cookies database (tables: {})",
                    tables.join(", ")
                )));
            }
        }
        // Load, leaving out what must not be restored; delete those rows only if there are any.
        let dropped =
            load(&conn, persist_session_cookies, now, jar).map_err(|e| classify(&what, e))?;
        if dropped > 0 {
            (|| -> rusqlite::Result<()> {
                conn.execute(
                    "DELETE FROM cookies WHERE expires_utc IS NOT NULL AND expires_utc <= ?1",
                    params![now],
                )?;
                if !persist_session_cookies {
                    conn.execute("DELETE FROM cookies WHERE expires_utc IS NULL", [])?;
                }
                Ok(())
            })()
            .map_err(|e| classify(&what, e))?;
        }
        Ok(Store {
            conn,
            persist_session_cookies,
        })
    }

    /// Writes a batch of changes in one transaction.
    pub(crate) fn apply(&mut self, changes: &[Change]) -> Result<()> {
        let persist = |c: &CanonicalCookie| c.is_persistent() || self.persist_session_cookies;
        if !changes.iter().any(|c| persist(&c.cookie)) {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::store("cookie store transaction", e))?;
        {
            let mut delete = tx
                .prepare_cached(
                    "DELETE FROM cookies WHERE host_key = ?1 AND top_frame_site_key = ?2 \
                     AND name = ?3 AND path = ?4",
                )
                .map_err(|e| Error::store("cookie store delete", e))?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO cookies (host_key, top_frame_site_key, name, value, \
                     path, creation_utc, expires_utc, last_access_utc, is_secure, is_httponly, \
                     samesite, priority) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(|e| Error::store("cookie store insert", e))?;
            for change in changes {
                let c = &change.cookie;
                if !persist(c) {
                    continue;
                }
                let host_key = c.display_domain();
                let partition = c.partition_key.as_deref().unwrap_or("");
                if change.cause.removed() {
                    delete
                        .execute(params![host_key, partition, c.name, c.path])
                        .map_err(|e| Error::store("cookie store delete", e))?;
                } else {
                    insert
                        .execute(params![
                            host_key,
                            partition,
                            c.name,
                            c.value,
                            c.path,
                            c.creation,
                            c.expires,
                            c.last_access,
                            c.secure,
                            c.http_only,
                            c.same_site.to_db(),
                            c.priority.to_db(),
                        ])
                        .map_err(|e| Error::store("cookie store insert", e))?;
                }
            }
        }
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
         CREATE TABLE cookies (
             host_key TEXT NOT NULL,
             top_frame_site_key TEXT NOT NULL,
             name TEXT NOT NULL,
             value TEXT NOT NULL,
             path TEXT NOT NULL,
             creation_utc INTEGER NOT NULL,
             expires_utc INTEGER,
             last_access_utc INTEGER NOT NULL,
             is_secure INTEGER NOT NULL,
             is_httponly INTEGER NOT NULL,
             samesite INTEGER NOT NULL,
             priority INTEGER NOT NULL,
             UNIQUE (host_key, top_frame_site_key, name, path)
         );
         COMMIT;"
    ))
}

/// Reads every row to keep into `jar`; returns how many rows were left out (expired, or session
/// cookies when those are not kept).
fn load(
    conn: &Connection,
    persist_session_cookies: bool,
    now: Micros,
    jar: &mut CookieJar,
) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare(
        "SELECT host_key, top_frame_site_key, name, value, path, creation_utc, expires_utc, \
         last_access_utc, is_secure, is_httponly, samesite, priority FROM cookies",
    )?;
    let mut rows = stmt.query([])?;
    let mut dropped = 0;
    // Rows come grouped by domain: compute each domain's index key once.
    let mut last_domain = String::new();
    let mut last_key = String::new();
    let mut batch: Vec<CanonicalCookie> = Vec::new();
    while let Some(r) = rows.next()? {
        let expires: Option<Micros> = r.get(6)?;
        let keep = match expires {
            Some(e) => e > now,
            None => persist_session_cookies,
        };
        if !keep {
            dropped += 1;
            continue;
        }
        let host_key = r.get_ref(0)?.as_str()?;
        let (domain, host_only) = match host_key.strip_prefix('.') {
            Some(d) => (d.to_owned(), false),
            None => (host_key.to_owned(), true),
        };
        let partition = r.get_ref(1)?.as_str()?;
        if domain != last_domain {
            let key = domain_key(&domain);
            if key != last_key {
                jar.insert_loaded(&last_key, std::mem::take(&mut batch));
                last_key = key.to_owned();
            }
            last_domain.clone_from(&domain);
        }
        let cookie = CanonicalCookie {
            name: r.get(2)?,
            value: r.get(3)?,
            domain,
            host_only,
            path: r.get(4)?,
            creation: r.get(5)?,
            expires,
            last_access: r.get(7)?,
            secure: r.get(8)?,
            http_only: r.get(9)?,
            same_site: SameSite::from_db(r.get(10)?),
            priority: Priority::from_db(r.get(11)?),
            partition_key: if partition.is_empty() {
                None
            } else {
                Some(partition.to_owned())
            },
        };
        batch.push(cookie);
    }
    jar.insert_loaded(&last_key, batch);
    Ok(dropped)
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
