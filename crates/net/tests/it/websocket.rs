//! WebSockets through the pipeline against the site's `/ws` route (ws and wss), a proxy, and
//! a real server from the wild (Debian's python3-websockets) when it is installed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderValue;
use session_net::auth::{AuthAnswer, AuthRequest, Credentials};
use session_net::proxy::ProxyConfig;
use session_net::web_request::{Answer, Details, Filter, listener, observer};
use session_net::websocket::{CloseFrame, Message, WebSocket};
use session_net::{Net, NetError, ResourceType};
use session_test_support::{DEADLINE, TestSite};
use tokio::sync::mpsc;

use crate::net;

fn ws_url(site: &TestSite, path: &str) -> String {
    format!("ws://a.test:{}{path}", site.http_port())
}

fn wss_url(site: &TestSite, path: &str) -> String {
    format!("wss://a.test:{}{path}", site.https_port())
}

/// The next message, within the deadline.
async fn next(ws: &mut WebSocket) -> Message {
    tokio::time::timeout(DEADLINE, ws.recv())
        .await
        .expect("a message within the deadline")
        .expect("the connection is open")
        .expect("a message")
}

/// The handshake's request headers as the server saw them (the route's `headers` command).
async fn server_saw(ws: &mut WebSocket) -> Vec<(String, String)> {
    ws.send_text("headers").await.expect("send");
    match next(ws).await {
        Message::Text(t) => serde_json::from_str(&t).expect("json"),
        other => panic!("expected the headers, got {other:?}"),
    }
}

fn header<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

async fn echo_round(ws: &mut WebSocket) {
    ws.send_text("hello ✓").await.expect("text");
    assert_eq!(next(ws).await, Message::Text("hello ✓".into()));
    ws.send_binary(vec![0u8, 1, 2, 255]).await.expect("binary");
    assert_eq!(next(ws).await, Message::Binary(vec![0u8, 1, 2, 255].into()));
    ws.ping(&b"are you there"[..]).await.expect("ping");
    assert_eq!(
        next(ws).await,
        Message::Pong((&b"are you there"[..]).into())
    );
    // A message larger than one read buffer and than any single TCP segment.
    let big = "x".repeat(300_000);
    ws.send_text(big.clone()).await.expect("big");
    assert_eq!(next(ws).await, Message::Text(big));
}

#[tokio::test]
async fn messages_go_both_ways_over_ws_and_wss() {
    let site = TestSite::start();
    let net = net(&site);
    for url in [ws_url(&site, "/ws"), wss_url(&site, "/ws")] {
        let mut ws = net.websocket(&url).connect().await.expect("connect");
        assert_eq!(ws.status(), 101);
        assert_eq!(ws.url().as_str(), url);
        assert_eq!(ws.protocol(), None);
        assert_eq!(ws.extensions(), "");
        assert_eq!(
            ws.headers().get("upgrade").map(HeaderValue::as_bytes),
            Some(&b"websocket"[..])
        );
        // The header lines as they came on the wire (this server writes names in lower case).
        assert!(
            ws.raw_headers()
                .iter()
                .any(|(k, _)| k == "sec-websocket-accept"),
            "{:?}",
            ws.raw_headers()
        );
        echo_round(&mut ws).await;
        let saw = server_saw(&mut ws).await;
        assert_eq!(header(&saw, "upgrade"), Some("websocket"));
        assert_eq!(header(&saw, "sec-websocket-version"), Some("13"));
        assert_eq!(
            header(&saw, "sec-websocket-extensions"),
            None,
            "none offered"
        );
        assert_eq!(header(&saw, "accept"), None);
        assert!(header(&saw, "user-agent").is_some());
        let theirs = ws.close(1000, "done").await.expect("close");
        assert_eq!(
            theirs,
            Some(CloseFrame {
                code: 1000,
                reason: "done".into()
            })
        );
    }
    let logged = site.requests();
    assert!(
        logged.iter().any(|r| r.tls && r.path == "/ws"),
        "wss reached the TLS listener"
    );
    assert!(
        logged.iter().all(|r| r.version == "HTTP/1.1"),
        "ALPN http/1.1 only"
    );
}

