//! Integration tests of session-cache: a real hyper client and a loopback origin, real files.
#![allow(clippy::unwrap_used, unreachable_pub, missing_docs)]

mod server;

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use session_cache::{Cache, CacheMode, CacheStatus, ErrorKind, HandleError};

use server::Origin;

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

struct Fetched {
    status: u16,
    body: String,
    status_of_cache: CacheStatus,
    headers: http::HeaderMap,
}

async fn fetch(
    cache: &Cache,
    client: &HttpClient,
    url: &str,
    method: &str,
    mode: CacheMode,
) -> Result<Fetched, HandleError<String>> {
    let req = Request::builder()
        .method(method)
        .uri(url)
        .body(Empty::<Bytes>::new())
        .unwrap();
    let client = client.clone();
    let send = move |req: Request<Empty<Bytes>>| {
        let client = client.clone();
        async move { client.request(req).await.map_err(|e| e.to_string()) }
    };
    let res: Response<_> = cache.handle(req, mode, send).await?;
    let status_of_cache = *res.extensions().get::<CacheStatus>().unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Ok(Fetched {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
        status_of_cache,
        headers,
    })
}

async fn get(cache: &Cache, client: &HttpClient, url: &str, mode: CacheMode) -> Fetched {
    fetch(cache, client, url, "GET", mode).await.unwrap()
}

fn caches() -> Vec<(Cache, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    vec![
        (Cache::memory(None), None),
        (
            Cache::open(&dir.path().join("Cache"), Some(64 << 20)).unwrap(),
            Some(dir),
        ),
    ]
}

// CACHE-01
#[tokio::test]
async fn max_age_is_served_from_cache() {
    let origin = Origin::start().await;
    let c = client();
    for (i, (cache, _dir)) in caches().into_iter().enumerate() {
        let url = origin.url(&format!("/max-age/{i}"));
        let a = get(&cache, &c, &url, CacheMode::Default).await;
        let b = get(&cache, &c, &url, CacheMode::Default).await;
        assert_eq!(
            (a.body.as_str(), b.body.as_str()),
            ("response-1", "response-1")
        );
        assert_eq!(
            [
                a.status_of_cache.from_cache(),
                b.status_of_cache.from_cache()
            ],
            [false, true]
        );
        assert_eq!(origin.hits(&format!("/max-age/{i}")), 1);
        assert!(b.headers.contains_key("age"));
    }
}

// CACHE-03, CACHE-05, CACHE-06, FETCH-13
#[tokio::test]
async fn fetch_cache_modes() {
    let origin = Origin::start().await;
    let c = client();
    let cache = Cache::memory(None);
    let url = origin.url("/max-age/no-store");
    let a = get(&cache, &c, &url, CacheMode::NoStore).await;
    let b = get(&cache, &c, &url, CacheMode::NoStore).await;
    assert_eq!(
        [
            a.status_of_cache.from_cache(),
            b.status_of_cache.from_cache()
        ],
        [false, false]
    );
    assert_eq!(origin.hits("/max-age/no-store"), 2);
    assert_eq!(cache.entry_count(), 0);
    assert_eq!(
        origin.last_request_headers("/max-age/no-store")["cache-control"],
        "no-cache"
    );

    let url = origin.url("/max-age/force");
    let a = get(&cache, &c, &url, CacheMode::ForceCache).await;
    let b = get(&cache, &c, &url, CacheMode::ForceCache).await;
    assert_eq!(
        [
            a.status_of_cache.from_cache(),
            b.status_of_cache.from_cache()
        ],
        [false, true]
    );
    assert_eq!(origin.hits("/max-age/force"), 1);

    let url = origin.url("/max-age/reload");
    let a = get(&cache, &c, &url, CacheMode::Reload).await;
    let b = get(&cache, &c, &url, CacheMode::Reload).await;
    assert_eq!(
        (a.body.as_str(), b.body.as_str()),
        ("response-1", "response-2")
    );
    assert_eq!(
        [
            a.status_of_cache.from_cache(),
            b.status_of_cache.from_cache()
        ],
        [false, false]
    );
    // reload stores: a default fetch now hits the reloaded response.
    assert_eq!(
        get(&cache, &c, &url, CacheMode::Default).await.body,
        "response-2"
    );

    let url = origin.url("/max-age/oic");
    let err = fetch(&cache, &c, &url, "GET", CacheMode::OnlyIfCached)
        .await
        .err()
        .unwrap();
    match err {
        HandleError::Cache(e) => {
            assert_eq!(e.kind(), ErrorKind::CacheMiss);
            assert_eq!(e.net_error(), "net::ERR_CACHE_MISS");
        }
        HandleError::Transport(e) => panic!("went to the network: {e}"),
    }
    assert_eq!(origin.hits("/max-age/oic"), 0);
}

