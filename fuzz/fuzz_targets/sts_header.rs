//! `Strict-Transport-Security` values: the parser must never panic, and what it accepts must
//! hold its promises (a capped `max-age`, the same verdict for the same bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_net::hsts::{MAX_AGE_LIMIT, parse_sts_header};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_sts_header(text);
    if let Some(sts) = parsed {
        assert!(sts.max_age <= MAX_AGE_LIMIT);
    }
    assert_eq!(parsed, parse_sts_header(text));
});
