//! The `server:`, `inbound:` and `state:` sections as written.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

/// The default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// `server:`: where and how the API listens.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port (`127.0.0.1:8787`).
    pub listen: String,
    /// The largest request body accepted, in bytes (default 1 MiB).
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,
    /// A PEM certificate chain, relative to the configuration file: serve HTTPS (with `key_file`).
    #[serde(default)]
    pub cert_file: Option<String>,
    /// The PEM private key of `cert_file`.
    #[serde(default)]
    pub key_file: Option<String>,
}

fn default_body_limit() -> usize {
    DEFAULT_BODY_LIMIT
}

/// `state:`: where otai keeps its state.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// The SQLite file, relative to the configuration file (default `otai-state.sqlite` next to
    /// it); `:memory:` keeps nothing.
    #[serde(default)]
    pub path: Option<String>,
    /// Days a finished staged request is kept (default 30).
    #[serde(default = "default_retention")]
    pub retention_days: u32,
}

fn default_retention() -> u32 {
    30
}

/// One integration of `inbound:`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundConfig {
    /// Its id: served at `/api/v1/inbound/<id>`.
    pub id: String,
    /// The configured service tickets are created in.
    pub service: String,
    /// Who may call it: one account per third party.
    pub accounts: Vec<AccountConfig>,
    /// A template over `payload` giving the idempotency key.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Renames the body's top-level keys and maps their values before anything else reads it
    /// (the same mapping as the Generic Interface's `mapping_inbound`).
    #[serde(default)]
    pub mapping: Option<otai_core::mapping::SimpleMapping>,
    /// Field (dotted path) → rules.
    #[serde(default)]
    pub validate: BTreeMap<String, RuleConfig>,
    /// What to do with fields `validate` does not name.
    #[serde(default)]
    pub unknown_fields: UnknownFields,
    /// `create_ticket` kwargs: templates over `payload` and `account`.
    pub ticket: serde_json::Map<String, Value>,
    /// Payload fields (dotted paths) kept out of the staging store.
    #[serde(default)]
    pub redact_fields: Vec<String>,
    /// How often a request the helpdesk failed is sent again before it is given up (default 20).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
}

fn default_max_attempts() -> u32 {
    20
}

/// What to do with payload fields the rules do not name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnknownFields {
    /// Refuse the request (422, code `unknown_field`).
    #[default]
    Reject,
    /// Accept and keep them.
    Ignore,
}

/// An account: a bearer `token`, or `username` and `password` (HTTP Basic).
#[derive(Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The account's name (logs, statistics, `account.name` in templates).
    pub name: String,
    /// A bearer token.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub token: Option<SecretString>,
    /// A Basic user name.
    #[serde(default)]
    pub username: Option<String>,
    /// A Basic password.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub password: Option<SecretString>,
    /// Requests per second and burst; unlimited without.
    #[serde(default)]
    pub rate_limit: Option<RateLimitConfig>,
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("name", &self.name)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A token bucket: `per_second` requests on average, `burst` at once.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per second, on average.
    pub per_second: f64,
    /// Requests at once (default: `per_second`, at least 1).
    #[serde(default)]
    pub burst: Option<u32>,
}

/// The rules of one field.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The field must be present (and not null).
    #[serde(default)]
    pub required: bool,
    /// Its JSON type.
    #[serde(default, rename = "type")]
    pub kind: Option<Kind>,
    /// The values allowed.
    #[serde(default, rename = "enum")]
    pub one_of: Option<Vec<Value>>,
    /// Fewest characters (strings) or items (arrays).
    #[serde(default)]
    pub min_length: Option<usize>,
    /// Most characters (strings) or items (arrays).
    #[serde(default)]
    pub max_length: Option<usize>,
    /// A regular expression a string must match (anchor it with `^…$` to match all of it).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Smallest number.
    #[serde(default)]
    pub minimum: Option<f64>,
    /// Largest number.
    #[serde(default)]
    pub maximum: Option<f64>,
}

/// JSON types a field can be required to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A string.
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
}

impl Kind {
    /// The name used in configs, errors and the OpenAPI document.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Object => "object",
            Kind::Array => "array",
        }
    }

    /// Whether `value` is of this type.
    pub fn matches(self, value: &Value) -> bool {
        match self {
            Kind::String => value.is_string(),
            Kind::Integer => value.is_i64() || value.is_u64(),
            Kind::Number => value.is_number(),
            Kind::Boolean => value.is_boolean(),
            Kind::Object => value.is_object(),
            Kind::Array => value.is_array(),
        }
    }
}
