//! A small HTTPS client and envelope decoding.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::http::{HeaderMap, Method, Request, StatusCode, Uri, header};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use intoss_proto::{Envelope, ResultType};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme};
use serde::de::DeserializeOwned;

use crate::ClientError;

/// A pooled HTTPS client (HTTP/1.1 and HTTP/2) over one rustls config.
#[derive(Clone)]
pub struct HttpsClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    cert_resolver: Arc<RecordingResolver>,
}

/// Wraps the config's client-certificate resolver to remember whether a server asked for a
/// certificate that this client could not give. With TLS 1.3 the server's refusal comes after
/// the client considers the handshake done, often as a bare connection close; this flag is how
/// the client can still say "the server requires a client certificate" (the seed's ERR_NETWORK).
#[derive(Debug)]
struct RecordingResolver {
    inner: Arc<dyn ResolvesClientCert>,
    asked_without_cert: AtomicBool,
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let found = self.inner.resolve(root_hint_subjects, sigschemes);
        if found.is_none() {
            self.asked_without_cert.store(true, Ordering::Relaxed);
        }
        found
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

impl std::fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpsClient")
    }
}

/// A whole response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl HttpsClient {
    /// A client using `config` for every connection, speaking HTTP/1.1 only (for benchmarks
    /// that must compare like with like).
    pub fn new_http1(config: ClientConfig) -> Self {
        Self::build(config, false)
    }

    /// A client using `config` for every connection (HTTP/2 or HTTP/1.1 by ALPN).
    pub fn new(config: ClientConfig) -> Self {
        Self::build(config, true)
    }

    fn build(mut config: ClientConfig, http2: bool) -> Self {
        let cert_resolver = Arc::new(RecordingResolver {
            inner: config.client_auth_cert_resolver.clone(),
            asked_without_cert: AtomicBool::new(false),
        });
        config.client_auth_cert_resolver = cert_resolver.clone();
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config).https_only();
        let connector =
            if http2 { builder.enable_all_versions().build() } else { builder.enable_http1().build() };
        Self { inner: Client::builder(TokioExecutor::new()).build(connector), cert_resolver }
    }

    /// Sends one request. `body` is sent as `application/json` when present.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, ClientError> {
        let uri: Uri = url.parse().map_err(|_| ClientError::Config(format!("`{url}` is not a URL")))?;
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| ClientError::Config(e.to_string()))?;
        let resp = self.inner.request(req).await.map_err(|e| self.classify(e))?;
        // A server answered: whatever an earlier handshake lacked is not a later failure's cause.
        self.cert_resolver.asked_without_cert.store(false, Ordering::Relaxed);
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(|e| ClientError::Transport(e.to_string()))?.to_bytes();
        Ok(Response { status: parts.status, headers: parts.headers, body })
    }
}

impl HttpsClient {
    /// Tells TLS failures (including a refused client certificate) from other transport errors.
    fn classify(&self, e: hyper_util::client::legacy::Error) -> ClientError {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = cur {
            if let Some(tls) = err.downcast_ref::<rustls::Error>() {
                return ClientError::Tls(explain_tls(&tls.to_string()));
            }
            if let Some(io) = err.downcast_ref::<std::io::Error>()
                && let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
            {
                return ClientError::Tls(explain_tls(&tls.to_string()));
            }
            cur = err.source();
        }
        // HTTP/2 re-creates I/O errors from their text, so the rustls error may survive only as
        // words in the chain.
        let chain = error_chain(&e);
        if chain.contains("received fatal alert") || chain.contains("peer sent no certificates") {
            return ClientError::Tls(explain_tls(&chain));
        }
        if self.cert_resolver.asked_without_cert.load(Ordering::Relaxed) {
            return ClientError::Tls(format!("{NO_CERT} ({chain})"));
        }
        ClientError::Transport(chain)
    }
}

const NO_CERT: &str = "the server requires a client certificate and none was sent (ERR_NETWORK)";

/// Says what a TLS failure means for the caller, from rustls' description of it.
fn explain_tls(text: &str) -> String {
    let alert = text
        .split("received fatal alert: ")
        .nth(1)
        .map(|a| a.split(|c: char| !c.is_alphanumeric()).next().unwrap_or(""));
    match alert {
        Some("CertificateRequired") => NO_CERT.to_owned(),
        Some("CertificateRevoked") => "the server refused the client certificate: it is revoked".to_owned(),
        Some("CertificateExpired") => "the server refused the client certificate: it has expired".to_owned(),
        Some(
            a @ ("UnknownCA" | "BadCertificate" | "UnsupportedCertificate" | "AccessDenied" | "DecryptError"),
        ) => {
            format!(
                "the server refused the client certificate ({a}): is it issued by this platform's CA, for client authentication, and still registered?"
            )
        }
        _ => text.to_owned(),
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

/// Decodes an envelope: `resultType` first; SUCCESS → the typed `success`, FAIL → [`ClientError::Api`].
pub fn decode_envelope<T: DeserializeOwned>(resp: &Response) -> Result<T, ClientError> {
    let status = resp.status.as_u16();
    let env: Envelope<serde_json::Value> =
        serde_json::from_slice(&resp.body).map_err(|e| ClientError::Protocol {
            status,
            detail: format!(
                "not a JSON envelope ({e}): {}",
                String::from_utf8_lossy(&resp.body).chars().take(200).collect::<String>()
            ),
        })?;
    match env.result_type {
        ResultType::Success => {
            let value = env.success.unwrap_or(serde_json::Value::Null);
            serde_json::from_value(value).map_err(|e| ClientError::Protocol {
                status,
                detail: format!("unexpected success payload: {e}"),
            })
        }
        other => {
            let retry_after = resp
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(std::time::Duration::from_secs);
            let failure = match env.error {
                Some(e) => crate::ApiFailure {
                    status,
                    code: e.error_code,
                    reason: e.reason,
                    error_type: e.error_type,
                    data: e.data,
                    title: e.title,
                    retry_after,
                },
                None => crate::ApiFailure {
                    status,
                    code: format!("{other:?}"),
                    reason: "no error object".into(),
                    error_type: None,
                    data: None,
                    title: None,
                    retry_after,
                },
            };
            Err(ClientError::Api(Box::new(failure)))
        }
    }
}
