//! The intoss admin API, typed by [`intoss_proto::api::admin`]: the same structs the platform
//! serialises, so a field renamed on one side is a compile error on the other.

use hyper::http::Method;
use intoss_proto::api::admin::{
    App, AppList, Cert, CertList, CompleteTx, CreateApp, CreateIdvClient, DeletedIdvClient, IdvClientList,
    IdvEnv, IdvTransaction, IdvTransactionList, IssueCert, IssuedCert, NewIdvClient, NoticeList, PatchApp,
    PatchRenewalPolicy, RenewalPolicy, RevokeCert, Stats,
};
use intoss_proto::api::events::{
    CreateEndpoint, Endpoint, EndpointList, EndpointSecret, Event, EventList, Listen, PatchEndpoint,
    PullResult, PulledList, Recorded, ReplayFailed, Replayed, Trigger,
};
use intoss_proto::api::iap::{
    CreateProduct, Order, OrderList, Product, ProductList, SimOrderUpdate, SimPurchase,
};
use intoss_proto::api::login::{
    CreateUser, LinkList, LoginSettings, PatchLoginSettings, SandboxUser, SimLogin, SimLoginCode, SimUnlink,
    SimUnlinked, UserList,
};
use intoss_proto::api::messages::{
    AnonKey, CreateTemplate, MessageList, ReviewTemplate, SimAnonKey, Template, TemplateList,
};
use intoss_proto::api::pay::{
    PatchPaySettings, PaySettings, Payment, PaymentList, SimPayApprove, SimPayDecline,
};
use intoss_proto::api::promotions::{
    CreatePromotion, PatchPromotion, PointsLedger, PromoExecution, PromoExecutionList, Promotion,
    PromotionList, SimPromoFail,
};
use intoss_proto::api::sandbox::{
    AdvanceClock, AppSandbox, Fault, FaultList, FaultsRemoved, Imported, NewFault, PatchAppSandbox,
    RequestLog, ResetDone, SandboxState,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ClientError, HttpsClient, decode_envelope, percent_encode};

/// A client of `/admin/v1/...` on an intoss console listener.
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: HttpsClient,
    base: String,
    auth: String,
}

impl AdminClient {
    /// `base` like `https://127.0.0.1:9000`; `config` must trust the platform CA.
    pub fn new(config: rustls::ClientConfig, base: &str, token: &str) -> Self {
        Self {
            http: HttpsClient::new(config),
            base: base.trim_end_matches('/').to_owned(),
            auth: format!("Bearer {}", token.trim()),
        }
    }

