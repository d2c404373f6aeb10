//! One request's authentication decisions, as Chromium's `HttpAuthController`: which
//! identity to try next (the URL's, then the cache's, then the login handler's), when a
//! Digest nonce was only stale, when to stop.

use base64::Engine;

use super::cache::AuthCache;
use super::digest::{self, DigestChallenge};
use super::ntlm;
use super::{Challenge, Chosen, Credentials, Scheme, Target, basic_authorization, choose};

/// Most rounds of credentials sent for one request and target; a server that challenges
/// again after that gets `net::ERR_TOO_MANY_RETRIES`.
///
/// Example: see [the `auth` module's examples](crate::auth).
pub const MAX_ROUNDS: u8 = 3;

/// Where the identity being tried came from.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The request URL's user info (used once).
    Url,
    /// The auth cache, after a challenge.
    Cache,
    /// The auth cache, sent before any challenge.
    Preemptive,
    /// The login handler.
    Handler,
}

/// What the login handler should be asked.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ask {
    /// The scheme, lower case.
    pub scheme: String,
    /// The realm (empty for NTLM).
    pub realm: String,
}

/// What to do with a challenge.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Send the request again with this credentials header value.
    Retry(String),
    /// Ask the login handler; then [`AuthController::on_credentials`] or give up.
    Ask(Ask),
    /// No challenge we can answer: the 401/407 goes to the caller as it is.
    GiveUp,
    /// Stop with an error saying why (too many rounds, a broken NTLM handshake).
    Fail(String),
}

#[derive(Clone, Debug)]
struct Sent {
    identity: Credentials,
    source: Source,
    chosen: Chosen,
    ntlm_negotiate: bool,
}

/// The state of one request towards one target (the origin server or the proxy).
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug)]
pub struct AuthController {
    target: Target,
    origin: String,
    path: String,
    url_identity: Option<Credentials>,
    tried_cache: bool,
    rounds: u8,
    pending: Option<Chosen>,
    sent: Option<Sent>,
}

impl AuthController {
    /// A controller for a request to `origin` (`scheme://host:port` of the server or proxy)
    /// at `path`; `url_identity` is tried first, once (the URL's user info, or a proxy's
    /// credentials from the proxy rules).
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn new(
        target: Target,
        origin: &str,
        path: &str,
        url_identity: Option<Credentials>,
    ) -> Self {
        AuthController {
            target,
            origin: origin.to_string(),
            path: path.to_string(),
            url_identity,
            tried_cache: false,
            rounds: 0,
            pending: None,
            sent: None,
        }
    }

