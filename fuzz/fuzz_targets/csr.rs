//! CSR parsing and issuance from a CSR (`CertificateAuthority::issue_client` with
//! `ClientKey::Csr`): the PEM reader, x509-parser's PKCS#10 reader, the self-signature check and
//! the key policy (RSA 2048–4096, ECDSA P-256/P-384).
//!
//! Whatever is issued: the CSR has an acceptable key, the certificate carries exactly that
//! public key, names the app (never the CSR's subject), has the clientAuth EKU, no SAN, is not a
//! CA, lasts 390 days, and verifies under the platform CA. The platform returns no private key.
//!
//! Input: a mode byte, then
//! - mode 0: the rest is the CSR as PEM text;
//! - mode 1: the rest is the CSR as DER (the target writes the PEM around it), which lets the
//!   fuzzer mutate the ASN.1 rather than its base64;
//! - mode 2: a key byte (P-256, P-384, Ed25519), a short string for the subject's common name
//!   and one for a SAN; rcgen writes and signs the CSR. P-256 and P-384 CSRs are issued, with
//!   the app's name and no SAN whatever the CSR asked for; Ed25519 is refused as a weak key.
#![no_main]

use std::sync::LazyLock;

use intoss_fuzz::Input;
use intoss_pki::{
    CertificateAuthority, ClientKey, PkiError, der_to_pem, parse_cert_der, pem_block, verify_issued_by,
};
use libfuzzer_sys::fuzz_target;
use rcgen::{CertificateParams, DnType, KeyPair};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509CertificationRequest};
use x509_parser::public_key::PublicKey;

const APP: &str = "fuzz-app";

static CA: LazyLock<CertificateAuthority> = LazyLock::new(|| {
    CertificateAuthority::generate("fuzz platform CA", OffsetDateTime::now_utc()).unwrap().0
});

/// The partner keys of mode 2, generated once.
static KEYS: LazyLock<[KeyPair; 3]> = LazyLock::new(|| {
    [&rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_ECDSA_P384_SHA384, &rcgen::PKCS_ED25519]
        .map(|alg| KeyPair::generate_for(alg).unwrap())
});

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 3 {
        // A refusal is a fine answer to a hostile CSR; what is issued is checked.
        0 => drop(issue(&input.rest_str())),
        1 => drop(issue(&der_to_pem("CERTIFICATE REQUEST", input.rest()))),
        _ => structured(input),
    }
});

/// Issues from `pem` and checks what comes back.
fn issue(pem: &str) -> Result<(), PkiError> {
    let issued = CA.issue_client(APP, &ClientKey::Csr(pem.to_owned()), OffsetDateTime::now_utc())?;
    let csr_der = pem_block(pem, "CERTIFICATE REQUEST").expect("an issued CSR has a PEM block");
    let (rest, csr) = X509CertificationRequest::from_der(&csr_der).expect("an issued CSR parses");
    assert!(rest.is_empty(), "a CSR with trailing bytes was issued");
    let spki = &csr.certification_request_info.subject_pki;
    match spki.parsed().expect("an issued CSR has a readable key") {
        PublicKey::RSA(rsa) => assert!((2048..=4096).contains(&rsa.key_size()), "RSA {}", rsa.key_size()),
        PublicKey::EC(_) => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).unwrap();
            assert!(
                curve == x509_parser::oid_registry::OID_EC_P256
                    || curve == x509_parser::oid_registry::OID_NIST_EC_P384,
                "curve {curve}"
            );
        }
        other => panic!("a CSR with a {other:?} key was issued"),
    }

    assert!(issued.key_pem.is_none(), "a private key was returned for a CSR");
    assert_eq!(issued.key_source, "csr");
    assert_eq!(issued.not_after - issued.not_before, time::Duration::days(390));
    let info = parse_cert_der(&issued.cert_der).unwrap();
    assert_eq!(info.common_name.as_deref(), Some(APP), "the subject came from the CSR");
    assert!(info.client_auth && !info.is_ca);
    assert_eq!(info.serial, issued.serial);
    assert!(verify_issued_by(&issued.cert_der, CA.cert_der()), "not signed by the platform CA");
    let (_, cert) = x509_parser::parse_x509_certificate(&issued.cert_der).unwrap();
    assert_eq!(cert.public_key().raw, spki.raw, "the certificate does not carry the CSR's key");
    assert!(cert.subject_alternative_name().unwrap().is_none(), "a SAN was copied from the CSR");
    Ok(())
}

fn structured(mut input: Input<'_>) {
    let key_index = usize::from(input.byte() % 3);
    let common_name = input.short_string();
    let san = input.short_string();
    let Ok(mut params) = CertificateParams::new(vec![san]) else { return };
    params.distinguished_name.push(DnType::CommonName, common_name);
    let Ok(csr) = params.serialize_request(&KEYS[key_index]) else { return };
    let pem = csr.pem().unwrap();
    match (key_index, issue(&pem)) {
        (0 | 1, Ok(())) => {}
        (0 | 1, other) => panic!("a P-256/P-384 CSR was refused: {other:?}"),
        (_, Err(PkiError::WeakKey(_))) => {}
        (_, other) => panic!("an Ed25519 CSR was not refused as a weak key: {other:?}"),
    }
}
