//! Serving an ECDSA or an RSA certificate, whichever the client can use.
//!
//! `ECDHE-ECDSA-*` suites need an ECDSA server key and `ECDHE-RSA-*` an RSA one. The platform
//! holds one of each so that clients restricted to either family (the seed lists both) connect.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{CipherSuite, SignatureScheme};

use crate::TlsError;

/// Picks the ECDSA certificate when the client can verify ECDSA and offers a suite that works
/// with it; the RSA certificate otherwise.
///
/// The pair is swapped whole when the listener certificates are renewed ([`Self::replace`]): a
/// handshake sees the old pair or the new one, never half of each.
pub struct DualCertResolver {
    keys: ArcSwap<Pair>,
}

struct Pair {
    ecdsa: Arc<CertifiedKey>,
    rsa: Arc<CertifiedKey>,
}

impl fmt::Debug for DualCertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DualCertResolver").finish_non_exhaustive()
    }
}

impl DualCertResolver {
    /// Builds the resolver from two PEM chains and their PKCS#8 keys.
    pub fn from_pem(
        provider: &CryptoProvider,
        ecdsa: (&str, &str),
        rsa: (&str, &str),
    ) -> Result<Self, TlsError> {
        Ok(Self { keys: ArcSwap::from_pointee(pair(provider, ecdsa, rsa)?) })
    }

    /// Serves `ecdsa` and `rsa` from the next handshake on. Nothing changes if either fails to
    /// load.
    pub fn replace(
        &self,
        provider: &CryptoProvider,
        ecdsa: (&str, &str),
        rsa: (&str, &str),
    ) -> Result<(), TlsError> {
        self.keys.store(Arc::new(pair(provider, ecdsa, rsa)?));
        Ok(())
    }

    /// Whether the ECDSA certificate served now is the first one in `ecdsa_cert_pem`.
    pub fn serves(&self, ecdsa_cert_pem: &str) -> bool {
        let first = CertificateDer::pem_slice_iter(ecdsa_cert_pem.as_bytes()).next();
        matches!((first, self.keys.load().ecdsa.cert.first()), (Some(Ok(a)), Some(b)) if a == *b)
    }
}

fn pair(provider: &CryptoProvider, ecdsa: (&str, &str), rsa: (&str, &str)) -> Result<Pair, TlsError> {
    Ok(Pair { ecdsa: certified_key(provider, ecdsa)?, rsa: certified_key(provider, rsa)? })
}

fn certified_key(
    provider: &CryptoProvider,
    (cert, key): (&str, &str),
) -> Result<Arc<CertifiedKey>, TlsError> {
    let pem = |detail: String| TlsError::Pem { what: "server certificate".into(), detail };
    let chain = CertificateDer::pem_slice_iter(cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem(e.to_string()))?;
    if chain.is_empty() {
        return Err(pem("no certificate in the PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| pem(e.to_string()))?;
    let signing = provider.key_provider.load_private_key(key)?;
    let ck = CertifiedKey::new(chain, signing);
    ck.keys_match().map_err(TlsError::Config)?;
    Ok(Arc::new(ck))
}

impl ResolvesServerCert for DualCertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let ecdsa_sig = hello.signature_schemes().iter().any(|s| {
            matches!(s, SignatureScheme::ECDSA_NISTP256_SHA256 | SignatureScheme::ECDSA_NISTP384_SHA384)
        });
        let ecdsa_suite = hello.cipher_suites().iter().any(|s| {
            matches!(
                s,
                CipherSuite::TLS13_AES_128_GCM_SHA256
                    | CipherSuite::TLS13_AES_256_GCM_SHA384
                    | CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
                    | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                    | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            )
        });
        let keys = self.keys.load();
        Some(if ecdsa_sig && ecdsa_suite { keys.ecdsa.clone() } else { keys.rsa.clone() })
    }
}
