//! The checks that need no network: certificate, key, key match, chain, expiry.

use std::path::Path;
use std::sync::Arc;

use intoss_pki::CertInfo;
use rustls::client::ClientConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::sign::{CertifiedKey, SigningKey};
use rustls::{CertificateError, Error as TlsError, InconsistentKeys, RootCertStore};

use super::{DoctorArgs, Finding, check, utc};

/// The local findings, and what the network checks need.
pub(crate) struct Local {
    pub(crate) findings: Vec<Finding>,
    pub(crate) identity: Identity,
}

/// What the TLS check presents, or why it cannot run.
pub(crate) struct Identity {
    pub(crate) config: Result<ClientConfig, NotReady>,
    /// The app the certificate names (its subject CN), for the fixes.
    pub(crate) app: Option<String>,
}

/// Why the TLS check is skipped.
pub(crate) struct NotReady {
    pub(crate) detail: String,
    pub(crate) fix: String,
}

/// A parsed client certificate file.
struct Cert {
    pem: Vec<u8>,
    chain: Vec<CertificateDer<'static>>,
    info: CertInfo,
}

/// A parsed private key file.
struct Key {
    pem: Vec<u8>,
    signer: Arc<dyn SigningKey>,
}

/// The `--cacert` file.
struct Ca {
    pem: Vec<u8>,
    roots: RootCertStore,
    common_name: Option<String>,
}

pub(crate) fn check(args: &DoctorArgs) -> Local {
    let mut findings = Vec::new();
    let cert = certificate(&args.cert);
    let key = private_key(&args.key);
    let cert = keep(cert, &mut findings);
    let key = keep(key, &mut findings);
    let matched = key_match(cert.as_ref(), key.as_ref());
    let matches = matched.status == super::Status::Ok;
    findings.push(matched);
    let ca = args.cacert.as_deref().map(ca);
    findings.push(chain(cert.as_ref(), ca.as_ref(), args.cacert.as_deref()));
    findings.push(expiry(cert.as_ref().map(|c| &c.info), now()));

    let config = match (&cert, &key, ca) {
        (_, _, None) => Err(NotReady {
            detail: "no --cacert: the server cannot be authenticated".into(),
            fix: "pass --cacert ca.pem (the platform's CA certificate: DIR/ca.pem, or from the console)"
                .into(),
        }),
        (_, _, Some(Err(_))) => Err(NotReady {
            detail: "the --cacert file is unusable (see chain)".into(),
            fix: "fix --cacert first".into(),
        }),
        (Some(c), Some(k), Some(Ok(ca))) if matches => {
            intoss_client::tls::client_config(&ca.pem, Some((&c.pem, &k.pem))).map_err(|e| NotReady {
                detail: format!("cannot build the TLS client: {e}"),
                fix: "fix the certificate and key first (see above)".into(),
            })
        }
        _ => Err(NotReady {
            detail: "needs a readable certificate and the key that belongs to it (see above)".into(),
            fix: "fix the certificate and key first".into(),
        }),
    };
    let app = cert.and_then(|c| c.info.common_name);
    Local { findings, identity: Identity { config, app } }
}

/// Pushes the finding and returns the parsed value, if any.
fn keep<T>((finding, value): (Finding, Option<T>), findings: &mut Vec<Finding>) -> Option<T> {
    findings.push(finding);
    value
}

fn now() -> i64 {
    i64::try_from(UnixTime::now().as_secs()).unwrap_or(i64::MAX)
}

