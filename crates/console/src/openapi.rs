//! The admin API's OpenAPI 3.1 document, served at `GET /admin/v1/openapi.json`.
//!
//! Generated, not written: the schemas are the types of `intoss_proto::api` (feature
//! `openapi`), each operation is the `#[utoipa::path]` of its handler in [`crate::admin`],
//! [`crate::admin_idv`], [`crate::admin_login`], [`crate::admin_pay`], [`crate::admin_messages`],
//! [`crate::admin_promotions`] or [`crate::admin_events`], and the envelopes are
//! `intoss_proto::envelope::schema`. A field renamed in a type is renamed here too. The web console's own routes (the page, `/console/...`)
//! are not part of the API and not described.
//!
//! Each error response names its `errorCode`: the schema of a 404 is `Fail_NotFound`, whose
//! `errorCode` can only be `NOT_FOUND`. The code types below exist for those schemas.

use std::sync::LazyLock;

use intoss_proto::envelope::schema::Fail;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Required};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use crate::{
    admin, admin_events, admin_idv, admin_login, admin_messages, admin_pay, admin_promotions, admin_sandbox,
};

/// The document as served: pretty-printed JSON, built on first use.
pub static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    AdminApi::openapi().to_pretty_json().unwrap_or_else(|e| {
        // Serialising plain data structures to a string cannot fail; if it ever did, serve an
        // object that says so rather than panic on the listener.
        serde_json::json!({ "openapi": "3.1.0", "error": e.to_string() }).to_string()
    })
});

const DESCRIPTION: &str = "\
Apps, mTLS client certificates, expiry warnings and identity-verification clients of an intoss \
platform, with the user simulator that stands in for the Toss app. Served on the console \
listener over HTTPS (the server certificate is issued by `DATA_DIR/ca.pem`).

Every answer is an Apps-in-Toss envelope: `{\"resultType\":\"SUCCESS\",\"success\":...}` or \
`{\"resultType\":\"FAIL\",\"error\":{\"errorCode\":...,\"reason\":...}}`, where `errorCode` is \
stable (act on it) and `reason` is for people. A FAIL caused by one request field also names it \
in `error.field` (`qpm`, `allow_ips[0]`, or the unknown field of a body).

Authenticate with `Authorization: Bearer <DATA_DIR/admin-token>`. Request bodies are JSON \
objects (`Content-Type: application/json`) that refuse unknown fields. Times are RFC 3339 UTC \
unless a field says otherwise. An unknown path is 404 `NOT_FOUND`, a method a path does not \
have 405 `METHOD_NOT_ALLOWED`.";

