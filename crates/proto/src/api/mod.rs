//! Request and response bodies of every intoss API, in one place.
//!
//! The platform serialises these, the SDK and the CLI deserialise them, and the OpenAPI
//! documents are generated from them (feature `openapi`). A field renamed here changes all
//! sides at once: the CLI no longer compiles against a name the server stopped sending.
//!
//! - [`admin`]: the admin API on the console listener (`/admin/v1/...`): apps, certificates,
//!   expiry notices, the overview's statistics, identity-verification clients and the
//!   transactions of its user simulator.
//! - [`console`]: the web console's sign-in.
//! - [`events`]: events and webhook endpoints, deliveries and their attempts, replay, listen.
//! - [`gateway`]: the gateway's built-in routes (`whoami`, `echo`).
//! - [`iap`]: in-app purchase (인앱 결제): `get-order-status` on the gateway, and its admin
//!   side (products, orders, the simulator's purchases).
//! - [`idv`]: identity verification (토스 인증) on the cert listener, as partners call it.
//! - [`login`]: Toss Login (토스 로그인) on the gateway, and its admin side (sandbox users,
//!   each app's decryption key, the simulator).
//! - [`messages`]: messages (기능성 푸시, 알림) on the gateway, and its admin side (templates
//!   and their review, the messages sent, each user's inbox).
//! - [`promotions`]: promotions (토스 포인트) on the gateway, and its admin side (budgets,
//!   executions, each user's points).
//! - [`sandbox`]: sandbox controls on the admin API (faults, test clocks, test mode, the request
//!   journal, state export/import/reset).
//! - [`pay`]: Toss Pay (토스페이) on the gateway, and its admin side (payments, settings, the
//!   simulator's approve and decline).
//!
//! Every response body is the `success` of an [`crate::Envelope`] except the token endpoint's
//! (RFC 6749), Toss Login's `invalid_grant` body, and the public key in PEM form.

pub mod admin;
pub mod console;
pub mod events;
pub mod gateway;
pub mod iap;
pub mod idv;
pub mod login;
pub mod messages;
pub mod pay;
pub mod promotions;
pub mod sandbox;

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// The bound addresses, as written to `DATA_DIR/endpoints.json`: how the CLI and tests find a
/// running platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Endpoints {
    /// mTLS gateway.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "127.0.0.1:8443"))]
    pub gateway: SocketAddr,
    /// Identity verification.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "127.0.0.1:9443"))]
    pub cert: SocketAddr,
    /// Admin API and console.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "127.0.0.1:9000"))]
    pub console: SocketAddr,
}

/// `schema_with` helpers for what the derive cannot say: closed sets of strings or numbers.
/// The description is given again because `schema_with` replaces the whole field schema.
#[cfg(feature = "openapi")]
pub(crate) mod closed {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

    /// A string among `values` (or `null`, when `nullable`).
    pub(crate) fn strings(description: &str, values: &[&str], nullable: bool) -> Schema {
        one_of(Type::String, description, values.iter().map(|v| (*v).into()).collect(), nullable)
    }

    /// An integer among `values` (or `null`, when `nullable`).
    pub(crate) fn integers(description: &str, values: &[i64], nullable: bool) -> Schema {
        one_of(Type::Integer, description, values.iter().map(|v| (*v).into()).collect(), nullable)
    }

    fn one_of(ty: Type, description: &str, mut values: Vec<serde_json::Value>, nullable: bool) -> Schema {
        let ty = if nullable {
            values.push(serde_json::Value::Null);
            SchemaType::from_iter([ty, Type::Null])
        } else {
            SchemaType::Type(ty)
        };
        ObjectBuilder::new().schema_type(ty).enum_values(Some(values)).description(Some(description)).into()
    }
}
