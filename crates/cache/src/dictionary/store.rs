//! The dictionary store of one session: entries per isolation key, limits with LRU eviction,
//! and for persistent partitions an index plus one file per dictionary, written by a thread of
//! the store so that no request waits for the disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use super::header::UseAsDictionary;
use super::pattern::DictionaryPattern;
use super::{DictionaryError, IsolationKey};

/// Name of the index file inside the store directory.
const INDEX: &str = "index.json";
/// Extension of a dictionary's file.
const EXT: &str = "dict";

/// Bounds of a dictionary store.
///
/// ```
/// use session_cache::dictionary::{DictionaryLimits, SharedDictionaries};
///
/// let mut limits = DictionaryLimits::default();
/// assert_eq!(limits.max_dictionary_size, 100 * 1024 * 1024); // Chromium's
/// limits.max_count = 10;
/// let store = SharedDictionaries::memory(limits);
/// assert_eq!(store.limits().max_count, 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DictionaryLimits {
    /// Largest dictionary stored (Chromium: 100 MiB); a larger one is not stored.
    pub max_dictionary_size: u64,
    /// Total bytes of all dictionaries of the session; the least recently used go first.
    pub max_total_size: u64,
    /// Total bytes of the dictionaries of one top-frame site.
    pub max_site_size: u64,
    /// Most dictionaries of the session (Chromium: 1,000 per network context).
    pub max_count: usize,
    /// Bytes of on-disk dictionaries kept loaded in memory between uses.
    pub max_loaded_size: u64,
}

impl Default for DictionaryLimits {
    fn default() -> Self {
        DictionaryLimits {
            max_dictionary_size: 100 * 1024 * 1024,
            max_total_size: 200 * 1024 * 1024,
            max_site_size: 100 * 1024 * 1024,
            max_count: 1000,
            max_loaded_size: 32 * 1024 * 1024,
        }
    }
}

/// A stored dictionary chosen for a request: what the request advertises and what decodes its
/// response.
///
/// Example: see [`SharedDictionaries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dictionary {
    /// SHA-256 of the bytes (sent in `Available-Dictionary`, checked against `dcb`/`dcz`).
    pub hash: [u8; 32],
    /// The `id` it declared (sent in `Dictionary-ID` when not empty).
    pub id: String,
    /// The dictionary's bytes.
    pub bytes: Bytes,
}

/// Electron's `SharedDictionaryInfo`.
///
/// Example: see [`SharedDictionaries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryInfo {
    /// The `match` pattern as declared.
    pub match_pattern: String,
    /// The `match-dest` destinations.
    pub match_destinations: Vec<String>,
    /// The `id`.
    pub id: String,
    /// The URL the dictionary came from.
    pub dictionary_url: Url,
    /// When it was received from the network layer.
    pub last_fetch_time: SystemTime,
    /// When the server sent it.
    pub response_time: SystemTime,
    /// Its lifetime from the response's freshness.
    pub expiration_duration: Duration,
    /// When it was last offered to a request.
    pub last_used_time: SystemTime,
    /// Bytes stored.
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub hash: String,
}

/// Electron's `SharedDictionaryUsageInfo`: bytes stored per isolation key.
///
/// Example: see [`SharedDictionaries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryUsageInfo {
    /// The frame origin of the key.
    pub frame_origin: String,
    /// The top-frame site of the key.
    pub top_frame_site: String,
    /// Bytes of its dictionaries.
    pub total_size_bytes: u64,
}

/// How the store remembers one dictionary (also the index's row).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Row {
    frame_origin: String,
    top_frame_site: String,
    url: String,
    #[serde(rename = "match")]
    match_pattern: String,
    match_dest: Vec<String>,
    id: String,
    response_time_ms: u64,
    last_fetch_time_ms: u64,
    expiration_s: u64,
    last_used_ms: u64,
    size: u64,
    hash: String,
    token: String,
}

