//! Compression Dictionary Transport (RFC 9842) on the wire: the request headers that
//! advertise a stored dictionary, and the streaming decoders of `dcb` (brotli with the
//! dictionary) and `dcz` (zstd with the dictionary as a raw prefix) responses. The store itself
//! is `session_cache::dictionary`.
//!
//! Each coded body starts with a fixed header: `dcb` has the 4 bytes `ff 44 43 42`, `dcz` the 8
//! bytes `5e 2a 4d 18 20 00 00 00`, each followed by the 32-byte SHA-256 of the dictionary. A body
//! whose header does not name the dictionary the request advertised fails with
//! `net::ERR_UNEXPECTED_CONTENT_DICTIONARY_HEADER`, a body that needs a dictionary the request
//! did not advertise with `net::ERR_DICTIONARY_LOAD_FAILED`: never silently wrong bytes.
//! Windows are bounded: brotli's standard 16 MiB window (the large-window extension is off),
//! zstd's default limit of 128 MiB (RFC 9842's own bound for `dcz`).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use async_compression::tokio::bufread::ZstdDecoder;
use brotli::{BrotliDecompressStream, BrotliResult, BrotliState, HeapAlloc};
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http::StatusCode;
use http::{HeaderMap, HeaderValue};
use session_cache::dictionary::{
    Dictionary, IsolationKey, SharedDictionaries, UseAsDictionary, allowed_for,
    parse_use_as_dictionary,
};
use std::time::{Duration, SystemTime};
use url::Url;

use crate::response::HopResponse;
use crate::stages::{BoxFuture, Flow, RequestContext, ResponseFlow, Slot, Stage};
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::io::StreamReader;

use crate::Limits;
use crate::body::Body;
use crate::decode::{Reader, guarded, to_io};
use crate::error::{Error, NetError, Result};

const DCB_MAGIC: &[u8] = &[0xff, 0x44, 0x43, 0x42];
const DCZ_MAGIC: &[u8] = &[0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00];

/// A dictionary content coding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DictionaryCoding {
    /// `dcb`: Dictionary-Compressed Brotli.
    Brotli,
    /// `dcz`: Dictionary-Compressed Zstandard.
    Zstd,
}

impl DictionaryCoding {
    fn magic(self) -> &'static [u8] {
        match self {
            DictionaryCoding::Brotli => DCB_MAGIC,
            DictionaryCoding::Zstd => DCZ_MAGIC,
        }
    }
}

/// The dictionary coding of a response, when `Content-Encoding` is exactly `dcb` or `dcz`.
/// Mixed with other codings it is not decoded with the dictionary (as in Chromium): the body
/// is passed on as it came.
pub(crate) fn dictionary_coding(headers: &HeaderMap) -> Option<DictionaryCoding> {
    let mut values = headers.get_all(http::header::CONTENT_ENCODING).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    match first.to_str().ok()?.trim().to_ascii_lowercase().as_str() {
        "dcb" => Some(DictionaryCoding::Brotli),
        "dcz" => Some(DictionaryCoding::Zstd),
        _ => None,
    }
}

