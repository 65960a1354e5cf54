//! The data directory: CA, server certificates, admin token, database, endpoints.
//!
//! First start creates what is missing. Later starts reuse it. A file that exists but cannot be
//! read, does not parse, or holds a secret readable by others is an error naming the file:
//! silently re-creating the CA would orphan every certificate already issued.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use intoss_pki::{CertificateAuthority, KeyType, SecretPem};
use time::OffsetDateTime;

use crate::error::StartError;

/// Paths inside a data dir.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// The listeners' (ECDSA, RSA) certificate PEM and key pairs.
pub type ServerPair = ((String, SecretPem), (String, SecretPem));

/// What the platform loads from its data dir at start.
#[derive(Debug)]
pub struct Loaded {
    /// The platform CA (its `cert_pem` is `ca.pem`: during a root rotation, the bundle).
    pub ca: CertificateAuthority,
    /// The roots client certificates may chain to (DER): the CA, and during a root rotation
    /// the previous root too.
    pub ca_roots: Vec<Vec<u8>>,
    /// The admin API bearer token.
    pub admin_token: SecretPem,
    /// ECDSA server certificate and key (PEM).
    pub server_ecdsa: (String, SecretPem),
    /// RSA server certificate and key (PEM).
    pub server_rsa: (String, SecretPem),
    /// Identity-verification keys.
    pub idv: intoss_idv::IdvKeys,
}

/// Server certificates are re-issued when they have less than this left.
const SERVER_CERT_RENEW_DAYS: i64 = 30;

