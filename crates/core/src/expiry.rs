//! Certificate expiry warnings: 30, 7 and 1 day before `not_after`.
//!
//! Each warning is sent once per certificate and threshold. "Sent" is recorded in the store
//! with an insert-if-absent before it is logged, so a restart neither repeats one (the record
//! exists) nor loses one (a threshold crossed while the platform was down is found at the next
//! scan). Revoked and expired certificates get none.

use intoss_store::{CertRecord, CertStatus, Store, StoreError};

use crate::registry::EXPIRY_THRESHOLDS_DAYS;

/// A warning sent by a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The certificate.
    pub serial: String,
    /// Its app.
    pub app: String,
    /// 30, 7 or 1.
    pub threshold_days: i64,
    /// The certificate's end of validity, Unix seconds.
    pub not_after: i64,
}

/// Finds the thresholds crossed that were not yet sent, records and logs them. Each
/// certificate is judged at `now` plus `offset_of` its app: the app's test clock
/// (`intoss clock advance`), so a test can reach a warning without waiting 360 days.
pub async fn scan(
    store: &dyn Store,
    now: i64,
    offset_of: &(dyn Fn(&str) -> i64 + Send + Sync),
) -> Result<Vec<Warning>, StoreError> {
    let mut sent = Vec::new();
    for c in store.list_certs(None).await? {
        let app_now = now.saturating_add(offset_of(&c.app_name));
        if c.status(now) != CertStatus::Active || c.status(app_now) != CertStatus::Active {
            continue;
        }
        for days in due(&c, app_now) {
            if store.record_expiry_notice(&c.serial, days, now).await? {
                tracing::warn!(
                    app = %c.app_name,
                    serial = %c.serial,
                    threshold_days = days,
                    not_after = %crate::rfc3339(c.not_after),
                    "client certificate expires soon: issue a new one and rotate"
                );
                sent.push(Warning {
                    serial: c.serial.clone(),
                    app: c.app_name.clone(),
                    threshold_days: days,
                    not_after: c.not_after,
                });
            }
        }
    }
    Ok(sent)
}

fn due(c: &CertRecord, now: i64) -> impl Iterator<Item = i64> + '_ {
    EXPIRY_THRESHOLDS_DAYS.into_iter().filter(move |d| now >= c.not_after - d * 86_400)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use intoss_store::{NewApp, SqliteStore};

    const DAY: i64 = 86_400;

    async fn store_with_cert(path: &std::path::Path, not_after: i64) -> SqliteStore {
        let s = SqliteStore::open(path).await.unwrap();
        s.create_app(&NewApp {
            name: "a".into(),
            qpm: 1,
            allow_ips: vec![],
            webhook_url: None,
            created_at: 0,
        })
        .await
        .unwrap();
        s.insert_cert(&CertRecord {
            serial: "01".into(),
            app_name: "a".into(),
            cert_pem: String::new(),
            key_source: "p256".into(),
            not_before: 0,
            not_after,
            created_at: 0,
            revoked_at: None,
            revoke_reason: None,
            renewed_from: None,
        })
        .await
        .unwrap();
        s
    }

    #[tokio::test]
    async fn each_threshold_once_and_none_lost_across_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let not_after = 390 * DAY;
        let s = store_with_cert(&path, not_after).await;
        assert!(scan(&s, not_after - 31 * DAY, &|_| 0).await.unwrap().is_empty());
        let w = scan(&s, not_after - 30 * DAY, &|_| 0).await.unwrap();
        assert_eq!(w.iter().map(|w| w.threshold_days).collect::<Vec<_>>(), vec![30]);
        assert!(scan(&s, not_after - 29 * DAY, &|_| 0).await.unwrap().is_empty(), "not repeated");
        s.close().await;

        // "Restart" while down across the 7- and 1-day thresholds: both are sent, once.
        let s = SqliteStore::open(&path).await.unwrap();
        let w = scan(&s, not_after - DAY / 2, &|_| 0).await.unwrap();
        assert_eq!(w.iter().map(|w| w.threshold_days).collect::<Vec<_>>(), vec![7, 1]);
        assert!(scan(&s, not_after - DAY / 4, &|_| 0).await.unwrap().is_empty());
        assert_eq!(s.expiry_notices().await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn revoked_certificates_get_no_warning() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_cert(&dir.path().join("t.db"), 10 * DAY).await;
        s.revoke_cert("01", 0, "test").await.unwrap();
        assert!(scan(&s, 9 * DAY + 1, &|_| 0).await.unwrap().is_empty());
    }
}
