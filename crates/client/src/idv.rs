//! Identity verification (토스 인증 / 본인확인) client.
//!
//! - Tokens are fetched once and reused until shortly before they expire; when many tasks need
//!   one at once, one request is made and the others wait for it.
//! - Every call makes a fresh session ([`Session`]): the sessionKey is never reused, as the
//!   service demands.
//! - [`IdvClient::production`] talks to the real service with the real Toss public key;
//!   [`IdvClient::sandbox`] to an intoss cert listener with its `idv-public-key.pem`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hyper::http::Method;
use intoss_proto::fieldcrypto::{Session, toss_public_key_der};
use rustls::{ClientConfig, RootCertStore};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::{ClientError, HttpsClient, decode_envelope};

/// The real token endpoint.
pub const TOSS_TOKEN_URL: &str = "https://oauth2.cert.toss.im/token";
/// The real API base.
pub const TOSS_CERT_API: &str = "https://cert.toss.im";

/// A started verification.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requested {
    /// `txId`: pass it to `appsInTossSignTossCert` in the mini-app and keep it.
    pub tx_id: String,
    /// `requestedDt`.
    pub requested_dt: String,
    /// `appScheme` (USER_PERSONAL).
    pub app_scheme: Option<String>,
    /// `androidAppUri` (USER_PERSONAL).
    pub android_app_uri: Option<String>,
    /// `iosAppUri` (USER_PERSONAL).
    pub ios_app_uri: Option<String>,
}

/// A status answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `txId`.
    pub tx_id: String,
    /// `REQUESTED`, `IN_PROGRESS`, `COMPLETED` or `EXPIRED`. Progress only: the result call
    /// decides the outcome.
    pub status: String,
    /// `requestedDt`.
    pub requested_dt: String,
}

/// The verified person, decrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedPerson {
    /// `txId`.
    pub tx_id: String,
    /// Name.
    pub name: String,
    /// `YYYYMMDD`.
    pub birthday: String,
    /// `MALE` / `FEMALE`.
    pub gender: String,
    /// `LOCAL` / `FOREIGNER`.
    pub nationality: String,
    /// CI (연계정보).
    pub ci: String,
    /// DI.
    pub di: String,
    /// `ADULT` / `MINOR`.
    pub age_group: String,
    /// The base64 DER CMS signature: store it with the txId.
    pub signature: String,
    /// `completedDt`.
    pub completed_dt: String,
    /// `requestedDt`.
    pub requested_dt: String,
}

#[derive(Debug)]
struct CachedToken {
    value: String,
    refresh_at: Instant,
}

/// The identity-verification client.
pub struct IdvClient {
    http: HttpsClient,
    token_url: String,
    api_base: String,
    client_id: String,
    client_secret: String,
    public_key: Vec<u8>,
    token: tokio::sync::Mutex<Option<CachedToken>>,
    token_fetches: AtomicUsize,
}

