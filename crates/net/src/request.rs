//! What a caller passes to `fetch`: the request body and the RequestInit-like options.

use std::fmt;
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::error::{Error, NetError, Result};
use crate::upload::Parts;
pub use crate::upload::{BodyPart, UploadData};

/// `redirect` of RequestInit.
///
/// ```
/// use session_net::RedirectMode;
///
/// let mode: RedirectMode = "manual".parse().unwrap();
/// assert_eq!(mode, RedirectMode::Manual);
/// assert_eq!(mode.as_str(), "manual");
/// assert!("sideways".parse::<RedirectMode>().is_err());
/// assert_eq!(RedirectMode::default(), RedirectMode::Follow);
/// ```
///
/// A fetch with it: see [`FetchOptions`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RedirectMode {
    /// Follow up to 20 redirects (the default).
    #[default]
    Follow,
    /// Return the 3xx response itself.
    Manual,
    /// Fail on the first redirect.
    Error,
}

/// `credentials` of RequestInit: whether cookies (and HTTP auth) go with the request.
///
/// ```
/// use session_net::CredentialsMode;
///
/// assert_eq!("same-origin".parse::<CredentialsMode>().unwrap(), CredentialsMode::SameOrigin);
/// assert_eq!(CredentialsMode::Omit.to_string(), "omit");
/// assert_eq!(CredentialsMode::default(), CredentialsMode::SameOrigin);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CredentialsMode {
    /// Never send or store credentials.
    Omit,
    /// Only for same-origin requests; with no initiator origin this is treated as `Include`
    /// (Electron's `net.fetch`). The default.
    #[default]
    SameOrigin,
    /// Always.
    Include,
}

/// `cache` of RequestInit, handed to the HTTP cache stage (DESIGN.md stage 3): the cache
/// crate's own type, so the stage needs no translation.
pub use session_cache::CacheMode;

macro_rules! string_enum {
    ($ty:ident, $msg:literal, $($s:literal => $v:ident),*) => {
        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($s => Ok($ty::$v),)*
                    _ => Err(Error::new(NetError::InvalidArgument, format!(concat!($msg, ", not '{}'"), s))),
                }
            }
        }
        impl $ty {
            /// The RequestInit spelling.
            ///
            /// Example: see [`RedirectMode`] and [`CredentialsMode`].
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$v => $s,)* }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(RedirectMode, "redirect mode should be one of follow, error or manual",
    "follow" => Follow, "manual" => Manual, "error" => Error);
string_enum!(CredentialsMode, "credentials should be one of include, omit or same-origin",
    "omit" => Omit, "same-origin" => SameOrigin, "include" => Include);

/// Cancels a fetch: aborting fails the pending `fetch` and any body still streaming with
/// `net::ERR_ABORTED`. Cloning shares the same signal.
///
/// ```
/// use session_net::{AbortHandle, FetchOptions, NetError};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("page.html");
/// # std::fs::write(&path, "<p>hi</p>").unwrap();
/// # let url = url::Url::from_file_path(&path).unwrap();
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = session_net::Net::new(session_net::NetConfig::default())?;
/// let abort = AbortHandle::new();
/// let mut request = session_net::new_request(http::Method::GET, url.as_str(), ())?;
/// request.extensions_mut().insert(FetchOptions::new().url(url.clone()).abort(abort.clone()));
/// abort.abort();
/// assert!(abort.is_aborted());
/// let err = net.fetch(request).await.unwrap_err();
/// assert_eq!(err.kind(), NetError::Aborted);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct AbortHandle {
    token: CancellationToken,
}

impl AbortHandle {
    /// A new, not yet aborted handle.
    ///
    /// Example: see [`AbortHandle`].
    pub fn new() -> Self {
        AbortHandle::default()
    }

    /// Aborts every fetch carrying this handle. Aborting twice is the same as once.
    ///
    /// Example: see [`AbortHandle`].
    pub fn abort(&self) {
        self.token.cancel();
    }