/// Adds the headers that advertise `dictionary` (RFC 9842 section 2.2): `Available-Dictionary`
/// as an sf-binary of its hash, `Dictionary-ID` as an sf-string when it has an id, and `dcb`,
/// `dcz` in `Accept-Encoding` (added to what is there, or to the default list).
pub(crate) fn advertise(headers: &mut HeaderMap, dictionary: &Dictionary) {
    use base64::Engine as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(dictionary.hash);
    if let Ok(v) = HeaderValue::from_str(&format!(":{hash}:")) {
        headers.insert("available-dictionary", v);
    }
    if !dictionary.id.is_empty() {
        let mut id = String::with_capacity(dictionary.id.len() + 2);
        id.push('"');
        for c in dictionary.id.chars() {
            if c == '"' || c == '\\' {
                id.push('\\');
            }
            id.push(c);
        }
        id.push('"');
        if let Ok(v) = HeaderValue::from_str(&id) {
            headers.insert("dictionary-id", v);
        }
    }
    let current = headers
        .get(http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("gzip, deflate, br, zstd")
        .to_owned();
    let has = |c: &str| current.split(',').any(|t| t.trim().eq_ignore_ascii_case(c));
    let mut value = current.clone();
    for c in ["dcb", "dcz"] {
        if !has(c) {
            value.push_str(", ");
            value.push_str(c);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(http::header::ACCEPT_ENCODING, v);
    }
}

/// Decodes `body` (coded with `coding` against the dictionary the request advertised) as it
/// streams. `dictionary` is `None` when the request advertised none.
pub(crate) fn decode(
    body: Body,
    coding: DictionaryCoding,
    dictionary: Option<&Dictionary>,
    limits: &Limits,
    url: &str,
) -> Body {
    let Some(dictionary) = dictionary else {
        let msg = format!(
            "the body of {url} is {} coded but no dictionary was advertised for it",
            match coding {
                DictionaryCoding::Brotli => "dcb",
                DictionaryCoding::Zstd => "dcz",
            }
        );
        return Body::from_stream(futures_util::stream::once(async move {
            Err(Error::new(NetError::DictionaryLoadFailed, msg))
        }));
    };
    let compressed = Arc::new(AtomicU64::new(0));
    let counter = compressed.clone();
    let input = body.inspect_ok(move |b| {
        counter.fetch_add(b.len() as u64, Ordering::Relaxed);
    });
    let mut expected = coding.magic().to_vec();
    expected.extend_from_slice(&dictionary.hash);
    let checked = HeaderCheck {
        inner: Box::pin(input),
        expected,
        seen: Vec::new(),
        checked: false,
        url: url.into(),
    };
    let reader: Reader = Box::pin(StreamReader::new(checked.map_err(to_io)));
    let decoded: Reader = match coding {
        DictionaryCoding::Zstd => match ZstdDecoder::with_dict(reader, &dictionary.bytes) {
            Ok(d) => Box::pin(tokio::io::BufReader::new(d)),
            Err(e) => {
                let msg = format!("the dictionary for {url} cannot be loaded into zstd: {e}");
                return Body::from_stream(futures_util::stream::once(async move {
                    Err(Error::new(NetError::DictionaryLoadFailed, msg))
                }));
            }
        },
        DictionaryCoding::Brotli => Box::pin(tokio::io::BufReader::new(BrotliWithDictionary::new(
            reader,
            &dictionary.bytes,
        ))),
    };
    guarded(decoded, compressed, limits, url)
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// Consumes and checks the fixed header at the start of a dictionary-coded body.
struct HeaderCheck {
    inner: ByteStream,
    expected: Vec<u8>,
    seen: Vec<u8>,
    checked: bool,
    url: Arc<str>,
}

impl HeaderCheck {
    fn mismatch(&self) -> Error {
        Error::new(
            NetError::UnexpectedContentDictionaryHeader,
            format!(
                "the body of {} does not start with the header of the advertised dictionary",
                self.url
            ),
        )
    }
}

impl Stream for HeaderCheck {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.checked {
            return this.inner.poll_next_unpin(cx);
        }
        loop {
            match ready!(this.inner.poll_next_unpin(cx)) {
                Some(Ok(chunk)) => {
                    let need = this.expected.len() - this.seen.len();
                    let take = need.min(chunk.len());
                    this.seen.extend_from_slice(&chunk[..take]);
                    if this.seen.len() < this.expected.len() {
                        continue;
                    }
                    if this.seen != this.expected {
                        this.checked = true;
                        this.inner = Box::pin(futures_util::stream::empty());
                        return Poll::Ready(Some(Err(this.mismatch())));
                    }
                    this.checked = true;
                    let rest = chunk.slice(take..);
                    if rest.is_empty() {
                        return this.inner.poll_next_unpin(cx);
                    }
                    return Poll::Ready(Some(Ok(rest)));
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {
                    this.checked = true;
                    return Poll::Ready(Some(Err(this.mismatch())));
                }
            }
        }
    }
}

/// A streaming brotli decoder primed with a custom dictionary (brotli-decompressor's state
/// machine; async-compression has no dictionary support for brotli).
struct BrotliWithDictionary {
    inner: Reader,
    state: Box<BrotliState<HeapAlloc<u8>, HeapAlloc<u32>, HeapAlloc<brotli::HuffmanCode>>>,
    done: bool,
}

impl BrotliWithDictionary {
    fn new(inner: Reader, dictionary: &[u8]) -> Self {
        let alloc_u8 = HeapAlloc::<u8>::new(0);
        let mut dict =
            brotli::Allocator::alloc_cell(&mut HeapAlloc::<u8>::new(0), dictionary.len());
        brotli::SliceWrapperMut::slice_mut(&mut dict).copy_from_slice(dictionary);
        let mut state = BrotliState::new_with_custom_dictionary(
            alloc_u8,
            HeapAlloc::<u32>::new(0),
            HeapAlloc::<brotli::HuffmanCode>::new(Default::default()),
            dict,
        );
        // RFC 9842 `dcb` uses standard windows (at most 16 MiB); no 1 GiB large windows.
        state.large_window = false;
        BrotliWithDictionary {
            inner,
            state: Box::new(state),
            done: false,
        }
    }
}

impl AsyncRead for BrotliWithDictionary {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.done || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            let input = ready!(this.inner.as_mut().poll_fill_buf(cx))?;
            let eof = input.is_empty();
            let out = buf.initialize_unfilled();
            let (mut avail_in, mut in_off) = (input.len(), 0usize);
            let (mut avail_out, mut out_off, mut total) = (out.len(), 0usize, 0usize);
            let result = BrotliDecompressStream(
                &mut avail_in,
                &mut in_off,
                input,
                &mut avail_out,
                &mut out_off,
                out,
                &mut total,
                &mut this.state,
            );
            this.inner.as_mut().consume(in_off);
            buf.advance(out_off);
            match result {
                BrotliResult::ResultSuccess => {
                    this.done = true;
                    return Poll::Ready(Ok(()));
                }
                BrotliResult::NeedsMoreOutput => return Poll::Ready(Ok(())),
                BrotliResult::NeedsMoreInput => {
                    if out_off > 0 {
                        return Poll::Ready(Ok(()));
                    }
                    if eof {
                        return Poll::Ready(Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the dcb stream ends early",
                        )));
                    }
                }
                BrotliResult::ResultFailure => {
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the dcb stream is not valid brotli for this dictionary",
                    )));
                }
            }
        }
    }
}

