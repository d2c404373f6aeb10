//! The disk store's writer: one thread per disk store that creates and writes entry files, so a
//! miss does not pay for file creation and writes on the path that reads the network body.
//!
//! An [`EntryWriter`](crate::store::EntryWriter) gathers the body's chunks (reference-counted
//! [`Bytes`], not copies) and hands them over in batches of about [`BATCH`] bytes; a small body
//! reaches the thread in one message, together with its head and trailer. At most [`QUEUE`]
//! body messages wait for the thread, so at most about `QUEUE * BATCH` bytes of bodies sit in
//! memory per store. The body's reader never waits for the disk: when the thread falls behind
//! and the queue is full, the entry is dropped (and counted) while the body streams on, as
//! Chrome's simple cache drops writes it cannot keep up with. Messages that only close or
//! delete a file are never refused.
//!
//! Crash safety is the file format's (see [`crate::store`]): the trailer is written last, so a
//! file the thread had not finished when the process died is deleted at the next open. A
//! committed entry enters the index at once, in state [`WRITING`]: a hit on it waits for the
//! thread to finish the file, an eviction or removal leaves the file to the thread (which
//! deletes a file whose entry left the index while it was written), and a write that fails
//! removes the entry again, so it is never served. The store joins the thread when it is
//! dropped, so a reopened directory sees every committed entry complete.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use bytes::Bytes;

use crate::store::{BodySource, Index};

/// How many body bytes an entry writer gathers before handing them to the thread.
pub(crate) const BATCH: usize = 64 * 1024;
/// How many body messages may wait for the thread (about 4 MiB); past it entries are dropped.
pub(crate) const QUEUE: usize = 64;

/// The entry file is being written by the thread.
pub(crate) const WRITING: u8 = 0;
/// The entry file is complete.
pub(crate) const WRITTEN: u8 = 1;
/// Writing the entry file failed; the entry left the index and the file was deleted.
pub(crate) const FAILED: u8 = 2;

/// An entry file of the disk store and how far its writing got.
pub(crate) struct EntryFile {
    pub(crate) path: PathBuf,
    /// One of [`WRITING`], [`WRITTEN`], [`FAILED`]; changed only under the index lock.
    state: AtomicU8,
}

impl EntryFile {
    /// A file being written.
    pub(crate) fn writing(path: PathBuf) -> Arc<EntryFile> {
        Arc::new(EntryFile {
            path,
            state: AtomicU8::new(WRITING),
        })
    }

    /// A complete file (found at open).
    pub(crate) fn written(path: PathBuf) -> Arc<EntryFile> {
        Arc::new(EntryFile {
            path,
            state: AtomicU8::new(WRITTEN),
        })
    }

    /// The state; read it under the index lock for a decision that must not race the thread.
    pub(crate) fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }
}

/// The index and the condition a hit waits on for an entry file to be finished; shared by the
/// store and its writer thread.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) index: Mutex<Index>,
    pub(crate) finished: Condvar,
}

impl Shared {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records the end of writing `file` (keyed `key` in the index): a complete file whose
    /// entry is still stored becomes servable; a failed write takes its entry out of the index;
    /// a file whose entry left the index meanwhile (evicted, removed, replaced, cleared) is
    /// deleted. Wakes the hits waiting for it.
    pub(crate) fn finish(&self, key: &str, file: &EntryFile, ok: bool) {
        let mut index = self.lock();
        let current = index.map.get(key).is_some_and(
            |slot| matches!(&slot.body, BodySource::Disk(f) if std::ptr::eq(&**f, file)),
        );
        if ok && current {
            file.state.store(WRITTEN, Ordering::Release);
        } else {
            if !ok
                && current
                && let Some(slot) = index.map.remove(key)
            {
                index.total -= slot.size;
            }
            file.state.store(FAILED, Ordering::Release);
            delete_entry_files(&file.path);
        }
        drop(index);
        self.finished.notify_all();
    }
}

/// Deletes an entry file and its head override, if any.
pub(crate) fn delete_entry_files(path: &std::path::Path) {
    let _ = fs::remove_file(path);
    let mut meta = path.as_os_str().to_owned();
    meta.push(".meta");
    let _ = fs::remove_file(PathBuf::from(meta));
}

/// A message to the writer thread. Every message of one entry carries its id; the first one
/// creates the file.
pub(crate) enum Op {
    /// Append body chunks.
    Write {
        id: u64,
        file: Arc<EntryFile>,
        chunks: Vec<Bytes>,
    },
    /// Append the last chunks and the tail (encoded head, its length, the magic), close the file
    /// and publish the entry (see [`Shared::finish`]).
    Finish {
        id: u64,
        key: String,
        file: Arc<EntryFile>,
        chunks: Vec<Bytes>,
        tail: Vec<u8>,
    },
    /// The entry was not committed: close and delete the file.
    Abandon { id: u64, file: Arc<EntryFile> },
}