    /// Whether `abort` was called.
    ///
    /// Example: see [`AbortHandle`].
    pub fn is_aborted(&self) -> bool {
        self.token.is_cancelled()
    }

    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }
}

/// Options of one fetch, as Electron's RequestInit where they apply. Put them in the request's
/// extensions (`request.extensions_mut().insert(options)`); a request without them uses the
/// defaults.
///
/// ```
/// use session_net::{CacheMode, CredentialsMode, FetchOptions, RedirectMode, ResourceType};
/// # let site = session_test_support::TestSite::start(); // a loopback site with `/redirect/N`
/// # let url = site.http_url("127.0.0.1", "/redirect/1"); // a 302 to /redirect/0
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = session_net::Net::new(session_net::NetConfig::default())?;
/// let mut request = session_net::new_request(http::Method::GET, &url, ())?;
/// let options = FetchOptions::new()
///     .redirect(RedirectMode::Manual)
///     .credentials(CredentialsMode::Omit)
///     .cache(CacheMode::NoStore)
///     .resource_type(ResourceType::Xhr)
///     .origin(url::Url::parse("https://app.example").unwrap())
///     .site_for_cookies(url::Url::parse("https://app.example/").unwrap())
///     .header_case("X-Trace-ID");
/// request.extensions_mut().insert(options);
/// request.headers_mut().insert("x-trace-id", "42".parse().unwrap());
///
/// let response = net.fetch(request).await?;
/// assert_eq!(response.status(), 302); // returned, not followed
/// assert!(response.header("location").unwrap().ends_with("/redirect/0"));
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct FetchOptions {
    /// `redirect`.
    pub redirect: RedirectMode,
    /// `credentials`.
    pub credentials: CredentialsMode,
    /// `cache`.
    pub cache: CacheMode,
    /// Skip custom protocol handlers (stage 1) for this request.
    pub bypass_custom_protocol_handlers: bool,
    /// The initiator's origin (`origin` of ClientRequest); `None` for a request from the
    /// embedder itself, which cookies treat as same-site.
    pub origin: Option<Url>,
    /// The URL whose site is the "site for cookies" (the top frame's URL); `None` means the
    /// request URL itself (a top-level, same-site request).
    pub site_for_cookies: Option<Url>,
    /// Whether this is a top-level navigation (SameSite=Lax cookies go on cross-site GETs).
    pub top_level_navigation: bool,
    /// Cancels the request when aborted.
    pub abort: Option<AbortHandle>,
    /// The URL to fetch when it cannot be written as an `http::Uri` (some `file:` URLs); it
    /// wins over the request's URI.
    pub url: Option<Url>,
    /// What the request is for, as webRequest and declarativeNetRequest report and filter it;
    /// `None` infers it ([`ResourceType::infer`]).
    pub resource_type: Option<ResourceType>,
    /// Request header names as the caller spelled them: on HTTP/1.1 a header of one of these
    /// names (any case) goes out with this spelling. Other names go out in Title-Case, as
    /// Chromium spells its own headers; HTTP/2 sends every name in lower case (the protocol's
    /// rule). `http::HeaderMap` keeps names in lower case, so the spelling travels here.
    pub header_case: Vec<String>,
    /// The opening handshake when the request opens a WebSocket ([`crate::websocket`]).
    pub(crate) websocket: Option<std::sync::Arc<crate::websocket::Handshake>>,
}

impl FetchOptions {
    /// Default options.
    ///
    /// Example: see [`FetchOptions`].
    pub fn new() -> Self {
        FetchOptions::default()
    }

    /// Sends the header named `name` (any case) spelled as `name` on HTTP/1.1; see
    /// [`FetchOptions::header_case`].
    ///
    /// Example: see [`FetchOptions`].
    pub fn header_case(mut self, name: impl Into<String>) -> Self {
        self.header_case.push(name.into());
        self
    }

