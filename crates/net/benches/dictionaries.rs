//! Shared compression dictionaries (RFC 9842) on a 1 MiB JavaScript-like bundle and its next
//! version (a few percent changed): bytes on the wire of v2 as `dcz` and `dcb` against plain
//! `br` and `gzip` of v2 (goal: at least 10x smaller than `br`), and what a `dcz` / `dcb` fetch
//! costs against a plain `zstd` / `br` fetch of the same v2 through the same session over
//! loopback (goal: decoded throughput at least 0.9x).

use std::io::Write;
use std::time::Instant;

use session_cache::dictionary::{DictionaryLimits, SharedDictionaries};
use session_net::shared_dictionary::DictionaryStage;
use session_net::{FetchOptions, Net, NetConfig, RequestBody};
use session_test_support::TestSite;
use session_test_support::bench::{BenchRow, write_rows};
use session_test_support::dictionary::{br_plain, bundle_v1, bundle_v2, dcb, dcz};
use url::Url;

const ROUNDS: usize = 30;

async fn get(net: &Net, url: &str) -> usize {
    let mut request = http::Request::new(RequestBody::empty());
    request
        .extensions_mut()
        .insert(FetchOptions::new().url(Url::parse(url).expect("url")));
    let response = net.fetch(request).await.expect("fetch");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("body").len()
}

/// Median MiB/s of decoded bytes over `ROUNDS` fetches of each of `urls`, fetched in turn
/// (one of each per round) so that machine noise hits them alike.
async fn throughputs<const N: usize>(net: &Net, urls: [&str; N]) -> [f64; N] {
    let mut rates = [(); N].map(|_| Vec::with_capacity(ROUNDS));
    for _ in 0..ROUNDS {
        for (url, rates) in urls.iter().zip(rates.iter_mut()) {
            let t = Instant::now();
            let n = get(net, url).await;
            assert_eq!(n, bundle_v2().len());
            rates.push(n as f64 / (1 << 20) as f64 / t.elapsed().as_secs_f64());
        }
    }
    rates.map(|mut r| {
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    })
}

fn main() {
    let (v1, v2) = (bundle_v1(), bundle_v2());
    let br11 = br_plain(v2, 11);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(v2).expect("gzip");
    let gzip9 = gz.finish().expect("gzip");
    let (dcz_bytes, dcb_bytes) = (dcz(v2, v1), dcb(v2, v1));

    let site = TestSite::start();
    let net = Net::new(NetConfig::default()).expect("net");
    net.insert_stage(DictionaryStage::new(SharedDictionaries::memory(
        DictionaryLimits::default(),
    )));
    let base = format!("http://127.0.0.1:{}/dictionary", site.http_port());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (dcz_rate, zstd_rate, dcb_rate, br_rate) = runtime.block_on(async {
        assert_eq!(get(&net, &format!("{base}/v1.js")).await, v1.len());
        let [dcz, zstd, dcb, br] = throughputs(
            &net,
            [
                &format!("{base}/v2.js"),
                &format!("{base}/v2.js?coding=zstd"),
                &format!("{base}/v2.js?coding=dcb"),
                &format!("{base}/v2.js?coding=br"),
            ],
        )
        .await;
        (dcz, zstd, dcb, br)
    });
    let size_note = format!(
        "v1 {} B, v2 {} B; dcz zstd level 3 with v1 as raw prefix, dcb brotli quality 5 with v1 as dictionary",
        v1.len(),
        v2.len()
    );
    let kib = |n: usize| n as f64 / 1024.0;
    let rows = vec![
        BenchRow {
            metric: "v2 on the wire as dcz".into(),
            unit: "KiB".into(),
            ours: kib(dcz_bytes.len()),
            anchor: "br quality 11 of v2".into(),
            anchor_value: kib(br11.len()),
            lower_is_better: true,
            goal_ratio: Some(0.1),
            note: size_note.clone(),
        },
        BenchRow {
            metric: "v2 on the wire as dcb".into(),
            unit: "KiB".into(),
            ours: kib(dcb_bytes.len()),
            anchor: "br quality 11 of v2".into(),
            anchor_value: kib(br11.len()),
            lower_is_better: true,
            goal_ratio: Some(0.1),
            note: size_note.clone(),
        },
        BenchRow {
            metric: "v2 on the wire as dcz".into(),
            unit: "KiB".into(),
            ours: kib(dcz_bytes.len()),
            anchor: "gzip -9 of v2".into(),
            anchor_value: kib(gzip9.len()),
            lower_is_better: true,
            goal_ratio: None,
            note: size_note,
        },
        BenchRow {
            metric: "fetch of v2 as dcz, decoded".into(),
            unit: "MiB/s".into(),
            ours: dcz_rate,
            anchor: "same session, v2 as plain zstd".into(),
            anchor_value: zstd_rate,
            lower_is_better: false,
            goal_ratio: Some(0.9),
            note: format!(
                "median of {ROUNDS} fetches of each kind in turn over loopback HTTP/1.1, body read whole; the test site codes each body once and serves it from memory"
            ),
        },
        BenchRow {
            metric: "fetch of v2 as dcb, decoded".into(),
            unit: "MiB/s".into(),
            ours: dcb_rate,
            anchor: "same session, v2 as plain br (quality 5)".into(),
            anchor_value: br_rate,
            lower_is_better: false,
            goal_ratio: Some(0.9),
            note: format!(
                "median of {ROUNDS} fetches of each kind in turn over loopback HTTP/1.1, body read whole; the test site codes each body once and serves it from memory"
            ),
        },
    ];
    for r in &rows {
        println!(
            "{}: {:.3} {} vs {:.3} ({})",
            r.metric, r.ours, r.unit, r.anchor_value, r.anchor
        );
    }
    write_rows("dictionaries", &rows).expect("write bench rows");
}
