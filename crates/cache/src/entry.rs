//! A stored response's head ("metadata"): what the cache keeps besides the body, and its
//! binary encoding for the disk store.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};

/// Version 2 adds the HTTP version and the [`WireForm`]; version 1 files still read.
const MAGIC: &[u8; 8] = b"SCACHE02";
const MAGIC_V1: &[u8; 8] = b"SCACHE01";

/// How a response looked on the wire beyond its header map: the reason phrase and the spelling
/// of its header names. The cache keeps it with the entry, so that a response served from the
/// cache looks as it did from the network. A pipeline puts it in the network response's
/// extensions before [`crate::Cache::complete`]; stored responses carry it in theirs.
///
/// ```
/// use http::HeaderMap;
/// use session_cache::WireForm;
///
/// let form = WireForm { reason: "Okay".into(), header_names: vec!["X-Request-ID".into()] };
/// assert_eq!(form.spelling("x-request-id"), "X-Request-ID");
/// assert_eq!(form.spelling("content-type"), "content-type");
/// let mut headers = HeaderMap::new();
/// headers.insert("x-request-id", "7".parse().unwrap());
/// assert_eq!(form.pairs(&headers), [("X-Request-ID".to_owned(), "7".to_owned())]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireForm {
    /// The reason phrase as received (`""` for HTTP/2, which has none).
    pub reason: String,
    /// The names whose spelling is not all lower-case, as the server spelled them (once each).
    pub header_names: Vec<String>,
}

impl WireForm {
    /// The spelling of `name` as received, or `name` itself.
    ///
    /// Example: see [`WireForm`].
    pub fn spelling<'a>(&'a self, name: &'a str) -> &'a str {
        self.header_names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(name))
            .map_or(name, String::as_str)
    }

    /// `headers` as raw `(name, value)` pairs with the names spelled as received.
    ///
    /// Example: see [`WireForm`].
    pub fn pairs(&self, headers: &HeaderMap) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| {
                (
                    self.spelling(n.as_str()).to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }
}

fn version_code(v: Version) -> u8 {
    match v {
        Version::HTTP_09 => 9,
        Version::HTTP_10 => 10,
        Version::HTTP_2 => 20,
        Version::HTTP_3 => 30,
        _ => 11,
    }
}

fn version_of(code: u8) -> Version {
    match code {
        9 => Version::HTTP_09,
        10 => Version::HTTP_10,
        20 => Version::HTTP_2,
        30 => Version::HTTP_3,
        _ => Version::HTTP_11,
    }
}