    /// Sets `redirect`.
    ///
    /// Example: see [`FetchOptions`].
    pub fn redirect(mut self, mode: RedirectMode) -> Self {
        self.redirect = mode;
        self
    }

    /// Sets `credentials`.
    ///
    /// Example: see [`FetchOptions`].
    pub fn credentials(mut self, mode: CredentialsMode) -> Self {
        self.credentials = mode;
        self
    }

    /// Sets `cache`.
    ///
    /// Example: see [`FetchOptions`].
    pub fn cache(mut self, mode: CacheMode) -> Self {
        self.cache = mode;
        self
    }

    /// Sets the abort handle.
    ///
    /// Example: see [`AbortHandle`].
    pub fn abort(mut self, handle: AbortHandle) -> Self {
        self.abort = Some(handle);
        self
    }

    /// Sets the URL to fetch, overriding the request's URI.
    ///
    /// Example: see [`AbortHandle`].
    pub fn url(mut self, url: Url) -> Self {
        self.url = Some(url);
        self
    }

    /// Sets the initiator origin.
    ///
    /// Example: see [`FetchOptions`].
    pub fn origin(mut self, origin: Url) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Sets the site for cookies.
    ///
    /// Example: see [`FetchOptions`].
    pub fn site_for_cookies(mut self, url: Url) -> Self {
        self.site_for_cookies = Some(url);
        self
    }

    /// Sets the resource type.
    ///
    /// Example: see [`FetchOptions`].
    pub fn resource_type(mut self, resource_type: ResourceType) -> Self {
        self.resource_type = Some(resource_type);
        self
    }
}

/// What a request is for: Electron's webRequest `resourceType` names (WR-50).
///
/// ```
/// use session_net::ResourceType;
///
/// assert_eq!(ResourceType::parse("mainFrame").unwrap(), ResourceType::MainFrame);
/// assert_eq!(ResourceType::Xhr.as_str(), "xhr");
/// assert_eq!(ResourceType::parse("page").unwrap_err().detail(), "Invalid type page");
/// assert_eq!(ResourceType::ALL.len(), 13);
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("sec-fetch-dest", "script".parse().unwrap());
/// assert_eq!(ResourceType::infer(false, &headers), ResourceType::Script);
/// assert_eq!(ResourceType::infer(true, &headers), ResourceType::MainFrame);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceType {
    /// `mainFrame`.
    MainFrame,
    /// `subFrame`.
    SubFrame,
    /// `stylesheet`.
    Stylesheet,
    /// `script`.
    Script,
    /// `image`.
    Image,
    /// `font`.
    Font,
    /// `object`.
    Object,
    /// `xhr` (a page's fetch and XMLHttpRequest).
    Xhr,
    /// `ping`.
    Ping,
    /// `cspReport`.
    CspReport,
    /// `media`.
    Media,
    /// `webSocket`.
    WebSocket,
    /// `other`: requests of the embedder (`net.fetch`), downloads, PAC scripts.
    #[default]
    Other,
}

impl ResourceType {
    /// Every type, in Electron's order.
    ///
    /// Example: see [`ResourceType`].
    pub const ALL: [ResourceType; 13] = [
        ResourceType::MainFrame,
        ResourceType::SubFrame,
        ResourceType::Stylesheet,
        ResourceType::Script,
        ResourceType::Image,
        ResourceType::Font,
        ResourceType::Object,
        ResourceType::Xhr,
        ResourceType::Ping,
        ResourceType::CspReport,
        ResourceType::Media,
        ResourceType::WebSocket,
        ResourceType::Other,
    ];

