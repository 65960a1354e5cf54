//! Toss Login (토스 로그인) for a partner backend: exchange the front end's authorization
//! code, keep the user's tokens fresh, read `login-me` decrypted into [`LoginUser`].
//!
//! ```no_run
//! # async fn demo(partner: intoss_client::PartnerClient) -> Result<(), intoss_client::ClientError> {
//! use intoss_client::login::LoginClient;
//! use intoss_proto::logincrypto::LoginFieldKey;
//!
//! // The app's key and AAD: `intoss app show my-app` (the real console e-mails them).
//! let key = LoginFieldKey::from_base64("…base64 of 32 bytes…", "TOSS-…").unwrap();
//! let login = LoginClient::new(partner, key);
//! let session = login.exchange("code from appLogin()", "DEFAULT").await?;
//! let me = session.me().await?; // refreshes first when the access token is about to end
//! println!("{} {:?}", me.user_key, me.name);
//! # Ok(()) }
//! ```
//!
//! An expired, used, revoked or foreign code or token is [`ClientError::InvalidGrant`] (the
//! service's `{"error":"invalid_grant"}`); the user has to log in again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::http::Method;
use intoss_proto::api::login::{
    BASE, GenerateToken, InvalidGrant, LoginMe, RefreshToken, RemoveByUserKey, Removed, TokenResponse,
};
use intoss_proto::logincrypto::LoginFieldKey;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ClientError, PartnerClient, Response, decode_envelope};

/// Refresh this long before the access token ends.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The user as `login-me` describes them, decrypted; `None` where the user gave no consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginUser {
    /// The app's key for this user (send it as `x-toss-user-key`).
    pub user_key: i64,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Agreed term tags.
    pub agreed_terms: Vec<String>,
    /// 이름.
    pub name: Option<String>,
    /// Digits.
    pub phone: Option<String>,
    /// `yyyyMMdd`.
    pub birthday: Option<String>,
    /// 연계정보.
    pub ci: Option<String>,
    /// `MALE` / `FEMALE`.
    pub gender: Option<String>,
    /// `LOCAL` / `FOREIGNER`.
    pub nationality: Option<String>,
    /// E-mail (not ownership-verified).
    pub email: Option<String>,
}

struct Inner {
    partner: PartnerClient,
    key: LoginFieldKey,
}

/// Toss Login over a [`PartnerClient`] (mTLS), with the app's decryption key.
#[derive(Clone)]
pub struct LoginClient(Arc<Inner>);

impl std::fmt::Debug for LoginClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginClient(..)")
    }
}

/// Decodes a Toss Login answer: `invalid_grant` first, then the envelope.
fn decode<T: DeserializeOwned>(resp: &Response) -> Result<T, ClientError> {
    if let Ok(g) = serde_json::from_slice::<InvalidGrant>(&resp.body)
        && g.error == "invalid_grant"
    {
        return Err(ClientError::InvalidGrant(resp.status.as_u16()));
    }
    decode_envelope(resp)
}