// CACHE-04: no-cache revalidates with the validator; a 304 serves the stored body.
#[tokio::test]
async fn no_cache_mode_revalidates_with_etag() {
    let origin = Origin::start().await;
    let c = client();
    for (i, (cache, _dir)) in caches().into_iter().enumerate() {
        let path = format!("/etag/{i}");
        let url = origin.url(&path);
        let a = get(&cache, &c, &url, CacheMode::NoCache).await;
        let b = get(&cache, &c, &url, CacheMode::NoCache).await;
        assert_eq!(origin.hits(&path), 2);
        assert_eq!(
            [
                a.status_of_cache.from_cache(),
                b.status_of_cache.from_cache()
            ],
            [false, false]
        );
        assert_eq!(b.status_of_cache, CacheStatus::Validated);
        assert_eq!(b.body, "response-1");
        assert_eq!(b.status, 200);
        assert_eq!(b.headers["x-seen"], "2");
        assert_eq!(
            origin.last_request_headers(&path)["if-none-match"],
            "\"v1\""
        );
        assert_eq!(
            origin.last_request_headers(&path)["cache-control"],
            "max-age=0"
        );
    }
}

// CACHE-07, CACHE-09
#[tokio::test]
async fn size_and_clear() {
    let origin = Origin::start().await;
    let c = client();
    for (cache, _dir) in caches() {
        assert_eq!(cache.size(), 0);
        get(&cache, &c, &origin.url("/big/5000"), CacheMode::Default).await;
        assert!(cache.size() >= 5000, "size {}", cache.size());
        cache.clear();
        assert_eq!(cache.size(), 0);
        assert_eq!(cache.entry_count(), 0);
        let before = origin.hits("/big/5000");
        get(&cache, &c, &origin.url("/big/5000"), CacheMode::Default).await;
        assert_eq!(origin.hits("/big/5000"), before + 1);
    }
}

#[tokio::test]
async fn disk_entries_survive_reopen_and_304_updates_persist() {
    let origin = Origin::start().await;
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Cache");
    {
        let cache = Cache::open(&path, None).unwrap();
        get(
            &cache,
            &c,
            &origin.url("/max-age/persist"),
            CacheMode::Default,
        )
        .await;
        get(&cache, &c, &origin.url("/etag/persist"), CacheMode::Default).await;
    }
    let cache = Cache::open(&path, None).unwrap();
    assert_eq!(cache.entry_count(), 2);
    let hit = get(
        &cache,
        &c,
        &origin.url("/max-age/persist"),
        CacheMode::Default,
    )
    .await;
    assert!(hit.status_of_cache.from_cache());
    assert_eq!(hit.body, "response-1");
    let revalidated = get(&cache, &c, &origin.url("/etag/persist"), CacheMode::Default).await;
    assert_eq!(revalidated.status_of_cache, CacheStatus::Validated);
    assert_eq!(revalidated.body, "response-1");
    drop(cache);
    let cache = Cache::open(&path, None).unwrap();
    let again = get(
        &cache,
        &c,
        &origin.url("/etag/persist"),
        CacheMode::ForceCache,
    )
    .await;
    assert_eq!(
        again.headers["x-seen"], "2",
        "the merged 304 headers were persisted"
    );
}

#[tokio::test]
async fn half_written_and_damaged_entries_are_never_served() {
    let origin = Origin::start().await;
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Cache");
    {
        let cache = Cache::open(&path, None).unwrap();
        get(&cache, &c, &origin.url("/max-age/a"), CacheMode::Default).await;
        get(&cache, &c, &origin.url("/max-age/b"), CacheMode::Default).await;
    }
    // A writer that died mid-body leaves an entry file without its trailer, and a 304 that
    // died mid-override leaves a temporary file.
    std::fs::write(
        path.join("0123456789abcdef0123456789abcdef-dead.entry"),
        b"partial body, no head, no trailer",
    )
    .unwrap();
    std::fs::write(path.join(".x.entry.meta.tmp-1-1"), b"partial").unwrap();
    // A file the cache did not write is never touched.
    std::fs::write(path.join("README"), b"not ours").unwrap();
    // Damage one committed entry's head and cut the other one short.
    let mut entries: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "entry") && !p.to_string_lossy().contains("dead")
        })
        .collect();
    entries.sort();
    assert_eq!(entries.len(), 2);
    let mut bytes = std::fs::read(&entries[0]).unwrap();
    let n = bytes.len();
    bytes[n - 40] ^= 0xff;
    std::fs::write(&entries[0], bytes).unwrap();
    let bytes = std::fs::read(&entries[1]).unwrap();
    std::fs::write(&entries[1], &bytes[..bytes.len() - 5]).unwrap();
    let cache = Cache::open(&path, None).unwrap();
    assert_eq!(cache.entry_count(), 0);
    assert_eq!(
        std::fs::read_dir(&path).unwrap().count(),
        1,
        "leftovers were removed, README stayed"
    );
    assert!(path.join("README").exists());
    let a = get(&cache, &c, &origin.url("/max-age/a"), CacheMode::Default).await;
    assert_eq!(a.body, "response-2");
}