#[tokio::test]
async fn subprotocols_are_negotiated_and_headers_reach_the_server() {
    let site = TestSite::start();
    let net = net(&site);
    let mut ws = net
        .websocket(&ws_url(&site, "/ws?protocols=v2.chat,v1.chat"))
        .protocol("v1.chat")
        .protocol("v2.chat")
        .header("X-App", "demo")
        .origin("https://app.test/page")
        .connect()
        .await
        .expect("connect");
    assert_eq!(ws.protocol(), Some("v1.chat"));
    let saw = server_saw(&mut ws).await;
    assert_eq!(
        header(&saw, "sec-websocket-protocol"),
        Some("v1.chat, v2.chat")
    );
    assert_eq!(header(&saw, "x-app"), Some("demo"));
    assert_eq!(header(&saw, "origin"), Some("https://app.test"));
    // Bad subprotocols are refused before anything is sent.
    let e = net
        .websocket(&ws_url(&site, "/ws"))
        .protocol("a b")
        .connect()
        .await
        .expect_err("bad token");
    assert_eq!(e.kind(), NetError::InvalidArgument);
    let e = net
        .websocket(&ws_url(&site, "/ws"))
        .header("bad header", "x")
        .connect()
        .await
        .expect_err("bad header");
    assert!(e.to_string().contains("'bad header: x'"), "{e}");
}

#[tokio::test]
async fn wrong_answers_fail_naming_what_was_wrong() {
    let site = TestSite::start();
    let net = net(&site);
    let fail = |path: &'static str| {
        let net = net.clone();
        let url = ws_url(&site, path);
        async move {
            let e = net.websocket(&url).connect().await.expect_err(path);
            assert_eq!(e.kind(), NetError::InvalidResponse, "{path}: {e}");
            e.to_string()
        }
    };
    // A server that answers 200 instead of 101.
    let e = fail("/ws?status=200").await;
    assert!(
        e.contains("Error during WebSocket handshake: Unexpected response code: 200"),
        "{e}"
    );
    let e = fail("/ws?accept=wrong").await;
    assert!(
        e.contains("Incorrect 'Sec-WebSocket-Accept' header value"),
        "{e}"
    );
    let e = fail("/ws?answer_protocol=mqtt").await;
    assert!(
        e.contains("Response must not include 'Sec-WebSocket-Protocol' header if not present in request: mqtt"),
        "{e}"
    );
    let e = fail("/ws?extension=permessage-deflate").await;
    assert!(
        e.contains("unsupported extension 'permessage-deflate'"),
        "{e}"
    );
    // A server's redirect is not followed (Chromium's WebSocket does not follow them).
    let e = fail("/redirect-to?url=/ws").await;
    assert!(e.contains("Unexpected response code: 302"), "{e}");
    // A 401 with nobody to answer it.
    let e = fail("/ws?user=u&pass=p").await;
    assert!(e.contains("Unexpected response code: 401"), "{e}");
    // The WebSocket API's URL rules.
    let e = net
        .websocket("ftp://a.test/ws")
        .connect()
        .await
        .expect_err("ftp");
    assert_eq!(e.kind(), NetError::DisallowedUrlScheme);
    // A fetch of a ws: URL is not a WebSocket.
    let e = crate::get(&net, &ws_url(&site, "/ws"))
        .await
        .expect_err("fetch of ws:");
    assert_eq!(e.kind(), NetError::UnknownUrlScheme);
}

#[tokio::test]
async fn close_codes_go_both_ways() {
    let site = TestSite::start();
    let net = net(&site);
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    // The server closes with an application code: the client sees it, then the end.
    ws.send_text("close 4001 going away now")
        .await
        .expect("send");
    assert_eq!(
        next(&mut ws).await,
        Message::Close(Some(CloseFrame {
            code: 4001,
            reason: "going away now".into()
        }))
    );
    assert!(
        tokio::time::timeout(DEADLINE, ws.recv())
            .await
            .expect("ends")
            .is_none()
    );
    // The client closes with its code; the server echoes it.
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    let e = ws.close(1006, "").await.expect_err("1006 is reserved");
    assert_eq!(e.kind(), NetError::InvalidArgument);
    let theirs = ws.close(4321, "bye").await.expect("close");
    assert_eq!(theirs.map(|f| f.code), Some(4321));
    // A server that drops the connection without a closing handshake.
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    ws.send_text("drop").await.expect("send");
    match tokio::time::timeout(DEADLINE, ws.recv())
        .await
        .expect("ends")
    {
        None => {}
        Some(Err(e)) => assert!(
            matches!(
                e.kind(),
                NetError::ConnectionClosed | NetError::ConnectionReset
            ),
            "{e}"
        ),
        Some(Ok(m)) => panic!("unexpected {m:?}"),
    }
}

