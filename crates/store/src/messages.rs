//! Message records and their part of the store ([`MessageStore`]).
//!
//! A template's review is one compare-and-set; the messages of one send are written in one
//! transaction, so a send is kept whole or not at all.

use crate::Result;

/// A message template of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRecord {
    /// The app.
    pub app_name: String,
    /// The code partners send with (`templateSetCode`), unique per app.
    pub template_set_code: String,
    /// The title, with `#{variable}` placeholders.
    pub title: String,
    /// The body, with `#{variable}` placeholders.
    pub body: String,
    /// Sent as a push.
    pub push: bool,
    /// Kept in the inbox (알림).
    pub inbox: bool,
    /// `IN_REVIEW`, `APPROVED` or `REJECTED`.
    pub status: String,
    /// Why rejected.
    pub review_reason: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When approved or rejected.
    pub reviewed_at: Option<i64>,
}

/// One message sent to one user on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// The message's key (`contentId`).
    pub content_id: String,
    /// The app.
    pub app_name: String,
    /// Its template.
    pub template_set_code: String,
    /// The sandbox user.
    pub user_id: String,
    /// The app's userKey for them; `None` when sent by anonymous key.
    pub user_key: Option<i64>,
    /// `PUSH` or `INBOX`.
    pub channel: String,
    /// Rendered title.
    pub title: String,
    /// Rendered body.
    pub body: String,
    /// Sent with `send-test-message`.
    pub test: bool,
    /// Unix seconds.
    pub created_at: i64,
}

