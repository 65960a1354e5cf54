//! The field encryption of Toss identity verification (토스 인증).
//!
//! A partner encrypts the personal fields of a request (`userName`, `userPhone`, `userBirthday`)
//! under a fresh AES-256-GCM *session*, and sends the session's key to Toss wrapped with Toss's
//! RSA public key (the `sessionKey`). Toss encrypts the result fields under the session of the
//! result call. The wire formats, pinned to the official SDK and samples:
//!
//! - `sessionKey`: `v1$<sessionId>$base64(RSA-OAEP-SHA1("AES_GCM$" + b64(key) + "$" + b64(iv)))`;
//! - an encrypted field: `v1$<sessionId>$base64(AES-256-GCM(plaintext) || tag)`, nonce = the
//!   session IV, AAD = the raw 32-byte key.
//!
//! [`Session`] is the partner side (and what the platform gets back after unwrapping), and
//! [`SessionKeyDecrypter`] is the platform side, holding the RSA private key. The AES-CBC variant
//! of the protocol (for JDK < 1.8) is refused everywhere: its HMAC is specified inconsistently by
//! the official sources.
//!
//! Every operation is pure: no I/O. Crypto failures are deliberately opaque
//! ([`FieldCryptoError::Crypto`]): a wrong key, a bad tag and bad padding read the same.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Toss's production RSA-4096 public key for `sessionKey`s: X.509 `SubjectPublicKeyInfo`, DER,
/// standard base64, exactly as published in the official SDK and the Apps-in-Toss docs.
pub const TOSS_PUBLIC_KEY_B64: &str = "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAoVdxG0Qi9pip46Jw9ImSlPVD8+L2mM47ey6EZna7D7utgNdh8Tzkjrm1Yl4h6kPJrhdWvMIJGS51+6dh041IXcJEoUquNblUEqAUXBYwQM8PdfnS12SjlvZrP4q6whBE7IV1SEIBJP0gSK5/8Iu+uld2ctJiU4p8uswL2bCPGWdvVPltxAg6hfAG/ImRUKPRewQsFhkFvqIDCpO6aeaR10q6wwENZltlJeeRnl02VWSneRmPqqypqCxz0Y+yWCYtsA+ngfZmwRMaFkXcWjaWnvSqqV33OAsrQkvuBHWoEEkvQ0P08+h9Fy2+FhY9TeuukQ2CVFz5YyOhp25QtWyQI+IaDKk+hLxJ1APR0c3tmV0ANEIjO6HhJIdu2KQKtgFppvqSrZp2OKtI8EZgVbWuho50xvlaPGzWoMi9HSCb+8ARamlOpesxHH3O0cTRUnft2Zk1FHQb2Pidb2z5onMEnzP2xpTqAIVQyb6nMac9tof5NFxwR/c4pmci+1n8GFJIFN18j2XGad1mNyio/R8LabqnzNwJC6VPnZJz5/pDUIk9yKNOY0KJe64SRiL0a4SNMohtyj6QlA/3SGxaEXb8UHpophv4G9wN1CgfyUamsRqp8zo5qDxBvlaIlfkqJvYPkltj7/23FHDjPi8q8UkSiAeu7IV5FTfB5KsiN8+sGSMCAwEAAQ==";

/// The version string this module writes in front of `sessionKey`s and fields.
///
/// The official samples write `v1`; the official Java SDK writes `v1_<sdk version>` (e.g.
/// `v1_0.0.14`), which [`SessionKeyDecrypter::unwrap`] also accepts.
pub const VERSION: &str = "v1";

/// Length of the AES-256 session key, in bytes.
pub const KEY_LEN: usize = 32;

/// Length of the session IV (the 96-bit GCM nonce), in bytes.
pub const IV_LEN: usize = NONCE_LEN;

/// Length of the GCM tag appended to every encrypted field, in bytes.
const TAG_LEN: usize = 16;

/// The `$` separator of every part of the formats.
const SEPARATOR: char = '$';

/// The algorithm name that opens the RSA plaintext of a GCM session.
const ALG_GCM: &str = "AES_GCM";

