//! Request extractors whose rejections are FAIL envelopes naming the field at fault.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use intoss_proto::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The state of a router whose bodies are read with a size limit.
pub trait BodyLimit {
    /// Largest request body read, in bytes.
    fn max_body_bytes(&self) -> usize;
}

impl<T: BodyLimit> BodyLimit for std::sync::Arc<T> {
    fn max_body_bytes(&self) -> usize {
        (**self).max_body_bytes()
    }
}

/// A JSON body, limited to the state's [`BodyLimit`]. Errors: 413 `PAYLOAD_TOO_LARGE`,
/// 415 `UNSUPPORTED_MEDIA_TYPE` (not `application/json`), 400 `INVALID_PARAMETER` (bad JSON,
/// naming the field and position).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: BodyLimit + Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json") || m.to_ascii_lowercase().ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "the body must be application/json"));
        }
        let bytes = read_body(req.into_body(), state.max_body_bytes()).await?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(rejection)?;
        de.end().map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))?;
        Ok(ApiJson(value))
    }
}

/// A JSON **object** body (structs of the admin API): like [`ApiJson`], and an array or a scalar
/// is `INVALID_PARAMETER` (serde would otherwise read `[null, null]` as a struct's fields).
#[derive(Debug)]
pub struct ApiObject<T>(pub T);

impl<T: DeserializeOwned, S: BodyLimit + Send + Sync> FromRequest<S> for ApiObject<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJson(value) = ApiJson::<serde_json::Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(ApiError::invalid("the body must be a JSON object"));
        }
        serde_path_to_error::deserialize(value).map(ApiObject).map_err(rejection)
    }
}

/// A body that may be left out: empty (or only whitespace) is `T::default()`, anything else is
/// read like [`ApiObject`] (a JSON object, the field at fault named). No content type is
/// required, so a bare `POST` with no body works.
pub async fn optional_object<T: DeserializeOwned + Default>(body: Body, limit: usize) -> Result<T, ApiError> {
    let bytes = read_body(body, limit).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::invalid("the body must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(rejection)
}

/// `INVALID_PARAMETER` for a body that does not fit its type, naming the field: the path of
/// the value at fault (`qpm`, `allow_ips[0]`), or the field serde names for an unknown or a
/// missing one.
fn rejection<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.inner().to_string();
    let field = if path == "." { named_field(&inner) } else { Some(path) };
    let reason = format!("invalid JSON body: {inner}");
    match field {
        Some(f) => ApiError::invalid_field(f, reason),
        None => ApiError::invalid(reason),
    }
}

/// The field of serde's "unknown field `x`, ..." and "missing field `x`" messages.
fn named_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("missing field `"))?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

/// A query string whose rejection is an `INVALID_PARAMETER` envelope (unknown or ill-typed
/// parameters).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::invalid(format!("query string: {}", e.body_text())))
    }
}

/// Reads a whole body, refusing more than `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if caused_by_length_limit(&e) {
            ApiError::new(ErrorCode::PayloadTooLarge, format!("the body is larger than {limit} bytes"))
        } else {
            ApiError::invalid(format!("could not read the body: {e}"))
        }
    })
}

/// Whether `e`, or anything in its `source()` chain, is the body length limit.
pub fn caused_by_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        qpm: Option<u32>,
        #[serde(default)]
        allow_ips: Vec<String>,
    }

    struct Limit;
    impl BodyLimit for Limit {
        fn max_body_bytes(&self) -> usize {
            64
        }
    }

    async fn object(json: &str) -> Result<Body, ApiError> {
        let req = Request::post("/")
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(json.to_owned()))
            .unwrap();
        ApiObject::<Body>::from_request(req, &Limit).await.map(|o| o.0)
    }

    #[tokio::test]
    async fn rejections_name_the_field() {
        for (json, field) in [
            (r#"{"name":"a","qpm":"x"}"#, Some("qpm")),
            (r#"{"name":"a","allow_ips":[1]}"#, Some("allow_ips[0]")),
            (r#"{"name":"a","colour":1}"#, Some("colour")),
            (r#"{"qpm":1}"#, Some("name")),
            (r#"[1]"#, None),
        ] {
            let e = object(json).await.unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidParameter, "{json}");
            assert_eq!(e.field.as_deref(), field, "{json}: {}", e.reason);
        }
        assert_eq!(object(r#"{"name":"a"}"#).await.unwrap().name, "a");
        let e = object(&format!(r#"{{"name":"{}"}}"#, "a".repeat(64))).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::PayloadTooLarge);
    }
}
