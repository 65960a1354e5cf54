//! The storage test suite, run against every backend (`tests/backends.rs`): the same
//! assertions on SQLite and on a real PostgreSQL server.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use crate::{
    AppPatch, CertRecord, CertStatus, Completion, IdvClient, IdvStatus, IdvTx, NewApp, ResultClaim, Store,
    StoreError,
};

fn new_app(name: &str) -> NewApp {
    NewApp { name: name.into(), qpm: 3000, allow_ips: vec![], webhook_url: None, created_at: 1 }
}

fn cert(serial: &str, app: &str) -> CertRecord {
    CertRecord {
        serial: serial.into(),
        app_name: app.into(),
        cert_pem: "PEM".into(),
        key_source: "rsa2048".into(),
        not_before: 100,
        not_after: 200,
        created_at: 100,
        revoked_at: None,
        revoke_reason: None,
        renewed_from: None,
    }
}

pub async fn apps_are_unique_and_patchable(s: &dyn Store) {
    s.create_app(&new_app("a")).await.unwrap();
    assert!(matches!(s.create_app(&new_app("a")).await, Err(StoreError::Conflict(_))));
    let patch = AppPatch { qpm: Some(10), allow_ips: Some(vec!["10.0.0.0/8".into()]), ..Default::default() };
    let patched = s.update_app("a", &patch).await.unwrap();
    assert_eq!(patched.qpm, 10);
    assert_eq!(patched.allow_ips, vec!["10.0.0.0/8".to_string()]);
    let again = s
        .update_app("a", &AppPatch { webhook_url: Some(Some("https://x".into())), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(again.qpm, 10, "untouched fields stay");
    assert_eq!(again.webhook_url.as_deref(), Some("https://x"));
    let cleared =
        s.update_app("a", &AppPatch { webhook_url: Some(None), ..Default::default() }).await.unwrap();
    assert_eq!(cleared.webhook_url, None);
    assert!(matches!(s.update_app("nope", &AppPatch::default()).await, Err(StoreError::NotFound(_))));
    s.create_app(&new_app("b")).await.unwrap();
    let names: Vec<String> = s.list_apps().await.unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(s.app("b").await.unwrap().is_some() && s.app("c").await.unwrap().is_none());
}

pub async fn certs_need_an_app_and_revocation_keeps_the_first(s: &dyn Store) {
    assert!(matches!(s.insert_cert(&cert("01", "ghost")).await, Err(StoreError::NotFound(_))));
    s.create_app(&new_app("a")).await.unwrap();
    s.insert_cert(&cert("01", "a")).await.unwrap();
    s.insert_cert(&cert("02", "a")).await.unwrap();
    assert!(matches!(s.insert_cert(&cert("02", "a")).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.list_certs(Some("a")).await.unwrap().len(), 2);
    assert_eq!(s.list_certs(None).await.unwrap().len(), 2);
    assert_eq!(s.list_certs(Some("b")).await.unwrap().len(), 0);
    let r = s.revoke_cert("01", 150, "leaked").await.unwrap();
    assert_eq!(r.status(150), CertStatus::Revoked);
    let r2 = s.revoke_cert("01", 160, "again").await.unwrap();
    assert_eq!((r2.revoked_at, r2.revoke_reason.as_deref()), (Some(150), Some("leaked")));
    assert!(matches!(s.revoke_cert("ff", 1, "x").await, Err(StoreError::NotFound(_))));
    assert_eq!(s.cert("02").await.unwrap().unwrap().status(150), CertStatus::Active);
    assert_eq!(s.cert("02").await.unwrap().unwrap().status(200), CertStatus::Expired);
}

pub async fn expiry_notices_are_recorded_once(s: &dyn Store) {
    s.create_app(&new_app("a")).await.unwrap();
    s.insert_cert(&cert("01", "a")).await.unwrap();
    assert!(s.record_expiry_notice("01", 30, 170).await.unwrap());
    assert!(!s.record_expiry_notice("01", 30, 171).await.unwrap());
    assert!(s.record_expiry_notice("01", 7, 193).await.unwrap());
    let notices = s.expiry_notices().await.unwrap();
    assert_eq!(notices.len(), 2);
    assert_eq!((notices[0].threshold_days, notices[0].app_name.as_str()), (7, "a"));
    assert_eq!(notices[1].sent_at, 170);
}

fn tx(id: &str) -> IdvTx {
    IdvTx {
        tx_id: id.into(),
        client_id: "c1".into(),
        request_type: "USER_NONE".into(),
        request_url: "intoss://x".into(),
        trigger_type: None,
        request_person: None,
        status: IdvStatus::Requested,
        requested_at: 1000,
        expires_at: 1600,
        completed_at: None,
        person: None,
        signature: None,
        result_count: 0,
    }
}

async fn with_client(s: &dyn Store) {
    s.create_app(&new_app("a")).await.unwrap();
    s.create_idv_client(&IdvClient {
        client_id: "c1".into(),
        app_name: "a".into(),
        env: "test".into(),
        secret_hash: "h".into(),
        created_at: 1,
        deleted_at: None,
    })
    .await
    .unwrap();
}

fn completion(at: i64) -> Completion {
    Completion { at, person: "{}".into(), signature: "sig".into() }
}

pub async fn idv_transitions_are_compare_and_set(s: &dyn Store) {
    with_client(s).await;
    s.insert_idv_tx(&tx("t1"), Some("sess-req")).await.unwrap();
    use IdvStatus::*;
    assert!(s.transition_idv_tx("t1", &[Requested], InProgress, None).await.unwrap());
    assert!(!s.transition_idv_tx("t1", &[Requested], InProgress, None).await.unwrap(), "CAS fails twice");
    assert!(
        s.transition_idv_tx("t1", &[Requested, InProgress], Completed, Some(&completion(1100)))
            .await
            .unwrap()
    );
    assert!(!s.transition_idv_tx("t1", &[Requested, InProgress], Expired, None).await.unwrap());
    let t = s.idv_tx("t1").await.unwrap().unwrap();
    assert_eq!((t.status, t.completed_at, t.signature.as_deref()), (Completed, Some(1100), Some("sig")));
    // The request's session id cannot be used for a result.
    assert_eq!(
        s.claim_idv_result("t1", "sess-req", 1200, 3600, 2).await.unwrap(),
        ResultClaim::SessionReused
    );
    assert_eq!(s.claim_idv_result("t1", "a", 1200, 3600, 2).await.unwrap(), ResultClaim::Claimed(1));
    assert_eq!(s.claim_idv_result("t1", "a", 1200, 3600, 2).await.unwrap(), ResultClaim::SessionReused);
    assert_eq!(s.claim_idv_result("t1", "b", 1200, 3600, 2).await.unwrap(), ResultClaim::Claimed(2));
    assert_eq!(s.claim_idv_result("t1", "c", 1200, 3600, 2).await.unwrap(), ResultClaim::LimitReached);
    assert_eq!(s.claim_idv_result("nope", "c", 1200, 3600, 2).await.unwrap(), ResultClaim::NotFound);
    assert_eq!(s.list_idv_txs(Some("c1"), 10).await.unwrap().len(), 1);
    assert_eq!(s.list_idv_txs(Some("other"), 10).await.unwrap().len(), 0);
}

pub async fn idv_result_window_and_not_completed(s: &dyn Store) {
    with_client(s).await;
    s.insert_idv_tx(&tx("t2"), None).await.unwrap();
    assert_eq!(
        s.claim_idv_result("t2", "a", 1200, 3600, 2).await.unwrap(),
        ResultClaim::NotCompleted(IdvStatus::Requested)
    );
    s.transition_idv_tx("t2", &[IdvStatus::Requested], IdvStatus::Completed, Some(&completion(1100)))
        .await
        .unwrap();
    assert_eq!(s.claim_idv_result("t2", "a", 1100 + 3600, 3600, 2).await.unwrap(), ResultClaim::WindowPassed);
    assert_eq!(s.claim_idv_result("t2", "a", 1100 + 3599, 3600, 2).await.unwrap(), ResultClaim::Claimed(1));
}

pub async fn exactly_two_of_a_hundred_concurrent_result_claims_succeed(s: Arc<dyn Store>) {
    with_client(s.as_ref()).await;
    s.insert_idv_tx(&tx("t3"), None).await.unwrap();
    s.transition_idv_tx("t3", &[IdvStatus::Requested], IdvStatus::Completed, Some(&completion(1100)))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..100 {
        let s = s.clone();
        tasks.spawn(async move { s.claim_idv_result("t3", &format!("s{i}"), 1200, 3600, 2).await.unwrap() });
    }
    let mut claimed = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            ResultClaim::Claimed(_) => claimed += 1,
            ResultClaim::LimitReached => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(claimed, 2);
    assert_eq!(s.idv_tx("t3").await.unwrap().unwrap().result_count, 2);
}

pub async fn deleted_clients_are_not_listed(s: &dyn Store) {
    with_client(s).await;
    assert_eq!(s.list_idv_clients(Some("a")).await.unwrap().len(), 1);
    assert!(matches!(
        s.create_idv_client(&IdvClient {
            client_id: "c2".into(),
            app_name: "ghost".into(),
            env: "test".into(),
            secret_hash: "h".into(),
            created_at: 1,
            deleted_at: None
        })
        .await,
        Err(StoreError::NotFound(_))
    ));
    s.delete_idv_client("c1", 5).await.unwrap();
    assert!(s.list_idv_clients(None).await.unwrap().is_empty());
    assert!(matches!(s.delete_idv_client("c1", 6).await, Err(StoreError::NotFound(_))));
}

// === Toss Login ===

fn user(id: &str) -> crate::SandboxUser {
    crate::SandboxUser {
        user_id: id.into(),
        name: "김토스".into(),
        phone: "01012345678".into(),
        birthday: "19930324".into(),
        gender: "FEMALE".into(),
        nationality: "LOCAL".into(),
        email: None,
        ci: "CI".into(),
        created_at: 1,
        withdrawn_at: None,
    }
}

fn token(hash: &str, kind: crate::TokenKind, app: &str, expires_at: i64) -> crate::LoginToken {
    crate::LoginToken {
        token_hash: hash.into(),
        kind,
        app_name: app.into(),
        user_id: "u".into(),
        created_at: 10,
        expires_at,
    }
}

fn code(hash: &str, app: &str) -> crate::LoginCode {
    crate::LoginCode {
        code_hash: hash.into(),
        app_name: app.into(),
        user_id: "u".into(),
        referrer: "DEFAULT".into(),
        created_at: 10,
        expires_at: 610,
    }
}

pub async fn login_users_settings_and_links(s: &dyn Store) {
    use crate::LoginSettings;
    s.create_app(&new_app("a")).await.unwrap();
    s.create_app(&new_app("b")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    assert!(matches!(s.create_user(&user("u")).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.list_users().await.unwrap().len(), 1);
    assert!(s.withdraw_user("u", 5).await.unwrap());
    assert!(!s.withdraw_user("u", 6).await.unwrap(), "withdrawn once");
    assert_eq!(s.user("u").await.unwrap().unwrap().withdrawn_at, Some(5));
    s.create_user(&user("v")).await.unwrap();

    assert_eq!(s.login_settings("a").await.unwrap(), None);
    let mut settings = LoginSettings::defaults("a");
    settings.test_mode = true;
    settings.unlink_url = Some("https://x".into());
    s.put_login_settings(&settings).await.unwrap();
    settings.key_generation = 2;
    s.put_login_settings(&settings).await.unwrap();
    assert_eq!(s.login_settings("a").await.unwrap(), Some(settings));
    assert!(matches!(
        s.put_login_settings(&LoginSettings::defaults("ghost")).await,
        Err(StoreError::NotFound(_))
    ));

    let scopes = vec!["USER_NAME".to_owned()];
    let l = s.link("a", "u", 111, &scopes, &[], 10).await.unwrap();
    assert_eq!((l.user_key, l.unlinked_at), (111, None));
    // The same key in another app is fine; in the same app for someone else, a conflict.
    s.link("b", "v", 111, &scopes, &[], 10).await.unwrap();
    assert!(matches!(s.link("a", "v", 111, &scopes, &[], 10).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.link_by_key("a", 111).await.unwrap().unwrap().user_id, "u");
    assert_eq!(s.link_by_key("b", 111).await.unwrap().unwrap().user_id, "v");

    s.insert_tokens(&[token("t1", crate::TokenKind::Access, "a", 100)]).await.unwrap();
    s.insert_code(&code("c1", "a")).await.unwrap();
    assert!(s.unlink("a", "u", 20, true, Some("UNLINK")).await.unwrap());
    assert!(!s.unlink("a", "u", 21, true, Some("UNLINK")).await.unwrap(), "unlinked once");
    assert_eq!(s.live_token("t1", crate::TokenKind::Access, "a", 30).await.unwrap(), None, "tokens revoked");
    assert_eq!(s.use_code("c1", "a", 30).await.unwrap(), None, "codes ended");
    // A new login keeps the key and ends the unlink.
    let again = s.link("a", "u", 111, &[], &["t".to_owned()], 40).await.unwrap();
    assert_eq!((again.user_key, again.unlinked_at, again.agreed_terms), (111, None, vec!["t".to_owned()]));
    assert_eq!(s.list_links(None, Some("u")).await.unwrap().len(), 1);
    assert_eq!(s.list_links(Some("b"), None).await.unwrap().len(), 1);
    // Unlinking without revoking keeps the tokens live (a user who left Toss).
    s.insert_tokens(&[token("t2", crate::TokenKind::Access, "a", 100)]).await.unwrap();
    assert!(s.unlink("a", "u", 50, false, Some("WITHDRAWAL_TOSS")).await.unwrap());
    assert!(s.live_token("t2", crate::TokenKind::Access, "a", 60).await.unwrap().is_some());
    // Each user's unlink is an event with its referrer; the partner's own removal is not.
    s.link("a", "u", 111, &[], &[], 70).await.unwrap();
    assert!(s.unlink("a", "u", 80, true, None).await.unwrap());
    let unlinks: Vec<serde_json::Value> = s
        .events("a", 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "LOGIN_UNLINKED")
        .map(|e| serde_json::from_str(&e.payload).unwrap())
        .collect();
    assert_eq!(unlinks.len(), 2, "{unlinks:?}");
    assert_eq!(
        (unlinks[0]["referrer"].as_str(), unlinks[0]["userKey"].as_i64()),
        (Some("WITHDRAWAL_TOSS"), Some(111))
    );
    assert_eq!(unlinks[1]["referrer"], "UNLINK");
}

pub async fn login_codes_and_tokens_are_compare_and_set(s: &dyn Store) {
    use crate::TokenKind;
    s.create_app(&new_app("a")).await.unwrap();
    s.create_app(&new_app("b")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_code(&code("c", "a")).await.unwrap();
    assert!(matches!(s.insert_code(&code("c", "a")).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.use_code("c", "b", 20).await.unwrap(), None, "another app's code");
    assert_eq!(s.use_code("c", "a", 610).await.unwrap(), None, "expired");
    assert!(s.use_code("c", "a", 609).await.unwrap().is_some());
    assert_eq!(s.use_code("c", "a", 609).await.unwrap(), None, "used");

    s.insert_tokens(&[token("r", TokenKind::Refresh, "a", 1000), token("x", TokenKind::Access, "a", 100)])
        .await
        .unwrap();
    assert!(s.live_token("x", TokenKind::Access, "a", 99).await.unwrap().is_some());
    assert_eq!(s.live_token("x", TokenKind::Access, "a", 100).await.unwrap(), None, "expired");
    assert_eq!(s.live_token("x", TokenKind::Refresh, "a", 50).await.unwrap(), None, "wrong kind");
    assert_eq!(s.live_token("x", TokenKind::Access, "b", 50).await.unwrap(), None, "another app's");
    let new = [token("r2", TokenKind::Refresh, "a", 2000), token("x2", TokenKind::Access, "a", 200)];
    assert_eq!(s.rotate_refresh("r", "b", 50, &new).await.unwrap(), None, "another app's");
    assert!(s.rotate_refresh("r", "a", 50, &new).await.unwrap().is_some());
    assert_eq!(s.rotate_refresh("r", "a", 51, &new).await.unwrap(), None, "rotated once");
    assert!(s.live_token("r2", TokenKind::Refresh, "a", 52).await.unwrap().is_some());
}

/// Fifty concurrent uses of one code: exactly one gets it.
pub async fn exactly_one_of_fifty_concurrent_code_uses_succeeds(s: Arc<dyn Store>) {
    s.create_app(&new_app("a")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_code(&code("c", "a")).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.use_code("c", "a", 20).await.unwrap().is_some() }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
}

fn payment(token: &str, app: &str, order_no: &str) -> crate::PaymentRecord {
    crate::PaymentRecord {
        pay_token: token.into(),
        app_name: app.into(),
        user_id: "u".into(),
        user_key: 7,
        order_no: order_no.into(),
        product_desc: "이용권".into(),
        amount: 1000,
        amount_tax_free: 0,
        amount_taxable: None,
        amount_vat: None,
        amount_service_fee: None,
        enable_pay_methods: None,
        cash_receipt: false,
        cash_receipt_trade_option: None,
        installment: None,
        mode: "TEST".into(),
        status: "PAY_STANDBY".into(),
        pay_method: None,
        card_company_code: None,
        refunded_amount: 0,
        created_at: 10,
        expires_at: 910,
        approved_at: None,
        paid_at: None,
        canceled_at: None,
    }
}

fn pay_tx(id: &str, token: &str, step: &str, amount: i64, refund_no: Option<&str>) -> crate::PayTxRecord {
    crate::PayTxRecord {
        transaction_id: id.into(),
        pay_token: token.into(),
        seq: 0,
        step_type: step.into(),
        amount,
        refund_no: refund_no.map(Into::into),
        reason: None,
        created_at: 20,
    }
}

/// A payment's steps are compare-and-set: orderNo unique per app, approval only while standing
/// by and not expired, execution once, refunds up to the amount, a refundNo answered again.
pub async fn payments_move_by_compare_and_set(s: &dyn Store) {
    use crate::RefundOutcome;
    s.create_app(&new_app("a")).await.unwrap();
    s.create_app(&new_app("b")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_payment(&payment("p1", "a", "o1")).await.unwrap();
    assert!(matches!(s.insert_payment(&payment("p2", "a", "o1")).await, Err(StoreError::Conflict(_))));
    s.insert_payment(&payment("p3", "b", "o1")).await.unwrap();
    assert_eq!(s.payment_by_order("a", "o1").await.unwrap().unwrap().pay_token, "p1");
    assert_eq!(s.list_payments(Some("a"), None, Some("PAY_STANDBY"), 10).await.unwrap().len(), 1);

    assert_eq!(s.execute_payment("a", "p1", &pay_tx("t0", "p1", "PAY", 1000, None)).await.unwrap(), None);
    assert_eq!(s.approve_payment("p1", 910, "CARD", Some("11")).await.unwrap(), None, "expired");
    assert!(s.approve_payment("p1", 15, "CARD", Some("11")).await.unwrap().is_some());
    assert_eq!(s.approve_payment("p1", 16, "CARD", None).await.unwrap(), None, "approved once");
    assert_eq!(s.cancel_payment("p1", 16).await.unwrap(), None);
    assert_eq!(s.execute_payment("b", "p1", &pay_tx("t0", "p1", "PAY", 1000, None)).await.unwrap(), None);
    let done = s.execute_payment("a", "p1", &pay_tx("t1", "p1", "PAY", 1000, None)).await.unwrap().unwrap();
    assert_eq!((done.status.as_str(), done.paid_at), ("PAY_COMPLETE", Some(20)));
    assert_eq!(s.execute_payment("a", "p1", &pay_tx("t2", "p1", "PAY", 1000, None)).await.unwrap(), None);

    let RefundOutcome::Refunded(after, _) =
        s.refund_payment("a", "p1", &pay_tx("t3", "p1", "REFUND", 300, Some("r1"))).await.unwrap()
    else {
        panic!("refunded")
    };
    assert_eq!((after.status.as_str(), after.refunded_amount), ("REFUND_SUCCESS", 300));
    let again = s.refund_payment("a", "p1", &pay_tx("t4", "p1", "REFUND", 300, Some("r1"))).await.unwrap();
    assert!(
        matches!(again, RefundOutcome::Replayed(ref p, ref t) if p.refunded_amount == 300 && t.transaction_id == "t3")
    );
    let over = s.refund_payment("a", "p1", &pay_tx("t5", "p1", "REFUND", 701, Some("r2"))).await.unwrap();
    assert_eq!(over, RefundOutcome::NotApplied);
    assert!(matches!(
        s.refund_payment("a", "p1", &pay_tx("t6", "p1", "REFUND", 700, None)).await.unwrap(),
        RefundOutcome::Refunded(ref p, _) if p.refunded_amount == 1000
    ));
    let steps: Vec<_> =
        s.pay_transactions("p1").await.unwrap().into_iter().map(|t| (t.seq, t.step_type)).collect();
    assert_eq!(steps, [(1, "PAY".to_owned()), (2, "REFUND".to_owned()), (3, "REFUND".to_owned())]);

    assert!(s.cancel_payment("p3", 30).await.unwrap().is_some());
    assert_eq!(s.payment("p3").await.unwrap().unwrap().status, "PAY_CANCEL");
}

/// A hundred concurrent executions of one payment: exactly one completes it, with one `PAY`
/// transaction; then a hundred concurrent refunds of 100 of a 1,000 payment: exactly ten.
pub async fn exactly_one_of_a_hundred_concurrent_executions_succeeds(s: Arc<dyn Store>) {
    s.create_app(&new_app("a")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_payment(&payment("p", "a", "o")).await.unwrap();
    s.approve_payment("p", 15, "TOSS_MONEY", None).await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.execute_payment("a", "p", &pay_tx(&format!("t{i}"), "p", "PAY", 1000, None))
                .await
                .unwrap()
                .is_some()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
    assert_eq!(s.pay_transactions("p").await.unwrap().len(), 1);

    let mut tasks = Vec::new();
    for i in 0..100 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let tx = pay_tx(&format!("r{i}"), "p", "REFUND", 100, None);
            matches!(s.refund_payment("a", "p", &tx).await.unwrap(), crate::RefundOutcome::Refunded(..))
        }));
    }
    let mut refunded = 0;
    for t in tasks {
        refunded += usize::from(t.await.unwrap());
    }
    assert_eq!(refunded, 10);
    let p = s.payment("p").await.unwrap().unwrap();
    assert_eq!((p.refunded_amount, s.pay_transactions("p").await.unwrap().len()), (1000, 11));
}

// === in-app purchase ===

fn product(app: &str, sku: &str) -> crate::ProductRecord {
    crate::ProductRecord {
        app_name: app.into(),
        sku: sku.into(),
        name: "보석 100개".into(),
        price: 1200,
        created_at: 1,
        deleted_at: None,
    }
}

fn order(id: &str, app: &str, sku: &str, created_at: i64) -> crate::OrderRecord {
    crate::OrderRecord {
        order_id: id.into(),
        app_name: app.into(),
        sku: sku.into(),
        user_id: "u".into(),
        user_key: 7,
        amount: 1200,
        status: "ORDER_IN_PROGRESS".into(),
        reason: None,
        created_at,
        determined_at: created_at,
    }
}

/// Products are unique per app and deleted softly; orders need a product of their app and move
/// by compare-and-set.
pub async fn orders_move_by_compare_and_set(s: &dyn Store) {
    s.create_app(&new_app("a")).await.unwrap();
    s.create_app(&new_app("b")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_product(&product("a", "gem100")).await.unwrap();
    assert!(matches!(s.insert_product(&product("a", "gem100")).await, Err(StoreError::Conflict(_))));
    s.insert_product(&product("b", "gem100")).await.unwrap();
    assert!(matches!(s.insert_product(&product("nope", "x")).await, Err(StoreError::NotFound(_))));
    assert!(s.delete_product("b", "gem100", 5).await.unwrap());
    assert!(!s.delete_product("b", "gem100", 6).await.unwrap(), "deleted once");
    assert_eq!(s.product("b", "gem100").await.unwrap().unwrap().deleted_at, Some(5));
    assert_eq!(s.list_products("a").await.unwrap().len(), 1);

    s.insert_order(&order("o1", "a", "gem100", 10)).await.unwrap();
    s.insert_order(&order("o2", "a", "gem100", 11)).await.unwrap();
    assert!(s.insert_order(&order("o3", "a", "missing", 12)).await.is_err(), "no such product");
    let listed: Vec<_> =
        s.list_orders(Some("a"), None, 10).await.unwrap().into_iter().map(|o| o.order_id).collect();
    assert_eq!(listed, ["o2", "o1"], "newest first");
    assert!(s.list_orders(Some("b"), None, 10).await.unwrap().is_empty());

    let done = s.transition_order("o1", "ORDER_IN_PROGRESS", "PAYMENT_COMPLETED", None, 20).await.unwrap();
    assert_eq!(done.map(|o| (o.status, o.determined_at)), Some(("PAYMENT_COMPLETED".into(), 20)));
    assert_eq!(s.transition_order("o1", "ORDER_IN_PROGRESS", "FAILED", Some("x"), 21).await.unwrap(), None);
    let refunded = s
        .transition_order("o1", "PAYMENT_COMPLETED", "REFUNDED", Some("고객 요청"), 22)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((refunded.status.as_str(), refunded.reason.as_deref()), ("REFUNDED", Some("고객 요청")));
    assert_eq!(s.order("o1").await.unwrap().unwrap().status, "REFUNDED");
    assert_eq!(s.order("zz").await.unwrap(), None);
}

/// Fifty concurrent completions and failures of one order: exactly one applies.
pub async fn exactly_one_of_fifty_concurrent_order_transitions_applies(s: Arc<dyn Store>) {
    s.create_app(&new_app("a")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_product(&product("a", "gem")).await.unwrap();
    s.insert_order(&order("o", "a", "gem", 10)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let s = s.clone();
        let to = if i % 2 == 0 { "PAYMENT_COMPLETED" } else { "FAILED" };
        tasks.push(tokio::spawn(async move {
            s.transition_order("o", "ORDER_IN_PROGRESS", to, None, 20 + i).await.unwrap().is_some()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
}

// === messages ===

fn template(app: &str, code: &str) -> crate::TemplateRecord {
    crate::TemplateRecord {
        app_name: app.into(),
        template_set_code: code.into(),
        title: "#{storeName}".into(),
        body: "#{userName}님".into(),
        push: true,
        inbox: true,
        status: "IN_REVIEW".into(),
        review_reason: None,
        created_at: 1,
        reviewed_at: None,
    }
}

fn message(id: &str, app: &str, code: &str, created_at: i64) -> crate::MessageRecord {
    crate::MessageRecord {
        content_id: id.into(),
        app_name: app.into(),
        template_set_code: code.into(),
        user_id: "u".into(),
        user_key: Some(7),
        channel: "PUSH".into(),
        title: "t".into(),
        body: "b".into(),
        test: false,
        created_at,
    }
}

/// Templates are unique per app and reviewed once; the messages of one send are kept all or
/// none.
pub async fn templates_are_reviewed_once_and_sends_are_whole(s: &dyn Store) {
    s.create_app(&new_app("a")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_template(&template("a", "t1")).await.unwrap();
    assert!(matches!(s.insert_template(&template("a", "t1")).await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.insert_template(&template("nope", "t1")).await, Err(StoreError::NotFound(_))));
    let approved = s.review_template("a", "t1", "APPROVED", None, 5).await.unwrap().unwrap();
    assert_eq!((approved.status.as_str(), approved.reviewed_at), ("APPROVED", Some(5)));
    assert_eq!(s.review_template("a", "t1", "REJECTED", Some("x"), 6).await.unwrap(), None, "reviewed once");
    assert_eq!(s.review_template("a", "zz", "APPROVED", None, 6).await.unwrap(), None);
    assert_eq!(s.list_templates("a").await.unwrap().len(), 1);

    s.insert_messages(&[message("m1", "a", "t1", 10), message("m2", "a", "t1", 11)]).await.unwrap();
    // The second record names a template that does not exist: neither is kept.
    assert!(
        s.insert_messages(&[message("m3", "a", "t1", 12), message("m4", "a", "missing", 12)]).await.is_err()
    );
    let ids: Vec<_> =
        s.list_messages(Some("a"), None, 10).await.unwrap().into_iter().map(|m| m.content_id).collect();
    assert_eq!(ids, ["m2", "m1"]);
    assert_eq!(s.list_messages(None, Some("u"), 1).await.unwrap().len(), 1);
    assert!(s.list_messages(None, Some("nobody"), 10).await.unwrap().is_empty());

    // An anonymous key is made once per app and user and then stays.
    let k = s.anon_key("a", "u", "ak1", 20).await.unwrap();
    assert_eq!(k, "ak1");
    assert_eq!(s.anon_key("a", "u", "ak2", 21).await.unwrap(), "ak1", "stable");
    assert_eq!(s.user_by_anon_key("a", "ak1").await.unwrap().as_deref(), Some("u"));
    assert_eq!(s.user_by_anon_key("a", "ak2").await.unwrap(), None);
    let mut anon = message("m5", "a", "t1", 30);
    anon.user_key = None;
    s.insert_messages(&[anon]).await.unwrap();
    assert_eq!(s.list_messages(Some("a"), None, 1).await.unwrap()[0].user_key, None);
}

// === promotions ===

fn promotion(app: &str, code: &str, budget: i64) -> crate::PromotionRecord {
    crate::PromotionRecord {
        app_name: app.into(),
        promotion_code: code.into(),
        name: "환영 포인트".into(),
        budget,
        spent: 0,
        per_grant_max: budget,
        state: "RUNNING".into(),
        settle_secs: 0,
        created_at: 1,
    }
}

fn promo_key(key: &str, app: &str) -> crate::PromoKeyRecord {
    crate::PromoKeyRecord {
        promo_key: key.into(),
        app_name: app.into(),
        user_id: "u".into(),
        user_key: 7,
        created_at: 10,
        expires_at: 3610,
        used_at: None,
    }
}

fn execution(key: &str, app: &str, code: &str, amount: i64, at: i64) -> crate::PromoExecutionRecord {
    crate::PromoExecutionRecord {
        promo_key: key.into(),
        app_name: app.into(),
        promotion_code: code.into(),
        user_id: "u".into(),
        user_key: 7,
        amount,
        test: false,
        status: "PENDING".into(),
        created_at: at,
        settles_at: at + 5,
        failed_reason: None,
    }
}

/// A key is used once and only before it expires; the budget is spent by compare-and-set and
/// a failed execution gives its amount back; a paused promotion grants nothing.
pub async fn promotion_keys_and_budgets_are_compare_and_set(s: &dyn Store) {
    use crate::ExecuteOutcome;
    s.create_app(&new_app("a")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_promotion(&promotion("a", "P", 100)).await.unwrap();
    assert!(matches!(s.insert_promotion(&promotion("a", "P", 1)).await, Err(StoreError::Conflict(_))));
    for k in ["k1", "k2", "k3", "k4", "k5"] {
        s.insert_promo_key(&promo_key(k, "a")).await.unwrap();
    }
    assert_eq!(
        s.execute_promotion(&execution("k1", "a", "P", 60, 20)).await.unwrap(),
        ExecuteOutcome::Executed
    );
    assert_eq!(
        s.execute_promotion(&execution("k1", "a", "P", 1, 21)).await.unwrap(),
        ExecuteOutcome::KeyUnusable
    );
    assert_eq!(
        s.execute_promotion(&execution("k2", "a", "P", 41, 21)).await.unwrap(),
        ExecuteOutcome::InsufficientBudget
    );
    assert_eq!(s.promo_key("k2").await.unwrap().unwrap().used_at, None, "a refused execution keeps its key");
    assert_eq!(
        s.execute_promotion(&execution("k3", "a", "P", 1, 4000)).await.unwrap(),
        ExecuteOutcome::KeyUnusable,
        "expired"
    );
    let mut other_user = execution("k4", "a", "P", 1, 22);
    other_user.user_key = 8;
    assert_eq!(s.execute_promotion(&other_user).await.unwrap(), ExecuteOutcome::KeyUnusable);
    // A failure before settling gives the points back; after settling it cannot fail.
    let failed = s.fail_promo_execution("k1", "x", 22).await.unwrap().unwrap();
    assert_eq!(failed.status, "FAILED");
    assert_eq!(s.promotion("a", "P").await.unwrap().unwrap().spent, 0);
    assert_eq!(s.fail_promo_execution("k1", "x", 23).await.unwrap(), None);
    assert_eq!(
        s.execute_promotion(&execution("k2", "a", "P", 100, 30)).await.unwrap(),
        ExecuteOutcome::Executed
    );
    assert_eq!(s.fail_promo_execution("k2", "late", 35).await.unwrap(), None, "settled at 35");
    s.set_promotion_state("a", "P", "PAUSED").await.unwrap().unwrap();
    assert_eq!(
        s.execute_promotion(&execution("k4", "a", "P", 1, 40)).await.unwrap(),
        ExecuteOutcome::NotRunning
    );
    s.set_promotion_state("a", "P", "ENDED").await.unwrap().unwrap();
    assert_eq!(s.set_promotion_state("a", "P", "RUNNING").await.unwrap(), None, "ended for good");
    let listed: Vec<_> = s
        .list_promo_executions(None, Some("u"), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.promo_key)
        .collect();
    assert_eq!(listed, ["k2", "k1"]);
    // k1 failed; k2 (100) settles at 35.
    assert_eq!(s.points_balance("u", 34).await.unwrap(), 0);
    assert_eq!(s.points_balance("u", 35).await.unwrap(), 100);
    assert_eq!(s.points_balance("nobody", 35).await.unwrap(), 0);
}

/// Two hundred concurrent executions of 10 points against a budget of 500: exactly fifty are
/// granted and the budget is spent exactly.
pub async fn exactly_fifty_of_two_hundred_concurrent_executions_are_granted(s: Arc<dyn Store>) {
    s.create_app(&new_app("a")).await.unwrap();
    s.create_user(&user("u")).await.unwrap();
    s.insert_promotion(&promotion("a", "P", 500)).await.unwrap();
    for i in 0..200 {
        s.insert_promo_key(&promo_key(&format!("k{i}"), "a")).await.unwrap();
    }
    let mut tasks = Vec::new();
    for i in 0..200 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.execute_promotion(&execution(&format!("k{i}"), "a", "P", 10, 20)).await.unwrap()
        }));
    }
    let mut granted = 0;
    for t in tasks {
        match t.await.unwrap() {
            crate::ExecuteOutcome::Executed => granted += 1,
            crate::ExecuteOutcome::InsufficientBudget => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(granted, 50);
    assert_eq!(s.promotion("a", "P").await.unwrap().unwrap().spent, 500);
    assert_eq!(s.list_promo_executions(Some("a"), None, 500).await.unwrap().len(), 50);
}

fn endpoint(id: &str, app: &str, types: &[&str]) -> crate::EndpointRecord {
    crate::EndpointRecord {
        id: id.into(),
        app_name: app.into(),
        kind: "PUSH".into(),
        url: format!("https://example.com/{id}"),
        format: "STANDARD".into(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        enabled: true,
        allow_local: false,
        ordered: false,
        secrets: vec!["whsec_AAAA".into()],
        disabled_reason: None,
        created_at: 1,
        updated_at: 1,
    }
}

fn attempt(c: &crate::Claimed, at: i64, status: i64) -> crate::AttemptRecord {
    crate::AttemptRecord {
        delivery_id: c.delivery.id.clone(),
        n: c.delivery.attempts,
        started_at: at,
        finished_at: Some(at),
        status: Some(status),
        latency_ms: Some(3),
        response_head: Some(format!("HTTP/1.1 {status}")),
        error: None,
    }
}

pub async fn events_are_written_with_their_change_and_claimed_by_lease(s: &dyn Store) {
    use crate::Outcome;
    s.create_app(&new_app("a")).await.unwrap();
    s.create_app(&new_app("b")).await.unwrap();
    assert!(matches!(s.insert_endpoint(&endpoint("e0", "ghost", &[])).await, Err(StoreError::NotFound(_))));
    s.insert_endpoint(&endpoint("e1", "a", &[])).await.unwrap();
    s.insert_endpoint(&endpoint("e2", "a", &["CERTIFICATE_REVOKED"])).await.unwrap();
    let mut off = endpoint("e3", "a", &[]);
    off.enabled = false;
    s.insert_endpoint(&off).await.unwrap();
    s.insert_endpoint(&endpoint("eb", "b", &[])).await.unwrap();
    assert_eq!(s.endpoints(Some("a")).await.unwrap().len(), 3);
    assert_eq!(s.endpoint("e2").await.unwrap().unwrap().event_types, ["CERTIFICATE_REVOKED"]);

    // A change writes its event; a refused change (a duplicate serial) writes none.
    s.insert_cert(&cert("01", "a")).await.unwrap();
    assert!(s.insert_cert(&cert("01", "a")).await.is_err());
    s.revoke_cert("01", 150, "keyCompromise").await.unwrap();
    s.revoke_cert("01", 160, "again").await.unwrap();
    let events = s.events("a", 10).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["CERTIFICATE_REVOKED", "CERTIFICATE_ISSUED"], "newest first, one revocation");
    assert!(s.events("b", 10).await.unwrap().is_empty(), "another app's endpoint gets nothing");
    let revoked: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(revoked["serial"], "01");
    assert_eq!(revoked["reason"], "keyCompromise");
    let ends = |d: Vec<crate::DeliveryRecord>| d.into_iter().map(|d| d.endpoint_id).collect::<Vec<_>>();
    assert_eq!(ends(s.deliveries(&events[1].id).await.unwrap()), ["e1"], "filtered and disabled skipped");
    assert_eq!(ends(s.deliveries(&events[0].id).await.unwrap()), ["e1", "e2"]);

    // Claims: oldest first; a leased delivery is nobody else's until the lease ends.
    let claimed = s.claim_deliveries("n1", 200, 30, 10, None).await.unwrap();
    assert_eq!(claimed.len(), 3);
    assert_eq!(claimed[0].event.event_type, "CERTIFICATE_ISSUED");
    assert!(claimed.iter().all(|c| c.delivery.attempts == 1));
    assert!(s.claim_deliveries("n2", 210, 30, 10, None).await.unwrap().is_empty());
    let first = &claimed[0];
    assert!(!s.finish_attempt("n2", &attempt(first, 205, 200), &Outcome::Delivered).await.unwrap());
    assert!(s.finish_attempt("n1", &attempt(first, 205, 200), &Outcome::Delivered).await.unwrap());
    assert!(!s.finish_attempt("n1", &attempt(first, 205, 200), &Outcome::Delivered).await.unwrap(), "once");
    let second = &claimed[1];
    s.finish_attempt("n1", &attempt(second, 206, 500), &Outcome::Retry { at: 300 }).await.unwrap();
    let third = &claimed[2];
    s.finish_attempt("n1", &attempt(third, 206, 410), &Outcome::Gone { reason: "410 Gone".into() })
        .await
        .unwrap();
    let e2 = s.endpoint(&third.endpoint.id).await.unwrap().unwrap();
    assert!(!e2.enabled);
    assert_eq!(e2.disabled_reason.as_deref(), Some("410 Gone"));

    // The retry is due at 300, not before.
    assert!(s.claim_deliveries("n2", 299, 30, 10, None).await.unwrap().is_empty());
    let again = s.claim_deliveries("n2", 300, 30, 10, None).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery.attempts, 2);
    // n2 dies mid-attempt: after the lease, n3 claims attempt 3; attempt 2 stays open.
    let third_try = s.claim_deliveries("n3", 331, 30, 10, None).await.unwrap();
    assert_eq!(third_try.len(), 1);
    assert_eq!(third_try[0].delivery.attempts, 3);
    s.finish_attempt("n3", &attempt(&third_try[0], 332, 204), &Outcome::Delivered).await.unwrap();
    let log = s.attempts(&third_try[0].delivery.id).await.unwrap();
    assert_eq!(
        log.iter().map(|a| (a.n, a.status)).collect::<Vec<_>>(),
        [(1, Some(500)), (2, None), (3, Some(204))]
    );
    assert_eq!(log[1].finished_at, None, "the interrupted attempt is shown as such");

    // Replay: delivered again, the schedule restarting at the replay.
    assert_eq!(s.replay_event(&third_try[0].event.id, 400).await.unwrap(), 2);
    let replayed = s.claim_deliveries("n1", 400, 30, 10, None).await.unwrap();
    assert_eq!(replayed.len(), 1, "the disabled endpoint's delivery waits for it");
    assert_eq!(replayed[0].delivery.replay_base, 3);
    s.finish_attempt("n1", &attempt(&replayed[0], 401, 500), &Outcome::Failed { final_notice: true })
        .await
        .unwrap();
    let failed = s.deliveries(&replayed[0].event.id).await.unwrap();
    let d = failed.iter().find(|d| d.id == replayed[0].delivery.id).unwrap();
    assert_eq!((d.state.as_str(), d.final_notice_at), ("FAILED", Some(401)));
    assert_eq!(s.replay_failed("a", 0, 500).await.unwrap(), 1);
    assert_eq!(s.replay_failed("b", 0, 500).await.unwrap(), 0);

    // Ordered endpoints: one at a time, oldest first. Listen endpoints only by their id.
    let mut ordered = endpoint("eo", "b", &[]);
    ordered.ordered = true;
    s.insert_endpoint(&ordered).await.unwrap();
    s.delete_endpoint("eb").await.unwrap();
    let mut listen = endpoint("el", "b", &[]);
    listen.kind = "LISTEN".into();
    s.insert_endpoint(&listen).await.unwrap();
    s.insert_cert(&cert("b1", "b")).await.unwrap();
    s.insert_cert(&cert("b2", "b")).await.unwrap();
    let push = s.claim_deliveries("n1", 1000, 30, 10, None).await.unwrap();
    let push: Vec<_> = push.into_iter().filter(|c| c.endpoint.id == "eo").collect();
    assert_eq!(push.len(), 1, "the second waits for the first");
    let b1 = serde_json::from_str::<serde_json::Value>(&push[0].event.payload).unwrap();
    assert_eq!(b1["serial"], "b1");
    assert!(
        s.claim_deliveries("n2", 1000, 30, 10, None).await.unwrap().iter().all(|c| c.endpoint.id != "eo")
    );
    s.finish_attempt("n1", &attempt(&push[0], 1001, 200), &Outcome::Delivered).await.unwrap();
    let next = s.claim_deliveries("n2", 1002, 30, 10, None).await.unwrap();
    assert_eq!(next.iter().filter(|c| c.endpoint.id == "eo").count(), 1);
    let pulled = s.claim_deliveries("cli", 1002, 30, 10, Some("el")).await.unwrap();
    assert_eq!(pulled.len(), 2);
    assert!(pulled.iter().all(|c| c.endpoint.kind == "LISTEN"));
    assert!(s.delete_endpoint("el").await.unwrap());
    assert!(!s.delete_endpoint("el").await.unwrap());
}

pub async fn each_delivery_is_claimed_by_one_of_eight_workers(s: Arc<dyn Store>) {
    use crate::Outcome;
    s.create_app(&new_app("a")).await.unwrap();
    for i in 0..3 {
        s.insert_endpoint(&endpoint(&format!("e{i}"), "a", &[])).await.unwrap();
    }
    for i in 0..40 {
        s.insert_cert(&cert(&format!("{i:02}"), "a")).await.unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..8 {
        let s = s.clone();
        workers.push(tokio::spawn(async move {
            let owner = format!("w{w}");
            let mut mine = Vec::new();
            loop {
                let got = s.claim_deliveries(&owner, 500, 60, 4, None).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                for c in got {
                    assert!(
                        s.finish_attempt(&owner, &attempt(&c, 501, 200), &Outcome::Delivered).await.unwrap()
                    );
                    mine.push(c.delivery.id);
                }
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (120, 120), "each of 40 × 3 deliveries exactly once");
}

pub async fn housekeeping_removes_only_old_revoked_or_expired_certificates(s: &dyn Store) {
    s.create_app(&new_app("a")).await.unwrap();
    let mut old_revoked = cert("01", "a");
    old_revoked.not_after = 10_000;
    s.insert_cert(&old_revoked).await.unwrap();
    s.revoke_cert("01", 150, "superseded").await.unwrap();
    s.insert_cert(&cert("02", "a")).await.unwrap(); // expired at 200
    s.record_expiry_notice("02", 30, 120).await.unwrap();
    let mut live = cert("03", "a");
    live.not_after = 10_000;
    s.insert_cert(&live).await.unwrap();
    let mut recent = cert("04", "a");
    recent.not_after = 10_000;
    s.insert_cert(&recent).await.unwrap();
    s.revoke_cert("04", 5_000, "keyCompromise").await.unwrap();

    assert!(s.purge_certs(100).await.unwrap().is_empty(), "nothing is that old");
    let mut gone = s.purge_certs(1_000).await.unwrap();
    gone.sort();
    assert_eq!(gone, ["01", "02"]);
    let left: Vec<String> = s.list_certs(Some("a")).await.unwrap().into_iter().map(|c| c.serial).collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&"03".to_owned()) && left.contains(&"04".to_owned()));
    assert!(s.expiry_notices().await.unwrap().is_empty(), "the purged certificate's notices go too");
}

pub async fn renewals_check_the_presented_certificate_and_the_active_count(s: &dyn Store) {
    use crate::{RenewOutcome, RenewalPolicy};
    assert_eq!(s.renewal_policy("a").await.unwrap(), RenewalPolicy::default(), "no app, no row: defaults");
    let strict = RenewalPolicy { allowed: true, window_days: 30, server_keys: true, max_active: 3 };
    assert!(matches!(s.set_renewal_policy("a", &strict).await, Err(StoreError::NotFound(_))));
    s.create_app(&new_app("a")).await.unwrap();
    s.set_renewal_policy("a", &strict).await.unwrap();
    assert_eq!(s.renewal_policy("a").await.unwrap(), strict);
    let off = RenewalPolicy { allowed: false, ..strict };
    s.set_renewal_policy("a", &off).await.unwrap();
    assert_eq!(s.renewal_policy("a").await.unwrap(), off, "set again: replaced");

    s.insert_cert(&cert("01", "a")).await.unwrap();
    let renewed =
        |serial: &str, from: &str| CertRecord { renewed_from: Some(from.into()), ..cert(serial, "a") };
    assert_eq!(s.insert_renewed_cert(&renewed("02", "01"), 3, 150).await.unwrap(), RenewOutcome::Inserted);
    let got = s.cert("02").await.unwrap().unwrap();
    assert_eq!(got.renewed_from.as_deref(), Some("01"), "the row says what it was renewed from");
    assert_eq!(s.cert("01").await.unwrap().unwrap().status(150), CertStatus::Active, "the old one stays");
    assert_eq!(s.insert_renewed_cert(&renewed("03", "02"), 3, 150).await.unwrap(), RenewOutcome::Inserted);
    assert_eq!(
        s.insert_renewed_cert(&renewed("04", "03"), 3, 150).await.unwrap(),
        RenewOutcome::TooMany(3),
        "three active: the fourth is refused"
    );
    assert!(s.cert("04").await.unwrap().is_none());
    s.revoke_cert("01", 151, "rotated").await.unwrap();
    assert_eq!(
        s.insert_renewed_cert(&renewed("05", "01"), 3, 152).await.unwrap(),
        RenewOutcome::SourceUnusable,
        "a revoked certificate cannot renew"
    );
    assert_eq!(
        s.insert_renewed_cert(&renewed("06", "02"), 3, 200).await.unwrap(),
        RenewOutcome::SourceUnusable,
        "nor an expired one"
    );
    assert_eq!(
        s.insert_renewed_cert(&renewed("07", "ff"), 3, 152).await.unwrap(),
        RenewOutcome::SourceUnusable
    );
    assert_eq!(s.insert_renewed_cert(&renewed("08", "03"), 3, 152).await.unwrap(), RenewOutcome::Inserted);
    s.create_app(&new_app("b")).await.unwrap();
    let foreign = CertRecord { renewed_from: Some("03".into()), ..cert("09", "b") };
    assert_eq!(
        s.insert_renewed_cert(&foreign, 3, 152).await.unwrap(),
        RenewOutcome::SourceUnusable,
        "another app's certificate does not renew for this one"
    );
}

/// Twenty concurrent renewals of one app with room for five more certificates: exactly five land.
pub async fn concurrent_renewals_respect_the_maximum_exactly(s: Arc<dyn Store>) {
    s.create_app(&new_app("a")).await.unwrap();
    s.insert_cert(&cert("00", "a")).await.unwrap();
    let tasks: Vec<_> = (1..=20)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let c = CertRecord { renewed_from: Some("00".into()), ..cert(&format!("{i:02x}"), "a") };
                s.insert_renewed_cert(&c, 6, 150).await.unwrap()
            })
        })
        .collect();
    let mut inserted = 0;
    for t in tasks {
        if t.await.unwrap() == crate::RenewOutcome::Inserted {
            inserted += 1;
        }
    }
    assert_eq!(inserted, 5);
    assert_eq!(s.list_certs(Some("a")).await.unwrap().len(), 6);
}

pub async fn faults_belong_to_an_app_and_are_listed_oldest_first(s: &dyn Store) {
    use crate::FaultRecord;
    let f = |id: &str, app: &str, at: i64| FaultRecord {
        id: id.into(),
        app_name: app.into(),
        path_prefix: "/api-partner/".into(),
        probability: 0.25,
        action: r#"{"kind":"RESET"}"#.into(),
        created_at: at,
    };
    assert!(matches!(s.insert_fault(&f("flt_1", "ghost", 1)).await, Err(StoreError::NotFound(_))));
    s.create_app(&new_app("a")).await.unwrap();
    s.create_app(&new_app("b")).await.unwrap();
    // Added in the same second: the order of adding decides, not the id.
    s.insert_fault(&f("flt_1", "a", 1)).await.unwrap();
    s.insert_fault(&f("flt_0", "a", 1)).await.unwrap();
    s.insert_fault(&f("flt_3", "b", 3)).await.unwrap();
    assert!(matches!(s.insert_fault(&f("flt_3", "b", 3)).await, Err(StoreError::Conflict(_))));
    let ids = |v: Vec<FaultRecord>| v.into_iter().map(|f| f.id).collect::<Vec<_>>();
    assert_eq!(ids(s.list_faults(Some("a")).await.unwrap()), ["flt_1", "flt_0"]);
    assert_eq!(ids(s.list_faults(None).await.unwrap()), ["flt_1", "flt_0", "flt_3"]);
    assert_eq!(s.list_faults(Some("a")).await.unwrap()[0], f("flt_1", "a", 1), "stored as given");
    assert_eq!(s.delete_faults("a", Some("flt_3")).await.unwrap(), 0, "b's fault is not a's");
    assert_eq!(s.delete_faults("a", Some("flt_0")).await.unwrap(), 1);
    assert_eq!(s.delete_faults("a", None).await.unwrap(), 1);
    assert_eq!(ids(s.list_faults(None).await.unwrap()), ["flt_3"]);
}

pub async fn sandbox_clocks_test_mode_and_dumps(s: &dyn Store, fresh: &dyn Store) {
    use crate::{ColumnKind, FaultRecord, SandboxSettings, SandboxUser};
    assert!(matches!(s.advance_clock("ghost", 10).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.set_test_mode("ghost", true).await, Err(StoreError::NotFound(_))));
    s.create_app(&new_app("a")).await.unwrap();
    s.create_app(&new_app("b")).await.unwrap();
    assert!(s.sandbox_settings(None).await.unwrap().is_empty(), "no row until something is set");
    assert_eq!(s.advance_clock("a", 86_400).await.unwrap(), 86_400);
    assert_eq!(s.advance_clock("a", 60).await.unwrap(), 86_460, "advances add up");
    s.set_test_mode("a", true).await.unwrap();
    s.set_test_mode("b", true).await.unwrap();
    s.set_test_mode("b", false).await.unwrap();
    let settings = s.sandbox_settings(None).await.unwrap();
    assert_eq!(
        settings,
        [
            ("a".to_owned(), SandboxSettings { clock_offset: 86_460, test_mode: true }),
            ("b".to_owned(), SandboxSettings { clock_offset: 0, test_mode: false }),
        ]
    );
    let user = SandboxUser {
        user_id: "kim".into(),
        name: "김토스".into(),
        phone: "01012345678".into(),
        birthday: "19900101".into(),
        gender: "FEMALE".into(),
        nationality: "LOCAL".into(),
        email: None,
        ci: "ci==".into(),
        created_at: 5,
        withdrawn_at: None,
    };
    s.create_user(&user).await.unwrap();
    let fault = FaultRecord {
        id: "flt_1".into(),
        app_name: "a".into(),
        path_prefix: "/api-partner/".into(),
        probability: 0.5,
        action: r#"{"kind":"RESET"}"#.into(),
        created_at: 7,
    };
    s.insert_fault(&fault).await.unwrap();

    // One app's dump: its rows and the shared users, nothing of b.
    let dump = s.export_state(Some("a")).await.unwrap();
    let table = |name: &str| dump.iter().find(|t| t.name == name).unwrap();
    assert_eq!(table("apps").rows.len(), 1);
    assert_eq!(table("faults").rows.len(), 1);
    let kinds: Vec<ColumnKind> = table("faults").columns.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&ColumnKind::Real) && kinds.contains(&ColumnKind::Int), "{kinds:?}");
    let settings = table("sandbox_settings");
    assert!(settings.columns.iter().any(|c| c.name == "test_mode" && c.kind == ColumnKind::Bool));
    assert!(table("sandbox_users").rows[0].contains(&serde_json::json!("김토스")));
    assert!(dump.iter().all(|t| t.name != "certs"), "no certificates");

    // Into another store (of either backend): the same rows; a second import is refused whole.
    fresh.create_user(&SandboxUser { name: "someone else".into(), ..user.clone() }).await.unwrap();
    let written = fresh.import_state(&dump).await.unwrap();
    assert_eq!(written, 4, "the app, the user, its settings and its fault");
    assert_eq!(fresh.list_faults(Some("a")).await.unwrap(), std::slice::from_ref(&fault));
    assert_eq!(fresh.sandbox_settings(Some("a")).await.unwrap()[0].1.clock_offset, 86_460);
    assert_eq!(
        fresh.user("kim").await.unwrap().unwrap().name,
        "김토스",
        "the dump's user replaces one there"
    );
    let again = fresh.export_state(Some("a")).await.unwrap();
    assert_eq!(again, dump, "export → import → export is the identity");
    assert!(matches!(fresh.import_state(&dump).await, Err(StoreError::Conflict(_))));
    assert_eq!(fresh.list_faults(None).await.unwrap().len(), 1, "nothing of a refused import is written");
    let mut bad: Vec<_> = dump.iter().filter(|t| t.name == "apps" || t.name == "faults").cloned().collect();
    bad[1].rows[0][0] = serde_json::json!("flt_2");
    bad.iter_mut().find(|t| t.name == "apps").unwrap().rows[0][0] = serde_json::json!("c");
    bad.iter_mut().find(|t| t.name == "faults").unwrap().rows[0][1] = serde_json::json!(12);
    assert!(matches!(fresh.import_state(&bad).await, Err(StoreError::Corrupt(_))), "a number for a text");
    assert!(fresh.app("c").await.unwrap().is_none(), "all or none");

    // Reset: the app, its test mode and the users stay; its faults go and its clock is back.
    assert!(matches!(s.reset_app("ghost").await, Err(StoreError::NotFound(_))));
    assert_eq!(s.reset_app("a").await.unwrap(), 1);
    assert!(s.list_faults(Some("a")).await.unwrap().is_empty());
    assert_eq!(
        s.sandbox_settings(Some("a")).await.unwrap()[0].1,
        SandboxSettings { clock_offset: 0, test_mode: true }
    );
    assert!(s.app("a").await.unwrap().is_some() && s.user("kim").await.unwrap().is_some());
    s.reset_clock("a").await.unwrap();
}