/// The algorithm name of the refused CBC fallback.
const ALG_CBC: &str = "AES_CBC";

/// Why a field, a `sessionKey` or a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldCryptoError {
    /// The input does not have the expected shape (number of `$` parts, base64, lengths,
    /// UTF-8). The message names what is wrong; it never contains key material.
    #[error("malformed input: {0}")]
    Malformed(&'static str),
    /// A valid but unsupported variant of the protocol, such as the AES-CBC fallback.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The version part of a field or `sessionKey` is not the expected one.
    #[error("the version does not match the session")]
    VersionMismatch,
    /// The field was encrypted for another session: its id part differs.
    #[error("the session id does not match the session")]
    SessionMismatch,
    /// An RSA key could not be parsed or is not acceptable (not RSA, or outside 2048–8192 bits).
    #[error("the RSA key is invalid or unsupported")]
    InvalidKey,
    /// A cryptographic operation failed. Deliberately opaque: a bad tag, a wrong key, bad OAEP
    /// padding and a failing random generator all read the same.
    #[error("cryptographic operation failed")]
    Crypto,
}

/// The production Toss public key ([`TOSS_PUBLIC_KEY_B64`]) as DER bytes.
pub fn toss_public_key_der() -> Vec<u8> {
    // The constant is fixed and its decoding is covered by the tests; an empty vector (refused
    // by every key parser) keeps this function infallible without a panic path.
    BASE64.decode(TOSS_PUBLIC_KEY_B64).unwrap_or_default()
}

/// One identity-verification session: its id, AES-256 key and GCM IV.
///
/// The key and IV never appear in `Debug` output, and are overwritten with zeros (best effort)
/// when the session is dropped.
#[derive(Clone)]
pub struct Session {
    version: String,
    id: String,
    key: [u8; KEY_LEN],
    iv: [u8; IV_LEN],
}

impl Session {
    /// A fresh session: a random UUID v4 id, a random key and a random IV, version [`VERSION`].
    ///
    /// # Errors
    /// [`FieldCryptoError::Crypto`] if the system random generator fails.
    pub fn generate() -> Result<Self, FieldCryptoError> {
        let mut key = [0u8; KEY_LEN];
        let mut iv = [0u8; IV_LEN];
        fill_random(&mut key)?;
        fill_random(&mut iv)?;
        Ok(Self { version: VERSION.to_owned(), id: uuid_v4()?, key, iv })
    }

    /// A session from known parts, version [`VERSION`] (test vectors, stored sessions).
    ///
    /// # Errors
    /// [`FieldCryptoError::Malformed`] if `id` is empty or contains `$`, which would make every
    /// output of the session unparseable.
    pub fn from_parts(id: String, key: [u8; KEY_LEN], iv: [u8; IV_LEN]) -> Result<Self, FieldCryptoError> {
        Self::with_version(VERSION.to_owned(), id, key, iv)
    }

    fn with_version(
        version: String,
        id: String,
        key: [u8; KEY_LEN],
        iv: [u8; IV_LEN],
    ) -> Result<Self, FieldCryptoError> {
        if !is_valid_id(&id) {
            return Err(FieldCryptoError::Malformed(
                "the session id must be non-empty and must not contain `$`",
            ));
        }
        Ok(Self { version, id, key, iv })
    }

    /// The session id (a UUID v4 string for generated sessions).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The version string written in front of this session's outputs and required in front of
    /// the fields it decrypts: [`VERSION`], or what the partner's `sessionKey` carried.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The `sessionKey` of this session: `version$id$base64(RSA-OAEP(...))`, the key and IV
    /// wrapped with RSA-OAEP (SHA-1, MGF1-SHA1) under `rsa_public_spki_der`, an X.509
    /// `SubjectPublicKeyInfo` in DER (for Toss, [`toss_public_key_der`]).
    ///
    /// OAEP is randomized: two calls give different strings that unwrap to the same session.
    ///
    /// # Errors
    /// [`FieldCryptoError::InvalidKey`] if the DER is not an acceptable RSA public key;
    /// [`FieldCryptoError::Crypto`] if the encryption fails.
    pub fn session_key(&self, rsa_public_spki_der: &[u8]) -> Result<String, FieldCryptoError> {
        let mut plaintext =
            format!("{ALG_GCM}{SEPARATOR}{}{SEPARATOR}{}", BASE64.encode(self.key), BASE64.encode(self.iv))
                .into_bytes();
        let wrapped = rsa_oaep_encrypt(rsa_public_spki_der, &plaintext);
        wipe(&mut plaintext);
        Ok(self.with_prefix(&BASE64.encode(wrapped?)))
    }

