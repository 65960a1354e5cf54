//! The cert listener's OpenAPI 3.1 document, served at `GET /openapi.json`.
//!
//! Generated, not written: the schemas are the types of `intoss_proto::api::idv` (feature
//! `openapi`), each operation is the `#[utoipa::path]` of its handler in this crate, and the
//! envelopes are `intoss_proto::envelope::schema`. Three things are added after the derive:
//! the second path family (`/api/v2/sign/user/auth/id/...`, the same handlers, so the same
//! operations with `Id` appended to their ids), the two security schemes, and a fix for the
//! names of link fields (see `render`).
//!
//! Each error response names its `errorCode`s: the schema of the 404 of `…/status` is
//! `IdvFail_Ce3100`, whose `errorCode` can only be `CE3100`. The code types below exist for
//! those schemas.

use std::sync::LazyLock;

use intoss_proto::api::idv::AuthRequest;
use intoss_proto::envelope::schema::IdvFail;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, path::PathItem};
use utoipa::{IntoResponses, Modify, OpenApi, PartialSchema, ToSchema};

/// The document as served: pretty-printed JSON, built on first use.
pub static DOCUMENT: LazyLock<String> = LazyLock::new(|| render(&IdvApi::openapi()));

/// Where both path families start: the handlers are documented under the first, and copied.
pub const FAMILIES: [&str; 2] = ["/api/v2/sign/user/auth", "/api/v2/sign/user/auth/id"];

const DESCRIPTION: &str = "\
The cert listener of an intoss platform: the sandbox of Toss identity verification (토스 인증; \
see docs/identity-verification.md). Served over HTTPS; the server certificate is issued by \
`DATA_DIR/ca.pem`, and no client certificate is asked for.

Get a token at `POST /token` with the credentials of a client (created on the console or with \
`intoss idv client create`), then send it as `Authorization: Bearer <access_token>`.

Failures of every call but `/token` are the Toss envelope: \
`{\"resultType\":\"FAIL\",\"error\":{\"errorType\":0,\"errorCode\":\"CE....\",\"reason\":...,\"data\":{},\"title\":null},\"success\":null}`. \
`/token` answers RFC 6749 §5.2 errors: `{\"error\":...,\"error_description\":...}`. An unknown \
path is CE3000 (HTTP 400), a method a path does not have CE3000 with HTTP 405 and `Allow`.

The three calls are served under both path families that appear in official material: \
`/api/v2/sign/user/auth/...` and `/api/v2/sign/user/auth/id/...`. Request bodies do not refuse \
unknown fields (the real service does not either).";

/// The cert listener's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "intoss identity verification (토스 인증) API", version = "1", description = DESCRIPTION),
    servers((url = "https://127.0.0.1:9443", description = "The cert listener's default address")),
    security(("accessToken" = [])),
    modifiers(&SecuritySchemes, &BothFamilies),
    paths(
        crate::token,
        crate::request,
        crate::status,
        crate::result,
        crate::validate,
        crate::public_key,
        crate::openapi,
    ),
    // The schemas of [`Authorized`]'s responses: schemas named in a handler's own `responses`
    // are collected by themselves, these are not.
    components(schemas(IdvFail<Ce1000>, IdvFail<Ce5000>)),
    tags(
        (name = "token", description = "OAuth 2.0 client credentials (RFC 6749 §4.4)"),
        (name = "verification", description = "A verification: request, status, result"),
        (name = "certificates", description = "The signer certificates of results"),
        (name = "meta", description = "The platform's public key and this document"),
    )
)]
pub struct IdvApi;

/// The document as JSON.
///
/// utoipa 5.5 serialises the fields of a Link object in snake case (`operation_id`,
/// `request_body`) where OpenAPI names them `operationId` and `requestBody`; no schema here
/// has a property of either name, so the two keys are renamed in the text.
fn render(doc: &utoipa::openapi::OpenApi) -> String {
    match doc.to_pretty_json() {
        Ok(text) => text
            .replace("\"operation_id\": ", "\"operationId\": ")
            .replace("\"request_body\": ", "\"requestBody\": "),
        // Serialising plain data structures to a string cannot fail; if it ever did, serve an
        // object that says so rather than panic on the listener.
        Err(e) => serde_json::json!({ "openapi": "3.1.0", "error": e.to_string() }).to_string(),
    }
}

/// `accessToken` (the bearer JWT of `/token`) and `clientBasic` (client credentials as HTTP
/// Basic, for `/token` only).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "The `access_token` of `POST /token` (RS256). Missing, malformed, forged or expired, \
                 or its client deleted: CE1000.",
            ))
            .build();
        components.add_security_scheme("accessToken", SecurityScheme::Http(bearer));
        let basic = HttpBuilder::new()
            .scheme(HttpAuthScheme::Basic)
            .description(Some(
                "`client_id:client_secret`, each percent-encoded (RFC 6749 §2.3.1): an alternative to \
                 the form fields, not in addition to them.",
            ))
            .build();
        components.add_security_scheme("clientBasic", SecurityScheme::Http(basic));
    }
}