/// The dictionary a request advertised, left in the request's extensions for decoding.
#[derive(Clone, Debug)]
struct Advertised(Dictionary);

/// A response that declared itself a dictionary, stored once its decoded body completes.
#[derive(Clone, Debug)]
struct Pending {
    store: SharedDictionaries,
    key: IsolationKey,
    url: Url,
    header: UseAsDictionary,
    response_time: SystemTime,
    expiration: Duration,
}

/// The pipeline stage of shared dictionaries (RFC 9842): on the request side it advertises the
/// best stored dictionary for the URL (before the cache lookup, so that a stored response that
/// `Vary`s on `Available-Dictionary` is matched against it); on the response side it notes a
/// `Use-As-Dictionary` declaration, and the body is stored as a dictionary once it has been read
/// to its end, decoded. Only requests in a secure context (HTTPS, or HTTP to a loopback host)
/// take part, and only those that are same-origin with their initiator (this library has no
/// CORS mode, so a cross-origin request is treated as `no-cors`, which RFC 9842 excludes).
///
/// The isolation key is the request's initiator (its frame origin; the URL's own origin when
/// there is none) and the site of `site_for_cookies` (the top-frame site; the initiator's or
/// the URL's site when there is none). The request's destination is its `Sec-Fetch-Dest`
/// header, `document` for a top-level navigation, or empty.
///
/// ```
/// use session_cache::dictionary::{DictionaryLimits, SharedDictionaries};
/// use session_net::shared_dictionary::DictionaryStage;
/// use session_net::{Net, NetConfig, new_request};
/// # use session_test_support::dictionary::{bundle_v1, bundle_v2}; // the site's two versions of a bundle
///
/// # let site = session_test_support::TestSite::start(); // a loopback site
/// # let port = site.http_port();
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = SharedDictionaries::memory(DictionaryLimits::default());
/// let net = Net::new(NetConfig::default())?;
/// net.insert_stage(DictionaryStage::new(store.clone()));
/// let get = |path: &str| new_request(http::Method::GET, &format!("http://127.0.0.1:{port}/dictionary/{path}"), ());
///
/// // v1 declares itself a dictionary (`Use-As-Dictionary: match="/dictionary/*.js"`), and is
/// // stored once its body has been read to the end.
/// assert_eq!(net.fetch(get("v1.js")?).await?.bytes().await?, bundle_v1());
/// assert_eq!(store.usage_info().len(), 1);
///
/// // The request for v2 advertises it; v2 arrives `dcz`-coded against it and decodes whole.
/// assert_eq!(net.fetch(get("v2.js")?).await?.bytes().await?, bundle_v2());
/// let sent = &site.requests_to("/dictionary/v2.js")[0];
/// assert_eq!(sent.header("dictionary-id"), Some("\"bundle-v1\""));
/// assert!(sent.header("available-dictionary").is_some());
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
pub struct DictionaryStage {
    store: SharedDictionaries,
}

