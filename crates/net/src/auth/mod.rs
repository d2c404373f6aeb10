//! HTTP authentication: `401` and `407` answered with Basic, Digest or NTLM credentials from
//! the URL, the session's auth cache or the login handler.
//!
//! The parts are plain data and functions, unit tested against the RFCs' and MS-NLMP's
//! published examples:
//!
//! - [`challenge`]: `WWW-Authenticate` / `Proxy-Authenticate` parsing (several challenges per
//!   line and across lines; malformed lines are an `Err` naming them, never a panic);
//! - [`choose`]: Chromium's scheme preference (NTLM, then Digest with the strongest algorithm,
//!   then Basic; Negotiate/Kerberos is not offered: there is no GSSAPI or SSPI here);
//! - [`basic_authorization`] (RFC 7617, UTF-8), [`digest`] (RFC 7616), [`ntlm`] (NTLMv2);
//! - [`AuthCache`]: per session, keyed by (origin or proxy, realm, scheme) with protection-space
//!   paths for preemptive sending;
//! - [`NtlmAllowList`]: the `allowNTLMCredentialsForDomains` list;
//! - [`AuthController`]: one request's decisions (which identity next, when to give up), for
//!   an origin's `401` or a proxy's `407` (NTLM included: the transport answers each leg on
//!   the connection that carried the previous one).
//!
//! ```
//! use session_net::auth::{AuthCache, AuthController, Credentials, Next, Target, challenge};
//!
//! let mut cache = AuthCache::new();
//! let mut ctl = AuthController::new(Target::Server, "http://a.test:80", "/private/x", None);
//! let challenges = challenge::parse([&b"Basic realm=\"Foo\""[..]]).unwrap();
//! let Next::Ask(ask) = ctl.on_challenge(&challenges, &mut cache, "GET", "/private/x", false) else {
//!     panic!("nothing cached: the login handler is asked");
//! };
//! assert_eq!((ask.scheme.as_str(), ask.realm.as_str()), ("basic", "Foo"));
//! let Next::Retry(header) = ctl.on_credentials(Credentials::new("user", "pass"), &mut cache, "GET", "/private/x") else {
//!     panic!("credentials are sent");
//! };
//! assert_eq!(header, "Basic dXNlcjpwYXNz");
//! // Later requests under /private/ send them preemptively.
//! let mut next = AuthController::new(Target::Server, "http://a.test:80", "/private/y", None);
//! assert_eq!(next.preempt(&mut cache, "GET", "/private/y").as_deref(), Some("Basic dXNlcjpwYXNz"));
//! ```
//!
//! The smaller pieces:
//!
//! ```
//! use session_net::auth::*;
//!
//! // Which challenge is answered: NTLM, then the strongest Digest, then Basic.
//! let line = br#"Basic realm="B", Digest realm="D", nonce="n", algorithm=SHA-256, Negotiate"#;
//! let challenges = challenge::parse([&line[..]]).unwrap();
//! assert_eq!((challenges[0].realm(), challenges[1].param("algorithm")), ("B", Some("SHA-256")));
//! let chosen = choose(&challenges).unwrap();
//! assert_eq!((chosen.scheme(), chosen.realm()), (Scheme::Digest, "D"));
//! assert_eq!(Scheme::Ntlm.name(), "ntlm");
//! assert!(challenge::parse_line(b"Basic realm=\"unterminated").is_err());
//!
//! let from_url = Credentials::from_url(&"https://ann:p%40ss@a.test/".parse().unwrap()).unwrap();
//! assert_eq!((from_url.username.as_str(), from_url.password.as_str()), ("ann", "p@ss"));
//! assert_eq!(basic_authorization(&Credentials::new("Aladdin", "open sesame")), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
//! assert_eq!(Target::Proxy.challenge_header(), http::header::PROXY_AUTHENTICATE);
//! assert_eq!(Target::Server.credentials_header(), http::header::AUTHORIZATION);
//!
//! // The cache, by protection space.
//! let mut cache = AuthCache::new();
//! assert!(cache.is_empty());
//! let mut ctl = AuthController::new(Target::Server, "http://a.test:80", "/docs/a", None);
//! assert_eq!((ctl.rounds(), ctl.source()), (0, None));
//! let basic = challenge::parse([&b"Basic realm=\"R\""[..]]).unwrap();
//! assert!(matches!(ctl.on_challenge(&basic, &mut cache, "GET", "/docs/a", false), Next::Ask(_)));
//! ctl.on_credentials(Credentials::new("u", "p"), &mut cache, "GET", "/docs/a");
//! assert!(!ctl.awaits_ntlm_challenge() && ctl.digest().is_none());
//! assert_eq!(cache.len(), 1);
//! assert_eq!(protection_space("/docs/a"), "/docs/");
//! let entry = cache.lookup(Target::Server, "http://a.test:80", "R", Scheme::Basic).unwrap();
//! assert_eq!(entry.paths, ["/docs/"]);
//! assert!(cache.lookup_by_path(Target::Server, "http://a.test:80", "/docs/b").is_some());
//! assert!(cache.lookup_by_path(Target::Server, "http://a.test:80", "/other").is_none());
//! assert!(cache.remove(Target::Server, "http://a.test:80", "R", Scheme::Basic, &Credentials::new("u", "p")));
//! let proxy = Credentials::new("proxy-user", "pw");
//! cache.add(Target::Proxy, "http://proxy.test:3128", "", Scheme::Basic, proxy, "", None, 0);
//! assert_eq!(cache.len(), 1);
//! cache.clear();
//! assert!(cache.is_empty());
//!
//! // `allowNTLMCredentialsForDomains`.
//! let allow = NtlmAllowList::parse("*corp.test, intranet");
//! assert!(allow.allows(&"http://www.corp.test/".parse().unwrap()));
//! assert!(!allow.allows(&"http://other.test/".parse().unwrap()));
//! ```

