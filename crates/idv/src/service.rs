//! The identity-verification service: what each call does, independent of HTTP.
//!
//! Every method takes `now` (Unix seconds) so tests drive time. Every state change is written
//! to the store, as a compare-and-set, before the method returns.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use aws_lc_rs::hmac;
use base64::Engine as _;
use intoss_pki::CertificateAuthority;
use intoss_proto::api::admin::{self, CompleteTx, IdvEnv, IdvTransaction, NewIdvClient, RequestedPerson};
use intoss_proto::api::idv::{
    AccessToken, AuthRequest, AuthRequested, AuthResult, AuthStatus, PersonalData, ResultRequest,
    StatusRequest, Validated,
};
use intoss_proto::fieldcrypto::{FieldCryptoError, Session, SessionKeyDecrypter};
use intoss_store::{Completion, IdvClient, IdvStatus, IdvTx, ResultClaim, Store};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::error::{IdvError, OAuthError};
use crate::person::{self, Person};
use crate::token::TokenSigner;

/// Settings of the service.
#[derive(Debug, Clone)]
pub struct IdvConfig {
    /// Seconds an uncompleted request lives before it is EXPIRED (default 600).
    pub request_expiry_secs: i64,
    /// Token lifetime for live clients (default 3600). Test clients get 31,536,000 (seed).
    pub live_token_ttl_secs: i64,
    /// Seconds after completion during which results can be fetched (3600, seed).
    pub result_window_secs: i64,
    /// Successful result calls per transaction (2, seed).
    pub max_results: i64,
    /// Base URL of the user simulator page; the txId is appended.
    pub simulator_url: String,
}

impl Default for IdvConfig {
    fn default() -> Self {
        Self {
            request_expiry_secs: 600,
            live_token_ttl_secs: 3600,
            result_window_secs: 3600,
            max_results: 2,
            simulator_url: "https://127.0.0.1:9000/simulator/".into(),
        }
    }
}

/// Test-environment token lifetime: one year (seed 001 §5-3).
pub const TEST_TOKEN_TTL_SECS: i64 = 31_536_000;

/// The key material of the service, loaded by the caller from its data dir.
pub struct IdvKeys {
    /// RSA key signing access tokens (PKCS#8 DER).
    pub token_key_pkcs8: Vec<u8>,
    /// RSA-4096 key unwrapping sessionKeys (PKCS#8 DER).
    pub field_key_pkcs8: Vec<u8>,
    /// Key of the client-secret hashes and of live CI/DI.
    pub secret_key: Vec<u8>,
    /// The sandbox "Toss CA" that issues the simulated users' signing certificates.
    pub sandbox_ca: CertificateAuthority,
}

impl std::fmt::Debug for IdvKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdvKeys(..)")
    }
}

/// A client as the request path sees it.
#[derive(Debug, Clone)]
pub struct ClientEntry {
    /// `client_id`.
    pub client_id: String,
    /// Its app.
    pub app_name: String,
    /// Test environment (`test_` credentials, fixed virtual person).
    pub test_env: bool,
    secret_hash: [u8; 32],
}

/// The identity-verification service.
pub struct IdvService {
    store: Arc<dyn Store>,
    config: IdvConfig,
    tokens: TokenSigner,
    /// Shared with blocking threads: an RSA-4096 decryption takes milliseconds of CPU.
    decrypter: Arc<SessionKeyDecrypter>,
    secret_key: hmac::Key,
    person_key: Vec<u8>,
    sandbox_ca: Arc<CertificateAuthority>,
    clients: ArcSwap<HashMap<String, ClientEntry>>,
    reload_lock: tokio::sync::Mutex<()>,
    app_offset: AppOffset,
}

/// Seconds an app's test clock is ahead of wall-clock time (`intoss clock advance`).
pub type AppOffset = Arc<dyn Fn(&str) -> i64 + Send + Sync>;

impl std::fmt::Debug for IdvService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdvService").finish_non_exhaustive()
    }
}

/// The `/token` form.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    /// Must be `client_credentials`.
    pub grant_type: Option<String>,
    /// Must be `ca`.
    pub scope: Option<String>,
    /// The client id.
    pub client_id: Option<String>,
    /// The client secret.
    pub client_secret: Option<String>,
}

