//! Chain verification with Chromium's certificate status: which checks fail, and the one error
//! Chromium reports for them.
//!
//! webpki stops at the first failure of a path, so one check says too little: an expired,
//! self-signed certificate is first of all expired to webpki, and first of all untrusted to
//! Chromium. Here the name is checked on its own, a date failure is followed by a second path
//! check at a time inside the leaf's validity (to learn whether the issuer is also unknown),
//! and the collected status bits give the error by Chromium's precedence
//! (`MapCertStatusToNetError`: invalid, revoked, authority, common name, weak signature, date,
//! revocation unknown).
//!
//! A leaf that is itself a trust anchor (same subject and public key as a configured root) is
//! trusted as it is, whatever its basic constraints: `openssl req -x509` marks its certificates
//! `CA:TRUE`, which webpki refuses as an end entity, while curl and Chrome accept them once
//! trusted. Its name and dates are still checked.

use std::ops::BitOr;

use rustls_pki_types::{
    CertificateDer, ServerName, SignatureVerificationAlgorithm, TrustAnchor, UnixTime,
};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::NetError;

/// Chromium's certificate status bits (`net/cert/cert_status_flags.h`) a check here can set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CertStatus(u16);

impl CertStatus {
    pub(crate) const COMMON_NAME_INVALID: CertStatus = CertStatus(1 << 0);
    pub(crate) const DATE_INVALID: CertStatus = CertStatus(1 << 1);
    pub(crate) const AUTHORITY_INVALID: CertStatus = CertStatus(1 << 2);
    pub(crate) const UNABLE_TO_CHECK_REVOCATION: CertStatus = CertStatus(1 << 5);
    pub(crate) const REVOKED: CertStatus = CertStatus(1 << 6);
    pub(crate) const INVALID: CertStatus = CertStatus(1 << 7);
    pub(crate) const WEAK_SIGNATURE_ALGORITHM: CertStatus = CertStatus(1 << 8);

    /// Chromium's precedence, most serious first.
    const PRECEDENCE: [(CertStatus, NetError); 7] = [
        (CertStatus::INVALID, NetError::CertInvalid),
        (CertStatus::REVOKED, NetError::CertRevoked),
        (
            CertStatus::AUTHORITY_INVALID,
            NetError::CertAuthorityInvalid,
        ),
        (
            CertStatus::COMMON_NAME_INVALID,
            NetError::CertCommonNameInvalid,
        ),
        (
            CertStatus::WEAK_SIGNATURE_ALGORITHM,
            NetError::CertWeakSignatureAlgorithm,
        ),
        (CertStatus::DATE_INVALID, NetError::CertDateInvalid),
        (
            CertStatus::UNABLE_TO_CHECK_REVOCATION,
            NetError::CertUnableToCheckRevocation,
        ),
    ];

    fn contains(self, other: CertStatus) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// The one error Chromium reports for this status, `None` when nothing failed.
    pub(crate) fn error(self) -> Option<NetError> {
        CertStatus::PRECEDENCE
            .iter()
            .find(|(bit, _)| self.contains(*bit))
            .map(|(_, e)| *e)
    }
}

impl BitOr for CertStatus {
    type Output = CertStatus;
    fn bitor(self, rhs: CertStatus) -> CertStatus {
        CertStatus(self.0 | rhs.0)
    }
}

