//! The one place each communication (request and answer) is handed over, for the debugger to
//! keep: credentials are redacted before it leaves the provider.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Map, Value};

/// What replaces a credential's value.
pub const REDACTED: &str = "[redacted]";
/// The keys whose values are credentials (`UserLogin` and `CustomerUserLogin` stay).
pub const CREDENTIAL_KEYS: [&str; 2] = ["Password", "SessionID"];

/// One request to a web service and its answer, credentials redacted.
#[derive(Debug, Clone)]
pub struct Communication {
    /// The web service's name.
    pub webservice: String,
    /// The operation's name, when the request found one.
    pub operation: Option<String>,
    /// The client's address.
    pub remote_addr: Option<SocketAddr>,
    /// The operation's input (`Password` and `SessionID` values redacted).
    pub request: Value,
    /// The input after the operation's inbound mapping, when it has one (redacted alike).
    pub mapped_request: Option<Value>,
    /// The answer (a `SessionID` in it redacted).
    pub response: Value,
    /// What went wrong: the `ErrorCode` of a business error, or a transport error.
    pub error: Option<String>,
    /// What the mappings dropped or could not map.
    pub notices: Vec<String>,
    /// How long the answer took.
    pub duration: Duration,
}

/// Receives every communication of the provider.
pub trait CommunicationHook: Send + Sync + std::fmt::Debug {
    /// Takes one communication; must not block for long.
    fn record(&self, communication: Communication);
}

/// A hook that keeps nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHook;

impl CommunicationHook for NoHook {
    fn record(&self, _communication: Communication) {}
}

/// `input` with the values of [`CREDENTIAL_KEYS`] replaced by [`REDACTED`] (top level, where
/// the Generic Interface reads them).
pub fn redact(input: &Map<String, Value>) -> Value {
    let mut copy = input.clone();
    for key in CREDENTIAL_KEYS {
        if let Some(value) = copy.get_mut(key) {
            *value = Value::String(REDACTED.to_owned());
        }
    }
    Value::Object(copy)
}

/// The same for an answer (a `SessionCreate` answer holds a `SessionID`).
pub fn redact_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => redact(map),
        other => other.clone(),
    }
}
