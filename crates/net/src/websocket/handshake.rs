//! The opening handshake of RFC 6455 §4 as plain data and functions: the headers a client
//! adds to its `GET`, and the checks of the server's answer, failing with Chromium's messages
//! (`Error during WebSocket handshake: ...`, `net::ERR_INVALID_RESPONSE`).

use base64::Engine as _;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sha1::{Digest, Sha1};

use crate::error::{Error, NetError, Result};

/// The GUID of RFC 6455 §1.3 that the server appends to the key before hashing it.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// One handshake: the key sent and the subprotocols offered. It rides with the request
/// through the pipeline, so the transport knows the hop is a WebSocket handshake (an
/// HTTP/1.1 connection of its own that is handed back upgraded) and the hop loop checks the
/// answer before any stage reports the response as started.
#[derive(Clone, Debug)]
pub(crate) struct Handshake {
    key: String,
    protocols: Vec<String>,
}

/// What the server agreed to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Negotiated {
    /// The subprotocol the server chose among those offered.
    pub(crate) protocol: Option<String>,
}

/// `base64(SHA-1(key + GUID))`: the `Sec-WebSocket-Accept` a server must answer `key` with.
pub(crate) fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// Whether `name` is an HTTP token (RFC 9110 §5.6.2), as a subprotocol name must be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks the subprotocols a caller offers as the WebSocket constructor does: each a token,
/// no name twice.
pub(crate) fn check_protocols(protocols: &[String]) -> Result<()> {
    for (i, p) in protocols.iter().enumerate() {
        if !is_token(p) {
            return Err(Error::new(
                NetError::InvalidArgument,
                format!("the subprotocol '{p}' is invalid: a subprotocol is an HTTP token"),
            ));
        }
        if protocols[..i].contains(p) {
            return Err(Error::new(
                NetError::InvalidArgument,
                format!("the subprotocol '{p}' is duplicated"),
            ));
        }
    }
    Ok(())
}

fn fail(what: impl std::fmt::Display) -> Error {
    Error::new(
        NetError::InvalidResponse,
        format!("Error during WebSocket handshake: {what}"),
    )
}

impl Handshake {
    /// A handshake with a fresh random key (16 random bytes, base64), offering `protocols`.
    pub(crate) fn new(protocols: Vec<String>) -> Result<Self> {
        let mut nonce = [0u8; 16];
        getrandom::getrandom(&mut nonce).map_err(|e| {
            Error::new(
                NetError::Failed,
                format!("no random bytes for a Sec-WebSocket-Key: {e}"),
            )
        })?;
        Ok(Handshake::with_key(
            base64::engine::general_purpose::STANDARD.encode(nonce),
            protocols,
        ))
    }

    /// A handshake with a given key (tests use RFC 6455's sample).
    pub(crate) fn with_key(key: String, protocols: Vec<String>) -> Self {
        Handshake { key, protocols }
    }

