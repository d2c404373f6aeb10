//! TLS policy of a session: `set_ssl_config` mapped onto rustls, trusted roots (webpki-roots
//! plus extra roots), and `set_certificate_verify_proc`.
//!
//! What rustls cannot do, and what happens instead:
//! - TLS 1.0 and 1.1 are not implemented. `min_version: tls1` / `tls1.1` are accepted and mean
//!   TLS 1.2 (Chromium no longer negotiates them either); `max_version` below `tls1.2` is
//!   refused with `net::ERR_INVALID_ARGUMENT`.
//! - Only the AEAD ECDHE suites rustls ships exist; disabling any other suite id is accepted and
//!   changes nothing (Electron also accepts unknown ids). TLS 1.3 suites cannot be disabled,
//!   as in Electron.
//! - No revocation checks (CRLs, OCSP) and no Certificate Transparency.
//!
//! Certificate checks run after the handshake and before any byte of the request is sent: the
//! handshake checks the server's signatures, then the chain is verified by webpki against the
//! session's roots with Chromium's error names and precedence (`verify.rs`; a leaf that is itself
//! a trusted root is trusted whatever its basic constraints), and a verify proc (if set) gets
//! that verdict and its `errorCode` and decides. Its answers are
//! cached per (host, leaf certificate) until the proc is replaced.
//!
//! Each session resumes TLS sessions from a ticket store of its own (tickets are never shared
//! between partitions, which they would link), made with the session's client config on its
//! first TLS connection and dropped with it whenever the verify proc, the SSL config, the
//! trusted roots change or connections are closed. A resumed connection still shows the chain
//! of the session it resumes, which is verified as above (the verdict cache answers).
//! The crypto provider and the public roots are made once per process and shared.

mod verify;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, RwLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::certificate::Certificate;
use crate::emulation::Throttled;
use crate::error::{Error, NetError, Result};
use futures_util::future::BoxFuture;

/// A TLS version name of `setSSLConfig`.
///
/// Example: see [`Net`](crate::Net) (its second example sets a minimum version).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TlsVersion {
    /// `tls1` (means TLS 1.2 here: rustls has no TLS 1.0).
    #[serde(rename = "tls1")]
    Tls1,
    /// `tls1.1` (means TLS 1.2 here: rustls has no TLS 1.1).
    #[serde(rename = "tls1.1")]
    Tls1_1,
    /// `tls1.2`.
    #[serde(rename = "tls1.2")]
    Tls1_2,
    /// `tls1.3`.
    #[serde(rename = "tls1.3")]
    Tls1_3,
}

impl std::str::FromStr for TlsVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "tls1" => Ok(TlsVersion::Tls1),
            "tls1.1" => Ok(TlsVersion::Tls1_1),
            "tls1.2" => Ok(TlsVersion::Tls1_2),
            "tls1.3" => Ok(TlsVersion::Tls1_3),
            _ => Err(Error::new(
                NetError::InvalidArgument,
                format!("invalid TLS version '{s}': expected tls1, tls1.1, tls1.2 or tls1.3"),
            )),
        }
    }
}

/// `setSSLConfig`'s config.
///
/// Example: see [`Net`](crate::Net) (its second example).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SslConfig {
    /// `minVersion` (default `tls1`, which here means TLS 1.2).
    pub min_version: Option<TlsVersion>,
    /// `maxVersion` (default `tls1.3`); `tls1` and `tls1.1` are refused.
    pub max_version: Option<TlsVersion>,
    /// `disabledCipherSuites` as `0xAABB` ids; TLS 1.3 suites cannot be disabled.
    pub disabled_cipher_suites: Vec<u16>,
}

/// The verdict of a certificate verify proc.
///
/// Example: see [`CertificateVerifyRequest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateVerdict {
    /// Trust the certificate (Electron's `0`).
    Accept,
    /// Refuse it: the request fails with `net::ERR_FAILED` (Electron's `-2`).
    Reject,
    /// Use the default verifier's result (Electron's `-3`).
    UseDefault,
    /// Fail with this error (any other Electron code).
    Error(NetError),
}

