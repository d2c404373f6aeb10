//! Shared compression dictionaries and blobs of a session: Electron's
//! `getSharedDictionaryUsageInfo`, `getSharedDictionaryInfo`, `clearSharedDictionaryCache`,
//! `clearSharedDictionaryCacheForIsolationKey` and `getBlobData`, plus the registry an embedder
//! puts blobs in.
//!
//! Persistent partitions keep dictionaries in `<storage_path>/Shared Dictionary/` (an index and
//! one file per dictionary, written atomically by a writer thread; torn files are dropped when
//! the partition opens); in-memory partitions keep them in memory. They are not counted by
//! [`Session::get_cache_size`], as in Chromium, and `clear_data` with `cache` clears them too.

use std::path::Path;

use bytes::Bytes;
use session_cache::dictionary::{
    DictionaryError, DictionaryInfo, DictionaryLimits, DictionaryUsageInfo, IsolationKey,
    SharedDictionaries,
};
use session_net::blob::{BlobPart, BlobStage, Blobs};

use crate::clear::OriginFilter;
use crate::error::{Error, ErrorKind};
use crate::session::Session;
use session_base::origin::Origin;

/// The dictionary directory inside a persistent partition (Chromium's `Shared Dictionary`).
///
/// Example: see [`COOKIES_FILE`](crate::cookies::COOKIES_FILE).
pub const SHARED_DICTIONARY_DIR: &str = "Shared Dictionary";

/// Opens the dictionary store of a new session: on disk for persistent partitions (falling back
/// to memory, with a warning, when the directory cannot be used), in memory otherwise.
pub(crate) fn open_dictionaries(
    storage_path: Option<&Path>,
) -> (SharedDictionaries, Option<String>) {
    match storage_path {
        None => (
            SharedDictionaries::memory(DictionaryLimits::default()),
            None,
        ),
        Some(dir) => {
            let path = dir.join(SHARED_DICTIONARY_DIR);
            match SharedDictionaries::open(&path, DictionaryLimits::default()) {
                Ok(store) => (store, None),
                Err(e) => (
                    SharedDictionaries::memory(DictionaryLimits::default()),
                    Some(format!(
                        "shared dictionary store unusable ({e}); using memory for this run"
                    )),
                ),
            }
        }
    }
}

/// Puts the dictionary stage in the session's request pipeline (before the cache stage).
pub(crate) fn attach_to_net(net: &session_net::Net, dictionaries: &SharedDictionaries) {
    net.insert_stage(session_net::shared_dictionary::DictionaryStage::new(
        dictionaries.clone(),
    ));
}

fn key_error(e: DictionaryError) -> Error {
    Error::invalid(e.to_string())
}

impl Session {
    /// The session's shared dictionary store.
    ///
    /// Example: see [`Session::get_shared_dictionary_info`].
    pub fn shared_dictionaries(&self) -> &SharedDictionaries {
        &self.inner.dictionaries
    }

    /// `ses.getSharedDictionaryUsageInfo()`: bytes stored per isolation key (SESSION-22: `[]`
    /// on a fresh session).
    ///
    /// Example: see [`Session::get_shared_dictionary_info`].
    pub fn get_shared_dictionary_usage_info(&self) -> Vec<DictionaryUsageInfo> {
        self.inner.dictionaries.usage_info()
    }

    /// `ses.getSharedDictionaryInfo({frameOrigin, topFrameSite})`: the dictionaries of one
    /// isolation key; URLs that are not http(s) get Electron's "Invalid URLs provided for
    /// frameOrigin or topFrameSite" (SESSION-23).
    ///
    /// ```
    /// use session::{SessionOptions, Sessions};
    ///
    /// let user_data = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(user_data.path())
    ///     .from_partition("app", SessionOptions::default())
    ///     .unwrap();
    /// // A fresh session has no dictionaries (SESSION-22).
    /// assert!(session.get_shared_dictionary_usage_info().is_empty());
    /// assert!(session.shared_dictionaries().usage_info().is_empty());
    /// let info = session.get_shared_dictionary_info("https://a.test", "https://a.test").unwrap();
    /// assert!(info.is_empty());
    /// let err = session.get_shared_dictionary_info("file:///x", "https://a.test").unwrap_err();
    /// assert!(err.to_string().contains("Invalid URLs provided"), "{err}");
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// session.clear_shared_dictionary_cache().await;
    /// session
    ///     .clear_shared_dictionary_cache_for_isolation_key("https://a.test", "https://a.test")
    ///     .await
    ///     .unwrap();
    /// assert!(session.clear_shared_dictionary_cache_for_isolation_key("a.test", "").await.is_err());
    /// # });
    /// ```
    pub fn get_shared_dictionary_info(
        &self,
        frame_origin: &str,
        top_frame_site: &str,
    ) -> Result<Vec<DictionaryInfo>, Error> {
        let key = IsolationKey::new(frame_origin, top_frame_site).map_err(key_error)?;
        Ok(self.inner.dictionaries.info(&key))
    }

    /// `ses.clearSharedDictionaryCache()` (SESSION-24): every dictionary, in memory and on disk.
    /// Returns once the files are gone.
    ///
    /// Example: see [`Session::get_shared_dictionary_info`].
    pub async fn clear_shared_dictionary_cache(&self) {
        let store = self.inner.dictionaries.clone();
        let _ = tokio::task::spawn_blocking(move || {
            store.clear();
            store.flush();
        })
        .await;
    }