    /// Electron's name (`mainFrame`, `xhr`, ...).
    ///
    /// Example: see [`ResourceType`].
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::MainFrame => "mainFrame",
            ResourceType::SubFrame => "subFrame",
            ResourceType::Stylesheet => "stylesheet",
            ResourceType::Script => "script",
            ResourceType::Image => "image",
            ResourceType::Font => "font",
            ResourceType::Object => "object",
            ResourceType::Xhr => "xhr",
            ResourceType::Ping => "ping",
            ResourceType::CspReport => "cspReport",
            ResourceType::Media => "media",
            ResourceType::WebSocket => "webSocket",
            ResourceType::Other => "other",
        }
    }

    /// Parses Electron's name; an unknown one fails with Electron's `Invalid type <t>`.
    ///
    /// Example: see [`ResourceType`].
    pub fn parse(name: &str) -> Result<ResourceType> {
        ResourceType::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| Error::new(NetError::InvalidArgument, format!("Invalid type {name}")))
    }

    /// The type of a request that did not say: `mainFrame` for a top-level navigation, else
    /// by its `Sec-Fetch-Dest` header (`script`, `style`, `image`, `font`, `iframe`/`frame`,
    /// `audio`/`video`/`track`, `object`/`embed`, `report`, `empty` for a page's fetch), else `other`.
    ///
    /// Example: see [`ResourceType`].
    pub fn infer(top_level_navigation: bool, headers: &http::HeaderMap) -> ResourceType {
        if top_level_navigation {
            return ResourceType::MainFrame;
        }
        let Some(dest) = headers.get("sec-fetch-dest").map(|v| v.as_bytes()) else {
            return ResourceType::Other;
        };
        match dest.to_ascii_lowercase().as_slice() {
            b"script" => ResourceType::Script,
            b"style" => ResourceType::Stylesheet,
            b"image" => ResourceType::Image,
            b"font" => ResourceType::Font,
            b"iframe" | b"frame" => ResourceType::SubFrame,
            b"audio" | b"video" | b"track" => ResourceType::Media,
            b"empty" => ResourceType::Xhr,
            b"object" | b"embed" => ResourceType::Object,
            b"report" => ResourceType::CspReport,
            _ => ResourceType::Other,
        }
    }
}

// In a Mutex only to make `RequestBody` Sync (a stage's context holds it); reached through
// `get_mut`, never locked.
type ByteStream = std::sync::Mutex<Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>>;

/// A request body: nothing, bytes (replayed on a 307/308 redirect or a retry), parts (bytes,
/// file ranges streamed from disk, blobs; replayed too), or a stream (sent once; a 307/308
/// redirect of a streamed body fails with `net::ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED`).
///
/// ```
/// use session_net::{BodyPart, RequestBody};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("photo.jpg");
/// std::fs::write(&path, b"...jpeg bytes...").unwrap();
/// // The file is read as the body is sent, never into memory whole.
/// let body = RequestBody::from_parts([BodyPart::bytes("--boundary\r\n"), BodyPart::file(&path)]);
/// let parts = body.upload_data().unwrap();
/// assert_eq!(parts[1].file.as_deref(), Some(path.as_path()));
/// assert_eq!(body.len(), None); // a file's length is found when the request is sent
/// assert!(!body.is_empty());
///
/// assert!(RequestBody::empty().is_empty());
/// let form = RequestBody::from_parts([BodyPart::bytes("a=1"), BodyPart::bytes("&b=2")]);
/// assert_eq!(form.len(), Some(7));
/// assert_eq!(RequestBody::file(&path).upload_data().unwrap()[0].file.as_deref(), Some(path.as_path()));
/// let streamed = RequestBody::from_stream(futures_util::stream::empty());
/// assert_eq!(streamed.len(), None); // not known in advance
/// assert!(streamed.upload_data().is_none());
/// # }
/// ```
#[derive(Default)]
pub struct RequestBody {
    pub(crate) kind: BodyKind,
}

#[derive(Default)]
pub(crate) enum BodyKind {
    #[default]
    Empty,
    Bytes(Bytes),
    Parts(Parts),
    /// A body of parts being sent.
    Reading(ByteStream, Parts),
    Stream(ByteStream),
}

