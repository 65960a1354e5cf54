//! The Toss Login rules on a real SQLite store, with time injected (`now`): every error path,
//! the expiry of codes and tokens, rotation, cross-app isolation, the simulator's unlink.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use intoss_login::{LoginConfig, LoginError, LoginService, UnlinkDelivery, UnlinkSink};
use intoss_proto::api::login::{
    CreateUser, GenerateToken, PatchLoginSettings, RefreshToken, SimLogin, SimUnlink, TokenResponse,
};
use intoss_proto::logincrypto::LoginFieldKey;
use intoss_store::{NewApp, SqliteStore, Store};

const T0: i64 = 1_800_000_000;

#[derive(Default)]
struct Collect(Mutex<Vec<UnlinkDelivery>>);

impl UnlinkSink for Collect {
    fn deliver(&self, d: UnlinkDelivery) {
        self.0.lock().unwrap().push(d);
    }
}

struct Fixture {
    svc: LoginService,
    sink: Arc<Collect>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
    for name in ["app-a", "app-b"] {
        store
            .create_app(&NewApp {
                name: name.into(),
                qpm: 3000,
                allow_ips: vec![],
                webhook_url: None,
                created_at: T0,
            })
            .await
            .unwrap();
    }
    let sink = Arc::new(Collect::default());
    let svc = LoginService::new(store, b"master secret of the test", LoginConfig::default(), sink.clone());
    svc.ensure_seed_user(T0).await.unwrap();
    Fixture { svc, sink, _dir: dir }
}

fn login(app: &str, scopes: &[&str]) -> SimLogin {
    SimLogin {
        app: app.into(),
        user: "kim-toss".into(),
        scopes: scopes.iter().map(|s| (*s).into()).collect(),
        agreed_terms: vec!["terms_1".into()],
        referrer: None,
    }
}

fn exchange(code: &str) -> GenerateToken {
    GenerateToken { authorization_code: code.into(), referrer: "DEFAULT".into() }
}

async fn tokens(f: &Fixture, app: &str, scopes: &[&str]) -> TokenResponse {
    let code = f.svc.sim_login(&login(app, scopes), T0).await.unwrap();
    f.svc.generate_token(app, &exchange(&code.authorization_code), T0 + 1).await.unwrap()
}

async fn key_of(f: &Fixture, app: &str) -> LoginFieldKey {
    let s = f.svc.settings(app).await.unwrap();
    LoginFieldKey::from_base64(&s.decryption_key, s.aad).unwrap()
}

#[tokio::test]
async fn login_me_decrypts_consented_fields_and_nulls_the_rest() {
    let f = fixture().await;
    let t = tokens(&f, "app-a", &["USER_NAME", "USER_PHONE", "USER_BIRTHDAY"]).await;
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_in, 3599);
    assert_eq!(t.scope, "user_key user_name user_phone user_birthday");
    let me = f.svc.login_me("app-a", &t.access_token, T0 + 2).await.unwrap();
    let key = key_of(&f, "app-a").await;
    assert_eq!(key.decrypt(me.name.as_deref().unwrap()).unwrap(), "김토스");
    assert_eq!(key.decrypt(me.phone.as_deref().unwrap()).unwrap(), "01012345678");
    assert_eq!(key.decrypt(me.birthday.as_deref().unwrap()).unwrap(), "19930324");
    assert_eq!((me.ci, me.di, me.gender, me.nationality, me.email), (None, None, None, None, None));
    assert_eq!(me.agreed_terms, vec!["terms_1".to_owned()]);
    assert!(me.user_key >= 100_000_000);
    // Another app's key does not decrypt this app's fields.
    let other = key_of(&f, "app-b").await;
    assert!(other.decrypt(me.name.as_deref().unwrap()).is_err());
}

