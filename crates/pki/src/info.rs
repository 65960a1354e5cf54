//! Reading certificates back: serial, subject, validity, usage.

use base64::Engine as _;
use time::OffsetDateTime;
use x509_parser::extensions::ParsedExtension;

use crate::PkiError;

/// What the platform needs to know about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Serial number, lowercase hex without leading zero bytes.
    pub serial: String,
    /// The subject's common name, if any.
    pub common_name: Option<String>,
    /// The issuer's common name, if any.
    pub issuer_common_name: Option<String>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Whether the certificate is a CA.
    pub is_ca: bool,
    /// Whether the EKU extension allows TLS client authentication.
    pub client_auth: bool,
}

/// Parses one DER certificate.
pub fn parse_cert_der(der: &[u8]) -> Result<CertInfo, PkiError> {
    let malformed = |detail: String| PkiError::Malformed { what: "certificate", detail };
    let (_, x509) = x509_parser::parse_x509_certificate(der).map_err(|e| malformed(e.to_string()))?;
    let cn = |name: &x509_parser::x509::X509Name<'_>| {
        name.iter_common_name().next().and_then(|a| a.as_str().ok()).map(str::to_owned)
    };
    let mut is_ca = false;
    let mut client_auth = false;
    for ext in x509.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => is_ca = bc.ca,
            ParsedExtension::ExtendedKeyUsage(eku) => client_auth = eku.client_auth || eku.any,
            _ => {}
        }
    }
    let time = |t: x509_parser::time::ASN1Time| t.to_datetime();
    Ok(CertInfo {
        serial: hex::encode(x509.raw_serial()).trim_start_matches("00").to_owned(),
        common_name: cn(x509.subject()),
        issuer_common_name: cn(x509.issuer()),
        not_before: time(x509.validity().not_before),
        not_after: time(x509.validity().not_after),
        is_ca,
        client_auth,
    })
}

/// Parses the first certificate of a PEM text.
pub fn parse_cert_pem(pem: &str) -> Result<CertInfo, PkiError> {
    parse_cert_der(&pem_to_der(pem, "certificate")?)
}

/// The DER bytes of the first `CERTIFICATE` block of `pem`.
pub(crate) fn pem_to_der(pem: &str, what: &'static str) -> Result<Vec<u8>, PkiError> {
    pem_to_der_labelled(pem, "CERTIFICATE", what)
}

/// The DER bytes of the first certificate in `pem`.
pub fn cert_pem_to_der(pem: &str) -> Result<Vec<u8>, PkiError> {
    pem_to_der(pem, "certificate")
}

/// The DER bytes of every certificate in `pem`, in order (a trust bundle, a chain).
pub fn cert_pems_to_ders(pem: &str) -> Result<Vec<Vec<u8>>, PkiError> {
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(at) = rest.find("-----BEGIN CERTIFICATE-----") {
        out.push(pem_to_der(&rest[at..], "certificate")?);
        let tail = &rest[at..];
        let end = tail
            .find("-----END CERTIFICATE-----")
            .map_or(tail.len(), |e| e + "-----END CERTIFICATE-----".len());
        rest = &tail[end..];
    }
    if out.is_empty() {
        return Err(PkiError::Malformed {
            what: "certificate",
            detail: "no `-----BEGIN CERTIFICATE-----` line".into(),
        });
    }
    Ok(out)
}

/// The DER bytes of the first PEM block labelled `label` (e.g. `PRIVATE KEY`).
pub fn pem_block(pem: &str, label: &str) -> Result<Vec<u8>, PkiError> {
    pem_to_der_labelled(pem, label, "PEM file")
}

/// Whether `cert_der`'s signature verifies with the public key of `issuer_der` and its issuer
/// name is the issuer's subject. Validity dates are not checked here.
pub fn verify_issued_by(cert_der: &[u8], issuer_der: &[u8]) -> bool {
    let (Ok((_, cert)), Ok((_, issuer))) =
        (x509_parser::parse_x509_certificate(cert_der), x509_parser::parse_x509_certificate(issuer_der))
    else {
        return false;
    };
    cert.issuer() == issuer.subject() && cert.verify_signature(Some(issuer.public_key())).is_ok()
}

/// The DER bytes of the first PEM block labelled `label` (`-----BEGIN {label}-----`).
pub(crate) fn pem_to_der_labelled(pem: &str, label: &str, what: &'static str) -> Result<Vec<u8>, PkiError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let malformed = |detail: &str| PkiError::Malformed { what, detail: detail.to_owned() };
    let start = pem.find(&begin).ok_or_else(|| malformed(&format!("no `{begin}` line")))?;
    let body = &pem[start + begin.len()..];
    let stop = body.find(&end).ok_or_else(|| malformed(&format!("no `{end}` line")))?;
    let b64: String = body[..stop].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| malformed("bad base64 in the PEM body"))
}

/// PEM text for DER bytes, in 64-column lines.
pub fn der_to_pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
