//! Servers that misbehave on purpose, one per case, for tests that a client ends each with a
//! clear `net::ERR_*` and bounded memory: heads that never end or come one byte at a time,
//! bodies that never end or lie about their length, 10,000 `Set-Cookie` lines, a 1 GiB cookie,
//! decompression bombs in every coding (and a zstd frame asking for a 2 GiB window), a redirect
//! loop, and HTTP/2 servers flooding SETTINGS, PING, RST_STREAM or CONTINUATION frames.
//!
//! ```no_run
//! use session_test_support::{TestPki, hostile::Hostile};
//! let pki = TestPki::generate();
//! let server = Hostile::EndlessHeaders.start(&pki);
//! let url = Hostile::EndlessHeaders.url(&server); // http://a.test:PORT/
//! ```

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::body;
use crate::pki::{TestPki, TlsVariant};
use crate::raw::{RawServer, read_head};

/// Decoded size of the bombs: past the decoder's 10 MiB floor, at a ratio far over 100.
pub const BOMB_MIB: usize = 16;

/// One hostile case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hostile {
    /// A status line, then one byte of a header every 50 ms, forever.
    SlowHeaders,
    /// Header lines as fast as the client reads them, forever.
    EndlessHeaders,
    /// A chunked body of 16 KiB chunks as fast as the client reads them, forever.
    EndlessChunked,
    /// `Content-Length: 1048576`, then 5 bytes and the connection closed.
    ShortBody,
    /// `Content-Length: 5`, then 5 bytes and 1 MiB more on a kept-alive connection.
    LongBody,
    /// 10,000 `Set-Cookie` lines in one response.
    ManySetCookies,
    /// One `Set-Cookie` header 1 GiB long.
    HugeCookie,
    /// A `302` to itself, forever.
    RedirectLoop,
    /// 16 MiB of zeros, gzip-encoded (16 KiB on the wire).
    BombGzip,
    /// 16 MiB of zeros, deflate (zlib) encoded.
    BombDeflate,
    /// 16 MiB of zeros, brotli-encoded.
    BombBr,
    /// 16 MiB of zeros, zstd-encoded.
    BombZstd,
    /// A zstd frame whose header asks for a 2 GiB window.
    ZstdHugeWindow,
    /// HTTP/2: SETTINGS frames, forever, and no response.
    H2SettingsFlood,
    /// HTTP/2: PING frames, forever, and no response.
    H2PingFlood,
    /// HTTP/2: every stream reset at once (`CANCEL`), then RST_STREAM frames, forever.
    H2RapidReset,
    /// HTTP/2: a HEADERS frame without END_HEADERS, then CONTINUATION frames, forever.
    H2EndlessContinuation,
}

impl Hostile {
    /// Every case.
    pub const ALL: [Hostile; 17] = [
        Hostile::SlowHeaders,
        Hostile::EndlessHeaders,
        Hostile::EndlessChunked,
        Hostile::ShortBody,
        Hostile::LongBody,
        Hostile::ManySetCookies,
        Hostile::HugeCookie,
        Hostile::RedirectLoop,
        Hostile::BombGzip,
        Hostile::BombDeflate,
        Hostile::BombBr,
        Hostile::BombZstd,
        Hostile::ZstdHugeWindow,
        Hostile::H2SettingsFlood,
        Hostile::H2PingFlood,
        Hostile::H2RapidReset,
        Hostile::H2EndlessContinuation,
    ];