impl DataDir {
    /// A data dir at `root` (not touched until [`DataDir::load_or_init`]).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `ca.pem`: the certificate clients trust.
    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("ca.pem")
    }

    /// `ca-key.pem` (0600).
    pub fn ca_key(&self) -> PathBuf {
        self.root.join("ca-key.pem")
    }

    /// `ca-previous.pem`: the root rotated away from, while its leaves are still admitted.
    pub fn ca_previous(&self) -> PathBuf {
        self.root.join("ca-previous.pem")
    }

    /// `ca-cross.pem`: the current root cross-signed by the previous one, served after the
    /// listeners' certificates during a rotation.
    pub fn ca_cross(&self) -> PathBuf {
        self.root.join("ca-cross.pem")
    }

    /// `ca-retired-key.pem` (0600): the previous root's key, kept until the rotation is finished.
    pub fn ca_retired_key(&self) -> PathBuf {
        self.root.join("ca-retired-key.pem")
    }

    /// Starts a root CA rotation (run with `intoss serve` stopped; the next start applies it): a
    /// new root, cross-signed by the current one. `ca.pem` becomes the bundle of both (new
    /// first), `ca-key.pem` the new key; the old root and key go to `ca-previous.pem` and
    /// `ca-retired-key.pem`, the cross-signed certificate to `ca-cross.pem`. Refused while a
    /// rotation is in progress. Answers the new and the previous root's names, and whether
    /// clients trusting only the previous root can verify the listeners through the
    /// cross-signed root (not when the previous root has a path length constraint of 0).
    pub fn rotate_ca(&self, now: OffsetDateTime) -> Result<(String, String, bool), StartError> {
        if self.ca_previous().exists() {
            return Err(self.err(
                &self.ca_previous(),
                "a root rotation is in progress: finish it first (intoss ca finish)",
            ));
        }
        let (cert_path, key_path) = (self.ca_cert(), self.ca_key());
        if !cert_path.exists() || !key_path.exists() {
            return Err(self.err(&cert_path, "no CA to rotate: start intoss serve once first"));
        }
        let old_pem = self.read(&cert_path)?;
        let old_key = self.read_secret(&key_path)?;
        let old = CertificateAuthority::from_pem(&old_pem, old_key.expose())
            .map_err(|e| self.err(&cert_path, e.to_string()))?;
        let old_root = intoss_pki::der_to_pem("CERTIFICATE", old.cert_der());
        let (new, new_key, cross) = old.successor(now)?;
        let bundle = format!("{}{old_root}", new.cert_pem());
        let writes: [(PathBuf, &str, bool); 5] = [
            (self.ca_retired_key(), old_key.expose(), true),
            (self.ca_previous(), &old_root, false),
            (self.ca_cross(), &cross, false),
            (key_path, new_key.expose(), true),
            (cert_path, &bundle, false),
        ];
        for (path, text, secret) in writes {
            let written = if secret { write_secret(&path, text) } else { write_public(&path, text) };
            written.map_err(|e| self.err(&path, e.to_string()))?;
        }
        let subject =
            |der: &[u8]| intoss_pki::parse_cert_der(der).ok().and_then(|i| i.common_name).unwrap_or_default();
        tracing::info!("root CA rotated; restart intoss serve to apply it");
        Ok((subject(new.cert_der()), subject(old.cert_der()), old.allows_cross_signed_path()))
    }

    /// Ends a root rotation: `ca.pem` is the current root alone, and the previous root, the
    /// cross-signed certificate and the retired key are deleted. Certificates of the previous
    /// root are refused from the next start on.
    pub fn finish_ca_rotation(&self) -> Result<(), StartError> {
        if !self.ca_previous().exists() {
            return Err(self.err(&self.ca_previous(), "no root rotation is in progress"));
        }
        let cert_path = self.ca_cert();
        let bundle = self.read(&cert_path)?;
        let current =
            intoss_pki::cert_pem_to_der(&bundle).map_err(|e| self.err(&cert_path, e.to_string()))?;
        write_public(&cert_path, &intoss_pki::der_to_pem("CERTIFICATE", &current))
            .map_err(|e| self.err(&cert_path, e.to_string()))?;
        for p in [self.ca_cross(), self.ca_previous(), self.ca_retired_key()] {
            fs::remove_file(&p).map_err(|e| self.err(&p, e.to_string()))?;
        }
        Ok(())
    }

    /// `admin-token` (0600).
    pub fn admin_token(&self) -> PathBuf {
        self.root.join("admin-token")
    }

    /// `intoss.db`: the SQLite database.
    pub fn database(&self) -> PathBuf {
        self.root.join("intoss.db")
    }

    /// `endpoints.json`: the bound listener addresses.
    pub fn endpoints(&self) -> PathBuf {
        self.root.join("endpoints.json")
    }

    /// Creates what is missing and loads everything.
    pub fn load_or_init(&self, server_names: &[String], now: OffsetDateTime) -> Result<Loaded, StartError> {
        if !self.root.exists() {
            fs::create_dir_all(&self.root)
                .map_err(|e| self.err(&self.root, format!("cannot create: {e}")))?;
            let _ = fs::set_permissions(&self.root, fs::Permissions::from_mode(0o700));
        }
        let ca = self.load_or_create_ca(now)?;
        let ca_roots = intoss_pki::cert_pems_to_ders(ca.cert_pem())
            .map_err(|e| self.err(&self.ca_cert(), e.to_string()))?;
        let admin_token = self.load_or_create_token()?;
        let ((server_ecdsa, server_rsa), _) = self.load_or_renew_servers(&ca, server_names, now)?;
        let idv = self.load_or_create_idv(now)?;
        // The database holds identity-verification personal data: create it private (SQLite
        // gives its -wal and -shm files the database's mode).
        let db = self.database();
        if !db.exists() {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&db)
                .map_err(|e| self.err(&db, format!("cannot create: {e}")))?;
        }
        Ok(Loaded { ca, ca_roots, admin_token, server_ecdsa, server_rsa, idv })
    }

    /// `idv-public-key.pem`: the RSA-4096 public key partners encrypt sessionKeys with.
    pub fn idv_public_key(&self) -> PathBuf {
        self.root.join("idv-public-key.pem")
    }

    /// `toss-sandbox-ca.pem`: the sandbox Toss CA, trust anchor of result signatures.
    pub fn sandbox_ca_cert(&self) -> PathBuf {
        self.root.join("toss-sandbox-ca.pem")
    }

    fn load_or_create_idv(&self, now: OffsetDateTime) -> Result<intoss_idv::IdvKeys, StartError> {
        // The public key file is written at every start: its absence marks the first one, when
        // the keys are made; afterwards a missing key file is an error, never a silent new key.
        let first = !self.idv_public_key().exists();
        let field_key = self.load_or_create_key("idv-key.pem", first, || {
            intoss_proto::fieldcrypto::generate_platform_key()
                .map(|(pkcs8, _)| pkcs8)
                .map_err(|e| e.to_string())
        })?;
        // The public half, for partners; rewritten from the private key at every start.
        let spki = intoss_proto::fieldcrypto::SessionKeyDecrypter::from_pkcs8_der(&field_key)
            .map_err(|e| self.err(&self.root.join("idv-key.pem"), e.to_string()))?
            .public_key_spki_der();
        let pub_path = self.idv_public_key();
        write_public(&pub_path, &intoss_pki::der_to_pem("PUBLIC KEY", &spki))
            .map_err(|e| self.err(&pub_path, e.to_string()))?;
        let token_key = self.load_or_create_key("idv-token-key.pem", first, || {
            use aws_lc_rs::encoding::AsDer;
            let k = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|e| e.to_string())?;
            k.as_der().map(|d| d.as_ref().to_vec()).map_err(|e| e.to_string())
        })?;
        let secret_key = self.load_or_create_key("idv-secret.key", first, || {
            let mut b = vec![0u8; 32];
            aws_lc_rs::rand::fill(&mut b).map_err(|e| e.to_string())?;
            Ok(b)
        })?;
        let (ca_cert, ca_key) = (self.sandbox_ca_cert(), self.root.join("toss-sandbox-ca-key.pem"));
        let sandbox_ca = match (ca_cert.exists(), ca_key.exists()) {
            (true, true) => {
                let key = self.read_secret(&ca_key)?;
                CertificateAuthority::from_pem(&self.read(&ca_cert)?, key.expose())
                    .map_err(|e| self.err(&ca_cert, e.to_string()))?
            }
            (true, false) => {
                return Err(self.err(&ca_key, "missing while toss-sandbox-ca.pem exists: restore it"));
            }
            (false, true) => {
                return Err(self.err(&ca_cert, "missing while toss-sandbox-ca-key.pem exists: restore it"));
            }
            (false, false) => {
                let (ca, key) = CertificateAuthority::generate("intoss sandbox Toss CA1", now)?;
                write_secret(&ca_key, key.expose()).map_err(|e| self.err(&ca_key, e.to_string()))?;
                write_public(&ca_cert, ca.cert_pem()).map_err(|e| self.err(&ca_cert, e.to_string()))?;
                ca
            }
        };
        Ok(intoss_idv::IdvKeys {
            token_key_pkcs8: token_key,
            field_key_pkcs8: field_key,
            secret_key,
            sandbox_ca,
        })
    }

    /// A PKCS#8 key (or raw secret) file: read it (0600 enforced) or create it with `make`.
    fn load_or_create_key(
        &self,
        name: &str,
        first_start: bool,
        make: impl FnOnce() -> Result<Vec<u8>, String>,
    ) -> Result<Vec<u8>, StartError> {
        let path = self.root.join(name);
        let label = if name.ends_with(".pem") { "PRIVATE KEY" } else { "INTOSS SECRET" };
        if !path.exists() && !first_start {
            return Err(self.err(
                &path,
                "missing while the other identity-verification keys exist: restore it from backup \
                 (a new key would invalidate every partner's public key, tokens or client secrets)",
            ));
        }
        if path.exists() {
            let text = self.read_secret(&path)?;
            return intoss_pki::pem_block(text.expose(), label).map_err(|e| {
                self.err(
                    &path,
                    format!("{e}; restore it from backup (delete it only if you accept the consequences)"),
                )
            });
        }
        let der = make().map_err(|e| self.err(&path, format!("cannot create: {e}")))?;
        write_secret(&path, &intoss_pki::der_to_pem(label, &der))
            .map_err(|e| self.err(&path, e.to_string()))?;
        Ok(der)
    }

    fn err(&self, path: &Path, detail: impl Into<String>) -> StartError {
        StartError::DataDir { path: path.display().to_string(), detail: detail.into() }
    }

    fn load_or_create_ca(&self, now: OffsetDateTime) -> Result<CertificateAuthority, StartError> {
        let (cert_path, key_path) = (self.ca_cert(), self.ca_key());
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let cert = self.read(&cert_path)?;
                let key = self.read_secret(&key_path)?;
                CertificateAuthority::from_pem(&cert, key.expose()).map_err(|e| {
                    self.err(
                        &cert_path,
                        format!("{e}; restore the CA files from backup (issued certificates depend on them)"),
                    )
                })
            }
            (false, false) => {
                if self.database().exists() {
                    return Err(self.err(
                        &cert_path,
                        "missing while the database exists: restore ca.pem and ca-key.pem from backup; \
                         a new CA would orphan every issued certificate",
                    ));
                }
                let (ca, key) = CertificateAuthority::generate("intoss root CA", now)?;
                write_secret(&key_path, key.expose()).map_err(|e| self.err(&key_path, e.to_string()))?;
                write_public(&cert_path, ca.cert_pem()).map_err(|e| self.err(&cert_path, e.to_string()))?;
                tracing::info!(path = %cert_path.display(), "created the platform root CA");
                Ok(ca)
            }
            (true, false) => Err(self.err(&key_path, "missing while ca.pem exists: restore it from backup")),
            (false, true) => {
                Err(self.err(&cert_path, "missing while ca-key.pem exists: restore it from backup"))
            }
        }
    }

    fn load_or_create_token(&self) -> Result<SecretPem, StartError> {
        let path = self.admin_token();
        if path.exists() {
            let token = self.read_secret(&path)?;
            let t = token.expose().trim();
            if t.len() < 32 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(
                    self.err(&path, "not a valid admin token; delete the file to have a new one made")
                );
            }
            return Ok(SecretPem::new(t.to_owned()));
        }
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| self.err(&path, "no randomness available"))?;
        let token = SecretPem::new(hex::encode(bytes));
        write_secret(&path, &format!("{}\n", token.expose())).map_err(|e| self.err(&path, e.to_string()))?;
        Ok(token)
    }

    /// The listeners' ECDSA and RSA certificates and keys, re-issued (and rewritten) when fewer than
    /// 30 days are left, when the names changed or when another CA issued them; whether either was
    /// re-issued. Called at start and by the running platform's periodic check.
    pub fn load_or_renew_servers(
        &self,
        ca: &CertificateAuthority,
        server_names: &[String],
        now: OffsetDateTime,
    ) -> Result<(ServerPair, bool), StartError> {
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
        for n in server_names {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        let (mut ecdsa, a) =
            self.load_or_issue_server(ca, "server-ecdsa", KeyType::EcdsaP256, &names, now)?;
        let (mut rsa, b) = self.load_or_issue_server(ca, "server-rsa", KeyType::Rsa2048, &names, now)?;
        // During a root rotation the chain goes on with the new root cross-signed by the old:
        // clients that trust only the old root verify the listeners through it.
        let cross = self.ca_cross();
        if cross.exists() {
            let pem = self.read(&cross)?;
            intoss_pki::cert_pem_to_der(&pem).map_err(|e| self.err(&cross, e.to_string()))?;
            ecdsa.0.push_str(&pem);
            rsa.0.push_str(&pem);
        }
        Ok(((ecdsa, rsa), a || b))
    }

    /// One listener certificate and key; whether it was issued now.
    fn load_or_issue_server(
        &self,
        ca: &CertificateAuthority,
        stem: &str,
        key_type: KeyType,
        names: &[String],
        now: OffsetDateTime,
    ) -> Result<((String, SecretPem), bool), StartError> {
        let cert_path = self.root.join(format!("{stem}.pem"));
        let key_path = self.root.join(format!("{stem}-key.pem"));
        let names_path = self.root.join(format!("{stem}.names"));
        let wanted = names.join("\n");
        if cert_path.exists() && key_path.exists() {
            let cert = self.read(&cert_path)?;
            let key = self.read_secret(&key_path)?;
            let info = intoss_pki::parse_cert_pem(&cert).map_err(|e| self.err(&cert_path, e.to_string()))?;
            let same_names = fs::read_to_string(&names_path).is_ok_and(|n| n == wanted);
            let fresh = info.not_after - now > time::Duration::days(SERVER_CERT_RENEW_DAYS);
            // Issued by this CA (its signature verifies), not merely by one with the same name.
            let same_ca = intoss_pki::cert_pem_to_der(&cert)
                .is_ok_and(|der| intoss_pki::verify_issued_by(&der, ca.cert_der()));
            if same_names && fresh && same_ca {
                return Ok(((cert, key), false));
            }
        }
        let id = ca.issue_server(names, key_type, now)?;
        write_secret(&key_path, id.key_pem.expose()).map_err(|e| self.err(&key_path, e.to_string()))?;
        write_public(&cert_path, &id.cert_pem).map_err(|e| self.err(&cert_path, e.to_string()))?;
        write_public(&names_path, &wanted).map_err(|e| self.err(&names_path, e.to_string()))?;
        Ok(((id.cert_pem, id.key_pem), true))
    }

    fn read(&self, path: &Path) -> Result<String, StartError> {
        fs::read_to_string(path).map_err(|e| self.err(path, format!("cannot read: {e}")))
    }

    /// Reads a secret file, refusing one that others can read.
    fn read_secret(&self, path: &Path) -> Result<SecretPem, StartError> {
        let meta = fs::metadata(path).map_err(|e| self.err(path, format!("cannot read: {e}")))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(self.err(
                path,
                format!(
                    "holds a secret but its mode is {:o}; run `chmod 600 {}`",
                    meta.permissions().mode() & 0o777,
                    path.display()
                ),
            ));
        }
        Ok(SecretPem::new(self.read(path)?))
    }
}

