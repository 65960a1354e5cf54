//! Toss Pay (토스페이) and in-app purchase (인앱 결제) end to end through real mTLS: the whole
//! state machine with the SDK's `PayClient`, the user's approval in the simulator (CLI and admin
//! API), every refused transition and input, another app's payToken, 100 concurrent executions
//! of one payment, SIGKILL during a burst of executions; in-app purchase's orders in every
//! status. (Expiry of the approval time is tested with injected time in `crates/pay/tests`; the
//! burst over two nodes on PostgreSQL is in `cluster`.)

use intoss_client::pay::PayClient;
use intoss_client::{ClientError, Method, PartnerClient};
use intoss_proto::api::login::SimLogin;
use intoss_proto::api::pay::{
    BASE, ExecutePayment, GetPaymentStatus, MakePayment, PatchPaySettings, RefundPayment, SimPayApprove,
};
use serde_json::{Value, json};

use crate::common::*;

pub(crate) fn partner(s: &Server, id: &Identity) -> PartnerClient {
    PartnerClient::builder()
        .base_url(format!("https://{}", s.endpoints.gateway))
        .identity_files(id.cert_path(), id.key_path())
        .private_ca(s.ca_pem())
        .build()
        .unwrap()
}

/// Logs `user` in to `app` in the simulator; the app's userKey for them.
pub(crate) async fn user_key(s: &Server, app: &str, user: &str) -> i64 {
    let login = SimLogin {
        app: app.into(),
        user: user.into(),
        scopes: vec!["USER_NAME".into()],
        agreed_terms: vec![],
        referrer: None,
    };
    s.admin().sim_login(&login).await.unwrap().user_key
}

pub(crate) fn payment(order_no: &str, amount: i64) -> MakePayment {
    MakePayment::new(order_no, "프리미엄 이용권 1개월", amount, true)
}

pub(crate) fn execute(pay_token: &str) -> ExecutePayment {
    ExecutePayment { pay_token: pay_token.into(), order_no: None, is_test_payment: true }
}

fn refund(pay_token: &str, amount: Option<i64>, refund_no: Option<&str>) -> RefundPayment {
    RefundPayment {
        pay_token: pay_token.into(),
        reason: "고객요청환불".into(),
        amount,
        amount_tax_free: None,
        refund_no: refund_no.map(Into::into),
        is_test_payment: true,
    }
}

pub(crate) fn status_by_token(pay_token: &str) -> GetPaymentStatus {
    GetPaymentStatus { pay_token: Some(pay_token.into()), order_no: None, is_test_payment: true }
}

/// The code of a FAIL the SDK decoded.
#[track_caller]
pub(crate) fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> (u16, String) {
    match r {
        Err(ClientError::Api(f)) => (f.status, f.code),
        other => panic!("expected a FAIL envelope, got {other:?}"),
    }
}

/// A raw POST to a Toss Pay path, with `user_key` as the header when given.
async fn raw(
    c: &intoss_client::HttpsClient,
    s: &Server,
    route: &str,
    user_key: Option<&str>,
    body: &Value,
) -> intoss_client::Response {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(k) = user_key {
        headers.push(("x-toss-user-key", k));
    }
    c.send(
        Method::POST,
        &s.gateway_url(&format!("{BASE}{route}")),
        &headers,
        Some(body.to_string().into_bytes()),
    )
    .await
    .unwrap()
}