/// Everything the cache stores about a response except its body.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    /// The cache key (partition and URL).
    pub(crate) key: String,
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    /// Reason phrase and header spellings, when the pipeline gave them.
    pub(crate) form: Option<Arc<WireForm>>,
    pub(crate) headers: HeaderMap,
    /// The request header values the response's `Vary` selects.
    pub(crate) vary: Vec<(HeaderName, Option<String>)>,
    pub(crate) request_time: SystemTime,
    pub(crate) response_time: SystemTime,
    pub(crate) body_len: u64,
    /// The disk store's body file name (empty for the memory store).
    pub(crate) body_file: String,
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// FNV-1a, 64 bit: detects torn or damaged metadata files.
pub(crate) fn checksum(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Head {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.headers.len() * 48);
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, self.key.as_bytes());
        out.extend_from_slice(&self.status.as_u16().to_le_bytes());
        out.extend_from_slice(&millis(self.request_time).to_le_bytes());
        out.extend_from_slice(&millis(self.response_time).to_le_bytes());
        out.extend_from_slice(&self.body_len.to_le_bytes());
        put_bytes(&mut out, self.body_file.as_bytes());
        out.extend_from_slice(&(self.headers.len() as u32).to_le_bytes());
        for (name, value) in &self.headers {
            put_bytes(&mut out, name.as_str().as_bytes());
            put_bytes(&mut out, value.as_bytes());
        }
        out.extend_from_slice(&(self.vary.len() as u32).to_le_bytes());
        for (name, value) in &self.vary {
            put_bytes(&mut out, name.as_str().as_bytes());
            match value {
                Some(v) => {
                    out.push(1);
                    put_bytes(&mut out, v.as_bytes());
                }
                None => out.push(0),
            }
        }
        out.push(version_code(self.version));
        match &self.form {
            Some(form) => {
                out.push(1);
                put_bytes(&mut out, form.reason.as_bytes());
                out.extend_from_slice(&(form.header_names.len() as u32).to_le_bytes());
                for n in &form.header_names {
                    put_bytes(&mut out, n.as_bytes());
                }
            }
            None => out.push(0),
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// The length of [`Head::encode`]'s output, without encoding.
    pub(crate) fn encoded_len(&self) -> usize {
        let bytes = |n: usize| 4 + n;
        let mut n =
            MAGIC.len() + bytes(self.key.len()) + 2 + 8 + 8 + 8 + bytes(self.body_file.len());
        n += 4 + self
            .headers
            .iter()
            .map(|(k, v)| bytes(k.as_str().len()) + bytes(v.len()))
            .sum::<usize>();
        n += 4 + self
            .vary
            .iter()
            .map(|(k, v)| bytes(k.as_str().len()) + 1 + v.as_ref().map_or(0, |v| bytes(v.len())))
            .sum::<usize>();
        n += 1 + 1;
        if let Some(form) = &self.form {
            n += bytes(form.reason.len()) + 4;
            n += form
                .header_names
                .iter()
                .map(|h| bytes(h.len()))
                .sum::<usize>();
        }
        n + 8
    }

    /// Decodes [`Head::encode`]'s output; `None` when damaged.
    pub(crate) fn decode(b: &[u8]) -> Option<Head> {
        if b.len() < MAGIC.len() + 8 {
            return None;
        }
        let v2 = match &b[..8] {
            m if m == MAGIC => true,
            m if m == MAGIC_V1 => false,
            _ => return None,
        };
        let (body, sum) = b.split_at(b.len() - 8);
        if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
            return None;
        }
        let mut r = Reader(&body[8..]);
        let key = String::from_utf8(r.bytes()?.to_vec()).ok()?;
        let status = StatusCode::from_u16(r.u16()?).ok()?;
        let request_time = UNIX_EPOCH + Duration::from_millis(r.u64()?);
        let response_time = UNIX_EPOCH + Duration::from_millis(r.u64()?);
        let body_len = r.u64()?;
        let body_file = String::from_utf8(r.bytes()?.to_vec()).ok()?;
        let n = r.u32()?;
        // Capacities come from the file: capped, so a damaged count cannot ask for gigabytes (or
        // more than `HeaderMap` allows, which panics).
        let mut headers = HeaderMap::with_capacity((n as usize).min(256));
        for _ in 0..n {
            let name = HeaderName::from_bytes(r.bytes()?).ok()?;
            let value = HeaderValue::from_bytes(r.bytes()?).ok()?;
            headers.append(name, value);
        }
        let n = r.u32()?;
        let mut vary = Vec::with_capacity((n as usize).min(256));
        for _ in 0..n {
            let name = HeaderName::from_bytes(r.bytes()?).ok()?;
            let value = match r.u8()? {
                1 => Some(String::from_utf8(r.bytes()?.to_vec()).ok()?),
                _ => None,
            };
            vary.push((name, value));
        }
        let (version, form) = if v2 {
            let version = version_of(r.u8()?);
            let form = match r.u8()? {
                1 => {
                    let reason = String::from_utf8(r.bytes()?.to_vec()).ok()?;
                    let n = r.u32()?;
                    let mut header_names = Vec::with_capacity((n as usize).min(256));
                    for _ in 0..n {
                        header_names.push(String::from_utf8(r.bytes()?.to_vec()).ok()?);
                    }
                    Some(Arc::new(WireForm {
                        reason,
                        header_names,
                    }))
                }
                _ => None,
            };
            (version, form)
        } else {
            (Version::HTTP_11, None)
        };
        r.0.is_empty().then_some(Head {
            key,
            status,
            version,
            form,
            headers,
            vary,
            request_time,
            response_time,
            body_len,
            body_file,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let mut headers = HeaderMap::new();
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        headers.insert("etag", HeaderValue::from_static("\"x\""));
        let head = Head {
            key: "http://a.test/".into(),
            status: StatusCode::NOT_FOUND,
            version: Version::HTTP_2,
            form: Some(Arc::new(WireForm {
                reason: "Not Here".into(),
                header_names: vec!["ETag".into()],
            })),
            headers,
            vary: vec![
                (HeaderName::from_static("foo"), Some("1".into())),
                (HeaderName::from_static("bar"), None),
            ],
            request_time: UNIX_EPOCH + Duration::from_millis(1234),
            response_time: UNIX_EPOCH + Duration::from_millis(5678),
            body_len: 99,
            body_file: "f.body".into(),
        };
        let bytes = head.encode();
        assert_eq!(head.encoded_len(), bytes.len());
        let back = Head::decode(&bytes).unwrap();
        assert_eq!(back.key, head.key);
        assert_eq!(back.status, head.status);
        assert_eq!(back.version, Version::HTTP_2);
        assert_eq!(back.form, head.form);
        assert_eq!(
            back.form.as_ref().unwrap().pairs(&back.headers)[2],
            ("ETag".to_string(), "\"x\"".to_string())
        );
        assert_eq!(back.headers, head.headers);
        assert_eq!(back.vary, head.vary);
        assert_eq!(back.response_time, head.response_time);
        assert_eq!(back.body_len, 99);
        for cut in [0, 5, bytes.len() / 2, bytes.len() - 1] {
            assert!(Head::decode(&bytes[..cut]).is_none());
        }
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert!(Head::decode(&flipped).is_none());
    }

    /// A file whose checksum holds but whose counts are absurd (written by something else, or
    /// damaged before it was sealed) is refused, not a panic or a huge allocation.
    #[test]
    fn absurd_counts_are_refused() {
        let seal = |body: Vec<u8>| {
            let mut b = body;
            let sum = checksum(&b);
            b.extend_from_slice(&sum.to_le_bytes());
            b
        };
        let mut body = MAGIC.to_vec();
        put_bytes(&mut body, b"k");
        body.extend_from_slice(&200u16.to_le_bytes());
        body.extend_from_slice(&[0; 24]);
        put_bytes(&mut body, b"");
        // 4 billion headers (more than `HeaderMap` may hold), then nothing.
        let mut headers = body.clone();
        headers.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(Head::decode(&seal(headers)).is_none());
        // No headers, then 4 billion vary entries.
        let mut vary = body;
        vary.extend_from_slice(&0u32.to_le_bytes());
        vary.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(Head::decode(&seal(vary)).is_none());
    }
}
