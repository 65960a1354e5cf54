//! What each Toss Login call does. Every method takes `now` (Unix seconds) so tests move time;
//! every state change is written to the store before the method returns.

use std::sync::Arc;

use aws_lc_rs::{digest, hmac};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD};
use intoss_proto::api::login::{
    self as api, CreateUser, GenerateToken, LoginMe, PatchLoginSettings, RefreshToken, Removed, SimLogin,
    SimLoginCode, SimUnlink, SimUnlinked, TokenResponse, UnlinkCallback, UnlinkedApp,
};
use intoss_proto::logincrypto::LoginFieldKey;
use intoss_store::{
    LoginCode, LoginLink, LoginSettings, LoginToken, SandboxUser, Store, StoreError, TokenKind,
};

use crate::LoginError;

/// Lifetimes of codes and tokens (the real service's, by default).
#[derive(Debug, Clone, Copy)]
pub struct LoginConfig {
    /// An authorization code: 10 minutes.
    pub code_ttl_secs: i64,
    /// An access token: 1 hour.
    pub access_ttl_secs: i64,
    /// A refresh token: 14 days.
    pub refresh_ttl_secs: i64,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self { code_ttl_secs: 600, access_ttl_secs: 3600, refresh_ttl_secs: 14 * 86_400 }
    }
}

/// The prefix of the community browser mock's codes (`mock-auth-<uuid>`).
pub const MOCK_CODE_PREFIX: &str = "mock-auth-";

/// Where an unlink callback goes and what it carries; the server delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlinkDelivery {
    /// The app told.
    pub app: String,
    /// Its callback URL.
    pub url: String,
    /// `GET` (query) or `POST` (JSON body).
    pub method: String,
    /// `user:password` for the Basic Auth header.
    pub basic_auth: Option<String>,
    /// What it says.
    pub body: UnlinkCallback,
}

/// Delivers unlink callbacks (the server's webhook sender; tests collect them).
pub trait UnlinkSink: Send + Sync + 'static {
    /// Hands one callback over for delivery; must not block.
    fn deliver(&self, delivery: UnlinkDelivery);
}

/// Drops callbacks (a platform without a delivery client).
#[derive(Debug, Default)]
pub struct NoSink;

impl UnlinkSink for NoSink {
    fn deliver(&self, _: UnlinkDelivery) {}
}

/// Toss Login.
pub struct LoginService {
    store: Arc<dyn Store>,
    master: hmac::Key,
    config: LoginConfig,
    sink: Arc<dyn UnlinkSink>,
}

impl std::fmt::Debug for LoginService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginService").field("config", &self.config).finish_non_exhaustive()
    }
}

/// SHA-256 of an issued code or token, hex: what the store keeps.
fn hash(secret: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, secret.as_bytes()))
}

/// 32 random bytes, base64url.
fn random_secret() -> Result<String, LoginError> {
    let mut b = [0u8; 32];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| LoginError::internal("no randomness"))?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// A userKey shaped like the real ones (nine or ten digits).
fn random_user_key() -> Result<i64, LoginError> {
    let mut b = [0u8; 4];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| LoginError::internal("no randomness"))?;
    Ok(100_000_000 + i64::from(u32::from_be_bytes(b) % 2_000_000_000))
}

/// The `scope` string: `user_key` and each consent scope in lower case.
fn scope_string(scopes: &[String]) -> String {
    let mut s = String::from("user_key");
    for scope in scopes {
        s.push(' ');
        s.push_str(&scope.to_ascii_lowercase());
    }
    s
}

use intoss_proto::times::rfc3339;

