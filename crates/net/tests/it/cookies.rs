//! The cookie stage over real loopback requests.

use session_cookies::{CookieDetails, CookieFilter, Cookies, CookiesOptions};
use session_net::cookies::CookieStage;
use session_net::{CredentialsMode, FetchOptions, Net, RequestBody};
use session_test_support::TestSite;
use url::Url;

fn net_with_jar(site: &TestSite) -> (Net, Cookies) {
    let net = crate::net(site);
    let cookies = Cookies::in_memory(CookiesOptions::default());
    net.insert_stage(CookieStage::new(cookies.clone()));
    (net, cookies)
}

async fn get(net: &Net, url: &str, options: FetchOptions) -> session_net::Response {
    let mut request = http::Request::new(RequestBody::empty());
    request
        .extensions_mut()
        .insert(options.url(Url::parse(url).expect("url")));
    net.fetch(request).await.expect("fetch")
}

/// The `Cookie` header of the last request the site saw on `path`.
fn sent_cookie(site: &TestSite, path: &str) -> Option<String> {
    site.requests_to(path)
        .last()
        .expect("request logged")
        .headers
        .iter()
        .find(|(n, _)| n == "cookie")
        .map(|(_, v)| v.clone())
}

/// Puts `k=v` for `http://a.test` in the jar, through the API.
fn set_k_on_a_test(cookies: &Cookies, site: &TestSite) {
    cookies
        .set(&CookieDetails {
            url: site.http_url("a.test", "/"),
            name: "k".into(),
            value: "v".into(),
            ..Default::default()
        })
        .expect("set");
}

fn set_cookie_url(site: &TestSite, host: &str, cookie: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("Set-Cookie", cookie)
        .finish();
    site.http_url(host, &format!("/headers?{q}"))
}

// FETCH-07
#[tokio::test]
async fn include_sends_the_sessions_cookies() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    set_k_on_a_test(&cookies, &site);
    let url = site.http_url("a.test", "/echo");
    get(
        &net,
        &url,
        FetchOptions::new().credentials(CredentialsMode::Include),
    )
    .await;
    assert_eq!(sent_cookie(&site, "/echo").as_deref(), Some("k=v"));
}

// FETCH-08, COOKIES-01, COOKIES-30
#[tokio::test]
async fn default_credentials_store_and_send_without_origin() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    let url = set_cookie_url(&site, "a.test", "same=site; SameSite=Lax");
    let response = get(&net, &url, FetchOptions::new()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(sent_cookie(&site, "/headers"), None);
    let stored = cookies.get(&CookieFilter::default()).expect("get");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name, "same");
    get(&net, &site.http_url("a.test", "/echo"), FetchOptions::new()).await;
    assert_eq!(sent_cookie(&site, "/echo").as_deref(), Some("same=site"));
}

#[tokio::test]
async fn set_cookie_of_a_redirect_hop_is_stored_and_sent_on_the_next_hop() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    let target = site.http_url("b.test", "/echo");
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("_status", "302")
        .append_pair("Location", &target)
        .append_pair("Set-Cookie", "hop=1; Domain=b.test")
        .finish();
    let start = site.http_url("b.test", &format!("/headers?{q}"));
    let response = get(&net, &start, FetchOptions::new()).await;
    assert_eq!(response.url_chain().len(), 2);
    assert_eq!(sent_cookie(&site, "/echo").as_deref(), Some("hop=1"));
    assert_eq!(cookies.len(), 1);
}

#[tokio::test]
async fn omit_neither_sends_nor_stores() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    set_k_on_a_test(&cookies, &site);
    let omit = || FetchOptions::new().credentials(CredentialsMode::Omit);
    get(&net, &site.http_url("a.test", "/echo"), omit()).await;
    assert_eq!(sent_cookie(&site, "/echo"), None);
    get(&net, &set_cookie_url(&site, "a.test", "x=1"), omit()).await;
    assert_eq!(cookies.len(), 1);
}

#[tokio::test]
async fn same_origin_with_a_foreign_initiator_sends_nothing() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    set_k_on_a_test(&cookies, &site);
    let other = Url::parse(&site.http_url("b.test", "/")).expect("url");
    get(
        &net,
        &site.http_url("a.test", "/echo"),
        FetchOptions::new().origin(other),
    )
    .await;
    assert_eq!(sent_cookie(&site, "/echo"), None);
}

#[tokio::test]
async fn lax_cookies_stay_home_on_cross_site_subresources() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    let url = site.https_url("a.test", "/");
    for (name, same_site) in [("lax", "lax"), ("none", "no_restriction")] {
        cookies
            .set(&CookieDetails {
                url: url.clone(),
                name: name.into(),
                value: "1".into(),
                same_site: Some(session_cookies::SameSite::parse(same_site).expect("valid")),
                ..Default::default()
            })
            .expect("set");
    }
    let page = Url::parse(&site.https_url("b.test", "/page")).expect("url");
    let options = FetchOptions::new()
        .credentials(CredentialsMode::Include)
        .site_for_cookies(page);
    get(&net, &site.https_url("a.test", "/echo"), options).await;
    assert_eq!(sent_cookie(&site, "/echo").as_deref(), Some("none=1"));
}

// COOKIES-35
#[tokio::test]
async fn sessions_never_see_each_others_cookies() {
    let site = TestSite::start();
    let (net_a, _) = net_with_jar(&site);
    let (net_b, cookies_b) = net_with_jar(&site);
    get(
        &net_a,
        &set_cookie_url(&site, "a.test", "mine=1"),
        FetchOptions::new(),
    )
    .await;
    assert!(cookies_b.is_empty());
    get(
        &net_b,
        &site.http_url("a.test", "/echo"),
        FetchOptions::new(),
    )
    .await;
    assert_eq!(sent_cookie(&site, "/echo"), None);
}

#[tokio::test]
async fn non_ascii_cookie_values_are_sent_as_bytes() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    cookies
        .set(&CookieDetails {
            url: site.http_url("a.test", "/"),
            name: "name".into(),
            value: "välue-春".into(),
            ..Default::default()
        })
        .expect("set");
    get(&net, &site.http_url("a.test", "/echo"), FetchOptions::new()).await;
    assert_eq!(
        sent_cookie(&site, "/echo").as_deref(),
        Some("name=välue-春")
    );
}

#[tokio::test]
async fn a_same_origin_redirect_recomputes_the_cookie_header() {
    let site = TestSite::start();
    let (net, _cookies) = net_with_jar(&site);
    get(
        &net,
        &set_cookie_url(&site, "a.test", "old=1"),
        FetchOptions::new(),
    )
    .await;
    let target = site.http_url("a.test", "/echo");
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("_status", "302")
        .append_pair("Location", &target)
        .append_pair("Set-Cookie", "new=2")
        .finish();
    get(
        &net,
        &site.http_url("a.test", &format!("/headers?{q}")),
        FetchOptions::new(),
    )
    .await;
    assert_eq!(sent_cookie(&site, "/echo").as_deref(), Some("old=1; new=2"));
}

#[tokio::test]
async fn a_cookie_header_set_by_the_caller_is_left_alone() {
    let site = TestSite::start();
    let (net, cookies) = net_with_jar(&site);
    set_k_on_a_test(&cookies, &site);
    let mut request = http::Request::builder()
        .uri(site.http_url("a.test", "/echo"))
        .header("cookie", "mine=1")
        .body(RequestBody::empty())
        .expect("request");
    request.extensions_mut().insert(FetchOptions::new());
    net.fetch(request).await.expect("fetch");
    assert_eq!(sent_cookie(&site, "/echo").as_deref(), Some("mine=1"));
}