    /// Encrypts one field: `version$id$base64(ciphertext || tag)`, with no trailing `$`.
    ///
    /// Deterministic: the same session and plaintext always give the same string, because the
    /// protocol fixes the GCM nonce to the session IV for every field of a session (this is why a
    /// session must serve one request or one result only).
    ///
    /// # Errors
    /// [`FieldCryptoError::Crypto`] if the AEAD operation fails.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, FieldCryptoError> {
        let mut in_out = plaintext.as_bytes().to_vec();
        self.aead_key()?
            .seal_in_place_append_tag(self.nonce(), Aad::from(self.key), &mut in_out)
            .map_err(|_| FieldCryptoError::Crypto)?;
        Ok(self.with_prefix(&BASE64.encode(&in_out)))
    }

    /// Decrypts one field made by [`Self::encrypt`] (or by Toss for this session).
    ///
    /// The version and id parts must equal this session's, as the official Java SDK requires.
    /// A fourth part (the HMAC of the AES-CBC variant) is refused as unsupported.
    ///
    /// # Errors
    /// [`FieldCryptoError::Malformed`] for a wrong shape, bad base64 or non-UTF-8 plaintext;
    /// [`FieldCryptoError::Unsupported`] for a CBC field; [`FieldCryptoError::VersionMismatch`]
    /// and [`FieldCryptoError::SessionMismatch`] for another session's field;
    /// [`FieldCryptoError::Crypto`] for any authentication failure.
    pub fn decrypt(&self, field: &str) -> Result<String, FieldCryptoError> {
        let parts: Vec<&str> = field.split(SEPARATOR).collect();
        let [version, id, payload] = match parts.as_slice() {
            [version, id, payload] => [*version, *id, *payload],
            [_, _, _, _] => {
                return Err(FieldCryptoError::Unsupported(
                    "AES-CBC fields with an HMAC part; use AES_GCM sessions",
                ));
            }
            _ => {
                return Err(FieldCryptoError::Malformed("an encrypted field is `version$id$payload`"));
            }
        };
        if version != self.version {
            return Err(FieldCryptoError::VersionMismatch);
        }
        if id != self.id {
            return Err(FieldCryptoError::SessionMismatch);
        }
        let mut in_out = BASE64
            .decode(payload)
            .map_err(|_| FieldCryptoError::Malformed("the payload is not standard base64"))?;
        if in_out.len() < TAG_LEN {
            return Err(FieldCryptoError::Crypto);
        }
        let plaintext = self
            .aead_key()?
            .open_in_place(self.nonce(), Aad::from(self.key), &mut in_out)
            .map_err(|_| FieldCryptoError::Crypto)?;
        String::from_utf8(plaintext.to_vec())
            .map_err(|_| FieldCryptoError::Malformed("the decrypted field is not UTF-8"))
    }

    /// The GCM nonce of every field of this session: the session IV itself.
    ///
    /// Reusing a GCM nonce under one key is normally forbidden (it leaks the XOR of plaintexts
    /// and lets an observer forge tags). The Toss protocol mandates it anyway: the IV is fixed at
    /// session creation, sent once inside the `sessionKey`, and both the official SDK and Toss
    /// encrypt every field of the session with it; fields carry no nonce of their own. The
    /// damage is bounded by using each session for one request or one result only, which is
    /// also what Toss requires (a new `sessionKey` per call). Isolated here so that this is the
    /// only place the reuse happens.
    fn nonce(&self) -> Nonce {
        Nonce::assume_unique_for_key(self.iv)
    }

    fn aead_key(&self) -> Result<LessSafeKey, FieldCryptoError> {
        let key = UnboundKey::new(&AES_256_GCM, &self.key).map_err(|_| FieldCryptoError::Crypto)?;
        Ok(LessSafeKey::new(key))
    }

    fn with_prefix(&self, payload: &str) -> String {
        format!("{}{SEPARATOR}{}{SEPARATOR}{payload}", self.version, self.id)
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("version", &self.version)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        wipe(&mut self.key);
        wipe(&mut self.iv);
    }
}

