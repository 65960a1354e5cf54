//! Per-app request admission, exact over any trailing 60-second window.
//!
//! # The guarantee
//! For every key, in **any** window of 60 seconds, at most `limit` requests are admitted. When
//! demand exceeds the limit, at least `limit × 600/601` (99.8 %) are admitted per minute, and a burst
//! of up to `limit` requests is admitted at once.
//!
//! # How
//! Time is cut into 100 ms buckets. A key keeps a ring of 601 bucket counters: the current bucket
//! and the 600 before it. A request in bucket `B` is admitted only if the counters of buckets
//! `B-600 ..= B` sum to less than the limit. Every request of a trailing 60 s window ending in
//! bucket `B` lies in those buckets, so counting them is conservative: the partly covered
//! oldest bucket is counted whole. That costs at most one bucket (100 ms) of the window.
//!
//! Memory per active key is fixed whatever the limit: 601 × 4 bytes of counters plus the
//! bookkeeping, about 2.5 KiB. Keys idle for a whole window hold nothing and are dropped by
//! [`MemoryLimiter::sweep`].
//!
//! The [`RateLimiter`] trait lets a shared implementation (Redis, for several nodes) stand in
//! for [`MemoryLimiter`]: `RedisLimiter` behind the feature `redis`, so the partner SDK, which
//! paces itself with [`MemoryLimiter`], does not build a Redis client.

use std::sync::{Arc, Mutex, RwLock};

#[cfg(feature = "redis")]
mod redis;

#[cfg(feature = "redis")]
pub use crate::redis::RedisLimiter;

/// Length of the window, in milliseconds.
pub const WINDOW_MS: u64 = 60_000;
/// Width of one counting bucket, in milliseconds: the time resolution of the limiter.
pub const BUCKET_MS: u64 = 100;
/// Buckets covering any trailing window: 600 full ones plus the partly covered oldest one.
pub const SLOTS: usize = (WINDOW_MS / BUCKET_MS) as usize + 1;

/// The outcome of one admission check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The request is admitted; `remaining` more fit in the current window.
    Admitted {
        /// Requests still admissible right now.
        remaining: u32,
    },
    /// The request is refused; the earliest time another one can be admitted is
    /// `retry_after_ms` from now.
    Refused {
        /// Milliseconds until the oldest counted requests leave the window.
        retry_after_ms: u64,
    },
}

impl Decision {
    /// Whether the request was admitted.
    pub fn is_admitted(self) -> bool {
        matches!(self, Self::Admitted { .. })
    }
}

/// Why a limiter could not decide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The shared backend (e.g. Redis) could not be reached.
    #[error("rate-limit backend unavailable: {0}")]
    Backend(String),
}

/// Decides whether one more request for `key` may be admitted under `limit` per minute.
///
/// `now_ms` is a monotonic clock reading in milliseconds; callers pass it in so that tests can
/// drive time. Implementations must be exact in the sense of the crate docs.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Checks and, if admitted, counts one request.
    async fn check(&self, key: &str, limit: u32, now_ms: u64) -> Result<Decision, RateLimitError>;
}

/// One key's ring of bucket counters.
#[derive(Debug)]
struct Window {
    counts: Box<[u32; SLOTS]>,
    /// Absolute index of the newest bucket the ring holds.
    head: u64,
    /// Sum of `counts`.
    total: u64,
}

impl Window {
    fn new(bucket: u64) -> Self {
        Self { counts: Box::new([0; SLOTS]), head: bucket, total: 0 }
    }

    /// Moves the head to `bucket`, forgetting buckets that left the window.
    fn advance(&mut self, bucket: u64) {
        if bucket <= self.head {
            // A clock that stands still (or, defensively, goes back) keeps the newest bucket.
            return;
        }
        let steps = (bucket - self.head).min(SLOTS as u64);
        for b in (bucket - steps + 1)..=bucket {
            let slot = &mut self.counts[(b % SLOTS as u64) as usize];
            self.total -= u64::from(*slot);
            *slot = 0;
        }
        self.head = bucket;
    }

