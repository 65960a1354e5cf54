//! Requests and refusals per app per minute, for the last hour (the console's overview chart),
//! and the request journal: the last [`JOURNAL_SIZE`] admitted gateway requests of each app.
//! The gateway records; the console reads. Both are this node's, in memory.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;

use intoss_proto::api::admin::AppTraffic;
use intoss_proto::api::sandbox::{RequestLog, RequestRecord};

/// Requests kept per app in the journal.
pub const JOURNAL_SIZE: usize = 200;

/// Per-app rings of 60 one-minute counters, and per-app journals.
#[derive(Debug, Default)]
pub struct RequestStats {
    apps: Mutex<foldhash::HashMap<String, Ring>>,
    journal: Mutex<Journal>,
}

#[derive(Debug, Default)]
struct Journal {
    seq: u64,
    apps: foldhash::HashMap<String, VecDeque<Entry>>,
}

/// A journal entry; its strings are reused when the ring is full (no allocation then).
#[derive(Debug, Clone)]
struct Entry {
    seq: u64,
    at_ms: i64,
    method: http::Method,
    path: String,
    status: u16,
    error_code: Option<Cow<'static, str>>,
    serial: String,
    remaining: u32,
    latency_us: u64,
    bodies: Option<Box<JournalBodies>>,
}

/// The bodies of a test-mode app's request and answer, personal fields masked ([`masked_body`]).
#[derive(Debug, Clone, PartialEq)]
pub struct JournalBodies {
    /// The request's.
    pub request: serde_json::Value,
    /// The answer's.
    pub response: serde_json::Value,
}

/// JSON keys whose string and number values are kept in a journal body: protocol fields that
/// are never personal. Every other string and number is masked (fail closed: a field added to
/// an API later is masked until it is listed here).
const KEPT_KEYS: &[&str] = &[
    "resultType",
    "errorCode",
    "errorType",
    "status",
    "state",
    "orderNo",
    "amount",
    "amountTaxFree",
    "currency",
    "sku",
    "templateSetCode",
    "promotionCode",
    "tokenType",
    "expiresIn",
    "scope",
    "method",
    "payMethod",
    "kind",
    "qpmLimit",
    "remaining",
    "tlsVersion",
    "cipherSuite",
];

/// What a masked value reads as.
pub const MASK: &str = "***";

/// A body as the journal keeps it: JSON with every string and number masked but those of
/// [`KEPT_KEYS`] (keys, booleans, nulls and the shape stay), `null` for an empty body, and a
/// note of its size for a body that is not JSON.
pub fn masked_body(bytes: &[u8]) -> serde_json::Value {
    fn mask(v: &mut serde_json::Value, kept: bool) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    mask(v, KEPT_KEYS.contains(&k.as_str()));
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mask(v, kept)),
            serde_json::Value::String(_) | serde_json::Value::Number(_) if !kept => {
                *v = serde_json::Value::String(MASK.to_owned());
            }
            _ => {}
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return serde_json::Value::Null;
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(mut v) => {
            mask(&mut v, false);
            v
        }
        Err(_) => serde_json::Value::String(format!("({} bytes, not JSON)", bytes.len())),
    }
}

/// What the gateway tells the journal about one answered request.
#[derive(Debug)]
pub struct Answered<'a> {
    /// Unix milliseconds.
    pub at_ms: i64,
    /// The method.
    pub method: &'a http::Method,
    /// The path, without its query string.
    pub path: &'a str,
    /// HTTP status.
    pub status: u16,
    /// The FAIL envelope's code, when the platform made one.
    pub error_code: Option<Cow<'static, str>>,
    /// The certificate serial.
    pub serial: &'a str,
    /// Requests left in the window.
    pub remaining: u32,
    /// Microseconds to the response's head.
    pub latency_us: u64,
    /// For a test-mode app: the bodies, masked.
    pub bodies: Option<Box<JournalBodies>>,
}

#[derive(Debug, Clone)]
struct Ring {
    minute: i64,
    requests: [u64; 60],
    limited: [u64; 60],
}

