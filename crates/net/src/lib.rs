//! The request pipeline of a session.
//!
//! `fetch` over HTTP/1.1 and HTTP/2 with rustls, a per-session connection pool, DNS with host rules
//! and a host cache, TLS policy and certificate verification, network emulation, content decoding,
//! and the stages where cookies and the cache attach.
