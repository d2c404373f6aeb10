//! Protocol handlers of one session: Electron's `protocol` of a session.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use super::responder::{ServeDir, ServeFile, request_url};
use super::scheme::check_scheme;
use crate::body::Body;
use crate::error::{Error, NetError, Result};
use crate::request::{FetchOptions, RequestBody, UploadData};

/// What a handler returns: a response with any status, headers and a streamed body.
///
/// Example: see [`Protocol::register_buffer_protocol`].
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<http::Response<Body>>> + Send>>;

/// A protocol handler: an async function from a request to a response
/// (`Fn(http::Request<RequestBody>) -> impl Future<Output = Result<http::Response<Body>>>`).
///
/// The request's extensions hold its [`url::Url`] (always; read it with [`request_url`], as
/// URLs such as `app:///x` do not fit `http::Uri`) and the session's [`crate::Net`], for a handler
/// that forwards the request (with `bypass_custom_protocol_handlers` to reach the network
/// rather than itself). The body is never buffered: [`Body::from_stream`] takes any stream.
/// An `Err` fails the request with the error's net error; a panic fails it with
/// `net::ERR_FAILED`, and the session keeps working.
pub trait ProtocolHandler: Send + Sync + 'static {
    /// Answers one request.
    ///
    /// ```
    /// use session_net::protocol::ProtocolHandler;
    /// use session_net::{Body, RequestBody};
    ///
    /// // Any async closure from a request to a response is a handler.
    /// let handler = |request: http::Request<RequestBody>| async move {
    ///     let greeting = format!("hello from {}", request.uri().path());
    ///     Ok(http::Response::new(Body::full(greeting)))
    /// };
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let request = http::Request::get("/docs").body(RequestBody::default()).unwrap();
    /// let response = handler.call(request).await?;
    /// assert_eq!(response.into_body().text().await?, "hello from /docs");
    /// # Ok::<_, session_net::Error>(()) }).unwrap();
    /// ```
    ///
    /// Handlers in a session: see [`Protocol`].
    fn call(&self, request: http::Request<RequestBody>) -> HandlerFuture;
}

impl<F, Fut> ProtocolHandler for F
where
    F: Fn(http::Request<RequestBody>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<http::Response<Body>>> + Send + 'static,
{
    fn call(&self, request: http::Request<RequestBody>) -> HandlerFuture {
        Box::pin(self(request))
    }
}

impl ProtocolHandler for ServeDir {
    fn call(&self, request: http::Request<RequestBody>) -> HandlerFuture {
        let this = self.clone();
        // Only the head is read; the body is dropped.
        let request = http::Request::from_parts(request.into_parts().0, ());
        Box::pin(async move { this.serve(&request).await })
    }
}

impl ProtocolHandler for ServeFile {
    fn call(&self, request: http::Request<RequestBody>) -> HandlerFuture {
        let this = self.clone();
        // Only the head is read; the body is dropped.
        let request = http::Request::from_parts(request.into_parts().0, ());
        Box::pin(async move { this.serve(&request).await })
    }
}

/// The schemes `handle` intercepts rather than registers (Electron's built-in schemes).
///
/// ```
/// use session_net::protocol::is_builtin_scheme;
///
/// assert!(is_builtin_scheme("https") && is_builtin_scheme("file"));
/// assert!(!is_builtin_scheme("app"));
/// ```
pub fn is_builtin_scheme(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "file")
}

pub(crate) type SharedHandler = Arc<dyn ProtocolHandler>;

#[derive(Default)]
struct Handlers {
    registered: HashMap<String, SharedHandler>,
    intercepted: HashMap<String, SharedHandler>,
}

