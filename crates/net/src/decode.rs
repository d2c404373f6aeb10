//! Stage 8: content decoding (`gzip`, `deflate`, `br`, `zstd`) with a decompression-ratio
//! limit against bombs.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use async_compression::tokio::bufread::{
    BrotliDecoder, DeflateDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder,
};
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http::HeaderMap;
use tokio::io::{AsyncBufRead, BufReader};
use tokio_util::io::{ReaderStream, StreamReader};

use crate::Limits;
use crate::body::Body;
use crate::error::{Error, NetError, Result};

/// A content coding this crate decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

/// The codings of `Content-Encoding`, in the order they were applied; `None` when a coding is
/// unknown (the body is then passed on as it is, as Chromium does).
pub(crate) fn codings(headers: &HeaderMap) -> Option<Vec<Coding>> {
    let mut out = Vec::new();
    for value in headers.get_all(http::header::CONTENT_ENCODING) {
        let value = value.to_str().ok()?;
        for token in value.split(',') {
            match token.trim().to_ascii_lowercase().as_str() {
                "" | "identity" => {}
                "gzip" | "x-gzip" => out.push(Coding::Gzip),
                "deflate" => out.push(Coding::Deflate),
                "br" => out.push(Coding::Brotli),
                "zstd" => out.push(Coding::Zstd),
                _ => return None,
            }
        }
    }
    Some(out)
}

/// An error carried through `std::io` by the decoders, recovered on the way out.
pub(crate) fn to_io(e: Error) -> std::io::Error {
    std::io::Error::other(e)
}

fn from_io(e: std::io::Error, url: &str) -> Error {
    match e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
        Some(inner) => inner.clone(),
        None => Error::with_source(
            NetError::ContentDecodingFailed,
            format!("the body of {url} does not decode"),
            e,
        ),
    }
}

pub(crate) type Reader = Pin<Box<dyn AsyncBufRead + Send>>;

/// Wraps `body` (content-encoded with `codings`) into a decoding body.
pub(crate) fn decode(body: Body, codings: &[Coding], limits: &Limits, url: &str) -> Body {
    if codings.is_empty() {
        return body;
    }
    let compressed = Arc::new(AtomicU64::new(0));
    let counter = compressed.clone();
    let input = body.inspect_ok(move |b| {
        counter.fetch_add(b.len() as u64, Ordering::Relaxed);
    });
    let mut reader: Reader = Box::pin(StreamReader::new(input.map_err(to_io)));
    for coding in codings.iter().rev() {
        reader = match coding {
            Coding::Gzip => Box::pin(BufReader::new(multi(GzipDecoder::new(reader)))),
            Coding::Deflate => Box::pin(BufReader::new(DeflateAuto::new(reader))),
            Coding::Brotli => Box::pin(BufReader::new(BrotliDecoder::new(reader))),
            Coding::Zstd => Box::pin(BufReader::new(multi_zstd(ZstdDecoder::new(reader)))),
        };
    }
    guarded(reader, compressed, limits, url)
}

/// The decoded body of `reader`, stopped with `net::ERR_CONTENT_DECODING_FAILED` once it
/// inflates past the ratio limit over the `compressed` byte count.
pub(crate) fn guarded(
    reader: Reader,
    compressed: Arc<AtomicU64>,
    limits: &Limits,
    url: &str,
) -> Body {
    let url: Arc<str> = url.into();
    Body::from_stream(Guard {
        inner: ReaderStream::with_capacity(reader, 32 * 1024),
        compressed,
        decoded: 0,
        ratio: limits.max_decompression_ratio,
        floor: limits.decompression_floor,
        url,
        failed: false,
    })
}

fn multi(mut d: GzipDecoder<Reader>) -> GzipDecoder<Reader> {
    d.multiple_members(true);
    d
}

fn multi_zstd(mut d: ZstdDecoder<Reader>) -> ZstdDecoder<Reader> {
    d.multiple_members(true);
    d
}

/// `deflate` as servers send it: zlib-wrapped (RFC 9110) or, often, raw deflate. The first
/// byte tells: a zlib header has compression method 8 in its low nibble and a valid check.
struct DeflateAuto {
    state: DeflateState,
}

enum DeflateState {
    Sniff(Option<Reader>),
    Zlib(ZlibDecoder<Reader>),
    Raw(DeflateDecoder<Reader>),
}

impl DeflateAuto {
    fn new(r: Reader) -> Self {
        DeflateAuto {
            state: DeflateState::Sniff(Some(r)),
        }
    }
}

impl tokio::io::AsyncRead for DeflateAuto {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            match &mut self.state {
                DeflateState::Sniff(r) => {
                    let Some(reader) = r.as_mut() else {
                        return Poll::Ready(Ok(()));
                    };
                    let head = match reader.as_mut().poll_fill_buf(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Ready(Ok(h)) => h,
                    };
                    let zlib = match head {
                        [] => return Poll::Ready(Ok(())),
                        [cmf, flg, ..] => {
                            cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
                        }
                        [cmf] => cmf & 0x0f == 8,
                    };
                    let Some(reader) = r.take() else {
                        return Poll::Ready(Ok(()));
                    };
                    self.state = if zlib {
                        DeflateState::Zlib(ZlibDecoder::new(reader))
                    } else {
                        DeflateState::Raw(DeflateDecoder::new(reader))
                    };
                }
                DeflateState::Zlib(d) => return Pin::new(d).poll_read(cx, buf),
                DeflateState::Raw(d) => return Pin::new(d).poll_read(cx, buf),
            }
        }
    }
}