    /// Rounds of credentials sent so far.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn rounds(&self) -> u8 {
        self.rounds
    }

    /// Where the identity last sent came from.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn source(&self) -> Option<Source> {
        self.sent.as_ref().map(|s| s.source)
    }

    /// Whether an NTLM NEGOTIATE message was the last thing sent: the next challenge carries
    /// the server's CHALLENGE message, which only the connection that carried the NEGOTIATE
    /// may answer.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn awaits_ntlm_challenge(&self) -> bool {
        self.sent.as_ref().is_some_and(|s| s.ntlm_negotiate)
    }

    /// The credentials header to send before any challenge: a cached Basic or Digest identity
    /// whose protection space encloses the path (Digest with the next nonce count). NTLM is
    /// never preemptive (it is bound to a connection).
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn preempt(&mut self, cache: &mut AuthCache, method: &str, uri: &str) -> Option<String> {
        let e = cache.lookup_by_path(self.target, &self.origin, &self.path)?;
        let (header, chosen) = match e.scheme {
            Scheme::Basic => (
                basic_authorization(&e.credentials),
                Chosen::Basic {
                    realm: e.realm.clone(),
                },
            ),
            Scheme::Digest => {
                let d = e.digest.clone()?;
                let nc = e.next_nonce_count();
                (
                    d.authorization(&e.credentials, method, uri, nc, &digest::cnonce()),
                    Chosen::Digest(d),
                )
            }
            Scheme::Ntlm => return None,
        };
        self.sent = Some(Sent {
            identity: e.credentials.clone(),
            source: Source::Preemptive,
            chosen,
            ntlm_negotiate: false,
        });
        Some(header)
    }

    /// A 401 (or 407) arrived with these challenges. `ntlm_from_cache` says whether cached
    /// NTLM credentials may be used for this server without asking (the allow-list).
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn on_challenge(
        &mut self,
        challenges: &[Challenge],
        cache: &mut AuthCache,
        method: &str,
        uri: &str,
        ntlm_from_cache: bool,
    ) -> Next {
        let chosen = choose(challenges);
        // The second leg of NTLM: the server's CHALLENGE message.
        if let Some(sent) = self.sent.as_mut().filter(|s| s.ntlm_negotiate)
            && let Some(Chosen::Ntlm { token: Some(t) }) = &chosen
        {
            let message = match ntlm::parse_challenge_message(t) {
                Ok(m) => m,
                Err(e) => return Next::Fail(format!("{}: {e}", self.origin)),
            };
            let answer = ntlm::authenticate_message(
                &sent.identity,
                &message,
                "",
                &ntlm::client_challenge(),
                None,
            );
            sent.ntlm_negotiate = false;
            let token = base64::engine::general_purpose::STANDARD.encode(answer);
            return Next::Retry(format!("NTLM {token}"));
        }
        let Some(chosen) = chosen else {
            return Next::GiveUp;
        };
        if self.rounds >= MAX_ROUNDS {
            return Next::Fail(format!(
                "{} asked for credentials again after {MAX_ROUNDS} rounds",
                self.origin
            ));
        }
        if let Some(sent) = self.sent.take() {
            if let (Chosen::Digest(now), Chosen::Digest(before)) = (&chosen, &sent.chosen)
                && now.stale
                && now.realm == before.realm
            {
                // The nonce expired; the identity was right: again, without asking.
                return self.send(sent.identity, sent.source, chosen, cache, method, uri);
            }
            // Rejected: a cached copy of it goes (Chromium's InvalidateRejectedAuthFromCache).
            cache.remove(
                self.target,
                &self.origin,
                sent.chosen.realm(),
                sent.chosen.scheme(),
                &sent.identity,
            );
        }
        if let Chosen::Ntlm { token: Some(_) } = chosen {
            return Next::Fail(format!(
                "{} sent an NTLM challenge message before any negotiation",
                self.origin
            ));
        }
        if let Some(identity) = self.url_identity.take() {
            return self.send(identity, Source::Url, chosen, cache, method, uri);
        }
        if !self.tried_cache {
            self.tried_cache = true;
            let usable = chosen.scheme() != Scheme::Ntlm || ntlm_from_cache;
            if usable
                && let Some(e) =
                    cache.lookup(self.target, &self.origin, chosen.realm(), chosen.scheme())
            {
                let identity = e.credentials.clone();
                return self.send(identity, Source::Cache, chosen, cache, method, uri);
            }
        }
        let ask = Ask {
            scheme: chosen.scheme().name().to_string(),
            realm: chosen.realm().to_string(),
        };
        self.pending = Some(chosen);
        Next::Ask(ask)
    }

    /// The login handler answered the last [`Next::Ask`] with `credentials`.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn on_credentials(
        &mut self,
        credentials: Credentials,
        cache: &mut AuthCache,
        method: &str,
        uri: &str,
    ) -> Next {
        match self.pending.take() {
            Some(chosen) => self.send(credentials, Source::Handler, chosen, cache, method, uri),
            None => Next::Fail(format!(
                "no challenge of {} is waiting for credentials",
                self.origin
            )),
        }
    }

    /// Sends `identity` for `chosen`; it goes into the cache now (Chromium caches before the
    /// retry so that parallel requests see it, and removes it if it is rejected).
    fn send(
        &mut self,
        identity: Credentials,
        source: Source,
        chosen: Chosen,
        cache: &mut AuthCache,
        method: &str,
        uri: &str,
    ) -> Next {
        self.rounds += 1;
        let (header, digest, nc, ntlm_negotiate) = match &chosen {
            Chosen::Basic { .. } => (basic_authorization(&identity), None, 0, false),
            Chosen::Digest(d) => (
                d.authorization(&identity, method, uri, 1, &digest::cnonce()),
                Some(d.clone()),
                1,
                false,
            ),
            Chosen::Ntlm { .. } => {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(ntlm::negotiate_message());
                (format!("NTLM {token}"), None, 0, true)
            }
        };
        cache.add(
            self.target,
            &self.origin,
            chosen.realm(),
            chosen.scheme(),
            identity.clone(),
            &self.path,
            digest,
            nc,
        );
        self.sent = Some(Sent {
            identity,
            source,
            chosen,
            ntlm_negotiate,
        });
        Next::Retry(header)
    }

    /// The Digest challenge behind the last identity sent, if any (for tests and logs).
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn digest(&self) -> Option<&DigestChallenge> {
        match &self.sent.as_ref()?.chosen {
            Chosen::Digest(d) => Some(d),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::challenge::parse;
    use super::*;

    const O: &str = "http://a.test:80";

    fn ch(line: &str) -> Vec<Challenge> {
        parse([line.as_bytes()]).expect(line)
    }

    fn retry(n: Next) -> String {
        match n {
            Next::Retry(h) => h,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn handler_then_cache_then_preemptive() {
        // NET-08 in miniature.
        let mut cache = AuthCache::new();
        let mut c = AuthController::new(Target::Server, O, "/a/x", None);
        let basic = ch(r#"Basic realm="Foo""#);
        assert_eq!(
            c.on_challenge(&basic, &mut cache, "GET", "/a/x", false),
            Next::Ask(Ask {
                scheme: "basic".into(),
                realm: "Foo".into()
            })
        );
        let h = retry(c.on_credentials(Credentials::new("u", "p"), &mut cache, "GET", "/a/x"));
        assert_eq!(h, "Basic dTpw");
        // Another request in the same space: preemptive.
        let mut c2 = AuthController::new(Target::Server, O, "/a/y", None);
        assert_eq!(
            c2.preempt(&mut cache, "GET", "/a/y").as_deref(),
            Some("Basic dTpw")
        );
        // Outside it: a challenge, answered from the cache without asking.
        let mut c3 = AuthController::new(Target::Server, O, "/b", None);
        assert_eq!(c3.preempt(&mut cache, "GET", "/b"), None);
        assert_eq!(
            retry(c3.on_challenge(&basic, &mut cache, "GET", "/b", false)),
            "Basic dTpw"
        );
        assert_eq!(c3.source(), Some(Source::Cache));
    }

    #[test]
    fn url_identity_once_then_cached_and_rejected_ones_removed() {
        // CACHE-08: the URL's credentials are used on the challenge and cached.
        let mut cache = AuthCache::new();
        let basic = ch(r#"Basic realm="r""#);
        let mut c = AuthController::new(
            Target::Server,
            O,
            "/",
            Some(Credentials::new("test", "test")),
        );
        assert_eq!(
            c.preempt(&mut cache, "GET", "/"),
            None,
            "never sent before a challenge"
        );
        retry(c.on_challenge(&basic, &mut cache, "GET", "/", false));
        assert_eq!(c.source(), Some(Source::Url));
        assert_eq!(cache.len(), 1);
        // A second 401: the URL identity was wrong; it leaves the cache and the handler is asked.
        assert!(matches!(
            c.on_challenge(&basic, &mut cache, "GET", "/", false),
            Next::Ask(_)
        ));
        assert!(cache.is_empty());
    }

    #[test]
    fn stale_digest_retries_without_asking_and_rounds_are_bounded() {
        let mut cache = AuthCache::new();
        let mut c = AuthController::new(Target::Server, O, "/d", None);
        let first = ch(r#"Digest realm="r", nonce="n1", qop="auth""#);
        assert!(matches!(
            c.on_challenge(&first, &mut cache, "GET", "/d", false),
            Next::Ask(_)
        ));
        let h = retry(c.on_credentials(Credentials::new("u", "p"), &mut cache, "GET", "/d"));
        assert!(
            h.contains("nonce=\"n1\"") && h.contains("nc=00000001"),
            "{h}"
        );
        let stale = ch(r#"Digest realm="r", nonce="n2", qop="auth", stale=true"#);
        let h = retry(c.on_challenge(&stale, &mut cache, "GET", "/d", false));
        assert!(h.contains("nonce=\"n2\""), "{h}");
        let h = retry(c.on_challenge(&stale, &mut cache, "GET", "/d", false));
        assert!(h.contains("nonce=\"n2\""), "{h}");
        assert_eq!(c.rounds(), MAX_ROUNDS);
        // An endless server: the fourth challenge is an error, never a loop.
        assert!(matches!(
            c.on_challenge(&stale, &mut cache, "GET", "/d", false),
            Next::Fail(_)
        ));
        // Preemptive Digest counts on from the cached nonce.
        let mut c2 = AuthController::new(Target::Server, O, "/d2", None);
        let h = c2
            .preempt(&mut cache, "GET", "/d2")
            .expect("preemptive digest");
        assert!(
            h.contains("nonce=\"n2\"") && h.contains("nc=00000002"),
            "{h}"
        );
    }

    #[test]
    fn nothing_answerable_gives_up() {
        let mut cache = AuthCache::new();
        let mut c = AuthController::new(Target::Server, O, "/", None);
        assert_eq!(
            c.on_challenge(&ch("Negotiate"), &mut cache, "GET", "/", true),
            Next::GiveUp
        );
        assert_eq!(
            c.on_challenge(&[], &mut cache, "GET", "/", true),
            Next::GiveUp
        );
        assert!(matches!(
            c.on_credentials(Credentials::new("u", "p"), &mut cache, "GET", "/"),
            Next::Fail(_)
        ));
    }

    #[test]
    fn ntlm_handshake_and_the_allow_list() {
        let mut cache = AuthCache::new();
        let mut c = AuthController::new(Target::Server, O, "/n", None);
        let ntlm = ch("NTLM");
        assert!(matches!(
            c.on_challenge(&ntlm, &mut cache, "GET", "/n", false),
            Next::Ask(_)
        ));
        let h = retry(c.on_credentials(Credentials::new("D\\u", "p"), &mut cache, "GET", "/n"));
        let negotiate = base64::engine::general_purpose::STANDARD
            .decode(h.strip_prefix("NTLM ").expect("ntlm"))
            .expect("b64");
        assert_eq!(negotiate, ntlm::negotiate_message());
        assert!(c.awaits_ntlm_challenge());
        // The server's CHALLENGE message.
        let mut m = b"NTLMSSP\0".to_vec();
        m.extend_from_slice(&2u32.to_le_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&(ntlm::NEGOTIATE_FLAGS).to_le_bytes());
        m.extend_from_slice(&[7; 8]);
        m.extend_from_slice(&[0; 8]);
        let t = base64::engine::general_purpose::STANDARD.encode(&m);
        let h = retry(c.on_challenge(&ch(&format!("NTLM {t}")), &mut cache, "GET", "/n", false));
        let auth = base64::engine::general_purpose::STANDARD
            .decode(h.strip_prefix("NTLM ").expect("ntlm"))
            .expect("b64");
        assert_eq!(ntlm::field(&auth, 36), Some(ntlm::utf16le("u").as_slice()));
        assert_eq!(c.rounds(), 1, "the handshake's legs are one round");
        assert!(!c.awaits_ntlm_challenge());
        // A later request to a server off the allow-list asks again despite the cache...
        let mut c2 = AuthController::new(Target::Server, O, "/n", None);
        assert_eq!(
            c2.preempt(&mut cache, "GET", "/n"),
            None,
            "NTLM is never preemptive"
        );
        assert!(matches!(
            c2.on_challenge(&ntlm, &mut cache, "GET", "/n", false),
            Next::Ask(_)
        ));
        // ...and one on it uses the cached identity.
        let mut c3 = AuthController::new(Target::Server, O, "/n", None);
        retry(c3.on_challenge(&ntlm, &mut cache, "GET", "/n", true));
        assert_eq!(c3.source(), Some(Source::Cache));
        // A broken CHALLENGE message is an error naming the server.
        let bad = ch("NTLM TlRMTVNTUAACAAAA");
        match c3.on_challenge(&bad, &mut cache, "GET", "/n", true) {
            Next::Fail(e) => assert!(e.contains(O), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_proxy_identity_from_the_rules_goes_first() {
        let mut cache = AuthCache::new();
        let mut c = AuthController::new(
            Target::Proxy,
            "http://proxy.test:3128",
            "",
            Some(Credentials::new("x", "y")),
        );
        let basic = ch(r#"Basic realm="squid""#);
        assert_eq!(
            retry(c.on_challenge(&basic, &mut cache, "CONNECT", "a.test:443", true)),
            "Basic eDp5"
        );
        assert_eq!(c.source(), Some(Source::Url));
    }
}
