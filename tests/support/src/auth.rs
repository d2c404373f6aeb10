//! The server side of HTTP authentication for the test site: Basic, Digest (RFC 7616, every
//! algorithm, nonces that go stale, nonce-count replay checks) and NTLM (a CHALLENGE message
//! issued, the NTLMv2 response of the AUTHENTICATE message verified against the password).
//!
//! NTLM is not bound to one connection on the site: it remembers the server challenges it
//! issued and accepts an AUTHENTICATE message that answers any of them. The test proxy keeps
//! an [`NtlmServer`] per connection instead, so a leg on another connection fails.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use hmac::{Hmac, Mac};
use md4::Md4;
use md5::Md5;
use sha2::{Digest as _, Sha256, Sha512_256};

/// Server-side authentication state shared by the site's listeners (and the test proxy).
#[derive(Default)]
pub struct AuthState {
    /// Digest nonces issued: nonce → (uses left before it goes stale, highest `nc` seen).
    nonces: Mutex<HashMap<String, (u32, u32)>>,
    /// NTLM server challenges issued.
    ntlm: Mutex<NtlmServer>,
}

/// The server side of NTLM over the challenges it issued (the site's, or one connection's).
#[derive(Default)]
pub struct NtlmServer {
    /// Server challenges issued, most recent last, at most 64.
    issued: Vec<[u8; 8]>,
}

/// A process-wide counter making every nonce and challenge distinct.
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// 32 hex characters nobody issued before.
fn fresh(tag: &str) -> String {
    let c = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    hex(&Sha256::digest(format!("{tag}{t}{c}").as_bytes()))[..32].to_string()
}

/// What the server expects.
#[derive(Clone, Debug)]
pub struct Expect<'a> {
    /// User name.
    pub user: &'a str,
    /// Password.
    pub pass: &'a str,
    /// Realm.
    pub realm: &'a str,
}

/// A verdict on a request's credentials header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted.
    Ok,
    /// Missing or wrong: challenge (again) with these header values.
    Challenge(Vec<String>),
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// `Digest`'s hash names → hex digest.
pub fn digest_hash(algorithm: &str, data: &str) -> Option<String> {
    let base = algorithm
        .trim_end_matches("-sess")
        .trim_end_matches("-SESS");
    Some(match base.to_ascii_uppercase().as_str() {
        "MD5" => hex(&Md5::digest(data.as_bytes())),
        "SHA-256" => hex(&Sha256::digest(data.as_bytes())),
        "SHA-512-256" => hex(&Sha512_256::digest(data.as_bytes())),
        _ => return None,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `name=value` pairs of a credentials header after its scheme (quoted strings unescaped).
pub fn params(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && matches!(b[i], b' ' | b',' | b'\t') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i] != b'=' {
            i += 1;
        }
        let name = s[start..i].trim().to_ascii_lowercase();
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                // Multi-byte UTF-8 is copied byte-wise through a char boundary check.
                let ch_len = s[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                value.push_str(&s[i..i + ch_len]);
                i += ch_len;
            }
            i += 1;
        } else {
            let start = i;
            while i < b.len() && b[i] != b',' {
                i += 1;
            }
            value = s[start..i.min(b.len())].trim().to_string();
        }
        if !name.is_empty() {
            out.insert(name, value);
        }
    }
    out
}

impl AuthState {
    /// Basic: `Authorization` must be `Basic base64(user:pass)` (UTF-8).
    pub fn basic(&self, authorization: Option<&str>, e: &Expect<'_>) -> Verdict {
        let want = format!("Basic {}", b64(format!("{}:{}", e.user, e.pass).as_bytes()));
        if authorization == Some(want.as_str()) {
            Verdict::Ok
        } else {
            Verdict::Challenge(vec![format!("Basic realm=\"{}\"", e.realm)])
        }
    }