impl DictionaryStage {
    /// A stage over `store`; insert it before the cache stage.
    ///
    /// Example: see [`DictionaryStage`].
    pub fn new(store: SharedDictionaries) -> Arc<Self> {
        Arc::new(DictionaryStage { store })
    }
}

fn isolation_key(ctx: &RequestContext) -> Option<IsolationKey> {
    let frame = ctx.initiator.as_ref().unwrap_or(&ctx.url);
    let top = ctx.site_for_cookies.as_ref().unwrap_or(frame);
    IsolationKey::new(frame.as_str(), top.as_str()).ok()
}

fn takes_part(ctx: &RequestContext) -> bool {
    allowed_for(&ctx.url)
        && ctx
            .initiator
            .as_ref()
            .is_none_or(|i| i.origin() == ctx.url.origin())
}

fn destination(ctx: &RequestContext) -> String {
    match ctx
        .headers
        .get("sec-fetch-dest")
        .and_then(|v| v.to_str().ok())
    {
        Some(d) => d.to_owned(),
        None if ctx.top_level_navigation => "document".to_owned(),
        None => String::new(),
    }
}

impl Stage for DictionaryStage {
    fn slot(&self) -> Slot {
        Slot::Cache
    }

    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        Box::pin(async move {
            ctx.extensions.remove::<Advertised>();
            ctx.extensions.remove::<Pending>();
            if !takes_part(ctx) {
                return Ok(Flow::Continue);
            }
            let Some(key) = isolation_key(ctx) else {
                return Ok(Flow::Continue);
            };
            let dest = destination(ctx);
            let found = if self.store.is_persistent() {
                // Reading a dictionary's file is disk I/O: off the runtime's workers.
                let (store, url) = (self.store.clone(), ctx.url.clone());
                tokio::task::spawn_blocking(move || store.find(&key, &url, &dest))
                    .await
                    .ok()
                    .flatten()
            } else {
                self.store.find(&key, &ctx.url, &dest)
            };
            if let Some(dictionary) = found {
                advertise(&mut ctx.headers, &dictionary);
                ctx.extensions.insert(Advertised(dictionary));
            }
            Ok(Flow::Continue)
        })
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, Result<ResponseFlow>> {
        let value = response
            .headers
            .get("use-as-dictionary")
            .and_then(|v| v.to_str().ok());
        if let Some(value) = value
            && response.status == StatusCode::OK
            && takes_part(ctx)
            && let Some(key) = isolation_key(ctx)
            && let Ok(header) = parse_use_as_dictionary(value)
        {
            let now = SystemTime::now();
            let expiration =
                session_cache::dictionary::expiration(response.status, &response.headers, now, now);
            if !expiration.is_zero() {
                ctx.extensions.insert(Pending {
                    store: self.store.clone(),
                    key,
                    url: ctx.url.clone(),
                    header,
                    response_time: now,
                    expiration,
                });
            }
        }
        Box::pin(std::future::ready(Ok(ResponseFlow::Continue)))
    }
}

/// Stage 8 for dictionaries, first half: a `dcb`/`dcz` body is decoded with the dictionary the
/// request advertised. Returns whether it did (the ordinary decoders then stay out).
pub(crate) fn decode_coded(
    extensions: &http::Extensions,
    headers: &HeaderMap,
    body: &mut Body,
    limits: &Limits,
    url: &str,
) -> bool {
    let Some(coding) = dictionary_coding(headers) else {
        return false;
    };
    let advertised = extensions.get::<Advertised>().map(|a| &a.0);
    let raw = std::mem::take(body);
    *body = decode(raw, coding, advertised, limits, url);
    true
}

/// Stage 8 for dictionaries, second half (after all content decoding): a body that declared
/// itself a dictionary is stored, decoded, once it has been read to its end.
pub(crate) fn record_declared(extensions: &http::Extensions, body: &mut Body) {
    if let Some(pending) = extensions.get::<Pending>() {
        let decoded = std::mem::take(body);
        *body = record(decoded, pending.clone());
    }
}

/// Passes the body through and stores it as a dictionary when it ends whole (a body cut
/// short, failed, or larger than a dictionary may be is not stored).
fn record(body: Body, pending: Pending) -> Body {
    Body::from_stream(Recorder {
        limit: pending.store.limits().max_dictionary_size,
        inner: body,
        kept: Vec::new(),
        size: 0,
        pending: Some(pending),
    })
}

