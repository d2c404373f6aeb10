//! Electron's `session` module as a native Rust library.