#[tokio::test]
async fn limits_and_protocol_errors_are_named() {
    let site = TestSite::start();
    let net = net(&site);
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .max_message_size(1000)
        .connect()
        .await
        .expect("connect");
    ws.send_text("big 999").await.expect("send");
    assert!(matches!(next(&mut ws).await, Message::Binary(b) if b.len() == 999));
    ws.send_text("big 5000").await.expect("send");
    let e = tokio::time::timeout(DEADLINE, ws.recv())
        .await
        .expect("in time")
        .expect("an item")
        .expect_err("too big");
    assert_eq!(e.kind(), NetError::MsgTooBig);
    assert!(
        e.to_string().contains("over the limit of 1000 bytes"),
        "{e}"
    );
    let mut ws = net
        .websocket(&wss_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    ws.send_text("bad-utf8").await.expect("send");
    let e = tokio::time::timeout(DEADLINE, ws.recv())
        .await
        .expect("in time")
        .expect("an item")
        .expect_err("not UTF-8");
    assert_eq!(e.kind(), NetError::WsProtocolError);
    assert!(e.to_string().contains("not valid UTF-8"), "{e}");
}

async fn seen(
    rx: &mut mpsc::UnboundedReceiver<(&'static str, Details)>,
) -> (&'static str, Details) {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an event within the deadline")
        .expect("channel open")
}

#[tokio::test]
async fn web_request_sees_the_handshake_as_electron_reports_it() {
    // WR-40
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let (tx, mut rx) = mpsc::unbounded_channel::<(&'static str, Details)>();
    let ws_only = || Filter::urls(&["ws://*/*"]).expect("filter");
    wr.on_before_send_headers(
        ws_only(),
        Some(listener(|d: Details| async move {
            let mut h = d.request_headers.expect("headers");
            h.insert("foo", HeaderValue::from_static("bar"));
            Answer::request_headers(h)
        })),
    );
    let t = tx.clone();
    wr.on_send_headers(
        ws_only(),
        Some(observer(move |d| {
            let t = t.clone();
            async move {
                let _ = t.send(("onSendHeaders", d));
            }
        })),
    );
    let t = tx.clone();
    wr.on_headers_received(
        ws_only(),
        Some(listener(move |d| {
            let _ = t.send(("onHeadersReceived", d));
            async { Answer::proceed() }
        })),
    );
    let t = tx.clone();
    wr.on_response_started(
        Filter::all(),
        Some(observer(move |d| {
            let t = t.clone();
            async move {
                let _ = t.send(("onResponseStarted", d));
            }
        })),
    );
    let t = tx.clone();
    wr.on_completed(
        Filter::all(),
        Some(observer(move |d| {
            let t = t.clone();
            async move {
                let _ = t.send(("onCompleted", d));
            }
        })),
    );
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    // The header a listener added reached the server.
    let saw = server_saw(&mut ws).await;
    assert_eq!(header(&saw, "foo"), Some("bar"));
    let mut events = std::collections::HashMap::new();
    while events.len() < 4 {
        let (name, d) = seen(&mut rx).await;
        events.insert(name, d);
    }
    for d in events.values() {
        assert_eq!(d.resource_type, ResourceType::WebSocket);
        assert!(d.url.as_str().starts_with("ws://a.test:"), "{}", d.url);
    }
    let sent = &events["onSendHeaders"];
    let req = sent.request_headers.as_ref().expect("request headers");
    assert_eq!(req["upgrade"], "websocket");
    assert_eq!(req["foo"], "bar");
    let got = &events["onHeadersReceived"];
    assert_eq!(
        got.response_headers.as_ref().expect("headers")["upgrade"],
        "websocket"
    );
    assert_eq!(got.status_code, Some(101));
    let started = &events["onResponseStarted"];
    assert_eq!(
        started.response_headers.as_ref().expect("headers")["connection"],
        "Upgrade"
    );
    let done = &events["onCompleted"];
    assert_eq!(done.error.as_deref(), Some("net::ERR_WS_UPGRADE"));
    assert_eq!(done.status_code, Some(101));
    // An HTTP request of the same session completes with net::OK.
    crate::get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("echo")
        .bytes()
        .await
        .expect("body");
    loop {
        let (name, d) = seen(&mut rx).await;
        if name == "onCompleted" {
            assert!(d.url.as_str().starts_with("http://"), "{}", d.url);
            assert_eq!(d.error.as_deref(), Some("net::OK"));
            break;
        }
    }
}

#[tokio::test]
async fn a_failed_handshake_and_a_cancel_report_on_error_occurred() {
    // WR-01 for a WebSocket: a cancelled handshake fails with net::ERR_BLOCKED_BY_CLIENT.
    let site = TestSite::start();
    let net = net(&site);
    let wr = net.web_request();
    let (tx, mut rx) = mpsc::unbounded_channel::<(&'static str, Details)>();
    wr.on_error_occurred(
        Filter::all().types(&[ResourceType::WebSocket]),
        Some(observer(move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(("onErrorOccurred", d));
            }
        })),
    );
    let e = net
        .websocket(&ws_url(&site, "/ws?status=200"))
        .connect()
        .await
        .expect_err("200");
    assert_eq!(e.kind(), NetError::InvalidResponse);
    let (_, d) = seen(&mut rx).await;
    assert_eq!(d.error.as_deref(), Some("net::ERR_INVALID_RESPONSE"));
    let _cancel = wr.add_before_request(Filter::urls(&["ws://*/*"]).expect("filter"), |_| async {
        Answer::cancel()
    });
    let e = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect_err("cancelled");
    assert_eq!(e.kind(), NetError::BlockedByClient);
    let (_, d) = seen(&mut rx).await;
    assert_eq!(d.error.as_deref(), Some("net::ERR_BLOCKED_BY_CLIENT"));
    assert!(
        !site.requests().iter().any(|r| r.path == "/ws"),
        "nothing reached /ws"
    );
}

#[tokio::test]
async fn a_listener_redirects_a_websocket_to_another_websocket_url() {
    let site = TestSite::start();
    let net = net(&site);
    let target = wss_url(&site, "/ws?protocols=p");
    let to = target.clone();
    net.web_request().on_before_request(
        Filter::urls(&["ws://a.test/*"]).expect("filter"),
        Some(listener(move |_| {
            let to = to.clone();
            async move { Answer::redirect(to) }
        })),
    );
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .protocol("p")
        .connect()
        .await
        .expect("connect");
    assert_eq!(ws.url().as_str(), target);
    assert_eq!(ws.protocol(), Some("p"));
    echo_round(&mut ws).await;
}

#[tokio::test]
async fn basic_auth_through_the_login_handler() {
    // WR-41: basic auth via `login` with a `ws://*/*` onBeforeRequest filter.
    let site = TestSite::start();
    let net = net(&site);
    let before = Arc::new(AtomicUsize::new(0));
    let b = before.clone();
    net.web_request().on_before_request(
        Filter::urls(&["ws://*/*"]).expect("filter"),
        Some(listener(move |_| {
            b.fetch_add(1, Ordering::SeqCst);
            async { Answer::proceed() }
        })),
    );
    let asked = Arc::new(Mutex::new(Vec::new()));
    let a = asked.clone();
    net.set_login_handler(Some(Arc::new(move |req: AuthRequest| {
        a.lock().expect("asked").push(req.url.clone());
        Box::pin(async { AuthAnswer::Credentials(Credentials::new("alice", "s3cret")) })
    })));
    let url = ws_url(&site, "/ws?user=alice&pass=s3cret");
    let mut ws = net.websocket(&url).connect().await.expect("authenticated");
    echo_round(&mut ws).await;
    let asked = asked.lock().expect("asked").clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].as_str().starts_with("ws://a.test:"), "{asked:?}");
    assert!(before.load(Ordering::SeqCst) >= 1);
    let sent: Vec<_> = site
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/ws"))
        .collect();
    assert_eq!(
        sent.len(),
        2,
        "the 401, then the answer on a new connection"
    );
    assert!(
        sent[1]
            .header("authorization")
            .is_some_and(|v| v.starts_with("Basic "))
    );
}

