//! Identity verification (토스 인증) over real TLS: tokens, the three calls under both path
//! families, every error code, the result limit under concurrency, time windows, ownership,
//! restarts, the CMS signature, and the independent Python client written from the seed.

use std::process::Command;

use base64::Engine as _;
use hyper::Method;
use intoss_client::HttpsClient;
use intoss_proto::fieldcrypto::Session;
use serde_json::{Value, json};

use crate::common::*;

/// A partner's view of the cert listener.
struct Partner {
    http: HttpsClient,
    base: String,
    client_id: String,
    client_secret: String,
    public_key: Vec<u8>,
}

impl Partner {
    fn new(s: &Server, app: &str, env: &str) -> Self {
        let created: Value = serde_json::from_str(
            &s.cli_ok(&["idv", "client", "create", "--app", app, "--env", env, "--json"]),
        )
        .unwrap();
        let pem = std::fs::read_to_string(s.data_dir().join("idv-public-key.pem")).unwrap();
        Self {
            http: s.client(None),
            base: format!("https://{}", s.endpoints.cert),
            client_id: created["client_id"].as_str().unwrap().to_owned(),
            client_secret: created["client_secret"].as_str().unwrap().to_owned(),
            public_key: intoss_pki::pem_block(&pem, "PUBLIC KEY").unwrap(),
        }
    }

    async fn token_response(&self, form: &str) -> intoss_client::Response {
        self.http
            .send(
                Method::POST,
                &format!("{}/token", self.base),
                &[("content-type", "application/x-www-form-urlencoded")],
                Some(form.as_bytes().to_vec()),
            )
            .await
            .unwrap()
    }

    async fn token(&self) -> String {
        let form = format!(
            "grant_type=client_credentials&scope=ca&client_id={}&client_secret={}",
            self.client_id, self.client_secret
        );
        let r = self.token_response(&form).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        json(&r)["access_token"].as_str().unwrap().to_owned()
    }

    async fn call(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .send(
                Method::POST,
                &format!("{}{path}", self.base),
                &[("authorization", &format!("Bearer {token}"))],
                Some(body.to_string().into_bytes()),
            )
            .await
            .unwrap();
        (r.status.as_u16(), json(&r))
    }

    fn session(&self) -> (Session, String) {
        let s = Session::generate().unwrap();
        let key = s.session_key(&self.public_key).unwrap();
        (s, key)
    }

    async fn request_personal(&self, token: &str, family: &str) -> String {
        let (s, key) = self.session();
        let body = json!({
            "requestType": "USER_PERSONAL",
            "requestUrl": "intoss://my-granite-app",
            "triggerType": "APP_SCHEME",
            "userName": s.encrypt("홍길동").unwrap(),
            "userPhone": s.encrypt("01012345678").unwrap(),
            "userBirthday": s.encrypt("19900101").unwrap(),
            "sessionKey": key,
        });
        let (status, v) = self.call(token, &format!("{family}/request"), body).await;
        assert_eq!(status, 200, "{v}");
        v["success"]["txId"].as_str().unwrap().to_owned()
    }

    async fn request_one_touch(&self, token: &str) -> String {
        let body = json!({"requestType": "USER_NONE", "requestUrl": "intoss://my-granite-app"});
        let (status, v) = self.call(token, "/api/v2/sign/user/auth/request", body).await;
        assert_eq!(status, 200, "{v}");
        v["success"]["txId"].as_str().unwrap().to_owned()
    }

    /// A result call with a fresh session; returns (status, body, the session).
    async fn result(&self, token: &str, tx: &str) -> (u16, Value, Session) {
        let (s, key) = self.session();
        let (status, v) = self
            .call(token, "/api/v2/sign/user/auth/id/result", json!({"txId": tx, "sessionKey": key}))
            .await;
        (status, v, s)
    }
}

const ID: &str = "/api/v2/sign/user/auth/id";
const PLAIN: &str = "/api/v2/sign/user/auth";

