//! Toss Login (토스 로그인) on the gateway: the real paths under
//! `/api-partner/v1/apps-in-toss/user/oauth2/`, for the admitted caller's app only.
//!
//! | path | method | answers |
//! |---|---|---|
//! | `generate-token` | POST `{authorizationCode, referrer}` | tokens |
//! | `refresh-token` | POST `{refreshToken}` | a new pair (the old refresh token ends) |
//! | `login-me` | GET, `Authorization: Bearer` | userKey, scope, agreedTerms, encrypted fields |
//! | `access/remove-by-access-token` | POST, `Authorization: Bearer` | `{userKey}` |
//! | `access/remove-by-user-key` | POST `{userKey}` | `{userKey}` |
//!
//! A code or token that is unknown, used, expired, revoked or another app's answers the OAuth
//! body `{"error":"invalid_grant"}` (as the real service), with 400 on the token endpoints and
//! 401 on the Bearer ones; every other failure is an envelope.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intoss_http::{ApiError, ApiJson, json_response, success};
use intoss_login::LoginError;
use intoss_proto::api::login::{BASE, GenerateToken, InvalidGrant, RefreshToken, RemoveByUserKey};

use crate::{Caller, Gateway};

/// The Toss Login routes.
#[derive(Clone, Copy)]
enum Route {
    GenerateToken,
    RefreshToken,
    LoginMe,
    RemoveByAccessToken,
    RemoveByUserKey,
}

/// Serves a request whose path starts with [`BASE`].
pub(crate) async fn handle(
    p: &Arc<Gateway>,
    login: &intoss_login::LoginService,
    caller: &Caller,
    req: Request,
) -> Response {
    let path = req.uri().path();
    let (route, allow) = match path.strip_prefix(BASE).unwrap_or_default() {
        "generate-token" => (Route::GenerateToken, Method::POST),
        "refresh-token" => (Route::RefreshToken, Method::POST),
        "login-me" => (Route::LoginMe, Method::GET),
        "access/remove-by-access-token" => (Route::RemoveByAccessToken, Method::POST),
        "access/remove-by-user-key" => (Route::RemoveByUserKey, Method::POST),
        _ => return ApiError::not_found(format!("no Toss Login API at {path}")).into_response(),
    };
    if *req.method() != allow {
        return crate::not_allowed(&req, if allow == Method::GET { "GET" } else { "POST" });
    }
    let app = caller.app.name.as_str();
    let now = caller.app.now();
    let answer = match route {
        Route::GenerateToken => match ApiJson::<GenerateToken>::from_request(req, p).await {
            Ok(ApiJson(body)) => login.generate_token(app, &body, now).await.map(ok).map_err(token_error),
            Err(e) => Err(e.into_response()),
        },
        Route::RefreshToken => match ApiJson::<RefreshToken>::from_request(req, p).await {
            Ok(ApiJson(body)) => login.refresh(app, &body, now).await.map(ok).map_err(token_error),
            Err(e) => Err(e.into_response()),
        },
        Route::LoginMe => login.login_me(app, bearer(&req), now).await.map(ok).map_err(bearer_error),
        Route::RemoveByAccessToken => {
            login.remove_by_access_token(app, bearer(&req), now).await.map(ok).map_err(bearer_error)
        }
        Route::RemoveByUserKey => match ApiJson::<RemoveByUserKey>::from_request(req, p).await {
            Ok(ApiJson(body)) => {
                login.remove_by_user_key(app, body.user_key, now).await.map(ok).map_err(token_error)
            }
            Err(e) => Err(e.into_response()),
        },
    };
    answer.unwrap_or_else(|resp| resp)
}

fn ok<T: serde::Serialize>(value: T) -> Response {
    success(StatusCode::OK, value)
}

/// The access token of `Authorization: Bearer <token>`; empty when there is none (refused as
/// `invalid_grant`).
fn bearer(req: &Request) -> &str {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .unwrap_or_default()
}

fn invalid_grant(status: StatusCode) -> Response {
    let mut resp = json_response(status, &InvalidGrant { error: "invalid_grant".into() });
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    }
    resp
}

/// A failure of a call that presents a code, a refresh token or a userKey.
fn token_error(e: LoginError) -> Response {
    match e {
        LoginError::InvalidGrant => invalid_grant(StatusCode::BAD_REQUEST),
        other => ApiError::from(other).into_response(),
    }
}

/// A failure of a call that presents an access token.
fn bearer_error(e: LoginError) -> Response {
    match e {
        LoginError::InvalidGrant => invalid_grant(StatusCode::UNAUTHORIZED),
        other => ApiError::from(other).into_response(),
    }
}
