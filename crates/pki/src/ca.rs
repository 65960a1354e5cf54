//! The root CA and what it issues.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType, SerialNumber, SubjectPublicKeyInfo,
};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509CertificationRequest};
use x509_parser::public_key::PublicKey;

use crate::{CLIENT_CERT_DAYS, PkiError, SecretPem, info};

/// Validity of the root CA.
const CA_YEARS: i64 = 10;

/// Validity of a user signing certificate: one year.
const USER_CERT_DAYS: i64 = 365;

/// userId (`UID`), RFC 4519: 0.9.2342.19200300.100.1.1.
const OID_USER_ID: [u64; 7] = [0, 9, 2342, 19200300, 100, 1, 1];

/// The key algorithm of a generated client key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyType {
    /// RSA 2048-bit, signed with SHA-256. The default: the seed's Kotlin sample needs RSA.
    #[default]
    Rsa2048,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
}

impl KeyType {
    /// The wire name: `rsa2048` or `p256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa2048",
            Self::EcdsaP256 => "p256",
        }
    }

    /// Parses the wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "rsa2048" | "rsa" => Some(Self::Rsa2048),
            "p256" | "ecdsa" | "ecdsa-p256" => Some(Self::EcdsaP256),
            _ => None,
        }
    }

    fn generate(self) -> Result<KeyPair, PkiError> {
        Ok(match self {
            Self::Rsa2048 => KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)?,
            Self::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
        })
    }
}

/// Where the public key of a new client certificate comes from.
#[derive(Debug, Clone)]
pub enum ClientKey {
    /// The platform generates a key pair and hands the private key back once.
    Generate(KeyType),
    /// The partner keeps its key and sends a PKCS#10 CSR (PEM).
    Csr(String),
}

/// A freshly issued client certificate.
#[derive(Debug)]
pub struct IssuedCert {
    /// Serial number, lowercase hex (32 digits).
    pub serial: String,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The generated private key (PKCS#8 PEM); `None` when issued from a CSR.
    pub key_pem: Option<SecretPem>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity: exactly 390 days after `not_before`.
    pub not_after: OffsetDateTime,
    /// `rsa2048`, `p256`, or `csr`.
    pub key_source: &'static str,
}

/// A server certificate and its key, for one of the platform's own listeners.
#[derive(Debug)]
pub struct ServerIdentity {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The key, PKCS#8 PEM.
    pub key_pem: SecretPem,
}

/// A personal signing certificate, shaped like the ones Toss Cert issues to users: the signer of
/// the `signature` CMS in an identity-verification result.
///
/// Subject (DER order) `C=KR, O=Viva Republica Inc, OU=Toss Cert, UID=<uid>, CN=<name>`, which reads
/// `CN=<name>,UID=<uid>,OU=Toss Cert,O=Viva Republica Inc,C=KR` in RFC 4514 (and Java) order.
/// RSA-2048, key usage digitalSignature + nonRepudiation, valid one year.
#[derive(Debug)]
pub struct UserSigningCert {
    /// Serial number, lowercase hex (32 digits).
    pub serial: String,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The private key, PKCS#8 PEM.
    pub key_pem: SecretPem,
    /// The private key, PKCS#8 DER: what [`crate::sign_attached`] takes.
    pub key_der: SecretDer,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity: exactly 365 days after `not_before`.
    pub not_after: OffsetDateTime,
}

/// DER bytes of a private key. Prints as `SecretDer(..)`; zeroed when dropped.
pub struct SecretDer(Vec<u8>);

impl SecretDer {
    /// Wraps DER bytes.
    pub fn new(der: Vec<u8>) -> Self {
        Self(der)
    }

    /// The DER bytes. Never log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretDer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretDer(..)")
    }
}

impl Drop for SecretDer {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&self.0);
    }
}

/// Intermediates allowed below a root: one, the next root cross-signed by it during a root
/// rotation (OpenSSL enforces the constraint on trust anchors too). The platform issues no
/// other intermediate, and the gateway admits only the leaves it issued (by fingerprint).
const ROOT_PATH_LEN: u8 = 1;