/// The status bit Chromium's verifier sets for what webpki found (its path builder's errors
/// mapped as `cert_verify_proc_builtin.cc` maps its own).
#[allow(deprecated)]
pub(crate) fn status_of(e: &webpki::Error) -> CertStatus {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer
        | E::CertDistrusted
        | E::InvalidSignatureForPublicKey
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => CertStatus::AUTHORITY_INVALID,
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => {
            CertStatus::DATE_INVALID
        }
        E::CertNotValidForName(_) => CertStatus::COMMON_NAME_INVALID,
        E::CertRevoked => CertStatus::REVOKED,
        // SHA-1 and MD5 signatures are what webpki does not support in the wild.
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            CertStatus::WEAK_SIGNATURE_ALGORITHM
        }
        // Revocation lists are never configured; these only say revocation is unknown.
        E::UnknownRevocationStatus
        | E::CrlExpired { .. }
        | E::IssuerNotCrlSigner
        | E::InvalidCrlNumber
        | E::InvalidCrlSignatureForPublicKey
        | E::UnsupportedCrlIssuingDistributionPoint
        | E::UnsupportedCrlVersion
        | E::UnsupportedDeltaCrl
        | E::UnsupportedIndirectCrl
        | E::UnsupportedRevocationReason
        | E::UnsupportedRevocationReasonsPartitioning
        | E::UnsupportedCrlSignatureAlgorithm
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKey
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            CertStatus::UNABLE_TO_CHECK_REVOCATION
        }
        // Malformed certificates, wrong usage, broken constraints: Chromium's general failure.
        _ => CertStatus::INVALID,
    }
}

/// Why a chain failed: the status bits and, for each, what webpki said.
#[derive(Debug, Default)]
pub(crate) struct Failure {
    pub(crate) status: CertStatus,
    reasons: Vec<(CertStatus, String)>,
}

impl Failure {
    fn add(&mut self, status: CertStatus, reason: String) {
        self.status = self.status | status;
        self.reasons.push((status, reason));
    }

    /// The error Chromium reports and what caused it.
    pub(crate) fn error(&self) -> (NetError, &str) {
        let kind = self.status.error().unwrap_or(NetError::CertInvalid);
        let reason = self
            .reasons
            .iter()
            .find(|(s, _)| s.error() == Some(kind))
            .map(|(_, r)| r.as_str())
            .unwrap_or("rejected");
        (kind, reason)
    }
}

fn is_date(e: &webpki::Error) -> bool {
    status_of(e) == CertStatus::DATE_INVALID
}

/// Whether `leaf` is one of `anchors` (same subject and public key).
fn is_anchor(anchors: &[TrustAnchor<'_>], leaf: &CertificateDer<'_>) -> bool {
    let Ok(own) = webpki::anchor_from_trusted_cert(leaf) else {
        return false;
    };
    anchors.iter().any(|a| {
        a.subject.as_ref() == own.subject.as_ref()
            && a.subject_public_key_info.as_ref() == own.subject_public_key_info.as_ref()
    })
}

/// The leaf's validity (seconds since the epoch) and whether it is self-issued.
fn leaf_facts(leaf: &CertificateDer<'_>) -> Option<(i64, i64, bool)> {
    let (_, cert) = X509Certificate::from_der(leaf.as_ref()).ok()?;
    Some((
        cert.validity().not_before.timestamp(),
        cert.validity().not_after.timestamp(),
        cert.subject().as_raw() == cert.issuer().as_raw(),
    ))
}

fn at(secs: i64) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs.max(0) as u64))
}

