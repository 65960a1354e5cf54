//! Promotions (프로모션, 토스 포인트) end to end through real mTLS: get-key, execute-promotion and
//! execution-result with the SDK's `PromotionClient` (PENDING, then SUCCESS; FAILED from the
//! simulator), `TEST_` codes spending nothing, every refusal code (4100 … 4114), each user's
//! points, and 200 concurrent executions against a budget for 50.

use intoss_client::promotions::PromotionClient;
use intoss_client::{ClientError, Method};
use serde_json::{Value, json};

use crate::common::*;
use crate::pay::{code, partner, user_key};

#[tokio::test(flavor = "multi_thread")]
async fn keys_executions_results_points_and_every_refusal() {
    let s = Server::start();
    let id = s.app_with_cert("reward", &[]);
    let other = s.app_with_cert("other", &[]);
    s.cli_ok(&[
        "app",
        "promotion",
        "add",
        "reward",
        "--code",
        "WELCOME",
        "--name",
        "가입 환영",
        "--budget",
        "1000",
        "--per-grant-max",
        "300",
        "--settle-secs",
        "0",
    ]);
    s.cli_ok(&[
        "app",
        "promotion",
        "add",
        "reward",
        "--code",
        "SLOW",
        "--name",
        "늦게 지급",
        "--budget",
        "100",
        "--per-grant-max",
        "100",
        "--settle-secs",
        "3600",
    ]);
    let kim = user_key(&s, "reward", "kim-toss").await;
    let promos = PromotionClient::new(partner(&s, &id));

    // get-key → execute → result: SUCCESS at once with settle 0; the points reach the user.
    let key = promos.get_key(kim).await.unwrap();
    let done = promos.execute(kim, "WELCOME", &key, 300).await.unwrap();
    assert_eq!((done.key.as_str(), done.status.as_str(), done.amount), (key.as_str(), "PENDING", 300));
    assert_eq!(promos.result(kim, "WELCOME", &key).await.unwrap(), "SUCCESS");
    assert_eq!(
        code(promos.execute(kim, "WELCOME", &key, 1).await),
        (409, "4113".into()),
        "a key is used once"
    );
    // A TEST_ code: SUCCESS, nothing spent, no points.
    let test_key = promos.get_key(kim).await.unwrap();
    promos.execute(kim, "TEST_WELCOME", &test_key, 300).await.unwrap();
    assert_eq!(promos.result(kim, "TEST_WELCOME", &test_key).await.unwrap(), "SUCCESS");
    // PENDING until it settles; the simulator fails it and the points go back.
    let slow = promos.get_key(kim).await.unwrap();
    promos.execute(kim, "SLOW", &slow, 100).await.unwrap();
    assert_eq!(promos.result(kim, "SLOW", &slow).await.unwrap(), "PENDING");
    s.cli_ok(&["sim", "promotion-fail", &slow, "--reason", "한도 초과"]);
    assert_eq!(promos.result(kim, "SLOW", &slow).await.unwrap(), "FAILED");
    let left: Vec<(String, i64)> = s
        .admin()
        .promotions("reward")
        .await
        .unwrap()
        .promotions
        .into_iter()
        .map(|p| (p.promotion_code, p.remaining))
        .collect();
    assert_eq!(
        left,
        [("SLOW".to_owned(), 100), ("WELCOME".to_owned(), 700)],
        "the failed grant went back; the test spent nothing"
    );
    assert!(s.cli_ok(&["app", "promotion", "list", "reward"]).contains("WELCOME"));
    let ledger = s.admin().points("kim-toss").await.unwrap();
    assert_eq!(ledger.balance, 300, "only the granted, non-test execution counts");
    assert_eq!(ledger.entries.len(), 3);
    assert!(s.cli_ok(&["sim", "points", "--user", "kim-toss"]).contains("300 Toss points"));

    // Every refusal code.
    let k = promos.get_key(kim).await.unwrap();
    assert_eq!(code(promos.execute(kim, "NOPE", &k, 1).await), (404, "4100".into()));
    assert_eq!(code(promos.execute(kim, "WELCOME", &k, 301).await), (400, "4114".into()));
    assert_eq!(code(promos.execute(kim, "WELCOME", "pkforged", 1).await), (409, "4110".into()));
    s.cli_ok(&[
        "app",
        "promotion",
        "add",
        "reward",
        "--code",
        "TINY",
        "--name",
        "소액",
        "--budget",
        "10",
        "--per-grant-max",
        "10",
    ]);
    promos.execute(kim, "TINY", &k, 10).await.unwrap();
    let k2 = promos.get_key(kim).await.unwrap();
    assert_eq!(code(promos.execute(kim, "TINY", &k2, 1).await), (409, "4112".into()), "the budget is spent");
    s.cli_ok(&["app", "promotion", "set", "reward", "WELCOME", "--state", "PAUSED"]);
    assert_eq!(code(promos.execute(kim, "WELCOME", &k2, 1).await), (409, "4104".into()));
    s.cli_ok(&["app", "promotion", "set", "reward", "WELCOME", "--state", "ENDED"]);
    assert_eq!(code(promos.execute(kim, "WELCOME", &k2, 1).await), (409, "4105".into()));
    let resumed = s.cli(&["app", "promotion", "set", "reward", "WELCOME", "--state", "RUNNING"]);
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("INVALID_STATE"), "ended for good");
    // Another app's key is useless here, and this app's promotions are not another's.
    let other_kim = user_key(&s, "other", "kim-toss").await;
    let theirs = PromotionClient::new(partner(&s, &other));
    let their_key = theirs.get_key(other_kim).await.unwrap();
    assert_eq!(code(theirs.execute(other_kim, "SLOW", &their_key, 1).await), (404, "4100".into()));
    assert_eq!(code(promos.execute(kim, "SLOW", &their_key, 1).await), (409, "4110".into()));
    assert_eq!(code(promos.result(kim, "WELCOME", "pkforged").await), (404, "NOT_FOUND".into()));
    // Inputs and routes.
    let c = s.client(Some(&id));
    let url = |r: &str| s.gateway_url(&format!("/api-partner/v1/apps-in-toss/promotion/{r}"));
    let post = |r: &str, key: Option<&str>, body: Value| {
        let (c, url) = (c.clone(), url(r));
        let key = key.map(str::to_owned);
        async move {
            let mut h = vec![("content-type", "application/json")];
            if let Some(k) = &key {
                h.push(("x-toss-user-key", k.as_str()));
            }
            c.send(Method::POST, &url, &h, Some(body.to_string().into_bytes())).await.unwrap()
        }
    };
    let kk = kim.to_string();
    let r = post("execute-promotion/get-key", None, json!({})).await;
    assert_eq!(json(&r)["error"]["field"], "x-toss-user-key");
    let r = post("execute-promotion/get-key", Some("424242"), json!({})).await;
    assert_fail(&r, 404, "USER_KEY_NOT_FOUND");
    let r =
        post("execute-promotion", Some(&kk), json!({"promotionCode": "SLOW", "key": "k", "amount": 0})).await;
    assert_eq!(json(&r)["error"]["field"], "amount");
    let r = post("execute-promotion", Some(&kk), json!({"promotionCode": "SLOW", "key": "k"})).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    let r = get(&c, &url("execution-result")).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");
    let r = post("grant", Some(&kk), json!({})).await;
    assert_fail(&r, 404, "NOT_FOUND");
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}