struct Entry {
    row: Row,
    key: IsolationKey,
    url: Url,
    pattern: DictionaryPattern,
    hash: [u8; 32],
    /// Memory stores keep every dictionary here; disk stores keep recently used ones.
    bytes: Option<Bytes>,
}

impl Entry {
    fn expires_at(&self) -> SystemTime {
        from_ms(self.row.response_time_ms) + Duration::from_secs(self.row.expiration_s)
    }

    fn info(&self) -> DictionaryInfo {
        DictionaryInfo {
            match_pattern: self.row.match_pattern.clone(),
            match_destinations: self.row.match_dest.clone(),
            id: self.row.id.clone(),
            dictionary_url: self.url.clone(),
            last_fetch_time: from_ms(self.row.last_fetch_time_ms),
            response_time: from_ms(self.row.response_time_ms),
            expiration_duration: Duration::from_secs(self.row.expiration_s),
            last_used_time: from_ms(self.row.last_used_ms),
            size: self.row.size,
            hash: self.row.hash.clone(),
        }
    }
}

#[derive(Default)]
struct State {
    entries: Vec<Entry>,
    next_token: u64,
}

enum Op {
    Put(PathBuf, Bytes),
    Remove(PathBuf),
    Index(PathBuf, Vec<u8>),
    Flush(mpsc::Sender<()>),
}

/// The shared dictionaries of one session (RFC 9842). Cheap to clone; `Send + Sync`.
///
/// ```
/// use std::time::{Duration, SystemTime};
///
/// use session_cache::dictionary::{
///     DictionaryLimits, IsolationKey, SharedDictionaries, parse_use_as_dictionary,
/// };
///
/// let dir = tempfile::tempdir().unwrap();
/// let url = url::Url::parse("https://a.test/app/v1.js").unwrap();
/// let next = url::Url::parse("https://a.test/app/v2.js").unwrap();
/// let key = IsolationKey::top_level(&url).unwrap();
/// let header = parse_use_as_dictionary(r#"match="/app/*", id="app""#).unwrap();
/// {
///     let store = SharedDictionaries::open(dir.path(), DictionaryLimits::default()).unwrap();
///     assert!(store.is_persistent());
///     let hour = Duration::from_secs(3600);
///     let stored = store.register(&key, &url, &header, "function app() {}".into(), SystemTime::now(), hour);
///     assert_eq!(stored.unwrap().id, "app");
///     store.flush(); // on disk before the next open
/// }
/// let store = SharedDictionaries::open(dir.path(), DictionaryLimits::default()).unwrap();
/// let info = store.info(&key);
/// assert_eq!((info[0].id.as_str(), info[0].size), ("app", 17));
/// assert_eq!(info[0].match_pattern, "/app/*");
/// assert_eq!(store.usage_info()[0].top_frame_site, "https://a.test");
/// assert_eq!(store.total_size(), 17);
/// let found = store.find(&key, &next, "script").unwrap();
/// assert_eq!(found.bytes, "function app() {}");
/// // Never offered under another top-frame site.
/// let framed = IsolationKey::new("https://a.test", "https://b.test").unwrap();
/// assert!(store.find(&framed, &next, "script").is_none());
///
/// assert_eq!(store.clear_where(|_, url| url.path().ends_with("/v1.js")), 1);
/// assert_eq!(store.total_size(), 0);
/// store.clear_for_key(&key);
/// store.clear();
/// assert!(store.usage_info().is_empty());
///
/// // A response with no freshness left is not a dictionary.
/// let memory = SharedDictionaries::memory(DictionaryLimits::default());
/// assert!(!memory.is_persistent());
/// let stale = memory.register(&key, &url, &header, "x".into(), SystemTime::now(), Duration::ZERO);
/// assert!(stale.is_err());
/// ```
#[derive(Clone)]
pub struct SharedDictionaries {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    limits: DictionaryLimits,
    disk: Option<Disk>,
}

struct Disk {
    dir: PathBuf,
    writer: Mutex<mpsc::Sender<Op>>,
}

