//! Toss Login records and their part of the store ([`LoginStore`]).
//!
//! Codes and tokens are looked up by the SHA-256 of what was issued; the store never sees a
//! code or a token itself. Every use of a code, rotation of a refresh token and unlink is one
//! compare-and-set statement or transaction, so it holds across processes and nodes.

use crate::Result;

/// A person of the sandbox: who logs in to apps in the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxUser {
    /// Stable id (`kim-toss`, or generated).
    pub user_id: String,
    /// Name (이름).
    pub name: String,
    /// Phone number, digits only.
    pub phone: String,
    /// `yyyyMMdd`.
    pub birthday: String,
    /// `MALE` or `FEMALE`.
    pub gender: String,
    /// `LOCAL` or `FOREIGNER`.
    pub nationality: String,
    /// E-mail (not ownership-verified), if any.
    pub email: Option<String>,
    /// 연계정보 (CI).
    pub ci: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// When the user left Toss (`WITHDRAWAL_TOSS`), if they did.
    pub withdrawn_at: Option<i64>,
}

/// An app's Toss Login settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSettings {
    /// The app.
    pub app_name: String,
    /// Whether `mock-auth-<uuid>` codes (referrer `SANDBOX`) are accepted.
    pub test_mode: bool,
    /// The user a mock code logs in.
    pub default_user: Option<String>,
    /// Where the simulator sends the user with the authorization code.
    pub return_url: Option<String>,
    /// The partner's unlink callback.
    pub unlink_url: Option<String>,
    /// `GET` or `POST`.
    pub unlink_method: String,
    /// `user:password` for the callback's Basic Auth header.
    pub unlink_basic_auth: Option<String>,
    /// Generation of the field-decryption key (rotating bumps it).
    pub key_generation: i64,
}

impl LoginSettings {
    /// The settings of an app that has none stored.
    pub fn defaults(app_name: &str) -> Self {
        Self {
            app_name: app_name.to_owned(),
            test_mode: false,
            default_user: None,
            return_url: None,
            unlink_url: None,
            unlink_method: "POST".into(),
            unlink_basic_auth: None,
            key_generation: 1,
        }
    }
}

/// The link between an app and a user: the app's userKey for them and what they consented to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLink {
    /// The app.
    pub app_name: String,
    /// The user.
    pub user_id: String,
    /// The app's key for the user (stable across unlink and a new login).
    pub user_key: i64,
    /// Consent scopes (`USER_NAME`, ...).
    pub scopes: Vec<String>,
    /// Agreed term tags.
    pub agreed_terms: Vec<String>,
    /// Last login consent, Unix seconds.
    pub linked_at: i64,
    /// When the link ended (unlink or removal), if it did.
    pub unlinked_at: Option<i64>,
}

/// An authorization code, by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCode {
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    /// The app it was issued for.
    pub app_name: String,
    /// The user who logged in.
    pub user_id: String,
    /// `DEFAULT` or `SANDBOX`.
    pub referrer: String,
    /// Issue time, Unix seconds.
    pub created_at: i64,
    /// End of validity, Unix seconds.
    pub expires_at: i64,
}

/// Access or refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Bearer token of login-me and remove-by-access-token.
    Access,
    /// Exchanged for a new pair by refresh-token.
    Refresh,
}

impl TokenKind {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// A token, by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Access or refresh.
    pub kind: TokenKind,
    /// The app it was issued to.
    pub app_name: String,
    /// Its user.
    pub user_id: String,
    /// Issue time, Unix seconds.
    pub created_at: i64,
    /// End of validity, Unix seconds.
    pub expires_at: i64,
}

/// Toss Login state.
/// The user behind an app's userKey, if the link is live and the user is still a Toss user: who
/// `x-toss-user-key` may name in Toss Pay, in-app purchase, messages and promotions. The error
/// side tells which of the two failed.
pub async fn live_user(
    store: &dyn LoginStore,
    app: &str,
    user_key: i64,
) -> Result<Result<SandboxUser, NotLive>> {
    let link = match store.link_by_key(app, user_key).await? {
        Some(l) if l.unlinked_at.is_none() => l,
        _ => return Ok(Err(NotLive::NotLinked)),
    };
    Ok(store.user(&link.user_id).await?.filter(|u| u.withdrawn_at.is_none()).ok_or(NotLive::LeftToss))
}

/// Why a userKey names no live user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotLive {
    /// Not a user logged in to the app (never, or unlinked).
    NotLinked,
    /// The user left Toss.
    LeftToss,
}

