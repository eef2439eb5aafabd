//! When a failed request is repeated, and how long to wait before.

use std::future::Future;
use std::time::Duration;

use otai_core::Error;

use crate::{Failure, HttpReply};

/// Whether repeating a request can change anything on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Repeatable {
    /// Reads, searches, logins: repeated on any transient failure.
    Always,
    /// Creates and changes: repeated only when the request surely never reached the server (the
    /// connection was never made), so nothing is ever created twice.
    OnlyIfUnsent,
}

impl Repeatable {
    /// `Always` for the safe methods (GET, HEAD, OPTIONS), else `OnlyIfUnsent`.
    pub fn for_method(method: &reqwest::Method) -> Self {
        match *method {
            reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS => Self::Always,
            _ => Self::OnlyIfUnsent,
        }
    }
}

/// An attempt that failed in a way a later attempt may not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transient {
    /// `false` only when the server surely saw nothing.
    pub may_have_reached_server: bool,
    /// How long the server asked to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// What went wrong, for the log.
    pub cause: String,
}

impl Failure {
    /// `Some` when the error is transient (timeouts, connection failures, 429/502/503/504).
    pub fn transient(&self) -> Option<Transient> {
        if !self.error.is_transient() {
            return None;
        }
        let retry_after = match &self.error {
            Error::Remote { retry_after, .. } => *retry_after,
            _ => None,
        };
        Some(Transient {
            may_have_reached_server: self.may_have_reached_server,
            retry_after,
            cause: self.error.to_string(),
        })
    }
}

impl HttpReply {
    /// `Some` for the statuses that say "try again later": 429, 502, 503, 504.
    pub fn transient(&self) -> Option<Transient> {
        matches!(self.status, 429 | 502..=504).then(|| Transient {
            may_have_reached_server: true,
            retry_after: self.retry_after,
            cause: format!("HTTP {}", self.status),
        })
    }
}

/// How often a request is repeated: up to `retries` times, only when [`Repeatable`] allows it,
/// after [`backoff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    retries: u32,
}

impl RetryPolicy {
    /// Up to `retries` repeats after the first attempt.
    pub fn new(retries: u32) -> Self {
        Self { retries }
    }

    /// Whether to repeat after the failed attempt number `attempt` (0-based).
    pub fn allows(&self, attempt: u32, repeatable: Repeatable, transient: &Transient) -> bool {
        attempt < self.retries
            && (repeatable == Repeatable::Always || !transient.may_have_reached_server)
    }

    /// Runs `attempt` until it succeeds, fails for good, or the retries are spent, and returns
    /// the last error. Only failures are judged; see [`Self::run_replies`] for statuses.
    pub async fn run<T, F, Fut>(
        &self,
        request: &str,
        repeatable: Repeatable,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        self.run_judged(request, repeatable, attempt, |_| None)
            .await
            .map_err(|failure| failure.error)
    }

    /// Like [`Self::run`], and also repeats replies with status 429/502/503/504; when the retries
    /// are spent, such a reply is returned as it is.
    pub async fn run_replies<F, Fut>(
        &self,
        request: &str,
        repeatable: Repeatable,
        attempt: F,
    ) -> Result<HttpReply, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<HttpReply, Failure>>,
    {
        self.run_judged(request, repeatable, attempt, HttpReply::transient)
            .await
            .map_err(|failure| failure.error)
    }

    /// The loop: `judge_reply` says which successful replies still deserve another attempt.
    async fn run_judged<T, F, Fut>(
        &self,
        request: &str,
        repeatable: Repeatable,
        mut attempt: F,
        judge_reply: fn(&T) -> Option<Transient>,
    ) -> Result<T, Failure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut done = 0;
        loop {
            let outcome = attempt().await;
            let transient = match &outcome {
                Ok(reply) => judge_reply(reply),
                Err(failure) => failure.transient(),
            };
            let Some(transient) = transient.filter(|t| self.allows(done, repeatable, t)) else {
                return outcome;
            };
            let delay = backoff(done, transient.retry_after);
            tracing::warn!(
                request,
                attempt = done + 1,
                delay_ms = delay.as_millis() as u64,
                cause = %transient.cause,
                "retrying"
            );
            tokio::time::sleep(delay).await;
            done += 1;
        }
    }
}

/// The delay before retry `attempt` (0-based): 200 ms doubling, ±50 % jitter, at most 10 s; a
/// server's `Retry-After` wins (capped at 60 s).
pub fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(Duration::from_secs(60));
    }
    let base = 200.0 * 2f64.powi(attempt.min(6) as i32);
    Duration::from_millis((base * (0.5 + fastrand::f64())).min(10_000.0) as u64)
}