impl CertificateVerdict {
    /// The verdict Electron's callback code means; an unknown code fails with
    /// `net::ERR_CERT_INVALID`.
    ///
    /// Example: see [`CertificateVerifyRequest`].
    pub fn from_code(code: i32) -> Self {
        match code {
            0 => CertificateVerdict::Accept,
            -2 => CertificateVerdict::Reject,
            -3 => CertificateVerdict::UseDefault,
            c => CertificateVerdict::Error(NetError::from_code(c).unwrap_or(NetError::CertInvalid)),
        }
    }
}

/// What a certificate verify proc is told (Electron's `request`).
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use session_net::tls::{CertificateVerdict, verify_proc};
/// use session_net::{Net, NetConfig, new_request};
/// # let site = session_test_support::TestSite::start(); // HTTPS signed by a test CA no root store has
/// # let url = site.https_url("a.test", "/echo");
/// # let ca_der = site.ca_der().to_vec();
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let net = Net::new(NetConfig::default())?;
/// net.set_host_rules("MAP *.test 127.0.0.1".parse().unwrap());
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// net.set_certificate_verify_proc(Some(verify_proc(move |request| {
///     let what = (request.hostname.clone(), request.verification_result.clone(), request.error_code);
///     log.lock().unwrap().push((what, request.certificate.issuer_name.clone()));
///     async move { CertificateVerdict::from_code(0) } // Electron's 0: trust it
/// })));
/// assert!(net.fetch(new_request(http::Method::GET, &url, ())?).await?.ok());
/// let ((host, result, code), issuer) = seen.lock().unwrap()[0].clone();
/// assert_eq!((host.as_str(), result.as_str(), code), ("a.test", "net::ERR_CERT_AUTHORITY_INVALID", -202));
/// assert!(!issuer.is_empty());
///
/// // Without the proc, trusting the CA does the same.
/// net.set_certificate_verify_proc(None);
/// net.add_trusted_root_der(&ca_der)?;
/// assert!(net.fetch(new_request(http::Method::GET, &url, ())?).await?.ok());
/// assert_eq!(CertificateVerdict::from_code(-3), CertificateVerdict::UseDefault);
/// assert_eq!(CertificateVerdict::from_code(-2), CertificateVerdict::Reject);
/// # Ok::<_, session_net::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateVerifyRequest {
    /// The host name the connection is for (before host rules).
    pub hostname: String,
    /// The chain the server sent, leaf first.
    pub certificate: Certificate,
    /// The chain as verified (the same chain here).
    pub validated_certificate: Certificate,
    /// Whether the chain verifies against the public roots (webpki-roots) alone.
    pub is_issued_by_known_root: bool,
    /// `net::OK` or the default verifier's error name, e.g. `net::ERR_CERT_AUTHORITY_INVALID`.
    pub verification_result: String,
    /// 0 or the default verifier's error code.
    pub error_code: i32,
}

/// A certificate verify proc: async, returns a typed verdict.
///
/// Example: see [`CertificateVerifyRequest`].
pub type CertificateVerifyProc =
    Arc<dyn Fn(CertificateVerifyRequest) -> BoxFuture<'static, CertificateVerdict> + Send + Sync>;

/// Makes a [`CertificateVerifyProc`] of an async closure.
///
/// ```
/// use session_net::tls::{verify_proc, CertificateVerdict};
///
/// let proc = verify_proc(|req| async move {
///     if req.hostname == "pinned.example" { CertificateVerdict::Accept } else { CertificateVerdict::UseDefault }
/// });
/// # let _ = proc;
/// ```
pub fn verify_proc<F, Fut>(f: F) -> CertificateVerifyProc
where
    F: Fn(CertificateVerifyRequest) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = CertificateVerdict> + Send + 'static,
{
    Arc::new(move |req| Box::pin(f(req)))
}