impl NotLive {
    /// The reason, for `USER_KEY_NOT_FOUND`.
    pub fn reason(self, user_key: i64) -> String {
        match self {
            Self::NotLinked => format!("userKey {user_key} is not a user logged in to this app"),
            Self::LeftToss => format!("userKey {user_key} belongs to a user who left Toss"),
        }
    }
}

#[async_trait::async_trait]
pub trait LoginStore: Send + Sync + 'static {
    /// Records a user. [`crate::StoreError::Conflict`] if the id is taken.
    async fn create_user(&self, user: &SandboxUser) -> Result<()>;
    /// Every user, oldest first.
    async fn list_users(&self) -> Result<Vec<SandboxUser>>;
    /// One user.
    async fn user(&self, user_id: &str) -> Result<Option<SandboxUser>>;
    /// Marks a user as gone from Toss. `false` if unknown or already withdrawn.
    async fn withdraw_user(&self, user_id: &str, at: i64) -> Result<bool>;

    /// An app's settings, if any were stored.
    async fn login_settings(&self, app: &str) -> Result<Option<LoginSettings>>;
    /// Stores an app's settings (insert or replace). The app must exist.
    async fn put_login_settings(&self, settings: &LoginSettings) -> Result<()>;

    /// Links `user_id` to `app` with these consents (a new login), ending a previous unlink.
    /// A first link takes `candidate_key` as the userKey; [`crate::StoreError::Conflict`] if
    /// the app already uses that key for someone else (pick another and retry). Returns the link.
    async fn link(
        &self,
        app: &str,
        user_id: &str,
        candidate_key: i64,
        scopes: &[String],
        agreed_terms: &[String],
        at: i64,
    ) -> Result<LoginLink>;
    /// The link of a user to an app.
    async fn link_of(&self, app: &str, user_id: &str) -> Result<Option<LoginLink>>;
    /// The link an app knows by its userKey.
    async fn link_by_key(&self, app: &str, user_key: i64) -> Result<Option<LoginLink>>;
    /// Links, newest first, of one app and/or one user.
    async fn list_links(&self, app: Option<&str>, user_id: Option<&str>) -> Result<Vec<LoginLink>>;
    /// Ends a link: marks it unlinked and ends every unused code of the pair and, with
    /// `revoke_tokens`, every token. `false` if there was no active link. A user's unlink gives
    /// its `referrer` (`UNLINK`, `WITHDRAWAL_TERMS`, `WITHDRAWAL_TOSS`) and writes a
    /// `LOGIN_UNLINKED` event in the same transaction; the partner's own removal gives `None`.
    async fn unlink(
        &self,
        app: &str,
        user_id: &str,
        at: i64,
        revoke_tokens: bool,
        referrer: Option<&str>,
    ) -> Result<bool>;

    /// Records an authorization code. [`crate::StoreError::Conflict`] if its hash exists.
    async fn insert_code(&self, code: &LoginCode) -> Result<()>;
    /// Uses a code once: the code of `app` that is unused and valid at `now`, marked used in
    /// the same statement. `None` for an unknown, used, expired or another app's code.
    async fn use_code(&self, code_hash: &str, app: &str, now: i64) -> Result<Option<LoginCode>>;

    /// Records tokens, all or none.
    async fn insert_tokens(&self, tokens: &[LoginToken]) -> Result<()>;
    /// The token of `app` with this hash that is of `kind`, not revoked and valid at `now`.
    async fn live_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        app: &str,
        now: i64,
    ) -> Result<Option<LoginToken>>;
    /// Rotation: revokes the live refresh token `old_hash` of `app` and records `new` (the new
    /// pair, for the same user) in one transaction. Returns the revoked token, or `None` (and
    /// records nothing) if it was not live: exactly one of concurrent rotations wins.
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        app: &str,
        now: i64,
        new: &[LoginToken],
    ) -> Result<Option<LoginToken>>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    user_id: String,
    name: String,
    phone: String,
    birthday: String,
    gender: String,
    nationality: String,
    email: Option<String>,
    ci: String,
    created_at: i64,
    withdrawn_at: Option<i64>,
}

