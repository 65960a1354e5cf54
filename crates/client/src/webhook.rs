//! Verifying the platform's signed event deliveries (Standard Webhooks 1.0).
//!
//! Each delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature`; a
//! [`WebhookVerifier`] holding the endpoint's secret (`whsec_…`, shown when the endpoint was
//! made) checks that the signature is the platform's and the timestamp recent (5 minutes by
//! default, against replays), and answers the parsed event. During a secret rotation give it both
//! secrets. `VerifyWebhookLayer` (feature `callback`) does the same in front of an axum/tower
//! service: it refuses a bad delivery with 401 and hands the verified [`WebhookEvent`] to the
//! handler as a request extension.
//!
//! ```
//! use intoss_client::webhook::WebhookVerifier;
//! let verifier = WebhookVerifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
//! let mut headers = http::HeaderMap::new();
//! headers.insert("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".parse().unwrap());
//! headers.insert("webhook-timestamp", "1614265330".parse().unwrap());
//! headers.insert("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".parse().unwrap());
//! let err = verifier.verify_at(&headers, br#"{"test": 2432232314}"#, 1614265330).unwrap_err();
//! // The signature is right; the body is not an event.
//! assert!(err.to_string().contains("not an event"));
//! ```

use intoss_proto::webhook::{self, DEFAULT_TOLERANCE_SECS, WebhookError, header};

/// A verified delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The event's id (`webhook-id`): the same on every retry, so a receiver can deduplicate.
    pub id: String,
    /// `PAYMENT_STATUS_CHANGED`, …
    pub event_type: String,
    /// When the event happened (RFC 3339).
    pub timestamp: String,
    /// The event's data.
    pub data: serde_json::Value,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature or a header is wrong (see the inner error).
    #[error("{0}")]
    Signature(#[from] WebhookError),
    /// Signed, but the body is not an event (`{"type", "timestamp", "data"}`).
    #[error("the body is not an event: {0}")]
    NotAnEvent(String),
}

/// Checks deliveries against an endpoint's secrets.
#[derive(Clone)]
pub struct WebhookVerifier {
    secrets: Vec<String>,
    tolerance: i64,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        f.debug_struct("WebhookVerifier").field("secrets", &self.secrets.len()).finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    /// With one secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self { secrets: vec![secret.into()], tolerance: DEFAULT_TOLERANCE_SECS }
    }

    /// With several secrets (a rotation): a delivery signed by any of them is accepted.
    pub fn with_secrets(secrets: impl IntoIterator<Item = String>) -> Self {
        Self { secrets: secrets.into_iter().collect(), tolerance: DEFAULT_TOLERANCE_SECS }
    }

    /// How far `webhook-timestamp` may be from now, seconds (default 300).
    pub fn tolerance(mut self, secs: i64) -> Self {
        self.tolerance = secs;
        self
    }

    /// Verifies a delivery now.
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<WebhookEvent, VerifyError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        self.verify_at(headers, body, now)
    }

    /// Verifies a delivery as of `now` (Unix seconds).
    pub fn verify_at(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<WebhookEvent, VerifyError> {
        let get = |name: &'static str| {
            headers.get(name).and_then(|v| v.to_str().ok()).ok_or(WebhookError::MissingHeader(name))
        };
        let (id, timestamp, signature) = (get(header::ID)?, get(header::TIMESTAMP)?, get(header::SIGNATURE)?);
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        webhook::verify(&secrets, id, timestamp, signature, body, now, self.tolerance)?;
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| VerifyError::NotAnEvent(e.to_string()))?;
        let field = |name: &str| {
            v.get(name)
                .and_then(|f| f.as_str())
                .map(str::to_owned)
                .ok_or_else(|| VerifyError::NotAnEvent(format!("no `{name}`")))
        };
        Ok(WebhookEvent {
            id: id.to_owned(),
            event_type: field("type")?,
            timestamp: field("timestamp")?,
            data: v.get("data").cloned().unwrap_or(serde_json::Value::Null),
        })
    }
}

#[cfg(feature = "callback")]
pub use layer::{VerifyWebhook, VerifyWebhookLayer};

#[cfg(feature = "callback")]
mod layer {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::response::{IntoResponse, Response};
    use tower::{Layer, Service};

