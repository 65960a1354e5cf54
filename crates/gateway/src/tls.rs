//! The gateway listener's mTLS config.
//!
//! Client certificates must chain to the platform CA (rustls' webpki verifier: chain, clientAuth
//! EKU, validity) and then pass the snapshot's gate: a serial unknown to the platform, or a
//! certificate minted again under a live serial, is refused; a revoked one gets the
//! `certificate_revoked` alert. The config is rebuilt whole when the certificates change
//! ([`GatewayTls`] observes the snapshots), and with it comes a new, empty session cache, so no
//! session from before a revocation resumes.

use std::sync::Arc;

use arc_swap::ArcSwap;
use intoss_core::{Snapshot, SnapshotObserver, Snapshots};
use intoss_tls::{CertGate, DualCertResolver, GatedClientVerifier, TlsError};
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, RootCertStore, ServerConfig};

/// The gate the TLS verifier asks: a certificate must be known and not revoked.
struct SnapshotGate(Arc<ArcSwap<Snapshot>>);

impl CertGate for SnapshotGate {
    fn check(&self, serial_hex: &str, fingerprint: &[u8; 32]) -> Result<(), CertificateError> {
        match self.0.load().certs.get(serial_hex) {
            // A certificate minted again under a live serial (with the CA key, or through an
            // intermediate) is not the issued one: refuse it like an unknown one.
            Some(c) if !c.is(fingerprint) => Err(CertificateError::ApplicationVerificationFailure),
            Some(c) if !c.revoked => Ok(()),
            Some(_) => Err(CertificateError::Revoked),
            // Signed by our CA but unknown to the platform: refuse (fail closed).
            None => Err(CertificateError::ApplicationVerificationFailure),
        }
    }
}

/// The gateway's current `ServerConfig`, rebuilt when the certificates change.
pub struct GatewayTls {
    current: Arc<ArcSwap<ServerConfig>>,
    session_cache: usize,
    roots: Vec<Vec<u8>>,
    live: Arc<ArcSwap<Snapshot>>,
    resolver: Arc<DualCertResolver>,
}

impl std::fmt::Debug for GatewayTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayTls").field("session_cache", &self.session_cache).finish_non_exhaustive()
    }
}

impl GatewayTls {
    /// The config for client certificates of the CAs `roots` (DER: the platform root, and during
    /// a root rotation the previous one too), gated by `snapshots`, serving the
    /// listener certificates of `resolver`, keeping `session_cache` sessions (0: none). Register
    /// it with [`Snapshots::observe`] so that it follows certificate changes.
    pub fn new(
        session_cache: usize,
        roots: Vec<Vec<u8>>,
        snapshots: &Snapshots,
        resolver: Arc<DualCertResolver>,
    ) -> Result<Self, TlsError> {
        let live = snapshots.live().clone();
        let first = build(session_cache, &roots, &live, &resolver)?;
        Ok(Self { current: Arc::new(ArcSwap::from_pointee(first)), session_cache, roots, live, resolver })
    }

    /// The config, for the listener (read at each accept).
    pub fn config(&self) -> Arc<ArcSwap<ServerConfig>> {
        self.current.clone()
    }
}

impl SnapshotObserver for GatewayTls {
    fn certs_changed(&self) -> Result<(), String> {
        let tls =
            build(self.session_cache, &self.roots, &self.live, &self.resolver).map_err(|e| e.to_string())?;
        self.current.store(Arc::new(tls));
        Ok(())
    }
}

/// Resumption state stays on the server, in a cache of `session_cache` sessions (about 3 KiB
/// each with a P-256 client certificate: RSS with a full cache of 4,096, docs/performance.md);
/// no stateless tickets, whose key would decrypt every resumed TLS 1.2 session. Each call makes
/// a new cache, so no session from before a reload (a revocation, say) resumes.
fn build(
    session_cache: usize,
    roots: &[Vec<u8>],
    live: &Arc<ArcSwap<Snapshot>>,
    resolver: &Arc<DualCertResolver>,
) -> Result<ServerConfig, TlsError> {
    let mut store = RootCertStore::empty();
    for der in roots {
        store.add(CertificateDer::from(der.clone())).map_err(TlsError::Config)?;
    }
    let verifier = GatedClientVerifier::new(store, Arc::new(SnapshotGate(live.clone())))?;
    let mut cfg = intoss_tls::server_config_builder()
        .map_err(TlsError::Config)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(resolver.clone());
    cfg.alpn_protocols = intoss_http::listener::ALPN.iter().map(|p| p.to_vec()).collect();
    // One TLS 1.3 ticket per handshake (rustls sends 2 by default): a partner's connection pool
    // resumes each new connection with the ticket the last one left, and every ticket costs the
    // server an HKDF derivation and a cache entry (docs/performance.md, scenario (c)). Clients
    // that open several connections at once can ask for more (RFC 9149 ticket_request).
    if session_cache == 0 {
        cfg.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        cfg.send_tls13_tickets = 0;
    } else {
        cfg.session_storage = rustls::server::ServerSessionMemoryCache::new(session_cache);
        cfg.send_tls13_tickets = 1;
        cfg.max_tls13_tickets = 8;
    }
    Ok(cfg)
}