/// The state machine: make → (execute refused) → the user approves in the simulator →
/// execute → (again refused) → partial refunds with negative transactions → refund of more than
/// is left refused → a refund retried with its refundNo answers the same refund → nothing left.
#[tokio::test(flavor = "multi_thread")]
async fn the_whole_life_of_a_payment() {
    let s = Server::start();
    let id = s.app_with_cert("shop", &[]);
    let key = user_key(&s, "shop", "kim-toss").await;
    let pay = PayClient::new(partner(&s, &id));

    let made = pay.make(key, &payment("order-0001", 9900)).await.unwrap();
    assert!(made.pay_token.len() <= 30, "{}", made.pay_token);
    let st = pay.status(key, &status_by_token(&made.pay_token)).await.unwrap();
    assert_eq!((st.pay_status.as_str(), st.mode.as_str(), st.paid_amount), ("PAY_STANDBY", "TEST", 0));
    assert!(st.transactions.is_empty());
    assert_eq!(code(pay.execute(key, &execute(&made.pay_token)).await), (409, "PAYMENT_NOT_APPROVED".into()));
    assert_eq!(
        code(pay.refund(key, &refund(&made.pay_token, None, None)).await),
        (409, "PAYMENT_NOT_REFUNDABLE".into()),
        "an unpaid payment has nothing to refund"
    );

    // The user sees it pending and approves it with a 하나카드 card (the CLI of the simulator).
    let pending = s.cli_ok(&["sim", "pay", "list", "--app", "shop"]);
    assert!(pending.contains(&made.pay_token) && pending.contains("PAY_STANDBY"), "{pending}");
    let approved = s.cli_ok(&["sim", "pay", "approve", &made.pay_token, "--card", "21"]);
    assert!(approved.contains("approved") && approved.contains("CARD"), "{approved}");
    assert!(
        !s.cli_ok(&["sim", "pay", "list", "--app", "shop"]).contains(&made.pay_token),
        "no longer pending"
    );
    let st = pay.status(key, &status_by_token(&made.pay_token)).await.unwrap();
    assert_eq!(st.pay_status, "PAY_APPROVED");

    let done = pay.execute(key, &execute(&made.pay_token)).await.unwrap();
    assert_eq!(
        (done.mode.as_str(), done.order_no.as_str(), done.amount, done.paid_amount),
        ("TEST", "order-0001", 9900, 9900)
    );
    assert_eq!((done.pay_method.as_str(), done.state_msg.as_str()), ("CARD", "결제 완료"));
    assert_eq!(
        (done.card_company_code.as_deref(), done.card_company_name.as_deref()),
        (Some("21"), Some("하나카드"))
    );
    assert_eq!(done.approval_time.len(), "yyyy-MM-dd HH:mm:ss".len(), "{}", done.approval_time);
    assert_eq!(
        code(pay.execute(key, &execute(&made.pay_token)).await),
        (409, "PAYMENT_ALREADY_COMPLETED".into()),
        "executed once"
    );

    // Partial refund, then more than is left, then the rest (retried with its refundNo).
    let r1 = pay.refund(key, &refund(&made.pay_token, Some(3000), None)).await.unwrap();
    assert_eq!((r1.refunded_amount, r1.refundable_amount, r1.paid_amount), (3000, 6900, 9900));
    assert_eq!(
        code(pay.refund(key, &refund(&made.pay_token, Some(7000), None)).await),
        (409, "REFUND_AMOUNT_EXCEEDED".into())
    );
    let r2 = pay.refund(key, &refund(&made.pay_token, None, Some("refund-2"))).await.unwrap();
    assert_eq!((r2.refunded_amount, r2.refundable_amount), (6900, 0));
    let again = pay.refund(key, &refund(&made.pay_token, None, Some("refund-2"))).await.unwrap();
    assert_eq!((again.transaction_id, again.refunded_amount), (r2.transaction_id.clone(), 6900), "a replay");
    assert_eq!(
        code(pay.refund(key, &refund(&made.pay_token, Some(1), None)).await),
        (409, "PAYMENT_NOT_REFUNDABLE".into()),
        "refunded in full"
    );

    let st = pay
        .status(
            key,
            &GetPaymentStatus { pay_token: None, order_no: Some("order-0001".into()), is_test_payment: true },
        )
        .await
        .unwrap();
    assert_eq!((st.pay_status.as_str(), st.refundable_amount, st.paid_amount), ("REFUND_SUCCESS", 0, 9900));
    let steps: Vec<(&str, i64)> =
        st.transactions.iter().map(|t| (t.step_type.as_str(), t.transaction_amount)).collect();
    assert_eq!(steps, [("PAY", 9900), ("REFUND", -3000), ("REFUND", -6900)]);
    assert_eq!(st.transactions[0].transaction_id, done.transaction_id);
    assert!(st.paid_ts.is_some());

    // The admin API shows the same payment and transactions.
    let shown = s.admin().payment(&made.pay_token).await.unwrap();
    assert_eq!(
        (shown.status.as_str(), shown.refunded_amount, shown.transactions.len()),
        ("REFUND_SUCCESS", 9900, 3)
    );
    let out = s.cli_ok(&["sim", "pay", "show", &made.pay_token]);
    assert!(out.contains("REFUND") && out.contains("-6900"), "{out}");

    // An orderNo is never reusable, whatever became of its payment.
    assert_eq!(
        code(pay.make(key, &payment("order-0001", 100)).await),
        (409, "PAYMENT_EXISTING_PAYMENT".into())
    );
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}

