//! `/flaky/KEY/N?cuts=A,B,...[&seed=S][&norange=1]`: the entity of `/bytes/N?seed=S` (same
//! bytes and validators) whose i-th request for KEY drops the connection at entity byte
//! `cuts[i]`; requests past the list are served whole. One URL that fails a chosen number of
//! times at chosen offsets, for download resume tests.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use http::{Request, Response};
use hyper::body::Incoming;

use crate::body::{Body, Content};

/// Requests seen per KEY, across all sites of the process (tests pick unique keys).
fn counts() -> &'static Mutex<HashMap<String, usize>> {
    static COUNTS: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    COUNTS.get_or_init(Default::default)
}

pub(crate) fn flaky(
    req: &Request<Incoming>,
    key: &str,
    len: u64,
    query: &[(String, String)],
) -> Response<Body> {
    let attempt = {
        let mut counts = counts().lock().expect("flaky counts lock");
        let n = counts.entry(key.to_owned()).or_insert(0);
        *n += 1;
        *n - 1
    };
    let seed = query
        .iter()
        .find(|(k, _)| k == "seed")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(0);
    let cut = query
        .iter()
        .find(|(k, _)| k == "cuts")
        .and_then(|(_, v)| v.split(',').nth(attempt).map(str::to_owned));
    let mut query: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "cut" && k != "cuts")
        .cloned()
        .collect();
    if let Some(cut) = cut {
        query.push(("cut".into(), cut));
    }
    let etag = format!("\"bytes-{len}-{seed}\"");
    crate::routes::entity(
        req,
        Content::Pattern { len, seed },
        Some(&etag),
        Some(crate::routes::BYTES_LAST_MODIFIED),
        &[("content-type".into(), "application/octet-stream".into())],
        &query,
    )
}
