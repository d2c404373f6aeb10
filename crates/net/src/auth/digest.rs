//! Digest (RFC 7616): MD5, SHA-256 and SHA-512/256 with their `-sess` variants, `qop=auth`,
//! `userhash`, nonce counting and `stale=true`.
//!
//! RFC 7616 §3.9.1's example, with MD5:
//!
//! ```
//! use session_net::auth::Credentials;
//! use session_net::auth::challenge::parse_line;
//! use session_net::auth::digest::{Algorithm, DigestChallenge, cnonce};
//!
//! let line = concat!(
//!     r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, "#,
//!     r#"nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "#,
//!     r#"opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
//! );
//! let challenge = &parse_line(line.as_bytes()).unwrap()[0];
//! let digest = DigestChallenge::from_challenge(challenge).unwrap();
//! assert_eq!((digest.algorithm, digest.qop_auth, digest.stale), (Algorithm::Md5, true, false));
//! let header = digest.authorization(
//!     &Credentials::new("Mufasa", "Circle of Life"),
//!     "GET",
//!     "/dir/index.html",
//!     1,
//!     "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
//! );
//! assert!(header.contains(r#"response="8ca523f5e9506fed4657c9700eebdbec""#), "{header}");
//! assert!(header.contains("nc=00000001"));
//!
//! assert_eq!(Algorithm::parse("sha-256"), Some(Algorithm::Sha256));
//! assert_eq!(Algorithm::Sha512_256Sess.name(), "SHA-512-256-sess");
//! assert!(Algorithm::Sha256.strength() > Algorithm::Md5Sess.strength());
//! assert_eq!(Algorithm::Md5.hash("abc"), "900150983cd24fb0d6963f7d28e17f72");
//! assert_eq!(cnonce().len(), 32); // 16 random bytes, hex
//! assert!(DigestChallenge::from_challenge(&parse_line(b"Digest realm=x").unwrap()[0]).is_err()); // no nonce
//! ```

use md5::Md5;
use sha2::{Digest as _, Sha256, Sha512_256};

use super::Credentials;
use super::challenge::Challenge;

/// A Digest hash algorithm (RFC 7616 §3.3 and the IANA registry).
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// `MD5` (also what no `algorithm` parameter means).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256`.
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

impl Algorithm {
    /// Parses the `algorithm` parameter (case-insensitive); `None` for one we do not speak.
    ///
    /// Example: see [the module's example](self).
    pub fn parse(name: &str) -> Option<Algorithm> {
        Some(match name.to_ascii_lowercase().as_str() {
            "md5" => Algorithm::Md5,
            "md5-sess" => Algorithm::Md5Sess,
            "sha-256" => Algorithm::Sha256,
            "sha-256-sess" => Algorithm::Sha256Sess,
            "sha-512-256" => Algorithm::Sha512_256,
            "sha-512-256-sess" => Algorithm::Sha512_256Sess,
            _ => return None,
        })
    }

    /// The name as sent back in `algorithm=`.
    ///
    /// Example: see [the module's example](self).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// Strength rank: a larger hash wins; a `-sess` variant ranks with its hash.
    ///
    /// Example: see [the module's example](self).
    pub fn strength(self) -> u8 {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => 3,
        }
    }

    fn is_sess(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// Lower-case hex of the hash of `data`.
    ///
    /// Example: see [the module's example](self).
    pub fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex::encode(Md5::digest(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => {
                hex::encode(Sha256::digest(data.as_bytes()))
            }
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => {
                hex::encode(Sha512_256::digest(data.as_bytes()))
            }
        }
    }
}

/// A Digest challenge we can answer.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestChallenge {
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `opaque`, echoed back.
    pub opaque: Option<String>,
    /// The algorithm (MD5 when absent).
    pub algorithm: Algorithm,
    /// Whether `qop` offered `auth` (else the RFC 2069 compatibility form).
    pub qop_auth: bool,
    /// `stale=true`: the nonce expired, the credentials were right.
    pub stale: bool,
    /// `userhash=true`: send the hashed user name.
    pub userhash: bool,
}

