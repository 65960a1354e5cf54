//! The cert listener: identity verification (토스 인증) over HTTP.
//!
//! The routes are `/token`, the three calls under both path families, the certificate
//! validation call, the platform's public key, and their OpenAPI description (`openapi.json`,
//! served at `/openapi.json`). What each call does is `intoss_idv::IdvService`; this crate only
//! reads the bodies into the types of `intoss_proto::api::idv` and renders the answers and the
//! errors (the `CE....` envelope, RFC 6749 §5.2 for `/token`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_idv::service::{IdvService, TokenForm};
use intoss_idv::{IdvError, OAuthError};
use intoss_proto::api::idv::{
    AuthRequest, OAuthErrorBody, PublicKey, ResultRequest, StatusRequest, ValidateRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The OpenAPI description of the cert listener.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Largest body the cert listener reads.
const MAX_BODY: usize = 64 * 1024;

/// The router of the cert listener.
pub fn router(svc: Arc<IdvService>) -> Router {
    let mut r = Router::new()
        .route("/token", post(token))
        .route("/api/v1/certificate/validate", post(validate))
        .route("/api/v2/sign/public-key", get(public_key))
        .route("/openapi.json", get(openapi));
    // Both path families appear in official material (toss-apis.md §1.1); serve both.
    for base in ["/api/v2/sign/user/auth", "/api/v2/sign/user/auth/id"] {
        r = r
            .route(&format!("{base}/request"), post(request))
            .route(&format!("{base}/status"), post(status))
            .route(&format!("{base}/result"), post(result));
    }
    r.fallback(not_found).method_not_allowed_fallback(method_not_allowed).with_state(svc)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A SUCCESS envelope, with `"error": null` absent as in the real service's samples.
fn ok<T: Serialize>(success: T) -> Response {
    (StatusCode::OK, axum::Json(json!({ "resultType": "SUCCESS", "success": success }))).into_response()
}

/// An [`IdvError`] as the service sends it: the `CE....` envelope with `errorType`, `data`,
/// `title` and `"success": null` (seed 001 §5).
struct Fail(IdvError);

impl From<IdvError> for Fail {
    fn from(e: IdvError) -> Self {
        Self(e)
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let body = json!({
            "resultType": "FAIL",
            "error": {
                "errorType": 0,
                "errorCode": self.0.code(),
                "reason": self.0.to_string(),
                "data": {},
                "title": null
            },
            "success": null
        });
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(body)).into_response()
    }
}

/// An [`OAuthError`] as RFC 6749 §5.2 gives it: `{error, error_description}`, `no-store`, and a
/// Basic challenge for `invalid_client`.
struct TokenFail(OAuthError);

impl From<OAuthError> for TokenFail {
    fn from(e: OAuthError) -> Self {
        Self(e)
    }
}

impl IntoResponse for TokenFail {
    fn into_response(self) -> Response {
        let (status, error, description) = self.0.parts();
        let body = OAuthErrorBody { error: error.into(), error_description: description.into() };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(body)).into_response();
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.0 == OAuthError::InvalidClient {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"intoss\""));
        }
        resp
    }
}

async fn not_found(req: Request) -> Fail {
    Fail(IdvError::InvalidParameter(format!("no API at {}", req.uri().path())))
}

async fn method_not_allowed(req: Request) -> Fail {
    Fail(IdvError::MethodNotAllowed(format!("{} is not allowed on {}", req.method(), req.uri().path())))
}

/// Reads a JSON object body into `T` (CE3000 for anything else).
async fn json_body<T: DeserializeOwned>(req: Request) -> Result<T, IdvError> {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| IdvError::InvalidParameter(format!("the body must be at most {MAX_BODY} bytes")))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| IdvError::InvalidParameter(format!("invalid JSON body: {e}")))?;
    if !value.is_object() {
        return Err(IdvError::InvalidParameter("the body must be a JSON object".into()));
    }
    serde_json::from_value(value).map_err(|e| IdvError::InvalidParameter(format!("invalid JSON body: {e}")))
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
}

async fn request(State(svc): State<Arc<IdvService>>, req: Request) -> Result<Response, Fail> {
    let client = svc.authenticate(authorization(req.headers()), now())?;
    let body: AuthRequest = json_body(req).await?;
    Ok(ok(svc.request(&client, &body, now()).await?))
}

async fn status(State(svc): State<Arc<IdvService>>, req: Request) -> Result<Response, Fail> {
    let client = svc.authenticate(authorization(req.headers()), now())?;
    let body: StatusRequest = json_body(req).await?;
    Ok(ok(svc.status(&client, &body, now()).await?))
}

async fn result(State(svc): State<Arc<IdvService>>, req: Request) -> Result<Response, Fail> {
    let client = svc.authenticate(authorization(req.headers()), now())?;
    let body: ResultRequest = json_body(req).await?;
    Ok(ok(svc.result(&client, &body, now()).await?))
}

