//! A client identity (certificate + key) read from files, reloaded when they are replaced.
//!
//! Certificates last 390 days and are rotated by replacing `client-cert.pem` and
//! `client-key.pem`. The resolver checks the files' metadata at each new TLS handshake and
//! reloads them when they changed: new connections use the new identity without a restart.
//! A reload that fails (a half-written file, a key that does not match) keeps the old identity,
//! logs the error and is retried at the next handshake.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;

use crate::ClientError;

/// What identifies a version of the files: modification time and length of both.
type Stamp = Option<(SystemTime, u64, SystemTime, u64)>;

fn stamp(cert: &Path, key: &Path) -> Stamp {
    let c = std::fs::metadata(cert).ok()?;
    let k = std::fs::metadata(key).ok()?;
    Some((c.modified().ok()?, c.len(), k.modified().ok()?, k.len()))
}

/// Loads a certificate chain and key (PKCS#8, PKCS#1 or SEC1 PEM) into a checked pair.
pub fn load_identity(
    provider: &CryptoProvider,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<CertifiedKey>, ClientError> {
    let chain = crate::tls::certs_from_pem(cert_pem, "client certificate")?;
    let key = crate::tls::key_from_pem(key_pem, "client key")?;
    let signer = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| ClientError::Config(format!("client key: {e}")))?;
    let pair = CertifiedKey::new(chain, signer);
    pair.keys_match()
        .map_err(|_| ClientError::Config("the client key does not belong to the certificate".into()))?;
    Ok(Arc::new(pair))
}

/// A client-certificate resolver over two files, reloaded when they change.
pub struct FileIdentity {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: ArcSwap<(Arc<CertifiedKey>, Stamp)>,
    /// Incremented whenever a different certificate is loaded.
    generation: std::sync::atomic::AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl fmt::Debug for FileIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileIdentity")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl FileIdentity {
    /// Loads the files once; fails if they do not hold a matching pair.
    pub fn new(
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, ClientError> {
        let (cert, key) = (cert.into(), key.into());
        let s = stamp(&cert, &key);
        let pair = Self::read(&provider, &cert, &key)?;
        Ok(Self {
            cert,
            key,
            provider,
            current: ArcSwap::from_pointee((pair, s)),
            generation: std::sync::atomic::AtomicU64::new(0),
            last_error: Mutex::new(None),
        })
    }

    fn read(provider: &CryptoProvider, cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, ClientError> {
        let c = std::fs::read(cert).map_err(|e| ClientError::Config(format!("{}: {e}", cert.display())))?;
        let k = std::fs::read(key).map_err(|e| ClientError::Config(format!("{}: {e}", key.display())))?;
        load_identity(provider, &c, &k)
    }

    /// Reloads now if the files changed: `Ok(true)` when a new identity was loaded. Returns
    /// the error of a failed reload (the old identity stays in use).
    pub fn refresh(&self) -> Result<bool, ClientError> {
        let now = stamp(&self.cert, &self.key);
        let current = self.current.load();
        if now.is_some() && now == current.1 {
            return Ok(false);
        }
        match Self::read(&self.provider, &self.cert, &self.key) {
            Ok(pair) => {
                let changed = pair.cert != current.0.cert;
                self.current.store(Arc::new((pair, now)));
                if changed {
                    self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
                if changed {
                    tracing::info!(cert = %self.cert.display(), "client certificate reloaded");
                }
                Ok(changed)
            }
            Err(e) => {
                let mut last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
                // Log a failure once, not at every request while the files stay broken.
                if last.as_deref() != Some(e.to_string().as_str()) {
                    tracing::warn!(cert = %self.cert.display(), error = %e, "client certificate reload failed; keeping the old one");
                }
                *last = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// Which certificate is loaded: increases each time a different one is.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The error of the last failed reload, if the last attempt failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The certificate in use (DER).
    pub fn current_cert_der(&self) -> Vec<u8> {
        self.current.load().0.cert.first().map(|c| c.to_vec()).unwrap_or_default()
    }
}

impl ResolvesClientCert for FileIdentity {
    fn resolve(&self, _hints: &[&[u8]], sigschemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        let _ = self.refresh();
        let pair = self.current.load().0.clone();
        pair.key.choose_scheme(sigschemes).is_some().then_some(pair)
    }

    fn has_certs(&self) -> bool {
        true
    }
}
