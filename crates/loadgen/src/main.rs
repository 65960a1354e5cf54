//! `intoss-loadgen`: drives an intoss server for the benchmark scripts.
//!
//! `idv` measures the identity-verification request and result calls: each worker keeps one
//! call in flight; every request carries a fresh sessionKey (RSA-OAEP to the platform's key) and
//! encrypted fields, and every result call a fresh sessionKey, as a real partner sends them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand, ValueEnum};
use intoss_client::{HttpsClient, Method};
use intoss_proto::fieldcrypto::Session;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Call {
    Request,
    Result,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Identity-verification request or result calls.
    Idv {
        /// Which call to measure.
        #[arg(long, value_enum)]
        call: Call,
        /// https://host:port of the cert listener.
        #[arg(long)]
        cert_url: String,
        /// https://host:port of the console (admin API), to complete transactions.
        #[arg(long)]
        admin_url: String,
        /// The platform's data dir (ca.pem, admin-token, idv-public-key.pem).
        #[arg(long)]
        data_dir: std::path::PathBuf,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        client_secret: String,
        /// Calls in flight.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Request calls: how long to run. Result calls: bounded by --transactions instead.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Result calls: completed transactions to prepare (2 result calls each).
        #[arg(long, default_value_t = 200)]
        transactions: usize,
    },
}

struct Target {
    http: HttpsClient,
    base: String,
    token: String,
    public_key: Vec<u8>,
}

impl Target {
    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let auth = format!("Bearer {}", self.token);
        let r = self
            .http
            .send(
                Method::POST,
                &format!("{}{path}", self.base),
                &[("authorization", &auth)],
                Some(body.to_string().into_bytes()),
            )
            .await?;
        let v: Value = serde_json::from_slice(&r.body)?;
        if v["resultType"] != "SUCCESS" {
            bail!("{path}: {v}");
        }
        Ok(v["success"].clone())
    }

    async fn request_personal(&self) -> anyhow::Result<String> {
        let s = Session::generate()?;
        let body = json!({
            "requestType": "USER_PERSONAL", "requestUrl": "intoss://bench", "triggerType": "APP_SCHEME",
            "userName": s.encrypt("홍길동")?, "userPhone": s.encrypt("01012345678")?,
            "userBirthday": s.encrypt("19900101")?, "sessionKey": s.session_key(&self.public_key)?,
        });
        Ok(self.post("/api/v2/sign/user/auth/id/request", &body).await?["txId"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    async fn result(&self, tx: &str) -> anyhow::Result<()> {
        let s = Session::generate()?;
        let v = self
            .post(
                "/api/v2/sign/user/auth/id/result",
                &json!({"txId": tx, "sessionKey": s.session_key(&self.public_key)?}),
            )
            .await?;
        s.decrypt(v["personalData"]["name"].as_str().unwrap_or_default())?;
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let Command::Idv {
        call,
        cert_url,
        admin_url,
        data_dir,
        client_id,
        client_secret,
        concurrency,
        seconds,
        transactions,
    } = Cli::parse().command;
    let ca = std::fs::read(data_dir.join("ca.pem")).context("ca.pem")?;
    let http = HttpsClient::new(intoss_client::tls::client_config(&ca, None)?);
    let form =
        format!("grant_type=client_credentials&scope=ca&client_id={client_id}&client_secret={client_secret}");
    let r = http
        .send(
            Method::POST,
            &format!("{cert_url}/token"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.into_bytes()),
        )
        .await?;
    let token =
        serde_json::from_slice::<Value>(&r.body)?["access_token"].as_str().context("no token")?.to_owned();
    let pem = std::fs::read_to_string(data_dir.join("idv-public-key.pem"))?;
    let public_key = intoss_pki::pem_block(&pem, "PUBLIC KEY")?;
    let target = Arc::new(Target { http, base: cert_url, token, public_key });

    match call {
        Call::Request => {
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let done = Arc::new(AtomicUsize::new(0));
            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..concurrency {
                let (t, done) = (target.clone(), done.clone());
                tasks.spawn(async move {
                    while Instant::now() < deadline {
                        t.request_personal().await?;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    anyhow::Ok(())
                });
            }
            while let Some(r) = tasks.join_next().await {
                r??;
            }
            report("request", done.load(Ordering::Relaxed), start.elapsed());
        }
        Call::Result => {
            let admin_token = std::fs::read_to_string(data_dir.join("admin-token"))?;
            let admin = intoss_client::AdminClient::new(
                intoss_client::tls::client_config(&ca, None)?,
                &admin_url,
                &admin_token,
            );
            eprintln!("preparing {transactions} completed transactions...");
            let mut txs = Vec::new();
            for _ in 0..transactions {
                let tx = target.request_personal().await?;
                admin
                    .call(Method::POST, &format!("/admin/v1/idv/transactions/{tx}/complete"), Some(json!({})))
                    .await?;
                txs.push(tx.clone());
                txs.push(tx);
            }
            let queue = Arc::new(std::sync::Mutex::new(txs));
            let start = Instant::now();
            let done = Arc::new(AtomicUsize::new(0));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..concurrency {
                let (t, q, done) = (target.clone(), queue.clone(), done.clone());
                tasks.spawn(async move {
                    loop {
                        let next = q.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop();
                        let Some(tx) = next else { return anyhow::Ok(()) };
                        t.result(&tx).await?;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            while let Some(r) = tasks.join_next().await {
                r??;
            }
            report("result", done.load(Ordering::Relaxed), start.elapsed());
        }
    }
    Ok(())
}

fn report(call: &str, n: usize, took: Duration) {
    let rate = n as f64 / took.as_secs_f64();
    println!(
        "{{\"call\":\"{call}\",\"calls\":{n},\"seconds\":{:.2},\"per_second\":{rate:.1}}}",
        took.as_secs_f64()
    );
}
