//! The sandbox's state (issue 20): a seed file written at start, `intoss sandbox export` into a
//! fresh data dir with `import` giving the same API answers, `reset --app` emptying an app and
//! writing its seed again, and the refusals of each.

use intoss_client::iap::IapClient;
use intoss_client::login::LoginClient;
use intoss_client::messages::{Context, MessengerClient};
use intoss_client::pay::PayClient;
use intoss_client::promotions::PromotionClient;
use intoss_proto::api::iap::SimPurchase;
use intoss_proto::api::login::SimLogin;
use intoss_proto::api::pay::SimPayApprove;
use intoss_proto::api::sandbox::{FaultAction, NewFault};
use intoss_proto::logincrypto::LoginFieldKey;

use crate::common::*;
use crate::pay::{code, execute, partner, payment, status_by_token};

const SEED: &str = r##"
[[users]]
id = "lee"
name = "이토스"
phone = "01099998888"
birthday = "20000101"
gender = "MALE"

[[apps]]
name = "shop"
test_mode = true

[[apps.products]]
sku = "gem_100"
name = "보석 100개"
price = 1200

[[apps.templates]]
template_set_code = "order_ready"
title = "#{storeName} 주문 준비 완료"
body = "#{userName}님, 주문하신 음료가 준비됐어요."

[[apps.promotions]]
promotion_code = "WELCOME"
name = "가입 환영"
budget = 1000
per_grant_max = 300
settle_secs = 0
"##;

/// What the partner and the console see of the shop's state: each answer as the SDK reads it.
struct Activity {
    access_token: String,
    user_key: i64,
    pay_token: String,
    order_id: String,
    promo_key: String,
}