    use super::WebhookVerifier;

    /// Largest delivery body read (1 MiB).
    const MAX_BODY: usize = 1 << 20;

    /// A tower layer that verifies each request as a delivery: 401 with the reason when it is
    /// not, otherwise the inner service gets it with the [`super::WebhookEvent`] as an extension.
    #[derive(Debug, Clone)]
    pub struct VerifyWebhookLayer(Arc<WebhookVerifier>);

    impl VerifyWebhookLayer {
        /// With a verifier.
        pub fn new(verifier: WebhookVerifier) -> Self {
            Self(Arc::new(verifier))
        }
    }

    impl<S> Layer<S> for VerifyWebhookLayer {
        type Service = VerifyWebhook<S>;
        fn layer(&self, inner: S) -> Self::Service {
            VerifyWebhook { inner, verifier: self.0.clone() }
        }
    }

    /// The service of [`VerifyWebhookLayer`].
    #[derive(Debug, Clone)]
    pub struct VerifyWebhook<S> {
        inner: S,
        verifier: Arc<WebhookVerifier>,
    }

    impl<S> Service<Request<Body>> for VerifyWebhook<S>
    where
        S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
        S::Future: Send + 'static,
    {
        type Response = Response;
        type Error = S::Error;
        type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            self.inner.poll_ready(cx)
        }

        fn call(&mut self, req: Request<Body>) -> Self::Future {
            // The clone that was made ready is the one called (tower's rule for `call`).
            let clone = self.inner.clone();
            let mut inner = std::mem::replace(&mut self.inner, clone);
            let verifier = self.verifier.clone();
            Box::pin(async move {
                let refuse = |reason: String| {
                    tracing::warn!(%reason, "webhook delivery refused");
                    let body = serde_json::json!({"error": "invalid webhook", "reason": reason});
                    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
                };
                let (mut parts, body) = req.into_parts();
                let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
                    Ok(b) => b,
                    Err(e) => return Ok(refuse(format!("the body could not be read: {e}"))),
                };
                match verifier.verify(&parts.headers, &bytes) {
                    Ok(event) => {
                        parts.extensions.insert(event);
                        inner.call(Request::from_parts(parts, Body::from(bytes))).await
                    }
                    Err(e) => Ok(refuse(e.to_string())),
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn signed(secrets: &[String], id: &str, ts: i64, body: &[u8]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert("webhook-id", id.parse().unwrap());
        h.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        h.insert("webhook-signature", webhook::sign(secrets, id, ts, body).unwrap().parse().unwrap());
        h
    }

    #[test]
    fn accepts_the_platforms_deliveries_and_refuses_the_rest() {
        let secret = webhook::generate_secret().unwrap();
        let body = br#"{"type":"PAYMENT_STATUS_CHANGED","id":"evt_1","timestamp":"2026-12-07T00:00:00Z","data":{"payToken":"t"}}"#;
        let h = signed(std::slice::from_ref(&secret), "evt_1", 1000, body);
        let v = WebhookVerifier::new(secret.clone());
        let e = v.verify_at(&h, body, 1010).unwrap();
        assert_eq!((e.id.as_str(), e.event_type.as_str()), ("evt_1", "PAYMENT_STATUS_CHANGED"));
        assert_eq!(e.data["payToken"], "t");
        assert!(matches!(v.verify_at(&h, body, 2000), Err(VerifyError::Signature(WebhookError::Stale(_)))));
        let tampered = body.iter().map(|&b| if b == b't' { b'T' } else { b }).collect::<Vec<_>>();
        assert!(matches!(
            v.verify_at(&h, &tampered, 1010),
            Err(VerifyError::Signature(WebhookError::NoMatch))
        ));
        let mut missing = h.clone();
        missing.remove("webhook-signature");
        assert_eq!(
            v.verify_at(&missing, body, 1010).unwrap_err().to_string(),
            "the webhook-signature header is missing"
        );
        let other = WebhookVerifier::with_secrets([webhook::generate_secret().unwrap(), secret]);
        assert!(other.verify_at(&h, body, 1010).is_ok(), "any of several secrets");
        assert!(!format!("{v:?}").contains("whsec_"), "Debug never shows a secret");
    }
}