#[tokio::test]
async fn budget_evicts_least_recently_used() {
    let origin = Origin::start().await;
    let c = client();
    for (cache, _dir) in caches() {
        cache.set_budget(80_000);
        for i in 0..3 {
            get(
                &cache,
                &c,
                &origin.url(&format!("/big/{}", 9_000 + i)),
                CacheMode::Default,
            )
            .await;
        }
        // Touch the first, then add more so that the budget forces evictions.
        assert!(
            get(&cache, &c, &origin.url("/big/9000"), CacheMode::Default)
                .await
                .status_of_cache
                .from_cache()
        );
        for i in 3..9 {
            get(
                &cache,
                &c,
                &origin.url(&format!("/big/{}", 9_000 + i)),
                CacheMode::Default,
            )
            .await;
        }
        assert!(cache.size() <= 80_000, "size {}", cache.size());
        assert!(
            get(
                &cache,
                &c,
                &origin.url("/big/9000"),
                CacheMode::OnlyIfCached
            )
            .await
            .status_of_cache
            .from_cache()
        );
        assert!(
            fetch(
                &cache,
                &c,
                &origin.url("/big/9001"),
                "GET",
                CacheMode::OnlyIfCached
            )
            .await
            .is_err()
        );
        // An entry larger than an eighth of the budget is not stored.
        get(&cache, &c, &origin.url("/big/20000"), CacheMode::Default).await;
        assert!(
            fetch(
                &cache,
                &c,
                &origin.url("/big/20000"),
                "GET",
                CacheMode::OnlyIfCached
            )
            .await
            .is_err()
        );
    }
}

#[tokio::test]
async fn large_body_streams_through_disk_store() {
    let origin = Origin::start().await;
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("Cache"), Some(1 << 30)).unwrap();
    let url = origin.url("/big/30000000");
    let first = get(&cache, &c, &url, CacheMode::Default).await;
    assert_eq!(first.body.len(), 30_000_000);
    let req = Request::get(&url).body(Empty::<Bytes>::new()).unwrap();
    let (parts, _) = req.into_parts();
    let session_cache::Lookup::Hit { response, .. } = cache.lookup(&parts, CacheMode::Default)
    else {
        panic!("not stored")
    };
    let mut body = response.into_body();
    let mut total = 0;
    let mut largest = 0;
    while let Some(frame) = body.frame().await {
        let n = frame.unwrap().into_data().unwrap().len();
        largest = largest.max(n);
        total += n;
    }
    assert_eq!(total, 30_000_000);
    assert!(largest <= 64 * 1024, "bodies are read in chunks, not whole");
}

#[tokio::test]
async fn redirect_is_stored_under_its_own_url_and_head_uses_stored_get() {
    let origin = Origin::start().await;
    let c = client();
    let cache = Cache::memory(None);
    let r = get(&cache, &c, &origin.url("/redirect"), CacheMode::Default).await;
    assert_eq!(r.status, 301);
    let again = get(&cache, &c, &origin.url("/redirect"), CacheMode::Default).await;
    assert!(again.status_of_cache.from_cache());
    assert_eq!(again.status, 301);
    assert_eq!(again.headers["location"], "/max-age-target");
    // The target was never fetched, so it is not in the cache under either URL.
    assert!(
        fetch(
            &cache,
            &c,
            &origin.url("/max-age-target"),
            "GET",
            CacheMode::OnlyIfCached
        )
        .await
        .is_err()
    );

    get(&cache, &c, &origin.url("/max-age/head"), CacheMode::Default).await;
    let head = fetch(
        &cache,
        &c,
        &origin.url("/max-age/head"),
        "HEAD",
        CacheMode::Default,
    )
    .await
    .unwrap();
    assert!(head.status_of_cache.from_cache());
    assert_eq!(head.body, "");
    assert_eq!(origin.hits("/max-age/head"), 1);
}

#[tokio::test]
async fn unsafe_method_invalidates() {
    let origin = Origin::start().await;
    let c = client();
    let cache = Cache::memory(None);
    let url = origin.url("/max-age/inv");
    get(&cache, &c, &url, CacheMode::Default).await;
    assert!(
        get(&cache, &c, &url, CacheMode::Default)
            .await
            .status_of_cache
            .from_cache()
    );
    fetch(&cache, &c, &url, "POST", CacheMode::Default)
        .await
        .unwrap();
    let after = get(&cache, &c, &url, CacheMode::Default).await;
    assert!(!after.status_of_cache.from_cache());
}

