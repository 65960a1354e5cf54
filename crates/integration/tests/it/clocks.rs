//! Per-app test clocks (issue 20): `intoss clock advance` moves one app's time for its Toss
//! Login codes and tokens, Toss Pay approvals, promotion keys and certificate expiry warnings,
//! through the real gateway and console, and leaves another app's and TLS validity alone.
//! (Identity verification's expiry and result window under the clock: `idv::every_error_code`.)

use std::time::{Duration, Instant};

use intoss_client::ClientError;
use intoss_client::login::LoginClient;
use intoss_client::pay::PayClient;
use intoss_client::promotions::PromotionClient;
use intoss_proto::api::login::SimLogin;
use intoss_proto::logincrypto::LoginFieldKey;

use crate::common::*;
use crate::pay::{code, partner, payment, user_key};

fn sim(app: &str) -> SimLogin {
    SimLogin {
        app: app.into(),
        user: "kim-toss".into(),
        scopes: vec!["USER_NAME".into()],
        agreed_terms: vec![],
        referrer: None,
    }
}

async fn login(s: &Server, app: &str, id: &Identity) -> LoginClient {
    let settings = s.admin().login_settings(app).await.unwrap();
    LoginClient::new(
        partner(s, id),
        LoginFieldKey::from_base64(&settings.decryption_key, settings.aad).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_clock_moves_one_apps_expiries_and_not_another_apps() {
    let s = Server::start_with("[expiry]\nscan_interval_ms = 300\n");
    let timed = s.app_with_cert("timed", &[]);
    let steady = s.app_with_cert("steady", &[]);
    let admin = s.admin();
    let (login_t, login_s) = (login(&s, "timed", &timed).await, login(&s, "steady", &steady).await);

    // Toss Login: a code (10 minutes) expires when its app's clock passes 11 minutes; the
    // other app's code, made at the same moment, still works.
    let (code_t, code_s) =
        (admin.sim_login(&sim("timed")).await.unwrap(), admin.sim_login(&sim("steady")).await.unwrap());
    let out = s.cli_ok(&["clock", "advance", "--app", "timed", "11m"]);
    assert!(out.contains("660 s ahead") && out.contains("test mode off"), "{out}");
    assert!(matches!(
        login_t.exchange(&code_t.authorization_code, "DEFAULT").await,
        Err(ClientError::InvalidGrant(400))
    ));
    let session_s = login_s.exchange(&code_s.authorization_code, "DEFAULT").await.unwrap();

    // A code made after the advance is made on the app's clock, so it works; its access token
    // (an hour) ends when the clock moves another 61 minutes.
    let code_t = admin.sim_login(&sim("timed")).await.unwrap();
    let session_t = login_t.exchange(&code_t.authorization_code, "DEFAULT").await.unwrap();
    session_t.me().await.unwrap();
    let access = session_t.tokens().await.access_token;
    assert_eq!(admin.advance_clock("timed", "61m").await.unwrap().clock_offset_secs, 660 + 3660);
    assert!(matches!(login_t.me(&access).await, Err(ClientError::InvalidGrant(401))));
    session_s.me().await.expect("the other app's token is on wall-clock time");

    // Toss Pay: a payment awaiting approval (15 minutes) is canceled once the clock passes it;
    // the simulator's approval is judged by the payment's app's clock.
    let key_t = user_key(&s, "timed", "kim-toss").await;
    let pay_t = PayClient::new(partner(&s, &timed));
    let made = pay_t.make(key_t, &payment("clock-0001", 1000)).await.unwrap();
    let key_s = user_key(&s, "steady", "kim-toss").await;
    let pay_s = PayClient::new(partner(&s, &steady));
    let made_s = pay_s.make(key_s, &payment("clock-0001", 1000)).await.unwrap();
    s.cli_ok(&["clock", "advance", "--app", "timed", "901s"]);
    let out = s.cli(&["sim", "pay", "approve", &made.pay_token]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("PAYMENT_CANCELED"));
    let pending = s.cli_ok(&["sim", "pay", "list"]);
    assert!(!pending.contains(&made.pay_token) && pending.contains(&made_s.pay_token), "{pending}");
    s.cli_ok(&["sim", "pay", "approve", &made_s.pay_token]);

    // Promotions: a key (an hour) is refused (4110) after the clock moves past it.
    s.cli_ok(&[
        "app",
        "promotion",
        "add",
        "timed",
        "--code",
        "WELCOME",
        "--name",
        "환영",
        "--budget",
        "1000",
        "--per-grant-max",
        "100",
        "--settle-secs",
        "0",
    ]);
    let promos = PromotionClient::new(partner(&s, &timed));
    let fresh = promos.get_key(key_t).await.unwrap();
    let stale = promos.get_key(key_t).await.unwrap();
    promos.execute(key_t, "WELCOME", &fresh, 10).await.unwrap();
    s.cli_ok(&["clock", "advance", "--app", "timed", "1h1s"]);
    assert_eq!(code(promos.execute(key_t, "WELCOME", &stale, 10).await), (409, "4110".into()));

    // Certificates: 361 days on, the app's certificate is within its 30-day warning and the
    // expiry scan records the warning; the handshake still goes by wall-clock time (whoami
    // works), and the other app's certificate has no warning.
    s.cli_ok(&["clock", "advance", "--app", "timed", "361d"]);
    let cert = &admin.list_certs(Some("timed")).await.unwrap().certs[0];
    assert_eq!(cert.expiry_warning, Some(30), "{cert:?}");
    assert!(cert.days_left >= 389, "days left stay by wall-clock time: {}", cert.days_left);
    assert_eq!(admin.list_certs(Some("steady")).await.unwrap().certs[0].expiry_warning, None);
    let r = get(&s.client(Some(&timed)), &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(json(&r)["resultType"], "SUCCESS");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let notices = admin.expiry_notices().await.unwrap().notices;
        if let Some(n) = notices.iter().find(|n| n.app == "timed") {
            assert_eq!(n.threshold_days, 30);
            assert!(notices.iter().all(|n| n.app != "steady"));
            break;
        }
        assert!(Instant::now() < deadline, "no expiry warning by the app's clock: {notices:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Refusals name the field; an unknown app is 404; a reset puts the clock back.
    let (status, err) = code(admin.advance_clock("timed", "8x").await);
    assert_eq!((status, err.as_str()), (400, "INVALID_PARAMETER"));
    assert_eq!(code(admin.advance_clock("timed", "0s").await).0, 400);
    assert_eq!(code(admin.advance_clock("nope", "1d").await), (404, "NOT_FOUND".into()));
    assert_eq!(code(admin.reset_clock("nope").await), (404, "NOT_FOUND".into()));
    assert_eq!(code(admin.sandbox("nope").await), (404, "NOT_FOUND".into()));
    assert_eq!(code(admin.set_test_mode("nope", true).await), (404, "NOT_FOUND".into()));
    let out = s.cli(&["clock", "advance", "--app", "timed", "3651d"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("3650 days"));
    let shown = s.cli_ok(&["clock", "show", "--app", "timed"]);
    let expected = 660 + 3660 + 901 + 3601 + 361 * 86_400;
    assert!(shown.contains(&format!("{expected} s ahead")), "{shown}");
    let reset = s.cli_ok(&["clock", "reset", "--app", "timed"]);
    assert!(reset.contains("(0 s ahead"), "{reset}");
    assert_eq!(admin.list_certs(Some("timed")).await.unwrap().certs[0].expiry_warning, None);
}
