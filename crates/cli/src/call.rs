//! `intoss call`: one mTLS request, the envelope pretty-printed.
//!
//! Exit status: 0 for a SUCCESS envelope, 1 for a FAIL envelope, a transport or TLS failure
//! (with the reason; a refused or missing client certificate is said plainly, the seed's
//! `ERR_NETWORK`), or an answer that is not an envelope.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use intoss_client::{ClientError, Method, PartnerClient, RetryPolicy};
use serde_json::Value;

/// Arguments of `intoss call`.
#[derive(Debug, clap::Args)]
pub(crate) struct CallArgs {
    /// The URL, e.g. https://127.0.0.1:8443/api-partner/v1/whoami.
    url: String,
    /// Client certificate (PEM).
    #[arg(long, env = "INTOSS_CERT", value_name = "FILE")]
    cert: Option<PathBuf>,
    /// Client key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "INTOSS_KEY", value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Trust only this CA (a private platform such as intoss: its ca.pem). Default: the public
    /// web roots.
    #[arg(long, env = "INTOSS_CACERT", value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// HTTP method (default GET, or POST with -d).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// JSON body.
    #[arg(short = 'd', long = "data", value_name = "JSON")]
    data: Option<String>,
    /// Extra header, `Name: value` (repeatable), e.g. `x-toss-user-key: 42`.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Print the raw body instead of pretty JSON.
    #[arg(long)]
    raw: bool,
}

pub(crate) async fn run(args: CallArgs) -> anyhow::Result<ExitCode> {
    let (base, path) = split_url(&args.url)?;
    let mut builder = PartnerClient::builder().base_url(base).retry(RetryPolicy::none());
    if let Some(ca) = &args.cacert {
        builder =
            builder.private_ca(std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?);
    }
    match (&args.cert, &args.key) {
        (Some(c), Some(k)) => builder = builder.identity_files(c, k),
        (Some(_), None) => anyhow::bail!("--cert needs --key"),
        _ => {}
    }
    let client = builder.build()?;
    let body = match &args.data {
        Some(d) => {
            let v: Value = serde_json::from_str(d).context("-d is not valid JSON")?;
            Some(serde_json::to_vec(&v)?)
        }
        None => None,
    };
    let method = match &args.method {
        Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes()).context("bad -X method")?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    let headers: Vec<(String, String)> = args
        .headers
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .with_context(|| format!("header `{h}` is not `Name: value`"))
        })
        .collect::<anyhow::Result<_>>()?;
    let header_refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let resp = match client.send(method, &path, &header_refs, body).await {
        Ok(r) => r,
        Err(ClientError::Tls(msg)) => {
            eprintln!("error: TLS handshake failed: {msg}");
            if msg.contains("ERR_NETWORK") {
                eprintln!(
                    "hint: pass the app's certificate with --cert client-cert.pem --key client-key.pem"
                );
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    if args.raw {
        println!("{}", String::from_utf8_lossy(&resp.body));
    } else {
        match &parsed {
            Some(v) => println!("{}", serde_json::to_string_pretty(v)?),
            None => println!("{}", String::from_utf8_lossy(&resp.body)),
        }
    }
    match parsed.as_ref().and_then(|v| v.get("resultType")).and_then(Value::as_str) {
        Some("SUCCESS") => Ok(ExitCode::SUCCESS),
        Some(other) => {
            let err = parsed.as_ref().map(|v| &v["error"]);
            let code = err.and_then(|e| e["errorCode"].as_str()).unwrap_or(other);
            let reason = err.and_then(|e| e["reason"].as_str()).unwrap_or("");
            eprintln!("error: HTTP {}: {code}: {reason}", resp.status.as_u16());
            Ok(ExitCode::FAILURE)
        }
        // The OAuth error body of Toss Login and the token endpoint (`{"error":"invalid_grant"}`).
        None if parsed.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str).is_some() => {
            let error = parsed.as_ref().and_then(|v| v["error"].as_str()).unwrap_or_default();
            eprintln!("error: HTTP {}: {error}", resp.status.as_u16());
            Ok(ExitCode::FAILURE)
        }
        None => {
            eprintln!("error: HTTP {}: the answer is not an Apps-in-Toss envelope", resp.status.as_u16());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `https://host:port/path?q` → (`https://host:port`, `/path?q`).
fn split_url(url: &str) -> anyhow::Result<(String, String)> {
    let rest = url.strip_prefix("https://").context("the URL must start with https:// (mTLS only)")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    anyhow::ensure!(!host.is_empty(), "the URL has no host");
    Ok((format!("https://{host}"), path.to_owned()))
}