fn certificate(path: &Path) -> (Finding, Option<Cert>) {
    let name = check::CERTIFICATE;
    let shown = path.display();
    let pem = match std::fs::read(path) {
        Ok(p) => p,
        Err(e) => {
            return (Finding::fail(name, format!("cannot read {shown}: {e}"), "check the --cert path"), None);
        }
    };
    let chain = match CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>() {
        Ok(c) => c,
        Err(e) => {
            let fix =
                "pass the certificate in PEM (-----BEGIN CERTIFICATE-----), as downloaded from the console";
            return (Finding::fail(name, format!("{shown} is not PEM: {e}"), fix), None);
        }
    };
    let Some(leaf) = chain.first() else {
        let (detail, fix) = if contains(&pem, "PRIVATE KEY-----") {
            (
                format!("{shown} holds a private key, not a certificate"),
                "--cert and --key swapped? pass the certificate (client-cert.pem) as --cert",
            )
        } else {
            (
                format!("no CERTIFICATE block in {shown}"),
                "pass the certificate in PEM (-----BEGIN CERTIFICATE-----); convert a DER file with: openssl x509 -inform der -in FILE -out client-cert.pem",
            )
        };
        return (Finding::fail(name, detail, fix), None);
    };
    let info = match intoss_pki::parse_cert_der(leaf) {
        Ok(i) => i,
        Err(e) => {
            let fix = "download the certificate again from the console (or intoss cert issue)";
            return (Finding::fail(name, format!("{shown} is not an X.509 certificate: {e}"), fix), None);
        }
    };
    let mut detail = format!(
        "CN={}, issuer CN={}, serial {}, not after {}",
        info.common_name.as_deref().unwrap_or("(none)"),
        info.issuer_common_name.as_deref().unwrap_or("(none)"),
        info.serial,
        utc(info.not_after.unix_timestamp())
    );
    if chain.len() > 1 {
        detail.push_str(&format!(" (+{} chain certificates)", chain.len() - 1));
    }
    (Finding::ok(name, detail), Some(Cert { pem, chain, info }))
}

fn private_key(path: &Path) -> (Finding, Option<Key>) {
    let name = check::KEY;
    let shown = path.display();
    let pem = match std::fs::read(path) {
        Ok(p) => p,
        Err(e) => {
            return (Finding::fail(name, format!("cannot read {shown}: {e}"), "check the --key path"), None);
        }
    };
    let der = match PrivateKeyDer::from_pem_slice(&pem) {
        Ok(d) => d,
        Err(e) => {
            let (detail, fix) = if contains(&pem, "ENCRYPTED") {
                (
                    format!("{shown} is encrypted with a passphrase"),
                    format!(
                        "decrypt it (and keep the result private): openssl pkey -in {shown} -out client-key.pem"
                    ),
                )
            } else if contains(&pem, "BEGIN CERTIFICATE") {
                (
                    format!("{shown} holds a certificate, not a private key"),
                    "--cert and --key swapped? pass the key (client-key.pem) as --key".to_owned(),
                )
            } else {
                (
                    format!("no private key in {shown}: {e}"),
                    "pass the key written with the certificate (client-key.pem), in PEM".to_owned(),
                )
            };
            return (Finding::fail(name, detail, fix), None);
        }
    };
    let form = match &der {
        PrivateKeyDer::Pkcs8(_) => "PKCS#8 (BEGIN PRIVATE KEY)",
        PrivateKeyDer::Pkcs1(_) => "PKCS#1 (BEGIN RSA PRIVATE KEY)",
        PrivateKeyDer::Sec1(_) => "SEC1 (BEGIN EC PRIVATE KEY)",
        _ => "an unknown form",
    };
    let pkcs8 = matches!(der, PrivateKeyDer::Pkcs8(_));
    let signer = match rustls::crypto::aws_lc_rs::default_provider().key_provider.load_private_key(der) {
        Ok(s) => s,
        Err(e) => {
            let fix =
                "use an RSA (2048+) or ECDSA P-256/P-384 key, as intoss cert issue or the console writes";
            return (Finding::fail(name, format!("{shown}: {form}, unusable: {e}"), fix), None);
        }
    };
    let detail = format!("{form}, {:?}", signer.algorithm());
    let finding = if pkcs8 {
        Finding::ok(name, detail)
    } else {
        Finding::warn(
            name,
            format!("{detail}: the seed's Kotlin sample reads PKCS#8 (BEGIN PRIVATE KEY) only"),
            format!("convert it, same key: openssl pkey -in {shown} -out client-key-pkcs8.pem"),
        )
    };
    (finding, Some(Key { pem, signer }))
}

