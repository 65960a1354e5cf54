//! Requests and refusals per app per minute, for the last hour (the console's overview chart).
//! The gateway records; the console reads.

use std::sync::Mutex;

use intoss_proto::api::admin::AppTraffic;

/// Per-app rings of 60 one-minute counters.
#[derive(Debug, Default)]
pub struct RequestStats {
    apps: Mutex<foldhash::HashMap<String, Ring>>,
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