impl DigestChallenge {
    /// Reads a `Digest` challenge; `Err` names what makes it unusable.
    ///
    /// Example: see [the module's example](self).
    pub fn from_challenge(c: &Challenge) -> Result<DigestChallenge, String> {
        if c.scheme != "digest" {
            return Err(format!("'{}' is not a Digest challenge", c.scheme));
        }
        let nonce = c
            .param("nonce")
            .ok_or("a Digest challenge without a nonce")?
            .to_string();
        let algorithm = match c.param("algorithm") {
            None => Algorithm::Md5,
            Some(a) => Algorithm::parse(a)
                .ok_or_else(|| format!("Digest algorithm '{a}' is not supported"))?,
        };
        let qop_auth = match c.param("qop") {
            None => false,
            Some(q) => {
                if !q.split(',').any(|t| t.trim().eq_ignore_ascii_case("auth")) {
                    return Err(format!("Digest qop '{q}' does not offer 'auth'"));
                }
                true
            }
        };
        let flag = |name: &str| {
            c.param(name)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        Ok(DigestChallenge {
            realm: c.realm().to_string(),
            nonce,
            opaque: c.param("opaque").map(str::to_string),
            algorithm,
            qop_auth,
            stale: flag("stale"),
            userhash: flag("userhash"),
        })
    }

    /// The `Authorization` value for `method` on `uri` (the request target, path and query)
    /// with nonce count `nc` and client nonce `cnonce`.
    ///
    /// Example: see [the module's example](self).
    pub fn authorization(
        &self,
        credentials: &Credentials,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        let alg = self.algorithm;
        let mut ha1 = alg.hash(&format!(
            "{}:{}:{}",
            credentials.username, self.realm, credentials.password
        ));
        if alg.is_sess() {
            ha1 = alg.hash(&format!("{ha1}:{}:{cnonce}", self.nonce));
        }
        let ha2 = alg.hash(&format!("{method}:{uri}"));
        let nc_text = format!("{nc:08x}");
        let response = if self.qop_auth {
            alg.hash(&format!(
                "{ha1}:{}:{nc_text}:{cnonce}:auth:{ha2}",
                self.nonce
            ))
        } else {
            alg.hash(&format!("{ha1}:{}:{ha2}", self.nonce))
        };
        let username = if self.userhash {
            alg.hash(&format!("{}:{}", credentials.username, self.realm))
        } else {
            credentials.username.clone()
        };
        let mut out = format!(
            "Digest username={}, realm={}, nonce={}, uri={}, algorithm={}, response=\"{response}\"",
            quote(&username),
            quote(&self.realm),
            quote(&self.nonce),
            quote(uri),
            alg.name(),
        );
        if let Some(o) = &self.opaque {
            out.push_str(&format!(", opaque={}", quote(o)));
        }
        if self.qop_auth {
            out.push_str(&format!(", qop=auth, nc={nc_text}, cnonce=\"{cnonce}\""));
        }
        if self.userhash {
            out.push_str(", userhash=true");
        }
        out
    }
}

/// A quoted string with `"` and `\` escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A fresh client nonce: 16 random bytes, hex.
///
/// Example: see [the module's example](self).
pub fn cnonce() -> String {
    let mut b = [0u8; 16];
    super::random(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::super::challenge::parse_line;
    use super::*;

    fn creds(u: &str, p: &str) -> Credentials {
        Credentials::new(u, p)
    }

    fn challenge(line: &str) -> DigestChallenge {
        let c = parse_line(line.as_bytes()).expect("parses");
        DigestChallenge::from_challenge(&c[0]).expect("usable")
    }

    fn param(header: &str, name: &str) -> String {
        let c = parse_line(header.as_bytes()).expect("our own header parses");
        c[0].param(name).expect(name).to_string()
    }

    // RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
    const MUFASA: &str = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=ALG, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
    const MUFASA_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    #[test]
    fn rfc7616_3_9_1_md5_and_sha256() {
        for (alg, expected) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let ch = challenge(&MUFASA.replace("ALG", alg));
            let h = ch.authorization(
                &creds("Mufasa", "Circle of Life"),
                "GET",
                "/dir/index.html",
                1,
                MUFASA_CNONCE,
            );
            assert_eq!(param(&h, "response"), expected, "{alg}");
            assert_eq!(param(&h, "nc"), "00000001");
            assert_eq!(param(&h, "qop"), "auth");
            assert_eq!(
                param(&h, "opaque"),
                "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            );
            assert_eq!(param(&h, "username"), "Mufasa");
        }
    }

    #[test]
    fn rfc7616_3_9_2_sha512_256_userhash_errata_4897() {
        // The RFC's printed values were computed with a draft SHA-512/256; errata 4897
        // gives the values of the published function, which these are.
        let ch = challenge(
            r#"Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true"#,
        );
        assert!(ch.userhash);
        let h = ch.authorization(
            &creds("J\u{e4}s\u{f8}n Doe", "Secret, or not?"),
            "GET",
            "/doe.json",
            1,
            "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
        );
        assert_eq!(
            param(&h, "username"),
            "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
        );
        assert_eq!(
            param(&h, "response"),
            "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
        );
        assert!(h.ends_with("userhash=true"));
    }

    #[test]
    fn rfc2617_3_5_without_algorithm_is_md5() {
        // RFC 2617 §3.5's example (qop=auth, MD5 by default).
        let ch = challenge(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        );
        let h = ch.authorization(
            &creds("Mufasa", "Circle Of Life"),
            "GET",
            "/dir/index.html",
            1,
            "0a4f113b",
        );
        assert_eq!(param(&h, "response"), "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn sess_variants_hash_the_nonces_into_ha1() {
        let base = challenge(&MUFASA.replace("ALG", "SHA-256"));
        let sess = challenge(&MUFASA.replace("ALG", "SHA-256-sess"));
        let c = creds("Mufasa", "Circle of Life");
        let a = base.authorization(&c, "GET", "/", 1, "x");
        let b = sess.authorization(&c, "GET", "/", 1, "x");
        assert_ne!(param(&a, "response"), param(&b, "response"));
        // HA1 = H(H(user:realm:pass):nonce:cnonce), computed by hand.
        let alg = Algorithm::Sha256Sess;
        let ha1 = alg.hash(&format!(
            "{}:{}:x",
            alg.hash("Mufasa:http-auth@example.org:Circle of Life"),
            base.nonce
        ));
        let ha2 = alg.hash("GET:/");
        let expect = alg.hash(&format!("{ha1}:{}:00000001:x:auth:{ha2}", base.nonce));
        assert_eq!(param(&b, "response"), expect);
        assert_eq!(param(&b, "algorithm"), "SHA-256-sess");
    }

    #[test]
    fn unusable_challenges_say_why() {
        for (line, why) in [
            (r#"Digest realm="r""#, "without a nonce"),
            (
                r#"Digest realm="r", nonce="n", algorithm=SHA-1"#,
                "not supported",
            ),
            (
                r#"Digest realm="r", nonce="n", qop="auth-int""#,
                "does not offer",
            ),
        ] {
            let c = parse_line(line.as_bytes()).expect("parses");
            let e = DigestChallenge::from_challenge(&c[0]).expect_err(line);
            assert!(e.contains(why), "{e}");
        }
        let ch = challenge(r#"Digest realm="r", nonce="n", stale=TRUE, algorithm="md5-sess""#);
        assert!(ch.stale);
        assert_eq!(ch.algorithm, Algorithm::Md5Sess);
    }

    #[test]
    fn without_qop_the_rfc2069_form_and_quotes_escaped() {
        let ch = challenge(r#"Digest realm="a\"b", nonce="n""#);
        let h = ch.authorization(&creds("x\"y", "p"), "GET", "/", 1, "c");
        assert!(!h.contains("qop="), "{h}");
        assert!(!h.contains("nc="), "{h}");
        let c = parse_line(h.as_bytes()).expect("our header parses back");
        assert_eq!(c[0].param("username"), Some("x\"y"));
        assert_eq!(c[0].realm(), "a\"b");
        let ha1 = Algorithm::Md5.hash("x\"y:a\"b:p");
        let ha2 = Algorithm::Md5.hash("GET:/");
        assert_eq!(
            c[0].param("response"),
            Some(Algorithm::Md5.hash(&format!("{ha1}:n:{ha2}")).as_str())
        );
    }

    #[test]
    fn cnonces_differ() {
        assert_ne!(cnonce(), cnonce());
        assert_eq!(cnonce().len(), 32);
    }
}