/// The protocol handlers of one session (Electron's `ses.protocol`). Cheap to clone; every
/// clone edits the same set. Handlers apply to requests that start after the change.
///
/// ```
/// use session_net::protocol::{Protocol, ProtocolResponse};
/// use session_net::{Body, RequestBody};
///
/// let protocol = Protocol::new();
/// assert!(protocol.is_empty());
/// protocol.handle("app", |_req: http::Request<RequestBody>| async {
///     Ok(http::Response::new(Body::full("hi")))
/// }).unwrap();
/// assert!(protocol.is_protocol_handled("app"));
/// // A second handler for the same scheme is refused, as in Electron.
/// let again = protocol.handle("app", |_req: http::Request<RequestBody>| async {
///     Ok(http::Response::new(Body::empty()))
/// });
/// assert_eq!(again.unwrap_err().detail(), "Failed to register protocol: app");
/// protocol.unhandle("app");
/// assert!(!protocol.is_protocol_handled("app"));
///
/// // Electron's deprecated family: registered and intercepted schemes are kept apart.
/// assert!(protocol.register_string_protocol("legacy", |_req| async { ProtocolResponse::text("old") }));
/// assert!(protocol.is_protocol_registered("legacy"));
/// assert!(protocol.intercept_buffer_protocol("https", |_req| async { ProtocolResponse::bytes("x") }));
/// assert!(protocol.is_protocol_intercepted("https"));
/// assert!(protocol.unintercept_protocol("https"));
/// assert!(protocol.unregister_protocol("legacy"));
/// assert!(protocol.is_empty());
/// ```
///
/// Requests answered through a session: see [the module](crate::protocol) and
/// [`ProtocolResponse`].
#[derive(Clone, Default)]
pub struct Protocol {
    handlers: Arc<RwLock<Handlers>>,
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let h = self.read();
        let mut registered: Vec<&String> = h.registered.keys().collect();
        let mut intercepted: Vec<&String> = h.intercepted.keys().collect();
        registered.sort();
        intercepted.sort();
        f.debug_struct("Protocol")
            .field("registered", &registered)
            .field("intercepted", &intercepted)
            .finish()
    }
}

