//! The test CA and the leaf certificates of each TLS variant.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Names the valid leaf certificate covers.
pub const LEAF_NAMES: &[&str] = &[
    "*.test",
    "a.test",
    "b.test",
    "c.test",
    "localhost",
    "127.0.0.1",
];

/// The certificate a TLS listener presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsVariant {
    /// Issued by the test CA for [`LEAF_NAMES`], valid now.
    Valid,
    /// Issued by the test CA for [`LEAF_NAMES`], expired yesterday.
    Expired,
    /// Issued by the test CA, valid now, but only for `wrong.example`.
    WrongHost,
    /// Valid now for [`LEAF_NAMES`], but self-signed (no chain to the test CA).
    SelfSigned,
}

impl TlsVariant {
    /// Every variant, valid first.
    pub const ALL: [TlsVariant; 4] = [
        TlsVariant::Valid,
        TlsVariant::Expired,
        TlsVariant::WrongHost,
        TlsVariant::SelfSigned,
    ];
}

/// A test CA and one leaf per [`TlsVariant`], generated fresh (ECDSA P-256).
pub struct TestPki {
    ca_der: CertificateDer<'static>,
    ca_pem: String,
    leaves: Vec<(
        TlsVariant,
        Vec<CertificateDer<'static>>,
        PrivatePkcs8KeyDer<'static>,
    )>,
}

impl TestPki {
    /// Generates the CA and the leaves.
    pub fn generate() -> Self {
        let ca_key = KeyPair::generate().expect("generate CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "session test CA");
        ca_params
            .distinguished_name
            .push(DnType::OrganizationName, "session tests");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = OffsetDateTime::now_utc();
        ca_params.not_before = now - Duration::days(30);
        ca_params.not_after = now + Duration::days(3650);
        let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign CA");
        let ca_der = ca_cert.der().clone();
        let ca_pem = ca_cert.pem();
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf = |names: &[&str], not_before, not_after, signed: bool| {
            let key = KeyPair::generate().expect("generate leaf key");
            let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            let mut params = CertificateParams::new(names).expect("leaf params");
            params
                .distinguished_name
                .push(DnType::CommonName, "session test site");
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.use_authority_key_identifier_extension = signed;
            params.not_before = not_before;
            params.not_after = not_after;
            let (chain, key_der) = if signed {
                let cert = params.signed_by(&key, &issuer).expect("sign leaf");
                (
                    vec![cert.der().clone(), ca_der.clone()],
                    key.serialize_der(),
                )
            } else {
                let cert = params.self_signed(&key).expect("self-sign leaf");
                (vec![cert.der().clone()], key.serialize_der())
            };
            (chain, PrivatePkcs8KeyDer::from(key_der))
        };
        let valid_from = now - Duration::days(1);
        let valid_to = now + Duration::days(365);
        let mut leaves = Vec::new();
        let (c, k) = leaf(LEAF_NAMES, valid_from, valid_to, true);
        leaves.push((TlsVariant::Valid, c, k));
        let (c, k) = leaf(
            LEAF_NAMES,
            now - Duration::days(60),
            now - Duration::days(1),
            true,
        );
        leaves.push((TlsVariant::Expired, c, k));
        let (c, k) = leaf(&["wrong.example"], valid_from, valid_to, true);
        leaves.push((TlsVariant::WrongHost, c, k));
        let (c, k) = leaf(LEAF_NAMES, valid_from, valid_to, false);
        leaves.push((TlsVariant::SelfSigned, c, k));
        TestPki {
            ca_der,
            ca_pem,
            leaves,
        }
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.ca_der
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The chain a listener of `variant` presents (leaf first).
    pub fn chain(&self, variant: TlsVariant) -> &[CertificateDer<'static>] {
        self.leaves
            .iter()
            .find(|(v, _, _)| *v == variant)
            .map(|(_, c, _)| c.as_slice())
            .expect("every variant has a leaf")
    }

    /// A rustls server config (ring provider, ALPN `h2`, `http/1.1`) presenting `variant`.
    pub fn server_config(&self, variant: TlsVariant) -> Arc<rustls::ServerConfig> {
        let (_, chain, key) = self
            .leaves
            .iter()
            .find(|(v, _, _)| *v == variant)
            .expect("every variant has a leaf");
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain.clone(), PrivateKeyDer::Pkcs8(key.clone_key()))
        .expect("leaf key matches its certificate");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }

    /// A rustls client config (ring provider) trusting only the test CA, offering `h2` and
    /// `http/1.1`.
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(self.ca_der.clone())
            .expect("the test CA is a valid trust anchor");
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}