#[tokio::test]
async fn a_code_is_single_use_expires_after_ten_minutes_and_belongs_to_its_app() {
    let f = fixture().await;
    let code = f.svc.sim_login(&login("app-a", &["USER_NAME"]), T0).await.unwrap();
    assert_eq!(code.expires_in, 600);
    let c = exchange(&code.authorization_code);
    // Another app presenting it: refused, and the code stays good for its own app.
    assert_eq!(f.svc.generate_token("app-b", &c, T0 + 1).await, Err(LoginError::InvalidGrant));
    f.svc.generate_token("app-a", &c, T0 + 1).await.unwrap();
    assert_eq!(f.svc.generate_token("app-a", &c, T0 + 2).await, Err(LoginError::InvalidGrant), "reuse");

    let late = f.svc.sim_login(&login("app-a", &["USER_NAME"]), T0).await.unwrap();
    let late = exchange(&late.authorization_code);
    assert_eq!(
        f.svc.generate_token("app-a", &late, T0 + 600).await,
        Err(LoginError::InvalidGrant),
        "expired"
    );
    assert_eq!(f.svc.generate_token("app-a", &exchange("made-up"), T0).await, Err(LoginError::InvalidGrant));
}

#[tokio::test]
async fn bad_parameters_name_their_field() {
    let f = fixture().await;
    let bad_ref = GenerateToken { authorization_code: "x".into(), referrer: "TOSS".into() };
    let Err(LoginError::Invalid { field, .. }) = f.svc.generate_token("app-a", &bad_ref, T0).await else {
        panic!("a bad referrer is INVALID_PARAMETER")
    };
    assert_eq!(field.as_deref(), Some("referrer"));
    let empty = GenerateToken { authorization_code: " ".into(), referrer: "sandbox".into() };
    assert!(matches!(f.svc.generate_token("app-a", &empty, T0).await, Err(LoginError::Invalid { .. })));
    let Err(LoginError::Invalid { field, .. }) =
        f.svc.sim_login(&login("app-a", &["USER_SHOE_SIZE"]), T0).await
    else {
        panic!("an unknown scope is refused")
    };
    assert_eq!(field.as_deref(), Some("scopes"));
    let bad_user = CreateUser {
        name: "이름".into(),
        phone: "123".into(),
        birthday: "19990101".into(),
        gender: "MALE".into(),
        ..Default::default()
    };
    let Err(LoginError::Invalid { field, .. }) = f.svc.create_user(&bad_user, T0).await else { panic!() };
    assert_eq!(field.as_deref(), Some("phone"));
    let bad_date = CreateUser { phone: "01000000000".into(), birthday: "19990230".into(), ..bad_user };
    let Err(LoginError::Invalid { field, .. }) = f.svc.create_user(&bad_date, T0).await else { panic!() };
    assert_eq!(field.as_deref(), Some("birthday"));
}

