//! What each message call does. Every method takes `now` (Unix seconds) so tests move time;
//! every message sent is written to the store before the call answers.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use intoss_proto::api::messages::{
    self as api, AnonKey, ByChannel, CreateTemplate, FailedMessage, Message, MessageList, MessageResult,
    ReviewTemplate, SendBulkMessage, SendMessage, SendTestMessage, SentMessage, SimAnonKey, Template,
    TemplateList,
};
use intoss_proto::api::pay::USER_KEY_HEADER;
use intoss_proto::times::rfc3339;
use intoss_store::{MessageRecord, SandboxUser, Store, StoreError, TemplateRecord};

use crate::MessageError;
use crate::template::{self, RenderError};

fn content_id(channel: &str) -> Result<String, MessageError> {
    let mut b = [0u8; 12];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| MessageError::internal("no randomness"))?;
    Ok(format!("toss:{channel}~{}", URL_SAFE_NO_PAD.encode(b)))
}

fn parse_user_key(raw: &str) -> Result<i64, MessageError> {
    intoss_proto::api::pay::parse_user_key(Some(raw))
        .map_err(|reason| MessageError::invalid(USER_KEY_HEADER, reason))
}

/// Who a single send is for, as its headers say.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// `x-toss-user-key`.
    pub user_key: Option<&'a str>,
    /// `x-anon-key`, used when there is no `x-toss-user-key`.
    pub anon_key: Option<&'a str>,
}

fn length(field: &str, s: &str, max: usize) -> Result<(), MessageError> {
    let n = s.trim().chars().count();
    if n == 0 || s.chars().count() > max {
        return Err(MessageError::invalid(field, format!("must be 1 to {max} characters")));
    }
    Ok(())
}

fn template_view(t: TemplateRecord) -> Template {
    Template {
        variables: template::variables(&[&t.title, &t.body]),
        created_at: rfc3339(t.created_at),
        reviewed_at: t.reviewed_at.map(rfc3339),
        app: t.app_name,
        template_set_code: t.template_set_code,
        title: t.title,
        body: t.body,
        push: t.push,
        inbox: t.inbox,
        status: t.status,
        review_reason: t.review_reason,
    }
}

fn message_view(m: MessageRecord) -> Message {
    Message {
        created_at: rfc3339(m.created_at),
        content_id: m.content_id,
        app: m.app_name,
        template_set_code: m.template_set_code,
        user_id: m.user_id,
        user_key: m.user_key,
        channel: m.channel,
        title: m.title,
        body: m.body,
        test: m.test,
    }
}

/// The rendered messages of one recipient, or why there are none.
fn render_for(
    t: &TemplateRecord,
    user: &SandboxUser,
    context: &BTreeMap<String, serde_json::Value>,
) -> Result<(String, String), MessageError> {
    let mut vars = context.clone();
    // The platform's variable: always the user's name, whatever the context says.
    vars.insert(api::USER_NAME_VARIABLE.to_owned(), serde_json::Value::String(user.name.clone()));
    let fail = |e: RenderError| match e {
        RenderError::Missing(v) => MessageError::invalid(
            &format!("context.{v}"),
            format!("template `{}` needs the variable `{v}`", t.template_set_code),
        ),
        RenderError::NotText(v) => {
            MessageError::invalid(&format!("context.{v}"), "must be a string, a number or a boolean")
        }
    };
    let (title, body) =
        (template::render(&t.title, &vars).map_err(fail)?, template::render(&t.body, &vars).map_err(fail)?);
    // The template's limits hold for what the context fills in too: a huge value (or one used
    // many times) is refused rather than stored once per recipient and channel.
    if title.chars().count() > RENDERED_TITLE_MAX || body.chars().count() > RENDERED_BODY_MAX {
        return Err(MessageError::invalid(
            "context",
            format!(
                "filled in, the title or body is too long (at most {RENDERED_TITLE_MAX} and {RENDERED_BODY_MAX} characters)"
            ),
        ));
    }
    Ok((title, body))
}

/// Longest rendered title.
const RENDERED_TITLE_MAX: usize = 100;
/// Longest rendered body.
const RENDERED_BODY_MAX: usize = 2_000;

