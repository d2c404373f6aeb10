//! HTTP authentication of a session: the login handler (Electron's `login` event, origin
//! `401` and proxy `407` alike), `clearAuthCache` and `allowNTLMCredentialsForDomains`.
//!
//! The types are `session-net`'s ([`session_net::auth`]). The auth cache belongs to the
//! session: in-memory and persistent partitions never see each other's credentials, and it
//! lives in memory only (as Chromium's).

use std::future::Future;
use std::sync::Arc;

use session_net::auth::{AuthAnswer, AuthRequest};

use crate::session::Session;

impl Session {
    /// Answers `401` and `407` challenges (Electron's `login` event): the handler gets the
    /// `authInfo` (`is_proxy`, `scheme`, `host`, `port`, `realm`) with the request's URL and
    /// method, and answers with credentials or [`AuthAnswer::Cancel`]. Without a handler, or
    /// on cancel, the `401`/`407` is the response, its body and `WWW-Authenticate` intact.
    /// Requests with `credentials: omit` never ask. `None` removes the handler.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// use session::net::auth::{AuthAnswer, AuthRequest, Credentials};
    /// use session::{SessionOptions, Sessions};
    /// # let site = session_test_support::TestSite::start(); // a loopback site; `/auth/basic` wants user:pass
    /// # let url = site.http_url("a.test", "/auth/basic");
    ///
    /// let user_data = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(user_data.path())
    ///     .from_partition("app", SessionOptions::default())
    ///     .unwrap();
    /// # session.net().set_host_rules(session_test_support::HOST_RULES.parse().unwrap());
    /// let asked = Arc::new(AtomicUsize::new(0));
    /// let counter = asked.clone();
    /// session.set_login_handler(Some(move |request: AuthRequest| {
    ///     counter.fetch_add(1, Ordering::SeqCst);
    ///     async move {
    ///         assert!(!request.is_proxy);
    ///         AuthAnswer::Credentials(Credentials::new("user", "pass"))
    ///     }
    /// }));
    /// session.allow_ntlm_credentials_for_domains("*.corp.example");
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// assert_eq!(session.get(&url).send().await?.status(), 200);
    /// assert_eq!(session.get(&url).send().await?.status(), 200);
    /// assert_eq!(asked.load(Ordering::SeqCst), 1, "the credentials were cached");
    ///
    /// // Forget them, and answer no more challenges: the 401 is the response.
    /// session.clear_auth_cache();
    /// session.set_login_handler(None::<fn(AuthRequest) -> std::future::Ready<AuthAnswer>>);
    /// assert_eq!(session.get(&url).send().await?.status(), 401);
    /// # Ok::<_, session::net::Error>(()) }).unwrap();
    /// ```
    pub fn set_login_handler<F, Fut>(&self, handler: Option<F>)
    where
        F: Fn(AuthRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AuthAnswer> + Send + 'static,
    {
        self.inner.net.set_login_handler(handler.map(|h| {
            let h = Arc::new(h);
            Arc::new(move |req: AuthRequest| {
                let h = h.clone();
                Box::pin(async move { h(req).await })
                    as futures_util::future::BoxFuture<'static, AuthAnswer>
            }) as session_net::auth::LoginHandler
        }));
    }

    /// `ses.clearAuthCache()`: forgets every cached credential (origin and proxy). Requests in
    /// flight are not aborted.
    ///
    /// Example: see [`Session::set_login_handler`].
    pub fn clear_auth_cache(&self) {
        self.inner.net.clear_auth_cache();
    }

    /// `ses.allowNTLMCredentialsForDomains(domains)`: the servers (Chromium's allow-list
    /// syntax, `*example.com, *foobar.com`; `*` for all; an empty string for none) to which
    /// cached NTLM credentials are sent without asking the login handler again. Proxies are
    /// not subject to it: as in Chromium, they always get their cached NTLM credentials.
    ///
    /// Example: see [`Session::set_login_handler`].
    pub fn allow_ntlm_credentials_for_domains(&self, domains: &str) {
        self.inner.net.allow_ntlm_credentials_for_domains(domains);
    }
}