/// Two hundred concurrent executions of 10 points, each with its own key, against a budget of
/// 500, through the gateway: exactly fifty are granted, the rest are `4112`, nothing overspent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_is_never_overspent_under_concurrency() {
    let s = Server::start();
    let id = s.app_with_cert("rush", &["--qpm", "100000"]);
    s.cli_ok(&[
        "app",
        "promotion",
        "add",
        "rush",
        "--code",
        "RUSH",
        "--name",
        "선착순",
        "--budget",
        "500",
        "--per-grant-max",
        "10",
        "--settle-secs",
        "0",
    ]);
    let kim = user_key(&s, "rush", "kim-toss").await;
    let promos = PromotionClient::new(partner(&s, &id));
    let mut keys = Vec::new();
    for _ in 0..200 {
        keys.push(promos.get_key(kim).await.unwrap());
    }
    let mut tasks = tokio::task::JoinSet::new();
    for key in keys {
        let p = promos.clone();
        tasks.spawn(async move { p.execute(kim, "RUSH", &key, 10).await });
    }
    let (mut granted, mut refused) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => granted += 1,
            Err(ClientError::Api(f)) if f.code == "4112" => refused += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((granted, refused), (50, 150));
    let p = &s.admin().promotions("rush").await.unwrap().promotions[0];
    assert_eq!((p.spent, p.remaining), (500, 0));
    assert_eq!(s.admin().points("kim-toss").await.unwrap().balance, 500);
}
