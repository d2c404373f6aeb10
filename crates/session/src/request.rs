//! [`RequestBuilder`]: requests as reqwest users write them, sent through the session's
//! pipeline (cookies, cache, proxy, redirects, net log) by [`Session::fetch`].
//!
//! ```no_run
//! # async fn run(session: session::Session) -> session::net::Result<()> {
//! use std::time::Duration;
//!
//! let page = session
//!     .get("https://example.com/search")
//!     .query(&[("q", "rust session")])
//!     .header("accept", "text/html")
//!     .timeout(Duration::from_secs(10))
//!     .send()
//!     .await?
//!     .error_for_status()?
//!     .text()
//!     .await?;
//! # let _ = page; Ok(()) }
//! ```
//!
//! The crate's integration tests (`tests/it/request.rs`) run each method against a loopback site.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use http::Method;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use session_net::{
    AbortHandle, Body, CacheMode, CredentialsMode, Error, FetchOptions, NetError, RedirectMode,
    RequestBody, Response, Result, new_request,
};
use url::Url;

use crate::session::Session;

/// A request being built: [`Session::request`], [`Session::get`] ... then [`RequestBuilder::send`].
///
/// A mistake made while building (a bad URL, header or value that does not serialize) is kept
/// and returned by `send`, so calls chain without `?` at each step, as in reqwest.
///
/// ```
/// use std::time::Duration;
/// use session::{Sessions, SessionOptions};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let page = dir.path().join("page.txt");
/// std::fs::write(&page, "hello from a file").unwrap();
/// let session = Sessions::new(dir.path()).from_partition("scratch", SessionOptions::default()).unwrap();
///
/// let url = url::Url::from_file_path(&page).unwrap();
/// let response = session.get(url.as_str()).timeout(Duration::from_secs(30)).send().await.unwrap();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.text().await.unwrap(), "hello from a file");
///
/// // A mistake made while building is returned by `send`.
/// let err = session.get("not a url").send().await.unwrap_err();
/// assert!(err.to_string().contains("not a valid URL"));
/// # });
/// ```
#[must_use = "a request builder does nothing until it is sent"]
#[derive(Debug)]
pub struct RequestBuilder {
    session: Session,
    parts: Result<Parts>,
}

#[derive(Debug)]
struct Parts {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: RequestBody,
    options: FetchOptions,
    timeout: Option<Duration>,
}

impl Session {
    /// A request with `method` to `url`, sent through this session by [`RequestBuilder::send`].
    /// `url` may be any URL [`Session::fetch`] serves (`http`, `https`, `file`).
    ///
    /// Example: see [`RequestBuilder`] and [`RequestBuilder::build`].
    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        let url = url.as_ref();
        let parts = Url::parse(url)
            .map_err(|e| {
                Error::with_source(
                    NetError::InvalidUrl,
                    format!("'{url}' is not a valid URL"),
                    e,
                )
            })
            .map(|url| Parts {
                method,
                url,
                headers: HeaderMap::new(),
                body: RequestBody::empty(),
                options: FetchOptions::new(),
                timeout: None,
            });
        RequestBuilder {
            session: self.clone(),
            parts,
        }
    }

    /// A `GET` request to `url` ([`Session::request`]). Example: see [`RequestBuilder`].
    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// A `POST` request to `url` ([`Session::request`]). Example: see [`RequestBuilder`].
    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// A `PUT` request to `url` ([`Session::request`]). Example: see [`RequestBuilder`].
    pub fn put(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PUT, url)
    }

    /// A `PATCH` request to `url` ([`Session::request`]). Example: see [`RequestBuilder`].
    pub fn patch(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    /// A `DELETE` request to `url` ([`Session::request`]). Example: see [`RequestBuilder`].
    pub fn delete(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    /// A `HEAD` request to `url` ([`Session::request`]). Example: see [`RequestBuilder`].
    pub fn head(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::HEAD, url)
    }
}

/// A header name as [`RequestBuilder::header`] takes it: text (`&str`, `String`), whose
/// spelling goes on the wire on HTTP/1.1, or an [`http::HeaderName`], sent in Title-Case.
///
/// ```
/// use session::IntoHeaderName;
///
/// let (name, spelling) = "X-API-Key".into_header_name().unwrap();
/// assert_eq!((name.as_str(), spelling.as_deref()), ("x-api-key", Some("X-API-Key")));
/// let (name, spelling) = http::header::ACCEPT.into_header_name().unwrap();
/// assert_eq!((name.as_str(), spelling), ("accept", None));
/// assert!("bad header".into_header_name().is_err());
/// ```
pub trait IntoHeaderName {
    /// The name, and its spelling when it was given as text.
    ///
    /// Example: see [`IntoHeaderName`].
    fn into_header_name(
        self,
    ) -> std::result::Result<(HeaderName, Option<String>), http::header::InvalidHeaderName>;
}

