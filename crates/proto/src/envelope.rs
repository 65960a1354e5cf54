//! The Apps-in-Toss response envelope.
//!
//! Success: `{"resultType":"SUCCESS","success":{...}}`.
//! Failure: `{"resultType":"FAIL","error":{"errorCode":"...","reason":"..."}}`. The identity
//! verification service adds `errorType`, `data`, `title` to the error and `"success":null`
//! (seed 001 §5); those fields are optional here so one type reads both shapes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `resultType`: the first thing a reader checks.
///
/// The API reference also lists transport-level outcomes (`HTTP_TIMEOUT`, `NETWORK_ERROR`, ...);
/// they are kept so that an envelope carrying one still parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ResultType {
    /// The call succeeded; `success` holds the payload.
    Success,
    /// The call failed; `error` says why.
    Fail,
    /// Listed by the API reference.
    HttpTimeout,
    /// Listed by the API reference.
    NetworkError,
    /// Listed by the API reference.
    ExecutionFail,
    /// Listed by the API reference.
    Interrupted,
    /// Listed by the API reference.
    InternalError,
}

/// The `error` object of a FAIL envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Numeric error category (identity verification only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<i64>,
    /// Stable machine-readable code, e.g. `INVALID_PARAMETER` or `CE1000`.
    pub error_code: String,
    /// Human-readable explanation.
    pub reason: String,
    /// Extra data (identity verification only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Title (identity verification only; `null` in every documented sample).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Value>,
    /// The request field at fault, when one is (intoss's addition, for forms: `qpm`,
    /// `allow_ips`, `birthday`, ...). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A whole envelope, generic over the success payload.
///
/// It reads every shape; the OpenAPI documents describe each answer more precisely with the
/// types of `envelope::schema` (feature `openapi`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// SUCCESS or FAIL (or one of the transport outcomes).
    pub result_type: ResultType,
    /// Present on SUCCESS.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub success: Option<T>,
    /// Present on FAIL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Envelope<T> {
    /// A SUCCESS envelope around `value`.
    pub fn success(value: T) -> Self {
        Self { result_type: ResultType::Success, success: Some(value), error: None }
    }

    /// A gateway-style FAIL envelope: `errorCode` and `reason` only.
    pub fn fail(code: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            result_type: ResultType::Fail,
            success: None,
            error: Some(ErrorBody {
                error_type: None,
                error_code: code.into(),
                reason: reason.into(),
                data: None,
                title: None,
                field: None,
            }),
        }
    }
}

/// The envelope as the OpenAPI documents describe each answer: a SUCCESS with exactly its
/// payload, a FAIL with exactly the error codes its HTTP status can carry.
///
/// These types are never built; they exist for their schemas (`Success<App>` becomes the
/// component `Success_App`, `Fail<NotFound>` the component `Fail_NotFound`). The code
/// parameters (`C`) are one-variant or few-variant enums whose schema is the set of
/// `errorCode` strings, declared next to the documents that use them.
#[cfg(feature = "openapi")]
pub mod schema {
    use utoipa::ToSchema;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

    /// `"SUCCESS"`.
    #[derive(Debug, ToSchema)]
    #[schema(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum SuccessTag {
        /// The only value.
        Success,
    }

    /// `"FAIL"`.
    #[derive(Debug, ToSchema)]
    #[schema(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum FailTag {
        /// The only value.
        Fail,
    }

    /// A SUCCESS envelope: `{"resultType":"SUCCESS","success":...}`.
    #[derive(Debug, ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct Success<T> {
        // `SUCCESS` (no doc comment: it would wrap the inlined enum in a `oneOf`).
        #[schema(inline)]
        pub result_type: SuccessTag,
        /// The payload.
        pub success: T,
    }

    /// A FAIL envelope of the admin API and the gateway:
    /// `{"resultType":"FAIL","error":{"errorCode":...,"reason":...}}`.
    #[derive(Debug, ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct Fail<C> {
        // `FAIL` (no doc comment: it would wrap the inlined enum in a `oneOf`).
        #[schema(inline)]
        pub result_type: FailTag,
        /// What went wrong.
        pub error: FailError<C>,
    }

    /// The `error` of a FAIL envelope of the admin API or the gateway.
    #[derive(Debug, ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct FailError<C> {
        /// Stable and machine-readable: act on this, not on `reason`.
        pub error_code: C,
        /// For people; its wording may change.
        #[schema(min_length = 1)]
        pub reason: String,
        /// The request field at fault, when one is (`qpm`, `allow_ips[0]`, `seconds`, or the
        /// unknown field of a body): forms highlight it.
        #[schema(value_type = String, required = false)]
        pub field: Option<String>,
    }

    /// A FAIL envelope of identity verification, as the real service sends it (seed 001 §5):
    /// `{"resultType":"FAIL","error":{"errorType":0,"errorCode":"CE....","reason":...,"data":{},"title":null},"success":null}`.
    #[derive(Debug, ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct IdvFail<C> {
        // `FAIL` (no doc comment: it would wrap the inlined enum in a `oneOf`).
        #[schema(inline)]
        pub result_type: FailTag,
        /// What went wrong.
        pub error: IdvFailError<C>,
        /// Always `null`.
        #[schema(schema_with = null)]
        pub success: (),
    }

    /// The `error` of a FAIL envelope of identity verification.
    #[derive(Debug, ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct IdvFailError<C> {
        /// Always `0`.
        #[schema(schema_with = zero)]
        pub error_type: (),
        /// The `CE....` code: act on this, not on `reason`.
        pub error_code: C,
        /// Korean, for people.
        #[schema(min_length = 1)]
        pub reason: String,
        /// Always `{}`.
        #[schema(schema_with = empty_object)]
        pub data: (),
        /// Always `null`.
        #[schema(schema_with = null)]
        pub title: (),
    }

    fn null() -> Schema {
        ObjectBuilder::new().schema_type(Type::Null).description(Some("Always `null`.")).into()
    }

    fn zero() -> Schema {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some([0]))
            .description(Some("Always `0`."))
            .into()
    }

    fn empty_object() -> Schema {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .max_properties(Some(0))
            .description(Some("Always `{}`."))
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_shape_matches_the_seed() {
        let env = Envelope::success(json!({"sample": "data"}));
        assert_eq!(
            serde_json::to_value(&env).unwrap(),
            json!({"resultType": "SUCCESS", "success": {"sample": "data"}})
        );
    }

    #[test]
    fn fail_shape_matches_the_seed() {
        let env: Envelope<Value> = Envelope::fail("INVALID_PARAMETER", "요청에 실패했습니다.");
        assert_eq!(
            serde_json::to_value(&env).unwrap(),
            json!({"resultType": "FAIL", "error": {"errorCode": "INVALID_PARAMETER", "reason": "요청에 실패했습니다."}})
        );
    }

    #[test]
    fn reads_the_identity_verification_error_shape() {
        let raw = r#"{"resultType":"FAIL","error":{"errorType":0,"errorCode":"CE1000","reason":"토큰이 유효하지 않습니다.","data":{},"title":null},"success":null}"#;
        let env: Envelope<Value> = serde_json::from_str(raw).unwrap();
        assert_eq!(env.result_type, ResultType::Fail);
        let err = env.error.unwrap();
        assert_eq!(err.error_code, "CE1000");
        assert_eq!(err.error_type, Some(0));
        assert!(env.success.is_none());
    }
}