impl RequestBody {
    /// No body.
    ///
    /// Example: see [`RequestBody`].
    pub fn empty() -> Self {
        RequestBody::default()
    }

    /// A body read from `stream` as the request is sent.
    ///
    /// Example: see [`RequestBody`].
    pub fn from_stream<S>(stream: S) -> Self
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        RequestBody {
            kind: BodyKind::Stream(std::sync::Mutex::new(Box::pin(stream))),
        }
    }

    /// A body made of `parts`, sent one after the other: bytes, file ranges (streamed from
    /// disk when the request is sent; a missing file fails it with `net::ERR_FILE_NOT_FOUND`,
    /// one that changes size while it is sent with `net::ERR_UPLOAD_FILE_CHANGED`) and blobs.
    /// The length goes out as `Content-Length` when every part's is known (a pipe is not:
    /// the body is then chunked). Replayed on a 307/308 redirect or a retry, files reopened.
    ///
    /// Example: see [`RequestBody`].
    pub fn from_parts(parts: impl IntoIterator<Item = BodyPart>) -> Self {
        let parts: Vec<BodyPart> = parts.into_iter().collect();
        if parts.is_empty() {
            return RequestBody::empty();
        }
        RequestBody {
            kind: BodyKind::Parts(Parts::new(parts)),
        }
    }

    /// The whole file at `path`, streamed from disk when the request is sent
    /// ([`RequestBody::from_parts`] of one [`BodyPart::file`]).
    ///
    /// Example: see [`RequestBody`].
    pub fn file(path: impl Into<std::path::PathBuf>) -> Self {
        RequestBody::from_parts([BodyPart::file(path)])
    }

    /// The length when known in advance.
    ///
    /// Example: see [`RequestBody`].
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            BodyKind::Empty => Some(0),
            BodyKind::Bytes(b) => Some(b.len() as u64),
            BodyKind::Parts(p) | BodyKind::Reading(_, p) => p.len(),
            BodyKind::Stream(_) => None,
        }
    }

    /// Whether the body is known to be empty.
    ///
    /// Example: see [`RequestBody`].
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The body as Electron's `uploadData`: one element per part (bytes: the bytes; a file:
    /// its path; a blob: its UUID). `None` for no body and for a stream, which is not held to
    /// be shown.
    ///
    /// Example: see [`RequestBody`].
    pub fn upload_data(&self) -> Option<Vec<UploadData>> {
        match &self.kind {
            BodyKind::Bytes(b) => Some(vec![UploadData::bytes(b.clone())]),
            BodyKind::Parts(p) | BodyKind::Reading(_, p) => {
                Some(p.parts.iter().map(BodyPart::upload_data).collect())
            }
            BodyKind::Empty | BodyKind::Stream(_) => None,
        }
    }

    /// A copy for replay, when the body can be replayed.
    pub(crate) fn try_clone(&self) -> Option<RequestBody> {
        match &self.kind {
            BodyKind::Empty => Some(RequestBody::empty()),
            BodyKind::Bytes(b) => Some(RequestBody::from(b.clone())),
            BodyKind::Parts(p) | BodyKind::Reading(_, p) => Some(RequestBody {
                kind: BodyKind::Parts(p.replay()),
            }),
            BodyKind::Stream(_) => None,
        }
    }

    /// Gets the body ready to be sent: measures the files of a body of parts (see
    /// [`RequestBody::from_parts`]). Other bodies have nothing to do.
    pub(crate) async fn prepare(&mut self) -> Result<()> {
        match &mut self.kind {
            BodyKind::Parts(p) => p.prepare().await,
            _ => Ok(()),
        }
    }

    /// Where a body of parts records why sending it failed (a file that changed, a blob file
    /// gone); shared by the copies made for replay.
    pub(crate) fn failure_slot(&self) -> Option<std::sync::Arc<std::sync::OnceLock<Error>>> {
        match &self.kind {
            BodyKind::Parts(p) | BodyKind::Reading(_, p) => Some(p.failure.clone()),
            _ => None,
        }
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Empty => f.write_str("RequestBody::Empty"),
            BodyKind::Bytes(b) => write!(f, "RequestBody::Bytes({} bytes)", b.len()),
            BodyKind::Parts(p) | BodyKind::Reading(_, p) => {
                f.debug_tuple("RequestBody::Parts").field(&p.parts).finish()
            }
            BodyKind::Stream(_) => f.write_str("RequestBody::Stream"),
        }
    }
}