fn key_match(cert: Option<&Cert>, key: Option<&Key>) -> Finding {
    let name = check::KEY_MATCH;
    let (Some(cert), Some(key)) = (cert, key) else {
        return Finding::skip(name, "needs a readable certificate and key", "fix the lines above first");
    };
    let fix = "use the key written together with this certificate (client-key.pem next to client-cert.pem); \
               a lost key cannot be recovered: issue a new certificate";
    match CertifiedKey::new(cert.chain.clone(), key.signer.clone()).keys_match() {
        Ok(()) => Finding::ok(name, "the key belongs to the certificate"),
        Err(TlsError::InconsistentKeys(InconsistentKeys::KeyMismatch)) => {
            Finding::fail(name, "the key does not belong to the certificate", fix)
        }
        Err(e) => {
            Finding::fail(name, format!("cannot tell whether the key belongs to the certificate: {e}"), fix)
        }
    }
}

fn ca(path: &Path) -> Result<Ca, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read --cacert {}: {e}", path.display()))?;
    let certs = intoss_client::tls::certs_from_pem(&pem, &format!("--cacert {}", path.display()))
        .map_err(|e| e.to_string())?;
    let common_name =
        certs.first().and_then(|c| intoss_pki::parse_cert_der(c).ok()).and_then(|i| i.common_name);
    let mut roots = RootCertStore::empty();
    for c in certs {
        roots.add(c).map_err(|e| format!("--cacert {}: {e}", path.display()))?;
    }
    Ok(Ca { pem, roots, common_name })
}

fn chain(cert: Option<&Cert>, ca: Option<&Result<Ca, String>>, ca_path: Option<&Path>) -> Finding {
    let name = check::CHAIN;
    let ca = match ca {
        Some(Ok(ca)) => ca,
        Some(Err(e)) => {
            return Finding::fail(
                name,
                e.clone(),
                "pass the platform's CA certificate (DIR/ca.pem, or from the console) as --cacert",
            );
        }
        None => {
            return match cert {
                Some(c) if !c.info.client_auth => no_client_auth(),
                _ => Finding::skip(
                    name,
                    "no --cacert: the platform's CA is not in the system roots",
                    "pass --cacert ca.pem (the platform's CA certificate: DIR/ca.pem, or from the console)",
                ),
            };
        }
    };
    let Some(cert) = cert else {
        return Finding::skip(name, "needs a readable certificate", "fix the certificate first");
    };
    let ca_file = ca_path.map(|p| p.display().to_string()).unwrap_or_default();
    let ca_cn = ca.common_name.as_deref().unwrap_or("(none)");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verified = WebPkiClientVerifier::builder_with_provider(Arc::new(ca.roots.clone()), provider)
        .build()
        .map_err(|e| TlsError::General(e.to_string()))
        .and_then(|v| v.verify_client_cert(&cert.chain[0], &cert.chain[1..], UnixTime::now()).map(|_| ()));
    let rotate = rotate(cert.info.common_name.as_deref());
    match verified {
        Ok(()) => Finding::ok(
            name,
            format!("issued by the CA in {ca_file} (CN={ca_cn}), valid now, for client authentication"),
        ),
        Err(TlsError::InvalidCertificate(e)) => match e {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => Finding::fail(
                name,
                format!("expired on {}", utc(cert.info.not_after.unix_timestamp())),
                rotate,
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => Finding::fail(
                name,
                format!("not valid yet: valid from {}", utc(cert.info.not_before.unix_timestamp())),
                "check this machine's clock",
            ),
            CertificateError::UnknownIssuer | CertificateError::BadSignature => Finding::fail(
                name,
                format!(
                    "unknown issuer: not issued by the CA in {ca_file} (CN={ca_cn}); the certificate names issuer CN={}",
                    cert.info.issuer_common_name.as_deref().unwrap_or("(none)")
                ),
                "use a certificate issued by this platform for your app (intoss cert issue, or the console); \
                 if the certificate is right, pass the platform's CA as --cacert",
            ),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                no_client_auth()
            }
            other => Finding::fail(
                name,
                format!("rejected against {ca_file}: {other}"),
                "issue a new certificate from the platform (intoss cert issue, or the console)",
            ),
        },
        Err(e) => Finding::fail(
            name,
            format!("cannot verify against {ca_file}: {e}"),
            "pass the platform's CA certificate (DIR/ca.pem) as --cacert",
        ),
    }
}

fn no_client_auth() -> Finding {
    Finding::fail(
        check::CHAIN,
        "not for client authentication: the clientAuth extended key usage is missing",
        "issue a client certificate from the platform (intoss cert issue, or the console); \
         a server certificate cannot authenticate a client",
    )
}