/// The platform side: the RSA private key that unwraps partners' `sessionKey`s.
pub struct SessionKeyDecrypter {
    key: OaepPrivateDecryptingKey,
    public_spki_der: Vec<u8>,
}

impl SessionKeyDecrypter {
    /// Loads an RSA private key (2048 to 8192 bits) from a PKCS#8 v1 DER document.
    ///
    /// # Errors
    /// [`FieldCryptoError::InvalidKey`] if the document is not an acceptable RSA private key;
    /// [`FieldCryptoError::Crypto`] if its public half cannot be encoded.
    pub fn from_pkcs8_der(pkcs8_der: &[u8]) -> Result<Self, FieldCryptoError> {
        let private =
            PrivateDecryptingKey::from_pkcs8(pkcs8_der).map_err(|_| FieldCryptoError::InvalidKey)?;
        let public_spki_der =
            private.public_key().as_der().map_err(|_| FieldCryptoError::Crypto)?.as_ref().to_vec();
        let key = OaepPrivateDecryptingKey::new(private).map_err(|_| FieldCryptoError::InvalidKey)?;
        Ok(Self { key, public_spki_der })
    }

    /// The public half, as X.509 `SubjectPublicKeyInfo` DER: what partners wrap sessions with.
    pub fn public_key_spki_der(&self) -> Vec<u8> {
        self.public_spki_der.clone()
    }

    /// The RSA modulus size in bits.
    pub fn key_size_bits(&self) -> usize {
        self.key.key_size_bits()
    }

    /// Unwraps a `sessionKey` into the partner's session.
    ///
    /// The input must be exactly `version$id$base64`, where the version is `v1` or the Java SDK's
    /// `v1_<sdk version>` (kept in the returned session, so that its outputs carry the same
    /// prefix the partner's SDK checks), and the id is any non-empty string. The RSA plaintext
    /// must be exactly `AES_GCM$b64(32-byte key)$b64(12-byte IV)`.
    ///
    /// # Errors
    /// [`FieldCryptoError::Malformed`] for a wrong shape, bad base64 or wrong lengths;
    /// [`FieldCryptoError::VersionMismatch`] for a version other than `v1`/`v1_…`;
    /// [`FieldCryptoError::Unsupported`] for an `AES_CBC` session; [`FieldCryptoError::Crypto`]
    /// if the RSA decryption fails (wrong key, bad padding, wrong block size).
    pub fn unwrap(&self, session_key: &str) -> Result<Session, FieldCryptoError> {
        let parts: Vec<&str> = session_key.split(SEPARATOR).collect();
        let [version, id, wrapped] = parts.as_slice() else {
            return Err(FieldCryptoError::Malformed("a sessionKey is `version$id$base64`"));
        };
        if !is_accepted_version(version) {
            return Err(FieldCryptoError::VersionMismatch);
        }
        if !is_valid_id(id) {
            return Err(FieldCryptoError::Malformed("the session id is empty"));
        }
        let ciphertext = BASE64
            .decode(wrapped)
            .map_err(|_| FieldCryptoError::Malformed("the sessionKey's RSA block is not standard base64"))?;
        let mut buffer = vec![0u8; self.key.min_output_size()];
        let result = self
            .key
            .decrypt(&OAEP_SHA1_MGF1SHA1, &ciphertext, &mut buffer, None)
            .map_err(|_| FieldCryptoError::Crypto)
            .and_then(|plaintext| parse_session_plaintext(plaintext));
        wipe(&mut buffer);
        let (key, iv) = result?;
        Session::with_version((*version).to_owned(), (*id).to_owned(), key, iv)
    }
}

