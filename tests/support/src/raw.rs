//! A TCP server that answers every connection with fixed bytes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Answers every connection with the same raw bytes, for replies hyper would never send
/// (malformed heads, lying lengths, endless headers). The raw request heads it read are kept.
pub struct RawServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawServer {
    /// Starts the server: for each connection it reads the request head (up to the blank
    /// line), writes `reply`, then closes the connection when `close` is true or keeps it open
    /// (idle) otherwise.
    pub fn start(reply: Vec<u8>, close: bool) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let reply = Arc::new(reply);
        let mut server = Self::serve(move |mut stream| {
            let received = log.clone();
            let reply = reply.clone();
            async move {
                let Some(head) = read_head(&mut stream).await else {
                    return;
                };
                received.lock().expect("received lock").push(head);
                let _ = stream.write_all(&reply).await;
                let _ = stream.flush().await;
                if !close {
                    std::future::pending::<()>().await;
                }
            }
        });
        server.received = received;
        server
    }

    /// Starts a server that hands every accepted connection to `on_connection` (a task of its
    /// own), for replies that are not fixed bytes: endless or slow heads and bodies, HTTP/2
    /// frames (see [`crate::hostile`]).
    pub fn serve<F, Fut>(on_connection: F) -> Self
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("raw-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build the raw server's runtime");
                rt.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind the raw listener");
                    addr_tx
                        .send(listener.local_addr().expect("local addr"))
                        .expect("send address");
                    let accept = async {
                        loop {
                            let Ok((stream, _)) = listener.accept().await else {
                                continue;
                            };
                            tokio::spawn(on_connection(stream));
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stop_rx => {}
                    }
                });
            })
            .expect("spawn the raw server thread");
        let addr = addr_rx.recv().expect("raw server started");
        RawServer {
            addr,
            received: Arc::new(Mutex::new(Vec::new())),
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The listening port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT/PATH`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.addr.port())
    }

    /// The raw request heads read so far.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.received.lock().expect("received lock").clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads a request head (up to the blank line); `None` when the peer closed first.
pub(crate) async fn read_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    Some(head)
}