impl Drop for Inner {
    /// The last handle of a disk store waits for its writer, so nothing registered before the
    /// session went away (a process that exits right after a fetch) is lost.
    fn drop(&mut self) {
        if let Some(disk) = &self.disk {
            let (tx, rx) = mpsc::channel();
            let sent = disk
                .writer
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send(Op::Flush(tx));
            if sent.is_ok() {
                let _ = rx.recv();
            }
        }
    }
}

impl std::fmt::Debug for SharedDictionaries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedDictionaries")
            .field("dir", &self.inner.disk.as_ref().map(|d| &d.dir))
            .finish_non_exhaustive()
    }
}

fn to_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn from_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl SharedDictionaries {
    /// A store in memory (in-memory partitions): nothing is written.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn memory(limits: DictionaryLimits) -> Self {
        SharedDictionaries {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                limits,
                disk: None,
            }),
        }
    }

    /// Opens (creating it) the store in `dir` (`<partition>/Shared Dictionary/`). Entries whose
    /// file is missing, cut short or does not hash to what the index says are dropped, as are
    /// files the index does not know; an unreadable index is moved aside as
    /// `index.json.corrupt` and the store starts empty.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn open(dir: &Path, limits: DictionaryLimits) -> Result<Self, DictionaryError> {
        fs::create_dir_all(dir).map_err(|e| DictionaryError::io("create", dir, e))?;
        let index_path = dir.join(INDEX);
        let rows: Vec<Row> = match fs::read(&index_path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(rows) => rows,
                Err(_) => {
                    let aside = dir.join(format!("{INDEX}.corrupt"));
                    fs::rename(&index_path, &aside)
                        .map_err(|e| DictionaryError::io("move aside", &index_path, e))?;
                    Vec::new()
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(DictionaryError::io("read", &index_path, e)),
        };
        let mut state = State::default();
        for row in rows {
            if let Some(entry) = verify_row(dir, row) {
                state.next_token = state.next_token.max(token_number(&entry.row.token) + 1);
                state.entries.push(entry);
            }
        }
        // Files of ours that no entry names (an interrupted write, a dropped entry).
        let known: std::collections::HashSet<String> = state
            .entries
            .iter()
            .map(|e| format!("{}.{EXT}", e.row.token))
            .collect();
        if let Ok(listing) = fs::read_dir(dir) {
            for f in listing.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                let ours = (name.ends_with(&format!(".{EXT}")) && !known.contains(&name))
                    || (name.starts_with('.') && name.contains(".tmp-"));
                if ours {
                    let _ = fs::remove_file(f.path());
                }
            }
        }
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("shared-dictionary-writer".into())
            .spawn(move || writer(rx))
            .map_err(|e| DictionaryError::io("start the writer for", dir, e))?;
        let store = SharedDictionaries {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                limits,
                disk: Some(Disk {
                    dir: dir.to_owned(),
                    writer: Mutex::new(tx),
                }),
            }),
        };
        store.write_index(&store.lock());
        Ok(store)
    }

    /// Whether the store keeps its dictionaries on disk (reads may then touch the disk).
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn is_persistent(&self) -> bool {
        self.inner.disk.is_some()
    }

    /// The limits the store enforces.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn limits(&self) -> &DictionaryLimits {
        &self.inner.limits
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, op: Op) {
        if let Some(disk) = &self.inner.disk {
            let _ = disk
                .writer
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send(op);
        }
    }

    /// Queues the index as it is now (memory work only under the lock).
    fn write_index(&self, state: &State) {
        let Some(disk) = &self.inner.disk else {
            return;
        };
        let rows: Vec<&Row> = state.entries.iter().map(|e| &e.row).collect();
        if let Ok(json) = serde_json::to_vec(&rows) {
            self.send(Op::Index(disk.dir.join(INDEX), json));
        }
    }

    fn file(&self, token: &str) -> Option<PathBuf> {
        self.inner
            .disk
            .as_ref()
            .map(|d| d.dir.join(format!("{token}.{EXT}")))
    }

    /// Waits until every change made so far is on disk (no-op in memory).
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn flush(&self) {
        if self.inner.disk.is_none() {
            return;
        }
        let (tx, rx) = mpsc::channel();
        self.send(Op::Flush(tx));
        let _ = rx.recv();
    }

    /// Stores `bytes` as a dictionary declared by `header`, fetched from `url` under `key`, once
    /// its body completed. `expiration` is the response's remaining freshness; a dictionary
    /// with none is not stored. A dictionary with the same key, `match` and `match-dest`
    /// replaces the earlier one.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn register(
        &self,
        key: &IsolationKey,
        url: &Url,
        header: &UseAsDictionary,
        bytes: Bytes,
        response_time: SystemTime,
        expiration: Duration,
    ) -> Result<Dictionary, DictionaryError> {
        let limits = &self.inner.limits;
        if bytes.len() as u64 > limits.max_dictionary_size {
            return Err(DictionaryError::rejected(
                url,
                &format!(
                    "{} bytes is more than the {} bytes a dictionary may have",
                    bytes.len(),
                    limits.max_dictionary_size
                ),
            ));
        }
        if expiration.is_zero() {
            return Err(DictionaryError::rejected(url, "the response is not fresh"));
        }
        let pattern = DictionaryPattern::compile(&header.match_pattern, url)
            .map_err(|e| DictionaryError::rejected(url, &e.to_string()))?;
        let hash = sha256(&bytes);
        let now = SystemTime::now();
        let mut state = self.lock();
        let token = format!("{:016x}", state.next_token);
        state.next_token += 1;
        let row = Row {
            frame_origin: key.frame_origin().to_owned(),
            top_frame_site: key.top_frame_site().to_owned(),
            url: url.to_string(),
            match_pattern: header.match_pattern.clone(),
            match_dest: header.match_dest.clone(),
            id: header.id.clone(),
            response_time_ms: to_ms(response_time),
            last_fetch_time_ms: to_ms(now),
            expiration_s: expiration.as_secs().max(1),
            last_used_ms: to_ms(now),
            size: bytes.len() as u64,
            hash: hex::encode(hash),
            token: token.clone(),
        };
        let mut removed = Vec::new();
        state.entries.retain(|e| {
            let same = e.key == *key
                && e.row.match_pattern == row.match_pattern
                && e.row.match_dest == row.match_dest;
            if same {
                removed.push(e.row.token.clone());
            }
            !same
        });
        if let Some(path) = self.file(&token) {
            self.send(Op::Put(path, bytes.clone()));
        }
        state.entries.push(Entry {
            row,
            key: key.clone(),
            url: url.clone(),
            pattern,
            hash,
            bytes: Some(bytes.clone()),
        });
        removed.extend(evict(&mut state, limits, now));
        self.unload_over_budget(&mut state);
        for token in removed {
            if let Some(path) = self.file(&token) {
                self.send(Op::Remove(path));
            }
        }
        self.write_index(&state);
        Ok(Dictionary {
            hash,
            id: header.id.clone(),
            bytes,
        })
    }

    /// The dictionary to advertise for a request of `url` with `destination` (the Fetch
    /// destination, `""` for none) under `key`: among the unexpired dictionaries of that key
    /// whose pattern matches and whose `match-dest` is empty or names the destination, the one
    /// with the longest `match`, then the most recently fetched. Reading a dictionary's file
    /// (disk stores, when it is not loaded) happens outside the store's lock; a file that no
    /// longer hashes to its entry drops the entry.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn find(&self, key: &IsolationKey, url: &Url, destination: &str) -> Option<Dictionary> {
        let now = SystemTime::now();
        let (token, hash, id, bytes) = {
            let mut state = self.lock();
            let expired: Vec<String> = state
                .entries
                .iter()
                .filter(|e| e.expires_at() <= now)
                .map(|e| e.row.token.clone())
                .collect();
            if !expired.is_empty() {
                self.remove_tokens(&mut state, &expired);
            }
            let best = state
                .entries
                .iter_mut()
                .filter(|e| {
                    e.key == *key
                        && (e.row.match_dest.is_empty()
                            || e.row.match_dest.iter().any(|d| d == destination))
                        && e.pattern.matches(url)
                })
                .max_by_key(|e| (e.row.match_pattern.len(), e.row.last_fetch_time_ms))?;
            best.row.last_used_ms = to_ms(now);
            (
                best.row.token.clone(),
                best.hash,
                best.row.id.clone(),
                best.bytes.clone(),
            )
        };
        let bytes = match bytes {
            Some(b) => b,
            None => {
                let path = self.file(&token)?;
                let loaded = fs::read(&path).ok().map(Bytes::from);
                let mut state = self.lock();
                match loaded.filter(|b| sha256(b) == hash) {
                    Some(b) => {
                        if let Some(e) = state.entries.iter_mut().find(|e| e.row.token == token) {
                            e.bytes = Some(b.clone());
                        }
                        self.unload_over_budget(&mut state);
                        b
                    }
                    None => {
                        self.remove_tokens(&mut state, &[token]);
                        return None;
                    }
                }
            }
        };
        Some(Dictionary { hash, id, bytes })
    }

    /// Drops loaded bytes of on-disk dictionaries, least recently used first, past the budget.
    fn unload_over_budget(&self, state: &mut State) {
        if self.inner.disk.is_none() {
            return;
        }
        let mut loaded: u64 = state
            .entries
            .iter()
            .filter(|e| e.bytes.is_some())
            .map(|e| e.row.size)
            .sum();
        if loaded <= self.inner.limits.max_loaded_size {
            return;
        }
        let mut order: Vec<usize> = (0..state.entries.len())
            .filter(|&i| state.entries[i].bytes.is_some())
            .collect();
        order.sort_by_key(|&i| state.entries[i].row.last_used_ms);
        for i in order {
            if loaded <= self.inner.limits.max_loaded_size {
                break;
            }
            loaded -= state.entries[i].row.size;
            state.entries[i].bytes = None;
        }
    }

    fn remove_tokens(&self, state: &mut State, tokens: &[String]) {
        state.entries.retain(|e| !tokens.contains(&e.row.token));
        for t in tokens {
            if let Some(path) = self.file(t) {
                self.send(Op::Remove(path));
            }
        }
        self.write_index(state);
    }

    /// `getSharedDictionaryUsageInfo`: bytes per isolation key.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn usage_info(&self) -> Vec<DictionaryUsageInfo> {
        let state = self.lock();
        let mut out: Vec<DictionaryUsageInfo> = Vec::new();
        for e in &state.entries {
            match out.iter_mut().find(|u| {
                u.frame_origin == e.row.frame_origin && u.top_frame_site == e.row.top_frame_site
            }) {
                Some(u) => u.total_size_bytes += e.row.size,
                None => out.push(DictionaryUsageInfo {
                    frame_origin: e.row.frame_origin.clone(),
                    top_frame_site: e.row.top_frame_site.clone(),
                    total_size_bytes: e.row.size,
                }),
            }
        }
        out
    }

    /// `getSharedDictionaryInfo`: the dictionaries of one isolation key.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn info(&self, key: &IsolationKey) -> Vec<DictionaryInfo> {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.key == *key)
            .map(Entry::info)
            .collect()
    }

    /// Bytes of all stored dictionaries.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn total_size(&self) -> u64 {
        self.lock().entries.iter().map(|e| e.row.size).sum()
    }

    /// `clearSharedDictionaryCache`.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn clear(&self) {
        self.clear_where(|_, _| true);
    }

    /// `clearSharedDictionaryCacheForIsolationKey`.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn clear_for_key(&self, key: &IsolationKey) {
        self.clear_where(|k, _| k == key);
    }

    /// Removes the dictionaries for which `pred(key, dictionary_url)` holds (the origin filter
    /// of `clear_data`); returns how many.
    ///
    /// Example: see [`SharedDictionaries`].
    pub fn clear_where(&self, pred: impl Fn(&IsolationKey, &Url) -> bool) -> usize {
        let mut state = self.lock();
        let tokens: Vec<String> = state
            .entries
            .iter()
            .filter(|e| pred(&e.key, &e.url))
            .map(|e| e.row.token.clone())
            .collect();
        if !tokens.is_empty() {
            self.remove_tokens(&mut state, &tokens);
        }
        tokens.len()
    }
}

