//! Responses: [`HopResponse`] (one hop, seen by the stages) and [`Response`] (what `fetch`
//! returns).

use std::net::SocketAddr;
use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderMap, StatusCode, Version};
use url::Url;

use crate::body::Body;
use crate::error::Result;

/// The response to one hop of a fetch (one URL of the chain), before content decoding.
///
/// Stages see and may edit it in [`crate::stages::Stage::on_response`]; the cache stage may
/// build one itself (a fresh hit, with `from_cache` set) and return it from
/// [`crate::stages::Stage::on_request`].
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use session_net::{Body, HopResponse, InternalRedirectReason, RawHeaders};
///
/// // What a stage answers a hop with: a status, headers and a body.
/// let mut headers = HeaderMap::new();
/// headers.insert("content-type", "text/plain".parse().unwrap());
/// let mut hop = HopResponse::new(StatusCode::OK, headers, Body::full("from a stage"));
/// hop.raw_headers = RawHeaders::from_pairs(vec![("Content-Type".into(), "text/plain".into())]);
/// assert_eq!(hop.raw_headers.get(&hop.headers), [("Content-Type".to_owned(), "text/plain".to_owned())]);
/// assert!(!hop.from_cache && hop.remote_addr.is_none());
///
/// // Chrome's internal redirect, as the HSTS stage sends `http:` to `https:`.
/// let to = url::Url::parse("https://bank.test/login").unwrap();
/// let redirect = HopResponse::internal_redirect(&to, InternalRedirectReason::Hsts, &HeaderMap::new());
/// assert_eq!(redirect.status, StatusCode::TEMPORARY_REDIRECT);
/// assert_eq!(redirect.status_text, "Internal Redirect");
/// assert_eq!(redirect.headers["location"], "https://bank.test/login");
/// assert_eq!(redirect.headers["non-authoritative-reason"], InternalRedirectReason::Hsts.as_str());
/// ```
/// A stage returning one: see [`Stage`](crate::stages::Stage).
#[derive(Debug)]
#[non_exhaustive]
pub struct HopResponse {
    /// Status code.
    pub status: StatusCode,
    /// The reason phrase as the server sent it (HTTP/1.x), empty for HTTP/2.
    pub status_text: String,
    /// HTTP version of the connection.
    pub version: Version,
    /// Headers (names lower-case).
    pub headers: HeaderMap,
    /// Header lines as received: one `(name, value)` per line, in wire order, with the server's
    /// spelling of the name (HTTP/1.x; HTTP/2 names are lower-case by the protocol). Parsed
    /// only when asked for.
    pub raw_headers: RawHeaders,
    /// The body, still content-encoded.
    pub body: Body,
    /// Whether the response came from the HTTP cache.
    pub from_cache: bool,
    /// The peer address, for a response from the network.
    pub remote_addr: Option<SocketAddr>,
    /// Whether the response came over TLS whose certificate the default verifier trusted (not
    /// one the verify proc accepted in spite of it): only such a response sets HSTS.
    pub(crate) trusted_tls: bool,
    /// The connection of a WebSocket handshake's `101`, to be taken over.
    pub(crate) upgrade: Option<Upgrade>,
}

/// The connection of a WebSocket handshake answered `101`: hyper hands it over once it has
/// let go of it (see [`crate::websocket`]).
pub(crate) struct Upgrade {
    pub(crate) on: hyper::upgrade::OnUpgrade,
    /// The HTTP/1.1 connection's handle, kept until the upgrade completes (dropping it
    /// earlier could close the connection first).
    pub(crate) keep: Box<dyn std::any::Any + Send + Sync>,
    /// Cancelled when the session closes all its connections (`close_all_connections`).
    pub(crate) closed: tokio_util::sync::CancellationToken,
}

impl std::fmt::Debug for Upgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upgrade").finish_non_exhaustive()
    }
}

