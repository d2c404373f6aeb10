//! The routes of the test site (see the crate docs for the table).

use crate::body::{self, Body, Content};
use crate::site::{Resource, Shared, header_pairs, response};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::io;
use std::time::Duration;

type Reply = Result<Response<Body>, io::Error>;

/// `Last-Modified` of the `/bytes` entities.
pub(crate) const BYTES_LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

pub(crate) async fn handle(req: Request<Incoming>, shared: &Shared) -> Reply {
    let path = req.uri().path().to_owned();
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let num = |name: &str| q(name).and_then(|v| v.parse::<u64>().ok());
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();

    match segments.as_slice() {
        ["echo"] => echo(req).await,
        ["ws"] => Ok(crate::websocket::route(req, &query)),
        ["auth", rest @ ..] => crate::auth::route(req, rest, &query, &shared.auth).await,
        ["dictionary", name] => Ok(crate::dictionary::route(&req, name, q("coding"))),
        ["status", code] => {
            let code = code.parse().unwrap_or(500);
            let mut r = response(code, body::full(format!("status {code}")));
            if let Some(Ok(phrase)) =
                q("reason").map(|r| hyper::ext::ReasonPhrase::try_from(r.as_bytes().to_vec()))
            {
                r.extensions_mut().insert(phrase);
            }
            Ok(r)
        }
        ["headers"] => Ok(headers_route(&req, &query)),
        ["redirect", n] => {
            let n: u32 = n.parse().unwrap_or(0);
            if n == 0 {
                Ok(response(200, body::full("redirected")))
            } else {
                Ok(redirect(302, &format!("/redirect/{}", n - 1)))
            }
        }
        ["redirect-to"] => {
            let status = num("status").unwrap_or(302) as u16;
            // The request body is read first, as nginx discards it before answering: a client
            // still writing an upload must not meet a connection closed under it.
            let _ = req.into_body().collect().await;
            Ok(redirect(status, q("url").unwrap_or("/")))
        }
        ["encoded", enc] => match body::encode(enc, body::ENCODED_TEXT.as_bytes()) {
            Some(bytes) => {
                let mut r = response(200, body::full(bytes));
                set(&mut r, "content-type", "text/plain");
                if *enc != "identity" {
                    set(&mut r, "content-encoding", enc);
                }
                Ok(r)
            }
            None => Ok(response(404, body::full("unknown encoding"))),
        },
        ["bytes", n] => {
            let len = n.parse().unwrap_or(0);
            let seed = num("seed").unwrap_or(0);
            let etag = format!("\"bytes-{len}-{seed}\"");
            Ok(entity(
                &req,
                Content::Pattern { len, seed },
                Some(&etag),
                Some(BYTES_LAST_MODIFIED),
                &[("content-type".into(), "application/octet-stream".into())],
                &query,
            ))
        }
        ["flaky", key, n] => Ok(crate::flaky::flaky(
            &req,
            key,
            n.parse().unwrap_or(0),
            &query,
        )),
        ["res", name] => {
            let res: Option<Resource> = shared
                .resources
                .lock()
                .expect("resources lock")
                .get(*name)
                .cloned();
            Ok(match res {
                Some(res) => entity(
                    &req,
                    Content::Stored(res.body),
                    res.etag.as_deref(),
                    res.last_modified.as_deref(),
                    &res.headers,
                    &query,
                ),
                None => response(404, body::full("no such resource")),
            })
        }
        ["truncated", declared, sent] => {
            let declared: usize = declared.parse().unwrap_or(0);
            let sent: usize = sent.parse().unwrap_or(0);
            let mut r = response(200, body::truncated(Bytes::from(vec![b'x'; sent])));
            set(&mut r, "content-length", &declared.to_string());
            Ok(r)
        }
        ["truncated-chunked", sent] => {
            let sent: usize = sent.parse().unwrap_or(0);
            Ok(response(
                200,
                body::truncated(Bytes::from(vec![b'x'; sent])),
            ))
        }
        ["drip"] => {
            let total = num("bytes").unwrap_or(10) as usize;
            let chunk = num("chunk").unwrap_or(1) as usize;
            let delay = Duration::from_millis(num("delay_ms").unwrap_or(100));
            // `ranged=1`: a strong ETag, and `Range: bytes=X-` answered with the rest (resume).
            let from = match (q("ranged"), req.headers().get(header::RANGE)) {
                (Some("1"), Some(range)) => range
                    .to_str()
                    .ok()
                    .and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok())
                    .filter(|&from: &usize| from < total),
                _ => None,
            };
            let sent = total - from.unwrap_or(0);
            let mut r = response(
                if from.is_some() { 206 } else { 200 },
                body::drip(sent, chunk, delay),
            );
            set(&mut r, "content-length", &sent.to_string());
            if q("ranged") == Some("1") {
                set(&mut r, "etag", &format!("\"drip-{total}\""));
                set(&mut r, "accept-ranges", "bytes");
            }
            if let Some(from) = from {
                let range = format!("bytes {from}-{}/{total}", total - 1);
                set(&mut r, "content-range", &range);
            }
            Ok(r)
        }
        ["slow-headers"] => {
            tokio::time::sleep(Duration::from_millis(num("delay_ms").unwrap_or(1000))).await;
            Ok(response(200, body::full("ok")))
        }
        ["hang"] => {
            std::future::pending::<()>().await;
            Ok(response(200, body::pending()))
        }
        ["reset"] => Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")),
        ["huge-headers"] => {
            let size = num("size").unwrap_or(300 * 1024) as usize;
            let mut r = response(200, body::full("ok"));
            set(&mut r, "x-huge", &"h".repeat(size));
            Ok(r)
        }
        ["many-headers"] => {
            let count = num("count").unwrap_or(1000);
            let mut r = response(200, body::full("ok"));
            for i in 0..count {
                if let Ok(name) = http::HeaderName::from_bytes(format!("x-header-{i}").as_bytes()) {
                    r.headers_mut().append(name, HeaderValue::from_static("v"));
                }
            }
            Ok(r)
        }
        ["bomb"] => {
            let mib = num("mb").unwrap_or(64) as usize;
            let mut r = response(200, body::full(body::bomb(mib)));
            set(&mut r, "content-encoding", "gzip");
            set(&mut r, "content-type", "application/octet-stream");
            Ok(r)
        }
        _ => Ok(response(404, body::full("not found"))),
    }
}