/// Evicts expired entries, then least recently used ones past the site, count and total
/// limits; returns the tokens removed.
fn evict(state: &mut State, limits: &DictionaryLimits, now: SystemTime) -> Vec<String> {
    let mut removed = Vec::new();
    state.entries.retain(|e| {
        let keep = e.expires_at() > now;
        if !keep {
            removed.push(e.row.token.clone());
        }
        keep
    });
    let newest_site = state
        .entries
        .last()
        .map(|e| e.row.top_frame_site.clone())
        .unwrap_or_default();
    loop {
        let total: u64 = state.entries.iter().map(|e| e.row.size).sum();
        let site: u64 = state
            .entries
            .iter()
            .filter(|e| e.row.top_frame_site == newest_site)
            .map(|e| e.row.size)
            .sum();
        let victim = if site > limits.max_site_size {
            lru(state, |e| e.row.top_frame_site == newest_site)
        } else if total > limits.max_total_size || state.entries.len() > limits.max_count {
            lru(state, |_| true)
        } else {
            None
        };
        match victim {
            Some(i) => removed.push(state.entries.remove(i).row.token),
            None => return removed,
        }
    }
}

fn lru(state: &State, pred: impl Fn(&Entry) -> bool) -> Option<usize> {
    state
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| pred(e))
        .min_by_key(|(_, e)| e.row.last_used_ms)
        .map(|(i, _)| i)
}

