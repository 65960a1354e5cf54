//! The cert listener (`intoss_idv_api::router`): the JSON request bodies of `…/request`,
//! `…/status`, `…/result` and `/api/v1/certificate/validate`, the `/token` form with HTTP Basic,
//! the bearer token check, and the envelope every answer is written in (`intoss_proto::Envelope`).
//!
//! The router runs for real, called in process (as the handler tests do), on an in-memory SQLite
//! store with one test-environment client and its access token.
//!
//! Every answer: no 5xx; a JSON body; on the API routes an `Envelope` whose `resultType` is
//! `SUCCESS` exactly when the status is 200, and whose failures carry a `CE....` code.
//!
//! Input: a mode byte, then
//! - modes 0–3, *hostile body*: the rest is the body of request, status, result or validate.
//! - mode 4, *personal request*: the rest, if it is a JSON object, is the body of a request;
//!   the target replaces `userName`, `userPhone` and `userBirthday` (when strings) with their
//!   encryption under a fresh session and sets that session's `sessionKey`, so the fuzzer
//!   reaches the decrypted values. The call succeeds exactly when a reference check of the
//!   documented rules says so, and a transaction it creates reads back as `REQUESTED`.
//! - mode 5, *token*: a byte (1: also send HTTP Basic with the next short string, base64), then
//!   the form body; `CLIENT` and `SECRET` are replaced by the real credentials. Without Basic, a
//!   token is issued exactly when the form holds the right grant type, scope and credentials. A
//!   200 carries a bearer token that works; anything else is an RFC 6749 error (400 or 401).
//! - mode 6, *envelope*: the rest is read as an `Envelope<Value>`; what parses serialises back
//!   to a fixed point.
//! - mode 7, *bearer*: the rest is the `Authorization` header (`TOKEN` is replaced by the real
//!   token); it authenticates exactly when it is `Bearer ` or `bearer ` and the token, with
//!   surrounding whitespace.
#![no_main]

use std::sync::{Arc, LazyLock};

use aws_lc_rs::encoding::AsDer;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use intoss_fuzz::Input;
use intoss_idv_api::parse_form;
use intoss_idv::service::TokenForm;
use intoss_idv::{IdvConfig, IdvKeys, IdvService};
use intoss_pki::CertificateAuthority;
use intoss_proto::Envelope;
use intoss_proto::envelope::ResultType;
use intoss_proto::fieldcrypto::Session;
use intoss_store::{NewApp, SqliteStore, Store};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use tokio::runtime::Runtime;
use tower::ServiceExt as _;

struct Fixture {
    rt: Runtime,
    router: Router,
    spki: Vec<u8>,
    client_id: String,
    client_secret: String,
    token: String,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let now = OffsetDateTime::now_utc();
    let (svc, client_id, client_secret, token) = rt.block_on(async {
        let store = SqliteStore::open_url("sqlite::memory:").await.unwrap();
        let app = NewApp {
            name: "fuzz-app".into(),
            qpm: 1000,
            allow_ips: vec![],
            webhook_url: None,
            created_at: now.unix_timestamp(),
        };
        store.create_app(&app).await.unwrap();
        let rsa = || {
            let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
            key.as_der().unwrap().as_ref().to_vec()
        };
        let keys = IdvKeys {
            token_key_pkcs8: rsa(),
            // RSA-2048 rather than the platform's 4096: the same code, faster per input.
            field_key_pkcs8: rsa(),
            secret_key: vec![7; 32],
            sandbox_ca: CertificateAuthority::generate("fuzz sandbox Toss CA", now).unwrap().0,
        };
        let svc = IdvService::new(Arc::new(store), IdvConfig::default(), keys).await.unwrap();
        let client = svc.create_client("fuzz-app", true, now.unix_timestamp()).await.unwrap();
        let form = TokenForm {
            grant_type: Some("client_credentials".into()),
            scope: Some("ca".into()),
            client_id: Some(client.client_id.clone()),
            client_secret: Some(client.client_secret.clone()),
        };
        let answer = svc.issue_token(&form, now.unix_timestamp()).unwrap();
        let token = answer.access_token;
        (svc, client.client_id, client.client_secret, token)
    });
    let spki = svc.public_key_der();
    let router = intoss_idv_api::router(Arc::new(svc));
    Fixture { rt, router, spki, client_id, client_secret, token }
});

const CALLS: [&str; 4] = [
    "/api/v2/sign/user/auth/request",
    "/api/v2/sign/user/auth/status",
    "/api/v2/sign/user/auth/id/result",
    "/api/v1/certificate/validate",
];

