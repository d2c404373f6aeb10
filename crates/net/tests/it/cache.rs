//! The cache stage over real loopback requests (CACHE-01..07, FETCH-13).

use bytes::Bytes;
use http::Method;
use session_cache::Cache;
use session_net::cache::CacheStage;
use session_net::{CacheMode, FetchOptions, Net, NetError};
use session_test_support::{Resource, TestSite};

fn net_with_cache(site: &TestSite, cache: Cache) -> Net {
    let net = crate::net(site);
    net.insert_stage(CacheStage::new(cache));
    net
}

fn put(site: &TestSite, name: &str, body: &str, etag: Option<&str>, cache_control: &str) {
    site.put(
        name,
        Resource {
            body: Bytes::from(body.to_owned()),
            etag: etag.map(str::to_owned),
            last_modified: None,
            headers: vec![("cache-control".into(), cache_control.into())],
        },
    );
}

async fn fetch(net: &Net, url: &str, mode: CacheMode) -> session_net::Result<(String, bool)> {
    let response = net
        .fetch(crate::request(
            Method::GET,
            url,
            (),
            FetchOptions::new().cache(mode),
        ))
        .await?;
    let from_cache = response.from_cache();
    Ok((response.text().await?, from_cache))
}

fn hits(site: &TestSite, name: &str) -> usize {
    site.requests_to(&format!("/res/{name}")).len()
}

// CACHE-01, CACHE-02
#[tokio::test]
async fn max_age_hits_the_server_once_and_no_cache_stage_twice() {
    let site = TestSite::start();
    put(&site, "a", "response-1", None, "max-age=3600");
    let url = site.http_url("a.test", "/res/a");
    let net = net_with_cache(&site, Cache::memory(None));
    let first = fetch(&net, &url, CacheMode::Default).await.expect("fetch");
    put(&site, "a", "response-2", None, "max-age=3600");
    let second = fetch(&net, &url, CacheMode::Default).await.expect("fetch");
    assert_eq!(first, ("response-1".to_owned(), false));
    assert_eq!(second, ("response-1".to_owned(), true));
    assert_eq!(hits(&site, "a"), 1);

    let plain = crate::net(&site);
    assert_eq!(
        fetch(&plain, &url, CacheMode::Default)
            .await
            .expect("fetch")
            .0,
        "response-2"
    );
    assert_eq!(
        fetch(&plain, &url, CacheMode::Default)
            .await
            .expect("fetch")
            .0,
        "response-2"
    );
    assert_eq!(hits(&site, "a"), 3);
}

// CACHE-03, CACHE-05, CACHE-06, FETCH-13
#[tokio::test]
async fn cache_modes() {
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let net = net_with_cache(
        &site,
        Cache::open(&dir.path().join("Cache"), None).expect("cache"),
    );
    for (name, mode, server_hits, from_cache) in [
        ("ns", CacheMode::NoStore, 2, [false, false]),
        ("fc", CacheMode::ForceCache, 1, [false, true]),
        ("rl", CacheMode::Reload, 2, [false, false]),
    ] {
        put(&site, name, "response-1", None, "max-age=3600");
        let url = site.http_url("a.test", &format!("/res/{name}"));
        let a = fetch(&net, &url, mode).await.expect("fetch");
        put(&site, name, "response-2", None, "max-age=3600");
        let b = fetch(&net, &url, mode).await.expect("fetch");
        assert_eq!(hits(&site, name), server_hits, "{name}");
        assert_eq!([a.1, b.1], from_cache, "{name}");
        if mode == CacheMode::Reload {
            assert_eq!((a.0.as_str(), b.0.as_str()), ("response-1", "response-2"));
        }
    }
    let url = site.http_url("a.test", "/res/never");
    let err = fetch(&net, &url, CacheMode::OnlyIfCached)
        .await
        .expect_err("only-if-cached miss");
    assert_eq!(err.kind(), NetError::CacheMiss);
    assert!(err.to_string().contains("ERR_CACHE_MISS"), "{err}");
    assert_eq!(hits(&site, "never"), 0);
}

// CACHE-04: no-cache with an ETag revalidates: two server hits, a 304 serves the stored body.
#[tokio::test]
async fn no_cache_revalidates_with_the_etag() {
    let site = TestSite::start();
    put(&site, "e", "response-1", Some("\"v1\""), "max-age=3600");
    let url = site.http_url("a.test", "/res/e");
    let net = net_with_cache(&site, Cache::memory(None));
    let a = fetch(&net, &url, CacheMode::NoCache).await.expect("fetch");
    let b = fetch(&net, &url, CacheMode::NoCache).await.expect("fetch");
    assert_eq!([a.1, b.1], [false, false]);
    assert_eq!(b.0, "response-1");
    let requests = site.requests_to("/res/e");
    assert_eq!(requests.len(), 2);
    let inm = requests[1]
        .headers
        .iter()
        .find(|(n, _)| n == "if-none-match")
        .map(|(_, v)| v.clone());
    assert_eq!(inm.as_deref(), Some("\"v1\""));
}

// CACHE-07, CACHE-09
#[tokio::test]
async fn clear_empties_and_size_counts() {
    let site = TestSite::start();
    put(&site, "c", &"x".repeat(4096), None, "max-age=3600");
    let url = site.http_url("a.test", "/res/c");
    let cache = Cache::memory(None);
    let net = net_with_cache(&site, cache.clone());
    fetch(&net, &url, CacheMode::Default).await.expect("fetch");
    assert!(cache.size() >= 4096);
    cache.clear();
    assert_eq!(cache.size(), 0);
    assert!(
        !fetch(&net, &url, CacheMode::Default)
            .await
            .expect("fetch")
            .1
    );
    assert_eq!(hits(&site, "c"), 2);
}

