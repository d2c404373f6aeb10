//! Response bodies that come out of the cache stage: a stored body, or the network body teed
//! into the store as the consumer reads it.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::store::{EntryWriter, StoredBody};

/// A boxed error, the error type of [`CacheBody`].
///
/// Example: see [`CacheBody`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pin_project! {
    /// A network body that is written into the store chunk by chunk as the consumer reads it.
    /// The entry is committed when the body ends with all its declared bytes; an error, a short
    /// body or dropping the body early discards it.
    ///
    /// Example: see [the crate's example](crate): the body of a miss is one, read to its end.
    pub struct TeeBody<B> {
        #[pin]
        inner: B,
        writer: Option<Box<EntryWriter>>,
        declared: Option<u64>,
        written: u64,
    }
}

impl<B> TeeBody<B> {
    pub(crate) fn new(inner: B, writer: Option<EntryWriter>, declared: Option<u64>) -> Self {
        TeeBody {
            inner,
            writer: writer.map(Box::new),
            declared,
            written: 0,
        }
    }
}

impl<B> Body for TeeBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let mut this = self.project();
        let frame = ready!(this.inner.as_mut().poll_frame(cx));
        match &frame {
            Some(Ok(f)) => {
                if let (Some(data), Some(w)) = (f.data_ref(), this.writer.as_mut()) {
                    w.write(data);
                    *this.written += data.len() as u64;
                    if w.is_failed() {
                        *this.writer = None;
                    }
                }
                if this.inner.is_end_stream() {
                    finish(this.writer, *this.declared, *this.written);
                }
            }
            Some(Err(_)) => *this.writer = None,
            None => finish(this.writer, *this.declared, *this.written),
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn finish(writer: &mut Option<Box<EntryWriter>>, declared: Option<u64>, written: u64) {
    if let Some(w) = writer
        .take()
        .filter(|_| declared.is_none_or(|n| n == written))
    {
        w.commit();
    }
}

pin_project! {
    /// The body of a response that passed the cache stage.
    ///
    /// ```
    /// use http::{Request, Response};
    /// use http_body_util::Full;
    /// use session_cache::{Cache, CacheMode, Lookup};
    ///
    /// let cache = Cache::memory(None);
    /// let (parts, ()) = Request::get("http://a.test/").body(()).unwrap().into_parts();
    /// let Lookup::Network(pending) = cache.lookup(&parts, CacheMode::NoStore) else { panic!() };
    /// let response = cache.complete(pending, Response::new(Full::new(bytes::Bytes::from("x"))));
    /// // Nothing is written from a no-store response: the network body comes back as it was.
    /// assert!(!response.body().is_stored());
    /// let body: Full<bytes::Bytes> = response.into_body().into_untouched().ok().unwrap();
    /// # drop(body);
    /// ```
    /// A stored body: see [`Cache`](crate::Cache).
    pub struct CacheBody<B> {
        #[pin]
        inner: Inner<B>,
    }
}

pin_project! {
    #[project = InnerProj]
    enum Inner<B> {
        Stored { #[pin] body: StoredBody },
        Network { #[pin] body: TeeBody<B> },
    }
}

impl<B> CacheBody<B> {
    pub(crate) fn stored(body: StoredBody) -> Self {
        CacheBody {
            inner: Inner::Stored { body },
        }
    }

    pub(crate) fn network(body: TeeBody<B>) -> Self {
        CacheBody {
            inner: Inner::Network { body },
        }
    }

    /// The network body unchanged, when nothing is being written from it into the store.
    ///
    /// Example: see [`CacheBody`].
    pub fn into_untouched(self) -> Result<B, Self> {
        match self.inner {
            Inner::Network { body } if body.writer.is_none() => Ok(body.inner),
            inner => Err(CacheBody { inner }),
        }
    }

    /// Whether the body is read from the store.
    ///
    /// Example: see [`CacheBody`].
    pub fn is_stored(&self) -> bool {
        matches!(self.inner, Inner::Stored { .. })
    }
}

impl<B> Body for CacheBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().inner.project() {
            InnerProj::Stored { body } => body.poll_frame(cx).map_err(Into::into),
            InnerProj::Network { body } => body.poll_frame(cx).map_err(Into::into),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Stored { body } => body.is_end_stream(),
            Inner::Network { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Stored { body } => body.size_hint(),
            Inner::Network { body } => body.size_hint(),
        }
    }
}
