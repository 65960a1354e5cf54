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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