/// Verifies `leaf` (with `intermediates`) for `name` at `now` against `anchors`.
pub(crate) fn check(
    anchors: &[TrustAnchor<'_>],
    algs: &[&dyn SignatureVerificationAlgorithm],
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), Failure> {
    let mut failure = Failure::default();
    let ee = match EndEntityCert::try_from(leaf) {
        Ok(ee) => ee,
        Err(e) => {
            failure.add(status_of(&e), format!("{e:?}"));
            return Err(failure);
        }
    };
    if let Err(e) = ee.verify_is_valid_for_subject_name(name) {
        failure.add(status_of(&e), format!("{e:?}"));
    }
    let path = |time| {
        ee.verify_for_usage(
            algs,
            anchors,
            intermediates,
            time,
            KeyUsage::server_auth(),
            None,
            None,
        )
        .map(|_| ())
    };
    if let Err(e) = path(now) {
        let facts = leaf_facts(leaf);
        if is_anchor(anchors, leaf) {
            // Trusted as it is: only its own dates can fail.
            if let Some((start, end, _)) = facts {
                let t = now.as_secs() as i64;
                if t < start || t > end {
                    failure.add(CertStatus::DATE_INVALID, format!("{e:?}"));
                }
            }
        } else {
            add_path_error(&mut failure, &e, facts);
            if is_date(&e)
                && let Some((start, end, _)) = facts
                && end >= start
                && let Err(e2) = path(at(start + (end - start) / 2))
                && !is_date(&e2)
            {
                add_path_error(&mut failure, &e2, facts);
            }
        }
    }
    if failure.status == CertStatus::default() {
        Ok(())
    } else {
        Err(failure)
    }
}

fn add_path_error(failure: &mut Failure, e: &webpki::Error, facts: Option<(i64, i64, bool)>) {
    // webpki refuses a CA certificate as a leaf before it looks for an issuer; a self-issued
    // one that is not an anchor has, to Chromium, first of all an unknown issuer.
    let status = match (e, facts) {
        (webpki::Error::CaUsedAsEndEntity, Some((_, _, true))) => CertStatus::AUTHORITY_INVALID,
        _ => status_of(e),
    };
    failure.add(status, format!("{e:?}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::DnsName;
    use webpki::{
        DerTypeId, InvalidNameContext, RequiredEkuNotFoundContext,
        UnsupportedSignatureAlgorithmContext, UnsupportedSignatureAlgorithmForPublicKeyContext,
    };

    #[test]
    #[allow(deprecated)]
    fn every_webpki_error_has_chromiums_name() {
        use webpki::Error as E;
        let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1));
        let alg = || UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id: vec![],
            supported_algorithms: vec![],
        };
        let alg_key = || UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id: vec![],
            public_key_algorithm_id: vec![],
        };
        let name = InvalidNameContext {
            expected: ServerName::DnsName(DnsName::try_from("a.test").expect("name").to_owned()),
            presented: vec!["b.test".into()],
        };
        let eku = RequiredEkuNotFoundContext {
            required: KeyUsage::server_auth(),
            present: vec![],
        };
        use NetError::*;
        let table: Vec<(E, NetError)> = vec![
            (E::BadDer, CertInvalid),
            (E::BadDerTime, CertInvalid),
            (E::CaUsedAsEndEntity, CertInvalid),
            (E::CertDistrusted, CertAuthorityInvalid),
            (
                E::CertExpired {
                    time: t,
                    not_after: t,
                },
                CertDateInvalid,
            ),
            (E::CertNotValidForName(name), CertCommonNameInvalid),
            (
                E::CertNotValidYet {
                    time: t,
                    not_before: t,
                },
                CertDateInvalid,
            ),
            (E::CertRevoked, CertRevoked),
            (
                E::CrlExpired {
                    time: t,
                    next_update: t,
                },
                CertUnableToCheckRevocation,
            ),
            (E::EmptyEkuExtension, CertInvalid),
            (E::EndEntityUsedAsCa, CertInvalid),
            (E::ExtensionValueInvalid, CertInvalid),
            (E::InvalidCertValidity, CertDateInvalid),
            (E::InvalidCrlNumber, CertUnableToCheckRevocation),
            (E::InvalidNetworkMaskConstraint, CertInvalid),
            (E::InvalidSerialNumber, CertInvalid),
            (
                E::InvalidCrlSignatureForPublicKey,
                CertUnableToCheckRevocation,
            ),
            (E::InvalidSignatureForPublicKey, CertAuthorityInvalid),
            (E::IssuerNotCrlSigner, CertUnableToCheckRevocation),
            (E::MalformedDnsIdentifier, CertInvalid),
            (E::MalformedExtensions, CertInvalid),
            (E::MalformedNameConstraint, CertInvalid),
            (
                E::MaximumNameConstraintComparisonsExceeded,
                CertAuthorityInvalid,
            ),
            (E::MaximumPathBuildCallsExceeded, CertAuthorityInvalid),
            (E::MaximumPathDepthExceeded, CertAuthorityInvalid),
            (E::MaximumSignatureChecksExceeded, CertAuthorityInvalid),
            (E::NameConstraintViolation, CertInvalid),
            (E::PathLenConstraintViolated, CertInvalid),
            (E::RequiredEkuNotFound, CertInvalid),
            (E::RequiredEkuNotFoundContext(eku), CertInvalid),
            (E::SignatureAlgorithmMismatch, CertInvalid),
            (E::TrailingData(DerTypeId::Certificate), CertInvalid),
            (E::UnknownIssuer, CertAuthorityInvalid),
            (E::UnknownRevocationStatus, CertUnableToCheckRevocation),
            (E::UnsupportedCertVersion, CertInvalid),
            (E::UnsupportedCriticalExtension, CertInvalid),
            (
                E::UnsupportedCrlIssuingDistributionPoint,
                CertUnableToCheckRevocation,
            ),
            (E::UnsupportedCrlVersion, CertUnableToCheckRevocation),
            (E::UnsupportedDeltaCrl, CertUnableToCheckRevocation),
            (E::UnsupportedIndirectCrl, CertUnableToCheckRevocation),
            (E::UnsupportedNameType, CertInvalid),
            (E::UnsupportedRevocationReason, CertUnableToCheckRevocation),
            (
                E::UnsupportedRevocationReasonsPartitioning,
                CertUnableToCheckRevocation,
            ),
            (
                E::UnsupportedCrlSignatureAlgorithm,
                CertUnableToCheckRevocation,
            ),
            (
                E::UnsupportedCrlSignatureAlgorithmContext(alg()),
                CertUnableToCheckRevocation,
            ),
            (E::UnsupportedSignatureAlgorithm, CertWeakSignatureAlgorithm),
            (
                E::UnsupportedSignatureAlgorithmContext(alg()),
                CertWeakSignatureAlgorithm,
            ),
            (
                E::UnsupportedCrlSignatureAlgorithmForPublicKey,
                CertUnableToCheckRevocation,
            ),
            (
                E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(alg_key()),
                CertUnableToCheckRevocation,
            ),
            (
                E::UnsupportedSignatureAlgorithmForPublicKey,
                CertWeakSignatureAlgorithm,
            ),
            (
                E::UnsupportedSignatureAlgorithmForPublicKeyContext(alg_key()),
                CertWeakSignatureAlgorithm,
            ),
        ];
        for (e, want) in table {
            assert_eq!(status_of(&e).error(), Some(want), "{e:?}");
        }
    }

    #[test]
    fn precedence_is_chromiums() {
        let s = CertStatus::DATE_INVALID | CertStatus::AUTHORITY_INVALID;
        assert_eq!(s.error(), Some(NetError::CertAuthorityInvalid));
        let s = CertStatus::DATE_INVALID | CertStatus::COMMON_NAME_INVALID;
        assert_eq!(s.error(), Some(NetError::CertCommonNameInvalid));
        let s = CertStatus::COMMON_NAME_INVALID | CertStatus::AUTHORITY_INVALID;
        assert_eq!(s.error(), Some(NetError::CertAuthorityInvalid));
        let s = CertStatus::AUTHORITY_INVALID | CertStatus::REVOKED;
        assert_eq!(s.error(), Some(NetError::CertRevoked));
        let s = CertStatus::REVOKED | CertStatus::INVALID;
        assert_eq!(s.error(), Some(NetError::CertInvalid));
        let s = CertStatus::DATE_INVALID | CertStatus::WEAK_SIGNATURE_ALGORITHM;
        assert_eq!(s.error(), Some(NetError::CertWeakSignatureAlgorithm));
        let s = CertStatus::DATE_INVALID | CertStatus::UNABLE_TO_CHECK_REVOCATION;
        assert_eq!(s.error(), Some(NetError::CertDateInvalid));
        assert_eq!(CertStatus::default().error(), None);
    }
}