impl HopResponse {
    /// A response with `status`, no headers and `body`; raw headers are derived from `headers`
    /// when a stage leaves them empty.
    ///
    /// Example: see [`HopResponse`].
    pub fn new(status: StatusCode, headers: HeaderMap, body: Body) -> Self {
        HopResponse {
            status,
            status_text: status.canonical_reason().unwrap_or("").to_string(),
            version: Version::HTTP_11,
            headers,
            raw_headers: RawHeaders::default(),
            body,
            from_cache: false,
            remote_addr: None,
            trusted_tls: false,
            upgrade: None,
        }
    }

    /// Chrome's answer when the session itself sends a hop elsewhere: `307 Internal Redirect`
    /// to `to`, with `Non-Authoritative-Reason` naming `reason` and the headers Chrome adds for
    /// that reason (for HSTS, `Cross-Origin-Resource-Policy` and, when `request` carries an
    /// `Origin`, the CORS pair). It is followed like a server's redirect: it shows in the URL
    /// chain, in `onBeforeRedirect` and in the net log.
    ///
    /// Example: `HopResponse::internal_redirect(&url, InternalRedirectReason::WebRequest,
    /// &ctx.headers)` from a stage's `on_request`, wrapped in `Flow::Respond`.
    ///
    /// Example: see [`HopResponse`].
    pub fn internal_redirect(
        to: &Url,
        reason: InternalRedirectReason,
        request: &HeaderMap,
    ) -> Self {
        let mut pairs = vec![("Location".to_string(), to.as_str().to_string())];
        if reason == InternalRedirectReason::Hsts {
            pairs.push(("Cross-Origin-Resource-Policy".into(), "Cross-Origin".into()));
        }
        pairs.push(("Non-Authoritative-Reason".into(), reason.as_str().into()));
        if reason == InternalRedirectReason::Hsts
            && let Some(origin) = request
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
                http::HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        }
        let mut r = HopResponse::new(StatusCode::TEMPORARY_REDIRECT, headers, Body::empty());
        r.status_text = "Internal Redirect".into();
        r.raw_headers = RawHeaders::from_pairs(pairs);
        r
    }
}

/// Why the session answered a hop with [`HopResponse::internal_redirect`]: Chrome's
/// `Non-Authoritative-Reason` values.
///
/// Example: see [`HopResponse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InternalRedirectReason {
    /// An `http:` URL of a host with an HSTS policy, sent to `https:` (`HSTS`).
    Hsts,
    /// A webRequest listener's or an extension's declarativeNetRequest redirect
    /// (`WebRequest API`: Chrome applies both in its webRequest layer).
    WebRequest,
}

impl InternalRedirectReason {
    /// The header value.
    ///
    /// Example: see [`HopResponse`].
    pub fn as_str(self) -> &'static str {
        match self {
            InternalRedirectReason::Hsts => "HSTS",
            InternalRedirectReason::WebRequest => "WebRequest API",
        }
    }
}

/// The raw header lines of a response: the HTTP/1.x head as read from the socket (parsed on
/// first use), pairs a stage supplied, or, failing both, the header map in its order.
///
/// Example: see [`HopResponse`].
#[derive(Debug, Default)]
pub struct RawHeaders {
    wire: Option<Vec<u8>>,
    pairs: OnceLock<Vec<(String, String)>>,
}

