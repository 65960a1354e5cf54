//! `sessionKey` unwrapping (`SessionKeyDecrypter::unwrap`): the outer `version$id$base64`
//! parser, RSA-OAEP, and the parser of the RSA plaintext `AES_GCM$b64(key)$b64(iv)`.
//!
//! The platform key is an RSA-2048 key generated at start (the platform's own is RSA-4096; the
//! code path is the same and 2048 bits is about six times faster per input).
//!
//! Input: a mode byte, then
//! - mode 0, *hostile sessionKey*: the rest is a sessionKey. A fuzzer cannot forge an OAEP block,
//!   so this explores the outer parser: each refusal has the documented kind for the input's
//!   shape, and anything accepted echoes its version and id.
//! - mode 1, *hostile RSA plaintext*: a short string (version, empty means `v1`), a short string
//!   (id), then up to 214 bytes that the target wraps with RSA-OAEP under the platform's public
//!   key. Unwrapping succeeds exactly when the shape is right (a reference parser decides), and
//!   the session it yields encrypts like one built from the key and IV in the plaintext.
//! - mode 2, *partner round trip*: a 32-byte key, a 12-byte IV, a short string (id). The
//!   partner's `Session::session_key` unwraps to a session that reads and writes the same fields.
#![no_main]

use std::sync::LazyLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use intoss_fuzz::Input;
use intoss_proto::fieldcrypto::{FieldCryptoError, Session, SessionKeyDecrypter};
use libfuzzer_sys::fuzz_target;

/// The platform's decrypter and its public key (SPKI DER).
static PLATFORM: LazyLock<(SessionKeyDecrypter, Vec<u8>)> = LazyLock::new(|| {
    let private = PrivateDecryptingKey::generate(KeySize::Rsa2048).unwrap();
    let decrypter = SessionKeyDecrypter::from_pkcs8_der(private.as_der().unwrap().as_ref()).unwrap();
    let spki = decrypter.public_key_spki_der();
    (decrypter, spki)
});

/// The largest RSA-OAEP-SHA1 plaintext under a 2048-bit key: 256 - 2 * 20 - 2.
const MAX_PLAINTEXT: usize = 214;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 3 {
        0 => hostile_session_key(&input.rest_str()),
        1 => hostile_plaintext(input),
        _ => partner_round_trip(input),
    }
});

fn hostile_session_key(session_key: &str) {
    let (decrypter, _) = &*PLATFORM;
    let parts: Vec<&str> = session_key.split('$').collect();
    let result = decrypter.unwrap(session_key);
    let [version, id, _] = parts.as_slice() else {
        assert!(matches!(result, Err(FieldCryptoError::Malformed(_))), "{result:?}");
        return;
    };
    if !is_accepted_version(version) {
        assert_eq!(result.unwrap_err(), FieldCryptoError::VersionMismatch);
    } else if id.is_empty() {
        assert!(matches!(result, Err(FieldCryptoError::Malformed(_))), "{result:?}");
    } else if let Ok(session) = result {
        assert_eq!((session.version(), session.id()), (*version, *id));
    }
}