    /// A fresh Digest challenge for `algorithm` whose nonce may be used `uses` times before
    /// it answers `stale=true`.
    pub fn digest_challenge(
        &self,
        e: &Expect<'_>,
        algorithm: &str,
        uses: u32,
        stale: bool,
        userhash: bool,
    ) -> String {
        let nonce = fresh("nonce");
        self.nonces
            .lock()
            .expect("nonces")
            .insert(nonce.clone(), (uses, 0));
        let mut c = format!(
            "Digest realm=\"{}\", qop=\"auth\", algorithm={algorithm}, nonce=\"{nonce}\", opaque=\"opaque-{}\"",
            e.realm,
            algorithm.to_ascii_lowercase()
        );
        if stale {
            c.push_str(", stale=true");
        }
        if userhash {
            c.push_str(", userhash=true");
        }
        c
    }

    /// Digest: the `Authorization` must answer a nonce this state issued, with the right
    /// response for `method`, a nonce count above any seen for that nonce, and one of
    /// `algorithms` (the first is offered when challenging). A right answer on a nonce past its
    /// uses is challenged with `stale=true`.
    pub fn digest(
        &self,
        authorization: Option<&str>,
        method: &str,
        e: &Expect<'_>,
        algorithms: &[&str],
        uses: u32,
        userhash: bool,
    ) -> Verdict {
        let challenge_all = |stale: bool| {
            Verdict::Challenge(
                algorithms
                    .iter()
                    .map(|a| self.digest_challenge(e, a, uses, stale, userhash))
                    .collect(),
            )
        };
        let Some(rest) = authorization.and_then(|a| a.strip_prefix("Digest ")) else {
            return challenge_all(false);
        };
        let p = params(rest);
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
        let algorithm = if get("algorithm").is_empty() {
            "MD5"
        } else {
            get("algorithm")
        };
        if !algorithms.iter().any(|a| a.eq_ignore_ascii_case(algorithm)) {
            return challenge_all(false);
        }
        let username_ok = if get("userhash") == "true" {
            digest_hash(algorithm, &format!("{}:{}", e.user, e.realm)).as_deref()
                == Some(get("username"))
        } else {
            !userhash && get("username") == e.user
        };
        let Some(mut ha1) = digest_hash(algorithm, &format!("{}:{}:{}", e.user, e.realm, e.pass))
        else {
            return challenge_all(false);
        };
        let nonce = get("nonce");
        if algorithm.to_ascii_lowercase().ends_with("-sess") {
            ha1 = digest_hash(algorithm, &format!("{ha1}:{nonce}:{}", get("cnonce")))
                .unwrap_or_default();
        }
        let ha2 = digest_hash(algorithm, &format!("{method}:{}", get("uri"))).unwrap_or_default();
        let expected = digest_hash(
            algorithm,
            &format!(
                "{ha1}:{nonce}:{}:{}:{}:{ha2}",
                get("nc"),
                get("cnonce"),
                get("qop")
            ),
        );
        let right =
            username_ok && get("realm") == e.realm && expected.as_deref() == Some(get("response"));
        let nc = u32::from_str_radix(get("nc"), 16).unwrap_or(0);
        let mut nonces = self.nonces.lock().expect("nonces");
        let Some((left, seen)) = nonces.get_mut(nonce) else {
            drop(nonces);
            return challenge_all(right);
        };
        if !right || nc <= *seen {
            drop(nonces);
            return challenge_all(false);
        }
        *seen = nc;
        if *left == 0 {
            drop(nonces);
            return challenge_all(true);
        }
        *left -= 1;
        Verdict::Ok
    }

    /// NTLM over the challenges the site issued (see [`NtlmServer::answer`]).
    pub fn ntlm(&self, authorization: Option<&str>, e: &Expect<'_>) -> Verdict {
        self.ntlm.lock().expect("ntlm").answer(authorization, e)
    }
}

