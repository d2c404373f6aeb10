//! Integration tests of session-net against the loopback test site.

mod auth;
mod basics;
mod blob;
mod cache;
mod cookies;
mod dns;
mod emulation;
mod file;
mod handlers;
mod hsts;
mod limits;
mod pool;
mod protocol;
mod proxy;
mod redirects;
mod sockets;
mod stages;
mod tls;
mod upload;
mod web_request;
mod websocket;

use bytes::Bytes;
use http::Method;
use session_net::{FetchOptions, Net, NetConfig, NetError, RequestBody, Response};
use session_test_support::{HOST_RULES, TestSite};

/// A session network context that reaches the site under `*.test` and trusts its CA.
pub(crate) fn net(site: &TestSite) -> Net {
    let mut config = NetConfig::default();
    config.host_rules = HOST_RULES.parse().expect("host rules");
    config.extra_roots_pem = vec![site.ca_pem().as_bytes().to_vec()];
    Net::new(config).expect("net")
}

/// Same, without the test CA.
pub(crate) fn net_untrusting() -> Net {
    let mut config = NetConfig::default();
    config.host_rules = HOST_RULES.parse().expect("host rules");
    Net::new(config).expect("net")
}

pub(crate) fn request(
    method: Method,
    url: &str,
    body: impl Into<RequestBody>,
    options: FetchOptions,
) -> http::Request<RequestBody> {
    let mut r = http::Request::builder()
        .method(method)
        .uri(url)
        .body(body.into())
        .expect("request");
    r.extensions_mut().insert(options);
    r
}

pub(crate) async fn get(net: &Net, url: &str) -> session_net::Result<Response> {
    net.fetch(request(Method::GET, url, (), FetchOptions::new()))
        .await
}

pub(crate) async fn get_text(net: &Net, url: &str) -> String {
    get(net, url)
        .await
        .expect("fetch")
        .text()
        .await
        .expect("body")
}

pub(crate) fn json(body: &Bytes) -> serde_json::Value {
    serde_json::from_slice(body).expect("json body")
}

/// The value of request header `name` in an `/echo` answer.
pub(crate) fn echoed_header(echo: &serde_json::Value, name: &str) -> Option<String> {
    echo["headers"].as_array()?.iter().find_map(|pair| {
        let pair = pair.as_array()?;
        (pair[0].as_str()?.eq_ignore_ascii_case(name))
            .then(|| pair[1].as_str().unwrap_or("").to_string())
    })
}

pub(crate) fn kind<T: std::fmt::Debug>(r: session_net::Result<T>) -> NetError {
    r.expect_err("an error").kind()
}
