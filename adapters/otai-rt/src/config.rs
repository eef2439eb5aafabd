//! YAML `params` of the Request Tracker adapter.

use std::collections::BTreeMap;
use std::sync::Arc;

use otai_core::registry::{BuildContext, ServiceConfig};
use otai_core::request::DEFAULT_MAX_RESULTS;
use otai_core::{Error, Result, TicketSystemService};
use secrecy::SecretString;
use serde::Deserialize;

use crate::RtService;
use crate::limits::MAX_SEARCH_IDS;

otai_http::config_with_http_params! {
    /// Configuration of the RT adapter. See `docs/adapters/rt.md`. The shared HTTP params
    /// (`timeout`, `connect_timeout`, `retries`, `max_response_bytes`, `ca_file`,
    /// `insecure_skip_verify`, `proxy`) come from [`otai_http::config_with_http_params!`]; `retries`
    /// covers reads, and writes that surely never reached the server.
    #[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[non_exhaustive]
    pub struct RtConfig {
        /// The RT root URL (`https://rt.example.com`; `/REST/2.0` is added) or the full REST 2 URL.
        pub base_url: String,
        /// An auth token, sent as `Authorization: token …`.
        #[serde(default)]
        #[schemars(with = "Option<String>")]
        pub token: Option<SecretString>,
        /// Login for HTTP Basic auth, instead of a token.
        #[serde(default)]
        pub username: Option<String>,
        /// Password for HTTP Basic auth.
        #[serde(default)]
        #[schemars(with = "Option<String>")]
        pub password: Option<SecretString>,
        /// Tickets read at once when a search returns several (default 4).
        #[serde(default = "default_concurrency")]
        pub concurrency: usize,
        /// Tickets a search returns at most when it gives no `limit` (default
        /// [`DEFAULT_MAX_RESULTS`], at most 100 000); a search that stops there logs a warning.
        #[serde(default = "default_max_results")]
        pub max_results: usize,
        /// Whether RT's full-text index is on, so `text_contains` can search message content on the
        /// server. Off (default): the adapter filters `text_contains` itself after the other criteria.
        #[serde(default)]
        pub fulltext_index: bool,
        /// Unified values ↔ RT values.
        #[serde(default)]
        pub mapping: RtMapping,
    }
}

/// Value mapping between unified values and RT's, both ways; each map follows
/// [`otai_core::mapping::FieldValueMap`]: unified values in any case, RT values exact, and no two
/// unified values for one RT value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RtMapping {
    /// Unified priority name → RT priority number, e.g. `high: 80`.
    #[serde(default)]
    pub priority: BTreeMap<String, i64>,
    /// Unified state → RT lifecycle status, e.g. `closed: resolved`.
    #[serde(default)]
    pub state: BTreeMap<String, String>,
    /// RT status pattern (a regex matching the whole status) → unified state, read only from
    /// RT (`resolved|rejected: closed`); each unified state must be a key of `state` too.
    #[serde(default)]
    pub state_patterns: BTreeMap<String, String>,
    /// Unified queue → RT queue name.
    #[serde(default)]
    pub queue: BTreeMap<String, String>,
}

fn default_concurrency() -> usize {
    4
}

fn default_max_results() -> usize {
    DEFAULT_MAX_RESULTS
}

impl RtConfig {
    /// A configuration for `base_url` authenticating with `token`.
    pub fn with_token(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        otai_http::with_default_http_params!(Self {
            base_url: base_url.into(),
            token: Some(SecretString::from(token.into())),
            username: None,
            password: None,
            concurrency: default_concurrency(),
            max_results: default_max_results(),
            fulltext_index: false,
            mapping: RtMapping::default(),
        })
    }

    /// A configuration for `base_url` with HTTP Basic auth.
    pub fn with_basic(
        base_url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        let mut config = Self::with_token(base_url, "");
        config.token = None;
        config.username = Some(username.into());
        config.password = Some(SecretString::from(password.into()));
        config
    }

    /// Sets the mapping.
    pub fn mapping(mut self, mapping: RtMapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// The REST 2 URL, without a trailing slash.
    pub fn rest_url(&self) -> Result<String> {
        let base = otai_http::check_base_url(&self.base_url)?;
        Ok(if base.ends_with("/REST/2.0") {
            base
        } else {
            format!("{base}/REST/2.0")
        })
    }

    /// Checks everything that can be checked without a server.
    pub fn validate(&self) -> Result<()> {
        self.rest_url()?;
        match (&self.token, &self.username, &self.password) {
            (Some(_), None, None) | (None, Some(_), Some(_)) => {}
            (Some(_), _, _) => {
                return Err(Error::config(
                    "params.token",
                    "give either `token` or `username`/`password`, not both",
                ));
            }
            (None, Some(_), None) => {
                return Err(Error::config("params.password", "missing for `username`"));
            }
            (None, None, _) => {
                return Err(Error::config(
                    "params.token",
                    "missing: give `token` (tip: `token: '${{ secrets.RT_TOKEN }}'`) or `username`/`password`",
                ));
            }
        }
        self.http_params().validate()?;
        if self.concurrency == 0 {
            return Err(Error::config("params.concurrency", "must be at least 1"));
        }
        if !(1..=MAX_SEARCH_IDS).contains(&self.max_results) {
            return Err(Error::config(
                "params.max_results",
                format!("must be 1 to {MAX_SEARCH_IDS}"),
            ));
        }
        crate::mapping::Maps::new(&self.mapping)?;
        Ok(())
    }
}

impl ServiceConfig for RtConfig {
    const NATIVE_KEYS: &'static otai_core::request::NativeKeys = &crate::native::NATIVE_KEYS;

    fn check(&self) -> Result<()> {
        self.validate()
    }

    fn build(self, ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>> {
        Ok(Arc::new(
            RtService::new(&self)?.with_redactor(ctx.redactor.clone()),
        ))
    }
}