impl NtlmServer {
    /// No header → `NTLM`; a NEGOTIATE message → a CHALLENGE message (its challenge
    /// remembered); an AUTHENTICATE message → checked against the challenges this server issued
    /// (NTLMv2 with `user`, `pass`, the domain from the message).
    pub fn answer(&mut self, authorization: Option<&str>, e: &Expect<'_>) -> Verdict {
        let again = || Verdict::Challenge(vec!["NTLM".to_string()]);
        let Some(token) = authorization.and_then(|a| a.strip_prefix("NTLM ")) else {
            return again();
        };
        let Ok(msg) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
            return again();
        };
        if msg.len() < 12 || &msg[..8] != b"NTLMSSP\0" {
            return again();
        }
        match u32::from_le_bytes(msg[8..12].try_into().expect("4 bytes")) {
            1 => {
                let mut challenge = [0u8; 8];
                challenge.copy_from_slice(&fresh("ntlm").as_bytes()[..8]);
                if self.issued.len() >= 64 {
                    self.issued.remove(0);
                }
                self.issued.push(challenge);
                Verdict::Challenge(vec![format!(
                    "NTLM {}",
                    b64(&challenge_message(&challenge))
                )])
            }
            3 => {
                let field = |at: usize| -> Option<&[u8]> {
                    let len = u16::from_le_bytes(msg.get(at..at + 2)?.try_into().ok()?) as usize;
                    let off =
                        u32::from_le_bytes(msg.get(at + 4..at + 8)?.try_into().ok()?) as usize;
                    msg.get(off..off.checked_add(len)?)
                };
                let (Some(nt), Some(domain), Some(user)) = (field(20), field(28), field(36)) else {
                    return again();
                };
                let utf16 = |b: &[u8]| {
                    String::from_utf16_lossy(
                        &b.chunks_exact(2)
                            .map(|c| u16::from_le_bytes([c[0], c[1]]))
                            .collect::<Vec<_>>(),
                    )
                };
                let (domain, user) = (utf16(domain), utf16(user));
                if user != e.user || nt.len() < 16 {
                    return again();
                }
                let nt_owf: [u8; 16] = Md4::digest(utf16le(e.pass)).into();
                let key = hmac_md5(
                    &nt_owf,
                    &[&utf16le(&format!("{}{domain}", user.to_uppercase()))],
                );
                let ok = self
                    .issued
                    .iter()
                    .any(|sc| hmac_md5(&key, &[sc, &nt[16..]])[..] == nt[..16]);
                if ok { Verdict::Ok } else { again() }
            }
            _ => again(),
        }
    }
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(key).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// A CHALLENGE message with target info (NetBIOS domain `TEST`, computer `SITE`, a timestamp).
fn challenge_message(server_challenge: &[u8; 8]) -> Vec<u8> {
    let av = |id: u16, v: &[u8]| {
        let mut o = id.to_le_bytes().to_vec();
        o.extend_from_slice(&(v.len() as u16).to_le_bytes());
        o.extend_from_slice(v);
        o
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let filetime = (now.as_secs() + 11_644_473_600) * 10_000_000;
    let mut ti = av(2, &utf16le("TEST"));
    ti.extend(av(1, &utf16le("SITE")));
    ti.extend(av(7, &filetime.to_le_bytes()));
    ti.extend(av(0, &[]));
    let flags: u32 = 0x0000_0001 | 0x0000_0200 | 0x0000_8000 | 0x0008_0000 | 0x0080_0000;
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&2u32.to_le_bytes());
    m.extend_from_slice(&[0, 0, 0, 0, 48, 0, 0, 0]);
    m.extend_from_slice(&flags.to_le_bytes());
    m.extend_from_slice(server_challenge);
    m.extend_from_slice(&[0; 8]);
    let len = ti.len() as u16;
    m.extend_from_slice(&len.to_le_bytes());
    m.extend_from_slice(&len.to_le_bytes());
    m.extend_from_slice(&48u32.to_le_bytes());
    m.extend_from_slice(&ti);
    m
}