fn code(v: &Value) -> &str {
    assert_eq!(v["resultType"], "FAIL", "{v}");
    assert_eq!(v["error"]["errorType"], 0);
    assert_eq!(v["error"]["data"], json!({}));
    assert!(v["error"]["title"].is_null() && v["success"].is_null(), "{v}");
    v["error"]["errorCode"].as_str().unwrap()
}

fn decrypt_person(v: &Value, s: &Session) -> Value {
    let pd = &v["success"]["personalData"];
    let mut out = serde_json::Map::new();
    for k in ["ci", "name", "birthday", "gender", "nationality", "di", "ageGroup"] {
        let field = pd[k].as_str().unwrap_or_else(|| panic!("{k} missing in {v}"));
        assert!(field.starts_with(&format!("v1${}$", s.id())), "echoes the result session's prefix");
        out.insert(k.to_owned(), json!(s.decrypt(field).unwrap()));
    }
    assert!(pd["ci2"].is_null() && pd["ciUpdate"].is_null());
    Value::Object(out)
}

#[tokio::test]
async fn full_flow_both_request_types_and_both_path_families() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "idv-app"]);
    let p = Partner::new(&s, "idv-app", "test");
    let token = p.token().await;

    for (family, personal) in [(ID, true), (PLAIN, true), (PLAIN, false)] {
        let tx = if personal {
            p.request_personal(&token, family).await
        } else {
            p.request_one_touch(&token).await
        };
        let (_, st) = p.call(&token, &format!("{family}/status"), json!({"txId": tx})).await;
        assert_eq!(st["success"]["status"], "REQUESTED");
        let (status, v, _) = p.result(&token, &tx).await;
        assert_eq!((status, code(&v)), (400, "CE3102"), "not completed yet");

        s.cli_ok(&["idv", "open", &tx]);
        let (_, st) = p.call(&token, &format!("{family}/status"), json!({"txId": tx})).await;
        assert_eq!(st["success"]["status"], "IN_PROGRESS");
        s.cli_ok(&["idv", "complete", &tx]);
        let (_, st) = p.call(&token, &format!("{family}/status"), json!({"txId": tx})).await;
        assert_eq!(st["success"]["status"], "COMPLETED");

        let (status, v, session) = p.result(&token, &tx).await;
        assert_eq!(status, 200, "{v}");
        let r = &v["success"];
        assert_eq!((r["txId"].as_str(), r["status"].as_str()), (Some(tx.as_str()), Some("COMPLETED")));
        for k in ["userIdentifier", "userCiToken", "randomValue"] {
            assert!(r[k].is_null(), "{k}");
        }
        for k in ["completedDt", "requestedDt"] {
            let t = r[k].as_str().unwrap();
            assert!(t.len() == 25 && t.ends_with("+09:00"), "{k} = {t}");
        }
        // Test clients always get the seed's virtual person.
        let person = decrypt_person(&v, &session);
        assert_eq!(person["name"], "김토스");
        assert_eq!(person["birthday"], "19930324");
        assert_eq!(person["gender"], "FEMALE");
        assert_eq!(person["nationality"], "LOCAL");
        assert_eq!(person["ageGroup"], "ADULT");
        assert!(person["ci"].as_str().unwrap().starts_with("CI0110000000001"));
        assert!(person["di"].as_str().unwrap().starts_with("DI0110000000001"));
    }
}

#[tokio::test]
async fn request_answers_the_documented_fields_and_the_simulator_links() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "a"]);
    let p = Partner::new(&s, "a", "test");
    let token = p.token().await;
    let (sess, key) = p.session();
    let body = json!({
        "requestType": "USER_PERSONAL", "requestUrl": "intoss://x", "triggerType": "PUSH",
        "userName": sess.encrypt("김토스").unwrap(), "userPhone": sess.encrypt("01099998888").unwrap(),
        "userBirthday": sess.encrypt("19930324").unwrap(), "sessionKey": key,
    });
    let (status, v) = p.call(&token, "/api/v2/sign/user/auth/id/request", body).await;
    assert_eq!(status, 200, "{v}");
    let ok = &v["success"];
    let tx = ok["txId"].as_str().unwrap();
    assert_eq!(tx.len(), 36, "UUID");
    assert!(ok["requestedDt"].as_str().unwrap().ends_with("+09:00"));
    for k in ["appScheme", "androidAppUri", "iosAppUri"] {
        let link = ok[k].as_str().unwrap();
        assert_eq!(link, format!("https://{}/simulator/{tx}", s.endpoints.console), "{k}");
    }
    // The simulator knows who is asked.
    let shown: Value = serde_json::from_str(&s.cli_ok(&["idv", "show", tx])).unwrap();
    assert_eq!(shown["requested_person"]["name"], "김토스");
    assert_eq!(shown["app"], "a");
}

