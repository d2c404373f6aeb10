//! The response body: a stream of `Bytes` frames that never buffers the whole body.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::error::{Error, NetError, Result};
use crate::request::AbortHandle;

/// A body read from a connection: the transport's side of [`Body`].
pub(crate) trait ConnSource: Send + Sync {
    /// The next chunk, `None` at the end.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>>>;
    /// What is known of the remaining length.
    fn size_hint(&self) -> SizeHint;
}

// In a Mutex only to make `Body` Sync; it is reached through `get_mut`, never locked.
type BoxStream = std::sync::Mutex<Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>>;

/// A response body. Implements [`http_body::Body`] and [`Stream`]; read it with
/// [`Body::chunk`], or collect it with [`Body::bytes`] / [`Body::text`]. Dropping it mid-way
/// closes an HTTP/1.1 connection (it cannot be reused) or resets an HTTP/2 stream.
///
/// ```
/// use bytes::Bytes;
/// use session_net::Body;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mut body = Body::from_stream(futures_util::stream::iter([
///     Ok(Bytes::from("hello ")),
///     Ok(Bytes::from("world")),
/// ]));
/// assert_eq!(body.chunk().await?, Some(Bytes::from("hello ")));
/// assert_eq!(body.text().await?, "world"); // the rest
///
/// assert_eq!(Body::full("abc").bytes().await?, Bytes::from("abc"));
/// assert_eq!(Body::empty().chunk().await?, None);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
pub struct Body {
    kind: Kind,
    abort: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
}

enum Kind {
    Empty,
    Full(Bytes),
    Conn(Box<dyn ConnSource>),
    Stream(BoxStream),
}

impl Body {
    /// An empty body.
    ///
    /// Example: see [`Body`].
    pub fn empty() -> Self {
        Body {
            kind: Kind::Empty,
            abort: None,
        }
    }

    /// A body of these bytes.
    ///
    /// Example: see [`Body`].
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Body::empty();
        }
        Body {
            kind: Kind::Full(bytes),
            abort: None,
        }
    }

    /// A body read from `stream`; a stage (the cache) uses this to tee or replace a body.
    ///
    /// Example: see [`Body`].
    pub fn from_stream<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes>> + Send + 'static,
    {
        Body {
            kind: Kind::Stream(std::sync::Mutex::new(Box::pin(stream))),
            abort: None,
        }
    }

    pub(crate) fn from_conn(body: impl ConnSource + 'static) -> Self {
        Body {
            kind: Kind::Conn(Box::new(body)),
            abort: None,
        }
    }

    pub(crate) fn with_abort(mut self, handle: Option<&AbortHandle>) -> Self {
        if let Some(h) = handle {
            self.abort = Some(Box::pin(h.token().clone().cancelled_owned()));
        }
        self
    }

    /// The next chunk of data, `None` at the end.
    ///
    /// Dropping the future loses nothing: no data is taken until it completes.
    ///
    /// Example: see [`Body`].
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_chunk(cx)).await
    }

    /// The whole body (use for small bodies; a large body is better read by chunks).
    ///
    /// Example: see [`Body`].
    pub async fn bytes(mut self) -> Result<Bytes> {
        let first = match self.chunk().await? {
            None => return Ok(Bytes::new()),
            Some(b) => b,
        };
        let Some(second) = self.chunk().await? else {
            return Ok(first);
        };
        let mut buf = BytesMut::with_capacity(first.len() + second.len());
        buf.extend_from_slice(&first);
        buf.extend_from_slice(&second);
        while let Some(b) = self.chunk().await? {
            buf.extend_from_slice(&b);
        }
        Ok(buf.freeze())
    }

    /// The whole body as UTF-8 text (invalid sequences replaced, as `Response.text()` does).
    ///
    /// Example: see [`Body`].
    pub async fn text(self) -> Result<String> {
        let bytes = self.bytes().await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn poll_next_chunk(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Bytes>>> {
        if let Some(abort) = self.abort.as_mut()
            && abort.as_mut().poll(cx).is_ready()
        {
            self.kind = Kind::Empty;
            return Poll::Ready(Err(Error::new(
                NetError::Aborted,
                "the operation was aborted",
            )));
        }
        let out = match &mut self.kind {
            Kind::Empty => return Poll::Ready(Ok(None)),
            Kind::Full(_) => match std::mem::replace(&mut self.kind, Kind::Empty) {
                Kind::Full(b) => Ok(Some(b)),
                _ => Ok(None),
            },
            Kind::Conn(c) => ready!(c.poll_chunk(cx)),
            Kind::Stream(s) => match ready!(
                s.get_mut()
                    .unwrap_or_else(|e| e.into_inner())
                    .as_mut()
                    .poll_next(cx)
            ) {
                Some(r) => r.map(Some),
                None => Ok(None),
            },
        };
        if !matches!(out, Ok(Some(_))) {
            self.kind = Kind::Empty;
        }
        Poll::Ready(out)
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Empty => "empty",
            Kind::Full(_) => "bytes",
            Kind::Conn(_) => "connection",
            Kind::Stream(_) => "stream",
        };
        write!(f, "Body({kind})")
    }
}

impl Stream for Body {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_chunk(cx).map(Result::transpose)
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>>>> {
        self.poll_next_chunk(cx)
            .map(|r| r.transpose().map(|r| r.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.kind, Kind::Empty)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(b) => SizeHint::with_exact(b.len() as u64),
            Kind::Conn(c) => c.size_hint(),
            Kind::Stream(_) => SizeHint::default(),
        }
    }
}
