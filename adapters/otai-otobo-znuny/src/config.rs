//! YAML `params` of the OTOBO / Znuny adapter, and the typed builder.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use otai_core::{Error, Result};
use secrecy::SecretString;
use serde::Deserialize;

use crate::routes::{Operation, Route, RoutePreset, RouteTable};

/// The default script path of OTOBO (Znuny and OTRS use `/otrs/nph-genericinterface.pl`).
pub const DEFAULT_SCRIPT_PATH: &str = "/otobo/nph-genericinterface.pl";
/// The default web service name over REST.
pub const DEFAULT_WEBSERVICE: &str = "GenericTicketConnectorREST";
/// The default web service name over SOAP.
pub const DEFAULT_SOAP_WEBSERVICE: &str = "GenericTicketConnectorSOAP";

otai_http::config_with_http_params! {
    /// Configuration of the OTOBO / Znuny adapter. See `docs/adapters/otobo-znuny.md`. The shared
    /// HTTP params (`timeout`, `connect_timeout`, `retries`, `max_response_bytes`, `ca_file`,
    /// `insecure_skip_verify`, `proxy`) come from [`otai_http::config_with_http_params!`]; `retries`
    /// covers searches, reads and SessionCreate.
    #[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[non_exhaustive]
    pub struct OtoboConfig {
        /// The server root (`https://helpdesk.example.com`), the URL up to `nph-genericinterface.pl`,
        /// or the full web service URL.
        pub base_url: String,
        /// Path of `nph-genericinterface.pl` when `base_url` is the server root.
        /// Default `/otobo/nph-genericinterface.pl`; Znuny: `/otrs/nph-genericinterface.pl`.
        #[serde(default)]
        pub script_path: Option<String>,
        /// Web service name (default `GenericTicketConnectorREST`).
        #[serde(default)]
        pub webservice_name: Option<String>,
        /// Web service ID, instead of the name.
        #[serde(default)]
        pub webservice_id: Option<u64>,
        /// `rest` (default) or `soap`: the web service's transport.
        #[serde(default)]
        pub transport: TransportKind,
        /// The TicketConnector namespace for SOAP (default OTOBO's `http://www.otobo.org/TicketConnector/`;
        /// Znuny/OTRS: `http://www.otrs.org/TicketConnector/`).
        #[serde(default)]
        pub soap_namespace: Option<String>,
        /// Routes: a preset name (`stock`, `python-client`) or a map with an optional `preset` and
        /// per-operation `{method, route}` overrides.
        #[serde(default)]
        pub routes: RoutesConfig,
        /// Agent login.
        #[serde(default)]
        pub username: Option<String>,
        /// Customer-user login, instead of an agent.
        #[serde(default)]
        pub customer_username: Option<String>,
        /// Password of the agent or customer user.
        #[serde(default)]
        #[schemars(with = "Option<String>")]
        pub password: Option<SecretString>,
        /// `session` (default): one SessionCreate shared by all calls; or `per_request`.
        #[serde(default)]
        pub auth_mode: AuthMode,
        /// Re-create the session after this many seconds (default 6600, below OTOBO's default
        /// `SessionMaxIdleTime` of 7200, which the Generic Interface never refreshes).
        #[serde(default = "default_session_max_age")]
        pub session_max_age: f64,
        /// Where the session is kept for the next process (`session` mode only): by default the
        /// user's cache directory (`$XDG_CACHE_HOME/otai`, else `~/.cache/otai`); an absolute
        /// directory; or `false` to keep it in memory only. A configuration built with
        /// [`OtoboConfig::new`] starts with `false`.
        #[serde(default)]
        pub session_cache: SessionCacheSetting,
        /// How many ticket details are fetched at once after a search (default 8).
        #[serde(default = "default_concurrency")]
        pub concurrency: usize,
        /// The most tickets a search without `limit` returns (default
        /// [`otai_core::request::DEFAULT_MAX_RESULTS`]); a warning is logged when a search stops
        /// there.
        #[serde(default = "default_max_results")]
        pub max_results: usize,
        /// Unified values ↔ this server's names, and custom-field renames.
        #[serde(default)]
        pub mapping: MappingConfig,
        /// Values used when creating a ticket without them.
        #[serde(default)]
        pub defaults: CreateDefaults,
    }
}

/// The Generic Interface transport of the web service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransportKind {
    /// HTTP::REST with JSON (web service `GenericTicketConnectorREST` by default).
    #[default]
    Rest,
    /// HTTP::SOAP (web service `GenericTicketConnectorSOAP` by default).
    Soap,
}

/// How credentials are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthMode {
    /// One session, created lazily, shared, re-created on `*.AuthFail` and before it expires.
    #[default]
    Session,
    /// Login and password in every request.
    PerRequest,
}

/// Where sessions are kept between processes (YAML `session_cache: false | true | <directory>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(from = "SessionCacheYaml")]
#[non_exhaustive]
pub enum SessionCacheSetting {
    /// In the user's cache directory: `$XDG_CACHE_HOME/otai`, else `$HOME/.cache/otai`.
    #[default]
    UserCacheDir,
    /// In this directory (absolute).
    Dir(PathBuf),
    /// Nowhere: each process creates its own session.
    Off,
}

