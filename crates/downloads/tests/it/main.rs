//! Integration tests of session-downloads against the loopback test site: real sockets, real
//! files, a real journal on disk.

mod basic;
mod names;
mod resume;
mod support;
