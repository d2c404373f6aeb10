//! The file responder: [`serve_dir`] and [`serve_file`] answer a request from disk with the
//! decisions of [`super::range`], streaming the body in 256 KiB reads (never held whole, no size
//! cap: a range far into a sparse file seeks and answers at once). `file:` URLs use the same
//! code.

use std::io::SeekFrom;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;
use url::Url;

use super::range::{Conditions, Decision, RangeDecision, Validators, decide};
use crate::body::Body;
use crate::error::{Error, NetError, Result};

/// Bytes per read of a file body.
const CHUNK: usize = 256 * 1024;

/// Why a file could not be answered (the caller decides: a 404 response, or a net error).
#[derive(Debug)]
pub(crate) enum OpenError {
    /// Missing, or a directory.
    NotFound(String),
    /// The OS refused to open it.
    Denied(String),
    /// Anything else.
    Other(String),
}

impl OpenError {
    pub(crate) fn into_net_error(self) -> Error {
        match self {
            OpenError::NotFound(m) => Error::new(NetError::FileNotFound, m),
            OpenError::Denied(m) => Error::new(NetError::AccessDenied, m),
            OpenError::Other(m) => Error::new(NetError::Failed, m),
        }
    }

    fn into_response(self) -> Result<http::Response<Body>> {
        match self {
            OpenError::NotFound(_) => Ok(status_only(StatusCode::NOT_FOUND)),
            OpenError::Denied(_) => Ok(status_only(StatusCode::FORBIDDEN)),
            OpenError::Other(m) => Err(Error::new(NetError::Failed, m)),
        }
    }
}

fn status_only(status: StatusCode) -> http::Response<Body> {
    let mut r = http::Response::new(Body::empty());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
    r
}

fn header_str<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Answers `method` with `headers` from the file at `path`.
pub(crate) async fn respond(
    path: &Path,
    method: &Method,
    headers: &HeaderMap,
) -> std::result::Result<http::Response<Body>, OpenError> {
    let shown = path.display().to_string();
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                OpenError::NotFound(format!("cannot open {shown}: {e}"))
            }
            std::io::ErrorKind::PermissionDenied => {
                OpenError::Denied(format!("cannot open {shown}: {e}"))
            }
            _ => OpenError::Other(format!("cannot open {shown}: {e}")),
        })?;
    let meta = file
        .metadata()
        .await
        .map_err(|e| OpenError::Other(format!("cannot stat {shown}: {e}")))?;
    if meta.is_dir() {
        return Err(OpenError::NotFound(format!(
            "{shown} is a directory (directory listings are not served)"
        )));
    }
    let len = meta.len();
    let validators = Validators::for_file(
        len,
        meta.modified().unwrap_or(std::time::SystemTime::UNIX_EPOCH),
    );
    let conditions = Conditions {
        if_match: header_str(headers, &header::IF_MATCH),
        if_none_match: header_str(headers, &header::IF_NONE_MATCH),
        if_modified_since: header_str(headers, &header::IF_MODIFIED_SINCE),
        if_unmodified_since: header_str(headers, &header::IF_UNMODIFIED_SINCE),
        if_range: header_str(headers, &header::IF_RANGE),
        range: header_str(headers, &header::RANGE),
    };
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&validators.etag) {
        out.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&session_cache::directives::fmt_http_date(
        validators.last_modified,
    )) {
        out.insert(header::LAST_MODIFIED, v);
    }
    let range = match decide(method, &conditions, &validators, len) {
        Decision::NotModified => return Ok(with_headers(StatusCode::NOT_MODIFIED, out)),
        Decision::PreconditionFailed => {
            out.insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
            return Ok(with_headers(StatusCode::PRECONDITION_FAILED, out));
        }
        Decision::Send(r) => r,
    };
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
        out.insert(header::CONTENT_TYPE, v);
    }
    let (status, start, count) = match range {
        RangeDecision::Whole => (StatusCode::OK, 0, len),
        RangeDecision::Partial { start, end } => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                out.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeDecision::Unsatisfiable => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                out.insert(header::CONTENT_RANGE, v);
            }
            out.insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
            out.remove(header::CONTENT_TYPE);
            return Ok(with_headers(StatusCode::RANGE_NOT_SATISFIABLE, out));
        }
    };
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    if *method == Method::HEAD || count == 0 {
        let mut r = with_headers(status, out);
        *r.body_mut() = Body::empty();
        return Ok(r);
    }
    if start > 0 {
        file.seek(SeekFrom::Start(start))
            .await
            .map_err(|e| OpenError::Other(format!("cannot seek in {shown}: {e}")))?;
    }
    let stream = futures_util::StreamExt::map(
        ReaderStream::with_capacity(file.take(count), CHUNK),
        move |r: std::io::Result<Bytes>| {
            r.map_err(|e| Error::new(NetError::Failed, format!("reading {shown} failed: {e}")))
        },
    );
    let mut r = with_headers(status, out);
    *r.body_mut() = Body::from_stream(stream);
    Ok(r)
}