    fn check(&mut self, limit: u32, now_ms: u64) -> Decision {
        let bucket = now_ms / BUCKET_MS;
        self.advance(bucket);
        let limit = u64::from(limit);
        if self.total < limit {
            self.counts[(self.head % SLOTS as u64) as usize] += 1;
            self.total += 1;
            let remaining = u32::try_from(limit - self.total).unwrap_or(u32::MAX);
            return Decision::Admitted { remaining };
        }
        // Find how many buckets must pass before enough of the oldest counts leave.
        let must_leave = self.total - limit + 1;
        let mut left = 0u64;
        let oldest = self.head + 1 - SLOTS as u64;
        for k in 0..SLOTS as u64 {
            left += u64::from(self.counts[((oldest + k) % SLOTS as u64) as usize]);
            if left >= must_leave {
                let free_at = (self.head + k + 1) * BUCKET_MS;
                return Decision::Refused { retry_after_ms: free_at.saturating_sub(now_ms).max(1) };
            }
        }
        // A limit of 0 never admits; say "a whole window".
        Decision::Refused { retry_after_ms: WINDOW_MS }
    }

    fn is_idle(&self, now_ms: u64) -> bool {
        self.total == 0 || now_ms / BUCKET_MS >= self.head + SLOTS as u64
    }
}

/// The in-process limiter: exact for one node.
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    // foldhash, not SipHash: keys are app names set by the operator, and the request path hashes
    // one per request (callgrind: SipHash was ~2 % of a gateway request with three such maps).
    windows: RwLock<foldhash::HashMap<String, Arc<Mutex<Window>>>>,
}

impl MemoryLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// The synchronous form of [`RateLimiter::check`].
    pub fn check_now(&self, key: &str, limit: u32, now_ms: u64) -> Decision {
        let window = self.window(key, now_ms);
        let mut w = window.lock().unwrap_or_else(|p| p.into_inner());
        w.check(limit, now_ms)
    }

    /// Requests still admissible for `key` right now, without counting one.
    pub fn remaining(&self, key: &str, limit: u32, now_ms: u64) -> u32 {
        let map = self.windows.read().unwrap_or_else(|p| p.into_inner());
        let Some(window) = map.get(key) else { return limit };
        let mut w = window.lock().unwrap_or_else(|p| p.into_inner());
        w.advance(now_ms / BUCKET_MS);
        u32::try_from(u64::from(limit).saturating_sub(w.total)).unwrap_or(0)
    }

    /// Drops the windows of keys with nothing left in their window. Call it on a timer.
    pub fn sweep(&self, now_ms: u64) {
        let mut map = self.windows.write().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, w| {
            let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
            w.advance(now_ms / BUCKET_MS);
            !w.is_idle(now_ms)
        });
    }

    /// Number of keys currently tracked.
    pub fn tracked_keys(&self) -> usize {
        self.windows.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn window(&self, key: &str, now_ms: u64) -> Arc<Mutex<Window>> {
        if let Some(w) = self.windows.read().unwrap_or_else(|p| p.into_inner()).get(key) {
            return w.clone();
        }
        let mut map = self.windows.write().unwrap_or_else(|p| p.into_inner());
        map.entry(key.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(Window::new(now_ms / BUCKET_MS))))
            .clone()
    }
}