/// The user declines; an app never sees another app's payments; every bad input is
/// INVALID_PARAMETER naming its field; wrong method and path.
#[tokio::test(flavor = "multi_thread")]
async fn declines_other_apps_and_every_bad_input() {
    let s = Server::start();
    let a = s.app_with_cert("app-a", &[]);
    let b = s.app_with_cert("app-b", &[]);
    let (key_a, key_b) = (user_key(&s, "app-a", "kim-toss").await, user_key(&s, "app-b", "kim-toss").await);
    let (pay_a, pay_b) = (PayClient::new(partner(&s, &a)), PayClient::new(partner(&s, &b)));

    // Declined in the simulator: executing is PAYMENT_CANCELED, approving afterwards too.
    let made = pay_a.make(key_a, &payment("declined-1", 1000)).await.unwrap();
    s.cli_ok(&["sim", "pay", "decline", &made.pay_token]);
    assert_eq!(code(pay_a.execute(key_a, &execute(&made.pay_token)).await), (409, "PAYMENT_CANCELED".into()));
    let out = s.cli(&["sim", "pay", "approve", &made.pay_token]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("PAYMENT_CANCELED"));
    let st = pay_a.status(key_a, &status_by_token(&made.pay_token)).await.unwrap();
    assert_eq!(st.pay_status, "PAY_CANCEL");

    // App B with app A's payToken (and its own userKey, or A's): not found, and A's payment is
    // untouched.
    let made = pay_a.make(key_a, &payment("a-order", 5000)).await.unwrap();
    s.admin()
        .sim_pay_approve(&SimPayApprove {
            pay_token: made.pay_token.clone(),
            method: None,
            card_company_code: None,
        })
        .await
        .unwrap();
    for key in [key_b, key_a] {
        assert_eq!(code(pay_b.execute(key, &execute(&made.pay_token)).await).0, 404);
        assert_eq!(
            code(pay_b.status(key, &status_by_token(&made.pay_token)).await),
            (404, "NOT_FOUND".into())
        );
        assert_eq!(code(pay_b.refund(key, &refund(&made.pay_token, None, None)).await).0, 404);
    }
    // A's userKey is not a user of app B; and the orderNo space is per app.
    assert_eq!(code(pay_b.make(key_a, &payment("a-order", 5000)).await), (404, "USER_KEY_NOT_FOUND".into()));
    pay_b.make(key_b, &payment("a-order", 5000)).await.unwrap();
    // Execute with another user's key of the same app: not found.
    s.cli_ok(&[
        "user",
        "create",
        "--id",
        "lee-toss",
        "--name",
        "이토스",
        "--phone",
        "01099998888",
        "--birthday",
        "20000101",
        "--gender",
        "MALE",
    ]);
    let other = user_key(&s, "app-a", "lee-toss").await;
    assert_eq!(code(pay_a.execute(other, &execute(&made.pay_token)).await).0, 404);
    assert_eq!(pay_a.execute(key_a, &execute(&made.pay_token)).await.unwrap().paid_amount, 5000);

    // Bad inputs, each naming its field.
    let c = s.client(Some(&a));
    let k = key_a.to_string();
    let good = json!({"orderNo": "x-1", "productDesc": "상품", "amount": 100, "amountTaxFree": 0, "isTestPayment": true});
    let with = |field: &str, v: Value| {
        let mut b = good.clone();
        b[field] = v;
        b
    };
    for (body, field) in [
        (with("orderNo", json!("o".repeat(51))), "orderNo"),
        (with("orderNo", json!("주문-1")), "orderNo"),
        (with("productDesc", json!("say \"hi\"")), "productDesc"),
        (with("productDesc", json!("a".repeat(256))), "productDesc"),
        (with("amount", json!(0)), "amount"),
        (with("amountTaxFree", json!(101)), "amountTaxFree"),
        (with("enablePayMethods", json!("BITCOIN")), "enablePayMethods"),
        (with("installment", json!("MAYBE")), "installment"),
    ] {
        let r = raw(&c, &s, "make-payment", Some(&k), &body).await;
        assert_fail(&r, 400, "INVALID_PARAMETER");
        assert_eq!(json(&r)["error"]["field"], field, "{body}");
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("isTestPayment");
    let r = raw(&c, &s, "make-payment", Some(&k), &missing).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    let r = raw(&c, &s, "make-payment", None, &good).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "x-toss-user-key");
    let r = raw(&c, &s, "make-payment", Some("abc"), &good).await;
    assert_eq!(json(&r)["error"]["field"], "x-toss-user-key");
    let r = raw(&c, &s, "make-payment", Some("12345"), &good).await;
    assert_fail(&r, 404, "USER_KEY_NOT_FOUND");
    let refund_body = json!({"payToken": made.pay_token, "reason": "고객 요청", "isTestPayment": true});
    let r = raw(&c, &s, "refund-payment", Some(&k), &refund_body).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "reason", "the documented set has no space");
    let r = raw(&c, &s, "get-payment-status", Some(&k), &json!({"isTestPayment": true})).await;
    assert_eq!(json(&r)["error"]["field"], "payToken");
    // isTestPayment must say what make-payment said.
    let r = raw(
        &c,
        &s,
        "get-payment-status",
        Some(&k),
        &json!({"payToken": made.pay_token, "isTestPayment": false}),
    )
    .await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "isTestPayment");

    // Wrong method, unknown path.
    let r = get(&c, &s.gateway_url(&format!("{BASE}make-payment"))).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.headers.get("allow").unwrap(), "POST");
    let r = raw(&c, &s, "cancel-payment", Some(&k), &good).await;
    assert_fail(&r, 404, "NOT_FOUND");
}

