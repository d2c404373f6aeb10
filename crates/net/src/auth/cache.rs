//! The auth cache of one session: credentials per (origin or proxy, realm, scheme) with the
//! protection-space paths they were used under, as Chromium's `HttpAuthCache`.

use super::digest::DigestChallenge;
use super::{Credentials, Scheme, Target};

/// Most entries kept; the least recently used goes first.
const MAX_ENTRIES: usize = 64;
/// Most paths remembered per entry.
const MAX_PATHS: usize = 10;

/// One cached identity.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    /// Origin server or proxy.
    pub target: Target,
    /// `scheme://host:port` of the origin or the proxy.
    pub origin: String,
    /// The realm (empty for NTLM).
    pub realm: String,
    /// The scheme the credentials were used with.
    pub scheme: Scheme,
    /// The credentials.
    pub credentials: Credentials,
    /// Protection-space paths (directories ending in `/`); empty for proxies.
    pub paths: Vec<String>,
    /// The last Digest challenge, for preemptive Digest with the next nonce count.
    pub digest: Option<DigestChallenge>,
    /// Nonce count already used with `digest`'s nonce.
    pub nonce_count: u32,
}

impl CacheEntry {
    /// The next nonce count for `digest`'s nonce.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn next_nonce_count(&mut self) -> u32 {
        self.nonce_count = self.nonce_count.saturating_add(1);
        self.nonce_count
    }

    fn encloses(&self, path: &str) -> bool {
        self.paths.iter().any(|p| path.starts_with(p.as_str()))
    }

    fn longest_enclosing(&self, path: &str) -> usize {
        self.paths
            .iter()
            .filter(|p| path.starts_with(p.as_str()))
            .map(String::len)
            .max()
            .unwrap_or(0)
    }

    fn add_path(&mut self, dir: String) {
        if self.encloses(&dir) {
            return;
        }
        self.paths.retain(|p| !p.starts_with(dir.as_str()));
        if self.paths.len() >= MAX_PATHS {
            self.paths.remove(0);
        }
        self.paths.push(dir);
    }
}

/// The directory part of a request path: `/a/b.html` → `/a/`.
///
/// Example: see [the `auth` module's examples](crate::auth).
pub fn protection_space(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => path[..=i].to_string(),
        None => "/".to_string(),
    }
}

/// The cache (plain data: its owner holds it under a lock, nothing here does I/O).
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Debug, Default)]
pub struct AuthCache {
    /// Least recently used first.
    entries: Vec<CacheEntry>,
}

