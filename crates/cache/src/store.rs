//! Where entries live: an index in memory over either memory-resident bodies or a directory of
//! files, bounded by a byte budget with least-recently-used eviction.
//!
//! Disk layout (`<partition>/Cache/`): one file per entry, `<hash>-<nonce>.entry`, of a name no
//! other write uses: the body as it streamed in, then the encoded [`Head`] (with a checksum),
//! its length and a magic trailer. The file is created and written by the store's writer thread
//! ([`crate::writer`]), off the path that reads the network body; the index learns of an entry
//! when its body has ended, but serves it only once the thread has completed the file (a hit
//! waits for that). At open a file whose trailer, checksum or length is wrong (a write cut short
//! by a crash) is deleted, so an entry is never served from a partial write. A 304 rewrites the
//! head into `<entry>.meta` (written to a temporary file and renamed), which overrides the
//! trailer's head at the next open. When two complete files hold the same key (a crash between
//! a commit and the removal of the entry it replaced), the newest wins.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, MutexGuard};
use std::task::{Context, Poll};
use std::time::UNIX_EPOCH;

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use sha2::{Digest, Sha256};

use crate::entry::Head;
use crate::error::{Error, Result};
use crate::writer::{self, BATCH, DiskWriter, EntryFile, Op, Shared};

/// Chromium's default in-memory cache size (`kDefaultInMemoryCacheSize`, 10 MiB).
///
/// Example: see [`auto_disk_budget`].
pub const DEFAULT_MEMORY_BUDGET: u64 = 10 * 1024 * 1024;
/// Chromium's base disk cache size (`kDefaultCacheSize`, 80 MiB), from which the auto size is
/// derived.
///
/// Example: see [`auto_disk_budget`].
pub const DEFAULT_DISK_BASE: u64 = 80 * 1024 * 1024;

/// Chromium's automatic disk cache size for `available` free bytes (`PreferredCacheSize`):
/// 80% of free space when that is below 100 MiB, 80 MiB up to 800 MiB free, 10% of free space
/// up to 2 GiB free, 200 MiB up to 20 GiB free, then 1% of free space, at most 2^31-1 bytes.
///
/// ```
/// use session_cache::{Cache, DEFAULT_DISK_BASE, DEFAULT_MEMORY_BUDGET, auto_disk_budget};
///
/// const MIB: u64 = 1024 * 1024;
/// assert_eq!(auto_disk_budget(50 * MIB), 40 * MIB); // 80% of a little free space
/// assert_eq!(auto_disk_budget(500 * MIB), DEFAULT_DISK_BASE);
/// assert_eq!(auto_disk_budget(100 * 1024 * MIB), 1024 * MIB); // 1% of 100 GiB
/// assert_eq!(Cache::memory(None).budget(), DEFAULT_MEMORY_BUDGET);
/// ```
pub fn auto_disk_budget(available: u64) -> u64 {
    let base = DEFAULT_DISK_BASE;
    let size = if available < base * 10 / 8 {
        available * 8 / 10
    } else if available < base * 10 {
        base
    } else if available < base * 25 {
        available / 10
    } else if available < base * 250 {
        base * 5 / 2
    } else {
        available / 100
    };
    size.min(i32::MAX as u64)
}

fn available_space(dir: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(dir).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

pub(crate) enum BodySource {
    Memory(Arc<[Bytes]>),
    Disk(Arc<EntryFile>),
}

/// One stored entry.
pub(crate) struct Slot {
    pub(crate) head: Head,
    pub(crate) body: BodySource,
    pub(crate) size: u64,
    last_use: AtomicU64,
}

/// The stored entries by key and their total size.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) map: HashMap<String, Arc<Slot>>,
    pub(crate) total: u64,
}

enum Backend {
    Memory,
    Disk { dir: PathBuf, writer: DiskWriter },
}

/// The store shared by a cache's handles.
pub(crate) struct Store {
    backend: Backend,
    shared: Arc<Shared>,
    budget: AtomicU64,
    tick: AtomicU64,
    generation: AtomicU64,
    /// Entries dropped because the writer thread was behind.
    dropped: AtomicU64,
}

fn file_stem(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    hex::encode(&digest[..16])
}

fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}{n:x}", std::process::id(), t & 0xffff_ffff)
}

