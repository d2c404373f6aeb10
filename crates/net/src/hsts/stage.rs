//! The HSTS stage: first of slot 3 on the request side (an `http:` hop of a host with a policy
//! is answered with Chrome's internal `307`), and on the response side it notes
//! `Strict-Transport-Security` of responses that came over trusted TLS.

use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::json;

use super::TransportSecurity;
use crate::body::Body;
use crate::error::Result;
use crate::netlog::{EventType, NetLog, Phase};
use crate::response::{HopResponse, RawHeaders};
use crate::stages::{BoxFuture, Flow, RequestContext, ResponseFlow, Slot, Stage};

pub(crate) struct HstsStage {
    pub(crate) policies: TransportSecurity,
    pub(crate) netlog: NetLog,
}

/// Chrome's `URLRequestRedirectJob` answer for `reason` (`HSTS`): the same head, header order
/// and spelling, with the CORS headers it adds when the request carries an `Origin`.
pub(crate) fn internal_redirect(to: &url::Url, reason: &str, request: &HeaderMap) -> HopResponse {
    let mut pairs = vec![
        ("Location".to_string(), to.as_str().to_string()),
        (
            "Cross-Origin-Resource-Policy".to_string(),
            "Cross-Origin".to_string(),
        ),
        ("Non-Authoritative-Reason".to_string(), reason.to_string()),
    ];
    if let Some(origin) = request
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        pairs.push(("Access-Control-Allow-Origin".into(), origin.to_string()));
        pairs.push(("Access-Control-Allow-Credentials".into(), "true".into()));
    }
    let mut headers = HeaderMap::new();
    for (name, value) in &pairs {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let mut r = HopResponse::new(StatusCode::TEMPORARY_REDIRECT, headers, Body::empty());
    r.status_text = "Internal Redirect".into();
    r.raw_headers = RawHeaders::from_pairs(pairs);
    r
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
            Flow::Respond(Box::new(internal_redirect(&to, "HSTS", &ctx.headers)))
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
