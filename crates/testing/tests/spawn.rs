//! The embedding helper as a partner's test would use it: a platform in the test process, an app,
//! whoami over real mTLS, Toss Login with the simulator, two sandboxes apart from each other.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use intoss_client::login::LoginClient;
use intoss_proto::logincrypto::LoginFieldKey;
use intoss_testing::{Sandbox, sim_login};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_serves_an_app_over_mtls_and_its_simulator() {
    let sandbox = Sandbox::spawn().await.unwrap();
    let app = sandbox.app("my-app").await.unwrap();
    let me: Value = app.partner.get("/api-partner/v1/whoami").await.unwrap();
    assert_eq!((me["app"].as_str(), me["certSerial"].as_str()), (Some("my-app"), Some(app.serial.as_str())));
    assert!(app.key_pem.contains("PRIVATE KEY") && app.cert_pem.contains("CERTIFICATE"));

    // Toss Login end to end: the simulator's code, exchanged and decrypted by the SDK.
    let code = sandbox.admin().sim_login(&sim_login("my-app", "kim-toss")).await.unwrap();
    let settings = sandbox.admin().login_settings("my-app").await.unwrap();
    let login = LoginClient::new(
        app.partner.clone(),
        LoginFieldKey::from_base64(&settings.decryption_key, settings.aad).unwrap(),
    );
    let user = login.exchange(&code.authorization_code, "DEFAULT").await.unwrap().me().await.unwrap();
    assert_eq!(user.name.as_deref(), Some("김토스"));

    // A second sandbox is a separate platform: its CA does not know the first one's certificate.
    let other = Sandbox::spawn().await.unwrap();
    assert_ne!(other.endpoints().gateway, sandbox.endpoints().gateway);
    assert_ne!(other.ca_pem(), sandbox.ca_pem());
    assert!(other.admin().app("my-app").await.is_err());
    let dir = sandbox.data_dir().to_path_buf();
    assert!(dir.join("intoss.db").exists());
    sandbox.shutdown().await;
    assert!(!dir.exists(), "the data directory is removed");
    other.shutdown().await;
}
