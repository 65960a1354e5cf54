//! Toss Pay's rules without HTTP, on a real SQLite store: every transition of a payment and
//! every refused one, with the error a partner sees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use intoss_pay::{PayError, PayService};
use intoss_proto::api::pay::{
    ExecutePayment, GetPaymentStatus, MakePayment, PatchPaySettings, RefundPayment, SimPayApprove,
    SimPayDecline,
};
use intoss_store::{NewApp, SandboxUser, SqliteStore, Store};

const T0: i64 = 1_780_000_000;
const KEY: &str = "443731103";

struct Fixture {
    svc: PayService,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
    for name in ["app-a", "app-b"] {
        let app =
            NewApp { name: name.into(), qpm: 3000, allow_ips: vec![], webhook_url: None, created_at: T0 };
        store.create_app(&app).await.unwrap();
    }
    store
        .create_user(&SandboxUser {
            user_id: "kim".into(),
            name: "김토스".into(),
            phone: "01012345678".into(),
            birthday: "19930324".into(),
            gender: "FEMALE".into(),
            nationality: "LOCAL".into(),
            email: None,
            ci: "ci".into(),
            created_at: T0,
            withdrawn_at: None,
        })
        .await
        .unwrap();
    store.link("app-a", "kim", KEY.parse().unwrap(), &[], &[], T0).await.unwrap();
    Fixture { svc: PayService::new(store), _dir: dir }
}

fn make(order_no: &str, amount: i64) -> MakePayment {
    MakePayment::new(order_no, "프리미엄 이용권", amount, true)
}

fn execute(token: &str) -> ExecutePayment {
    ExecutePayment { pay_token: token.into(), order_no: None, is_test_payment: true }
}

fn refund(token: &str, amount: Option<i64>, refund_no: Option<&str>) -> RefundPayment {
    RefundPayment {
        pay_token: token.into(),
        reason: "고객요청".into(),
        amount,
        amount_tax_free: None,
        refund_no: refund_no.map(Into::into),
        is_test_payment: true,
    }
}

fn status_of(token: &str) -> GetPaymentStatus {
    GetPaymentStatus { pay_token: Some(token.into()), order_no: None, is_test_payment: true }
}

fn approve(token: &str) -> SimPayApprove {
    SimPayApprove { pay_token: token.into(), method: None, card_company_code: Some("41".into()) }
}

fn field(e: PayError) -> Option<String> {
    match e {
        PayError::Invalid { field, .. } => field,
        other => panic!("not INVALID_PARAMETER: {other:?}"),
    }
}

#[tokio::test]
async fn the_whole_life_of_a_payment() {
    let f = fixture().await;
    let a = Some(KEY);
    let token = f.svc.make("app-a", a, &make("order-1", 10_000), T0).await.unwrap().pay_token;
    assert!(token.len() <= 30);
    let st = f.svc.status("app-a", a, &status_of(&token), T0).await.unwrap();
    assert_eq!((st.pay_status.as_str(), st.mode.as_str(), st.refundable_amount), ("PAY_STANDBY", "TEST", 0));

    assert!(matches!(f.svc.execute("app-a", a, &execute(&token), T0).await, Err(PayError::NotApproved(_))));
    f.svc.approve(&approve(&token), T0 + 5).await.unwrap();
    let done = f.svc.execute("app-a", a, &execute(&token), T0 + 6).await.unwrap();
    assert_eq!((done.pay_method.as_str(), done.card_company_name.as_deref()), ("CARD", Some("신한카드")));
    assert_eq!((done.paid_amount, done.state_msg.as_str()), (10_000, "결제 완료"));
    assert!(matches!(
        f.svc.execute("app-a", a, &execute(&token), T0 + 7).await,
        Err(PayError::AlreadyCompleted(_))
    ));

    let r1 = f.svc.refund("app-a", a, &refund(&token, Some(3_000), Some("rf-1")), T0 + 8).await.unwrap();
    assert_eq!((r1.refunded_amount, r1.refundable_amount), (3_000, 7_000));
    let replay = f.svc.refund("app-a", a, &refund(&token, Some(3_000), Some("rf-1")), T0 + 9).await.unwrap();
    assert_eq!((replay.transaction_id, replay.refundable_amount), (r1.transaction_id, 7_000), "same refund");
    assert!(matches!(
        f.svc.refund("app-a", a, &refund(&token, Some(7_001), None), T0 + 10).await,
        Err(PayError::RefundAmountExceeded(_))
    ));
    let rest = f.svc.refund("app-a", a, &refund(&token, None, Some("rf-2")), T0 + 11).await.unwrap();
    assert_eq!((rest.refunded_amount, rest.refundable_amount), (7_000, 0));
    // The retry of a full refund whose answer was lost gets that refund, not an error.
    let retried = f.svc.refund("app-a", a, &refund(&token, None, Some("rf-2")), T0 + 12).await.unwrap();
    assert_eq!((retried.transaction_id, retried.refunded_amount), (rest.transaction_id.clone(), 7_000));
    assert!(matches!(
        f.svc.refund("app-a", a, &refund(&token, None, None), T0 + 12).await,
        Err(PayError::NotRefundable(_))
    ));

    let st = f.svc.status("app-a", a, &status_of(&token), T0 + 13).await.unwrap();
    assert_eq!(st.pay_status, "REFUND_SUCCESS");
    let amounts: Vec<_> =
        st.transactions.iter().map(|t| (t.step_type.as_str(), t.transaction_amount)).collect();
    assert_eq!(amounts, [("PAY", 10_000), ("REFUND", -3_000), ("REFUND", -7_000)]);
    let by_order =
        GetPaymentStatus { pay_token: None, order_no: Some("order-1".into()), is_test_payment: true };
    assert_eq!(f.svc.status("app-a", a, &by_order, T0 + 13).await.unwrap().pay_token, token);
}