impl IntoHeaderName for &str {
    fn into_header_name(
        self,
    ) -> std::result::Result<(HeaderName, Option<String>), http::header::InvalidHeaderName> {
        Ok((
            HeaderName::from_bytes(self.as_bytes())?,
            Some(self.to_string()),
        ))
    }
}

impl IntoHeaderName for String {
    fn into_header_name(
        self,
    ) -> std::result::Result<(HeaderName, Option<String>), http::header::InvalidHeaderName> {
        Ok((HeaderName::from_bytes(self.as_bytes())?, Some(self)))
    }
}

impl IntoHeaderName for &String {
    fn into_header_name(
        self,
    ) -> std::result::Result<(HeaderName, Option<String>), http::header::InvalidHeaderName> {
        self.as_str().into_header_name()
    }
}

impl IntoHeaderName for HeaderName {
    fn into_header_name(
        self,
    ) -> std::result::Result<(HeaderName, Option<String>), http::header::InvalidHeaderName> {
        Ok((self, None))
    }
}

impl IntoHeaderName for &HeaderName {
    fn into_header_name(
        self,
    ) -> std::result::Result<(HeaderName, Option<String>), http::header::InvalidHeaderName> {
        Ok((self.clone(), None))
    }
}

fn invalid(what: String, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::with_source(NetError::InvalidArgument, what, e)
}

impl RequestBuilder {
    fn with(mut self, f: impl FnOnce(&mut Parts) -> Result<()>) -> Self {
        if let Ok(parts) = &mut self.parts
            && let Err(e) = f(parts)
        {
            self.parts = Err(e);
        }
        self
    }