/// Copies the three calls from the first path family to the second, appending `Id` to their
/// operation ids and to those their links name.
struct BothFamilies;

impl Modify for BothFamilies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let [first, second] = FAMILIES;
        for call in ["request", "status", "result"] {
            let Some(item) = openapi.paths.paths.get(&format!("{first}/{call}")) else { continue };
            let mut copy: PathItem = item.clone();
            if let Some(op) = copy.post.as_mut() {
                op.operation_id = op.operation_id.take().map(|id| format!("{id}Id"));
                for response in op.responses.responses.values_mut() {
                    let RefOr::T(response) = response else { continue };
                    for link in response.links.values_mut() {
                        if let RefOr::T(link) = link {
                            link.operation_id.push_str("Id");
                        }
                    }
                }
            }
            openapi.paths.paths.insert(format!("{second}/{call}"), copy);
        }
    }
}

// === request bodies the types alone do not describe ===

/// The body of `…/request`: [`AuthRequest`]'s fields, with the ones each `requestType`
/// requires. (The type takes every field as optional so that the service can name the missing
/// one in its CE3000 reason.)
pub struct AuthRequestBody;

impl AuthRequestBody {
    /// The fields a USER_NONE request requires besides `requestType`.
    pub const USER_NONE: &[&str] = &["requestUrl"];
    /// The fields a USER_PERSONAL request requires besides `requestType`.
    pub const USER_PERSONAL: &[&str] =
        &["requestUrl", "triggerType", "userName", "userPhone", "userBirthday", "sessionKey"];
}

impl PartialSchema for AuthRequestBody {
    fn schema() -> RefOr<Schema> {
        let fields = match AuthRequest::schema() {
            RefOr::T(Schema::Object(object)) => object.properties,
            _ => Default::default(),
        };
        let variant = |title: &str, request_type: &str, required: &[&str]| {
            let tag = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([request_type]))
                .description(Some("The kind of request."));
            let mut object = ObjectBuilder::new()
                .schema_type(Type::Object)
                .title(Some(title))
                .property("requestType", tag)
                .required("requestType");
            for name in required {
                if let Some(field) = fields.get(*name) {
                    object = object.property(*name, field.clone()).required(*name);
                }
            }
            object
        };
        OneOfBuilder::new()
            .description(Some(
                "USER_NONE (원터치 인증) names no user in advance; USER_PERSONAL names the user with \
                 fields encrypted for a new session.",
            ))
            .item(variant("USER_NONE (원터치 인증)", "USER_NONE", Self::USER_NONE))
            .item(variant("USER_PERSONAL", "USER_PERSONAL", Self::USER_PERSONAL))
            .into()
    }
}

impl ToSchema for AuthRequestBody {
    fn name() -> std::borrow::Cow<'static, str> {
        "AuthRequest".into()
    }
}

/// The form of `POST /token` (`application/x-www-form-urlencoded`). A repeated parameter is
/// `invalid_request` (RFC 6749 §3.2); unknown parameters are ignored.
#[derive(Debug, ToSchema)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(schema_with = client_credentials)]
    pub grant_type: String,
    /// `ca`.
    #[schema(pattern = "^ca( ca)*$", example = "ca")]
    pub scope: String,
    /// The client's id, unless sent as HTTP Basic.
    #[schema(value_type = String, example = "test_3f2a")]
    pub client_id: Option<String>,
    /// The client's secret, unless sent as HTTP Basic.
    #[schema(value_type = String)]
    pub client_secret: Option<String>,
}

fn client_credentials() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["client_credentials"]))
        .description(Some("Always `client_credentials`."))
        .into()
}

// === the errorCodes of the error responses ===

/// `CE1000`: the access token is missing, malformed, forged or expired, or its client was
/// deleted.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "UPPERCASE")]
pub enum Ce1000 {
    /// HTTP 401.
    Ce1000,
}

/// `CE3000`: a missing or invalid field, bad JSON, or a body that is not an object.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "UPPERCASE")]
pub enum Ce3000 {
    /// HTTP 400.
    Ce3000,
}

/// `CE3100`: no such transaction for this client.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "UPPERCASE")]
pub enum Ce3100 {
    /// HTTP 404.
    Ce3100,
}

/// `CE5000`: storage or another internal failure; the detail is only in the server log.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "UPPERCASE")]
pub enum Ce5000 {
    /// HTTP 500.
    Ce5000,
}

/// The refusals of `…/request`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "UPPERCASE")]
pub enum RequestRefused {
    /// A missing or invalid field.
    Ce3000,
    /// The sessionKey or an encrypted field cannot be decrypted.
    Ce3001,
}

