//! The shared limiter for several nodes: one Lua script per decision in Redis.
//!
//! The script applies the same rule as [`crate::MemoryLimiter`] (601 buckets of 100 ms, counted
//! conservatively) to a Redis hash per key, atomically, with the Redis server's clock (`TIME`),
//! so node clocks cannot skew it. Every node's decisions land in the same hash: exact over all
//! nodes.
//!
//! If Redis cannot answer (down, or slower than the decision timeout), the node falls back to
//! its own in-memory limiter with `limit ÷ nodes` per key — never unlimited — logs it once,
//! and counts the fallback decisions ([`RedisLimiter::fallback_active`],
//! [`RedisLimiter::fallback_decisions`]). It tries Redis again after a short pause and returns
//! to shared counting as soon as Redis answers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;

use crate::{BUCKET_MS, Decision, MemoryLimiter, RateLimitError, RateLimiter, SLOTS, WINDOW_MS};

/// The decision script. KEYS[1]: the key's hash. ARGV: limit, bucket ms, slots, and optionally
/// a clock reading in ms (tests only; production uses the Redis server's `TIME`).
const SCRIPT: &str = r"
local limit = tonumber(ARGV[1])
local bucket_ms = tonumber(ARGV[2])
local slots = tonumber(ARGV[3])
local now_ms
if ARGV[4] and ARGV[4] ~= '' then
  now_ms = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local bucket = math.floor(now_ms / bucket_ms)
local oldest = bucket - slots + 1
local all = redis.call('HGETALL', KEYS[1])
local total = 0
local counts = {}
for i = 1, #all, 2 do
  local b = tonumber(all[i])
  local c = tonumber(all[i + 1])
  if b < oldest then
    redis.call('HDEL', KEYS[1], all[i])
  else
    total = total + c
    counts[b] = (counts[b] or 0) + c
  end
end
if total < limit then
  redis.call('HINCRBY', KEYS[1], bucket, 1)
  redis.call('PEXPIRE', KEYS[1], slots * bucket_ms + 1000)
  return {1, limit - total - 1}
end
local need = total - limit + 1
local acc = 0
for b = oldest, bucket do
  acc = acc + (counts[b] or 0)
  if acc >= need then
    return {0, (b + slots) * bucket_ms - now_ms}
  end
end
return {0, slots * bucket_ms}
";

/// How long a decision may wait for Redis before the local fallback answers.
const DECISION_TIMEOUT: Duration = Duration::from_millis(250);
/// How long to stay on the fallback before trying Redis again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The Redis limiter with its local fallback.
pub struct RedisLimiter {
    client: redis::Client,
    script: redis::Script,
    prefix: String,
    nodes: u32,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    fallback: MemoryLimiter,
    fallback_active: AtomicBool,
    fallback_decisions: AtomicU64,
    retry_at: tokio::sync::Mutex<Option<tokio::time::Instant>>,
    clock_override: bool,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter").field("nodes", &self.nodes).finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// A limiter on the Redis at `url` (`redis://host:port[/db]`), for a cluster of `nodes`
    /// nodes (the fallback's divisor). Connects lazily: a Redis that is down at start means
    /// fallback, not a failed start.
    pub fn new(url: &str, nodes: u32) -> Result<Self, RateLimitError> {
        let client =
            redis::Client::open(url).map_err(|e| RateLimitError::Backend(format!("redis URL: {e}")))?;
        Ok(Self {
            client,
            script: redis::Script::new(SCRIPT),
            prefix: "intoss:rl:".into(),
            nodes: nodes.max(1),
            conn: tokio::sync::Mutex::new(None),
            fallback: MemoryLimiter::new(),
            fallback_active: AtomicBool::new(false),
            fallback_decisions: AtomicU64::new(0),
            retry_at: tokio::sync::Mutex::new(None),
            clock_override: false,
        })
    }

    /// Uses the caller's `now_ms` instead of Redis `TIME` (tests with a simulated clock).
    #[doc(hidden)]
    pub fn with_caller_clock(mut self) -> Self {
        self.clock_override = true;
        self
    }

    /// Whether decisions are currently made by the local fallback.
    pub fn fallback_active(&self) -> bool {
        self.fallback_active.load(Ordering::Relaxed)
    }

    /// Decisions made by the fallback so far.
    pub fn fallback_decisions(&self) -> u64 {
        self.fallback_decisions.load(Ordering::Relaxed)
    }

    /// The local fallback's own limiter (to sweep idle keys on a timer).
    pub fn fallback(&self) -> &MemoryLimiter {
        &self.fallback
    }

    async fn shared(&self, key: &str, limit: u32, now_ms: u64) -> Result<Decision, redis::RedisError> {
        let mut slot = self.conn.lock().await;
        if slot.is_none() {
            *slot = Some(self.client.get_multiplexed_async_connection().await?);
        }
        let Some(conn) = slot.as_mut() else { unreachable!("connection set above") };
        let mut conn = conn.clone();
        drop(slot);
        let mut call = self.script.key(format!("{}{key}", self.prefix));
        call.arg(limit).arg(BUCKET_MS).arg(SLOTS);
        if self.clock_override {
            call.arg(now_ms);
        }
        let (admitted, value): (i64, i64) = match call.invoke_async(&mut conn).await {
            Ok(v) => v,
            Err(e) => {
                // Drop the connection: the next attempt reconnects.
                *self.conn.lock().await = None;
                return Err(e);
            }
        };
        Ok(if admitted == 1 {
            Decision::Admitted { remaining: u32::try_from(value.max(0)).unwrap_or(u32::MAX) }
        } else {
            Decision::Refused { retry_after_ms: u64::try_from(value.max(1)).unwrap_or(WINDOW_MS) }
        })
    }

