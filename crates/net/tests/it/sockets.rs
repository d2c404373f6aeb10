//! Socket limits: 6 per destination, 256 per session, a fair queue, cancelled waiters.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use session_net::{Net, NetConfig, SocketLimits};
use session_test_support::{DEADLINE, TestSite};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::get;

/// An HTTP/1.1 server on loopback that counts the connections it accepts; `/hold` answers
/// only once `release` is called.
struct Counting {
    port: u16,
    accepted: Arc<AtomicUsize>,
    gate: watch::Sender<bool>,
}

impl Counting {
    async fn start() -> Counting {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (gate, _) = watch::channel(false);
        let (count, open) = (accepted.clone(), gate.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let open = open.subscribe();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let mut open = open.clone();
                        async move {
                            if req.uri().path() == "/hold" {
                                let _ = open.wait_for(|o| *o).await;
                            }
                            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Counting {
            port,
            accepted,
            gate,
        }
    }

    fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port)
    }

    fn release(&self) {
        self.gate.send_replace(true);
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

fn net() -> Net {
    let mut config = NetConfig::default();
    config.host_rules = "MAP *.test 127.0.0.1".parse().expect("rules");
    Net::new(config).expect("net")
}

async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !ok() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

async fn body(net: &Net, url: &str) -> String {
    tokio::time::timeout(DEADLINE, async {
        get(net, url)
            .await
            .expect("fetch")
            .text()
            .await
            .expect("body")
    })
    .await
    .expect("within the deadline")
}

#[tokio::test]
async fn a_thousand_concurrent_gets_use_six_connections() {
    let server = Counting::start().await;
    let net = net();
    assert_eq!(net.socket_limits(), SocketLimits::default());
    let url = server.url("a.test", "/");
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (net, url) = (net.clone(), url.clone());
            tokio::spawn(async move { body(&net, &url).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task"), "ok");
    }
    assert!(server.accepted() <= 6, "{} connections", server.accepted());
    assert!(net.open_sockets() <= 6);
    assert_eq!(net.queued_for_sockets(), 0);
}

#[tokio::test]
async fn a_cancelled_waiter_never_blocks_the_next() {
    let server = Counting::start().await;
    let net = net();
    net.set_socket_limits(SocketLimits::new(1, 32, 256));
    let held = {
        let (net, url) = (net.clone(), server.url("a.test", "/hold"));
        tokio::spawn(async move { body(&net, &url).await })
    };
    until("the held request has its socket", || {
        net.open_sockets() == 1
    })
    .await;
    let cancelled = {
        let (net, url) = (net.clone(), server.url("a.test", "/"));
        tokio::spawn(async move { body(&net, &url).await })
    };
    until("the second request waits", || net.queued_for_sockets() == 1).await;
    cancelled.abort();
    let _ = cancelled.await;
    assert_eq!(net.queued_for_sockets(), 0);
    let next = {
        let (net, url) = (net.clone(), server.url("a.test", "/"));
        tokio::spawn(async move { body(&net, &url).await })
    };
    until("the third request waits", || net.queued_for_sockets() == 1).await;
    server.release();
    assert_eq!(held.await.expect("held"), "ok");
    // The held request's connection went idle and was handed to the third one.
    assert_eq!(next.await.expect("next"), "ok");
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn the_session_limit_closes_an_idle_socket_of_another_host() {
    let server = Counting::start().await;
    let net = net();
    net.set_socket_limits(SocketLimits::new(6, 32, 1));
    assert_eq!(body(&net, &server.url("a.test", "/")).await, "ok");
    assert_eq!(net.open_sockets(), 1, "a's socket stays idle in the pool");
    // b.test has no socket and the session is at its total: a's idle one makes room.
    assert_eq!(body(&net, &server.url("b.test", "/")).await, "ok");
    assert_eq!(server.accepted(), 2);
    assert_eq!(net.open_sockets(), 1);
}

#[tokio::test]
async fn a_busy_session_queues_other_hosts_until_a_socket_closes() {
    let server = Counting::start().await;
    let net = net();
    net.set_socket_limits(SocketLimits::new(6, 32, 2));
    let held: Vec<_> = (0..2)
        .map(|_| {
            let (net, url) = (net.clone(), server.url("a.test", "/hold"));
            tokio::spawn(async move { body(&net, &url).await })
        })
        .collect();
    until("both held requests have sockets", || {
        net.open_sockets() == 2
    })
    .await;
    let other = {
        let (net, url) = (net.clone(), server.url("b.test", "/"));
        tokio::spawn(async move { body(&net, &url).await })
    };
    until("b waits for the session", || net.queued_for_sockets() == 1).await;
    server.release();
    for h in held {
        assert_eq!(h.await.expect("held"), "ok");
    }
    assert_eq!(other.await.expect("other"), "ok");
    assert!(net.open_sockets() <= 2);
}

#[tokio::test]
async fn http2_multiplexes_instead_of_queueing() {
    let site = TestSite::start();
    let net = crate::net(&site);
    let url = site.https_url("a.test", "/status/200");
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (net, url) = (net.clone(), url.clone());
            tokio::spawn(async move { body(&net, &url).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    assert!(net.open_sockets() <= 6, "{}", net.open_sockets());
    assert_eq!(net.queued_for_sockets(), 0);
}
