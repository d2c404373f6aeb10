//! The store's record format: all persisted cookies of one registrable domain in one blob.
//!
//! ```text
//! blob   = version:u8 (1) record*
//! record = flags:u8 same_site:u8 priority:u8 creation:i64 last_access:i64 [expires:i64]
//!          name value domain path [partition]        ; each a u32 length + UTF-8 bytes
//! flags  = bit 0 host-only, 1 Secure, 2 HttpOnly, 3 has expiry, 4 partitioned
//! ```
//! Integers are little-endian. One row per domain keeps reopening a large jar to one short scan.

use crate::cookie::{CanonicalCookie, Priority, SameSite};

const VERSION: u8 = 1;
const HOST_ONLY: u8 = 1;
const SECURE: u8 = 2;
const HTTP_ONLY: u8 = 4;
const EXPIRES: u8 = 8;
const PARTITIONED: u8 = 16;

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Encodes `cookies` as one blob.
pub(crate) fn encode<'a>(cookies: impl IntoIterator<Item = &'a CanonicalCookie>) -> Vec<u8> {
    let mut out = vec![VERSION];
    for c in cookies {
        let mut flags = 0;
        for (on, bit) in [
            (c.host_only, HOST_ONLY),
            (c.secure, SECURE),
            (c.http_only, HTTP_ONLY),
            (c.expires.is_some(), EXPIRES),
            (c.partition_key.is_some(), PARTITIONED),
        ] {
            if on {
                flags |= bit;
            }
        }
        out.push(flags);
        out.push((c.same_site.to_db() + 1) as u8);
        out.push(c.priority.to_db() as u8);
        out.extend_from_slice(&c.creation.to_le_bytes());
        out.extend_from_slice(&c.last_access.to_le_bytes());
        if let Some(e) = c.expires {
            out.extend_from_slice(&e.to_le_bytes());
        }
        put_str(&mut out, &c.name);
        put_str(&mut out, &c.value);
        put_str(&mut out, &c.domain);
        put_str(&mut out, &c.path);
        if let Some(p) = &c.partition_key {
            put_str(&mut out, p);
        }
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("record truncated at byte {}", self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn i64(&mut self) -> Result<i64, String> {
        let b = self.take(8)?;
        Ok(i64::from_le_bytes(b.try_into().expect("eight bytes")))
    }

    fn string(&mut self) -> Result<String, String> {
        let len = u32::from_le_bytes(self.take(4)?.try_into().expect("four bytes")) as usize;
        let at = self.pos;
        std::str::from_utf8(self.take(len)?)
            .map(str::to_owned)
            .map_err(|_| format!("invalid UTF-8 at byte {at}"))
    }
}

/// Decodes a blob written by [`encode`].
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<CanonicalCookie>, String> {
    let mut r = Reader { bytes, pos: 0 };
    let version = r.u8()?;
    if version != VERSION {
        return Err(format!("unknown record version {version}"));
    }
    let mut out = Vec::new();
    while r.pos < bytes.len() {
        let flags = r.u8()?;
        let same_site = SameSite::from_db(i64::from(r.u8()?) - 1);
        let priority = Priority::from_db(i64::from(r.u8()?));
        let creation = r.i64()?;
        let last_access = r.i64()?;
        let expires = if flags & EXPIRES != 0 {
            Some(r.i64()?)
        } else {
            None
        };
        let name = r.string()?;
        let value = r.string()?;
        let domain = r.string()?;
        let path = r.string()?;
        let partition_key = if flags & PARTITIONED != 0 {
            Some(r.string()?)
        } else {
            None
        };
        out.push(CanonicalCookie {
            name,
            value,
            domain,
            host_only: flags & HOST_ONLY != 0,
            path,
            creation,
            expires,
            last_access,
            secure: flags & SECURE != 0,
            http_only: flags & HTTP_ONLY != 0,
            same_site,
            priority,
            partition_key,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(name: &str, partition: Option<&str>, expires: Option<i64>) -> CanonicalCookie {
        CanonicalCookie {
            name: name.into(),
            value: "välue".into(),
            domain: "example.com".into(),
            host_only: partition.is_none(),
            path: "/a".into(),
            creation: 1,
            expires,
            last_access: -2,
            secure: true,
            http_only: expires.is_some(),
            same_site: SameSite::Strict,
            priority: Priority::High,
            partition_key: partition.map(str::to_owned),
        }
    }

    #[test]
    fn round_trip() {
        let cookies = vec![
            cookie("a", None, Some(i64::MAX)),
            cookie("", Some("https://top.test"), None),
            CanonicalCookie {
                same_site: SameSite::Unspecified,
                priority: Priority::Low,
                ..cookie("c", None, None)
            },
        ];
        let blob = encode(&cookies);
        assert_eq!(decode(&blob).expect("decodes"), cookies);
        assert_eq!(decode(&encode(&[])).expect("empty"), vec![]);
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let blob = encode(&[cookie("a", None, Some(5))]);
        assert!(decode(&[]).is_err(), "no version byte");
        // Any cut inside the record (after the version byte) is damage.
        for cut in 2..blob.len() {
            assert!(decode(&blob[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = blob.clone();
        bad[0] = 9;
        assert!(decode(&bad).is_err());
        let mut huge = blob;
        let at = 1 + 3 + 24;
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).is_err());
    }
}
