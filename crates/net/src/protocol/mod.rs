//! Protocol handlers: custom schemes and the file responder.
//!
//! - [`Protocol`] (`Net::protocol`, Electron's `ses.protocol`): `handle(scheme, handler)` serves a
//!   custom scheme, or intercepts `http`, `https` and `file`; a handler is any async
//!   `Fn(http::Request<RequestBody>) -> Result<http::Response<Body>>` (or a [`ServeDir`] /
//!   [`ServeFile`]) and answers with any status, headers and a streamed body. It runs as stage 1
//!   of the pipeline in place of the transport, so webRequest, the net log and downloads see
//!   handled requests as any other; cookies and the HTTP cache leave them alone. A request with
//!   `bypass_custom_protocol_handlers` skips every handler; an `Err` keeps its net error and a
//!   panic fails the request with `net::ERR_FAILED`. Electron's deprecated
//!   `register*`/`intercept*` family are adapters over the same registry.
//! - [`serve_dir`] / [`serve_file`]: answer requests from disk with MIME types from the
//!   extension, `ETag` and `Last-Modified`, conditional requests (304 / 412), a single `Range`
//!   (206 with `Content-Range`, `If-Range`, 416 with `bytes */len`), a streamed body with no
//!   size cap, and no way out of the root. `file:` URLs are answered by the same code.
//! - [`range`]: those decisions as pure functions.
//! - [`scheme`]: [`CustomScheme`] privileges and the canonicalisation of `standard` schemes.
//!
//! ```
//! use session_net::protocol::serve_dir;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), session_net::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("video.bin"), vec![7u8; 1000]).unwrap();
//!
//! let files = serve_dir(dir.path());
//! let mut request = http::Request::new(());
//! *request.uri_mut() = "app://bundle/video.bin".parse().unwrap();
//! request.headers_mut().insert("range", "bytes=100-199".parse().unwrap());
//! let response = files.serve(&request).await?;
//! assert_eq!(response.status(), 206);
//! assert_eq!(response.headers()["content-range"], "bytes 100-199/1000");
//! assert_eq!(response.into_body().bytes().await?.len(), 100);
//! # Ok(()) }
//! ```
//!
//! Through a session's pipeline:
//!
//! ```
//! use session_net::{Body, Net, NetConfig, RequestBody, new_request};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), session_net::Error> {
//! let net = Net::new(NetConfig::default())?;
//! net.protocol().handle("app", |request: http::Request<RequestBody>| async move {
//!     let path = request.uri().path().to_owned();
//!     Ok(http::Response::new(Body::full(format!("you asked for {path}"))))
//! })?;
//! let response = net.fetch(new_request(http::Method::GET, "app://ui/index.html", ())?).await?;
//! assert_eq!(response.text().await?, "you asked for /index.html");
//! # Ok(()) }
//! ```

mod handler;
pub mod range;
mod responder;
pub mod scheme;
mod stage;

pub use crate::request::UploadData;
pub use handler::{
    HandlerFuture, Protocol, ProtocolData, ProtocolHandler, ProtocolRequest, ProtocolResponse,
    ProtocolType, Registration, is_builtin_scheme, relay,
};
pub(crate) use responder::respond;
pub use responder::{ServeDir, ServeFile, relative_path, request_url, serve_dir, serve_file};
pub use scheme::{CustomScheme, Privileges, Schemes, canonicalize_standard};
pub(crate) use stage::{Handled, ProtocolStage, answer};