impl Protocol {
    /// No handlers.
    ///
    /// Example: see [`Protocol`].
    pub fn new() -> Self {
        Protocol::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Handlers> {
        self.handlers.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Handlers> {
        self.handlers.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The handler for `scheme` (lower-case): an interceptor first, then a registered custom
    /// scheme (registrations of built-in schemes are never used, as in Electron).
    pub(crate) fn find(&self, scheme: &str) -> Option<SharedHandler> {
        let h = self.read();
        if h.registered.is_empty() && h.intercepted.is_empty() {
            return None;
        }
        h.intercepted.get(scheme).cloned().or_else(|| {
            (!is_builtin_scheme(scheme))
                .then(|| h.registered.get(scheme).cloned())
                .flatten()
        })
    }

    /// Whether a request of `scheme` would be answered by a handler.
    pub(crate) fn handles(&self, scheme: &str) -> bool {
        self.find(scheme).is_some()
    }

    /// Whether nothing is registered or intercepted.
    ///
    /// Example: see [`Protocol`].
    pub fn is_empty(&self) -> bool {
        let h = self.read();
        h.registered.is_empty() && h.intercepted.is_empty()
    }

    fn insert(&self, intercept: bool, scheme: &str, handler: SharedHandler) -> bool {
        let Ok(scheme) = check_scheme(scheme) else {
            return false;
        };
        let mut h = self.write();
        let map = if intercept {
            &mut h.intercepted
        } else {
            &mut h.registered
        };
        if map.contains_key(&scheme) {
            return false;
        }
        map.insert(scheme, handler);
        true
    }

    fn remove(&self, intercept: bool, scheme: &str) -> bool {
        let scheme = scheme.to_ascii_lowercase();
        let mut h = self.write();
        let map = if intercept {
            &mut h.intercepted
        } else {
            &mut h.registered
        };
        map.remove(&scheme).is_some()
    }

    fn has(&self, intercept: bool, scheme: &str) -> bool {
        let scheme = scheme.to_ascii_lowercase();
        let h = self.read();
        if intercept {
            h.intercepted.contains_key(&scheme)
        } else {
            h.registered.contains_key(&scheme)
        }
    }

    /// `protocol.handle(scheme, handler)`: serves `scheme` with `handler`; for `http`,
    /// `https` and `file` it intercepts the built-in handling. Fails if the scheme is not a valid
    /// scheme name or already has a handler (`Failed to register protocol: <scheme>`).
    ///
    /// Example: see [`Protocol`].
    pub fn handle(&self, scheme: &str, handler: impl ProtocolHandler) -> Result<()> {
        let name = check_scheme(scheme)?;
        if self.insert(is_builtin_scheme(&name), &name, Arc::new(handler)) {
            Ok(())
        } else {
            Err(Error::new(
                NetError::InvalidArgument,
                format!("Failed to register protocol: {scheme}"),
            ))
        }
    }

    /// `protocol.unhandle(scheme)`: removes the handler `handle` installed; a scheme without
    /// one is left alone.
    ///
    /// Example: see [`Protocol`].
    pub fn unhandle(&self, scheme: &str) {
        let name = scheme.to_ascii_lowercase();
        self.remove(is_builtin_scheme(&name), &name);
    }

    /// `protocol.isProtocolHandled(scheme)`.
    ///
    /// Example: see [`Protocol`].
    pub fn is_protocol_handled(&self, scheme: &str) -> bool {
        let name = scheme.to_ascii_lowercase();
        self.has(is_builtin_scheme(&name), &name)
    }

    /// `protocol.unregisterProtocol(scheme)` _(deprecated in Electron)_: whether a handler
    /// was removed.
    ///
    /// Example: see [`Protocol`].
    pub fn unregister_protocol(&self, scheme: &str) -> bool {
        self.remove(false, scheme)
    }

    /// `protocol.isProtocolRegistered(scheme)` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol`].
    pub fn is_protocol_registered(&self, scheme: &str) -> bool {
        self.has(false, scheme)
    }

    /// `protocol.uninterceptProtocol(scheme)` _(deprecated in Electron)_: whether an
    /// interceptor was removed.
    ///
    /// Example: see [`Protocol`].
    pub fn unintercept_protocol(&self, scheme: &str) -> bool {
        self.remove(true, scheme)
    }

    /// `protocol.isProtocolIntercepted(scheme)` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol`].
    pub fn is_protocol_intercepted(&self, scheme: &str) -> bool {
        self.has(true, scheme)
    }

    /// The deprecated `register{File,Buffer,String,Http,Stream}Protocol` and
    /// `intercept*Protocol`: `handler` gets Electron's `ProtocolRequest` and answers a
    /// [`ProtocolResponse`], read as `kind` says. Returns false if the scheme already has a
    /// handler of the same family (registered or intercepted) or is not a valid name.
    ///
    /// Example: see [`ProtocolResponse`].
    pub fn register_typed<F, Fut>(
        &self,
        how: Registration,
        kind: ProtocolType,
        scheme: &str,
        handler: F,
    ) -> bool
    where
        F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ProtocolResponse> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let adapter = move |request: http::Request<RequestBody>| {
            let handler = handler.clone();
            async move {
                let net = request.extensions().get::<crate::Net>().cloned();
                let headers = request.headers().clone();
                let preq = ProtocolRequest::read(request).await?;
                let response = handler(preq).await;
                response.into_response(kind, net, &headers).await
            }
        };
        self.insert(how == Registration::Intercept, scheme, Arc::new(adapter))
    }
}

macro_rules! typed_registrations {
    ($($(#[$doc:meta])* $name:ident => $how:ident, $kind:ident;)*) => {
        impl Protocol {
            $(
                $(#[$doc])*
                pub fn $name<F, Fut>(&self, scheme: &str, handler: F) -> bool
                where
                    F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
                    Fut: Future<Output = ProtocolResponse> + Send + 'static,
                {
                    self.register_typed(Registration::$how, ProtocolType::$kind, scheme, handler)
                }
            )*
        }
    };
}

typed_registrations! {
    /// `protocol.registerFileProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    register_file_protocol => Register, File;
    /// `protocol.registerBufferProtocol` _(deprecated in Electron)_. The whole family at work:
    ///
    /// ```
    /// use session_net::protocol::ProtocolResponse;
    /// use session_net::{Body, Net, NetConfig, new_request};
    /// # let site = session_test_support::TestSite::start(); // a loopback site; `/echo` answers JSON
    /// # let echo = site.http_url("a.test", "/echo");
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let net = Net::new(NetConfig::default())?;
    /// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("page.html"), "<h1>hi</h1>").unwrap();
    /// let root = dir.path().to_owned();
    ///
    /// let protocol = net.protocol();
    /// assert!(protocol.register_buffer_protocol("buf", |_| async { ProtocolResponse::bytes(&b"\x00\x01"[..]) }));
    /// assert!(protocol.register_file_protocol("files", move |request| {
    ///     let path = root.join(request.url.rsplit('/').next().unwrap());
    ///     async move { ProtocolResponse::file(path) }
    /// }));
    /// assert!(protocol.register_stream_protocol("live", |_| async { ProtocolResponse::stream(Body::full("tick")) }));
    /// assert!(protocol.register_http_protocol("proxied", move |_| {
    ///     let target = echo.clone();
    ///     async move { ProtocolResponse::url(target) }
    /// }));
    /// assert!(protocol.intercept_string_protocol("https", |_| async { ProtocolResponse::text("offline") }));
    ///
    /// let get = |url: &str| net.fetch(new_request(http::Method::GET, url, ()).unwrap());
    /// assert_eq!(get("buf://x/").await?.bytes().await?, &b"\x00\x01"[..]);
    /// assert_eq!(get("files://x/page.html").await?.text().await?, "<h1>hi</h1>");
    /// assert_eq!(get("live://x/").await?.text().await?, "tick");
    /// assert!(get("proxied://x/").await?.text().await?.contains(r#""method":"GET""#));
    /// assert_eq!(get("https://example.com/").await?.text().await?, "offline");
    /// assert!(protocol.unintercept_protocol("https"));
    /// # Ok::<_, session_net::Error>(()) }).unwrap();
    /// ```
    register_buffer_protocol => Register, Buffer;
    /// `protocol.registerStringProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`ProtocolResponse`].
    register_string_protocol => Register, String;
    /// `protocol.registerHttpProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    register_http_protocol => Register, Http;
    /// `protocol.registerStreamProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    register_stream_protocol => Register, Stream;
    /// `protocol.interceptFileProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    intercept_file_protocol => Intercept, File;
    /// `protocol.interceptBufferProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol`].
    intercept_buffer_protocol => Intercept, Buffer;
    /// `protocol.interceptStringProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    intercept_string_protocol => Intercept, String;
    /// `protocol.interceptHttpProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    intercept_http_protocol => Intercept, Http;
    /// `protocol.interceptStreamProtocol` _(deprecated in Electron)_.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    intercept_stream_protocol => Intercept, Stream;
}

/// Whether a deprecated `register*` call registers a custom scheme or intercepts one.
///
/// Example: see [`Protocol::register_buffer_protocol`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// `register*Protocol`.
    Register,
    /// `intercept*Protocol`.
    Intercept,
}

/// How a deprecated handler's [`ProtocolResponse`] is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolType {
    /// `registerFileProtocol`: `path` (or a string `data`) names a file, served with ranges.
    File,
    /// `registerBufferProtocol`: `data` must be bytes.
    Buffer,
    /// `registerStringProtocol`: `data` must be a string.
    String,
    /// `registerHttpProtocol`: `url` (with `method`, `referrer`, `upload_data`, `session`)
    /// is fetched and its response relayed.
    Http,
    /// `registerStreamProtocol`: `data` is a stream (or nothing).
    Stream,
}

/// Electron's `ProtocolRequest`, handed to the deprecated handlers.
///
/// Example: see [`Protocol::register_buffer_protocol`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ProtocolRequest {
    /// The URL.
    pub url: String,
    /// The `Referer`, or empty.
    pub referrer: String,
    /// The method.
    pub method: String,
    /// The request headers (repeated ones joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// The request body as Electron's `uploadData`: one element per part of a body of parts
    /// (bytes, a file's path, a blob's UUID; files are not read), else one element with the
    /// bytes of the body (a stream is read to give them); empty without a body.
    pub upload_data: Vec<UploadData>,
}

impl ProtocolRequest {
    async fn read(request: http::Request<RequestBody>) -> Result<Self> {
        let url = request_url(&request)
            .map(|u| u.to_string())
            .unwrap_or_else(|| request.uri().to_string());
        let (parts, body) = request.into_parts();
        let mut headers = BTreeMap::<String, String>::new();
        for (name, value) in &parts.headers {
            let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers
                .entry(name.as_str().to_string())
                .and_modify(|s| {
                    s.push_str(", ");
                    s.push_str(&v);
                })
                .or_insert(v);
        }
        let upload_data = match body.upload_data() {
            Some(list) => list,
            None => {
                let bytes = http_body_util::BodyExt::collect(body)
                    .await
                    .map_err(|e| {
                        Error::new(
                            NetError::Failed,
                            format!("reading the request body of {url} failed: {e}"),
                        )
                    })?
                    .to_bytes();
                if bytes.is_empty() {
                    Vec::new()
                } else {
                    vec![UploadData::bytes(bytes)]
                }
            }
        };
        Ok(ProtocolRequest {
            referrer: headers.get("referer").cloned().unwrap_or_default(),
            url,
            method: parts.method.to_string(),
            headers,
            upload_data,
        })
    }
}

/// The data of a [`ProtocolResponse`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub enum ProtocolData {
    /// Nothing.
    #[default]
    None,
    /// A string (string and file protocols).
    Text(String),
    /// Bytes (buffer protocol).
    Bytes(Bytes),
    /// A stream (stream protocol).
    Stream(Body),
}

/// Electron's `ProtocolResponse`, what a deprecated handler answers.
///
/// ```
/// use session_net::protocol::ProtocolResponse;
/// use session_net::{Net, NetConfig, NetError, new_request};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.protocol().register_string_protocol("notes", |request| async move {
///     if request.url.ends_with("/missing") {
///         return ProtocolResponse::error(NetError::FileNotFound.code());
///     }
///     ProtocolResponse::text(format!("{} {}", request.method, request.url))
///         .status(201)
///         .mime_type("text/plain")
///         .charset("utf-8")
///         .header("x-notes", "1")
/// });
///
/// let response = net.fetch(new_request(http::Method::GET, "notes://box/today", ())?).await?;
/// assert_eq!(response.status(), 201);
/// assert_eq!(response.header("x-notes").as_deref(), Some("1"));
/// assert_eq!(response.header("content-type").as_deref(), Some("text/plain; charset=utf-8"));
/// assert_eq!(response.text().await?, "GET notes://box/today");
///
/// let failed = net.fetch(new_request(http::Method::GET, "notes://box/missing", ())?).await;
/// assert_eq!(failed.unwrap_err().kind(), NetError::FileNotFound);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ProtocolResponse {
    /// Fail the request with this net error code (`-6`, ...).
    pub error: Option<i32>,
    /// The status (default 200).
    pub status_code: Option<u16>,
    /// The charset of a text body.
    pub charset: Option<String>,
    /// The MIME type of the body.
    pub mime_type: Option<String>,
    /// Response headers; a value with several parts is written joined with `, `.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub data: ProtocolData,
    /// The file to serve (file protocol).
    pub path: Option<PathBuf>,
    /// The URL to fetch (http protocol).
    pub url: Option<String>,
    /// The method of that fetch (default the request's `GET`).
    pub method: Option<String>,
    /// The referrer of that fetch.
    pub referrer: Option<String>,
    /// The body of that fetch.
    pub upload_data: Option<Bytes>,
    /// The session that fetch goes through (default: this session).
    pub session: Option<crate::Net>,
}