/// `session_cache` as written: a flag or a directory.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum SessionCacheYaml {
    Flag(bool),
    Dir(PathBuf),
}

impl From<SessionCacheYaml> for SessionCacheSetting {
    fn from(raw: SessionCacheYaml) -> Self {
        match raw {
            SessionCacheYaml::Flag(true) => Self::UserCacheDir,
            SessionCacheYaml::Flag(false) => Self::Off,
            SessionCacheYaml::Dir(dir) => Self::Dir(dir),
        }
    }
}

/// Routes as written in YAML.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RoutesConfig {
    /// The stock table.
    #[default]
    #[serde(skip)]
    Default,
    /// A preset by name.
    Preset(RoutePreset),
    /// A preset plus per-operation overrides.
    Custom {
        /// The table to start from (default `stock`).
        #[serde(default)]
        preset: RoutePreset,
        /// Overrides by operation name (`TicketSearch: {method: POST, route: /TicketSearch}`).
        #[serde(flatten)]
        operations: BTreeMap<String, Route>,
    },
}

/// Value and field mapping between unified values and this server's names, both ways; each map
/// follows [`otai_core::mapping::FieldValueMap`]: unified values in any case, server names exact,
/// and no two unified values for one server name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MappingConfig {
    /// Unified priority → OTOBO priority, e.g. `high: 4 high`.
    #[serde(default)]
    pub priority: BTreeMap<String, String>,
    /// Unified state → OTOBO state.
    #[serde(default)]
    pub state: BTreeMap<String, String>,
    /// OTOBO state pattern (a regex matching the whole name) → unified state, read only from
    /// OTOBO (`closed .*: closed`); each unified state must be a key of `state` too.
    #[serde(default)]
    pub state_patterns: BTreeMap<String, String>,
    /// Unified queue → OTOBO queue.
    #[serde(default)]
    pub queue: BTreeMap<String, String>,
    /// Unified type → OTOBO type.
    #[serde(default, rename = "type")]
    pub ticket_type: BTreeMap<String, String>,
    /// Unified custom-field name → OTOBO dynamic field name.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
}

/// Values for TicketCreate that a unified ticket may not carry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateDefaults {
    /// Queue when none is given.
    #[serde(default)]
    pub queue: Option<String>,
    /// State when none is given (default `new`).
    #[serde(default = "default_state")]
    pub state: String,
    /// Priority when none is given (default `3 normal`).
    #[serde(default = "default_priority")]
    pub priority: String,
    /// Ticket type when none is given (needed when the server has `Ticket::Type` on).
    #[serde(default, rename = "type")]
    pub ticket_type: Option<String>,
    /// Customer user when none is given.
    #[serde(default)]
    pub customer_user: Option<String>,
    /// Communication channel of the first article (default `Internal`).
    #[serde(default = "default_channel")]
    pub article_channel: String,
    /// Sender type of the first article (default `agent`).
    #[serde(default = "default_sender")]
    pub sender_type: String,
    /// Content type of articles (default `text/plain; charset=utf-8`).
    #[serde(default = "default_content_type")]
    pub content_type: String,
}

impl Default for CreateDefaults {
    fn default() -> Self {
        Self {
            queue: None,
            state: default_state(),
            priority: default_priority(),
            ticket_type: None,
            customer_user: None,
            article_channel: default_channel(),
            sender_type: default_sender(),
            content_type: default_content_type(),
        }
    }
}

fn default_session_max_age() -> f64 {
    6600.0
}
fn default_concurrency() -> usize {
    8
}
fn default_max_results() -> usize {
    otai_core::request::DEFAULT_MAX_RESULTS
}
fn default_state() -> String {
    "new".into()
}
fn default_priority() -> String {
    "3 normal".into()
}
fn default_channel() -> String {
    "Internal".into()
}
fn default_sender() -> String {
    "agent".into()
}
fn default_content_type() -> String {
    "text/plain; charset=utf-8".into()
}

