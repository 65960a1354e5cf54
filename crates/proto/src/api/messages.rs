//! Messages (기능성 푸시, 알림): the partner's sends on the gateway and the admin side.
//!
//! Partner side (camelCase, as the real service): `send-message`, `send-test-message` and
//! `send-bulk-message` under [`BASE`]; `send-message` and `send-test-message` name the user with
//! the header [`super::pay::USER_KEY_HEADER`], `send-bulk-message` lists the userKeys in its body.
//!
//! Admin side (snake_case): each app's templates and their review (the real console's 메시지 탭 and
//! its 검수), the messages sent, and each user's inbox for the simulator.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[cfg(feature = "openapi")]
use super::closed;

/// Where the message routes live on the gateway.
pub const BASE: &str = "/api-partner/v1/apps-in-toss/messenger/";

/// Most recipients of one `send-bulk-message`.
pub const BULK_MAX: usize = 2_500;

/// The variable every template has: the user's name, filled in by the platform.
pub const USER_NAME_VARIABLE: &str = "userName";

/// The header that may name the user instead of `x-toss-user-key`: the app's anonymous key
/// for them (no Toss Login needed).
pub const ANON_KEY_HEADER: &str = "x-anon-key";

/// A template's review states.
pub const TEMPLATE_STATUSES: &[&str] = &["IN_REVIEW", "APPROVED", "REJECTED"];

// === partner side ===

/// `POST .../messenger/send-message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendMessage {
    /// The template's code.
    #[cfg_attr(feature = "openapi", schema(example = "test_01"))]
    pub template_set_code: String,
    /// The template's variables (`userName` is filled in by the platform).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub context: BTreeMap<String, serde_json::Value>,
}

/// `POST .../messenger/send-test-message`: a template still in review, to a test user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendTestMessage {
    /// The template's code.
    pub template_set_code: String,
    /// The template's variables.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub context: BTreeMap<String, serde_json::Value>,
    /// The mini-app deployment the test is for (kept with the messages).
    pub deployment_id: String,
}

/// `POST .../messenger/send-bulk-message`: one template to many users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendBulkMessage {
    /// The template's code.
    pub template_set_code: String,
    /// The variables, the same for everyone (`userName` is each user's).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub context: BTreeMap<String, serde_json::Value>,
    /// 1 to 2,500 userKeys of the app's users.
    pub user_keys: Vec<i64>,
}

/// A message sent on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    /// The message's key.
    #[cfg_attr(feature = "openapi", schema(example = "toss:PUSH~mK3fJ2x0Q9"))]
    pub content_id: String,
}

/// A message not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FailedMessage {
    /// The message's key, when one was made.
    pub content_id: Option<String>,
    /// The recipient (bulk sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_key: Option<i64>,
    /// Why.
    pub reach_fail_reason: String,
}

/// Messages by channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ByChannel<T> {
    /// Pushes.
    pub sent_push: Vec<T>,
    /// Inbox (알림) entries.
    pub sent_inbox: Vec<T>,
    /// Text messages (never sent by the sandbox).
    pub sent_sms: Vec<T>,
    /// 알림톡 (never sent by the sandbox).
    pub sent_alimtalk: Vec<T>,
    /// 친구톡 (never sent by the sandbox).
    pub sent_friendtalk: Vec<T>,
}

// By hand: the derive would ask `T: Default`.
impl<T> Default for ByChannel<T> {
    fn default() -> Self {
        Self {
            sent_push: Vec::new(),
            sent_inbox: Vec::new(),
            sent_sms: Vec::new(),
            sent_alimtalk: Vec::new(),
            sent_friendtalk: Vec::new(),
        }
    }
}