#[tokio::test]
async fn hsts_upgrades_ws_to_wss() {
    let site = TestSite::start();
    let mut config = session_net::NetConfig::default();
    // The default ports reach the site: the upgrade keeps a URL's explicit port, so the
    // test uses none.
    config.host_rules = format!(
        "MAP *.test:443 127.0.0.1:{}, MAP *.test:80 127.0.0.1:{}, MAP *.test 127.0.0.1",
        site.https_port(),
        site.http_port()
    )
    .parse()
    .expect("rules");
    config.extra_roots_pem = vec![site.ca_pem().as_bytes().to_vec()];
    let net = Net::new(config).expect("net");
    net.transport_security()
        .add("a.test", Duration::from_secs(600), false)
        .expect("policy");
    let mut ws = net
        .websocket("ws://a.test/ws")
        .connect()
        .await
        .expect("connect");
    assert_eq!(ws.url().as_str(), "wss://a.test/ws");
    echo_round(&mut ws).await;
    let logged = site.requests();
    assert!(
        logged.iter().all(|r| r.tls),
        "nothing went over plain HTTP: {logged:?}"
    );
    // A host without a policy stays on ws:.
    let ws = net
        .websocket("ws://b.test/ws")
        .connect()
        .await
        .expect("connect");
    assert_eq!(ws.url().as_str(), "ws://b.test/ws");
}

