//! The HSTS stage: first of slot 3 on the request side (an `http:` hop of a host with a policy
//! is answered with Chrome's internal `307`), and on the response side it notes
//! `Strict-Transport-Security` of responses that came over trusted TLS.

use serde_json::json;

use super::TransportSecurity;
use crate::error::Result;
use crate::netlog::{EventType, NetLog, Phase};
use crate::response::{HopResponse, InternalRedirectReason};
use crate::stages::{BoxFuture, Flow, RequestContext, ResponseFlow, Slot, Stage};

pub(crate) struct HstsStage {
    pub(crate) policies: TransportSecurity,
    pub(crate) netlog: NetLog,
}

impl Stage for HstsStage {
    fn slot(&self) -> Slot {
        Slot::Cache
    }

    fn on_request<'a>(&'a self, ctx: &'a mut RequestContext) -> BoxFuture<'a, Result<Flow>> {
        let flow = match ctx.is_handled() {
            true => None,
            false => self.policies.upgrade(&ctx.url),
        }
        .map_or(Flow::Continue, |to| {
            if let Some(src) = NetLog::current_request() {
                self.netlog
                    .add(&src, EventType::UrlRequestRedirectJob, Phase::None, |_| {
                        Some(json!({"reason": "HSTS"}))
                    });
            }
            Flow::Respond(Box::new(HopResponse::internal_redirect(
                &to,
                InternalRedirectReason::Hsts,
                &ctx.headers,
            )))
        });
        Box::pin(std::future::ready(Ok(flow)))
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, Result<ResponseFlow>> {
        if response.trusted_tls
            && ctx.url.scheme() == "https"
            && let Some(host) = ctx.url.host_str()
            && let Some(sts) = super::sts_of(&response.headers)
        {
            self.policies.note(host, sts);
        }
        Box::pin(std::future::ready(Ok(ResponseFlow::Continue)))
    }
}