    /// A short description for tables.
    pub fn describe(self) -> &'static str {
        match self {
            Hostile::SlowHeaders => "slow headers (a byte every 50 ms)",
            Hostile::EndlessHeaders => "endless header lines",
            Hostile::EndlessChunked => "endless chunked body",
            Hostile::ShortBody => "Content-Length larger than the body",
            Hostile::LongBody => "Content-Length smaller than the body",
            Hostile::ManySetCookies => "10,000 Set-Cookie lines",
            Hostile::HugeCookie => "a 1 GiB cookie",
            Hostile::RedirectLoop => "redirect loop",
            Hostile::BombGzip => "gzip bomb (16 MiB of zeros)",
            Hostile::BombDeflate => "deflate bomb (16 MiB of zeros)",
            Hostile::BombBr => "br bomb (16 MiB of zeros)",
            Hostile::BombZstd => "zstd bomb (16 MiB of zeros)",
            Hostile::ZstdHugeWindow => "zstd frame asking for a 2 GiB window",
            Hostile::H2SettingsFlood => "HTTP/2 SETTINGS flood",
            Hostile::H2PingFlood => "HTTP/2 PING flood",
            Hostile::H2RapidReset => "HTTP/2 RST_STREAM rapid reset",
            Hostile::H2EndlessContinuation => "HTTP/2 CONTINUATION without end",
        }
    }

    /// Whether the case is served over TLS with HTTP/2 (ALPN `h2` only).
    pub fn is_h2(self) -> bool {
        matches!(
            self,
            Hostile::H2SettingsFlood
                | Hostile::H2PingFlood
                | Hostile::H2RapidReset
                | Hostile::H2EndlessContinuation
        )
    }

    /// The URL to fetch from `server` (started by [`Hostile::start`]): `a.test`, which
    /// the client maps to loopback ([`crate::HOST_RULES`]); HTTP/2 cases need the test CA.
    pub fn url(self, server: &RawServer) -> String {
        let scheme = if self.is_h2() { "https" } else { "http" };
        format!("{scheme}://a.test:{}/", server.port())
    }

    /// Starts the server of this case; HTTP/2 cases present `pki`'s valid leaf.
    pub fn start(self, pki: &TestPki) -> RawServer {
        if self.is_h2() {
            let mut config = (*pki.server_config(TlsVariant::Valid)).clone();
            config.alpn_protocols = vec![b"h2".to_vec()];
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            return RawServer::serve(move |stream| {
                let acceptor = acceptor.clone();
                async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        h2(tls, self).await;
                    }
                }
            });
        }
        // Compressed bodies are made once, before the first connection.
        let bomb = match self {
            Hostile::BombGzip => Some(("gzip", body::bomb_in("gzip", BOMB_MIB))),
            Hostile::BombDeflate => Some(("deflate", body::bomb_in("deflate", BOMB_MIB))),
            Hostile::BombBr => Some(("br", body::bomb_in("br", BOMB_MIB))),
            Hostile::BombZstd => Some(("zstd", body::bomb_in("zstd", BOMB_MIB))),
            Hostile::ZstdHugeWindow => Some(("zstd", zstd_huge_window().into())),
            _ => None,
        };
        RawServer::serve(move |mut stream| {
            let bomb = bomb.clone();
            async move {
                if read_head(&mut stream).await.is_some() {
                    let _ = http1(&mut stream, self, bomb).await;
                }
            }
        })
    }
}

/// A zstd frame asking for a 2 GiB window (window descriptor exponent 21), with one RLE block.
fn zstd_huge_window() -> Vec<u8> {
    let mut f = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8];
    // Last block, RLE, 100 bytes of 'a'.
    let header: u32 = 1 | (1 << 1) | (100 << 3);
    f.extend_from_slice(&header.to_le_bytes()[..3]);
    f.push(b'a');
    f
}

