//! Keeps the raw bytes of each HTTP/1.x response header block as read from the socket, so a
//! response can report its headers in wire order with the server's spelling (hyper's own
//! record of that is private); on the write side, puts back the caller's spelling of request
//! header names (see `spelling.rs`).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::spelling::{Scan, respell};

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum Mode {
    /// Waiting for the next request to be written.
    #[default]
    Idle,
    /// A request went out: collecting the response head.
    Capturing,
    /// The head is complete and waits to be taken.
    Done,
    /// The connection was upgraded: nothing is captured or respelled any more.
    Off,
}

#[derive(Debug, Default)]
struct State {
    mode: Mode,
    buf: Vec<u8>,
    limit: usize,
    overflow: bool,
    /// Header names of the request about to be written, as the caller spelled them.
    spellings: Arc<[String]>,
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

/// A `1xx` head other than `101 Switching Protocols` (which ends the HTTP exchange: hyper
/// hands it over as the response).
fn is_informational(head: &[u8]) -> bool {
    // "HTTP/1.1 1xx"
    head.len() > 9 && head.get(9) == Some(&b'1') && head.get(10..12) != Some(b"01")
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

    /// The caller's spellings of the header names of the next request written.
    pub(crate) fn set_spellings(&self, spellings: Arc<[String]>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).spellings = spellings;
    }

    /// A write is about to go out; when it starts a new request, returns that request's
    /// spellings.
    fn on_write(&self) -> Option<Arc<[String]>> {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if s.mode == Mode::Idle {
            s.mode = Mode::Capturing;
            s.buf.clear();
            s.overflow = false;
            self.1.store(true, Ordering::Release);
            return Some(s.spellings.clone());
        }
        None
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

    /// Stops watching the connection for good: it was upgraded (a WebSocket), and what flows
    /// now is not HTTP.
    pub(crate) fn detach(&self) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.mode = Mode::Off;
        s.buf = Vec::new();
        self.1.store(false, Ordering::Release);
    }

    /// Whether the next write starts a new request.
    fn idle(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).mode == Mode::Idle
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

/// A stream that feeds a [`HeadTap`] and respells request header names on their way out.
#[derive(Debug)]
pub(crate) struct Tapped<S> {
    inner: S,
    tap: HeadTap,
    /// The spellings of the request being written, and how far its head is scanned.
    spellings: Arc<[String]>,
    scan: Scan,
    /// Respelled bytes standing for the start of the next bytes hyper writes.
    carry: Vec<u8>,
}

impl<S> Tapped<S> {
    pub(crate) fn new(inner: S, tap: HeadTap) -> Self {
        Tapped {
            inner,
            tap,
            spellings: Arc::from(Vec::new()),
            scan: Scan::Done,
            carry: Vec::new(),
        }
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

impl<S: AsyncWrite + Unpin> Tapped<S> {
    /// Writes the start of `data`, respelled while in a request head.
    fn write(&mut self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        if let Some(spellings) = self.tap.on_write() {
            self.scan = if spellings.is_empty() {
                Scan::Done
            } else {
                Scan::RequestLine
            };
            self.spellings = spellings;
            self.carry.clear();
        }
        if self.carry.is_empty() && self.scan != Scan::Done {
            let mut out = std::mem::take(&mut self.carry);
            let (n, next) = respell(data, self.scan, &self.spellings, &mut out);
            self.carry = out;
            // Nothing covered: a name cut by hyper's write (its head is written whole in
            // practice) goes as it is.
            if n > 0 {
                self.scan = next;
            } else {
                self.carry.clear();
                self.scan = Scan::Done;
            }
        }
        if self.carry.is_empty() {
            return Pin::new(&mut self.inner).poll_write(cx, data);
        }
        let k = self.carry.len().min(data.len());
        match Pin::new(&mut self.inner).poll_write(cx, &self.carry[..k]) {
            Poll::Ready(Ok(n)) => {
                self.carry.drain(..n);
                Poll::Ready(Ok(n))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tapped<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Pin::new(&mut self.inner).poll_write(cx, data);
        }
        self.write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // While a head may be written, one buffer at a time (a vectored write may write less
        // than all of them); the body goes vectored.
        if self.scan == Scan::Done && self.carry.is_empty() && !self.tap.idle() {
            return Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        }
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(first) => self.write(cx, first),
            None => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
        }
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
