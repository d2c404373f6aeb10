//! TLS session resumption, measured in one run on loopback: the handshake of a new TLS 1.3
//! connection to a host the session has seen (resumed from the session's own ticket) against
//! a full handshake (the tickets forgotten: the server signs, the client verifies the chain).
//! The servers answer one request per connection, so every request pays for a new connection;
//! a handshake's cost is a request's over TLS less a request's over plain TCP to the same kind
//! of server. The three kinds alternate in batches; the median of the rounds is kept.
//!
//! Two certificates: an RSA-2048 self-signed one made by the `openssl` command (what most
//! servers present; skipped with a note when `openssl` is absent) and the ECDSA P-256 chain of
//! the test CA.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use session_net::{Net, NetConfig, new_request};
use session_test_support::bench::{BenchRow, median, process_cpu, serve_loopback, write_rows};
use session_test_support::{TestPki, TlsVariant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REQUESTS: usize = 1_000;
const BATCH: usize = 50;
const ROUNDS: usize = 5;

/// A server answering one request per connection, over TLS when `config` is given.
fn start_server(config: Option<rustls::ServerConfig>) -> SocketAddr {
    let acceptor = config.map(|mut c| {
        c.alpn_protocols = vec![b"http/1.1".to_vec()];
        tokio_rustls::TlsAcceptor::from(Arc::new(c))
    });
    serve_loopback(move |tcp| {
        let acceptor = acceptor.clone();
        async move {
            match acceptor {
                Some(a) => {
                    if let Ok(tls) = a.accept(tcp).await {
                        answer(tls).await;
                    }
                }
                None => answer(tcp).await,
            }
        }
    })
}

async fn answer(mut io: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin) {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match io.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let _ = io
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        .await;
    let _ = io.shutdown().await;
}

async fn one(net: &Net, url: &str) {
    let r = net
        .fetch(new_request(http::Method::GET, url, ()).expect("request"))
        .await
        .expect("fetch");
    assert_eq!(r.bytes().await.expect("body").len(), 2);
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> rustls::ServerConfig {
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("key matches certificate")
}

/// An RSA-2048 self-signed certificate for localhost from the `openssl` command.
fn openssl_rsa() -> Option<(rustls::ServerConfig, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-subj",
            "/CN=localhost",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:localhost",
            "-days",
            "2",
            "-keyout",
        ])
        .arg(&k)
        .arg("-out")
        .arg(&c)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    drop(out);
    let cert_pem = std::fs::read_to_string(&c).expect("cert");
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate PEM");
    let key = PrivateKeyDer::from_pem_file(&k).expect("key PEM");
    Some((server_config(chain, key), cert_pem))
}

/// Wall and CPU time per request, in microseconds: (resumed, full, plain TCP).
fn measure(config: rustls::ServerConfig, trusted_pem: &str) -> [[f64; 2]; 3] {
    let url = format!("https://localhost:{}/", start_server(Some(config)).port());
    let plain = format!("http://localhost:{}/", start_server(None).port());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut config = NetConfig::default();
    config.extra_roots_pem = vec![trusted_pem.as_bytes().to_vec()];
    let net = Net::new(config).expect("net");
    let mut rounds: Vec<[[f64; 2]; 3]> = Vec::new();
    rt.block_on(async {
        for _ in 0..BATCH {
            one(&net, &url).await;
        }
        for _ in 0..ROUNDS {
            let mut sum = [[0.0; 2]; 3];
            for _ in 0..REQUESTS / BATCH {
                for (kind, s) in sum.iter_mut().enumerate() {
                    let (t, c) = (Instant::now(), process_cpu());
                    for _ in 0..BATCH {
                        match kind {
                            0 => one(&net, &url).await,
                            1 => {
                                // The pool is empty (the server closes each connection): this
                                // only forgets the tickets.
                                net.close_all_connections();
                                one(&net, &url).await;
                            }
                            _ => one(&net, &plain).await,
                        }
                    }
                    s[0] += t.elapsed().as_secs_f64();
                    s[1] += process_cpu() - c;
                }
            }
            rounds.push(sum.map(|k| k.map(|v| v * 1e6 / REQUESTS as f64)));
        }
    });
    [0, 1, 2].map(|k| [0, 1].map(|m| median(rounds.iter().map(|r| r[k][m]).collect())))
}

fn rows(cert: &str, [resumed, full, tcp]: [[f64; 2]; 3]) -> Vec<BenchRow> {
    ["wall", "CPU"]
        .iter()
        .enumerate()
        .map(|(m, what)| BenchRow {
            metric: format!("TLS 1.3 handshake to a host seen before, resumed ({cert}, {what})"),
            unit: "us".into(),
            ours: resumed[m] - tcp[m],
            anchor: "full handshake (the session's tickets forgotten)".into(),
            anchor_value: full[m] - tcp[m],
            lower_is_better: true,
            goal_ratio: Some(1.0 / 1.5),
            note: format!(
                "a request on a new connection over TLS less one over plain TCP ({:.0} us; whole requests: resumed {:.0} us, full {:.0} us){}; rustls server in-process; medians of {ROUNDS} rounds of {REQUESTS} requests of each kind, alternating in batches of {BATCH}",
                tcp[m],
                resumed[m],
                full[m],
                if m == 1 {
                    ", CPU time of the whole process (both ends of each handshake) from /proc/self/task/*/schedstat"
                } else {
                    ""
                }
            ),
        })
        .collect()
}

fn main() {
    let mut all = Vec::new();
    match openssl_rsa() {
        Some((config, pem)) => all.extend(rows("RSA-2048 from openssl", measure(config, &pem))),
        None => eprintln!("net-tls: the openssl command is not available; RSA rows skipped"),
    }
    let pki = TestPki::generate();
    let ecdsa = (*pki.server_config(TlsVariant::Valid)).clone();
    all.extend(rows("ECDSA P-256 chain", measure(ecdsa, pki.ca_pem())));
    write_rows("net-tls", &all).expect("write bench rows");
}
