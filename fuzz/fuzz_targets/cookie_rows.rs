//! The cookie store's row codec, as read back from SQLite.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    session_cookies::fuzzing::row_codec(data);
});