/// `/auth/...` routes (see the crate docs' table).
pub(crate) async fn route(
    req: http::Request<hyper::body::Incoming>,
    rest: &[&str],
    query: &[(String, String)],
    state: &AuthState,
) -> Result<http::Response<crate::body::Body>, std::io::Error> {
    use http_body_util::BodyExt;
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let all = |name: &str| -> Vec<&str> {
        query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let authorization = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorization = authorization.as_deref();
    let method = req.method().as_str().to_owned();
    let kind = rest.first().copied().unwrap_or("");
    let realm_default = match kind {
        "digest" => "digest@test",
        "ntlm" => "",
        _ => "Foo",
    };
    let e = Expect {
        user: q("user").unwrap_or("user"),
        pass: q("pass").unwrap_or("pass"),
        realm: q("realm").unwrap_or(realm_default),
    };
    let uses = q("uses").and_then(|u| u.parse().ok()).unwrap_or(u32::MAX);
    let userhash = q("userhash") == Some("1");
    let verdict = match kind {
        "basic" => state.basic(authorization, &e),
        "digest" => {
            let algorithms: Vec<&str> = q("algorithm").unwrap_or("MD5").split(',').collect();
            state.digest(authorization, &method, &e, &algorithms, uses, userhash)
        }
        "ntlm" => state.ntlm(authorization, &e),
        "multi" => match state.basic(authorization, &e) {
            Verdict::Ok => Verdict::Ok,
            Verdict::Challenge(mut basic) => {
                match state.digest(authorization, &method, &e, &["MD5", "SHA-256"], uses, false) {
                    Verdict::Ok => Verdict::Ok,
                    Verdict::Challenge(digest) => {
                        basic.extend(digest);
                        Verdict::Challenge(basic)
                    }
                }
            }
        },
        "endless" => Verdict::Challenge(vec![format!("Basic realm=\"{}\"", e.realm)]),
        "raw" => Verdict::Challenge(all("h").into_iter().map(str::to_owned).collect()),
        _ => {
            return Ok(crate::site::response(
                404,
                crate::body::full("no such auth route"),
            ));
        }
    };
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let mut r = match verdict {
        Verdict::Ok => {
            let json = serde_json::json!({
                "user": e.user,
                "method": method,
                "authorization": authorization,
                "body": String::from_utf8_lossy(&body),
                "bodyLength": body.len(),
            });
            let mut r = crate::site::response(200, crate::body::full(json.to_string()));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            r
        }
        Verdict::Challenge(values) => {
            let mut r = crate::site::response(401, crate::body::full("unauthenticated"));
            for v in values {
                if let Ok(v) = http::HeaderValue::from_str(&v) {
                    r.headers_mut().append(http::header::WWW_AUTHENTICATE, v);
                }
            }
            r
        }
    };
    r.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_accepts_rfc7616_shaped_answers_and_counts_nonces() {
        let s = AuthState::default();
        let e = Expect {
            user: "Mufasa",
            pass: "Circle of Life",
            realm: "r",
        };
        let Verdict::Challenge(c) = s.digest(None, "GET", &e, &["SHA-256"], 5, false) else {
            panic!("challenge")
        };
        let p = params(c[0].strip_prefix("Digest ").expect("digest"));
        let nonce = &p["nonce"];
        let ha1 = digest_hash("SHA-256", "Mufasa:r:Circle of Life").expect("sha");
        let ha2 = digest_hash("SHA-256", "GET:/x").expect("sha");
        let answer = |nc: &str| {
            let resp =
                digest_hash("SHA-256", &format!("{ha1}:{nonce}:{nc}:c:auth:{ha2}")).expect("sha");
            format!(
                "Digest username=\"Mufasa\", realm=\"r\", nonce=\"{nonce}\", uri=\"/x\", algorithm=SHA-256, response=\"{resp}\", qop=auth, nc={nc}, cnonce=\"c\""
            )
        };
        assert_eq!(
            s.digest(Some(&answer("00000001")), "GET", &e, &["SHA-256"], 5, false),
            Verdict::Ok
        );
        // A replayed nonce count is refused.
        assert_ne!(
            s.digest(Some(&answer("00000001")), "GET", &e, &["SHA-256"], 5, false),
            Verdict::Ok
        );
        assert_eq!(
            s.digest(Some(&answer("00000002")), "GET", &e, &["SHA-256"], 5, false),
            Verdict::Ok
        );
    }

    #[test]
    fn params_unescape() {
        let p = params(r#"username="a\"b", nc=00000001, realm="J\u{e4}""#);
        assert_eq!(p["username"], "a\"b");
        assert_eq!(p["nc"], "00000001");
    }
}
