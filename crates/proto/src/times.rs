//! How times are written on the wire. Each API prints times its own way; these are the forms,
//! in one place, from Unix seconds (a time out of range gives an empty string).
//!
//! | form | example | used by |
//! |---|---|---|
//! | [`rfc3339`] | `2026-12-07T02:10:54Z` | the admin API |
//! | [`rfc3339_ms`] | `2026-12-07T02:10:54.123Z` | the request journal (from milliseconds) |
//! | [`kst_iso`] | `2026-12-07T11:10:54+09:00` | identity verification |
//! | [`kst_plain`] | `2026-12-07 11:10:54` | Toss Pay (`approvalTime`, `regTs`, …) |
//! | [`kst_basic`] | `2026-12-07T11:10:54+0900` | in-app purchase (`statusDeterminedAt`) |
//! | [`kst_millis`] | `2026-12-07T11:10:54.000` | Toss-compatible webhooks (`createdAt`) |

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Korea Standard Time, UTC+9 (no daylight saving).
pub const KST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

fn at(t: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t).ok()
}

/// RFC 3339 in UTC, with `Z`.
pub fn rfc3339(t: i64) -> String {
    at(t).and_then(|d| d.format(&Rfc3339).ok()).unwrap_or_default()
}

/// RFC 3339 in UTC with milliseconds, from Unix milliseconds (`2026-12-07T02:10:54.123Z`).
pub fn rfc3339_ms(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|d| {
            let fmt = time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            );
            d.format(&fmt).ok()
        })
        .unwrap_or_default()
}

/// `yyyy-MM-dd'T'HH:mm:ss+09:00`, Korea time.
pub fn kst_iso(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+09:00");
    at(t).and_then(|d| d.to_offset(KST).format(&fmt).ok()).unwrap_or_default()
}

/// `yyyy-MM-dd HH:mm:ss`, Korea time.
pub fn kst_plain(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at(t).and_then(|d| d.to_offset(KST).format(&fmt).ok()).unwrap_or_default()
}

/// `yyyy-MM-dd'T'HH:mm:ssZ` as Java prints it (`+0900`), Korea time.
pub fn kst_basic(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0900");
    at(t).and_then(|d| d.to_offset(KST).format(&fmt).ok()).unwrap_or_default()
}

/// `yyyy-MM-dd'T'HH:mm:ss.SSS` without a zone, Korea time (Toss Payments' webhook `createdAt`).
pub fn kst_millis(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000");
    at(t).and_then(|d| d.to_offset(KST).format(&fmt).ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form() {
        let t = 1_796_610_654; // 2026-12-07T02:30:54Z
        assert_eq!(rfc3339(t), "2026-12-07T02:30:54Z");
        assert_eq!(kst_iso(t), "2026-12-07T11:30:54+09:00");
        assert_eq!(kst_plain(t), "2026-12-07 11:30:54");
        assert_eq!(kst_basic(t), "2026-12-07T11:30:54+0900");
        assert_eq!(kst_millis(t), "2026-12-07T11:30:54.000");
        assert_eq!(kst_plain(0), "1970-01-01 09:00:00");
        assert_eq!(rfc3339(i64::MAX), "");
    }
}
