//! The download journal of a partition: every item's [`DownloadRecord`], on disk.
//!
//! Readers never wait for the disk: a change is made and the document encoded under the
//! records' lock, and written after it is released (a write older than the file's version is
//! skipped, so concurrent writers cannot put an older document over a newer one).
//!
//! Format and durability: one JSON document (`{"version":1,"items":[...]}`) in the partition
//! directory, rewritten whole with [`session_base::fs::atomic_write`] (temp file, fsync, rename,
//! directory fsync) on every state change and at progress checkpoints. A crash at any moment
//! leaves the previous or the next version, never a torn one; the document stays small (one
//! record per item, at most [`MAX_FINISHED`] finished ones), so rewriting it is cheap next to
//! the fsync it needs anyway. An append-only log would save the rewrite but needs compaction and
//! torn-tail handling for no measurable gain at this size.
//!
//! Received bytes are journaled only after the temporary file was fsynced up to that offset, so
//! resuming from the journal never trusts bytes that might not be on disk.
//!
//! Items found `progressing` when a journal is opened belonged to a process that died: they are
//! turned into `interrupted` with reason [`InterruptReason::Crash`], resumable from the last
//! checkpoint; or into `completed` when the file is complete at its save path and the temporary
//! file gone (the process died between the rename and the journal write).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::state::{DownloadRecord, DownloadState, InterruptReason};

/// File name of the journal inside a persistent partition's directory.
///
/// Example: see [`Journal`].
pub const FILE_NAME: &str = "Download Journal.json";

/// Completed and cancelled items kept (oldest dropped first); interrupted ones are always kept.
///
/// Example: see [`Journal`].
pub const MAX_FINISHED: usize = 1000;

#[derive(Serialize, Deserialize)]
struct Document {
    version: u32,
    items: Vec<DownloadRecord>,
}

/// The records of a partition's downloads, persisted when the partition is.
///
/// ```
/// use session_downloads::journal::{FILE_NAME, Journal};
/// use session_downloads::{DownloadRecord, DownloadState, InterruptReason};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join(FILE_NAME);
/// {
///     let journal = Journal::open(&path).unwrap();
///     assert_eq!(journal.path(), Some(path.as_path()));
///     let id = journal.allocate_id();
///     let mut record = DownloadRecord::new(id, vec!["https://a.test/big.iso".into()]);
///     record.received_bytes = 1 << 20; // checkpointed after an fsync of the temporary file
///     journal.put(&record).unwrap(); // on disk when this returns
///     assert_eq!(journal.get(id).unwrap().received_bytes, 1 << 20);
/// } // the process "dies" with the download running
///
/// let journal = Journal::open(&path).unwrap();
/// let found = &journal.records()[0];
/// assert_eq!(found.state, DownloadState::Interrupted);
/// assert_eq!(found.interrupt_reason, Some(InterruptReason::Crash));
/// assert!(found.can_resume());
/// assert!(journal.allocate_id() > found.id); // ids continue across runs
/// journal.remove(found.id).unwrap();
/// assert!(journal.records().is_empty());
///
/// // A damaged journal is moved aside rather than keeping the partition closed.
/// std::fs::write(&path, b"{ not json").unwrap();
/// assert!(Journal::open(&path).is_err());
/// let (journal, warning) = Journal::open_or_reset(&path).unwrap();
/// assert!(warning.is_some() && journal.records().is_empty());
/// assert_eq!(Journal::in_memory().path(), None);
/// ```
#[derive(Debug)]
pub struct Journal {
    path: Option<PathBuf>,
    state: Mutex<State>,
    /// The version last written to the file. Held while writing, never together with `state`:
    /// readers and other writers' memory updates do not wait for the disk.
    written: Mutex<u64>,
}

#[derive(Debug, Default)]
struct State {
    records: BTreeMap<u64, DownloadRecord>,
    next_id: u64,
    /// Bumped by every change; a write of an older version than the file holds is skipped.
    version: u64,
}

impl Journal {
    /// A journal kept in memory only (in-memory partitions).
    ///
    /// Example: see [`Journal`].
    pub fn in_memory() -> Self {
        Journal {
            path: None,
            state: Mutex::new(State {
                records: BTreeMap::new(),
                next_id: 1,
                version: 0,
            }),
            written: Mutex::new(0),
        }
    }