async fn validate(State(svc): State<Arc<IdvService>>, req: Request) -> Result<Response, Fail> {
    svc.authenticate(authorization(req.headers()), now())?;
    let body: ValidateRequest = json_body(req).await?;
    let pem = body
        .certificate
        .as_deref()
        .ok_or_else(|| IdvError::InvalidParameter("certificate is required".into()))?;
    Ok(ok(svc.validate_certificate(pem, now())?))
}

/// The platform's RSA-4096 public key: PEM by default, `{"publicKey": base64 SPKI}` as JSON
/// (the form the real SDK hard-codes) with `Accept: application/json`.
async fn public_key(State(svc): State<Arc<IdvService>>, headers: HeaderMap) -> Response {
    let der = svc.public_key_der();
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        use base64::Engine as _;
        ok(PublicKey { public_key: base64::engine::general_purpose::STANDARD.encode(&der) })
    } else {
        ([(header::CONTENT_TYPE, "application/x-pem-file")], intoss_pki::der_to_pem("PUBLIC KEY", &der))
            .into_response()
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// `POST /token` (RFC 6749 §4.4): form body, client credentials in the body or as HTTP Basic.
async fn token(
    State(svc): State<Arc<IdvService>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenFail> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(
            OAuthError::InvalidRequest("Content-Type must be application/x-www-form-urlencoded").into()
        );
    }
    if body.len() > MAX_BODY {
        return Err(OAuthError::InvalidRequest("body too large").into());
    }
    let mut form = parse_form(&body)?;
    let basic_sent = authorization(&headers).is_some_and(|v| v.starts_with("Basic "));
    if basic_sent && basic_credentials(&headers).is_none() {
        return Err(OAuthError::InvalidClient.into());
    }
    if let Some((id, secret)) = basic_credentials(&headers) {
        if form.client_id.is_some() || form.client_secret.is_some() {
            return Err(
                OAuthError::InvalidRequest("send client credentials once: in the body or as Basic").into()
            );
        }
        form.client_id = Some(id);
        form.client_secret = Some(secret);
    }
    let answer = svc.issue_token(&form, now())?;
    let mut resp = (StatusCode::OK, axum::Json(answer)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Parses `application/x-www-form-urlencoded`, refusing repeated parameters (RFC 6749 §3.2).
/// Public for the fuzz target `fuzz/fuzz_targets/token_form.rs` only.
#[doc(hidden)]
pub fn parse_form(body: &[u8]) -> Result<TokenForm, OAuthError> {
    let text = std::str::from_utf8(body).map_err(|_| OAuthError::InvalidRequest("the body is not UTF-8"))?;
    let mut form = TokenForm::default();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k)?, percent_decode(v)?);
        let slot = match k.as_str() {
            "grant_type" => &mut form.grant_type,
            "scope" => &mut form.scope,
            "client_id" => &mut form.client_id,
            "client_secret" => &mut form.client_secret,
            _ => continue,
        };
        if slot.is_some() {
            return Err(OAuthError::InvalidRequest("a parameter is repeated"));
        }
        *slot = Some(v);
    }
    Ok(form)
}

fn percent_decode(s: &str) -> Result<String, OAuthError> {
    let bad = OAuthError::InvalidRequest("bad percent-encoding in the form");
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(bad)?;
                // Two hex digits: `from_str_radix` alone also takes a sign (`%+1` read as 0x01).
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return Err(bad);
                }
                let hex = std::str::from_utf8(hex).map_err(|_| bad)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad)?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| bad)
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine as _;
    let v = authorization(headers)?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(v.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((percent_decode(id).ok()?, percent_decode(secret).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_parsing() {
        let f = parse_form(b"grant_type=client_credentials&scope=ca&client_id=test_a%2Bb&client_secret=x+y")
            .unwrap();
        assert_eq!(f.client_id.as_deref(), Some("test_a+b"));
        assert_eq!(f.client_secret.as_deref(), Some("x y"));
        assert!(parse_form(b"scope=ca&scope=ca").is_err());
        assert!(parse_form(b"client_id=%zz").is_err());
        assert!(parse_form(b"client_id=%4").is_err());
    }

    /// Found by the fuzz target `token_form`: `%+a` was decoded as the byte 0x0a.
    #[test]
    fn regression_a_signed_percent_escape_is_refused() {
        for body in [&b"scope=%+a"[..], b"client_id=%+1", b"client_secret=%-1", b"%+1=x"] {
            assert!(parse_form(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(parse_form(b"client_id=%0a%2B").unwrap().client_id.as_deref(), Some("\n+"));
    }

    /// The description names exactly the routes of [`router`] (the end-to-end test checks that
    /// each is served, and schemathesis checks the answers against it).
    #[test]
    fn openapi_describes_every_route() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        let mut paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        paths.sort_unstable();
        let mut expected: Vec<String> =
            ["/token", "/api/v1/certificate/validate", "/api/v2/sign/public-key", "/openapi.json"]
                .map(String::from)
                .to_vec();
        for base in ["/api/v2/sign/user/auth", "/api/v2/sign/user/auth/id"] {
            expected.extend(["request", "status", "result"].map(|call| format!("{base}/{call}")));
        }
        expected.sort_unstable();
        assert_eq!(paths, expected);
    }
}
