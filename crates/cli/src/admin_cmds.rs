//! `intoss app ...` and `intoss cert ...`: calls to the admin API.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use intoss_client::AdminClient;
use intoss_proto::api::admin::{
    App, CompleteTx, CreateApp, IdvEnv, IdvTransaction, IssueCert, IssuedCert, PatchApp,
};

use crate::args::{AppCmd, CertCmd, Global, IdvClientCmd, IdvCmd};
use crate::output::{list, opt, table};

/// Finds the admin API: `--server/--token` if given, else the data dir's endpoints.json,
/// admin-token and ca.pem.
pub(crate) fn connect(g: &Global) -> anyhow::Result<AdminClient> {
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
            let app =
                client.create_app(&CreateApp { name, qpm, allow_ips: allow_ip, webhook_url: None }).await?;
            show_app(&app, json);
        }
        AppCmd::List { json } => {
            let apps = client.list_apps().await?.apps;
            if json {
                crate::output::json(&apps);
            } else {
                let rows: Vec<Vec<String>> = apps
                    .iter()
                    .map(|app| {
                        vec![
                            app.name.clone(),
                            app.qpm.to_string(),
                            list(&app.allow_ips),
                            app.created_at.clone(),
                        ]
                    })
                    .collect();
                table(&["NAME", "QPM", "ALLOWED IPS", "CREATED"], &rows);
            }
        }
        AppCmd::Set { name, qpm, allow_ip, allow_any_ip, json } => {
            let allow_ips =
                if allow_any_ip { Some(Vec::new()) } else { Some(allow_ip).filter(|a| !a.is_empty()) };
            let patch = PatchApp { qpm, allow_ips, webhook_url: None };
            if patch == PatchApp::default() {
                bail!("nothing to change: pass --qpm N, --allow-ip ENTRY or --allow-any-ip");
            }
            let app = client.update_app(&name, &patch).await?;
            show_app(&app, json);
        }
        AppCmd::Show { name, json } => return crate::login_cmds::app_show(g, &name, json).await,
        AppCmd::Login(args) => return crate::login_cmds::app_login(g, args).await,
        AppCmd::Pay(args) => return crate::pay_cmds::app_pay(g, args).await,
        AppCmd::Renewal(args) => return crate::renew_cmds::app_renewal(g, args).await,
        AppCmd::Product(cmd) => return crate::pay_cmds::product(g, cmd).await,
        AppCmd::Template(cmd) => return crate::message_cmds::template(g, cmd).await,
        AppCmd::Promotion(cmd) => return crate::promotion_cmds::promotion(g, cmd).await,
    }
    Ok(ExitCode::SUCCESS)
}

fn show_app(app: &App, json: bool) {
    if json {
        crate::output::json(app);
    } else {
        println!("app {}: qpm {}, allowed IPs {}", app.name, app.qpm, list(&app.allow_ips));
    }
}

