//! A forward proxy for tests: HTTP absolute-form requests, `CONNECT` tunnels, SOCKS5 and SOCKS4, on
//! `127.0.0.1`, logging what it was asked.
//!
//! Names ending in `.test` and `localhost` are reached at `127.0.0.1` (the proxy's own host
//! rules); anything it cannot reach is answered `502` (HTTP), a refused `CONNECT` (`502`) or
//! SOCKS5 code 4. Each client connection carries one request or one tunnel, after any number
//! of `407`s when the proxy authenticates with NTLM ([`TestProxy::start_with_ntlm`]: every leg
//! of the handshake must come on one connection, as real NTLM proxies insist).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// One thing the proxy was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyRequest {
    /// `GET`, `CONNECT`, `SOCKS5` ...
    pub method: String,
    /// The request target as sent: an absolute URL, or `host:port` for tunnels.
    pub target: String,
    /// The `Host` header, if any.
    pub host_header: Option<String>,
    /// The `Proxy-Authorization` header, if any.
    pub authorization: Option<String>,
}

/// The running proxy; stops when dropped.
pub struct TestProxy {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<ProxyRequest>>>,
    connections: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestProxy {
    /// Binds `127.0.0.1:0` and serves on a thread of its own.
    pub fn start() -> Self {
        Self::start_inner(None)
    }

    /// Same, answering `407` (Basic, realm `test-proxy`) to HTTP requests and `CONNECT`s
    /// that do not carry `user:password`.
    pub fn start_with_auth(user: &str, password: &str) -> Self {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Self::start_inner(Some(ProxyAuthMode::Basic(format!("Basic {token}"))))
    }

    /// Same with Digest (MD5, `qop=auth`, realm `test-proxy`): every request and `CONNECT`
    /// must answer a nonce the proxy issued, with a rising nonce count.
    pub fn start_with_digest_auth(user: &str, password: &str) -> Self {
        Self::start_inner(Some(ProxyAuthMode::Digest {
            user: user.to_string(),
            pass: password.to_string(),
            state: crate::auth::AuthState::default(),
        }))
    }

    /// Same with NTLM (NTLMv2 checked against `user` and `password`, any domain), answering
    /// `407`s on open connections (with a small body to read) as `options` say. Each
    /// connection has its own server challenge: an AUTHENTICATE message on another connection
    /// than its NEGOTIATE is refused.
    pub fn start_with_ntlm(user: &str, password: &str, options: NtlmProxy) -> Self {
        Self::start_inner(Some(ProxyAuthMode::Ntlm {
            user: user.to_string(),
            pass: password.to_string(),
            options,
        }))
    }

    fn start_inner(auth: Option<ProxyAuthMode>) -> Self {
        let auth = Arc::new(auth);
        let log = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let thread_connections = connections.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread_log = log.clone();
        let thread = std::thread::Builder::new()
            .name("test-proxy".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build the test proxy's runtime");
                rt.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind the proxy");
                    addr_tx
                        .send(listener.local_addr().expect("local addr"))
                        .expect("send addr");
                    let accept = async {
                        while let Ok((sock, _)) = listener.accept().await {
                            thread_connections.fetch_add(1, Ordering::SeqCst);
                            tokio::spawn(serve(sock, thread_log.clone(), auth.clone()));
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stop_rx => {}
                    }
                });
            })
            .expect("spawn the proxy thread");
        let addr = addr_rx.recv().expect("proxy started");
        TestProxy {
            addr,
            log,
            connections,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// What the proxy was asked, in order.
    pub fn requests(&self) -> Vec<ProxyRequest> {
        self.log.lock().expect("proxy log").clone()
    }

    /// Client connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn upstream_addr(host: &str, port: u16) -> Option<SocketAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse() {
        return Some(SocketAddr::new(ip, port));
    }
    let lower = bare.to_ascii_lowercase();
    (lower.ends_with(".test") || lower == "localhost")
        .then(|| SocketAddr::from(([127, 0, 0, 1], port)))
}

async fn connect_upstream(host: &str, port: u16) -> Option<TcpStream> {
    TcpStream::connect(upstream_addr(host, port)?).await.ok()
}

fn split_host_port(authority: &str, default_port: u16) -> (String, u16) {
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && (h.ends_with(']') || !h.contains(':')) => {
            (h.to_string(), p.parse().unwrap_or(default_port))
        }
        _ => (authority.to_string(), default_port),
    }
}

