//! `Session` as a [`tower_service::Service`]: put a session under a tower stack (timeouts,
//! concurrency limits, retries, hyper-util and axum adapters).
//!
//! A session takes any `http::Request<B>` whose body is an [`http_body::Body`] and answers an
//! `http::Response<`[`Body`]`>` (itself an `http_body::Body`), with the URL chain in the
//! response's extensions as [`UrlChain`]. Options of RequestInit ride in the request's
//! extensions as [`FetchOptions`], as with [`Session::fetch`]. A request body with a known
//! length of up to 64 KiB is read first, so a 307/308 redirect can send it again; a longer or
//! unsized body is streamed once.
//!
//! ```
//! use std::time::Duration;
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let user_data = tempfile::tempdir().unwrap();
//! let sessions = session::Sessions::new(user_data.path());
//! let session = sessions.from_partition("svc", Default::default()).unwrap();
//!
//! let client = ServiceBuilder::new()
//!     .concurrency_limit(4)
//!     .timeout(Duration::from_secs(30))
//!     .service(session);
//! // Nothing listens on port 1 of the loopback address: the session's error reaches the caller
//! // through the layers, boxed by them.
//! let request = http::Request::get("http://127.0.0.1:1/").body(String::new()).unwrap();
//! let err = client.oneshot(request).await.unwrap_err();
//! let err = err.downcast::<session::net::Error>().unwrap();
//! assert_eq!(err.kind(), session::net::NetError::ConnectionRefused);
//! # }
//! ```
//!
//! The crate's integration tests (`tests/it/service.rs`) run tower's timeout and concurrency
//! limit layers over a session against a loopback site.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Buf;
use futures_util::TryStreamExt;
use http_body::Body as HttpBody;
use http_body_util::{BodyDataStream, BodyExt, Limited};
use session_net::{Body, Error, FetchOptions, NetError, RequestBody};

pub use session_net::UrlChain;

use crate::session::Session;

/// Request bodies of a known length up to this size are read before sending (replayable).
const REPLAYABLE_BODY: u64 = 64 * 1024;

impl<B> tower_service::Service<http::Request<B>> for Session
where
    B: HttpBody + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<Body>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Error>> + Send>>;

    /// Always ready: the session queues nothing itself (its pool opens connections on demand);
    /// put a concurrency limit layer above it to bound requests in flight.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    /// Sends the request through the session's pipeline. Dropping the future cancels it.
    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let session = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = request_body(body).await?;
            let mut request = http::Request::from_parts(parts, body);
            if request.extensions().get::<FetchOptions>().is_none() {
                request.extensions_mut().insert(FetchOptions::new());
            }
            let response = session.fetch(request).await?;
            Ok(response.into_http())
        })
    }
}

async fn request_body<B>(body: B) -> Result<RequestBody, Error>
where
    B: HttpBody + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if body.is_end_stream() {
        return Ok(RequestBody::empty());
    }
    let unreadable = |e: Box<dyn std::error::Error + Send + Sync>| {
        Error::with_source(
            NetError::Failed,
            "cannot read the request body",
            std::io::Error::other(e),
        )
    };
    match body.size_hint().exact() {
        Some(n) if n <= REPLAYABLE_BODY => {
            let limited = Limited::new(body, REPLAYABLE_BODY as usize);
            let collected = limited.collect().await.map_err(unreadable)?;
            Ok(RequestBody::from(collected.to_bytes()))
        }
        _ => {
            let stream = BodyDataStream::new(body)
                .map_ok(|mut data| data.copy_to_bytes(data.remaining()))
                .map_err(|e| std::io::Error::other(e.into()));
            Ok(RequestBody::from_stream(stream))
        }
    }
}
