//! Disk cache entry metadata files, as read back when a partition opens: damaged, torn, or
//! crafted with a valid checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    session_cache::fuzzing::entry_file(data);
});
