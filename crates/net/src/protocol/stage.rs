//! Stage 1 of the pipeline: a hop whose scheme has a handler is answered by it, in place of the
//! transport.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use super::handler::{Protocol, SharedHandler};
use super::scheme::Schemes;
use crate::error::{Error, NetError, Result};
use crate::request::RequestBody;
use crate::response::HopResponse;
use crate::stages::{BoxFuture, Flow, RequestContext, Slot, Stage};

type NetHandle = Box<dyn Fn() -> Option<crate::Net> + Send + Sync>;

/// The handler of one hop and the session its request is handed with.
pub(crate) struct Handled {
    pub(crate) handler: SharedHandler,
    pub(crate) net: Option<crate::Net>,
}

impl std::fmt::Debug for Handled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handled").finish_non_exhaustive()
    }
}

/// The protocol-handler stage of one `Net`: canonicalises URLs of `standard` schemes, then
/// names the handler of a hop whose scheme has one (unless the request bypasses handlers).
pub(crate) struct ProtocolStage {
    pub(crate) protocol: Protocol,
    pub(crate) schemes: Schemes,
    /// The session's `Net`, put in each handler request's extensions (held weakly: the stage
    /// belongs to that `Net`).
    pub(crate) net: NetHandle,
}

impl Stage for ProtocolStage {
    fn slot(&self) -> Slot {
        Slot::ProtocolHandlers
    }

    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        if !self.schemes.is_empty() {
            match self.schemes.canonicalize(&ctx.url) {
                Ok(url) => ctx.url = url,
                Err(e) => return Box::pin(std::future::ready(Err(e))),
            }
        }
        if !ctx.bypass_custom_protocol_handlers
            && let Some(handler) = self.protocol.find(ctx.url.scheme())
        {
            ctx.handler = Some(Handled {
                handler,
                net: (self.net)(),
            });
        }
        Box::pin(std::future::ready(Ok(Flow::Continue)))
    }
}

/// Answers a handled hop: the handler gets the hop's method, URL, headers and body.
pub(crate) async fn answer(
    handled: &Handled,
    ctx: &RequestContext,
    body: RequestBody,
) -> Result<HopResponse> {
    let mut request = http::Request::new(body);
    *request.method_mut() = ctx.method.clone();
    if let Ok(uri) = ctx.url.as_str().parse::<http::Uri>() {
        *request.uri_mut() = uri;
    }
    *request.headers_mut() = ctx.headers.clone();
    request.extensions_mut().insert(ctx.url.clone());
    if let Some(net) = &handled.net {
        request.extensions_mut().insert(net.clone());
    }
    call(&handled.handler, request, ctx.url.scheme()).await
}

/// Runs `handler`; a panic (while making the future or while it runs) is `net::ERR_FAILED`.
async fn call(
    handler: &SharedHandler,
    request: http::Request<RequestBody>,
    scheme: &str,
) -> Result<HopResponse> {
    let panicked = |_| {
        Error::new(
            NetError::Failed,
            format!("the protocol handler of '{scheme}:' panicked"),
        )
    };
    let future =
        std::panic::catch_unwind(AssertUnwindSafe(|| handler.call(request))).map_err(panicked)?;
    let response = AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(panicked)??;
    let (parts, body) = response.into_parts();
    let mut hop = HopResponse::new(parts.status, parts.headers, body);
    hop.version = parts.version;
    Ok(hop)
}