#[tokio::test]
async fn tokens_expire_refresh_rotates_and_is_single_use() {
    let f = fixture().await;
    let t = tokens(&f, "app-a", &["USER_NAME"]).await;
    // Access token: 1 hour.
    f.svc.login_me("app-a", &t.access_token, T0 + 3600).await.unwrap();
    assert_eq!(f.svc.login_me("app-a", &t.access_token, T0 + 3601).await, Err(LoginError::InvalidGrant));
    // Refresh: a new pair; the old refresh token is ended.
    let r = RefreshToken { refresh_token: t.refresh_token.clone() };
    assert_eq!(f.svc.refresh("app-b", &r, T0 + 3700).await, Err(LoginError::InvalidGrant), "foreign");
    let t2 = f.svc.refresh("app-a", &r, T0 + 3700).await.unwrap();
    assert_ne!(t2.refresh_token, t.refresh_token);
    assert_eq!(f.svc.refresh("app-a", &r, T0 + 3701).await, Err(LoginError::InvalidGrant), "rotated away");
    f.svc.login_me("app-a", &t2.access_token, T0 + 3702).await.unwrap();
    // Refresh token: 14 days from its issue.
    let r2 = RefreshToken { refresh_token: t2.refresh_token };
    assert_eq!(f.svc.refresh("app-a", &r2, T0 + 3700 + 14 * 86_400).await, Err(LoginError::InvalidGrant));
    // A token of app A presented by app B.
    assert_eq!(f.svc.login_me("app-b", &t2.access_token, T0 + 3702).await, Err(LoginError::InvalidGrant));
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_give_exactly_one_pair() {
    let f = Arc::new(fixture().await);
    let t = tokens(&f, "app-a", &["USER_NAME"]).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (f, r) = (f.clone(), RefreshToken { refresh_token: t.refresh_token.clone() });
        tasks.push(tokio::spawn(async move { f.svc.refresh("app-a", &r, T0 + 10).await }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e, LoginError::InvalidGrant),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn removes_end_the_link_without_a_callback_and_keys_are_per_app() {
    let f = fixture().await;
    f.svc
        .patch_settings(
            "app-a",
            &PatchLoginSettings {
                unlink_url: Some(Some("https://partner.example/unlink".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let a = tokens(&f, "app-a", &["USER_NAME"]).await;
    let b = tokens(&f, "app-b", &["USER_NAME"]).await;
    let key_a = f.svc.login_me("app-a", &a.access_token, T0 + 2).await.unwrap().user_key;
    let key_b = f.svc.login_me("app-b", &b.access_token, T0 + 2).await.unwrap().user_key;
    assert_ne!(key_a, key_b, "userKey is per app");
    // app B cannot remove app A's user by A's key.
    assert!(matches!(
        f.svc.remove_by_user_key("app-b", key_a, T0 + 3).await,
        Err(LoginError::UserKeyNotFound(_))
    ));
    let removed = f.svc.remove_by_access_token("app-a", &a.access_token, T0 + 3).await.unwrap();
    assert_eq!(removed.user_key, key_a);
    assert_eq!(f.svc.login_me("app-a", &a.access_token, T0 + 4).await, Err(LoginError::InvalidGrant));
    assert_eq!(
        f.svc.refresh("app-a", &RefreshToken { refresh_token: a.refresh_token }, T0 + 4).await,
        Err(LoginError::InvalidGrant)
    );
    assert!(matches!(
        f.svc.remove_by_user_key("app-a", key_a, T0 + 5).await,
        Err(LoginError::UserKeyNotFound(_))
    ));
    assert_eq!(f.svc.remove_by_user_key("app-b", key_b, T0 + 5).await.unwrap().user_key, key_b);
    assert!(f.sink.0.lock().unwrap().is_empty(), "no callback after the partner's own remove");
    // A new login keeps the app's userKey.
    let again = tokens(&f, "app-a", &["USER_NAME"]).await;
    assert_eq!(f.svc.login_me("app-a", &again.access_token, T0 + 6).await.unwrap().user_key, key_a);
}

#[tokio::test]
async fn the_users_unlink_calls_back_and_leaving_toss_gives_user_not_found() {
    let f = fixture().await;
    f.svc
        .patch_settings(
            "app-a",
            &PatchLoginSettings {
                unlink_url: Some(Some("https://partner.example/unlink".into())),
                unlink_method: Some("GET".into()),
                unlink_basic_auth: Some(Some("toss:s3cret".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let a = tokens(&f, "app-a", &["USER_NAME"]).await;
    let key_a = f.svc.login_me("app-a", &a.access_token, T0 + 2).await.unwrap().user_key;
    let unlink = SimUnlink { app: Some("app-a".into()), user: "kim-toss".into(), reason: "UNLINK".into() };
    let done = f.svc.sim_unlink(&unlink, T0 + 3).await.unwrap();
    assert_eq!(done.unlinked.len(), 1);
    assert!(done.unlinked[0].callback);
    {
        let sent = f.sink.0.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0].body.user_key, sent[0].body.referrer.as_str()), (key_a, "UNLINK"));
        assert_eq!((sent[0].method.as_str(), sent[0].basic_auth.as_deref()), ("GET", Some("toss:s3cret")));
    }
    assert_eq!(f.svc.login_me("app-a", &a.access_token, T0 + 4).await, Err(LoginError::InvalidGrant));
    assert!(
        matches!(f.svc.sim_unlink(&unlink, T0 + 5).await, Err(LoginError::NotFound(_))),
        "not linked now"
    );

    let b = tokens(&f, "app-b", &["USER_NAME"]).await;
    let bad = SimUnlink { reason: "BORED".into(), ..unlink.clone() };
    assert!(matches!(f.svc.sim_unlink(&bad, T0 + 6).await, Err(LoginError::Invalid { .. })));
    let leave = SimUnlink { app: None, user: "kim-toss".into(), reason: "WITHDRAWAL_TOSS".into() };
    let done = f.svc.sim_unlink(&leave, T0 + 6).await.unwrap();
    assert_eq!(done.unlinked.len(), 1, "app-b only: app-a was unlinked already");
    assert!(!done.unlinked[0].callback, "app-b has no callback URL");
    assert!(matches!(
        f.svc.login_me("app-b", &b.access_token, T0 + 7).await,
        Err(LoginError::UserNotFound(_))
    ));
    assert!(matches!(f.svc.sim_login(&login("app-a", &[]), T0 + 8).await, Err(LoginError::Invalid { .. })));
}

#[tokio::test]
async fn mock_codes_work_only_for_test_mode_apps_and_only_once() {
    let f = fixture().await;
    let mock = GenerateToken {
        authorization_code: "mock-auth-7d1c2a8e-3a4b-4c5d-9e6f-0a1b2c3d4e5f".into(),
        referrer: "SANDBOX".into(),
    };
    assert_eq!(
        f.svc.generate_token("app-a", &mock, T0).await,
        Err(LoginError::InvalidGrant),
        "not test mode"
    );
    f.svc
        .patch_settings("app-a", &PatchLoginSettings { test_mode: Some(true), ..Default::default() })
        .await
        .unwrap();
    let with_default = GenerateToken { referrer: "DEFAULT".into(), ..mock.clone() };
    assert_eq!(
        f.svc.generate_token("app-a", &with_default, T0).await,
        Err(LoginError::InvalidGrant),
        "needs SANDBOX"
    );
    let t = f.svc.generate_token("app-a", &mock, T0).await.unwrap();
    let me = f.svc.login_me("app-a", &t.access_token, T0 + 1).await.unwrap();
    let key = key_of(&f, "app-a").await;
    assert_eq!(key.decrypt(me.name.as_deref().unwrap()).unwrap(), "김토스", "the default user, every scope");
    assert_eq!(key.decrypt(me.email.as_deref().unwrap()).unwrap(), "kim.toss@example.com");
    assert_eq!(
        f.svc.generate_token("app-a", &mock, T0 + 2).await,
        Err(LoginError::InvalidGrant),
        "single use"
    );
    // A configured default user.
    let lee = CreateUser {
        id: Some("lee".into()),
        name: "이토스".into(),
        phone: "01099998888".into(),
        birthday: "20000101".into(),
        gender: "MALE".into(),
        ..Default::default()
    };
    f.svc.create_user(&lee, T0).await.unwrap();
    f.svc
        .patch_settings(
            "app-a",
            &PatchLoginSettings { default_user: Some(Some("lee".into())), ..Default::default() },
        )
        .await
        .unwrap();
    let other = GenerateToken { authorization_code: "mock-auth-1".into(), referrer: "sandbox".into() };
    let t = f.svc.generate_token("app-a", &other, T0 + 3).await.unwrap();
    let me = f.svc.login_me("app-a", &t.access_token, T0 + 4).await.unwrap();
    assert_eq!(key.decrypt(me.name.as_deref().unwrap()).unwrap(), "이토스");
    assert_eq!(me.email, None, "a user without e-mail");
}

#[tokio::test]
async fn rotating_the_key_changes_it_and_settings_never_show_the_basic_auth() {
    let f = fixture().await;
    let before = f.svc.settings("app-a").await.unwrap();
    let after = f
        .svc
        .patch_settings(
            "app-a",
            &PatchLoginSettings {
                rotate_key: Some(true),
                unlink_basic_auth: Some(Some("u:p".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_ne!(before.decryption_key, after.decryption_key);
    assert!(after.unlink_basic_auth_set);
    assert!(!format!("{after:?}").contains("u:p"));
    assert_eq!(f.svc.settings("app-a").await.unwrap(), after, "stable across reads");
    assert!(matches!(f.svc.settings("no-such-app").await, Err(LoginError::NotFound(_))));
    let Err(LoginError::Invalid { field, .. }) = f
        .svc
        .patch_settings(
            "app-a",
            &PatchLoginSettings { unlink_url: Some(Some("ftp://x".into())), ..Default::default() },
        )
        .await
    else {
        panic!()
    };
    assert_eq!(field.as_deref(), Some("unlink_url"));
}
