//! Talking to a proxy before the origin's bytes flow: HTTP `CONNECT`, SOCKS5, SOCKS4.

use std::net::IpAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::dns::Resolver;
use crate::error::{Error, NetError, Result};
use crate::proxy::{ProxyScheme, ProxyServer};

use super::Key;
use super::layers::{MAX_DRAIN, ProxyCredentials, keeps_alive};

/// Largest `CONNECT` response head read.
const MAX_CONNECT_HEAD: usize = 16 * 1024;

fn tunnel_error(proxy: &ProxyServer, what: impl std::fmt::Display) -> Error {
    Error::new(
        NetError::TunnelConnectionFailed,
        format!("proxy {}: {what}", proxy.to_pac()),
    )
}

/// Prepares `tcp` (connected to `proxy`) to carry the bytes of `key`'s origin. An `https:`
/// origin (or a WebSocket of either scheme) behind an HTTP proxy needs a `CONNECT` tunnel, carrying the `Proxy-Authorization` of
/// `credentials`; a `407` is answered through them, again on this socket when the proxy keeps
/// it open (NTLM's legs must be), else it fails with `net::ERR_PROXY_AUTH_REQUESTED` (and
/// `credentials.restart` says whether the answer should go on a new connection). An `http:`
/// origin is sent absolute-form requests and nothing happens here.
pub(super) async fn open(
    tcp: &mut TcpStream,
    proxy: &ProxyServer,
    key: &Key,
    resolver: &Resolver,
    mut credentials: Option<&mut ProxyCredentials>,
) -> Result<()> {
    let (host, port, tls) = (key.host.as_str(), key.port, key.tunnelled());
    let io = |e: std::io::Error| tunnel_error(proxy, e);
    match proxy.scheme {
        ProxyScheme::Http if !tls => Ok(()),
        ProxyScheme::Http => loop {
            let authority = format!("{host}:{port}");
            let authorization = credentials
                .as_ref()
                .and_then(|c| c.authorization.as_ref())
                .and_then(|v| {
                    v.to_str()
                        .ok()
                        .map(|v| format!("Proxy-Authorization: {v}\r\n"))
                })
                .unwrap_or_default();
            let head = format!(
                "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{authorization}Proxy-Connection: keep-alive\r\n\r\n"
            );
            tcp.write_all(head.as_bytes()).await.map_err(io)?;
            // Read byte by byte up to the blank line: nothing of the tunnel may be consumed.
            let mut buf = Vec::with_capacity(256);
            while !buf.ends_with(b"\r\n\r\n") {
                if buf.len() >= MAX_CONNECT_HEAD {
                    return Err(tunnel_error(proxy, "the CONNECT response head is too big"));
                }
                let b = tcp.read_u8().await.map_err(io)?;
                buf.push(b);
            }
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(&buf) {
                Ok(httparse::Status::Complete(_)) if resp.code == Some(200) => return Ok(()),
                Ok(httparse::Status::Complete(_)) if resp.code == Some(407) => {
                    let challenge: Vec<String> = resp
                        .headers
                        .iter()
                        .filter(|h| h.name.eq_ignore_ascii_case("proxy-authenticate"))
                        .map(|h| String::from_utf8_lossy(h.value).into_owned())
                        .collect();
                    let alive = keeps_alive(
                        resp.version == Some(0),
                        resp.headers.iter().map(|h| (h.name, h.value)),
                    );
                    let reusable = match body_length(resp.headers).filter(|_| alive) {
                        Some(n) => drain_exact(tcp, n).await.is_ok(),
                        None => false,
                    };
                    let refused = || {
                        Error::new(
                            NetError::ProxyAuthRequested,
                            format!(
                                "proxy {} asks for credentials to reach {authority}",
                                proxy.to_pac()
                            ),
                        )
                    };
                    let Some(credentials) = credentials.as_deref_mut() else {
                        return Err(refused());
                    };
                    if !credentials.on_407(challenge, reusable).await? || !reusable {
                        return Err(refused());
                    }
                }
                Ok(httparse::Status::Complete(_)) => {
                    return Err(tunnel_error(
                        proxy,
                        format!(
                            "CONNECT {authority} answered {}",
                            resp.code.unwrap_or_default()
                        ),
                    ));
                }
                _ => return Err(tunnel_error(proxy, "the CONNECT response is not HTTP")),
            }
        },
        ProxyScheme::Socks5 => {
            tcp.write_all(&[5, 1, 0]).await.map_err(io)?;
            let mut hello = [0u8; 2];
            tcp.read_exact(&mut hello).await.map_err(io)?;
            if hello != [5, 0] {
                return Err(tunnel_error(
                    proxy,
                    "the SOCKS5 server wants authentication",
                ));
            }
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let mut req = vec![5, 1, 0];
            match bare.parse::<IpAddr>() {
                Ok(IpAddr::V4(a)) => {
                    req.push(1);
                    req.extend_from_slice(&a.octets());
                }
                Ok(IpAddr::V6(a)) => {
                    req.push(4);
                    req.extend_from_slice(&a.octets());
                }
                Err(_) => {
                    let len = u8::try_from(bare.len())
                        .map_err(|_| tunnel_error(proxy, "host name too long for SOCKS5"))?;
                    req.push(3);
                    req.push(len);
                    req.extend_from_slice(bare.as_bytes());
                }
            }
            req.extend_from_slice(&port.to_be_bytes());
            tcp.write_all(&req).await.map_err(io)?;
            let mut reply = [0u8; 4];
            tcp.read_exact(&mut reply).await.map_err(io)?;
            if reply[0] != 5 || reply[1] != 0 {
                return Err(tunnel_error(
                    proxy,
                    format!(
                        "SOCKS5 connect to {host}:{port} failed with code {}",
                        reply[1]
                    ),
                ));
            }
            let skip = match reply[3] {
                1 => 4,
                4 => 16,
                3 => usize::from(tcp.read_u8().await.map_err(io)?),
                _ => return Err(tunnel_error(proxy, "bad SOCKS5 reply")),
            };
            let mut rest = vec![0u8; skip + 2];
            tcp.read_exact(&mut rest).await.map_err(io)?;
            Ok(())
        }
        ProxyScheme::Socks4 => {
            // SOCKS4 carries an IPv4 address: the host is resolved here.
            let target = resolver.target(host, port).await?;
            let Some(IpAddr::V4(addr)) = target.addrs.iter().find(|a| a.is_ipv4()).copied() else {
                return Err(tunnel_error(proxy, format!("no IPv4 address for {host}")));
            };
            let mut req = vec![4, 1];
            req.extend_from_slice(&target.port.to_be_bytes());
            req.extend_from_slice(&addr.octets());
            req.push(0);
            tcp.write_all(&req).await.map_err(io)?;
            let mut reply = [0u8; 8];
            tcp.read_exact(&mut reply).await.map_err(io)?;
            if reply[1] != 0x5a {
                return Err(tunnel_error(
                    proxy,
                    format!(
                        "SOCKS4 connect to {host}:{port} refused (code {})",
                        reply[1]
                    ),
                ));
            }
            Ok(())
        }
        _ => Err(tunnel_error(proxy, "this kind of proxy is not supported")),
    }
}