/// The writer thread of one disk store; dropping it waits for the thread to finish the queue.
pub(crate) struct DiskWriter {
    sender: Option<Sender<Op>>,
    /// Body messages ([`Op::Write`], [`Op::Finish`]) sent and not yet taken by the thread.
    queued: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl DiskWriter {
    /// Starts the thread; an error when the system refuses one.
    pub(crate) fn start(shared: Arc<Shared>) -> std::io::Result<DiskWriter> {
        let (sender, receiver) = channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let thread_queued = Arc::clone(&queued);
        let thread = std::thread::Builder::new()
            .name("session-cache-writer".into())
            .spawn(move || run(&shared, receiver, &thread_queued))?;
        Ok(DiskWriter {
            sender: Some(sender),
            queued,
            thread: Some(thread),
        })
    }

    /// Hands `op` to the thread without waiting. A body message is refused (given back) when
    /// [`QUEUE`] of them already wait; any message is given back when the thread is gone.
    pub(crate) fn send(&self, op: Op) -> Result<(), Op> {
        let Some(sender) = &self.sender else {
            return Err(op);
        };
        let body = !matches!(op, Op::Abandon { .. });
        if body && self.queued.fetch_add(1, Ordering::AcqRel) >= QUEUE {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(op);
        }
        sender.send(op).map_err(|e| {
            if body {
                self.queued.fetch_sub(1, Ordering::AcqRel);
            }
            e.0
        })
    }
}

impl Drop for DiskWriter {
    fn drop(&mut self) {
        // Closing the channel ends the thread once it has written everything queued.
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An entry file open on the thread; `None` once a create or write failed.
type Open = Option<BufWriter<File>>;

fn run(shared: &Shared, receiver: Receiver<Op>, queued: &AtomicUsize) {
    let mut open: HashMap<u64, Open> = HashMap::new();
    for op in receiver {
        if !matches!(op, Op::Abandon { .. }) {
            queued.fetch_sub(1, Ordering::AcqRel);
        }
        match op {
            Op::Write { id, file, chunks } => {
                let out = open.entry(id).or_insert_with(|| create(&file));
                append(out, chunks.iter().map(|c| &c[..]));
            }
            Op::Finish {
                id,
                key,
                file,
                chunks,
                tail,
            } => {
                let mut out = open.remove(&id).unwrap_or_else(|| create(&file));
                append(&mut out, chunks.iter().map(|c| &c[..]));
                append(&mut out, std::iter::once(&tail[..]));
                // No fsync: a process crash cannot lose written data, and a power loss that
                // truncates the file is caught at open.
                let ok = out.is_some_and(|w| w.into_inner().is_ok());
                shared.finish(&key, &file, ok);
            }
            Op::Abandon { id, file } => {
                open.remove(&id);
                delete_entry_files(&file.path);
            }
        }
    }
}

fn create(file: &EntryFile) -> Open {
    let f = File::options()
        .write(true)
        .create_new(true)
        .open(&file.path)
        .ok()?;
    Some(BufWriter::with_capacity(BATCH, f))
}

fn append<'a>(out: &mut Open, parts: impl Iterator<Item = &'a [u8]>) {
    if let Some(w) = out {
        for part in parts {
            if w.write_all(part).is_err() {
                *out = None;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_refuses_body_messages_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let shared = Arc::new(Shared::default());
        let writer = DiskWriter::start(Arc::clone(&shared)).unwrap();
        let file = |i: u64| EntryFile::writing(dir.path().join(format!("{i}.entry")));
        // The thread stalls on the index lock in the `finish` of the first entry: the queue
        // fills with the others.
        let index = shared.lock();
        let stall = Op::Finish {
            id: 0,
            key: "k".into(),
            file: file(0),
            chunks: Vec::new(),
            tail: Vec::new(),
        };
        assert!(writer.send(stall).is_ok());
        let mut refused = None;
        for i in 1..(QUEUE as u64 + 3) {
            let op = Op::Write {
                id: i,
                file: file(i),
                chunks: vec![Bytes::from_static(b"body")],
            };
            if writer.send(op).is_err() {
                refused = Some(i);
                break;
            }
        }
        let refused = refused.expect("a full queue refuses");
        assert!(refused >= QUEUE as u64, "refused after {refused}");
        // Closing messages still go through.
        assert!(
            writer
                .send(Op::Abandon {
                    id: 1,
                    file: file(1)
                })
                .is_ok()
        );
        drop(index);
        drop(writer);
        // Every accepted write reached its file; the abandoned one is gone.
        assert!(!dir.path().join("1.entry").exists());
        for i in 2..refused {
            let body = std::fs::read(dir.path().join(format!("{i}.entry"))).unwrap();
            assert_eq!(body, b"body", "{i}");
        }
    }
}