    /// Appends a header (a second value of the same name is added, not replaced). A name given
    /// as text (`"X-API-Key"`) goes out spelled so on HTTP/1.1 ([`FetchOptions::header_case`]);
    /// an [`http::HeaderName`] (lower case by construction) goes out in Title-Case.
    ///
    /// Example: see [`RequestBuilder::build`].
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: IntoHeaderName,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.with(|p| {
            let (name, spelled) = name
                .into_header_name()
                .map_err(|e| invalid("invalid header name".into(), e))?;
            let value = HeaderValue::try_from(value)
                .map_err(|e| invalid(format!("invalid value for header '{name}'"), e.into()))?;
            p.headers.append(name, value);
            if let Some(spelled) = spelled {
                let case = &mut p.options.header_case;
                case.retain(|s| !s.eq_ignore_ascii_case(&spelled));
                case.push(spelled);
            }
            Ok(())
        })
    }

    /// Sets every header of `headers`, replacing earlier values of the same names.
    ///
    /// Example: see [`RequestBuilder::build`].
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.with(|p| {
            for name in headers.keys() {
                p.headers.remove(name);
            }
            for (name, value) in &headers {
                p.headers.append(name.clone(), value.clone());
            }
            Ok(())
        })
    }

    /// `Authorization: Basic` with `username` and `password`, sent with this request only (as
    /// reqwest does). The session's own HTTP authentication (challenges, the auth cache, the
    /// login handler) is separate: a header set here goes as it is.
    ///
    /// Example: see [`RequestBuilder::build`].
    pub fn basic_auth(
        self,
        username: impl std::fmt::Display,
        password: Option<impl std::fmt::Display>,
    ) -> Self {
        use base64::Engine;
        let credentials = match password {
            Some(p) => format!("{username}:{p}"),
            None => format!("{username}:"),
        };
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        self.sensitive_authorization(value)
    }

    /// `Authorization: Bearer TOKEN`, sent with this request only.
    ///
    /// Example: see [`RequestBuilder::build`].
    pub fn bearer_auth(self, token: impl std::fmt::Display) -> Self {
        self.sensitive_authorization(format!("Bearer {token}"))
    }

    fn sensitive_authorization(self, value: String) -> Self {
        self.with(|p| {
            let mut value = HeaderValue::try_from(value)
                .map_err(|e| invalid("invalid Authorization value".into(), e))?;
            value.set_sensitive(true);
            p.headers.insert(AUTHORIZATION, value);
            Ok(())
        })
    }

    /// The request body (bytes are replayed on a 307/308 redirect; a stream is sent once).
    ///
    /// Example: see [`RequestBuilder::build`].
    pub fn body(self, body: impl Into<RequestBody>) -> Self {
        self.with(|p| {
            p.body = body.into();
            Ok(())
        })
    }

    /// The file at `path` as the body: streamed from disk when the request is sent (never read
    /// into memory whole), with its length as `Content-Length`, and read again for a 307/308
    /// redirect or an auth retry. A missing file fails the request with
    /// `net::ERR_FILE_NOT_FOUND`, one that changes size while it is sent with
    /// `net::ERR_UPLOAD_FILE_CHANGED`. For a body of several parts (bytes, file ranges, blobs)
    /// pass [`RequestBody::from_parts`] to [`RequestBuilder::body`].
    ///
    /// ```
    /// use session::{SessionOptions, Sessions};
    /// # let site = session_test_support::TestSite::start(); // a loopback site; `/echo` returns the request as JSON
    /// # let url = site.http_url("a.test", "/echo");
    ///
    /// let user_data = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(user_data.path())
    ///     .from_partition("app", SessionOptions::default())
    ///     .unwrap();
    /// # session.net().set_host_rules(session_test_support::HOST_RULES.parse().unwrap());
    /// let upload = user_data.path().join("upload.txt");
    /// std::fs::write(&upload, "file body").unwrap();
    /// let blob = session.register_blob("blob body", "text/plain");
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let echoed: serde_json::Value = session.put(&url).body_file(&upload).send().await?.json().await?;
    /// assert_eq!(echoed["body"], "file body");
    /// let echoed: serde_json::Value = session.post(&url).body_blob(&blob).send().await?.json().await?;
    /// assert_eq!(echoed["body"], "blob body");
    ///
    /// assert!(session.post(&url).body_blob("no-such-blob").send().await.is_err());
    /// let missing = session.post(&url).body_file(user_data.path().join("gone")).send().await;
    /// assert_eq!(missing.unwrap_err().code(), -6); // net::ERR_FILE_NOT_FOUND
    /// # Ok::<_, session::net::Error>(()) }).unwrap();
    /// ```
    pub fn body_file(self, path: impl Into<std::path::PathBuf>) -> Self {
        let path = path.into();
        self.with(|p| {
            p.body = RequestBody::file(path);
            Ok(())
        })
    }

    /// The session's registered blob `uuid` ([`Session::register_blob`]) as the body; webRequest
    /// shows it as its `blobUUID`. A UUID the session does not know is returned by `send`.
    ///
    /// Example: see [`RequestBuilder::body_file`].
    pub fn body_blob(self, uuid: &str) -> Self {
        let part = self.session.blobs().body_part(uuid);
        self.with(|p| {
            p.body = RequestBody::from_parts([part?]);
            Ok(())
        })
    }

    /// Appends `query` to the URL's query string: a struct, a map or a list of pairs whose
    /// values are strings, numbers or booleans (serde_urlencoded's rules, as reqwest).
    ///
    /// Example: see [`RequestBuilder::build`].
    #[cfg(feature = "json")]
    pub fn query<T: serde::Serialize + ?Sized>(self, query: &T) -> Self {
        self.with(|p| {
            let encoded = serde_urlencoded::to_string(query)
                .map_err(|e| invalid("the query does not serialize".into(), e))?;
            if !encoded.is_empty() {
                let joined = match p.url.query() {
                    Some(q) if !q.is_empty() => format!("{q}&{encoded}"),
                    _ => encoded,
                };
                p.url.set_query(Some(&joined));
            }
            Ok(())
        })
    }

    /// A JSON body serialized from `json`, with `Content-Type: application/json` unless one
    /// was set.
    ///
    /// Example: see [`RequestBuilder::build`].
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize + ?Sized>(self, json: &T) -> Self {
        self.with(|p| {
            let bytes = serde_json::to_vec(json)
                .map_err(|e| invalid("the JSON body does not serialize".into(), e))?;
            p.headers
                .entry(CONTENT_TYPE)
                .or_insert(HeaderValue::from_static("application/json"));
            p.body = bytes.into();
            Ok(())
        })
    }

    /// A form body (`application/x-www-form-urlencoded`) serialized from `form`, with that
    /// `Content-Type` unless one was set.
    ///
    /// Example: see [`RequestBuilder::build`].
    #[cfg(feature = "json")]
    pub fn form<T: serde::Serialize + ?Sized>(self, form: &T) -> Self {
        self.with(|p| {
            let encoded = serde_urlencoded::to_string(form)
                .map_err(|e| invalid("the form does not serialize".into(), e))?;
            p.headers
                .entry(CONTENT_TYPE)
                .or_insert(HeaderValue::from_static(
                    "application/x-www-form-urlencoded",
                ));
            p.body = encoded.into();
            Ok(())
        })
    }

    /// `redirect` of RequestInit: follow (default), manual or error.
    ///
    /// Example: see [`RequestBuilder`].
    pub fn redirect(self, mode: RedirectMode) -> Self {
        self.with(|p| {
            p.options.redirect = mode;
            Ok(())
        })
    }

    /// `credentials` of RequestInit: whether cookies go with the request and are stored.
    ///
    /// Example: see [`RequestBuilder`].
    pub fn credentials(self, mode: CredentialsMode) -> Self {
        self.with(|p| {
            p.options.credentials = mode;
            Ok(())
        })
    }

    /// `cache` of RequestInit: how the HTTP cache answers.
    ///
    /// Example: see [`RequestBuilder`].
    pub fn cache(self, mode: CacheMode) -> Self {
        self.with(|p| {
            p.options.cache = mode;
            Ok(())
        })
    }

    /// Aborts the request (and its body) when `handle` is aborted.
    ///
    /// Example: see [`RequestBuilder`].
    pub fn abort(self, handle: AbortHandle) -> Self {
        self.with(|p| {
            p.options.abort = Some(handle);
            Ok(())
        })
    }

    /// Replaces every option of RequestInit at once (initiator origin, site for cookies ...);
    /// the URL stays the builder's.
    ///
    /// Example: see [`RequestBuilder`].
    pub fn options(self, options: FetchOptions) -> Self {
        self.with(|p| {
            p.options = options;
            Ok(())
        })
    }

    /// A deadline for the whole request, from `send` to the last byte of the body: past it the
    /// request is cancelled and fails with `net::ERR_TIMED_OUT` (reqwest's `timeout`).
    ///
    /// Example: see [`RequestBuilder`].
    pub fn timeout(self, timeout: Duration) -> Self {
        self.with(|p| {
            p.timeout = Some(timeout);
            Ok(())
        })
    }

    /// The `http::Request` [`Session::fetch`] would receive (options in its extensions), or the
    /// first mistake made while building. The timeout is not part of it.
    ///
    /// ```
    /// use session::{Sessions, SessionOptions};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(dir.path()).from_partition("scratch", SessionOptions::default()).unwrap();
    /// let request = session
    ///     .post("https://api.test/items?page=2")
    ///     .query(&[("sort", "name")])
    ///     .header("X-Api-Key", "k1")
    ///     .basic_auth("ann", Some("secret"))
    ///     .json(&serde_json::json!({ "name": "pen" }))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(request.uri(), "https://api.test/items?page=2&sort=name");
    /// assert_eq!(request.headers()["x-api-key"], "k1");
    /// assert_eq!(request.headers()["authorization"], "Basic YW5uOnNlY3JldA==");
    /// assert_eq!(request.headers()["content-type"], "application/json");
    ///
    /// let bad = session.get("https://a.test/").header("bad header", "v").build();
    /// assert!(bad.unwrap_err().to_string().contains("invalid header name"));
    /// ```
    pub fn build(self) -> Result<http::Request<RequestBody>> {
        self.parts.and_then(|p| into_request(p).map(|(r, _)| r))
    }

    /// Sends the request through the session's pipeline.
    ///
    /// Dropping the future cancels the request.
    ///
    /// Example: see [`RequestBuilder`].
    pub async fn send(self) -> Result<Response> {
        let (request, timeout) = into_request(self.parts?)?;
        let Some(timeout) = timeout else {
            return self.session.fetch(request).await;
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let mut response = tokio::time::timeout_at(deadline, self.session.fetch(request))
            .await
            .map_err(|_| timed_out(timeout))??;
        let body = std::mem::take(response.body_mut());
        *response.body_mut() = Body::from_stream(Deadline {
            body: Box::pin(body),
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            timeout,
        });
        Ok(response)
    }
}

fn into_request(p: Parts) -> Result<(http::Request<RequestBody>, Option<Duration>)> {
    let mut request = new_request(p.method, p.url.as_str(), p.body)?;
    *request.headers_mut() = p.headers;
    // `new_request` put the parsed URL in its options; keep it under the caller's options.
    let url = request
        .extensions_mut()
        .remove::<FetchOptions>()
        .and_then(|o| o.url);
    let mut options = p.options;
    options.url = url;
    request.extensions_mut().insert(options);
    Ok((request, p.timeout))
}

fn timed_out(timeout: Duration) -> Error {
    Error::new(
        NetError::TimedOut,
        format!("the request took longer than its timeout of {timeout:?}"),
    )
}

/// A body that fails with `net::ERR_TIMED_OUT` once the request's deadline passes.
struct Deadline {
    body: Pin<Box<Body>>,
    sleep: Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
}

impl Stream for Deadline {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = self.body.as_mut().poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            let timeout = self.timeout;
            // Dropping the body cancels the transfer.
            self.body = Box::pin(Body::empty());
            return Poll::Ready(Some(Err(timed_out(timeout))));
        }
        Poll::Pending
    }
}
