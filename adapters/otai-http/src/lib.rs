//! # otai-http: what every HTTP adapter of otai shares
//!
//! One [`reqwest::Client`] per service, built from the service's timeouts, TLS and proxy settings
//! ([`build_client`]), and the retry delay ([`backoff`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::Path;
use std::time::Duration;

use otai_core::{Error, Result};

/// Settings of an adapter's HTTP client. Errors name the params `params.ca_file`, `params.proxy`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ClientOptions<'a> {
    /// Longest a whole request may take.
    pub timeout: Duration,
    /// Longest establishing a connection may take.
    pub connect_timeout: Duration,
    /// A PEM file of extra CA certificates to trust.
    pub ca_file: Option<&'a Path>,
    /// Accept any certificate (logs a warning).
    pub insecure_skip_verify: bool,
    /// A proxy for all requests.
    pub proxy: Option<&'a str>,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
}

impl<'a> ClientOptions<'a> {
    /// Options with these timeouts and defaults for the rest.
    pub fn new(timeout: Duration, connect_timeout: Duration) -> Self {
        Self {
            timeout,
            connect_timeout,
            ca_file: None,
            insecure_skip_verify: false,
            proxy: None,
            pool_max_idle_per_host: 8,
        }
    }

    /// Trusts the certificates in `path` too.
    pub fn ca_file(mut self, path: Option<&'a Path>) -> Self {
        self.ca_file = path;
        self
    }

    /// Turns certificate verification off.
    pub fn insecure_skip_verify(mut self, insecure: bool) -> Self {
        self.insecure_skip_verify = insecure;
        self
    }

    /// Sends everything through `proxy`.
    pub fn proxy(mut self, proxy: Option<&'a str>) -> Self {
        self.proxy = proxy;
        self
    }

    /// Keeps up to `n` idle connections per host.
    pub fn pool(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }
}

/// Builds the client: rustls with the platform's roots plus `ca_file`, timeouts, proxy.
pub fn build_client(options: &ClientOptions<'_>) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.connect_timeout)
        .user_agent(concat!("otai/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(options.pool_max_idle_per_host);
    if let Some(path) = options.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Error::config(
                "params.ca_file",
                format!("cannot read `{}`: {e}", path.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_default();
        if certs.is_empty() {
            return Err(Error::config(
                "params.ca_file",
                format!("`{}` holds no PEM certificate", path.display()),
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if options.insecure_skip_verify {
        tracing::warn!(
            "TLS certificate verification is OFF (insecure_skip_verify); never use this in production"
        );
        builder = builder.danger_accept_invalid_certs(true);
    }
    if let Some(proxy) = options.proxy {
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|e| Error::config("params.proxy", format!("invalid proxy URL: {e}")))?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|e| Error::config("params", format!("cannot build the HTTP client: {e}")))
}

/// A server's `Retry-After` in seconds (the HTTP-date form is not used by helpdesks).
pub fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Why a reply body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// More than the limit (in bytes) arrived.
    TooLarge(usize),
    /// The connection failed while reading.
    Http(reqwest::Error),
}

impl BodyError {
    /// The typed error for `request`: too large (final), a timeout after `timeout`, or a
    /// transient transport error.
    pub fn into_error(self, request: &str, timeout: Duration) -> Error {
        match self {
            Self::TooLarge(limit) => Error::Transport {
                request: request.to_owned(),
                message: format!(
                    "reply larger than the limit of {limit} bytes (max_response_bytes)"
                ),
                transient: false,
                source: None,
            },
            Self::Http(e) if e.is_timeout() => Error::Timeout {
                request: request.to_owned(),
                after: timeout,
            },
            Self::Http(e) => Error::Transport {
                request: request.to_owned(),
                message: "reading the reply failed".into(),
                transient: true,
                source: Some(Box::new(e.without_url())),
            },
        }
    }
}

/// `host:port` of `base_url`, for messages (no path, no credentials).
///
/// ```
/// assert_eq!(otai_http::server_label("https://user:pw@helpdesk.example.com/otobo"), "helpdesk.example.com:443");
/// ```
pub fn server_label(base_url: &str) -> String {
    reqwest::Url::parse(base_url)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some(match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| "the server".into())
}

/// Reads a reply body, refusing more than `limit` bytes (checked before and while reading, so a
/// huge or endless reply never fills memory).
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> std::result::Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Http)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bad_tls_and_proxy_settings_name_the_param() {
        let base = ClientOptions::new(Duration::from_secs(1), Duration::from_secs(1));
        let err = build_client(&base.ca_file(Some(Path::new("missing.pem"))))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("config error at params.ca_file: cannot read `missing.pem`"),
            "{err}"
        );
        let err = build_client(&base.proxy(Some("::nope::")))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("config error at params.proxy: invalid proxy URL"),
            "{err}"
        );
        assert!(build_client(&base.insecure_skip_verify(true)).is_ok());
    }
}
