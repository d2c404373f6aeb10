//! The extensions of a session: everything of `session-extensions`, re-exported, as
//! [`Session::extensions`] (Electron's `session.extensions`), and Electron's deprecated
//! `session.loadExtension` family forwarding to it. Dynamic DNR rules of a persistent partition
//! live in `<partition>/Extension Rules/<id>/dynamic_rules.json`; in-memory sessions refuse to
//! load extensions, as Electron does.

use std::path::Path;

pub use session_extensions::*;

use crate::session::Session;

pub(crate) fn new_extensions(storage_path: Option<&Path>) -> Extensions {
    let mut config = ExtensionsConfig::persistent(storage_path.map(|d| d.join("Extension Rules")));
    config.persistent = storage_path.is_some();
    Extensions::new(config)
}

impl Session {
    /// `session.extensions`: load, remove, list, events, content scripts, DNR.
    ///
    /// Example: see [`Extensions::load_extension`].
    pub fn extensions(&self) -> &Extensions {
        &self.inner.extensions
    }

    /// Electron's deprecated `ses.loadExtension`; forwards to
    /// [`Extensions::load_extension`].
    ///
    /// Example: see [`Extensions::load_extension`].
    #[deprecated(note = "use session.extensions().load_extension")]
    pub fn load_extension(&self, path: &Path, options: LoadOptions) -> Result<Loaded, LoadError> {
        self.extensions().load_extension(path, options)
    }

    /// Electron's deprecated `ses.removeExtension`; forwards to
    /// [`Extensions::remove_extension`].
    ///
    /// Example: see [`Extensions::load_extension`].
    #[deprecated(note = "use session.extensions().remove_extension")]
    pub fn remove_extension(&self, id: &str) {
        self.extensions().remove_extension(id)
    }

    /// Electron's deprecated `ses.getExtension`; forwards to [`Extensions::get_extension`].
    ///
    /// Example: see [`Extensions::load_extension`].
    #[deprecated(note = "use session.extensions().get_extension")]
    pub fn get_extension(&self, id: &str) -> Option<Extension> {
        self.extensions().get_extension(id)
    }

    /// Electron's deprecated `ses.getAllExtensions`; forwards to
    /// [`Extensions::get_all_extensions`].
    ///
    /// Example: see [`Extensions::load_extension`].
    #[deprecated(note = "use session.extensions().get_all_extensions")]
    pub fn get_all_extensions(&self) -> Vec<Extension> {
        self.extensions().get_all_extensions()
    }
}

/// The declarativeNetRequest stage of the session's pipeline (stage 2, before webRequest
/// listeners): on each hop, the rules of every loaded extension decide. A block fails the
/// request with `net::ERR_BLOCKED_BY_CLIENT`; a redirect or scheme upgrade answers the hop with
/// an internal `307 Internal Redirect` (`Non-Authoritative-Reason: WebRequest API`, as Chrome,
/// which applies DNR in its webRequest layer) that is followed like a server's and
/// counts toward the redirect limit; request header edits apply before the request leaves and
/// response header edits when its response arrives. With no extension loaded the stage costs
/// one read of an empty rule list. It holds the session weakly (the session owns the pipeline).
///
/// The request's resource type is the pipeline's (`RequestContext::resource_type`: the fetch
/// options' or inferred from a top-level navigation and `Sec-Fetch-Dest`), in DNR's names.
pub(crate) struct DnrStage {
    session: std::sync::Weak<crate::session::Inner>,
}

/// Puts the DNR stage in the session's pipeline.
pub(crate) fn attach(inner: &std::sync::Arc<crate::session::Inner>) {
    inner.net.insert_stage(std::sync::Arc::new(DnrStage {
        session: std::sync::Arc::downgrade(inner),
    }));
}

/// Response header edits decided on the request side, applied on the response side.
#[derive(Clone)]
struct ResponseEdits(Vec<dnr::HeaderEdit>);

/// DNR's name of the request's resource type.
fn resource_type(ctx: &session_net::stages::RequestContext) -> &'static str {
    use session_net::ResourceType as T;
    match ctx.resource_type {
        T::MainFrame => "main_frame",
        T::SubFrame => "sub_frame",
        T::Stylesheet => "stylesheet",
        T::Script => "script",
        T::Image => "image",
        T::Font => "font",
        T::Object => "object",
        T::Xhr => "xmlhttprequest",
        T::Ping => "ping",
        T::CspReport => "csp_report",
        T::Media => "media",
        T::WebSocket => "websocket",
        _ => "other",
    }
}

