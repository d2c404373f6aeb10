//! The hop loop: request stages, transport, response stages, redirects, decoding, over a
//! [`Pipeline`].

use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use url::Url;

use crate::body::Body;
use crate::decode;
use crate::error::{Error, NetError, Result};
use crate::file;
use crate::net::Limits;
use crate::netlog::{HeadFrom, NetLog, RequestLog, Source};
use crate::protocol::Protocol;
use crate::proxy::ProxyResolver;
use crate::redirect::{self, MAX_REDIRECTS};
use crate::request::{FetchOptions, RedirectMode, RequestBody};
use crate::response::{HopResponse, Response};
use crate::stages::{Flow, RequestContext, RequestEvent, ResponseFlow, StageLists, Stages};
use crate::transport::Transport;

/// What the hop loop runs over, one per session: the stages, the transport, the proxy
/// resolver, and what every request gets (default headers, limits, the net log).
pub(crate) struct Pipeline {
    pub(crate) stages: Stages,
    pub(crate) transport: Transport,
    pub(crate) proxy: ProxyResolver,
    pub(crate) defaults: RwLock<Arc<DefaultHeaders>>,
    pub(crate) limits: Limits,
    pub(crate) netlog: NetLog,
    /// The session's protocol handlers (stage 1 answers with them; redirects may go to them).
    pub(crate) protocol: Protocol,
}

/// Request headers every request gets unless the caller set them: `User-Agent` and
/// `Accept-Language`. They are added before the request stages run, as Chromium adds them
/// before `onBeforeSendHeaders`: listeners see them and may replace or remove them.
pub(crate) struct DefaultHeaders {
    pub(crate) user_agent: HeaderValue,
    pub(crate) accept_language: Option<HeaderValue>,
}

impl DefaultHeaders {
    /// Adds the defaults `headers` lacks.
    fn fill(&self, headers: &mut HeaderMap) {
        if !headers.contains_key(header::USER_AGENT) {
            headers.insert(header::USER_AGENT, self.user_agent.clone());
        }
        if let Some(al) = &self.accept_language
            && !headers.contains_key(header::ACCEPT_LANGUAGE)
        {
            headers.insert(header::ACCEPT_LANGUAGE, al.clone());
        }
    }
}