async fn http1(
    stream: &mut TcpStream,
    case: Hostile,
    bomb: Option<(&'static str, bytes::Bytes)>,
) -> std::io::Result<()> {
    let filler = vec![b'a'; 64 * 1024];
    match case {
        Hostile::SlowHeaders => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ").await?;
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                stream.write_all(b"a").await?;
            }
        }
        Hostile::EndlessHeaders => {
            stream.write_all(b"HTTP/1.1 200 OK\r\n").await?;
            let line = b"X-Endless: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(256);
            loop {
                stream.write_all(&line).await?;
            }
        }
        Hostile::EndlessChunked => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await?;
            let mut chunk = b"4000\r\n".to_vec();
            chunk.extend_from_slice(&filler[..0x4000]);
            chunk.extend_from_slice(b"\r\n");
            loop {
                stream.write_all(&chunk).await?;
            }
        }
        Hostile::ShortBody => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\nshort")
                .await
        }
        Hostile::LongBody => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                .await?;
            stream.write_all(&vec![b'x'; 1 << 20]).await?;
            std::future::pending().await
        }
        Hostile::ManySetCookies => {
            let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
            for i in 0..10_000 {
                head.extend_from_slice(format!("Set-Cookie: c{i}=v{i}\r\n").as_bytes());
            }
            head.extend_from_slice(b"Content-Length: 2\r\nConnection: close\r\n\r\nok");
            stream.write_all(&head).await
        }
        Hostile::HugeCookie => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nSet-Cookie: huge=")
                .await?;
            for _ in 0..(1 << 30) / filler.len() {
                stream.write_all(&filler).await?;
            }
            stream
                .write_all(b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .await
        }
        Hostile::RedirectLoop => {
            stream
                .write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await
        }
        _ => {
            let (coding, body) = bomb.unwrap_or(("identity", bytes::Bytes::new()));
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await
        }
    }
}

/// An HTTP/2 frame.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = len.to_be_bytes()[1..].to_vec();
    f.push(kind);
    f.push(flags);
    f.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const CONTINUATION: u8 = 0x9;
const ACK: u8 = 0x1;
const CANCEL: u32 = 0x8;

/// An HPACK integer with a 7-bit prefix (the H bit clear).
fn hpack_int(mut n: usize, out: &mut Vec<u8>) {
    if n < 127 {
        out.push(n as u8);
        return;
    }
    out.push(127);
    n -= 127;
    while n >= 128 {
        out.push((n % 128) as u8 | 0x80);
        n /= 128;
    }
    out.push(n as u8);
}

/// An HPACK literal header field without indexing, new name.
fn hpack_literal(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = vec![0x00];
    hpack_int(name.len(), &mut out);
    out.extend_from_slice(name);
    hpack_int(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

async fn h2<S>(tls: S, case: Hostile)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(tls);
    let mut preface = [0u8; 24];
    if rd.read_exact(&mut preface).await.is_err() {
        return;
    }
    // Read (and drop) whatever the client sends, noting the streams it opens.
    let (opened_tx, mut opened) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut head = [0u8; 9];
        while rd.read_exact(&mut head).await.is_ok() {
            let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
            let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
            let mut payload = vec![0u8; len];
            if rd.read_exact(&mut payload).await.is_err() {
                return;
            }
            if head[3] == HEADERS && opened_tx.send(stream).is_err() {
                return;
            }
        }
    });
    let mut hello = frame(SETTINGS, 0, 0, &[]);
    hello.extend(frame(SETTINGS, ACK, 0, &[]));
    if wr.write_all(&hello).await.is_err() {
        return;
    }
    let flood = |f: Vec<u8>| f.repeat(64);
    match case {
        Hostile::H2SettingsFlood => {
            // SETTINGS_MAX_CONCURRENT_STREAMS = 100, again and again.
            let f = flood(frame(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]));
            while wr.write_all(&f).await.is_ok() {}
        }
        Hostile::H2PingFlood => {
            let f = flood(frame(PING, 0, 0, &[1, 2, 3, 4, 5, 6, 7, 8]));
            while wr.write_all(&f).await.is_ok() {}
        }
        Hostile::H2RapidReset => {
            while let Some(id) = opened.recv().await {
                let f = flood(frame(RST_STREAM, 0, id, &CANCEL.to_be_bytes()));
                for _ in 0..1_000 {
                    if wr.write_all(&f).await.is_err() {
                        return;
                    }
                }
            }
        }
        Hostile::H2EndlessContinuation => {
            let Some(id) = opened.recv().await else {
                return;
            };
            // `:status: 200` (static index 8), no END_HEADERS.
            if wr.write_all(&frame(HEADERS, 0, id, &[0x88])).await.is_err() {
                return;
            }
            let block = hpack_literal(b"x-endless", &vec![b'a'; 16_000]);
            let f = frame(CONTINUATION, 0, id, &block);
            while wr.write_all(&f).await.is_ok() {}
        }
        _ => {}
    }
}
