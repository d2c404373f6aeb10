//! An RFC 9111 private (browser) HTTP cache for one session.
//!
//! Freshness, validation and `Vary` rules over headers; a memory store for in-memory sessions and a
//! crash-safe disk store under `<partition>/Cache/` for persistent ones, both streaming bodies and
//! bounded by a byte budget with LRU eviction.
