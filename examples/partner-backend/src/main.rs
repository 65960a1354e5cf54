//! `partner-backend`: run the example backend against intoss (or, with other URLs and keys,
//! the real Apps-in-Toss and Toss Cert services).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use intoss_client::PartnerClient;
use intoss_client::idv::IdvClient;

#[derive(Debug, Parser)]
struct Args {
    /// The Apps-in-Toss API base, e.g. https://127.0.0.1:8443.
    #[arg(long)]
    gateway: String,
    /// The identity-verification base, e.g. https://127.0.0.1:9443.
    #[arg(long)]
    idv_base: String,
    /// The platform CA (intoss's ca.pem).
    #[arg(long)]
    cacert: PathBuf,
    /// client-cert.pem
    #[arg(long)]
    cert: PathBuf,
    /// client-key.pem
    #[arg(long)]
    key: PathBuf,
    /// The identity-verification public key (intoss's idv-public-key.pem).
    #[arg(long)]
    idv_public_key: PathBuf,
    #[arg(long, env = "TOSS_CERT_CLIENT_ID")]
    client_id: String,
    #[arg(long, env = "TOSS_CERT_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let a = Args::parse();
    let ca = std::fs::read(&a.cacert).context("--cacert")?;
    let api = PartnerClient::builder()
        .base_url(&a.gateway)
        .private_ca(ca.clone())
        .identity_files(&a.cert, &a.key)
        .pace(intoss_client::partner::DEFAULT_QPM)
        .build()?;
    let idv = IdvClient::sandbox(
        &a.idv_base,
        &ca,
        &std::fs::read(&a.idv_public_key)?,
        &a.client_id,
        &a.client_secret,
    )?;
    let backend = Arc::new(partner_backend::Backend {
        pay: intoss_client::pay::PayClient::new(api.clone()),
        test_payments: true,
        api,
        idv,
        return_url: "intoss://my-granite-app".into(),
        verified: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind(&a.listen).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(
        listener,
        partner_backend::router(backend).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await?;
    Ok(())
}
