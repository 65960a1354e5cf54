//! rustls client configurations.

use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use rustls::{ClientConfig, RootCertStore};

use crate::ClientError;

pub use intoss_tls::{POLICY_SUITES, policy_provider};

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

/// A client config with the seed's TLS policy, trusting only the CA certificates in `ca_pem`
/// (the platform's CA) and presenting `identity` (certificate chain PEM, key PEM) when given.
pub fn client_config(ca_pem: &[u8], identity: Option<(&[u8], &[u8])>) -> Result<ClientConfig, ClientError> {
    client_config_with_versions(ca_pem, identity, &[&rustls::version::TLS13, &rustls::version::TLS12])
}

/// [`client_config`] offering only `versions` (for tests and benchmarks that pin a version).
pub fn client_config_with_versions(
    ca_pem: &[u8],
    identity: Option<(&[u8], &[u8])>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<ClientConfig, ClientError> {
    let mut roots = RootCertStore::empty();
    for c in certs_from_pem(ca_pem, "CA certificate")? {
        roots.add(c).map_err(|e| ClientError::Config(format!("CA certificate: {e}")))?;
    }
    let builder = ClientConfig::builder_with_provider(policy_provider())
        .with_protocol_versions(versions)
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