#[tokio::test]
async fn refused_transitions_and_inputs() {
    let f = fixture().await;
    let a = Some(KEY);
    let token = f.svc.make("app-a", a, &make("order-2", 500), T0).await.unwrap().pay_token;
    // orderNo is never reusable, even after the payment is declined.
    f.svc.decline(&SimPayDecline { pay_token: token.clone() }, T0 + 1).await.unwrap();
    assert!(matches!(
        f.svc.make("app-a", a, &make("order-2", 500), T0).await,
        Err(PayError::ExistingPayment(_))
    ));
    assert!(matches!(f.svc.execute("app-a", a, &execute(&token), T0 + 2).await, Err(PayError::Canceled(_))));
    assert!(matches!(
        f.svc.refund("app-a", a, &refund(&token, None, None), T0 + 2).await,
        Err(PayError::NotRefundable(_))
    ));
    // Another app's token, another user's key: not found.
    assert!(matches!(f.svc.status("app-b", a, &status_of(&token), T0).await, Err(PayError::NotFound(_))));
    assert!(matches!(
        f.svc.status("app-a", Some("1"), &status_of(&token), T0).await,
        Err(PayError::NotFound(_))
    ));
    // A user not linked to the app.
    assert!(matches!(f.svc.make("app-b", a, &make("o", 1), T0).await, Err(PayError::UserKeyNotFound(_))));
    // Not approved within the approval time (900 s by default): canceled.
    let late = f.svc.make("app-a", a, &make("order-3", 500), T0).await.unwrap().pay_token;
    assert!(matches!(f.svc.approve(&approve(&late), T0 + 900).await, Err(PayError::Canceled(_))));
    assert_eq!(f.svc.status("app-a", a, &status_of(&late), T0 + 900).await.unwrap().pay_status, "PAY_CANCEL");

    for (body, want) in [
        (make("주문", 1), "orderNo"),
        (make(&"x".repeat(51), 1), "orderNo"),
        (make("ok", 0), "amount"),
        (MakePayment { product_desc: "a\"b".into(), ..make("ok", 1) }, "productDesc"),
        (MakePayment { product_desc: "d".repeat(256), ..make("ok", 1) }, "productDesc"),
        (MakePayment { amount_tax_free: 2, ..make("ok", 1) }, "amountTaxFree"),
        (MakePayment { enable_pay_methods: Some("CASH".into()), ..make("ok", 1) }, "enablePayMethods"),
    ] {
        assert_eq!(field(f.svc.make("app-a", a, &body, T0).await.unwrap_err()).as_deref(), Some(want));
    }
    let missing = f.svc.make("app-a", None, &make("ok", 1), T0).await.unwrap_err();
    assert_eq!(field(missing).as_deref(), Some("x-toss-user-key"));
    let spaced = RefundPayment { reason: "고객 요청".into(), ..refund(&token, None, None) };
    assert_eq!(field(f.svc.refund("app-a", a, &spaced, T0).await.unwrap_err()).as_deref(), Some("reason"));
    let long = RefundPayment { reason: "가".repeat(56), ..refund(&token, None, None) };
    assert_eq!(field(f.svc.refund("app-a", a, &long, T0).await.unwrap_err()).as_deref(), Some("reason"));
    let neither = GetPaymentStatus { pay_token: None, order_no: None, is_test_payment: true };
    assert_eq!(field(f.svc.status("app-a", a, &neither, T0).await.unwrap_err()).as_deref(), Some("payToken"));

    // The simulator: only a method the partner allowed, only a known card company, once.
    let only_money = f
        .svc
        .make(
            "app-a",
            a,
            &MakePayment { enable_pay_methods: Some("TOSS_MONEY".into()), ..make("order-4", 9) },
            T0,
        )
        .await
        .unwrap()
        .pay_token;
    let card = SimPayApprove { method: Some("CARD".into()), ..approve(&only_money) };
    assert_eq!(field(f.svc.approve(&card, T0).await.unwrap_err()).as_deref(), Some("method"));
    let other = f.svc.make("app-a", a, &make("order-5", 9), T0).await.unwrap().pay_token;
    let unknown = SimPayApprove { card_company_code: Some("99".into()), ..approve(&other) };
    assert_eq!(field(f.svc.approve(&unknown, T0).await.unwrap_err()).as_deref(), Some("card_company_code"));
    let paid = f.svc.approve(&SimPayApprove { method: None, ..approve(&only_money) }, T0).await.unwrap();
    assert_eq!(paid.pay_method.as_deref(), Some("TOSS_MONEY"), "the partner's only method by default");
    assert!(matches!(f.svc.approve(&approve(&only_money), T0).await, Err(PayError::AlreadyCompleted(_))));
    let decline = SimPayDecline { pay_token: only_money.clone() };
    assert!(matches!(f.svc.decline(&decline, T0).await, Err(PayError::AlreadyCompleted(_))));
    let wrong_order = ExecutePayment { order_no: Some("order-5".into()), ..execute(&only_money) };
    assert_eq!(
        field(f.svc.execute("app-a", a, &wrong_order, T0).await.unwrap_err()).as_deref(),
        Some("orderNo")
    );
}

