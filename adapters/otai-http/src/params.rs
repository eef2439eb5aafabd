//! The HTTP params every HTTP adapter takes at the top level of its `params:`, their defaults and
//! their checks.

use std::path::PathBuf;
use std::time::Duration;

use otai_core::{Error, Result};

/// The shared HTTP params, as written in YAML (seconds as numbers). An adapter's config declares
/// them with [`config_with_http_params!`](crate::config_with_http_params) and hands them over
/// with the generated `http_params()`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HttpParams {
    /// Seconds a whole request may take, reply included.
    pub timeout: f64,
    /// Seconds to establish a connection (TCP and TLS); at most 90 % of `timeout`.
    pub connect_timeout: f64,
    /// Retries on transient failures, for requests that are safe to repeat.
    pub retries: u32,
    /// Largest reply accepted, in bytes.
    pub max_response_bytes: usize,
    /// A PEM file of extra CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate (logs a warning).
    pub insecure_skip_verify: bool,
    /// A proxy URL for all requests.
    pub proxy: Option<String>,
}

impl HttpParams {
    /// Default `timeout`: 30 s.
    pub const DEFAULT_TIMEOUT: f64 = 30.0;
    /// Default `connect_timeout`: 10 s.
    pub const DEFAULT_CONNECT_TIMEOUT: f64 = 10.0;
    /// Default `retries`: 2.
    pub const DEFAULT_RETRIES: u32 = 2;
    /// Default `max_response_bytes`: 64 MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

    /// Checks what can be checked without touching files or the network; errors name the param
    /// (`params.timeout`).
    pub fn validate(&self) -> Result<()> {
        self.timeout_duration()?;
        self.connect_timeout_duration()?;
        if self.max_response_bytes == 0 {
            return Err(Error::config(
                "params.max_response_bytes",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// `timeout` as a duration.
    pub fn timeout_duration(&self) -> Result<Duration> {
        positive_seconds("timeout", self.timeout)
    }

    /// `connect_timeout` as a duration, at most 90 % of `timeout`: connecting must give up
    /// before the whole request does, or a connection that never comes (a TLS handshake with a
    /// plain-HTTP server) would be reported as a slow reply.
    pub fn connect_timeout_duration(&self) -> Result<Duration> {
        let connect = positive_seconds("connect_timeout", self.connect_timeout)?;
        Ok(connect.min(self.timeout_duration()?.mul_f64(0.9)))
    }
}

impl Default for HttpParams {
    fn default() -> Self {
        Self {
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            retries: Self::DEFAULT_RETRIES,
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
            ca_file: None,
            insecure_skip_verify: false,
            proxy: None,
        }
    }
}

/// `seconds` of param `params.<name>` as a duration: positive, finite and not absurdly large.
///
/// ```
/// assert_eq!(otai_http::positive_seconds("timeout", 1.5).ok(), Some(std::time::Duration::from_millis(1500)));
/// assert!(otai_http::positive_seconds("timeout", f64::NAN).is_err());
/// ```
pub fn positive_seconds(name: &str, seconds: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Error::config(
                format!("params.{name}"),
                "must be a positive number of seconds",
            )
        })
}

/// Declares an adapter's config struct with the shared HTTP params (`timeout`, `connect_timeout`,
/// `retries`, `max_response_bytes`, `ca_file`, `insecure_skip_verify`, `proxy`) added as
/// top-level fields, and an `http_params()` method that collects them.
///
/// Plain fields, not a `#[serde(flatten)]`ed struct, so `deny_unknown_fields` and the error paths
/// keep working. The struct must derive `serde::Deserialize`; one such struct per module.
///
/// ```
/// otai_http::config_with_http_params! {
///     /// A config.
///     #[derive(Debug, serde::Deserialize)]
///     #[serde(deny_unknown_fields)]
///     pub struct DemoConfig {
///         /// The server.
///         pub base_url: String,
///     }
/// }
///
/// # fn main() -> Result<(), serde_json::Error> {
/// let config: DemoConfig = serde_json::from_str(r#"{"base_url": "https://h", "retries": 5}"#)?;
/// assert_eq!((config.retries, config.timeout), (5, 30.0));
/// assert_eq!(config.http_params().retries, 5);
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! config_with_http_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field_vis:vis $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$field_meta])* $field_vis $field: $ty, )*
            /// Seconds a whole request may take, reply included (default 30).
            #[serde(default = "__otai_http_param_defaults::timeout")]
            pub timeout: f64,
            /// Seconds to establish a connection, TLS handshake included (default 10, at most
            /// 90 % of `timeout`).
            #[serde(default = "__otai_http_param_defaults::connect_timeout")]
            pub connect_timeout: f64,
            /// Retries on transient failures of requests that are safe to repeat (default 2).
            #[serde(default = "__otai_http_param_defaults::retries")]
            pub retries: u32,
            /// Largest reply accepted, in bytes (default 64 MiB).
            #[serde(default = "__otai_http_param_defaults::max_response_bytes")]
            pub max_response_bytes: usize,
            /// A PEM file of extra CA certificates to trust.
            #[serde(default)]
            pub ca_file: ::core::option::Option<::std::path::PathBuf>,
            /// Turns off TLS certificate verification. Never in production; logs a warning.
            #[serde(default)]
            pub insecure_skip_verify: bool,
            /// Proxy URL for all requests.
            #[serde(default)]
            pub proxy: ::core::option::Option<::std::string::String>,
        }

        impl $name {
            /// The shared HTTP params of this configuration.
            pub fn http_params(&self) -> $crate::HttpParams {
                let mut params = $crate::HttpParams::default();
                params.timeout = self.timeout;
                params.connect_timeout = self.connect_timeout;
                params.retries = self.retries;
                params.max_response_bytes = self.max_response_bytes;
                params.ca_file = self.ca_file.clone();
                params.insecure_skip_verify = self.insecure_skip_verify;
                params.proxy = self.proxy.clone();
                params
            }
        }

        /// Serde defaults of the shared HTTP params.
        #[doc(hidden)]
        mod __otai_http_param_defaults {
            pub(super) fn timeout() -> f64 {
                $crate::HttpParams::DEFAULT_TIMEOUT
            }
            pub(super) fn connect_timeout() -> f64 {
                $crate::HttpParams::DEFAULT_CONNECT_TIMEOUT
            }
            pub(super) fn retries() -> u32 {
                $crate::HttpParams::DEFAULT_RETRIES
            }
            pub(super) fn max_response_bytes() -> usize {
                $crate::HttpParams::DEFAULT_MAX_RESPONSE_BYTES
            }
        }
    };
}