impl Ring {
    fn advance(&mut self, minute: i64) {
        if minute <= self.minute {
            return;
        }
        let steps = (minute - self.minute).min(60);
        for m in (minute - steps + 1)..=minute {
            let i = slot(m);
            self.requests[i] = 0;
            self.limited[i] = 0;
        }
        self.minute = minute;
    }

    fn series(&self, which: &[u64; 60]) -> Vec<u64> {
        (0..60).map(|k| which[slot(self.minute - 59 + k)]).collect()
    }
}

impl Entry {
    fn empty(method: &http::Method) -> Self {
        Self {
            seq: 0,
            at_ms: 0,
            method: method.clone(),
            path: String::with_capacity(64),
            status: 0,
            error_code: None,
            serial: String::with_capacity(32),
            remaining: 0,
            latency_us: 0,
            bodies: None,
        }
    }
}

fn slot(minute: i64) -> usize {
    usize::try_from(minute.rem_euclid(60)).unwrap_or(0)
}

impl RequestStats {
    /// Counts one admitted (`limited == false`) or refused request of `app` at `now`.
    pub fn record(&self, app: &str, limited: bool, now: i64) {
        let minute = now.div_euclid(60);
        let mut apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        // No allocation on the request path once the app has a ring.
        if !apps.contains_key(app) {
            apps.insert(app.to_owned(), Ring { minute, requests: [0; 60], limited: [0; 60] });
        }
        let Some(ring) = apps.get_mut(app) else { return };
        ring.advance(minute);
        let i = slot(minute);
        if limited {
            ring.limited[i] += 1;
        } else {
            ring.requests[i] += 1;
        }
    }

    /// Adds an answered request to `app`'s journal, dropping its oldest beyond [`JOURNAL_SIZE`].
    pub fn journal(&self, app: &str, a: Answered<'_>) {
        let mut j = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        j.seq += 1;
        let seq = j.seq;
        if !j.apps.contains_key(app) {
            j.apps.insert(app.to_owned(), VecDeque::with_capacity(JOURNAL_SIZE));
        }
        let Some(ring) = j.apps.get_mut(app) else { return };
        let mut e = if ring.len() >= JOURNAL_SIZE {
            ring.pop_front().unwrap_or_else(|| Entry::empty(a.method))
        } else {
            Entry::empty(a.method)
        };
        e.path.clear();
        e.path.push_str(a.path);
        e.serial.clear();
        e.serial.push_str(a.serial);
        e.seq = seq;
        e.at_ms = a.at_ms;
        a.method.clone_into(&mut e.method);
        e.status = a.status;
        e.error_code = a.error_code;
        e.remaining = a.remaining;
        e.latency_us = a.latency_us;
        e.bodies = a.bodies;
        ring.push_back(e);
    }

    /// Empties `app`'s journal (`intoss sandbox reset`).
    pub fn clear_journal(&self, app: &str) {
        self.journal.lock().unwrap_or_else(|p| p.into_inner()).apps.remove(app);
    }

    /// `app`'s journal after `after`, oldest first, at most `limit`.
    pub fn journal_tail(&self, app: &str, after: u64, limit: usize) -> RequestLog {
        let j = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        let requests: Vec<RequestRecord> = j
            .apps
            .get(app)
            .into_iter()
            .flatten()
            .filter(|e| e.seq > after)
            .take(limit)
            .map(|e| RequestRecord {
                seq: e.seq,
                at: intoss_proto::times::rfc3339_ms(e.at_ms),
                method: e.method.as_str().to_owned(),
                path: e.path.clone(),
                status: e.status,
                error_code: e.error_code.as_deref().map(str::to_owned),
                cert_serial: e.serial.clone(),
                remaining: e.remaining,
                latency_ms: e.latency_us as f64 / 1000.0,
                request_body: e.bodies.as_ref().map(|b| b.request.clone()),
                response_body: e.bodies.as_ref().map(|b| b.response.clone()),
            })
            .collect();
        let next = requests.last().map_or(after, |r| r.seq);
        RequestLog { requests, next }
    }

