//! The identity-verification listener (토스 인증: `/token`, `/api/v2/sign/user/auth/...`).
//!
//! Not implemented in this build: every route answers 501 in the identity-verification
//! envelope, so a partner's client sees a well-formed FAIL rather than a connection error.

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The cert listener's router.
pub fn router() -> Router {
    Router::new().fallback(not_implemented)
}

async fn not_implemented(req: Request) -> Response {
    let body = serde_json::json!({
        "resultType": "FAIL",
        "error": {
            "errorType": 0,
            "errorCode": "NOT_IMPLEMENTED",
            "reason": format!("{} {} is not implemented by this intoss build yet", req.method(), req.uri().path()),
            "data": {},
            "title": null
        },
        "success": null
    });
    (StatusCode::NOT_IMPLEMENTED, Json(body)).into_response()
}
