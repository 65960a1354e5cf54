//! Why `intoss serve` could not start.

use intoss_store::StoreError;

/// Why `intoss serve` could not start. The CLI prints it with its cause chain and exits 1.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A data-dir file is missing, unreadable, corrupt or too open.
    #[error("{path}: {detail}")]
    DataDir {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The database could not be opened.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The first read of apps and certificates failed.
    #[error("platform: {0}")]
    Core(#[from] intoss_core::CoreError),
    /// The CA could not issue a server certificate.
    #[error("CA: {0}")]
    Pki(#[from] intoss_pki::PkiError),
    /// TLS material refused.
    #[error("TLS: {0}")]
    Tls(#[from] intoss_tls::TlsError),
    /// The sandbox seed could not be read or written.
    #[error("sandbox seed {path}: {detail}")]
    Seed {
        /// The file.
        path: String,
        /// What is wrong, naming the entry.
        detail: String,
    },
    /// A listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
}
