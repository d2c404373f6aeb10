//! What a listener is told: Electron's webRequest `details`.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode, Version};
use serde_json::{Map, Value, json};
use url::Url;

use crate::request::{ResourceType, UploadData};
use crate::response::HopResponse;
use crate::stages::RequestContext;

/// The details of one webRequest event. Fields an event does not have are `None` (Electron
/// leaves them out): `request_headers` for `onBeforeSendHeaders` / `onSendHeaders`;
/// `status_line`, `status_code`, `response_headers` from `onHeadersReceived` on; `from_cache`
/// and `ip` from `onResponseStarted` on; `redirect_url` for `onBeforeRedirect`; `error` for
/// `onErrorOccurred` (and `onCompleted`'s `net::OK`).
///
/// Example: see [`Event`](crate::web_request::Event) (an observer reading them as JSON).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Details {
    /// The request's id, the same for all its events and hops.
    pub id: u64,
    /// The URL of this hop.
    pub url: Url,
    /// The method of this hop.
    pub method: Method,
    /// `resourceType`.
    pub resource_type: ResourceType,
    /// The `Referer`, empty when none.
    pub referrer: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: f64,
    /// `uploadData`: the request body, one element per part (bytes, a file's path, a blob's
    /// UUID); `None` without a body and for a streamed one.
    pub upload_data: Option<Vec<UploadData>>,
    /// `requestHeaders`.
    pub request_headers: Option<HeaderMap>,
    /// `responseHeaders`.
    pub response_headers: Option<HeaderMap>,
    /// `statusLine` (`HTTP/1.1 200 OK`).
    pub status_line: Option<String>,
    /// `statusCode`.
    pub status_code: Option<u16>,
    /// `fromCache`.
    pub from_cache: Option<bool>,
    /// `ip`: the server's address, for a response from the network.
    pub ip: Option<String>,
    /// `redirectURL`.
    pub redirect_url: Option<String>,
    /// `error`: Chromium's name (`net::ERR_BLOCKED_BY_CLIENT`).
    pub error: Option<String>,
}

/// `HTTP/1.1 200 OK` (HTTP/2: `HTTP/2.0 200`). Built by hand, not by `format!`: it is made for
/// every event of a request from `onHeadersReceived` on.
pub(crate) fn status_line(version: Version, status: StatusCode, text: &str) -> String {
    let v = match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    };
    let mut line = String::with_capacity(v.len() + 5 + text.len());
    line.push_str(v);
    line.push(' ');
    line.push_str(status.as_str());
    line.push(' ');
    line.push_str(text);
    line.truncate(line.trim_end().len());
    line
}

/// An address as `ip` shows it (`127.0.0.1`, `::1`); IPv4 written by hand, not by `Display`,
/// which costs more than the rest of a response's details.
pub(crate) fn ip_text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut out = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
    out
}

impl Details {
    /// Milliseconds since the Unix epoch, now.
    pub(crate) fn now() -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }

    /// The details every event has, for the hop `ctx` describes.
    pub(crate) fn of(ctx: &RequestContext) -> Details {
        Details {
            id: ctx.id,
            url: ctx.url.clone(),
            method: ctx.method.clone(),
            resource_type: ctx.resource_type,
            referrer: ctx
                .headers
                .get(http::header::REFERER)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default(),
            timestamp: Details::now(),
            upload_data: ctx.upload.clone(),
            request_headers: None,
            response_headers: None,
            status_line: None,
            status_code: None,
            from_cache: None,
            ip: None,
            redirect_url: None,
            error: None,
        }
    }

    /// Adds what a response tells (status, headers, cache, address).
    pub(crate) fn with_response(mut self, r: &HopResponse) -> Details {
        self.status_line = Some(status_line(r.version, r.status, &r.status_text));
        self.status_code = Some(r.status.as_u16());
        self.response_headers = Some(r.headers.clone());
        self.from_cache = Some(r.from_cache);
        self.ip = r.remote_addr.map(|a| ip_text(a.ip()));
        self
    }

    /// The details as Electron's JSON object (header values as text, UTF-8 decoded; response
    /// header values as arrays).
    ///
    /// Example: see [`Event`](crate::web_request::Event).
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("url".into(), json!(self.url.as_str()));
        o.insert("method".into(), json!(self.method.as_str()));
        o.insert("resourceType".into(), json!(self.resource_type.as_str()));
        o.insert("referrer".into(), json!(self.referrer));
        o.insert("timestamp".into(), json!(self.timestamp));
        if let Some(parts) = &self.upload_data {
            let parts: Vec<Value> = parts
                .iter()
                .map(|p| {
                    let mut e = Map::new();
                    if let Some(b) = &p.bytes {
                        e.insert("bytes".into(), json!(String::from_utf8_lossy(b)));
                    }
                    if let Some(f) = &p.file {
                        e.insert("file".into(), json!(f.display().to_string()));
                    }
                    if let Some(u) = &p.blob_uuid {
                        e.insert("blobUUID".into(), json!(u));
                    }
                    Value::Object(e)
                })
                .collect();
            o.insert("uploadData".into(), Value::Array(parts));
        }
        if let Some(h) = &self.request_headers {
            let mut m = Map::new();
            for (k, v) in h {
                m.insert(
                    k.as_str().to_string(),
                    json!(String::from_utf8_lossy(v.as_bytes())),
                );
            }
            o.insert("requestHeaders".into(), Value::Object(m));
        }
        if let Some(h) = &self.response_headers {
            let mut m = Map::new();
            for k in h.keys() {
                let values: Vec<Value> = h
                    .get_all(k)
                    .iter()
                    .map(|v| json!(String::from_utf8_lossy(v.as_bytes())))
                    .collect();
                m.insert(k.as_str().to_string(), Value::Array(values));
            }
            o.insert("responseHeaders".into(), Value::Object(m));
        }
        for (name, value) in [
            ("statusLine", self.status_line.as_ref().map(|s| json!(s))),
            ("statusCode", self.status_code.map(|s| json!(s))),
            ("fromCache", self.from_cache.map(|s| json!(s))),
            ("ip", self.ip.as_ref().map(|s| json!(s))),
            ("redirectURL", self.redirect_url.as_ref().map(|s| json!(s))),
            ("error", self.error.as_ref().map(|s| json!(s))),
        ] {
            if let Some(v) = value {
                o.insert(name.into(), v);
            }
        }
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_read_as_chromium_writes_them() {
        let ok = StatusCode::OK;
        assert_eq!(status_line(Version::HTTP_11, ok, "OK"), "HTTP/1.1 200 OK");
        assert_eq!(status_line(Version::HTTP_2, ok, ""), "HTTP/2.0 200");
        assert_eq!(
            status_line(Version::HTTP_10, StatusCode::NOT_FOUND, "Not Found  "),
            "HTTP/1.0 404 Not Found"
        );
        assert_eq!(
            status_line(
                Version::HTTP_11,
                StatusCode::from_u16(599).expect("599"),
                " "
            ),
            "HTTP/1.1 599"
        );
    }

    #[test]
    fn ip_text_is_display() {
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.30.40",
            "255.255.255.255",
            "1.99.100.9",
            "::1",
            "fe80::1:2",
        ] {
            let ip: IpAddr = ip.parse().expect("address");
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }
}
