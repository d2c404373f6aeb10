//! Request bodies made of parts (Chromium's `ResourceRequestBody`, Electron's `UploadData`):
//! bytes, a range of a file, a registered blob. Files are streamed from disk as the body is
//! sent, never read whole; a body of parts is replayed (files reopened, blobs read again) on a
//! 307/308 redirect, an auth retry or a stale-connection retry.
//!
//! Before each send the hop loop calls [`Parts::prepare`]: it finds every file's length (the
//! `Content-Length`; a file that is not a regular file, a pipe, makes the body chunked) and
//! fails with `net::ERR_FILE_NOT_FOUND` (`net::ERR_ACCESS_DENIED`) for a file it cannot read.
//! While sending, a file whose size is no longer the one prepared (it shrank or grew, or ends
//! before its range) fails the request with `net::ERR_UPLOAD_FILE_CHANGED`, as Chromium's
//! `UploadFileElementReader` does. The same reader serves the file parts of blobs.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::error::{Error, NetError, Result};

/// Bytes read from a file at a time.
const CHUNK: usize = 64 * 1024;

/// One part of a request body made of parts ([`crate::RequestBody::from_parts`]).
///
/// ```
/// use session_net::BodyPart;
///
/// let part = BodyPart::file_range("/srv/upload.bin", 1024, Some(4096));
/// assert!(matches!(part, BodyPart::File { offset: 1024, length: Some(4096), .. }));
/// let shown = part.upload_data(); // as webRequest and protocol handlers show it
/// assert_eq!(shown.file.as_deref(), Some(std::path::Path::new("/srv/upload.bin")));
/// assert_eq!(BodyPart::bytes("abc").upload_data().bytes.as_deref(), Some(&b"abc"[..]));
/// ```
///
/// A body of parts: see [`RequestBody`](crate::RequestBody).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum BodyPart {
    /// Bytes in memory.
    Bytes(Bytes),
    /// `length` bytes (or the rest) of the file at `path` from `offset`, read as the body is
    /// sent.
    File {
        /// The file.
        path: PathBuf,
        /// Where the part starts in the file.
        offset: u64,
        /// Bytes of the part; `None` is the rest of the file, as it is when the request is sent.
        length: Option<u64>,
    },
    /// A blob of a session's registry ([`crate::blob::Blobs::body_part`]).
    Blob(BlobRef),
}

impl BodyPart {
    /// A part of bytes.
    ///
    /// Example: see [`BodyPart`].
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        BodyPart::Bytes(bytes.into())
    }

    /// The whole file at `path`, as it is when the request is sent.
    ///
    /// Example: see [`RequestBody`](crate::RequestBody).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        BodyPart::File {
            path: path.into(),
            offset: 0,
            length: None,
        }
    }

    /// `length` bytes (or the rest) of the file at `path` from `offset`.
    ///
    /// Example: see [`BodyPart`].
    pub fn file_range(path: impl Into<PathBuf>, offset: u64, length: Option<u64>) -> Self {
        BodyPart::File {
            path: path.into(),
            offset,
            length,
        }
    }

    /// The part as Electron's `UploadData` shows it: its bytes, its file, or its blob's UUID.
    ///
    /// Example: see [`BodyPart`].
    pub fn upload_data(&self) -> UploadData {
        let mut u = UploadData {
            bytes: None,
            file: None,
            blob_uuid: None,
        };
        match self {
            BodyPart::Bytes(b) => u.bytes = Some(b.clone()),
            BodyPart::File { path, .. } => u.file = Some(path.clone()),
            BodyPart::Blob(b) => u.blob_uuid = Some(b.uuid.to_string()),
        }
        u
    }
}

/// One element of Electron's `UploadData`: a part of a request body as webRequest's details
/// and protocol handlers' `ProtocolRequest` show it. Exactly one field is set.
///
/// ```
/// use session_net::UploadData;
///
/// let element = UploadData::bytes("name=value");
/// assert_eq!(element.bytes.as_deref(), Some(&b"name=value"[..]));
/// assert!(element.file.is_none() && element.blob_uuid.is_none());
/// ```
///
/// From a body: see [`RequestBody`](crate::RequestBody) and [`BodyPart`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadData {
    /// `bytes`: the bytes of a part held in memory.
    pub bytes: Option<Bytes>,
    /// `file`: the path of a file part.
    pub file: Option<PathBuf>,
    /// `blobUUID`: the UUID of a blob part (read it with `getBlobData`).
    pub blob_uuid: Option<String>,
}

impl UploadData {
    /// An element of bytes.
    ///
    /// Example: see [`UploadData`].
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        BodyPart::bytes(bytes).upload_data()
    }
}

