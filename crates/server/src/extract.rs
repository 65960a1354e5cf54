//! Request extractors whose rejections are FAIL envelopes.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use intoss_proto::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::platform::Platform;

/// A JSON body, limited to `gateway.max_body_bytes`. Errors: 413 `PAYLOAD_TOO_LARGE`,
/// 415 `UNSUPPORTED_MEDIA_TYPE` (not `application/json`), 400 `INVALID_PARAMETER` (bad JSON,
/// naming the field and position).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<Platform>> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<Platform>) -> Result<Self, Self::Rejection> {
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
        let bytes = read_body(req.into_body(), state.config.max_body_bytes).await?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))
    }
}

/// A JSON **object** body (structs of the admin API): like [`ApiJson`], and an array or a scalar
/// is `INVALID_PARAMETER` (serde would otherwise read `[null, null]` as a struct's fields).
#[derive(Debug)]
pub struct ApiObject<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<Platform>> for ApiObject<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<Platform>) -> Result<Self, Self::Rejection> {
        let ApiJson(value) = ApiJson::<serde_json::Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(ApiError::invalid("the body must be a JSON object"));
        }
        serde_json::from_value(value)
            .map(ApiObject)
            .map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))
    }
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