/// The platform's root certificate authority.
pub struct CertificateAuthority {
    cert_pem: String,
    cert_der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority").finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Creates a new root CA (ECDSA P-256, 10 years), named `common_name`.
    ///
    /// Returns the CA and its private key PEM, which the caller must store (0600) once.
    pub fn generate(common_name: &str, now: OffsetDateTime) -> Result<(Self, SecretPem), PkiError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(common_name, "intoss platform CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(ROOT_PATH_LEN));
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        params.not_before = truncate(now) - Duration::minutes(5);
        params.not_after = truncate(now) + Duration::days(365 * CA_YEARS);
        params.serial_number = Some(random_serial()?.1);
        let cert = params.self_signed(&key)?;
        let key_pem = SecretPem::new(key.serialize_pem());
        let ca =
            Self { cert_pem: cert.pem(), cert_der: cert.der().to_vec(), issuer: Issuer::new(params, key) };
        Ok((ca, key_pem))
    }

    /// A new root to rotate to (ECDSA P-256, 10 years, named `intoss root CA` and its serial's
    /// first 8 hex digits, so that no two roots share a subject), its key, and the same
    /// certificate cross-signed by this root (`ca-cross.pem`): served after a leaf of the new
    /// root, it lets a client that trusts only this root verify the new one's listeners.
    /// The cross-signed certificate is valid as long as both roots are.
    pub fn successor(&self, now: OffsetDateTime) -> Result<(Self, SecretPem, String), PkiError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let (serial_hex, serial) = random_serial()?;
        let name = format!("intoss root CA {}", &serial_hex[..8]);
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(&name, "intoss platform CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(ROOT_PATH_LEN));
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        params.not_before = truncate(now) - Duration::minutes(5);
        params.not_after = truncate(now) + Duration::days(365 * CA_YEARS);
        params.serial_number = Some(serial);
        let root = params.self_signed(&key)?;

        let (_, old) = x509_parser::parse_x509_certificate(&self.cert_der)
            .map_err(|e| PkiError::Malformed { what: "CA certificate", detail: e.to_string() })?;
        let old_end = OffsetDateTime::from_unix_timestamp(old.validity().not_after.timestamp())
            .map_err(|e| PkiError::Malformed { what: "CA certificate", detail: e.to_string() })?;
        let mut cross = params.clone();
        cross.serial_number = Some(random_serial()?.1);
        cross.not_after = cross.not_after.min(old_end);
        cross.use_authority_key_identifier_extension = true;
        let cross = cross.signed_by(&key, &self.issuer)?;

        let key_pem = SecretPem::new(key.serialize_pem());
        let ca =
            Self { cert_pem: root.pem(), cert_der: root.der().to_vec(), issuer: Issuer::new(params, key) };
        Ok((ca, key_pem, cross.pem()))
    }