    fn local(&self, key: &str, limit: u32, now_ms: u64) -> Decision {
        self.fallback_decisions.fetch_add(1, Ordering::Relaxed);
        // Each node gets its share; at least one request, never unlimited.
        let share = (limit / self.nodes).max(u32::from(limit > 0));
        self.fallback.check_now(key, share, now_ms)
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisLimiter {
    async fn check(&self, key: &str, limit: u32, now_ms: u64) -> Result<Decision, RateLimitError> {
        {
            let retry_at = self.retry_at.lock().await;
            if retry_at.is_some_and(|t| tokio::time::Instant::now() < t) {
                return Ok(self.local(key, limit, now_ms));
            }
        }
        match tokio::time::timeout(DECISION_TIMEOUT, self.shared(key, limit, now_ms)).await {
            Ok(Ok(decision)) => {
                if self.fallback_active.swap(false, Ordering::Relaxed) {
                    tracing::warn!("rate limiter: Redis is back; shared counting resumed");
                }
                *self.retry_at.lock().await = None;
                Ok(decision)
            }
            failure => {
                let why = match failure {
                    Ok(Err(e)) => e.to_string(),
                    _ => format!("no answer within {} ms", DECISION_TIMEOUT.as_millis()),
                };
                if !self.fallback_active.swap(true, Ordering::Relaxed) {
                    tracing::error!(
                        error = %why,
                        nodes = self.nodes,
                        "rate limiter: Redis unavailable; falling back to a local limit of limit/{} per node",
                        self.nodes
                    );
                }
                *self.retry_at.lock().await = Some(tokio::time::Instant::now() + RETRY_AFTER);
                Ok(self.local(key, limit, now_ms))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    const T0: u64 = 10_000_000;

    #[tokio::test]
    async fn exact_at_the_edge_and_under_an_oracle_with_a_simulated_clock() {
        let Some(redis) = intoss_testsupport::redis() else { return };
        let l = RedisLimiter::new(&redis.url(), 2).unwrap().with_caller_clock();
        for i in 0..5 {
            assert_eq!(l.check("edge", 5, T0).await.unwrap(), Decision::Admitted { remaining: 4 - i });
        }
        assert_eq!(
            l.check("edge", 5, T0 + 10).await.unwrap(),
            Decision::Refused { retry_after_ms: 60_100 - 10 }
        );
        assert!(!l.check("edge", 5, T0 + 60_099).await.unwrap().is_admitted());
        assert!(l.check("edge", 5, T0 + 60_100).await.unwrap().is_admitted());
        assert!(!l.fallback_active());

        // Random arrivals for five simulated minutes against the same oracle as the memory one.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut admitted: VecDeque<u64> = VecDeque::new();
        let mut total = 0usize;
        let mut now = T0 + 1_000_000;
        let limit = 40u32;
        while now < T0 + 1_300_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            now += seed % 1200;
            if l.check("oracle", limit, now).await.unwrap().is_admitted() {
                while admitted.front().is_some_and(|&t| t + WINDOW_MS <= now) {
                    admitted.pop_front();
                }
                admitted.push_back(now);
                total += 1;
                assert!(admitted.len() <= limit as usize, "limit exceeded at {now}");
            }
        }
        // 300 s at ~100 requests/min offered against 40/min: about 200 admitted.
        assert!(total >= 195, "{total} admitted");
    }

    #[tokio::test]
    async fn redis_down_falls_back_to_a_share_and_comes_back() {
        let Some(mut redis) = intoss_testsupport::redis() else { return };
        let l = RedisLimiter::new(&redis.url(), 2).unwrap();
        assert!(l.check("k", 10, T0).await.unwrap().is_admitted());
        redis.stop();
        // Fallback: 10 / 2 nodes = 5 per node, never unlimited.
        let mut admitted = 0;
        for _ in 0..20 {
            if l.check("down", 10, T0).await.unwrap().is_admitted() {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 5);
        assert!(l.fallback_active());
        assert!(l.fallback_decisions() >= 20);
        redis.start();
        tokio::time::sleep(RETRY_AFTER + Duration::from_millis(100)).await;
        assert!(l.check("back", 10, T0).await.unwrap().is_admitted());
        assert!(!l.fallback_active(), "shared counting resumed");
    }

    #[tokio::test]
    async fn unreachable_from_the_start_is_fallback_not_failure() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let l = RedisLimiter::new(&format!("redis://127.0.0.1:{port}"), 3).unwrap();
        let results: Vec<bool> = {
            let mut v = Vec::new();
            for _ in 0..5 {
                v.push(l.check("k", 9, T0).await.unwrap().is_admitted());
            }
            v
        };
        assert_eq!(results, [true, true, true, false, false], "9 / 3 nodes = 3");
        assert!(l.fallback_active());
    }
}