impl Store {
    pub(crate) fn memory(budget: Option<u64>) -> Store {
        Store {
            backend: Backend::Memory,
            shared: Arc::default(),
            budget: AtomicU64::new(budget.unwrap_or(DEFAULT_MEMORY_BUDGET)),
            tick: AtomicU64::new(1),
            generation: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    pub(crate) fn disk(dir: &Path, budget: Option<u64>) -> Result<Store> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::invalid(format!(
                "cache directory {} is not a directory",
                dir.display()
            )));
        }
        fs::create_dir_all(dir).map_err(|e| Error::io("create cache directory", dir, e))?;
        let budget = budget.unwrap_or_else(|| {
            auto_disk_budget(available_space(dir).unwrap_or(DEFAULT_DISK_BASE * 10))
        });
        let mut index = Index::default();
        let mut overrides = std::collections::HashSet::new();
        let mut loaded: HashMap<String, (u64, Slot)> = HashMap::new();
        let rd = fs::read_dir(dir).map_err(|e| Error::io("read cache directory", dir, e))?;
        for item in rd {
            let item = item.map_err(|e| Error::io("read cache directory", dir, e))?;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            if name.ends_with(".entry") {
                let Some((slot, t)) = load_entry(&path) else {
                    let _ = fs::remove_file(&path);
                    let _ = fs::remove_file(meta_path(&path));
                    continue;
                };
                let key = slot.head.key.clone();
                let loser = match loaded.remove(&key) {
                    Some((old_t, old)) if old_t > t => {
                        loaded.insert(key, (old_t, old));
                        slot
                    }
                    Some((_, old)) => {
                        loaded.insert(key, (t, slot));
                        old
                    }
                    None => {
                        loaded.insert(key, (t, slot));
                        continue;
                    }
                };
                if let BodySource::Disk(f) = &loser.body {
                    writer::delete_entry_files(&f.path);
                }
            } else if name.ends_with(".entry.meta") {
                overrides.insert(path);
            } else if is_ours(&name) {
                // Temporary files of overrides that never finished. Files the cache did not
                // write are left alone.
                let _ = fs::remove_file(&path);
            }
        }
        let mut loaded: Vec<(u64, String, Slot)> = loaded
            .into_iter()
            .map(|(k, (t, slot))| (t, k, slot))
            .collect();
        // Least recently stored first: their use order is what survives a restart.
        loaded.sort_by_key(|(t, _, _)| *t);
        let mut tick = 1;
        for (_, key, slot) in loaded {
            slot.last_use.store(tick, Ordering::Relaxed);
            tick += 1;
            if let BodySource::Disk(f) = &slot.body {
                overrides.remove(&meta_path(&f.path));
            }
            index.total += slot.size;
            index.map.insert(key, Arc::new(slot));
        }
        for orphan in overrides {
            let _ = fs::remove_file(orphan);
        }
        let shared = Arc::new(Shared {
            index: index.into(),
            finished: Default::default(),
        });
        let writer = DiskWriter::start(Arc::clone(&shared))
            .map_err(|e| Error::io("start the cache writer thread", dir, e))?;
        let store = Store {
            backend: Backend::Disk {
                dir: dir.to_path_buf(),
                writer,
            },
            shared,
            budget: AtomicU64::new(budget),
            tick: AtomicU64::new(tick),
            generation: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        };
        store.evict(&mut store.lock());
        Ok(store)
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        self.shared.lock()
    }

    pub(crate) fn is_disk(&self) -> bool {
        matches!(self.backend, Backend::Disk { .. })
    }

    pub(crate) fn budget(&self) -> u64 {
        self.budget.load(Ordering::Relaxed)
    }

    pub(crate) fn set_budget(&self, bytes: u64) {
        self.budget.store(bytes, Ordering::Relaxed);
        self.evict(&mut self.lock());
    }

    /// The largest body one entry may have: an eighth of the budget, as in Chromium.
    pub(crate) fn max_entry(&self) -> u64 {
        self.budget() / 8
    }

    pub(crate) fn get(&self, key: &str) -> Option<Arc<Slot>> {
        let slot = self.lock().map.get(key).cloned()?;
        slot.last_use
            .store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Some(slot)
    }

    pub(crate) fn size(&self) -> u64 {
        self.lock().total
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub(crate) fn remove(&self, key: &str) {
        let mut index = self.lock();
        if let Some(slot) = index.map.remove(key) {
            index.total -= slot.size;
            self.delete_files(&slot);
        }
    }

    /// Removes the entries whose key `doomed` selects; returns how many went.
    pub(crate) fn remove_where(&self, doomed: impl Fn(&str) -> bool) -> usize {
        let mut index = self.lock();
        let keys: Vec<String> = index.map.keys().filter(|k| doomed(k)).cloned().collect();
        for key in &keys {
            if let Some(slot) = index.map.remove(key) {
                index.total -= slot.size;
                self.delete_files(&slot);
            }
        }
        keys.len()
    }

    pub(crate) fn clear(&self) {
        let mut index = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        for (_, slot) in index.map.drain() {
            self.delete_files(&slot);
        }
        index.total = 0;
        if let Backend::Disk { dir, .. } = &self.backend {
            // Also drop the files of writes in flight; files the cache did not write stay.
            if let Ok(rd) = fs::read_dir(dir) {
                for item in rd.flatten() {
                    if is_ours(&item.file_name().to_string_lossy()) {
                        let _ = fs::remove_file(item.path());
                    }
                }
            }
        }
    }

    /// Deletes the files of an entry that left the index (the index lock is held). A file the
    /// writer thread is still writing is left to it: it deletes the file when it finds the entry
    /// gone.
    fn delete_files(&self, slot: &Slot) {
        if let BodySource::Disk(f) = &slot.body
            && f.state() != writer::WRITING
        {
            writer::delete_entry_files(&f.path);
        }
    }

    fn evict(&self, index: &mut Index) {
        let budget = self.budget();
        if index.total <= budget {
            return;
        }
        let mut order: Vec<(u64, String)> = index
            .map
            .iter()
            .map(|(k, s)| (s.last_use.load(Ordering::Relaxed), k.clone()))
            .collect();
        order.sort_unstable();
        // Evict down to 90% so that a full cache does not evict on every store.
        let target = budget / 10 * 9;
        for (_, key) in order {
            if index.total <= target {
                break;
            }
            if let Some(slot) = index.map.remove(&key) {
                index.total -= slot.size;
                self.delete_files(&slot);
            }
        }
    }

    /// Starts writing an entry; `None` when its declared length exceeds the entry limit. On disk
    /// the file is created and written by the writer thread ([`crate::writer`]).
    pub(crate) fn writer(
        self: &Arc<Self>,
        head: Head,
        declared_len: Option<u64>,
    ) -> Option<EntryWriter> {
        let max = self.max_entry();
        if declared_len.is_some_and(|n| n > max) {
            return None;
        }
        let sink = match &self.backend {
            Backend::Memory => Sink::Memory(Vec::new()),
            Backend::Disk { dir, .. } => {
                static IDS: AtomicU64 = AtomicU64::new(0);
                let name = format!("{}-{}.entry", file_stem(&head.key), nonce());
                Sink::Disk {
                    id: IDS.fetch_add(1, Ordering::Relaxed),
                    file: EntryFile::writing(dir.join(&name)),
                    name,
                    batch: Vec::new(),
                    batched: 0,
                    sent: false,
                }
            }
        };
        Some(EntryWriter {
            store: Arc::clone(self),
            head: Some(head),
            sink,
            written: 0,
            max,
            generation: self.generation.load(Ordering::SeqCst),
            failed: false,
        })
    }

    /// Replaces the head of `slot` (after a 304) if it is still the entry stored under its key.
    pub(crate) fn update_head(&self, slot: &Arc<Slot>, head: Head) -> Option<Arc<Slot>> {
        let mut index = self.lock();
        let current = index.map.get(&head.key)?;
        if !Arc::ptr_eq(current, slot) {
            return None;
        }
        let body = match &slot.body {
            BodySource::Memory(chunks) => BodySource::Memory(Arc::clone(chunks)),
            BodySource::Disk(f) => BodySource::Disk(Arc::clone(f)),
        };
        let encoded = head.encode();
        if let BodySource::Disk(f) = &body
            && write_override(&f.path, &encoded).is_err()
        {
            return None;
        }
        let size = slot.size;
        let new = Arc::new(Slot {
            head,
            body,
            size,
            last_use: AtomicU64::new(self.tick.fetch_add(1, Ordering::Relaxed)),
        });
        index.total = index.total - slot.size + size;
        let key = new.head.key.clone();
        index.map.insert(key, Arc::clone(&new));
        self.evict(&mut index);
        Some(new)
    }

    /// Opens the body of `slot`, optionally a byte range `[start, start+len)` of it.
    pub(crate) fn open_body(&self, slot: &Slot, range: Option<(u64, u64)>) -> Result<StoredBody> {
        let (start, len) = range.unwrap_or((0, slot.head.body_len));
        let source = match &slot.body {
            BodySource::Memory(chunks) => {
                let mut skip = start;
                let mut idx = 0;
                while idx < chunks.len() && skip >= chunks[idx].len() as u64 {
                    skip -= chunks[idx].len() as u64;
                    idx += 1;
                }
                Source::Memory {
                    chunks: Arc::clone(chunks),
                    idx,
                    offset: skip as usize,
                }
            }
            BodySource::Disk(f) => {
                self.wait_written(f)?;
                let path = &f.path;
                let mut file =
                    File::open(path).map_err(|e| Error::io("open cached body", path, e))?;
                let actual = file
                    .metadata()
                    .map_err(|e| Error::io("stat cached body", path, e))?
                    .len();
                if actual < slot.head.body_len + TRAILER_LEN {
                    self.remove(&slot.head.key);
                    return Err(Error::corrupt(
                        path.clone(),
                        "entry file is shorter than its body",
                    ));
                }
                if start > 0 {
                    file.seek(SeekFrom::Start(start))
                        .map_err(|e| Error::io("seek cached body", path, e))?;
                }
                Source::Disk {
                    file,
                    path: path.clone(),
                }
            }
        };
        Ok(StoredBody {
            source,
            remaining: len,
        })
    }

    /// Waits until the writer thread has finished `file` (at once for a complete file); an
    /// error when writing it failed.
    fn wait_written(&self, file: &EntryFile) -> Result<()> {
        let index = self.lock();
        let _index = self
            .shared
            .finished
            .wait_while(index, |_| file.state() == writer::WRITING)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if file.state() == writer::FAILED {
            return Err(Error::corrupt(
                file.path.clone(),
                "the entry file could not be written",
            ));
        }
        Ok(())
    }
}

