//! The console listener: the admin REST API (`/admin/v1/...`), `/metrics`, and the web console.
//!
//! - [`admin`]: apps, certificates, expiry notices, the overview's statistics, `/metrics`;
//!   authenticated by the admin token or a console session.
//! - [`admin_events`]: webhook endpoints and secrets, the event log with every attempt, replay,
//!   sample events, and `intoss listen`'s pull.
//! - [`admin_idv`]: identity-verification clients, transactions and the user simulator.
//! - [`admin_login`]: Toss Login's sandbox users, app settings and the simulator's login/unlink.
//! - [`admin_messages`]: message templates and their review, the messages sent, each user's
//!   inbox.
//! - [`admin_pay`]: Toss Pay's payments, app settings and the simulator's approve/decline;
//!   in-app purchase's products, orders and the simulator's purchases.
//! - [`admin_promotions`]: promotions, their executions, each user's points, the simulator's
//!   failed settlement.
//! - [`admin_sandbox`]: sandbox controls: faults injected into an app's gateway answers, test
//!   clocks, test mode, the request journal, the state's export, import and reset.
//! - [`seed`]: the sandbox seed file, written at start and by an app's reset.
//! - [`web`]: the page, sign-in into an HttpOnly session cookie, CSRF protection.
//! - [`openapi`]: the admin API's OpenAPI document, generated from the handlers and the types.
//!
//! Handlers parse the request into the types of `intoss_proto::api`, call `intoss-core`, and
//! map its errors (in `intoss-http`); the rules are not here.

pub mod admin;
pub mod admin_events;
pub mod admin_idv;
pub mod admin_login;
pub mod admin_messages;
pub mod admin_pay;
pub mod admin_promotions;
pub mod admin_sandbox;
pub mod openapi;
pub mod seed;
pub mod web;

use std::sync::Arc;

use intoss_core::{IdvAdmin, Registry, RequestStats};
use intoss_http::BodyLimit;
use intoss_login::LoginService;
use intoss_messages::MessageService;
use intoss_pay::{IapService, PayService};
use intoss_promotions::PromotionService;
use intoss_proto::api::Endpoints;
use subtle::ConstantTimeEq;

pub use admin::router;

/// Extra Prometheus text for `/metrics` (the limiter's state, which this crate does not know).
pub type MetricsSource = Box<dyn Fn() -> String + Send + Sync>;

/// The console listener's state.
pub struct Console {
    registry: Arc<Registry>,
    idv: Arc<IdvAdmin>,
    login: Arc<LoginService>,
    pay: Arc<PayService>,
    iap: Arc<IapService>,
    messages: Arc<MessageService>,
    promotions: Arc<PromotionService>,
    events: Arc<intoss_events::EventAdmin>,
    stats: Arc<RequestStats>,
    sessions: web::Sessions,
    admin_token_digest: [u8; 32],
    endpoints: Endpoints,
    metrics: MetricsSource,
    max_body_bytes: usize,
    seed: Option<Arc<seed::Seed>>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("endpoints", &self.endpoints).finish_non_exhaustive()
    }
}

/// What the console is built from.
pub struct Parts {
    /// Apps and certificates.
    pub registry: Arc<Registry>,
    /// Identity-verification clients and the simulator.
    pub idv: Arc<IdvAdmin>,
    /// Toss Login: users, settings, the simulator.
    pub login: Arc<LoginService>,
    /// Toss Pay: payments, settings, the simulator's approval.
    pub pay: Arc<PayService>,
    /// In-app purchase: products, orders, the simulator's purchases.
    pub iap: Arc<IapService>,
    /// Messages: templates, their review, what was sent.
    pub messages: Arc<MessageService>,
    /// Promotions: budgets, executions, points.
    pub promotions: Arc<PromotionService>,
    /// Events: webhook endpoints, deliveries, replay, listen.
    pub events: Arc<intoss_events::EventAdmin>,
    /// The gateway's request statistics (the overview chart).
    pub stats: Arc<RequestStats>,
    /// The listeners' addresses, for the page's snippets.
    pub endpoints: Endpoints,
    /// More `/metrics` text.
    pub metrics: MetricsSource,
    /// Largest request body read.
    pub max_body_bytes: usize,
    /// The sandbox seed (`[sandbox] seed`), written again for an app its reset empties.
    pub seed: Option<Arc<seed::Seed>>,
}

impl Console {
    /// App `app`'s time: wall-clock time plus its test clock's offset (`intoss clock advance`).
    /// What the simulator's calls for the app are made at.
    pub(crate) fn app_now(&self, app: &str) -> i64 {
        self.registry.snapshots().app_now(app)
    }

    /// The console's state; only a digest of `admin_token` (`DATA_DIR/admin-token`) is kept.
    pub fn new(parts: Parts, admin_token: &str) -> Self {
        Self {
            admin_token_digest: digest(admin_token.trim().as_bytes()),
            registry: parts.registry,
            idv: parts.idv,
            login: parts.login,
            pay: parts.pay,
            iap: parts.iap,
            messages: parts.messages,
            promotions: parts.promotions,
            events: parts.events,
            stats: parts.stats,
            sessions: web::Sessions::new(),
            endpoints: parts.endpoints,
            metrics: parts.metrics,
            max_body_bytes: parts.max_body_bytes,
            seed: parts.seed,
        }
    }

    /// Whether `presented` is the admin token. Constant time: both sides are hashed first, so
    /// neither the content nor the length leaks through timing.
    pub fn admin_token_matches(&self, presented: &str) -> bool {
        digest(presented.as_bytes()).ct_eq(&self.admin_token_digest).into()
    }
}

impl BodyLimit for Console {
    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}
