//! The PEM helpers and the certificate reader of `intoss_pki`: `pem_block`, `der_to_pem`,
//! `cert_pem_to_der`, `parse_cert_pem`, `parse_cert_der`, `verify_issued_by`.
//!
//! Input: a mode byte, then
//! - mode 0, *hostile PEM*: the rest is PEM text. A block read under a label writes back (with
//!   `der_to_pem`) to text that reads to the same bytes; a certificate that parses from PEM
//!   parses the same from its DER.
//! - mode 1, *hostile DER certificate*: the rest is DER. What parses gives the same `CertInfo`
//!   through PEM, a serial in lowercase hex without a leading zero byte, and a certificate the
//!   platform CA vouches for names that CA as its issuer.
//! - mode 2, *PEM round trip*: a label byte, then any bytes: `der_to_pem` then `pem_block` gives
//!   the bytes back, and the PEM has 64-column lines.
#![no_main]

use std::sync::LazyLock;

use intoss_fuzz::Input;
use intoss_pki::{
    CertInfo, CertificateAuthority, cert_pem_to_der, der_to_pem, parse_cert_der, parse_cert_pem, pem_block,
    verify_issued_by,
};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;

const LABELS: [&str; 4] = ["CERTIFICATE", "CERTIFICATE REQUEST", "PUBLIC KEY", "PRIVATE KEY"];
const CA_NAME: &str = "fuzz platform CA";

static CA: LazyLock<CertificateAuthority> =
    LazyLock::new(|| CertificateAuthority::generate(CA_NAME, OffsetDateTime::now_utc()).unwrap().0);

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 3 {
        0 => hostile_pem(&input.rest_str()),
        1 => hostile_der(input.rest()),
        _ => {
            let label = LABELS[usize::from(input.byte()) % LABELS.len()];
            round_trip(label, input.rest());
        }
    }
});

fn hostile_pem(text: &str) {
    for label in LABELS {
        if let Ok(der) = pem_block(text, label) {
            assert!(text.contains(&format!("-----BEGIN {label}-----")));
            round_trip(label, &der);
        }
    }
    if let Ok(info) = parse_cert_pem(text) {
        let der = cert_pem_to_der(text).expect("a certificate that parses from PEM has DER");
        assert_eq!(parse_cert_der(&der).unwrap(), info);
        check_info(&der, &info);
    }
}

fn hostile_der(der: &[u8]) {
    let Ok(info) = parse_cert_der(der) else { return };
    assert_eq!(parse_cert_pem(&der_to_pem("CERTIFICATE", der)).unwrap(), info);
    check_info(der, &info);
}

fn check_info(der: &[u8], info: &CertInfo) {
    let serial = &info.serial;
    assert!(serial.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{serial}");
    assert!(serial.len().is_multiple_of(2) && !serial.starts_with("00"), "{serial}");
    if verify_issued_by(der, CA.cert_der()) {
        assert_eq!(info.issuer_common_name.as_deref(), Some(CA_NAME));
    }
}

fn round_trip(label: &str, der: &[u8]) {
    let pem = der_to_pem(label, der);
    assert_eq!(pem_block(&pem, label).unwrap(), der);
    let mut lines = pem.lines();
    assert_eq!(lines.next(), Some(format!("-----BEGIN {label}-----").as_str()));
    let body: Vec<&str> = lines.clone().take_while(|l| !l.starts_with("-----END")).collect();
    assert!(body.iter().all(|l| l.len() <= 64) && body.iter().rev().skip(1).all(|l| l.len() == 64));
    assert_eq!(lines.nth(body.len()), Some(format!("-----END {label}-----").as_str()));
}
