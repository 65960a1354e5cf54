//! Faults injected into the gateway's answers (sandbox controls): per app, by path prefix and
//! probability, tried oldest first. A latency fault delays the request and lets the next rules
//! (and then the request) go on; every other kind answers in place of the request.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intoss_core::FaultRule;
use intoss_http::{ApiError, Conn};
use intoss_proto::ErrorCode;
use intoss_proto::api::sandbox::FaultAction;

/// The answer of the first fault that hits `path`, if any (after any latency that hit).
pub(crate) async fn inject(rules: &[FaultRule], path: &str, conn: &Conn) -> Option<Response> {
    for rule in rules {
        if !path.starts_with(rule.path_prefix.as_str()) || uniform() >= rule.probability {
            continue;
        }
        tracing::debug!(fault = %rule.id, path, "injected fault");
        match &rule.action {
            FaultAction::Latency { ms, sigma } => {
                tokio::time::sleep(delay(*ms, *sigma)).await;
            }
            FaultAction::Fail { error_code, reason } => {
                let reason = reason.as_deref().unwrap_or("injected fault");
                let mut resp = json(
                    StatusCode::OK,
                    &serde_json::json!({"resultType": "FAIL", "error": {"errorCode": error_code, "reason": reason}}),
                );
                resp.extensions_mut().insert(intoss_http::ErrorTag(error_code.clone().into()));
                return Some(resp);
            }
            FaultAction::ResultType { result_type } => {
                return Some(json(
                    StatusCode::OK,
                    &serde_json::json!({
                        "resultType": result_type,
                        "error": {"errorCode": result_type, "reason": "injected fault"},
                    }),
                ));
            }
            FaultAction::InvalidGrant => {
                return Some(json(StatusCode::BAD_REQUEST, &serde_json::json!({"error": "invalid_grant"})));
            }
            FaultAction::RateLimit { retry_after_secs } => {
                let mut e = ApiError::new(ErrorCode::TooManyRequests, "injected fault: over the limit");
                e.retry_after_secs = Some(*retry_after_secs);
                return Some(e.into_response());
            }
            FaultAction::Reset => {
                conn.control.abort();
                // The connection is dropped with this request unanswered.
                std::future::pending::<()>().await;
            }
        }
    }
    None
}

/// The answer of a test-mode app's `X-Intoss-Fault` (a fault with probability 1 on this request
/// alone), or `None` to serve it (after a latency); a malformed header is `INVALID_PARAMETER`.
pub(crate) async fn from_header(value: &HeaderValue, path: &str, conn: &Conn) -> Option<Response> {
    let parsed = value
        .to_str()
        .map_err(|_| format!("{}: not ASCII", intoss_core::FAULT_HEADER))
        .and_then(|v| intoss_core::fault_from_header(v).map_err(|e| e.to_string()));
    let action = match parsed {
        Ok(a) => a,
        Err(reason) => {
            return Some(ApiError::invalid_field(intoss_core::FAULT_HEADER, reason).into_response());
        }
    };
    tracing::debug!(path, "fault asked for by header");
    let rule = FaultRule { id: "header".into(), path_prefix: "/".into(), probability: 1.0, action };
    inject(std::slice::from_ref(&rule), path, conn).await
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// `ms`, or a lognormal draw of median `ms` and spread `sigma`, capped at a minute.
fn delay(ms: u64, sigma: Option<f64>) -> Duration {
    let ms = match sigma {
        None => ms as f64,
        Some(s) => {
            // Box–Muller: a standard normal from two uniforms.
            let (u1, u2) = (uniform().max(f64::MIN_POSITIVE), uniform());
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            ms as f64 * (s * z).exp()
        }
    };
    Duration::from_secs_f64((ms / 1000.0).clamp(0.0, 60.0))
}

/// A uniform draw in [0, 1); 1 (never a hit) without randomness: fail closed to no fault.
fn uniform() -> f64 {
    let mut b = [0u8; 8];
    match aws_lc_rs::rand::fill(&mut b) {
        Ok(()) => (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 1.0,
    }
}
