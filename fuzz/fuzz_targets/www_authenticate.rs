//! `WWW-Authenticate` / `Proxy-Authenticate` challenges and the scheme choice.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(challenges) = session_net::auth::challenge::parse_line(data) {
        let _ = session_net::auth::choose(&challenges);
    }
});
