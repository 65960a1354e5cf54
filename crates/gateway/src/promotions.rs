//! Promotions (프로모션, 토스 포인트) on the gateway: the paths under
//! `/api-partner/v1/apps-in-toss/promotion/`, every one `POST` with `x-toss-user-key`, for the
//! admitted caller's app only.
//!
//! | path | body | `success` |
//! |---|---|---|
//! | `execute-promotion/get-key` | none | `{key}` (single use, 1 hour) |
//! | `execute-promotion` | `promotionCode`, `key`, `amount` | `{key, promotionCode, amount, status}` |
//! | `execution-result` | `promotionCode`, `key` | `"PENDING"`, `"SUCCESS"` or `"FAILED"` |

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use intoss_http::{ApiError, success};
use intoss_promotions::PromotionService;
use intoss_proto::api::promotions::{BASE, ExecutePromotion, ExecutionResult};

use crate::pay::{call, user_key_of};
use crate::{Caller, Gateway};

/// Serves a request whose path starts with [`BASE`].
pub(crate) async fn handle(
    p: &Arc<Gateway>,
    promotions: &PromotionService,
    caller: &Caller,
    req: Request,
) -> Response {
    let path = req.uri().path();
    let route = path.strip_prefix(BASE).unwrap_or_default();
    if !matches!(route, "execute-promotion/get-key" | "execute-promotion" | "execution-result") {
        return ApiError::not_found(format!("no promotion API at {path}")).into_response();
    }
    if *req.method() != Method::POST {
        return crate::not_allowed(&req, "POST");
    }
    let app = caller.app.name.as_str();
    let user_key = user_key_of(&req);
    let user_key = user_key.as_deref();
    let now = caller.app.now();
    match route {
        // No body is documented; whatever is sent is not read.
        "execute-promotion/get-key" => match promotions.get_key(app, user_key, now).await {
            Ok(key) => success(StatusCode::OK, key),
            Err(e) => ApiError::from(e).into_response(),
        },
        "execute-promotion" => {
            call(p, req, async |b: ExecutePromotion| promotions.execute(app, user_key, &b, now).await).await
        }
        _ => call(p, req, async |b: ExecutionResult| promotions.result(app, user_key, &b, now).await).await,
    }
}
