//! Toss Login (토스 로그인) end to end: the simulator's code, the five partner paths through
//! real mTLS, decryption by an independent Python client (`requests` + `cryptography`) and by
//! the SDK, every error path, and the unlink callback received by a real HTTPS server.
//! (Expiry of codes and tokens is tested with injected time in `crates/login/tests`.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use intoss_client::login::LoginClient;
use intoss_client::{ClientError, Method, PartnerClient};
use intoss_proto::api::login::{BASE, PatchLoginSettings, SimLogin, SimUnlink};
use intoss_proto::logincrypto::LoginFieldKey;
use serde_json::{Value, json};

use crate::common::*;

fn login_url(s: &Server, route: &str) -> String {
    s.gateway_url(&format!("{BASE}{route}"))
}

fn sim(app: &str, user: &str, scopes: &[&str]) -> SimLogin {
    SimLogin {
        app: app.into(),
        user: user.into(),
        scopes: scopes.iter().map(|s| (*s).into()).collect(),
        agreed_terms: vec!["terms_service".into()],
        referrer: None,
    }
}

fn partner(s: &Server, id: &Identity) -> PartnerClient {
    PartnerClient::builder()
        .base_url(format!("https://{}", s.endpoints.gateway))
        .identity_files(id.cert_path(), id.key_path())
        .private_ca(s.ca_pem())
        .build()
        .unwrap()
}

async fn field_key(s: &Server, app: &str) -> LoginFieldKey {
    let settings = s.admin().login_settings(app).await.unwrap();
    LoginFieldKey::from_base64(&settings.decryption_key, settings.aad).unwrap()
}

async fn post_json(
    c: &intoss_client::HttpsClient,
    url: &str,
    body: Value,
    bearer: Option<&str>,
) -> intoss_client::Response {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    c.send(Method::POST, url, &headers, Some(body.to_string().into_bytes())).await.unwrap()
}

fn assert_invalid_grant(resp: &intoss_client::Response, status: u16) {
    assert_eq!(resp.status.as_u16(), status, "{:?}", String::from_utf8_lossy(&resp.body));
    assert_eq!(json(resp), json!({"error": "invalid_grant"}));
}

