//! The request pipeline of a session.
//!
//! [`Net`] is one session's network context: `fetch` over HTTP/1.1 and HTTP/2 with rustls (ring,
//! webpki-roots plus extra roots), one connection pool (sessions never share sockets), DNS with
//! host rules and a host cache, TLS policy (`set_ssl_config`) and certificate verification
//! (`set_certificate_verify_proc`), network emulation, content decoding, `file:` URLs, and the
//! seams where cookies and the HTTP cache attach.
//!
//! ```
//! use session_net::{Net, NetConfig, RequestBody};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), session_net::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("hello.txt");
//! std::fs::write(&path, "hello world").unwrap();
//!
//! let net = Net::new(NetConfig::default())?;
//! let url = url::Url::from_file_path(&path).unwrap();
//! let request = session_net::new_request(http::Method::GET, url.as_str(), RequestBody::empty())?;
//! let response = net.fetch(request).await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.text().await?, "hello world");
//! # Ok(()) }
//! ```
//!
//! # The pipeline and its seams
//!
//! Stages run in the order of DESIGN.md; see [`stages`] for the exact contract. A later crate
//! plugs in with [`Net::insert_stage`] and an implementation of [`stages::Stage`]:
//!
//! - **protocol handlers**: `Slot::ProtocolHandlers`, built in (`protocol/stage.rs`, over
//!   [`Net::protocol`]). `on_request` canonicalises URLs of `standard` schemes and, for a scheme
//!   with a handler, names it with [`stages::RequestContext::answer_with`]: the handler answers
//!   the hop in place of the transport (with the request body), the later stages still run.
//! - **cookies**: `Slot::Cookies`, implemented by [`cookies::CookieStage`]. `on_request` reads [`stages::RequestContext::url`],
//!   [`stages::RequestContext::credentials_allowed`], `site_for_cookies_url()`, `initiator`,
//!   `top_level_navigation` and `method`, and appends a `Cookie` header to `ctx.headers`.
//!   `on_response` runs for every hop, redirects included, and stores every `Set-Cookie` of
//!   `response.headers`.
//! - **cache**: `Slot::Cache`, implemented by [`cache::CacheStage`]. `on_request` reads `ctx.cache` ([`CacheMode`]); on a fresh hit it
//!   returns `Flow::Respond(HopResponse { from_cache: true, .. })`, which skips the transport;
//!   for a revalidation it adds `If-None-Match` / `If-Modified-Since` and leaves the entry in
//!   `ctx.extensions`. `on_response` stores the response (wrapping `response.body` to tee it)
//!   or merges a 304 into the stored entry and replaces `*response`.
//! - **auth**: `Slot::Auth`, built in (`auth/stage.rs`). `on_request` adds cached credentials
//!   preemptively; `on_response` answers a `401` (URL credentials, the auth cache, then
//!   [`Net::set_login_handler`]) with `ResponseFlow::Retry`. Proxies' `407`s are answered by the
//!   transport's proxy layer from the same cache and handler.
//!
//! # How the crate is laid out
//!
//! - `net.rs`: [`Net`] (a handle on one session's pipeline), [`NetConfig`], [`Limits`].
//! - `fetch.rs`: the hop loop over a `Pipeline` value (the stages, the transport, the proxy
//!   resolver, default headers, limits, the net log): request stages → transport → response
//!   stages → redirect rules (`redirect.rs`) → content decoding (`decode.rs`).
//! - [`stages`]: the seam and its contract (`Stage`, `Slot`, `Flow`, `ResponseFlow`,
//!   `RequestContext`).
//! - `transport/`: small layers over one pool per session (fail-over across proxies → proxy
//!   credentials → retry of a stale pooled connection → the pool), and the dialer that opens
//!   connections (DNS → TCP → proxy tunnel → TLS → HTTP/1.1 or HTTP/2 handshake).
//! - [`proxy`]: `setProxy` / `resolveProxy`; PAC scripts come through a direct fetcher that
//!   the pipeline hands in, so they are fetched DIRECT through the same stages.
//! - [`web_request`]: webRequest (`Net::web_request`): listeners of the eight events, their
//!   filters and the merge of their answers; two stages (slots 2 and 5) that also report the
//!   observe-only events through `Stage::on_event`.
//! - [`netlog`]: Chrome's NetLog JSON, fed plain values (URLs, status lines, header lines).
//! - [`auth`] HTTP authentication schemes and the auth cache; [`protocol`] protocol handlers
//!   (stage 1: `handle`/`unhandle`, the deprecated family, a handler in place of the transport),
//!   custom schemes and the file responder; [`blob`] the blob registry and `BlobStage`, stage 1
//!   for `blob:` URLs.
//! - [`websocket`]: WebSockets ([`Net::websocket`]): the opening handshake as a request of
//!   type `webSocket` through the same hop loop and stages (its checks in
//!   `websocket/handshake.rs`, run by the hop loop before the response is reported started),
//!   the transport handing back the upgraded HTTP/1.1 connection, then RFC 6455 frames.
//! - [`hsts`]: HSTS per partition (Chromium's `TransportSecurityState`): the
//!   `Strict-Transport-Security` parser, the policies and their `TransportSecurity` file, and the
//!   stage that upgrades `http:` hops with an internal `307` (first of slot 3).
//! - `request.rs` what a caller passes ([`RequestBody`], [`FetchOptions`]); `upload.rs` bodies
//!   made of parts ([`BodyPart`]: bytes, file ranges streamed from disk, blobs) and the file
//!   reader they share with blobs.
//! - [`dns`], [`tls`], [`emulation`], `file.rs`, [`certificate`], `error.rs`: the parts.
//!
//! Modules do not import each other in a loop: `error` ← `upload` ← `request` ← `body` ← `response` ←
//! `stages`; `netlog`, `dns`, `tls`, `proxy` and `web_request` stand on those; `transport` on
//! all of them; `fetch` and `net` on top; `websocket` over `net` (its `handshake.rs`, which
//! the request carries, stands on `error` alone).
//!
//! # Behaviour notes
//!
//! - DNS is the system resolver (see [`dns`]); answers are cached for 60 s.
//! - HTTP/1.1 request header names go out as the caller spelled them in
//!   [`FetchOptions::header_case`] (the session's `RequestBuilder` and `ses fetch -H` fill it),
//!   the others in Title-Case, as Chromium spells its own; `http::HeaderMap` lowers every name,
//!   so the spelling cannot come from the map itself. Response `raw_headers` keep the server's
//!   spelling and wire order.
//! - What rustls cannot do of `set_ssl_config` is listed in [`tls`].
//! - HSTS has no preload list: only policies a partition saw over trusted TLS (or was given
//!   with [`hsts::TransportSecurity::add`]) apply; see [`hsts`].
//! - HTTP authentication speaks Basic, Digest and NTLM (NTLMv2, explicit credentials).
//!   Negotiate (Kerberos/SPNEGO) is not offered: it needs the platform's GSSAPI or SSPI and a
//!   ticket from the logged-in user, which this library neither links nor has; a server that
//!   offers only Negotiate gets its `401` returned.