#[tokio::test]
async fn live_clients_carry_the_simulated_identity() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "live-app"]);
    let p = Partner::new(&s, "live-app", "live");
    assert!(!p.client_id.starts_with("test_") && !p.client_secret.starts_with("test_"));
    let r = p
        .token_response(&format!(
            "grant_type=client_credentials&scope=ca&client_id={}&client_secret={}",
            p.client_id, p.client_secret
        ))
        .await;
    assert_eq!(json(&r)["expires_in"], 3600, "live token lifetime");
    let token = json(&r)["access_token"].as_str().unwrap().to_owned();

    // USER_PERSONAL: by default the person is the one the request named.
    let tx = p.request_personal(&token, ID).await;
    s.cli_ok(&["idv", "complete", &tx, "--gender", "MALE"]);
    let (_, v, sess) = p.result(&token, &tx).await;
    let a = decrypt_person(&v, &sess);
    assert_eq!((a["name"].as_str(), a["birthday"].as_str()), (Some("홍길동"), Some("19900101")));
    assert_eq!(a["ci"].as_str().unwrap().len(), 88);

    // USER_NONE: the tester says who authenticates; the same person gets the same CI.
    let tx2 = p.request_one_touch(&token).await;
    s.cli_ok(&["idv", "complete", &tx2, "--name", "홍길동", "--birthday", "19900101", "--gender", "MALE"]);
    let (_, v2, sess2) = p.result(&token, &tx2).await;
    let b = decrypt_person(&v2, &sess2);
    assert_eq!(a["ci"], b["ci"], "CI is stable per person");
    let tx3 = p.request_one_touch(&token).await;
    s.cli_ok(&["idv", "complete", &tx3, "--name", "이영희", "--birthday", "20100505", "--gender", "FEMALE"]);
    let (_, v3, sess3) = p.result(&token, &tx3).await;
    let c = decrypt_person(&v3, &sess3);
    assert_ne!(a["ci"], c["ci"]);
    assert_eq!(c["ageGroup"], "MINOR");
    // A bad identity is refused by the simulator with the field named.
    let tx4 = p.request_one_touch(&token).await;
    let out = s.cli(&["idv", "complete", &tx4, "--birthday", "19991340"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("userBirthday"), "{out:?}");
}