/// Message state.
#[async_trait::async_trait]
pub trait MessageStore: Send + Sync + 'static {
    /// Adds a template. [`crate::StoreError::Conflict`] if the app has the code;
    /// [`crate::StoreError::NotFound`] if the app does not exist.
    async fn insert_template(&self, t: &TemplateRecord) -> Result<()>;
    /// One template.
    async fn template(&self, app: &str, code: &str) -> Result<Option<TemplateRecord>>;
    /// The app's templates, by code.
    async fn list_templates(&self, app: &str) -> Result<Vec<TemplateRecord>>;
    /// Compare-and-set: the review of an `IN_REVIEW` template (`to` is `APPROVED` or
    /// `REJECTED`). `None` if it was not in review.
    async fn review_template(
        &self,
        app: &str,
        code: &str,
        to: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<Option<TemplateRecord>>;
    /// Records the messages of one send, all or none.
    async fn insert_messages(&self, messages: &[MessageRecord]) -> Result<()>;
    /// The anonymous key of `user_id` in `app`, made (random, stable) on first use.
    async fn anon_key(&self, app: &str, user_id: &str, fresh: &str, now: i64) -> Result<String>;
    /// The user of an anonymous key of `app`.
    async fn user_by_anon_key(&self, app: &str, anon_key: &str) -> Result<Option<String>>;
    /// Messages, newest first, of one app and/or one user.
    async fn list_messages(
        &self,
        app: Option<&str>,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<MessageRecord>>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct TemplateRow {
    app_name: String,
    template_set_code: String,
    title: String,
    body: String,
    push: bool,
    inbox: bool,
    status: String,
    review_reason: Option<String>,
    created_at: i64,
    reviewed_at: Option<i64>,
}

impl From<TemplateRow> for TemplateRecord {
    fn from(r: TemplateRow) -> Self {
        Self {
            app_name: r.app_name,
            template_set_code: r.template_set_code,
            title: r.title,
            body: r.body,
            push: r.push,
            inbox: r.inbox,
            status: r.status,
            review_reason: r.review_reason,
            created_at: r.created_at,
            reviewed_at: r.reviewed_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    content_id: String,
    app_name: String,
    template_set_code: String,
    user_id: String,
    user_key: Option<i64>,
    channel: String,
    title: String,
    body: String,
    test: bool,
    created_at: i64,
}

impl From<MessageRow> for MessageRecord {
    fn from(r: MessageRow) -> Self {
        Self {
            content_id: r.content_id,
            app_name: r.app_name,
            template_set_code: r.template_set_code,
            user_id: r.user_id,
            user_key: r.user_key,
            channel: r.channel,
            title: r.title,
            body: r.body,
            test: r.test,
            created_at: r.created_at,
        }
    }
}

/// The columns of [`TemplateRow`].
macro_rules! template_columns {
    () => {
        "app_name, template_set_code, title, body, push, inbox, status, review_reason, created_at, reviewed_at"
    };
}

/// The columns of [`MessageRow`].
macro_rules! message_columns {
    () => {
        "content_id, app_name, template_set_code, user_id, user_key, channel, title, body, test, created_at"
    };
}

/// Implements [`MessageStore`] for a store type with a `pool` field (see `crate::sql`).
macro_rules! impl_message_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::MessageStore for $ty {
            async fn insert_template(&self, t: &$crate::TemplateRecord) -> $crate::Result<()> {
                sqlx::query(concat!(
                    "INSERT INTO msg_templates (",
                    $crate::messages::template_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                ))
                .bind(&t.app_name)
                .bind(&t.template_set_code)
                .bind(&t.title)
                .bind(&t.body)
                .bind(t.push)
                .bind(t.inbox)
                .bind(&t.status)
                .bind(&t.review_reason)
                .bind(t.created_at)
                .bind(t.reviewed_at)
                .execute(&self.pool)
                .await
                .map_err(|e| {
                    $crate::sql::insert_error(e, format!("template `{}`", t.template_set_code), &t.app_name)
                })?;
                Ok(())
            }

            async fn template(
                &self,
                app: &str,
                code: &str,
            ) -> $crate::Result<Option<$crate::TemplateRecord>> {
                let row: Option<$crate::messages::TemplateRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::messages::template_columns!(),
                    " FROM msg_templates WHERE app_name = $1 AND template_set_code = $2"
                ))
                .bind(app)
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_templates(&self, app: &str) -> $crate::Result<Vec<$crate::TemplateRecord>> {
                let rows: Vec<$crate::messages::TemplateRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::messages::template_columns!(),
                    " FROM msg_templates WHERE app_name = $1 ORDER BY template_set_code"
                ))
                .bind(app)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn review_template(
                &self,
                app: &str,
                code: &str,
                to: &str,
                reason: Option<&str>,
                at: i64,
            ) -> $crate::Result<Option<$crate::TemplateRecord>> {
                // `fetch_all`: see `create_app`; an unacknowledged change must not be reported.
                let rows: Vec<$crate::messages::TemplateRow> = sqlx::query_as(concat!(
                    "UPDATE msg_templates SET status = $3, review_reason = $4, reviewed_at = $5
                      WHERE app_name = $1 AND template_set_code = $2 AND status = 'IN_REVIEW' RETURNING ",
                    $crate::messages::template_columns!()
                ))
                .bind(app)
                .bind(code)
                .bind(to)
                .bind(reason)
                .bind(at)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().next().map(Into::into))
            }

            async fn insert_messages(&self, messages: &[$crate::MessageRecord]) -> $crate::Result<()> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<()> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    for m in messages {
                        sqlx::query(concat!(
                            "INSERT INTO messages (",
                            $crate::messages::message_columns!(),
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                        ))
                        .bind(&m.content_id)
                        .bind(&m.app_name)
                        .bind(&m.template_set_code)
                        .bind(&m.user_id)
                        .bind(m.user_key)
                        .bind(&m.channel)
                        .bind(&m.title)
                        .bind(&m.body)
                        .bind(m.test)
                        .bind(m.created_at)
                        .execute(&mut *t)
                        .await?;
                    }
                    t.commit().await?;
                    Ok(())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn anon_key(
                &self,
                app: &str,
                user_id: &str,
                fresh: &str,
                now: i64,
            ) -> $crate::Result<String> {
                sqlx::query(
                    "INSERT INTO anon_keys (app_name, user_id, anon_key, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (app_name, user_id) DO NOTHING",
                )
                .bind(app)
                .bind(user_id)
                .bind(fresh)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, "anonymous key".into(), app))?;
                let (key,): (String,) =
                    sqlx::query_as("SELECT anon_key FROM anon_keys WHERE app_name = $1 AND user_id = $2")
                        .bind(app)
                        .bind(user_id)
                        .fetch_one(&self.pool)
                        .await?;
                Ok(key)
            }

            async fn user_by_anon_key(&self, app: &str, anon_key: &str) -> $crate::Result<Option<String>> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT user_id FROM anon_keys WHERE app_name = $1 AND anon_key = $2")
                        .bind(app)
                        .bind(anon_key)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(u,)| u))
            }

            async fn list_messages(
                &self,
                app: Option<&str>,
                user_id: Option<&str>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::MessageRecord>> {
                let rows: Vec<$crate::messages::MessageRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::messages::message_columns!(),
                    " FROM messages WHERE ($1 IS NULL OR app_name = $1) AND ($2 IS NULL OR user_id = $2)
                      ORDER BY created_at DESC, content_id DESC LIMIT $3"
                ))
                .bind(app)
                .bind(user_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }
    };
}

pub(crate) use {impl_message_store, message_columns, template_columns};
