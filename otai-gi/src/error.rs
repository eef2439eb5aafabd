//! Business errors as OTOBO answers them: HTTP 200 with
//! `{"Error":{"ErrorCode":"<Op>.<Kind>","ErrorMessage":"<Op>: <text>"}}`.

use serde_json::{Value, json};

/// A business error of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    /// The kind: `MissingParameter`, `InvalidParameter`, `AuthFail`, `AccessDenied`, …
    pub kind: &'static str,
    /// The text after `<Op>: `.
    pub message: String,
    /// Whether the message goes without the `<Op>: ` prefix (a few OTOBO messages do).
    pub bare: bool,
}

impl OpError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            bare: false,
        }
    }

    /// The same error, its message sent without the `<Op>: ` prefix, as OTOBO sends a few.
    pub fn bare(mut self) -> Self {
        self.bare = true;
        self
    }

    /// `MissingParameter`.
    pub fn missing(message: impl Into<String>) -> Self {
        Self::new("MissingParameter", message)
    }

    /// `InvalidParameter`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameter", message)
    }

    /// `AccessDenied`, as OTOBO answers for a ticket that does not exist too.
    pub fn no_access() -> Self {
        Self::new("AccessDenied", "User does not have access to the ticket!")
    }

    /// The answer body for operation `op` (`TicketGet`).
    pub fn to_value(&self, op: &str) -> Value {
        json!({"Error": {
            "ErrorCode": format!("{op}.{}", self.kind),
            "ErrorMessage": if self.bare {
                self.message.clone()
            } else {
                format!("{op}: {}", self.message)
            },
        }})
    }
}

/// What a helpdesk error becomes: invalid input is the caller's `InvalidParameter`, anything
/// else a failure of the operation (its message redacted by the service's own redactor).
pub fn from_service(error: &otai_core::Error) -> OpError {
    if matches!(error, otai_core::Error::InvalidInput { .. }) {
        OpError::invalid(error.to_string())
    } else {
        OpError::new("Fail", format!("the helpdesk failed: {error}"))
    }
}
