//! Authentication as a pipeline stage: preemptive credentials on the request side, `401`
//! answered on the response side by retrying the same hop.

use std::sync::Arc;

use http::header::AUTHORIZATION;

use super::{
    Auth, AuthController, Credentials, Source, Target, is_unauthorized, origin_of, request_target,
};
use crate::error::Result;
use crate::netlog::{EventType, NetLog, Phase};
use crate::response::HopResponse;
use crate::stages::{BoxFuture, Flow, RequestContext, ResponseFlow, Slot, Stage};

/// The controller of the current hop, kept in the request's extensions.
#[derive(Clone)]
struct Hop(AuthController);

/// The auth stage of a session.
pub(crate) struct AuthStage {
    pub(crate) auth: Arc<Auth>,
    pub(crate) netlog: NetLog,
}

/// `AUTH_HANDLE_CHALLENGE` for the current request: who challenged and the challenge lines.
pub(crate) fn log_challenge(netlog: &NetLog, target: Target, lines: impl FnOnce() -> Vec<String>) {
    if let Some(src) = NetLog::current_request() {
        let target = match target {
            Target::Server => "server",
            Target::Proxy => "proxy",
        };
        netlog.add(&src, EventType::AuthHandleChallenge, Phase::None, |_| {
            Some(serde_json::json!({"target": target, "headers": lines()}))
        });
    }
}

/// `AUTH_GENERATE_TOKEN` for the current request: the scheme of `value` and where the
/// identity came from (never the credentials).
pub(crate) fn log_token(netlog: &NetLog, value: &http::HeaderValue, source: Option<Source>) {
    if let Some(src) = NetLog::current_request() {
        let source = match source {
            Some(Source::Url) => "url",
            Some(Source::Cache) => "cache",
            Some(Source::Preemptive) => "preemptive",
            Some(Source::Handler) | None => "handler",
        };
        netlog.add(&src, EventType::AuthGenerateToken, Phase::None, |_| {
            Some(serde_json::json!({"scheme": scheme_of(value), "source": source}))
        });
    }
}

impl AuthStage {
    fn before(&self, ctx: &mut RequestContext) {
        ctx.extensions.remove::<Hop>();
        if !ctx.credentials_allowed()
            || !matches!(ctx.url.scheme(), "http" | "https" | "ws" | "wss")
        {
            return;
        }
        let mut controller = AuthController::new(
            Target::Server,
            &origin_of(&ctx.url),
            ctx.url.path(),
            Credentials::from_url(&ctx.url),
        );
        if !ctx.headers.contains_key(AUTHORIZATION) {
            let header = {
                let mut cache = self.auth.cache();
                // Nothing to send before a challenge while the cache is empty (most sessions).
                if cache.is_empty() {
                    None
                } else {
                    let target = request_target(&ctx.url);
                    controller.preempt(&mut cache, ctx.method.as_str(), &target)
                }
            };
            if let Some(v) = header.and_then(|h| http::HeaderValue::from_str(&h).ok()) {
                log_token(&self.netlog, &v, Some(Source::Preemptive));
                ctx.headers.insert(AUTHORIZATION, v);
            }
        }
        ctx.extensions.insert(Hop(controller));
    }

    async fn after(
        &self,
        ctx: &mut RequestContext,
        response: &mut HopResponse,
    ) -> Result<ResponseFlow> {
        if !is_unauthorized(response.status) || !ctx.credentials_allowed() {
            return Ok(ResponseFlow::Continue);
        }
        let Some(Hop(mut controller)) = ctx.extensions.remove::<Hop>() else {
            return Ok(ResponseFlow::Continue);
        };
        log_challenge(&self.netlog, Target::Server, || {
            response
                .headers
                .get_all(http::header::WWW_AUTHENTICATE)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect()
        });
        let answer = self
            .auth
            .on_unauthorized(&mut controller, &response.headers, &ctx.url, &ctx.method)
            .await?;
        ctx.extensions.insert(Hop(controller));
        let Some(value) = answer else {
            return Ok(ResponseFlow::Continue);
        };
        log_token(&self.netlog, &value, controller_source(ctx));
        ctx.headers.insert(AUTHORIZATION, value);
        drain(response).await;
        Ok(ResponseFlow::Retry)
    }
}

/// The scheme word of a credentials header value, lower case.
fn scheme_of(v: &http::HeaderValue) -> String {
    String::from_utf8_lossy(v.as_bytes())
        .split(' ')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn controller_source(ctx: &RequestContext) -> Option<Source> {
    ctx.extensions.get::<Hop>().and_then(|h| h.0.source())
}

/// Reads a small challenge body to its end so the connection can carry the retry (NTLM
/// authenticates the connection); a large or slow one is left to be dropped.
async fn drain(response: &mut HopResponse) {
    let small = response
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n <= 64 * 1024);
    if !small {
        return;
    }
    let mut body = std::mem::take(&mut response.body);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async {
        while let Ok(Some(_)) = body.chunk().await {}
    })
    .await;
}

impl Stage for AuthStage {
    fn slot(&self) -> Slot {
        Slot::Auth
    }

    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        self.before(ctx);
        Box::pin(std::future::ready(Ok(Flow::Continue)))
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, Result<ResponseFlow>> {
        Box::pin(self.after(ctx, response))
    }
}
