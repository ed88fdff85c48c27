//! Retry decisions: which answers are worth another attempt, and how long to wait first.

use std::time::{Duration, SystemTime};

use rand::Rng;

use crate::config::RetryConfig;

/// Statuses that say "try again later": request timeout, too many requests, server errors.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

/// The exponential backoff before retry number `retry` (1 for the first retry):
/// `initial * 2^(retry-1)`, capped at `max`; with jitter a uniformly random duration
/// between zero and that value ("full jitter").
pub(crate) fn backoff(config: &RetryConfig, retry: u32) -> Duration {
    let exponent = retry.saturating_sub(1).min(31);
    let base = config
        .initial_backoff()
        .saturating_mul(1u32 << exponent)
        .min(config.max_backoff());
    if config.jitter() && !base.is_zero() {
        let nanos = u64::try_from(base.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    } else {
        base
    }
}

/// Reads a `Retry-After` value: delay seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`). A date in the past means "now". Anything else is
/// ignored.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::from(date);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before the next attempt: the server's `Retry-After` when it sent one, as asked
/// (the maximum backoff bounds only the computed waits; the transport gives up instead when
/// the wait would pass the overall timeout); otherwise the exponential backoff.
pub(crate) fn wait_before_retry(
    config: &RetryConfig,
    retry: u32,
    retry_after: Option<Duration>,
) -> Duration {
    match retry_after {
        Some(asked) => asked,
        None => backoff(config, retry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_statuses() {
        for status in [408, 429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 409, 499] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let config = RetryConfig::standard()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(350))
            .with_jitter(false);
        assert_eq!(backoff(&config, 1), Duration::from_millis(100));
        assert_eq!(backoff(&config, 2), Duration::from_millis(200));
        assert_eq!(backoff(&config, 3), Duration::from_millis(350));
        assert_eq!(backoff(&config, 60), Duration::from_millis(350));
    }

    #[test]
    fn jittered_backoff_stays_within_bounds() {
        let config = RetryConfig::standard()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1))
            .with_jitter(true);
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..200 {
            let wait = backoff(&config, 3);
            assert!(wait <= Duration::from_millis(400), "{wait:?}");
            distinct.insert(wait);
        }
        assert!(distinct.len() > 10, "jitter should vary the wait");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 07:28:00
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn retry_after_is_not_capped_by_max_backoff() {
        let config = RetryConfig::standard().with_max_backoff(Duration::from_secs(2));
        assert_eq!(
            wait_before_retry(&config, 1, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(
            wait_before_retry(&config, 1, Some(Duration::from_millis(1500))),
            Duration::from_millis(1500)
        );
    }
}