/// The admin API's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "intoss admin API", version = "1", description = DESCRIPTION),
    servers((url = "https://127.0.0.1:9000", description = "The console listener's default address")),
    security(("adminToken" = [])),
    modifiers(&AdminToken, &OptionalBodies),
    paths(
        admin::openapi,
        admin::list_apps,
        admin::create_app,
        admin::get_app,
        admin::patch_app,
        admin::get_renewal,
        admin::patch_renewal,
        admin::list_app_certs,
        admin::issue_cert,
        admin::list_certs,
        admin::get_cert,
        admin::revoke_cert,
        admin::expiry_notices,
        admin::stats,
        admin::metrics,
        admin_idv::list_clients,
        admin_idv::create_client,
        admin_idv::delete_client,
        admin_idv::list_txs,
        admin_idv::get_tx,
        admin_idv::open,
        admin_idv::complete,
        admin_idv::expire,
        admin_login::list_users,
        admin_login::create_user,
        admin_login::get_user,
        admin_login::user_links,
        admin_login::get_settings,
        admin_login::patch_settings,
        admin_login::sim_login,
        admin_login::sim_unlink,
        admin_pay::list_payments,
        admin_pay::get_payment,
        admin_pay::get_settings,
        admin_pay::patch_settings,
        admin_pay::sim_approve,
        admin_pay::sim_decline,
        admin_pay::list_products,
        admin_pay::create_product,
        admin_pay::delete_product,
        admin_pay::list_orders,
        admin_pay::get_order,
        admin_pay::sim_purchase,
        admin_pay::sim_update,
        admin_messages::list_templates,
        admin_messages::create_template,
        admin_messages::review_template,
        admin_messages::app_messages,
        admin_messages::inbox,
        admin_messages::sim_anon_key,
        admin_promotions::list_promotions,
        admin_promotions::create_promotion,
        admin_promotions::patch_promotion,
        admin_promotions::list_executions,
        admin_promotions::points,
        admin_promotions::sim_fail,
        admin_sandbox::list_faults,
        admin_sandbox::add_fault,
        admin_sandbox::clear_faults,
        admin_sandbox::delete_fault,
        admin_sandbox::requests,
        admin_sandbox::sandbox,
        admin_sandbox::patch_sandbox,
        admin_sandbox::advance_clock,
        admin_sandbox::reset_clock,
        admin_sandbox::reset_app,
        admin_sandbox::export_state,
        admin_sandbox::import_state,
        admin_events::list_endpoints,
        admin_events::create_endpoint,
        admin_events::get_endpoint,
        admin_events::patch_endpoint,
        admin_events::delete_endpoint,
        admin_events::rotate_secret,
        admin_events::retire_secret,
        admin_events::list_events,
        admin_events::get_event,
        admin_events::replay,
        admin_events::replay_failed,
        admin_events::trigger,
        admin_events::listen,
        admin_events::pull,
        admin_events::pull_result,
    ),
    // The schemas of the shared error responses ([`Authenticated`], [`JsonBody`]): schemas
    // named in a handler's own `responses` are collected by themselves, these are not.
    components(schemas(
        Fail<Unauthorized>,
        Fail<ServiceUnavailable>,
        Fail<InvalidParameter>,
        Fail<PayloadTooLarge>,
        Fail<UnsupportedMediaType>,
    )),
    tags(
        (name = "apps", description = "Partner mini-apps: their rate limit, source-IP allowlist and expiry webhook"),
        (name = "certificates", description = "mTLS client certificates (390 days), revocation and expiry warnings"),
        (name = "monitoring", description = "The console's overview and Prometheus metrics"),
        (name = "identity verification", description = "OAuth clients of the cert listener (토스 인증) and their transactions"),
        (name = "toss login", description = "Sandbox users and each app's Toss Login settings and decryption key (토스 로그인)"),
        (name = "toss pay", description = "Payments with their transactions and each app's Toss Pay settings (토스페이)"),
        (name = "in-app purchase", description = "Each app's products (sku) and the orders of its users (인앱 결제)"),
        (name = "messages", description = "Each app's message templates, their review, and the messages sent (기능성 푸시, 알림)"),
        (name = "events", description = "Webhook endpoints, the events and every delivery attempt, replay, sample events, listen (Standard Webhooks, Toss-compatible)"),
        (name = "promotions", description = "Each app's promotions (budget, per-grant limit, state) and their executions (프로모션, 토스 포인트)"),
        (name = "simulator", description = "The user's side, in place of the Toss app: verifications, logins, unlinks, payment approvals, purchases, the inbox, points"),
        (name = "sandbox", description = "Sandbox controls: faults injected into an app's gateway answers, the request journal"),
        (name = "meta", description = "This document"),
    )
)]
pub struct AdminApi;

/// The `adminToken` bearer scheme.
struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "The admin token: the content of `DATA_DIR/admin-token`. The web console's session \
                 cookie (`intoss_console`, from `POST /console/login`) is accepted instead; a write \
                 authenticated by the cookie must also send `X-Intoss-CSRF: <csrf>` or it is 403 \
                 `FORBIDDEN`.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("adminToken", SecurityScheme::Http(scheme));
    }
}