impl RawHeaders {
    /// Raw headers given as pairs (a stage building a response).
    ///
    /// Example: see [`HopResponse`].
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(pairs);
        RawHeaders {
            wire: None,
            pairs: cell,
        }
    }

    pub(crate) fn from_wire(head: Vec<u8>) -> Self {
        RawHeaders {
            wire: Some(head),
            pairs: OnceLock::new(),
        }
    }

    /// The header names not spelled all lower-case, once each, as received; cheap (a scan of the
    /// raw head, no parsing of values).
    pub(crate) fn spelled_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |name: &[u8]| {
            if name.iter().any(u8::is_ascii_uppercase)
                && !out.iter().any(|n| n.as_bytes() == name)
                && let Ok(n) = std::str::from_utf8(name)
            {
                out.push(n.to_string());
            }
        };
        if let Some(pairs) = self.pairs.get() {
            pairs.iter().for_each(|(n, _)| add(n.as_bytes()));
        } else if let Some(head) = &self.wire {
            // Skip the status line; a header line is `name:`, folded lines start with a blank.
            for line in head.split(|&b| b == b'\n').skip(1) {
                if let Some(colon) = line.iter().position(|&b| b == b':')
                    && !line.starts_with(b" ")
                    && !line.starts_with(b"\t")
                {
                    add(&line[..colon]);
                }
            }
        }
        out
    }

    /// The pairs; `headers` is the response's header map, used when nothing else is known.
    ///
    /// Example: see [`HopResponse`].
    pub fn get(&self, headers: &HeaderMap) -> &[(String, String)] {
        self.pairs.get_or_init(|| {
            self.wire
                .as_deref()
                .and_then(parse_head_pairs)
                .unwrap_or_else(|| {
                    headers
                        .iter()
                        .map(|(n, v)| {
                            (
                                n.as_str().to_string(),
                                String::from_utf8_lossy(v.as_bytes()).into_owned(),
                            )
                        })
                        .collect()
                })
        })
    }
}

/// The header lines of a raw HTTP/1.x response head, in order, with the server's spelling.
pub(crate) fn parse_head_pairs(buf: &[u8]) -> Option<Vec<(String, String)>> {
    let lines = buf.iter().filter(|&&b| b == b'\n').count();
    let mut headers = vec![httparse::EMPTY_HEADER; lines.max(1)];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(_)) => Some(
            resp.headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The response `fetch` returns: status, headers and a streaming (decoded) body.
///
/// ```
/// use session_net::{Body, Net, NetConfig, NetError, RequestBody, new_request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), session_net::Error> {
/// let net = Net::new(NetConfig::default())?;
/// net.protocol().handle("api", |request: http::Request<RequestBody>| async move {
///     let found = request.uri().path() == "/item";
///     Ok(http::Response::builder()
///         .status(if found { 200 } else { 404 })
///         .header("content-type", "application/json")
///         .body(Body::full(if found { r#"{"id":7}"# } else { "{}" }))
///         .unwrap())
/// })?;
///
/// let response = net.fetch(new_request(http::Method::GET, "api://shop/item", ())?).await?;
/// assert!(response.ok());
/// assert_eq!(response.header("content-type").as_deref(), Some("application/json"));
/// assert_eq!(response.url().as_str(), "api://shop/item");
/// let item: serde_json::Value = response.json().await?;
/// assert_eq!(item["id"], 7);
///
/// let missing = net.fetch(new_request(http::Method::GET, "api://shop/gone", ())?).await?;
/// let err = missing.error_for_status().unwrap_err();
/// assert_eq!(err.kind(), NetError::HttpResponseCodeFailure);
/// assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
///
/// // As an `http::Response` for tower and hyper code, with the URL chain in its extensions.
/// let http_response = net.fetch(new_request(http::Method::GET, "api://shop/item", ())?).await?.into_http();
/// let chain = http_response.extensions().get::<session_net::UrlChain>().unwrap();
/// assert_eq!(chain.url().map(|u| u.as_str()), Some("api://shop/item"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Response {
    pub(crate) hop: HopResponse,
    pub(crate) url_chain: Vec<Url>,
}

/// Header names Node.js keeps only once when repeated (`IncomingMessage` rules).
const DISCARD_DUPLICATES: &[&str] = &[
    "age",
    "authorization",
    "content-length",
    "content-type",
    "etag",
    "expires",
    "from",
    "host",
    "if-modified-since",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "proxy-authorization",
    "referer",
    "retry-after",
    "server",
    "user-agent",
];

