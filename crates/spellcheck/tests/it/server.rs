//! A small loopback HTTP/1.1 server and a matching dictionary fetcher.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use session_spellcheck::{DictionaryFetcher, FetchError, FetchResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// How the server answers a path.
#[derive(Clone)]
pub(crate) enum Reply {
    /// 200 with this body.
    Ok(Vec<u8>),
    /// This status, empty body.
    Status(u16),
    /// Announces the full length but closes after `sent` bytes.
    Truncated { body: Vec<u8>, sent: usize },
}

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) async fn start(routes: HashMap<String, Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let routes = Arc::new(routes);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let routes = routes.clone();
                let log = log.clone();
                tokio::spawn(serve(stream, routes, log));
            }
        });
        Server {
            base: format!("http://{addr}/dict/"),
            requests,
        }
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    routes: Arc<HashMap<String, Reply>>,
    log: Arc<Mutex<Vec<String>>>,
) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
    log.lock().expect("lock").push(path.clone());
    let reply = routes.get(&path).cloned().unwrap_or(Reply::Status(404));
    let (status, body, sent) = match reply {
        Reply::Ok(body) => {
            let n = body.len();
            (200, body, n)
        }
        Reply::Status(s) => (s, Vec::new(), 0),
        Reply::Truncated { body, sent } => (200, body, sent),
    };
    let header = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(header.as_bytes()).await;
    let _ = stream.write_all(&body[..sent]).await;
    let _ = stream.shutdown().await;
}

/// GETs over a plain TCP connection; a body shorter than its Content-Length is an error.
pub(crate) struct TcpFetcher;

impl DictionaryFetcher for TcpFetcher {
    fn fetch(&self, url: Url) -> BoxFuture<'static, Result<FetchResponse, FetchError>> {
        Box::pin(async move {
            let host = url.host_str().ok_or("no host")?.to_owned();
            let port = url.port_or_known_default().ok_or("no port")?;
            let mut stream = TcpStream::connect((host.as_str(), port)).await?;
            let request = format!(
                "GET {} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n",
                url.path()
            );
            stream.write_all(request.as_bytes()).await?;
            let mut all = Vec::new();
            stream.read_to_end(&mut all).await?;
            let split = all
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .ok_or("no header end")?;
            let head = String::from_utf8_lossy(&all[..split]).to_string();
            let body = all[split + 4..].to_vec();
            let status: u16 = head.split_whitespace().nth(1).ok_or("no status")?.parse()?;
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .ok_or("no length")?
                .trim()
                .parse()?;
            if body.len() < length {
                return Err(format!("body truncated: {} of {length} bytes", body.len()).into());
            }
            Ok(FetchResponse { status, body })
        })
    }
}