impl LoginClient {
    /// Toss Login for the app `partner` presents the certificate of.
    pub fn new(partner: PartnerClient, key: LoginFieldKey) -> Self {
        Self(Arc::new(Inner { partner, key }))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        route: &str,
        bearer: Option<&str>,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            headers.push(("authorization", a));
        }
        let body = match body {
            Some(b) => {
                headers.push(("content-type", "application/json"));
                Some(serde_json::to_vec(b).map_err(|e| ClientError::Config(format!("request body: {e}")))?)
            }
            None => None,
        };
        let resp = self.0.partner.send(method, &format!("{BASE}{route}"), &headers, body).await?;
        decode(&resp)
    }

    /// `generate-token`: the code from the front end's `appLogin()` (with its `referrer`) for the
    /// user's tokens.
    pub async fn exchange(
        &self,
        authorization_code: &str,
        referrer: &str,
    ) -> Result<UserSession, ClientError> {
        let req = GenerateToken { authorization_code: authorization_code.into(), referrer: referrer.into() };
        let started = Instant::now();
        let tokens: TokenResponse = self.call(Method::POST, "generate-token", None, Some(&req)).await?;
        Ok(UserSession::new(self.clone(), tokens, started))
    }

    /// A session from tokens kept elsewhere (a database), whose access token ends at `expires_at`.
    pub fn resume(&self, tokens: TokenResponse, expires_at: Instant) -> UserSession {
        let started =
            expires_at.checked_sub(Duration::from_secs(u64::try_from(tokens.expires_in).unwrap_or(0)));
        UserSession::new(self.clone(), tokens, started.unwrap_or_else(Instant::now))
    }

    /// `refresh-token`: a new pair; the given refresh token stops working (rotation).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, ClientError> {
        let req = RefreshToken { refresh_token: refresh_token.into() };
        self.call(Method::POST, "refresh-token", None, Some(&req)).await
    }

    /// `login-me` with an access token, as sent (fields still encrypted).
    pub async fn login_me_raw(&self, access_token: &str) -> Result<LoginMe, ClientError> {
        self.call(Method::GET, "login-me", Some(access_token), None::<&()>).await
    }

    /// `login-me`, decrypted with the app's key.
    pub async fn me(&self, access_token: &str) -> Result<LoginUser, ClientError> {
        let raw = self.login_me_raw(access_token).await?;
        self.decrypt(raw)
    }

    /// Decrypts a `login-me` answer.
    pub fn decrypt(&self, me: LoginMe) -> Result<LoginUser, ClientError> {
        let key = &self.0.key;
        let open = |field: Option<String>, name: &str| -> Result<Option<String>, ClientError> {
            field
                .map(|v| key.decrypt(&v))
                .transpose()
                .map_err(|e| ClientError::Protocol { status: 200, detail: format!("login-me `{name}`: {e}") })
        };
        Ok(LoginUser {
            user_key: me.user_key,
            scopes: me.scope.split_whitespace().map(str::to_owned).collect(),
            agreed_terms: me.agreed_terms,
            name: open(me.name, "name")?,
            phone: open(me.phone, "phone")?,
            birthday: open(me.birthday, "birthday")?,
            ci: open(me.ci, "ci")?,
            gender: open(me.gender, "gender")?,
            nationality: open(me.nationality, "nationality")?,
            email: open(me.email, "email")?,
        })
    }

    /// `access/remove-by-access-token`: unlink the user (no unlink callback follows).
    pub async fn remove_by_access_token(&self, access_token: &str) -> Result<i64, ClientError> {
        let r: Removed = self
            .call(
                Method::POST,
                "access/remove-by-access-token",
                Some(access_token),
                Some(&serde_json::json!({})),
            )
            .await?;
        Ok(r.user_key)
    }

    /// `access/remove-by-user-key`: unlink the user (no unlink callback follows).
    pub async fn remove_by_user_key(&self, user_key: i64) -> Result<i64, ClientError> {
        let r: Removed = self
            .call(Method::POST, "access/remove-by-user-key", None, Some(&RemoveByUserKey { user_key }))
            .await?;
        Ok(r.user_key)
    }
}

struct Tokens {
    current: TokenResponse,
    expires_at: Instant,
}

/// One user's tokens, refreshed when needed: concurrent callers share one refresh (single
/// flight), so a rotated refresh token is never presented twice.
pub struct UserSession {
    client: LoginClient,
    tokens: tokio::sync::Mutex<Tokens>,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserSession(..)")
    }
}

impl UserSession {
    fn new(client: LoginClient, current: TokenResponse, started: Instant) -> Self {
        let expires_at = started + Duration::from_secs(u64::try_from(current.expires_in).unwrap_or(0));
        Self { client, tokens: tokio::sync::Mutex::new(Tokens { current, expires_at }) }
    }

    /// The tokens as they are now (to store them).
    pub async fn tokens(&self) -> TokenResponse {
        self.tokens.lock().await.current.clone()
    }

    /// A usable access token, refreshing first when it ends within [`REFRESH_MARGIN`].
    pub async fn access_token(&self) -> Result<String, ClientError> {
        // Held across the refresh: the other callers wait for it and then see the new token.
        let mut t = self.tokens.lock().await;
        if Instant::now() + REFRESH_MARGIN >= t.expires_at {
            let started = Instant::now();
            let fresh = self.client.refresh(&t.current.refresh_token).await?;
            t.expires_at = started + Duration::from_secs(u64::try_from(fresh.expires_in).unwrap_or(0));
            t.current = fresh;
        }
        Ok(t.current.access_token.clone())
    }

    /// Refreshes now, whatever the access token's age; returns the new tokens.
    pub async fn refresh_now(&self) -> Result<TokenResponse, ClientError> {
        let mut t = self.tokens.lock().await;
        let started = Instant::now();
        let fresh = self.client.refresh(&t.current.refresh_token).await?;
        t.expires_at = started + Duration::from_secs(u64::try_from(fresh.expires_in).unwrap_or(0));
        t.current = fresh.clone();
        Ok(fresh)
    }

    /// `login-me`, decrypted.
    pub async fn me(&self) -> Result<LoginUser, ClientError> {
        let token = self.access_token().await?;
        self.client.me(&token).await
    }

    /// Unlinks the user (`remove-by-access-token`); the session is of no use after.
    pub async fn remove(&self) -> Result<i64, ClientError> {
        let token = self.access_token().await?;
        self.client.remove_by_access_token(&token).await
    }
}
