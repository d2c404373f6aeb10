//! The session's blob registry: data an embedder registers once (bytes, a range of a file, or
//! what a stream yields) and then hands around by UUID, as a request body, to
//! `getBlobData`, or as a `blob:` URL that `fetch` serves.
//!
//! Blobs are never read whole to be served: file parts stream from the file, and a read takes
//! an offset and a length, so there is no ceiling on what can be read back (Electron's
//! `getBlobData` stops at 64 KiB, electron#34398). A blob lives until it is unregistered or
//! its session is dropped; it is never written anywhere by the registry.
//!
//! [`BlobStage`] serves `blob:<origin>/<uuid>` URLs of registered blobs as the Fetch standard's
//! blob scheme fetch does: `GET` only, `200` with the blob's type and size, one byte `Range` as
//! `206`, and failures as Chromium names them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};

use crate::body::Body;
use crate::error::{Error, NetError, Result};
pub use crate::upload::BlobPart;
use crate::upload::{BlobRef, BodyPart, read_blob};

/// Electron's rejection of `getBlobData` for a UUID it does not know (SESSION-29).
///
/// Example: see [`Blobs`].
pub const UNKNOWN_BLOB: &str = "Could not get blob data handle";

/// One registered blob.
#[derive(Debug)]
struct Blob {
    parts: Arc<[BlobPart]>,
    size: u64,
    content_type: String,
}

/// The blobs of one session. Cheap to clone; `Send + Sync`.
///
/// ```
/// use bytes::Bytes;
/// use session_net::blob::{BlobPart, BlobStage, Blobs, UNKNOWN_BLOB};
/// use session_net::{Net, NetConfig, NetError, RequestBody, new_request};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("data.bin"), b"0123456789").unwrap();
/// let blobs = Blobs::default();
/// let id = blobs.register(
///     vec![BlobPart::Bytes(Bytes::from("head:")), BlobPart::file(dir.path().join("data.bin"), 2, Some(3))?],
///     "text/plain",
/// );
/// assert_eq!(blobs.describe(&id)?, (8, "text/plain".to_owned()));
/// assert_eq!(blobs.read(&id, 5, None)?.text().await?, "234");
/// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("a")), Ok(Bytes::from("b"))]);
/// let streamed = blobs.register_stream(chunks, "").await?;
/// assert_eq!(blobs.read(&streamed, 0, None)?.text().await?, "ab");
///
/// // Served as `blob:` URLs through a Net, and usable as a request body part.
/// let net = Net::new(NetConfig::default())?;
/// net.insert_stage(BlobStage::new(blobs.clone()));
/// let url = format!("blob:https://app.test/{id}");
/// let response = net.fetch(new_request(http::Method::GET, &url, ())?).await?;
/// assert_eq!(response.header("content-type").as_deref(), Some("text/plain"));
/// assert_eq!(response.text().await?, "head:234");
/// let _body = RequestBody::from_parts([blobs.body_part(&id)?]);
///
/// assert!(blobs.unregister(&id) && !blobs.unregister(&id));
/// assert_eq!(blobs.read(&id, 0, None).unwrap_err().detail(), UNKNOWN_BLOB);
/// let gone = net.fetch(new_request(http::Method::GET, &url, ())?).await.unwrap_err();
/// assert_eq!(gone.kind(), NetError::FileNotFound);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct Blobs {
    map: Arc<RwLock<HashMap<String, Arc<Blob>>>>,
}