fn validate_scopes(scopes: &[String]) -> Result<Vec<String>, LoginError> {
    let mut out: Vec<String> = Vec::with_capacity(scopes.len());
    for s in scopes {
        let s = s.trim().to_ascii_uppercase();
        if !api::SCOPES.contains(&s.as_str()) {
            return Err(LoginError::invalid(
                "scopes",
                format!("`{s}` is not one of {}", api::SCOPES.join(", ")),
            ));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

fn validate_url(field: &str, url: &str) -> Result<(), LoginError> {
    let ok = url
        .parse::<http::Uri>()
        .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some());
    if ok { Ok(()) } else { Err(LoginError::invalid(field, "must be an http(s):// URL")) }
}

/// `DEFAULT`, or `SANDBOX` in either case.
fn normalize_referrer(r: &str) -> Result<&'static str, LoginError> {
    match r {
        "DEFAULT" => Ok("DEFAULT"),
        "SANDBOX" | "sandbox" => Ok("SANDBOX"),
        _ => Err(LoginError::invalid("referrer", "must be DEFAULT, SANDBOX or sandbox")),
    }
}

impl LoginService {
    /// The service over `store`; field keys are derived from `master_key` (a data-dir secret),
    /// so no key is stored.
    pub fn new(
        store: Arc<dyn Store>,
        master_key: &[u8],
        config: LoginConfig,
        sink: Arc<dyn UnlinkSink>,
    ) -> Self {
        Self { store, master: hmac::Key::new(hmac::HMAC_SHA256, master_key), config, sink }
    }

    /// The configured lifetimes.
    pub fn config(&self) -> LoginConfig {
        self.config
    }

    fn derive(&self, label: &str, app: &str, generation: i64) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.master);
        for part in [label, "\0", app, "\0", &generation.to_string()] {
            ctx.update(part.as_bytes());
        }
        ctx.sign()
    }

    /// The field key and AAD of `app` at its key generation.
    pub fn field_key(&self, app: &str, generation: i64) -> LoginFieldKey {
        let mut raw = [0u8; 32];
        raw.copy_from_slice(self.derive("intoss/login/field-key/v1", app, generation).as_ref());
        let aad = self.derive("intoss/login/aad/v1", app, generation);
        LoginFieldKey::new(raw, format!("TOSS-{}", hex::encode_upper(&aad.as_ref()[..6])))
    }

    async fn settings_of(&self, app: &str) -> Result<LoginSettings, LoginError> {
        Ok(self.store.login_settings(app).await?.unwrap_or_else(|| LoginSettings::defaults(app)))
    }

    async fn require_app(&self, app: &str) -> Result<(), LoginError> {
        match self.store.app(app).await? {
            Some(_) => Ok(()),
            None => Err(LoginError::NotFound(format!("app `{app}` not found"))),
        }
    }

    // === partner side (the gateway; `app` is the admitted caller's) ===

    /// `generate-token`: exchanges a code, once, for an access and a refresh token.
    pub async fn generate_token(
        &self,
        app: &str,
        req: &GenerateToken,
        now: i64,
    ) -> Result<TokenResponse, LoginError> {
        let referrer = normalize_referrer(&req.referrer)?;
        let code = req.authorization_code.trim();
        if code.is_empty() || code.len() > 512 {
            return Err(LoginError::invalid("authorizationCode", "required, at most 512 characters"));
        }
        let used = match code.strip_prefix(MOCK_CODE_PREFIX) {
            Some(_) if referrer == "SANDBOX" => self.use_mock_code(app, code, now).await?,
            _ => self.store.use_code(&hash(code), app, now).await?,
        };
        let Some(used) = used else { return Err(LoginError::InvalidGrant) };
        let user = self.live_user(&used.user_id).await?;
        let link = self.active_link(app, &user.user_id).await?;
        self.issue_pair(app, &user.user_id, &link, now, None).await
    }

    /// A `mock-auth-<uuid>` code of a test-mode app: recorded as used on first sight, so each is
    /// single use like a real code, and mapped to the app's default user with every scope.
    async fn use_mock_code(&self, app: &str, code: &str, now: i64) -> Result<Option<LoginCode>, LoginError> {
        let settings = self.settings_of(app).await?;
        if !settings.test_mode {
            return Ok(None);
        }
        let user = match &settings.default_user {
            Some(id) => self.store.user(id).await?,
            None => self.store.list_users().await?.into_iter().find(|u| u.withdrawn_at.is_none()),
        };
        let Some(user) = user else { return Ok(None) };
        let all: Vec<String> = api::SCOPES.iter().map(|s| (*s).to_owned()).collect();
        self.link(app, &user.user_id, &all, &[], now).await?;
        let record = LoginCode {
            code_hash: hash(code),
            app_name: app.to_owned(),
            user_id: user.user_id,
            referrer: "SANDBOX".into(),
            created_at: now,
            expires_at: now + self.config.code_ttl_secs,
        };
        match self.store.insert_code(&record).await {
            Ok(()) => Ok(self.store.use_code(&record.code_hash, app, now).await?),
            Err(StoreError::Conflict(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// `refresh-token`: the refresh token is ended and a new pair answered (rotation).
    pub async fn refresh(
        &self,
        app: &str,
        req: &RefreshToken,
        now: i64,
    ) -> Result<TokenResponse, LoginError> {
        let token = req.refresh_token.trim();
        if token.is_empty() {
            return Err(LoginError::invalid("refreshToken", "required"));
        }
        // Checked before rotating so that a refused refresh leaves the token as it was.
        let Some(old) = self.store.live_token(&hash(token), TokenKind::Refresh, app, now).await? else {
            return Err(LoginError::InvalidGrant);
        };
        let user = self.live_user(&old.user_id).await?;
        let link = self.active_link(app, &user.user_id).await?;
        self.issue_pair(app, &user.user_id, &link, now, Some(&hash(token))).await
    }

    /// Issues an access and a refresh token, rotating `old_refresh` in the same transaction.
    async fn issue_pair(
        &self,
        app: &str,
        user_id: &str,
        link: &LoginLink,
        now: i64,
        old_refresh: Option<&str>,
    ) -> Result<TokenResponse, LoginError> {
        let (access, refresh) = (random_secret()?, random_secret()?);
        let record = |secret: &str, kind, ttl| LoginToken {
            token_hash: hash(secret),
            kind,
            app_name: app.to_owned(),
            user_id: user_id.to_owned(),
            created_at: now,
            expires_at: now + ttl,
        };
        let tokens = [
            record(&access, TokenKind::Access, self.config.access_ttl_secs),
            record(&refresh, TokenKind::Refresh, self.config.refresh_ttl_secs),
        ];
        match old_refresh {
            None => self.store.insert_tokens(&tokens).await?,
            Some(old) => {
                // Exactly one of concurrent refreshes with the same token wins.
                if self.store.rotate_refresh(old, app, now, &tokens).await?.is_none() {
                    return Err(LoginError::InvalidGrant);
                }
            }
        }
        Ok(TokenResponse {
            token_type: "Bearer".into(),
            access_token: access,
            refresh_token: refresh,
            // As the real service's example: a second under the lifetime.
            expires_in: self.config.access_ttl_secs - 1,
            scope: scope_string(&link.scopes),
        })
    }

    /// The user of a token or code, or `USER_NOT_FOUND` if they left Toss.
    async fn live_user(&self, user_id: &str) -> Result<SandboxUser, LoginError> {
        match self.store.user(user_id).await? {
            Some(u) if u.withdrawn_at.is_none() => Ok(u),
            _ => Err(LoginError::UserNotFound("the user no longer exists (left Toss)".into())),
        }
    }

    /// The link of a live token's user; a token outlives no unlink (unlink revokes them), so a
    /// missing link means the token is no longer good.
    async fn active_link(&self, app: &str, user_id: &str) -> Result<LoginLink, LoginError> {
        match self.store.link_of(app, user_id).await? {
            Some(l) if l.unlinked_at.is_none() => Ok(l),
            _ => Err(LoginError::InvalidGrant),
        }
    }

    async fn bearer_user(&self, app: &str, access_token: &str, now: i64) -> Result<LoginToken, LoginError> {
        let token = access_token.trim();
        if token.is_empty() {
            return Err(LoginError::InvalidGrant);
        }
        self.store
            .live_token(&hash(token), TokenKind::Access, app, now)
            .await?
            .ok_or(LoginError::InvalidGrant)
    }

    /// `login-me`: the user's plain identifiers and consented fields, encrypted.
    pub async fn login_me(&self, app: &str, access_token: &str, now: i64) -> Result<LoginMe, LoginError> {
        let token = self.bearer_user(app, access_token, now).await?;
        let user = self.live_user(&token.user_id).await?;
        let link = self.active_link(app, &user.user_id).await?;
        let settings = self.settings_of(app).await?;
        let key = self.field_key(app, settings.key_generation);
        let has = |scope: &str| link.scopes.iter().any(|s| s == scope);
        let field = |scope: &str, value: Option<&str>| -> Result<Option<String>, LoginError> {
            match value {
                Some(v) if has(scope) => key.encrypt(v).map(Some).map_err(LoginError::internal),
                _ => Ok(None),
            }
        };
        Ok(LoginMe {
            user_key: link.user_key,
            scope: scope_string(&link.scopes),
            agreed_terms: link.agreed_terms.clone(),
            name: field("USER_NAME", Some(&user.name))?,
            phone: field("USER_PHONE", Some(&user.phone))?,
            birthday: field("USER_BIRTHDAY", Some(&user.birthday))?,
            ci: field("USER_CI", Some(&user.ci))?,
            di: None,
            gender: field("USER_GENDER", Some(&user.gender))?,
            nationality: field("USER_NATIONALITY", Some(&user.nationality))?,
            email: field("USER_EMAIL", user.email.as_deref())?,
        })
    }

    /// `access/remove-by-access-token`: the partner ends the link (no callback is sent).
    pub async fn remove_by_access_token(
        &self,
        app: &str,
        access_token: &str,
        now: i64,
    ) -> Result<Removed, LoginError> {
        let token = self.bearer_user(app, access_token, now).await?;
        let link = self.active_link(app, &token.user_id).await?;
        self.store.unlink(app, &token.user_id, now, true, None).await?;
        Ok(Removed { user_key: link.user_key })
    }

    /// `access/remove-by-user-key`: the partner ends the link (no callback is sent).
    pub async fn remove_by_user_key(
        &self,
        app: &str,
        user_key: i64,
        now: i64,
    ) -> Result<Removed, LoginError> {
        let not_found =
            || LoginError::UserKeyNotFound(format!("userKey {user_key} is not linked to this app"));
        let link = self.store.link_by_key(app, user_key).await?.ok_or_else(not_found)?;
        if link.unlinked_at.is_some() || !self.store.unlink(app, &link.user_id, now, true, None).await? {
            return Err(not_found());
        }
        Ok(Removed { user_key })
    }

    // === the simulator (the user's side) ===

    /// Links, taking a new random userKey on the first link and keeping it after.
    async fn link(
        &self,
        app: &str,
        user_id: &str,
        scopes: &[String],
        terms: &[String],
        now: i64,
    ) -> Result<LoginLink, LoginError> {
        let existing = self.store.link_of(app, user_id).await?.map(|l| l.user_key);
        for _ in 0..8 {
            let candidate = match existing {
                Some(k) => k,
                None => random_user_key()?,
            };
            match self.store.link(app, user_id, candidate, scopes, terms, now).await {
                Err(StoreError::Conflict(_)) if existing.is_none() => continue,
                other => return Ok(other?),
            }
        }
        Err(LoginError::internal("no free userKey after 8 tries"))
    }

    /// A user logs in to an app with these consents: a new authorization code.
    pub async fn sim_login(&self, req: &SimLogin, now: i64) -> Result<SimLoginCode, LoginError> {
        self.require_app(&req.app).await?;
        let user = match self.store.user(&req.user).await? {
            Some(u) if u.withdrawn_at.is_none() => u,
            Some(_) => return Err(LoginError::invalid("user", format!("user `{}` has left Toss", req.user))),
            None => return Err(LoginError::NotFound(format!("user `{}` not found", req.user))),
        };
        let scopes = validate_scopes(&req.scopes)?;
        if req.agreed_terms.iter().any(|t| t.is_empty() || t.len() > 100) {
            return Err(LoginError::invalid("agreed_terms", "each 1-100 characters"));
        }
        let referrer = normalize_referrer(req.referrer.as_deref().unwrap_or("DEFAULT"))?;
        let link = self.link(&req.app, &user.user_id, &scopes, &req.agreed_terms, now).await?;
        let code = random_secret()?;
        self.store
            .insert_code(&LoginCode {
                code_hash: hash(&code),
                app_name: req.app.clone(),
                user_id: user.user_id,
                referrer: referrer.into(),
                created_at: now,
                expires_at: now + self.config.code_ttl_secs,
            })
            .await?;
        let settings = self.settings_of(&req.app).await?;
        let return_url = settings.return_url.map(|u| {
            let sep = if u.contains('?') { '&' } else { '?' };
            format!("{u}{sep}code={code}&referrer={referrer}")
        });
        Ok(SimLoginCode {
            authorization_code: code,
            referrer: referrer.into(),
            expires_in: self.config.code_ttl_secs,
            user_key: link.user_key,
            return_url,
        })
    }

    /// A user ends an app's access (`UNLINK`, `WITHDRAWAL_TERMS`) or leaves Toss
    /// (`WITHDRAWAL_TOSS`: every app). Each app with a callback URL is told.
    pub async fn sim_unlink(&self, req: &SimUnlink, now: i64) -> Result<SimUnlinked, LoginError> {
        let reason = req.reason.as_str();
        if !api::UNLINK_REASONS.contains(&reason) {
            return Err(LoginError::invalid(
                "reason",
                format!("must be one of {}", api::UNLINK_REASONS.join(", ")),
            ));
        }
        if self.store.user(&req.user).await?.is_none() {
            return Err(LoginError::NotFound(format!("user `{}` not found", req.user)));
        }
        let links: Vec<LoginLink> = match (&req.app, reason) {
            (_, "WITHDRAWAL_TOSS") => {
                self.store.withdraw_user(&req.user, now).await?;
                self.store.list_links(None, Some(&req.user)).await?
            }
            (Some(app), _) => self.store.link_of(app, &req.user).await?.into_iter().collect(),
            (None, _) => {
                return Err(LoginError::invalid("app", "required unless the reason is WITHDRAWAL_TOSS"));
            }
        };
        let mut unlinked = Vec::new();
        for link in links.into_iter().filter(|l| l.unlinked_at.is_none()) {
            // A user who left Toss keeps their tokens' records: login-me with one answers
            // USER_NOT_FOUND, as the real service does for a deleted account.
            let revoke = reason != "WITHDRAWAL_TOSS";
            if !self.store.unlink(&link.app_name, &link.user_id, now, revoke, Some(reason)).await? {
                continue;
            }
            let settings = self.settings_of(&link.app_name).await?;
            let callback = settings.unlink_url.is_some();
            if let Some(url) = settings.unlink_url {
                self.sink.deliver(UnlinkDelivery {
                    app: link.app_name.clone(),
                    url,
                    method: settings.unlink_method,
                    basic_auth: settings.unlink_basic_auth,
                    body: UnlinkCallback { user_key: link.user_key, referrer: reason.to_owned() },
                });
            }
            unlinked.push(UnlinkedApp { app: link.app_name, user_key: link.user_key, callback });
        }
        if unlinked.is_empty() && reason != "WITHDRAWAL_TOSS" {
            return Err(LoginError::NotFound(format!(
                "user `{}` is not linked to app `{}`",
                req.user,
                req.app.as_deref().unwrap_or_default()
            )));
        }
        Ok(SimUnlinked { unlinked })
    }

    // === admin: users and settings ===

    /// Creates a sandbox user.
    pub async fn create_user(&self, req: &CreateUser, now: i64) -> Result<api::SandboxUser, LoginError> {
        let user = self.validate_user(req, now)?;
        self.store.create_user(&user).await?;
        Ok(user_wire(user))
    }

    fn validate_user(&self, req: &CreateUser, now: i64) -> Result<SandboxUser, LoginError> {
        let id = match &req.id {
            Some(id) => {
                let ok = (1..=64).contains(&id.len())
                    && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !ok {
                    return Err(LoginError::invalid("id", "1-64 characters of a-z, 0-9 and `-`"));
                }
                id.clone()
            }
            None => format!(
                "u-{}",
                &hex::encode(digest::digest(&digest::SHA256, random_secret()?.as_bytes()))[..10]
            ),
        };
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
            return Err(LoginError::invalid("name", "1-50 characters"));
        }
        let phone: String = req.phone.chars().filter(|c| *c != '-').collect();
        if !(10..=11).contains(&phone.len())
            || !phone.starts_with("01")
            || !phone.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(LoginError::invalid("phone", "10-11 digits starting with 01 (01012345678)"));
        }
        let date = time::macros::format_description!("[year][month][day]");
        if req.birthday.len() != 8 || time::Date::parse(&req.birthday, date).is_err() {
            return Err(LoginError::invalid("birthday", "a date as yyyyMMdd (19930324)"));
        }
        if !matches!(req.gender.as_str(), "MALE" | "FEMALE") {
            return Err(LoginError::invalid("gender", "MALE or FEMALE"));
        }
        let nationality = req.nationality.clone().unwrap_or_else(|| "LOCAL".into());
        if !matches!(nationality.as_str(), "LOCAL" | "FOREIGNER") {
            return Err(LoginError::invalid("nationality", "LOCAL or FOREIGNER"));
        }
        if let Some(e) = &req.email {
            let ok =
                e.len() <= 254 && e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
            if !ok {
                return Err(LoginError::invalid("email", "an e-mail address"));
            }
        }
        let ci = match &req.ci {
            Some(ci) if (1..=100).contains(&ci.len()) && ci.is_ascii() => ci.clone(),
            Some(_) => return Err(LoginError::invalid("ci", "1-100 ASCII characters")),
            None => {
                // 88 base64 characters, as a real CI; the same identity always gets the same CI.
                let k = hmac::Key::new(hmac::HMAC_SHA512, self.derive("intoss/login/ci/v1", "", 1).as_ref());
                BASE64.encode(hmac::sign(&k, format!("{name}\0{}\0{phone}", req.birthday).as_bytes()))
            }
        };
        Ok(SandboxUser {
            user_id: id,
            name: name.to_owned(),
            phone,
            birthday: req.birthday.clone(),
            gender: req.gender.clone(),
            nationality,
            email: req.email.clone(),
            ci,
            created_at: now,
            withdrawn_at: None,
        })
    }

    /// Creates the seed's 김토스 (`kim-toss`) when the sandbox has no user yet.
    pub async fn ensure_seed_user(&self, now: i64) -> Result<(), LoginError> {
        if !self.store.list_users().await?.is_empty() {
            return Ok(());
        }
        let seed = CreateUser {
            id: Some("kim-toss".into()),
            name: "김토스".into(),
            phone: "01012345678".into(),
            birthday: "19930324".into(),
            gender: "FEMALE".into(),
            nationality: Some("LOCAL".into()),
            email: Some("kim.toss@example.com".into()),
            ci: None,
        };
        match self.create_user(&seed, now).await {
            Ok(_) | Err(LoginError::AlreadyExists(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every sandbox user.
    pub async fn users(&self) -> Result<api::UserList, LoginError> {
        Ok(api::UserList { users: self.store.list_users().await?.into_iter().map(user_wire).collect() })
    }

    /// One sandbox user.
    pub async fn user(&self, id: &str) -> Result<api::SandboxUser, LoginError> {
        self.store
            .user(id)
            .await?
            .map(user_wire)
            .ok_or_else(|| LoginError::NotFound(format!("user `{id}` not found")))
    }

    /// A user's links to apps.
    pub async fn links(&self, app: Option<&str>, user: Option<&str>) -> Result<api::LinkList, LoginError> {
        let links = self.store.list_links(app, user).await?;
        Ok(api::LinkList {
            links: links
                .into_iter()
                .map(|l| api::Link {
                    app: l.app_name,
                    user: l.user_id,
                    user_key: l.user_key,
                    scopes: l.scopes,
                    linked_at: rfc3339(l.linked_at),
                    unlinked_at: l.unlinked_at.map(rfc3339),
                })
                .collect(),
        })
    }

    /// An app's login settings and decryption key.
    pub async fn settings(&self, app: &str) -> Result<api::LoginSettings, LoginError> {
        self.require_app(app).await?;
        Ok(self.settings_wire(self.settings_of(app).await?))
    }

    fn settings_wire(&self, s: LoginSettings) -> api::LoginSettings {
        let key = self.field_key(&s.app_name, s.key_generation);
        api::LoginSettings {
            decryption_key: key.key_base64(),
            aad: key.aad().to_owned(),
            app: s.app_name,
            test_mode: s.test_mode,
            default_user: s.default_user,
            return_url: s.return_url,
            unlink_url: s.unlink_url,
            unlink_method: s.unlink_method,
            unlink_basic_auth_set: s.unlink_basic_auth.is_some(),
        }
    }

    /// Changes an app's login settings.
    pub async fn patch_settings(
        &self,
        app: &str,
        p: &PatchLoginSettings,
    ) -> Result<api::LoginSettings, LoginError> {
        self.require_app(app).await?;
        let mut s = self.settings_of(app).await?;
        if let Some(t) = p.test_mode {
            s.test_mode = t;
        }
        if let Some(user) = &p.default_user {
            if let Some(id) = user
                && self.store.user(id).await?.is_none()
            {
                return Err(LoginError::invalid("default_user", format!("no sandbox user `{id}`")));
            }
            s.default_user.clone_from(user);
        }
        for (field, value, slot) in [
            ("return_url", &p.return_url, &mut s.return_url),
            ("unlink_url", &p.unlink_url, &mut s.unlink_url),
        ] {
            if let Some(v) = value {
                if let Some(url) = v {
                    validate_url(field, url)?;
                }
                slot.clone_from(v);
            }
        }
        if let Some(m) = &p.unlink_method {
            if !matches!(m.as_str(), "GET" | "POST") {
                return Err(LoginError::invalid("unlink_method", "GET or POST"));
            }
            s.unlink_method.clone_from(m);
        }
        if let Some(auth) = &p.unlink_basic_auth {
            if let Some(a) = auth
                && (!a.contains(':') || a.len() > 200 || a.chars().any(char::is_control))
            {
                return Err(LoginError::invalid(
                    "unlink_basic_auth",
                    "user:password, at most 200 characters",
                ));
            }
            s.unlink_basic_auth.clone_from(auth);
        }
        if p.rotate_key == Some(true) {
            s.key_generation += 1;
        }
        self.store.put_login_settings(&s).await?;
        Ok(self.settings_wire(s))
    }
}

fn user_wire(u: SandboxUser) -> api::SandboxUser {
    api::SandboxUser {
        id: u.user_id,
        name: u.name,
        phone: u.phone,
        birthday: u.birthday,
        gender: u.gender,
        nationality: u.nationality,
        email: u.email,
        ci: u.ci,
        created_at: rfc3339(u.created_at),
        withdrawn_at: u.withdrawn_at.map(rfc3339),
    }
}
