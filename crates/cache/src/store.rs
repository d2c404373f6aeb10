//! Where entries live: an index in memory over either memory-resident bodies or a directory of
//! files, bounded by a byte budget with least-recently-used eviction.
//!
//! Disk layout (`<partition>/Cache/`): for each entry a metadata file `<hash>.meta` (the encoded
//! [`Head`] with a checksum) and a body file `<hash>-<nonce>.body`. A body is streamed to a body
//! file of a fresh name, then the metadata is written to a temporary file and renamed over
//! `<hash>.meta`: that rename is the commit. A process that dies while writing leaves only an
//! unreferenced body file or temporary file, which the next open deletes; an entry is never
//! served from a partial write. A metadata file whose checksum fails, or whose body file is
//! missing or of the wrong length, is dropped at open.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::UNIX_EPOCH;

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use sha2::{Digest, Sha256};

use crate::entry::Head;
use crate::error::{Error, Result};

/// Chromium's default in-memory cache size (`kDefaultInMemoryCacheSize`, 10 MiB).
pub const DEFAULT_MEMORY_BUDGET: u64 = 10 * 1024 * 1024;
/// Chromium's base disk cache size (`kDefaultCacheSize`, 80 MiB), from which the auto size is
/// derived.
pub const DEFAULT_DISK_BASE: u64 = 80 * 1024 * 1024;

/// Chromium's automatic disk cache size for `available` free bytes (`PreferredCacheSize`):
/// 80% of free space when that is below 100 MiB, 80 MiB up to 800 MiB free, 10% of free space
/// up to 2 GiB free, 200 MiB up to 20 GiB free, then 1% of free space, at most 2^31-1 bytes.
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
    Disk(PathBuf),
}

/// One stored entry.
pub(crate) struct Slot {
    pub(crate) head: Head,
    body: BodySource,
    size: u64,
    last_use: AtomicU64,
}

#[derive(Default)]
struct Index {
    map: HashMap<String, Arc<Slot>>,
    total: u64,
}

enum Backend {
    Memory,
    Disk(PathBuf),
}

