//! Apps and their certificates: the admin side of the platform.
//!
//! Every change is committed to the store first and then applied to the gateway's view with
//! [`Snapshots::reload`]. If that reload fails, the change stays committed and the caller gets
//! [`CoreError::NotApplied`]; the periodic reload applies it later.

use std::sync::Arc;

use intoss_pki::{CertificateAuthority, ClientKey, KeyType};
use intoss_proto::IpAllowlist;
use intoss_proto::api::admin::{
    App, AppList, Cert, CertList, CertStatus, CreateApp, ExpiryNotice, IssueCert, IssuedCert, NoticeList,
    PatchApp, PatchRenewalPolicy, RenewalPolicy, RevokeCert,
};
use intoss_proto::api::sandbox::{
    AdvanceClock, AppSandbox, Fault, FaultAction, FaultList, Imported, NewFault, PatchAppSandbox,
    STATE_FORMAT, STATE_VERSION, SandboxState, StateColumn, StateTable, parse_duration_secs,
};
use intoss_store::{AppPatch, CertRecord, ColumnKind, NewApp, RenewOutcome, Store};

use crate::{CoreError, RenewalRefusal, Snapshots, rfc3339, unix_now};

/// Days before `not_after` at which expiry warnings are sent.
pub const EXPIRY_THRESHOLDS_DAYS: [i64; 3] = [30, 7, 1];

/// Largest QPM an app may be given.
pub const MAX_QPM: u32 = 10_000_000;

/// Largest `max_active` of a renewal policy.
const MAX_ACTIVE_LIMIT: u32 = 1000;

/// Longest revocation reason.
const MAX_REASON: usize = 200;

/// Apps, certificates and expiry notices.
pub struct Registry {
    store: Arc<dyn Store>,
    ca: Arc<CertificateAuthority>,
    snapshots: Arc<Snapshots>,
    default_qpm: u32,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("default_qpm", &self.default_qpm).finish_non_exhaustive()
    }
}

impl Registry {
    /// The registry over `store`, issuing with `ca`, applying changes to `snapshots`. Apps
    /// created without a QPM get `default_qpm`.
    pub fn new(
        store: Arc<dyn Store>,
        ca: Arc<CertificateAuthority>,
        snapshots: Arc<Snapshots>,
        default_qpm: u32,
    ) -> Self {
        Self { store, ca, snapshots, default_qpm }
    }

    /// The platform CA certificate (`ca.pem`).
    pub fn ca_pem(&self) -> &str {
        self.ca.cert_pem()
    }

    /// The gateway's view this registry reloads.
    pub fn snapshots(&self) -> &Arc<Snapshots> {
        &self.snapshots
    }

    async fn apply(&self) -> Result<(), CoreError> {
        self.snapshots.reload().await.map_err(|e| {
            tracing::error!(error = %e, "reload after a committed change failed");
            CoreError::NotApplied
        })
    }

    // === apps ===

    /// Every app, by name.
    pub async fn apps(&self) -> Result<AppList, CoreError> {
        Ok(AppList { apps: self.store.list_apps().await?.into_iter().map(app_view).collect() })
    }

    /// One app.
    pub async fn app(&self, name: &str) -> Result<App, CoreError> {
        Ok(app_view(self.existing_app(name).await?))
    }

    /// A certificate's view now, its expiry warning by its app's test clock.
    fn cert_view(&self, c: CertRecord) -> Cert {
        self.cert_view_at(c, unix_now())
    }

    fn cert_view_at(&self, c: CertRecord, now: i64) -> Cert {
        let warn_now = now.saturating_add(self.snapshots.clock_offset(&c.app_name));
        cert_view(c, now, warn_now)
    }

    async fn existing_app(&self, name: &str) -> Result<intoss_store::App, CoreError> {
        self.store.app(name).await?.ok_or_else(|| CoreError::NotFound(format!("app `{name}` not found")))
    }

    /// Creates an app.
    pub async fn create_app(&self, req: CreateApp) -> Result<App, CoreError> {
        validate_name(&req.name)?;
        if let Some(w) = &req.webhook_url {
            validate_webhook(w)?;
        }
        let app = self
            .store
            .create_app(&NewApp {
                qpm: validate_qpm(req.qpm.unwrap_or(self.default_qpm))?,
                allow_ips: validate_allow_ips(&req.allow_ips)?,
                name: req.name,
                webhook_url: req.webhook_url,
                created_at: unix_now(),
            })
            .await?;
        self.apply().await?;
        tracing::info!(app = %app.name, qpm = app.qpm, "app created");
        Ok(app_view(app))
    }

    /// Changes some settings of an app.
    pub async fn update_app(&self, name: &str, req: PatchApp) -> Result<App, CoreError> {
        let webhook_url = match req.webhook_url {
            Some(w) if w.is_empty() => Some(None),
            Some(w) => {
                validate_webhook(&w)?;
                Some(Some(w))
            }
            None => None,
        };
        let patch = AppPatch {
            qpm: req.qpm.map(validate_qpm).transpose()?,
            allow_ips: req.allow_ips.as_deref().map(validate_allow_ips).transpose()?,
            webhook_url,
        };
        let app = self.store.update_app(name, &patch).await?;
        self.apply().await?;
        tracing::info!(app = %app.name, qpm = app.qpm, "app updated");
        Ok(app_view(app))
    }

