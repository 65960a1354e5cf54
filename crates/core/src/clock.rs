//! Time on the request path.

/// Milliseconds on a monotonic clock: the rate limiter's windows and the snapshot's age. Built
/// on tokio's `Instant`, so tests can pause and advance it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: tokio::time::Instant,
}

/// Where [`Clock::now_ms`] starts: one 60 s window, so "a window ago" is never negative.
const START_MS: u64 = 60_000;

impl Clock {
    /// A clock starting now.
    pub fn new() -> Self {
        Self { base: tokio::time::Instant::now() }
    }

    /// Milliseconds since the clock was made, plus one minute.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX) + START_MS
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Current wall-clock time, Unix seconds.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// RFC 3339 UTC form of Unix seconds (empty for a time out of range).
pub use intoss_proto::times::rfc3339;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_utc_with_a_z() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_800_000_000), "2027-01-15T08:00:00Z");
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_starts_one_window_in_and_follows_tokio_time() {
        let c = Clock::new();
        assert_eq!(c.now_ms(), START_MS);
        tokio::time::advance(std::time::Duration::from_millis(1500)).await;
        assert_eq!(c.now_ms(), START_MS + 1500);
    }
}
