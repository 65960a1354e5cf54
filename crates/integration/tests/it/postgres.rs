//! `intoss serve` on PostgreSQL (`[storage] url`): the whole platform, and a restart, with its
//! state in a real PostgreSQL server on 127.0.0.1.

use crate::common::*;

#[tokio::test]
async fn serve_on_postgres_issues_certificates_and_keeps_them_across_restarts() {
    let Some(pg) = intoss_testsupport::postgres() else { return };
    let url = pg.createdb();
    let out = std::process::Command::new(bin())
        .arg("migrate")
        .arg("--config")
        .arg({
            let dir = tempfile::tempdir().unwrap().keep();
            let p = dir.join("m.toml");
            std::fs::write(&p, format!("[storage]\nurl = \"{url}\"\n")).unwrap();
            p
        })
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut s = Server::start_with(&format!("[storage]\nurl = \"{url}\"\n"));
    let id = s.app_with_cert("pg-app", &["--qpm", "50"]);
    let r = get(&s.client(Some(&id)), &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(json(&r)["success"]["qpmLimit"], 50);
    s.cli_ok(&["idv", "client", "create", "--app", "pg-app"]);

    s.kill9();
    s.spawn();
    let r = get(&s.client(Some(&id)), &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(json(&r)["success"]["app"], "pg-app", "state lives in PostgreSQL");
    let clients: serde_json::Value =
        serde_json::from_str(&s.cli_ok(&["idv", "client", "list", "--json"])).unwrap();
    assert_eq!(clients.as_array().unwrap().len(), 1);
    // The SQLite file of the data dir holds nothing of it.
    let sqlite = intoss_store::SqliteStore::open(&s.data_dir().join("intoss.db")).await.unwrap();
    assert!(intoss_store::Store::list_apps(&sqlite).await.unwrap().is_empty());
}

#[test]
fn a_bad_storage_url_is_refused_naming_the_key() {
    let err = serve_refused("[storage]\nurl = \"mysql://u:secret@h/db\"\n");
    assert!(
        err.contains("storage.url") && !err.contains("secret"),
        "names the key, hides the password: {err}"
    );
}