pub(crate) async fn cert(g: &Global, cmd: CertCmd) -> anyhow::Result<ExitCode> {
    // Partner side: the certificate itself is the credential, no admin token.
    let cmd = match cmd {
        CertCmd::Renew(a) => return crate::renew_cmds::renew(a).await,
        other => other,
    };
    let client = connect(g)?;
    match cmd {
        CertCmd::Issue { app, out, key_type, csr, json, force } => {
            let csr = match &csr {
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
            let issued = client.issue_cert(&app, &IssueCert { key_type, csr }).await?;
            if force {
                // A CSR-issued certificate must not sit next to an older generated key.
                let _ = std::fs::remove_file(out.join("client-key.pem"));
            }
            let written = write_issued(&out, &issued)?;
            let cert = &issued.certificate;
            if json {
                #[derive(serde::Serialize)]
                struct Shown<'a> {
                    #[serde(flatten)]
                    cert: &'a intoss_proto::api::admin::Cert,
                    files: Vec<String>,
                }
                let files = written.iter().map(|p| p.display().to_string()).collect();
                crate::output::json(&Shown { cert, files });
            } else {
                println!("issued certificate {} for app {}", cert.serial, cert.app);
                println!("  valid until {} ({} days)", cert.not_after, cert.days_left);
                for p in &written {
                    println!("  wrote {}", p.display());
                }
                if issued.key_pem.is_some() {
                    println!("  the private key is not kept by the platform: store client-key.pem safely");
                }
            }
        }
        CertCmd::List { app, json } => {
            let certs = client.list_certs(app.as_deref()).await?.certs;
            if json {
                crate::output::json(&certs);
            } else {
                let rows: Vec<Vec<String>> = certs
                    .iter()
                    .map(|c| {
                        let warn = match c.expiry_warning {
                            Some(d) => format!("expires within {d}d"),
                            None => String::new(),
                        };
                        vec![
                            c.serial.clone(),
                            c.app.clone(),
                            c.status.as_str().to_owned(),
                            c.not_after.clone(),
                            c.days_left.to_string(),
                            warn,
                        ]
                    })
                    .collect();
                table(&["SERIAL", "APP", "STATUS", "NOT AFTER", "DAYS LEFT", "WARNING"], &rows);
            }
        }
        // Answered above, before an admin client is made.
        CertCmd::Renew(a) => return crate::renew_cmds::renew(a).await,
        CertCmd::Revoke { serial, reason, json } => {
            let cert = client.revoke_cert(&serial, reason.as_deref()).await?;
            if json {
                crate::output::json(&cert);
            } else {
                println!("revoked certificate {} of app {}", cert.serial, cert.app);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes client-cert.pem (0644), client-key.pem (0600, only for generated keys) and ca.pem.
fn write_issued(dir: &Path, issued: &IssuedCert) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    let p = dir.join("client-cert.pem");
    intoss_server::datadir::write_public(&p, &issued.cert_pem)
        .with_context(|| format!("cannot write {}", p.display()))?;
    written.push(p);
    if let Some(key) = &issued.key_pem {
        let p = dir.join("client-key.pem");
        intoss_server::datadir::write_secret(&p, key)
            .with_context(|| format!("cannot write {}", p.display()))?;
        written.push(p);
    }
    let p = dir.join("ca.pem");
    intoss_server::datadir::write_public(&p, &issued.ca_pem)
        .with_context(|| format!("cannot write {}", p.display()))?;
    written.push(p);
    Ok(written)
}

pub(crate) async fn idv(g: &Global, cmd: IdvCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        IdvCmd::Client(IdvClientCmd::Create { app, env, json }) => {
            let env = if env == "live" { IdvEnv::Live } else { IdvEnv::Test };
            let created = client.create_idv_client(&app, Some(env)).await?;
            if json {
                crate::output::json(&created);
            } else {
                println!("client_id     {}", created.client_id);
                println!("client_secret {}", created.client_secret);
                println!("(the secret is shown only now; the platform keeps only a keyed hash of it)");
            }
        }
        IdvCmd::Client(IdvClientCmd::List { app, json }) => {
            let clients = client.idv_clients(app.as_deref()).await?.clients;
            if json {
                crate::output::json(&clients);
            } else {
                let rows: Vec<Vec<String>> = clients
                    .iter()
                    .map(|c| vec![c.client_id.clone(), c.app.clone(), c.env.as_str().to_owned()])
                    .collect();
                table(&["CLIENT ID", "APP", "ENV"], &rows);
            }
        }
        IdvCmd::Client(IdvClientCmd::Delete { client_id }) => {
            client.delete_idv_client(&client_id).await?;
            println!("deleted client {client_id}");
        }
        IdvCmd::List { client_id, json } => {
            let txs = client.idv_transactions(client_id.as_deref()).await?.transactions;
            if json {
                crate::output::json(&txs);
            } else {
                let rows: Vec<Vec<String>> = txs
                    .iter()
                    .map(|t| {
                        vec![
                            t.tx_id.clone(),
                            opt(t.app.as_deref()),
                            t.request_type.clone(),
                            t.status.clone(),
                            t.requested_at.clone(),
                        ]
                    })
                    .collect();
                table(&["TX ID", "APP", "TYPE", "STATUS", "REQUESTED"], &rows);
            }
        }
        IdvCmd::Show { tx_id } => crate::output::json(&client.idv_transaction(&tx_id).await?),
        IdvCmd::Open { tx_id } => show_tx(&client.open_idv_transaction(&tx_id).await?),
        IdvCmd::Expire { tx_id } => show_tx(&client.expire_idv_transaction(&tx_id).await?),
        IdvCmd::Complete { tx_id, name, birthday, gender, nationality, phone } => {
            let who = CompleteTx { name, birthday, gender, nationality, phone };
            show_tx(&client.complete_idv_transaction(&tx_id, &who).await?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_tx(tx: &IdvTransaction) {
    println!("transaction {}: {}", tx.tx_id, tx.status);
}