impl Blobs {
    /// Registers a blob made of `parts` with `content_type` (may be empty); returns its UUID.
    ///
    /// Example: see [`Blobs`].
    pub fn register(&self, parts: Vec<BlobPart>, content_type: &str) -> String {
        let uuid = uuid::Uuid::new_v4().to_string();
        let size = parts.iter().map(BlobPart::len).sum();
        let blob = Arc::new(Blob {
            parts: parts.into(),
            size,
            content_type: content_type.to_owned(),
        });
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uuid.clone(), blob);
        uuid
    }

    /// Registers what `stream` yields, kept in memory as it arrives (for data larger than
    /// memory, register a file part instead). Dropping the future registers nothing.
    ///
    /// Example: see [`Blobs`].
    pub async fn register_stream<S, E>(&self, stream: S, content_type: &str) -> Result<String>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let parts: Vec<BlobPart> = stream
            .map_err(|e| Error::new(NetError::Failed, format!("blob stream failed: {e}")))
            .map_ok(BlobPart::Bytes)
            .try_collect()
            .await?;
        Ok(self.register(parts, content_type))
    }

    /// Forgets a blob; `false` when the UUID is not known.
    ///
    /// Example: see [`Blobs`].
    pub fn unregister(&self, uuid: &str) -> bool {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uuid)
            .is_some()
    }

    fn get(&self, uuid: &str) -> Result<Arc<Blob>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(uuid)
            .cloned()
            .ok_or_else(|| Error::new(NetError::FileNotFound, UNKNOWN_BLOB))
    }

    /// Size and content type of a blob.
    ///
    /// Example: see [`Blobs`].
    pub fn describe(&self, uuid: &str) -> Result<(u64, String)> {
        let blob = self.get(uuid)?;
        Ok((blob.size, blob.content_type.clone()))
    }

    /// `getBlobData`: `length` bytes (or to the end) of the blob from `offset`, streamed.
    /// An unknown UUID is Electron's "Could not get blob data handle"; a range past the end is
    /// cut at the end.
    ///
    /// Example: see [`Blobs`].
    pub fn read(&self, uuid: &str, offset: u64, length: Option<u64>) -> Result<Body> {
        let blob = self.get(uuid)?;
        let start = offset.min(blob.size);
        let end = length.map_or(blob.size, |l| start.saturating_add(l).min(blob.size));
        Ok(Body::from_stream(read_blob(&blob.parts, start, end)))
    }

    /// The blob `uuid` as a part of a request body ([`crate::RequestBody::from_parts`]): the
    /// body holds the blob's data even if it is unregistered before the request is sent, and
    /// webRequest shows the part as its `blobUUID`. An unknown UUID is an `Err` naming it.
    ///
    /// Example: see [`Blobs`].
    pub fn body_part(&self, uuid: &str) -> Result<BodyPart> {
        let blob = self.get(uuid).map_err(|_| {
            Error::new(
                NetError::FileNotFound,
                format!("blob {uuid} is not registered in this session"),
            )
        })?;
        Ok(BodyPart::Blob(BlobRef {
            uuid: uuid.into(),
            parts: blob.parts.clone(),
            size: blob.size,
        }))
    }
}

/// Stage 1 for `blob:` URLs: a hop of a `blob:<origin>/<uuid>` URL (the UUID is the last path
/// segment; the fragment is ignored) is answered from the registry, unless a protocol handler
/// of the session handles `blob` itself (the handlers' stage runs first). Insert it with
/// [`crate::Net::insert_stage`] after the `Net` is made.
///
/// - Only `GET`: another method fails with `net::ERR_METHOD_NOT_SUPPORTED`.
/// - An unknown or unregistered UUID fails with `net::ERR_FILE_NOT_FOUND`.
/// - `200` with `Content-Type` (the registered type) and `Content-Length`; a single satisfiable
///   `Range` is `206` with `Content-Range`; a `Range` that does not parse, asks for several
///   ranges or lies past the end fails with `net::ERR_REQUEST_RANGE_NOT_SATISFIABLE` (Fetch's
///   network error for a blob range it cannot serve).
///
/// Example: see [`Blobs`].
#[derive(Clone, Debug)]
pub struct BlobStage {
    blobs: Blobs,
}

impl BlobStage {
    /// The stage serving `blobs`.
    ///
    /// Example: see [`Blobs`].
    pub fn new(blobs: Blobs) -> Arc<Self> {
        Arc::new(BlobStage { blobs })
    }
}

impl crate::stages::Stage for BlobStage {
    fn slot(&self) -> crate::stages::Slot {
        crate::stages::Slot::ProtocolHandlers
    }

    fn on_request<'a>(
        &'a self,
        ctx: &'a mut crate::stages::RequestContext,
    ) -> crate::stages::BoxFuture<'a, Result<crate::stages::Flow>> {
        if ctx.url.scheme() == "blob" && !ctx.is_handled() && !ctx.bypass_custom_protocol_handlers {
            let blobs = self.blobs.clone();
            ctx.answer_with(Arc::new(
                move |request: http::Request<crate::RequestBody>| {
                    std::future::ready(serve(&blobs, &request))
                },
            ));
        }
        Box::pin(std::future::ready(Ok(crate::stages::Flow::Continue)))
    }
}

/// The UUID a `blob:` URL names: its last path segment, without query or fragment.
fn uuid_of(url: &url::Url) -> &str {
    let path = url.path();
    path.rsplit('/').next().unwrap_or(path)
}

