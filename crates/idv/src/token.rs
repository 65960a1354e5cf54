//! OAuth2 access tokens: RS256 JWTs shaped like the seed's sample.
//!
//! Any node holding the public key verifies a token without a database round trip; the caller
//! still checks that the token's client exists (a deleted client's tokens stop working).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};

/// Why a key could not be loaded or a token made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The signing key is not an RSA PKCS#8 key.
    #[error("token signing key: {0}")]
    Key(String),
    /// Signing failed.
    #[error("token signing failed")]
    Sign,
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The client id.
    pub sub: String,
    /// The client id (the seed's sample repeats it as the audience).
    pub aud: String,
    /// Not before, Unix seconds.
    pub nbf: i64,
    /// Granted scopes.
    pub scope: Vec<String>,
    /// Issuer.
    pub iss: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Unique token id.
    pub jti: String,
}

/// Signs and verifies access tokens.
pub struct TokenSigner {
    key: RsaKeyPair,
    public: Vec<u8>,
    rng: SystemRandom,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner")
    }
}

/// Issuer claim of intoss tokens.
pub const ISSUER: &str = "intoss";

impl TokenSigner {
    /// Loads an RSA key (PKCS#8 DER).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, TokenError> {
        let key = RsaKeyPair::from_pkcs8(der).map_err(|e| TokenError::Key(e.to_string()))?;
        let public = key.public_key().as_ref().to_vec();
        Ok(Self { key, public, rng: SystemRandom::new() })
    }

    /// A signed token for `client_id`, valid `ttl_secs` from `now`.
    pub fn issue(&self, client_id: &str, ttl_secs: i64, now: i64, jti: String) -> Result<String, TokenError> {
        let header = B64URL.encode(br#"{"kid":"intoss","alg":"RS256"}"#);
        let claims = Claims {
            sub: client_id.to_owned(),
            aud: client_id.to_owned(),
            nbf: now,
            scope: vec!["ca".to_owned()],
            iss: ISSUER.to_owned(),
            exp: now + ttl_secs,
            iat: now,
            jti,
        };
        let payload = B64URL.encode(serde_json::to_vec(&claims).map_err(|_| TokenError::Sign)?);
        let signing_input = format!("{header}.{payload}");
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&signature::RSA_PKCS1_SHA256, &self.rng, signing_input.as_bytes(), &mut sig)
            .map_err(|_| TokenError::Sign)?;
        Ok(format!("{signing_input}.{}", B64URL.encode(sig)))
    }

    /// The claims of a token signed by this key and valid at `now`; `None` otherwise.
    /// Every failure looks the same to the caller.
    pub fn verify(&self, token: &str, now: i64) -> Option<Claims> {
        let mut parts = token.split('.');
        let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: serde_json::Value = serde_json::from_slice(&B64URL.decode(h).ok()?).ok()?;
        if header.get("alg")?.as_str()? != "RS256" {
            return None;
        }
        let sig = B64URL.decode(s).ok()?;
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.public)
            .verify(format!("{h}.{p}").as_bytes(), &sig)
            .ok()?;
        let claims: Claims = serde_json::from_slice(&B64URL.decode(p).ok()?).ok()?;
        let valid = claims.iss == ISSUER
            && claims.sub == claims.aud
            && claims.nbf <= now + 60
            && now < claims.exp
            && claims.scope.iter().any(|s| s == "ca");
        valid.then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer;

    fn signer() -> TokenSigner {
        let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        TokenSigner::from_pkcs8_der(key.as_der().unwrap().as_ref()).unwrap()
    }

    #[test]
    fn issue_verify_expire_and_tamper() {
        let s = signer();
        let t = s.issue("test_abc", 100, 1000, "j1".into()).unwrap();
        assert_eq!(t.split('.').count(), 3);
        let c = s.verify(&t, 1050).unwrap();
        assert_eq!((c.sub.as_str(), c.exp, c.scope.as_slice()), ("test_abc", 1100, &["ca".to_owned()][..]));
        assert!(s.verify(&t, 1100).is_none(), "expired at exp");
        let mut bad = t.clone().into_bytes();
        let i = bad.len() - 5;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        assert!(s.verify(std::str::from_utf8(&bad).unwrap(), 1050).is_none(), "bad signature");
        let other = signer();
        assert!(other.verify(&t, 1050).is_none(), "another key");
        for junk in ["", "a.b", "a.b.c", "a.b.c.d", "..."] {
            assert!(s.verify(junk, 1050).is_none());
        }
    }
}
