//! What a handler knows about the connection it serves.

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The client identity, read once per connection from the end-entity certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// Certificate serial, lowercase hex.
    pub serial: String,
    /// Subject common name (the app name for platform-issued certificates).
    pub common_name: Option<String>,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// SHA-256 of the certificate's DER: what binds a connection to one issued certificate
    /// (a serial alone could be minted again by anyone holding the CA key).
    pub fingerprint: [u8; 32],
}

/// SHA-256 of a DER certificate.
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// A DER certificate's validity, `(not_before, not_after)` in Unix seconds; `None` if it does
/// not parse.
pub fn validity_of(der: &[u8]) -> Option<(i64, i64)> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some((cert.validity().not_before.timestamp(), cert.validity().not_after.timestamp()))
}

impl ClientIdentity {
    /// Reads the identity from a DER certificate; `None` if it does not parse.
    pub fn from_der(der: &CertificateDer<'_>) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        Some(Self {
            serial: serial_of(&cert),
            common_name: cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|a| a.as_str().ok())
                .map(str::to_owned),
            not_after: cert.validity().not_after.timestamp(),
            fingerprint: fingerprint(der),
        })
    }
}

/// Facts about one TLS connection, attached to each of its requests.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// The peer's socket address.
    pub peer: SocketAddr,
    /// The client certificate's identity, on mTLS listeners.
    pub client: Option<Arc<ClientIdentity>>,
    /// Negotiated protocol version, e.g. `TLSv1_3`.
    pub tls_version: &'static str,
    /// Negotiated cipher suite, e.g. `TLS13_AES_128_GCM_SHA256`.
    pub cipher_suite: &'static str,
}

fn serial_of(cert: &X509Certificate<'_>) -> String {
    hex::encode(cert.raw_serial()).trim_start_matches("00").to_owned()
}

/// The serial of a DER certificate, lowercase hex.
pub(crate) fn serial_hex(der: &CertificateDer<'_>) -> Option<String> {
    X509Certificate::from_der(der).ok().map(|(_, c)| serial_of(&c))
}
