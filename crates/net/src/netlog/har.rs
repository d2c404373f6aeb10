//! A HAR 1.2 document made from a finished net log: one entry per hop of every request
//! (redirects included), with request and response headers, status, timings and sizes.
//!
//! What a log does not hold is reported as HAR's "unknown": `headersSize: -1`, `blocked: -1`,
//! and the DNS / connect / TLS timings of a hop that reused a pooled socket. `send` and
//! `receive` are 0 (the log has no events for them); the body size of the last hop is the
//! caller's (`final_body_size`), the others are `-1`.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::error::{Error, NetError, Result};

#[derive(Default)]
struct Hop {
    url: String,
    method: String,
    start: u64,
    sent: Option<u64>,
    headers_at: Option<u64>,
    request_headers: Vec<(String, String)>,
    status_line: String,
    response_headers: Vec<(String, String)>,
    redirect: String,
    socket: Option<u64>,
}

#[derive(Default)]
struct SocketTimes {
    start: u64,
    dns: Option<(u64, u64)>,
    connect: Option<(u64, u64)>,
    ssl: Option<(u64, u64)>,
}

fn bad(what: &str) -> Error {
    Error::new(
        NetError::InvalidArgument,
        format!("the net log is not usable for a HAR: {what}"),
    )
}

fn num(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        v => v.as_u64(),
    }
}

fn split_header(line: &str) -> (String, String) {
    match line.split_once(':') {
        Some((n, v)) => (n.trim().to_string(), v.trim().to_string()),
        None => (line.to_string(), String::new()),
    }
}

/// Unix milliseconds as ISO 8601 (`2026-01-02T03:04:05.678Z`).
fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

fn header_list(headers: &[(String, String)]) -> Vec<Value> {
    headers
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect()
}

/// HAR `cookie` objects of the request's `Cookie` headers (`a=b; c=d`).
fn request_cookies(headers: &[(String, String)]) -> Vec<Value> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| {
            let pair = pair.trim();
            if pair.is_empty() {
                return None;
            }
            let (name, value) = pair.split_once('=').unwrap_or(("", pair));
            Some(json!({"name": name.trim(), "value": value.trim()}))
        })
        .collect()
}

/// HAR `cookie` objects of the response's `Set-Cookie` headers: name, value and the
/// attributes HAR names (`path`, `domain`, `expires` as sent, `httpOnly`, `secure`).
fn response_cookies(headers: &[(String, String)]) -> Vec<Value> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, line)| {
            let mut parts = line.split(';');
            let first = parts.next().unwrap_or("").trim();
            let (name, value) = first.split_once('=').unwrap_or(("", first));
            let mut cookie = json!({"name": name.trim(), "value": value.trim()});
            for attribute in parts {
                let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
                let val = val.trim();
                match key.trim().to_ascii_lowercase().as_str() {
                    "path" => cookie["path"] = json!(val),
                    "domain" => cookie["domain"] = json!(val),
                    "expires" => cookie["expires"] = json!(val),
                    "httponly" => cookie["httpOnly"] = json!(true),
                    "secure" => cookie["secure"] = json!(true),
                    _ => {}
                }
            }
            cookie
        })
        .collect()
}