impl Response {
    /// The final URL (after redirects).
    ///
    /// Example: see [`Response`].
    pub fn url(&self) -> &Url {
        self.url_chain
            .last()
            .expect("a response has at least one URL in its chain")
    }

    /// Every URL the request went through, the first one requested first.
    ///
    /// Example: see [`Response`].
    pub fn url_chain(&self) -> &[Url] {
        &self.url_chain
    }

    /// Status code.
    ///
    /// Example: see [`Response`].
    pub fn status(&self) -> StatusCode {
        self.hop.status
    }

    /// Whether the status is 200..=299 (`Response.ok`).
    ///
    /// Example: see [`Response`].
    pub fn ok(&self) -> bool {
        self.hop.status.is_success()
    }

    /// The reason phrase (`statusText`); empty over HTTP/2.
    ///
    /// Example: see [`Response`].
    pub fn status_text(&self) -> &str {
        &self.hop.status_text
    }

    /// HTTP version.
    ///
    /// Example: see [`Response`].
    pub fn version(&self) -> Version {
        self.hop.version
    }

    /// `httpVersion` as Node writes it: `"1.1"`, `"1.0"`, `"2.0"`.
    ///
    /// Example: see [`Response`].
    pub fn http_version(&self) -> &'static str {
        match self.hop.version {
            Version::HTTP_09 => "0.9",
            Version::HTTP_10 => "1.0",
            Version::HTTP_2 => "2.0",
            Version::HTTP_3 => "3.0",
            _ => "1.1",
        }
    }

    /// Headers (names lower-case).
    ///
    /// Example: see [`Response`].
    pub fn headers(&self) -> &HeaderMap {
        &self.hop.headers
    }

    /// Header lines in wire order with the server's spelling (`rawHeaders`).
    ///
    /// Example: see [`Response`].
    pub fn raw_headers(&self) -> &[(String, String)] {
        self.hop.raw_headers.get(&self.hop.headers)
    }

    /// The value Node's `headers[name]` holds: repeated values joined with `, ` (`; ` for
    /// `cookie`), except the headers Node keeps only once (`last-modified`, `content-type` ...),
    /// which keep the first. `set-cookie` is better read with [`Response::set_cookies`].
    ///
    /// Example: see [`Response`].
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        let mut values = self
            .hop
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let first = values.next()?;
        if DISCARD_DUPLICATES.contains(&name.as_str()) {
            return Some(first);
        }
        let sep = if name == "cookie" { "; " } else { ", " };
        Some(values.fold(first, |mut acc, v| {
            acc.push_str(sep);
            acc.push_str(&v);
            acc
        }))
    }

    /// Every `Set-Cookie` value, in order (always a list, even of one).
    ///
    /// Example: see [`Response`].
    pub fn set_cookies(&self) -> Vec<String> {
        self.hop
            .headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }

    /// Whether the response came from the HTTP cache.
    ///
    /// Example: see [`Response`].
    pub fn from_cache(&self) -> bool {
        self.hop.from_cache
    }

    /// The peer address, when the response came from the network.
    ///
    /// Example: see [`Response`].
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.hop.remote_addr
    }

    /// The body, to stream.
    ///
    /// Example: see [`Response`].
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.hop.body
    }

    /// Takes the body out, leaving an empty one.
    ///
    /// Example: see [`Response`].
    pub fn into_body(self) -> Body {
        self.hop.body
    }

    /// The next chunk of the body.
    ///
    /// Example: see [`Response`].
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        self.hop.body.chunk().await
    }

    /// The whole body.
    ///
    /// Example: see [`Response`].
    pub async fn bytes(self) -> Result<Bytes> {
        self.hop.body.bytes().await
    }

    /// The whole body as text.
    ///
    /// Example: see [`Response`].
    pub async fn text(self) -> Result<String> {
        self.hop.body.text().await
    }

    /// The whole body parsed as JSON into `T` (reqwest's `Response::json`). A body that is not
    /// the JSON `T` expects fails with `net::ERR_INVALID_RESPONSE`, the parse error as its
    /// source.
    ///
    /// Dropping the future stops reading the body.
    ///
    /// Example: see [`Response`].
    #[cfg(feature = "json")]
    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let url = self.url().clone();
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            crate::Error::with_source(
                crate::NetError::InvalidResponse,
                format!("the body of {url} is not the JSON expected"),
                e,
            )
        })
    }

    /// The body as a [`futures_util::Stream`] of chunks (reqwest's `bytes_stream`).
    ///
    /// Example: see [`Response`].
    pub fn bytes_stream(self) -> Body {
        self.hop.body
    }

    /// The response itself when its status is below 400, else
    /// `net::ERR_HTTP_RESPONSE_CODE_FAILURE` with the status ([`crate::Error::status`]), as
    /// reqwest's `error_for_status`. Redirects (3xx) seen with `redirect: manual` are not errors.
    ///
    /// Example: see [`Response`].
    pub fn error_for_status(self) -> Result<Self> {
        self.error_for_status_ref()?;
        Ok(self)
    }

    /// [`Response::error_for_status`] without taking the response.
    ///
    /// Example: see [`Response`].
    pub fn error_for_status_ref(&self) -> Result<&Self> {
        let status = self.status();
        if status.is_client_error() || status.is_server_error() {
            return Err(crate::Error::for_status(status, self.url()));
        }
        Ok(self)
    }

    /// The response as an `http::Response` whose body is this response's [`Body`] (an
    /// [`http_body::Body`]); the URL chain rides in its extensions as [`UrlChain`] (for tower
    /// and hyper users).
    ///
    /// Example: see [`Response`].
    pub fn into_http(self) -> http::Response<Body> {
        let mut out = http::Response::new(self.hop.body);
        *out.status_mut() = self.hop.status;
        *out.version_mut() = self.hop.version;
        *out.headers_mut() = self.hop.headers;
        out.extensions_mut().insert(UrlChain(self.url_chain));
        out
    }
}