/// Writes `contents` to `path` with mode 0600, atomically (temp file + rename).
pub fn write_secret(path: &Path, contents: &str) -> std::io::Result<()> {
    write_atomic(path, contents, 0o600)
}

/// Writes `contents` to `path` with mode 0644, atomically.
pub fn write_public(path: &Path, contents: &str) -> std::io::Result<()> {
    write_atomic(path, contents, 0o644)
}

fn write_atomic(path: &Path, contents: &str, mode: u32) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    // Make the rename itself durable.
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn first_start_creates_and_second_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::new(dir.path().join("data"));
        let a = dd.load_or_init(&[], now()).unwrap();
        for f in [
            "ca-key.pem",
            "admin-token",
            "server-ecdsa-key.pem",
            "server-rsa-key.pem",
            "idv-key.pem",
            "idv-token-key.pem",
            "idv-secret.key",
            "toss-sandbox-ca-key.pem",
            "intoss.db",
        ] {
            let mode = fs::metadata(dd.root().join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
        let b = dd.load_or_init(&[], now()).unwrap();
        assert_eq!(a.ca.cert_pem(), b.ca.cert_pem());
        assert_eq!(a.admin_token.expose(), b.admin_token.expose());
        assert_eq!(a.server_ecdsa.0, b.server_ecdsa.0, "server cert reused");
        let c = dd.load_or_init(&["intoss.example".into()], now()).unwrap();
        assert_ne!(a.server_ecdsa.0, c.server_ecdsa.0, "new names, new server cert");
    }

    #[test]
    fn corrupt_or_open_files_are_errors_not_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::new(dir.path());
        dd.load_or_init(&[], now()).unwrap();
        let original = fs::read_to_string(dd.ca_cert()).unwrap();

        fs::write(dd.ca_cert(), "garbage").unwrap();
        let err = dd.load_or_init(&[], now()).unwrap_err().to_string();
        assert!(err.contains("ca.pem"), "{err}");
        assert_eq!(fs::read_to_string(dd.ca_cert()).unwrap(), "garbage", "not silently replaced");
        fs::write(dd.ca_cert(), &original).unwrap();

        fs::set_permissions(dd.ca_key(), fs::Permissions::from_mode(0o644)).unwrap();
        let err = dd.load_or_init(&[], now()).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        fs::set_permissions(dd.ca_key(), fs::Permissions::from_mode(0o600)).unwrap();

        for f in ["idv-key.pem", "idv-token-key.pem", "idv-secret.key", "toss-sandbox-ca-key.pem"] {
            let path = dd.root().join(f);
            let saved = fs::read(&path).unwrap();
            fs::remove_file(&path).unwrap();
            let err = dd.load_or_init(&[], now()).unwrap_err().to_string();
            assert!(err.contains(f) && err.contains("restore"), "{f}: {err}");
            fs::write(&path, saved).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }

        fs::write(dd.database(), b"").unwrap();
        fs::remove_file(dd.ca_key()).unwrap();
        let err = dd.load_or_init(&[], now()).unwrap_err().to_string();
        assert!(err.contains("ca-key.pem"), "{err}");
        fs::remove_file(dd.ca_cert()).unwrap();
        let err = dd.load_or_init(&[], now()).unwrap_err().to_string();
        assert!(err.contains("orphan"), "{err}");
    }

    #[test]
    fn a_root_rotation_keeps_both_roots_until_finished() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::new(dir.path());
        let a = dd.load_or_init(&[], now()).unwrap();
        assert!(dd.finish_ca_rotation().is_err(), "nothing to finish");
        let (new, old, cross_path) = dd.rotate_ca(now()).unwrap();
        assert_eq!(old, "intoss root CA");
        assert_ne!(new, old);
        assert!(cross_path);
        let err = dd.rotate_ca(now()).unwrap_err().to_string();
        assert!(err.contains("in progress"), "{err}");
        let b = dd.load_or_init(&[], now()).unwrap();
        assert_eq!(b.ca_roots.len(), 2);
        assert_eq!(b.ca_roots[1], a.ca.cert_der(), "the old root is still trusted");
        assert_eq!(b.ca_roots[0], b.ca.cert_der(), "the new root issues");
        // The listeners were re-issued by the new root and serve the cross-signed one after.
        let chain = intoss_pki::cert_pems_to_ders(&b.server_ecdsa.0).unwrap();
        assert_eq!(chain.len(), 2);
        assert!(intoss_pki::verify_issued_by(&chain[0], b.ca.cert_der()));
        assert!(intoss_pki::verify_issued_by(&chain[1], a.ca.cert_der()));
        assert_eq!(mode(&dd.ca_retired_key()), 0o600);

        dd.finish_ca_rotation().unwrap();
        let c = dd.load_or_init(&[], now()).unwrap();
        assert_eq!(c.ca_roots, vec![b.ca.cert_der().to_vec()]);
        assert_eq!(
            intoss_pki::cert_pems_to_ders(&c.server_ecdsa.0).unwrap().len(),
            1,
            "no cross-signed root"
        );
        for p in [dd.ca_previous(), dd.ca_cross(), dd.ca_retired_key()] {
            assert!(!p.exists(), "{}", p.display());
        }
    }

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }
}
