//! The jar against `cookie_store` (what reqwest uses), same data, same run: 100,000 cookies over
//! 10,000 domains (our limits raised to hold them).
//!
//! - Cookie-header lookup for one URL (goal: at least 300x faster).
//! - Parse + insert of one `Set-Cookie` line (goal: no slower).
//! - Reopening: our SQLite store against `cookie_store`'s JSON load of the same cookies (goal:
//!   at least 2x faster).

use std::hint::black_box;
use std::io::BufReader;
use std::time::Instant;

use session_cookies::{Cookies, CookiesOptions, Limits, RequestContext};
use session_test_support::bench::{BenchRow, write_rows};
use url::Url;

const DOMAINS: usize = 10_000;
const PER_DOMAIN: usize = 10;

fn options() -> CookiesOptions {
    CookiesOptions {
        persist_session_cookies: false,
        limits: Limits::raised(1_000, 1_000_000),
    }
}

fn url_of(d: usize) -> Url {
    Url::parse(&format!("https://www.site{d}.com/account/page")).expect("url")
}

fn line_of(j: usize) -> String {
    format!("cookie{j}=value-{j}-abcdefghijklmnop; Path=/; Max-Age=31536000; SameSite=Lax")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let urls: Vec<Url> = (0..DOMAINS).map(url_of).collect();
    let lines: Vec<String> = (0..PER_DOMAIN).map(line_of).collect();
    let ctx = RequestContext::default();
    let total = (DOMAINS * PER_DOMAIN) as f64;

    // Parse + insert.
    let mut ours_insert = Vec::new();
    let mut theirs_insert = Vec::new();
    let mut ours = Cookies::in_memory(options());
    let mut theirs = cookie_store::CookieStore::default();
    for _ in 0..3 {
        ours = Cookies::in_memory(options());
        let t = Instant::now();
        for u in &urls {
            for l in &lines {
                black_box(
                    ours.set_from_response(u, std::slice::from_ref(l), &ctx)
                        .expect("store"),
                );
            }
        }
        ours_insert.push(t.elapsed().as_secs_f64() * 1e6 / total);

        theirs = cookie_store::CookieStore::default();
        let t = Instant::now();
        for u in &urls {
            for l in &lines {
                let _ = black_box(theirs.parse(l, u));
            }
        }
        theirs_insert.push(t.elapsed().as_secs_f64() * 1e6 / total);
    }
    assert_eq!(ours.len(), DOMAINS * PER_DOMAIN);

    // Cookie-header lookup of one URL.
    let ours_n = 100_000;
    let t = Instant::now();
    for i in 0..ours_n {
        let u = &urls[(i * 7919) % DOMAINS];
        black_box(ours.cookie_header(u, &ctx));
    }
    let ours_lookup = t.elapsed().as_secs_f64() * 1e6 / ours_n as f64;
    let theirs_n = 300;
    let t = Instant::now();
    for i in 0..theirs_n {
        let u = &urls[(i * 7919) % DOMAINS];
        let header: Vec<String> = theirs
            .get_request_values(u)
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        black_box(header.join("; "));
    }
    let theirs_lookup = t.elapsed().as_secs_f64() * 1e6 / theirs_n as f64;
    let check = ours.cookie_header(&urls[3], &ctx).expect("cookies");
    assert_eq!(check.split("; ").count(), PER_DOMAIN);

    // Reopen.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("Cookies");
    {
        let store = Cookies::open(&db, options()).expect("open");
        store
            .import(
                &ours.export(session_cookies::Format::Json),
                session_cookies::Format::Json,
            )
            .expect("import");
        store.flush_store().expect("flush");
    }
    let json_path = dir.path().join("cookies.json");
    {
        let mut f = std::fs::File::create(&json_path).expect("create");
        cookie_store::serde::json::save(&theirs, &mut f).expect("save");
    }
    let mut ours_open = Vec::new();
    let mut theirs_open = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let c = Cookies::open(&db, options()).expect("reopen");
        ours_open.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(c.len(), DOMAINS * PER_DOMAIN);
        drop(c);
        let t = Instant::now();
        let f = std::fs::File::open(&json_path).expect("open json");
        let s = cookie_store::serde::json::load(BufReader::new(f)).expect("load");
        theirs_open.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(s.iter_any().count(), DOMAINS * PER_DOMAIN);
    }

    let anchor = "cookie_store 0.22";
    let rows = vec![
        BenchRow {
            metric: "Cookie header for one URL, 100,000 cookies over 10,000 domains".into(),
            unit: "us/lookup".into(),
            ours: ours_lookup,
            anchor: anchor.into(),
            anchor_value: theirs_lookup,
            lower_is_better: true,
            goal_ratio: Some(1.0 / 300.0),
            note: format!("{ours_n} lookups ours, {theirs_n} theirs; 10 cookies per header"),
        },
        BenchRow {
            metric: "parse + insert one Set-Cookie into a jar growing to 100,000".into(),
            unit: "us/cookie".into(),
            ours: median(ours_insert),
            anchor: anchor.into(),
            anchor_value: median(theirs_insert),
            lower_is_better: true,
            goal_ratio: Some(1.0),
            note: "median of 3 fills; ours through Cookies::set_from_response (lock, rules, events), in memory".into(),
        },
        BenchRow {
            metric: "reopen 100,000 persisted cookies".into(),
            unit: "ms".into(),
            ours: median(ours_open),
            anchor: format!("{anchor} JSON load"),
            anchor_value: median(theirs_open),
            lower_is_better: true,
            goal_ratio: Some(0.5),
            note: "median of 5; ours: SQLite (WAL) file into the indexed jar; theirs: serde JSON file".into(),
        },
    ];
    write_rows("cookies", &rows).expect("write bench rows");
}