/// A struct literal of a config declared with
/// [`config_with_http_params!`](crate::config_with_http_params): the given fields, plus the shared
/// HTTP params at their defaults.
///
/// ```
/// # otai_http::config_with_http_params! {
/// #     /// A config.
/// #     #[derive(Debug, serde::Deserialize)]
/// #     pub struct DemoConfig {
/// #         /// The server.
/// #         pub base_url: String,
/// #     }
/// # }
/// let config = otai_http::with_default_http_params!(DemoConfig { base_url: "https://h".into() });
/// assert_eq!(config.http_params(), otai_http::HttpParams::default());
/// ```
#[macro_export]
macro_rules! with_default_http_params {
    ($name:path { $($field:ident : $value:expr),* $(,)? }) => {{
        let defaults = $crate::HttpParams::default();
        $name {
            $($field: $value,)*
            timeout: defaults.timeout,
            connect_timeout: defaults.connect_timeout,
            retries: defaults.retries,
            max_response_bytes: defaults.max_response_bytes,
            ca_file: defaults.ca_file,
            insecure_skip_verify: defaults.insecure_skip_verify,
            proxy: defaults.proxy,
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_bad_numbers_name_the_param() {
        assert_eq!(HttpParams::default().validate().ok(), Some(()));
        let check = |f: fn(&mut HttpParams)| {
            let mut params = HttpParams::default();
            f(&mut params);
            params.validate().err().map(|e| e.to_string())
        };
        let positive = |name: &str| {
            Some(format!(
                "config error at params.{name}: must be a positive number of seconds"
            ))
        };
        assert_eq!(check(|p| p.timeout = 0.0), positive("timeout"));
        assert_eq!(check(|p| p.timeout = -1.0), positive("timeout"));
        assert_eq!(check(|p| p.timeout = f64::INFINITY), positive("timeout"));
        assert_eq!(check(|p| p.timeout = 1e30), positive("timeout"));
        assert_eq!(
            check(|p| p.connect_timeout = f64::NAN),
            positive("connect_timeout")
        );
        assert_eq!(
            check(|p| p.max_response_bytes = 0),
            Some("config error at params.max_response_bytes: must be at least 1".into())
        );
    }

    #[test]
    fn the_connect_timeout_never_exceeds_the_timeout() -> Result<()> {
        let mut params = HttpParams::default();
        assert_eq!(params.connect_timeout_duration()?, Duration::from_secs(10));
        params.timeout = 2.0;
        assert_eq!(
            params.connect_timeout_duration()?,
            Duration::from_millis(1800)
        );
        Ok(())
    }
}
