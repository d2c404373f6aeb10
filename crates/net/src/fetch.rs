//! The fetch loop: stages, transport, redirects, decoding.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method, Request, StatusCode};
use url::Url;

use crate::Inner;
use crate::body::Body;
use crate::decode;
use crate::error::{Error, NetError, Result};
use crate::file;
use crate::netlog::{NetLog, RequestLog, Source};
use crate::redirect::{self, MAX_REDIRECTS};
use crate::request::{FetchOptions, RedirectMode, RequestBody};
use crate::response::{HopResponse, Response};
use crate::stages::{Flow, RequestContext};

fn request_url(uri: &http::Uri) -> Result<Url> {
    let text = uri.to_string();
    Url::parse(&text).map_err(|e| {
        Error::new(
            NetError::InvalidUrl,
            format!("'{text}' is not a valid URL: {e}"),
        )
    })
}

pub(crate) async fn fetch(inner: &Arc<Inner>, request: Request<RequestBody>) -> Result<Response> {
    let (mut parts, body) = request.into_parts();
    let mut options = parts
        .extensions
        .remove::<FetchOptions>()
        .unwrap_or_default();
    let url = match options.url.take() {
        Some(url) => url,
        None => request_url(&parts.uri)?,
    };
    let abort = options.abort.clone();
    // `run(..)` is awaited where it is made: binding it first would copy the whole future.
    let mut response = match &abort {
        None => logged(inner, url, parts.method, parts.headers, body, options).await?,
        Some(handle) => {
            if handle.is_aborted() {
                return Err(Error::new(NetError::Aborted, "the operation was aborted"));
            }
            tokio::select! {
                r = logged(inner, url, parts.method, parts.headers, body, options) => r?,
                _ = handle.token().cancelled() => return Err(Error::new(NetError::Aborted, "the operation was aborted")),
            }
        }
    };
    if abort.is_some() {
        let b = std::mem::take(&mut response.hop.body);
        response.hop.body = b.with_abort(abort.as_ref());
    }
    Ok(response)
}

/// `run`, as one request of the net log when a log runs (its sockets name it).
async fn logged(
    inner: &Arc<Inner>,
    url: Url,
    method: Method,
    headers: HeaderMap,
    body: RequestBody,
    options: FetchOptions,
) -> Result<Response> {
    let netlog = &inner.transport.netlog;
    let Some(log) = RequestLog::begin(netlog, &url, &method) else {
        return run(inner, url, method, headers, body, options, None).await;
    };
    let src = Some(log.source);
    let result = NetLog::scope(src, run(inner, url, method, headers, body, options, src)).await;
    log.end(&result);
    result
}

