//! The field encryption of Toss Login's `login-me` (토스 로그인 개인정보 복호화).
//!
//! Each consented field is AES-256-GCM with a 128-bit tag under the app's key and AAD, sent as
//! `base64(IV(12) || ciphertext || tag(16))` with a fresh random IV per field. The key is
//! given to the partner as base64 (the real console e-mails it, "이메일로 복호화 키 받기"), the
//! AAD as a string. The platform encrypts with [`LoginFieldKey::encrypt`]; the SDK decrypts
//! with [`LoginFieldKey::decrypt`].

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Length of the IV prefixed to each field.
pub const IV_LEN: usize = NONCE_LEN;
/// Length of the GCM tag at the end of each field.
pub const TAG_LEN: usize = 16;

/// Why a field could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginCryptoError {
    /// The key is not base64 of 32 bytes.
    #[error("the decryption key must be base64 of 32 bytes (AES-256)")]
    BadKey,
    /// The field is not base64, or too short to hold an IV and a tag.
    #[error("the field is not base64(IV(12) || ciphertext || tag(16))")]
    Malformed,
    /// Wrong key or AAD, or the field was altered.
    #[error("the field does not decrypt with this key and AAD")]
    Undecryptable,
    /// The plaintext is not UTF-8.
    #[error("the decrypted field is not UTF-8")]
    NotUtf8,
    /// No randomness for the IV.
    #[error("no randomness available")]
    Random,
}

/// An app's key and AAD.
pub struct LoginFieldKey {
    key: LessSafeKey,
    raw: [u8; 32],
    aad: String,
}

impl std::fmt::Debug for LoginFieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginFieldKey").field("aad", &self.aad).finish_non_exhaustive()
    }
}

impl LoginFieldKey {
    /// The key from its 32 bytes.
    pub fn new(raw: [u8; 32], aad: impl Into<String>) -> Self {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &raw).unwrap_or_else(|_| {
            // AES-256 takes exactly 32 bytes, which the type guarantees.
            unreachable!("a 32-byte AES-256 key is always accepted")
        }));
        Self { key, raw, aad: aad.into() }
    }

    /// The key as the partner holds it: base64 of 32 bytes, and the AAD.
    pub fn from_base64(key: &str, aad: impl Into<String>) -> Result<Self, LoginCryptoError> {
        let bytes = BASE64.decode(key.trim()).map_err(|_| LoginCryptoError::BadKey)?;
        let raw: [u8; 32] = bytes.try_into().map_err(|_| LoginCryptoError::BadKey)?;
        Ok(Self::new(raw, aad))
    }

    /// The key, base64.
    pub fn key_base64(&self) -> String {
        BASE64.encode(self.raw)
    }

    /// The AAD.
    pub fn aad(&self) -> &str {
        &self.aad
    }

    /// Encrypts one field with a fresh random IV.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, LoginCryptoError> {
        let mut iv = [0u8; IV_LEN];
        aws_lc_rs::rand::fill(&mut iv).map_err(|_| LoginCryptoError::Random)?;
        let mut buf = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(iv),
                Aad::from(self.aad.as_bytes()),
                &mut buf,
            )
            .map_err(|_| LoginCryptoError::Random)?;
        let mut out = Vec::with_capacity(IV_LEN + buf.len());
        out.extend_from_slice(&iv);
        out.extend_from_slice(&buf);
        Ok(BASE64.encode(out))
    }

    /// Decrypts one field.
    pub fn decrypt(&self, field: &str) -> Result<String, LoginCryptoError> {
        let bytes = BASE64.decode(field.trim()).map_err(|_| LoginCryptoError::Malformed)?;
        if bytes.len() < IV_LEN + TAG_LEN {
            return Err(LoginCryptoError::Malformed);
        }
        let (iv, rest) = bytes.split_at(IV_LEN);
        let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| LoginCryptoError::Malformed)?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(self.aad.as_bytes()), &mut buf)
            .map_err(|_| LoginCryptoError::Undecryptable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| LoginCryptoError::NotUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_a_fresh_iv_each_time() {
        let k = LoginFieldKey::new([7; 32], "TOSS");
        let a = k.encrypt("김토스").unwrap();
        let b = k.encrypt("김토스").unwrap();
        assert_ne!(a, b, "the IV is random");
        assert_eq!(k.decrypt(&a).unwrap(), "김토스");
        let raw = BASE64.decode(&a).unwrap();
        assert_eq!(raw.len(), IV_LEN + "김토스".len() + TAG_LEN);
    }

    #[test]
    fn wrong_key_aad_or_tampering_is_refused() {
        let k = LoginFieldKey::new([7; 32], "TOSS");
        let ct = k.encrypt("01012345678").unwrap();
        assert_eq!(LoginFieldKey::new([8; 32], "TOSS").decrypt(&ct), Err(LoginCryptoError::Undecryptable));
        assert_eq!(LoginFieldKey::new([7; 32], "OTHER").decrypt(&ct), Err(LoginCryptoError::Undecryptable));
        let mut raw = BASE64.decode(&ct).unwrap();
        raw[IV_LEN] ^= 1;
        assert_eq!(k.decrypt(&BASE64.encode(&raw)), Err(LoginCryptoError::Undecryptable));
        assert_eq!(k.decrypt("not base64!"), Err(LoginCryptoError::Malformed));
        assert_eq!(k.decrypt(&BASE64.encode([0u8; 27])), Err(LoginCryptoError::Malformed));
    }

    #[test]
    fn the_key_travels_as_base64() {
        let k = LoginFieldKey::new([1; 32], "AAD");
        let again = LoginFieldKey::from_base64(&k.key_base64(), "AAD").unwrap();
        assert_eq!(again.decrypt(&k.encrypt("x").unwrap()).unwrap(), "x");
        assert_eq!(LoginFieldKey::from_base64("c2hvcnQ=", "AAD").unwrap_err(), LoginCryptoError::BadKey);
    }
}
