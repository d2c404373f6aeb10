use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_net::{
    CertificateVerdict, CertificateVerifyProc, CertificateVerifyRequest, Net, NetError, SslConfig,
    TlsVersion,
};
use session_test_support::{TestSite, TlsVariant};
use tokio::sync::Mutex;

use crate::{get, kind, net, net_untrusting};

#[tokio::test]
async fn every_tls_variant() {
    let site = TestSite::start();
    let net = net(&site);
    let expect = [
        (TlsVariant::Valid, None),
        (TlsVariant::Expired, Some(NetError::CertDateInvalid)),
        (TlsVariant::WrongHost, Some(NetError::CertCommonNameInvalid)),
        (TlsVariant::SelfSigned, Some(NetError::CertAuthorityInvalid)),
    ];
    for (variant, error) in expect {
        let r = get(&net, &site.tls_url(variant, "a.test", "/status/200")).await;
        match error {
            None => assert_eq!(r.expect("valid").status(), 200),
            Some(e) => assert_eq!(kind(r), e, "{variant:?}"),
        }
    }
    // Without the test CA the valid chain is untrusted.
    assert_eq!(
        kind(get(&net_untrusting(), &site.https_url("a.test", "/")).await),
        NetError::CertAuthorityInvalid
    );
    // Also by IP literal (the leaf names 127.0.0.1).
    let url = format!("https://127.0.0.1:{}/status/200", site.https_port());
    assert_eq!(get(&net, &url).await.expect("ip").status(), 200);
}

type Seen = Arc<Mutex<Vec<CertificateVerifyRequest>>>;

fn recording_proc(verdict: CertificateVerdict, seen: Seen) -> CertificateVerifyProc {
    Arc::new(move |req| {
        let seen = seen.clone();
        Box::pin(async move {
            seen.lock().await.push(req);
            verdict
        })
    })
}

