//! Routes that serve shared compression dictionaries (RFC 9842): a bundle that declares itself
//! a dictionary and its next version, delta-coded as `dcz` or `dcb` against it when the request
//! advertises it.
//!
//! - `/dictionary/v1.js`: [`bundle_v1`] with `Use-As-Dictionary: match="/dictionary/*.js",
//!   id="bundle-v1"` and an hour of freshness (`?coding=br`: sent brotli-coded).
//! - `/dictionary/v2.js`: [`bundle_v2`]; when `Available-Dictionary` names v1 it comes as
//!   `dcz` (zstd with v1 as raw prefix), or `dcb` with `?coding=dcb`, with
//!   `Vary: available-dictionary, accept-encoding`; `?coding=badhash` sends `dcz` whose header
//!   names another dictionary; `?coding=zstd` and `?coding=br` send plain zstd / brotli (for
//!   comparisons). Otherwise plain.

use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use sha2::Digest as _;

use crate::body::{self, Body};
use crate::site::response;

/// The first version of the bundle: about 1 MiB of JavaScript-like text (fixed content).
pub fn bundle_v1() -> &'static [u8] {
    static V1: OnceLock<Vec<u8>> = OnceLock::new();
    V1.get_or_init(|| bundle(1))
}

/// The next version: the same bundle with a few percent of it changed.
pub fn bundle_v2() -> &'static [u8] {
    static V2: OnceLock<Vec<u8>> = OnceLock::new();
    V2.get_or_init(|| bundle(2))
}

fn bundle(version: u32) -> Vec<u8> {
    let mut out = String::with_capacity(1 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut i = 0u32;
    while out.len() < (1 << 20) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Every 25th function changes between versions.
        let changed = version > 1 && i % 25 == 7;
        out.push_str(&format!(
            "export function component{i}(props) {{\n  const value = props.items.map((item) => item.id * {}).filter(Boolean);\n  return render(\"component-{i}\", value, {{ key: {} }});\n}}\n",
            x % 97 + u64::from(changed),
            if changed { x % 1009 + 1 } else { x % 1009 },
        ));
        i += 1;
    }
    out.into_bytes()
}

/// `:base64(sha256(bytes)):`, as `Available-Dictionary` carries it.
pub fn available_dictionary(bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        ":{}:",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
    )
}

/// `data` as `dcz` against `dictionary`: the 8-byte magic, the dictionary's SHA-256, then a
/// zstd frame that uses the dictionary as a raw prefix.
pub fn dcz(data: &[u8], dictionary: &[u8]) -> Vec<u8> {
    let mut out = vec![0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00];
    out.extend_from_slice(&sha2::Sha256::digest(dictionary));
    let mut encoder = zstd::stream::write::Encoder::with_ref_prefix(&mut out, 3, dictionary)
        .expect("zstd encoder");
    std::io::Write::write_all(&mut encoder, data).expect("zstd");
    encoder.finish().expect("zstd");
    out
}

/// `data` as `dcb` against `dictionary`: the 4-byte magic, the dictionary's SHA-256, then a
/// brotli stream primed with the dictionary.
pub fn dcb(data: &[u8], dictionary: &[u8]) -> Vec<u8> {
    let mut out = vec![0xff, 0x44, 0x43, 0x42];
    out.extend_from_slice(&sha2::Sha256::digest(dictionary));
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 22,
        ..Default::default()
    };
    let mut reader = data;
    let mut input = brotli::IoReaderWrapper(&mut reader);
    let mut output = brotli::IoWriterWrapper(&mut out);
    let (mut ib, mut ob) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    brotli::BrotliCompressCustomIoCustomDict(
        &mut input,
        &mut output,
        &mut ib,
        &mut ob,
        &params,
        brotli::enc::StandardAlloc::default(),
        &mut |_, _, _, _| (),
        dictionary,
        std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
    )
    .expect("brotli");
    out
}

/// `data` as plain zstd at level 3 (no dictionary), as the dcz route's own level.
pub fn zstd_plain(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("zstd")
}

/// `data` as plain brotli at `quality` (no dictionary).
pub fn br_plain(data: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = brotli::CompressorWriter::new(&mut out, 1 << 16, quality, 22);
    std::io::Write::write_all(&mut w, data).expect("brotli");
    drop(w);
    out
}

pub(crate) fn route<B>(req: &Request<B>, name: &str, coding: Option<&str>) -> Response<Body> {
    match name {
        "v1.js" => {
            // `?coding=br`: the dictionary itself arrives brotli-coded, as servers send it.
            let br = coding == Some("br");
            let bytes = if br {
                Bytes::from(br_plain(bundle_v1(), 5))
            } else {
                Bytes::from_static(bundle_v1())
            };
            let mut r = response(200, body::full(bytes));
            let h = r.headers_mut();
            if br {
                h.insert("content-encoding", HeaderValue::from_static("br"));
            }
            h.insert(
                "use-as-dictionary",
                HeaderValue::from_static(r#"match="/dictionary/*.js", id="bundle-v1""#),
            );
            h.insert("cache-control", HeaderValue::from_static("max-age=3600"));
            h.insert("content-type", HeaderValue::from_static("text/javascript"));
            r
        }
        "v2.js" => {
            let advertised = req
                .headers()
                .get("available-dictionary")
                .and_then(|v| v.to_str().ok());
            let accepts = |c: &str| {
                req.headers()
                    .get("accept-encoding")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.split(',').any(|t| t.trim() == c))
            };
            let matches = advertised == Some(available_dictionary(bundle_v1()).as_str());
            // Coded once, then served from memory, as a server serves precomputed deltas (and
            // so a benchmark times the client, not this server's compressor).
            static CODED: [OnceLock<Bytes>; 5] = [const { OnceLock::new() }; 5];
            let coded =
                |i: usize, code: fn() -> Vec<u8>| CODED[i].get_or_init(|| code().into()).clone();
            let (bytes, encoding) = match coding {
                Some("dcb") if matches && accepts("dcb") => {
                    (coded(0, || dcb(bundle_v2(), bundle_v1())), Some("dcb"))
                }
                Some("badhash") if matches && accepts("dcz") => (
                    coded(1, || dcz(bundle_v2(), b"some other dictionary")),
                    Some("dcz"),
                ),
                Some("zstd") => (coded(2, || zstd_plain(bundle_v2())), Some("zstd")),
                Some("br") => (coded(3, || br_plain(bundle_v2(), 5)), Some("br")),
                _ if matches && accepts("dcz") => {
                    (coded(4, || dcz(bundle_v2(), bundle_v1())), Some("dcz"))
                }
                _ => (Bytes::from_static(bundle_v2()), None),
            };
            let mut r = response(200, body::full(bytes));
            let h = r.headers_mut();
            if let Some(e) = encoding {
                h.insert("content-encoding", HeaderValue::from_static(e));
            }
            h.insert(
                "vary",
                HeaderValue::from_static("available-dictionary, accept-encoding"),
            );
            h.insert("content-type", HeaderValue::from_static("text/javascript"));
            r
        }
        _ => response(404, body::full("no such dictionary resource")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_differ_by_a_few_percent() {
        let (a, b) = (bundle_v1(), bundle_v2());
        assert!(a.len() >= 1 << 20 && b.len() >= 1 << 20);
        let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
        assert!(same < a.len().min(b.len()), "they differ");
        let delta = dcz(b, a);
        assert!(
            delta.len() * 10 < b.len() / 10,
            "dcz is small: {}",
            delta.len()
        );
    }
}