impl From<UserRow> for SandboxUser {
    fn from(r: UserRow) -> Self {
        Self {
            user_id: r.user_id,
            name: r.name,
            phone: r.phone,
            birthday: r.birthday,
            gender: r.gender,
            nationality: r.nationality,
            email: r.email,
            ci: r.ci,
            created_at: r.created_at,
            withdrawn_at: r.withdrawn_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SettingsRow {
    app_name: String,
    test_mode: bool,
    default_user: Option<String>,
    return_url: Option<String>,
    unlink_url: Option<String>,
    unlink_method: String,
    unlink_basic_auth: Option<String>,
    key_generation: i64,
}

impl From<SettingsRow> for LoginSettings {
    fn from(r: SettingsRow) -> Self {
        Self {
            app_name: r.app_name,
            test_mode: r.test_mode,
            default_user: r.default_user,
            return_url: r.return_url,
            unlink_url: r.unlink_url,
            unlink_method: r.unlink_method,
            unlink_basic_auth: r.unlink_basic_auth,
            key_generation: r.key_generation,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    app_name: String,
    user_id: String,
    user_key: i64,
    scopes: String,
    agreed_terms: String,
    linked_at: i64,
    unlinked_at: Option<i64>,
}

impl TryFrom<LinkRow> for LoginLink {
    type Error = crate::StoreError;

    fn try_from(r: LinkRow) -> Result<Self> {
        let list = |s: &str, what: &str| {
            serde_json::from_str::<Vec<String>>(s).map_err(|e| {
                crate::StoreError::Corrupt(format!("link {}/{} {what}: {e}", r.app_name, r.user_id))
            })
        };
        Ok(Self {
            scopes: list(&r.scopes, "scopes")?,
            agreed_terms: list(&r.agreed_terms, "agreed_terms")?,
            app_name: r.app_name,
            user_id: r.user_id,
            user_key: r.user_key,
            linked_at: r.linked_at,
            unlinked_at: r.unlinked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CodeRow {
    code_hash: String,
    app_name: String,
    user_id: String,
    referrer: String,
    created_at: i64,
    expires_at: i64,
}

impl From<CodeRow> for LoginCode {
    fn from(r: CodeRow) -> Self {
        Self {
            code_hash: r.code_hash,
            app_name: r.app_name,
            user_id: r.user_id,
            referrer: r.referrer,
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    token_hash: String,
    kind: String,
    app_name: String,
    user_id: String,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<TokenRow> for LoginToken {
    type Error = crate::StoreError;

    fn try_from(r: TokenRow) -> Result<Self> {
        let kind = match r.kind.as_str() {
            "access" => TokenKind::Access,
            "refresh" => TokenKind::Refresh,
            other => return Err(crate::StoreError::Corrupt(format!("token kind `{other}`"))),
        };
        Ok(Self {
            token_hash: r.token_hash,
            kind,
            app_name: r.app_name,
            user_id: r.user_id,
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

/// The columns of [`UserRow`].
macro_rules! user_columns {
    () => {
        "user_id, name, phone, birthday, gender, nationality, email, ci, created_at, withdrawn_at"
    };
}

/// The columns of [`LinkRow`].
macro_rules! link_columns {
    () => {
        "app_name, user_id, user_key, scopes, agreed_terms, linked_at, unlinked_at"
    };
}

/// The columns of [`TokenRow`].
macro_rules! token_columns {
    () => {
        "token_hash, kind, app_name, user_id, created_at, expires_at"
    };
}

/// Implements [`LoginStore`] for a store type with a `pool` field (see `crate::sql`).
macro_rules! impl_login_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::LoginStore for $ty {
            async fn create_user(&self, u: &$crate::SandboxUser) -> $crate::Result<()> {
                sqlx::query(concat!(
                    "INSERT INTO sandbox_users (",
                    $crate::login::user_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                ))
                .bind(&u.user_id)
                .bind(&u.name)
                .bind(&u.phone)
                .bind(&u.birthday)
                .bind(&u.gender)
                .bind(&u.nationality)
                .bind(&u.email)
                .bind(&u.ci)
                .bind(u.created_at)
                .bind(u.withdrawn_at)
                .execute(&self.pool)
                .await
                .map_err(|e| {
                    if $crate::sql::is_unique_violation(&e) {
                        $crate::StoreError::Conflict(format!("user `{}`", u.user_id))
                    } else {
                        e.into()
                    }
                })?;
                Ok(())
            }

            async fn list_users(&self) -> $crate::Result<Vec<$crate::SandboxUser>> {
                let rows: Vec<$crate::login::UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::login::user_columns!(),
                    " FROM sandbox_users ORDER BY created_at, user_id"
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn user(&self, user_id: &str) -> $crate::Result<Option<$crate::SandboxUser>> {
                let row: Option<$crate::login::UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::login::user_columns!(),
                    " FROM sandbox_users WHERE user_id = $1"
                ))
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn withdraw_user(&self, user_id: &str, at: i64) -> $crate::Result<bool> {
                let done = sqlx::query(
                    "UPDATE sandbox_users SET withdrawn_at = $2 WHERE user_id = $1 AND withdrawn_at IS NULL",
                )
                .bind(user_id)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn login_settings(&self, app: &str) -> $crate::Result<Option<$crate::LoginSettings>> {
                let row: Option<$crate::login::SettingsRow> = sqlx::query_as(
                    "SELECT app_name, test_mode, default_user, return_url, unlink_url, unlink_method,
                            unlink_basic_auth, key_generation
                     FROM login_settings WHERE app_name = $1",
                )
                .bind(app)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn put_login_settings(&self, s: &$crate::LoginSettings) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO login_settings (app_name, test_mode, default_user, return_url, unlink_url,
                                                 unlink_method, unlink_basic_auth, key_generation)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (app_name) DO UPDATE SET
                         test_mode = $2, default_user = $3, return_url = $4, unlink_url = $5,
                         unlink_method = $6, unlink_basic_auth = $7, key_generation = $8",
                )
                .bind(&s.app_name)
                .bind(s.test_mode)
                .bind(&s.default_user)
                .bind(&s.return_url)
                .bind(&s.unlink_url)
                .bind(&s.unlink_method)
                .bind(&s.unlink_basic_auth)
                .bind(s.key_generation)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, format!("login settings of `{}`", s.app_name), &s.app_name))?;
                Ok(())
            }

            async fn link(
                &self,
                app: &str,
                user_id: &str,
                candidate_key: i64,
                scopes: &[String],
                agreed_terms: &[String],
                at: i64,
            ) -> $crate::Result<$crate::LoginLink> {
                // `fetch_all` on a write with RETURNING: see `create_app`.
                let rows: Vec<$crate::login::LinkRow> = sqlx::query_as(concat!(
                    "INSERT INTO login_links (",
                    $crate::login::link_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, NULL)
                     ON CONFLICT (app_name, user_id) DO UPDATE SET
                         scopes = $4, agreed_terms = $5, linked_at = $6, unlinked_at = NULL
                     RETURNING ",
                    $crate::login::link_columns!()
                ))
                .bind(app)
                .bind(user_id)
                .bind(candidate_key)
                .bind($crate::sql::json(scopes))
                .bind($crate::sql::json(agreed_terms))
                .bind(at)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, format!("userKey {candidate_key} of `{app}`"), app))?;
                rows.into_iter()
                    .next()
                    .ok_or_else(|| $crate::StoreError::Backend("INSERT … RETURNING returned no row".into()))?
                    .try_into()
            }

            async fn link_of(&self, app: &str, user_id: &str) -> $crate::Result<Option<$crate::LoginLink>> {
                let row: Option<$crate::login::LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::login::link_columns!(),
                    " FROM login_links WHERE app_name = $1 AND user_id = $2"
                ))
                .bind(app)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn link_by_key(&self, app: &str, user_key: i64) -> $crate::Result<Option<$crate::LoginLink>> {
                let row: Option<$crate::login::LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::login::link_columns!(),
                    " FROM login_links WHERE app_name = $1 AND user_key = $2"
                ))
                .bind(app)
                .bind(user_key)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn list_links(
                &self,
                app: Option<&str>,
                user_id: Option<&str>,
            ) -> $crate::Result<Vec<$crate::LoginLink>> {
                let rows: Vec<$crate::login::LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::login::link_columns!(),
                    " FROM login_links WHERE ($1 IS NULL OR app_name = $1) AND ($2 IS NULL OR user_id = $2)
                      ORDER BY linked_at DESC, app_name, user_id"
                ))
                .bind(app)
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn unlink(
                &self,
                app: &str,
                user_id: &str,
                at: i64,
                revoke_tokens: bool,
                referrer: Option<&str>,
            ) -> $crate::Result<bool> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<bool> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    // The write that decides comes first: concurrent unlinks queue on its lock.
                    let ended: Option<(i64,)> = sqlx::query_as(
                        "UPDATE login_links SET unlinked_at = $3
                         WHERE app_name = $1 AND user_id = $2 AND unlinked_at IS NULL RETURNING user_key",
                    )
                    .bind(app)
                    .bind(user_id)
                    .bind(at)
                    .fetch_optional(&mut *t)
                    .await?;
                    sqlx::query(
                        "UPDATE login_tokens SET revoked_at = $3
                         WHERE app_name = $1 AND user_id = $2 AND revoked_at IS NULL AND $4",
                    )
                    .bind(app)
                    .bind(user_id)
                    .bind(at)
                    .bind(revoke_tokens)
                    .execute(&mut *t)
                    .await?;
                    sqlx::query(
                        "UPDATE login_codes SET used_at = $3 WHERE app_name = $1 AND user_id = $2 AND used_at IS NULL",
                    )
                    .bind(app)
                    .bind(user_id)
                    .bind(at)
                    .execute(&mut *t)
                    .await?;
                    if let (Some((user_key,)), Some(referrer)) = (ended, referrer) {
                        $crate::events::emit_in!(t, &$crate::events::data::unlinked(app, user_key, referrer, at))?;
                    }
                    t.commit().await?;
                    Ok(ended.is_some())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn insert_code(&self, c: &$crate::LoginCode) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO login_codes (code_hash, app_name, user_id, referrer, created_at, expires_at, used_at)
                     VALUES ($1, $2, $3, $4, $5, $6, NULL)",
                )
                .bind(&c.code_hash)
                .bind(&c.app_name)
                .bind(&c.user_id)
                .bind(&c.referrer)
                .bind(c.created_at)
                .bind(c.expires_at)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, "authorization code".into(), &c.app_name))?;
                Ok(())
            }

            async fn use_code(
                &self,
                code_hash: &str,
                app: &str,
                now: i64,
            ) -> $crate::Result<Option<$crate::LoginCode>> {
                // `fetch_all`: see `create_app`; an unacknowledged use must not hand out tokens.
                let rows: Vec<$crate::login::CodeRow> = sqlx::query_as(
                    "UPDATE login_codes SET used_at = $3
                     WHERE code_hash = $1 AND app_name = $2 AND used_at IS NULL AND expires_at > $3
                     RETURNING code_hash, app_name, user_id, referrer, created_at, expires_at",
                )
                .bind(code_hash)
                .bind(app)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().next().map(Into::into))
            }

            async fn insert_tokens(&self, tokens: &[$crate::LoginToken]) -> $crate::Result<()> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<()> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    $crate::login::insert_tokens_in!(&mut *t, tokens);
                    t.commit().await?;
                    Ok(())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn live_token(
                &self,
                token_hash: &str,
                kind: $crate::TokenKind,
                app: &str,
                now: i64,
            ) -> $crate::Result<Option<$crate::LoginToken>> {
                let row: Option<$crate::login::TokenRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::login::token_columns!(),
                    " FROM login_tokens
                      WHERE token_hash = $1 AND kind = $2 AND app_name = $3 AND revoked_at IS NULL AND expires_at > $4"
                ))
                .bind(token_hash)
                .bind(kind.as_str())
                .bind(app)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn rotate_refresh(
                &self,
                old_hash: &str,
                app: &str,
                now: i64,
                new: &[$crate::LoginToken],
            ) -> $crate::Result<Option<$crate::LoginToken>> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<Option<$crate::LoginToken>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let old: Option<$crate::login::TokenRow> = sqlx::query_as(concat!(
                        "UPDATE login_tokens SET revoked_at = $3
                         WHERE token_hash = $1 AND kind = 'refresh' AND app_name = $2 AND revoked_at IS NULL
                           AND expires_at > $3
                         RETURNING ",
                        $crate::login::token_columns!()
                    ))
                    .bind(old_hash)
                    .bind(app)
                    .bind(now)
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some(old) = old else {
                        t.rollback().await?;
                        return Ok(None);
                    };
                    $crate::login::insert_tokens_in!(&mut *t, new);
                    t.commit().await?;
                    Ok(Some(old.try_into()?))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }
        }
    };
}

/// Inserts `tokens` on the transaction `t`.
macro_rules! insert_tokens_in {
    ($t:expr, $tokens:expr) => {
        for tok in $tokens {
            sqlx::query(concat!(
                "INSERT INTO login_tokens (",
                $crate::login::token_columns!(),
                ", revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)"
            ))
            .bind(&tok.token_hash)
            .bind(tok.kind.as_str())
            .bind(&tok.app_name)
            .bind(&tok.user_id)
            .bind(tok.created_at)
            .bind(tok.expires_at)
            .execute($t)
            .await?;
        }
    };
}

pub(crate) use {impl_login_store, insert_tokens_in, link_columns, token_columns, user_columns};