fn token_number(token: &str) -> u64 {
    u64::from_str_radix(token, 16).unwrap_or(0)
}

/// An index row whose file is present, whole and hashes to the row's hash.
fn verify_row(dir: &Path, row: Row) -> Option<Entry> {
    if row.token.is_empty() || !row.token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let url = Url::parse(&row.url).ok()?;
    let key = IsolationKey::from_strings(&row.frame_origin, &row.top_frame_site).ok()?;
    let pattern = DictionaryPattern::compile(&row.match_pattern, &url).ok()?;
    let mut hash = [0u8; 32];
    hex::decode_to_slice(&row.hash, &mut hash).ok()?;
    let path = dir.join(format!("{}.{EXT}", row.token));
    let bytes = fs::read(&path).ok()?;
    if bytes.len() as u64 != row.size || sha256(&bytes) != hash {
        let _ = fs::remove_file(&path);
        return None;
    }
    Some(Entry {
        row,
        key,
        url,
        pattern,
        hash,
        bytes: None,
    })
}

/// The store's writer thread: dictionary files and the index, in order, each atomically. A run
/// of queued index snapshots is written once, as the newest.
fn writer(rx: mpsc::Receiver<Op>) {
    let mut pending = None;
    loop {
        let op = match pending.take() {
            Some(op) => op,
            None => match rx.recv() {
                Ok(op) => op,
                Err(_) => return,
            },
        };
        match op {
            Op::Put(path, bytes) => {
                let _ = session_base::fs::atomic_write(&path, &bytes);
            }
            Op::Remove(path) => {
                let _ = fs::remove_file(&path);
            }
            Op::Index(path, mut json) => {
                while let Ok(next) = rx.try_recv() {
                    match next {
                        Op::Index(_, newer) => json = newer,
                        other => {
                            pending = Some(other);
                            break;
                        }
                    }
                }
                let _ = session_base::fs::atomic_write(&path, &json);
            }
            Op::Flush(ack) => {
                let _ = ack.send(());
            }
        }
    }
}
