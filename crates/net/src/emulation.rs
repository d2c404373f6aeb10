//! Network emulation: offline, added latency, and a byte-rate limit on the session's sockets.
//!
//! Throughput is a real limit on the bytes read from (download) and written to (upload) every
//! socket of the session, TLS records included, through one token bucket per direction shared
//! by all the session's sockets. Latency is added once before each request is sent.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// `enableNetworkEmulation`'s options.
///
/// ```
/// use session_net::{Net, NetConfig, NetError, NetworkEmulation, new_request};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.enable_network_emulation(NetworkEmulation { offline: true, ..Default::default() });
/// let err = net.fetch(new_request(http::Method::GET, "http://a.test/", ())?).await.unwrap_err();
/// assert_eq!(err.kind(), NetError::InternetDisconnected);
///
/// // Electron's option names.
/// let slow: NetworkEmulation =
///     serde_json::from_str(r#"{"latency": 150, "downloadThroughput": 50000}"#).unwrap();
/// assert_eq!((slow.latency, slow.download_throughput, slow.offline), (150.0, 50000.0, false));
/// net.disable_network_emulation();
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkEmulation {
    /// Fail every request with `net::ERR_INTERNET_DISCONNECTED`.
    pub offline: bool,
    /// Round-trip time added to each request, in milliseconds (0: none).
    pub latency: f64,
    /// Download rate in bytes per second (0: unlimited).
    pub download_throughput: f64,
    /// Upload rate in bytes per second (0: unlimited).
    pub upload_throughput: f64,
}

#[derive(Debug)]
struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: f64) -> Self {
        Bucket {
            rate,
            tokens: 0.0,
            last: Instant::now(),
        }
    }

    /// Burst allowance: a twentieth of a second of traffic, at least one byte.
    fn capacity(&self) -> f64 {
        (self.rate / 20.0).max(1.0)
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.capacity());
    }

    /// Takes up to `want` bytes; on none, how long until `min(want, capacity)` are there.
    fn take(&mut self, want: usize, now: Instant) -> Result<usize, Duration> {
        self.refill(now);
        let have = self.tokens.floor();
        if have >= 1.0 {
            let n = (have as usize).min(want);
            self.tokens -= n as f64;
            return Ok(n);
        }
        let need = (want as f64).min(self.capacity()) - self.tokens;
        Err(Duration::from_secs_f64((need / self.rate).max(0.001)))
    }

    fn refund(&mut self, n: usize) {
        self.tokens += n as f64;
    }
}

/// The emulation state of one session.
#[derive(Debug, Default)]
pub(crate) struct Emulation {
    active: AtomicBool,
    settings: RwLock<NetworkEmulation>,
    down: Mutex<Option<Bucket>>,
    up: Mutex<Option<Bucket>>,
}

impl Emulation {
    pub(crate) fn enable(&self, e: NetworkEmulation) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = e;
        let rate = |r: f64| (r.is_finite() && r > 0.0).then(|| Bucket::new(r));
        *self.down.lock().unwrap_or_else(|p| p.into_inner()) = rate(e.download_throughput);
        *self.up.lock().unwrap_or_else(|p| p.into_inner()) = rate(e.upload_throughput);
        self.active
            .store(e != NetworkEmulation::default(), Ordering::Release);
    }

    pub(crate) fn disable(&self) {
        self.enable(NetworkEmulation::default());
    }

    /// The settings, when emulation is on.
    pub(crate) fn current(&self) -> Option<NetworkEmulation> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        Some(*self.settings.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    fn take(&self, upload: bool, want: usize) -> Option<Result<usize, Duration>> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        let lock = if upload { &self.up } else { &self.down };
        let mut guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_mut().map(|b| b.take(want, Instant::now()))
    }

    fn refund(&self, upload: bool, n: usize) {
        let lock = if upload { &self.up } else { &self.down };
        if let Some(b) = lock.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            b.refund(n);
        }
    }
}

/// A socket whose reads and writes go through the session's emulation buckets.
#[derive(Debug)]
pub(crate) struct Throttled<S> {
    inner: S,
    emulation: Arc<Emulation>,
    read_sleep: Option<Pin<Box<Sleep>>>,
    write_sleep: Option<Pin<Box<Sleep>>>,
}

impl<S> Throttled<S> {
    pub(crate) fn new(inner: S, emulation: Arc<Emulation>) -> Self {
        Throttled {
            inner,
            emulation,
            read_sleep: None,
            write_sleep: None,
        }
    }
}

/// Waits on `sleep` if any; then asks for `want` bytes: `Ok(None)` unthrottled, `Ok(Some(n))`
/// n granted.
fn grant(
    emulation: &Emulation,
    sleep: &mut Option<Pin<Box<Sleep>>>,
    upload: bool,
    want: usize,
    cx: &mut Context<'_>,
) -> Poll<Option<usize>> {
    loop {
        if let Some(s) = sleep.as_mut() {
            ready!(s.as_mut().poll(cx));
            *sleep = None;
        }
        match emulation.take(upload, want) {
            None => return Poll::Ready(None),
            Some(Ok(n)) => return Poll::Ready(Some(n)),
            Some(Err(wait)) => *sleep = Some(Box::pin(tokio::time::sleep(wait))),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Throttled<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let want = buf.remaining();
        if want == 0 {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let Some(n) = ready!(grant(
            &this.emulation,
            &mut this.read_sleep,
            false,
            want,
            cx
        )) else {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        };
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(n));
        let res = Pin::new(&mut this.inner).poll_read(cx, &mut limited);
        let got = limited.filled().len();
        match res {
            Poll::Ready(Ok(())) => {
                buf.advance(got);
                this.emulation.refund(false, n - got);
                Poll::Ready(Ok(()))
            }
            other => {
                this.emulation.refund(false, n);
                other
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Throttled<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if data.is_empty() {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        }
        let Some(n) = ready!(grant(
            &this.emulation,
            &mut this.write_sleep,
            true,
            data.len(),
            cx
        )) else {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        };
        match Pin::new(&mut this.inner).poll_write(cx, &data[..n]) {
            Poll::Ready(Ok(w)) => {
                this.emulation.refund(true, n - w);
                Poll::Ready(Ok(w))
            }
            other => {
                this.emulation.refund(true, n);
                other
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if !self.emulation.is_active() {
            return Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs);
        }
        // Throttled: one buffer at a time through the bucket.
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        self.poll_write(cx, first)
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

    #[test]
    fn bucket_grants_at_the_rate() {
        let mut b = Bucket::new(1000.0);
        let t0 = b.last;
        // Starts empty: the first request waits.
        assert!(b.take(100, t0).is_err());
        // After 40 ms, 40 bytes are there (capacity 50).
        assert_eq!(b.take(100, t0 + Duration::from_millis(40)), Ok(40));
        // Never more than the burst capacity, however long it waited.
        assert_eq!(b.take(1000, t0 + Duration::from_secs(10)), Ok(50));
        b.refund(10);
        assert_eq!(b.take(1000, t0 + Duration::from_secs(10)), Ok(10));
    }

    #[test]
    fn settings_toggle_activity() {
        let e = Emulation::default();
        assert!(e.current().is_none());
        e.enable(NetworkEmulation {
            offline: true,
            ..Default::default()
        });
        assert!(e.current().is_some_and(|s| s.offline));
        assert!(e.take(false, 10).is_none(), "no throughput limit set");
        e.disable();
        assert!(e.current().is_none());
    }
}