/// The issue's full flow, with the partner side written in Python: simulator login (CLI) →
/// generate-token → login-me decrypted with `cryptography` → refresh → remove → login-me fails.
#[test]
fn the_full_flow_with_an_independent_python_client() {
    if !require("python3") {
        return;
    }
    let s = Server::start();
    let id = s.app_with_cert("shop", &[]);
    let code = s.cli_ok(&[
        "sim",
        "login",
        "--app",
        "shop",
        "--user",
        "kim-toss",
        "--scopes",
        "USER_NAME,USER_PHONE,USER_BIRTHDAY,USER_GENDER,USER_NATIONALITY,USER_EMAIL",
    ]);
    let shown: Value = serde_json::from_str(&s.cli_ok(&["app", "show", "shop", "--json"])).unwrap();
    let login = &shown["login"];
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/login_flow.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(format!("https://{}", s.endpoints.gateway))
        .arg(s.data_dir().join("ca.pem"))
        .arg(id.cert_path())
        .arg(id.key_path())
        .arg(code.trim())
        .arg(login["decryption_key"].as_str().unwrap())
        .arg(login["aad"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        s.log()
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tokenType"], "Bearer");
    assert_eq!(v["expiresIn"], 3599);
    assert_eq!(
        v["scope"],
        "user_key user_name user_phone user_birthday user_gender user_nationality user_email"
    );
    assert_eq!(v["reused"], json!([400, {"error": "invalid_grant"}]), "a code is single use");
    assert_eq!(
        v["fields"],
        json!({
            "name": "김토스", "phone": "01012345678", "birthday": "19930324", "ci": null,
            "gender": "FEMALE", "nationality": "LOCAL", "email": "kim.toss@example.com"
        }),
        "consented fields decrypt; USER_CI was not consented"
    );
    assert_eq!(v["di"], Value::Null);
    assert_eq!(v["oldRefresh"], json!([400, {"error": "invalid_grant"}]), "refresh tokens rotate");
    assert_eq!(v["sameUserAfterRefresh"], true);
    assert!(v["removed"].as_i64().unwrap() > 0);
    assert_eq!(v["afterRemove"], json!([401, {"error": "invalid_grant"}]));
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}

/// The SDK's `LoginClient` and every error path over mTLS: codes and tokens of one app are
/// useless to another, userKeys are per app, missing consent gives null fields, bad
/// parameters get INVALID_PARAMETER naming the field, a user who left Toss is USER_NOT_FOUND.
#[tokio::test(flavor = "multi_thread")]
async fn sdk_flow_and_every_error_path() {
    let s = Server::start();
    let a = s.app_with_cert("app-a", &[]);
    let b = s.app_with_cert("app-b", &[]);
    let admin = s.admin();
    let (login_a, login_b) = (
        LoginClient::new(partner(&s, &a), field_key(&s, "app-a").await),
        LoginClient::new(partner(&s, &b), field_key(&s, "app-b").await),
    );

    // A code of app A presented by app B: refused, and still good for A.
    let code = admin.sim_login(&sim("app-a", "kim-toss", &["USER_NAME"])).await.unwrap();
    assert!(matches!(
        login_b.exchange(&code.authorization_code, "DEFAULT").await,
        Err(ClientError::InvalidGrant(400))
    ));
    let session = login_a.exchange(&code.authorization_code, "DEFAULT").await.unwrap();
    assert!(matches!(
        login_a.exchange(&code.authorization_code, "DEFAULT").await,
        Err(ClientError::InvalidGrant(400))
    ));
    let me = session.me().await.unwrap();
    assert_eq!(me.name.as_deref(), Some("김토스"));
    assert_eq!(
        (me.phone, me.birthday, me.ci, me.gender, me.email),
        (None, None, None, None, None),
        "no consent, null"
    );
    assert_eq!(me.user_key, code.user_key);
    assert_eq!(me.agreed_terms, vec!["terms_service".to_owned()]);

    // App A's access token presented by app B.
    let tokens = session.tokens().await;
    assert!(matches!(login_b.me(&tokens.access_token).await, Err(ClientError::InvalidGrant(401))));
    // Refresh through the session: the SDK keeps the new pair; the old refresh token is dead.
    let fresh = session.refresh_now().await.unwrap();
    assert!(matches!(login_a.refresh(&tokens.refresh_token).await, Err(ClientError::InvalidGrant(400))));
    assert_eq!(session.me().await.unwrap().user_key, me.user_key);
    assert_ne!(fresh.access_token, tokens.access_token);

    // userKey is per app; another app's key is USER_KEY_NOT_FOUND.
    let code_b = admin.sim_login(&sim("app-b", "kim-toss", &["USER_NAME"])).await.unwrap();
    assert_ne!(code_b.user_key, code.user_key);
    let raw = s.client(Some(&b));
    let r =
        post_json(&raw, &login_url(&s, "access/remove-by-user-key"), json!({"userKey": code.user_key}), None)
            .await;
    assert_fail(&r, 404, "USER_KEY_NOT_FOUND");

    // Bad parameters.
    let r = post_json(
        &raw,
        &login_url(&s, "generate-token"),
        json!({"authorizationCode": "x", "referrer": "TOSS"}),
        None,
    )
    .await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "referrer");
    let r = post_json(&raw, &login_url(&s, "generate-token"), json!({"referrer": "DEFAULT"}), None).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "authorizationCode");
    let r =
        post_json(&raw, &login_url(&s, "access/remove-by-user-key"), json!({"userKey": "abc"}), None).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "userKey");
    let r = post_json(
        &raw,
        &login_url(&s, "generate-token"),
        json!({"authorizationCode": "nope", "referrer": "DEFAULT"}),
        None,
    )
    .await;
    assert_invalid_grant(&r, 400);
    // No or a bad bearer token; wrong method; unknown path.
    let r = get(&raw, &login_url(&s, "login-me")).await.unwrap();
    assert_invalid_grant(&r, 401);
    assert!(r.headers.get("www-authenticate").is_some());
    let r = raw
        .send(Method::GET, &login_url(&s, "login-me"), &[("authorization", "Bearer forged")], None)
        .await
        .unwrap();
    assert_invalid_grant(&r, 401);
    let r = get(&raw, &login_url(&s, "generate-token")).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.headers.get("allow").unwrap(), "POST");
    let r = get(&raw, &login_url(&s, "no-such-thing")).await.unwrap();
    assert_fail(&r, 404, "NOT_FOUND");

    // Removal by userKey from app A ends the session's tokens.
    assert_eq!(login_a.remove_by_user_key(me.user_key).await.unwrap(), me.user_key);
    assert!(matches!(session.me().await, Err(ClientError::InvalidGrant(401))));
    let r = post_json(
        &s.client(Some(&a)),
        &login_url(&s, "access/remove-by-user-key"),
        json!({"userKey": me.user_key}),
        None,
    )
    .await;
    assert_fail(&r, 404, "USER_KEY_NOT_FOUND");

    // The user leaves Toss: app B's live token answers USER_NOT_FOUND.
    let session_b = login_b.exchange(&code_b.authorization_code, "DEFAULT").await.unwrap();
    admin
        .sim_unlink(&SimUnlink { app: None, user: "kim-toss".into(), reason: "WITHDRAWAL_TOSS".into() })
        .await
        .unwrap();
    let token_b = session_b.access_token().await.unwrap();
    let r = raw
        .send(
            Method::GET,
            &login_url(&s, "login-me"),
            &[("authorization", &format!("Bearer {token_b}"))],
            None,
        )
        .await
        .unwrap();
    assert_fail(&r, 404, "USER_NOT_FOUND");
}