/// A server's `Retry-After` in seconds (the HTTP-date form is not used by helpdesks).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn transient(reached: bool) -> Transient {
        Transient {
            may_have_reached_server: reached,
            retry_after: None,
            cause: "x".into(),
        }
    }

    fn timeout() -> Failure {
        Failure::sent(Error::Timeout {
            request: "POST /Ticket".into(),
            after: Duration::from_secs(1),
        })
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_retry_after() {
        for attempt in 0..10 {
            let d = backoff(attempt, None);
            let base = 200.0 * 2f64.powi(attempt.min(6) as i32);
            assert!(
                d.as_millis() as f64 >= (base * 0.5).min(10_000.0) - 1.0,
                "{attempt}: {d:?}"
            );
            assert!(d <= Duration::from_secs(10), "{attempt}: {d:?}");
        }
        assert_eq!(
            backoff(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            backoff(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn writes_are_repeated_only_when_surely_unsent() {
        let policy = RetryPolicy::new(2);
        assert!(policy.allows(0, Repeatable::Always, &transient(true)));
        assert!(policy.allows(1, Repeatable::OnlyIfUnsent, &transient(false)));
        assert!(!policy.allows(0, Repeatable::OnlyIfUnsent, &transient(true)));
        assert!(!policy.allows(2, Repeatable::Always, &transient(false)));
        assert!(!RetryPolicy::new(0).allows(0, Repeatable::Always, &transient(false)));
    }

    #[test]
    fn only_safe_methods_are_always_repeatable() {
        use reqwest::Method;
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert_eq!(Repeatable::for_method(&method), Repeatable::Always);
        }
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert_eq!(Repeatable::for_method(&method), Repeatable::OnlyIfUnsent);
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_ignores_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static(" 7 "),
        );
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn only_busy_statuses_make_a_reply_transient() {
        let reply = |status| HttpReply {
            status,
            body: Vec::new(),
            retry_after: Some(Duration::from_secs(1)),
        };
        for status in [429, 502, 503, 504] {
            assert_eq!(
                reply(status).transient().map(|t| t.retry_after),
                Some(Some(Duration::from_secs(1)))
            );
        }
        for status in [200, 400, 401, 404, 500, 501, 505] {
            assert_eq!(reply(status).transient(), None, "{status}");
        }
    }

    #[tokio::test]
    async fn a_sent_write_is_never_repeated_and_a_read_is_until_the_budget_ends() {
        let calls = AtomicU32::new(0);
        let result: Result<(), Error> = RetryPolicy::new(3)
            .run("POST /Ticket", Repeatable::OnlyIfUnsent, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(timeout())
            })
            .await;
        assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let result: Result<(), Error> = RetryPolicy::new(1)
            .run("GET /Ticket", Repeatable::Always, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(timeout())
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_unsent_write_is_repeated_and_can_succeed() {
        let calls = AtomicU32::new(0);
        let result = RetryPolicy::new(2)
            .run("POST /Ticket", Repeatable::OnlyIfUnsent, || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(Failure::unsent(Error::Transport {
                        request: "POST /Ticket".into(),
                        message: "cannot connect".into(),
                        transient: true,
                        source: None,
                    })),
                    _ => Ok("created"),
                }
            })
            .await;
        assert_eq!(result.ok(), Some("created"));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn permanent_errors_end_at_once() {
        let calls = AtomicU32::new(0);
        let result: Result<(), Error> = RetryPolicy::new(5)
            .run("GET /Ticket", Repeatable::Always, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure::sent(Error::PermissionDenied {
                    message: "no".into(),
                }))
            })
            .await;
        assert!(matches!(result, Err(Error::PermissionDenied { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn busy_replies_are_repeated_and_the_last_one_is_returned() {
        let calls = AtomicU32::new(0);
        let reply = RetryPolicy::new(1)
            .run_replies("GET /ticket/1", Repeatable::Always, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(HttpReply {
                    status: 503,
                    body: b"busy".to_vec(),
                    retry_after: Some(Duration::from_millis(1)),
                })
            })
            .await;
        assert_eq!(reply.ok().map(|r| r.status), Some(503));
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        let calls = AtomicU32::new(0);
        let reply = RetryPolicy::new(3)
            .run_replies("POST /ticket", Repeatable::OnlyIfUnsent, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(HttpReply {
                    status: 429,
                    body: Vec::new(),
                    retry_after: None,
                })
            })
            .await;
        assert_eq!(reply.ok().map(|r| r.status), Some(429));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a POST that was answered");
    }
}
