//! 20,000 sequential GETs of one 10 KiB `max-age=3600` resource from the loopback test site:
//! `Session::fetch` of an in-memory partition (memory store) and of a persistent one (disk
//! store) against reqwest + http-cache-reqwest with its moka, redb and cacache managers; and a
//! miss (a new URL each time, stored) against a session created with `cache(false)`. Each figure
//! is the median of three rounds, in microseconds per request.

#![allow(missing_docs)]

use std::time::Instant;

use bytes::Bytes;
use http_cache_reqwest::{
    CACacheManager, Cache as HcCache, CacheMode as HcMode, HttpCache, HttpCacheOptions,
    MokaManager, RedbManager,
};
use session::net::new_request;
use session::{Session, SessionOptions, Sessions};
use session_test_support::bench::{BenchRow, write_rows};
use session_test_support::{Resource, TestSite};

const N: usize = 20_000;
const MISSES: usize = 5_000;
const ROUNDS: usize = 3;

async fn ours(session: &Session, url: &str) -> usize {
    let req = new_request(http::Method::GET, url, ()).expect("request");
    let res = session.fetch(req).await.expect("fetch");
    res.bytes().await.expect("body").len()
}

async fn anchor(client: &reqwest_middleware::ClientWithMiddleware, url: &str) -> usize {
    client
        .get(url)
        .send()
        .await
        .expect("fetch")
        .bytes()
        .await
        .expect("body")
        .len()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn with_cache<T: http_cache_reqwest::CacheManager>(
    manager: T,
) -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(HcCache(HttpCache {
            mode: HcMode::Default,
            manager,
            options: HttpCacheOptions::default(),
        }))
        .build()
}

macro_rules! time_us {
    ($n:expr, |$i:pat_param| $body:expr) => {{
        let start = Instant::now();
        for $i in 0..$n {
            let len = $body;
            assert_eq!(len, 10 * 1024);
        }
        start.elapsed().as_secs_f64() * 1e6 / $n as f64
    }};
}

fn main() {
    let site = TestSite::start();
    site.put(
        "r",
        Resource {
            body: Bytes::from(vec![b'x'; 10 * 1024]),
            etag: None,
            last_modified: None,
            headers: vec![("cache-control".into(), "max-age=3600".into())],
        },
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (
        mut mem,
        mut disk_hits,
        mut moka,
        mut redb,
        mut cacache,
        mut miss_mem,
        mut miss_disk,
        mut miss_plain,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    rt.block_on(async {
        let sessions = Sessions::new(tmp.path().join("user-data"));
        let memory = sessions
            .from_partition("bench-memory", SessionOptions::default())
            .expect("session");
        let disk = sessions
            .from_partition("persist:bench-disk", SessionOptions::default())
            .expect("session");
        let off = sessions
            .from_partition("bench-off", SessionOptions::default().cache(false))
            .expect("session");
        for round in 0..ROUNDS {
            // Misses first, interleaved request by request so that all three see the same
            // machine load.
            let miss_url = |kind: &str, i: usize| {
                site.http_url("127.0.0.1", &format!("/res/r?{kind}={round}-{i}"))
            };
            let (mut m, mut d, mut p) = (0.0, 0.0, 0.0);
            for i in 0..MISSES {
                // Rotate which one goes first, so none always follows another's disk write.
                for k in 0..3 {
                    match (i + k) % 3 {
                        0 => m += time_us!(1, |_| ours(&memory, &miss_url("m", i)).await),
                        1 => d += time_us!(1, |_| ours(&disk, &miss_url("d", i)).await),
                        _ => p += time_us!(1, |_| ours(&off, &miss_url("p", i)).await),
                    }
                }
            }
            miss_mem.push(m / MISSES as f64);
            miss_disk.push(d / MISSES as f64);
            miss_plain.push(p / MISSES as f64);

            let url = site.http_url("127.0.0.1", &format!("/res/r?round={round}"));
            mem.push(time_us!(N, |_| ours(&memory, &url).await));
            disk_hits.push(time_us!(N, |_| ours(&disk, &url).await));
            let c = with_cache(MokaManager::default());
            moka.push(time_us!(N, |_| anchor(&c, &url).await));
            let c = with_cache(
                RedbManager::new(tmp.path().join(format!("redb-{round}.redb"))).expect("redb"),
            );
            redb.push(time_us!(N, |_| anchor(&c, &url).await));
            let c = with_cache(CACacheManager::new(
                tmp.path().join(format!("cacache-{round}")),
                true,
            ));
            cacache.push(time_us!(N, |_| anchor(&c, &url).await));
        }
    });
    let row = |metric: &str,
               ours: f64,
               anchor: &str,
               anchor_value: f64,
               goal: Option<f64>,
               note: &str| BenchRow {
        metric: metric.into(),
        unit: "us/req".into(),
        ours,
        anchor: anchor.into(),
        anchor_value,
        lower_is_better: true,
        goal_ratio: goal,
        note: note.into(),
    };
    let (mem, disk, moka, redb, cacache) = (
        median(mem),
        median(disk_hits),
        median(moka),
        median(redb),
        median(cacache),
    );
    let (miss_mem, miss_disk, miss_plain) =
        (median(miss_mem), median(miss_disk), median(miss_plain));
    let rows = vec![
        row(
            "20,000 GETs of a 10 KiB max-age=3600 resource, memory store",
            mem,
            "reqwest + http-cache (moka)",
            moka,
            Some(0.9),
            "median of 3 rounds; first request of each round is a miss",
        ),
        row(
            "20,000 GETs of a 10 KiB max-age=3600 resource, disk store",
            disk,
            "reqwest + http-cache (redb)",
            redb,
            Some(1.0),
            "median of 3 rounds; default disk budget",
        ),
        row(
            "20,000 GETs of a 10 KiB max-age=3600 resource, disk store",
            disk,
            "reqwest + http-cache (cacache)",
            cacache,
            Some(0.4),
            "median of 3 rounds",
        ),
        row(
            "5,000 GETs of new 10 KiB URLs (each a miss, stored), memory store",
            miss_mem,
            "a session with cache(false)",
            miss_plain,
            Some(1.05),
            "the miss path: lookup, tee into the store, commit",
        ),
        row(
            "5,000 GETs of new 10 KiB URLs (each a miss, stored), disk store",
            miss_disk,
            "a session with cache(false)",
            miss_plain,
            Some(1.05),
            "one entry file per miss, written by the store's writer thread",
        ),
    ];
    write_rows("cache", &rows).expect("write bench rows");
}