/// What a blob is made of.
///
/// Example: see [`Blobs`](crate::blob::Blobs).
#[derive(Clone, Debug)]
pub enum BlobPart {
    /// Bytes in memory.
    Bytes(Bytes),
    /// `length` bytes of the file at `path` from `offset`.
    File {
        /// The file.
        path: PathBuf,
        /// Where the part starts in the file.
        offset: u64,
        /// Bytes of the part.
        length: u64,
    },
}

impl BlobPart {
    pub(crate) fn len(&self) -> u64 {
        match self {
            BlobPart::Bytes(b) => b.len() as u64,
            BlobPart::File { length, .. } => *length,
        }
    }

    /// A part of the file at `path` from `offset`, `length` bytes or to its end. The file must
    /// exist and hold the range now (an `Err` naming it otherwise).
    ///
    /// Example: see [`Blobs`](crate::blob::Blobs).
    pub fn file(path: impl AsRef<Path>, offset: u64, length: Option<u64>) -> Result<Self> {
        let path = path.as_ref();
        let size = std::fs::metadata(path)
            .map_err(|e| {
                Error::new(
                    NetError::FileNotFound,
                    format!("blob file {} cannot be read: {e}", path.display()),
                )
            })?
            .len();
        let available = size.checked_sub(offset).ok_or_else(|| {
            Error::new(
                NetError::InvalidArgument,
                format!(
                    "blob offset {offset} is past the end of {} ({size} bytes)",
                    path.display()
                ),
            )
        })?;
        let length = match length {
            Some(l) if l > available => {
                return Err(Error::new(
                    NetError::InvalidArgument,
                    format!(
                        "blob range {offset}+{l} is past the end of {} ({size} bytes)",
                        path.display()
                    ),
                ));
            }
            Some(l) => l,
            None => available,
        };
        Ok(BlobPart::File {
            path: path.to_owned(),
            offset,
            length,
        })
    }
}

/// A registered blob as a request body holds it: its UUID and its parts, kept alive by the
/// body even if the blob is unregistered while the request runs (as Chromium's blob handles).
///
/// ```
/// use bytes::Bytes;
/// use session_net::BodyPart;
/// use session_net::blob::{BlobPart, Blobs};
///
/// let blobs = Blobs::default();
/// let id = blobs.register(vec![BlobPart::Bytes(Bytes::from("hello"))], "text/plain");
/// let BodyPart::Blob(blob) = blobs.body_part(&id)? else { panic!("a blob part") };
/// assert_eq!((blob.uuid(), blob.size()), (id.as_str(), 5));
/// // The part keeps the blob's data after the blob is unregistered.
/// assert!(blobs.unregister(&id));
/// assert_eq!(blob.size(), 5);
/// # Ok::<_, session_net::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BlobRef {
    pub(crate) uuid: Arc<str>,
    pub(crate) parts: Arc<[BlobPart]>,
    pub(crate) size: u64,
}

impl BlobRef {
    /// The blob's UUID.
    ///
    /// Example: see [`BlobRef`].
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The blob's size in bytes.
    ///
    /// Example: see [`BlobRef`].
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// A stream of body bytes, each failure a net [`Error`].
pub(crate) type PartStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// Bytes `start..end` of blob `parts`, streamed (file parts read in 64 KiB slices).
pub(crate) fn read_blob(parts: &[BlobPart], start: u64, end: u64) -> PartStream {
    let mut pieces = Vec::new();
    let mut at = 0u64;
    for part in parts {
        let (p_start, p_end) = (at, at + part.len());
        at = p_end;
        let (from, to) = (start.max(p_start), end.min(p_end));
        if from >= to {
            continue;
        }
        let (skip, take) = (from - p_start, to - from);
        pieces.push(match part {
            BlobPart::Bytes(b) => once(Ok(b.slice(skip as usize..(skip + take) as usize))).boxed(),
            BlobPart::File { path, offset, .. } => read_file(FileRange {
                path: path.clone(),
                offset: offset + skip,
                length: Some(take),
                size: None,
            }),
        });
    }
    futures_util::stream::iter(pieces).flatten().boxed()
}

fn once(item: Result<Bytes>) -> futures_util::stream::Once<std::future::Ready<Result<Bytes>>> {
    futures_util::stream::once(std::future::ready(item))
}

/// What [`Parts::prepare`] found of a part: its length (`None`: read to the end, chunked) and,
/// for a regular file, its size then.
#[derive(Clone, Copy, Debug)]
struct Extent {
    len: Option<u64>,
    file_size: Option<u64>,
}

/// A body of parts (the `Parts` kind of [`crate::RequestBody`]).
pub(crate) struct Parts {
    pub(crate) parts: Arc<[BodyPart]>,
    /// One extent per part, once prepared.
    extents: Option<Arc<[Extent]>>,
    /// Why sending failed, shared by the copies made for replay: hyper (HTTP/2 most of all)
    /// does not always hand a body's error back, so the hop loop looks here.
    pub(crate) failure: Arc<OnceLock<Error>>,
}

impl Parts {
    pub(crate) fn new(parts: Vec<BodyPart>) -> Self {
        Parts {
            parts: parts.into(),
            extents: None,
            failure: Arc::default(),
        }
    }