#[tokio::test]
async fn redirect_hops_are_stored_under_their_own_urls() {
    let site = TestSite::start();
    put(&site, "target", "the target", None, "max-age=3600");
    let target = site.http_url("a.test", "/res/target");
    let from = site.http_url(
        "a.test",
        &format!(
            "/redirect-to?url={}&status=301",
            url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
        ),
    );
    let cache = Cache::memory(None);
    let net = net_with_cache(&site, cache.clone());
    assert_eq!(
        fetch(&net, &from, CacheMode::Default)
            .await
            .expect("fetch")
            .0,
        "the target"
    );
    // Fetching the target URL directly is a hit on its own entry.
    let direct = fetch(&net, &target, CacheMode::OnlyIfCached)
        .await
        .expect("stored under its URL");
    assert_eq!(direct, ("the target".to_owned(), true));
    assert_eq!(hits(&site, "target"), 1);
}

// RFC 5861: within stale-while-revalidate the stored response is served at once and the entry
// is refreshed by a background conditional request.
#[tokio::test]
async fn stale_while_revalidate_refreshes_in_the_background() {
    let site = TestSite::start();
    let swr = "max-age=0, stale-while-revalidate=600";
    site.put(
        "swr",
        Resource {
            body: Bytes::from_static(b"v1"),
            etag: Some("\"1\"".into()),
            last_modified: None,
            headers: vec![("cache-control".into(), swr.into())],
        },
    );
    let url = site.http_url("a.test", "/res/swr");
    let net = crate::net(&site);
    net.insert_stage(CacheStage::with_revalidation(Cache::memory(None), &net));
    assert_eq!(
        fetch(&net, &url, CacheMode::Default).await.expect("fetch"),
        ("v1".to_owned(), false)
    );
    site.put(
        "swr",
        Resource {
            body: Bytes::from_static(b"v2"),
            etag: Some("\"2\"".into()),
            last_modified: None,
            headers: vec![("cache-control".into(), swr.into())],
        },
    );
    assert_eq!(
        fetch(&net, &url, CacheMode::Default).await.expect("fetch"),
        ("v1".to_owned(), true)
    );
    // Wait for the background revalidation to reach the site and refresh the entry.
    let mut refreshed = false;
    for _ in 0..1000 {
        let (body, from_cache) = fetch(&net, &url, CacheMode::ForceCache)
            .await
            .expect("fetch");
        if from_cache && body == "v2" {
            refreshed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        refreshed,
        "the background revalidation never refreshed the entry"
    );
    let requests = site.requests_to("/res/swr");
    assert_eq!(requests[1].header("if-none-match"), Some("\"1\""));
}

/// What a caller sees of a response besides its body.
async fn look(net: &Net, url: &str) -> (bool, http::Version, String, Vec<(String, String)>) {
    let r = net
        .fetch(crate::request(Method::GET, url, (), FetchOptions::new()))
        .await
        .expect("fetch");
    let look = (
        r.from_cache(),
        r.version(),
        r.status_text().to_string(),
        r.raw_headers()
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("age") && !n.eq_ignore_ascii_case("date"))
            .cloned()
            .collect::<Vec<_>>(),
    );
    r.bytes().await.expect("body");
    look
}

// FETCH-13: a response looks the same from the network and from the cache (HTTP/1.1).
#[tokio::test]
async fn a_cached_http1_response_keeps_its_reason_and_header_case() {
    let raw = session_test_support::RawServer::start(
        b"HTTP/1.1 200 Fine Thanks\r\nCache-Control: max-age=3600\r\nX-Mixed-Case: yes\r\n\
          Content-Length: 2\r\n\r\nok"
            .to_vec(),
        true,
    );
    let site = TestSite::start();
    let dir = tempfile::tempdir().expect("dir");
    for cache in [
        Cache::memory(None),
        Cache::open(dir.path(), None).expect("disk"),
    ] {
        let net = net_with_cache(&site, cache);
        let url = raw.url(&format!("/{}", rand_path()));
        let network = look(&net, &url).await;
        assert!(!network.0);
        assert_eq!(network.2, "Fine Thanks");
        assert!(
            network.3.iter().any(|(n, _)| n == "X-Mixed-Case"),
            "{:?}",
            network.3
        );
        let cached = look(&net, &url).await;
        assert!(cached.0, "served from the cache");
        assert_eq!(cached.1, network.1);
        assert_eq!(cached.2, network.2);
        let mut a = network.3.clone();
        let mut b = cached.3.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}

fn rand_path() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("p{}", N.fetch_add(1, Ordering::Relaxed))
}

// FETCH-13: over HTTP/2 statusText is "" from the network, the cache and after a 304.
#[tokio::test]
async fn a_cached_http2_response_has_no_reason_phrase() {
    let site = TestSite::start();
    put(&site, "h2", "two", None, "max-age=3600");
    put(&site, "h2v", "two", Some("\"v1\""), "no-cache");
    let net = net_with_cache(&site, Cache::memory(None));
    let url = site.https_url("a.test", "/res/h2");
    let network = look(&net, &url).await;
    assert_eq!(
        (network.0, network.1, network.2.as_str()),
        (false, http::Version::HTTP_2, "")
    );
    let cached = look(&net, &url).await;
    assert_eq!(
        (cached.0, cached.1, cached.2.as_str()),
        (true, http::Version::HTTP_2, "")
    );
    let url = site.https_url("a.test", "/res/h2v");
    look(&net, &url).await;
    let validated = look(&net, &url).await;
    assert_eq!(hits(&site, "h2v"), 2, "revalidated");
    assert_eq!(
        (validated.1, validated.2.as_str()),
        (http::Version::HTTP_2, "")
    );
}