mod allowlist;
mod cache;
pub mod challenge;
mod controller;
pub mod digest;
mod login;
pub mod ntlm;
mod stage;

use std::fmt;

use base64::Engine;

pub use allowlist::NtlmAllowList;
pub use cache::{AuthCache, CacheEntry, protection_space};
pub use challenge::{Challenge, ChallengeError};
pub use controller::{Ask, AuthController, MAX_ROUNDS, Next, Source};
pub(crate) use login::{
    Auth, ProxyHandshake, is_unauthorized, origin_of, proxy_origin, request_target,
};
pub use login::{AuthAnswer, AuthRequest, LoginHandler};
pub(crate) use stage::{AuthStage, log_challenge, log_token};

use digest::DigestChallenge;

/// A user name and password. `Debug` does not show the password.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// User name (`DOMAIN\user` for NTLM).
    pub username: String,
    /// Password.
    pub password: String,
}

impl Credentials {
    /// Credentials from a user name and a password.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The percent-decoded user info of `url`, when it has a user name.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn from_url(url: &url::Url) -> Option<Credentials> {
        if url.username().is_empty() {
            return None;
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        Some(Credentials::new(
            decode(url.username()),
            decode(url.password().unwrap_or("")),
        ))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// Who challenged: the origin server (401) or a proxy (407).
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `401` + `WWW-Authenticate` / `Authorization`.
    Server,
    /// `407` + `Proxy-Authenticate` / `Proxy-Authorization`.
    Proxy,
}

impl Target {
    /// The challenge header's name.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn challenge_header(self) -> http::HeaderName {
        match self {
            Target::Server => http::header::WWW_AUTHENTICATE,
            Target::Proxy => http::header::PROXY_AUTHENTICATE,
        }
    }

    /// The credentials header's name.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn credentials_header(self) -> http::HeaderName {
        match self {
            Target::Server => http::header::AUTHORIZATION,
            Target::Proxy => http::header::PROXY_AUTHORIZATION,
        }
    }
}

/// A scheme we answer.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// RFC 7617.
    Basic,
    /// RFC 7616.
    Digest,
    /// MS-NLMP over HTTP.
    Ntlm,
}

impl Scheme {
    /// Lower-case name, as Electron's `authInfo.scheme`.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Basic => "basic",
            Scheme::Digest => "digest",
            Scheme::Ntlm => "ntlm",
        }
    }
}

/// The challenge picked from a response, ready to answer.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// Basic with its realm.
    Basic {
        /// `realm`.
        realm: String,
    },
    /// Digest.
    Digest(DigestChallenge),
    /// NTLM, with the server's CHALLENGE message when this is the handshake's second leg.
    Ntlm {
        /// The base64-decoded `token68`, if any.
        token: Option<Vec<u8>>,
    },
}

impl Chosen {
    /// The scheme.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn scheme(&self) -> Scheme {
        match self {
            Chosen::Basic { .. } => Scheme::Basic,
            Chosen::Digest(_) => Scheme::Digest,
            Chosen::Ntlm { .. } => Scheme::Ntlm,
        }
    }

    /// The realm (empty for NTLM).
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn realm(&self) -> &str {
        match self {
            Chosen::Basic { realm } => realm,
            Chosen::Digest(d) => &d.realm,
            Chosen::Ntlm { .. } => "",
        }
    }
}