fn hostile_plaintext(mut input: Input<'_>) {
    let (decrypter, spki) = &*PLATFORM;
    let version = match input.short_string() {
        v if v.is_empty() => "v1".to_owned(),
        v => v,
    };
    let id = input.short_string();
    let plaintext = input.bytes(MAX_PLAINTEXT);
    let session_key = format!("{version}${id}${}", BASE64.encode(oaep_encrypt(spki, plaintext)));
    let result = decrypter.unwrap(&session_key);

    if version.contains('$') || id.contains('$') {
        // The shape is no longer `version$id$base64`.
        assert!(result.is_err(), "a sessionKey with more than three parts was accepted");
        return;
    }
    if !is_accepted_version(&version) {
        assert_eq!(result.unwrap_err(), FieldCryptoError::VersionMismatch);
        return;
    }
    if id.is_empty() {
        assert!(matches!(result, Err(FieldCryptoError::Malformed(_))), "{result:?}");
        return;
    }
    match (reference_plaintext(plaintext), result) {
        (Some((key, iv)), Ok(session)) => {
            assert_eq!((session.version(), session.id()), (version.as_str(), id.as_str()));
            let expected = Session::from_parts(id, key, iv).unwrap();
            let field = expected.encrypt("probe").unwrap();
            let payload = field.rsplit('$').next().unwrap();
            assert!(session.encrypt("probe").unwrap().ends_with(&format!("${payload}")));
            let own = format!("{version}${}${payload}", session.id());
            assert_eq!(session.decrypt(&own).unwrap(), "probe");
        }
        (Some(_), Err(e)) => panic!("a well-formed session plaintext was refused: {e:?}"),
        (None, Ok(_)) => {
            panic!("a malformed session plaintext was accepted: {:?}", String::from_utf8_lossy(plaintext))
        }
        (None, Err(e)) => {
            let cbc = std::str::from_utf8(plaintext)
                .is_ok_and(|text| text.starts_with("AES_CBC$") && text.matches('$').count() == 2);
            if cbc {
                assert!(matches!(e, FieldCryptoError::Unsupported(_)), "{e:?}");
            } else {
                assert!(
                    matches!(e, FieldCryptoError::Malformed(_) | FieldCryptoError::Unsupported(_)),
                    "{e:?}"
                );
            }
        }
    }
}

fn partner_round_trip(mut input: Input<'_>) {
    let (decrypter, spki) = &*PLATFORM;
    let key: [u8; 32] = input.array();
    let iv: [u8; 12] = input.array();
    let id = input.short_string();
    let Ok(partner) = Session::from_parts(id, key, iv) else { return };
    let session_key = partner.session_key(spki).unwrap();
    let platform = decrypter.unwrap(&session_key).unwrap();
    assert_eq!((platform.version(), platform.id()), ("v1", partner.id()));
    let plaintext = input.rest_str();
    let to_platform = partner.encrypt(&plaintext).unwrap();
    assert_eq!(platform.decrypt(&to_platform).unwrap(), plaintext);
    assert_eq!(platform.encrypt(&plaintext).unwrap(), to_platform);
}

/// RSA-OAEP (SHA-1, MGF1-SHA1), as a partner's SDK wraps a session.
fn oaep_encrypt(spki: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let key = OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(spki).unwrap()).unwrap();
    let mut out = vec![0u8; key.ciphertext_size()];
    let len = key.encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None).unwrap().len();
    out.truncate(len);
    out
}

/// `v1`, or the Java SDK's `v1_<sdk version>`.
fn is_accepted_version(version: &str) -> bool {
    version == "v1" || version.strip_prefix("v1_").is_some_and(|sdk| !sdk.is_empty())
}

/// An independent reading of `AES_GCM$<key>$<iv>`: the key is 44 characters of canonical
/// padded base64 for 32 bytes, the IV 16 characters for 12 bytes.
fn reference_plaintext(plaintext: &[u8]) -> Option<([u8; 32], [u8; 12])> {
    let text = std::str::from_utf8(plaintext).ok()?;
    let rest = text.strip_prefix("AES_GCM$")?;
    let (key, iv) = rest.split_once('$')?;
    let alphabet = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if key.len() != 44 || !key.ends_with('=') || !alphabet(&key[..43]) || iv.len() != 16 || !alphabet(iv) {
        return None;
    }
    let key: [u8; 32] = BASE64.decode(key).ok()?.try_into().ok()?;
    // Canonical: the unused low bits of the last character are zero, so it encodes back the same.
    (BASE64.encode(key) == rest.split_once('$')?.0).then_some(())?;
    let iv: [u8; 12] = BASE64.decode(iv).ok()?.try_into().ok()?;
    Some((key, iv))
}