/// Accepts the chain during the handshake (signatures are still checked) so that the real
/// verification, which may call an async proc, runs right after it.
#[derive(Debug)]
struct DeferredVerifier {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for DeferredVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

struct TlsInner {
    ssl: SslConfig,
    extra_roots: Vec<CertificateDer<'static>>,
    /// The client config and its ticket store, made on the first TLS connection.
    client: OnceLock<std::result::Result<Arc<ClientConfig>, Error>>,
    /// The public roots plus the extra ones (the shared public roots when there are none).
    anchors: Arc<[TrustAnchor<'static>]>,
}

type VerdictKey = (String, [u8; 32]);
/// The proc's verdict and the default verifier's, of one (host, leaf).
type Verdict = (
    std::result::Result<(), Error>,
    std::result::Result<(), Error>,
);
/// Verdicts of the current proc, with the proc's generation.
type Verdicts = (u64, HashMap<VerdictKey, Verdict>);

/// The TLS state of one session.
pub(crate) struct Tls {
    provider: Arc<CryptoProvider>,
    inner: RwLock<TlsInner>,
    proc: RwLock<Option<CertificateVerifyProc>>,
    verdicts: Mutex<Verdicts>,
}

/// The ring provider, made once per process and shared by every session.
static PROVIDER: LazyLock<Arc<CryptoProvider>> =
    LazyLock::new(|| Arc::new(rustls::crypto::ring::default_provider()));

/// TLS sessions a session's ticket store keeps (Chromium keeps 1,000 per context).
const RESUMABLE_SESSIONS: usize = 256;

/// webpki-roots, parsed once per process and shared by every session.
static PUBLIC_ROOTS: LazyLock<Arc<[TrustAnchor<'static>]>> =
    LazyLock::new(|| webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect());

fn client_config(provider: &Arc<CryptoProvider>, ssl: &SslConfig) -> Result<Arc<ClientConfig>> {
    let min = ssl.min_version.unwrap_or(TlsVersion::Tls1);
    let max = ssl.max_version.unwrap_or(TlsVersion::Tls1_3);
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if min <= TlsVersion::Tls1_2 && max >= TlsVersion::Tls1_2 {
        versions.push(&rustls::version::TLS12);
    }
    if max >= TlsVersion::Tls1_3 {
        versions.push(&rustls::version::TLS13);
    }
    let mut p = (**provider).clone();
    p.cipher_suites.retain(|s| match s {
        rustls::SupportedCipherSuite::Tls12(_) => {
            !ssl.disabled_cipher_suites.contains(&u16::from(s.suite()))
        }
        _ => true,
    });
    let p = Arc::new(p);
    let mut config = ClientConfig::builder_with_provider(p.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| {
            Error::new(
                NetError::SslVersionOrCipherMismatch,
                format!("the SSL config leaves no usable TLS version or cipher suite: {e}"),
            )
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(DeferredVerifier { provider: p }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config.resumption = rustls::client::Resumption::store(Arc::new(
        rustls::client::ClientSessionMemoryCache::new(RESUMABLE_SESSIONS),
    ));
    Ok(Arc::new(config))
}

/// Checks an SSL config the way Electron does before it is applied.
fn validate(ssl: &SslConfig) -> Result<()> {
    if let Some(max) = ssl.max_version
        && max < TlsVersion::Tls1_2
    {
        return Err(Error::new(
            NetError::InvalidArgument,
            format!(
                "maxVersion '{}' is not supported: use tls1.2 or tls1.3",
                version_name(max)
            ),
        ));
    }
    if let (Some(min), Some(max)) = (ssl.min_version, ssl.max_version)
        && min > max
    {
        return Err(Error::new(
            NetError::InvalidArgument,
            format!(
                "minVersion '{}' is above maxVersion '{}'",
                version_name(min),
                version_name(max)
            ),
        ));
    }
    Ok(())
}

fn version_name(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Tls1 => "tls1",
        TlsVersion::Tls1_1 => "tls1.1",
        TlsVersion::Tls1_2 => "tls1.2",
        TlsVersion::Tls1_3 => "tls1.3",
    }
}

fn handshake_error(host: &str, e: std::io::Error) -> Error {
    let detail = format!("TLS handshake with '{host}' failed: {e}");
    let kind = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::AlertReceived(a)) => match a {
            rustls::AlertDescription::HandshakeFailure
            | rustls::AlertDescription::ProtocolVersion
            | rustls::AlertDescription::InsufficientSecurity => {
                NetError::SslVersionOrCipherMismatch
            }
            _ => NetError::SslProtocolError,
        },
        Some(rustls::Error::PeerIncompatible(_)) => NetError::SslVersionOrCipherMismatch,
        Some(_) => NetError::SslProtocolError,
        None => match e.kind() {
            std::io::ErrorKind::ConnectionReset => NetError::ConnectionReset,
            std::io::ErrorKind::UnexpectedEof => NetError::ConnectionClosed,
            _ => NetError::SslProtocolError,
        },
    };
    Error::new(kind, detail)
}

impl Tls {
    pub(crate) fn new(extra_roots: Vec<CertificateDer<'static>>) -> Result<Tls> {
        let provider = PROVIDER.clone();
        let inner = Self::build(SslConfig::default(), extra_roots)?;
        Ok(Tls {
            provider,
            inner: RwLock::new(inner),
            proc: RwLock::new(None),
            verdicts: Mutex::new((0, HashMap::new())),
        })
    }

    fn build(ssl: SslConfig, extra_roots: Vec<CertificateDer<'static>>) -> Result<TlsInner> {
        let anchors = if extra_roots.is_empty() {
            PUBLIC_ROOTS.clone()
        } else {
            let mut all = PUBLIC_ROOTS.to_vec();
            for root in &extra_roots {
                let anchor = webpki::anchor_from_trusted_cert(root).map_err(|e| {
                    Error::new(
                        NetError::CertInvalid,
                        format!("cannot trust the extra root certificate: {e}"),
                    )
                })?;
                all.push(anchor.to_owned());
            }
            all.into()
        };
        Ok(TlsInner {
            client: OnceLock::new(),
            ssl,
            extra_roots,
            anchors,
        })
    }

    pub(crate) fn set_ssl_config(&self, ssl: SslConfig) -> Result<()> {
        validate(&ssl)?;
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let extra = guard.extra_roots.clone();
        *guard = Self::build(ssl, extra)?;
        Ok(())
    }

    pub(crate) fn ssl_config(&self) -> SslConfig {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .ssl
            .clone()
    }

    /// Adds trusted roots from PEM text (one or more certificates).
    pub(crate) fn add_roots_pem(&self, pem: &[u8]) -> Result<usize> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| {
                Error::new(
                    NetError::InvalidArgument,
                    format!("the CA file is not valid PEM: {e}"),
                )
            })?;
        if certs.is_empty() {
            return Err(Error::new(
                NetError::InvalidArgument,
                "the CA file holds no CERTIFICATE block",
            ));
        }
        self.add_roots(certs)
    }