/// Counts decoded bytes and stops a body that inflates past the ratio limit.
struct Guard<S> {
    inner: S,
    compressed: Arc<AtomicU64>,
    decoded: u64,
    ratio: u64,
    floor: u64,
    url: Arc<str>,
    failed: bool,
}

impl<S> Stream for Guard<S>
where
    S: Stream<Item = std::io::Result<Bytes>> + Unpin,
{
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.failed {
            return Poll::Ready(None);
        }
        match self.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(b))) => {
                self.decoded += b.len() as u64;
                let compressed = self.compressed.load(Ordering::Relaxed).max(1);
                if self.decoded > self.floor && self.decoded / compressed > self.ratio {
                    self.failed = true;
                    let msg = format!(
                        "the body of {} decodes to more than {} times its encoded size ({} bytes from {})",
                        self.url, self.ratio, self.decoded, compressed
                    );
                    return Poll::Ready(Some(Err(Error::new(
                        NetError::ContentDecodingFailed,
                        msg,
                    ))));
                }
                Poll::Ready(Some(Ok(b)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.failed = true;
                Poll::Ready(Some(Err(from_io(e, &self.url))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn limits() -> Limits {
        Limits::default()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("gzip");
        e.finish().expect("gzip")
    }

    fn headers(ce: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::CONTENT_ENCODING, ce.parse().expect("value"));
        h
    }

    async fn run(encoded: Vec<u8>, ce: &str, limits: &Limits) -> Result<Bytes> {
        let c = codings(&headers(ce)).expect("known");
        // Feed in small pieces to exercise the streaming path.
        let chunks: Vec<Result<Bytes>> = encoded
            .chunks(7)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        decode(
            Body::from_stream(futures_util::stream::iter(chunks)),
            &c,
            limits,
            "http://a.test/",
        )
        .bytes()
        .await
    }

    #[tokio::test]
    async fn every_coding_decodes() {
        let text = b"hello hello hello hello, decoded world".repeat(20);
        assert_eq!(
            &run(gzip(&text), "gzip", &limits()).await.expect("gzip")[..],
            &text[..]
        );

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).expect("zlib");
        assert_eq!(
            &run(z.finish().expect("zlib"), "deflate", &limits())
                .await
                .expect("zlib")[..],
            &text[..]
        );

        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&text).expect("raw");
        assert_eq!(
            &run(raw.finish().expect("raw"), "deflate", &limits())
                .await
                .expect("raw deflate")[..],
            &text[..]
        );

        let mut br = Vec::new();
        brotli::BrotliCompress(&mut &text[..], &mut br, &Default::default()).expect("br");
        assert_eq!(&run(br, "br", &limits()).await.expect("br")[..], &text[..]);

        let zs = zstd::encode_all(&text[..], 3).expect("zstd");
        assert_eq!(
            &run(zs, "zstd", &limits()).await.expect("zstd")[..],
            &text[..]
        );

        // Two codings, applied gzip first then br: decoded in reverse.
        let mut both = Vec::new();
        brotli::BrotliCompress(&mut &gzip(&text)[..], &mut both, &Default::default()).expect("br");
        assert_eq!(
            &run(both, "gzip, br", &limits()).await.expect("stacked")[..],
            &text[..]
        );
    }

    #[tokio::test]
    async fn corrupt_input_is_content_decoding_failed() {
        let err = run(b"definitely not gzip".to_vec(), "gzip", &limits())
            .await
            .expect_err("corrupt");
        assert_eq!(err.kind(), NetError::ContentDecodingFailed);
    }

    #[tokio::test]
    async fn bombs_stop_at_the_ratio() {
        let zeros = vec![0u8; 8 << 20];
        let lim = Limits {
            max_decompression_ratio: 100,
            decompression_floor: 1 << 20,
            ..Limits::default()
        };
        let err = run(gzip(&zeros), "gzip", &lim).await.expect_err("bomb");
        assert_eq!(err.kind(), NetError::ContentDecodingFailed);
        assert!(err.to_string().contains("100 times"), "{err}");
        // Under the floor, a highly compressible body is fine.
        let small = vec![0u8; 512 << 10];
        assert_eq!(
            run(gzip(&small), "gzip", &lim).await.expect("small").len(),
            small.len()
        );
    }

    #[test]
    fn unknown_codings_pass_through() {
        assert_eq!(codings(&headers("compress")), None);
        assert_eq!(codings(&headers("identity")), Some(vec![]));
        assert_eq!(codings(&HeaderMap::new()), Some(vec![]));
    }
}