    /// Adds the handshake's headers to `headers` in Chromium's order and spelling, over any
    /// the caller set of the same names: `Connection: Upgrade`, `Pragma` and `Cache-Control:
    /// no-cache`, `Upgrade: websocket`, `Sec-WebSocket-Version: 13`, the key, and the
    /// subprotocols when there are any. No extension is offered (permessage-deflate is not
    /// implemented), so `Sec-WebSocket-Extensions` is not sent.
    pub(crate) fn add_headers(&self, headers: &mut HeaderMap) -> Result<()> {
        headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        headers.insert(
            header::SEC_WEBSOCKET_KEY,
            HeaderValue::from_str(&self.key).map_err(|_| {
                Error::new(
                    NetError::InvalidArgument,
                    format!("'{}' is not a valid Sec-WebSocket-Key", self.key),
                )
            })?,
        );
        headers.remove(header::SEC_WEBSOCKET_EXTENSIONS);
        headers.remove(header::SEC_WEBSOCKET_PROTOCOL);
        if !self.protocols.is_empty() {
            let list = self.protocols.join(", ");
            headers.insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_str(&list).map_err(|_| {
                    Error::new(
                        NetError::InvalidArgument,
                        format!("the subprotocols '{list}' are not a valid header value"),
                    )
                })?,
            );
        }
        Ok(())
    }

    /// Checks the server's answer (RFC 6455 §4.1, in Chromium's order and words): `101`,
    /// `Upgrade: websocket`, `Connection: Upgrade`, the right `Sec-WebSocket-Accept`, a
    /// subprotocol among those offered (and one when any was offered), and no extension.
    pub(crate) fn check(&self, status: StatusCode, headers: &HeaderMap) -> Result<Negotiated> {
        if status != StatusCode::SWITCHING_PROTOCOLS {
            return Err(fail(format_args!(
                "Unexpected response code: {}",
                status.as_u16()
            )));
        }
        let one = |name: &header::HeaderName| -> Result<Option<String>> {
            let mut values = headers.get_all(name).iter();
            let Some(first) = values.next() else {
                return Ok(None);
            };
            if values.next().is_some() {
                return Err(fail(format_args!(
                    "'{name}' header must not appear more than once in a response"
                )));
            }
            Ok(Some(String::from_utf8_lossy(first.as_bytes()).into_owned()))
        };
        let display = |name: &header::HeaderName| -> &'static str {
            match name.as_str() {
                "upgrade" => "Upgrade",
                "sec-websocket-accept" => "Sec-WebSocket-Accept",
                "sec-websocket-protocol" => "Sec-WebSocket-Protocol",
                _ => "Connection",
            }
        };
        match one(&header::UPGRADE)
            .map_err(|_| fail("'Upgrade' header must not appear more than once in a response"))?
        {
            None => return Err(fail("'Upgrade' header is missing")),
            Some(v) if !v.trim().eq_ignore_ascii_case("websocket") => {
                return Err(fail(format_args!(
                    "'Upgrade' header value is not 'WebSocket': {v}"
                )));
            }
            Some(_) => {}
        }
        let connection: Vec<String> = headers
            .get_all(header::CONNECTION)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if connection.is_empty() {
            return Err(fail("'Connection' header is missing"));
        }
        if !connection
            .iter()
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
        {
            return Err(fail(format_args!(
                "'Connection' header value must contain 'Upgrade'"
            )));
        }
        let name = header::SEC_WEBSOCKET_ACCEPT;
        match one(&name).map_err(|_| {
            fail(format_args!(
                "'{}' header must not appear more than once in a response",
                display(&name)
            ))
        })? {
            None => return Err(fail("'Sec-WebSocket-Accept' header is missing")),
            Some(v) if v.trim() != accept_key(&self.key) => {
                return Err(fail(format_args!(
                    "Incorrect 'Sec-WebSocket-Accept' header value '{}' (expected '{}')",
                    v.trim(),
                    accept_key(&self.key)
                )));
            }
            Some(_) => {}
        }
        let name = header::SEC_WEBSOCKET_PROTOCOL;
        let protocol = one(&name).map_err(|_| {
            fail("'Sec-WebSocket-Protocol' header must not appear more than once in a response")
        })?;
        let protocol = match protocol.map(|p| p.trim().to_string()) {
            None if !self.protocols.is_empty() => {
                return Err(fail(
                    "Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received",
                ));
            }
            None => None,
            Some(p) if self.protocols.is_empty() => {
                return Err(fail(format_args!(
                    "Response must not include 'Sec-WebSocket-Protocol' header if not present in request: {p}"
                )));
            }
            Some(p) if !self.protocols.contains(&p) => {
                return Err(fail(format_args!(
                    "'Sec-WebSocket-Protocol' header value '{p}' in response does not match any of sent values"
                )));
            }
            Some(p) => Some(p),
        };
        for value in headers.get_all(header::SEC_WEBSOCKET_EXTENSIONS) {
            let text = String::from_utf8_lossy(value.as_bytes());
            if let Some(ext) = text
                .split(',')
                .map(|e| e.split(';').next().unwrap_or("").trim())
                .find(|e| !e.is_empty())
            {
                return Err(fail(format_args!(
                    "Found an unsupported extension '{ext}' in 'Sec-WebSocket-Extensions' header (none was offered)"
                )));
            }
        }
        Ok(Negotiated { protocol })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample key and answer of RFC 6455 §1.3.
    const SAMPLE_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const SAMPLE_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    fn answer(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        h
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            ("sec-websocket-accept", SAMPLE_ACCEPT),
        ]
    }

    #[test]
    fn accept_key_is_rfc_6455_sample() {
        assert_eq!(accept_key(SAMPLE_KEY), SAMPLE_ACCEPT);
    }

    #[test]
    fn a_right_answer_passes_and_names_the_protocol() {
        let hs = Handshake::with_key(SAMPLE_KEY.into(), vec!["chat".into(), "superchat".into()]);
        let mut pairs = good();
        pairs.push(("sec-websocket-protocol", "superchat"));
        let n = hs
            .check(StatusCode::SWITCHING_PROTOCOLS, &answer(&pairs))
            .expect("valid");
        assert_eq!(n.protocol.as_deref(), Some("superchat"));
        // Header values are compared case-insensitively where RFC 6455 says so.
        let hs = Handshake::with_key(SAMPLE_KEY.into(), vec![]);
        let pairs = [
            ("upgrade", "WebSocket"),
            ("connection", "keep-alive, UPGRADE"),
            ("sec-websocket-accept", SAMPLE_ACCEPT),
        ];
        assert_eq!(
            hs.check(StatusCode::SWITCHING_PROTOCOLS, &answer(&pairs))
                .expect("valid"),
            Negotiated::default()
        );
    }

    fn failure(hs: &Handshake, status: u16, pairs: &[(&str, &str)]) -> Error {
        let e = hs
            .check(
                StatusCode::from_u16(status).expect("status"),
                &answer(pairs),
            )
            .expect_err("should fail");
        assert_eq!(e.kind(), NetError::InvalidResponse, "{e}");
        e
    }

    #[test]
    fn wrong_answers_fail_naming_what_was_wrong() {
        let hs = Handshake::with_key(SAMPLE_KEY.into(), vec![]);
        let e = failure(&hs, 200, &good());
        assert!(
            e.to_string().contains("Unexpected response code: 200"),
            "{e}"
        );
        let e = failure(&hs, 101, &good()[1..]);
        assert!(e.to_string().contains("'Upgrade' header is missing"), "{e}");
        let e = failure(&hs, 101, &[good()[0], good()[2]]);
        assert!(
            e.to_string().contains("'Connection' header is missing"),
            "{e}"
        );
        let e = failure(
            &hs,
            101,
            &[good()[0], good()[1], ("sec-websocket-accept", "AAAA")],
        );
        assert!(
            e.to_string()
                .contains("Incorrect 'Sec-WebSocket-Accept' header value 'AAAA'"),
            "{e}"
        );
        let e = failure(&hs, 101, &good()[..2]);
        assert!(
            e.to_string()
                .contains("'Sec-WebSocket-Accept' header is missing"),
            "{e}"
        );
        let mut pairs = good();
        pairs.push((
            "sec-websocket-extensions",
            "permessage-deflate; client_max_window_bits",
        ));
        let e = failure(&hs, 101, &pairs);
        assert!(
            e.to_string()
                .contains("unsupported extension 'permessage-deflate'"),
            "{e}"
        );
        let mut pairs = good();
        pairs.push(("sec-websocket-protocol", "chat"));
        let e = failure(&hs, 101, &pairs);
        assert!(
            e.to_string().contains("if not present in request: chat"),
            "{e}"
        );
    }

    #[test]
    fn a_protocol_not_offered_or_missing_fails() {
        let hs = Handshake::with_key(SAMPLE_KEY.into(), vec!["chat".into()]);
        let mut pairs = good();
        pairs.push(("sec-websocket-protocol", "mqtt"));
        let e = failure(&hs, 101, &pairs);
        assert!(
            e.to_string()
                .contains("'Sec-WebSocket-Protocol' header value 'mqtt' in response does not match any of sent values"),
            "{e}"
        );
        let e = failure(&hs, 101, &good());
        assert!(e.to_string().contains("no response was received"), "{e}");
    }

    #[test]
    fn offered_protocols_must_be_distinct_tokens() {
        assert!(check_protocols(&["chat".into(), "v2.json".into()]).is_ok());
        let e = check_protocols(&["a b".into()]).expect_err("space");
        assert!(e.to_string().contains("'a b' is invalid"), "{e}");
        let e = check_protocols(&["chat".into(), "chat".into()]).expect_err("dup");
        assert!(e.to_string().contains("'chat' is duplicated"), "{e}");
        assert!(check_protocols(&[String::new()]).is_err());
    }

    #[test]
    fn request_headers_are_chromiums() {
        let hs = Handshake::with_key(SAMPLE_KEY.into(), vec!["chat".into(), "superchat".into()]);
        let mut h = HeaderMap::new();
        h.insert(header::UPGRADE, HeaderValue::from_static("h2c"));
        h.insert("x-app", HeaderValue::from_static("1"));
        hs.add_headers(&mut h).expect("headers");
        assert_eq!(h[header::UPGRADE], "websocket");
        assert_eq!(h[header::CONNECTION], "Upgrade");
        assert_eq!(h[header::SEC_WEBSOCKET_VERSION], "13");
        assert_eq!(h[header::SEC_WEBSOCKET_KEY], SAMPLE_KEY);
        assert_eq!(h[header::SEC_WEBSOCKET_PROTOCOL], "chat, superchat");
        assert_eq!(h["x-app"], "1");
        assert!(!h.contains_key(header::SEC_WEBSOCKET_EXTENSIONS));
        let fresh = Handshake::new(vec![]).expect("key");
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&fresh.key)
                .expect("base64")
                .len(),
            16
        );
    }
}