#[tokio::test]
async fn http_proxies_carry_both_schemes_in_a_connect_tunnel() {
    let site = TestSite::start();
    let proxy = session_test_support::TestProxy::start();
    let mut config = session_net::NetConfig::default();
    config.extra_roots_pem = vec![site.ca_pem().as_bytes().to_vec()];
    let net = Net::new(config).expect("net");
    net.set_proxy(ProxyConfig::rules(format!("127.0.0.1:{}", proxy.port())))
        .await
        .expect("set");
    for url in [ws_url(&site, "/ws"), wss_url(&site, "/ws")] {
        let mut ws = net
            .websocket(&url)
            .connect()
            .await
            .expect("through the proxy");
        echo_round(&mut ws).await;
        ws.close(1000, "").await.expect("close");
    }
    let logged = proxy.requests();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(logged.iter().all(|r| r.method == "CONNECT"), "{logged:?}");
    assert_eq!(logged[0].target, format!("a.test:{}", site.http_port()));
    assert_eq!(logged[1].target, format!("a.test:{}", site.https_port()));
}

#[tokio::test]
async fn certificate_errors_fail_the_handshake() {
    let site = TestSite::start();
    let net = crate::net_untrusting();
    let e = net
        .websocket(&wss_url(&site, "/ws"))
        .connect()
        .await
        .expect_err("untrusted");
    assert_eq!(e.kind(), NetError::CertAuthorityInvalid);
}

#[tokio::test]
async fn the_stream_and_sink_shapes_work() {
    use futures_util::{SinkExt, StreamExt};
    let site = TestSite::start();
    let net = net(&site);
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    ws.send(Message::Text("one".into())).await.expect("send");
    SinkExt::send(&mut ws, Message::Text("two".into()))
        .await
        .expect("sink");
    let got: Vec<Message> = tokio::time::timeout(
        DEADLINE,
        StreamExt::take(&mut ws, 2)
            .map(|m| m.expect("message"))
            .collect(),
    )
    .await
    .expect("in time");
    assert_eq!(
        got,
        [Message::Text("one".into()), Message::Text("two".into())]
    );
}

/// A WebSocket echo server of Debian's python3-websockets on a free port, or `None` (with the
/// reason printed) when the package is not installed.
struct PythonServer {
    child: std::process::Child,
    port: u16,
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PYTHON_ECHO: &str = r#"
import asyncio, sys, websockets

async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)

