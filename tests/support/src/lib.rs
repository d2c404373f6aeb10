//! Loopback test site for the session crates.