fn with_headers(status: StatusCode, headers: HeaderMap) -> http::Response<Body> {
    let mut r = http::Response::new(Body::empty());
    *r.status_mut() = status;
    *r.headers_mut() = headers;
    r
}

/// The URL a protocol handler's request is for: the [`Url`] in its extensions (the pipeline
/// always puts it there; URLs such as `app:///x` do not fit `http::Uri`), else its URI.
///
/// ```
/// let request = http::Request::get("app://bundle/index.html").body(()).unwrap();
/// let url = session_net::protocol::request_url(&request).unwrap();
/// assert_eq!(url.host_str(), Some("bundle"));
/// ```
pub fn request_url<B>(request: &http::Request<B>) -> Option<Url> {
    if let Some(url) = request.extensions().get::<Url>() {
        return Some(url.clone());
    }
    Url::parse(&request.uri().to_string()).ok()
}

/// Maps a URL path (`/a/b%20c.txt`) to a relative path under a root, segment by segment:
/// each segment is percent-decoded and refused (`None`) if it is `.` or `..`, contains `/`,
/// `\` or NUL, or is not UTF-8. An empty path or one ending in `/` names `index`
/// (`index.html`). Pure: no file system access.
///
/// ```
/// use std::path::PathBuf;
/// use session_net::protocol::relative_path;
///
/// assert_eq!(relative_path("/a/b%20c.txt", "index.html"), Some(PathBuf::from("a/b c.txt")));
/// assert_eq!(relative_path("/docs/", "index.html"), Some(PathBuf::from("docs/index.html")));
/// assert_eq!(relative_path("/a/%2e%2e/b", "index.html"), None);
/// ```
pub fn relative_path(url_path: &str, index: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut segments = url_path.split('/').peekable();
    while let Some(seg) = segments.next() {
        let last = segments.peek().is_none();
        if seg.is_empty() {
            if last {
                out.push(index);
            }
            continue;
        }
        let decoded = percent_encoding::percent_decode_str(seg)
            .decode_utf8()
            .ok()?;
        if decoded == "." || decoded == ".." || decoded.contains(['/', '\\', '\0']) {
            return None;
        }
        out.push(decoded.as_ref());
    }
    if out.as_os_str().is_empty() {
        out.push(index);
    }
    // Belt and braces: nothing but plain names may remain.
    out.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(out)
}

type PathFilter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A responder serving the files under a directory: the URL's path (its host is not used)
/// names a file under the root; a path ending in `/` serves that directory's `index.html`.
///
/// Paths that leave the root are answered `404 Not Found` like missing files: `..` in any
/// spelling (`%2e%2e`), encoded separators (`%2f`, `%5c`), NUL, and symbolic links whose target
/// is outside the root. A [`ServeDir::filter`] can restrict the served paths further (an
/// extension's `web_accessible_resources`). Hand it to `handle` as the scheme's handler, or
/// call [`ServeDir::serve`] from a handler of your own.
///
/// ```
/// use session_net::protocol::serve_dir;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir(dir.path().join("docs")).unwrap();
/// std::fs::write(dir.path().join("docs/home.html"), "<h1>home</h1>").unwrap();
/// std::fs::write(dir.path().join("secret.key"), "k").unwrap();
///
/// let files = serve_dir(dir.path())
///     .index("home.html")
///     .filter(|path| !path.ends_with(".key"));
/// assert_eq!(files.root(), dir.path());
/// let get = |url: &str| http::Request::get(url).body(()).unwrap();
/// let page = files.serve(&get("app://x/docs/")).await?; // the directory's index
/// assert_eq!(page.status(), 200);
/// assert_eq!(page.into_body().text().await?, "<h1>home</h1>");
/// assert_eq!(files.serve(&get("app://x/secret.key")).await?.status(), 404); // filtered out
/// assert_eq!(files.serve(&get("app://x/%2e%2e/etc/passwd")).await?.status(), 404); // outside
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct ServeDir {
    root: PathBuf,
    index: String,
    filter: Option<PathFilter>,
}

impl std::fmt::Debug for ServeDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeDir")
            .field("root", &self.root)
            .field("index", &self.index)
            .field("filter", &self.filter.is_some())
            .finish()
    }
}

/// A [`ServeDir`] for `root`.
///
/// Example: see [`ServeDir`].
pub fn serve_dir(root: impl Into<PathBuf>) -> ServeDir {
    ServeDir {
        root: root.into(),
        index: "index.html".into(),
        filter: None,
    }
}