fn random_hex(bytes: usize) -> Result<String, IdvError> {
    let mut b = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| IdvError::Internal)?;
    Ok(hex::encode(b))
}

/// A random UUID v4, lowercase and hyphenated.
pub fn uuid_v4() -> Result<String, IdvError> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| IdvError::Internal)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
}

/// `YYYY-MM-DDThh:mm:ss+09:00` (KST), as the real service prints times.
pub use intoss_proto::times::kst_iso as kst;

impl IdvService {
    /// Builds the service and loads the clients.
    pub async fn new(store: Arc<dyn Store>, config: IdvConfig, keys: IdvKeys) -> Result<Self, String> {
        let tokens = TokenSigner::from_pkcs8_der(&keys.token_key_pkcs8).map_err(|e| e.to_string())?;
        let decrypter =
            SessionKeyDecrypter::from_pkcs8_der(&keys.field_key_pkcs8).map_err(|e| e.to_string())?;
        let svc = Self {
            store,
            config,
            tokens,
            decrypter: Arc::new(decrypter),
            secret_key: hmac::Key::new(hmac::HMAC_SHA256, &keys.secret_key),
            person_key: keys.secret_key.clone(),
            sandbox_ca: Arc::new(keys.sandbox_ca),
            clients: ArcSwap::from_pointee(HashMap::new()),
            reload_lock: tokio::sync::Mutex::new(()),
            app_offset: Arc::new(|_| 0),
        };
        svc.reload_clients().await.map_err(|e| format!("{e:?}"))?;
        Ok(svc)
    }

    /// Judges each app's transactions by its test clock: `offset` answers how many seconds
    /// an app's clock is ahead (default: none). Access tokens stay on wall-clock time.
    #[must_use]
    pub fn with_app_clock(mut self, offset: AppOffset) -> Self {
        self.app_offset = offset;
        self
    }

    /// `now` on the clock of the app of client `client_id`.
    fn app_time(&self, client_id: &str, now: i64) -> i64 {
        let offset = self.clients.load().get(client_id).map_or(0, |c| (self.app_offset)(&c.app_name));
        now.saturating_add(offset)
    }

    /// The configuration.
    pub fn config(&self) -> &IdvConfig {
        &self.config
    }

