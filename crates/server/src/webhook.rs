//! Delivery of certificate expiry warnings to an app's `webhook_url`, and of Toss Login's unlink
//! callbacks to an app's `unlink_url` (same client, same retries).
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

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use intoss_core::expiry::Warning;
use intoss_login::{UnlinkDelivery, UnlinkSink};

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
    /// A client trusting the public web PKI (webpki-roots) and `extra_ca` (PEM, from
    /// `[webhooks] ca_file`: a partner's private CA, or a test's), with the platform's TLS policy.
    pub fn new(extra_roots: &[rustls::pki_types::CertificateDer<'static>]) -> Result<Self, rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in extra_roots {
            roots.add(cert.clone())?;
        }
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
        let request = || {
            http::Request::post(url)
                .header(http::header::CONTENT_TYPE, "application/json")
                .header(http::header::USER_AGENT, USER_AGENT)
                .body(Full::new(body.clone()))
        };
        self.with_retries(("expiry warning", "expiry webhook"), &warning.app, url, request).await
    }

    /// Delivers a Toss Login unlink callback: `GET url?userKey=…&referrer=…` or a POST of
    /// `{"userKey":…,"referrer":"…"}`, with `Authorization: Basic base64(user:password)` when
    /// configured; retried as expiry warnings are.
    pub async fn deliver_unlink(&self, d: &UnlinkDelivery) -> bool {
        let auth = d.basic_auth.as_ref().map(|a| format!("Basic {}", BASE64.encode(a)));
        let get_url = {
            let sep = if d.url.contains('?') { '&' } else { '?' };
            format!("{}{sep}userKey={}&referrer={}", d.url, d.body.user_key, d.body.referrer)
        };
        let body = Bytes::from(serde_json::to_vec(&d.body).unwrap_or_default());
        let request = || {
            let builder = if d.method == "GET" {
                http::Request::get(get_url.as_str())
            } else {
                http::Request::post(d.url.as_str()).header(http::header::CONTENT_TYPE, "application/json")
            };
            let builder = match &auth {
                Some(a) => builder.header(http::header::AUTHORIZATION, a.as_str()),
                None => builder,
            };
            let body = if d.method == "GET" { Bytes::new() } else { body.clone() };
            builder.header(http::header::USER_AGENT, USER_AGENT).body(Full::new(body))
        };
        self.with_retries(("unlink callback", "unlink callback"), &d.app, &d.url, request).await
    }

    /// Sends the request `make` builds until a 2xx, after each of [`RETRY_DELAYS`]. `what` names
    /// the delivery in the log: (what was not delivered, what failed).
    async fn with_retries<F>(&self, (what, short): (&str, &str), app: &str, url: &str, make: F) -> bool
    where
        F: Fn() -> Result<http::Request<Full<Bytes>>, http::Error>,
    {
        // URLs often carry a secret in their path: the log names only the host.
        let host =
            url.parse::<http::Uri>().ok().and_then(|u| u.host().map(str::to_owned)).unwrap_or_default();
        let mut delays = RETRY_DELAYS.iter();
        loop {
            let outcome = match make() {
                Err(_) => "the URL is not usable".to_owned(),
                Ok(req) => match tokio::time::timeout(ATTEMPT_TIMEOUT, self.attempt(req)).await {
                    Ok(Ok(status)) if status.is_success() => return true,
                    Ok(Ok(status)) => format!("answered {status}"),
                    Ok(Err(e)) => e,
                    Err(_) => format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
                },
            };
            let Some(delay) = delays.next() else {
                tracing::warn!(%app, webhook_host = %host, %outcome, "{what} not delivered to the app's webhook; giving up");
                return false;
            };
            tracing::info!(%app, webhook_host = %host, %outcome, "{short} failed; retrying");
            tokio::time::sleep(*delay).await;
        }
    }

    async fn attempt(&self, req: http::Request<Full<Bytes>>) -> Result<http::StatusCode, String> {
        let resp = self.0.request(req).await.map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status();
        // Read (and drop) the answer so the connection can be reused.
        let _ = resp.into_body().collect().await;
        Ok(status)
    }
}

const USER_AGENT: &str = concat!("intoss/", env!("CARGO_PKG_VERSION"));

/// The certificates of a PEM bundle.
pub(crate) fn pem_certs(
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, rustls::Error> {
    use rustls::pki_types::pem::PemObject as _;
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| rustls::Error::General(format!("webhooks.ca_file: {e}")))?;
    if certs.is_empty() {
        return Err(rustls::Error::General("webhooks.ca_file holds no certificate".into()));
    }
    Ok(certs)
}

/// The platform's unlink callbacks, delivered in the background by a [`Notifier`].
#[derive(Debug, Clone)]
pub struct UnlinkSender(pub Notifier);

impl UnlinkSink for UnlinkSender {
    fn deliver(&self, d: UnlinkDelivery) {
        let notifier = self.0.clone();
        tokio::spawn(async move { notifier.deliver_unlink(&d).await });
    }
}