impl ProtocolResponse {
    /// An empty response (what `callback()` with nothing gives).
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    pub fn new() -> Self {
        ProtocolResponse::default()
    }

    /// A string body.
    ///
    /// Example: see [`ProtocolResponse`].
    pub fn text(data: impl Into<String>) -> Self {
        ProtocolResponse {
            data: ProtocolData::Text(data.into()),
            ..Default::default()
        }
    }

    /// A bytes body.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    pub fn bytes(data: impl Into<Bytes>) -> Self {
        ProtocolResponse {
            data: ProtocolData::Bytes(data.into()),
            ..Default::default()
        }
    }

    /// A streamed body.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    pub fn stream(body: Body) -> Self {
        ProtocolResponse {
            data: ProtocolData::Stream(body),
            ..Default::default()
        }
    }

    /// A file to serve.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    pub fn file(path: impl Into<PathBuf>) -> Self {
        ProtocolResponse {
            path: Some(path.into()),
            ..Default::default()
        }
    }

    /// A URL to fetch.
    ///
    /// Example: see [`Protocol::register_buffer_protocol`].
    pub fn url(url: impl Into<String>) -> Self {
        ProtocolResponse {
            url: Some(url.into()),
            ..Default::default()
        }
    }

    /// Fails the request with net error `code`.
    ///
    /// Example: see [`ProtocolResponse`].
    pub fn error(code: i32) -> Self {
        ProtocolResponse {
            error: Some(code),
            ..Default::default()
        }
    }

    /// Sets the status.
    ///
    /// Example: see [`ProtocolResponse`].
    pub fn status(mut self, code: u16) -> Self {
        self.status_code = Some(code);
        self
    }

    /// Sets the MIME type.
    ///
    /// Example: see [`ProtocolResponse`].
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    /// Sets the charset.
    ///
    /// Example: see [`ProtocolResponse`].
    pub fn charset(mut self, charset: impl Into<String>) -> Self {
        self.charset = Some(charset.into());
        self
    }

    /// Adds a header.
    ///
    /// Example: see [`ProtocolResponse`].
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn fail(kind: ProtocolType, why: &str) -> Error {
        Error::new(
            NetError::Failed,
            format!("the {kind:?} protocol handler answered {why}"),
        )
    }

    fn head(&self) -> Result<(StatusCode, HeaderMap)> {
        let status = StatusCode::from_u16(self.status_code.unwrap_or(200)).map_err(|_| {
            Error::new(
                NetError::Failed,
                format!(
                    "a protocol handler answered the invalid status {:?}",
                    self.status_code
                ),
            )
        })?;
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                return Err(Error::new(
                    NetError::Failed,
                    format!("a protocol handler answered the invalid header '{name}: {value}'"),
                ));
            };
            headers.append(n, v);
        }
        // Electron adds `Access-Control-Allow-Origin: *` unless the handler set one.
        if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
        if !headers.contains_key(header::CONTENT_TYPE)
            && (self.mime_type.is_some() || self.charset.is_some())
        {
            let mime = self.mime_type.as_deref().unwrap_or("text/html");
            let value = match &self.charset {
                Some(c) => format!("{mime}; charset={c}"),
                None => mime.to_string(),
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(header::CONTENT_TYPE, v);
            }
        }
        Ok((status, headers))
    }

    async fn into_response(
        self,
        kind: ProtocolType,
        net: Option<crate::Net>,
        request_headers: &HeaderMap,
    ) -> Result<http::Response<Body>> {
        if let Some(code) = self.error {
            let err = NetError::from_code(code).unwrap_or(NetError::Failed);
            return Err(Error::new(
                err,
                format!("the protocol handler failed the request with error {code}"),
            ));
        }
        let (status, headers) = self.head()?;
        let body = match (kind, self.data) {
            (ProtocolType::String, ProtocolData::Text(s)) => Body::full(s),
            (ProtocolType::String, _) => return Err(Self::fail(kind, "no string")),
            (ProtocolType::Buffer, ProtocolData::Bytes(b)) => Body::full(b),
            (ProtocolType::Buffer, _) => return Err(Self::fail(kind, "no bytes")),
            (ProtocolType::Stream, ProtocolData::Stream(b)) => b,
            (ProtocolType::Stream, ProtocolData::None) => Body::empty(),
            (ProtocolType::Stream, _) => return Err(Self::fail(kind, "no stream")),
            (ProtocolType::File, data) => {
                let path = match (self.path, data) {
                    (Some(p), _) => p,
                    (None, ProtocolData::Text(s)) => PathBuf::from(s),
                    _ => return Err(Self::fail(kind, "no path")),
                };
                return file_response(&path, request_headers, headers, self.status_code).await;
            }
            (ProtocolType::Http, _) => {
                let Some(url) = self.url else {
                    return Err(Self::fail(kind, "no url"));
                };
                let net = self.session.or(net).ok_or_else(|| {
                    Error::new(
                        NetError::Failed,
                        "no session to fetch the http protocol's url",
                    )
                })?;
                let method = self.method.as_deref().unwrap_or("GET");
                let method = http::Method::from_bytes(method.as_bytes()).map_err(|_| {
                    Error::new(
                        NetError::Failed,
                        format!("the http protocol handler answered the invalid method {method}"),
                    )
                })?;
                let body = self.upload_data.map(RequestBody::from).unwrap_or_default();
                let mut request = crate::new_request(method, &url, body)?;
                if let Some(options) = request.extensions_mut().get_mut::<FetchOptions>() {
                    options.bypass_custom_protocol_handlers = true;
                }
                if let Some(r) = self.referrer.as_deref()
                    && let Ok(v) = HeaderValue::from_str(r)
                {
                    request.headers_mut().insert(header::REFERER, v);
                }
                let response = net.fetch(request).await?;
                return Ok(relay(response));
            }
        };
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }
}

