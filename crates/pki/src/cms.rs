//! CMS (RFC 5652) SignedData with attached content: the `signature` of a Toss Cert result.
//!
//! [`sign_attached`] writes the shape seen in Toss's sample: SignedData v1, SHA-256, the content
//! attached as id-data, the signer's certificate included, and one SignerInfo (v1, issuer and
//! serial) whose signed attributes are contentType, signingTime and messageDigest, signed with
//! RSA PKCS#1 v1.5. [`signer_certificate`] and [`attached_content`] read such a structure back,
//! as the official SDK does before it asks Toss to validate the signer.
//!
//! The reader accepts DER only (definite lengths, minimal length octets, low tag numbers) and
//! refuses trailing bytes at every level; it never panics on hostile input. It checks the
//! structure, not the signature: verifying is the job of whoever trusts the signer's CA.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use time::{OffsetDateTime, UtcOffset};

use crate::PkiError;

/// id-signedData, 1.2.840.113549.1.7.2 (OID content octets, as are the constants below).
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// id-data, 1.2.840.113549.1.7.1.
const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
/// id-sha256, 2.16.840.1.101.3.4.2.1.
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// rsaEncryption, 1.2.840.113549.1.1.1.
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-contentType, 1.2.840.113549.1.9.3.
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
/// id-messageDigest, 1.2.840.113549.1.9.4.
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
/// id-signingTime, 1.2.840.113549.1.9.5.
const OID_SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
/// `[0]` constructed: EXPLICIT content, IMPLICIT certificates and signed attributes.
const CONTEXT_0: u8 = 0xa0;
/// `[1]` constructed: IMPLICIT crls.
const CONTEXT_1: u8 = 0xa1;

/// Signs `content` and returns the DER of a CMS ContentInfo holding a SignedData with the
/// content attached.
///
/// The signer is `signer_cert_der` (an X.509 certificate, DER) with the RSA private key
/// `signer_key_pkcs8_der` (PKCS#8 DER, 2048 to 8192 bits); the key must belong to the certificate.
/// `signing_time` goes into the signingTime attribute, in UTC, to the second: UTCTime for the
/// years 1950-2049, GeneralizedTime for the other years up to 9999.
///
/// The result verifies with `openssl cms -verify -inform DER` given the signer's CA.
pub fn sign_attached(
    content: &[u8],
    signer_cert_der: &[u8],
    signer_key_pkcs8_der: &[u8],
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>, PkiError> {
    let signer = SignerIdentity::from_cert(signer_cert_der)?;
    let key = RsaKeyPair::from_pkcs8(signer_key_pkcs8_der).map_err(|_| PkiError::Malformed {
        what: "signer key",
        detail: "not an RSA PKCS#8 private key of 2048-8192 bits".into(),
    })?;
    if key.public_key().as_ref() != signer.rsa_public_key {
        return Err(PkiError::KeyMismatch);
    }

    let attributes = signed_attributes(digest(&SHA256, content).as_ref(), signing_time)?;
    // RFC 5652 §5.4: the signature covers the attributes with the universal SET tag, not [0].
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &tlv(SET, &attributes), &mut signature)
        .map_err(|_| PkiError::Signing("RSA signing failed".into()))?;

    let sha256 = tlv(SEQUENCE, &tlv(OID, OID_SHA256));
    let signer_info = seq(&[
        &tlv(INTEGER, &[1]),
        &seq(&[signer.issuer, &tlv(INTEGER, signer.serial)]),
        &sha256,
        &tlv(CONTEXT_0, &attributes),
        &seq(&[&tlv(OID, OID_RSA_ENCRYPTION), &tlv(NULL, &[])]),
        &tlv(OCTET_STRING, &signature),
    ]);
    let signed_data = seq(&[
        &tlv(INTEGER, &[1]),
        &tlv(SET, &sha256),
        &seq(&[&tlv(OID, OID_DATA), &tlv(CONTEXT_0, &tlv(OCTET_STRING, content))]),
        &tlv(CONTEXT_0, signer_cert_der),
        &tlv(SET, &signer_info),
    ]);
    Ok(seq(&[&tlv(OID, OID_SIGNED_DATA), &tlv(CONTEXT_0, &signed_data)]))
}