/// The community browser mock's `mock-auth-<uuid>` codes: accepted with referrer SANDBOX by a
/// test-mode app only, mapped to its default user.
#[tokio::test(flavor = "multi_thread")]
async fn mock_codes_for_test_mode_apps() {
    let s = Server::start();
    let id = s.app_with_cert("front", &[]);
    let login = LoginClient::new(partner(&s, &id), field_key(&s, "front").await);
    let mock = "mock-auth-0f8e2c1a-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    assert!(
        matches!(login.exchange(mock, "SANDBOX").await, Err(ClientError::InvalidGrant(400))),
        "not a test-mode app"
    );
    s.cli_ok(&[
        "user",
        "create",
        "--id",
        "lee",
        "--name",
        "이토스",
        "--phone",
        "01099998888",
        "--birthday",
        "20000101",
        "--gender",
        "MALE",
    ]);
    s.cli_ok(&["app", "login", "front", "--test-mode", "true", "--default-user", "lee"]);
    let me = login.exchange(mock, "SANDBOX").await.unwrap().me().await.unwrap();
    assert_eq!(me.name.as_deref(), Some("이토스"));
    assert_eq!(me.gender.as_deref(), Some("MALE"));
    assert!(
        matches!(login.exchange(mock, "SANDBOX").await, Err(ClientError::InvalidGrant(400))),
        "single use"
    );
    // The CLI lists the user and the link the mock login made.
    let shown = s.cli_ok(&["user", "show", "lee"]);
    assert!(shown.contains("front") && shown.contains(&me.user_key.to_string()), "{shown}");
}

/// What the HTTPS receiver got: method, path and query, Authorization, body.
type Got = Arc<Mutex<Vec<(String, String, Option<String>, String)>>>;

/// An HTTPS server on 127.0.0.1 with a certificate from a CA made here; returns its address,
/// what it received, and the CA's PEM.
async fn https_receiver() -> (std::net::SocketAddr, Got, String) {
    use http_body_util::BodyExt;
    let now = time::OffsetDateTime::now_utc();
    let (ca, _) = intoss_pki::CertificateAuthority::generate("partner test CA", now).unwrap();
    let server = ca.issue_server(&["127.0.0.1".into()], intoss_pki::KeyType::EcdsaP256, now).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(intoss_client::tls::policy_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            intoss_client::tls::certs_from_pem(server.cert_pem.as_bytes(), "cert").unwrap(),
            intoss_client::tls::key_from_pem(server.key_pem.expose().as_bytes(), "key").unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got: Got = Arc::default();
    let seen = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service =
                    hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let seen = seen.clone();
                        async move {
                            let method = req.method().to_string();
                            let uri = req.uri().to_string();
                            let auth =
                                req.headers().get("authorization").map(|v| v.to_str().unwrap().to_owned());
                            let body =
                                req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            seen.lock().unwrap().push((
                                method,
                                uri,
                                auth,
                                String::from_utf8_lossy(&body).into_owned(),
                            ));
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(
                                http_body_util::Full::new(hyper::body::Bytes::from_static(b"ok")),
                            ))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, got, ca.cert_pem().to_owned())
}