    // === certificates ===

    /// Issues a certificate for an existing app: from a CSR, or with a key generated here and
    /// handed back once (never stored).
    pub async fn issue_cert(&self, app: &str, req: IssueCert) -> Result<IssuedCert, CoreError> {
        let key = client_key(req)?;
        self.existing_app(app).await?;
        let (issued, record) = self.sign(app, key, None).await?;
        self.store.insert_cert(&record).await?;
        self.apply().await?;
        tracing::info!(app = %record.app_name, serial = %record.serial, source = %record.key_source, "certificate issued");
        Ok(self.issued_view(issued, record))
    }

    /// Renews the certificate `serial` of `app` that a gateway connection presented (the gateway
    /// admitted it: known, active, this app's): a new certificate for the same app, from the
    /// CSR in `req`, or with a key generated here when the app's policy allows it. The presented
    /// certificate stays valid until it expires or is revoked. `peer` is for the log.
    pub async fn renew_cert(
        &self,
        app: &str,
        serial: &str,
        req: IssueCert,
        peer: std::net::IpAddr,
    ) -> Result<IssuedCert, CoreError> {
        let refused = |refusal, reason: String| CoreError::RenewalRefused { refusal, reason };
        let generated = req.csr.is_none();
        let key = client_key(req)?;
        let policy = self.store.renewal_policy(app).await?;
        if !policy.allowed {
            return Err(refused(
                RenewalRefusal::NotAllowed,
                format!(
                    "app {app} does not allow its certificates to renew themselves; ask the platform operator"
                ),
            ));
        }
        if generated && !policy.server_keys {
            return Err(refused(
                RenewalRefusal::NotAllowed,
                format!(
                    "app {app} requires a CSR to renew (the platform does not generate its keys); send `csr`"
                ),
            ));
        }
        let now = unix_now();
        let presented = self
            .store
            .cert(serial)
            .await?
            .filter(|c| c.app_name == app)
            .ok_or_else(|| CoreError::NotFound(format!("certificate {serial} not found")))?;
        let days_left = days_left(presented.not_after, now);
        if days_left > i64::from(policy.window_days) {
            return Err(refused(
                RenewalRefusal::TooEarly,
                format!(
                    "certificate {serial} has {days_left} days left; app {app} renews from {} days before expiry",
                    policy.window_days
                ),
            ));
        }
        let (issued, record) = self.sign(app, key, Some(serial.to_owned())).await?;
        match self.store.insert_renewed_cert(&record, policy.max_active, now).await? {
            RenewOutcome::Inserted => {}
            RenewOutcome::SourceUnusable => {
                return Err(CoreError::InvalidState(format!(
                    "certificate {serial} was revoked or expired while renewing"
                )));
            }
            RenewOutcome::TooMany(n) => {
                return Err(refused(
                    RenewalRefusal::TooMany,
                    format!(
                        "app {app} has {n} active certificates, its maximum for renewal is {}; revoke unused ones",
                        policy.max_active
                    ),
                ));
            }
        }
        self.apply().await?;
        tracing::info!(
            app = %record.app_name, serial = %record.serial, renewed_from = %serial,
            source = %record.key_source, peer = %peer, "certificate renewed over mTLS"
        );
        Ok(self.issued_view(issued, record))
    }

    /// Signs a certificate for `app` and the record to store.
    async fn sign(
        &self,
        app: &str,
        key: ClientKey,
        renewed_from: Option<String>,
    ) -> Result<(intoss_pki::IssuedCert, CertRecord), CoreError> {
        // RSA key generation takes tens of milliseconds: keep it off the async workers.
        let (ca, app_name) = (self.ca.clone(), app.to_owned());
        let issued = tokio::task::spawn_blocking(move || {
            ca.issue_client(&app_name, &key, time::OffsetDateTime::now_utc())
        })
        .await
        .map_err(CoreError::internal)??;
        let record = CertRecord {
            serial: issued.serial.clone(),
            app_name: app.to_owned(),
            cert_pem: issued.cert_pem.clone(),
            key_source: issued.key_source.to_owned(),
            not_before: issued.not_before.unix_timestamp(),
            not_after: issued.not_after.unix_timestamp(),
            created_at: unix_now(),
            revoked_at: None,
            revoke_reason: None,
            renewed_from,
        };
        Ok((issued, record))
    }

    fn issued_view(&self, issued: intoss_pki::IssuedCert, record: CertRecord) -> IssuedCert {
        IssuedCert {
            certificate: self.cert_view(record),
            cert_pem: issued.cert_pem,
            key_pem: issued.key_pem.as_ref().map(|k| k.expose().to_owned()),
            ca_pem: self.ca.cert_pem().to_owned(),
        }
    }

    // === sandbox: faults ===