    /// Whether a client trusting only this root can verify a root cross-signed by it: false for
    /// roots made with a path length constraint of 0 (intoss before root rotation existed).
    pub fn allows_cross_signed_path(&self) -> bool {
        x509_parser::parse_x509_certificate(&self.cert_der).is_ok_and(|(_, c)| {
            c.basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|bc| bc.value.ca && bc.value.path_len_constraint.is_none_or(|n| n >= 1))
        })
    }

    /// Loads a CA from its certificate and PKCS#8 key, checking that they belong together.
    /// With a bundle (`ca.pem` during a root rotation), the CA is its first certificate and
    /// [`Self::cert_pem`] is the whole bundle.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, PkiError> {
        let key = KeyPair::from_pem(key_pem)
            .map_err(|e| PkiError::Malformed { what: "CA key", detail: e.to_string() })?;
        let cert_der = info::pem_to_der(cert_pem, "CA certificate")?;
        let (_, x509) = x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|e| PkiError::Malformed { what: "CA certificate", detail: e.to_string() })?;
        if x509.public_key().raw != key.subject_public_key_info().as_slice() {
            return Err(PkiError::KeyMismatch);
        }
        let issuer = Issuer::from_ca_cert_der(&cert_der.clone().into(), key)
            .map_err(|e| PkiError::Malformed { what: "CA certificate", detail: e.to_string() })?;
        Ok(Self { cert_pem: cert_pem.to_owned(), cert_der, issuer })
    }

    /// The CA certificate, PEM: what clients trust (`ca.pem`; the bundle it was loaded from).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// Issues a client certificate for the app `app_name`, valid 390 days from `now`.
    pub fn issue_client(
        &self,
        app_name: &str,
        key: &ClientKey,
        now: OffsetDateTime,
    ) -> Result<IssuedCert, PkiError> {
        let (serial_hex, serial) = random_serial()?;
        let not_before = truncate(now);
        let not_after = not_before + Duration::days(CLIENT_CERT_DAYS);
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(app_name, "apps-in-toss partner");
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(serial);
        params.use_authority_key_identifier_extension = true;

        let (cert, key_pem, key_source) = match key {
            ClientKey::Generate(kind) => {
                let pair = kind.generate()?;
                let cert = params.signed_by(&pair, &self.issuer)?;
                (cert, Some(SecretPem::new(pair.serialize_pem())), kind.as_str())
            }
            ClientKey::Csr(pem) => {
                let spki = csr_public_key(pem)?;
                (params.signed_by(&spki, &self.issuer)?, None, "csr")
            }
        };
        Ok(IssuedCert {
            serial: serial_hex,
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem,
            not_before,
            not_after,
            key_source,
        })
    }

    /// Issues a client certificate with arbitrary validity and usage. For test PKI only:
    /// expired certificates and certificates without the clientAuth EKU.
    #[doc(hidden)]
    pub fn issue_client_for_tests(
        &self,
        app_name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        client_auth_eku: bool,
    ) -> Result<IssuedCert, PkiError> {
        let (serial_hex, serial) = random_serial()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(app_name, "apps-in-toss partner");
        params.extended_key_usages = if client_auth_eku {
            vec![ExtendedKeyUsagePurpose::ClientAuth]
        } else {
            vec![ExtendedKeyUsagePurpose::ServerAuth]
        };
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(serial);
        let pair = KeyType::EcdsaP256.generate()?;
        let cert = params.signed_by(&pair, &self.issuer)?;
        Ok(IssuedCert {
            serial: serial_hex,
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: Some(SecretPem::new(pair.serialize_pem())),
            not_before,
            not_after,
            key_source: "p256",
        })
    }

    /// Issues a server certificate (EKU serverAuth) for `names` (DNS names or IP addresses),
    /// valid 390 days, with a key of type `key_type`.
    pub fn issue_server(
        &self,
        names: &[String],
        key_type: KeyType,
        now: OffsetDateTime,
    ) -> Result<ServerIdentity, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(names.first().map_or("intoss", String::as_str), "intoss platform");
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<std::net::IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n
                    .as_str()
                    .try_into()
                    .map(SanType::DnsName)
                    .map_err(|_| PkiError::Malformed { what: "server name", detail: n.clone() }),
            })
            .collect::<Result<_, _>>()?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        params.not_before = truncate(now) - Duration::minutes(5);
        params.not_after = truncate(now) + Duration::days(CLIENT_CERT_DAYS);
        params.serial_number = Some(random_serial()?.1);
        params.use_authority_key_identifier_extension = true;
        let pair = key_type.generate()?;
        let cert = params.signed_by(&pair, &self.issuer)?;
        Ok(ServerIdentity { cert_pem: cert.pem(), key_pem: SecretPem::new(pair.serialize_pem()) })
    }

    /// Issues a user's personal signing certificate (see [`UserSigningCert`]) for `name` with the
    /// user identifier `uid`, valid 365 days from `now`, with a freshly generated RSA-2048 key.
    ///
    /// The sandbox issues these from a CA named like Toss's intermediate (`"intoss sandbox Toss
    /// CA1"`), and signs identity-verification results with them ([`crate::sign_attached`]).
    pub fn issue_user_signing_cert(
        &self,
        name: &str,
        uid: &str,
        now: OffsetDateTime,
    ) -> Result<UserSigningCert, PkiError> {
        let (serial_hex, serial) = random_serial()?;
        let not_before = truncate(now);
        let not_after = not_before + Duration::days(USER_CERT_DAYS);
        let country =
            rcgen::string::PrintableString::try_from("KR").map_err(|e| PkiError::Signing(e.to_string()))?;
        let mut subject = DistinguishedName::new();
        subject.push(DnType::CountryName, DnValue::PrintableString(country));
        subject.push(DnType::OrganizationName, "Viva Republica Inc");
        subject.push(DnType::OrganizationalUnitName, "Toss Cert");
        subject.push(DnType::CustomDnType(OID_USER_ID.to_vec()), uid);
        subject.push(DnType::CommonName, name);
        let mut params = CertificateParams::default();
        params.distinguished_name = subject;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(serial);
        params.use_authority_key_identifier_extension = true;
        let pair = KeyType::Rsa2048.generate()?;
        let cert = params.signed_by(&pair, &self.issuer)?;
        Ok(UserSigningCert {
            serial: serial_hex,
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: SecretPem::new(pair.serialize_pem()),
            key_der: SecretDer::new(pair.serialize_der()),
            not_before,
            not_after,
        })
    }
}

