//! `/ws`: a WebSocket server (RFC 6455) on every listener of the site, so `ws://` and
//! `wss://` reach it. Query parameters bend the handshake; messages drive the open
//! connection (see the crate docs' table).

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use sha1::{Digest, Sha1};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::body::{self, Body};
use crate::site::{header_pairs, response};

/// `base64(SHA-1(key + GUID))` (RFC 6455 §4.2.2).
fn accept_key(key: &[u8]) -> String {
    let mut sha = Sha1::new();
    sha.update(key);
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

fn set(r: &mut Response<Body>, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        http::HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        r.headers_mut().append(n, v);
    }
}

/// The handshake and, on success, the connection's task.
pub(crate) fn route(mut req: Request<Incoming>, query: &[(String, String)]) -> Response<Body> {
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let (Some(user), Some(pass)) = (q("user"), q("pass")) {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        );
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            let mut r = response(401, body::full("unauthenticated"));
            set(&mut r, "www-authenticate", "Basic realm=\"ws\"");
            return r;
        }
    }
    if let Some(status) = q("status").and_then(|s| s.parse::<u16>().ok()) {
        let mut r = response(status, body::full(format!("status {status}")));
        set(&mut r, "content-type", "text/plain");
        return r;
    }
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
        return response(400, body::full("not a WebSocket handshake"));
    };
    if !upgrade {
        return response(400, body::full("not a WebSocket handshake"));
    }
    let mut r = response(101, body::full(""));
    set(&mut r, "Upgrade", "websocket");
    set(&mut r, "Connection", "Upgrade");
    let accept = match q("accept") {
        Some("wrong") => accept_key(b"not the key"),
        _ => accept_key(key.as_bytes()),
    };
    set(&mut r, "Sec-WebSocket-Accept", &accept);
    let offered: Vec<String> = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .collect();
    if let Some(forced) = q("answer_protocol") {
        set(&mut r, "Sec-WebSocket-Protocol", forced);
    } else if let Some(list) = q("protocols") {
        let ours: Vec<&str> = list.split(',').collect();
        if let Some(p) = offered.iter().find(|p| ours.contains(&p.as_str())) {
            set(&mut r, "Sec-WebSocket-Protocol", p);
        }
    }
    if let Some(ext) = q("extension") {
        set(&mut r, "Sec-WebSocket-Extensions", ext);
    }
    for (k, v) in query {
        if k == "cookie" {
            set(&mut r, "Set-Cookie", v);
        }
    }
    let request_headers = header_pairs(req.headers());
    let on = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        if let Ok(upgraded) = on.await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            serve(ws, request_headers).await;
        }
    });
    r
}

/// Echoes messages, except these texts:
/// - `headers`: answers the handshake's request headers as JSON `[[name, value]...]`;
/// - `close CODE REASON`: closes with that code and reason;
/// - `big N`: sends a binary message of N bytes;
/// - `bad-utf8`: sends a text frame that is not UTF-8;
/// - `drop`: closes the TCP connection without a closing handshake.
async fn serve<S>(mut ws: WebSocketStream<S>, request_headers: Vec<(String, String)>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(Ok(m)) = ws.next().await {
        let reply = match m {
            Message::Text(t) => {
                let t = t.as_str();
                if t == "headers" {
                    Message::Text(
                        serde_json::to_string(&request_headers)
                            .unwrap_or_default()
                            .into(),
                    )
                } else if let Some(rest) = t.strip_prefix("close ") {
                    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
                    Message::Close(Some(CloseFrame {
                        code: code.parse::<u16>().unwrap_or(1000).into(),
                        reason: reason.to_string().into(),
                    }))
                } else if let Some(n) = t.strip_prefix("big ") {
                    Message::Binary(Bytes::from(vec![b'x'; n.parse().unwrap_or(0)]))
                } else if t == "bad-utf8" {
                    let header = FrameHeader {
                        opcode: OpCode::Data(Data::Text),
                        ..FrameHeader::default()
                    };
                    Message::Frame(Frame::from_payload(
                        header,
                        Bytes::from_static(&[0xff, 0xfe, 0xfd]),
                    ))
                } else if t == "drop" {
                    return;
                } else {
                    Message::Text(t.into())
                }
            }
            Message::Binary(b) => Message::Binary(b),
            Message::Close(_) => {
                // tungstenite answers the close frame itself; flush it out.
                let _ = ws.flush().await;
                continue;
            }
            _ => continue,
        };
        if ws.send(reply).await.is_err() {
            return;
        }
    }
}