    /// The last hour per app, by name: 60 values each, oldest minute first.
    pub fn last_hour(&self, now: i64) -> Vec<AppTraffic> {
        let minute = now.div_euclid(60);
        let mut apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<AppTraffic> = apps
            .iter_mut()
            .map(|(name, ring)| {
                ring.advance(minute);
                AppTraffic {
                    app: name.clone(),
                    requests: ring.series(&ring.requests),
                    limited: ring.series(&ring.limited),
                }
            })
            .collect();
        out.sort_by(|a, b| a.app.cmp(&b.app));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_keeps_the_last_requests_of_each_app() {
        let s = RequestStats::default();
        let get = http::Method::GET;
        let answer = |path: &'static str| Answered {
            at_ms: 1_700_000_000_000,
            method: &get,
            path,
            status: 200,
            error_code: None,
            serial: "ab",
            remaining: 7,
            latency_us: 1500,
            bodies: None,
        };
        for _ in 0..(JOURNAL_SIZE + 5) {
            s.journal("a", answer("/a"));
        }
        s.journal("b", answer("/b"));
        let a = s.journal_tail("a", 0, 1000);
        assert_eq!(a.requests.len(), JOURNAL_SIZE, "the oldest are dropped");
        assert_eq!(a.requests[0].seq, 6);
        assert_eq!((a.requests[0].latency_ms, a.requests[0].remaining), (1.5, 7));
        let b = s.journal_tail("b", 0, 10);
        assert_eq!((b.requests.len(), b.requests[0].path.as_str()), (1, "/b"));
        assert!(s.journal_tail("a", a.next, 10).requests.is_empty(), "nothing after the last");
        assert_eq!(s.journal_tail("a", 0, 3).next, 8, "limit, then next");
        assert!(s.journal_tail("nobody", 0, 10).requests.is_empty());
        s.clear_journal("a");
        assert!(s.journal_tail("a", 0, 10).requests.is_empty(), "cleared");
        assert_eq!(s.journal_tail("b", 0, 10).requests.len(), 1, "another app's stays");
    }

    #[test]
    fn bodies_keep_their_shape_and_lose_every_personal_value() {
        let body = r#"{"resultType":"SUCCESS","success":{"userKey":443731104,"name":"ENC(김토스)",
            "phone":"01012345678","agreedTerms":["terms_1"],"orderNo":"o-1","amount":1200,
            "nested":[{"ci":"x==","verified":true,"email":null}]}}"#;
        let v = masked_body(body.as_bytes());
        assert_eq!(
            v,
            serde_json::json!({"resultType":"SUCCESS","success":{"userKey":MASK,"name":MASK,"phone":MASK,
                "agreedTerms":[MASK],"orderNo":"o-1","amount":1200,
                "nested":[{"ci":MASK,"verified":true,"email":null}]}})
        );
        assert_eq!(masked_body(b""), serde_json::Value::Null);
        assert_eq!(masked_body(b"user=kim&phone=010"), serde_json::json!("(18 bytes, not JSON)"));
        assert_eq!(masked_body(r#""김토스""#.as_bytes()), serde_json::json!(MASK), "a bare string is masked");
    }

    #[test]
    fn stats_keep_one_hour_per_app() {
        let s = RequestStats::default();
        let t = 1_000_000 * 60;
        s.record("a", false, t);
        s.record("a", false, t + 1);
        s.record("a", true, t + 2);
        s.record("a", false, t + 120);
        let h = s.last_hour(t + 120);
        let req = &h[0].requests;
        assert_eq!(req.len(), 60);
        assert_eq!(req[59], 1, "this minute");
        assert_eq!(req[57], 2, "two minutes ago");
        assert_eq!(h[0].limited[57], 1);
        let later = s.last_hour(t + 3600 * 2);
        assert!(later[0].requests.iter().all(|v| *v == 0), "an hour later, all gone");
    }
}
