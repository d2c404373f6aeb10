//! A loopback test site for the session crates: real sockets, real TLS, real HTTP/1.1 and HTTP/2.
//!
//! [`TestSite::start`] binds listeners on `127.0.0.1` on a thread of its own (so it serves sync
//! and async tests alike, and never shares a runtime with the client under test):
//!
//! - plain HTTP/1.1 (and HTTP/2 with prior knowledge) on [`TestSite::http_port`];
//! - HTTPS with ALPN `h2` + `http/1.1` on [`TestSite::https_port`], with a leaf certificate for
//!   `*.test`, `a.test`, `b.test`, `localhost` and `127.0.0.1` issued by a test CA made by rcgen
//!   at start ([`TestSite::ca_pem`], [`TestSite::ca_der`]);
//! - one more HTTPS listener per broken [`TlsVariant`] (expired, wrong host, self-signed).
//!
//! Tests reach it under realistic names with the host rules [`HOST_RULES`]
//! (`MAP *.test 127.0.0.1`), e.g. `https://a.test:{https_port}/echo`.
//!
//! Every request is logged ([`TestSite::requests`]); [`TestSite::wait_for_request`] (async) and
//! [`TestSite::wait_for_request_blocking`] wait for one with a deadline ([`DEADLINE`] is the
//! usual one), so a test whose request never comes fails instead of hanging. Routes (all listeners serve the same ones):
//!
//! | route | response |
//! |---|---|
//! | `/echo` | 200 JSON `{method, path, version, headers: [[name, value]...], body, bodyLength}` |
//! | `/status/N[?reason=R]` | status N (reason phrase R on HTTP/1.1), body `status N` |
//! | `/headers?K=V&K=V[&_status=N][&_body=B]` | the given response headers in order (repeats allowed); answers 304 when the request's `If-None-Match` equals the given `ETag` or its `If-Modified-Since` equals the given `Last-Modified` |
//! | `/redirect/N` | 302 to `/redirect/N-1`; `/redirect/0` is 200 `redirected` |
//! | `/redirect-to?url=U[&status=S]` | redirect (default 302) to U |
//! | `/encoded/{gzip,deflate,br,zstd,identity}` | [`ENCODED_TEXT`] with that `Content-Encoding` |
//! | `/bytes/N[?seed=S][&norange=1][&cut=OFFSET][&chunked=1][&nocl=1]` | N deterministic bytes ([`pattern_bytes`]), strong `ETag` from (N, S), fixed `Last-Modified`, `Accept-Ranges`; honours `Range`, `If-Range`, `If-None-Match`; `cut` drops the connection once the body reaches byte OFFSET of the entity; `norange` ignores Range |
//! | `/flaky/KEY/N?cuts=A,B,..[&seed=S][&norange=1]` | the `/bytes/N` entity; the i-th request for KEY drops the connection at byte `cuts[i]`, later ones are served whole (resume tests) |
//! | `/res/NAME` | a resource set by [`TestSite::put`], served like `/bytes` (so it can change between requests) |
//! | `/truncated/DECLARED/SENT` | `Content-Length: DECLARED`, SENT bytes, then the connection drops |
//! | `/truncated-chunked/SENT` | chunked body of SENT bytes without the last chunk |
//! | `/drip?bytes=N&chunk=C&delay_ms=D[&ranged=1]` | N bytes `x` in chunks of C, D ms apart; `ranged=1` adds a strong `ETag` and answers `Range: bytes=X-` with the rest (206) |
//! | `/slow-headers?delay_ms=D` | headers after D ms, then `ok` |
//! | `/hang` | never answers |
//! | `/reset` | closes the connection without a response |
//! | `/huge-headers?size=N` | one `X-Huge` header of N bytes |
//! | `/many-headers?count=N` | N headers `X-Header-i` |
//! | `/bomb?mb=N` | gzip of N MiB of zeros with `Content-Encoding: gzip` |
//! | `/auth/basic[/..]?user=U&pass=P&realm=R` | 401 `Basic realm="R"` (body `unauthenticated`) until `Authorization` carries U:P (defaults `user`, `pass`, `Foo`); then 200 JSON `{user, method, authorization, body, bodyLength}` |
//! | `/auth/digest[/..]?algorithm=A[,B..]&uses=N&userhash=1` | Digest with one challenge per algorithm (default MD5, realm `digest@test`), `qop=auth`; nonce counts must rise; a right answer on a nonce used N times gets `stale=true` |
//! | `/auth/ntlm?user=U&pass=P` | the NTLM handshake; the AUTHENTICATE message's NTLMv2 response is verified |
//! | `/auth/multi` | Basic, Digest MD5 and Digest SHA-256 challenges at once; any right answer passes |
//! | `/auth/endless` | 401 `Basic` whatever is sent |
//! | `/auth/raw?h=V[&h=V2]` | 401 with the given `WWW-Authenticate` values (malformed ones included) |
//! | `/ws[?protocols=A,B][&cookie=C..][&user=U&pass=P][&status=N][&accept=wrong][&extension=E][&answer_protocol=P]` | a WebSocket server (HTTP/1.1, so `ws://` and `wss://`): `101` choosing the first offered subprotocol it lists, a `Set-Cookie` per `cookie`, `401` Basic until U:P; `status` answers N instead, `accept=wrong` a wrong `Sec-WebSocket-Accept`, `extension` and `answer_protocol` headers it was not asked for. It echoes messages, except the texts `headers` (the handshake's request headers as JSON pairs), `close CODE REASON`, `big N` (N bytes binary), `bad-utf8` (a text frame that is not UTF-8) and `drop` (the TCP connection closed) |
//!
//! [`RawServer`] answers every connection with fixed bytes (malformed heads, wrong lengths) and
//! keeps the raw request bytes it read, to check header order and case on the wire;
//! [`RawServer::serve`] hands each connection to a function instead. On it are built
//! [`hostile::Hostile`] (one misbehaving server per case: endless heads and bodies, bombs in
//! every coding, HTTP/2 floods) and [`HandshakeLog`] (a TLS server logging whether each
//! connection resumed a TLS session, for socket and ticket isolation).
//!
//! ```
//! use session_test_support::TestSite;
//!
//! let site = TestSite::start();
//! assert!(site.http_url("a.test", "/echo").starts_with("http://a.test:"));
//! assert!(site.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! ```

pub mod auth;
pub mod bench;
mod body;
pub mod dictionary;
mod flaky;
mod handshakes;
pub mod hostile;
mod pki;
mod proxy;
mod raw;
mod routes;
mod site;
mod websocket;

pub use body::{ENCODED_TEXT, pattern_bytes};
pub use handshakes::HandshakeLog;
pub use pki::{LEAF_NAMES, TestPki, TlsVariant};
pub use proxy::{NtlmProxy, ProxyRequest, TestProxy};
pub use raw::RawServer;
pub use site::{LoggedRequest, Resource, TestSite};

/// How long a test waits for something that should happen at once (a request reaching the
/// site, a first byte, a child process's output) before it fails instead of hanging. Generous,
/// because CI machines are shared; never a bound on how fast anything must be.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Host rules that send every `*.test` name to the loopback site.
pub const HOST_RULES: &str = "MAP *.test 127.0.0.1";

/// A fresh temporary directory to use as an application's `user_data`; deleted on drop.
pub fn temp_user_data() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("session-user-data-")
        .tempdir()
        .expect("create a temporary user_data directory")
}
