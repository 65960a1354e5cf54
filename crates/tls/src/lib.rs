//! The TLS side of every intoss listener.
//!
//! - [`policy`]: the one crypto provider (aws-lc-rs) cut down to the suites of the seed's
//!   security policy, TLS 1.2 and 1.3 only.
//! - [`verifier`]: client-certificate verification for the gateway: the chain to the platform CA
//!   and the clientAuth EKU (webpki), then the serial against the live set of active
//!   certificates, so a revocation refuses the next handshake without a restart.
//! - [`resolver`]: serves an ECDSA or an RSA server certificate, whichever the client can use.
//! - [`identity`]: the client identity read once per connection from its certificate.

pub mod identity;
pub mod policy;
pub mod resolver;
pub mod verifier;

pub use identity::{ClientIdentity, ConnInfo};
pub use policy::{POLICY_SUITES, policy_provider, server_config_builder};
pub use resolver::DualCertResolver;
pub use verifier::{CertGate, GatedClientVerifier};

/// Why TLS material could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file or text did not hold what was expected.
    #[error("{what}: {detail}")]
    Pem {
        /// What was being read.
        what: String,
        /// Why it failed.
        detail: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration refused: {0}")]
    Config(#[from] rustls::Error),
    /// The client verifier could not be built (e.g. an empty root store).
    #[error("client verifier: {0}")]
    Verifier(String),
}