async fn wait_for(got: &Got, n: usize) {
    for _ in 0..100 {
        if got.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The user's unlink in the simulator reaches the partner's HTTPS callback with the Basic
/// Auth header, as POST JSON and as GET query; the partner's own removes send nothing.
#[tokio::test(flavor = "multi_thread")]
async fn unlink_callbacks_reach_a_real_https_server_with_basic_auth() {
    let (addr, got, ca_pem) = https_receiver().await;
    let ca_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca_file.path(), ca_pem).unwrap();
    let s = Server::start_with(&format!("[webhooks]\nca_file = \"{}\"\n", ca_file.path().display()));
    let id = s.app_with_cert("hooked", &[]);
    let admin = s.admin();
    let login = LoginClient::new(partner(&s, &id), field_key(&s, "hooked").await);
    let patch = PatchLoginSettings {
        unlink_url: Some(Some(format!("https://{addr}/toss/unlink"))),
        unlink_basic_auth: Some(Some("toss:s3cret".into())),
        ..Default::default()
    };
    let settings = admin.update_login_settings("hooked", &patch).await.unwrap();
    assert!(settings.unlink_basic_auth_set);
    assert!(!serde_json::to_string(&settings).unwrap().contains("s3cret"), "never shown back");

    // The partner removes: no callback.
    let code = admin.sim_login(&sim("hooked", "kim-toss", &["USER_NAME"])).await.unwrap();
    login.exchange(&code.authorization_code, "DEFAULT").await.unwrap().remove().await.unwrap();
    let code = admin.sim_login(&sim("hooked", "kim-toss", &["USER_NAME"])).await.unwrap();
    login.exchange(&code.authorization_code, "DEFAULT").await.unwrap();
    assert_eq!(login.remove_by_user_key(code.user_key).await.unwrap(), code.user_key);

    // The user unlinks: POST JSON with Basic Auth.
    let user_key = admin.sim_login(&sim("hooked", "kim-toss", &["USER_NAME"])).await.unwrap().user_key;
    let done = admin
        .sim_unlink(&SimUnlink {
            app: Some("hooked".into()),
            user: "kim-toss".into(),
            reason: "UNLINK".into(),
        })
        .await
        .unwrap();
    assert!(done.unlinked[0].callback);
    wait_for(&got, 1).await;
    let expected_auth = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "toss:s3cret")
    );
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1, "exactly one callback, none for the removes: {got:?}");
        let (method, uri, auth, body) = &got[0];
        assert_eq!((method.as_str(), uri.as_str()), ("POST", "/toss/unlink"));
        assert_eq!(auth.as_deref(), Some(expected_auth.as_str()));
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body, json!({"userKey": user_key, "referrer": "UNLINK"}));
    }

    // GET form, for consent withdrawal.
    admin
        .update_login_settings(
            "hooked",
            &PatchLoginSettings { unlink_method: Some("GET".into()), ..Default::default() },
        )
        .await
        .unwrap();
    admin.sim_login(&sim("hooked", "kim-toss", &["USER_NAME"])).await.unwrap();
    s.cli_ok(&["sim", "unlink", "--app", "hooked", "--user", "kim-toss", "--reason", "WITHDRAWAL_TERMS"]);
    wait_for(&got, 2).await;
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 2);
    let (method, uri, auth, body) = &got[1];
    assert_eq!(method, "GET");
    assert_eq!(uri, &format!("/toss/unlink?userKey={user_key}&referrer=WITHDRAWAL_TERMS"));
    assert_eq!(auth.as_deref(), Some(expected_auth.as_str()));
    assert!(body.is_empty());
}