    /// Any admin call with a typed body and answer; the typed methods below are built on it.
    pub async fn send<B: Serialize, R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<R, ClientError> {
        let url = format!("{}{path}", self.base);
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ClientError::Config(format!("cannot encode the request body: {e}")))?;
        let resp = self.http.send(method, &url, &[("authorization", &self.auth)], body).await?;
        decode_envelope(&resp)
    }

    /// Any admin call, untyped: the `success` payload as JSON (for routes newer than this SDK).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, ClientError> {
        self.send(method, path, body.as_ref()).await
    }

    async fn get<R: DeserializeOwned>(&self, path: &str) -> Result<R, ClientError> {
        self.send::<(), R>(Method::GET, path, None).await
    }

    /// `POST /admin/v1/apps`.
    pub async fn create_app(&self, app: &CreateApp) -> Result<App, ClientError> {
        self.send(Method::POST, "/admin/v1/apps", Some(app)).await
    }

    /// `GET /admin/v1/apps`.
    pub async fn list_apps(&self) -> Result<AppList, ClientError> {
        self.get("/admin/v1/apps").await
    }

    /// `GET /admin/v1/apps/{name}`.
    pub async fn app(&self, name: &str) -> Result<App, ClientError> {
        self.get(&format!("/admin/v1/apps/{}", percent_encode(name))).await
    }

    /// `PATCH /admin/v1/apps/{name}`.
    pub async fn update_app(&self, name: &str, patch: &PatchApp) -> Result<App, ClientError> {
        self.send(Method::PATCH, &format!("/admin/v1/apps/{}", percent_encode(name)), Some(patch)).await
    }

    /// `POST /admin/v1/apps/{name}/faults`.
    pub async fn add_fault(&self, app: &str, fault: &NewFault) -> Result<Fault, ClientError> {
        self.send(Method::POST, &format!("/admin/v1/apps/{}/faults", percent_encode(app)), Some(fault)).await
    }

    /// `GET /admin/v1/apps/{name}/faults`.
    pub async fn faults(&self, app: &str) -> Result<FaultList, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/faults", percent_encode(app))).await
    }

    /// `DELETE /admin/v1/apps/{name}/faults` (every fault) or `.../faults/{id}` (one).
    pub async fn clear_faults(&self, app: &str, id: Option<&str>) -> Result<FaultsRemoved, ClientError> {
        let path = match id {
            Some(id) => format!("/admin/v1/apps/{}/faults/{}", percent_encode(app), percent_encode(id)),
            None => format!("/admin/v1/apps/{}/faults", percent_encode(app)),
        };
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    /// `GET /admin/v1/apps/{name}/requests`: the request journal after `after`.
    pub async fn requests(
        &self,
        app: &str,
        after: u64,
        limit: Option<u32>,
    ) -> Result<RequestLog, ClientError> {
        let limit = limit.map(|l| format!("&limit={l}")).unwrap_or_default();
        self.get(&format!("/admin/v1/apps/{}/requests?after={after}{limit}", percent_encode(app))).await
    }

    /// `GET /admin/v1/apps/{name}/sandbox`: test mode and the test clock.
    pub async fn sandbox(&self, app: &str) -> Result<AppSandbox, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/sandbox", percent_encode(app))).await
    }

    /// `PATCH /admin/v1/apps/{name}/sandbox`: turns test mode on or off.
    pub async fn set_test_mode(&self, app: &str, on: bool) -> Result<AppSandbox, ClientError> {
        let patch = PatchAppSandbox { test_mode: Some(on) };
        self.send(Method::PATCH, &format!("/admin/v1/apps/{}/sandbox", percent_encode(app)), Some(&patch))
            .await
    }

    /// `POST /admin/v1/apps/{name}/clock/advance`: `by` is `8d`, `36h`, `90m`, `45s`, `1d12h`.
    pub async fn advance_clock(&self, app: &str, by: &str) -> Result<AppSandbox, ClientError> {
        let body = AdvanceClock { by: by.to_owned() };
        self.send(Method::POST, &format!("/admin/v1/apps/{}/clock/advance", percent_encode(app)), Some(&body))
            .await
    }

    /// `DELETE /admin/v1/apps/{name}/clock`: back to wall-clock time.
    pub async fn reset_clock(&self, app: &str) -> Result<AppSandbox, ClientError> {
        self.send(Method::DELETE, &format!("/admin/v1/apps/{}/clock", percent_encode(app)), None::<&()>).await
    }

    /// `POST /admin/v1/apps/{name}/reset`: empties the app's sandbox state (then its seed again).
    pub async fn reset_app(&self, app: &str) -> Result<ResetDone, ClientError> {
        let body = serde_json::json!({});
        self.send(Method::POST, &format!("/admin/v1/apps/{}/reset", percent_encode(app)), Some(&body)).await
    }

    /// `GET /admin/v1/sandbox/export`: every app's state, or one app's (and the shared users).
    pub async fn export_state(&self, app: Option<&str>) -> Result<SandboxState, ClientError> {
        match app {
            Some(app) => self.get(&format!("/admin/v1/sandbox/export?app={}", percent_encode(app))).await,
            None => self.get("/admin/v1/sandbox/export").await,
        }
    }

    /// `POST /admin/v1/sandbox/import`: all or none; its apps must not exist.
    pub async fn import_state(&self, state: &SandboxState) -> Result<Imported, ClientError> {
        self.send(Method::POST, "/admin/v1/sandbox/import", Some(state)).await
    }

    /// `GET /admin/v1/apps/{name}/renewal`.
    pub async fn renewal_policy(&self, app: &str) -> Result<RenewalPolicy, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/renewal", percent_encode(app))).await
    }

    /// `PATCH /admin/v1/apps/{name}/renewal`.
    pub async fn update_renewal_policy(
        &self,
        app: &str,
        patch: &PatchRenewalPolicy,
    ) -> Result<RenewalPolicy, ClientError> {
        self.send(Method::PATCH, &format!("/admin/v1/apps/{}/renewal", percent_encode(app)), Some(patch))
            .await
    }

    /// `POST /admin/v1/apps/{name}/certs`: a generated key (`key_type`) or a CSR.
    pub async fn issue_cert(&self, app: &str, req: &IssueCert) -> Result<IssuedCert, ClientError> {
        self.send(Method::POST, &format!("/admin/v1/apps/{}/certs", percent_encode(app)), Some(req)).await
    }

    /// `GET /admin/v1/certs[?app=]`.
    pub async fn list_certs(&self, app: Option<&str>) -> Result<CertList, ClientError> {
        match app {
            Some(a) => self.get(&format!("/admin/v1/certs?app={}", percent_encode(a))).await,
            None => self.get("/admin/v1/certs").await,
        }
    }

    /// `GET /admin/v1/certs/{serial}`.
    pub async fn cert(&self, serial: &str) -> Result<Cert, ClientError> {
        self.get(&format!("/admin/v1/certs/{}", percent_encode(serial))).await
    }

    /// `POST /admin/v1/certs/{serial}/revoke`.
    pub async fn revoke_cert(&self, serial: &str, reason: Option<&str>) -> Result<Cert, ClientError> {
        let body = RevokeCert { reason: reason.map(str::to_owned) };
        self.send(Method::POST, &format!("/admin/v1/certs/{}/revoke", percent_encode(serial)), Some(&body))
            .await
    }

    /// `GET /admin/v1/expiry-notices`.
    pub async fn expiry_notices(&self) -> Result<NoticeList, ClientError> {
        self.get("/admin/v1/expiry-notices").await
    }

    /// `GET /admin/v1/stats`: per-app traffic over the last hour and expiring certificates.
    pub async fn stats(&self) -> Result<Stats, ClientError> {
        self.get("/admin/v1/stats").await
    }

    /// `POST /admin/v1/idv/clients`: the secret is in the answer once.
    pub async fn create_idv_client(
        &self,
        app: &str,
        env: Option<IdvEnv>,
    ) -> Result<NewIdvClient, ClientError> {
        let body = CreateIdvClient { app: app.to_owned(), env };
        self.send(Method::POST, "/admin/v1/idv/clients", Some(&body)).await
    }

    /// `GET /admin/v1/idv/clients[?app=]`.
    pub async fn idv_clients(&self, app: Option<&str>) -> Result<IdvClientList, ClientError> {
        match app {
            Some(a) => self.get(&format!("/admin/v1/idv/clients?app={}", percent_encode(a))).await,
            None => self.get("/admin/v1/idv/clients").await,
        }
    }

    /// `DELETE /admin/v1/idv/clients/{client_id}`.
    pub async fn delete_idv_client(&self, client_id: &str) -> Result<DeletedIdvClient, ClientError> {
        self.send::<(), _>(
            Method::DELETE,
            &format!("/admin/v1/idv/clients/{}", percent_encode(client_id)),
            None,
        )
        .await
    }

    /// `GET /admin/v1/idv/transactions[?client_id=]`, newest first.
    pub async fn idv_transactions(&self, client_id: Option<&str>) -> Result<IdvTransactionList, ClientError> {
        match client_id {
            Some(c) => self.get(&format!("/admin/v1/idv/transactions?client_id={}", percent_encode(c))).await,
            None => self.get("/admin/v1/idv/transactions").await,
        }
    }

    /// `GET /admin/v1/idv/transactions/{tx_id}`.
    pub async fn idv_transaction(&self, tx_id: &str) -> Result<IdvTransaction, ClientError> {
        self.get(&tx_path(tx_id, "")).await
    }

    /// `POST …/{tx_id}/open`: the user opened the request in the Toss app.
    pub async fn open_idv_transaction(&self, tx_id: &str) -> Result<IdvTransaction, ClientError> {
        self.send(Method::POST, &tx_path(tx_id, "/open"), Some(&serde_json::json!({}))).await
    }

    /// `POST …/{tx_id}/complete`: the user authenticated as `who`.
    pub async fn complete_idv_transaction(
        &self,
        tx_id: &str,
        who: &CompleteTx,
    ) -> Result<IdvTransaction, ClientError> {
        self.send(Method::POST, &tx_path(tx_id, "/complete"), Some(who)).await
    }

    /// `POST …/{tx_id}/expire`.
    pub async fn expire_idv_transaction(&self, tx_id: &str) -> Result<IdvTransaction, ClientError> {
        self.send(Method::POST, &tx_path(tx_id, "/expire"), Some(&serde_json::json!({}))).await
    }

    // === Toss Login ===

    /// `GET /admin/v1/users`.
    pub async fn list_users(&self) -> Result<UserList, ClientError> {
        self.get("/admin/v1/users").await
    }

    /// `POST /admin/v1/users`.
    pub async fn create_user(&self, user: &CreateUser) -> Result<SandboxUser, ClientError> {
        self.send(Method::POST, "/admin/v1/users", Some(user)).await
    }

    /// `GET /admin/v1/users/{id}`.
    pub async fn user(&self, id: &str) -> Result<SandboxUser, ClientError> {
        self.get(&format!("/admin/v1/users/{}", percent_encode(id))).await
    }

    /// `GET /admin/v1/users/{id}/links`.
    pub async fn user_links(&self, id: &str) -> Result<LinkList, ClientError> {
        self.get(&format!("/admin/v1/users/{}/links", percent_encode(id))).await
    }

    /// `GET /admin/v1/apps/{name}/login`: the app's settings and decryption key.
    pub async fn login_settings(&self, app: &str) -> Result<LoginSettings, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/login", percent_encode(app))).await
    }

    /// `PATCH /admin/v1/apps/{name}/login`.
    pub async fn update_login_settings(
        &self,
        app: &str,
        patch: &PatchLoginSettings,
    ) -> Result<LoginSettings, ClientError> {
        self.send(Method::PATCH, &format!("/admin/v1/apps/{}/login", percent_encode(app)), Some(patch)).await
    }

    /// `POST /admin/v1/sim/login`: the user logs in to the app; a fresh authorization code.
    pub async fn sim_login(&self, login: &SimLogin) -> Result<SimLoginCode, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/login", Some(login)).await
    }

    /// `POST /admin/v1/sim/unlink`: the user unlinks the app or leaves Toss.
    pub async fn sim_unlink(&self, unlink: &SimUnlink) -> Result<SimUnlinked, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/unlink", Some(unlink)).await
    }

    // === Toss Pay ===

    /// `GET /admin/v1/payments`: newest first, of one app and/or user, or only those awaiting
    /// approval.
    pub async fn payments(
        &self,
        app: Option<&str>,
        user: Option<&str>,
        pending: bool,
    ) -> Result<PaymentList, ClientError> {
        let mut query = Vec::new();
        if let Some(app) = app {
            query.push(format!("app={}", percent_encode(app)));
        }
        if let Some(user) = user {
            query.push(format!("user={}", percent_encode(user)));
        }
        if pending {
            query.push("pending=true".to_owned());
        }
        let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        self.get(&format!("/admin/v1/payments{query}")).await
    }

    /// `GET /admin/v1/payments/{pay_token}`.
    pub async fn payment(&self, pay_token: &str) -> Result<Payment, ClientError> {
        self.get(&format!("/admin/v1/payments/{}", percent_encode(pay_token))).await
    }

    /// `GET /admin/v1/apps/{name}/pay`.
    pub async fn pay_settings(&self, app: &str) -> Result<PaySettings, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/pay", percent_encode(app))).await
    }

    /// `PATCH /admin/v1/apps/{name}/pay`.
    pub async fn update_pay_settings(
        &self,
        app: &str,
        patch: &PatchPaySettings,
    ) -> Result<PaySettings, ClientError> {
        self.send(Method::PATCH, &format!("/admin/v1/apps/{}/pay", percent_encode(app)), Some(patch)).await
    }

    /// `POST /admin/v1/sim/pay/approve`: the user approves the payment in the Toss app.
    pub async fn sim_pay_approve(&self, approve: &SimPayApprove) -> Result<Payment, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/pay/approve", Some(approve)).await
    }

    /// `POST /admin/v1/sim/pay/decline`: the user closes the payment sheet.
    pub async fn sim_pay_decline(&self, decline: &SimPayDecline) -> Result<Payment, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/pay/decline", Some(decline)).await
    }

    // === in-app purchase ===

    /// `GET /admin/v1/apps/{name}/products`.
    pub async fn products(&self, app: &str) -> Result<ProductList, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/products", percent_encode(app))).await
    }

    /// `POST /admin/v1/apps/{name}/products`.
    pub async fn create_product(&self, app: &str, product: &CreateProduct) -> Result<Product, ClientError> {
        self.send(Method::POST, &format!("/admin/v1/apps/{}/products", percent_encode(app)), Some(product))
            .await
    }

    /// `DELETE /admin/v1/apps/{name}/products/{sku}`.
    pub async fn delete_product(&self, app: &str, sku: &str) -> Result<Product, ClientError> {
        let path = format!("/admin/v1/apps/{}/products/{}", percent_encode(app), percent_encode(sku));
        self.send::<(), _>(Method::DELETE, &path, None).await
    }

    /// `GET /admin/v1/orders`: newest first, of one app and/or user.
    pub async fn orders(&self, app: Option<&str>, user: Option<&str>) -> Result<OrderList, ClientError> {
        let query: Vec<String> = [("app", app), ("user", user)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={}", percent_encode(v))))
            .collect();
        let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        self.get(&format!("/admin/v1/orders{query}")).await
    }

    /// `GET /admin/v1/orders/{order_id}`.
    pub async fn order(&self, order_id: &str) -> Result<Order, ClientError> {
        self.get(&format!("/admin/v1/orders/{}", percent_encode(order_id))).await
    }

    /// `POST /admin/v1/sim/iap/purchase`: the user buys a product in the Toss app.
    pub async fn sim_purchase(&self, purchase: &SimPurchase) -> Result<Order, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/iap/purchase", Some(purchase)).await
    }

    /// `POST /admin/v1/sim/iap/update`: an order completes, fails or is refunded.
    pub async fn sim_order_update(&self, update: &SimOrderUpdate) -> Result<Order, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/iap/update", Some(update)).await
    }

    // === messages ===

    /// `GET /admin/v1/apps/{name}/templates`.
    pub async fn templates(&self, app: &str) -> Result<TemplateList, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/templates", percent_encode(app))).await
    }

    /// `POST /admin/v1/apps/{name}/templates`: a template, in review.
    pub async fn create_template(
        &self,
        app: &str,
        template: &CreateTemplate,
    ) -> Result<Template, ClientError> {
        self.send(Method::POST, &format!("/admin/v1/apps/{}/templates", percent_encode(app)), Some(template))
            .await
    }

    /// `POST /admin/v1/apps/{name}/templates/{code}/review`: approve or reject.
    pub async fn review_template(
        &self,
        app: &str,
        code: &str,
        review: &ReviewTemplate,
    ) -> Result<Template, ClientError> {
        let path =
            format!("/admin/v1/apps/{}/templates/{}/review", percent_encode(app), percent_encode(code));
        self.send(Method::POST, &path, Some(review)).await
    }

    /// `GET /admin/v1/apps/{name}/messages`: what the app sent, newest first.
    pub async fn app_messages(&self, app: &str) -> Result<MessageList, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/messages", percent_encode(app))).await
    }

    /// `GET /admin/v1/users/{id}/inbox`: what a sandbox user received, newest first.
    pub async fn inbox(&self, user: &str) -> Result<MessageList, ClientError> {
        self.get(&format!("/admin/v1/users/{}/inbox", percent_encode(user))).await
    }

    /// `POST /admin/v1/sim/anon-key`: a user's anonymous key for an app.
    pub async fn sim_anon_key(&self, req: &SimAnonKey) -> Result<AnonKey, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/anon-key", Some(req)).await
    }

    // === promotions ===

    /// `GET /admin/v1/apps/{name}/promotions`.
    pub async fn promotions(&self, app: &str) -> Result<PromotionList, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/promotions", percent_encode(app))).await
    }

    /// `POST /admin/v1/apps/{name}/promotions`.
    pub async fn create_promotion(&self, app: &str, p: &CreatePromotion) -> Result<Promotion, ClientError> {
        self.send(Method::POST, &format!("/admin/v1/apps/{}/promotions", percent_encode(app)), Some(p)).await
    }

    /// `PATCH /admin/v1/apps/{name}/promotions/{code}`: pause, resume or end it.
    pub async fn set_promotion_state(
        &self,
        app: &str,
        code: &str,
        state: &str,
    ) -> Result<Promotion, ClientError> {
        let path = format!("/admin/v1/apps/{}/promotions/{}", percent_encode(app), percent_encode(code));
        self.send(Method::PATCH, &path, Some(&PatchPromotion { state: state.to_owned() })).await
    }

    /// `GET /admin/v1/apps/{name}/promotion-executions`.
    pub async fn promotion_executions(&self, app: &str) -> Result<PromoExecutionList, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/promotion-executions", percent_encode(app))).await
    }

    /// `GET /admin/v1/users/{id}/points`: a sandbox user's Toss points.
    pub async fn points(&self, user: &str) -> Result<PointsLedger, ClientError> {
        self.get(&format!("/admin/v1/users/{}/points", percent_encode(user))).await
    }

    /// `POST /admin/v1/sim/promotion/fail`: a pending execution fails.
    pub async fn sim_promotion_fail(&self, fail: &SimPromoFail) -> Result<PromoExecution, ClientError> {
        self.send(Method::POST, "/admin/v1/sim/promotion/fail", Some(fail)).await
    }

    // === events and webhooks ===

    /// `POST /admin/v1/apps/{name}/webhook-endpoints`: the endpoint and its first secret.
    pub async fn create_endpoint(
        &self,
        app: &str,
        req: &CreateEndpoint,
    ) -> Result<EndpointSecret, ClientError> {
        self.send(
            Method::POST,
            &format!("/admin/v1/apps/{}/webhook-endpoints", percent_encode(app)),
            Some(req),
        )
        .await
    }

    /// `GET /admin/v1/apps/{name}/webhook-endpoints`.
    pub async fn endpoints(&self, app: &str) -> Result<EndpointList, ClientError> {
        self.get(&format!("/admin/v1/apps/{}/webhook-endpoints", percent_encode(app))).await
    }

    /// `GET /admin/v1/webhook-endpoints/{id}`.
    pub async fn endpoint(&self, id: &str) -> Result<Endpoint, ClientError> {
        self.get(&format!("/admin/v1/webhook-endpoints/{}", percent_encode(id))).await
    }

    /// `PATCH /admin/v1/webhook-endpoints/{id}`.
    pub async fn update_endpoint(&self, id: &str, patch: &PatchEndpoint) -> Result<Endpoint, ClientError> {
        self.send(Method::PATCH, &format!("/admin/v1/webhook-endpoints/{}", percent_encode(id)), Some(patch))
            .await
    }

    /// `DELETE /admin/v1/webhook-endpoints/{id}`.
    pub async fn delete_endpoint(&self, id: &str) -> Result<Endpoint, ClientError> {
        self.send::<(), _>(
            Method::DELETE,
            &format!("/admin/v1/webhook-endpoints/{}", percent_encode(id)),
            None,
        )
        .await
    }

    /// `POST /admin/v1/webhook-endpoints/{id}/rotate-secret`: the new secret.
    pub async fn rotate_secret(&self, id: &str) -> Result<EndpointSecret, ClientError> {
        let path = format!("/admin/v1/webhook-endpoints/{}/rotate-secret", percent_encode(id));
        self.send::<(), _>(Method::POST, &path, None).await
    }

    /// `POST /admin/v1/webhook-endpoints/{id}/retire-secret`.
    pub async fn retire_secret(&self, id: &str) -> Result<Endpoint, ClientError> {
        let path = format!("/admin/v1/webhook-endpoints/{}/retire-secret", percent_encode(id));
        self.send::<(), _>(Method::POST, &path, None).await
    }

    /// `GET /admin/v1/apps/{name}/events`: newest first, with every delivery and attempt.
    pub async fn events(&self, app: &str, limit: Option<i64>) -> Result<EventList, ClientError> {
        let query = limit.map(|l| format!("?limit={l}")).unwrap_or_default();
        self.get(&format!("/admin/v1/apps/{}/events{query}", percent_encode(app))).await
    }

    /// `GET /admin/v1/events/{id}`.
    pub async fn event(&self, id: &str) -> Result<Event, ClientError> {
        self.get(&format!("/admin/v1/events/{}", percent_encode(id))).await
    }

    /// `POST /admin/v1/events/{id}/replay`.
    pub async fn replay_event(&self, id: &str) -> Result<Replayed, ClientError> {
        self.send::<(), _>(Method::POST, &format!("/admin/v1/events/{}/replay", percent_encode(id)), None)
            .await
    }

    /// `POST /admin/v1/apps/{name}/events/replay-failed`.
    pub async fn replay_failed(&self, app: &str, since: &str) -> Result<Replayed, ClientError> {
        let path = format!("/admin/v1/apps/{}/events/replay-failed", percent_encode(app));
        self.send(Method::POST, &path, Some(&ReplayFailed { since: since.to_owned() })).await
    }

    /// `POST /admin/v1/apps/{name}/events/trigger`: a sample event of `event_type`.
    pub async fn trigger_event(&self, app: &str, event_type: &str) -> Result<Event, ClientError> {
        let path = format!("/admin/v1/apps/{}/events/trigger", percent_encode(app));
        self.send(Method::POST, &path, Some(&Trigger { event_type: event_type.to_owned() })).await
    }

    /// `POST /admin/v1/apps/{name}/listen`: the app's listen endpoint and its (stable) secret.
    pub async fn listen(&self, app: &str, req: &Listen) -> Result<EndpointSecret, ClientError> {
        self.send(Method::POST, &format!("/admin/v1/apps/{}/listen", percent_encode(app)), Some(req)).await
    }

    /// `POST /admin/v1/webhook-endpoints/{id}/pull?wait=`: due deliveries, signed.
    pub async fn pull(&self, endpoint: &str, wait_secs: u64) -> Result<PulledList, ClientError> {
        let path = format!("/admin/v1/webhook-endpoints/{}/pull?wait={wait_secs}", percent_encode(endpoint));
        self.send::<(), _>(Method::POST, &path, None).await
    }

    /// `POST /admin/v1/deliveries/{id}/result`.
    pub async fn report_delivery(
        &self,
        delivery: &str,
        result: &PullResult,
    ) -> Result<Recorded, ClientError> {
        let path = format!("/admin/v1/deliveries/{}/result", percent_encode(delivery));
        self.send(Method::POST, &path, Some(result)).await
    }
}

fn tx_path(tx_id: &str, action: &str) -> String {
    format!("/admin/v1/idv/transactions/{}{action}", percent_encode(tx_id))
}
