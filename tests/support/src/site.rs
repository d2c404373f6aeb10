//! The site: listeners, the request log and mutable resources.

use crate::body::Body;
use crate::pki::{TestPki, TlsVariant};
use crate::routes;
use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

/// One request as the site received it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    /// Method, e.g. `GET`.
    pub method: String,
    /// Path and query, e.g. `/echo?x=1`.
    pub path: String,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub version: String,
    /// `Host` header, or the `:authority` on HTTP/2.
    pub host: String,
    /// Headers as hyper parsed them (names lower-case), in received order per name.
    pub headers: Vec<(String, String)>,
    /// Whether it came over TLS.
    pub tls: bool,
}

impl LoggedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A resource served at `/res/NAME`, replaceable between requests.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The entity body.
    pub body: Bytes,
    /// Its `ETag` (with quotes), if any.
    pub etag: Option<String>,
    /// Its `Last-Modified`, if any.
    pub last_modified: Option<String>,
    /// More response headers.
    pub headers: Vec<(String, String)>,
}

pub(crate) struct Shared {
    pub(crate) log: Mutex<Vec<LoggedRequest>>,
    /// Signalled (with the log's lock) on every logged request, for blocking waiters.
    logged: Condvar,
    /// Bumped on every logged request, for async waiters.
    logged_count: watch::Sender<u64>,
    pub(crate) resources: Mutex<HashMap<String, Resource>>,
    pub(crate) auth: crate::auth::AuthState,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            log: Mutex::default(),
            logged: Condvar::new(),
            logged_count: watch::channel(0).0,
            resources: Mutex::default(),
            auth: Default::default(),
        }
    }
}

