//! Redirect rules of the Fetch standard (§4.4 HTTP-redirect fetch), as pure functions.

use http::{HeaderMap, Method, StatusCode, header};
use url::Url;

use crate::error::{Error, NetError, Result};

/// Most redirects a fetch follows (Fetch §4.4 step 5).
///
/// ```
/// use session_net::{MAX_REDIRECTS, Net, NetConfig, NetError, new_request};
/// # let site = session_test_support::TestSite::start(); // `/redirect/N` redirects N times, then answers
/// # let url = |n: usize| site.http_url("a.test", &format!("/redirect/{n}"));
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
/// let followed = net.fetch(new_request(http::Method::GET, &url(MAX_REDIRECTS), ())?).await?;
/// assert_eq!(followed.url_chain().len(), MAX_REDIRECTS + 1);
/// let err = net.fetch(new_request(http::Method::GET, &url(MAX_REDIRECTS + 1), ())?).await.unwrap_err();
/// assert_eq!(err.kind(), NetError::TooManyRedirects);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
pub const MAX_REDIRECTS: usize = 20;

/// Whether `status` is a redirect status with a meaning for fetch.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The next URL: `Location` resolved against `base`, checked for scheme safety: `http:` and
/// `https:`, or a scheme for which `handled` is true (a protocol handler of the session answers
/// it, as Chromium allows a redirect to a scheme its handlers serve).
pub(crate) fn next_url(
    base: &Url,
    headers: &HeaderMap,
    handled: impl Fn(&str) -> bool,
) -> Result<Option<Url>> {
    let Some(location) = headers.get(header::LOCATION) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(location.as_bytes());
    let mut next = base.join(&text).map_err(|e| {
        Error::with_source(
            NetError::InvalidRedirect,
            format!("redirect from {base} to '{text}' is not a valid URL"),
            e,
        )
    })?;
    // A WebSocket is redirected (HSTS, a webRequest listener) only to a WebSocket URL.
    let websocket = matches!(base.scheme(), "ws" | "wss");
    match next.scheme() {
        "http" | "https" if !websocket => {}
        "ws" | "wss" if websocket => {}
        s if handled(s) && !websocket => {}
        s => {
            return Err(Error::new(
                NetError::UnsafeRedirect,
                format!("redirect from {base} to the '{s}:' URL {next} is not allowed"),
            ));
        }
    }
    // The fragment of the original URL carries over when the new one has none (Fetch §4.4 step 19).
    if next.fragment().is_none()
        && let Some(f) = base.fragment()
    {
        next.set_fragment(Some(f));
    }
    Ok(Some(next))
}

/// Whether following `status` turns the request into a GET without a body (Fetch §4.4 step 12).
pub(crate) fn rewrites_to_get(status: StatusCode, method: &Method) -> bool {
    match status.as_u16() {
        301 | 302 => *method == Method::POST,
        303 => *method != Method::GET && *method != Method::HEAD,
        _ => false,
    }
}

/// Headers removed when the method changes to GET (the body went away).
const BODY_HEADERS: [header::HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
];

/// Applies the header changes of a redirect: body headers go with a method change, credentials
/// headers go when the origin changes (Fetch §4.4 steps 12-13).
pub(crate) fn adjust_headers(headers: &mut HeaderMap, to_get: bool, from: &Url, to: &Url) {
    if to_get {
        for h in &BODY_HEADERS {
            headers.remove(h);
        }
        headers.remove(header::HeaderName::from_static("content-location"));
    }
    if from.origin() != to.origin() {
        headers.remove(header::AUTHORIZATION);
        headers.remove(header::PROXY_AUTHORIZATION);
        headers.remove(header::COOKIE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(l: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::LOCATION, l.parse().expect("value"));
        h
    }

    #[test]
    fn method_rewriting() {
        // NET-06: 302 POST -> GET; NET-05: 307 keeps POST.
        assert!(rewrites_to_get(StatusCode::FOUND, &Method::POST));
        assert!(rewrites_to_get(
            StatusCode::MOVED_PERMANENTLY,
            &Method::POST
        ));
        assert!(!rewrites_to_get(StatusCode::FOUND, &Method::PUT));
        assert!(rewrites_to_get(StatusCode::SEE_OTHER, &Method::PUT));
        assert!(!rewrites_to_get(StatusCode::SEE_OTHER, &Method::HEAD));
        assert!(!rewrites_to_get(
            StatusCode::TEMPORARY_REDIRECT,
            &Method::POST
        ));
        assert!(!rewrites_to_get(
            StatusCode::PERMANENT_REDIRECT,
            &Method::POST
        ));
    }

    #[test]
    fn unsafe_targets_are_refused() {
        // NET-35
        let base = Url::parse("http://a.test/x#frag").expect("url");
        for target in [
            "file:///etc/passwd",
            "data:text/plain,hi",
            "about:blank",
            "blob:http://a.test/1",
        ] {
            let err = next_url(&base, &loc(target), |_| false).expect_err(target);
            assert_eq!(err.kind(), NetError::UnsafeRedirect, "{target}");
        }
        // PROTO-37: a scheme a protocol handler of the session serves is a fine target.
        let handled = next_url(&base, &loc("app://bar"), |s| s == "app")
            .expect("handled")
            .expect("some");
        assert_eq!(handled.scheme(), "app");
        let next = next_url(&base, &loc("/y"), |_| false)
            .expect("relative")
            .expect("some");
        assert_eq!(next.as_str(), "http://a.test/y#frag");
        assert_eq!(
            next_url(&base, &HeaderMap::new(), |_| false).expect("none"),
            None
        );
        let err = next_url(&base, &loc("http://[bad"), |_| false).expect_err("invalid");
        assert_eq!(err.kind(), NetError::InvalidRedirect);
    }

    #[test]
    fn headers_dropped_on_rewrite_and_cross_origin() {
        let a = Url::parse("http://a.test/").expect("url");
        let b = Url::parse("http://b.test/").expect("url");
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "text/plain".parse().expect("v"));
        h.insert(header::AUTHORIZATION, "Basic x".parse().expect("v"));
        h.insert("x-keep", "1".parse().expect("v"));
        adjust_headers(&mut h, true, &a, &b);
        assert!(!h.contains_key(header::CONTENT_TYPE));
        assert!(!h.contains_key(header::AUTHORIZATION));
        assert!(h.contains_key("x-keep"));
    }
}