    /// The platform's RSA-4096 public key (SPKI DER) that partners encrypt sessionKeys with.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.decrypter.public_key_spki_der()
    }

    /// The sandbox Toss CA certificate (PEM), the trust anchor of result signatures.
    pub fn sandbox_ca_pem(&self) -> &str {
        self.sandbox_ca.cert_pem()
    }

    /// Re-reads the clients from the store and swaps the set in whole.
    pub async fn reload_clients(&self) -> Result<(), IdvError> {
        let _serial = self.reload_lock.lock().await;
        let mut map = HashMap::new();
        for c in self.store.list_idv_clients(None).await? {
            let mut hash = [0u8; 32];
            if hex::decode_to_slice(&c.secret_hash, &mut hash).is_err() {
                tracing::error!(client = %c.client_id, "stored secret hash is corrupt; client disabled");
                continue;
            }
            map.insert(
                c.client_id.clone(),
                ClientEntry {
                    test_env: c.env == "test",
                    client_id: c.client_id,
                    app_name: c.app_name,
                    secret_hash: hash,
                },
            );
        }
        self.clients.store(Arc::new(map));
        Ok(())
    }

    fn secret_hash(&self, secret: &str) -> [u8; 32] {
        let tag = hmac::sign(&self.secret_key, secret.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    // === clients ===

    /// Creates a client for `app` in the test or live environment.
    pub async fn create_client(&self, app: &str, test_env: bool, now: i64) -> Result<NewIdvClient, IdvError> {
        let prefix = if test_env { "test_" } else { "" };
        let client_id = format!("{prefix}{}", random_hex(16)?);
        let client_secret = format!("{prefix}{}", random_hex(32)?);
        let env = if test_env { IdvEnv::Test } else { IdvEnv::Live };
        self.store
            .create_idv_client(&IdvClient {
                client_id: client_id.clone(),
                app_name: app.to_owned(),
                env: env.as_str().to_owned(),
                secret_hash: hex::encode(self.secret_hash(&client_secret)),
                created_at: now,
                deleted_at: None,
            })
            .await
            .map_err(|e| match e {
                intoss_store::StoreError::NotFound(_) => {
                    IdvError::InvalidParameter(format!("app `{app}` not found"))
                }
                other => other.into(),
            })?;
        self.reload_clients().await?;
        tracing::info!(app, client_id = %client_id, env = env.as_str(), "identity-verification client created");
        Ok(NewIdvClient { client_id, client_secret, app: app.to_owned(), env })
    }

    /// Deletes a client; its tokens stop working at once here, and on other nodes at their next
    /// reload of the clients.
    pub async fn delete_client(&self, client_id: &str, now: i64) -> Result<(), IdvError> {
        self.store.delete_idv_client(client_id, now).await.map_err(|e| match e {
            intoss_store::StoreError::NotFound(_) => IdvError::UnknownTransaction,
            other => other.into(),
        })?;
        self.reload_clients().await?;
        tracing::info!(client_id, "identity-verification client deleted");
        Ok(())
    }

    /// Active clients, optionally of one app, without their secrets.
    pub async fn list_clients(&self, app: Option<&str>) -> Result<Vec<admin::IdvClient>, IdvError> {
        Ok(self
            .store
            .list_idv_clients(app)
            .await?
            .into_iter()
            .map(|c| admin::IdvClient {
                env: if c.env == "test" { IdvEnv::Test } else { IdvEnv::Live },
                client_id: c.client_id,
                app: c.app_name,
                created_at: c.created_at,
            })
            .collect())
    }

    // === tokens ===

    /// `POST /token`: client credentials → access token.
    pub fn issue_token(&self, form: &TokenForm, now: i64) -> Result<AccessToken, OAuthError> {
        let grant = form.grant_type.as_deref().ok_or(OAuthError::InvalidRequest("grant_type is required"))?;
        if grant != "client_credentials" {
            return Err(OAuthError::UnsupportedGrantType);
        }
        let scope = form.scope.as_deref().ok_or(OAuthError::InvalidRequest("scope is required"))?;
        if scope.split(' ').any(|s| s != "ca") || scope.is_empty() {
            return Err(OAuthError::InvalidScope);
        }
        let id = form.client_id.as_deref().ok_or(OAuthError::InvalidRequest("client_id is required"))?;
        let secret =
            form.client_secret.as_deref().ok_or(OAuthError::InvalidRequest("client_secret is required"))?;
        // Hash first, whatever the client: the timing does not tell known ids from unknown.
        let presented = self.secret_hash(secret);
        let clients = self.clients.load();
        let client = clients.get(id);
        let expected = client.map_or([0u8; 32], |c| c.secret_hash);
        let matches: bool = presented.ct_eq(&expected).into();
        let Some(client) = client.filter(|_| matches) else {
            tracing::info!(client_id = %id, "token refused: bad client credentials");
            return Err(OAuthError::InvalidClient);
        };
        let ttl = if client.test_env { TEST_TOKEN_TTL_SECS } else { self.config.live_token_ttl_secs };
        let jti = uuid_v4().map_err(|_| OAuthError::ServerError)?;
        let token =
            self.tokens.issue(&client.client_id, ttl, now, jti).map_err(|_| OAuthError::ServerError)?;
        Ok(AccessToken {
            access_token: token,
            scope: "ca".into(),
            token_type: "Bearer".into(),
            expires_in: ttl,
        })
    }

    /// The client behind an `Authorization` header value.
    pub fn authenticate(&self, authorization: Option<&str>, now: i64) -> Result<ClientEntry, IdvError> {
        let token = authorization
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(IdvError::InvalidToken)?;
        let claims = self.tokens.verify(token, now).ok_or(IdvError::InvalidToken)?;
        self.clients.load().get(&claims.sub).cloned().ok_or(IdvError::InvalidToken)
    }

    // === the three calls ===

    /// `…/request`.
    pub async fn request(
        &self,
        client: &ClientEntry,
        body: &AuthRequest,
        now: i64,
    ) -> Result<AuthRequested, IdvError> {
        let now = self.app_time(&client.client_id, now);
        fn field(value: &Option<String>) -> Option<&str> {
            value.as_deref().filter(|s| !s.is_empty())
        }
        let missing = |name: &str| IdvError::InvalidParameter(format!("{name} is required"));
        let request_type = field(&body.request_type).ok_or_else(|| missing("requestType"))?;
        let request_url = field(&body.request_url).ok_or_else(|| missing("requestUrl"))?;
        if request_url.len() > 1024 {
            return Err(IdvError::InvalidParameter("requestUrl: at most 1024 characters".into()));
        }
        let tx_id = uuid_v4()?;
        let (trigger, request_person, session_id) = match request_type {
            "USER_NONE" => (None, None, None),
            "USER_PERSONAL" => {
                let trigger = field(&body.trigger_type).ok_or_else(|| missing("triggerType"))?;
                if !matches!(trigger, "APP_SCHEME" | "PUSH") {
                    return Err(IdvError::InvalidParameter("triggerType: APP_SCHEME or PUSH".into()));
                }
                let session = self
                    .unwrap_session(field(&body.session_key).ok_or_else(|| missing("sessionKey"))?)
                    .await?;
                let decrypt = |name: &str, value: &Option<String>| -> Result<String, IdvError> {
                    let value = field(value).ok_or_else(|| missing(name))?;
                    session
                        .decrypt(value)
                        .map_err(|e| IdvError::Undecryptable(format!("{name}: {}", describe(&e))))
                };
                let (name, phone, birthday) = (
                    decrypt("userName", &body.user_name)?,
                    decrypt("userPhone", &body.user_phone)?,
                    decrypt("userBirthday", &body.user_birthday)?,
                );
                let today = OffsetDateTime::from_unix_timestamp(now).map_err(|_| IdvError::Internal)?.date();
                person::check_name(&name)?;
                person::check_phone(&phone)?;
                person::check_birthday(&birthday, today)?;
                let who = RequestedPerson { name: name.trim().to_owned(), phone, birthday };
                let who = serde_json::to_string(&who).map_err(|_| IdvError::Internal)?;
                (Some(trigger.to_owned()), Some(who), Some(session.id().to_owned()))
            }
            other => {
                return Err(IdvError::InvalidParameter(format!(
                    "requestType: `{other}` is not USER_PERSONAL or USER_NONE"
                )));
            }
        };
        let tx = IdvTx {
            tx_id: tx_id.clone(),
            client_id: client.client_id.clone(),
            request_type: request_type.to_owned(),
            request_url: request_url.to_owned(),
            trigger_type: trigger,
            request_person,
            status: IdvStatus::Requested,
            requested_at: now,
            expires_at: now + self.config.request_expiry_secs,
            completed_at: None,
            person: None,
            signature: None,
            result_count: 0,
        };
        self.store.insert_idv_tx(&tx, session_id.as_deref()).await?;
        tracing::info!(tx_id = %tx_id, client_id = %client.client_id, request_type, "verification requested");
        let link = (request_type == "USER_PERSONAL").then(|| format!("{}{tx_id}", self.config.simulator_url));
        Ok(AuthRequested {
            tx_id,
            requested_dt: kst(now),
            app_scheme: link.clone(),
            android_app_uri: link.clone(),
            ios_app_uri: link,
        })
    }

    /// Unwraps a sessionKey on a blocking thread, so that the RSA private-key operation does
    /// not stall the async workers (and the gateway's requests on them).
    async fn unwrap_session(&self, session_key: &str) -> Result<Session, IdvError> {
        let (decrypter, key) = (self.decrypter.clone(), session_key.to_owned());
        tokio::task::spawn_blocking(move || decrypter.unwrap(&key))
            .await
            .map_err(|_| IdvError::Internal)?
            .map_err(|e| IdvError::Undecryptable(format!("sessionKey: {}", describe(&e))))
    }

    /// Loads a transaction of `client`, applying expiry. Another client's is "not found".
    async fn owned_tx(&self, client: &ClientEntry, tx_id: &str, now: i64) -> Result<IdvTx, IdvError> {
        let tx = self.store.idv_tx(tx_id).await?.filter(|t| t.client_id == client.client_id);
        let tx = tx.ok_or(IdvError::UnknownTransaction)?;
        self.expire_if_due(tx, now).await
    }

    async fn expire_if_due(&self, mut tx: IdvTx, now: i64) -> Result<IdvTx, IdvError> {
        let open = matches!(tx.status, IdvStatus::Requested | IdvStatus::InProgress);
        if open && now >= tx.expires_at {
            self.store
                .transition_idv_tx(
                    &tx.tx_id,
                    &[IdvStatus::Requested, IdvStatus::InProgress],
                    IdvStatus::Expired,
                    None,
                )
                .await?;
            tx = self.store.idv_tx(&tx.tx_id).await?.ok_or(IdvError::UnknownTransaction)?;
        }
        Ok(tx)
    }

    /// `…/status`.
    pub async fn status(
        &self,
        client: &ClientEntry,
        body: &StatusRequest,
        now: i64,
    ) -> Result<AuthStatus, IdvError> {
        let now = self.app_time(&client.client_id, now);
        let tx_id = tx_id_of(&body.tx_id)?;
        let tx = self.owned_tx(client, tx_id, now).await?;
        Ok(AuthStatus {
            status: tx.status.as_str().to_owned(),
            requested_dt: kst(tx.requested_at),
            tx_id: tx.tx_id,
        })
    }

    /// `…/result`.
    pub async fn result(
        &self,
        client: &ClientEntry,
        body: &ResultRequest,
        now: i64,
    ) -> Result<AuthResult, IdvError> {
        let now = self.app_time(&client.client_id, now);
        let tx_id = tx_id_of(&body.tx_id)?;
        let session_key = body
            .session_key
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| IdvError::InvalidParameter("sessionKey is required".into()))?;
        let tx = self.owned_tx(client, tx_id, now).await?;
        match tx.status {
            IdvStatus::Completed => {}
            IdvStatus::Expired => return Err(IdvError::Expired),
            IdvStatus::Requested | IdvStatus::InProgress => return Err(IdvError::NotCompleted),
        }
        let session = self.unwrap_session(session_key).await?;
        let claim = self
            .store
            .claim_idv_result(
                tx_id,
                session.id(),
                now,
                self.config.result_window_secs,
                self.config.max_results,
            )
            .await?;
        match claim {
            ResultClaim::Claimed(n) => tracing::info!(tx_id, call = n, "verification result fetched"),
            ResultClaim::NotFound => return Err(IdvError::UnknownTransaction),
            ResultClaim::NotCompleted(IdvStatus::Expired) => return Err(IdvError::Expired),
            ResultClaim::NotCompleted(_) => return Err(IdvError::NotCompleted),
            ResultClaim::WindowPassed => return Err(IdvError::ResultWindowPassed),
            ResultClaim::LimitReached => return Err(IdvError::ResultLimit),
            ResultClaim::SessionReused => return Err(IdvError::SessionReused),
        }
        let person: Person =
            tx.person.as_deref().and_then(|p| serde_json::from_str(p).ok()).ok_or(IdvError::Internal)?;
        let enc = |v: &str| session.encrypt(v).map_err(|_| IdvError::Internal);
        Ok(AuthResult {
            status: "COMPLETED".into(),
            user_identifier: None,
            user_ci_token: None,
            signature: tx.signature.clone(),
            random_value: None,
            completed_dt: tx.completed_at.map(kst),
            requested_dt: kst(tx.requested_at),
            personal_data: PersonalData {
                ci: enc(&person.ci)?,
                name: enc(&person.name)?,
                birthday: enc(&person.birthday)?,
                gender: enc(&person.gender)?,
                nationality: enc(&person.nationality)?,
                ci2: None,
                di: enc(&person.di)?,
                ci_update: None,
                age_group: enc(&person.age_group)?,
            },
            tx_id: tx.tx_id,
        })
    }

    // === the user simulator (stands in for the Toss app) ===

    /// A transaction as the simulator and the console show it (no personal data of the result).
    pub async fn describe_tx(&self, tx_id: &str, now: i64) -> Result<IdvTransaction, IdvError> {
        let tx = self.store.idv_tx(tx_id).await?.ok_or(IdvError::UnknownTransaction)?;
        let now = self.app_time(&tx.client_id, now);
        let tx = self.expire_if_due(tx, now).await?;
        Ok(self.tx_view(&tx))
    }

    fn tx_view(&self, tx: &IdvTx) -> IdvTransaction {
        IdvTransaction {
            tx_id: tx.tx_id.clone(),
            client_id: tx.client_id.clone(),
            app: self.clients.load().get(&tx.client_id).map(|c| c.app_name.clone()),
            request_type: tx.request_type.clone(),
            trigger_type: tx.trigger_type.clone(),
            request_url: tx.request_url.clone(),
            status: tx.status.as_str().to_owned(),
            requested_at: kst(tx.requested_at),
            expires_at: kst(tx.expires_at),
            completed_at: tx.completed_at.map(kst),
            result_count: tx.result_count,
            requested_person: requested_person(tx),
        }
    }

    /// The newest transactions.
    pub async fn list_txs(
        &self,
        client_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<IdvTransaction>, IdvError> {
        Ok(self.store.list_idv_txs(client_id, limit).await?.iter().map(|t| self.tx_view(t)).collect())
    }

    /// The user opened the Toss app: REQUESTED → IN_PROGRESS.
    pub async fn open(&self, tx_id: &str, now: i64) -> Result<IdvTransaction, IdvError> {
        let tx = self.sim_tx(tx_id, now).await?;
        if !self
            .store
            .transition_idv_tx(&tx.tx_id, &[IdvStatus::Requested], IdvStatus::InProgress, None)
            .await?
        {
            return Err(IdvError::InvalidState(format!(
                "transaction is {}, not REQUESTED",
                tx.status.as_str()
            )));
        }
        self.describe_tx(tx_id, now).await
    }

    /// The user let it lapse: → EXPIRED.
    pub async fn expire(&self, tx_id: &str, now: i64) -> Result<IdvTransaction, IdvError> {
        let tx = self.sim_tx(tx_id, now).await?;
        let from = [IdvStatus::Requested, IdvStatus::InProgress];
        if !self.store.transition_idv_tx(&tx.tx_id, &from, IdvStatus::Expired, None).await? {
            return Err(IdvError::InvalidState(format!(
                "transaction is {}, it cannot expire",
                tx.status.as_str()
            )));
        }
        self.describe_tx(tx_id, now).await
    }

    /// A transaction for the simulator, expiry applied at `now` (wall-clock time) on its app's clock.
    async fn sim_tx(&self, tx_id: &str, now: i64) -> Result<IdvTx, IdvError> {
        let tx = self.store.idv_tx(tx_id).await?.ok_or(IdvError::UnknownTransaction)?;
        let now = self.app_time(&tx.client_id, now);
        self.expire_if_due(tx, now).await
    }

    /// The user authenticated: → COMPLETED, as `who` (test clients: always the virtual person).
    pub async fn complete(
        &self,
        tx_id: &str,
        who: &CompleteTx,
        now: i64,
    ) -> Result<IdvTransaction, IdvError> {
        let tx = self.sim_tx(tx_id, now).await?;
        if !matches!(tx.status, IdvStatus::Requested | IdvStatus::InProgress) {
            return Err(IdvError::InvalidState(format!(
                "transaction is {}, it cannot be completed",
                tx.status.as_str()
            )));
        }
        let client = self.clients.load().get(&tx.client_id).cloned();
        let (test_env, app) = client.map_or((true, String::new()), |c| (c.test_env, c.app_name));
        // The completion is recorded on the app's clock (its result window runs by it); the
        // result's signature is made at wall-clock time, like the certificates behind it.
        let at = self.app_time(&tx.client_id, now);
        let person = if test_env { person::test_person() } else { self.live_person(&tx, who, at)? };
        // Generating the user's RSA key and signing take tens of milliseconds: off the workers.
        let signature = {
            let (ca, tx, app, person) = (self.sandbox_ca.clone(), tx.clone(), app.clone(), person.clone());
            tokio::task::spawn_blocking(move || sign_result(&ca, &tx, &app, &person, now))
                .await
                .map_err(|_| IdvError::Internal)??
        };
        let completion = Completion {
            at,
            person: serde_json::to_string(&person).map_err(|_| IdvError::Internal)?,
            signature,
        };
        let from = [IdvStatus::Requested, IdvStatus::InProgress];
        if !self.store.transition_idv_tx(&tx.tx_id, &from, IdvStatus::Completed, Some(&completion)).await? {
            return Err(IdvError::InvalidState("the transaction changed state meanwhile".into()));
        }
        tracing::info!(tx_id, "verification completed in the simulator");
        self.describe_tx(tx_id, now).await
    }

    fn live_person(&self, tx: &IdvTx, who: &CompleteTx, now: i64) -> Result<Person, IdvError> {
        let asked = requested_person(tx);
        let name = who
            .name
            .clone()
            .or_else(|| asked.as_ref().map(|a| a.name.clone()))
            .unwrap_or_else(|| "홍길동".into());
        let birthday = who
            .birthday
            .clone()
            .or_else(|| asked.as_ref().map(|a| a.birthday.clone()))
            .unwrap_or_else(|| "19900101".into());
        let phone = who.phone.clone().or_else(|| asked.as_ref().map(|a| a.phone.clone()));
        let gender = who.gender.clone().unwrap_or_else(|| "MALE".into());
        let nationality = who.nationality.clone().unwrap_or_else(|| "LOCAL".into());
        let at = OffsetDateTime::from_unix_timestamp(now).map_err(|_| IdvError::Internal)?;
        Ok(person::live_person(
            &name,
            &birthday,
            &gender,
            &nationality,
            phone.as_deref(),
            &self.person_key,
            at,
        )?)
    }

    /// `POST /api/v1/certificate/validate`: whether a certificate was issued by the sandbox Toss
    /// CA (`valid`: chain and signature) and is usable now (`enabled`: within its validity).
    pub fn validate_certificate(&self, pem: &str, now: i64) -> Result<Validated, IdvError> {
        let info = intoss_pki::parse_cert_pem(pem)
            .map_err(|e| IdvError::InvalidParameter(format!("certificate: {e}")))?;
        let der = intoss_pki::cert_pem_to_der(pem)
            .map_err(|e| IdvError::InvalidParameter(format!("certificate: {e}")))?;
        let valid = intoss_pki::verify_issued_by(&der, self.sandbox_ca.cert_der());
        let within = info.not_before.unix_timestamp() <= now && now < info.not_after.unix_timestamp();
        Ok(Validated { valid, enabled: valid && within })
    }
}

/// The CMS SignedData the user "signs" in the Toss app, over the content JSON of
/// toss-apis.md §1.4, by a personal certificate of the sandbox Toss CA.
fn sign_result(
    ca: &CertificateAuthority,
    tx: &IdvTx,
    app: &str,
    person: &Person,
    now: i64,
) -> Result<String, IdvError> {
    let at = OffsetDateTime::from_unix_timestamp(now).map_err(|_| IdvError::Internal)?;
    let uid = random_hex(8)?;
    let signer = ca.issue_user_signing_cert(&person.name, &uid, at).map_err(|e| {
        tracing::error!(error = %e, "cannot issue the simulated user certificate");
        IdvError::Internal
    })?;
    let content = json!({
        "txId": tx.tx_id,
        "partnerCode": app,
        "serviceType": "간편인증",
        "identifier": null,
        "userIdentifier": null,
        "requestTs": kst(tx.requested_at),
    });
    let der = intoss_pki::sign_attached(
        content.to_string().as_bytes(),
        &signer.cert_der,
        signer.key_der.expose(),
        at,
    )
    .map_err(|e| {
        tracing::error!(error = %e, "cannot sign the result");
        IdvError::Internal
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(der))
}

/// The person a USER_PERSONAL request named, as stored with the transaction.
fn requested_person(tx: &IdvTx) -> Option<RequestedPerson> {
    tx.request_person.as_deref().and_then(|p| serde_json::from_str(p).ok())
}

fn tx_id_of(tx_id: &Option<String>) -> Result<&str, IdvError> {
    tx_id
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 64)
        .ok_or_else(|| IdvError::InvalidParameter("txId is required".into()))
}

/// A caller-facing description of a crypto failure. Deliberately coarse (no oracle).
fn describe(e: &FieldCryptoError) -> &'static str {
    match e {
        FieldCryptoError::Malformed(_) => "not in the v1$<sessionId>$<base64> format",
        FieldCryptoError::Unsupported(_) => "unsupported algorithm (use AES_GCM)",
        FieldCryptoError::VersionMismatch => "unsupported version prefix (use v1)",
        FieldCryptoError::SessionMismatch => "encrypted with another session than the sessionKey's",
        _ => "decryption failed (was it encrypted for this platform's public key?)",
    }
}