/// An `Option<T>` request body (`request_body(content = Option<T>)`) is derived as a required
/// body that may be `null`; the handlers mean an optional body that is `T` when present
/// (a JSON `null` is refused). This says so: `required: false`, schema `T`.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let operations = openapi
            .paths
            .paths
            .values_mut()
            .flat_map(|item| [item.post.as_mut(), item.put.as_mut(), item.patch.as_mut()])
            .flatten();
        for op in operations {
            make_optional_body_optional(op);
        }
    }
}

fn make_optional_body_optional(op: &mut Operation) {
    let Some(body) = op.request_body.as_mut() else { return };
    let mut optional = false;
    for content in body.content.values_mut() {
        let Some(RefOr::T(Schema::OneOf(one_of))) = content.schema.as_mut() else { continue };
        let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
        if one_of.items.len() == 2 && one_of.items.iter().any(is_null) {
            content.schema = one_of.items.iter().find(|s| !is_null(s)).cloned();
            optional = true;
        }
    }
    if optional {
        body.required = Some(Required::False);
    }
}

// === the errorCodes of the error responses ===

/// `INVALID_PARAMETER`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvalidParameter {
    /// HTTP 400.
    InvalidParameter,
}

/// `UNAUTHORIZED`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Unauthorized {
    /// HTTP 401.
    Unauthorized,
}

/// `NOT_FOUND`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotFound {
    /// HTTP 404.
    NotFound,
}

/// `ALREADY_EXISTS`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlreadyExists {
    /// HTTP 409.
    AlreadyExists,
}

/// `INVALID_STATE`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvalidState {
    /// HTTP 409.
    InvalidState,
}

/// `PAYLOAD_TOO_LARGE`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayloadTooLarge {
    /// HTTP 413.
    PayloadTooLarge,
}

/// `UNSUPPORTED_MEDIA_TYPE`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnsupportedMediaType {
    /// HTTP 415.
    UnsupportedMediaType,
}

/// `SERVICE_UNAVAILABLE`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceUnavailable {
    /// HTTP 503.
    ServiceUnavailable,
}

// === error responses shared by many operations ===

/// What every authenticated call can answer besides its own errors.
#[derive(Debug, IntoResponses)]
pub enum Authenticated {
    /// Missing or wrong admin token (UNAUTHORIZED), with `WWW-Authenticate: Bearer`.
    #[response(
        status = 401,
        example = json!({"resultType": "FAIL", "error": {"errorCode": "UNAUTHORIZED", "reason": "send the admin token as `Authorization: Bearer <token>` (it is in DATA_DIR/admin-token)"}})
    )]
    Unauthorized(Fail<Unauthorized>),
    /// Storage unavailable (SERVICE_UNAVAILABLE).
    #[response(status = 503)]
    Unavailable(Fail<ServiceUnavailable>),
}

