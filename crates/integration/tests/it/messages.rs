//! Messages (기능성 푸시, 알림) end to end through real mTLS: templates added and reviewed in the
//! CLI, `send-message`, `send-test-message` and `send-bulk-message` with the SDK's
//! `MessengerClient`, each user's inbox equal to the rendered template, and every refusal.

use intoss_client::messages::{Context, MessengerClient, To};
use intoss_client::{ClientError, Method};
use serde_json::{Value, json};

use crate::common::*;
use crate::pay::{code, partner, user_key};

fn context(pairs: &[(&str, Value)]) -> Context {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

async fn raw(
    c: &intoss_client::HttpsClient,
    s: &Server,
    route: &str,
    key: Option<&str>,
    body: &Value,
) -> intoss_client::Response {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(k) = key {
        headers.push(("x-toss-user-key", k));
    }
    let url = s.gateway_url(&format!("/api-partner/v1/apps-in-toss/messenger/{route}"));
    c.send(Method::POST, &url, &headers, Some(body.to_string().into_bytes())).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_sends_inboxes_and_every_refusal() {
    let s = Server::start();
    let id = s.app_with_cert("notify", &[]);
    let other = s.app_with_cert("other", &[]);
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
    let (kim, lee) = (user_key(&s, "notify", "kim-toss").await, user_key(&s, "notify", "lee").await);
    let messenger = MessengerClient::new(partner(&s, &id));

    // A template is in review until approved: only a test send can use it.
    let added = s.cli_ok(&[
        "app",
        "template",
        "add",
        "notify",
        "--code",
        "order_ready",
        "--title",
        "#{storeName} 주문 준비 완료",
        "--body",
        "#{userName}님, #{date}에 주문하신 음료가 준비됐어요.",
    ]);
    assert!(added.contains("IN_REVIEW") && added.contains("storeName, userName, date"), "{added}");
    let ctx = context(&[("storeName", "토스카페".into()), ("date", "2025-01-20 15:30".into())]);
    assert_eq!(code(messenger.send(kim, "order_ready", &ctx).await), (409, "TEMPLATE_NOT_APPROVED".into()));
    let test = messenger.send_test(kim, "order_ready", &ctx, "deploy-1").await.unwrap();
    assert_eq!((test.msg_count, test.sent_push_count, test.sent_inbox_count), (2, 1, 1));
    s.cli_ok(&["app", "template", "review", "notify", "order_ready", "--approve"]);
    let again = s.cli(&["app", "template", "review", "notify", "order_ready", "--reject"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("INVALID_STATE"), "reviewed once: {again:?}");

    let sent = messenger.send(kim, "order_ready", &ctx).await.unwrap();
    assert_eq!(
        (sent.msg_count, sent.sent_push_count, sent.sent_inbox_count, sent.sent_sms_count),
        (2, 1, 1, 0)
    );
    assert!(sent.detail.sent_push[0].content_id.starts_with("toss:PUSH~"));
    assert!(sent.detail.sent_inbox[0].content_id.starts_with("toss:INBOX~"));
    assert!(sent.fail.sent_push.is_empty());

    // The inbox holds the rendered template, as the user reads it; the test send is marked.
    let inbox = s.admin().inbox("kim-toss").await.unwrap().messages;
    assert_eq!(inbox.len(), 4);
    assert!(inbox.iter().all(|m| m.title == "토스카페 주문 준비 완료"));
    assert!(inbox.iter().all(|m| m.body == "김토스님, 2025-01-20 15:30에 주문하신 음료가 준비됐어요."));
    assert_eq!(inbox.iter().filter(|m| m.test).count(), 2);
    let ids: Vec<&str> = inbox.iter().map(|m| m.content_id.as_str()).collect();
    assert!(ids.contains(&sent.detail.sent_push[0].content_id.as_str()), "{ids:?}");
    assert!(
        inbox
            .iter()
            .any(|m| m.channel == "INBOX" && !m.test && m.content_id == sent.detail.sent_inbox[0].content_id)
    );
    let shown = s.cli_ok(&["sim", "inbox", "--user", "kim-toss"]);
    assert!(
        shown.contains("김토스님, 2025-01-20 15:30에 주문하신 음료가 준비됐어요.")
            && shown.contains("[PUSH]"),
        "{shown}"
    );

    // Bulk: each user gets their own userName; an unknown userKey is a fail entry.
    let bulk = messenger.send_bulk(&[kim, lee, 424_242], "order_ready", &ctx).await.unwrap();
    assert_eq!((bulk.msg_count, bulk.sent_push_count), (4, 2));
    assert_eq!(bulk.fail.sent_push.len(), 1);
    assert_eq!(bulk.fail.sent_push[0].user_key, Some(424_242));
    let lee_inbox = s.admin().inbox("lee").await.unwrap().messages;
    assert!(lee_inbox.iter().all(|m| m.body.starts_with("이토스님,")), "{lee_inbox:?}");
    assert_eq!(s.admin().app_messages("notify").await.unwrap().messages.len(), 8);

    // Refusals, each an envelope naming its field.
    let missing = context(&[("storeName", "토스카페".into())]);
    let r = messenger.send(kim, "order_ready", &missing).await;
    let Err(ClientError::Api(f)) = r else { panic!("{r:?}") };
    assert_eq!((f.status, f.code.as_str()), (400, "INVALID_PARAMETER"));
    assert!(f.reason.contains("date"), "{}", f.reason);
    let c = s.client(Some(&id));
    let k = kim.to_string();
    let r = raw(
        &c,
        &s,
        "send-message",
        Some(&k),
        &json!({"templateSetCode": "order_ready", "context": {"storeName": "x"}}),
    )
    .await;
    assert_eq!(json(&r)["error"]["field"], "context.date");
    let r = raw(
        &c,
        &s,
        "send-message",
        Some(&k),
        &json!({"templateSetCode": "order_ready", "context": {"storeName": {"a": 1}, "date": "d"}}),
    )
    .await;
    assert_eq!(json(&r)["error"]["field"], "context.storeName");
    let r =
        raw(&c, &s, "send-message", None, &json!({"templateSetCode": "order_ready", "context": {}})).await;
    assert_fail(&r, 400, "INVALID_PARAMETER");
    assert_eq!(json(&r)["error"]["field"], "x-toss-user-key");
    assert_eq!(code(messenger.send(424_242, "order_ready", &ctx).await), (404, "USER_KEY_NOT_FOUND".into()));
    assert_eq!(code(messenger.send(kim, "no_such", &ctx).await), (404, "NOT_FOUND".into()));
    let r = raw(
        &c,
        &s,
        "send-bulk-message",
        None,
        &json!({"templateSetCode": "order_ready", "context": {}, "userKeys": []}),
    )
    .await;
    assert_eq!(json(&r)["error"]["field"], "userKeys");
    let r = get(&c, &s.gateway_url("/api-partner/v1/apps-in-toss/messenger/send-message")).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");
    let r = raw(&c, &s, "send-later", Some(&k), &json!({})).await;
    assert_fail(&r, 404, "NOT_FOUND");
    // Another app has no such template, and its userKeys are its own.
    let other_key = user_key(&s, "other", "kim-toss").await;
    let theirs = MessengerClient::new(partner(&s, &other));
    assert_eq!(code(theirs.send(other_key, "order_ready", &ctx).await), (404, "NOT_FOUND".into()));

    // A rejected template cannot be sent, not even as a test; the reason is told.
    s.cli_ok(&[
        "app",
        "template",
        "add",
        "notify",
        "--code",
        "promo",
        "--title",
        "할인",
        "--body",
        "#{userName}님 할인!",
        "--push",
        "false",
    ]);
    s.cli_ok(&["app", "template", "review", "notify", "promo", "--reject", "--reason", "광고성 문구"]);
    let r = messenger.send(kim, "promo", &Context::new()).await;
    let Err(ClientError::Api(f)) = r else { panic!("{r:?}") };
    assert_eq!(f.code, "TEMPLATE_NOT_APPROVED");
    assert!(f.reason.contains("광고성 문구"), "{}", f.reason);
    assert_eq!(
        code(messenger.send_test(kim, "promo", &Context::new(), "d").await).1,
        "TEMPLATE_NOT_APPROVED"
    );
    // Bad templates.
    for (args, needle) in [
        (vec!["--code", "order_ready", "--title", "t", "--body", "b"], "ALREADY_EXISTS"),
        (vec!["--code", "bad code", "--title", "t", "--body", "b"], "template_set_code"),
        (vec!["--code", "x1", "--title", "t", "--body", "#{open"], "body"),
        (vec!["--code", "x2", "--title", "t", "--body", "b", "--push", "false", "--inbox", "false"], "push"),
    ] {
        let mut all = vec!["app", "template", "add", "notify"];
        all.extend(args);
        let out = s.cli(&all);
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains(needle),
            "{all:?}: {out:?}"
        );
    }
    // x-anon-key in place of x-toss-user-key: the user's anonymous key for the app, stable, and no
    // Toss Login needed.
    let anon = s.cli_ok(&["sim", "anon-key", "--app", "notify", "--user", "lee"]).trim().to_owned();
    assert_eq!(s.cli_ok(&["sim", "anon-key", "--app", "notify", "--user", "lee"]).trim(), anon, "stable");
    assert_ne!(s.cli_ok(&["sim", "anon-key", "--app", "other", "--user", "lee"]).trim(), anon, "per app");
    let by_anon = messenger.send_to(&To::AnonKey(anon.clone()), "order_ready", &ctx).await.unwrap();
    assert_eq!(by_anon.msg_count, 2);
    let latest = s.admin().inbox("lee").await.unwrap().messages;
    assert!(latest.iter().any(|m| m.user_key.is_none() && m.body.starts_with("이토스님,")), "{latest:?}");
    let r = raw(
        &c,
        &s,
        "send-message",
        None,
        &json!({"templateSetCode": "order_ready", "context": {"storeName": "x", "date": "d"}}),
    )
    .await;
    assert_eq!(json(&r)["error"]["field"], "x-toss-user-key");
    let theirs_anon = s.cli_ok(&["sim", "anon-key", "--app", "other", "--user", "lee"]).trim().to_owned();
    let r = messenger.send_to(&To::AnonKey(theirs_anon), "order_ready", &ctx).await;
    let Err(ClientError::Api(f)) = r else { panic!("{r:?}") };
    assert_eq!((f.status, f.code.as_str()), (400, "INVALID_PARAMETER"), "another app's anonymous key");

    let listed = s.cli_ok(&["app", "template", "list", "notify"]);
    assert!(
        listed.contains("APPROVED") && listed.contains("REJECTED") && listed.contains("inbox"),
        "{listed}"
    );
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}
