//! Cache-Control, Age, HTTP dates, Use-As-Dictionary and dictionary match patterns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_cache::dictionary::{DictionaryPattern, parse_use_as_dictionary};

fuzz_target!(|data: &[u8]| {
    let _ = session_cache::directives::parse_http_date(data);
    let _ = session_cache::directives::parse_delta_seconds(data);
    let mut headers = http::HeaderMap::new();
    for line in data.split(|b| *b == b'\n') {
        if let Ok(v) = http::HeaderValue::from_bytes(line) {
            headers.append(http::header::CACHE_CONTROL, v.clone());
            headers.append(http::header::AGE, v.clone());
            headers.append(http::header::EXPIRES, v);
        }
    }
    let cc = session_cache::directives::CacheControl::from_headers(&headers);
    let now = std::time::SystemTime::now();
    let _ = session_cache::policy::freshness_lifetime(http::StatusCode::OK, &headers, &cc, now);
    let _ = session_cache::policy::current_age(&headers, now, now, now);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(decl) = parse_use_as_dictionary(text) {
            let base = url::Url::parse("https://a.test/app/v1.js").expect("url");
            if let Ok(p) = DictionaryPattern::compile(&decl.match_pattern, &base) {
                let _ = p.matches(&base);
            }
        }
        let base = url::Url::parse("https://a.test/app/v1.js").expect("url");
        if let Ok(p) = DictionaryPattern::compile(text, &base) {
            let probe = url::Url::parse("https://a.test/app/x/y.js?q=1").expect("url");
            let _ = p.matches(&probe);
        }
    }
});
