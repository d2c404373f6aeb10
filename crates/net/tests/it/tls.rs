use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_net::{
    CertificateVerdict, CertificateVerifyProc, CertificateVerifyRequest, NetError, SslConfig,
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