    /// Opens (or starts) the journal at `path`; the parent directory must exist.
    ///
    /// Example: see [`Journal`].
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let mut records = BTreeMap::new();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let doc: Document = serde_json::from_slice(&bytes).map_err(|e| {
                    Error::new(
                        ErrorKind::CorruptJournal,
                        format!("download journal {} is not valid: {e}", path.display()),
                    )
                })?;
                if doc.version != 1 {
                    return Err(Error::new(
                        ErrorKind::CorruptJournal,
                        format!(
                            "download journal {} has unknown version {}",
                            path.display(),
                            doc.version
                        ),
                    ));
                }
                for mut record in doc.items {
                    if record.state == DownloadState::Progressing {
                        if renamed_before_crash(&record) {
                            // The process died between the rename and the journal write.
                            record.state = DownloadState::Completed;
                            record.received_bytes = record.total_bytes;
                        } else {
                            record.state = DownloadState::Interrupted;
                            record.interrupt_reason = Some(InterruptReason::Crash);
                        }
                    }
                    records.insert(record.id, record);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("cannot read download journal", &path, e)),
        }
        let next_id = records.keys().next_back().map_or(1, |id| id + 1);
        Ok(Journal {
            path: Some(path),
            state: Mutex::new(State {
                records,
                next_id,
                version: 0,
            }),
            written: Mutex::new(0),
        })
    }

    /// Like [`open`](Self::open), but a journal that cannot be parsed is moved aside (to
    /// `<name>.corrupt`, replacing an earlier one) and an empty journal starts, with a warning
    /// saying so: a damaged history must not keep the partition from opening. Read errors still
    /// fail.
    ///
    /// Example: see [`Journal`].
    pub fn open_or_reset(path: impl Into<PathBuf>) -> Result<(Self, Option<String>)> {
        let path = path.into();
        match Journal::open(&path) {
            Err(e) if e.kind() == ErrorKind::CorruptJournal => {
                let mut aside = path.clone().into_os_string();
                aside.push(".corrupt");
                std::fs::rename(&path, &aside).map_err(|io| {
                    Error::io("cannot move aside corrupt download journal", &path, io)
                })?;
                let warning = format!("{e}; moved aside, starting an empty download journal");
                tracing::warn!("{warning}");
                Ok((Journal::open(path)?, Some(warning)))
            }
            other => Ok((other?, None)),
        }
    }

    /// Where the journal is stored; `None` in memory.
    ///
    /// Example: see [`Journal`].
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map half-updated (inserts are
        // single calls), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new id, never used before in this partition.
    ///
    /// Example: see [`Journal`].
    pub fn allocate_id(&self) -> u64 {
        let mut state = self.lock();
        let id = state.next_id;
        state.next_id += 1;
        id
    }

    /// The record with `id`.
    ///
    /// Example: see [`Journal`].
    pub fn get(&self, id: u64) -> Option<DownloadRecord> {
        self.lock().records.get(&id).cloned()
    }

    /// All records, oldest first.
    ///
    /// Example: see [`Journal`].
    pub fn records(&self) -> Vec<DownloadRecord> {
        self.lock().records.values().cloned().collect()
    }

    /// Stores `record` (insert or replace) and writes the journal; returns once a version
    /// holding the change is on disk. Blocks on the fsync, but not while holding the lock the
    /// readers take.
    ///
    /// Example: see [`Journal`].
    pub fn put(&self, record: &DownloadRecord) -> Result<()> {
        let encoded = {
            let mut state = self.lock();
            state.records.insert(record.id, record.clone());
            if state.next_id <= record.id {
                state.next_id = record.id + 1;
            }
            prune(&mut state.records);
            self.encode(&mut state)?
        };
        self.write(encoded)
    }

    /// Forgets the record with `id` and writes the journal.
    ///
    /// Example: see [`Journal`].
    pub fn remove(&self, id: u64) -> Result<()> {
        let encoded = {
            let mut state = self.lock();
            if state.records.remove(&id).is_none() {
                return Ok(());
            }
            self.encode(&mut state)?
        };
        self.write(encoded)
    }

    /// The document as `state` holds it, with a new version number (memory only).
    fn encode(&self, state: &mut State) -> Result<Option<(u64, Vec<u8>)>> {
        if self.path.is_none() {
            return Ok(None);
        }
        state.version += 1;
        let doc = Document {
            version: 1,
            items: state.records.values().cloned().collect(),
        };
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot encode download journal: {e}"),
            )
        })?;
        Ok(Some((state.version, bytes)))
    }

    /// Writes an encoded version unless a newer one (which holds its change too) is already on
    /// disk, so concurrent writers never put an older document over a newer one.
    fn write(&self, encoded: Option<(u64, Vec<u8>)>) -> Result<()> {
        let (Some(path), Some((version, bytes))) = (&self.path, encoded) else {
            return Ok(());
        };
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if *written >= version {
            return Ok(());
        }
        session_base::fs::atomic_write(path, &bytes)
            .map_err(|e| Error::io("cannot write download journal", path, e))?;
        *written = version;
        Ok(())
    }
}