/// The store shared by a cache's handles.
pub(crate) struct Store {
    backend: Backend,
    index: Mutex<Index>,
    budget: AtomicU64,
    tick: AtomicU64,
    generation: AtomicU64,
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
            index: Mutex::new(Index::default()),
            budget: AtomicU64::new(budget.unwrap_or(DEFAULT_MEMORY_BUDGET)),
            tick: AtomicU64::new(1),
            generation: AtomicU64::new(0),
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
        let mut bodies = Vec::new();
        let mut loaded: Vec<(u64, String, Slot)> = Vec::new();
        let rd = fs::read_dir(dir).map_err(|e| Error::io("read cache directory", dir, e))?;
        for item in rd {
            let item = item.map_err(|e| Error::io("read cache directory", dir, e))?;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            if name.ends_with(".meta") {
                match load_meta(dir, &path) {
                    Some((slot, t)) => loaded.push((t, slot.head.key.clone(), slot)),
                    None => {
                        let _ = fs::remove_file(&path);
                    }
                }
            } else if name.ends_with(".body") {
                bodies.push(path);
            } else if name.starts_with('.') && name.contains(".tmp-") {
                let _ = fs::remove_file(&path);
            }
        }
        // Least recently stored first: their use order is what survives a restart.
        loaded.sort_by_key(|(t, _, _)| *t);
        let mut referenced = std::collections::HashSet::new();
        let mut tick = 1;
        for (_, key, slot) in loaded {
            slot.last_use.store(tick, Ordering::Relaxed);
            tick += 1;
            if let BodySource::Disk(p) = &slot.body {
                referenced.insert(p.clone());
            }
            index.total += slot.size;
            index.map.insert(key, Arc::new(slot));
        }
        for body in bodies {
            if !referenced.contains(&body) {
                let _ = fs::remove_file(&body);
            }
        }
        let store = Store {
            backend: Backend::Disk(dir.to_path_buf()),
            index: Mutex::new(index),
            budget: AtomicU64::new(budget),
            tick: AtomicU64::new(tick),
            generation: AtomicU64::new(0),
        };
        store.evict(&mut store.lock());
        Ok(store)
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        self.index
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn is_disk(&self) -> bool {
        matches!(self.backend, Backend::Disk(_))
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
            self.delete_files(key, &slot);
        }
    }

    /// Removes the entries whose key `doomed` selects; returns how many went.
    pub(crate) fn remove_where(&self, doomed: impl Fn(&str) -> bool) -> usize {
        let mut index = self.lock();
        let keys: Vec<String> = index.map.keys().filter(|k| doomed(k)).cloned().collect();
        for key in &keys {
            if let Some(slot) = index.map.remove(key) {
                index.total -= slot.size;
                self.delete_files(key, &slot);
            }
        }
        keys.len()
    }

    pub(crate) fn clear(&self) {
        let mut index = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        for (key, slot) in index.map.drain() {
            self.delete_files(&key, &slot);
        }
        index.total = 0;
        if let Backend::Disk(dir) = &self.backend {
            // Also drop body files of writes in flight or left by other runs.
            if let Ok(rd) = fs::read_dir(dir) {
                for item in rd.flatten() {
                    let _ = fs::remove_file(item.path());
                }
            }
        }
    }

    fn delete_files(&self, key: &str, slot: &Slot) {
        if let (Backend::Disk(dir), BodySource::Disk(body)) = (&self.backend, &slot.body) {
            let _ = fs::remove_file(dir.join(format!("{}.meta", file_stem(key))));
            let _ = fs::remove_file(body);
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
                self.delete_files(&key, &slot);
            }
        }
    }

    /// Starts writing an entry; `None` when its declared length exceeds the entry limit or the
    /// body file cannot be created.
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
            Backend::Disk(dir) => {
                let name = format!("{}-{}.body", file_stem(&head.key), nonce());
                let path = dir.join(&name);
                let file = File::options()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .ok()?;
                Sink::Disk {
                    file: BufWriter::with_capacity(64 * 1024, file),
                    path,
                    name,
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
            BodySource::Disk(p) => BodySource::Disk(p.clone()),
        };
        let encoded = head.encode();
        if let Backend::Disk(dir) = &self.backend
            && write_meta(dir, &head.key, &encoded).is_err()
        {
            return None;
        }
        let size = head.body_len + encoded.len() as u64;
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
            BodySource::Disk(path) => {
                let mut file =
                    File::open(path).map_err(|e| Error::io("open cached body", path, e))?;
                let actual = file
                    .metadata()
                    .map_err(|e| Error::io("stat cached body", path, e))?
                    .len();
                if actual != slot.head.body_len {
                    self.remove(&slot.head.key);
                    return Err(Error::corrupt(
                        path.clone(),
                        "body length differs from its metadata",
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
}

fn write_meta(dir: &Path, key: &str, encoded: &[u8]) -> std::io::Result<()> {
    let path = dir.join(format!("{}.meta", file_stem(key)));
    let tmp = session_base::fs::temp_sibling(&path)?;
    let result = fs::write(&tmp, encoded).and_then(|()| fs::rename(&tmp, &path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn load_meta(dir: &Path, path: &Path) -> Option<(Slot, u64)> {
    let bytes = fs::read(path).ok()?;
    let head = Head::decode(&bytes)?;
    if format!("{}.meta", file_stem(&head.key)) != path.file_name()?.to_string_lossy() {
        return None;
    }
    let body = dir.join(&head.body_file);
    if fs::metadata(&body).ok()?.len() != head.body_len {
        let _ = fs::remove_file(&body);
        return None;
    }
    let t = head
        .response_time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let size = head.body_len + bytes.len() as u64;
    Some((
        Slot {
            head,
            body: BodySource::Disk(body),
            size,
            last_use: AtomicU64::new(0),
        },
        t,
    ))
}

enum Sink {
    Memory(Vec<Bytes>),
    Disk {
        file: BufWriter<File>,
        path: PathBuf,
        name: String,
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
    /// Appends a chunk; past the entry limit or on a write error the entry is abandoned.
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
            Sink::Disk { file, .. } => {
                if file.write_all(chunk).is_err() {
                    self.failed = true;
                }
            }
        }
    }

    pub(crate) fn is_failed(&self) -> bool {
        self.failed
    }

    /// Commits the entry: it replaces whatever was stored under its key.
    pub(crate) fn commit(mut self) -> bool {
        let Some(mut head) = self.head.take() else {
            return false;
        };
        if self.failed || self.store.generation.load(Ordering::SeqCst) != self.generation {
            return false;
        }
        head.body_len = self.written;
        let sink = std::mem::replace(&mut self.sink, Sink::Memory(Vec::new()));
        let body = match sink {
            Sink::Memory(chunks) => BodySource::Memory(chunks.into()),
            Sink::Disk { file, path, name } => {
                // No fsync: a process crash cannot lose flushed data, and a power loss that
                // truncates the file is caught by the length check at open.
                if file.into_inner().is_err() {
                    let _ = fs::remove_file(&path);
                    return false;
                }
                head.body_file = name;
                BodySource::Disk(path)
            }
        };
        let encoded = head.encode();
        let store = Arc::clone(&self.store);
        let mut index = store.lock();
        if store.generation.load(Ordering::SeqCst) != self.generation {
            if let BodySource::Disk(p) = &body {
                let _ = fs::remove_file(p);
            }
            return false;
        }
        if let (Backend::Disk(dir), BodySource::Disk(p)) = (&store.backend, &body)
            && write_meta(dir, &head.key, &encoded).is_err()
        {
            let _ = fs::remove_file(p);
            return false;
        }
        let size = head.body_len + encoded.len() as u64;
        let key = head.key.clone();
        let slot = Arc::new(Slot {
            head,
            body,
            size,
            last_use: AtomicU64::new(store.tick.fetch_add(1, Ordering::Relaxed)),
        });
        if let Some(old) = index.map.insert(key, slot) {
            index.total -= old.size;
            if let BodySource::Disk(p) = &old.body {
                let _ = fs::remove_file(p);
            }
        }
        index.total += size;
        store.evict(&mut index);
        true
    }
}

impl Drop for EntryWriter {
    fn drop(&mut self) {
        if self.head.is_some()
            && let Sink::Disk { path, .. } = &self.sink
        {
            let _ = fs::remove_file(path);
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
pub struct StoredBody {
    source: Source,
    remaining: u64,
}

impl StoredBody {
    /// An empty body (a HEAD served from a stored GET, a synthesised 504).
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