impl fmt::Debug for SessionKeyDecrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeyDecrypter")
            .field("key_size_bits", &self.key.key_size_bits())
            .finish_non_exhaustive()
    }
}

/// Generates a platform RSA-4096 key pair: `(PKCS#8 v1 DER, X.509 SubjectPublicKeyInfo DER)`.
///
/// Load the first with [`SessionKeyDecrypter::from_pkcs8_der`]; hand out the second to partners.
///
/// # Errors
/// [`FieldCryptoError::Crypto`] if generation or encoding fails.
pub fn generate_platform_key() -> Result<(Vec<u8>, Vec<u8>), FieldCryptoError> {
    let private = PrivateDecryptingKey::generate(KeySize::Rsa4096).map_err(|_| FieldCryptoError::Crypto)?;
    let pkcs8 = private.as_der().map_err(|_| FieldCryptoError::Crypto)?.as_ref().to_vec();
    let spki = private.public_key().as_der().map_err(|_| FieldCryptoError::Crypto)?.as_ref().to_vec();
    Ok((pkcs8, spki))
}

/// RSA-OAEP (SHA-1, MGF1-SHA1, no label) of `plaintext` under an SPKI DER public key.
fn rsa_oaep_encrypt(spki_der: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, FieldCryptoError> {
    let public = PublicEncryptingKey::from_der(spki_der).map_err(|_| FieldCryptoError::InvalidKey)?;
    let key = OaepPublicEncryptingKey::new(public).map_err(|_| FieldCryptoError::InvalidKey)?;
    if plaintext.len() > key.max_plaintext_size(&OAEP_SHA1_MGF1SHA1) {
        return Err(FieldCryptoError::Crypto);
    }
    let mut out = vec![0u8; key.ciphertext_size()];
    let len = key
        .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None)
        .map_err(|_| FieldCryptoError::Crypto)?
        .len();
    out.truncate(len);
    Ok(out)
}

/// Parses the RSA plaintext `AES_GCM$b64(key)$b64(iv)` into the key and IV.
fn parse_session_plaintext(plaintext: &[u8]) -> Result<([u8; KEY_LEN], [u8; IV_LEN]), FieldCryptoError> {
    let text = std::str::from_utf8(plaintext)
        .map_err(|_| FieldCryptoError::Malformed("the session plaintext is not UTF-8"))?;
    let parts: Vec<&str> = text.split(SEPARATOR).collect();
    let [algorithm, key_b64, iv_b64] = parts.as_slice() else {
        return Err(FieldCryptoError::Malformed("the session plaintext is `AES_GCM$key$iv`"));
    };
    match *algorithm {
        ALG_GCM => {}
        ALG_CBC => {
            return Err(FieldCryptoError::Unsupported("the AES_CBC session algorithm; use AES_GCM"));
        }
        _ => {
            return Err(FieldCryptoError::Unsupported("an unknown session algorithm; use AES_GCM"));
        }
    }
    let mut key_bytes = BASE64
        .decode(key_b64)
        .map_err(|_| FieldCryptoError::Malformed("the session key is not standard base64"))?;
    let key = <[u8; KEY_LEN]>::try_from(key_bytes.as_slice())
        .map_err(|_| FieldCryptoError::Malformed("the session key is not 32 bytes"));
    wipe(&mut key_bytes);
    let iv = BASE64
        .decode(iv_b64)
        .map_err(|_| FieldCryptoError::Malformed("the session IV is not standard base64"))?;
    let iv = <[u8; IV_LEN]>::try_from(iv.as_slice())
        .map_err(|_| FieldCryptoError::Malformed("the session IV is not 12 bytes"))?;
    Ok((key?, iv))
}

/// `v1` (the official samples) or `v1_<sdk version>` (the official Java SDK).
fn is_accepted_version(version: &str) -> bool {
    version == VERSION
        || version
            .strip_prefix(VERSION)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|sdk| !sdk.is_empty())
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && !id.contains(SEPARATOR)
}