/// Whether a running item's file is complete at its save path with no temporary file left:
/// the rename happened, the journal update did not.
fn renamed_before_crash(record: &DownloadRecord) -> bool {
    let (Some(target), Some(temp)) = (&record.save_path, record.temp_path()) else {
        return false;
    };
    record.total_bytes > 0
        && !temp.exists()
        && std::fs::metadata(target).is_ok_and(|m| m.is_file() && m.len() == record.total_bytes)
}

fn prune(records: &mut BTreeMap<u64, DownloadRecord>) {
    let finished: Vec<u64> = records
        .values()
        .filter(|r| matches!(r.state, DownloadState::Completed | DownloadState::Cancelled))
        .map(|r| r.id)
        .collect();
    if finished.len() > MAX_FINISHED {
        for id in &finished[..finished.len() - MAX_FINISHED] {
            records.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopen_and_marks_running_items_crashed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let journal = Journal::open(&path).expect("open");
        let id = journal.allocate_id();
        assert_eq!(id, 1);
        let mut record = DownloadRecord::new(id, vec!["http://a.test/f".into()]);
        record.received_bytes = 42;
        journal.put(&record).expect("put");
        drop(journal);

        let journal = Journal::open(&path).expect("reopen");
        let back = journal.get(1).expect("record");
        assert_eq!(back.received_bytes, 42);
        assert_eq!(back.state, DownloadState::Interrupted);
        assert_eq!(back.interrupt_reason, Some(InterruptReason::Crash));
        assert!(back.can_resume());
        assert_eq!(journal.allocate_id(), 2);
    }

    #[test]
    fn concurrent_writers_leave_the_newest_document() {
        // Writes happen outside the records' lock: whatever order the threads reach the disk
        // in, the file ends with every item at its last value.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let journal = std::sync::Arc::new(Journal::open(&path).expect("open"));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let journal = journal.clone();
                std::thread::spawn(move || {
                    let id = journal.allocate_id();
                    let mut record = DownloadRecord::new(id, vec!["http://a.test/f".into()]);
                    for n in 1..=20 {
                        record.received_bytes = n;
                        journal.put(&record).expect("put");
                        // A reader meanwhile sees the change at once.
                        assert_eq!(journal.get(id).expect("record").received_bytes, n);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("writer");
        }
        drop(journal);
        let journal = Journal::open(&path).expect("reopen");
        let records = journal.records();
        assert_eq!(records.len(), 8);
        assert!(
            records.iter().all(|r| r.received_bytes == 20),
            "{records:?}"
        );
    }

    #[test]
    fn a_crash_after_the_rename_counts_as_completed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let journal = Journal::open(&path).expect("open");
        let target = dir.path().join("file.bin");
        std::fs::write(&target, b"12345").expect("write");
        let mut done = DownloadRecord::new(journal.allocate_id(), vec!["http://a.test/f".into()]);
        done.save_path = Some(target.clone());
        done.total_bytes = 5;
        journal.put(&done).expect("put");
        let mut partial =
            DownloadRecord::new(journal.allocate_id(), vec!["http://a.test/g".into()]);
        partial.save_path = Some(dir.path().join("other.bin"));
        partial.total_bytes = 5;
        journal.put(&partial).expect("put");
        drop(journal);
        let journal = Journal::open(&path).expect("reopen");
        assert_eq!(
            journal.get(1).expect("first").state,
            DownloadState::Completed
        );
        assert_eq!(journal.get(1).expect("first").received_bytes, 5);
        assert_eq!(
            journal.get(2).expect("second").state,
            DownloadState::Interrupted
        );
    }

    #[test]
    fn corrupt_journal_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{not json").expect("write");
        let err = Journal::open(&path).expect_err("corrupt");
        assert_eq!(err.kind(), ErrorKind::CorruptJournal);
        assert!(err.to_string().contains(FILE_NAME));
    }

    #[test]
    fn corrupt_journal_can_be_moved_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{not json").expect("write");
        let (journal, warning) = Journal::open_or_reset(&path).expect("reset");
        assert!(journal.records().is_empty());
        assert!(warning.expect("warning").contains("moved aside"));
        assert_eq!(
            std::fs::read(dir.path().join(format!("{FILE_NAME}.corrupt"))).expect("aside"),
            b"{not json"
        );
    }

    #[test]
    fn keeps_bounded_history() {
        let journal = Journal::in_memory();
        for _ in 0..MAX_FINISHED + 5 {
            let mut r = DownloadRecord::new(journal.allocate_id(), vec![]);
            r.state = DownloadState::Completed;
            journal.put(&r).expect("put");
        }
        let mut r = DownloadRecord::new(journal.allocate_id(), vec![]);
        r.state = DownloadState::Interrupted;
        journal.put(&r).expect("put");
        let records = journal.records();
        assert_eq!(records.len(), MAX_FINISHED + 1);
        assert_eq!(records[0].id, 6);
    }
}
