//! Certificate renewal over mTLS: `POST /api-partner/v1/certificates/renew`.
//!
//! The presented client certificate is the credential: admission already checked that it is
//! known, not revoked, not expired and its app's. The body is `{"csr": PEM}` (the partner keeps
//! the new key), `{}` or nothing (the platform generates an RSA-2048 key, or `{"key_type":
//! "p256"}`, when the app's policy allows server keys). The answer is the admin API's issued
//! certificate object: the new certificate for the same app, the key when generated, `ca.pem`.
//! The presented certificate stays valid, so the partner switches when it likes.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use intoss_core::Registry;
use intoss_http::extract::optional_object;
use intoss_http::{ApiError, BodyLimit, success};
use intoss_proto::api::admin::IssueCert;
use intoss_tls::ConnInfo;

use crate::{Caller, Gateway};

pub(crate) async fn handle(
    p: &Arc<Gateway>,
    registry: &Registry,
    caller: &Caller,
    info: &ConnInfo,
    req: Request,
) -> Response {
    let ask: IssueCert = match optional_object(req.into_body(), p.max_body_bytes()).await {
        Ok(ask) => ask,
        Err(e) => return e.into_response(),
    };
    match registry.renew_cert(&caller.app.name, &caller.client.serial, ask, info.peer.ip()).await {
        Ok(issued) => success(StatusCode::OK, issued),
        Err(e) => ApiError::from(e).into_response(),
    }
}