#[tokio::test]
async fn concurrent_writers_to_one_url_leave_one_whole_entry() {
    let origin = Origin::start().await;
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("Cache"), None).unwrap();
    let url = origin.url("/big/200000");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (cache, c, url) = (cache.clone(), c.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            get(&cache, &c, &url, CacheMode::Reload).await.body.len()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200_000);
    }
    assert_eq!(cache.entry_count(), 1);
    let hit = get(&cache, &c, &url, CacheMode::OnlyIfCached).await;
    assert_eq!(hit.body.len(), 200_000);
    let bodies = std::fs::read_dir(dir.path().join("Cache"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "entry"))
        .count();
    assert_eq!(bodies, 1, "replaced bodies are deleted");
}

#[tokio::test]
async fn partitioned_keys_do_not_share() {
    use session_base::origin::Site;
    use session_cache::{Lookup, TopFrameSite};
    let origin = Origin::start().await;
    let c = client();
    let cache = Cache::memory(None);
    let url = origin.url("/max-age/part");
    let site = |s: &str| TopFrameSite(Site::from_url(&url::Url::parse(s).unwrap()));
    let mut req = Request::get(&url).body(Empty::<Bytes>::new()).unwrap();
    req.extensions_mut().insert(site("https://a.example/"));
    let c2 = c.clone();
    let send = move |r: Request<Empty<Bytes>>| {
        let c = c2.clone();
        async move { c.request(r).await.map_err(|e| e.to_string()) }
    };
    let res = cache.handle(req, CacheMode::Default, send).await.unwrap();
    res.into_body().collect().await.unwrap();
    let lookup = |s: Option<&str>| {
        let mut req = Request::get(&url).body(()).unwrap();
        if let Some(s) = s {
            req.extensions_mut().insert(site(s));
        }
        matches!(
            cache.lookup(&req.into_parts().0, CacheMode::Default),
            Lookup::Hit { .. }
        )
    };
    assert!(lookup(Some("https://a.example/")));
    assert!(!lookup(Some("https://b.example/")));
    assert!(!lookup(None));
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Cache>();
    check::<session_cache::Error>();
    check::<session_cache::Pending>();
    let _ = Arc::new(Cache::memory(None));
}

/// The `.entry` files in a cache directory.
fn entry_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "entry"))
        .count()
}

// The writer thread: every committed entry is complete once the cache is dropped (a reopen finds
// them all), a hit right after a miss is served whole, and files whose entries left the index
// while they were being written (cleared, evicted, replaced) are deleted by the thread.
#[tokio::test]
async fn disk_writer_thread_completes_committed_entries_and_deletes_dropped_ones() {
    let origin = Origin::start().await;
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Cache");
    {
        let cache = Cache::open(&path, None).unwrap();
        for i in 0..40 {
            let url = origin.url(&format!("/big/{}", 20_000 + i));
            assert_eq!(
                get(&cache, &c, &url, CacheMode::Default).await.body.len(),
                20_000 + i
            );
            let hit = get(&cache, &c, &url, CacheMode::OnlyIfCached).await;
            assert_eq!(
                hit.body.len(),
                20_000 + i,
                "served whole right after the miss"
            );
        }
    }
    let cache = Cache::open(&path, None).unwrap();
    assert_eq!(cache.entry_count(), 40);
    assert_eq!(entry_files(&path), 40);

    // Clear while the last writes may still be in flight: nothing stays behind.
    for i in 0..10 {
        get(
            &cache,
            &c,
            &origin.url(&format!("/big/{}", 70_000 + i)),
            CacheMode::Default,
        )
        .await;
    }
    cache.clear();
    drop(cache);
    assert_eq!(
        entry_files(&path),
        0,
        "files of cleared entries were deleted"
    );
    assert_eq!(Cache::open(&path, None).unwrap().entry_count(), 0);

    // A budget that holds a few entries: evicted entries' files go, the index and the
    // directory agree after the writer has finished.
    {
        let cache = Cache::open(&path, Some(200_000)).unwrap();
        for i in 0..30 {
            get(
                &cache,
                &c,
                &origin.url(&format!("/big/{}", 20_000 + i)),
                CacheMode::Default,
            )
            .await;
        }
        assert!(cache.size() <= 200_000, "size {}", cache.size());
        let kept = cache.entry_count();
        drop(cache);
        assert_eq!(entry_files(&path), kept);
    }
}