/// The other reading of `isTestPayment` as a per-app setting, and refusing live payments.
#[tokio::test(flavor = "multi_thread")]
async fn the_is_test_payment_readings() {
    let s = Server::start();
    let id = s.app_with_cert("reader", &[]);
    let key = user_key(&s, "reader", "kim-toss").await;
    let pay = PayClient::new(partner(&s, &id));
    let mut live = payment("live-1", 100);
    live.is_test_payment = false;
    let made = pay.make(key, &live).await.unwrap();
    assert_eq!(s.admin().payment(&made.pay_token).await.unwrap().mode, "LIVE", "TRUE_IS_TEST by default");

    let shown = s.cli_ok(&[
        "app",
        "pay",
        "reader",
        "--test-payment-reading",
        "FALSE_IS_TEST",
        "--refuse-live",
        "true",
    ]);
    assert!(shown.contains("FALSE_IS_TEST") && shown.contains("refused"), "{shown}");
    let mut test = payment("test-1", 100);
    test.is_test_payment = false;
    let made = pay.make(key, &test).await.unwrap();
    assert_eq!(s.admin().payment(&made.pay_token).await.unwrap().mode, "TEST");
    let (status, _) = code(pay.make(key, &payment("live-2", 100)).await);
    assert_eq!(status, 400, "true now means live, and the app refuses live payments");
    let settings = s
        .admin()
        .update_pay_settings("reader", &PatchPaySettings { approval_ttl_secs: Some(5), ..Default::default() })
        .await;
    assert_eq!(code(settings), (400, "INVALID_PARAMETER".into()));
    let shown: Value = serde_json::from_str(&s.cli_ok(&["app", "show", "reader", "--json"])).unwrap();
    assert_eq!(shown["pay"]["test_payment_reading"], "FALSE_IS_TEST");
}