pub mod auth;
pub mod blob;
mod body;
pub mod cache;
pub mod certificate;
pub mod cookies;
mod decode;
pub mod dns;
pub mod emulation;
mod error;
mod fetch;
mod file;
pub mod hsts;
mod net;
pub mod netlog;
pub mod protocol;
pub mod proxy;
mod redirect;
mod request;
mod response;
pub mod shared_dictionary;
pub mod stages;
pub mod tls;
mod transport;
mod upload;
pub mod web_request;
pub mod websocket;

pub use body::Body;
pub use certificate::{Certificate, CertificatePrincipal};
pub use dns::{ResolveHostOptions, ResolvedEndpoint, ResolvedHost};
pub use emulation::NetworkEmulation;
pub use error::{Error, NetError, Result};
pub use fetch::MAX_HOP_RETRIES;
pub use net::{
    Limits, Net, NetConfig, PreconnectOptions, accept_language_header, default_user_agent,
    new_request,
};
pub use netlog::{CaptureMode, NetLog, NetLogOptions};
pub use redirect::MAX_REDIRECTS;
pub use request::{
    AbortHandle, BodyPart, CacheMode, CredentialsMode, FetchOptions, RedirectMode, RequestBody,
    ResourceType, UploadData,
};
pub use response::{HopResponse, InternalRedirectReason, RawHeaders, Response, UrlChain};
pub use session_base::host_rules::HostRules;
pub use tls::{
    CertificateVerdict, CertificateVerifyProc, CertificateVerifyRequest, SslConfig, TlsVersion,
    verify_proc,
};
pub use transport::SocketLimits;