async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, subprotocols=["superchat", "chat"]) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(port, flush=True)
        await asyncio.Future()

asyncio.run(main())
"#;

fn python_server() -> Option<PythonServer> {
    use std::io::BufRead as _;
    let python = "/usr/bin/python3";
    let has = std::process::Command::new(python)
        .args(["-c", "import websockets"])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        eprintln!(
            "skipped: {python} with the websockets module (Debian's python3-websockets) is not installed"
        );
        return None;
    }
    let mut child = std::process::Command::new(python)
        .args(["-c", PYTHON_ECHO])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the python server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    // The child prints its port once listening (or exits, closing stdout).
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the port");
    let port = line.trim().parse().expect("a port on the first line");
    Some(PythonServer { child, port })
}

#[tokio::test]
async fn a_real_server_from_the_wild() {
    let Some(server) = python_server() else {
        return;
    };
    let site = TestSite::start();
    let net = net(&site);
    let mut ws = net
        .websocket(&format!("ws://127.0.0.1:{}/", server.port))
        .protocol("chat")
        .connect()
        .await
        .expect("connect to python3-websockets");
    assert_eq!(ws.protocol(), Some("chat"));
    echo_round(&mut ws).await;
    let theirs = ws.close(1000, "bye").await.expect("close");
    assert_eq!(theirs.map(|f| f.code), Some(1000));
}

#[tokio::test]
async fn the_net_log_names_the_handshake_with_chromes_websocket_events() {
    let site = TestSite::start();
    let net = net(&site);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("net.json");
    net.net_log()
        .start_logging(&log, session_net::NetLogOptions::new())
        .expect("log");
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    echo_round(&mut ws).await;
    net.net_log().stop_logging().expect("stop");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&log).expect("log file")).expect("json");
    let ty = |name: &str| v["constants"]["logEventTypes"][name].as_u64().expect(name);
    let events = v["events"].as_array().expect("events");
    let of = |t: u64| -> Vec<&serde_json::Value> {
        events
            .iter()
            .filter(|e| e["type"].as_u64() == Some(t))
            .collect()
    };
    let sent = of(ty("WEBSOCKET_SEND_REQUEST_HEADERS"));
    assert_eq!(sent.len(), 1, "{sent:?}");
    let lines = sent[0]["params"]["headers"].to_string();
    assert!(lines.contains("Upgrade: websocket"), "{lines}");
    let read = of(ty("WEBSOCKET_READ_RESPONSE_HEADERS"));
    assert_eq!(read.len(), 1, "{read:?}");
    assert!(
        read[0]["params"]["headers"][0]
            .as_str()
            .is_some_and(|l| l.contains("101"))
    );
    assert!(
        of(ty("HTTP_TRANSACTION_SEND_REQUEST_HEADERS")).is_empty(),
        "not logged as an HTTP transaction"
    );
    // A HAR of the log has the handshake as an entry.
    let har = session_net::netlog::har_from_net_log(&v, None).expect("har");
    assert!(har.to_string().contains("\"status\":101"), "{har}");
}

#[tokio::test]
async fn closing_the_sessions_connections_ends_open_websockets() {
    use futures_util::{SinkExt, StreamExt};
    let site = TestSite::start();
    let net = net(&site);
    let ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect");
    // Halves for a writer and a reader.
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::Text("before".into())).await.expect("send");
    let got = tokio::time::timeout(DEADLINE, rx.next())
        .await
        .expect("in time")
        .expect("open")
        .expect("message");
    assert_eq!(got, Message::Text("before".into()));
    net.close_all_connections();
    let e = tokio::time::timeout(DEADLINE, rx.next())
        .await
        .expect("in time")
        .expect("an item")
        .expect_err("aborted");
    assert_eq!(e.kind(), NetError::Aborted);
    assert!(e.to_string().contains("closed its connections"), "{e}");
    // The session opens new ones.
    let mut ws = net
        .websocket(&ws_url(&site, "/ws"))
        .connect()
        .await
        .expect("connect again");
    echo_round(&mut ws).await;
}
