//! `intoss app ...` and `intoss cert ...`: calls to the admin API.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use intoss_client::AdminClient;
use serde_json::{Value, json};

use crate::args::{AppCmd, CertCmd, Global, IdvClientCmd, IdvCmd};
use crate::output::{field, table};

/// Finds the admin API: `--server/--token` if given, else the data dir's endpoints.json,
/// admin-token and ca.pem.
fn connect(g: &Global) -> anyhow::Result<AdminClient> {
    let dir = g.data_dir();
    let base = match &g.server {
        Some(url) => url.clone(),
        None => {
            let path = dir.join("endpoints.json");
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "cannot read {} (is `intoss serve --data-dir {}` running? or pass --server URL)",
                    path.display(),
                    dir.display()
                )
            })?;
            let ep: intoss_server::Endpoints =
                serde_json::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
            // A wildcard bind (0.0.0.0 / ::) is reached on loopback, which the certificate names.
            let mut console = ep.console;
            if console.ip().is_unspecified() {
                console.set_ip(if console.is_ipv4() {
                    [127, 0, 0, 1].into()
                } else {
                    std::net::Ipv6Addr::LOCALHOST.into()
                });
            }
            format!("https://{console}")
        }
    };
    let token = match &g.token {
        Some(t) => t.clone(),
        None => {
            let path = dir.join("admin-token");
            std::fs::read_to_string(&path).with_context(|| {
                format!("cannot read the admin token {} (or pass --token)", path.display())
            })?
        }
    };
    let ca_path = g.server_ca.clone().unwrap_or_else(|| dir.join("ca.pem"));
    let ca = std::fs::read(&ca_path)
        .with_context(|| format!("cannot read {} (or pass --server-ca FILE)", ca_path.display()))?;
    let cfg = intoss_client::tls::client_config(&ca, None)?;
    Ok(AdminClient::new(cfg, &base, &token))
}