/// How an NTLM proxy behaves (see [`TestProxy::start_with_ntlm`]).
#[derive(Clone, Debug, Default)]
pub struct NtlmProxy {
    /// Also offer `Basic realm="test-proxy"` (the same user and password) beside `NTLM`.
    pub also_basic: bool,
    /// Close the connection after the first `407` (the bare `NTLM` challenge).
    pub close_after_first: bool,
    /// Close the connection after the `407` carrying the CHALLENGE message.
    pub close_after_challenge: bool,
}

/// What the proxy asks of its clients.
enum ProxyAuthMode {
    /// This exact `Proxy-Authorization` value.
    Basic(String),
    /// A Digest answer for these credentials.
    Digest {
        user: String,
        pass: String,
        state: crate::auth::AuthState,
    },
    /// NTLM, the handshake checked per connection.
    Ntlm {
        user: String,
        pass: String,
        options: NtlmProxy,
    },
}

impl ProxyAuthMode {
    /// `None` when `authorization` passes, else the `Proxy-Authenticate` values to send and
    /// whether the connection closes after them. `conn` is the connection's NTLM server.
    fn check(
        &self,
        method: &str,
        authorization: Option<&str>,
        conn: &mut crate::auth::NtlmServer,
    ) -> Option<(Vec<String>, bool)> {
        if let ProxyAuthMode::Ntlm {
            user,
            pass,
            options,
        } = self
        {
            let e = crate::auth::Expect {
                user,
                pass,
                realm: "test-proxy",
            };
            let basic = crate::auth::AuthState::default();
            let verdict = match authorization {
                Some(a) if options.also_basic && a.starts_with("Basic ") => {
                    basic.basic(Some(a), &e)
                }
                _ => conn.answer(authorization, &e),
            };
            let crate::auth::Verdict::Challenge(mut lines) = verdict else {
                return None;
            };
            let leg_two = lines.iter().any(|l| l.starts_with("NTLM "));
            if leg_two {
                return Some((lines, options.close_after_challenge));
            }
            lines = vec!["NTLM".to_string()];
            if options.also_basic {
                lines.push("Basic realm=\"test-proxy\"".to_string());
            }
            return Some((lines, options.close_after_first));
        }
        self.check_once(method, authorization).map(|l| (l, true))
    }

    /// Basic and Digest: `None` when `authorization` passes, else the `Proxy-Authenticate`
    /// values to send.
    fn check_once(&self, method: &str, authorization: Option<&str>) -> Option<Vec<String>> {
        match self {
            ProxyAuthMode::Basic(expected) => (authorization != Some(expected.as_str()))
                .then(|| vec!["Basic realm=\"test-proxy\"".to_string()]),
            ProxyAuthMode::Digest { user, pass, state } => {
                let e = crate::auth::Expect {
                    user,
                    pass,
                    realm: "test-proxy",
                };
                match state.digest(authorization, method, &e, &["MD5"], u32::MAX, false) {
                    crate::auth::Verdict::Ok => None,
                    crate::auth::Verdict::Challenge(v) => Some(v),
                }
            }
            ProxyAuthMode::Ntlm { .. } => None,
        }
    }
}

