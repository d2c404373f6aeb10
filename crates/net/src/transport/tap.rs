//! Keeps the raw bytes of each HTTP/1.x response header block as read from the socket, so a
//! response can report its headers in wire order with the server's spelling (hyper's own
//! record of that is private).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum Mode {
    /// Waiting for the next request to be written.
    #[default]
    Idle,
    /// A request went out: collecting the response head.
    Capturing,
    /// The head is complete and waits to be taken.
    Done,
}

#[derive(Debug, Default)]
struct State {
    mode: Mode,
    buf: Vec<u8>,
    limit: usize,
    overflow: bool,
}

/// The shared handle to a connection's captured header block. `capturing` mirrors
/// `mode == Capturing` so that reads of a body do not take the lock.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeadTap(Arc<Mutex<State>>, Arc<AtomicBool>);

/// Index just past the empty line ending the head in `buf`, searching from `from`.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < buf.len() {
        if buf[i] == b'\n' {
            match buf.get(i + 1) {
                Some(b'\n') => return Some(i + 2),
                Some(b'\r') if buf.get(i + 2) == Some(&b'\n') => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

fn is_informational(head: &[u8]) -> bool {
    // "HTTP/1.1 1xx"
    head.len() > 9 && head.get(9) == Some(&b'1')
}

impl HeadTap {
    pub(crate) fn new(limit: usize) -> Self {
        HeadTap(
            Arc::new(Mutex::new(State {
                limit,
                ..State::default()
            })),
            Arc::new(AtomicBool::new(false)),
        )
    }

    fn on_write(&self) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if s.mode == Mode::Idle {
            s.mode = Mode::Capturing;
            s.buf.clear();
            s.overflow = false;
            self.1.store(true, Ordering::Release);
        }
    }

    fn on_read(&self, data: &[u8]) {
        if !self.1.load(Ordering::Acquire) {
            return;
        }
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if s.mode != Mode::Capturing || data.is_empty() {
            return;
        }
        let start = s.buf.len().saturating_sub(3);
        let room = (s.limit + 1).saturating_sub(s.buf.len());
        s.buf.extend_from_slice(&data[..data.len().min(room)]);
        let mut from = start;
        while let Some(end) = head_end(&s.buf, from) {
            if is_informational(&s.buf) {
                s.buf.drain(..end);
                from = 0;
                continue;
            }
            s.buf.truncate(end);
            s.mode = Mode::Done;
            self.1.store(false, Ordering::Release);
            return;
        }
        if s.buf.len() > s.limit {
            s.overflow = true;
            s.mode = Mode::Done;
            self.1.store(false, Ordering::Release);
        }
    }

    /// Whether any byte of a response arrived since the last request was written.
    pub(crate) fn saw_bytes(&self) -> bool {
        let s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.mode != Mode::Idle && !s.buf.is_empty()
    }

    /// The head of the response just received, parsed; resets for the next request.
    /// `Err(())` when the head was longer than the limit.
    pub(crate) fn take(&self) -> Result<Option<Vec<u8>>, ()> {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if s.mode != Mode::Done {
            return Ok(None);
        }
        s.mode = Mode::Idle;
        if s.overflow {
            s.buf.clear();
            return Err(());
        }
        Ok(Some(std::mem::take(&mut s.buf)))
    }
}

/// A stream that feeds a [`HeadTap`].
#[derive(Debug)]
pub(crate) struct Tapped<S> {
    inner: S,
    tap: HeadTap,
}

impl<S> Tapped<S> {
    pub(crate) fn new(inner: S, tap: HeadTap) -> Self {
        Tapped { inner, tap }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tapped<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            self.tap.on_read(&buf.filled()[before..]);
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tapped<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if !data.is_empty() {
            self.tap.on_write();
        }
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if bufs.iter().any(|b| !b.is_empty()) {
            self.tap.on_write();
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::parse_head_pairs;

    #[test]
    fn captures_the_head_in_wire_order_across_reads() {
        let tap = HeadTap::new(1 << 16);
        tap.on_write();
        tap.on_read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Fine\r\nX-B: 1\r\n");
        assert!(tap.saw_bytes());
        tap.on_read(b"set-cookie: a=1\r\nX-B: 2\r\n\r\nbody");
        let head = tap.take().expect("within limit").expect("complete head");
        let pairs = parse_head_pairs(&head).expect("parses");
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["X-B", "set-cookie", "X-B"]);
        assert!(tap.take().expect("ok").is_none(), "taken once");
        // The next request starts a new capture.
        tap.on_write();
        tap.on_read(b"HTTP/1.0 404 Not Found\n\n");
        let head = tap.take().expect("ok").expect("bare LF head");
        assert!(head.starts_with(b"HTTP/1.0 404"));
        assert_eq!(parse_head_pairs(&head), Some(vec![]));
    }

    #[test]
    fn overlong_heads_are_reported() {
        let tap = HeadTap::new(64);
        tap.on_write();
        tap.on_read(b"HTTP/1.1 200 OK\r\nX-Long: ");
        tap.on_read(&[b'a'; 100]);
        assert!(tap.take().is_err());
    }

    #[test]
    fn head_end_finds_the_empty_line() {
        assert_eq!(head_end(b"a\r\n\r\nb", 0), Some(5));
        assert_eq!(head_end(b"a\n\nb", 0), Some(3));
        assert_eq!(head_end(b"a\r\nb", 0), None);
    }
}