impl OtoboConfig {
    /// Where the web service is, with the defaults filled in.
    pub(crate) fn location(&self) -> crate::endpoint::Location<'_> {
        crate::endpoint::Location {
            base_url: &self.base_url,
            script_path: self.script_path.as_deref().unwrap_or(DEFAULT_SCRIPT_PATH),
            webservice_name: self.webservice_name.as_deref(),
            webservice_id: self.webservice_id,
            default_webservice: match self.transport {
                TransportKind::Rest => DEFAULT_WEBSERVICE,
                TransportKind::Soap => DEFAULT_SOAP_WEBSERVICE,
            },
        }
    }

    /// A configuration for `base_url` with every default, except that the session is kept in
    /// memory only ([`SessionCacheSetting::Off`]); add credentials with [`Self::agent`]
    /// or [`Self::customer`].
    pub fn new(base_url: impl Into<String>) -> Self {
        otai_http::with_default_http_params!(Self {
            base_url: base_url.into(),
            script_path: None,
            webservice_name: None,
            webservice_id: None,
            transport: TransportKind::Rest,
            soap_namespace: None,
            routes: RoutesConfig::Default,
            username: None,
            customer_username: None,
            password: None,
            auth_mode: AuthMode::Session,
            session_max_age: default_session_max_age(),
            session_cache: SessionCacheSetting::Off,
            concurrency: default_concurrency(),
            max_results: default_max_results(),
            mapping: MappingConfig::default(),
            defaults: CreateDefaults::default(),
        })
    }

    /// Authenticates as agent `username`.
    pub fn agent(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self.customer_username = None;
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// Authenticates as customer user `username`.
    pub fn customer(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.customer_username = Some(username.into());
        self.username = None;
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// Sets the web service name.
    pub fn webservice_name(mut self, name: impl Into<String>) -> Self {
        self.webservice_name = Some(name.into());
        self
    }

    /// Uses SOAP (`TransportKind::Soap`) or REST.
    pub fn transport(mut self, transport: TransportKind) -> Self {
        self.transport = transport;
        self
    }

    /// Sets the auth mode.
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth_mode = mode;
        self
    }

    /// Sets where the session is kept between processes.
    pub fn session_cache(mut self, setting: SessionCacheSetting) -> Self {
        self.session_cache = setting;
        self
    }

    /// Overrides one operation's route.
    pub fn route(mut self, operation: Operation, route: Route) -> Self {
        let (preset, mut operations) = match std::mem::take(&mut self.routes) {
            RoutesConfig::Default => (RoutePreset::Stock, BTreeMap::new()),
            RoutesConfig::Preset(p) => (p, BTreeMap::new()),
            RoutesConfig::Custom { preset, operations } => (preset, operations),
        };
        operations.insert(operation.name().to_owned(), route);
        self.routes = RoutesConfig::Custom { preset, operations };
        self
    }

    /// Uses a route preset.
    pub fn route_preset(mut self, preset: RoutePreset) -> Self {
        self.routes = RoutesConfig::Preset(preset);
        self
    }

    /// Sets the number of retries of safe requests.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Sets the request timeout in seconds.
    pub fn timeout(mut self, seconds: f64) -> Self {
        self.timeout = seconds;
        self
    }

    /// Sets the mapping layer.
    pub fn mapping(mut self, mapping: MappingConfig) -> Self {
        self.mapping = mapping;
        self
    }

    /// Sets the create defaults.
    pub fn defaults(mut self, defaults: CreateDefaults) -> Self {
        self.defaults = defaults;
        self
    }

    /// The route table these settings describe; unknown operation names are errors.
    pub fn route_table(&self) -> Result<RouteTable> {
        Ok(match &self.routes {
            RoutesConfig::Default => RouteTable::default(),
            RoutesConfig::Preset(preset) => RouteTable::preset(*preset),
            RoutesConfig::Custom { preset, operations } => {
                let mut table = RouteTable::preset(*preset);
                for (name, route) in operations {
                    let op = Operation::from_name(name).ok_or_else(|| {
                        let known: Vec<&str> = Operation::ALL.iter().map(|o| o.name()).collect();
                        Error::config(
                            format!("params.routes.{name}"),
                            format!("unknown operation; known: preset, {}", known.join(", ")),
                        )
                    })?;
                    if !route.route.starts_with('/') {
                        return Err(Error::config(
                            format!("params.routes.{name}.route"),
                            "a route starts with `/` (e.g. `/Ticket/:TicketID`)",
                        ));
                    }
                    table.set(op, route.clone());
                }
                table
            }
        })
    }

    /// Checks everything that can be checked without a server.
    pub fn validate(&self) -> Result<()> {
        crate::endpoint::webservice_url(&self.location())?;
        self.route_table()?;
        match (&self.username, &self.customer_username) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "params.customer_username",
                    "give either `username` (agent) or `customer_username`, not both",
                ));
            }
            (None, None) => {
                return Err(Error::config(
                    "params.username",
                    "missing: give `username` (agent) or `customer_username`, with `password`",
                ));
            }
            _ => {}
        }
        if self.password.is_none() {
            return Err(Error::config(
                "params.password",
                "missing (tip: `password: '${{ secrets.OTOBO_PASSWORD }}'`)",
            ));
        }
        self.http_params().validate()?;
        self.session_max_age_duration()?;
        if let SessionCacheSetting::Dir(dir) = &self.session_cache {
            if !dir.is_absolute() {
                return Err(Error::config(
                    "params.session_cache",
                    format!(
                        "`{}` is not an absolute directory (or give `false`)",
                        dir.display()
                    ),
                ));
            }
        }
        if self.concurrency == 0 {
            return Err(Error::config("params.concurrency", "must be at least 1"));
        }
        if self.max_results == 0 {
            return Err(Error::config("params.max_results", "must be at least 1"));
        }
        crate::mapping::ValueMaps::new(&self.mapping)?;
        Ok(())
    }

    /// `session_max_age` as a duration.
    pub(crate) fn session_max_age_duration(&self) -> Result<Duration> {
        otai_http::positive_seconds("session_max_age", self.session_max_age)
    }
}