/// The running site; stops when dropped.
pub struct TestSite {
    pki: Arc<TestPki>,
    shared: Arc<Shared>,
    http: SocketAddr,
    tls: Vec<(TlsVariant, SocketAddr)>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestSite {
    /// Generates the PKI, binds every listener on `127.0.0.1` (ephemeral ports) and serves
    /// them on a thread of its own.
    pub fn start() -> Self {
        let pki = Arc::new(TestPki::generate());
        let shared = Arc::new(Shared::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread_pki = pki.clone();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("test-site".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build the test site's runtime");
                rt.block_on(async move {
                    let http = TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind the http listener");
                    let mut addrs = vec![(None, http.local_addr().expect("local addr"))];
                    tokio::spawn(accept_loop(http, None, thread_shared.clone()));
                    for v in TlsVariant::ALL {
                        let l = TcpListener::bind("127.0.0.1:0")
                            .await
                            .expect("bind a tls listener");
                        addrs.push((Some(v), l.local_addr().expect("local addr")));
                        let acceptor = tokio_rustls::TlsAcceptor::from(thread_pki.server_config(v));
                        tokio::spawn(accept_loop(l, Some(acceptor), thread_shared.clone()));
                    }
                    addr_tx.send(addrs).expect("send addresses");
                    let _ = stop_rx.await;
                });
            })
            .expect("spawn the test site thread");
        let addrs = addr_rx.recv().expect("test site started");
        let http = addrs[0].1;
        let tls = addrs[1..]
            .iter()
            .map(|(v, a)| (v.expect("tls listener has a variant"), *a))
            .collect();
        TestSite {
            pki,
            shared,
            http,
            tls,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Port of the plain HTTP listener.
    pub fn http_port(&self) -> u16 {
        self.http.port()
    }

    /// Port of the valid HTTPS listener.
    pub fn https_port(&self) -> u16 {
        self.tls_port(TlsVariant::Valid)
    }

    /// Port of the HTTPS listener presenting `variant`.
    pub fn tls_port(&self, variant: TlsVariant) -> u16 {
        self.tls
            .iter()
            .find(|(v, _)| *v == variant)
            .map(|(_, a)| a.port())
            .expect("every variant has a listener")
    }

    /// `http://HOST:PORT/PATH` on the plain listener.
    pub fn http_url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.http_port())
    }

    /// `https://HOST:PORT/PATH` on the valid TLS listener.
    pub fn https_url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.https_port())
    }

    /// `https://HOST:PORT/PATH` on the listener presenting `variant`.
    pub fn tls_url(&self, variant: TlsVariant, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.tls_port(variant))
    }

    /// The test CA, PEM.
    pub fn ca_pem(&self) -> &str {
        self.pki.ca_pem()
    }

    /// The test CA, DER.
    pub fn ca_der(&self) -> &[u8] {
        self.pki.ca_der()
    }

    /// The PKI (for rustls client configs trusting the test CA).
    pub fn pki(&self) -> &TestPki {
        &self.pki
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.lock().expect("log lock").clone()
    }

    /// Requests received so far whose path (without query) is `path`.
    pub fn requests_to(&self, path: &str) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.split('?').next() == Some(path))
            .collect()
    }

    /// Waits until a logged request matches `pred` (requests already logged count) and returns
    /// the first that does. Panics after `deadline` naming what arrived, so a test whose request
    /// never comes fails instead of hanging. For async tests: the client under test keeps running
    /// on the caller's runtime while this waits.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&LoggedRequest) -> bool,
        deadline: Duration,
    ) -> LoggedRequest {
        let mut changes = self.shared.logged_count.subscribe();
        let found = tokio::time::timeout(deadline, async {
            loop {
                changes.borrow_and_update();
                if let Some(r) = self.requests().into_iter().find(|r| pred(r)) {
                    return r;
                }
                // The sender lives as long as `self`, so this only returns on a new request.
                let _ = changes.changed().await;
            }
        })
        .await;
        found.unwrap_or_else(|_| self.no_request_within(deadline))
    }

    /// [`TestSite::wait_for_request`] for threads that may block (sync tests, CLI children).
    pub fn wait_for_request_blocking(
        &self,
        pred: impl Fn(&LoggedRequest) -> bool,
        deadline: Duration,
    ) -> LoggedRequest {
        let end = Instant::now() + deadline;
        let mut log = self.shared.log.lock().expect("log lock");
        loop {
            if let Some(r) = log.iter().find(|r| pred(r)) {
                return r.clone();
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                drop(log);
                self.no_request_within(deadline);
            }
            log = self
                .shared
                .logged
                .wait_timeout(log, left)
                .expect("log lock")
                .0;
        }
    }

    /// Waits (async) for a request whose path without query is `path`.
    pub async fn wait_for_path(&self, path: &str, deadline: Duration) -> LoggedRequest {
        self.wait_for_request(|r| r.path.split('?').next() == Some(path), deadline)
            .await
    }

    fn no_request_within(&self, deadline: Duration) -> ! {
        let seen: Vec<String> = self
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        panic!("no matching request reached the test site within {deadline:?}; it saw {seen:?}")
    }

    /// Forgets the logged requests.
    pub fn clear_log(&self) {
        self.shared.log.lock().expect("log lock").clear();
    }

    /// Serves `resource` at `/res/NAME` from now on (replacing any earlier one).
    pub fn put(&self, name: &str, resource: Resource) {
        self.shared
            .resources
            .lock()
            .expect("resources lock")
            .insert(name.to_owned(), resource);
    }
}

impl Drop for TestSite {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve(TokioIo::new(stream), false, shared).await,
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve(TokioIo::new(stream), true, shared).await;
                    }
                }
            }
        });
    }
}

async fn serve<I>(io: I, tls: bool, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let shared = shared.clone();
        async move {
            log(&shared, &req, tls);
            routes::handle(req, &shared).await
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().max_buf_size(1024 * 1024);
    let _ = builder.serve_connection_with_upgrades(io, service).await;
}

fn log(shared: &Shared, req: &Request<Incoming>, tls: bool) {
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let entry = LoggedRequest {
        method: req.method().to_string(),
        path: req
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "/".into()),
        version: format!("{:?}", req.version()),
        host,
        headers: header_pairs(req.headers()),
        tls,
    };
    shared.log.lock().expect("log lock").push(entry);
    shared.logged.notify_all();
    shared.logged_count.send_modify(|n| *n += 1);
}

pub(crate) fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A response with status `status` and `body`.
pub(crate) fn response(status: u16, body: Body) -> Response<Body> {
    let mut r = Response::new(body);
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r
}