    /// Adds a fault to an existing app's gateway answers; the gateway applies it at once.
    pub async fn add_fault(&self, app: &str, req: NewFault) -> Result<Fault, CoreError> {
        validate_fault(&req)?;
        self.existing_app(app).await?;
        let record = intoss_store::FaultRecord {
            id: intoss_store::random_id("flt_")?,
            app_name: app.to_owned(),
            path_prefix: req.path_prefix,
            probability: req.probability,
            action: serde_json::to_string(&req.action).map_err(CoreError::internal)?,
            created_at: unix_now(),
        };
        self.store.insert_fault(&record).await?;
        self.apply().await?;
        tracing::info!(app, fault = %record.id, p = record.probability, "fault added");
        fault_view(record)
    }

    /// An existing app's faults, oldest first.
    pub async fn faults(&self, app: &str) -> Result<FaultList, CoreError> {
        self.existing_app(app).await?;
        let faults =
            self.store.list_faults(Some(app)).await?.into_iter().map(fault_view).collect::<Result<_, _>>()?;
        Ok(FaultList { faults })
    }

    /// Removes one fault of an app (`Some(id)`) or all of them; answers how many went.
    pub async fn clear_faults(&self, app: &str, id: Option<&str>) -> Result<u64, CoreError> {
        self.existing_app(app).await?;
        let n = self.store.delete_faults(app, id).await?;
        if let (Some(id), 0) = (id, n) {
            return Err(CoreError::NotFound(format!("fault {id} of app {app} not found")));
        }
        self.apply().await?;
        tracing::info!(app, removed = n, "faults removed");
        Ok(n)
    }

    // === sandbox: test clocks, test mode, state ===

    /// An existing app's sandbox settings.
    pub async fn sandbox(&self, app: &str) -> Result<AppSandbox, CoreError> {
        self.existing_app(app).await?;
        let settings =
            self.store.sandbox_settings(Some(app)).await?.pop().map(|(_, s)| s).unwrap_or_default();
        Ok(sandbox_view(app, settings))
    }

    /// Turns an app's test mode on or off.
    pub async fn patch_sandbox(&self, app: &str, req: PatchAppSandbox) -> Result<AppSandbox, CoreError> {
        if let Some(on) = req.test_mode {
            self.store.set_test_mode(app, on).await?;
            self.apply().await?;
            tracing::info!(app, test_mode = on, "test mode set");
        }
        self.sandbox(app).await
    }

    /// Moves an app's test clock ahead (`8d`, `36h`, …); every service judges the app's
    /// codes, tokens, payments, promotion keys and verifications by it at once.
    pub async fn advance_clock(&self, app: &str, req: &AdvanceClock) -> Result<AppSandbox, CoreError> {
        let secs = parse_duration_secs(&req.by).map_err(|e| CoreError::invalid("by", e))?;
        let secs = i64::try_from(secs).map_err(|_| CoreError::invalid("by", "too long"))?;
        let offset = self.store.advance_clock(app, secs).await?;
        self.apply().await?;
        tracing::info!(app, by = secs, offset, "test clock advanced");
        self.sandbox(app).await
    }

    /// Puts an app's test clock back to wall-clock time.
    pub async fn reset_clock(&self, app: &str) -> Result<AppSandbox, CoreError> {
        self.existing_app(app).await?;
        self.store.reset_clock(app).await?;
        self.apply().await?;
        tracing::info!(app, "test clock reset");
        self.sandbox(app).await
    }

    /// The sandbox state of one app or of every app: its rows, never a key or a secret.
    pub async fn export_state(&self, app: Option<&str>) -> Result<SandboxState, CoreError> {
        if let Some(app) = app {
            self.existing_app(app).await?;
        }
        let tables = self.store.export_state(app).await?;
        let apps = tables
            .iter()
            .filter(|t| t.name == "apps")
            .flat_map(|t| {
                let i = t.columns.iter().position(|c| c.name == "name");
                t.rows.iter().filter_map(move |r| i.and_then(|i| r[i].as_str()).map(str::to_owned))
            })
            .collect();
        Ok(SandboxState {
            format: STATE_FORMAT.into(),
            version: STATE_VERSION,
            exported_at: rfc3339(unix_now()),
            apps,
            tables: tables.into_iter().map(state_table).collect(),
        })
    }