impl From<Bytes> for RequestBody {
    fn from(b: Bytes) -> Self {
        if b.is_empty() {
            return RequestBody::empty();
        }
        RequestBody {
            kind: BodyKind::Bytes(b),
        }
    }
}

impl From<Vec<u8>> for RequestBody {
    fn from(b: Vec<u8>) -> Self {
        Bytes::from(b).into()
    }
}

impl From<String> for RequestBody {
    fn from(s: String) -> Self {
        Bytes::from(s).into()
    }
}

impl From<&'static str> for RequestBody {
    fn from(s: &'static str) -> Self {
        Bytes::from_static(s.as_bytes()).into()
    }
}

impl From<&'static [u8]> for RequestBody {
    fn from(s: &'static [u8]) -> Self {
        Bytes::from_static(s).into()
    }
}

impl From<()> for RequestBody {
    fn from(_: ()) -> Self {
        RequestBody::empty()
    }
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let BodyKind::Parts(_) = &this.kind
            && let BodyKind::Parts(p) = std::mem::take(&mut this.kind)
        {
            let stream: ByteStream = std::sync::Mutex::new(Box::pin(p.stream()));
            this.kind = BodyKind::Reading(stream, p);
        }
        match &mut this.kind {
            BodyKind::Empty | BodyKind::Parts(_) => Poll::Ready(None),
            BodyKind::Bytes(_) => match std::mem::take(&mut this.kind) {
                BodyKind::Bytes(b) => Poll::Ready(Some(Ok(http_body::Frame::data(b)))),
                _ => Poll::Ready(None),
            },
            BodyKind::Stream(s) | BodyKind::Reading(s, _) => match s
                .get_mut()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
                .poll_next(cx)
            {
                Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(http_body::Frame::data(b)))),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    this.kind = BodyKind::Empty;
                    Poll::Ready(None)
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.kind, BodyKind::Empty)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.kind {
            BodyKind::Empty => http_body::SizeHint::with_exact(0),
            BodyKind::Bytes(b) => http_body::SizeHint::with_exact(b.len() as u64),
            BodyKind::Parts(p) => p.len().map_or_else(
                http_body::SizeHint::default,
                http_body::SizeHint::with_exact,
            ),
            BodyKind::Reading(..) | BodyKind::Stream(_) => http_body::SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_print() {
        assert_eq!("manual".parse::<RedirectMode>(), Ok(RedirectMode::Manual));
        assert_eq!(
            "only-if-cached".parse::<CacheMode>().expect("valid"),
            CacheMode::OnlyIfCached
        );
        assert_eq!(CredentialsMode::SameOrigin.to_string(), "same-origin");
        // NET-54: the message of an invalid redirect mode.
        let err = "sideways".parse::<RedirectMode>().expect_err("invalid");
        assert!(
            err.to_string()
                .contains("redirect mode should be one of follow, error or manual")
        );
        assert!(err.to_string().contains("'sideways'"));
    }

    #[test]
    fn only_byte_bodies_replay() {
        assert!(RequestBody::from("x").try_clone().is_some());
        let s = RequestBody::from_stream(futures_util::stream::empty());
        assert!(s.try_clone().is_none());
        assert_eq!(s.len(), None);
    }
}