/// What a call with a JSON body can answer about the body.
#[derive(Debug, IntoResponses)]
pub enum JsonBody {
    /// Invalid parameter (INVALID_PARAMETER): bad JSON, not an object, an unknown, missing or
    /// ill-typed field, or a value the platform refuses; `error.field` names the field.
    #[response(
        status = 400,
        example = json!({"resultType": "FAIL", "error": {"errorCode": "INVALID_PARAMETER", "reason": "invalid JSON body: unknown field `colour`, expected one of `name`, `qpm`, `allow_ips`, `webhook_url`", "field": "colour"}})
    )]
    Invalid(Fail<InvalidParameter>),
    /// Body too large (PAYLOAD_TOO_LARGE): more than `[limits] max_body_bytes`.
    #[response(status = 413)]
    TooLarge(Fail<PayloadTooLarge>),
    /// Body is not application/json (UNSUPPORTED_MEDIA_TYPE).
    #[response(status = 415)]
    NotJson(Fail<UnsupportedMediaType>),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    fn document() -> Value {
        serde_json::from_str(&DOCUMENT).unwrap()
    }

    /// The routes of [`crate::admin::router`] that form the API: everything but the web
    /// console's page and session routes. Keep in step with the router (the test below also
    /// sends each documented operation to the router).
    const ROUTES: &[(&str, &[&str])] = &[
        ("/admin/v1/openapi.json", &["get"]),
        ("/admin/v1/apps", &["get", "post"]),
        ("/admin/v1/apps/{name}", &["get", "patch"]),
        ("/admin/v1/apps/{name}/certs", &["get", "post"]),
        ("/admin/v1/apps/{name}/renewal", &["get", "patch"]),
        ("/admin/v1/apps/{name}/faults", &["get", "post", "delete"]),
        ("/admin/v1/apps/{name}/faults/{id}", &["delete"]),
        ("/admin/v1/apps/{name}/requests", &["get"]),
        ("/admin/v1/apps/{name}/sandbox", &["get", "patch"]),
        ("/admin/v1/apps/{name}/clock", &["delete"]),
        ("/admin/v1/apps/{name}/clock/advance", &["post"]),
        ("/admin/v1/apps/{name}/reset", &["post"]),
        ("/admin/v1/sandbox/export", &["get"]),
        ("/admin/v1/sandbox/import", &["post"]),
        ("/admin/v1/certs", &["get"]),
        ("/admin/v1/certs/{serial}", &["get"]),
        ("/admin/v1/certs/{serial}/revoke", &["post"]),
        ("/admin/v1/expiry-notices", &["get"]),
        ("/admin/v1/stats", &["get"]),
        ("/metrics", &["get"]),
        ("/admin/v1/idv/clients", &["get", "post"]),
        ("/admin/v1/idv/clients/{client_id}", &["delete"]),
        ("/admin/v1/idv/transactions", &["get"]),
        ("/admin/v1/idv/transactions/{tx_id}", &["get"]),
        ("/admin/v1/idv/transactions/{tx_id}/open", &["post"]),
        ("/admin/v1/idv/transactions/{tx_id}/complete", &["post"]),
        ("/admin/v1/idv/transactions/{tx_id}/expire", &["post"]),
        ("/admin/v1/users", &["get", "post"]),
        ("/admin/v1/users/{id}", &["get"]),
        ("/admin/v1/users/{id}/links", &["get"]),
        ("/admin/v1/apps/{name}/login", &["get", "patch"]),
        ("/admin/v1/sim/login", &["post"]),
        ("/admin/v1/sim/unlink", &["post"]),
        ("/admin/v1/payments", &["get"]),
        ("/admin/v1/payments/{pay_token}", &["get"]),
        ("/admin/v1/apps/{name}/pay", &["get", "patch"]),
        ("/admin/v1/sim/pay/approve", &["post"]),
        ("/admin/v1/sim/pay/decline", &["post"]),
        ("/admin/v1/apps/{name}/products", &["get", "post"]),
        ("/admin/v1/apps/{name}/products/{sku}", &["delete"]),
        ("/admin/v1/orders", &["get"]),
        ("/admin/v1/orders/{order_id}", &["get"]),
        ("/admin/v1/sim/iap/purchase", &["post"]),
        ("/admin/v1/sim/iap/update", &["post"]),
        ("/admin/v1/apps/{name}/templates", &["get", "post"]),
        ("/admin/v1/apps/{name}/templates/{code}/review", &["post"]),
        ("/admin/v1/apps/{name}/messages", &["get"]),
        ("/admin/v1/users/{id}/inbox", &["get"]),
        ("/admin/v1/sim/anon-key", &["post"]),
        ("/admin/v1/apps/{name}/promotions", &["get", "post"]),
        ("/admin/v1/apps/{name}/promotions/{code}", &["patch"]),
        ("/admin/v1/apps/{name}/promotion-executions", &["get"]),
        ("/admin/v1/users/{id}/points", &["get"]),
        ("/admin/v1/sim/promotion/fail", &["post"]),
        ("/admin/v1/apps/{name}/webhook-endpoints", &["get", "post"]),
        ("/admin/v1/webhook-endpoints/{id}", &["get", "patch", "delete"]),
        ("/admin/v1/webhook-endpoints/{id}/rotate-secret", &["post"]),
        ("/admin/v1/webhook-endpoints/{id}/retire-secret", &["post"]),
        ("/admin/v1/webhook-endpoints/{id}/pull", &["post"]),
        ("/admin/v1/deliveries/{id}/result", &["post"]),
        ("/admin/v1/apps/{name}/events", &["get"]),
        ("/admin/v1/apps/{name}/events/trigger", &["post"]),
        ("/admin/v1/apps/{name}/events/replay-failed", &["post"]),
        ("/admin/v1/apps/{name}/listen", &["post"]),
        ("/admin/v1/events/{id}", &["get"]),
        ("/admin/v1/events/{id}/replay", &["post"]),
    ];

    /// Every route of the admin router is in `paths`, with exactly its methods.
    #[test]
    fn admin_document_describes_every_route() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().unwrap().keys().map(move |method| (path.clone(), method.clone()))
            })
            .collect();
        let expected: BTreeSet<(String, String)> = ROUTES
            .iter()
            .flat_map(|(path, methods)| methods.iter().map(|m| ((*path).to_owned(), (*m).to_owned())))
            .collect();
        assert_eq!(documented, expected);
    }

    /// Every operation says what it answers, and every error response names its code.
    #[test]
    fn admin_operations_document_their_answers() {
        let doc = document();
        let mut operation_ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id =
                    op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no operationId"));
                assert!(operation_ids.insert(id.to_owned()), "{id} twice");
                assert!(op["summary"].is_string(), "{method} {path}: no summary");
                assert_eq!(op["tags"].as_array().map(Vec::len), Some(1), "{method} {path}: one tag");
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}: no success");
                if path != "/admin/v1/openapi.json" {
                    assert!(responses.contains_key("401"), "{method} {path}: no 401");
                }
                for (status, response) in responses {
                    assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()));
                    if status.starts_with('4') || status.starts_with('5') {
                        let schema =
                            response["content"]["application/json"]["schema"]["$ref"].as_str().unwrap();
                        assert!(schema.starts_with("#/components/schemas/Fail_"), "{method} {path} {status}");
                    }
                }
            }
        }
    }

    /// The document is self-contained: every `$ref` names a component, the bearer scheme is
    /// declared, and request bodies refuse unknown fields.
    #[test]
    fn admin_document_components() {
        let doc = document();
        let text = DOCUMENT.as_str();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for name in ["App", "Cert", "CreateApp", "IdvTransaction", "Fail_Unauthorized", "Success_App"] {
            assert!(schemas.contains_key(name), "{name} missing");
        }
        assert_eq!(doc["components"]["securitySchemes"]["adminToken"]["scheme"], "bearer");
        for (i, _) in text.match_indices("\"$ref\": \"#/components/schemas/") {
            let rest = &text[i + "\"$ref\": \"#/components/schemas/".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(schemas.contains_key(name), "dangling $ref {name}");
        }
        for name in ["CreateApp", "PatchApp", "IssueCert", "RevokeCert", "CreateIdvClient", "CompleteTx"] {
            assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
        }
        assert_eq!(schemas["CreateApp"]["required"], serde_json::json!(["name"]));
        assert_eq!(
            schemas["Fail_NotFound"]["properties"]["error"]["$ref"],
            "#/components/schemas/FailError_NotFound"
        );
        assert_eq!(
            schemas["FailError_NotFound"]["properties"]["errorCode"]["enum"],
            serde_json::json!(["NOT_FOUND"])
        );
        // The doctor's check of a non-envelope answer quotes the start of this document.
        let revoke = &doc["paths"]["/admin/v1/certs/{serial}/revoke"]["post"]["requestBody"];
        assert_eq!(revoke["required"], false);
        assert_eq!(
            revoke["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/RevokeCert"
        );
        assert!(text.starts_with(
            "{\n  \"openapi\": \"3.1.0\",\n  \"info\": {\n    \"title\": \"intoss admin API\","
        ));
    }
}
