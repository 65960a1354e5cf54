//! The platform certificate authority.
//!
//! - [`CertificateAuthority`]: the root CA of one platform. It issues client certificates for
//!   partner apps (390 days, EKU clientAuth, random 16-byte serial, subject naming the app) and
//!   server certificates for the platform's own listeners.
//! - Client keys are generated here (RSA-2048 by default, because the seed's Kotlin sample loads
//!   the key with `KeyFactory.getInstance("RSA")`; ECDSA P-256 on request) and handed back once
//!   as PKCS#8 PEM; or the partner sends a CSR and keeps its key. With a CSR, only the public key
//!   is taken: the subject and the extensions come from the platform, never from the CSR.
//! - [`CertInfo`]: what the platform reads back from a certificate (serial, subject, validity).
//!
//! This crate does no I/O: callers decide where PEM text goes. Private keys leave it only as
//! [`SecretPem`], which has no `Debug` output and is wiped on drop.

mod ca;
mod cms;
mod info;

pub use ca::{
    CertificateAuthority, ClientKey, IssuedCert, KeyType, SecretDer, ServerIdentity, UserSigningCert,
};
pub use cms::{attached_content, sign_attached, signer_certificate};
pub use info::{
    CertInfo, cert_pem_to_der, cert_pems_to_ders, der_to_pem, parse_cert_der, parse_cert_pem, pem_block,
    verify_issued_by,
};

use std::fmt;

/// Validity of every client certificate the platform issues (seed 003: "390일 동안 유효해요").
pub const CLIENT_CERT_DAYS: i64 = 390;

/// Why a CA operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A PEM or DER input could not be read as the expected object.
    #[error("{what} is not valid: {detail}")]
    Malformed {
        /// What was being read ("CA certificate", "CSR", ...).
        what: &'static str,
        /// The parser's complaint.
        detail: String,
    },
    /// The CSR's signature does not verify with its own public key.
    #[error("the CSR's signature does not verify")]
    CsrSignature,
    /// The CSR's key is of a type or size the platform refuses.
    #[error("the CSR's key is not accepted: {0} (use RSA 2048-4096 bits or ECDSA P-256/P-384)")]
    WeakKey(String),
    /// The CA key and certificate do not belong together.
    #[error("the CA key does not match the CA certificate")]
    KeyMismatch,
    /// Key generation or signing failed inside the crypto library.
    #[error("certificate signing failed: {0}")]
    Signing(String),
}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        Self::Signing(e.to_string())
    }
}

/// PEM text of a private key. Prints as `SecretPem(..)`; zeroed when dropped.
pub struct SecretPem(String);

impl SecretPem {
    /// Wraps PEM text.
    pub fn new(pem: String) -> Self {
        Self(pem)
    }

    /// The PEM text. Write it to a 0600 file or hand it to the partner once; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretPem(..)")
    }
}

impl Drop for SecretPem {
    fn drop(&mut self) {
        // Overwrite the bytes in place before the allocation is freed.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&bytes);
    }
}