/// The file protocol's answer: the file responder (so `Range` works), plus the handler's
/// headers and status.
async fn file_response(
    path: &std::path::Path,
    request_headers: &HeaderMap,
    extra: HeaderMap,
    status: Option<u16>,
) -> Result<http::Response<Body>> {
    let mut response = super::respond(path, &http::Method::GET, request_headers)
        .await
        .map_err(|e| e.into_net_error())?;
    for (name, value) in &extra {
        response.headers_mut().insert(name, value.clone());
    }
    if let Some(s) = status.and_then(|s| StatusCode::from_u16(s).ok()) {
        *response.status_mut() = s;
    }
    Ok(response)
}

/// A fetched response as a handler's answer (Electron's `return net.fetch(request)` in a
/// handler). Its body is already decoded, so the coding headers go.
///
/// ```
/// use session_net::protocol::relay;
/// use session_net::{Net, NetConfig, RequestBody, new_request};
/// # let site = session_test_support::TestSite::start(); // a loopback site; `/echo` answers JSON
/// # let echo = site.http_url("a.test", "/echo");
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
/// net.protocol().handle("mirror", move |request: http::Request<RequestBody>| {
///     let net = request.extensions().get::<Net>().cloned().expect("the session's Net");
///     let target = echo.clone();
///     async move {
///         let response = net.fetch(new_request(http::Method::GET, &target, ())?).await?;
///         Ok(relay(response))
///     }
/// })?;
/// let response = net.fetch(new_request(http::Method::GET, "mirror://x/", ())?).await?;
/// assert_eq!(response.status(), 200);
/// assert!(response.text().await?.contains(r#""method":"GET""#));
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
pub fn relay(response: crate::Response) -> http::Response<Body> {
    let crate::Response { hop, .. } = response;
    let mut headers = hop.headers;
    if headers.contains_key(header::CONTENT_ENCODING) {
        headers.remove(header::CONTENT_ENCODING);
        headers.remove(header::CONTENT_LENGTH);
    }
    let mut out = http::Response::new(hop.body);
    *out.status_mut() = hop.status;
    *out.headers_mut() = headers;
    out
}

impl From<String> for ProtocolResponse {
    fn from(s: String) -> Self {
        ProtocolResponse::text(s)
    }
}

impl From<&str> for ProtocolResponse {
    fn from(s: &str) -> Self {
        ProtocolResponse::text(s)
    }
}

impl From<Bytes> for ProtocolResponse {
    fn from(b: Bytes) -> Self {
        ProtocolResponse::bytes(b)
    }
}

impl From<Vec<u8>> for ProtocolResponse {
    fn from(b: Vec<u8>) -> Self {
        ProtocolResponse::bytes(b)
    }
}

impl From<PathBuf> for ProtocolResponse {
    fn from(p: PathBuf) -> Self {
        ProtocolResponse::file(p)
    }
}