fn fill_random(dest: &mut [u8]) -> Result<(), FieldCryptoError> {
    aws_lc_rs::rand::fill(dest).map_err(|_| FieldCryptoError::Crypto)
}

/// A random UUID v4, lowercase and hyphenated (`8-4-4-4-12` hex digits).
fn uuid_v4() -> Result<String, FieldCryptoError> {
    let mut b = [0u8; 16];
    fill_random(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

/// Overwrites secret bytes with zeros. Best effort: without `unsafe` volatile writes the
/// compiler could in principle elide the stores; `black_box` makes that unlikely.
fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(buf);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    const VECTOR_ID: &str = "b94ea687-0a72-43f8-be24-7be5029fa998";
    const VECTOR_KEY: &str = "KxHeNnbiR5Eh5d/9KJCN6jUW5Md9nkk8jU6WbkmR7Es=";
    const VECTOR_IV: &str = "jbZIV4aBzrydN0IP";
    const VECTOR_PLAIN: &str = "Layton Nicholson";
    const VECTOR_FIELD: &str =
        "v1$b94ea687-0a72-43f8-be24-7be5029fa998$LCFncFGpJKMBClC5RHa7zabbPzqsKC51USGG1ZwSBPE=";

    fn vector_session() -> Session {
        let key = BASE64.decode(VECTOR_KEY).unwrap().try_into().unwrap();
        let iv = BASE64.decode(VECTOR_IV).unwrap().try_into().unwrap();
        Session::from_parts(VECTOR_ID.to_owned(), key, iv).unwrap()
    }

    /// One RSA-4096 key pair for the whole test binary: generation is slow.
    fn platform_key() -> &'static (Vec<u8>, Vec<u8>) {
        static KEY: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
        KEY.get_or_init(|| generate_platform_key().unwrap())
    }

    fn decrypter() -> SessionKeyDecrypter {
        SessionKeyDecrypter::from_pkcs8_der(&platform_key().0).unwrap()
    }

    /// A sessionKey whose RSA plaintext is `plaintext`, for the platform key.
    fn raw_session_key(plaintext: &str) -> String {
        let wrapped = rsa_oaep_encrypt(&platform_key().1, plaintext.as_bytes()).unwrap();
        format!("v1$some-id${}", BASE64.encode(wrapped))
    }

    #[test]
    fn official_vector_encrypts_exactly() {
        assert_eq!(vector_session().encrypt(VECTOR_PLAIN).unwrap(), VECTOR_FIELD);
    }

    #[test]
    fn official_vector_decrypts() {
        assert_eq!(vector_session().decrypt(VECTOR_FIELD).unwrap(), VECTOR_PLAIN);
    }

    #[test]
    fn flipping_any_payload_bit_fails() {
        let session = vector_session();
        let payload = BASE64.decode(VECTOR_FIELD.rsplit('$').next().unwrap()).unwrap();
        for bit in 0..payload.len() * 8 {
            let mut tampered = payload.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            let field = format!("v1${VECTOR_ID}${}", BASE64.encode(&tampered));
            assert_eq!(session.decrypt(&field), Err(FieldCryptoError::Crypto), "bit {bit}");
        }
    }

    #[test]
    fn wrong_session_id_fails() {
        let field = VECTOR_FIELD.replace(VECTOR_ID, "b94ea687-0a72-43f8-be24-7be5029fa999");
        assert_eq!(vector_session().decrypt(&field), Err(FieldCryptoError::SessionMismatch));
    }

    #[test]
    fn wrong_version_fails() {
        for version in ["v2", "V1", "", "v1_0.0.14"] {
            let field = format!("{version}{}", VECTOR_FIELD.strip_prefix("v1").unwrap());
            assert_eq!(vector_session().decrypt(&field), Err(FieldCryptoError::VersionMismatch), "{version}");
        }
    }

    #[test]
    fn cbc_field_is_refused_as_unsupported() {
        let field = format!("{VECTOR_FIELD}$0123abcd");
        assert!(matches!(vector_session().decrypt(&field), Err(FieldCryptoError::Unsupported(_))));
    }

    #[test]
    fn malformed_fields_are_errors() {
        let session = vector_session();
        for field in [
            "",
            "no separator",
            "v1$only-two",
            "v1$b94ea687-0a72-43f8-be24-7be5029fa998$not base64!",
            "v1$b94ea687-0a72-43f8-be24-7be5029fa998$",
            "v1$b94ea687-0a72-43f8-be24-7be5029fa998$AAAA",
            "v1$b94ea687-0a72-43f8-be24-7be5029fa998$a$b$c",
        ] {
            assert!(session.decrypt(field).is_err(), "{field:?}");
        }
    }

    #[test]
    fn encrypt_decrypt_round_trip_utf8() {
        let session = Session::generate().unwrap();
        for plain in ["", "김토스", "19930324", "01012345678"] {
            let field = session.encrypt(plain).unwrap();
            assert!(field.starts_with(&format!("v1${}$", session.id())));
            assert_eq!(session.decrypt(&field).unwrap(), plain);
        }
    }

    #[test]
    fn generated_ids_are_uuid_v4() {
        let a = Session::generate().unwrap();
        let b = Session::generate().unwrap();
        assert_ne!(a.id(), b.id());
        for id in [a.id(), b.id()] {
            let groups: Vec<&str> = id.split('-').collect();
            let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lens, [8, 4, 4, 4, 12], "{id}");
            assert!(id.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
            assert!(groups[2].starts_with('4'), "{id}");
            assert!(matches!(&groups[3][..1], "8" | "9" | "a" | "b"), "{id}");
        }
    }

    #[test]
    fn debug_hides_key_material() {
        assert_eq!(
            format!("{:?}", vector_session()),
            format!("Session {{ version: \"v1\", id: \"{VECTOR_ID}\", .. }}")
        );
    }

    #[test]
    fn from_parts_refuses_unusable_ids() {
        for id in ["", "a$b"] {
            assert!(Session::from_parts(id.to_owned(), [0; 32], [0; 12]).is_err());
        }
    }

    #[test]
    fn production_key_is_rsa_4096() {
        let key = PublicEncryptingKey::from_der(&toss_public_key_der()).unwrap();
        assert_eq!(key.key_size_bits(), 4096);
        assert_eq!(BASE64.encode(key.as_der().unwrap().as_ref()), TOSS_PUBLIC_KEY_B64);
    }

    #[test]
    fn session_key_for_toss_has_the_expected_shape() {
        let session = vector_session();
        let session_key = session.session_key(&toss_public_key_der()).unwrap();
        let parts: Vec<&str> = session_key.split('$').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "v1");
        assert_eq!(parts[1], VECTOR_ID);
        assert_eq!(BASE64.decode(parts[2]).unwrap().len(), 512);
    }

    #[test]
    fn session_key_round_trips_through_the_platform_key() {
        let decrypter = decrypter();
        assert_eq!(decrypter.key_size_bits(), 4096);
        assert_eq!(decrypter.public_key_spki_der(), platform_key().1);

        let partner = Session::generate().unwrap();
        let session_key = partner.session_key(&decrypter.public_key_spki_der()).unwrap();
        let platform = decrypter.unwrap(&session_key).unwrap();
        assert_eq!(platform.id(), partner.id());
        assert_eq!(platform.version(), "v1");
        assert_eq!(platform.key, partner.key);
        assert_eq!(platform.iv, partner.iv);

        let to_platform = partner.encrypt("김토스").unwrap();
        assert_eq!(platform.decrypt(&to_platform).unwrap(), "김토스");
        let to_partner = platform.encrypt("19930324").unwrap();
        assert_eq!(partner.decrypt(&to_partner).unwrap(), "19930324");
        assert_eq!(to_partner, partner.encrypt("19930324").unwrap());
    }

    #[test]
    fn java_sdk_version_is_kept_and_echoed() {
        let session =
            Session::with_version("v1_0.0.14".to_owned(), VECTOR_ID.to_owned(), [7; 32], [9; 12]).unwrap();
        let session_key = session.session_key(&platform_key().1).unwrap();
        assert!(session_key.starts_with("v1_0.0.14$"));
        let platform = decrypter().unwrap(&session_key).unwrap();
        assert_eq!(platform.version(), "v1_0.0.14");
        let field = platform.encrypt("MALE").unwrap();
        assert!(field.starts_with("v1_0.0.14$"));
        assert_eq!(session.decrypt(&field).unwrap(), "MALE");
    }

    #[test]
    fn toss_session_key_is_refused_by_a_platform_key() {
        let session_key = vector_session().session_key(&toss_public_key_der()).unwrap();
        assert_eq!(decrypter().unwrap(&session_key).unwrap_err(), FieldCryptoError::Crypto);
    }

    #[test]
    fn cbc_session_is_refused_as_unsupported() {
        let session_key =
            raw_session_key(&format!("AES_CBC${}${}", BASE64.encode([1u8; 32]), BASE64.encode([2u8; 16])));
        let err = decrypter().unwrap(&session_key).unwrap_err();
        assert!(matches!(err, FieldCryptoError::Unsupported(_)), "{err:?}");
        assert!(err.to_string().contains("AES_GCM"));
    }

    #[test]
    fn malformed_session_keys_are_errors() {
        let decrypter = decrypter();
        let good_rsa =
            raw_session_key(&format!("AES_GCM${}${}", BASE64.encode([1u8; 32]), BASE64.encode([2u8; 12])));
        let good_b64 = good_rsa.rsplit('$').next().unwrap();
        assert!(decrypter.unwrap(&good_rsa).is_ok());

        let malformed = [
            String::new(),
            "no separator".to_owned(),
            "v1$only-two".to_owned(),
            format!("v1$id${good_b64}$extra"),
            format!("v1$${good_b64}"),
            format!("v2$id${good_b64}"),
            format!("v1_$id${good_b64}"),
            "v1$id$not base64!".to_owned(),
            "v1$id$".to_owned(),
            "v1$id$AAAA".to_owned(),
        ];
        for session_key in &malformed {
            assert!(decrypter.unwrap(session_key).is_err(), "{session_key:?}");
        }

        let bad_plaintexts = [
            String::new(),
            "AES_GCM".to_owned(),
            format!("AES_GCM${}", BASE64.encode([1u8; 32])),
            format!("AES_GCM${}${}", BASE64.encode([1u8; 16]), BASE64.encode([2u8; 12])),
            format!("AES_GCM${}${}", BASE64.encode([1u8; 33]), BASE64.encode([2u8; 12])),
            format!("AES_GCM${}${}", BASE64.encode([1u8; 32]), BASE64.encode([2u8; 16])),
            format!("AES_GCM$not base64!${}", BASE64.encode([2u8; 12])),
            format!("AES_GCM${}${}$extra", BASE64.encode([1u8; 32]), BASE64.encode([2u8; 12])),
            format!("CHACHA${}${}", BASE64.encode([1u8; 32]), BASE64.encode([2u8; 12])),
        ];
        for plaintext in &bad_plaintexts {
            let result = decrypter.unwrap(&raw_session_key(plaintext));
            assert!(result.is_err(), "{plaintext:?}");
        }
        let short_key =
            raw_session_key(&format!("AES_GCM${}${}", BASE64.encode([1u8; 16]), BASE64.encode([2u8; 12])));
        assert_eq!(
            decrypter.unwrap(&short_key).unwrap_err(),
            FieldCryptoError::Malformed("the session key is not 32 bytes")
        );
    }

    #[test]
    fn bad_keys_are_errors() {
        assert_eq!(vector_session().session_key(b"not a key").unwrap_err(), FieldCryptoError::InvalidKey);
        assert_eq!(
            SessionKeyDecrypter::from_pkcs8_der(b"not a key").unwrap_err(),
            FieldCryptoError::InvalidKey
        );
        assert_eq!(vector_session().session_key(&[]).unwrap_err(), FieldCryptoError::InvalidKey);
    }

    #[test]
    fn decrypter_debug_hides_the_key() {
        let debug = format!("{:?}", decrypter());
        assert_eq!(debug, "SessionKeyDecrypter { key_size_bits: 4096, .. }");
    }
}
