//! A socket that logs the bytes it moves (and its end) while a log runs.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{EventType, NetLog, Phase, Source, bytes_params};

/// Wraps a connection's socket; `source` is `None` when no log ran at connect time (its bytes
/// are then never logged).
pub(crate) struct Logged<S> {
    inner: S,
    log: NetLog,
    source: Option<Source>,
    tls: bool,
}

impl<S> Logged<S> {
    /// `tls`: the bytes are the plaintext of a TLS socket (`SSL_SOCKET_BYTES_*`).
    pub(crate) fn new(inner: S, log: NetLog, source: Option<Source>, tls: bool) -> Self {
        Logged {
            inner,
            log,
            source,
            tls,
        }
    }

    fn bytes(&self, sent: bool, data: &[u8]) {
        if data.is_empty() || !self.log.is_active() {
            return;
        }
        let Some(src) = &self.source else { return };
        let ty = match (self.tls, sent) {
            (false, true) => EventType::SocketBytesSent,
            (false, false) => EventType::SocketBytesReceived,
            (true, true) => EventType::SslSocketBytesSent,
            (true, false) => EventType::SslSocketBytesReceived,
        };
        self.log
            .add(src, ty, Phase::None, |mode| bytes_params(data, mode));
    }
}

impl<S> Drop for Logged<S> {
    fn drop(&mut self) {
        if let Some(src) = &self.source {
            self.log
                .add(src, EventType::SocketAlive, Phase::End, |_| None);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Logged<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            self.bytes(false, &buf.filled()[before..]);
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Logged<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = res {
            self.bytes(true, &data[..n]);
        }
        res
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = res
            && n > 0
            && self.log.is_active()
        {
            let mut left = n;
            let mut written = Vec::with_capacity(n);
            for b in bufs {
                let take = left.min(b.len());
                written.extend_from_slice(&b[..take]);
                left -= take;
                if left == 0 {
                    break;
                }
            }
            self.bytes(true, &written);
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