impl Pipeline {
    pub(crate) fn defaults(&self) -> Arc<DefaultHeaders> {
        self.defaults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// How often one hop may be sent again at a response stage's request
/// ([`ResponseFlow::Retry`]); past it the response goes on as it is. Six is three rounds of
/// NTLM (each round is two legs: NEGOTIATE, then AUTHENTICATE), the most the auth stage
/// sends before failing with `net::ERR_TOO_MANY_RETRIES`.
///
/// A response stage that always asks again (a login that never succeeds) gets the hop sent
/// once plus this many times:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// use session_net::stages::{BoxFuture, RequestContext, ResponseFlow, Slot, Stage};
/// use session_net::{Body, HopResponse, MAX_HOP_RETRIES, Net, NetConfig, RequestBody, Result, new_request};
///
/// struct AlwaysAgain;
///
/// impl Stage for AlwaysAgain {
///     fn slot(&self) -> Slot {
///         Slot::Auth
///     }
///
///     fn on_response<'a>(
///         &'a self,
///         _ctx: &'a mut RequestContext,
///         _response: &'a mut HopResponse,
///     ) -> BoxFuture<'a, Result<ResponseFlow>> {
///         Box::pin(std::future::ready(Ok(ResponseFlow::Retry)))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// let sent = Arc::new(AtomicUsize::new(0));
/// let counter = sent.clone();
/// net.protocol().handle("app", move |_: http::Request<RequestBody>| {
///     let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
///     async move { Ok(http::Response::new(Body::full(format!("try {n}")))) }
/// })?;
/// net.insert_stage(Arc::new(AlwaysAgain));
/// let response = net.fetch(new_request(http::Method::GET, "app://ui/", ())?).await?;
/// // Past the limit `Retry` counts as `Continue`: the last response goes on.
/// assert_eq!(sent.load(Ordering::SeqCst), 1 + MAX_HOP_RETRIES);
/// assert_eq!(response.text().await?, format!("try {}", 1 + MAX_HOP_RETRIES));
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
pub const MAX_HOP_RETRIES: usize = 6;

/// Where a fetch's hops go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Routing {
    /// By the session's proxy settings.
    Proxied,
    /// Always DIRECT (a PAC script's own fetch).
    Direct,
}

fn request_url(uri: &http::Uri) -> Result<Url> {
    let text = uri.to_string();
    Url::parse(&text).map_err(|e| {
        Error::new(
            NetError::InvalidUrl,
            format!("'{text}' is not a valid URL: {e}"),
        )
    })
}

pub(crate) async fn fetch(
    p: &Pipeline,
    request: Request<RequestBody>,
    routing: Routing,
) -> Result<Response> {
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
        None => logged(p, url, parts.method, parts.headers, body, options, routing).await?,
        Some(handle) => {
            if handle.is_aborted() {
                return Err(Error::new(NetError::Aborted, "the operation was aborted"));
            }
            tokio::select! {
                r = logged(p, url, parts.method, parts.headers, body, options, routing) => r?,
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
    p: &Pipeline,
    url: Url,
    method: Method,
    headers: HeaderMap,
    body: RequestBody,
    options: FetchOptions,
    routing: Routing,
) -> Result<Response> {
    let Some(log) = RequestLog::begin(&p.netlog, &url, &method) else {
        return run(p, url, method, headers, body, options, (routing, None)).await;
    };
    let src = Some(log.source);
    let result = NetLog::scope(
        src,
        run(p, url, method, headers, body, options, (routing, src)),
    )
    .await;
    log.end(&result);
    result
}

async fn run(
    p: &Pipeline,
    url: Url,
    method: Method,
    headers: HeaderMap,
    body: RequestBody,
    options: FetchOptions,
    (routing, log): (Routing, Option<Source>),
) -> Result<Response> {
    let log = log.as_ref();
    let mut ctx = RequestContext::new(url, method, headers, &options);
    ctx.has_body = !body.is_empty();
    if ctx.has_body {
        ctx.upload = body.upload_data();
    }
    let mut running = Running {
        stages: p.stages.snapshot(),
        ctx,
        reported: false,
    };
    let result = hops(p, &mut running.ctx, body, (routing, log)).await;
    running.reported = true;
    match result {
        Ok(hop) => {
            // A WebSocket handshake's answer is checked before anything reports it started.
            if let Some(handshake) = &running.ctx.websocket
                && let Err(e) = handshake.check(hop.status, &hop.headers)
            {
                running.report(&e);
                return Err(e);
            }
            let mut response = finish(p, &mut running.ctx, hop);
            for stage in &running.stages.request {
                stage.on_event(
                    &running.ctx,
                    &mut RequestEvent::ResponseStarted(&mut response.hop),
                );
            }
            Ok(response)
        }
        Err(e) => {
            running.report(&e);
            Err(e)
        }
    }
}

/// A request between its first stage and its response head: reports
/// [`RequestEvent::Failed`] to the stages, with `net::ERR_ABORTED` when the fetch is dropped.
struct Running {
    stages: Arc<StageLists>,
    ctx: RequestContext,
    reported: bool,
}

impl Running {
    fn report(&self, e: &Error) {
        for stage in &self.stages.request {
            stage.on_event(&self.ctx, &mut RequestEvent::Failed(e));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.reported {
            self.report(&Error::new(NetError::Aborted, "the request was abandoned"));
        }
    }
}

/// The hops of a request, up to the final response head.
async fn hops(
    p: &Pipeline,
    ctx: &mut RequestContext,
    body: RequestBody,
    (routing, log): (Routing, Option<&Source>),
) -> Result<HopResponse> {
    let netlog = &p.netlog;
    let mut body = Some(body);
    p.defaults().fill(&mut ctx.headers);
    loop {
        let stages = p.stages.snapshot();
        netlog.hop_begin(log, &ctx.url, &ctx.method);
        // Keep a copy of the body while a redirect may still need to replay it.
        let replay = body.as_ref().and_then(RequestBody::try_clone);
        let streamed = body.as_ref().is_some_and(|b| b.try_clone().is_none());
        // Stage 1 names the handler of this hop's scheme, if any.
        ctx.handler = None;
        let mut answered = None;
        // Whether a stage answered the hop (an internal redirect), not the server.
        for stage in &stages.request {
            if let Flow::Respond(r) = stage.on_request(ctx).await? {
                answered = Some(*r);
                break;
            }
        }
        let internal = answered.is_some();
        let mut hop = match answered {
            Some(r) => {
                log_head(netlog, log, &r, HeadFrom::Stage);
                r
            }
            None => {
                let mut retries = 0;
                loop {
                    let b = body.take().unwrap_or_default();
                    let upload_failure = b.failure_slot();
                    let mut r = transport(p, ctx, b, routing).await;
                    // A body that failed (a file that changed) is why the hop failed, whatever
                    // the connection made of it.
                    if let (Err(e), Some(failed)) =
                        (&mut r, upload_failure.as_ref().and_then(|f| f.get()))
                    {
                        *e = failed.clone();
                    }
                    match &r {
                        Ok(r) => {
                            let from = if ctx.is_handled() {
                                HeadFrom::Stage
                            } else if ctx.is_websocket() {
                                HeadFrom::WebSocket
                            } else {
                                HeadFrom::Network
                            };
                            log_head(netlog, log, r, from)
                        }
                        Err(e) => netlog.hop_failed(log, e),
                    }
                    let mut r = r?;
                    // A stage may ask for the hop again (new credentials); the body must
                    // then be sent again too.
                    let may_retry =
                        retries < MAX_HOP_RETRIES && (!ctx.has_body || replay.is_some());
                    let mut retry = false;
                    for stage in &stages.response {
                        if stage.on_response(ctx, &mut r).await? == ResponseFlow::Retry && may_retry
                        {
                            retry = true;
                            break;
                        }
                    }
                    if !retry {
                        break r;
                    }
                    retries += 1;
                    body = replay.as_ref().and_then(RequestBody::try_clone);
                    drain_in_background(
                        std::mem::take(&mut r.body),
                        r.headers.get(http::header::CONTENT_LENGTH),
                    );
                    netlog.hop_begin(log, &ctx.url, &ctx.method);
                }
            }
        };
        // A WebSocket follows internal redirects only (a server's is an unexpected answer).
        if redirect::is_redirect(hop.status)
            && ctx.redirect != RedirectMode::Manual
            && (internal || !ctx.is_websocket())
            && let Some(next) =
                redirect::next_url(&ctx.url, &hop.headers, |s| p.protocol.handles(s))?
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
                ctx.upload = None;
            } else if ctx.has_body {
                match replay {
                    Some(b) => body = Some(b),
                    // A hop a stage answered (an internal redirect) never sent the body.
                    None if streamed && body.is_none() => {
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
            for stage in &stages.request {
                stage.on_event(
                    ctx,
                    &mut RequestEvent::Redirect {
                        response: &hop,
                        to: &next,
                    },
                );
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
        return Ok(hop);
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

/// The response head of a hop into the net log, when one runs.
fn log_head(netlog: &NetLog, log: Option<&Source>, hop: &HopResponse, from: HeadFrom) {
    if log.is_some() {
        netlog.hop_response(
            log,
            (hop.version, hop.status, &hop.status_text),
            hop.raw_headers.get(&hop.headers),
            from,
        );
    }
}

async fn transport(
    p: &Pipeline,
    ctx: &RequestContext,
    mut body: RequestBody,
    routing: Routing,
) -> Result<HopResponse> {
    body.prepare().await?;
    if let Some(handled) = &ctx.handler {
        return crate::protocol::answer(handled, ctx, body).await;
    }
    match ctx.url.scheme() {
        "http" | "https" => {}
        "ws" | "wss" if ctx.is_websocket() => {}
        "ws" | "wss" => {
            return Err(Error::new(
                NetError::UnknownUrlScheme,
                format!(
                    "cannot fetch '{}': a WebSocket URL is opened with Net::websocket",
                    ctx.url
                ),
            ));
        }
        _ => {}
    }
    match ctx.url.scheme() {
        "http" | "https" | "ws" | "wss" => {
            let routes = match routing {
                Routing::Direct => vec![None],
                Routing::Proxied => p.proxy.route(&ctx.url).await,
            };
            p.transport.send(ctx, body, &routes).await
        }
        "file" => Box::pin(file::serve(&ctx.url, &ctx.method, &ctx.headers)).await,
        s => Err(Error::new(
            NetError::UnknownUrlScheme,
            format!("cannot fetch '{}': unknown scheme '{s}:'", ctx.url),
        )),
    }
}

/// Stage 8: content decoding, then the response as the caller sees it.
fn finish(p: &Pipeline, ctx: &mut RequestContext, mut hop: HopResponse) -> Response {
    let bodiless = ctx.method == Method::HEAD
        || hop.status == StatusCode::NO_CONTENT
        || hop.status == StatusCode::NOT_MODIFIED
        || hop.status.is_informational();
    let by_dictionary = !bodiless
        && crate::shared_dictionary::decode_coded(
            &ctx.extensions,
            &hop.headers,
            &mut hop.body,
            &p.limits,
            ctx.url.as_str(),
        );
    if !bodiless
        && !by_dictionary
        && let Some(codings) = decode::codings(&hop.headers)
        && !codings.is_empty()
    {
        let body = std::mem::take(&mut hop.body);
        hop.body = decode::decode(body, &codings, &p.limits, ctx.url.as_str());
    }
    if !bodiless {
        crate::shared_dictionary::record_declared(&ctx.extensions, &mut hop.body);
    }
    let mut url_chain = std::mem::take(&mut ctx.previous_urls);
    url_chain.push(ctx.url.clone());
    Response { hop, url_chain }
}