#[tokio::test]
async fn verify_proc_accepts_rejects_and_defers() {
    let site = TestSite::start();
    let net = net_untrusting();
    let url = site.https_url("a.test", "/status/200");

    // TLS-01: accept an untrusted chain; the proc sees the default verdict.
    let seen: Seen = Arc::default();
    net.set_certificate_verify_proc(Some(recording_proc(
        CertificateVerdict::Accept,
        seen.clone(),
    )));
    assert_eq!(get(&net, &url).await.expect("accepted").status(), 200);
    {
        let seen = seen.lock().await;
        assert_eq!(seen.len(), 1);
        let req = &seen[0];
        assert_eq!(req.hostname, "a.test");
        assert_eq!(req.verification_result, "net::ERR_CERT_AUTHORITY_INVALID");
        assert_eq!(req.error_code, -202);
        assert!(!req.is_issued_by_known_root);
        // TLS-02: the Certificate structure.
        let cert = &req.certificate;
        assert!(cert.data.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(cert.fingerprint.starts_with("sha256/"));
        assert!(!cert.serial_number.is_empty());
        assert!(cert.valid_start < cert.valid_expiry);
        assert_eq!(cert.issuer_name, cert.issuer.common_name);
        assert!(!cert.issuer_name.is_empty());
        if let Some(issuer) = &cert.issuer_cert {
            assert_eq!(issuer.subject_name, cert.issuer_name);
        }
    }

    // TLS-02: reject fails with ERR_FAILED (new proc: the cached verdict is gone).
    net.set_certificate_verify_proc(Some(recording_proc(
        CertificateVerdict::Reject,
        Arc::default(),
    )));
    assert_eq!(kind(get(&net, &url).await), NetError::Failed);

    // TLS-03: use the default verdict.
    net.set_certificate_verify_proc(Some(recording_proc(
        CertificateVerdict::UseDefault,
        Arc::default(),
    )));
    assert_eq!(kind(get(&net, &url).await), NetError::CertAuthorityInvalid);

    // Any other code fails with that error.
    net.set_certificate_verify_proc(Some(recording_proc(
        CertificateVerdict::from_code(-201),
        Arc::default(),
    )));
    assert_eq!(kind(get(&net, &url).await), NetError::CertDateInvalid);

    // TLS-06: None restores the default.
    net.set_certificate_verify_proc(None);
    assert_eq!(kind(get(&net, &url).await), NetError::CertAuthorityInvalid);
}

#[tokio::test]
async fn verdicts_are_cached_until_the_proc_changes() {
    let site = TestSite::start();
    let net = net(&site);
    let calls = Arc::new(AtomicUsize::new(0));
    let counting = |calls: Arc<AtomicUsize>, verdict| -> CertificateVerifyProc {
        Arc::new(move |_req| {
            calls.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move { verdict })
        })
    };
    net.set_certificate_verify_proc(Some(counting(calls.clone(), CertificateVerdict::Accept)));
    // TLS-04: a second load on a new connection to the same host does not call the proc again.
    get(&net, &site.https_url("a.test", "/status/200"))
        .await
        .expect("first");
    net.close_all_connections();
    get(&net, &site.https_url("a.test", "/status/201"))
        .await
        .expect("second");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // USER-PAINS 13: a new proc flushes the cache and the pooled connections: it is asked.
    let calls2 = Arc::new(AtomicUsize::new(0));
    net.set_certificate_verify_proc(Some(counting(calls2.clone(), CertificateVerdict::Reject)));
    assert_eq!(
        kind(get(&net, &site.https_url("a.test", "/status/200")).await),
        NetError::Failed
    );
    assert_eq!(calls2.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_proc_on_another_session_does_not_disturb_requests() {
    // TLS-05
    let site = TestSite::start();
    let a = net(&site);
    let b = net(&site);
    let url = site.https_url("a.test", "/drip?bytes=200&chunk=20&delay_ms=10");
    let mut r = get(&a, &url).await.expect("a in flight");
    b.set_certificate_verify_proc(Some(recording_proc(
        CertificateVerdict::Reject,
        Arc::default(),
    )));
    let mut n = 0;
    while let Some(c) = r.chunk().await.expect("a keeps streaming") {
        n += c.len();
    }
    assert_eq!(n, 200);
}

#[tokio::test]
async fn ssl_config() {
    let site = TestSite::start();
    let net = net(&site);
    let only13 = SslConfig {
        min_version: Some(TlsVersion::Tls1_3),
        ..Default::default()
    };
    net.set_ssl_config(only13.clone()).expect("tls1.3 only");
    assert_eq!(net.ssl_config(), only13);
    assert_eq!(
        get(&net, &site.https_url("a.test", "/status/200"))
            .await
            .expect("1.3")
            .status(),
        200
    );
    let only12 = SslConfig {
        max_version: Some(TlsVersion::Tls1_2),
        ..Default::default()
    };
    net.set_ssl_config(only12).expect("tls1.2 only");
    assert_eq!(
        get(&net, &site.https_url("a.test", "/status/200"))
            .await
            .expect("1.2")
            .status(),
        200
    );
    // rustls has no TLS 1.1: refused with a clear error.
    let err = net
        .set_ssl_config(SslConfig {
            max_version: Some(TlsVersion::Tls1_1),
            ..Default::default()
        })
        .expect_err("tls1.1");
    assert!(err.to_string().contains("tls1.1"), "{err}");
    // Every TLS 1.2 suite disabled with max TLS 1.2: nothing to negotiate (TLS-07's error).
    let all12 = vec![0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8];
    net.set_ssl_config(SslConfig {
        max_version: Some(TlsVersion::Tls1_2),
        disabled_cipher_suites: all12,
        ..Default::default()
    })
    .expect("accepted, fails on connect");
    assert_eq!(
        kind(get(&net, &site.https_url("a.test", "/status/200")).await),
        NetError::SslVersionOrCipherMismatch
    );
}

/// A certificate and key made by the `openssl` command, PEM.
struct OpensslCert {
    cert: String,
    key: String,
}

/// `openssl req -x509` as a developer runs it (the certificate comes out `CA:TRUE`); `None`
/// with a printed reason when the command is absent.
fn openssl_self_signed(key: &[&str], days: &str) -> Option<OpensslCert> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let mut args = vec!["req", "-x509", "-nodes", "-newkey"];
    args.extend_from_slice(key);
    args.extend_from_slice(&[
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,DNS:a.test",
        "-days",
        days,
        "-keyout",
    ]);
    let out = std::process::Command::new("openssl")
        .args(&args)
        .arg(&k)
        .arg("-out")
        .arg(&c)
        .output();
    match out {
        Err(e) => {
            eprintln!("skipped: the openssl command is not available ({e})");
            None
        }
        Ok(o) => {
            assert!(
                o.status.success(),
                "openssl req failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(OpensslCert {
                cert: std::fs::read_to_string(&c).expect("cert.pem"),
                key: std::fs::read_to_string(&k).expect("key.pem"),
            })
        }
    }
}

/// A TLS server on 127.0.0.1 presenting `cert_pem` that answers every request `200 ok`;
/// returns its port. It runs until the test's runtime ends.
async fn serve_tls(cert_pem: &str, key_pem: &str) -> u16 {
    serve_tls_logged(cert_pem, key_pem, Handshakes::default()).await
}

/// Whether each accepted connection resumed a TLS session, in order.
type Handshakes = Arc<std::sync::Mutex<Vec<bool>>>;