    /// Writes an exported state, all or none; its apps must not exist yet.
    pub async fn import_state(&self, state: SandboxState) -> Result<Imported, CoreError> {
        if state.format != STATE_FORMAT {
            return Err(CoreError::invalid("format", format!("must be {STATE_FORMAT:?}")));
        }
        if state.version != STATE_VERSION {
            return Err(CoreError::invalid("version", format!("this build reads version {STATE_VERSION}")));
        }
        let mut tables = Vec::with_capacity(state.tables.len());
        for (i, t) in state.tables.into_iter().enumerate() {
            if intoss_store::table_spec(&t.name).is_none() {
                return Err(CoreError::invalid(
                    &format!("tables[{i}].name"),
                    format!("{:?} is not a sandbox table", t.name),
                ));
            }
            let mut columns = Vec::with_capacity(t.columns.len());
            for (j, c) in t.columns.into_iter().enumerate() {
                let field = format!("tables[{i}].columns[{j}]");
                if !intoss_store::is_identifier(&c.name) {
                    return Err(CoreError::invalid(
                        &format!("{field}.name"),
                        "lowercase letters, digits and _",
                    ));
                }
                let kind = ColumnKind::from_name(&c.kind)
                    .ok_or_else(|| CoreError::invalid(&format!("{field}.kind"), "bool, int, real or text"))?;
                columns.push(intoss_store::ColumnDump { name: c.name, kind });
            }
            tables.push(intoss_store::TableDump { name: t.name, columns, rows: t.rows });
        }
        let rows = self.store.import_state(&tables).await.map_err(|e| match e {
            intoss_store::StoreError::Conflict(what) => {
                CoreError::AlreadyExists(format!("{what} exists already; nothing was imported"))
            }
            intoss_store::StoreError::Corrupt(what) => {
                CoreError::invalid_request(format!("{what}; nothing was imported"))
            }
            e => e.into(),
        })?;
        self.apply().await?;
        tracing::info!(apps = ?state.apps, rows, "sandbox state imported");
        Ok(Imported { apps: state.apps, rows })
    }

    /// Empties an app's sandbox state (its users' links, codes, tokens, payments, orders,
    /// products, templates, messages, promotions, faults, settings of Toss Login and Pay); the app,
    /// its certificates, renewal policy and test mode stay; its clock goes back to wall-clock time.
    pub async fn reset_app(&self, app: &str) -> Result<u64, CoreError> {
        let removed = self.store.reset_app(app).await?;
        self.apply().await?;
        tracing::info!(app, removed, "sandbox state of the app reset");
        Ok(removed)
    }

    /// An existing app's renewal policy.
    pub async fn renewal_policy(&self, app: &str) -> Result<RenewalPolicy, CoreError> {
        self.existing_app(app).await?;
        Ok(policy_view(self.store.renewal_policy(app).await?))
    }

    /// Changes some rules of an app's renewal policy.
    pub async fn update_renewal_policy(
        &self,
        app: &str,
        req: PatchRenewalPolicy,
    ) -> Result<RenewalPolicy, CoreError> {
        if let Some(d) = req.window_days
            && d > intoss_pki::CLIENT_CERT_DAYS as u32
        {
            return Err(CoreError::invalid(
                "window_days",
                format!("at most {}", intoss_pki::CLIENT_CERT_DAYS),
            ));
        }
        if let Some(m) = req.max_active
            && !(1..=MAX_ACTIVE_LIMIT).contains(&m)
        {
            return Err(CoreError::invalid("max_active", format!("1 to {MAX_ACTIVE_LIMIT}")));
        }
        self.existing_app(app).await?;
        let old = self.store.renewal_policy(app).await?;
        let new = intoss_store::RenewalPolicy {
            allowed: req.allowed.unwrap_or(old.allowed),
            window_days: req.window_days.unwrap_or(old.window_days),
            server_keys: req.server_keys.unwrap_or(old.server_keys),
            max_active: req.max_active.unwrap_or(old.max_active),
        };
        self.store.set_renewal_policy(app, &new).await?;
        tracing::info!(
            app,
            allowed = new.allowed,
            window_days = new.window_days,
            server_keys = new.server_keys,
            max_active = new.max_active,
            "renewal policy changed"
        );
        Ok(policy_view(new))
    }

    /// Certificates, newest first, of every app or of one (which need not exist).
    pub async fn certs(&self, app: Option<&str>) -> Result<CertList, CoreError> {
        let now = unix_now();
        Ok(CertList {
            certs: self.store.list_certs(app).await?.into_iter().map(|c| self.cert_view_at(c, now)).collect(),
        })
    }

    /// The certificates of an existing app.
    pub async fn app_certs(&self, app: &str) -> Result<CertList, CoreError> {
        self.existing_app(app).await?;
        self.certs(Some(app)).await
    }