#[tokio::test]
async fn is_test_payment_is_read_as_the_app_says() {
    let f = fixture().await;
    let a = Some(KEY);
    let token = f.svc.make("app-a", a, &make("o-test", 100), T0).await.unwrap().pay_token;
    // Made as TEST (true under TRUE_IS_TEST); a later call saying false is refused.
    let wrong = ExecutePayment { is_test_payment: false, ..execute(&token) };
    assert_eq!(
        field(f.svc.execute("app-a", a, &wrong, T0).await.unwrap_err()).as_deref(),
        Some("isTestPayment")
    );

    let patch = PatchPaySettings {
        test_payment_reading: Some("FALSE_IS_TEST".into()),
        refuse_live: Some(true),
        approval_ttl_secs: None,
    };
    f.svc.patch_settings("app-a", &patch).await.unwrap();
    let live = f.svc.make("app-a", a, &make("o-live", 100), T0).await.unwrap_err();
    assert_eq!(field(live).as_deref(), Some("isTestPayment"), "true means live under FALSE_IS_TEST");
    let test = MakePayment { is_test_payment: false, ..make("o-live", 100) };
    let token = f.svc.make("app-a", a, &test, T0).await.unwrap().pay_token;
    assert_eq!(f.svc.get(&token, T0).await.unwrap().mode, "TEST");
    let bad = PatchPaySettings { test_payment_reading: Some("MAYBE".into()), ..Default::default() };
    assert_eq!(
        field(f.svc.patch_settings("app-a", &bad).await.unwrap_err()).as_deref(),
        Some("test_payment_reading")
    );
}