impl session_net::stages::Stage for DnrStage {
    fn slot(&self) -> session_net::stages::Slot {
        session_net::stages::Slot::BeforeRequest
    }

    fn on_request<'a>(
        &'a self,
        ctx: &'a mut session_net::stages::RequestContext,
    ) -> session_net::stages::BoxFuture<'a, session_net::Result<session_net::stages::Flow>> {
        use session_net::stages::Flow;
        ctx.extensions.remove::<ResponseEdits>();
        let Some(inner) = self.session.upgrade() else {
            return Box::pin(std::future::ready(Ok(Flow::Continue)));
        };
        let log = inner.net.net_log();
        let session = Session::from_inner(inner);
        let method = ctx.method.as_str().to_owned();
        let request = dnr::Request {
            url: &ctx.url,
            method: &method,
            resource_type: resource_type(ctx),
            initiator: ctx.initiator.as_ref(),
        };
        let outcome = session.extensions().evaluate_request(&request);
        note_outcome(&log, &outcome);
        let flow = match outcome.decision {
            Some(dnr::Decision::Block) => Err(session_net::Error::new(
                session_net::NetError::BlockedByClient,
                format!(
                    "{} was blocked by an extension's declarativeNetRequest rule",
                    ctx.url
                ),
            )),
            Some(dnr::Decision::Redirect(to)) if to != ctx.url => Ok(Flow::Respond(Box::new(
                session_net::HopResponse::internal_redirect(
                    &to,
                    session_net::InternalRedirectReason::WebRequest,
                    &ctx.headers,
                ),
            ))),
            _ => {
                dnr::apply_header_edits(&mut ctx.headers, &outcome.request_headers);
                if !outcome.response_headers.is_empty() {
                    ctx.extensions
                        .insert(ResponseEdits(outcome.response_headers));
                }
                Ok(Flow::Continue)
            }
        };
        Box::pin(std::future::ready(flow))
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut session_net::stages::RequestContext,
        response: &'a mut session_net::HopResponse,
    ) -> session_net::stages::BoxFuture<'a, session_net::Result<session_net::stages::ResponseFlow>>
    {
        if let Some(ResponseEdits(edits)) = ctx.extensions.get::<ResponseEdits>() {
            dnr::apply_header_edits(&mut response.headers, edits);
            response.raw_headers = session_net::RawHeaders::default();
        }
        Box::pin(std::future::ready(Ok(
            session_net::stages::ResponseFlow::Continue,
        )))
    }
}

/// Records what the DNR stage decided in the request's net log, as Chrome's extension events:
/// the rules that took effect (extension, ruleset, rule id) and the header names edited.
fn note_outcome(log: &session_net::NetLog, outcome: &dnr::Outcome) {
    use session_net::netlog::Note;
    let edits = !outcome.request_headers.is_empty() || !outcome.response_headers.is_empty();
    let note = match &outcome.decision {
        Some(dnr::Decision::Block) => Note::ExtensionAbortedRequest,
        Some(dnr::Decision::Redirect(_)) => Note::ExtensionRedirectedRequest,
        _ if edits => Note::ExtensionModifiedHeaders,
        _ => return,
    };
    log.note(note, || {
        let rules: Vec<serde_json::Value> = outcome
            .matched
            .iter()
            .map(|m| {
                serde_json::json!({
                    "extension_id": m.extension_id,
                    "ruleset_id": m.ruleset_id,
                    "rule_id": m.rule_id,
                })
            })
            .collect();
        let names = |edits: &[dnr::HeaderEdit], removed: bool| -> Vec<String> {
            edits
                .iter()
                .filter(|e| (e.info.operation == "remove") == removed)
                .map(|e| e.info.header.to_ascii_lowercase())
                .collect()
        };
        let mut params = serde_json::json!({
            "extension_id": outcome.matched.first().map(|m| m.extension_id.as_str()),
            "rules": rules,
        });
        if let Some(dnr::Decision::Redirect(to)) = &outcome.decision {
            params["url"] = serde_json::json!(to.as_str());
        }
        if note == Note::ExtensionModifiedHeaders {
            let all: Vec<dnr::HeaderEdit> = outcome
                .request_headers
                .iter()
                .chain(&outcome.response_headers)
                .cloned()
                .collect();
            params["modified_headers"] = serde_json::json!(names(&all, false));
            params["deleted_headers"] = serde_json::json!(names(&all, true));
        }
        params
    });
}