    /// One certificate, by serial (hex, colons allowed, any case).
    pub async fn cert(&self, serial: &str) -> Result<Cert, CoreError> {
        let serial = normalize_serial(serial)?;
        let c = self
            .store
            .cert(&serial)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("certificate {serial} not found")))?;
        Ok(self.cert_view(c))
    }

    /// Revokes a certificate: new handshakes fail and open connections are refused from the
    /// next request on. Revoking twice keeps the first time and reason.
    pub async fn revoke_cert(&self, serial: &str, req: RevokeCert) -> Result<Cert, CoreError> {
        let serial = normalize_serial(serial)?;
        let reason = req.reason.unwrap_or_else(|| "unspecified".to_owned());
        if reason.len() > MAX_REASON {
            return Err(CoreError::invalid("reason", format!("at most {MAX_REASON} characters")));
        }
        let record = self.store.revoke_cert(&serial, unix_now(), &reason).await?;
        self.apply().await?;
        // The reason is free text of up to 200 characters: the log gets its start only, so that
        // whatever an operator pasted there (a key, a token) is not copied whole.
        let shown: String = reason.chars().take(40).collect();
        let more = if shown.len() < reason.len() { "…" } else { "" };
        tracing::warn!(serial = %serial, app = %record.app_name, reason = %format_args!("{shown}{more}"), "certificate revoked");
        Ok(self.cert_view(record))
    }

    /// Active certificates that reached an expiry threshold at `now`.
    pub async fn expiring(&self, now: i64) -> Result<Vec<Cert>, CoreError> {
        Ok(self
            .store
            .list_certs(None)
            .await?
            .into_iter()
            .map(|c| self.cert_view_at(c, now))
            .filter(|c| c.expiry_warning.is_some())
            .collect())
    }

    /// Every expiry warning sent, newest first.
    pub async fn expiry_notices(&self) -> Result<NoticeList, CoreError> {
        Ok(NoticeList {
            notices: self
                .store
                .expiry_notices()
                .await?
                .into_iter()
                .map(|n| ExpiryNotice {
                    serial: n.serial,
                    app: n.app_name,
                    threshold_days: n.threshold_days,
                    sent_at: rfc3339(n.sent_at),
                    not_after: rfc3339(n.not_after),
                })
                .collect(),
        })
    }
}

/// The fault a test-mode app asks for on one request with `X-Intoss-Fault`: `FAIL CODE
/// [REASON…]`, `RESULT_TYPE T`, `LATENCY MS [SIGMA]`, `RESET`, `INVALID_GRANT` or `RATE_LIMIT
/// SECS` — the actions of `intoss fault add`, with the same bounds.
pub fn fault_from_header(value: &str) -> Result<FaultAction, CoreError> {
    let bad = |why: &str| CoreError::invalid(crate::FAULT_HEADER, why);
    let mut words = value.split_ascii_whitespace();
    let kind = words.next().unwrap_or_default().to_ascii_uppercase();
    let mut arg =
        |what: &str| words.next().map(str::to_owned).ok_or_else(|| bad(&format!("{kind} takes {what}")));
    let number =
        |s: String, what: &str| s.parse::<u64>().map_err(|_| bad(&format!("{what}: a whole number")));
    let action = match kind.as_str() {
        "FAIL" => {
            let error_code = arg("an errorCode")?;
            let rest: Vec<&str> = words.collect();
            FaultAction::Fail { error_code, reason: (!rest.is_empty()).then(|| rest.join(" ")) }
        }
        "RESULT_TYPE" => {
            FaultAction::ResultType { result_type: arg("HTTP_TIMEOUT, NETWORK_ERROR or INTERRUPTED")? }
        }
        "LATENCY" => {
            let ms = number(arg("milliseconds")?, "ms")?;
            let sigma = match words.next() {
                Some(s) => Some(s.parse::<f64>().map_err(|_| bad("sigma: a number"))?),
                None => None,
            };
            FaultAction::Latency { ms, sigma }
        }
        "RESET" => FaultAction::Reset,
        "INVALID_GRANT" => FaultAction::InvalidGrant,
        "RATE_LIMIT" => {
            let secs = number(arg("seconds")?, "retry-after")?;
            FaultAction::RateLimit { retry_after_secs: secs }
        }
        _ => return Err(bad("FAIL, RESULT_TYPE, LATENCY, RESET, INVALID_GRANT or RATE_LIMIT")),
    };
    validate_fault(&NewFault { path_prefix: "/".into(), probability: 1.0, action: action.clone() })
        .map_err(|e| bad(&e.to_string()))?;
    Ok(action)
}

fn validate_fault(f: &NewFault) -> Result<(), CoreError> {
    if !f.path_prefix.starts_with('/') || f.path_prefix.len() > 200 {
        return Err(CoreError::invalid("path_prefix", "a path starting with `/`, at most 200 characters"));
    }
    if !(f.probability > 0.0 && f.probability <= 1.0) {
        return Err(CoreError::invalid("probability", "greater than 0 and at most 1"));
    }
    match &f.action {
        FaultAction::Fail { error_code, reason } => {
            let ok = (1..=64).contains(&error_code.len())
                && error_code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !ok {
                return Err(CoreError::invalid(
                    "action.error_code",
                    "1-64 characters of A-Z, a-z, 0-9, `_`, `.`",
                ));
            }
            if reason.as_ref().is_some_and(|r| r.len() > 200) {
                return Err(CoreError::invalid("action.reason", "at most 200 characters"));
            }
        }
        FaultAction::ResultType { result_type } => {
            if !matches!(result_type.as_str(), "HTTP_TIMEOUT" | "NETWORK_ERROR" | "INTERRUPTED") {
                return Err(CoreError::invalid(
                    "action.result_type",
                    "HTTP_TIMEOUT, NETWORK_ERROR or INTERRUPTED",
                ));
            }
        }
        FaultAction::Latency { ms, sigma } => {
            if *ms > 60_000 {
                return Err(CoreError::invalid("action.ms", "at most 60000"));
            }
            if sigma.is_some_and(|s| !(s > 0.0 && s <= 3.0)) {
                return Err(CoreError::invalid("action.sigma", "greater than 0 and at most 3"));
            }
        }
        FaultAction::RateLimit { retry_after_secs } => {
            if !(1..=3600).contains(retry_after_secs) {
                return Err(CoreError::invalid("action.retry_after_secs", "1 to 3600"));
            }
        }
        FaultAction::Reset | FaultAction::InvalidGrant => {}
    }
    Ok(())
}