impl ServeDir {
    /// Serves only the paths for which `allow` returns true; it sees the path relative to the
    /// root with `/` separators (`img/logo.png`), after the traversal checks. Others are 404.
    ///
    /// Example: see [`ServeDir`].
    pub fn filter(mut self, allow: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Arc::new(allow));
        self
    }

    /// The file a directory path serves (default `index.html`).
    ///
    /// Example: see [`ServeDir`].
    pub fn index(mut self, name: impl Into<String>) -> Self {
        self.index = name.into();
        self
    }

    /// The root directory.
    ///
    /// Example: see [`ServeDir`].
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers `request` (`GET` / `HEAD`; other methods get `405`). Fails only on I/O errors
    /// other than a missing file or a refused path (those are 404 / 403 responses).
    ///
    /// Example: see [`ServeDir`].
    pub async fn serve<B>(&self, request: &http::Request<B>) -> Result<http::Response<Body>> {
        let Some(url) = request_url(request) else {
            return Ok(status_only(StatusCode::NOT_FOUND));
        };
        self.serve_url(&url, request.method(), request.headers())
            .await
    }

    pub(crate) async fn serve_url(
        &self,
        url: &Url,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<http::Response<Body>> {
        if *method != Method::GET && *method != Method::HEAD {
            let mut r = status_only(StatusCode::METHOD_NOT_ALLOWED);
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return Ok(r);
        }
        let Some(relative) = relative_path(url.path(), &self.index) else {
            return Ok(status_only(StatusCode::NOT_FOUND));
        };
        if let Some(allow) = &self.filter {
            let shown: Vec<&str> = relative
                .components()
                .filter_map(|c| c.as_os_str().to_str())
                .collect();
            if !allow(&shown.join("/")) {
                return Ok(status_only(StatusCode::NOT_FOUND));
            }
        }
        let Some(path) = self.confine(&relative).await else {
            return Ok(status_only(StatusCode::NOT_FOUND));
        };
        match respond(&path, method, headers).await {
            Ok(r) => Ok(r),
            Err(e) => e.into_response(),
        }
    }

    /// The real path of `relative` under the root, if it exists and stays inside the root once
    /// symbolic links are resolved.
    async fn confine(&self, relative: &Path) -> Option<PathBuf> {
        let root = tokio::fs::canonicalize(&self.root).await.ok()?;
        let real = tokio::fs::canonicalize(root.join(relative)).await.ok()?;
        real.starts_with(&root).then_some(real)
    }
}

/// A responder serving one file, whatever the URL's path (ranges, validators and
/// conditionals as [`ServeDir`]).
///
/// ```
/// use session_net::protocol::serve_file;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.js");
/// std::fs::write(&path, "console.log(1)").unwrap();
///
/// let file = serve_file(&path);
/// assert_eq!(file.path(), path);
/// let request = http::Request::get("app://any/path/at/all").body(()).unwrap();
/// let response = file.serve(&request).await?;
/// assert_eq!(response.headers()["content-type"], "text/javascript");
/// assert!(response.headers().contains_key("etag"));
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct ServeFile {
    path: PathBuf,
}

/// A [`ServeFile`] for `path`.
///
/// Example: see [`ServeFile`].
pub fn serve_file(path: impl Into<PathBuf>) -> ServeFile {
    ServeFile { path: path.into() }
}

impl ServeFile {
    /// The file served.
    ///
    /// Example: see [`ServeFile`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Answers `request` from the file: 404 when it is missing or a directory.
    ///
    /// Example: see [`ServeFile`].
    pub async fn serve<B>(&self, request: &http::Request<B>) -> Result<http::Response<Body>> {
        match respond(&self.path, request.method(), request.headers()).await {
            Ok(r) => Ok(r),
            Err(e) => e.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_under_the_root() {
        let ok = |p: &str| relative_path(p, "index.html").map(|p| p.to_string_lossy().into_owned());
        assert_eq!(ok("/a/b.txt").as_deref(), Some("a/b.txt"));
        assert_eq!(ok("/a%20b.txt").as_deref(), Some("a b.txt"));
        assert_eq!(ok("/").as_deref(), Some("index.html"));
        assert_eq!(ok("").as_deref(), Some("index.html"));
        assert_eq!(ok("/dir/").as_deref(), Some("dir/index.html"));
        assert_eq!(ok("//a").as_deref(), Some("a"));
        for bad in [
            "/../etc/passwd",
            "/a/..",
            "/%2e%2e/x",
            "/%2E%2e/x",
            "/.%2e/x",
            "/./x",
            "/a%2f..%2fb",
            "/a%5c..%5cb",
            "/a%00.txt",
            "/%ff",
        ] {
            assert_eq!(ok(bad), None, "{bad}");
        }
    }
}