/// The answer of the sends: the counts and the messages of each channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageResult {
    /// Messages sent, all channels.
    pub msg_count: i64,
    /// Pushes sent.
    pub sent_push_count: i64,
    /// Inbox entries sent.
    pub sent_inbox_count: i64,
    /// Text messages sent (0).
    pub sent_sms_count: i64,
    /// 알림톡 sent (0).
    pub sent_alimtalk_count: i64,
    /// 친구톡 sent (0).
    pub sent_friendtalk_count: i64,
    /// What was sent.
    pub detail: ByChannel<SentMessage>,
    /// What was not.
    pub fail: ByChannel<FailedMessage>,
}

// === admin side ===

/// A message template of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Template {
    /// The app.
    pub app: String,
    /// The code partners send with.
    #[cfg_attr(feature = "openapi", schema(example = "order_ready"))]
    pub template_set_code: String,
    /// The title, with `#{variable}` placeholders.
    pub title: String,
    /// The body, with `#{variable}` placeholders.
    pub body: String,
    /// Sent as a push.
    pub push: bool,
    /// Kept in the Toss app's 알림 inbox.
    pub inbox: bool,
    /// The review.
    #[cfg_attr(feature = "openapi", schema(schema_with = status_schema))]
    pub status: String,
    /// Why rejected.
    pub review_reason: Option<String>,
    /// The variables of the title and body, in order of first use (`userName` included).
    pub variables: Vec<String>,
    /// When added.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// When approved or rejected.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub reviewed_at: Option<String>,
}

/// An app's templates, by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TemplateList {
    /// The templates.
    pub templates: Vec<Template>,
}

/// `POST /admin/v1/apps/{name}/templates`: a template, in review until approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTemplate {
    /// 1 to 50 of `A-Z a-z 0-9 _ -`, unique per app.
    #[cfg_attr(feature = "openapi", schema(example = "order_ready"))]
    pub template_set_code: String,
    /// 1 to 50 characters; `#{variable}` placeholders allowed.
    #[cfg_attr(feature = "openapi", schema(example = "#{storeName} 주문 준비 완료"))]
    pub title: String,
    /// 1 to 1,000 characters; `#{variable}` placeholders allowed.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "#{userName}님, #{date}에 주문하신 음료가 준비됐어요.")
    )]
    pub body: String,
    /// Send as a push (default true).
    #[serde(default)]
    pub push: Option<bool>,
    /// Keep in the inbox (default true).
    #[serde(default)]
    pub inbox: Option<bool>,
}

/// `POST /admin/v1/apps/{name}/templates/{code}/review`: the console's 검수.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewTemplate {
    /// Approve (true) or reject (false).
    pub approve: bool,
    /// Why rejected (1 to 200 characters).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A message as the admin API and the simulator's inbox show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Message {
    /// The message's key.
    pub content_id: String,
    /// The app.
    pub app: String,
    /// Its template.
    pub template_set_code: String,
    /// The sandbox user.
    pub user_id: String,
    /// The app's userKey for them; `null` when sent by anonymous key (`x-anon-key`).
    pub user_key: Option<i64>,
    /// `PUSH` or `INBOX`.
    #[cfg_attr(feature = "openapi", schema(schema_with = channel_schema))]
    pub channel: String,
    /// The title with the variables filled in.
    pub title: String,
    /// The body with the variables filled in.
    pub body: String,
    /// Sent with `send-test-message`.
    pub test: bool,
    /// When sent.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
}

/// `POST /admin/v1/sim/anon-key`: the user's anonymous key for an app, as the front-end SDK
/// would hand it to the mini-app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimAnonKey {
    /// The app.
    pub app: String,
    /// The sandbox user.
    pub user: String,
}

/// A user's anonymous key for an app: made on first request, the same afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AnonKey {
    /// The app.
    pub app: String,
    /// The sandbox user.
    pub user: String,
    /// What the partner sends as `x-anon-key`.
    pub anon_key: String,
}

/// Messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MessageList {
    /// The messages.
    pub messages: Vec<Message>,
}

#[cfg(feature = "openapi")]
fn status_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("The template's review", TEMPLATE_STATUSES, false)
}

#[cfg(feature = "openapi")]
fn channel_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("The channel", &["PUSH", "INBOX"], false)
}