fn fault_view(f: intoss_store::FaultRecord) -> Result<Fault, CoreError> {
    Ok(Fault {
        action: serde_json::from_str(&f.action).map_err(CoreError::internal)?,
        id: f.id,
        app: f.app_name,
        path_prefix: f.path_prefix,
        probability: f.probability,
        created_at: rfc3339(f.created_at),
    })
}

/// The key of a new certificate: a CSR, or one generated here of the asked type.
fn client_key(req: IssueCert) -> Result<ClientKey, CoreError> {
    Ok(match (req.csr, req.key_type) {
        (Some(_), Some(_)) => {
            return Err(CoreError::invalid_request("send either csr or key_type, not both"));
        }
        (Some(csr), None) => ClientKey::Csr(csr),
        (None, kt) => ClientKey::Generate(match kt.as_deref() {
            None => KeyType::default(),
            Some(s) => KeyType::from_wire(s)
                .ok_or_else(|| CoreError::invalid("key_type", format!("`{s}` is not rsa2048 or p256")))?,
        }),
    })
}

fn policy_view(p: intoss_store::RenewalPolicy) -> RenewalPolicy {
    RenewalPolicy {
        allowed: p.allowed,
        window_days: p.window_days,
        server_keys: p.server_keys,
        max_active: p.max_active,
    }
}

fn app_view(a: intoss_store::App) -> App {
    App {
        name: a.name,
        qpm: a.qpm,
        allow_ips: a.allow_ips,
        webhook_url: a.webhook_url,
        created_at: rfc3339(a.created_at),
    }
}

/// A certificate as the API shows it at `now`.
/// A certificate's admin view at `now`: its status and days left by wall-clock time (what the
/// handshake enforces); its expiry warning at `warn_now`, its app's test-clock time.
pub(crate) fn cert_view(c: CertRecord, now: i64, warn_now: i64) -> Cert {
    let status = match c.status(now) {
        intoss_store::CertStatus::Active => CertStatus::Active,
        intoss_store::CertStatus::Revoked => CertStatus::Revoked,
        intoss_store::CertStatus::Expired => CertStatus::Expired,
    };
    let left = c.not_after - warn_now;
    let expiry_warning = (status == CertStatus::Active
        && c.status(warn_now) == intoss_store::CertStatus::Active)
        .then(|| EXPIRY_THRESHOLDS_DAYS.iter().rev().find(|&&d| left <= d * 86_400).copied())
        .flatten();
    Cert {
        status,
        days_left: days_left(c.not_after, now),
        expiry_warning,
        not_before: rfc3339(c.not_before),
        not_after: rfc3339(c.not_after),
        created_at: rfc3339(c.created_at),
        revoked_at: c.revoked_at.map(rfc3339),
        revoke_reason: c.revoke_reason,
        renewed_from: c.renewed_from,
        issuer: intoss_pki::parse_cert_pem(&c.cert_pem)
            .ok()
            .and_then(|i| i.issuer_common_name)
            .unwrap_or_default(),
        key_source: c.key_source,
        app: c.app_name,
        serial: c.serial,
    }
}

/// Whole days left at `now`, rounded up: a certificate issued a second ago has 390, not 389.
fn days_left(not_after: i64, now: i64) -> i64 {
    (not_after - now + 86_399).div_euclid(86_400)
}

fn validate_name(name: &str) -> Result<(), CoreError> {
    let ok = (1..=64).contains(&name.len())
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "name",
            "1-64 characters of A-Z, a-z, 0-9, `-`, `_`, `.`, starting with a letter or digit",
        ))
    }
}

fn validate_qpm(qpm: u32) -> Result<u32, CoreError> {
    if qpm > MAX_QPM {
        return Err(CoreError::invalid("qpm", format!("at most {MAX_QPM}")));
    }
    Ok(qpm)
}

fn validate_allow_ips(entries: &[String]) -> Result<Vec<String>, CoreError> {
    IpAllowlist::parse(entries).map(|l| l.to_strings()).map_err(|e| CoreError::invalid("allow_ips", e))
}

fn validate_webhook(url: &str) -> Result<(), CoreError> {
    let ok = url
        .parse::<http::Uri>()
        .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some());
    if ok { Ok(()) } else { Err(CoreError::invalid("webhook_url", "must be an http(s):// URL")) }
}

/// A serial as stored: lowercase hex without colons.
pub fn normalize_serial(serial: &str) -> Result<String, CoreError> {
    let s = serial.trim().to_ascii_lowercase().replace(':', "");
    if s.is_empty() || s.len() > 64 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(CoreError::invalid("serial", "hexadecimal digits (colons allowed)"));
    }
    Ok(s)
}