    /// A copy to send again: files are reopened, blobs read again.
    pub(crate) fn replay(&self) -> Self {
        Parts {
            parts: self.parts.clone(),
            extents: self.extents.clone(),
            failure: self.failure.clone(),
        }
    }

    /// The length of the whole body, when known: once prepared (unless a file is not a regular
    /// file), or when no part is a file.
    pub(crate) fn len(&self) -> Option<u64> {
        match &self.extents {
            Some(e) => e.iter().try_fold(0u64, |n, e| Some(n + e.len?)),
            None => self.parts.iter().try_fold(0u64, |n, p| {
                Some(
                    n + match p {
                        BodyPart::Bytes(b) => b.len() as u64,
                        BodyPart::Blob(b) => b.size,
                        BodyPart::File { .. } => return None,
                    },
                )
            }),
        }
    }

    /// Finds the length of every file part (see the module docs).
    pub(crate) async fn prepare(&mut self) -> Result<()> {
        let mut extents = Vec::with_capacity(self.parts.len());
        for part in self.parts.iter() {
            extents.push(match part {
                BodyPart::Bytes(b) => Extent {
                    len: Some(b.len() as u64),
                    file_size: None,
                },
                BodyPart::Blob(b) => Extent {
                    len: Some(b.size),
                    file_size: None,
                },
                BodyPart::File {
                    path,
                    offset,
                    length,
                } => {
                    let meta = tokio::fs::metadata(path)
                        .await
                        .map_err(|e| open_error(path, &e))?;
                    if !meta.is_file() {
                        Extent {
                            len: *length,
                            file_size: None,
                        }
                    } else {
                        let size = meta.len();
                        let len = match size.checked_sub(*offset) {
                            Some(rest) if length.is_none_or(|l| l <= rest) => {
                                length.unwrap_or(rest)
                            }
                            _ => {
                                return Err(Error::new(
                                    NetError::UploadFileChanged,
                                    format!(
                                        "upload file {} has {size} bytes, not the range {offset}+{}",
                                        path.display(),
                                        length.map_or("end".into(), |l| l.to_string())
                                    ),
                                ));
                            }
                        };
                        Extent {
                            len: Some(len),
                            file_size: Some(size),
                        }
                    }
                }
            });
        }
        self.extents = Some(extents.into());
        Ok(())
    }

    /// The body's bytes, part after part.
    pub(crate) fn stream(&self) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        let parts = self.parts.clone();
        let extents = self.extents.clone();
        let failure = self.failure.clone();
        futures_util::stream::iter(0..parts.len())
            .flat_map(move |i| {
                let extent = extents.as_ref().map(|e| e[i]);
                match &parts[i] {
                    BodyPart::Bytes(b) => once(Ok(b.clone())).boxed(),
                    BodyPart::Blob(b) => read_blob(&b.parts, 0, b.size),
                    BodyPart::File {
                        path,
                        offset,
                        length,
                    } => read_file(FileRange {
                        path: path.clone(),
                        offset: *offset,
                        length: extent.map_or(*length, |e| e.len),
                        size: extent.and_then(|e| e.file_size),
                    }),
                }
            })
            .map(move |r| {
                r.map_err(|e| {
                    let _ = failure.set(e.clone());
                    io::Error::other(e)
                })
            })
    }
}

/// A file range to read: `length` bytes (or to the end) from `offset`; `size` is the file's
/// size when the body was prepared, checked when it is opened and when the range is read.
struct FileRange {
    path: PathBuf,
    offset: u64,
    length: Option<u64>,
    size: Option<u64>,
}

impl FileRange {
    fn changed(&self, what: String) -> Error {
        Error::new(
            NetError::UploadFileChanged,
            format!(
                "file {} changed while it was sent: {what}",
                self.path.display()
            ),
        )
    }

    async fn check_size(&self, file: &tokio::fs::File) -> Result<()> {
        let Some(size) = self.size else {
            return Ok(());
        };
        let now = file
            .metadata()
            .await
            .map_err(|e| open_error(&self.path, &e))?
            .len();
        if now != size {
            return Err(self.changed(format!("{now} bytes, was {size}")));
        }
        Ok(())
    }

