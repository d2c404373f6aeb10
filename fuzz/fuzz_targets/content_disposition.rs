//! Content-Disposition as downloads parse it (RFC 6266, 5987, 2047, referrer charsets).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_downloads::ContentDisposition;

fuzz_target!(|data: &[u8]| {
    let _ = ContentDisposition::parse(data, "utf-8");
    let _ = ContentDisposition::parse(data, "windows-1252");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ContentDisposition::parse_str(text);
    }
});