/// The refusals of `…/result`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "UPPERCASE")]
pub enum ResultRefused {
    /// A missing or invalid field.
    Ce3000,
    /// The sessionKey cannot be unwrapped.
    Ce3001,
    /// The sessionKey's session was already used in this transaction.
    Ce3002,
    /// The result was already fetched the maximum number of times (2).
    Ce3101,
    /// The transaction is not completed yet.
    Ce3102,
    /// The transaction expired before the user completed it.
    Ce3103,
    /// The result window (60 minutes after completion) has passed.
    Ce3200,
}

/// What every call with an access token can answer besides its own errors.
#[derive(Debug, IntoResponses)]
pub enum Authorized {
    /// No bearer token, or a token that is malformed, forged, expired or whose client was
    /// deleted (CE1000).
    #[response(
        status = 401,
        example = json!({"resultType": "FAIL", "error": {"errorType": 0, "errorCode": "CE1000", "reason": "토큰이 유효하지 않습니다.", "data": {}, "title": null}, "success": null})
    )]
    InvalidToken(IdvFail<Ce1000>),
    /// Storage or another internal failure (CE5000); the detail is only in the server log.
    #[response(status = 500)]
    Internal(IdvFail<Ce5000>),
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

    /// The document is self-contained: every `$ref` names a component, the security schemes
    /// are declared, links use OpenAPI's field names and name operations that exist.
    #[test]
    fn idv_document_components() {
        let doc = document();
        let text = DOCUMENT.as_str();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for (i, _) in text.match_indices("\"$ref\": \"#/components/schemas/") {
            let rest = &text[i + "\"$ref\": \"#/components/schemas/".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(schemas.contains_key(name), "dangling $ref {name}");
        }
        assert_eq!(doc["components"]["securitySchemes"]["accessToken"]["bearerFormat"], "JWT");
        assert_eq!(doc["components"]["securitySchemes"]["clientBasic"]["scheme"], "basic");
        assert!(!text.contains("\"operation_id\"") && !text.contains("\"request_body\""));

        let mut operation_ids = BTreeSet::new();
        let mut linked = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id =
                    op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no operationId"));
                assert!(operation_ids.insert(id.to_owned()), "{id} twice");
                assert!(op["summary"].is_string(), "{method} {path}: no summary");
                for response in op["responses"].as_object().unwrap().values() {
                    for link in response["links"].as_object().into_iter().flat_map(|l| l.values()) {
                        linked.insert(link["operationId"].as_str().unwrap().to_owned());
                        assert_eq!(link["requestBody"]["txId"], "$response.body#/success/txId");
                    }
                }
            }
        }
        let expected_links: BTreeSet<String> =
            ["status", "result", "statusId", "resultId"].map(String::from).into();
        assert_eq!(linked, expected_links);
        assert!(linked.is_subset(&operation_ids));
    }

    /// Every error response of an enveloped call is the Toss FAIL envelope naming its codes;
    /// `/token`'s are RFC 6749 objects.
    #[test]
    fn idv_error_responses_name_their_codes() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let codes = |fail: &str| {
            let error =
                schemas[fail]["properties"]["error"]["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
            schemas[error]["properties"]["errorCode"]["enum"].clone()
        };
        let status = &doc["paths"]["/api/v2/sign/user/auth/status"]["post"]["responses"];
        let fail = |r: &Value| {
            r["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(codes(&fail(&status["404"])), serde_json::json!(["CE3100"]));
        assert_eq!(codes(&fail(&status["401"])), serde_json::json!(["CE1000"]));
        let result = &doc["paths"]["/api/v2/sign/user/auth/id/result"]["post"]["responses"];
        assert_eq!(
            codes(&fail(&result["400"])),
            serde_json::json!(["CE3000", "CE3001", "CE3002", "CE3101", "CE3102", "CE3103", "CE3200"])
        );
        let fail_error = &schemas["IdvFailError_Ce1000"];
        assert_eq!(
            fail_error["required"],
            serde_json::json!(["errorType", "errorCode", "reason", "data", "title"])
        );
        assert_eq!(
            schemas["IdvFail_Ce1000"]["required"],
            serde_json::json!(["resultType", "error", "success"])
        );
        let token = &doc["paths"]["/token"]["post"]["responses"];
        for code in ["400", "401", "500"] {
            assert_eq!(
                token[code]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/OAuthErrorBody"
            );
        }
        assert!(token["401"]["headers"]["WWW-Authenticate"].is_object());
    }

    /// The `…/request` body's variants name fields that [`AuthRequest`] has (a renamed field
    /// would silently drop out of the variant otherwise).
    #[test]
    fn request_body_variants_follow_the_type() {
        let doc = document();
        let body = &doc["components"]["schemas"]["AuthRequest"]["oneOf"];
        for (variant, fields) in [(0, AuthRequestBody::USER_NONE), (1, AuthRequestBody::USER_PERSONAL)] {
            let properties = body[variant]["properties"].as_object().unwrap();
            for field in fields {
                assert!(
                    properties.contains_key(*field),
                    "variant {variant}: {field} is not a field of AuthRequest"
                );
            }
            assert_eq!(body[variant]["required"].as_array().unwrap().len(), fields.len() + 1);
        }
    }
}
