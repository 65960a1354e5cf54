//! The `v1$<sessionId>$<base64>` field format: its parser and its AES-256-GCM decryptor
//! (`Session::decrypt`), and the encrypt/decrypt round trip (`Session::encrypt`).
//!
//! Input: a mode byte, then
//! - mode 0, *hostile field*: the rest is a field, decrypted with the official vector's session.
//!   A field that decrypts must be exactly what the session writes for that plaintext (no second
//!   spelling is accepted), and each refusal has the documented kind for the field's shape.
//! - mode 1, *round trip*: a 32-byte key, a 12-byte IV, a 2-byte bit index, a short string (the
//!   session id), then the plaintext. A session exists only for a valid id; decrypting what it
//!   encrypted gives the plaintext back; the payload is the plaintext plus a 16-byte tag; any
//!   one flipped bit, another key or another IV is refused as `Crypto`.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use intoss_fuzz::{Input, VECTOR_ID, vector_session};
use intoss_proto::fieldcrypto::{FieldCryptoError, Session};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 2 {
        0 => hostile(&input.rest_str()),
        _ => round_trip(input),
    }
});

fn hostile(field: &str) {
    let session = vector_session();
    let parts: Vec<&str> = field.split('$').collect();
    match session.decrypt(field) {
        Ok(plain) => assert_eq!(session.encrypt(&plain).unwrap(), field, "a second spelling decrypted"),
        Err(e) => match parts.as_slice() {
            [version, _, _] if *version != "v1" => assert_eq!(e, FieldCryptoError::VersionMismatch),
            [_, id, _] if *id != VECTOR_ID => assert_eq!(e, FieldCryptoError::SessionMismatch),
            [_, _, _] => {
                assert!(matches!(e, FieldCryptoError::Malformed(_) | FieldCryptoError::Crypto), "{e:?}")
            }
            [_, _, _, _] => assert!(matches!(e, FieldCryptoError::Unsupported(_)), "{e:?}"),
            _ => assert!(matches!(e, FieldCryptoError::Malformed(_)), "{e:?}"),
        },
    }
}

fn round_trip(mut input: Input<'_>) {
    let key: [u8; 32] = input.array();
    let iv: [u8; 12] = input.array();
    let bit = usize::from(input.u16());
    let id = input.short_string();
    let plaintext = input.rest_str();

    let session = match Session::from_parts(id.clone(), key, iv) {
        Ok(session) => session,
        Err(e) => {
            assert!(id.is_empty() || id.contains('$'), "a valid id was refused: {e:?}");
            return;
        }
    };
    assert!(!id.is_empty() && !id.contains('$'), "an unusable id was accepted");
    assert_eq!(session.id(), id);

    let field = session.encrypt(&plaintext).unwrap();
    let prefix = format!("v1${id}$");
    assert!(field.starts_with(&prefix), "{field}");
    assert_eq!(session.decrypt(&field).unwrap(), plaintext);
    // Deterministic: the protocol fixes the nonce to the session IV.
    assert_eq!(session.encrypt(&plaintext).unwrap(), field);

    let mut payload = BASE64.decode(&field[prefix.len()..]).unwrap();
    assert_eq!(payload.len(), plaintext.len() + 16, "ciphertext || 16-byte tag");

    let bit = bit % (payload.len() * 8);
    payload[bit / 8] ^= 1 << (bit % 8);
    let tampered = format!("{prefix}{}", BASE64.encode(&payload));
    assert_eq!(session.decrypt(&tampered), Err(FieldCryptoError::Crypto), "a flipped bit was not detected");

    let mut other_key = key;
    other_key[bit % 32] ^= 1 << (bit % 8);
    let other = Session::from_parts(id.clone(), other_key, iv).unwrap();
    assert_eq!(other.decrypt(&field), Err(FieldCryptoError::Crypto), "another key read the field");

    let mut other_iv = iv;
    other_iv[bit % 12] ^= 1 << (bit % 8);
    let other = Session::from_parts(id, key, other_iv).unwrap();
    assert_eq!(other.decrypt(&field), Err(FieldCryptoError::Crypto), "another IV read the field");
}