/// 100 concurrent execute calls for one payToken through the gateway: exactly one
/// PAY_COMPLETE, one PAY transaction, 99 PAYMENT_ALREADY_COMPLETED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_executions_complete_once() {
    let s = Server::start();
    let id = s.app_with_cert("burst", &["--qpm", "100000"]);
    let key = user_key(&s, "burst", "kim-toss").await;
    let pay = PayClient::new(partner(&s, &id));
    let made = pay.make(key, &payment("burst-1", 4200)).await.unwrap();
    s.cli_ok(&["sim", "pay", "approve", &made.pay_token]);
    let results = concurrent_executions(&[pay], key, &made.pay_token, 100).await;
    assert_eq!(results, (1, 99));
    let st = pay_status(&s, &id, key, &made.pay_token).await;
    assert_eq!(st.pay_status, "PAY_COMPLETE");
    assert_eq!(st.transactions.len(), 1);
}

/// Sends `n` concurrent executions of `pay_token`, spread over `clients`; (successes, PAYMENT_ALREADY_COMPLETED).
pub(crate) async fn concurrent_executions(
    clients: &[PayClient],
    key: i64,
    pay_token: &str,
    n: usize,
) -> (usize, usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (pay, token) = (clients[i % clients.len()].clone(), pay_token.to_owned());
        tasks.spawn(async move { pay.execute(key, &execute(&token)).await });
    }
    let (mut ok, mut again) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(done) => {
                assert_eq!(done.paid_amount, done.amount);
                ok += 1;
            }
            Err(ClientError::Api(f)) if f.code == "PAYMENT_ALREADY_COMPLETED" => again += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    (ok, again)
}

pub(crate) async fn pay_status(
    s: &Server,
    id: &Identity,
    key: i64,
    pay_token: &str,
) -> intoss_proto::api::pay::PaymentStatus {
    PayClient::new(partner(s, id)).status(key, &status_by_token(pay_token)).await.unwrap()
}