pub(crate) async fn app(g: &Global, cmd: AppCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        AppCmd::Create { name, qpm, allow_ip, json } => {
            let app = client.create_app(&name, qpm, &allow_ip).await?;
            show_app(&app, json);
        }
        AppCmd::List { json } => {
            let apps = client.list_apps().await?;
            if json {
                crate::output::json(&apps["apps"]);
            } else {
                let rows: Vec<Vec<String>> = apps["apps"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|app| {
                                vec![
                                    field(app, "name"),
                                    field(app, "qpm"),
                                    field(app, "allow_ips"),
                                    field(app, "created_at"),
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                table(&["NAME", "QPM", "ALLOWED IPS", "CREATED"], &rows);
            }
        }
        AppCmd::Set { name, qpm, allow_ip, allow_any_ip, json } => {
            let mut patch = json!({});
            if let Some(q) = qpm {
                patch["qpm"] = json!(q);
            }
            if allow_any_ip {
                patch["allow_ips"] = json!([]);
            } else if !allow_ip.is_empty() {
                patch["allow_ips"] = json!(allow_ip);
            }
            if patch.as_object().is_some_and(serde_json::Map::is_empty) {
                bail!("nothing to change: pass --qpm N, --allow-ip ENTRY or --allow-any-ip");
            }
            let app = client.update_app(&name, patch).await?;
            show_app(&app, json);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_app(app: &Value, json: bool) {
    if json {
        crate::output::json(app);
    } else {
        println!(
            "app {}: qpm {}, allowed IPs {}",
            field(app, "name"),
            field(app, "qpm"),
            field(app, "allow_ips")
        );
    }
}

pub(crate) async fn cert(g: &Global, cmd: CertCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        CertCmd::Issue { app, out, key_type, csr, json, force } => {
            let csr_text = match &csr {
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read the CSR {}", p.display()))?,
                ),
                None => None,
            };
            let out = out.unwrap_or_else(|| PathBuf::from("."));
            for f in ["client-cert.pem", "client-key.pem"] {
                if out.join(f).exists() && !force {
                    bail!(
                        "{} exists: rotating? write the new certificate to another --out directory (or pass --force)",
                        out.join(f).display()
                    );
                }
            }
            let issued = client.issue_cert(&app, key_type.as_deref(), csr_text.as_deref()).await?;
            if force {
                // A CSR-issued certificate must not sit next to an older generated key.
                let _ = std::fs::remove_file(out.join("client-key.pem"));
            }
            let written = write_issued(&out, &issued)?;
            let cert = &issued["certificate"];
            if json {
                let mut v = cert.clone();
                v["files"] = json!(written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>());
                crate::output::json(&v);
            } else {
                println!("issued certificate {} for app {}", field(cert, "serial"), field(cert, "app"));
                println!("  valid until {} ({} days)", field(cert, "not_after"), field(cert, "days_left"));
                for p in &written {
                    println!("  wrote {}", p.display());
                }
                if issued["key_pem"].is_string() {
                    println!("  the private key is not kept by the platform: store client-key.pem safely");
                }
            }
        }
        CertCmd::List { app, json } => {
            let certs = client.list_certs(app.as_deref()).await?;
            if json {
                crate::output::json(&certs["certs"]);
            } else {
                let rows: Vec<Vec<String>> = certs["certs"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|c| {
                                let warn = match c.get("expiry_warning").and_then(Value::as_i64) {
                                    Some(d) => format!("expires within {d}d"),
                                    None => String::new(),
                                };
                                vec![
                                    field(c, "serial"),
                                    field(c, "app"),
                                    field(c, "status"),
                                    field(c, "not_after"),
                                    field(c, "days_left"),
                                    warn,
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                table(&["SERIAL", "APP", "STATUS", "NOT AFTER", "DAYS LEFT", "WARNING"], &rows);
            }
        }
        CertCmd::Revoke { serial, reason, json } => {
            let cert = client.revoke_cert(&serial, reason.as_deref()).await?;
            if json {
                crate::output::json(&cert);
            } else {
                println!("revoked certificate {} of app {}", field(&cert, "serial"), field(&cert, "app"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes client-cert.pem (0644), client-key.pem (0600, only for generated keys) and ca.pem.
fn write_issued(dir: &Path, issued: &Value) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    let text = |k: &str| issued[k].as_str().map(str::to_owned);
    if let Some(cert) = text("cert_pem") {
        let p = dir.join("client-cert.pem");
        intoss_server::datadir::write_public(&p, &cert)
            .with_context(|| format!("cannot write {}", p.display()))?;
        written.push(p);
    }
    if let Some(key) = text("key_pem") {
        let p = dir.join("client-key.pem");
        intoss_server::datadir::write_secret(&p, &key)
            .with_context(|| format!("cannot write {}", p.display()))?;
        written.push(p);
    }
    if let Some(ca) = text("ca_pem") {
        let p = dir.join("ca.pem");
        intoss_server::datadir::write_public(&p, &ca)
            .with_context(|| format!("cannot write {}", p.display()))?;
        written.push(p);
    }
    Ok(written)
}

pub(crate) async fn idv(g: &Global, cmd: IdvCmd) -> anyhow::Result<ExitCode> {
    use intoss_client::Method;
    let client = connect(g)?;
    let tx_path = |tx: &str, action: &str| {
        format!("/admin/v1/idv/transactions/{}{action}", intoss_client::percent_encode(tx))
    };
    match cmd {
        IdvCmd::Client(IdvClientCmd::Create { app, env, json }) => {
            let created = client
                .call(Method::POST, "/admin/v1/idv/clients", Some(json!({"app": app, "env": env})))
                .await?;
            if json {
                crate::output::json(&created);
            } else {
                println!("client_id     {}", field(&created, "client_id"));
                println!("client_secret {}", field(&created, "client_secret"));
                println!("(the secret is shown only now; the platform keeps only a keyed hash of it)");
            }
        }
        IdvCmd::Client(IdvClientCmd::List { app, json }) => {
            let path = match &app {
                Some(a) => format!("/admin/v1/idv/clients?app={}", intoss_client::percent_encode(a)),
                None => "/admin/v1/idv/clients".to_owned(),
            };
            let list = client.call(Method::GET, &path, None).await?;
            if json {
                crate::output::json(&list["clients"]);
            } else {
                let rows: Vec<Vec<String>> = list["clients"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|c| vec![field(c, "client_id"), field(c, "app"), field(c, "env")])
                            .collect()
                    })
                    .unwrap_or_default();
                table(&["CLIENT ID", "APP", "ENV"], &rows);
            }
        }
        IdvCmd::Client(IdvClientCmd::Delete { client_id }) => {
            client
                .call(
                    Method::DELETE,
                    &format!("/admin/v1/idv/clients/{}", intoss_client::percent_encode(&client_id)),
                    None,
                )
                .await?;
            println!("deleted client {client_id}");
        }
        IdvCmd::List { client_id, json } => {
            let path = match &client_id {
                Some(c) => {
                    format!("/admin/v1/idv/transactions?client_id={}", intoss_client::percent_encode(c))
                }
                None => "/admin/v1/idv/transactions".to_owned(),
            };
            let list = client.call(Method::GET, &path, None).await?;
            if json {
                crate::output::json(&list["transactions"]);
            } else {
                let rows: Vec<Vec<String>> = list["transactions"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|t| {
                                vec![
                                    field(t, "tx_id"),
                                    field(t, "app"),
                                    field(t, "request_type"),
                                    field(t, "status"),
                                    field(t, "requested_at"),
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                table(&["TX ID", "APP", "TYPE", "STATUS", "REQUESTED"], &rows);
            }
        }
        IdvCmd::Show { tx_id } => {
            crate::output::json(&client.call(Method::GET, &tx_path(&tx_id, ""), None).await?)
        }
        IdvCmd::Open { tx_id } => {
            show_tx(&client.call(Method::POST, &tx_path(&tx_id, "/open"), Some(json!({}))).await?)
        }
        IdvCmd::Expire { tx_id } => {
            show_tx(&client.call(Method::POST, &tx_path(&tx_id, "/expire"), Some(json!({}))).await?)
        }
        IdvCmd::Age { tx_id, seconds } => show_tx(
            &client.call(Method::POST, &tx_path(&tx_id, "/age"), Some(json!({ "seconds": seconds }))).await?,
        ),
        IdvCmd::Complete { tx_id, name, birthday, gender, nationality, phone } => {
            let mut who = serde_json::Map::new();
            for (k, v) in [
                ("name", name),
                ("birthday", birthday),
                ("gender", gender),
                ("nationality", nationality),
                ("phone", phone),
            ] {
                if let Some(v) = v {
                    who.insert(k.to_owned(), json!(v));
                }
            }
            show_tx(
                &client.call(Method::POST, &tx_path(&tx_id, "/complete"), Some(Value::Object(who))).await?,
            )
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_tx(tx: &Value) {
    println!("transaction {}: {}", field(tx, "tx_id"), field(tx, "status"));
}
