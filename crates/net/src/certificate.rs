//! Electron's `Certificate` structure, parsed from DER.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use crate::error::{Error, NetError, Result};

/// Electron's `CertificatePrincipal`.
///
/// Example: see [`Certificate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificatePrincipal {
    /// Common Name.
    pub common_name: String,
    /// Organization names.
    pub organizations: Vec<String>,
    /// Organization unit names.
    pub organization_units: Vec<String>,
    /// Locality.
    pub locality: String,
    /// State or province.
    pub state: String,
    /// Country or region.
    pub country: String,
}

/// Electron's `Certificate`.
///
/// ```
/// use session_net::certificate::{Certificate, der_to_pem, fingerprint};
/// # let site = session_test_support::TestSite::start(); // its test CA, as DER
/// # let ca_der = site.ca_der().to_vec();
///
/// let ca = Certificate::from_der(&ca_der).unwrap();
/// assert_eq!(ca.subject_name, ca.issuer_name); // a self-signed root
/// assert!(ca.issuer_cert.is_none());
/// assert!(ca.valid_start < ca.valid_expiry);
/// assert_eq!(ca.fingerprint, fingerprint(&ca_der));
/// assert!(ca.fingerprint.starts_with("sha256/"));
/// assert_eq!(ca.data, der_to_pem(&ca_der));
/// assert!(ca.data.starts_with("-----BEGIN CERTIFICATE-----\n"));
/// assert_eq!(Certificate::from_chain(&[&ca_der]).unwrap().serial_number, ca.serial_number);
/// assert!(Certificate::from_der(b"not DER").is_err());
/// ```
/// A server's chain as a verify proc sees it: see
/// [`CertificateVerifyRequest`](crate::tls::CertificateVerifyRequest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// PEM encoded data.
    pub data: String,
    /// Issuer principal.
    pub issuer: CertificatePrincipal,
    /// Issuer's Common Name.
    pub issuer_name: String,
    /// Issuer certificate, when the chain carried it and the certificate is not self-signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_cert: Option<Box<Certificate>>,
    /// Subject principal.
    pub subject: CertificatePrincipal,
    /// Subject's Common Name.
    pub subject_name: String,
    /// Serial number as upper-case hex.
    pub serial_number: String,
    /// Start of validity, seconds since the Unix epoch.
    pub valid_start: i64,
    /// End of validity, seconds since the Unix epoch.
    pub valid_expiry: i64,
    /// `sha256/<base64 of the SHA-256 of the DER>`.
    pub fingerprint: String,
}

fn principal(name: &X509Name<'_>) -> CertificatePrincipal {
    fn all<'a>(
        it: impl Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>,
    ) -> Vec<String> {
        it.filter_map(|a| a.as_str().ok().map(str::to_string))
            .collect()
    }
    let first = |v: Vec<String>| v.into_iter().next().unwrap_or_default();
    CertificatePrincipal {
        common_name: first(all(name.iter_common_name())),
        organizations: all(name.iter_organization()),
        organization_units: all(name.iter_organizational_unit()),
        locality: first(all(name.iter_locality())),
        state: first(all(name.iter_state_or_province())),
        country: first(all(name.iter_country())),
    }
}

/// PEM text of one DER certificate.
///
/// Example: see [`Certificate`].
pub fn der_to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// `sha256/<base64>` of a DER certificate, as Chromium prints fingerprints.
///
/// Example: see [`Certificate`].
pub fn fingerprint(der: &[u8]) -> String {
    format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(der))
    )
}

impl Certificate {
    /// Parses one DER certificate (no issuer attached).
    ///
    /// Example: see [`Certificate`].
    pub fn from_der(der: &[u8]) -> Result<Certificate> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| {
            Error::new(
                NetError::CertContainsErrors,
                format!("certificate does not parse as X.509 DER: {e}"),
            )
        })?;
        let subject = principal(cert.subject());
        let issuer = principal(cert.issuer());
        Ok(Certificate {
            data: der_to_pem(der),
            issuer_name: issuer.common_name.clone(),
            subject_name: subject.common_name.clone(),
            issuer,
            subject,
            issuer_cert: None,
            serial_number: hex::encode_upper(cert.raw_serial()),
            valid_start: cert.validity().not_before.timestamp(),
            valid_expiry: cert.validity().not_after.timestamp(),
            fingerprint: fingerprint(der),
        })
    }

    /// Parses a chain, leaf first; each certificate's `issuer_cert` is the next one, unless it is
    /// self-signed.
    ///
    /// Example: see [`Certificate`].
    pub fn from_chain<D: AsRef<[u8]>>(chain: &[D]) -> Result<Certificate> {
        let mut parsed: Vec<Certificate> = chain
            .iter()
            .map(|d| Certificate::from_der(d.as_ref()))
            .collect::<Result<_>>()?;
        let mut issuer: Option<Box<Certificate>> = None;
        while let Some(mut cert) = parsed.pop() {
            let self_signed = cert.subject == cert.issuer;
            if !self_signed {
                cert.issuer_cert = issuer.take();
            }
            issuer = Some(Box::new(cert));
        }
        issuer.map(|b| *b).ok_or_else(|| {
            Error::new(
                NetError::CertContainsErrors,
                "the server sent no certificate",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_der_is_an_error_not_a_panic() {
        let err = Certificate::from_der(b"not a certificate").expect_err("garbage");
        assert_eq!(err.kind(), NetError::CertContainsErrors);
        assert!(Certificate::from_chain::<&[u8]>(&[]).is_err());
    }

    #[test]
    fn pem_wraps_at_64() {
        let pem = der_to_pem(&[0u8; 100]);
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert!(fingerprint(b"x").starts_with("sha256/"));
    }
}