async fn serve_tls_logged(cert_pem: &str, key_pem: &str, handshakes: Handshakes) -> u16 {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("certificate PEM");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key PEM");
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("key matches certificate");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let handshakes = handshakes.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let resumed =
                    tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
                handshakes.lock().expect("log").push(resumed);
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn net_trusting(pem: &str) -> Net {
    let net = net_untrusting();
    net.add_trusted_roots_pem(pem.as_bytes())
        .expect("trust the certificate");
    net
}

#[tokio::test]
async fn a_trusted_openssl_self_signed_certificate_is_accepted() {
    // TLS-03: Chromium's verdict for a developer certificate, trusted and not.
    for key in [
        &["rsa:2048"][..],
        &["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"][..],
    ] {
        let Some(c) = openssl_self_signed(key, "30") else {
            return;
        };
        let port = serve_tls(&c.cert, &c.key).await;
        for host in ["localhost", "a.test"] {
            let url = format!("https://{host}:{port}/");
            let r = get(&net_trusting(&c.cert), &url).await;
            assert_eq!(r.expect("trusted CA:TRUE leaf").status(), 200, "{key:?}");
            // Not trusted: an unknown authority, as Chrome says of a self-signed certificate.
            assert_eq!(
                kind(get(&net_untrusting(), &url).await),
                NetError::CertAuthorityInvalid,
                "{key:?}"
            );
        }
        // Trusted but for another name: the name is still checked.
        let url = format!("https://b.test:{port}/");
        assert_eq!(
            kind(get(&net_trusting(&c.cert), &url).await),
            NetError::CertCommonNameInvalid
        );
    }
}

/// A self-signed `CA:TRUE` certificate for `localhost` made by rcgen, and its key, PEM.
fn rcgen_ca_leaf(expired: bool) -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let cert = params.self_signed(&key).expect("self-signed");
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn an_expired_certificate_is_first_of_all_untrusted() {
    // TLS-03: expired and self-signed: Chromium's precedence puts the authority first.
    // (`openssl req` refuses a validity in the past, so rcgen makes this one.)
    let (cert, key) = rcgen_ca_leaf(true);
    let port = serve_tls(&cert, &key).await;
    let url = format!("https://localhost:{port}/");
    assert_eq!(
        kind(get(&net_untrusting(), &url).await),
        NetError::CertAuthorityInvalid
    );
    // Trusted, it is only expired.
    assert_eq!(
        kind(get(&net_trusting(&cert), &url).await),
        NetError::CertDateInvalid
    );
}

#[tokio::test]
async fn an_rcgen_ca_leaf_trusted_as_itself_is_accepted() {
    // TLS-03, the same with rcgen: a CA certificate serving as its own leaf.
    let (cert, key) = rcgen_ca_leaf(false);
    let port = serve_tls(&cert, &key).await;
    let url = format!("https://localhost:{port}/");
    assert_eq!(
        get(&net_trusting(&cert), &url)
            .await
            .expect("trusted")
            .status(),
        200
    );
    // The verify proc is handed the same name and code.
    let seen: Seen = Arc::default();
    let net = net_untrusting();
    net.set_certificate_verify_proc(Some(recording_proc(
        CertificateVerdict::UseDefault,
        seen.clone(),
    )));
    assert_eq!(kind(get(&net, &url).await), NetError::CertAuthorityInvalid);
    let seen = seen.lock().await;
    assert_eq!(
        seen[0].verification_result,
        "net::ERR_CERT_AUTHORITY_INVALID"
    );
    assert_eq!(seen[0].error_code, -202);
}

#[tokio::test]
async fn tls_sessions_resume_within_a_session_only() {
    // A session resumes its own TLS sessions, never another partition's, and forgets
    // them when its TLS policy changes or its connections are closed. The server closes each
    // connection after one answer, so every request is a new handshake.
    let (cert, key) = rcgen_ca_leaf(false);
    let log = Handshakes::default();
    let port = serve_tls_logged(&cert, &key, log.clone()).await;
    let url = format!("https://localhost:{port}/");
    let a = net_trusting(&cert);
    let b = net_trusting(&cert);
    let dir = tempfile::tempdir().expect("dir");
    let netlog_path = dir.path().join("a.json");
    a.net_log()
        .start_logging(&netlog_path, session_net::NetLogOptions::new())
        .expect("net log");
    let mut expect = Vec::new();
    for (net, resumed) in [(&a, false), (&a, true), (&b, false), (&b, true), (&a, true)] {
        assert_eq!(get(net, &url).await.expect("get").status(), 200);
        expect.push(resumed);
    }
    // A new verify proc, SSL config or root, or closed connections: a full handshake.
    a.set_certificate_verify_proc(None);
    get(&a, &url).await.expect("after proc");
    expect.push(false);
    a.set_ssl_config(SslConfig::default()).expect("ssl config");
    get(&a, &url).await.expect("after ssl config");
    expect.push(false);
    a.close_all_connections();
    get(&a, &url).await.expect("after closing connections");
    expect.push(false);
    get(&a, &url).await.expect("resumed again");
    expect.push(true);
    assert_eq!(*log.lock().expect("log"), expect);
    // The net log of `a` says which handshakes resumed, as Chrome's SSL_CONNECT end event.
    a.net_log().stop_logging().expect("stop");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&netlog_path).expect("read")).expect("json");
    let ssl_connect = v["constants"]["logEventTypes"]["SSL_CONNECT"].clone();
    let resumed: Vec<bool> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == ssl_connect && e["phase"] == 2)
        .map(|e| {
            assert_eq!(e["params"]["next_proto"], "http/1.1");
            assert!(e["params"]["version"].as_u64().is_some(), "{e}");
            e["params"]["is_resumed"].as_bool().expect("is_resumed")
        })
        .collect();
    let a_only: Vec<bool> = [0, 1, 4, 5, 6, 7, 8].iter().map(|&i| expect[i]).collect();
    assert_eq!(resumed, a_only);
}