fuzz_target!(|data: &[u8]| {
    let fx = &*FIXTURE;
    let mut input = Input::new(data);
    match input.byte() % 8 {
        mode @ 0..=3 => {
            let call = CALLS[usize::from(mode)];
            let (status, body) =
                fx.call(call, Some(&fx.bearer()), "application/json", input.rest().to_vec()).unwrap();
            let envelope = api_answer(status, &body);
            if call.ends_with("validate") && status == StatusCode::OK {
                let success = envelope.success.unwrap();
                let (valid, enabled) =
                    (success["valid"].as_bool().unwrap(), success["enabled"].as_bool().unwrap());
                assert!(valid || !enabled, "enabled but not valid");
            }
        }
        4 => personal_request(fx, input.rest()),
        5 => token(fx, input),
        6 => envelope_fixed_point(input.rest()),
        _ => bearer(fx, &input.rest_str()),
    }
});

impl Fixture {
    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// POSTs `body` to `path` and returns the status and the body; `None` if `authorization` is
    /// not a value HTTP can carry.
    fn call(
        &self,
        path: &str,
        authorization: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Option<(StatusCode, Vec<u8>)> {
        let mut request = Request::post(path).header(header::CONTENT_TYPE, content_type);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let request = request.body(Body::from(body)).ok()?;
        self.rt.block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            Some((status, body.to_vec()))
        })
    }
}

/// The checks every answer of the API routes passes; returns its envelope.
fn api_answer(status: StatusCode, body: &[u8]) -> Envelope<Value> {
    assert!(!status.is_server_error(), "{status}: {}", String::from_utf8_lossy(body));
    let envelope: Envelope<Value> = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!("{status}: not an envelope ({e}): {}", String::from_utf8_lossy(body));
    });
    if status == StatusCode::OK {
        assert_eq!(envelope.result_type, ResultType::Success);
        assert!(envelope.success.is_some() && envelope.error.is_none());
    } else {
        assert_eq!(envelope.result_type, ResultType::Fail);
        let error = envelope.error.as_ref().unwrap();
        assert!(error.error_code.starts_with("CE") && error.error_code.len() == 6, "{}", error.error_code);
    }
    envelope
}

fn personal_request(fx: &Fixture, rest: &[u8]) {
    let mut body = match serde_json::from_slice::<Value>(rest) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let session = Session::generate().unwrap();
    let mut plain = [None, None, None];
    for (i, name) in ["userName", "userPhone", "userBirthday"].into_iter().enumerate() {
        if let Some(Value::String(value)) = body.get(name) {
            plain[i] = Some(value.clone());
            let encrypted = session.encrypt(value).unwrap();
            body.insert(name.into(), Value::String(encrypted));
        }
    }
    if !matches!(body.get("sessionKey"), Some(v) if !v.is_string()) {
        body.insert("sessionKey".into(), Value::String(session.session_key(&fx.spki).unwrap()));
    }
    let expected = accepted(&body, &plain);
    let body = Value::Object(body);
    let (status, answer) =
        fx.call(CALLS[0], Some(&fx.bearer()), "application/json", body.to_string().into_bytes()).unwrap();
    let envelope = api_answer(status, &answer);
    assert_eq!(
        status == StatusCode::OK,
        expected,
        "{status} for {body}: {}",
        String::from_utf8_lossy(&answer)
    );
    if let Some(success) = envelope.success {
        let tx_id = success["txId"].as_str().unwrap();
        let body = json!({ "txId": tx_id }).to_string().into_bytes();
        let (status, answer) = fx.call(CALLS[1], Some(&fx.bearer()), "application/json", body).unwrap();
        let envelope = api_answer(status, &answer);
        assert_eq!(envelope.success.unwrap()["status"], "REQUESTED");
    } else {
        let code = envelope.error.unwrap().error_code;
        assert_eq!(code, "CE3000", "a field encrypted for this session was refused as {code}");
    }
}