/// The length of a `407`'s body when the proxy framed it with `Content-Length` (at most
/// [`MAX_DRAIN`]); `None` when it runs to the connection's end, is chunked, or is too big.
fn body_length(headers: &[httparse::Header<'_>]) -> Option<u64> {
    if headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("transfer-encoding"))
    {
        return None;
    }
    let mut lengths = headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-length"))
        .map(|h| {
            std::str::from_utf8(h.value)
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()
        });
    let n = lengths.next()??;
    // Two differing lengths: the framing cannot be trusted.
    if lengths.any(|m| m != Some(n)) {
        return None;
    }
    (n <= MAX_DRAIN).then_some(n)
}

/// Reads and drops `n` bytes.
async fn drain_exact(tcp: &mut TcpStream, n: u64) -> std::io::Result<()> {
    let copied = tokio::io::copy(&mut (&mut *tcp).take(n), &mut tokio::io::sink()).await?;
    if copied < n {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::body_length;

    fn length(headers: &[(&'static str, &'static str)]) -> Option<u64> {
        let h: Vec<httparse::Header<'_>> = headers
            .iter()
            .map(|(k, v)| httparse::Header {
                name: k,
                value: v.as_bytes(),
            })
            .collect();
        body_length(&h)
    }

    #[test]
    fn only_a_known_small_length_keeps_the_connection() {
        assert_eq!(length(&[("Content-Length", "27")]), Some(27));
        assert_eq!(length(&[("content-length", " 0 ")]), Some(0));
        assert_eq!(length(&[]), None, "runs to the connection's end");
        assert_eq!(
            length(&[("Transfer-Encoding", "chunked"), ("Content-Length", "3")]),
            None
        );
        assert_eq!(
            length(&[("Content-Length", "3"), ("Content-Length", "4")]),
            None
        );
        assert_eq!(length(&[("Content-Length", "-1")]), None);
        assert_eq!(length(&[("Content-Length", "1048576")]), None);
    }
}
