//! The transport policy of seed 000, as a rustls provider.
//!
//! TLS 1.2 and 1.3 only. Suites:
//! - TLS 1.3: `TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384`, `TLS_CHACHA20_POLY1305_SHA256`;
//! - TLS 1.2: `ECDHE-{ECDSA,RSA}-AES{128,256}-GCM-SHA{256,384}`.
//!
//! The seed also lists ECDHE CBC-SHA256/384 suites "or stronger". rustls has no CBC suites (by
//! design: MAC-then-encrypt), and GCM is stronger, so the policy is the AEAD subset. The
//! TLS 1.2 ChaCha20 suites are not in the seed's list and are left out too. Renegotiation and
//! TLS compression do not exist in rustls.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::crypto::aws_lc_rs::{self, cipher_suite as cs};
use rustls::{ServerConfig, SupportedCipherSuite};

/// The cipher suites the platform accepts, in preference order.
pub static POLICY_SUITES: &[SupportedCipherSuite] = &[
    cs::TLS13_AES_128_GCM_SHA256,
    cs::TLS13_AES_256_GCM_SHA384,
    cs::TLS13_CHACHA20_POLY1305_SHA256,
    cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];

/// The aws-lc-rs provider restricted to [`POLICY_SUITES`].
pub fn policy_provider() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider { cipher_suites: POLICY_SUITES.to_vec(), ..aws_lc_rs::default_provider() })
}

/// A server config builder with the policy provider and TLS 1.2 + 1.3.
pub fn server_config_builder()
-> Result<rustls::ConfigBuilder<ServerConfig, rustls::WantsVerifier>, rustls::Error> {
    ServerConfig::builder_with_provider(policy_provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_has_no_tls12_chacha_and_every_suite_is_aead() {
        for s in POLICY_SUITES {
            let name = format!("{:?}", s.suite());
            assert!(name.contains("GCM") || name.starts_with("TLS13_CHACHA20"), "{name}");
        }
        assert_eq!(POLICY_SUITES.len(), 7);
        assert!(server_config_builder().is_ok());
    }
}