/// The first X.509 certificate (DER) in the `certificates` of a CMS SignedData (DER
/// ContentInfo). This is the signer in what Toss returns and in what [`sign_attached`] writes;
/// the official SDK takes it the same way to have Toss validate it.
///
/// Errors if the input is not a well-formed DER SignedData, carries no certificate, or its first
/// certificate does not parse as X.509.
pub fn signer_certificate(cms_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let parts = SignedDataParts::parse(cms_der)?;
    let first = parts.certificates.first().ok_or_else(|| malformed("no certificate is included"))?;
    match x509_parser::parse_x509_certificate(first) {
        Ok(([], _)) => Ok(first.to_vec()),
        Ok(_) => Err(malformed("the first certificate has trailing bytes")),
        Err(e) => Err(malformed(&format!("the first certificate does not parse: {e}"))),
    }
}

/// The attached content of a CMS SignedData (DER ContentInfo) whose encapsulated content type
/// is id-data. Does not verify the signature.
///
/// Errors if the input is not a well-formed DER SignedData, the content is detached, or the
/// content type is not id-data.
pub fn attached_content(cms_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let parts = SignedDataParts::parse(cms_der)?;
    if parts.content_type != OID_DATA {
        return Err(malformed("the encapsulated content is not id-data"));
    }
    parts.content.map(<[u8]>::to_vec).ok_or_else(|| malformed("the content is detached"))
}

/// What a SignerInfo needs from the signer's certificate, as raw DER.
struct SignerIdentity<'a> {
    /// The issuer Name, whole TLV.
    issuer: &'a [u8],
    /// The serial number's INTEGER content octets.
    serial: &'a [u8],
    /// The subjectPublicKey BIT STRING's content: an RSAPublicKey for an RSA certificate.
    rsa_public_key: Vec<u8>,
}

impl<'a> SignerIdentity<'a> {
    fn from_cert(der: &'a [u8]) -> Result<Self, PkiError> {
        let bad = |detail: String| PkiError::Malformed { what: "signer certificate", detail };
        let (rest, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| bad(e.to_string()))?;
        if !rest.is_empty() {
            return Err(bad("trailing bytes".into()));
        }
        Ok(Self {
            issuer: cert.tbs_certificate.issuer.as_raw(),
            serial: cert.tbs_certificate.raw_serial(),
            rsa_public_key: cert.public_key().subject_public_key.data.to_vec(),
        })
    }
}

/// The signed attributes contentType, signingTime and messageDigest: the content octets of the
/// SET OF, each Attribute in DER order.
fn signed_attributes(message_digest: &[u8], signing_time: OffsetDateTime) -> Result<Vec<u8>, PkiError> {
    let attribute = |oid: &[u8], value: &[u8]| seq(&[&tlv(OID, oid), &tlv(SET, value)]);
    let mut attributes = [
        attribute(OID_CONTENT_TYPE, &tlv(OID, OID_DATA)),
        attribute(OID_SIGNING_TIME, &time_der(signing_time)?),
        attribute(OID_MESSAGE_DIGEST, &tlv(OCTET_STRING, message_digest)),
    ];
    // X.690 §11.6: the elements of a DER SET OF are sorted by their encodings.
    attributes.sort();
    Ok(attributes.concat())
}

/// RFC 5652 §11.3 Time: UTCTime for 1950-2049, GeneralizedTime otherwise; UTC, whole seconds.
fn time_der(t: OffsetDateTime) -> Result<Vec<u8>, PkiError> {
    let t =
        t.checked_to_offset(UtcOffset::UTC).ok_or_else(|| PkiError::Signing("bad signing time".into()))?;
    let rest =
        format!("{:02}{:02}{:02}{:02}{:02}Z", u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second());
    match t.year() {
        y @ 1950..=2049 => Ok(tlv(UTC_TIME, format!("{:02}{rest}", y % 100).as_bytes())),
        y @ 0..=9999 => Ok(tlv(GENERALIZED_TIME, format!("{y:04}{rest}").as_bytes())),
        y => Err(PkiError::Signing(format!("signing time year {y} cannot be encoded"))),
    }
}

/// One TLV: `tag`, the definite length of `content` in the shortest form, `content`.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let octets = len.to_be_bytes();
        let skip = octets.iter().take_while(|&&b| b == 0).count();
        let significant = octets.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already encoded elements.
fn seq(elements: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &elements.concat())
}

fn malformed(detail: &str) -> PkiError {
    PkiError::Malformed { what: "CMS SignedData", detail: detail.to_owned() }
}