/// Picks the challenge to answer as Chromium does: the scheme with the highest score (NTLM 3,
/// Digest 2, Basic 1; schemes we do not speak are skipped), among Digest challenges the
/// strongest algorithm, the first one on a tie. Unusable challenges (a Digest without nonce,
/// an unknown algorithm, an NTLM token that is not base64) are skipped.
///
/// Example: see [the `auth` module's examples](crate::auth).
pub fn choose(challenges: &[Challenge]) -> Option<Chosen> {
    let mut best: Option<((u8, u8), Chosen)> = None;
    for c in challenges {
        let candidate = match c.scheme.as_str() {
            "basic" if c.token68.is_none() => Chosen::Basic {
                realm: c.realm().to_string(),
            },
            "digest" => match DigestChallenge::from_challenge(c) {
                Ok(d) => Chosen::Digest(d),
                Err(_) => continue,
            },
            "ntlm" => match &c.token68 {
                None if c.params.is_empty() => Chosen::Ntlm { token: None },
                Some(t) => match base64::engine::general_purpose::STANDARD.decode(t) {
                    Ok(b) => Chosen::Ntlm { token: Some(b) },
                    Err(_) => continue,
                },
                None => continue,
            },
            _ => continue,
        };
        let score = match &candidate {
            Chosen::Basic { .. } => (1, 0),
            Chosen::Digest(d) => (2, d.algorithm.strength()),
            Chosen::Ntlm { .. } => (3, 0),
        };
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `Basic base64(user ":" pass)` with UTF-8 as the charset (RFC 7617 §2.1).
///
/// Example: see [the `auth` module's examples](crate::auth).
pub fn basic_authorization(credentials: &Credentials) -> String {
    let token = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", credentials.username, credentials.password));
    format!("Basic {token}")
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn random(buf: &mut [u8]) {
    // Without a random source there is no safe nonce; the OS always has one on our targets.
    getrandom::getrandom(buf).expect("the operating system's random source is readable");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(line: &str) -> Option<Chosen> {
        choose(&challenge::parse([line.as_bytes()]).expect(line))
    }

    #[test]
    fn scheme_preference() {
        let c = chosen(r#"Basic realm="b", Digest realm="d", nonce="n", NTLM"#).expect("one");
        assert_eq!(c.scheme(), Scheme::Ntlm);
        let c = chosen(r#"Basic realm="b", Digest realm="d", nonce="n""#).expect("one");
        assert_eq!(c.scheme(), Scheme::Digest);
        assert_eq!(c.realm(), "d");
        let c = chosen(r#"Negotiate, Bearer realm="x", Basic realm="b""#).expect("one");
        assert_eq!(c, Chosen::Basic { realm: "b".into() });
        assert_eq!(chosen("Negotiate, Bearer"), None);
    }

    #[test]
    fn strongest_digest_algorithm_wins() {
        let c = chosen(
            r#"Digest realm="r", nonce="1", algorithm=MD5, Digest realm="r", nonce="2", algorithm=SHA-256, Digest realm="r", nonce="3", algorithm=MD5-sess"#,
        )
        .expect("digest");
        let Chosen::Digest(d) = c else {
            panic!("digest")
        };
        assert_eq!(d.nonce, "2");
        // An algorithm we do not speak is skipped, not fatal.
        let c = chosen(r#"Digest realm="r", nonce="1", algorithm=SHA3, Basic realm="b""#);
        assert_eq!(c.map(|c| c.scheme()), Some(Scheme::Basic));
    }

    #[test]
    fn ntlm_token_is_decoded_and_bad_base64_skipped() {
        assert_eq!(
            chosen("NTLM TlRMTVNTUA=="),
            Some(Chosen::Ntlm {
                token: Some(b"NTLMSSP".to_vec())
            })
        );
        assert_eq!(chosen("NTLM abc"), None);
    }

    #[test]
    fn basic_is_utf8() {
        // RFC 7617 §2.1's example: "test" / "123£" with charset UTF-8.
        assert_eq!(
            basic_authorization(&Credentials::new("test", "123\u{a3}")),
            "Basic dGVzdDoxMjPCow=="
        );
        assert_eq!(
            basic_authorization(&Credentials::new("Aladdin", "open sesame")),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn url_credentials_are_percent_decoded_and_debug_hides_the_password() {
        let url = url::Url::parse("http://us%40er:p%3Ass@a.test/").expect("url");
        let c = Credentials::from_url(&url).expect("user info");
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("us@er", "p:ss")
        );
        assert!(!format!("{c:?}").contains("p:ss"));
        assert!(Credentials::from_url(&url::Url::parse("http://a.test/").expect("url")).is_none());
    }
}