/// The blob scheme fetch of one request.
fn serve<B>(blobs: &Blobs, request: &http::Request<B>) -> Result<http::Response<Body>> {
    use crate::protocol::range::{RangeDecision, RangeSpec, parse_range, resolve_range};
    use http::{HeaderValue, StatusCode, header};
    let url = crate::protocol::request_url(request)
        .ok_or_else(|| Error::new(NetError::InvalidUrl, "a blob: request needs its URL"))?;
    if request.method() != http::Method::GET {
        return Err(Error::new(
            NetError::MethodNotSupported,
            format!(
                "{} of {url}: blob URLs are read with GET only",
                request.method()
            ),
        ));
    }
    let uuid = uuid_of(&url);
    let blob = blobs.get(uuid).map_err(|_| {
        Error::new(
            NetError::FileNotFound,
            format!("{url} names no registered blob"),
        )
    })?;
    let size = blob.size;
    let (status, start, len) = match request.headers().get(header::RANGE) {
        None => (StatusCode::OK, 0, size),
        Some(value) => {
            let text = value.to_str().unwrap_or_default();
            let unsatisfiable = || {
                Error::new(
                    NetError::RequestRangeNotSatisfiable,
                    format!("range '{text}' of {url} ({size} bytes) cannot be served"),
                )
            };
            match parse_range(text) {
                None | Some(RangeSpec::Multiple) => return Err(unsatisfiable()),
                Some(spec) => match resolve_range(spec, size) {
                    RangeDecision::Partial { start, end } => {
                        (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
                    }
                    RangeDecision::Whole => (StatusCode::OK, 0, size),
                    RangeDecision::Unsatisfiable => return Err(unsatisfiable()),
                },
            }
        }
    };
    let body = blobs.read(uuid, start, Some(len))?;
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&blob.content_type)
        && !blob.content_type.is_empty()
    {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {start}-{}/{size}", start + len - 1);
        if let Ok(v) = HeaderValue::from_str(&range) {
            headers.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unknown_uuids_are_rejected_as_electron() {
        // SESSION-29
        let blobs = Blobs::default();
        let e = blobs
            .read("00000000-0000-0000-0000-000000000000", 0, None)
            .expect_err("unknown");
        assert_eq!(e.detail(), UNKNOWN_BLOB);
        let uuid = blobs.register(vec![BlobPart::Bytes(Bytes::from_static(b"x"))], "");
        assert!(blobs.unregister(&uuid));
        assert!(blobs.read(&uuid, 0, None).is_err());
        assert!(!blobs.unregister(&uuid));
    }

    #[tokio::test]
    async fn reads_ranges_across_parts_past_64_kib() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("part.bin");
        let file: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &file).expect("write");
        let blobs = Blobs::default();
        let head = Bytes::from(vec![7u8; 70_000]);
        let uuid = blobs.register(
            vec![
                BlobPart::Bytes(head.clone()),
                BlobPart::file(&path, 1000, Some(200_000)).expect("part"),
            ],
            "application/octet-stream",
        );
        let mut whole = head.to_vec();
        whole.extend_from_slice(&file[1000..201_000]);
        assert_eq!(blobs.describe(&uuid).expect("known").0, 270_000);
        let all = blobs
            .read(&uuid, 0, None)
            .expect("read")
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(all.len(), 270_000);
        assert_eq!(&all[..], &whole[..]);
        let mid = blobs
            .read(&uuid, 69_990, Some(100_000))
            .expect("read")
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(&mid[..], &whole[69_990..169_990]);
        let tail = blobs
            .read(&uuid, 269_000, Some(5000))
            .expect("read")
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(&tail[..], &whole[269_000..]);
        let past = blobs
            .read(&uuid, 400_000, None)
            .expect("read")
            .bytes()
            .await
            .expect("bytes");
        assert!(past.is_empty());
    }

    #[tokio::test]
    async fn file_parts_are_checked_when_registered() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").expect("write");
        assert!(BlobPart::file(&path, 11, None).is_err());
        let e = BlobPart::file(&path, 5, Some(6)).expect_err("past end");
        assert!(e.detail().contains("past the end"), "{e}");
        assert!(BlobPart::file(dir.path().join("missing"), 0, None).is_err());
        let blobs = Blobs::default();
        let uuid = blobs.register(vec![BlobPart::file(&path, 2, Some(3)).expect("ok")], "");
        std::fs::remove_file(&path).expect("rm");
        let e = blobs
            .read(&uuid, 0, None)
            .expect("body")
            .bytes()
            .await
            .expect_err("gone");
        assert!(e.detail().contains("cannot be read"), "{e}");
    }

    #[tokio::test]
    async fn streams_are_registered_whole() {
        let blobs = Blobs::default();
        let chunks = vec![
            Ok::<_, std::io::Error>(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"cd")),
        ];
        let uuid = blobs
            .register_stream(futures_util::stream::iter(chunks), "text/plain")
            .await
            .expect("registered");
        assert_eq!(
            blobs.describe(&uuid).expect("known"),
            (4, "text/plain".to_owned())
        );
        let b = blobs
            .read(&uuid, 1, Some(2))
            .expect("read")
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(b, "bc");
        let failing = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::other("cut")),
        ];
        assert!(
            blobs
                .register_stream(futures_util::stream::iter(failing), "")
                .await
                .is_err()
        );
    }
}