/// The URLs a request went through (the first requested first), in the extensions of the
/// `http::Response` made by [`Response::into_http`].
///
/// Example: see [`Response`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlChain(pub Vec<Url>);

impl UrlChain {
    /// The final URL.
    ///
    /// Example: see [`Response`].
    pub fn url(&self) -> Option<&Url> {
        self.0.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(r: &HopResponse) -> Vec<(String, String)> {
        r.raw_headers.get(&r.headers).to_vec()
    }

    #[test]
    fn internal_redirects_carry_chromes_headers_for_each_reason() {
        let to = Url::parse("https://a.test/x").expect("url");
        let mut request = HeaderMap::new();
        let r = HopResponse::internal_redirect(&to, InternalRedirectReason::Hsts, &request);
        assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(r.status_text, "Internal Redirect");
        let names: Vec<String> = pairs(&r).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "Location",
                "Cross-Origin-Resource-Policy",
                "Non-Authoritative-Reason"
            ]
        );
        request.insert(
            http::header::ORIGIN,
            "http://b.test".parse().expect("value"),
        );
        let r = HopResponse::internal_redirect(&to, InternalRedirectReason::Hsts, &request);
        assert_eq!(
            r.headers
                .get("access-control-allow-origin")
                .map(|v| v.as_bytes()),
            Some(&b"http://b.test"[..])
        );
        let r = HopResponse::internal_redirect(&to, InternalRedirectReason::WebRequest, &request);
        assert_eq!(
            pairs(&r),
            [
                ("Location".to_string(), "https://a.test/x".to_string()),
                (
                    "Non-Authoritative-Reason".to_string(),
                    "WebRequest API".to_string()
                ),
            ]
        );
    }
}