    async fn open(&self) -> Result<tokio::fs::File> {
        let mut f = tokio::fs::File::open(&self.path)
            .await
            .map_err(|e| open_error(&self.path, &e))?;
        self.check_size(&f).await?;
        if self.offset > 0 {
            f.seek(io::SeekFrom::Start(self.offset))
                .await
                .map_err(|e| open_error(&self.path, &e))?;
        }
        Ok(f)
    }
}

enum Read {
    Start(FileRange),
    Open(FileRange, tokio::fs::File, u64),
    Done,
}

/// Reads a file range in 64 KiB slices; see [`FileRange`].
fn read_file(range: FileRange) -> PartStream {
    futures_util::stream::unfold(Read::Start(range), |mut st| async move {
        loop {
            match st {
                Read::Done => return None,
                Read::Start(r) => match r.open().await {
                    Ok(f) => st = Read::Open(r, f, 0),
                    Err(e) => return Some((Err(e), Read::Done)),
                },
                Read::Open(r, mut f, sent) => {
                    let want = r
                        .length
                        .map_or(CHUNK, |l| (l - sent).min(CHUNK as u64) as usize);
                    if want == 0 {
                        return match r.check_size(&f).await {
                            Ok(()) => None,
                            Err(e) => Some((Err(e), Read::Done)),
                        };
                    }
                    let mut buf = BytesMut::with_capacity(want);
                    match (&mut f).take(want as u64).read_buf(&mut buf).await {
                        Ok(0) if r.length.is_some() => {
                            let e = r.changed(format!(
                                "it ended after {sent} of {} bytes",
                                r.length.unwrap_or_default()
                            ));
                            return Some((Err(e), Read::Done));
                        }
                        Ok(0) => return None,
                        Ok(n) => {
                            return Some((Ok(buf.freeze()), Read::Open(r, f, sent + n as u64)));
                        }
                        Err(e) => {
                            let e = Error::new(
                                NetError::Failed,
                                format!(
                                    "file {} cannot be read: {e} (after {sent} bytes)",
                                    r.path.display()
                                ),
                            );
                            return Some((Err(e), Read::Done));
                        }
                    }
                }
            }
        }
    })
    .boxed()
}

/// Chromium's error for a file that cannot be opened: `net::ERR_ACCESS_DENIED` when it may
/// not be read, else `net::ERR_FILE_NOT_FOUND`.
fn open_error(path: &Path, e: &io::Error) -> Error {
    let kind = match e.kind() {
        io::ErrorKind::PermissionDenied => NetError::AccessDenied,
        _ => NetError::FileNotFound,
    };
    Error::new(kind, format!("file {} cannot be read: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    async fn collect(p: &Parts) -> io::Result<Vec<u8>> {
        let chunks: Vec<Bytes> = p.stream().try_collect().await?;
        Ok(chunks.concat())
    }

    #[tokio::test]
    async fn parts_are_read_in_order_and_measured_when_prepared() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f");
        let file: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &file).expect("write");
        let mut p = Parts::new(vec![
            BodyPart::bytes("head|"),
            BodyPart::file_range(&path, 10, Some(100_000)),
            BodyPart::file(&path),
        ]);
        assert_eq!(p.len(), None, "a file's length is found when prepared");
        p.prepare().await.expect("prepared");
        assert_eq!(p.len(), Some(5 + 100_000 + 200_000));
        let mut want = b"head|".to_vec();
        want.extend_from_slice(&file[10..100_010]);
        want.extend_from_slice(&file);
        assert_eq!(collect(&p).await.expect("read"), want);
        // A replay reads the files again.
        assert_eq!(collect(&p.replay()).await.expect("read"), want);
    }

    #[tokio::test]
    async fn missing_files_and_short_ranges_fail_as_chromium() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("missing");
        let e = Parts::new(vec![BodyPart::file(&missing)])
            .prepare()
            .await
            .expect_err("missing");
        assert_eq!(e.kind(), NetError::FileNotFound);
        assert!(e.detail().contains("missing"), "{e}");
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").expect("write");
        let e = Parts::new(vec![BodyPart::file_range(&path, 5, Some(6))])
            .prepare()
            .await
            .expect_err("past the end");
        assert_eq!(e.kind(), NetError::UploadFileChanged);
        // A file that shrinks after it was measured fails when read.
        let mut p = Parts::new(vec![BodyPart::file(&path)]);
        p.prepare().await.expect("prepared");
        std::fs::write(&path, b"01234").expect("shrink");
        let e = collect(&p).await.expect_err("changed");
        let inner = e
            .get_ref()
            .and_then(|e| e.downcast_ref::<Error>())
            .expect("net error");
        assert_eq!(inner.kind(), NetError::UploadFileChanged);
        assert_eq!(
            p.failure.get().map(|e| e.kind()),
            Some(NetError::UploadFileChanged)
        );
    }
}