async fn run(
    inner: &Arc<Inner>,
    url: Url,
    method: Method,
    headers: HeaderMap,
    body: RequestBody,
    options: FetchOptions,
    log: Option<Source>,
) -> Result<Response> {
    let netlog = &inner.transport.netlog;
    let log = log.as_ref();
    if !matches!(url.scheme(), "http" | "https" | "file")
        && inner.stages.snapshot().request.is_empty()
    {
        return Err(Error::new(
            NetError::UnknownUrlScheme,
            format!("cannot fetch '{url}': unknown scheme '{}:'", url.scheme()),
        ));
    }
    let mut ctx = RequestContext::new(url, method, headers, &options);
    ctx.has_body = !body.is_empty();
    let mut body = Some(body);
    loop {
        let stages = inner.stages.snapshot();
        netlog.hop_begin(log, &ctx.url, &ctx.method);
        let mut answered = None;
        for stage in &stages.request {
            if let Flow::Respond(r) = stage.on_request(&mut ctx).await? {
                answered = Some(*r);
                break;
            }
        }
        // Keep a copy of the body while a redirect may still need to replay it.
        let replay = body.as_ref().and_then(RequestBody::try_clone);
        let streamed = body.as_ref().is_some_and(|b| b.try_clone().is_none());
        let mut hop = match answered {
            Some(r) => {
                netlog.hop_response(log, &r, false);
                r
            }
            None => {
                let b = body.take().unwrap_or_default();
                let r = transport(inner, &ctx, b).await;
                match &r {
                    Ok(r) => netlog.hop_response(log, r, true),
                    Err(e) => netlog.hop_failed(log, e),
                }
                let mut r = r?;
                for stage in &stages.response {
                    stage.on_response(&mut ctx, &mut r).await?;
                }
                r
            }
        };
        if redirect::is_redirect(hop.status)
            && ctx.redirect != RedirectMode::Manual
            && let Some(next) = redirect::next_url(&ctx.url, &hop.headers)?
        {
            if ctx.redirect == RedirectMode::Error {
                return Err(Error::new(
                    NetError::Failed,
                    format!(
                        "Attempted to redirect, but redirect policy was 'error' ({} to {next})",
                        ctx.url
                    ),
                ));
            }
            if ctx.previous_urls.len() >= MAX_REDIRECTS {
                return Err(Error::new(
                    NetError::TooManyRedirects,
                    format!(
                        "more than {MAX_REDIRECTS} redirects, the last from {} to {next}",
                        ctx.url
                    ),
                ));
            }
            let to_get = redirect::rewrites_to_get(hop.status, &ctx.method);
            redirect::adjust_headers(&mut ctx.headers, to_get, &ctx.url, &next);
            if to_get {
                if ctx.method != Method::HEAD {
                    ctx.method = Method::GET;
                }
                body = None;
                ctx.has_body = false;
            } else if ctx.has_body {
                match replay {
                    Some(b) => body = Some(b),
                    None if streamed => {
                        return Err(Error::new(
                            NetError::UploadStreamRewindNotSupported,
                            format!(
                                "a streamed request body cannot be sent again to {next} after a {} redirect",
                                hop.status
                            ),
                        ));
                    }
                    None => {}
                }
            }
            drain_in_background(
                std::mem::take(&mut hop.body),
                hop.headers.get(http::header::CONTENT_LENGTH),
            );
            netlog.redirected(log, &next);
            let prev = std::mem::replace(&mut ctx.url, next);
            ctx.previous_urls.push(prev);
            continue;
        }
        return Ok(finish(inner, ctx, hop));
    }
}

/// Reads a small redirect body to its end so an HTTP/1.1 connection goes back to the pool.
fn drain_in_background(mut body: Body, content_length: Option<&http::HeaderValue>) {
    let small = content_length
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n <= 64 * 1024);
    if !small {
        return;
    }
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while let Ok(Some(_)) = body.chunk().await {}
        })
        .await;
    });
}

async fn transport(
    inner: &Arc<Inner>,
    ctx: &RequestContext,
    body: RequestBody,
) -> Result<HopResponse> {
    match ctx.url.scheme() {
        "http" | "https" => {
            if let Some(emu) = inner.transport.emulation.current() {
                if emu.offline {
                    return Err(Error::new(
                        NetError::InternetDisconnected,
                        format!(
                            "network emulation is offline, {} was not requested",
                            ctx.url
                        ),
                    ));
                }
                if emu.latency > 0.0 && emu.latency.is_finite() {
                    tokio::time::sleep(Duration::from_secs_f64(emu.latency / 1000.0)).await;
                }
            }
            let defaults = inner.defaults();
            let proxies = crate::proxy::route(inner, &ctx.url).await;
            inner
                .transport
                .send(
                    &ctx.url,
                    &ctx.method,
                    &ctx.headers,
                    &defaults,
                    body,
                    &proxies,
                )
                .await
        }
        "file" => Box::pin(file::serve(&ctx.url, &ctx.headers)).await,
        s => Err(Error::new(
            NetError::UnknownUrlScheme,
            format!("cannot fetch '{}': unknown scheme '{s}:'", ctx.url),
        )),
    }
}

/// Stage 8: content decoding, then the response as the caller sees it.
fn finish(inner: &Arc<Inner>, ctx: RequestContext, mut hop: HopResponse) -> Response {
    let bodiless = ctx.method == Method::HEAD
        || hop.status == StatusCode::NO_CONTENT
        || hop.status == StatusCode::NOT_MODIFIED
        || hop.status.is_informational();
    let by_dictionary = !bodiless
        && crate::shared_dictionary::finish(
            &ctx.extensions,
            &hop.headers,
            &mut hop.body,
            &inner.limits,
            ctx.url.as_str(),
        );
    if !bodiless
        && !by_dictionary
        && let Some(codings) = decode::codings(&hop.headers)
        && !codings.is_empty()
    {
        let body = std::mem::take(&mut hop.body);
        hop.body = decode::decode(body, &codings, &inner.limits, ctx.url.as_str());
    }
    let mut url_chain = ctx.previous_urls;
    url_chain.push(ctx.url);
    Response { hop, url_chain }
}