/// The length of an entry file's trailer: the head's length (u32) and [`ENTRY_MAGIC`].
const TRAILER_LEN: u64 = 12;
const ENTRY_MAGIC: &[u8; 8] = b"SCENTRY1";

/// Whether a file name in the cache directory is one the cache writes: entries, head overrides
/// and their temporary files (`.<name>.tmp-<pid>-<n>`).
fn is_ours(name: &str) -> bool {
    name.ends_with(".entry")
        || name.ends_with(".entry.meta")
        || (name.starts_with('.') && name.contains(".entry.meta.tmp-"))
}

/// The head override a 304 writes beside an entry file.
fn meta_path(entry: &Path) -> PathBuf {
    let mut name = entry.as_os_str().to_owned();
    name.push(".meta");
    PathBuf::from(name)
}

fn write_override(entry: &Path, encoded: &[u8]) -> std::io::Result<()> {
    let path = meta_path(entry);
    let tmp = session_base::fs::temp_sibling(&path)?;
    let result = fs::write(&tmp, encoded).and_then(|()| fs::rename(&tmp, &path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads a complete entry file's head (or its override) and checks its length; `None` for a
/// file cut short or damaged.
fn load_entry(path: &Path) -> Option<(Slot, u64)> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    if len < TRAILER_LEN {
        return None;
    }
    let mut trailer = [0u8; TRAILER_LEN as usize];
    file.seek(SeekFrom::Start(len - TRAILER_LEN)).ok()?;
    file.read_exact(&mut trailer).ok()?;
    if &trailer[4..] != ENTRY_MAGIC {
        return None;
    }
    let head_len = u64::from(u32::from_le_bytes(trailer[..4].try_into().ok()?));
    let body_and_head = len - TRAILER_LEN;
    let body_len = body_and_head.checked_sub(head_len)?;
    let mut encoded = vec![0u8; head_len as usize];
    file.seek(SeekFrom::Start(body_len)).ok()?;
    file.read_exact(&mut encoded).ok()?;
    let mut head = Head::decode(&encoded)?;
    if head.body_len != body_len {
        return None;
    }
    if let Some(newer) = fs::read(meta_path(path))
        .ok()
        .and_then(|b| Head::decode(&b))
        && newer.key == head.key
        && newer.body_len == body_len
    {
        head = newer;
    }
    let t = head
        .response_time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Some((
        Slot {
            head,
            body: BodySource::Disk(EntryFile::written(path.to_path_buf())),
            size: len,
            last_use: AtomicU64::new(0),
        },
        t,
    ))
}

enum Sink {
    Memory(Vec<Bytes>),
    /// Chunks gathered for the writer thread, handed over [`BATCH`] bytes at a time.
    Disk {
        id: u64,
        file: Arc<EntryFile>,
        name: String,
        batch: Vec<Bytes>,
        batched: usize,
        /// Whether a batch went to the thread (which then holds a file to delete on abandon).
        sent: bool,
    },
}

/// Writes one entry's body as it streams; [`EntryWriter::commit`] makes it visible, dropping
/// the writer without committing discards it.
pub(crate) struct EntryWriter {
    store: Arc<Store>,
    head: Option<Head>,
    sink: Sink,
    written: u64,
    max: u64,
    generation: u64,
    failed: bool,
}

impl EntryWriter {
    /// Appends a chunk; past the entry limit, or when the writer thread is behind or gone, the
    /// entry is abandoned. Never waits for the disk.
    pub(crate) fn write(&mut self, chunk: &Bytes) {
        if self.failed {
            return;
        }
        self.written += chunk.len() as u64;
        if self.written > self.max {
            self.failed = true;
            return;
        }
        match &mut self.sink {
            Sink::Memory(chunks) => chunks.push(chunk.clone()),
            Sink::Disk {
                id,
                file,
                batch,
                batched,
                sent,
                ..
            } => {
                batch.push(chunk.clone());
                *batched += chunk.len();
                if *batched >= BATCH {
                    *batched = 0;
                    *sent = true;
                    let op = Op::Write {
                        id: *id,
                        file: Arc::clone(file),
                        chunks: std::mem::take(batch),
                    };
                    if self.store.send(op).is_err() {
                        self.failed = true;
                        self.store.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }

    pub(crate) fn is_failed(&self) -> bool {
        self.failed
    }

    /// Commits the entry: it replaces whatever was stored under its key. A disk entry enters
    /// the index at once and is served once the writer thread has finished its file.
    pub(crate) fn commit(mut self) -> bool {
        let Some(mut head) = self.head.take() else {
            return false;
        };
        let sink = std::mem::replace(&mut self.sink, Sink::Memory(Vec::new()));
        if self.failed || self.store.generation.load(Ordering::SeqCst) != self.generation {
            self.store.abandon(sink);
            return false;
        }
        head.body_len = self.written;
        // The size counts the body and the head, and a disk entry's trailer.
        let (body, size, finish) = match sink {
            Sink::Memory(chunks) => {
                let size = head.body_len + head.encoded_len() as u64;
                (BodySource::Memory(chunks.into()), size, None)
            }
            Sink::Disk {
                id,
                file,
                name,
                batch,
                ..
            } => {
                head.body_file = name;
                let mut tail = head.encode();
                let size = head.body_len + tail.len() as u64 + TRAILER_LEN;
                tail.extend_from_slice(&(tail.len() as u32).to_le_bytes());
                tail.extend_from_slice(ENTRY_MAGIC);
                let finish = Op::Finish {
                    id,
                    key: head.key.clone(),
                    file: Arc::clone(&file),
                    chunks: batch,
                    tail,
                };
                (BodySource::Disk(file), size, Some(finish))
            }
        };
        let store = Arc::clone(&self.store);
        let mut index = store.lock();
        if store.generation.load(Ordering::SeqCst) != self.generation {
            drop(index);
            if let Some(Op::Finish { id, file, .. }) = finish {
                let _ = store.send(Op::Abandon { id, file });
            }
            return false;
        }
        let key = head.key.clone();
        let slot = Arc::new(Slot {
            head,
            body,
            size,
            last_use: AtomicU64::new(store.tick.fetch_add(1, Ordering::Relaxed)),
        });
        if let Some(old) = index.map.insert(key.clone(), slot) {
            index.total -= old.size;
            store.delete_files(&old);
        }
        index.total += size;
        store.evict(&mut index);
        drop(index);
        // The entry is in the index before the thread may finish its file, so that the thread
        // finds it there (or finds it gone and deletes the file).
        if let Some(op) = finish
            && let Err(Op::Finish { id, file, .. }) = store.send(op)
        {
            // The thread is behind: the entry is dropped, and the file it may have begun is
            // closed and deleted.
            store.dropped.fetch_add(1, Ordering::Relaxed);
            store.shared.finish(&key, &file, false);
            let _ = store.send(Op::Abandon { id, file });
            return false;
        }
        true
    }
}

impl Store {
    /// Entries dropped because the writer thread was behind.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Hands `op` to the disk writer thread; gives it back when there is no thread.
    fn send(&self, op: Op) -> std::result::Result<(), Op> {
        match &self.backend {
            Backend::Disk { writer, .. } => writer.send(op),
            Backend::Memory => Err(op),
        }
    }

    /// Discards an uncommitted entry: the thread deletes the file it may have created.
    fn abandon(&self, sink: Sink) {
        if let Sink::Disk {
            id,
            file,
            sent: true,
            ..
        } = sink
        {
            let _ = self.send(Op::Abandon { id, file });
        }
    }
}

impl Drop for EntryWriter {
    fn drop(&mut self) {
        if self.head.is_some() {
            let sink = std::mem::replace(&mut self.sink, Sink::Memory(Vec::new()));
            self.store.abandon(sink);
        }
    }
}

enum Source {
    Memory {
        chunks: Arc<[Bytes]>,
        idx: usize,
        offset: usize,
    },
    Disk {
        file: File,
        path: PathBuf,
    },
}

/// A body read from the cache, chunk by chunk (disk bodies in 64 KiB reads, so a large entry
/// never sits in memory).
///
/// Example: see [`Cache`](crate::Cache) (the body of a validated response).
pub struct StoredBody {
    source: Source,
    remaining: u64,
}

impl StoredBody {
    /// An empty body (a HEAD served from a stored GET, a synthesised 504).
    ///
    /// ```
    /// use http_body::Body;
    /// assert!(session_cache::StoredBody::empty().is_end_stream());
    /// ```
    pub fn empty() -> StoredBody {
        StoredBody {
            source: Source::Memory {
                chunks: Arc::from(Vec::new()),
                idx: 0,
                offset: 0,
            },
            remaining: 0,
        }
    }

    fn next_chunk(&mut self) -> Option<Result<Bytes>> {
        if self.remaining == 0 {
            return None;
        }
        match &mut self.source {
            Source::Memory {
                chunks,
                idx,
                offset,
            } => {
                let chunk = chunks.get(*idx)?;
                let take = ((chunk.len() - *offset) as u64).min(self.remaining) as usize;
                let out = chunk.slice(*offset..*offset + take);
                *offset += take;
                if *offset == chunk.len() {
                    *idx += 1;
                    *offset = 0;
                }
                self.remaining -= take as u64;
                Some(Ok(out))
            }
            Source::Disk { file, path } => {
                let want = self.remaining.min(64 * 1024) as usize;
                let mut buf = BytesMut::zeroed(want);
                match file.read(&mut buf) {
                    Ok(0) => {
                        self.remaining = 0;
                        Some(Err(Error::corrupt(path.clone(), "body ended early")))
                    }
                    Ok(n) => {
                        buf.truncate(n);
                        self.remaining -= n as u64;
                        Some(Ok(buf.freeze()))
                    }
                    Err(e) => {
                        self.remaining = 0;
                        Some(Err(Error::io("read cached body", path, e)))
                    }
                }
            }
        }
    }
}

impl http_body::Body for StoredBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>>>> {
        Poll::Ready(self.get_mut().next_chunk().map(|r| r.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

impl std::fmt::Debug for StoredBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredBody")
            .field("remaining", &self.remaining)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_auto_size() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(auto_disk_budget(50 * MIB), 40 * MIB);
        assert_eq!(auto_disk_budget(500 * MIB), 80 * MIB);
        assert_eq!(auto_disk_budget(1500 * MIB), 150 * MIB);
        assert_eq!(auto_disk_budget(10_000 * MIB), 200 * MIB);
        assert_eq!(auto_disk_budget(100_000 * MIB), 1000 * MIB);
        assert_eq!(auto_disk_budget(u64::MAX / 2), i32::MAX as u64);
    }
}