struct Recorder {
    inner: Body,
    kept: Vec<Bytes>,
    size: u64,
    limit: u64,
    pending: Option<Pending>,
}

impl Stream for Recorder {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match ready!(this.inner.poll_next_unpin(cx)) {
            Some(Ok(chunk)) => {
                this.size += chunk.len() as u64;
                if this.size > this.limit {
                    this.pending = None;
                    this.kept = Vec::new();
                } else if this.pending.is_some() {
                    this.kept.push(chunk.clone());
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Some(Err(e)) => {
                this.pending = None;
                Poll::Ready(Some(Err(e)))
            }
            None => {
                if let Some(p) = this.pending.take() {
                    let mut whole = Vec::with_capacity(this.size as usize);
                    for chunk in std::mem::take(&mut this.kept) {
                        whole.extend_from_slice(&chunk);
                    }
                    // Memory work only: the store's writer thread puts it on disk.
                    let _ = p.store.register(
                        &p.key,
                        &p.url,
                        &p.header,
                        Bytes::from(whole),
                        p.response_time,
                        p.expiration,
                    );
                }
                Poll::Ready(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vectors from Chromium's shared dictionary network transaction tests
    // (net/shared_dictionary, BSD-3-Clause): a dictionary, a text, and the text coded as
    // `dcb` and `dcz` against the dictionary.
    const DICT: &str = "HelloHallo你好こんにちは";
    const DICT_SHA256: &str = "c19728aed36503cfc81a0f5359e6f472e121f77bf20a2faac7994191293c0623";
    const DICT_SF: &str = ":wZcortNlA8/IGg9TWeb0cuEh93vyCi+qx5lBkSk8BiM=:";
    const DATA: &str = "HelloこんにちはHallo你好HelloこんにちはHallo你好";
    const DCB: &[u8] = &[
        0xff, 0x44, 0x43, 0x42, 0xc1, 0x97, 0x28, 0xae, 0xd3, 0x65, 0x03, 0xcf, 0xc8, 0x1a, 0x0f,
        0x53, 0x59, 0xe6, 0xf4, 0x72, 0xe1, 0x21, 0xf7, 0x7b, 0xf2, 0x0a, 0x2f, 0xaa, 0xc7, 0x99,
        0x41, 0x91, 0x29, 0x3c, 0x06, 0x23, 0xa1, 0xe8, 0x01, 0x00, 0x22, 0x8d, 0x54, 0xc6, 0xf6,
        0x26, 0x81, 0x69, 0x46, 0x9d, 0xb2, 0x60, 0x0e, 0x6b, 0xf5, 0x07, 0x02,
    ];
    const DCZ: &[u8] = &[
        0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00, 0xc1, 0x97, 0x28, 0xae, 0xd3, 0x65, 0x03,
        0xcf, 0xc8, 0x1a, 0x0f, 0x53, 0x59, 0xe6, 0xf4, 0x72, 0xe1, 0x21, 0xf7, 0x7b, 0xf2, 0x0a,
        0x2f, 0xaa, 0xc7, 0x99, 0x41, 0x91, 0x29, 0x3c, 0x06, 0x23, 0x28, 0xb5, 0x2f, 0xfd, 0x24,
        0x3e, 0x85, 0x00, 0x00, 0x28, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x03, 0x00, 0x42, 0x35, 0x88,
        0x6a, 0x03, 0x87, 0x4c, 0x2d, 0xcd, 0x1e, 0xde, 0x25,
    ];

    fn dictionary(bytes: &[u8], id: &str) -> Dictionary {
        use sha2::Digest as _;
        Dictionary {
            hash: sha2::Sha256::digest(bytes).into(),
            id: id.to_owned(),
            bytes: Bytes::copy_from_slice(bytes),
        }
    }

    /// The coded bytes as a body arriving in chunks of `n` bytes.
    fn chunked(data: &[u8], n: usize) -> Body {
        let chunks: Vec<Result<Bytes>> = data
            .chunks(n)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        Body::from_stream(futures_util::stream::iter(chunks))
    }

    async fn run(
        coded: &[u8],
        coding: DictionaryCoding,
        dict: Option<&Dictionary>,
        n: usize,
    ) -> Result<Bytes> {
        decode(
            chunked(coded, n),
            coding,
            dict,
            &Limits::default(),
            "https://a.test/x",
        )
        .bytes()
        .await
    }

    #[tokio::test]
    async fn decodes_chromiums_vectors_in_any_chunking() {
        let d = dictionary(DICT.as_bytes(), "");
        assert_eq!(hex::encode(d.hash), DICT_SHA256);
        for n in [1, 3, 36, 40, 1000] {
            let out = run(DCB, DictionaryCoding::Brotli, Some(&d), n)
                .await
                .expect("dcb");
            assert_eq!(out, DATA.as_bytes(), "dcb in chunks of {n}");
            let out = run(DCZ, DictionaryCoding::Zstd, Some(&d), n)
                .await
                .expect("dcz");
            assert_eq!(out, DATA.as_bytes(), "dcz in chunks of {n}");
        }
    }

    #[tokio::test]
    async fn the_body_only_decodes_with_its_dictionary() {
        // Same hash in the header but other bytes: the coded stream cannot be decoded into
        // the text (a wrong dictionary never yields the right bytes silently).
        let other = dictionary(b"HelloHallo...........", "");
        let e = run(DCZ, DictionaryCoding::Zstd, Some(&other), 64)
            .await
            .expect_err("other");
        assert_eq!(e.kind(), NetError::UnexpectedContentDictionaryHeader);
        let mut forged = other.clone();
        forged.hash = dictionary(DICT.as_bytes(), "").hash;
        match run(DCZ, DictionaryCoding::Zstd, Some(&forged), 64).await {
            Ok(out) => assert_ne!(out, DATA.as_bytes()),
            Err(e) => assert_eq!(e.kind(), NetError::ContentDecodingFailed),
        }
        match run(DCB, DictionaryCoding::Brotli, Some(&forged), 64).await {
            Ok(out) => assert_ne!(out, DATA.as_bytes()),
            Err(e) => assert_eq!(e.kind(), NetError::ContentDecodingFailed),
        }
    }

    #[tokio::test]
    async fn header_mismatches_fail_with_chromiums_errors() {
        let d = dictionary(DICT.as_bytes(), "");
        // dcz bytes announced as dcb: wrong magic.
        let e = run(DCZ, DictionaryCoding::Brotli, Some(&d), 7)
            .await
            .expect_err("magic");
        assert_eq!(e.kind(), NetError::UnexpectedContentDictionaryHeader);
        assert_eq!(
            e.kind().name(),
            "net::ERR_UNEXPECTED_CONTENT_DICTIONARY_HEADER"
        );
        // A body shorter than the header.
        let e = run(&DCB[..20], DictionaryCoding::Brotli, Some(&d), 7)
            .await
            .expect_err("short");
        assert_eq!(e.kind(), NetError::UnexpectedContentDictionaryHeader);
        // No dictionary advertised.
        let e = run(DCB, DictionaryCoding::Brotli, None, 7)
            .await
            .expect_err("none");
        assert_eq!(e.kind(), NetError::DictionaryLoadFailed);
        assert_eq!(e.kind().name(), "net::ERR_DICTIONARY_LOAD_FAILED");
        // A stream cut short after the header.
        let e = run(&DCB[..45], DictionaryCoding::Brotli, Some(&d), 7)
            .await
            .expect_err("cut");
        assert_eq!(e.kind(), NetError::ContentDecodingFailed);
    }

    #[test]
    fn advertises_as_chromium_does() {
        let mut h = HeaderMap::new();
        advertise(
            &mut h,
            &dictionary(DICT.as_bytes(), r#"test\dictionary"id"#),
        );
        assert_eq!(h["available-dictionary"], DICT_SF);
        assert_eq!(h["dictionary-id"], r#""test\\dictionary\"id""#);
        assert_eq!(h["accept-encoding"], "gzip, deflate, br, zstd, dcb, dcz");
        let mut h = HeaderMap::new();
        h.insert("accept-encoding", HeaderValue::from_static("br, dcz"));
        advertise(&mut h, &dictionary(b"x", ""));
        assert_eq!(h["accept-encoding"], "br, dcz, dcb");
        assert!(!h.contains_key("dictionary-id"));
    }

    #[test]
    fn only_a_sole_dcb_or_dcz_coding_is_decoded_with_the_dictionary() {
        let h = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert("content-encoding", HeaderValue::from_str(v).expect("hv"));
            h
        };
        assert_eq!(dictionary_coding(&h("dcb")), Some(DictionaryCoding::Brotli));
        assert_eq!(dictionary_coding(&h(" DCZ ")), Some(DictionaryCoding::Zstd));
        assert_eq!(dictionary_coding(&h("dcb, deflate")), None);
        assert_eq!(dictionary_coding(&h("br")), None);
        assert_eq!(dictionary_coding(&HeaderMap::new()), None);
    }
}
