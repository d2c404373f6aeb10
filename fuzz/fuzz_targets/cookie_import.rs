//! cookies.txt (Netscape) and JSON cookie imports.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(cookies) = session_cookies::parse_netscape(text) {
        let _ = session_cookies::to_netscape(&cookies);
    }
    if let Ok(cookies) = session_cookies::parse_json(text) {
        let _ = session_cookies::to_json(&cookies);
    }
});
