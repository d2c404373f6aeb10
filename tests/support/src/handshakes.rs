//! A TLS server that logs its connections, for tests of connection reuse and TLS session
//! resumption (which sessions share sockets or tickets).

use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;

use crate::pki::{TestPki, TlsVariant};
use crate::raw::{RawServer, read_head};

/// Answers every request `200 ok` over HTTP/1.1 with keep-alive (`GET /close`: then closes
/// the connection), presenting the valid leaf of a [`TestPki`], and logs for each accepted connection whether its TLS handshake resumed an
/// earlier session.
pub struct HandshakeLog {
    server: RawServer,
    log: Arc<Mutex<Vec<bool>>>,
}

impl HandshakeLog {
    /// Starts the server.
    pub fn start(pki: &TestPki) -> Self {
        let mut config = (*pki.server_config(TlsVariant::Valid)).clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let log = Arc::new(Mutex::new(Vec::new()));
        let server_log = log.clone();
        let server = RawServer::serve(move |tcp| {
            let acceptor = acceptor.clone();
            let log = server_log.clone();
            async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let resumed =
                    tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
                log.lock().expect("handshake log").push(resumed);
                while let Some(head) = read_head(&mut tls).await {
                    if head.starts_with(b"GET /close ") {
                        let reply =
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                        let _ = tls.write_all(reply).await;
                        let _ = tls.shutdown().await;
                        return;
                    }
                    let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                    if tls.write_all(reply).await.is_err() {
                        return;
                    }
                }
            }
        });
        HandshakeLog { server, log }
    }

    /// The listening port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// One entry per accepted connection, in order: whether it resumed a TLS session.
    pub fn handshakes(&self) -> Vec<bool> {
        self.log.lock().expect("handshake log").clone()
    }
}