fn set(r: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

fn redirect(status: u16, location: &str) -> Response<Body> {
    let mut r = response(status, body::empty());
    set(&mut r, "location", location);
    r
}

async fn echo(req: Request<Incoming>) -> Reply {
    let (parts, incoming) = req.into_parts();
    let bytes = incoming
        .collect()
        .await
        .map_err(io::Error::other)?
        .to_bytes();
    let json = serde_json::json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        "version": format!("{:?}", parts.version),
        "headers": header_pairs(&parts.headers),
        "body": String::from_utf8_lossy(&bytes),
        "bodyLength": bytes.len(),
    });
    let mut r = response(200, body::full(json.to_string()));
    set(&mut r, "content-type", "application/json");
    Ok(r)
}

fn headers_route(req: &Request<Incoming>, query: &[(String, String)]) -> Response<Body> {
    let status: u16 = query
        .iter()
        .find(|(k, _)| k == "_status")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(200);
    let body_text = query
        .iter()
        .find(|(k, _)| k == "_body")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "ok".into());
    let given = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let req_header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let not_modified = match (given("etag"), req_header(header::IF_NONE_MATCH)) {
        (Some(etag), Some(inm)) => inm.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        _ => match (
            given("last-modified"),
            req_header(header::IF_MODIFIED_SINCE),
        ) {
            (Some(lm), Some(ims)) => lm == ims,
            _ => false,
        },
    };
    let mut r = if not_modified {
        response(304, body::empty())
    } else {
        response(status, body::full(body_text))
    };
    for (k, v) in query.iter().filter(|(k, _)| !k.starts_with('_')) {
        if not_modified && k.to_ascii_lowercase().starts_with("content-") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            r.headers_mut().append(name, value);
        }
    }
    r
}

/// Serves an entity with validators, conditional requests and single byte ranges.
pub(crate) fn entity(
    req: &Request<Incoming>,
    content: Content,
    etag: Option<&str>,
    last_modified: Option<&str>,
    extra: &[(String, String)],
    query: &[(String, String)],
) -> Response<Body> {
    let flag = |name: &str| query.iter().any(|(k, v)| k == name && v != "0");
    let cut = query
        .iter()
        .find(|(k, _)| k == "cut")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let len = content.len();
    let header_str = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let with_validators = |r: &mut Response<Body>| {
        if let Some(e) = etag {
            set(r, "etag", e);
        }
        if let Some(lm) = last_modified {
            set(r, "last-modified", lm);
        }
        for (k, v) in extra {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                r.headers_mut().append(name, value);
            }
        }
    };

    if let (Some(inm), Some(e)) = (header_str(header::IF_NONE_MATCH), etag)
        && inm.split(',').any(|t| t.trim() == e)
    {
        let mut r = response(304, body::empty());
        with_validators(&mut r);
        return r;
    }

    let range = if flag("norange") {
        None
    } else {
        header_str(header::RANGE).and_then(|r| parse_range(r, len))
    };
    // If-Range: the range applies only when the validator still matches.
    let range = match (range, header_str(header::IF_RANGE)) {
        (Some(r), Some(if_range)) => {
            let matches = if if_range.starts_with('"') || if_range.starts_with("W/") {
                etag == Some(if_range) && !if_range.starts_with("W/")
            } else {
                last_modified == Some(if_range)
            };
            matches.then_some(r)
        }
        (r, _) => r,
    };

    let (status, start, end) = match range {
        Some(Ok((s, e))) => (206, s, e),
        Some(Err(())) => {
            let mut r = response(416, body::empty());
            set(&mut r, "content-range", &format!("bytes */{len}"));
            return r;
        }
        None => (200, 0, len),
    };
    let mut r = response(status, body::entity_body(content, start, end, cut));
    with_validators(&mut r);
    if !flag("norange") {
        set(&mut r, "accept-ranges", "bytes");
    }
    if status == 206 {
        set(
            &mut r,
            "content-range",
            &format!("bytes {start}-{}/{len}", end.saturating_sub(1)),
        );
    }
    if !flag("chunked") && !flag("nocl") {
        set(&mut r, "content-length", &(end - start).to_string());
    }
    r
}

/// Parses a single `bytes=` range against an entity of `len` bytes: `Some(Ok((start, end)))`
/// (end exclusive), `Some(Err(()))` when unsatisfiable, `None` when absent or not understood.
fn parse_range(value: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let suffix: u64 = b.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        (len.saturating_sub(suffix), len)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            len
        } else {
            b.parse::<u64>().ok()?.saturating_add(1).min(len)
        };
        if start >= len || start >= end {
            return Some(Err(()));
        }
        (start, end)
    };
    Some(Ok(range))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok((0, 10))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 100))));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok((90, 100))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("items=1-2", 100), None);
    }
}