/// Serves `chrome-extension://<id>/<path>` from the directories of the session's loaded
/// extensions, as a protocol handler of stage 1 that an embedder's own `handle` of the scheme
/// takes precedence over. The extension itself (or the embedder, with no initiator) may load
/// any file inside its directory; a web page only what `web_accessible_resources` grants its
/// origin. Files are served by the file responder (MIME type, validators, `Range`). A resource
/// the initiator may not load, or of no loaded extension, fails with
/// `net::ERR_BLOCKED_BY_CLIENT` (Chromium's answer); a missing file of the extension itself with
/// `net::ERR_FILE_NOT_FOUND`. The path is resolved on the blocking pool, off the runtime.
pub(crate) struct ResourceStage {
    session: std::sync::Weak<crate::session::Inner>,
}

/// Puts the `chrome-extension:` stage in the session's pipeline (after the protocol handlers').
pub(crate) fn attach_resources(inner: &std::sync::Arc<crate::session::Inner>) {
    inner.net.insert_stage(std::sync::Arc::new(ResourceStage {
        session: std::sync::Arc::downgrade(inner),
    }));
}

impl session_net::stages::Stage for ResourceStage {
    fn slot(&self) -> session_net::stages::Slot {
        session_net::stages::Slot::ProtocolHandlers
    }

    fn on_request<'a>(
        &'a self,
        ctx: &'a mut session_net::stages::RequestContext,
    ) -> session_net::stages::BoxFuture<'a, session_net::Result<session_net::stages::Flow>> {
        if ctx.url.scheme() == "chrome-extension"
            && !ctx.is_handled()
            && !ctx.bypass_custom_protocol_handlers
            && let Some(session) = self.session.upgrade()
        {
            let initiator = ctx.initiator.clone();
            ctx.answer_with(std::sync::Arc::new(
                move |request: http::Request<session_net::RequestBody>| {
                    serve_resource(session.clone(), initiator.clone(), request)
                },
            ));
        }
        Box::pin(std::future::ready(Ok(session_net::stages::Flow::Continue)))
    }
}

async fn serve_resource(
    session: std::sync::Arc<crate::session::Inner>,
    initiator: Option<url::Url>,
    request: http::Request<session_net::RequestBody>,
) -> session_net::Result<http::Response<session_net::Body>> {
    use session_net::{Error, NetError};
    let url = session_net::protocol::request_url(&request)
        .ok_or_else(|| Error::new(NetError::InvalidUrl, "a chrome-extension: URL is needed"))?;
    let head = http::Request::from_parts(request.into_parts().0, ());
    let id = url.host_str().unwrap_or_default().to_string();
    let path = url.path().to_string();
    let lookup = {
        let (id, initiator) = (id.clone(), initiator.clone());
        tokio::task::spawn_blocking(move || {
            let extensions = &session.extensions;
            match extensions.resource_path(&id, &path, initiator.as_ref()) {
                Some(file) => Ok(file),
                None => Err(extensions.get_extension(&id).is_some()
                    && initiator.as_ref().is_none_or(|i| {
                        i.scheme() == "chrome-extension" && i.host_str() == Some(id.as_str())
                    })),
            }
        })
    };
    match lookup.await {
        Ok(Ok(file)) => session_net::protocol::serve_file(file).serve(&head).await,
        Ok(Err(true)) => Err(Error::new(
            NetError::FileNotFound,
            format!("{url} is not a file of extension {id}"),
        )),
        Ok(Err(false)) => Err(Error::new(
            NetError::BlockedByClient,
            match &initiator {
                Some(i) => format!(
                    "{url} is not a loaded extension's resource that {} may load",
                    i.origin().ascii_serialization()
                ),
                None => format!("{url} is not a resource of a loaded extension"),
            },
        )),
        Err(e) => Err(Error::new(
            NetError::Failed,
            format!("resolving {url} failed: {e}"),
        )),
    }
}