async fn serve(
    mut sock: TcpStream,
    log: Arc<Mutex<Vec<ProxyRequest>>>,
    auth: Arc<Option<ProxyAuthMode>>,
) {
    let mut first = [0u8; 1];
    if sock.peek(&mut first).await.unwrap_or(0) == 0 {
        return;
    }
    if first[0] == 5 {
        socks5(sock, log).await;
        return;
    }
    if first[0] == 4 {
        socks4(sock, log).await;
        return;
    }
    let mut ntlm = crate::auth::NtlmServer::default();
    let (text, method, target) = loop {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            match sock.read_u8().await {
                Ok(b) => head.push(b),
                Err(_) => return,
            }
            if head.len() > 64 * 1024 {
                return;
            }
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let lines = text.split("\r\n").skip(1);
        let request_line = text.split("\r\n").next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let header = |name: &str| {
            lines
                .clone()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                })
                .map(|(_, v)| v.trim().to_string())
        };
        let authorization = header("proxy-authorization");
        log.lock().expect("proxy log").push(ProxyRequest {
            method: method.clone(),
            target: target.clone(),
            host_header: header("host"),
            authorization: authorization.clone(),
        });
        let Some((challenges, close)) = auth
            .as_ref()
            .as_ref()
            .and_then(|a| a.check(&method, authorization.as_deref(), &mut ntlm))
        else {
            break (text, method, target);
        };
        // The request's body is read before the next request can be.
        let length: u64 = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if length > 0
            && tokio::io::copy(&mut (&mut sock).take(length), &mut tokio::io::sink())
                .await
                .is_err()
        {
            return;
        }
        let body = "proxy credentials required";
        let mut reply = String::from("HTTP/1.1 407 Proxy Authentication Required\r\n");
        for c in challenges {
            reply.push_str(&format!("Proxy-Authenticate: {c}\r\n"));
        }
        if close {
            reply.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
        } else {
            reply.push_str(&format!(
                "Content-Length: {}\r\nProxy-Connection: keep-alive\r\n\r\n{body}",
                body.len()
            ));
        }
        if sock.write_all(reply.as_bytes()).await.is_err() || close {
            return;
        }
    };
    if method == "CONNECT" {
        let (host, port) = split_host_port(&target, 443);
        match connect_upstream(&host, port).await {
            Some(mut up) => {
                if sock
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
                }
            }
            None => {
                let _ = sock
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        }
        return;
    }
    // Absolute-form: forward in origin form with `Connection: close`.
    let Ok(url) = url::Url::parse(&target) else {
        let _ = sock
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    };
    let host = url.host_str().unwrap_or("").to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let Some(mut up) = connect_upstream(&host, port).await else {
        let body = format!("proxy cannot reach {host}:{port}");
        let _ = sock
            .write_all(
                format!(
                    "HTTP/1.1 502 Bad Gateway\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            )
            .await;
        return;
    };
    let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut forwarded = format!("{method} {path} HTTP/1.1\r\n");
    for line in text.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "connection" | "proxy-connection" | "keep-alive" | "proxy-authorization"
        ) {
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("Connection: close\r\n\r\n");
    if up.write_all(forwarded.as_bytes()).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
}

async fn socks5(mut sock: TcpStream, log: Arc<Mutex<Vec<ProxyRequest>>>) {
    let mut hello = [0u8; 2];
    if sock.read_exact(&mut hello).await.is_err() {
        return;
    }
    let mut methods = vec![0u8; usize::from(hello[1])];
    if sock.read_exact(&mut methods).await.is_err() || sock.write_all(&[5, 0]).await.is_err() {
        return;
    }
    let mut req = [0u8; 4];
    if sock.read_exact(&mut req).await.is_err() {
        return;
    }
    let host = match req[3] {
        1 => {
            let mut a = [0u8; 4];
            if sock.read_exact(&mut a).await.is_err() {
                return;
            }
            std::net::Ipv4Addr::from(a).to_string()
        }
        4 => {
            let mut a = [0u8; 16];
            if sock.read_exact(&mut a).await.is_err() {
                return;
            }
            format!("[{}]", std::net::Ipv6Addr::from(a))
        }
        3 => {
            let Ok(len) = sock.read_u8().await else {
                return;
            };
            let mut name = vec![0u8; usize::from(len)];
            if sock.read_exact(&mut name).await.is_err() {
                return;
            }
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return,
    };
    let Ok(port) = sock.read_u16().await else {
        return;
    };
    log.lock().expect("proxy log").push(ProxyRequest {
        method: "SOCKS5".into(),
        target: format!("{host}:{port}"),
        host_header: None,
        authorization: None,
    });
    match connect_upstream(&host, port).await {
        Some(mut up) => {
            if sock
                .write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])
                .await
                .is_ok()
            {
                let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
            }
        }
        None => {
            let _ = sock.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]).await;
        }
    }
}

async fn socks4(mut sock: TcpStream, log: Arc<Mutex<Vec<ProxyRequest>>>) {
    let mut req = [0u8; 8];
    if sock.read_exact(&mut req).await.is_err() {
        return;
    }
    // The user id, up to its NUL.
    loop {
        match sock.read_u8().await {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => return,
        }
    }
    let port = u16::from_be_bytes([req[2], req[3]]);
    let host = std::net::Ipv4Addr::new(req[4], req[5], req[6], req[7]).to_string();
    log.lock().expect("proxy log").push(ProxyRequest {
        method: "SOCKS4".into(),
        target: format!("{host}:{port}"),
        host_header: None,
        authorization: None,
    });
    match connect_upstream(&host, port).await {
        Some(mut up) => {
            if sock.write_all(&[0, 0x5a, 0, 0, 0, 0, 0, 0]).await.is_ok() {
                let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
            }
        }
        None => {
            let _ = sock.write_all(&[0, 0x5b, 0, 0, 0, 0, 0, 0]).await;
        }
    }
}