/// Whether a request body meets the documented rules (docs/identity-verification.md), with the
/// personal fields in `plain` before their encryption.
fn accepted(body: &serde_json::Map<String, Value>, plain: &[Option<String>; 3]) -> bool {
    let text = |name: &str| body.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
    let url_ok = text("requestUrl").is_some_and(|u| u.len() <= 1024);
    match text("requestType") {
        Some("USER_NONE") => url_ok,
        Some("USER_PERSONAL") => {
            let [Some(name), Some(phone), Some(birthday)] = plain else { return false };
            url_ok
                && matches!(text("triggerType"), Some("APP_SCHEME" | "PUSH"))
                && text("sessionKey").is_some()
                && !name.is_empty()
                && !phone.is_empty()
                && !birthday.is_empty()
                && name_ok(name)
                && phone_ok(phone)
                && birthday_ok(birthday)
        }
        _ => false,
    }
}

fn name_ok(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name.chars().count() <= 50 && !name.chars().any(char::is_control)
}

fn phone_ok(phone: &str) -> bool {
    (10..=11).contains(&phone.len()) && phone.starts_with("01") && phone.bytes().all(|b| b.is_ascii_digit())
}

fn birthday_ok(birthday: &str) -> bool {
    if birthday.len() != 8 || !birthday.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (year, month, day) = (&birthday[..4], &birthday[4..6], &birthday[6..]);
    let (Ok(year), Ok(month), Ok(day)) = (year.parse::<i32>(), month.parse::<u8>(), day.parse::<u8>()) else {
        return false;
    };
    let Ok(month) = time::Month::try_from(month) else { return false };
    Date::from_calendar_date(year, month, day)
        .is_ok_and(|date| year >= 1900 && date <= OffsetDateTime::now_utc().date())
}

fn token(fx: &Fixture, mut input: Input<'_>) {
    let real = |s: &str| s.replace("CLIENT", &fx.client_id).replace("SECRET", &fx.client_secret);
    let basic = match input.byte() {
        1 => Some(format!("Basic {}", BASE64.encode(real(&input.short_string())))),
        _ => None,
    };
    let body = real(&input.rest_str());
    // Without Basic, only a form with the client's exact credentials gets a token.
    let expected = parse_form(body.as_bytes()).ok().filter(|_| basic.is_none()).map(|form| {
        form.grant_type.as_deref() == Some("client_credentials")
            && form.scope.as_deref().is_some_and(|s| s.split(' ').all(|scope| scope == "ca"))
            && form.client_id.as_deref() == Some(fx.client_id.as_str())
            && form.client_secret.as_deref() == Some(fx.client_secret.as_str())
    });
    let (status, answer) =
        fx.call("/token", basic.as_deref(), "application/x-www-form-urlencoded", body.into_bytes()).unwrap();
    assert!(!status.is_server_error(), "{status}");
    if let Some(expected) = expected {
        assert_eq!(status == StatusCode::OK, expected, "{status}");
    }
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    if status == StatusCode::OK {
        assert_eq!((answer["token_type"].as_str(), answer["scope"].as_str()), (Some("Bearer"), Some("ca")));
        let token = answer["access_token"].as_str().unwrap();
        let bearer = format!("Bearer {token}");
        let (status, answer) = fx.call(CALLS[1], Some(&bearer), "application/json", b"{}".to_vec()).unwrap();
        let envelope = api_answer(status, &answer);
        assert_eq!(envelope.error.unwrap().error_code, "CE3000", "the issued token does not authenticate");
    } else {
        assert!(matches!(status, StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED), "{status}");
        let error = answer["error"].as_str().unwrap();
        assert!(
            matches!(
                error,
                "invalid_request" | "invalid_client" | "unsupported_grant_type" | "invalid_scope"
            ),
            "{error}"
        );
    }
}

fn envelope_fixed_point(raw: &[u8]) {
    let Ok(envelope) = serde_json::from_slice::<Envelope<Value>>(raw) else { return };
    let once = serde_json::to_string(&envelope).unwrap();
    let again: Envelope<Value> = serde_json::from_str(&once).unwrap();
    assert_eq!(again, envelope);
    assert_eq!(serde_json::to_string(&again).unwrap(), once);
}

fn bearer(fx: &Fixture, header: &str) {
    let header = header.replace("TOKEN", &fx.token);
    let body = br#"{"txId":"00000000-0000-4000-8000-000000000000"}"#.to_vec();
    let Some((status, answer)) = fx.call(CALLS[1], Some(&header), "application/json", body) else { return };
    let envelope = api_answer(status, &answer);
    // A header value with anything but visible ASCII, space and tab is not read at all.
    let readable = header.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
    let presented = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).map(str::trim);
    let authenticated = envelope.error.as_ref().is_none_or(|e| e.error_code != "CE1000");
    assert_eq!(authenticated, readable && presented == Some(fx.token.as_str()), "{header:?}");
}
