//! rustls client configurations.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::crypto::aws_lc_rs::{self, cipher_suite as cs};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use rustls::{ClientConfig, RootCertStore};

use crate::ClientError;

/// The cipher suites of the seed's policy (the AEAD subset rustls implements).
pub static POLICY_SUITES: &[rustls::SupportedCipherSuite] = &[
    cs::TLS13_AES_128_GCM_SHA256,
    cs::TLS13_AES_256_GCM_SHA384,
    cs::TLS13_CHACHA20_POLY1305_SHA256,
    cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];

/// The aws-lc-rs provider with [`POLICY_SUITES`].
pub fn policy_provider() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider { cipher_suites: POLICY_SUITES.to_vec(), ..aws_lc_rs::default_provider() })
}

/// Certificates from PEM text.
pub fn certs_from_pem(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ClientError::Config(format!("{what}: {e}")))?;
    if certs.is_empty() {
        return Err(ClientError::Config(format!("{what}: no CERTIFICATE block")));
    }
    Ok(certs)
}

/// A private key from PEM text: PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
pub fn key_from_pem(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, ClientError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| ClientError::Config(format!("{what}: {e}")))
}

/// A client config trusting `ca_pem` (or, without it, the bundled Mozilla roots are *not*
/// loaded: pass the platform CA explicitly) and presenting `identity` (cert chain PEM, key PEM).
pub fn client_config(ca_pem: &[u8], identity: Option<(&[u8], &[u8])>) -> Result<ClientConfig, ClientError> {
    let mut roots = RootCertStore::empty();
    for c in certs_from_pem(ca_pem, "CA certificate")? {
        roots.add(c).map_err(|e| ClientError::Config(format!("CA certificate: {e}")))?;
    }
    let builder = ClientConfig::builder_with_provider(policy_provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ClientError::Config(e.to_string()))?
        .with_root_certificates(roots);
    // No ALPN here: the HTTP client sets it (h2, http/1.1) for the versions it enables.
    let cfg = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                certs_from_pem(cert, "client certificate")?,
                key_from_pem(key, "client key")?,
            )
            .map_err(|e| ClientError::Config(format!("client certificate and key: {e}")))?,
        None => builder.with_no_client_auth(),
    };
    Ok(cfg)
}