/// The parts of a ContentInfo { signedData } that this crate reads.
struct SignedDataParts<'a> {
    /// eContentType, OID content octets.
    content_type: &'a [u8],
    /// eContent's OCTET STRING content; `None` when detached.
    content: Option<&'a [u8]>,
    /// The whole TLV of each `certificates` element that is a plain Certificate (a SEQUENCE), in order.
    certificates: Vec<&'a [u8]>,
}

impl<'a> SignedDataParts<'a> {
    fn parse(der: &'a [u8]) -> Result<Self, PkiError> {
        let content_info = Reader::new(der).only(SEQUENCE, "ContentInfo")?;
        let mut content_info = Reader::new(content_info);
        if content_info.expect(OID, "contentType")? != OID_SIGNED_DATA {
            return Err(malformed("the content type is not signedData"));
        }
        let explicit = content_info.expect(CONTEXT_0, "content")?;
        content_info.finish("ContentInfo")?;
        let mut signed_data = Reader::new(Reader::new(explicit).only(SEQUENCE, "SignedData")?);

        let version = signed_data.expect(INTEGER, "version")?;
        if !matches!(version, [1] | [3] | [4] | [5]) {
            return Err(malformed("unknown SignedData version"));
        }
        signed_data.expect(SET, "digestAlgorithms")?;
        let encapsulated = signed_data.expect(SEQUENCE, "encapContentInfo")?;
        let mut certificates = Vec::new();
        if signed_data.next_tag() == Some(CONTEXT_0) {
            let mut set = Reader::new(signed_data.expect(CONTEXT_0, "certificates")?);
            while !set.is_empty() {
                let element = set.read("certificates")?;
                // Other CertificateChoices are [1]..[3]: attribute and other certificates.
                if element.tag == SEQUENCE {
                    certificates.push(element.whole);
                }
            }
        }
        if signed_data.next_tag() == Some(CONTEXT_1) {
            signed_data.expect(CONTEXT_1, "crls")?;
        }
        signed_data.expect(SET, "signerInfos")?;
        signed_data.finish("SignedData")?;

        let mut encapsulated = Reader::new(encapsulated);
        let content_type = encapsulated.expect(OID, "eContentType")?;
        let content = if encapsulated.is_empty() {
            None
        } else {
            let explicit = encapsulated.expect(CONTEXT_0, "eContent")?;
            encapsulated.finish("encapContentInfo")?;
            Some(Reader::new(explicit).only(OCTET_STRING, "eContent")?)
        };
        Ok(Self { content_type, content, certificates })
    }
}

/// One element read by [`Reader`].
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    /// Tag, length and content.
    whole: &'a [u8],
}

