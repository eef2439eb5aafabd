//! What the API answers: a status and a JSON body.

use std::time::Duration;

use serde_json::{Value, json};

use crate::rules::Violation;

/// An answer of the inbound API.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
    /// `Retry-After`, in whole seconds.
    pub retry_after: Option<u64>,
    /// Whether to send `WWW-Authenticate`.
    pub challenge: bool,
}

impl Reply {
    /// A reply with `body`.
    pub fn new(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            retry_after: None,
            challenge: false,
        }
    }

    /// `{"status":"error","staging_id":…,"errors":[…]}`.
    pub fn error(status: u16, staging_id: Option<i64>, errors: Vec<Violation>) -> Self {
        Self::new(
            status,
            json!({ "status": "error", "staging_id": staging_id, "errors": errors }),
        )
    }

    /// With `WWW-Authenticate`.
    pub fn challenge(mut self) -> Self {
        self.challenge = true;
        self
    }

    /// With `Retry-After` (rounded up to whole seconds).
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        self
    }
}
