//! HID report descriptors as devices report them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = session_devices::hid_descriptor::parse_report_descriptor(data);
});
