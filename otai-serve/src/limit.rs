//! Per-account rate limits: a token bucket each.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimitConfig;

/// One account's token bucket.
#[derive(Debug)]
pub(crate) struct Bucket {
    per_second: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    pub(crate) fn new(config: RateLimitConfig) -> Self {
        let burst = f64::from(
            config
                .burst
                .unwrap_or(config.per_second.ceil() as u32)
                .max(1),
        );
        Self {
            per_second: config.per_second,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token, or says how long until one is there.
    pub(crate) fn take(&self) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (tokens, last) = *state;
        let tokens =
            (tokens + now.duration_since(last).as_secs_f64() * self.per_second).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            Ok(())
        } else {
            *state = (tokens, now);
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_says_when_to_come_back() -> Result<(), String> {
        let bucket = Bucket::new(RateLimitConfig {
            per_second: 0.5,
            burst: Some(2),
        });
        bucket.take().map_err(|_| "first refused")?;
        bucket.take().map_err(|_| "second refused")?;
        let Err(wait) = bucket.take() else {
            return Err("the third request of a burst of 2 passed".into());
        };
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(2),
            "{wait:?}"
        );
        Ok(())
    }
}
