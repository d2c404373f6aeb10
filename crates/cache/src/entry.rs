//! A stored response's head ("metadata"): what the cache keeps besides the body, and its
//! binary encoding for the disk store.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

const MAGIC: &[u8; 8] = b"SCACHE01";

/// Everything the cache stores about a response except its body.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    /// The cache key (partition and URL).
    pub(crate) key: String,
    pub(crate) status: StatusCode,
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
fn checksum(b: &[u8]) -> u64 {
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
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Decodes [`Head::encode`]'s output; `None` when damaged.
    pub(crate) fn decode(b: &[u8]) -> Option<Head> {
        if b.len() < MAGIC.len() + 8 || &b[..8] != MAGIC {
            return None;
        }
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
        let mut headers = HeaderMap::with_capacity(n as usize);
        for _ in 0..n {
            let name = HeaderName::from_bytes(r.bytes()?).ok()?;
            let value = HeaderValue::from_bytes(r.bytes()?).ok()?;
            headers.append(name, value);
        }
        let n = r.u32()?;
        let mut vary = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let name = HeaderName::from_bytes(r.bytes()?).ok()?;
            let value = match r.u8()? {
                1 => Some(String::from_utf8(r.bytes()?.to_vec()).ok()?),
                _ => None,
            };
            vary.push((name, value));
        }
        r.0.is_empty().then_some(Head {
            key,
            status,
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
        let back = Head::decode(&bytes).unwrap();
        assert_eq!(back.key, head.key);
        assert_eq!(back.status, head.status);
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
}