/// Messages over the platform's store.
pub struct MessageService {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for MessageService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageService").finish_non_exhaustive()
    }
}

impl MessageService {
    /// Messages over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    async fn require_app(&self, app: &str) -> Result<(), MessageError> {
        match self.store.app(app).await? {
            Some(_) => Ok(()),
            None => Err(MessageError::NotFound(format!("app `{app}` not found"))),
        }
    }

    // === templates ===

    /// Adds a template to an app, in review.
    pub async fn create_template(
        &self,
        app: &str,
        b: &CreateTemplate,
        now: i64,
    ) -> Result<Template, MessageError> {
        let code = &b.template_set_code;
        if code.is_empty()
            || code.len() > 50
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        {
            return Err(MessageError::invalid("template_set_code", "must be 1 to 50 of A-Z a-z 0-9 _ -"));
        }
        length("title", &b.title, 50)?;
        length("body", &b.body, 1000)?;
        template::check(&b.title).map_err(|e| MessageError::invalid("title", e))?;
        template::check(&b.body).map_err(|e| MessageError::invalid("body", e))?;
        let (push, inbox) = (b.push.unwrap_or(true), b.inbox.unwrap_or(true));
        if !push && !inbox {
            return Err(MessageError::invalid(
                "push",
                "a template is sent as a push, kept in the inbox, or both",
            ));
        }
        self.require_app(app).await?;
        let record = TemplateRecord {
            app_name: app.to_owned(),
            template_set_code: code.clone(),
            title: b.title.clone(),
            body: b.body.clone(),
            push,
            inbox,
            status: "IN_REVIEW".into(),
            review_reason: None,
            created_at: now,
            reviewed_at: None,
        };
        self.store.insert_template(&record).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                MessageError::AlreadyExists(format!("app `{app}` has a template `{code}`"))
            }
            e => e.into(),
        })?;
        tracing::info!(%app, template = %code, "messages: template added, in review");
        Ok(template_view(record))
    }

    /// An app's templates, by code.
    pub async fn templates(&self, app: &str) -> Result<TemplateList, MessageError> {
        self.require_app(app).await?;
        let templates = self.store.list_templates(app).await?.into_iter().map(template_view).collect();
        Ok(TemplateList { templates })
    }

    /// The console's review (검수) of a template in review.
    pub async fn review(
        &self,
        app: &str,
        code: &str,
        b: &ReviewTemplate,
        now: i64,
    ) -> Result<Template, MessageError> {
        if let Some(r) = &b.reason {
            length("reason", r, 200)?;
        }
        let to = if b.approve { "APPROVED" } else { "REJECTED" };
        let reason =
            if b.approve { None } else { Some(b.reason.clone().unwrap_or_else(|| "반려".to_owned())) };
        self.require_app(app).await?;
        match self.store.review_template(app, code, to, reason.as_deref(), now).await? {
            Some(t) => {
                tracing::info!(%app, template = %code, status = %t.status, "messages: template reviewed");
                Ok(template_view(t))
            }
            None => match self.store.template(app, code).await? {
                Some(t) => Err(MessageError::InvalidState(format!(
                    "template `{code}` was reviewed before ({}); add a new template to change it",
                    t.status
                ))),
                None => Err(MessageError::NotFound(format!("app `{app}` has no template `{code}`"))),
            },
        }
    }

    // === sends ===

    async fn sendable(&self, app: &str, code: &str, test: bool) -> Result<TemplateRecord, MessageError> {
        let Some(t) = self.store.template(app, code).await? else {
            return Err(MessageError::NotFound(format!("this app has no template `{code}`")));
        };
        match t.status.as_str() {
            "APPROVED" => Ok(t),
            "IN_REVIEW" if test => Ok(t),
            "IN_REVIEW" => Err(MessageError::NotApproved(format!(
                "template `{code}` is in review: approve it in the console first (or use send-test-message)"
            ))),
            _ => Err(MessageError::NotApproved(format!(
                "template `{code}` was rejected: {}",
                t.review_reason.as_deref().unwrap_or("no reason given")
            ))),
        }
    }

    /// The user of `key` in `app`, if they are logged in to it and still a Toss user.
    async fn recipient(&self, app: &str, key: i64) -> Result<Option<SandboxUser>, MessageError> {
        Ok(intoss_store::live_user(self.store.as_ref(), app, key).await?.ok())
    }

    /// The records of one recipient: one per channel of the template.
    fn records(
        t: &TemplateRecord,
        user: &SandboxUser,
        key: Option<i64>,
        rendered: &(String, String),
        test: bool,
        now: i64,
    ) -> Result<Vec<MessageRecord>, MessageError> {
        let mut out = Vec::with_capacity(2);
        for (on, channel) in [(t.push, "PUSH"), (t.inbox, "INBOX")] {
            if on {
                out.push(MessageRecord {
                    content_id: content_id(channel)?,
                    app_name: t.app_name.clone(),
                    template_set_code: t.template_set_code.clone(),
                    user_id: user.user_id.clone(),
                    user_key: key,
                    channel: channel.to_owned(),
                    title: rendered.0.clone(),
                    body: rendered.1.clone(),
                    test,
                    created_at: now,
                });
            }
        }
        Ok(out)
    }

    fn result(sent: &[MessageRecord], fail: ByChannel<FailedMessage>) -> MessageResult {
        let mut detail = ByChannel::default();
        for m in sent {
            let entry = SentMessage { content_id: m.content_id.clone() };
            if m.channel == "PUSH" { detail.sent_push.push(entry) } else { detail.sent_inbox.push(entry) }
        }
        let count = |v: &Vec<SentMessage>| i64::try_from(v.len()).unwrap_or(i64::MAX);
        MessageResult {
            msg_count: count(&detail.sent_push) + count(&detail.sent_inbox),
            sent_push_count: count(&detail.sent_push),
            sent_inbox_count: count(&detail.sent_inbox),
            sent_sms_count: 0,
            sent_alimtalk_count: 0,
            sent_friendtalk_count: 0,
            detail,
            fail,
        }
    }

    /// The user a single send is for, and their userKey when named by it.
    async fn resolve(
        &self,
        app: &str,
        to: Recipient<'_>,
    ) -> Result<(SandboxUser, Option<i64>), MessageError> {
        if let Some(raw) = to.user_key {
            let key = parse_user_key(raw)?;
            return match self.recipient(app, key).await? {
                Some(user) => Ok((user, Some(key))),
                None => Err(MessageError::UserKeyNotFound(format!(
                    "userKey {key} is not a user logged in to this app"
                ))),
            };
        }
        let Some(anon) = to.anon_key else {
            return Err(MessageError::invalid(
                USER_KEY_HEADER,
                format!(
                    "required: the userKey from Toss Login, or the anonymous key as {}",
                    api::ANON_KEY_HEADER
                ),
            ));
        };
        let user = match self.store.user_by_anon_key(app, anon.trim()).await? {
            Some(id) => self.store.user(&id).await?.filter(|u| u.withdrawn_at.is_none()),
            None => None,
        };
        match user {
            Some(u) => Ok((u, None)),
            None => Err(MessageError::invalid(
                api::ANON_KEY_HEADER,
                "is not an anonymous key of a user of this app",
            )),
        }
    }

    async fn send_one(
        &self,
        app: &str,
        to: Recipient<'_>,
        code: &str,
        context: &BTreeMap<String, serde_json::Value>,
        test: bool,
        now: i64,
    ) -> Result<MessageResult, MessageError> {
        let t = self.sendable(app, code, test).await?;
        let (user, key) = self.resolve(app, to).await?;
        let rendered = render_for(&t, &user, context)?;
        let records = Self::records(&t, &user, key, &rendered, test, now)?;
        self.store.insert_messages(&records).await?;
        tracing::info!(%app, template = %code, test, "messages: sent");
        Ok(Self::result(&records, ByChannel::default()))
    }

    /// `send-message`: an approved template to the user of `x-toss-user-key` (or `x-anon-key`).
    pub async fn send(
        &self,
        app: &str,
        to: Recipient<'_>,
        b: &SendMessage,
        now: i64,
    ) -> Result<MessageResult, MessageError> {
        self.send_one(app, to, &b.template_set_code, &b.context, false, now).await
    }

    /// `send-test-message`: like `send-message`, also for a template still in review; the
    /// messages are marked as tests.
    pub async fn send_test(
        &self,
        app: &str,
        to: Recipient<'_>,
        b: &SendTestMessage,
        now: i64,
    ) -> Result<MessageResult, MessageError> {
        length("deploymentId", &b.deployment_id, 100)?;
        self.send_one(app, to, &b.template_set_code, &b.context, true, now).await
    }

    /// The simulator: the user's anonymous key for an app (made on first request, then the
    /// same), what the front-end SDK hands a mini-app that does not use Toss Login.
    pub async fn anon_key(&self, b: &SimAnonKey, now: i64) -> Result<AnonKey, MessageError> {
        self.require_app(&b.app).await?;
        match self.store.user(&b.user).await? {
            Some(u) if u.withdrawn_at.is_none() => {}
            Some(_) => return Err(MessageError::NotFound(format!("user `{}` has left Toss", b.user))),
            None => return Err(MessageError::NotFound(format!("user `{}` not found", b.user))),
        }
        let mut r = [0u8; 18];
        aws_lc_rs::rand::fill(&mut r).map_err(|_| MessageError::internal("no randomness"))?;
        let fresh = format!("ak{}", URL_SAFE_NO_PAD.encode(r));
        let anon_key = self.store.anon_key(&b.app, &b.user, &fresh, now).await?;
        Ok(AnonKey { app: b.app.clone(), user: b.user.clone(), anon_key })
    }

    /// `send-bulk-message`: an approved template to up to 2,500 users of the app. A userKey that
    /// is not a user of the app is a `fail` entry, not an error; a missing variable is.
    pub async fn send_bulk(
        &self,
        app: &str,
        b: &SendBulkMessage,
        now: i64,
    ) -> Result<MessageResult, MessageError> {
        if b.user_keys.is_empty() || b.user_keys.len() > api::BULK_MAX {
            return Err(MessageError::invalid(
                "userKeys",
                format!("must list 1 to {} userKeys", api::BULK_MAX),
            ));
        }
        let t = self.sendable(app, &b.template_set_code, false).await?;
        let mut seen = std::collections::BTreeSet::new();
        let (mut records, mut fail) = (Vec::new(), ByChannel::<FailedMessage>::default());
        for &key in &b.user_keys {
            if !seen.insert(key) {
                continue;
            }
            let Some(user) = self.recipient(app, key).await? else {
                let entry = FailedMessage {
                    content_id: None,
                    user_key: Some(key),
                    reach_fail_reason: "USER_KEY_NOT_FOUND: not a user logged in to this app".into(),
                };
                if t.push {
                    fail.sent_push.push(entry.clone());
                }
                if t.inbox {
                    fail.sent_inbox.push(entry);
                }
                continue;
            };
            let rendered = render_for(&t, &user, &b.context)?;
            records.extend(Self::records(&t, &user, Some(key), &rendered, false, now)?);
        }
        self.store.insert_messages(&records).await?;
        tracing::info!(%app, template = %t.template_set_code, messages = records.len(), "messages: bulk sent");
        Ok(Self::result(&records, fail))
    }

    // === what was sent ===

    /// Messages of an app (or every app), newest first, at most 500, optionally of one user.
    pub async fn messages(
        &self,
        app: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<MessageList, MessageError> {
        if let Some(app) = app {
            self.require_app(app).await?;
        }
        let messages =
            self.store.list_messages(app, user_id, 500).await?.into_iter().map(message_view).collect();
        Ok(MessageList { messages })
    }

    /// A sandbox user's inbox and pushes, newest first: what the simulator shows.
    pub async fn inbox(&self, user_id: &str) -> Result<MessageList, MessageError> {
        if self.store.user(user_id).await?.is_none() {
            return Err(MessageError::NotFound(format!("user `{user_id}` not found")));
        }
        self.messages(None, Some(user_id)).await
    }
}