impl std::fmt::Debug for IdvClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdvClient")
            .field("api_base", &self.api_base)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl IdvClient {
    /// The real service: oauth2.cert.toss.im, cert.toss.im and the real Toss public key.
    pub fn production(client_id: &str, client_secret: &str) -> Result<Self, ClientError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = config_with(roots)?;
        Ok(Self::new(config, TOSS_TOKEN_URL, TOSS_CERT_API, toss_public_key_der(), client_id, client_secret))
    }

    /// An intoss cert listener at `base` (`https://host:port`), trusting `ca_pem` (the
    /// platform's `ca.pem`) and encrypting to `public_key_pem` (its `idv-public-key.pem`).
    pub fn sandbox(
        base: &str,
        ca_pem: &[u8],
        public_key_pem: &[u8],
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, ClientError> {
        let mut roots = RootCertStore::empty();
        for c in crate::tls::certs_from_pem(ca_pem, "CA certificate")? {
            roots.add(c).map_err(|e| ClientError::Config(format!("CA certificate: {e}")))?;
        }
        let text = std::str::from_utf8(public_key_pem)
            .map_err(|_| ClientError::Config("public key: not UTF-8".into()))?;
        let spki = pem_body(text, "PUBLIC KEY")?;
        let base = base.trim_end_matches('/');
        Ok(Self::new(config_with(roots)?, &format!("{base}/token"), base, spki, client_id, client_secret))
    }

    /// Any endpoints and key (SPKI DER).
    pub fn new(
        config: ClientConfig,
        token_url: &str,
        api_base: &str,
        public_key_spki_der: Vec<u8>,
        client_id: &str,
        client_secret: &str,
    ) -> Self {
        Self {
            http: HttpsClient::new(config),
            token_url: token_url.to_owned(),
            api_base: api_base.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            public_key: public_key_spki_der,
            token: tokio::sync::Mutex::new(None),
            token_fetches: AtomicUsize::new(0),
        }
    }

    /// How many tokens this client has fetched.
    pub fn token_fetches(&self) -> usize {
        self.token_fetches.load(Ordering::Relaxed)
    }

    /// A valid access token: the cached one, or a new one (one fetch for all waiting callers).
    pub async fn access_token(&self) -> Result<String, ClientError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| Instant::now() < t.refresh_at) {
            return Ok(t.value.clone());
        }
        let form = format!(
            "grant_type=client_credentials&scope=ca&client_id={}&client_secret={}",
            crate::percent_encode(&self.client_id),
            crate::percent_encode(&self.client_secret)
        );
        self.token_fetches.fetch_add(1, Ordering::Relaxed);
        let r = self
            .http
            .send(
                Method::POST,
                &self.token_url,
                &[("content-type", "application/x-www-form-urlencoded")],
                Some(form.into_bytes()),
            )
            .await?;
        let v: Value = serde_json::from_slice(&r.body).map_err(|e| ClientError::Protocol {
            status: r.status.as_u16(),
            detail: format!("token response: {e}"),
        })?;
        let (Some(token), Some(expires_in)) = (v["access_token"].as_str(), v["expires_in"].as_u64()) else {
            let code = v["error"].as_str().unwrap_or("token_error").to_owned();
            let reason =
                v["error_description"].as_str().unwrap_or("no access_token in the answer").to_owned();
            return Err(ClientError::Api(Box::new(crate::ApiFailure {
                status: r.status.as_u16(),
                code,
                reason,
                error_type: None,
                data: None,
                title: None,
                retry_after: None,
            })));
        };
        // Refresh a little early: 10 % of the lifetime, at most 5 minutes.
        let margin = Duration::from_secs((expires_in / 10).min(300));
        let refresh_at = Instant::now() + Duration::from_secs(expires_in).saturating_sub(margin);
        *slot = Some(CachedToken { value: token.to_owned(), refresh_at });
        Ok(token.to_owned())
    }

    async fn call<T: serde::de::DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ClientError> {
        for attempt in 0..2 {
            let token = self.access_token().await?;
            let r = self
                .http
                .send(
                    Method::POST,
                    &format!("{}{path}", self.api_base),
                    &[("authorization", &format!("Bearer {token}"))],
                    Some(body.to_string().into_bytes()),
                )
                .await?;
            match decode_envelope(&r) {
                // The token was revoked or expired early: fetch a new one once.
                Err(ClientError::Api(f)) if f.code == "CE1000" && attempt == 0 => {
                    *self.token.lock().await = None;
                }
                other => return other,
            }
        }
        Err(ClientError::Protocol { status: 401, detail: "token refused twice".into() })
    }

    fn session(&self) -> Result<(Session, String), ClientError> {
        let s = Session::generate().map_err(|e| ClientError::Config(format!("session: {e}")))?;
        let key =
            s.session_key(&self.public_key).map_err(|e| ClientError::Config(format!("sessionKey: {e}")))?;
        Ok((s, key))
    }

    /// Starts a USER_PERSONAL verification: name, phone (digits) and birthday (`YYYYMMDD`)
    /// are encrypted with a fresh session.
    pub async fn request_personal(
        &self,
        name: &str,
        phone: &str,
        birthday: &str,
        request_url: &str,
    ) -> Result<Requested, ClientError> {
        let (s, key) = self.session()?;
        let enc = |v: &str| s.encrypt(v).map_err(|e| ClientError::Config(format!("field encryption: {e}")));
        let body = json!({
            "requestType": "USER_PERSONAL",
            "requestUrl": request_url,
            "triggerType": "APP_SCHEME",
            "userName": enc(name)?,
            "userPhone": enc(phone)?,
            "userBirthday": enc(birthday)?,
            "sessionKey": key,
        });
        self.call("/api/v2/sign/user/auth/id/request", &body).await
    }

    /// Starts a USER_NONE (원터치) verification.
    pub async fn request_one_touch(&self, request_url: &str) -> Result<Requested, ClientError> {
        self.call(
            "/api/v2/sign/user/auth/id/request",
            &json!({"requestType": "USER_NONE", "requestUrl": request_url}),
        )
        .await
    }

    /// The progress of `tx_id`.
    pub async fn status(&self, tx_id: &str) -> Result<Status, ClientError> {
        self.call("/api/v2/sign/user/auth/id/status", &json!({ "txId": tx_id })).await
    }

    /// The verified person (at most 2 successful calls, within 60 minutes of completion).
    pub async fn result(&self, tx_id: &str) -> Result<VerifiedPerson, ClientError> {
        let (s, key) = self.session()?;
        let v: Value = self
            .call("/api/v2/sign/user/auth/id/result", &json!({ "txId": tx_id, "sessionKey": key }))
            .await?;
        let pd = &v["personalData"];
        let dec = |k: &str| -> Result<String, ClientError> {
            let field = pd[k].as_str().ok_or_else(|| ClientError::Protocol {
                status: 200,
                detail: format!("personalData.{k} missing"),
            })?;
            s.decrypt(field)
                .map_err(|e| ClientError::Protocol { status: 200, detail: format!("personalData.{k}: {e}") })
        };
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        Ok(VerifiedPerson {
            tx_id: text("txId"),
            name: dec("name")?,
            birthday: dec("birthday")?,
            gender: dec("gender")?,
            nationality: dec("nationality")?,
            ci: dec("ci")?,
            di: dec("di")?,
            age_group: dec("ageGroup")?,
            signature: text("signature"),
            completed_dt: text("completedDt"),
            requested_dt: text("requestedDt"),
        })
    }
}

fn config_with(roots: RootCertStore) -> Result<ClientConfig, ClientError> {
    Ok(ClientConfig::builder_with_provider(crate::tls::policy_provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ClientError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn pem_body(pem: &str, label: &str) -> Result<Vec<u8>, ClientError> {
    use base64::Engine as _;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let bad = || ClientError::Config(format!("public key: no {label} block"));
    let start = pem.find(&begin).ok_or_else(bad)? + begin.len();
    let stop = pem[start..].find(&end).ok_or_else(bad)? + start;
    let b64: String = pem[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| bad())
}
