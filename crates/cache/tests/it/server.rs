//! A loopback HTTP/1.1 origin for the tests: counts the requests it sees per path and answers
//! from a small route table.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub struct Origin {
    pub addr: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    last_headers: Arc<Mutex<HashMap<String, http::HeaderMap>>>,
}

impl Origin {
    pub async fn start() -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let last_headers: Arc<Mutex<HashMap<String, http::HeaderMap>>> = Arc::default();
        let (h, l) = (hits.clone(), last_headers.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (h, l) = (h.clone(), l.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let (h, l) = (h.clone(), l.clone());
                        async move {
                            let path = req.uri().path().to_string();
                            let n = {
                                let mut hits = h.lock().unwrap();
                                let n = hits.entry(path.clone()).or_default();
                                *n += 1;
                                *n
                            };
                            l.lock()
                                .unwrap()
                                .insert(path.clone(), req.headers().clone());
                            let _ = req.into_body().collect().await;
                            Ok::<_, Infallible>(route(&path, n, &l.lock().unwrap()[&path]))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Origin {
            addr,
            hits,
            last_headers,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    pub fn last_request_headers(&self, path: &str) -> http::HeaderMap {
        self.last_headers
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .unwrap_or_default()
    }
}

fn route(path: &str, n: usize, req: &http::HeaderMap) -> Response<Full<Bytes>> {
    let b = Response::builder();
    let body = |s: String| Full::new(Bytes::from(s));
    let r = match path {
        p if p.starts_with("/max-age") => b
            .header("cache-control", "max-age=3600")
            .body(body(format!("response-{n}"))),
        p if p.starts_with("/etag") => {
            if req.get("if-none-match").is_some_and(|v| v == "\"v1\"") {
                b.status(StatusCode::NOT_MODIFIED)
                    .header("etag", "\"v1\"")
                    .header("x-seen", n.to_string())
                    .body(body(String::new()))
            } else {
                b.header("cache-control", "max-age=0")
                    .header("etag", "\"v1\"")
                    .body(body(format!("response-{n}")))
            }
        }
        "/redirect" => b
            .status(StatusCode::MOVED_PERMANENTLY)
            .header("location", "/max-age-target")
            .header("cache-control", "max-age=3600")
            .body(body(String::new())),
        "/no-store" => b
            .header("cache-control", "no-store")
            .body(body(format!("response-{n}"))),
        p if p.starts_with("/big/") => {
            let len: usize = p["/big/".len()..].parse().unwrap();
            b.header("cache-control", "max-age=3600")
                .body(body("x".repeat(len)))
        }
        _ => b.status(StatusCode::NOT_FOUND).body(body(String::new())),
    };
    r.unwrap()
}