    /// `ses.clearSharedDictionaryCacheForIsolationKey({frameOrigin, topFrameSite})`
    /// (SESSION-25). Returns once the files are gone.
    ///
    /// Example: see [`Session::get_shared_dictionary_info`].
    pub async fn clear_shared_dictionary_cache_for_isolation_key(
        &self,
        frame_origin: &str,
        top_frame_site: &str,
    ) -> Result<(), Error> {
        let key = IsolationKey::new(frame_origin, top_frame_site).map_err(key_error)?;
        let store = self.inner.dictionaries.clone();
        let _ = tokio::task::spawn_blocking(move || {
            store.clear_for_key(&key);
            store.flush();
        })
        .await;
        Ok(())
    }

    /// The dictionary part of `clear_data` with `cache`: dictionaries whose URL's origin, or
    /// whose frame origin, the filter covers.
    pub(crate) fn clear_dictionary_data(&self, filter: &OriginFilter) -> usize {
        let store = &self.inner.dictionaries;
        let covered = |o: &Origin| filter.covers_origin(o);
        let n = store.clear_where(|key, url| {
            let url_origin = Origin::from_url(url);
            let frame = Origin::parse(key.frame_origin()).ok();
            match filter {
                OriginFilter::Except(_) => {
                    covered(&url_origin) && frame.as_ref().is_none_or(covered)
                }
                _ => covered(&url_origin) || frame.as_ref().is_some_and(covered),
            }
        });
        store.flush();
        n
    }

    /// The session's blob registry.
    ///
    /// Example: see [`Session::register_blob`].
    pub fn blobs(&self) -> &Blobs {
        &self.inner.blobs
    }

    /// Registers `bytes` as a blob; returns its UUID.
    ///
    /// ```
    /// use session::{SessionOptions, Sessions};
    ///
    /// let user_data = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(user_data.path())
    ///     .from_partition("app", SessionOptions::default())
    ///     .unwrap();
    /// let file = user_data.path().join("data.bin");
    /// std::fs::write(&file, b"0123456789").unwrap();
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let id = session.register_blob("hello blob", "text/plain");
    /// assert_eq!(session.get_blob_data(&id).await.unwrap(), "hello blob");
    /// let tail = session.get_blob_data_range(&id, 6, None).await.unwrap();
    /// assert_eq!(tail.text().await.unwrap(), "blob");
    ///
    /// // A file range is read when the blob is, never copied.
    /// let part = session.register_blob_file(&file, 2, Some(3), "application/octet-stream").unwrap();
    /// assert_eq!(session.get_blob_data(&part).await.unwrap(), "234");
    /// assert!(session.register_blob_file(&file, 8, Some(5), "").is_err(), "past the end");
    ///
    /// assert!(session.get_blob_data("no-such-uuid").await.is_err());
    /// # });
    /// ```
    pub fn register_blob(&self, bytes: impl Into<Bytes>, content_type: &str) -> String {
        self.inner
            .blobs
            .register(vec![BlobPart::Bytes(bytes.into())], content_type)
    }

    /// Registers `length` bytes (or the rest) of the file at `path` from `offset` as a blob;
    /// the file is read when the blob is, never copied. An `Err` names a file that does not
    /// hold the range.
    ///
    /// Example: see [`Session::register_blob`].
    pub fn register_blob_file(
        &self,
        path: impl AsRef<Path>,
        offset: u64,
        length: Option<u64>,
        content_type: &str,
    ) -> Result<String, Error> {
        let part = BlobPart::file(path, offset, length).map_err(|e| {
            Error::with_source(ErrorKind::InvalidArgument, "cannot register the blob", e)
        })?;
        Ok(self.inner.blobs.register(vec![part], content_type))
    }

    /// `ses.getBlobData(identifier)`: the whole blob. Unknown UUIDs are rejected with
    /// Electron's "Could not get blob data handle" (SESSION-29). There is no size ceiling; for
    /// large blobs read a range with [`Session::get_blob_data_range`], which streams.
    ///
    /// Example: see [`Session::register_blob`].
    pub async fn get_blob_data(&self, uuid: &str) -> Result<Bytes, Error> {
        self.get_blob_data_range(uuid, 0, None)
            .await?
            .bytes()
            .await
            .map_err(|e| Error::with_source(ErrorKind::Io, "cannot read the blob", e))
    }

    /// `length` bytes (or the rest) of a blob from `offset`, as a streamed body.
    ///
    /// Example: see [`Session::register_blob`].
    pub async fn get_blob_data_range(
        &self,
        uuid: &str,
        offset: u64,
        length: Option<u64>,
    ) -> Result<session_net::Body, Error> {
        self.inner
            .blobs
            .read(uuid, offset, length)
            .map_err(|e| Error::invalid(e.detail().to_owned()))
    }
}

/// Serves `blob:` URLs of the session's registered blobs through its pipeline (stage 1, after
/// the embedder's protocol handlers).
pub(crate) fn attach_blobs(inner: &crate::session::Inner) {
    inner.net.insert_stage(BlobStage::new(inner.blobs.clone()));
}