fn sandbox_view(app: &str, s: intoss_store::SandboxSettings) -> AppSandbox {
    AppSandbox {
        app: app.to_owned(),
        test_mode: s.test_mode,
        clock_offset_secs: s.clock_offset,
        now: rfc3339(unix_now().saturating_add(s.clock_offset)),
    }
}

fn state_table(t: intoss_store::TableDump) -> StateTable {
    StateTable {
        name: t.name,
        columns: t
            .columns
            .into_iter()
            .map(|c| StateColumn { name: c.name, kind: c.kind.name().into() })
            .collect(),
        rows: t.rows,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::Clock;
    use intoss_store::SqliteStore;

    struct Fixture {
        _dir: tempfile::TempDir,
        registry: Registry,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
        let (ca, _key) = CertificateAuthority::generate("test CA", time::OffsetDateTime::now_utc()).unwrap();
        let snapshots = Arc::new(Snapshots::new(store.clone(), Clock::new()));
        Fixture { _dir: dir, registry: Registry::new(store, Arc::new(ca), snapshots, 3000) }
    }

    fn field(e: &CoreError) -> Option<&str> {
        match e {
            CoreError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    #[tokio::test]
    async fn apps_are_validated_field_by_field() {
        let f = fixture().await;
        let r = &f.registry;
        for (req, expected) in [
            (CreateApp { name: "".into(), ..Default::default() }, "name"),
            (CreateApp { name: "-x".into(), ..Default::default() }, "name"),
            (CreateApp { name: "a b".into(), ..Default::default() }, "name"),
            (CreateApp { name: "x".repeat(65), ..Default::default() }, "name"),
            (CreateApp { name: "a".into(), qpm: Some(MAX_QPM + 1), ..Default::default() }, "qpm"),
            (
                CreateApp { name: "a".into(), allow_ips: vec!["300.1.1.1".into()], ..Default::default() },
                "allow_ips",
            ),
            (
                CreateApp { name: "a".into(), webhook_url: Some("ftp://x".into()), ..Default::default() },
                "webhook_url",
            ),
        ] {
            let e = r.create_app(req.clone()).await.unwrap_err();
            assert_eq!(field(&e), Some(expected), "{req:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{expected}: ")), "{e}");
        }
        assert!(r.apps().await.unwrap().apps.is_empty(), "nothing invalid was stored");

        let app = r
            .create_app(CreateApp {
                name: "a".into(),
                allow_ips: vec!["10.0.0.80/32".into(), "10.0.0.90~91".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(app.qpm, 3000, "the default QPM");
        assert_eq!(app.allow_ips, ["10.0.0.80", "10.0.0.90~91"], "stored in canonical form");
        assert!(r.snapshots().load_full().apps.contains_key("a"), "the gateway sees it at once");
        let dup = r.create_app(CreateApp { name: "a".into(), ..Default::default() }).await.unwrap_err();
        assert!(matches!(dup, CoreError::AlreadyExists(_)), "{dup:?}");

        let patched = r
            .update_app(
                "a",
                PatchApp { qpm: Some(5), webhook_url: Some("https://h/x".into()), ..Default::default() },
            )
            .await
            .unwrap();
        assert_eq!((patched.qpm, patched.webhook_url.as_deref()), (5, Some("https://h/x")));
        let cleared = r
            .update_app("a", PatchApp { webhook_url: Some(String::new()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(cleared.webhook_url, None, "an empty string clears the webhook");
        assert!(matches!(r.update_app("nope", PatchApp::default()).await, Err(CoreError::NotFound(_))));
        assert!(matches!(r.app("nope").await, Err(CoreError::NotFound(_))));
    }

    #[tokio::test]
    async fn certificates_are_issued_listed_and_revoked() {
        let f = fixture().await;
        let r = &f.registry;
        r.create_app(CreateApp { name: "a".into(), ..Default::default() }).await.unwrap();

        let e = r.issue_cert("a", IssueCert { key_type: Some("dsa".into()), csr: None }).await.unwrap_err();
        assert_eq!(field(&e), Some("key_type"), "{e}");
        let e = r
            .issue_cert("a", IssueCert { key_type: Some("p256".into()), csr: Some("x".into()) })
            .await
            .unwrap_err();
        assert!(matches!(e, CoreError::Invalid { field: None, .. }), "{e:?}");
        let e =
            r.issue_cert("a", IssueCert { key_type: None, csr: Some("not a CSR".into()) }).await.unwrap_err();
        assert_eq!(field(&e), Some("csr"), "{e}");
        let e =
            r.issue_cert("nope", IssueCert { key_type: Some("p256".into()), csr: None }).await.unwrap_err();
        assert!(matches!(e, CoreError::NotFound(_)), "{e:?}");

        let issued = r.issue_cert("a", IssueCert { key_type: Some("p256".into()), csr: None }).await.unwrap();
        let serial = issued.certificate.serial.clone();
        assert!(issued.key_pem.as_deref().is_some_and(|k| k.contains("BEGIN PRIVATE KEY")));
        assert_eq!(issued.ca_pem, r.ca_pem());
        assert_eq!((issued.certificate.status, issued.certificate.days_left), (CertStatus::Active, 390));
        let snap = r.snapshots().load_full();
        let entry = snap.certs.get(&serial).expect("in the gateway's view");
        assert!(!entry.revoked);
        assert!(entry.is(&crate::snapshot::sha256(&intoss_pki::cert_pem_to_der(&issued.cert_pem).unwrap())));

        assert_eq!(r.certs(None).await.unwrap().certs.len(), 1);
        assert_eq!(r.app_certs("a").await.unwrap().certs.len(), 1);
        assert!(r.certs(Some("other")).await.unwrap().certs.is_empty());
        assert!(matches!(r.app_certs("other").await, Err(CoreError::NotFound(_))));

        // Serials are found in any case, with colons.
        let colons: Vec<String> =
            serial.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).to_uppercase()).collect();
        assert_eq!(r.cert(&colons.join(":")).await.unwrap().serial, serial);
        assert_eq!(field(&r.cert("xyz").await.unwrap_err()), Some("serial"));

        let e = r.revoke_cert(&serial, RevokeCert { reason: Some("x".repeat(201)) }).await.unwrap_err();
        assert_eq!(field(&e), Some("reason"));
        let revoked = r.revoke_cert(&serial, RevokeCert { reason: Some("key leaked".into()) }).await.unwrap();
        assert_eq!(
            (revoked.status, revoked.revoke_reason.as_deref()),
            (CertStatus::Revoked, Some("key leaked"))
        );
        assert!(r.snapshots().load_full().certs[&serial].revoked, "the gateway sees the revocation at once");
        let again = r.revoke_cert(&serial, RevokeCert::default()).await.unwrap();
        assert_eq!(again.revoke_reason.as_deref(), Some("key leaked"), "the first reason is kept");
        assert!(matches!(r.revoke_cert("ab", RevokeCert::default()).await, Err(CoreError::NotFound(_))));
    }

    #[test]
    fn expiry_warnings_and_days_left_follow_the_thresholds() {
        let day = 86_400;
        let rec = |not_after: i64, revoked: bool| CertRecord {
            serial: "01".into(),
            app_name: "a".into(),
            cert_pem: String::new(),
            key_source: "p256".into(),
            not_before: 0,
            not_after,
            created_at: 0,
            revoked_at: revoked.then_some(1),
            revoke_reason: None,
            renewed_from: None,
        };
        let now = 1_000 * day;
        for (left, warning, days) in [
            (31 * day, None, 31),
            (30 * day, Some(30), 30),
            (7 * day + 1, Some(30), 8),
            (7 * day, Some(7), 7),
            (day, Some(1), 1),
            (1, Some(1), 1),
        ] {
            let v = cert_view(rec(now + left, false), now, now);
            assert_eq!((v.expiry_warning, v.days_left), (warning, days), "{left} s left");
        }
        assert_eq!(cert_view(rec(now + day, true), now, now).expiry_warning, None, "revoked: no warning");
        let expired = cert_view(rec(now - 1, false), now, now);
        assert_eq!((expired.status, expired.expiry_warning), (CertStatus::Expired, None));
    }

    #[test]
    fn the_fault_header_reads_each_action_and_refuses_the_rest() {
        let f = |v: &str| fault_from_header(v);
        assert_eq!(
            f("FAIL INTERNAL_ERROR try again").unwrap(),
            FaultAction::Fail { error_code: "INTERNAL_ERROR".into(), reason: Some("try again".into()) }
        );
        assert_eq!(f("fail X").unwrap(), FaultAction::Fail { error_code: "X".into(), reason: None });
        assert_eq!(
            f("RESULT_TYPE HTTP_TIMEOUT").unwrap(),
            FaultAction::ResultType { result_type: "HTTP_TIMEOUT".into() }
        );
        assert_eq!(f("LATENCY 300 0.5").unwrap(), FaultAction::Latency { ms: 300, sigma: Some(0.5) });
        assert_eq!(f("RESET").unwrap(), FaultAction::Reset);
        assert_eq!(f("INVALID_GRANT").unwrap(), FaultAction::InvalidGrant);
        assert_eq!(f("RATE_LIMIT 30").unwrap(), FaultAction::RateLimit { retry_after_secs: 30 });
        for bad in [
            "",
            "EXPLODE",
            "FAIL",
            "FAIL bad-code!",
            "RESULT_TYPE OK",
            "LATENCY",
            "LATENCY 61000",
            "LATENCY 10 9",
            "LATENCY x",
            "RATE_LIMIT 0",
            "RATE_LIMIT 3601",
        ] {
            let e = f(bad).unwrap_err();
            assert!(
                matches!(&e, CoreError::Invalid { field: Some(x), .. } if x == crate::FAULT_HEADER),
                "{bad}: {e:?}"
            );
        }
    }
}