/// SIGKILL during a burst of executions: every execution whose success arrived is PAY_COMPLETE
/// with one PAY transaction after the restart, no payment has two, and each payment the crash
/// left approved executes exactly once afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_burst_of_executions_loses_no_acknowledged_payment() {
    use std::sync::{Arc, Mutex};
    let mut s = Server::start();
    let id = s.app_with_cert("crash", &["--qpm", "1000000"]);
    let key = user_key(&s, "crash", "kim-toss").await;
    let pay = PayClient::new(partner(&s, &id));
    let admin = s.admin();
    let mut tokens = Vec::new();
    for i in 0..150 {
        let made = pay.make(key, &payment(&format!("crash-{i}"), 1000 + i)).await.unwrap();
        admin
            .sim_pay_approve(&SimPayApprove {
                pay_token: made.pay_token.clone(),
                method: Some("TOSS_MONEY".into()),
                card_company_code: None,
            })
            .await
            .unwrap();
        tokens.push(made.pay_token);
    }
    // Eight workers walk the payments from different starts, so each payment meets concurrent
    // executions; no client retries.
    let once = PartnerClient::builder()
        .base_url(format!("https://{}", s.endpoints.gateway))
        .identity_files(id.cert_path(), id.key_path())
        .private_ca(s.ca_pem())
        .retry(intoss_client::RetryPolicy::none())
        .build()
        .unwrap();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (pay, tokens, acked) = (PayClient::new(once.clone()), tokens.clone(), acked.clone());
            tokio::spawn(async move {
                for i in 0..tokens.len() {
                    let token = &tokens[(i + w * 19) % tokens.len()];
                    match pay.execute(key, &execute(token)).await {
                        Ok(done) => acked.lock().unwrap().push(done.pay_token),
                        Err(ClientError::Api(f)) => assert_eq!(f.code, "PAYMENT_ALREADY_COMPLETED"),
                        Err(_) => return, // the server is gone
                    }
                }
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while acked.lock().unwrap().len() < 30 {
        assert!(std::time::Instant::now() < deadline, "the burst made too little progress");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    s.kill9();
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let unique: std::collections::BTreeSet<&String> = acked.iter().collect();
    assert_eq!(unique.len(), acked.len(), "no payment was acknowledged twice");
    println!("acknowledged {} of {} executions before SIGKILL", acked.len(), tokens.len());

    s.spawn();
    let pay = PayClient::new(partner(&s, &id));
    let mut completed_after = 0;
    for token in &tokens {
        let st = pay.status(key, &status_by_token(token)).await.unwrap();
        assert!(st.transactions.len() <= 1, "{token}: {:?}", st.transactions);
        if unique.contains(token) {
            assert_eq!(
                (st.pay_status.as_str(), st.transactions.len()),
                ("PAY_COMPLETE", 1),
                "{token} was acknowledged"
            );
        }
        match st.pay_status.as_str() {
            "PAY_COMPLETE" => assert_eq!(st.transactions.len(), 1),
            "PAY_APPROVED" => {
                assert!(st.transactions.is_empty());
                assert_eq!(concurrent_executions(std::slice::from_ref(&pay), key, token, 4).await, (1, 3));
                completed_after += 1;
            }
            other => panic!("{token}: {other}"),
        }
    }
    println!("{completed_after} payments were still approved after the restart and executed once");
    assert!(s.log_problems().iter().all(|l| !l.contains("panicked")), "{:?}", s.log_problems());
}

/// In-app purchase through real mTLS: products in the CLI, the simulator's purchases (completed,
/// left in progress then failed, refunded), `get-order-status` with the SDK for each status,
/// another app's order, and every refusal.
#[tokio::test(flavor = "multi_thread")]
async fn in_app_purchase_orders_and_their_statuses() {
    use intoss_client::iap::IapClient;
    let s = Server::start();
    let id = s.app_with_cert("game", &[]);
    let other = s.app_with_cert("other-game", &[]);
    s.cli_ok(&[
        "app",
        "product",
        "add",
        "game",
        "--sku",
        "gem_100",
        "--name",
        "보석 100개",
        "--price",
        "1200",
    ]);
    let dup = s.cli(&["app", "product", "add", "game", "--sku", "gem_100", "--name", "x", "--price", "1"]);
    assert!(String::from_utf8_lossy(&dup.stderr).contains("ALREADY_EXISTS"), "{dup:?}");
    let bad = s.cli(&["app", "product", "add", "game", "--sku", "gem 100", "--name", "x", "--price", "1"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("INVALID_PARAMETER"), "{bad:?}");
    s.cli_ok(&[
        "app",
        "product",
        "add",
        "other-game",
        "--sku",
        "gem_100",
        "--name",
        "다른 앱 보석",
        "--price",
        "900",
    ]);

    // In-app purchase needs Toss Login: a user who never logged in cannot buy.
    let early = s.cli(&["sim", "iap", "buy", "--app", "game", "--user", "kim-toss", "--sku", "gem_100"]);
    assert!(String::from_utf8_lossy(&early.stderr).contains("INVALID_STATE"), "{early:?}");
    let key = user_key(&s, "game", "kim-toss").await;
    let iap = IapClient::new(partner(&s, &id));
    let buy = |outcome: &str| {
        s.cli_ok(&[
            "sim",
            "iap",
            "buy",
            "--app",
            "game",
            "--user",
            "kim-toss",
            "--sku",
            "gem_100",
            "--outcome",
            outcome,
        ])
        .trim()
        .to_owned()
    };

    let paid = buy("PAYMENT_COMPLETED");
    let st = iap.order_status(key, &paid).await.unwrap();
    assert_eq!(
        (st.status.as_str(), st.sku.as_deref(), st.reason),
        ("PAYMENT_COMPLETED", Some("gem_100"), None)
    );
    let at = st.status_determined_at.unwrap();
    assert!(at.ends_with("+0900") && at.len() == "yyyy-MM-ddTHH:mm:ss+0900".len(), "{at}");

    let pending = buy("ORDER_IN_PROGRESS");
    assert_eq!(iap.order_status(key, &pending).await.unwrap().status, "ORDER_IN_PROGRESS");
    s.cli_ok(&["sim", "iap", "update", &pending, "--status", "FAILED", "--reason", "잔액 부족"]);
    let st = iap.order_status(key, &pending).await.unwrap();
    assert_eq!((st.status.as_str(), st.reason.as_deref()), ("FAILED", Some("잔액 부족")));
    let again = s.cli(&["sim", "iap", "update", &pending, "--status", "PAYMENT_COMPLETED"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("INVALID_STATE"), "a failed order stays failed");

    s.cli_ok(&["sim", "iap", "update", &paid, "--status", "REFUNDED"]);
    assert_eq!(iap.order_status(key, &paid).await.unwrap().status, "REFUNDED");
    let failed = buy("FAILED");
    assert_eq!(iap.order_status(key, &failed).await.unwrap().status, "FAILED");

    // Unknown, another app's, another user's.
    let unknown = "0193c1a2-7c3e-7d4f-8a9b-0c1d2e3f4a5b";
    let st = iap.order_status(key, unknown).await.unwrap();
    assert_eq!((st.status.as_str(), st.sku, st.status_determined_at), ("NOT_FOUND", None, None));
    let other_key = user_key(&s, "other-game", "kim-toss").await;
    let theirs: Value = serde_json::from_str(&s.cli_ok(&[
        "sim",
        "iap",
        "buy",
        "--app",
        "other-game",
        "--user",
        "kim-toss",
        "--sku",
        "gem_100",
        "--json",
    ]))
    .unwrap();
    let theirs = theirs["order_id"].as_str().unwrap();
    assert_eq!(iap.order_status(key, theirs).await.unwrap().status, "MINIAPP_MISMATCH");
    assert_eq!(
        IapClient::new(partner(&s, &other)).order_status(other_key, theirs).await.unwrap().status,
        "PAYMENT_COMPLETED"
    );

    // Refusals, each an envelope naming its field.
    assert_eq!(code(iap.order_status(other_key, &failed).await), (404, "USER_KEY_NOT_FOUND".into()));
    let c = s.client(Some(&id));
    let k = key.to_string();
    let r = raw_iap(&c, &s, Some(&k), &json!({"orderId": "order-1"})).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "orderId");
    let r = raw_iap(&c, &s, None, &json!({"orderId": unknown})).await;
    assert_eq!(json(&r)["error"]["field"], "x-toss-user-key");
    let r = raw_iap(&c, &s, Some(&k), &json!({})).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    let r = get(&c, &s.gateway_url("/api-partner/v1/apps-in-toss/order/get-order-status")).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");
    let r = c
        .send(Method::POST, &s.gateway_url("/api-partner/v1/apps-in-toss/order/get-orders"), &[], None)
        .await
        .unwrap();
    assert_fail(&r, 404, "NOT_FOUND");

    // A product no longer on sale cannot be bought; its orders keep it.
    s.cli_ok(&["app", "product", "delete", "game", "gem_100"]);
    let gone = s.cli(&["sim", "iap", "buy", "--app", "game", "--user", "kim-toss", "--sku", "gem_100"]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("NOT_FOUND"), "{gone:?}");
    assert_eq!(iap.order_status(key, &failed).await.unwrap().sku.as_deref(), Some("gem_100"));
    let orders = s.admin().orders(Some("game"), None).await.unwrap().orders;
    assert_eq!(orders.len(), 3);
    assert_eq!(orders[0].product_name, "보석 100개");
    let listed = s.cli_ok(&["sim", "iap", "list", "--app", "game"]);
    assert!(listed.contains(&paid) && listed.contains("REFUNDED"), "{listed}");
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}

async fn raw_iap(
    c: &intoss_client::HttpsClient,
    s: &Server,
    user_key: Option<&str>,
    body: &Value,
) -> intoss_client::Response {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(k) = user_key {
        headers.push(("x-toss-user-key", k));
    }
    let url = s.gateway_url("/api-partner/v1/apps-in-toss/order/get-order-status");
    c.send(Method::POST, &url, &headers, Some(body.to_string().into_bytes())).await.unwrap()
}