/// Days left until `not_after`: OK above 30, WARN at 30 and 7 (the seed's expiry mails), FAIL
/// at 1 day or once expired. A threshold of `d` days is reached when at most `d × 24 h` remain,
/// as for the platform's own warnings.
fn expiry(info: Option<&CertInfo>, now: i64) -> Finding {
    let Some(info) = info else {
        return Finding::skip(check::EXPIRY, "needs a readable certificate", "fix the certificate first");
    };
    expiry_at(
        info.not_before.unix_timestamp(),
        info.not_after.unix_timestamp(),
        now,
        info.common_name.as_deref(),
    )
}

/// The fix for a certificate that expires (or did).
fn rotate(app: Option<&str>) -> String {
    format!(
        "issue a new certificate and rotate: several can be valid at once (intoss cert issue --app {}, or the console)",
        app.unwrap_or("APP")
    )
}

fn expiry_at(not_before: i64, not_after: i64, now: i64, app: Option<&str>) -> Finding {
    const DAY: i64 = 86_400;
    let name = check::EXPIRY;
    let rotate = rotate(app);
    let until = utc(not_after);
    let left = not_after - now;
    if now < not_before {
        return Finding::fail(
            name,
            format!("not valid yet: valid from {}", utc(not_before)),
            "check this machine's clock",
        );
    }
    if left <= 0 {
        let ago = (-left).div_euclid(DAY);
        let ago = match ago {
            0 => "today".to_owned(),
            1 => "1 day ago".to_owned(),
            n => format!("{n} days ago"),
        };
        return Finding::fail(name, format!("expired {ago} ({until}): the handshake is refused"), rotate);
    }
    let days = (left + DAY - 1).div_euclid(DAY);
    let days_text = if days == 1 { "1 day".to_owned() } else { format!("{days} days") };
    if left <= DAY {
        Finding::fail(name, format!("{days_text} left (until {until}): within the 1-day threshold"), rotate)
    } else if left <= 7 * DAY {
        Finding::warn(name, format!("{days_text} left (until {until}): within the 7-day threshold"), rotate)
    } else if left <= 30 * DAY {
        Finding::warn(name, format!("{days_text} left (until {until}): within the 30-day threshold"), rotate)
    } else {
        Finding::ok(name, format!("{days_text} left (until {until})"))
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    const DAY: i64 = 86_400;

    #[test]
    fn expiry_thresholds_follow_the_seed_mails() {
        let nb = 0;
        let now = 1_000 * DAY;
        let at = |left: i64| expiry_at(nb, now + left, now, Some("a"));
        assert_eq!(at(390 * DAY).status, Status::Ok);
        assert_eq!(at(390 * DAY).detail, format!("390 days left (until {})", utc(now + 390 * DAY)));
        assert_eq!(at(30 * DAY + 1).status, Status::Ok);
        assert_eq!(at(30 * DAY).status, Status::Warn);
        assert!(at(30 * DAY).detail.contains("30 days left") && at(30 * DAY).detail.contains("30-day"));
        assert!(at(7 * DAY + 1).detail.contains("8 days left") && at(7 * DAY + 1).detail.contains("30-day"));
        assert_eq!(at(7 * DAY).status, Status::Warn);
        assert!(at(7 * DAY).detail.contains("7-day threshold"));
        assert_eq!(at(DAY + 1).status, Status::Warn);
        assert_eq!(at(DAY).status, Status::Fail);
        assert!(at(DAY).detail.contains("1 day left") && at(DAY).detail.contains("1-day threshold"));
        assert!(at(1).detail.contains("1 day left"));
        assert_eq!(at(0).status, Status::Fail);
        assert!(at(0).detail.starts_with("expired today"), "{}", at(0).detail);
        assert!(at(-DAY - 5).detail.starts_with("expired 1 day ago"));
        assert!(at(-3 * DAY).detail.starts_with("expired 3 days ago"));
        assert!(at(20 * DAY).fix.unwrap_or_default().contains("several can be valid at once"));
    }

    #[test]
    fn expiry_before_not_before_fails() {
        let f = expiry_at(100 * DAY, 200 * DAY, 50 * DAY, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.starts_with("not valid yet"));
    }
}
