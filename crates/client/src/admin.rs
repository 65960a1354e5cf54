//! The intoss admin API.

use hyper::http::Method;
use serde_json::{Value, json};

use crate::{ClientError, HttpsClient, decode_envelope};

/// A client of `/admin/v1/...` on an intoss console listener.
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: HttpsClient,
    base: String,
    auth: String,
}

impl AdminClient {
    /// `base` like `https://127.0.0.1:9000`; `config` must trust the platform CA.
    pub fn new(config: rustls::ClientConfig, base: &str, token: &str) -> Self {
        Self {
            http: HttpsClient::new(config),
            base: base.trim_end_matches('/').to_owned(),
            auth: format!("Bearer {}", token.trim()),
        }
    }

    /// Any admin call; returns the `success` payload.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, ClientError> {
        let url = format!("{}{path}", self.base);
        let body = body.map(|b| b.to_string().into_bytes());
        let resp = self.http.send(method, &url, &[("authorization", &self.auth)], body).await?;
        decode_envelope(&resp)
    }

    /// `POST /admin/v1/apps`.
    pub async fn create_app(
        &self,
        name: &str,
        qpm: Option<u32>,
        allow_ips: &[String],
    ) -> Result<Value, ClientError> {
        let mut body = json!({ "name": name, "allow_ips": allow_ips });
        if let Some(q) = qpm {
            body["qpm"] = json!(q);
        }
        self.call(Method::POST, "/admin/v1/apps", Some(body)).await
    }

    /// `GET /admin/v1/apps`.
    pub async fn list_apps(&self) -> Result<Value, ClientError> {
        self.call(Method::GET, "/admin/v1/apps", None).await
    }

    /// `PATCH /admin/v1/apps/{name}`.
    pub async fn update_app(&self, name: &str, patch: Value) -> Result<Value, ClientError> {
        self.call(Method::PATCH, &format!("/admin/v1/apps/{}", crate::percent_encode(name)), Some(patch))
            .await
    }

    /// `POST /admin/v1/apps/{name}/certs`: a generated key (`key_type`) or a CSR.
    pub async fn issue_cert(
        &self,
        app: &str,
        key_type: Option<&str>,
        csr: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut body = json!({});
        if let Some(k) = key_type {
            body["key_type"] = json!(k);
        }
        if let Some(c) = csr {
            body["csr"] = json!(c);
        }
        self.call(Method::POST, &format!("/admin/v1/apps/{}/certs", crate::percent_encode(app)), Some(body))
            .await
    }

    /// `GET /admin/v1/certs[?app=]`.
    pub async fn list_certs(&self, app: Option<&str>) -> Result<Value, ClientError> {
        let path = match app {
            Some(a) => format!("/admin/v1/certs?app={}", crate::percent_encode(a)),
            None => "/admin/v1/certs".to_owned(),
        };
        self.call(Method::GET, &path, None).await
    }

    /// `POST /admin/v1/certs/{serial}/revoke`.
    pub async fn revoke_cert(&self, serial: &str, reason: Option<&str>) -> Result<Value, ClientError> {
        let body = reason.map_or_else(|| json!({}), |r| json!({ "reason": r }));
        self.call(
            Method::POST,
            &format!("/admin/v1/certs/{}/revoke", crate::percent_encode(serial)),
            Some(body),
        )
        .await
    }
}
