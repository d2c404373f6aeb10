//! Response bodies: the deterministic byte pattern, streamed entities and helpers.

use bytes::Bytes;
use futures_util::stream::{self, StreamExt as _};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use std::io;
use std::sync::OnceLock;
use std::time::Duration;

/// The body type every route answers with.
pub(crate) type Body = BoxBody<Bytes, io::Error>;

/// The text `/encoded/*` serves (before encoding).
pub const ENCODED_TEXT: &str =
    "hello, encoded world! the quick brown fox jumps over the lazy dog.\n";

/// Period of the byte pattern: a prime, so no chunk size lines up with it.
const PERIOD: usize = 65_521;

/// Two periods of pseudo-random bytes, so any window of up to one period is one slice.
fn pattern_table() -> &'static Bytes {
    static TABLE: OnceLock<Bytes> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut state: u32 = 0x9E37_79B9;
        let mut one = Vec::with_capacity(PERIOD);
        for _ in 0..PERIOD {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            one.push((state >> 24) as u8);
        }
        let mut two = one.clone();
        two.extend_from_slice(&one);
        Bytes::from(two)
    })
}

fn pattern_start(seed: u64, offset: u64) -> usize {
    ((offset + seed.wrapping_mul(7919)) % PERIOD as u64) as usize
}

/// Bytes `offset..offset+len` of the deterministic entity `/bytes/N?seed=S` serves.
///
/// Tests compare downloads against this (or hash it) without holding a copy of the file.
pub fn pattern_bytes(seed: u64, offset: u64, len: usize) -> Vec<u8> {
    let table = pattern_table();
    let mut out = Vec::with_capacity(len);
    let mut pos = offset;
    while out.len() < len {
        let start = pattern_start(seed, pos);
        let take = (len - out.len()).min(PERIOD);
        out.extend_from_slice(&table[start..start + take]);
        pos += take as u64;
    }
    out
}

/// The content of an entity: generated on the fly, or held in memory.
#[derive(Clone, Debug)]
pub(crate) enum Content {
    Pattern { len: u64, seed: u64 },
    Stored(Bytes),
}

impl Content {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Content::Pattern { len, .. } => *len,
            Content::Stored(b) => b.len() as u64,
        }
    }

    /// Chunks covering `start..end`, zero-copy.
    fn chunk(&self, pos: u64, end: u64) -> Bytes {
        match self {
            Content::Pattern { seed, .. } => {
                let take = ((end - pos) as usize).min(PERIOD);
                let start = pattern_start(*seed, pos);
                pattern_table().slice(start..start + take)
            }
            Content::Stored(b) => {
                let take = ((end - pos) as usize).min(256 * 1024);
                b.slice(pos as usize..pos as usize + take)
            }
        }
    }
}

/// A body streaming `content[start..end]`; when `cut` is within the range the stream fails
/// at that entity offset, which drops the connection mid-body.
pub(crate) fn entity_body(content: Content, start: u64, end: u64, cut: Option<u64>) -> Body {
    let stop = cut.map_or(end, |c| c.clamp(start, end));
    let fail = cut.is_some_and(|c| c < end);
    let s = stream::unfold(
        (content, start, false),
        move |(content, pos, done)| async move {
            if done {
                return None;
            }
            if pos >= stop {
                if fail {
                    // Let the server flush what it has before the connection drops.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    return Some((
                        Err(io::Error::new(io::ErrorKind::ConnectionAborted, "cut")),
                        (content, pos, true),
                    ));
                }
                return None;
            }
            let chunk = content.chunk(pos, stop);
            let next = pos + chunk.len() as u64;
            Some((Ok(Frame::data(chunk)), (content, next, false)))
        },
    );
    BodyExt::boxed(StreamBody::new(s))
}

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// An empty body.
pub(crate) fn empty() -> Body {
    full(Bytes::new())
}

/// `bytes` then an error (the connection drops): a truncated body.
pub(crate) fn truncated(bytes: Bytes) -> Body {
    let s = stream::unfold(Some(bytes), |state| async move {
        match state {
            Some(bytes) => Some((Ok(Frame::data(bytes)), None)),
            None => {
                // Let the server flush what it has before the connection drops.
                tokio::time::sleep(Duration::from_millis(20)).await;
                Some((
                    Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "truncated",
                    )),
                    None,
                ))
            }
        }
    })
    .take(2);
    BodyExt::boxed(StreamBody::new(Box::pin(s)))
}

/// `total` bytes of `b'x'` in chunks of `chunk`, `delay` apart.
pub(crate) fn drip(total: usize, chunk: usize, delay: Duration) -> Body {
    let chunk = chunk.max(1);
    let s = stream::unfold(0usize, move |sent| async move {
        if sent >= total {
            return None;
        }
        if sent > 0 {
            tokio::time::sleep(delay).await;
        }
        let n = chunk.min(total - sent);
        Some((Ok(Frame::data(Bytes::from(vec![b'x'; n]))), sent + n))
    });
    BodyExt::boxed(StreamBody::new(Box::pin(s)))
}

/// A body that never yields.
pub(crate) fn pending() -> Body {
    BodyExt::boxed(StreamBody::new(stream::pending::<
        Result<Frame<Bytes>, io::Error>,
    >()))
}

/// `text` compressed with `encoding` (`gzip`, `deflate`, `br`, `zstd`, `identity`).
pub(crate) fn encode(encoding: &str, text: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    Some(match encoding {
        "identity" => text.to_vec(),
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(text).ok()?;
            e.finish().ok()?
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(text).ok()?;
            e.finish().ok()?
        }
        "br" => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                w.write_all(text).ok()?;
            }
            out
        }
        "zstd" => zstd::encode_all(text, 3).ok()?,
        _ => return None,
    })
}

/// gzip of `mib` MiB of zeros (a decompression bomb), generated once per size.
pub(crate) fn bomb(mib: usize) -> Bytes {
    bomb_in("gzip", mib)
}

/// `mib` MiB of zeros encoded with `coding` (`gzip`, `deflate`, `br`, `zstd`), made once per
/// coding and size.
pub(crate) fn bomb_in(coding: &'static str, mib: usize) -> Bytes {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<HashMap<(&'static str, usize), Bytes>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut guard = cache.lock().expect("bomb cache lock");
    guard
        .entry((coding, mib))
        .or_insert_with(|| {
            use std::io::Write;
            let zeros = vec![0u8; 1024 * 1024];
            let mut out = Vec::new();
            {
                let mut w: Box<dyn Write + '_> = match coding {
                    "deflate" => Box::new(flate2::write::ZlibEncoder::new(
                        &mut out,
                        flate2::Compression::best(),
                    )),
                    "br" => Box::new(brotli::CompressorWriter::new(&mut out, 4096, 5, 22)),
                    "zstd" => Box::new(
                        zstd::Encoder::new(&mut out, 3)
                            .expect("zstd encoder")
                            .auto_finish(),
                    ),
                    _ => Box::new(flate2::write::GzEncoder::new(
                        &mut out,
                        flate2::Compression::best(),
                    )),
                };
                for _ in 0..mib {
                    w.write_all(&zeros).expect("write to memory");
                }
                w.flush().expect("flush to memory");
            }
            Bytes::from(out)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_windows_agree_with_whole() {
        let whole = pattern_bytes(3, 0, 200_000);
        assert_eq!(pattern_bytes(3, 70_000, 1000), whole[70_000..71_000]);
        assert_ne!(pattern_bytes(4, 0, 1000), whole[..1000]);
    }
}