#[tokio::test]
async fn token_endpoint_follows_rfc_6749() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "a"]);
    let p = Partner::new(&s, "a", "test");
    let good = format!("client_id={}&client_secret={}", p.client_id, p.client_secret);
    let r = p.token_response(&format!("grant_type=client_credentials&scope=ca&{good}")).await;
    let v = json(&r);
    assert_eq!(
        (v["token_type"].as_str(), v["scope"].as_str(), v["expires_in"].as_i64()),
        (Some("Bearer"), Some("ca"), Some(31_536_000))
    );
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(v["access_token"].as_str().unwrap().split('.').count(), 3, "a JWT like the seed's sample");

    for (form, status, error) in [
        (
            format!("grant_type=client_credentials&scope=ca&client_id={}&client_secret=wrong", p.client_id),
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials&scope=ca&client_id=test_nobody&client_secret=x".to_owned(),
            401,
            "invalid_client",
        ),
        (format!("scope=ca&{good}"), 400, "invalid_request"),
        (format!("grant_type=password&scope=ca&{good}"), 400, "unsupported_grant_type"),
        (format!("grant_type=client_credentials&scope=admin&{good}"), 400, "invalid_scope"),
        (format!("grant_type=client_credentials&{good}"), 400, "invalid_request"),
        (
            format!("grant_type=client_credentials&grant_type=client_credentials&scope=ca&{good}"),
            400,
            "invalid_request",
        ),
    ] {
        let r = p.token_response(&form).await;
        assert_eq!((r.status.as_u16(), json(&r)["error"].as_str()), (status, Some(error)), "{form}");
    }
    // JSON instead of a form.
    let r = p
        .http
        .send(
            Method::POST,
            &format!("{}/token", p.base),
            &[],
            Some(json!({"grant_type": "client_credentials"}).to_string().into_bytes()),
        )
        .await
        .unwrap();
    assert_eq!(json(&r)["error"], "invalid_request");
    // HTTP Basic client authentication works too.
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", p.client_id, p.client_secret));
    let r = p
        .http
        .send(
            Method::POST,
            &format!("{}/token", p.base),
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("authorization", &format!("Basic {basic}")),
            ],
            Some(b"grant_type=client_credentials&scope=ca".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    // A malformed Basic header is a failed client authentication, not a missing parameter.
    let r = p
        .http
        .send(
            Method::POST,
            &format!("{}/token", p.base),
            &[("content-type", "application/x-www-form-urlencoded"), ("authorization", "Basic !!!")],
            Some(b"grant_type=client_credentials&scope=ca".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!((r.status.as_u16(), json(&r)["error"].as_str()), (401, Some("invalid_client")));
    assert!(r.headers["www-authenticate"].to_str().unwrap().starts_with("Basic"));
}

#[tokio::test]
async fn every_error_code() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "a"]);
    s.cli_ok(&["app", "create", "b"]);
    let p = Partner::new(&s, "a", "test");
    let other = Partner::new(&s, "b", "test");
    let token = p.token().await;
    let req = |b: Value| async { p.call(&token, "/api/v2/sign/user/auth/id/request", b).await };

    // CE1000: a malformed token and a tampered one (a deleted client's is checked at the end).
    let (status, v) = p.call("nope", "/api/v2/sign/user/auth/id/status", json!({"txId": "x"})).await;
    assert_eq!((status, code(&v)), (401, "CE1000"));
    assert_eq!(v["error"]["reason"], "토큰이 유효하지 않습니다.");
    let (_, v) = p.call(&format!("{token}x"), "/api/v2/sign/user/auth/id/status", json!({"txId": "x"})).await;
    assert_eq!(code(&v), "CE1000");

    // CE3000: bad JSON, missing fields, bad values.
    let r = p
        .http
        .send(
            Method::POST,
            &format!("{}{ID}/request", p.base),
            &[("authorization", &format!("Bearer {token}"))],
            Some(b"{nope".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!((r.status.as_u16(), code(&json(&r))), (400, "CE3000"));
    for body in [
        json!({}),
        json!({"requestType": "USER_PERSONAL"}),
        json!({"requestType": "SOMETHING", "requestUrl": "x"}),
        json!({"requestType": "USER_PERSONAL", "requestUrl": "x", "triggerType": "EMAIL"}),
    ] {
        let (status, v) = req(body.clone()).await;
        assert_eq!((status, code(&v)), (400, "CE3000"), "{body}");
    }
    let (sess, key) = p.session();
    let personal = |name: &str, phone: &str, birthday: &str, key: &str| {
        json!({"requestType": "USER_PERSONAL", "requestUrl": "x", "triggerType": "APP_SCHEME",
               "userName": sess.encrypt(name).unwrap(), "userPhone": sess.encrypt(phone).unwrap(),
               "userBirthday": sess.encrypt(birthday).unwrap(), "sessionKey": key})
    };
    for (name, phone, birthday, field) in [
        ("홍길동", "010-1234-5678", "19900101", "userPhone"),
        ("홍길동", "01012345678", "19900230", "userBirthday"),
        ("", "01012345678", "19900101", "userName"),
    ] {
        let (status, v) = req(personal(name, phone, birthday, &key)).await;
        assert_eq!((status, code(&v)), (400, "CE3000"), "{field}");
        assert!(v["error"]["reason"].as_str().unwrap().contains(field), "{v}");
    }

    // CE3001: a sessionKey made with the real Toss key, a field from another session.
    let real =
        Session::generate().unwrap().session_key(&intoss_proto::fieldcrypto::toss_public_key_der()).unwrap();
    let (status, v) = req(personal("홍길동", "01012345678", "19900101", &real)).await;
    assert_eq!((status, code(&v)), (400, "CE3001"));
    assert!(v["error"]["reason"].as_str().unwrap().contains("sessionKey"), "{v}");
    let (_, other_key) = p.session();
    let (_, v) = req(personal("홍길동", "01012345678", "19900101", &other_key)).await;
    assert_eq!(code(&v), "CE3001", "fields encrypted with another session");

    // CE3100: unknown, and another client's transaction (ownership isolation).
    let (status, v) = p
        .call(
            &token,
            "/api/v2/sign/user/auth/id/status",
            json!({"txId": "00000000-0000-4000-8000-000000000000"}),
        )
        .await;
    assert_eq!((status, code(&v)), (404, "CE3100"));
    assert_eq!(v["error"]["reason"], "존재하지 않는 요청입니다");
    let tx = p.request_personal(&token, ID).await;
    let other_token = other.token().await;
    let (_, v) = other.call(&other_token, "/api/v2/sign/user/auth/id/status", json!({"txId": tx})).await;
    assert_eq!(code(&v), "CE3100");
    s.cli_ok(&["idv", "complete", &tx]);
    let (_, v, _) = other.result(&other_token, &tx).await;
    assert_eq!(code(&v), "CE3100", "another client cannot fetch the result either");

    // CE3002: the request's own sessionKey cannot fetch the result.
    let tx2 = {
        let body = personal("홍길동", "01012345678", "19900101", &key);
        let (_, v) = req(body).await;
        v["success"]["txId"].as_str().unwrap().to_owned()
    };
    s.cli_ok(&["idv", "complete", &tx2]);
    let (_, v) =
        p.call(&token, "/api/v2/sign/user/auth/id/result", json!({"txId": tx2, "sessionKey": key})).await;
    assert_eq!(code(&v), "CE3002");

    // CE3101: a third successful call.
    assert_eq!(p.result(&token, &tx).await.0, 200);
    assert_eq!(p.result(&token, &tx).await.0, 200);
    let (_, v, _) = p.result(&token, &tx).await;
    assert_eq!(code(&v), "CE3101");

    // CE3103: expired by the simulator, and expired by time.
    let tx3 = p.request_one_touch(&token).await;
    s.cli_ok(&["idv", "expire", &tx3]);
    let (_, st) = p.call(&token, "/api/v2/sign/user/auth/id/status", json!({"txId": tx3})).await;
    assert_eq!(st["success"]["status"], "EXPIRED");
    let (_, v, _) = p.result(&token, &tx3).await;
    assert_eq!(code(&v), "CE3103");
    // Expired by time: app a's test clock moves (`intoss clock advance`, which replaced
    // `idv age`); app b's transactions and the access token stay on wall-clock time.
    let tx4 = p.request_one_touch(&token).await;
    let other_tx = other.request_one_touch(&other_token).await;
    s.cli_ok(&["clock", "advance", "--app", "a", "590s"]);
    let (_, st) = p.call(&token, "/api/v2/sign/user/auth/id/status", json!({"txId": tx4})).await;
    assert_eq!(st["success"]["status"], "REQUESTED", "not yet: 10 minutes by default");
    s.cli_ok(&["clock", "advance", "--app", "a", "10s"]);
    let (_, st) =
        other.call(&other_token, "/api/v2/sign/user/auth/id/status", json!({"txId": other_tx})).await;
    assert_eq!(st["success"]["status"], "REQUESTED", "another app's clock did not move");
    let (_, st) = p.call(&token, "/api/v2/sign/user/auth/id/status", json!({"txId": tx4})).await;
    assert_eq!(st["success"]["status"], "EXPIRED");
    let out = s.cli(&["idv", "complete", &tx4]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("INVALID_STATE"),
        "an expired request cannot complete"
    );

    // CE3200: the 60-minute window after completion.
    let tx5 = p.request_one_touch(&token).await;
    s.cli_ok(&["idv", "complete", &tx5]);
    // (A few seconds of slack: the wall clock moves while the CLI runs.)
    s.cli_ok(&["clock", "advance", "--app", "a", "59m50s"]);
    assert_eq!(p.result(&token, &tx5).await.0, 200, "59:50 after completion");
    s.cli_ok(&["clock", "advance", "--app", "a", "10s"]);
    let (_, v, _) = p.result(&token, &tx5).await;
    assert_eq!(code(&v), "CE3200");

    // Deleting the client ends its tokens at once.
    s.cli_ok(&["idv", "client", "delete", &p.client_id]);
    let (status, v) = p.call(&token, "/api/v2/sign/user/auth/id/status", json!({"txId": tx})).await;
    assert_eq!((status, code(&v)), (401, "CE1000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_result_calls_yield_exactly_two() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "a"]);
    let p = std::sync::Arc::new(Partner::new(&s, "a", "test"));
    let token = std::sync::Arc::new(p.token().await);
    let tx = p.request_one_touch(&token).await;
    s.cli_ok(&["idv", "complete", &tx]);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let (p, token, tx) = (p.clone(), token.clone(), tx.clone());
        tasks.spawn(async move { p.result(&token, &tx).await });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        let (status, v, _) = r.unwrap();
        if status == 200 {
            ok += 1;
        } else {
            assert_eq!(code(&v), "CE3101");
        }
    }
    assert_eq!(ok, 2);
}

#[tokio::test]
async fn restart_in_the_middle_of_a_flow_loses_nothing() {
    let mut s = Server::start();
    s.cli_ok(&["app", "create", "a"]);
    let p = Partner::new(&s, "a", "test");
    let token = p.token().await;
    let tx = p.request_personal(&token, ID).await;
    s.kill9();
    s.spawn();
    let p = Partner { base: format!("https://{}", s.endpoints.cert), http: s.client(None), ..p };
    // The token, the client and the transaction survive.
    let (_, st) = p.call(&token, "/api/v2/sign/user/auth/id/status", json!({"txId": tx})).await;
    assert_eq!(st["success"]["status"], "REQUESTED");
    s.cli_ok(&["idv", "complete", &tx]);
    assert_eq!(p.result(&token, &tx).await.0, 200);
    s.kill9();
    s.spawn();
    let p = Partner { base: format!("https://{}", s.endpoints.cert), http: s.client(None), ..p };
    assert_eq!(p.result(&token, &tx).await.0, 200, "the second call");
    let (_, v, _) = p.result(&token, &tx).await;
    assert_eq!(code(&v), "CE3101", "the count survived the restart");
}

#[tokio::test]
async fn signature_is_cms_signed_by_the_sandbox_toss_ca_and_validates() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "signed"]);
    let p = Partner::new(&s, "signed", "test");
    let token = p.token().await;
    let tx = p.request_one_touch(&token).await;
    s.cli_ok(&["idv", "complete", &tx]);
    let (_, v, _) = p.result(&token, &tx).await;
    let der = base64::engine::general_purpose::STANDARD
        .decode(v["success"]["signature"].as_str().unwrap())
        .unwrap();
    let sig_path = s.dir.path().join("sig.der");
    std::fs::write(&sig_path, &der).unwrap();
    if require("openssl") {
        let out = Command::new("openssl")
            .args(["cms", "-verify", "-inform", "DER", "-in"])
            .arg(&sig_path)
            .arg("-CAfile")
            .arg(s.data_dir().join("toss-sandbox-ca.pem"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let content: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(content["txId"], tx.as_str());
        assert_eq!(content["partnerCode"], "signed");
        assert_eq!(content["serviceType"], "간편인증");
        // Signed by another CA: refused.
        let out = Command::new("openssl")
            .args(["cms", "-verify", "-inform", "DER", "-in"])
            .arg(&sig_path)
            .arg("-CAfile")
            .arg(s.data_dir().join("ca.pem"))
            .output()
            .unwrap();
        assert!(!out.status.success());
    }
    // As the SDK does: extract the signer certificate and ask the platform about it.
    let signer = intoss_pki::signer_certificate(&der).unwrap();
    let info = intoss_pki::parse_cert_der(&signer).unwrap();
    assert_eq!(info.common_name.as_deref(), Some("김토스"));
    let pem = intoss_pki::der_to_pem("CERTIFICATE", &signer);
    let (status, v) = p.call(&token, "/api/v1/certificate/validate", json!({"certificate": pem})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["success"], json!({"valid": true, "enabled": true}));
    let foreign = std::fs::read_to_string(s.data_dir().join("ca.pem")).unwrap();
    let (_, v) = p.call(&token, "/api/v1/certificate/validate", json!({"certificate": foreign})).await;
    assert_eq!(v["success"]["valid"], false);
    let (_, v) = p.call(&token, "/api/v1/certificate/validate", json!({"certificate": "junk"})).await;
    assert_eq!(code(&v), "CE3000");
}

#[tokio::test]
async fn public_key_is_served_and_matches_the_data_dir() {
    let s = Server::start();
    let http = s.client(None);
    let r = get(&http, &format!("https://{}/api/v2/sign/public-key", s.endpoints.cert)).await.unwrap();
    let served = String::from_utf8(r.body.to_vec()).unwrap();
    assert_eq!(served, std::fs::read_to_string(s.data_dir().join("idv-public-key.pem")).unwrap());
    let der = intoss_pki::pem_block(&served, "PUBLIC KEY").unwrap();
    assert!(der.len() > 540, "RSA-4096");
}

/// The independent client written from the seed alone (Python requests + cryptography).
#[test]
fn independent_python_client_runs_the_full_flow() {
    if !require("python3") {
        return;
    }
    let has = Command::new("python3")
        .args(["-c", "import requests, cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        assert!(
            std::env::var("INTOSS_REQUIRE_INTEROP").as_deref() != Ok("1"),
            "pip install requests cryptography"
        );
        return;
    }
    let s = Server::start();
    s.cli_ok(&["app", "create", "py"]);
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/idv_client.py");
    let simulate = format!("{} idv complete {{txId}} --data-dir {}", bin().display(), s.data_dir().display());
    for (env, request_type, paths, expect) in [
        (
            "test",
            "USER_PERSONAL",
            "id",
            r#"{"name":"김토스","birthday":"19930324","gender":"FEMALE","nationality":"LOCAL","ageGroup":"ADULT"}"#,
        ),
        ("test", "USER_NONE", "plain", r#"{"name":"김토스"}"#),
        ("live", "USER_PERSONAL", "id", r#"{"name":"김철수","birthday":"19850615","gender":"MALE"}"#),
    ] {
        let created: Value = serde_json::from_str(
            &s.cli_ok(&["idv", "client", "create", "--app", "py", "--env", env, "--json"]),
        )
        .unwrap();
        let out = Command::new("python3")
            .arg(&script)
            .args(["--token-url", &format!("https://{}/token", s.endpoints.cert)])
            .args(["--api-base", &format!("https://{}", s.endpoints.cert)])
            .args(["--client-id", created["client_id"].as_str().unwrap()])
            .args(["--client-secret", created["client_secret"].as_str().unwrap()])
            .args(["--public-key", s.data_dir().join("idv-public-key.pem").to_str().unwrap()])
            .args(["--ca", s.data_dir().join("ca.pem").to_str().unwrap()])
            .args(["--simulate-cmd", &simulate])
            .args(["--request-type", request_type, "--paths", paths])
            .args(["--name", "김철수", "--phone", "01055556666", "--birthday", "19850615"])
            .args(["--expect-json", expect])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{env} {request_type} {paths}: exit {:?}\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