    /// Adds trusted roots (DER).
    pub(crate) fn add_roots(&self, certs: Vec<CertificateDer<'static>>) -> Result<usize> {
        let n = certs.len();
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let mut extra = guard.extra_roots.clone();
        extra.extend(certs);
        *guard = Self::build(guard.ssl.clone(), extra)?;
        Ok(n)
    }

    /// Drops the ticket store: the next connection to every host is a full handshake.
    pub(crate) fn forget_sessions(&self) {
        self.inner.write().unwrap_or_else(|e| e.into_inner()).client = OnceLock::new();
    }

    /// Replaces the proc and forgets every cached verdict and TLS session.
    pub(crate) fn set_proc(&self, proc: Option<CertificateVerifyProc>) {
        *self.proc.write().unwrap_or_else(|e| e.into_inner()) = proc;
        self.forget_sessions();
        let mut v = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        v.0 += 1;
        v.1.clear();
    }

    /// TLS over `tcp` to `host`, verified; returns the stream, whether ALPN chose h2 and
    /// whether the default verifier trusted the certificate. For a `strict` host (one with an
    /// HSTS policy) the verify proc cannot accept a certificate the default verifier refused.
    /// `http1_only` offers ALPN `http/1.1` alone (a WebSocket handshake, as Chromium's).
    pub(crate) async fn connect(
        &self,
        host: &str,
        tcp: Throttled<TcpStream>,
        strict: bool,
        http1_only: bool,
    ) -> Result<(TlsStream<Throttled<TcpStream>>, bool, bool)> {
        let mut config = {
            let g = self.inner.read().unwrap_or_else(|e| e.into_inner());
            g.client
                .get_or_init(|| client_config(&self.provider, &g.ssl))
                .clone()?
        };
        if http1_only {
            let mut own = (*config).clone();
            own.alpn_protocols = vec![b"http/1.1".to_vec()];
            config = Arc::new(own);
        }
        let server_name = ServerName::try_from(host.to_string()).map_err(|_| {
            Error::new(
                NetError::InvalidUrl,
                format!("'{host}' is not a valid TLS server name"),
            )
        })?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(server_name.clone(), tcp)
            .await
            .map_err(|e| handshake_error(host, e))?;
        let (_, session) = stream.get_ref();
        let certs: Vec<CertificateDer<'static>> = session
            .peer_certificates()
            .ok_or_else(|| {
                Error::new(
                    NetError::SslProtocolError,
                    format!("'{host}' presented no certificate"),
                )
            })?
            .iter()
            .map(|c| c.clone().into_owned())
            .collect();
        let h2 = session.alpn_protocol() == Some(b"h2");
        let (verdict, default) = self.verify(host, &server_name, &certs).await?;
        let trusted = match (verdict, default) {
            (Err(e), _) => return Err(e),
            (Ok(()), Ok(())) => true,
            (Ok(()), Err(e)) if strict => {
                return Err(Error::new(
                    e.kind(),
                    format!(
                        "{}; '{host}' has an HSTS policy, so the certificate verify proc cannot accept it",
                        e.detail()
                    ),
                ));
            }
            (Ok(()), Err(_)) => false,
        };
        Ok((stream, h2, trusted))
    }