fn dn(common_name: &str, org_unit: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationalUnitName, org_unit);
    dn.push(DnType::OrganizationName, "intoss");
    dn
}

/// Whole seconds: X.509 times carry no fractions, so the stored and the signed times agree.
fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// 16 random bytes, first byte in 0x01..=0x7f: positive, and never shortened by DER, so the hex
/// form read back from the certificate is the same 32 digits.
fn random_serial() -> Result<(String, SerialNumber), PkiError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| PkiError::Signing("no randomness".into()))?;
    bytes[0] = (bytes[0] & 0x7f).max(1);
    Ok((hex::encode(bytes), SerialNumber::from_slice(&bytes)))
}

/// Verifies a CSR's self-signature and returns its public key, refusing weak keys.
fn csr_public_key(pem: &str) -> Result<SubjectPublicKeyInfo, PkiError> {
    let der = info::pem_to_der_labelled(pem, "CERTIFICATE REQUEST", "CSR")?;
    let (rest, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|e| PkiError::Malformed { what: "CSR", detail: e.to_string() })?;
    if !rest.is_empty() {
        return Err(PkiError::Malformed { what: "CSR", detail: "trailing bytes".into() });
    }
    csr.verify_signature().map_err(|_| PkiError::CsrSignature)?;
    let spki = &csr.certification_request_info.subject_pki;
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            if !(2048..=4096).contains(&bits) {
                return Err(PkiError::WeakKey(format!("RSA {bits} bits")));
            }
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
            let ok = curve.is_some_and(|c| {
                c == x509_parser::oid_registry::OID_EC_P256
                    || c == x509_parser::oid_registry::OID_NIST_EC_P384
            });
            if !ok {
                return Err(PkiError::WeakKey("an EC curve other than P-256/P-384".into()));
            }
        }
        Ok(_) => return Err(PkiError::WeakKey("unsupported key algorithm".into())),
        Err(e) => return Err(PkiError::Malformed { what: "CSR public key", detail: e.to_string() }),
    }
    SubjectPublicKeyInfo::from_der(spki.raw)
        .map_err(|e| PkiError::WeakKey(format!("unsupported key algorithm ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_cert_der;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn a_successor_root_is_cross_signed_by_the_old_and_issues_alone() {
        let (old, _) = CertificateAuthority::generate("intoss root CA", now()).unwrap();
        assert!(old.allows_cross_signed_path(), "new roots allow the one cross-signed intermediate");
        let (new, key, cross) = old.successor(now()).unwrap();
        let cross = crate::cert_pem_to_der(&cross).unwrap();
        assert!(crate::verify_issued_by(&cross, old.cert_der()), "cross-signed by the old root");
        assert!(crate::verify_issued_by(new.cert_der(), new.cert_der()), "the new root is self-signed");
        let (c, n) = (parse_cert_der(&cross).unwrap(), parse_cert_der(new.cert_der()).unwrap());
        assert_eq!(c.common_name, n.common_name, "one subject, two issuers");
        assert_ne!(n.common_name.as_deref(), Some("intoss root CA"), "roots never share a name");
        assert_ne!(c.serial, n.serial);
        let leaf = new.issue_client("app", &ClientKey::Generate(KeyType::EcdsaP256), now()).unwrap();
        assert!(crate::verify_issued_by(&leaf.cert_der, new.cert_der()));
        assert!(!crate::verify_issued_by(&leaf.cert_der, old.cert_der()));
        // What was written can be loaded back.
        let loaded =
            CertificateAuthority::from_pem(&format!("{}{}", new.cert_pem(), old.cert_pem()), key.expose());
        assert_eq!(loaded.unwrap().cert_der(), new.cert_der(), "a bundle loads as its first root");
    }

    /// Roots of an intoss before rotation existed allow no intermediate: `intoss ca rotate` warns.
    #[test]
    fn a_root_without_room_for_an_intermediate_is_told_apart() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = dn("intoss root CA", "intoss platform CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let cert = params.self_signed(&key).unwrap();
        let old = CertificateAuthority::from_pem(&cert.pem(), &key.serialize_pem()).unwrap();
        assert!(!old.allows_cross_signed_path());
        let (new, _) = CertificateAuthority::generate("intoss root CA", now()).unwrap();
        assert!(new.allows_cross_signed_path());
    }

    #[test]
    fn client_cert_is_390_days_client_auth_and_names_the_app() {
        let (ca, _) = CertificateAuthority::generate("test CA", now()).unwrap();
        for kind in [KeyType::Rsa2048, KeyType::EcdsaP256] {
            let issued = ca.issue_client("my-mini-app", &ClientKey::Generate(kind), now()).unwrap();
            assert_eq!(issued.not_after - issued.not_before, Duration::days(390));
            let info = parse_cert_der(&issued.cert_der).unwrap();
            assert_eq!(info.serial, issued.serial);
            assert_eq!(info.serial.len(), 32);
            assert_eq!(info.common_name.as_deref(), Some("my-mini-app"));
            assert!(info.client_auth);
            assert!(!info.is_ca);
            let key = issued.key_pem.as_ref().unwrap().expose();
            assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
        }
    }

    #[test]
    fn serials_are_unique() {
        let (ca, _) = CertificateAuthority::generate("test CA", now()).unwrap();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let c = ca.issue_client("a", &ClientKey::Generate(KeyType::EcdsaP256), now()).unwrap();
            assert!(seen.insert(c.serial));
        }
    }

    #[test]
    fn csr_subject_is_ignored_and_key_is_kept() {
        let (ca, _) = CertificateAuthority::generate("test CA", now()).unwrap();
        let partner_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut csr_params = CertificateParams::new(vec!["evil.example".to_string()]).unwrap();
        csr_params.distinguished_name.push(DnType::CommonName, "someone-else");
        let csr = csr_params.serialize_request(&partner_key).unwrap().pem().unwrap();
        let issued = ca.issue_client("my-app", &ClientKey::Csr(csr), now()).unwrap();
        assert!(issued.key_pem.is_none());
        let (_, x509) = x509_parser::parse_x509_certificate(&issued.cert_der).unwrap();
        assert_eq!(x509.public_key().raw, partner_key.subject_public_key_info().as_slice());
        let info = parse_cert_der(&issued.cert_der).unwrap();
        assert_eq!(info.common_name.as_deref(), Some("my-app"));
        assert!(x509.subject_alternative_name().unwrap().is_none(), "no SAN copied from the CSR");
    }

    #[test]
    fn bad_csrs_are_refused() {
        let (ca, _) = CertificateAuthority::generate("test CA", now()).unwrap();
        assert!(matches!(
            ca.issue_client("a", &ClientKey::Csr("not a csr".into()), now()),
            Err(PkiError::Malformed { .. })
        ));
        // Tamper with the signed body: the signature no longer verifies.
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = CertificateParams::new(vec!["x.example".to_string()]).unwrap();
        let csr = params.serialize_request(&key).unwrap();
        let mut der = csr.der().to_vec();
        let i = der.len() / 3;
        der[i] ^= 0x01;
        let pem = info::der_to_pem("CERTIFICATE REQUEST", &der);
        let err = ca.issue_client("a", &ClientKey::Csr(pem), now()).unwrap_err();
        assert!(matches!(err, PkiError::CsrSignature | PkiError::Malformed { .. }), "{err}");
    }

    #[test]
    fn ca_round_trips_through_pem_and_detects_a_foreign_key() {
        let (ca, key) = CertificateAuthority::generate("test CA", now()).unwrap();
        let again = CertificateAuthority::from_pem(ca.cert_pem(), key.expose()).unwrap();
        assert_eq!(again.cert_der(), ca.cert_der());
        let (_, other_key) = CertificateAuthority::generate("other", now()).unwrap();
        assert!(matches!(
            CertificateAuthority::from_pem(ca.cert_pem(), other_key.expose()),
            Err(PkiError::KeyMismatch)
        ));
        assert!(CertificateAuthority::from_pem("garbage", key.expose()).is_err());
    }

    #[test]
    fn user_signing_cert_looks_like_a_toss_cert_user_certificate() {
        use x509_parser::extensions::ParsedExtension;
        let (ca, _) = CertificateAuthority::generate("intoss sandbox Toss CA1", now()).unwrap();
        let user = ca.issue_user_signing_cert("홍길동", "a1b2c3", now()).unwrap();
        assert_eq!(user.not_after - user.not_before, Duration::days(365));
        let (_, x509) = x509_parser::parse_x509_certificate(&user.cert_der).unwrap();
        assert_eq!(
            x509.subject().to_string(),
            "C=KR, O=Viva Republica Inc, OU=Toss Cert, uid=a1b2c3, CN=홍길동",
            "DER order; RFC 4514 reads it from CN"
        );
        assert_eq!(x509.issuer().to_string(), "CN=intoss sandbox Toss CA1, OU=intoss platform CA, O=intoss");
        assert_eq!(hex::encode(x509.raw_serial()), user.serial);
        match x509.public_key().parsed().unwrap() {
            PublicKey::RSA(rsa) => assert_eq!(rsa.key_size(), 2048),
            other => panic!("not RSA: {other:?}"),
        }
        let ku = x509
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::KeyUsage(ku) => Some(*ku),
                _ => None,
            })
            .unwrap();
        assert!(ku.digital_signature() && ku.non_repudiation());
        assert!(!ku.key_cert_sign() && !ku.key_encipherment());
        assert!(user.key_pem.expose().starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(format!("{:?}", user.key_der), "SecretDer(..)");
    }

    #[test]
    fn issued_certs_verify_under_rustls_webpki() {
        use rustls::pki_types::{CertificateDer, UnixTime};
        use rustls::server::WebPkiClientVerifier;
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let (ca, _) = CertificateAuthority::generate("test CA", now()).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(ca.cert_der().to_vec())).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider).build().unwrap();
        let good = ca.issue_client("a", &ClientKey::Generate(KeyType::Rsa2048), now()).unwrap();
        let t = UnixTime::now();
        verifier.verify_client_cert(&CertificateDer::from(good.cert_der.clone()), &[], t).unwrap();
        let no_eku = ca.issue_client_for_tests("a", now(), now() + Duration::days(1), false).unwrap();
        assert!(verifier.verify_client_cert(&CertificateDer::from(no_eku.cert_der), &[], t).is_err());
        let expired = ca
            .issue_client_for_tests("a", now() - Duration::days(10), now() - Duration::days(1), true)
            .unwrap();
        assert!(verifier.verify_client_cert(&CertificateDer::from(expired.cert_der), &[], t).is_err());
    }
}