/// A strict DER reader over a byte slice: definite, minimal lengths; one-byte tags.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn next_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element, whatever its tag.
    fn read(&mut self, what: &str) -> Result<Tlv<'a>, PkiError> {
        let short = || malformed(&format!("{what}: truncated"));
        let (&tag, after_tag) = self.rest.split_first().ok_or_else(short)?;
        if tag & 0x1f == 0x1f {
            return Err(malformed(&format!("{what}: multi-byte tags are not supported")));
        }
        let (&first, after_first) = after_tag.split_first().ok_or_else(short)?;
        let (len, header) = match first {
            0..=0x7f => (usize::from(first), 2),
            0x80 => return Err(malformed(&format!("{what}: indefinite length (BER, not DER)"))),
            _ => {
                let count = usize::from(first & 0x7f);
                if count > 4 {
                    return Err(malformed(&format!("{what}: length too large")));
                }
                let octets = after_first.get(..count).ok_or_else(short)?;
                if octets.first() == Some(&0) {
                    return Err(malformed(&format!("{what}: non-minimal length")));
                }
                let len = octets.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                if len < 0x80 {
                    return Err(malformed(&format!("{what}: non-minimal length")));
                }
                (len, 2 + count)
            }
        };
        let end = header.checked_add(len).ok_or_else(short)?;
        let whole = self.rest.get(..end).ok_or_else(short)?;
        let content = whole.get(header..).ok_or_else(short)?;
        self.rest = self.rest.get(end..).unwrap_or_default();
        Ok(Tlv { tag, content, whole })
    }

    /// Reads the next element, which must have tag `tag`; returns its content.
    fn expect(&mut self, tag: u8, what: &str) -> Result<&'a [u8], PkiError> {
        let tlv = self.read(what)?;
        if tlv.tag != tag {
            return Err(malformed(&format!("{what}: expected tag {tag:#04x}, found {:#04x}", tlv.tag)));
        }
        Ok(tlv.content)
    }

    /// Reads the one element of the input, which must have tag `tag`; returns its content.
    fn only(mut self, tag: u8, what: &str) -> Result<&'a [u8], PkiError> {
        let content = self.expect(tag, what)?;
        self.finish(what)?;
        Ok(content)
    }

    fn finish(&self, what: &str) -> Result<(), PkiError> {
        if self.rest.is_empty() { Ok(()) } else { Err(malformed(&format!("{what}: trailing bytes"))) }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::{Command, Output};

    use time::macros::datetime;

    use super::*;
    use crate::{CertificateAuthority, UserSigningCert};

    const OPENSSL: &str = "/usr/bin/openssl";

    fn toss_content() -> Vec<u8> {
        concat!(
            r#"{"txId":"0f8e7c4a-52f1-4c3b-9d1e-6a2b3c4d5e6f","partnerCode":"x","#,
            r#""serviceType":"간편인증","identifier":null,"userIdentifier":null,"#,
            r#""requestTs":"2025-01-02T03:04:05+09:00"}"#
        )
        .as_bytes()
        .to_vec()
    }

    fn signer() -> (CertificateAuthority, UserSigningCert) {
        let now = OffsetDateTime::now_utc();
        let (ca, _) = CertificateAuthority::generate("intoss sandbox Toss CA1", now).unwrap();
        let user = ca.issue_user_signing_cert("홍길동", "a1b2c3d4e5", now).unwrap();
        (ca, user)
    }

    fn sign(user: &UserSigningCert, content: &[u8]) -> Vec<u8> {
        sign_attached(content, &user.cert_der, user.key_der.expose(), OffsetDateTime::now_utc()).unwrap()
    }

    fn openssl(dir: &Path, args: &[&str]) -> Output {
        Command::new(OPENSSL)
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {OPENSSL}: {e}"))
    }

    /// Runs `openssl cms -verify` on `der` with `ca` as the only trust anchor; the content on success.
    fn openssl_verify(ca: &CertificateAuthority, der: &[u8], extra: &[&str]) -> Result<Vec<u8>, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sig.der"), der).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
        let mut args = vec![
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "sig.der",
            "-CAfile",
            "ca.pem",
            "-out",
            "content.txt",
        ];
        args.extend_from_slice(extra);
        let out = openssl(dir.path(), &args);
        if out.status.success() {
            Ok(std::fs::read(dir.path().join("content.txt")).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    #[test]
    fn openssl_verifies_the_signature_and_returns_the_content() {
        let (ca, user) = signer();
        let content = toss_content();
        let der = sign(&user, &content);
        let verified = openssl_verify(&ca, &der, &["-purpose", "any"]).unwrap();
        assert_eq!(verified, content);
        // The default purpose (smimesign) accepts the certificate too: digitalSignature and
        // nonRepudiation, no EKU.
        assert_eq!(openssl_verify(&ca, &der, &[]).unwrap(), content);
    }

    #[test]
    fn openssl_refuses_tampered_content_signature_or_a_foreign_ca() {
        let (ca, user) = signer();
        let content = toss_content();
        let der = sign(&user, &content);
        let at = der.windows(content.len()).position(|w| w == content).unwrap();

        let mut tampered = der.clone();
        tampered[at + 5] ^= 0x01;
        assert_ne!(attached_content(&tampered).unwrap(), content, "the content itself changed");
        let err = openssl_verify(&ca, &tampered, &["-purpose", "any"]).unwrap_err();
        assert!(err.contains("content verify error"), "{err}");

        let mut bad_signature = der.clone();
        let last = bad_signature.len() - 1;
        bad_signature[last] ^= 0x01;
        let err = openssl_verify(&ca, &bad_signature, &["-purpose", "any"]).unwrap_err();
        assert!(err.contains("CMS Verification failure") && err.contains("rsa"), "{err}");

        // The signed attributes are covered by the signature: move the signing time by a second
        // (the last UTCTime: the certificate's validity comes before the signer info).
        let mut backdated = der.clone();
        let time_at = der.windows(2).rposition(|w| w == [UTC_TIME, 13]).unwrap();
        backdated[time_at + 2 + 11] ^= 0x01;
        let err = openssl_verify(&ca, &backdated, &["-purpose", "any"]).unwrap_err();
        assert!(err.contains("CMS Verification failure") && err.contains("rsa"), "{err}");

        let (foreign, _) =
            CertificateAuthority::generate("intoss sandbox Toss CA1", OffsetDateTime::now_utc()).unwrap();
        let err = openssl_verify(&foreign, &der, &["-purpose", "any"]).unwrap_err();
        assert!(err.contains("certificate verify error"), "{err}");
    }

    #[test]
    fn openssl_prints_the_three_signed_attributes() {
        let (_, user) = signer();
        let der = sign(&user, &toss_content());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sig.der"), &der).unwrap();
        let out = openssl(dir.path(), &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "sig.der"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let signed_attrs =
            text.split("signedAttrs:").nth(1).unwrap().split("signatureAlgorithm:").next().unwrap();
        let objects: Vec<&str> = signed_attrs
            .lines()
            .filter_map(|l| l.trim().strip_prefix("object: "))
            .map(|o| o.split(' ').next().unwrap())
            .collect();
        assert_eq!(objects, ["contentType", "signingTime", "messageDigest"], "{text}");
        assert!(signed_attrs.contains("UTCTIME:"), "{signed_attrs}");
        assert!(text.contains("contentType: pkcs7-signedData"), "{text}");
        assert!(text.contains("eContentType: pkcs7-data"), "{text}");
        assert!(text.contains("algorithm: sha256"), "{text}");
        assert!(text.contains("algorithm: rsaEncryption"), "{text}");
        assert!(text.contains("CN=intoss sandbox Toss CA1"), "issuerAndSerialNumber: {text}");
    }

    #[test]
    fn signer_certificate_and_attached_content_round_trip() {
        let (_, user) = signer();
        let content = toss_content();
        let der = sign(&user, &content);
        assert_eq!(signer_certificate(&der).unwrap(), user.cert_der);
        assert_eq!(attached_content(&der).unwrap(), content);
        // Empty content and content long enough for multi-octet lengths both round-trip.
        for content in [Vec::new(), vec![0x5a; 70_000]] {
            let der = sign(&user, &content);
            assert_eq!(attached_content(&der).unwrap(), content);
            assert_eq!(signer_certificate(&der).unwrap(), user.cert_der);
        }
    }

    #[test]
    fn truncations_and_garbage_are_errors_not_panics() {
        let (_, user) = signer();
        let der = sign(&user, &toss_content());
        for end in 0..der.len() {
            assert!(signer_certificate(&der[..end]).is_err(), "truncated at {end}");
            assert!(attached_content(&der[..end]).is_err(), "truncated at {end}");
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(signer_certificate(&trailing).is_err());
        assert!(attached_content(&trailing).is_err());

        let garbage: [&[u8]; 10] = [
            b"",
            b"\x30",
            b"\x30\x80\x00\x00",                                     // indefinite length
            b"\x30\x81\x05\x06\x03\x2a\x03\x04",                     // non-minimal length
            b"\x30\x85\xff\xff\xff\xff\xff",                         // length too large
            b"\x30\x84\xff\xff\xff\xff",                             // length beyond the input
            b"\x1f\x81\x00\x00",                                     // multi-byte tag
            b"\x30\x03\x02\x01\x01",                                 // not a ContentInfo
            b"\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", // id-data, not signedData
            b"MIIB...not DER at all",
        ];
        for input in garbage {
            assert!(signer_certificate(input).is_err(), "{input:02x?}");
            assert!(attached_content(input).is_err(), "{input:02x?}");
        }
    }

    #[test]
    fn every_single_bit_flip_is_handled_without_panicking() {
        let (_, user) = signer();
        let der = sign(&user, b"short");
        for i in 0..der.len() {
            for bit in 0..8 {
                let mut flipped = der.clone();
                flipped[i] ^= 1 << bit;
                let _ = signer_certificate(&flipped);
                let _ = attached_content(&flipped);
            }
        }
    }

    #[test]
    fn detached_content_and_missing_certificates_are_errors() {
        // ContentInfo { signedData, SignedData { 1, {}, { id-data }, {} } }: no eContent, no certs.
        let signed_data =
            seq(&[&tlv(INTEGER, &[1]), &tlv(SET, &[]), &seq(&[&tlv(OID, OID_DATA)]), &tlv(SET, &[])]);
        let der = seq(&[&tlv(OID, OID_SIGNED_DATA), &tlv(CONTEXT_0, &signed_data)]);
        assert!(SignedDataParts::parse(&der).is_ok());
        assert!(attached_content(&der).unwrap_err().to_string().contains("detached"));
        assert!(signer_certificate(&der).unwrap_err().to_string().contains("no certificate"));
    }

    #[test]
    fn signing_time_is_utc_time_until_2049_and_generalized_time_after() {
        assert_eq!(time_der(datetime!(2049-12-31 23:59:59 UTC)).unwrap(), tlv(UTC_TIME, b"491231235959Z"));
        assert_eq!(time_der(datetime!(1950-01-01 00:00:00 UTC)).unwrap(), tlv(UTC_TIME, b"500101000000Z"));
        assert_eq!(
            time_der(datetime!(2050-01-01 00:00:00 UTC)).unwrap(),
            tlv(GENERALIZED_TIME, b"20500101000000Z")
        );
        assert_eq!(
            time_der(datetime!(1949-12-31 23:59:59.999 UTC)).unwrap(),
            tlv(GENERALIZED_TIME, b"19491231235959Z")
        );
        // Converted to UTC first: 09:00 in Seoul is midnight UTC.
        assert_eq!(time_der(datetime!(2025-03-01 09:00:00 +09:00)).unwrap(), tlv(UTC_TIME, b"250301000000Z"));
    }

    #[test]
    fn signed_attributes_are_in_der_set_order() {
        let attrs = signed_attributes(&[0u8; 32], datetime!(2025-01-01 00:00:00 UTC)).unwrap();
        let mut reader = Reader::new(&attrs);
        let mut elements = Vec::new();
        while !reader.is_empty() {
            elements.push(reader.read("attribute").unwrap().whole);
        }
        assert_eq!(elements.len(), 3);
        assert!(elements.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn lengths_are_minimal() {
        assert_eq!(tlv(OCTET_STRING, &[7; 0x7f])[..2], [0x04, 0x7f]);
        assert_eq!(tlv(OCTET_STRING, &[7; 0x80])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(tlv(OCTET_STRING, &[7; 0x100])[..4], [0x04, 0x82, 0x01, 0x00]);
        assert_eq!(tlv(OCTET_STRING, &[7; 0x10000])[..5], [0x04, 0x83, 0x01, 0x00, 0x00]);
    }

    #[test]
    fn oid_constants_match_their_dotted_forms() {
        use x509_parser::der_parser::oid::Oid;
        let cases: [(&[u8], &[u64]); 7] = [
            (OID_SIGNED_DATA, &[1, 2, 840, 113549, 1, 7, 2]),
            (OID_DATA, &[1, 2, 840, 113549, 1, 7, 1]),
            (OID_SHA256, &[2, 16, 840, 1, 101, 3, 4, 2, 1]),
            (OID_RSA_ENCRYPTION, &[1, 2, 840, 113549, 1, 1, 1]),
            (OID_CONTENT_TYPE, &[1, 2, 840, 113549, 1, 9, 3]),
            (OID_MESSAGE_DIGEST, &[1, 2, 840, 113549, 1, 9, 4]),
            (OID_SIGNING_TIME, &[1, 2, 840, 113549, 1, 9, 5]),
        ];
        for (bytes, arcs) in cases {
            assert_eq!(bytes, Oid::from(arcs).unwrap().as_bytes(), "{arcs:?}");
        }
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused() {
        let (ca, user) = signer();
        let other = ca.issue_user_signing_cert("someone", "z9", OffsetDateTime::now_utc()).unwrap();
        let err = sign_attached(b"x", &user.cert_der, other.key_der.expose(), OffsetDateTime::now_utc());
        assert!(matches!(err, Err(PkiError::KeyMismatch)), "{err:?}");
        let err = sign_attached(b"x", &user.cert_der, b"not a key", OffsetDateTime::now_utc());
        assert!(matches!(err, Err(PkiError::Malformed { what: "signer key", .. })), "{err:?}");
        let err = sign_attached(b"x", b"not a cert", user.key_der.expose(), OffsetDateTime::now_utc());
        assert!(matches!(err, Err(PkiError::Malformed { what: "signer certificate", .. })), "{err:?}");
    }
}