    /// The verdict on `certs` (the proc's if one is set) and the default verifier's.
    async fn verify(
        &self,
        host: &str,
        server_name: &ServerName<'_>,
        certs: &[CertificateDer<'static>],
    ) -> Result<Verdict> {
        let Some((leaf, intermediates)) = certs.split_first() else {
            return Err(Error::new(
                NetError::SslProtocolError,
                format!("'{host}' presented no certificate"),
            ));
        };
        let anchors = self
            .inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .anchors
            .clone();
        let algs = self.provider.signature_verification_algorithms.all;
        let now = UnixTime::now();
        let default: std::result::Result<(), Error> =
            verify::check(&anchors, algs, leaf, intermediates, server_name, now).map_err(|f| {
                let (kind, reason) = f.error();
                Error::new(
                    kind,
                    format!("certificate of '{host}' is not trusted: {reason}"),
                )
            });
        let proc = self.proc.read().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(proc) = proc else {
            return Ok((default.clone(), default));
        };
        let key: VerdictKey = (host.to_string(), Sha256::digest(leaf.as_ref()).into());
        let generation = {
            let v = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(r) = v.1.get(&key) {
                return Ok(r.clone());
            }
            v.0
        };
        let certificate = Certificate::from_chain(certs)?;
        let known = default.is_ok()
            && verify::check(&PUBLIC_ROOTS, algs, leaf, intermediates, server_name, now).is_ok();
        let (verification_result, error_code) = match &default {
            Ok(()) => ("net::OK".to_string(), 0),
            Err(e) => (e.kind().name().to_string(), e.code()),
        };
        let request = CertificateVerifyRequest {
            hostname: host.to_string(),
            validated_certificate: certificate.clone(),
            certificate,
            is_issued_by_known_root: known,
            verification_result,
            error_code,
        };
        let result = match proc(request).await {
            CertificateVerdict::Accept => Ok(()),
            CertificateVerdict::Reject => Err(Error::new(
                NetError::Failed,
                format!("the certificate verify proc rejected the certificate of '{host}'"),
            )),
            CertificateVerdict::UseDefault => default.clone(),
            CertificateVerdict::Error(kind) => Err(Error::new(
                kind,
                format!("the certificate verify proc failed the certificate of '{host}'"),
            )),
        };
        let verdict = (result, default);
        let mut v = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        if v.0 == generation {
            v.1.insert(key, verdict.clone());
        }
        Ok(verdict)
    }
}

/// The parameters of a net log `SSL_CONNECT` end event, as Chrome writes them: the protocol
/// version and cipher suite as numbers, whether the session was resumed from a ticket, and the
/// ALPN protocol.
pub(crate) fn connect_params(session: &rustls::ClientConnection) -> serde_json::Value {
    serde_json::json!({
        "version": session.protocol_version().map(u16::from),
        "cipher_suite": session.negotiated_cipher_suite().map(|c| u16::from(c.suite())),
        "is_resumed": session.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
        "next_proto": session
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_else(|| "http/1.1".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_codes() {
        assert_eq!(CertificateVerdict::from_code(0), CertificateVerdict::Accept);
        assert_eq!(
            CertificateVerdict::from_code(-2),
            CertificateVerdict::Reject
        );
        assert_eq!(
            CertificateVerdict::from_code(-3),
            CertificateVerdict::UseDefault
        );
        assert_eq!(
            CertificateVerdict::from_code(-202),
            CertificateVerdict::Error(NetError::CertAuthorityInvalid)
        );
        assert_eq!(
            CertificateVerdict::from_code(-9999),
            CertificateVerdict::Error(NetError::CertInvalid)
        );
    }

    #[test]
    fn ssl_config_validation_names_the_values() {
        let bad = SslConfig {
            max_version: Some(TlsVersion::Tls1_1),
            ..Default::default()
        };
        assert!(
            validate(&bad)
                .expect_err("max tls1.1")
                .to_string()
                .contains("'tls1.1'")
        );
        let inverted = SslConfig {
            min_version: Some(TlsVersion::Tls1_3),
            max_version: Some(TlsVersion::Tls1_2),
            ..Default::default()
        };
        assert!(validate(&inverted).is_err());
        assert!(
            validate(&SslConfig {
                min_version: Some(TlsVersion::Tls1),
                ..Default::default()
            })
            .is_ok()
        );
    }

    #[test]
    fn versions_and_suites_map_onto_rustls() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let only13 = SslConfig {
            min_version: Some(TlsVersion::Tls1_3),
            ..Default::default()
        };
        assert!(client_config(&provider, &only13).is_ok());
        // Disabling every TLS 1.2 suite with max tls1.2 leaves nothing to negotiate.
        let all12: Vec<u16> = provider
            .cipher_suites
            .iter()
            .filter(|s| matches!(s, rustls::SupportedCipherSuite::Tls12(_)))
            .map(|s| u16::from(s.suite()))
            .collect();
        let none = SslConfig {
            max_version: Some(TlsVersion::Tls1_2),
            disabled_cipher_suites: all12,
            ..Default::default()
        };
        let err = client_config(&provider, &none).expect_err("no suites");
        assert_eq!(err.kind(), NetError::SslVersionOrCipherMismatch);
        // TLS 1.3 suites cannot be disabled.
        let t13 = SslConfig {
            disabled_cipher_suites: vec![0x1301, 0x1302, 0x1303],
            ..Default::default()
        };
        assert!(client_config(&provider, &t13).is_ok());
    }

    #[test]
    fn tls_version_names() {
        assert_eq!("tls1.2".parse::<TlsVersion>(), Ok(TlsVersion::Tls1_2));
        assert!("ssl3".parse::<TlsVersion>().is_err());
    }
}
