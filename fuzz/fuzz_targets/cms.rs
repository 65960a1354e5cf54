//! The CMS SignedData reader and writer of `intoss_pki` (the `signature` of a Toss Cert
//! result): `signer_certificate`, `attached_content`, `sign_attached`.
//!
//! Input: a mode byte, then
//! - mode 0, *hostile DER*: the rest is a ContentInfo. The strict DER reader never panics; a
//!   signer certificate it returns parses as X.509 and is a slice of the input, and so is any
//!   content it returns.
//! - mode 1, *round trip*: 8 bytes of Unix time, then the content. Signing succeeds exactly for
//!   the years 0–9999, and reading the signature back gives the content and the signer's
//!   certificate.
#![no_main]

use std::sync::LazyLock;

use intoss_fuzz::Input;
use intoss_pki::{
    CertificateAuthority, UserSigningCert, attached_content, parse_cert_der, sign_attached,
    signer_certificate,
};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;

/// An RSA-2048 user signing certificate of a sandbox Toss CA, as the service signs with.
static SIGNER: LazyLock<UserSigningCert> = LazyLock::new(|| {
    let now = OffsetDateTime::now_utc();
    let (ca, _) = CertificateAuthority::generate("fuzz sandbox Toss CA", now).unwrap();
    ca.issue_user_signing_cert("김토스", "fuzz", now).unwrap()
});

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 2 {
        0 => hostile(input.rest()),
        _ => {
            let at = i64::from_le_bytes(input.array());
            round_trip(at, input.rest());
        }
    }
});

fn hostile(der: &[u8]) {
    if let Ok(cert) = signer_certificate(der) {
        assert!(parse_cert_der(&cert).is_ok(), "the signer certificate does not parse");
        assert!(is_slice_of(&cert, der), "the signer certificate is not from the input");
    }
    if let Ok(content) = attached_content(der) {
        assert!(is_slice_of(&content, der), "the content is not from the input");
    }
}

fn round_trip(at: i64, content: &[u8]) {
    let Ok(at) = OffsetDateTime::from_unix_timestamp(at) else { return };
    let signer = &*SIGNER;
    let signed = sign_attached(content, &signer.cert_der, signer.key_der.expose(), at);
    let Ok(signed) = signed else {
        assert!(!(0..=9999).contains(&at.year()), "signing at {at} failed: {signed:?}");
        return;
    };
    assert!((0..=9999).contains(&at.year()), "a signing time in {} was encoded", at.year());
    assert_eq!(attached_content(&signed).unwrap(), content);
    assert_eq!(signer_certificate(&signed).unwrap(), signer.cert_der);
}

fn is_slice_of(part: &[u8], whole: &[u8]) -> bool {
    part.is_empty() || whole.windows(part.len()).any(|w| w == part)
}
