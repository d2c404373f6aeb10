//! Stage 4 of the pipeline: the session's cookie jar ([`session_cookies::Cookies`]).
//!
//! On the request side, when the hop's credentials mode lets credentials go
//! ([`RequestContext::credentials_allowed`]), the jar's `Cookie` header for the hop's URL is
//! attached, by the SameSite context of the request (site for cookies, initiator, top-level
//! navigation, method). A `Cookie` header the caller set explicitly is left as it is and
//! nothing is added to it. On the response side, every `Set-Cookie` of every hop (redirects
//! included) is stored under the same context; the hop continues once they are committed.

use std::sync::Arc;

use http::HeaderValue;
use session_base::origin::Site;
use session_cookies::Cookies;

use crate::error::Result;
use crate::response::HopResponse;
use crate::stages::{BoxFuture, Flow, RequestContext, ResponseFlow, Slot, Stage};

/// The cookie stage: insert it with [`crate::Net::insert_stage`].
///
/// ```
/// use session_cookies::Cookies;
/// use session_net::cookies::CookieStage;
/// use session_net::{Net, NetConfig, new_request};
/// # let site = session_test_support::TestSite::start(); // `/headers?K=V` answers with those headers
/// # let login = site.http_url("a.test", "/headers?set-cookie=sid%3D42");
/// # let echo = site.http_url("a.test", "/echo"); // answers the request it got as JSON
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
/// let jar = Cookies::default();
/// let stage = CookieStage::new(jar.clone());
/// assert!(stage.cookies().is_empty());
/// net.insert_stage(stage);
///
/// net.fetch(new_request(http::Method::GET, &login, ())?).await?; // Set-Cookie: sid=42
/// assert_eq!(jar.len(), 1);
/// let echoed = net.fetch(new_request(http::Method::GET, &echo, ())?).await?.text().await?;
/// assert!(echoed.contains("sid=42"), "the next request carries it: {echoed}");
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct CookieStage {
    cookies: Cookies,
}

impl CookieStage {
    /// A stage over `cookies` (sessions never share a jar: give each its own).
    ///
    /// Example: see [`CookieStage`].
    pub fn new(cookies: Cookies) -> Arc<Self> {
        Arc::new(CookieStage { cookies })
    }

    /// The jar.
    ///
    /// Example: see [`CookieStage`].
    pub fn cookies(&self) -> &Cookies {
        &self.cookies
    }
}

/// Marks a `Cookie` header this stage added (rather than the caller).
#[derive(Clone, Copy, Debug)]
struct FromJar;

/// The jar's view of a hop: the site for cookies is the given one, else the initiator's; none
/// means a request of the embedder itself, same-site with everything.
fn cookie_context(ctx: &RequestContext) -> session_cookies::RequestContext {
    let site = ctx
        .site_for_cookies
        .as_ref()
        .or(ctx.initiator.as_ref())
        .map(Site::from_url);
    session_cookies::RequestContext {
        top_frame_site: site.clone(),
        site_for_cookies: site,
        top_level_navigation: ctx.top_level_navigation,
        method: ctx.method.as_str().to_owned(),
    }
}

/// Cookies go with `http`/`https` hops the network answers; never with other schemes nor with
/// a hop a protocol handler answers.
fn carries_cookies(ctx: &RequestContext) -> bool {
    matches!(ctx.url.scheme(), "http" | "https" | "ws" | "wss") && !ctx.is_handled()
}

impl Stage for CookieStage {
    fn slot(&self) -> Slot {
        Slot::Cookies
    }

    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        // The header this stage added on an earlier hop is stale after a same-origin redirect
        // (the jar may have changed, and so may the URL's path): recompute it.
        if ctx.extensions.remove::<FromJar>().is_some() {
            ctx.headers.remove(http::header::COOKIE);
        }
        if ctx.credentials_allowed()
            && carries_cookies(ctx)
            && !ctx.headers.contains_key(http::header::COOKIE)
        {
            let header = self.cookies.cookie_header(&ctx.url, &cookie_context(ctx));
            // Cookie values may carry UTF-8 (obs-text on the wire): bytes, not only visible ASCII.
            if let Some(value) = header.and_then(|h| HeaderValue::from_bytes(h.as_bytes()).ok()) {
                ctx.headers.insert(http::header::COOKIE, value);
                ctx.extensions.insert(FromJar);
            }
        }
        Box::pin(std::future::ready(Ok(Flow::Continue)))
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, Result<ResponseFlow>> {
        Box::pin(async move {
            if !ctx.credentials_allowed() || !carries_cookies(ctx) {
                return Ok(ResponseFlow::Continue);
            }
            let lines: Vec<String> = response
                .headers
                .get_all(http::header::SET_COOKIE)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            if lines.is_empty() {
                return Ok(ResponseFlow::Continue);
            }
            // In the jar at once; a persistent jar's writer thread commits them (with whatever
            // else queued up) and the hop goes on once they are durable, no thread blocked.
            let stored = self
                .cookies
                .set_from_response_async(&ctx.url, &lines, &cookie_context(ctx))
                .await;
            if let Err(e) = stored {
                tracing::warn!("cookies of {} not stored: {e}", ctx.url);
            }
            Ok(ResponseFlow::Continue)
        })
    }
}
