//! An RFC 6265bis cookie jar with Electron's Cookies API.
//!
//! This crate parses `Set-Cookie`, matches domains against the public suffix list, enforces
//! Chromium's limits and eviction, builds `Cookie` request headers and keeps persistent jars in a
//! durable SQLite store. It needs neither hyper nor tokio and can be used on its own.