impl AuthCache {
    /// An empty cache.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn new() -> Self {
        AuthCache::default()
    }

    /// Number of entries.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets everything (`clearAuthCache`).
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn position(&self, target: Target, origin: &str, realm: &str, scheme: Scheme) -> Option<usize> {
        self.entries.iter().position(|e| {
            e.target == target && e.origin == origin && e.realm == realm && e.scheme == scheme
        })
    }

    fn touch(&mut self, i: usize) -> &mut CacheEntry {
        let e = self.entries.remove(i);
        self.entries.push(e);
        self.entries.last_mut().expect("just pushed")
    }

    /// Adds or replaces the credentials of (target, origin, realm, scheme) and records the
    /// protection space of `path` (ignored for proxies). A new Digest challenge restarts the
    /// nonce count.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        target: Target,
        origin: &str,
        realm: &str,
        scheme: Scheme,
        credentials: Credentials,
        path: &str,
        digest: Option<DigestChallenge>,
        nonce_count: u32,
    ) {
        let i = match self.position(target, origin, realm, scheme) {
            Some(i) => i,
            None => {
                if self.entries.len() >= MAX_ENTRIES {
                    self.entries.remove(0);
                }
                self.entries.push(CacheEntry {
                    target,
                    origin: origin.to_string(),
                    realm: realm.to_string(),
                    scheme,
                    credentials: credentials.clone(),
                    paths: Vec::new(),
                    digest: None,
                    nonce_count: 0,
                });
                self.entries.len() - 1
            }
        };
        let e = self.touch(i);
        e.credentials = credentials;
        if digest.is_some() {
            e.digest = digest;
            e.nonce_count = nonce_count;
        }
        if target == Target::Server {
            e.add_path(protection_space(path));
        }
    }

    /// The entry for exactly (target, origin, realm, scheme).
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn lookup(
        &mut self,
        target: Target,
        origin: &str,
        realm: &str,
        scheme: Scheme,
    ) -> Option<&mut CacheEntry> {
        let i = self.position(target, origin, realm, scheme)?;
        Some(self.touch(i))
    }

    /// The entry whose protection space encloses `path` most closely (for preemptive
    /// sending); for a proxy, its most recently used entry.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn lookup_by_path(
        &mut self,
        target: Target,
        origin: &str,
        path: &str,
    ) -> Option<&mut CacheEntry> {
        let mut best: Option<(usize, usize)> = None;
        for (i, e) in self.entries.iter().enumerate().rev() {
            if e.target != target || e.origin != origin {
                continue;
            }
            let len = match target {
                Target::Proxy => 1,
                Target::Server => e.longest_enclosing(path),
            };
            if len > 0 && best.is_none_or(|(_, l)| len > l) {
                best = Some((i, len));
            }
        }
        let (i, _) = best?;
        Some(self.touch(i))
    }

    /// Removes the entry when it still holds `credentials` (they were rejected); true when
    /// removed.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn remove(
        &mut self,
        target: Target,
        origin: &str,
        realm: &str,
        scheme: Scheme,
        credentials: &Credentials,
    ) -> bool {
        match self.position(target, origin, realm, scheme) {
            Some(i) if &self.entries[i].credentials == credentials => {
                self.entries.remove(i);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(u: &str) -> Credentials {
        Credentials::new(u, "pw")
    }

    #[test]
    fn protection_spaces() {
        assert_eq!(protection_space("/a/b/c.html"), "/a/b/");
        assert_eq!(protection_space("/"), "/");
        assert_eq!(protection_space("/x"), "/");
        assert_eq!(protection_space(""), "/");
    }

    #[test]
    fn preemptive_lookup_by_enclosing_path() {
        let mut cache = AuthCache::new();
        let o = "http://a.test:80";
        cache.add(
            Target::Server,
            o,
            "r1",
            Scheme::Basic,
            c("one"),
            "/docs/a.html",
            None,
            0,
        );
        cache.add(
            Target::Server,
            o,
            "r2",
            Scheme::Basic,
            c("two"),
            "/docs/private/x",
            None,
            0,
        );
        let hit = |cache: &mut AuthCache, p: &str| {
            cache
                .lookup_by_path(Target::Server, o, p)
                .map(|e| e.credentials.username.clone())
        };
        assert_eq!(hit(&mut cache, "/docs/b.html").as_deref(), Some("one"));
        assert_eq!(hit(&mut cache, "/docs/private/y/z").as_deref(), Some("two"));
        assert_eq!(hit(&mut cache, "/other"), None);
        assert_eq!(
            cache.lookup_by_path(Target::Server, "http://b.test:80", "/docs/b"),
            None
        );
        assert_eq!(cache.lookup_by_path(Target::Proxy, o, "/docs/b"), None);
        // A wider path replaces the narrower ones it encloses.
        cache.add(
            Target::Server,
            o,
            "r1",
            Scheme::Basic,
            c("one"),
            "/index.html",
            None,
            0,
        );
        let e = cache
            .lookup(Target::Server, o, "r1", Scheme::Basic)
            .expect("entry");
        assert_eq!(e.paths, ["/"]);
    }

    #[test]
    fn keyed_by_realm_and_scheme_and_removed_only_with_the_same_credentials() {
        let mut cache = AuthCache::new();
        let o = "https://a.test:443";
        cache.add(Target::Server, o, "r", Scheme::Basic, c("b"), "/", None, 0);
        cache.add(Target::Server, o, "r", Scheme::Digest, c("d"), "/", None, 0);
        assert_eq!(cache.len(), 2);
        assert!(!cache.remove(Target::Server, o, "r", Scheme::Basic, &c("other")));
        assert!(cache.remove(Target::Server, o, "r", Scheme::Basic, &c("b")));
        assert!(
            cache
                .lookup(Target::Server, o, "r", Scheme::Basic)
                .is_none()
        );
        assert!(
            cache
                .lookup(Target::Server, o, "r", Scheme::Digest)
                .is_some()
        );
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn digest_nonce_counts_and_eviction() {
        let mut cache = AuthCache::new();
        let o = "http://a.test:80";
        let ch = DigestChallenge {
            realm: "r".into(),
            nonce: "n1".into(),
            opaque: None,
            algorithm: super::super::digest::Algorithm::Md5,
            qop_auth: true,
            stale: false,
            userhash: false,
        };
        cache.add(
            Target::Server,
            o,
            "r",
            Scheme::Digest,
            c("d"),
            "/",
            Some(ch.clone()),
            1,
        );
        let e = cache
            .lookup_by_path(Target::Server, o, "/x")
            .expect("entry");
        assert_eq!(e.next_nonce_count(), 2);
        assert_eq!(e.next_nonce_count(), 3);
        let fresh = DigestChallenge {
            nonce: "n2".into(),
            ..ch
        };
        cache.add(
            Target::Server,
            o,
            "r",
            Scheme::Digest,
            c("d"),
            "/",
            Some(fresh),
            1,
        );
        let e = cache
            .lookup(Target::Server, o, "r", Scheme::Digest)
            .expect("entry");
        assert_eq!(e.next_nonce_count(), 2);
        for i in 0..MAX_ENTRIES + 5 {
            cache.add(
                Target::Server,
                &format!("http://h{i}.test:80"),
                "",
                Scheme::Basic,
                c("x"),
                "/",
                None,
                0,
            );
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        assert!(
            cache
                .lookup(Target::Server, o, "r", Scheme::Digest)
                .is_none()
        );
    }

    #[test]
    fn proxy_entries_have_no_paths() {
        let mut cache = AuthCache::new();
        let p = "http://proxy.test:3128";
        cache.add(
            Target::Proxy,
            p,
            "squid",
            Scheme::Basic,
            c("p"),
            "/ignored/x",
            None,
            0,
        );
        let e = cache
            .lookup_by_path(Target::Proxy, p, "")
            .expect("proxy entry");
        assert!(e.paths.is_empty());
        assert!(
            cache
                .lookup_by_path(Target::Server, p, "/ignored/x")
                .is_none()
        );
    }
}