async fn answers(s: &Server, id: &Identity, a: &Activity) -> Vec<String> {
    let admin = s.admin();
    let settings = admin.login_settings("shop").await.unwrap();
    let key = LoginFieldKey::from_base64(&settings.decryption_key, settings.aad).unwrap();
    let login = LoginClient::new(partner(s, id), key);
    let pay = PayClient::new(partner(s, id));
    let status = status_by_token(&a.pay_token);
    let sandbox = admin.sandbox("shop").await.unwrap();
    vec![
        format!("{:?}", login.me(&a.access_token).await),
        format!("{:?}", pay.status(a.user_key, &status).await),
        format!("{:?}", IapClient::new(partner(s, id)).order_status(a.user_key, &a.order_id).await),
        format!(
            "{:?}",
            PromotionClient::new(partner(s, id)).result(a.user_key, "WELCOME", &a.promo_key).await
        ),
        format!("{:?}", admin.inbox("lee").await.unwrap()),
        format!("{:?}", admin.payments(Some("shop"), None, false).await.unwrap()),
        format!("{:?}", admin.products("shop").await.unwrap()),
        format!("{:?}", admin.promotions("shop").await.unwrap()),
        format!("{:?}", admin.faults("shop").await.unwrap()),
        format!("{:?}", admin.user("lee").await.unwrap()),
        format!("{} {}", sandbox.clock_offset_secs, sandbox.test_mode),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seeded_sandbox_exports_into_a_fresh_data_dir_with_the_same_answers_and_resets() {
    let files = tempfile::tempdir().unwrap();
    let seed = files.path().join("seed.toml");
    std::fs::write(&seed, SEED).unwrap();
    let s = Server::start_with(&format!("[sandbox]\nseed = {:?}\n", seed.display().to_string()));
    let admin = s.admin();

    // The seed is there, the template approved, the app in test mode.
    assert!(admin.sandbox("shop").await.unwrap().test_mode);
    assert_eq!(admin.user("lee").await.unwrap().name, "이토스");
    let id = s.issue("shop");

    // Some life: a login, a payment approved and executed, an order, a message, a promotion,
    // a fault (on a path not called here) and a day on the clock.
    s.cli_ok(&["clock", "advance", "--app", "shop", "1d"]);
    let settings = admin.login_settings("shop").await.unwrap();
    let login = LoginClient::new(
        partner(&s, &id),
        LoginFieldKey::from_base64(&settings.decryption_key, settings.aad).unwrap(),
    );
    let sim = SimLogin {
        app: "shop".into(),
        user: "lee".into(),
        scopes: vec!["USER_NAME".into(), "USER_PHONE".into()],
        agreed_terms: vec!["terms_service".into()],
        referrer: None,
    };
    let code_ = admin.sim_login(&sim).await.unwrap();
    let session = login.exchange(&code_.authorization_code, "DEFAULT").await.unwrap();
    let user_key = code_.user_key;
    let pay = PayClient::new(partner(&s, &id));
    let made = pay.make(user_key, &payment("order-1", 9900)).await.unwrap();
    admin
        .sim_pay_approve(&SimPayApprove {
            pay_token: made.pay_token.clone(),
            method: None,
            card_company_code: None,
        })
        .await
        .unwrap();
    pay.execute(user_key, &execute(&made.pay_token)).await.unwrap();
    let order = admin
        .sim_purchase(&SimPurchase {
            app: "shop".into(),
            user: "lee".into(),
            sku: "gem_100".into(),
            outcome: None,
            reason: None,
        })
        .await
        .unwrap();
    let ctx: Context = [("storeName".to_owned(), serde_json::json!("토스카페"))].into_iter().collect();
    MessengerClient::new(partner(&s, &id)).send(user_key, "order_ready", &ctx).await.unwrap();
    let promos = PromotionClient::new(partner(&s, &id));
    let promo_key = promos.get_key(user_key).await.unwrap();
    promos.execute(user_key, "WELCOME", &promo_key, 300).await.unwrap();
    admin
        .add_fault(
            "shop",
            &NewFault {
                path_prefix: "/api-partner/v1/echo".into(),
                probability: 1.0,
                action: FaultAction::Reset,
            },
        )
        .await
        .unwrap();
    let activity = Activity {
        access_token: session.tokens().await.access_token,
        user_key,
        pay_token: made.pay_token.clone(),
        order_id: order.order_id.clone(),
        promo_key,
    };
    let before = answers(&s, &id, &activity).await;
    assert!(before[0].contains("이토스") && before[1].contains("PAY_COMPLETE"), "{before:?}");

    // Export: no key, no certificate, no secret of the data dir.
    let file = files.path().join("state.json");
    s.cli_ok(&["sandbox", "export", file.to_str().unwrap()]);
    let text = std::fs::read_to_string(&file).unwrap();
    for secret in ["PRIVATE KEY", "BEGIN CERTIFICATE", &activity.access_token, &settings.decryption_key] {
        assert!(!text.contains(secret), "the export holds {secret}");
    }
    let one = s.cli_ok(&["sandbox", "export", "-", "--app", "shop"]);
    assert!(one.contains("\"apps\": [\n    \"shop\"\n  ]"), "{one}");

    // Into a fresh data dir (no seed): the same answers, with a certificate issued there.
    let fresh = Server::start();
    let out = fresh.cli_ok(&["sandbox", "import", file.to_str().unwrap()]);
    assert!(out.contains("apps shop"), "{out}");
    let fresh_id = fresh.issue("shop");
    let after = answers(&fresh, &fresh_id, &activity).await;
    assert_eq!(before, after, "an imported state answers as the exported one did");
    // The old certificate is not the fresh platform's.
    fresh.assert_refused_in_handshake(&id).await;

    // The same state as a seed: imported at the first start, left alone at the next.
    let mut seeded = Server::start_with(&format!("[sandbox]\nseed = {:?}\n", file.display().to_string()));
    let seeded_id = seeded.issue("shop");
    assert_eq!(answers(&seeded, &seeded_id, &activity).await, before, "a state seed answers the same");
    seeded.terminate();
    seeded.spawn();
    assert!(seeded.log().contains("the state's apps exist; not imported again"), "{}", seeded.log());
    assert_eq!(answers(&seeded, &seeded_id, &activity).await, before, "and a restart changes nothing");

    // Importing again is refused whole, naming the app; nothing changes.
    let again = fresh.cli(&["sandbox", "import", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success() && err.contains("ALREADY_EXISTS") && err.contains("shop"), "{err}");
    assert_eq!(answers(&fresh, &fresh_id, &activity).await, after);
    for (bad, why) in [
        (r#"{"format":"other","version":1,"exported_at":"","apps":[],"tables":[]}"#, "format"),
        (r#"{"format":"intoss-sandbox","version":2,"exported_at":"","apps":[],"tables":[]}"#, "version"),
        (
            r#"{"format":"intoss-sandbox","version":1,"exported_at":"","apps":[],"tables":[{"name":"certs","columns":[],"rows":[]}]}"#,
            "tables[0].name",
        ),
        (
            r#"{"format":"intoss-sandbox","version":1,"exported_at":"","apps":[],"tables":[{"name":"apps","columns":[{"name":"name; DROP TABLE apps","kind":"text"}],"rows":[["x"]]}]}"#,
            "tables[0].columns[0].name",
        ),
    ] {
        let path = files.path().join("bad.json");
        std::fs::write(&path, bad).unwrap();
        let out = fresh.cli(&["sandbox", "import", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("INVALID_PARAMETER") && err.contains(why),
            "{why}: {err}"
        );
    }

    // Reset on the fresh platform (no seed): the shop's state is gone, the app, its
    // certificate and test mode stay, the clock is back.
    let out = fresh.cli_ok(&["sandbox", "reset", "--app", "shop"]);
    assert!(out.contains("0 seed entr"), "{out}");
    assert!(fresh.admin().requests("shop", 0, None).await.unwrap().requests.is_empty(), "journal emptied");
    let pay_fresh = PayClient::new(partner(&fresh, &fresh_id));
    assert_eq!(code(pay_fresh.status(user_key, &status_by_token(&activity.pay_token)).await).0, 404);
    let sandbox = fresh.admin().sandbox("shop").await.unwrap();
    assert_eq!((sandbox.clock_offset_secs, sandbox.test_mode), (0, true));
    assert!(fresh.admin().faults("shop").await.unwrap().faults.is_empty());
    assert!(fresh.admin().products("shop").await.unwrap().products.is_empty());
    assert!(fresh.admin().inbox("lee").await.unwrap().messages.is_empty());

    // Reset on the seeded platform: emptied, then the seed's products, template and promotion
    // are there again (its budget unspent).
    let out = s.cli_ok(&["sandbox", "reset", "--app", "shop"]);
    assert!(out.contains("3 seed entr"), "{out}");
    assert_eq!(admin.products("shop").await.unwrap().products.len(), 1);
    assert_eq!(admin.promotions("shop").await.unwrap().promotions[0].spent, 0);
    assert!(admin.inbox("lee").await.unwrap().messages.is_empty());
    assert_eq!(code(admin.reset_app("nope").await), (404, "NOT_FOUND".into()));
}

#[test]
fn a_bad_seed_stops_the_server_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    for (seed, expected) in [
        (
            "[[users]]\nname = \"x\"\nphone = \"01011112222\"\nbirthday = \"20000101\"\ngender = \"MALE\"\n",
            "users[0]: an id is required",
        ),
        ("[[apps]]\nname = \"a\"\ncolour = \"red\"\n", "unknown field `colour`"),
        (
            "[[apps]]\nname = \"a\"\n[[apps.products]]\nsku = \"bad sku\"\nname = \"x\"\nprice = 1\n",
            "apps[0].products[0]",
        ),
        ("[[apps]]\nname = \"a\"\n[[apps]]\nname = \"a\"\n", "named twice"),
    ] {
        let path = dir.path().join("seed.toml");
        std::fs::write(&path, seed).unwrap();
        let err = serve_refused(&format!("[sandbox]\nseed = {:?}\n", path.display().to_string()));
        assert!(err.contains("sandbox seed") && err.contains(expected), "{expected}: {err}");
    }
    let err = serve_refused("[sandbox]\nseed = \"/nonexistent/seed.toml\"\n");
    assert!(err.contains("/nonexistent/seed.toml"), "{err}");
}