#[async_trait::async_trait]
impl RateLimiter for MemoryLimiter {
    async fn check(&self, key: &str, limit: u32, now_ms: u64) -> Result<Decision, RateLimitError> {
        Ok(self.check_now(key, limit, now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Start well past zero so that "60 s ago" is a valid clock reading.
    const T0: u64 = 1_000_000;

    #[test]
    fn burst_up_to_the_limit_then_refused_then_admitted_when_the_oldest_leaves() {
        let l = MemoryLimiter::new();
        for i in 0..5 {
            assert_eq!(l.check_now("app", 5, T0), Decision::Admitted { remaining: 4 - i });
        }
        let Decision::Refused { retry_after_ms } = l.check_now("app", 5, T0 + 10) else {
            panic!("sixth request must be refused")
        };
        // The burst sits in bucket T0/100; it leaves the window when the head reaches
        // that bucket + 601, i.e. 60.1 s after the bucket start.
        assert_eq!(retry_after_ms, 60_100 - 10);
        assert!(!l.check_now("app", 5, T0 + 60_000).is_admitted(), "still inside the window");
        assert!(!l.check_now("app", 5, T0 + 60_099).is_admitted(), "oldest bucket still counted");
        assert!(l.check_now("app", 5, T0 + 60_100).is_admitted(), "admitted once the oldest leaves");
    }

    #[test]
    fn keys_are_independent_and_limit_changes_apply_at_once() {
        let l = MemoryLimiter::new();
        assert!(l.check_now("a", 1, T0).is_admitted());
        assert!(!l.check_now("a", 1, T0).is_admitted());
        assert!(l.check_now("b", 1, T0).is_admitted());
        // Raising a's limit admits more immediately; lowering it refuses.
        assert!(l.check_now("a", 2, T0).is_admitted());
        assert!(!l.check_now("a", 1, T0 + 1000).is_admitted());
    }

    #[test]
    fn zero_limit_never_admits() {
        let l = MemoryLimiter::new();
        assert_eq!(l.check_now("a", 0, T0), Decision::Refused { retry_after_ms: WINDOW_MS });
    }

    /// Oracle: for random arrivals, no trailing 60 s window ever holds more than the limit, and
    /// under sustained excess demand at least 99 % of the limit is admitted per minute.
    #[test]
    fn oracle_never_exceeds_and_admits_at_least_99_percent() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for &limit in &[1u32, 7, 100, 3000] {
            let l = MemoryLimiter::new();
            let mut admitted: VecDeque<u64> = VecDeque::new();
            let mut all_admitted = Vec::new();
            let mut now = T0;
            // Demand about 3× the limit for 10 minutes, in bursts and trickles.
            let duration = 600_000u64;
            let mean_gap = (WINDOW_MS / u64::from(limit) / 3).max(1);
            while now < T0 + duration {
                now += rand() % (2 * mean_gap + 1);
                let burst = if rand() % 50 == 0 { 1 + rand() % u64::from(limit) } else { 1 };
                for _ in 0..burst {
                    if l.check_now("k", limit, now).is_admitted() {
                        while admitted.front().is_some_and(|&t| t + WINDOW_MS <= now) {
                            admitted.pop_front();
                        }
                        admitted.push_back(now);
                        assert!(admitted.len() <= limit as usize, "limit {limit} exceeded at {now}");
                        all_admitted.push(now);
                    }
                }
            }
            // Throughput: in each full minute after warm-up, ≥ 99 % of the limit.
            for minute in 1..9u64 {
                let start = T0 + minute * WINDOW_MS;
                let n = all_admitted.iter().filter(|&&t| t >= start && t < start + WINDOW_MS).count();
                let floor = (f64::from(limit) * 0.99).floor() as usize;
                assert!(n >= floor.saturating_sub(1), "limit {limit}: only {n} admitted in minute {minute}");
            }
        }
    }

    #[test]
    fn sweep_forgets_idle_keys_and_memory_is_bounded() {
        let l = MemoryLimiter::new();
        for i in 0..100 {
            l.check_now(&format!("app{i}"), 3000, T0);
        }
        assert_eq!(l.tracked_keys(), 100);
        l.sweep(T0 + 30_000);
        assert_eq!(l.tracked_keys(), 100, "still inside their window");
        l.sweep(T0 + WINDOW_MS + BUCKET_MS);
        assert_eq!(l.tracked_keys(), 0);
        assert!(std::mem::size_of::<[u32; SLOTS]>() <= 2_500);
    }

    #[test]
    fn remaining_does_not_count() {
        let l = MemoryLimiter::new();
        assert_eq!(l.remaining("a", 10, T0), 10);
        l.check_now("a", 10, T0);
        assert_eq!(l.remaining("a", 10, T0), 9);
        assert_eq!(l.remaining("a", 10, T0), 9);
    }
}
