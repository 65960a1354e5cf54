//! Delivery of certificate expiry warnings to an app's `webhook_url`.
//!
//! Each warning the expiry scan records is POSTed once as JSON to the app's webhook, if it has
//! one, over HTTPS (public roots, the platform's TLS policy) or plain HTTP:
//!
//! ```json
//! {"type":"CERTIFICATE_EXPIRING","app":"my-app","serial":"5f…","thresholdDays":30,
//!  "notAfter":"2027-12-01T00:00:00Z"}
//! ```
//!
//! A 2xx answer is delivery. Anything else (another status, a refused connection, no answer
//! within [`ATTEMPT_TIMEOUT`]) is retried after each of [`RETRY_DELAYS`], then given up with a
//! warning in the log. The warning is recorded as sent before it is delivered, so a restart
//! repeats none and a delivery cut short by a stop is not retried (at most once; the console and
//! the log still show it). Webhook URLs often carry a secret in their path (a chat service's
//! incoming-webhook URL), so the log names only the host.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use intoss_core::expiry::Warning;

/// Time allowed for one delivery attempt, connect to answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Waits before the second and third attempts.
pub const RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(2), Duration::from_secs(10)];

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Posts expiry warnings to webhooks.
#[derive(Clone)]
pub struct Notifier(Client<Https, Full<Bytes>>);

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notifier")
    }
}

impl Notifier {
    /// A client trusting the public web PKI (webpki-roots), with the platform's TLS policy.
    pub fn new() -> Result<Self, rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(intoss_tls::policy_provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self(Client::builder(TokioExecutor::new()).build(connector)))
    }

    /// Delivers `warning` to `url`, retrying as described above; returns whether it was delivered.
    pub async fn deliver(&self, url: &str, warning: &Warning) -> bool {
        let host =
            url.parse::<http::Uri>().ok().and_then(|u| u.host().map(str::to_owned)).unwrap_or_default();
        let body = Bytes::from(
            serde_json::json!({
                "type": "CERTIFICATE_EXPIRING",
                "app": warning.app,
                "serial": warning.serial,
                "thresholdDays": warning.threshold_days,
                "notAfter": intoss_core::rfc3339(warning.not_after),
            })
            .to_string(),
        );
        let mut delays = RETRY_DELAYS.iter();
        loop {
            let outcome = match tokio::time::timeout(ATTEMPT_TIMEOUT, self.attempt(url, body.clone())).await {
                Ok(Ok(status)) if status.is_success() => return true,
                Ok(Ok(status)) => format!("answered {status}"),
                Ok(Err(e)) => e,
                Err(_) => format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
            };
            let Some(delay) = delays.next() else {
                tracing::warn!(app = %warning.app, serial = %warning.serial, webhook_host = %host, %outcome,
                    "expiry warning not delivered to the app's webhook; giving up");
                return false;
            };
            tracing::info!(app = %warning.app, webhook_host = %host, %outcome, "expiry webhook failed; retrying");
            tokio::time::sleep(*delay).await;
        }
    }

    async fn attempt(&self, url: &str, body: Bytes) -> Result<http::StatusCode, String> {
        let req = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, concat!("intoss/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(body))
            .map_err(|_| "the webhook URL is not usable".to_owned())?;
        let resp = self.0.request(req).await.map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status();
        // Read (and drop) the answer so the connection can be reused.
        let _ = resp.into_body().collect().await;
        Ok(status)
    }
}