/// The HAR of every request in `log` (a parsed, finished net log). `final_body_size` is the
/// body size of the last response, when the caller read it.
///
/// Example: see [`NetLog`](crate::netlog::NetLog).
pub fn har_from_net_log(log: &Value, final_body_size: Option<u64>) -> Result<Value> {
    let constants = &log["constants"];
    let types = constants["logEventTypes"]
        .as_object()
        .ok_or_else(|| bad("no constants.logEventTypes"))?;
    let ty = |name: &str| types.get(name).and_then(Value::as_u64);
    let offset = num(&constants["timeTickOffset"]).ok_or_else(|| bad("no timeTickOffset"))?;
    let events = log["events"]
        .as_array()
        .ok_or_else(|| bad("no events array"))?;
    let (begin, end) = (1, 2);
    let url_request = constants["logSourceType"]["URL_REQUEST"].as_u64();

    let mut hops: Vec<Hop> = Vec::new();
    let mut open: HashMap<u64, usize> = HashMap::new();
    let mut sockets: HashMap<u64, SocketTimes> = HashMap::new();
    let mut pending: HashMap<(u64, u64), u64> = HashMap::new();
    for e in events {
        let (Some(id), Some(t), Some(kind), Some(phase)) = (
            e["source"]["id"].as_u64(),
            num(&e["time"]),
            e["type"].as_u64(),
            e["phase"].as_u64(),
        ) else {
            continue;
        };
        let params = &e["params"];
        if e["source"]["type"].as_u64() == url_request {
            if Some(kind) == ty("URL_REQUEST_START_JOB") && phase == begin {
                hops.push(Hop {
                    url: params["url"].as_str().unwrap_or("").to_string(),
                    method: params["method"].as_str().unwrap_or("GET").to_string(),
                    start: t,
                    ..Hop::default()
                });
                open.insert(id, hops.len() - 1);
                continue;
            }
            let Some(hop) = open.get(&id).and_then(|&i| hops.get_mut(i)) else {
                continue;
            };
            let lines = || {
                params["headers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
            };
            if Some(kind) == ty("HTTP_TRANSACTION_SEND_REQUEST_HEADERS")
                || Some(kind) == ty("WEBSOCKET_SEND_REQUEST_HEADERS")
            {
                hop.sent = Some(t);
                hop.request_headers = lines().map(split_header).collect();
            } else if Some(kind) == ty("HTTP_TRANSACTION_READ_RESPONSE_HEADERS")
                || Some(kind) == ty("WEBSOCKET_READ_RESPONSE_HEADERS")
                || Some(kind) == ty("URL_REQUEST_FAKE_RESPONSE_HEADERS_CREATED")
            {
                hop.headers_at = Some(t);
                let mut it = lines();
                hop.status_line = it.next().unwrap_or("").to_string();
                hop.response_headers = it.map(split_header).collect();
            } else if Some(kind) == ty("URL_REQUEST_REDIRECTED") {
                hop.redirect = params["location"].as_str().unwrap_or("").to_string();
            } else if Some(kind) == ty("SOCKET_POOL_BOUND_TO_SOCKET") {
                hop.socket = params["source_dependency"]["id"].as_u64();
            }
        } else {
            let socket = sockets.entry(id).or_default();
            socket.start = num(&e["source"]["start_time"]).unwrap_or(t);
            for (name, slot) in [
                ("HOST_RESOLVER_MANAGER_REQUEST", 0),
                ("TCP_CONNECT", 1),
                ("SSL_CONNECT", 2),
            ] {
                if Some(kind) != ty(name) {
                    continue;
                }
                if phase == begin {
                    pending.insert((id, slot), t);
                } else if phase == end
                    && let Some(from) = pending.remove(&(id, slot))
                {
                    let span = Some((from, t));
                    match slot {
                        0 => socket.dns = span,
                        1 => socket.connect = span,
                        _ => socket.ssl = span,
                    }
                }
            }
        }
    }

    let last = hops.len().saturating_sub(1);
    let entries: Vec<Value> = hops
        .iter()
        .enumerate()
        .map(|(i, hop)| {
            // A socket opened for this hop (not a pooled one) has its setup timed here.
            let fresh = hop
                .socket
                .and_then(|s| sockets.get(&s))
                .filter(|s| s.start >= hop.start);
            let span = |f: fn(&SocketTimes) -> Option<(u64, u64)>| -> i64 {
                fresh
                    .and_then(f)
                    .map_or(-1, |(a, b)| b.saturating_sub(a) as i64)
            };
            let dns = span(|s| s.dns);
            let ssl = span(|s| s.ssl);
            let connect = match (span(|s| s.connect), ssl) {
                (-1, _) => -1,
                (c, s) => c + s.max(0),
            };
            let sent = hop.sent.unwrap_or(hop.start);
            let wait = hop.headers_at.map_or(0, |h| h.saturating_sub(sent)) as i64;
            let total = dns.max(0) + connect.max(0) + wait;
            let mut parts = hop.status_line.splitn(3, ' ');
            let version = parts.next().unwrap_or("").to_string();
            let status: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let status_text = parts.next().unwrap_or("").to_string();
            let find = |headers: &[(String, String)], name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            };
            let mime = find(&hop.response_headers, "content-type")
                .unwrap_or_else(|| "x-unknown".to_string());
            let request_body = find(&hop.request_headers, "content-length")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            let body_size = if i == last {
                final_body_size.map_or(-1, |n| n as i64)
            } else {
                -1
            };
            let query: Vec<Value> = url::Url::parse(&hop.url)
                .map(|u| {
                    u.query_pairs()
                        .map(|(n, v)| json!({"name": n, "value": v}))
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "startedDateTime": iso8601(offset + hop.start),
                "time": total,
                "request": {
                    "method": hop.method,
                    "url": hop.url,
                    "httpVersion": version,
                    "cookies": request_cookies(&hop.request_headers),
                    "headers": header_list(&hop.request_headers),
                    "queryString": query,
                    "headersSize": -1,
                    "bodySize": request_body,
                },
                "response": {
                    "status": status,
                    "statusText": status_text,
                    "httpVersion": version,
                    "cookies": response_cookies(&hop.response_headers),
                    "headers": header_list(&hop.response_headers),
                    "content": {"size": body_size.max(0), "mimeType": mime},
                    // The followed redirect, or the `Location` of one returned as is
                    // (`redirect: manual`).
                    "redirectURL": if hop.redirect.is_empty() {
                        find(&hop.response_headers, "location").unwrap_or_default()
                    } else {
                        hop.redirect.clone()
                    },
                    "headersSize": -1,
                    "bodySize": body_size,
                },
                "cache": {},
                "timings": {
                    "blocked": -1,
                    "dns": dns,
                    "connect": connect,
                    "ssl": ssl,
                    "send": 0,
                    "wait": wait,
                    "receive": 0,
                },
            })
        })
        .collect();
    Ok(json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "session", "version": env!("CARGO_PKG_VERSION")},
            "pages": [],
            "entries": entries,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_of_requests_and_responses() {
        let request = vec![("Cookie".to_string(), "a=1; b=two=2".to_string())];
        assert_eq!(
            request_cookies(&request),
            vec![
                json!({"name": "a", "value": "1"}),
                json!({"name": "b", "value": "two=2"})
            ]
        );
        let response = vec![
            (
                "set-cookie".to_string(),
                "sid=7; Path=/; Domain=a.test; HttpOnly; Secure; SameSite=Lax".to_string(),
            ),
            ("content-type".to_string(), "text/plain".to_string()),
        ];
        assert_eq!(
            response_cookies(&response),
            vec![json!({
                "name": "sid", "value": "7", "path": "/", "domain": "a.test",
                "httpOnly": true, "secure": true
            })]
        );
    }

    #[test]
    fn dates_are_iso_8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
    }

    #[test]
    fn a_log_without_constants_is_an_error() {
        let e = har_from_net_log(&json!({"events": []}), None).expect_err("bad log");
        assert!(e.detail().contains("logEventTypes"));
    }
}
