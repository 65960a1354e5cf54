//! Client-certificate verification for the gateway.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

use crate::TlsError;

/// Decides whether a certificate that chains to the platform CA may still be used.
///
/// The gateway implements it over its live snapshot of issued certificates; a certificate the
/// platform does not know (say, from a restored backup of the CA) is refused: fail closed.
pub trait CertGate: Send + Sync + 'static {
    /// `Ok` if the certificate with this serial (lowercase hex) is active and is the very
    /// certificate the platform issued under that serial (its SHA-256 `fingerprint`).
    fn check(&self, serial_hex: &str, fingerprint: &[u8; 32]) -> Result<(), CertificateError>;
}

/// webpki chain + EKU + validity checks, then [`CertGate`].
pub struct GatedClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    gate: Arc<dyn CertGate>,
}

impl fmt::Debug for GatedClientVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatedClientVerifier").finish_non_exhaustive()
    }
}

impl GatedClientVerifier {
    /// A verifier that demands a client certificate issued by one of `roots`.
    pub fn new(roots: RootCertStore, gate: Arc<dyn CertGate>) -> Result<Self, TlsError> {
        let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), crate::policy_provider())
            .build()
            .map_err(|e| TlsError::Verifier(e.to_string()))?;
        Ok(Self { inner, gate })
    }
}

impl ClientCertVerifier for GatedClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self.inner.verify_client_cert(end_entity, intermediates, now)?;
        let serial = crate::identity::serial_hex(end_entity)
            .ok_or(rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        self.gate
            .check(&serial, &crate::identity::fingerprint(end_entity))
            .map_err(rustls::Error::InvalidCertificate)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
