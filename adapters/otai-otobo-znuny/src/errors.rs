//! Mapping GenericTicketConnector replies onto otai's errors.

use otai_core::Error;
use otai_core::error::shorten;
use serde_json::Value;

/// The longest server text kept in an error message.
pub(crate) const MAX_SERVER_TEXT: usize = 300;

/// A business error from a `{"Error": {...}}` reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BusinessError {
    pub(crate) code: String,
    pub(crate) message: String,
}

impl BusinessError {
    /// The kind after the dot: `AuthFail`, `AccessDenied`, …
    pub(crate) fn kind(&self) -> &str {
        self.code.rsplit('.').next().unwrap_or_default()
    }

    /// Whether the session or credentials were rejected.
    pub(crate) fn is_auth_failure(&self) -> bool {
        matches!(self.kind(), "AuthFail" | "SessionInvalid")
    }
}

/// The `Error` object of a reply, if it has one.
pub(crate) fn business_error(reply: &Value) -> Option<BusinessError> {
    let error = reply.get("Error")?;
    let text = |key: &str| match error.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    Some(BusinessError {
        code: text("ErrorCode"),
        message: text("ErrorMessage"),
    })
}

/// Maps a business error of `operation` to otai's error.
pub(crate) fn map_business_error(request: &str, error: BusinessError) -> Error {
    let message = shorten(&error.message, MAX_SERVER_TEXT);
    match error.kind() {
        "AuthFail" | "SessionInvalid" => Error::Authentication { message },
        "AccessDenied" if message.contains("does not have access to the ticket") => {
            Error::NotFound {
                what: "ticket (or no permission to see it)".into(),
            }
        }
        "AccessDenied" => Error::PermissionDenied { message },
        "MissingParameter" | "InvalidParameter" => Error::InvalidInput {
            field: field_of(&error.message),
            message,
        },
        _ => Error::Remote {
            request: request.to_owned(),
            status: Some(200),
            code: Some(error.code),
            message,
            retry_after: None,
        },
    }
}

/// The field a MissingParameter/InvalidParameter message names, e.g. `Ticket.Queue` from
/// "Ticket->QueueID or Ticket->Queue parameter is invalid!".
fn field_of(message: &str) -> String {
    if message.contains("pending state without") {
        return "PendingTime".into();
    }
    let text = message.split_once(": ").map_or(message, |(_, rest)| rest);
    let candidates: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '>' || c == '_'))
        .filter(|w| w.contains("->"))
        .collect();
    if let Some(last) = candidates.last() {
        return last.replace("->", ".");
    }
    text.split_whitespace()
        .next()
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .unwrap_or("request")
        .to_owned()
}

/// Maps a non-200 reply (or a 200 that is not JSON) to otai's error.
pub(crate) fn map_http_error(request: &str, status: u16, body: &str) -> Error {
    let text = if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) {
        match (map.get("faultcode"), map.get("faultstring")) {
            (Some(code), Some(Value::String(s))) => {
                format!("{} fault: {s}", code.as_str().unwrap_or("server"))
            }
            _ => body.to_owned(),
        }
    } else if body.trim().is_empty() {
        match status {
            500 => "empty reply (unknown web service name or ID, or a broken web service config)"
                .to_owned(),
            _ => "empty reply".to_owned(),
        }
    } else {
        body.to_owned()
    };
    Error::Remote {
        request: request.to_owned(),
        status: Some(status),
        code: None,
        message: shorten(&text, MAX_SERVER_TEXT),
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(reply: Value) -> Error {
        let error = business_error(&reply).unwrap_or(BusinessError {
            code: String::new(),
            message: String::new(),
        });
        map_business_error("POST /Ticket", error)
    }

    #[test]
    fn maps_each_error_kind() {
        let e = map(
            json!({"Error": {"ErrorCode": "TicketGet.AuthFail", "ErrorMessage": "TicketGet: Authorization failing!"}}),
        );
        assert!(matches!(e, Error::Authentication { .. }), "{e:?}");
        let e = map(
            json!({"Error": {"ErrorCode": "TicketGet.AccessDenied", "ErrorMessage": "TicketGet: User does not have access to the ticket!"}}),
        );
        assert!(e.is_not_found(), "{e:?}");
        let e = map(
            json!({"Error": {"ErrorCode": "TicketUpdate.AccessDenied", "ErrorMessage": "TicketUpdate: Does not have permissions to update state!"}}),
        );
        assert!(matches!(e, Error::PermissionDenied { .. }), "{e:?}");
        let e = map(
            json!({"Error": {"ErrorCode": "TicketCreate.InvalidParameter", "ErrorMessage": "TicketCreate: Ticket->QueueID or Ticket->Queue parameter is invalid!"}}),
        );
        assert_eq!(
            e.to_string(),
            "invalid input `Ticket.Queue`: TicketCreate: Ticket->QueueID or Ticket->Queue parameter is invalid!"
        );
        let e = map(
            json!({"Error": {"ErrorCode": "TicketUpdate.MissingParameter", "ErrorMessage": "Can't set a ticket on a pending state without pendig time!"}}),
        );
        assert!(
            matches!(&e, Error::InvalidInput { field, .. } if field == "PendingTime"),
            "{e:?}"
        );
        let e = map(
            json!({"Error": {"ErrorCode": "SessionCreate.MissingParameter", "ErrorMessage": "SessionCreate: Password parameter is missing!"}}),
        );
        assert!(
            matches!(&e, Error::InvalidInput { field, .. } if field == "Password"),
            "{e:?}"
        );
        let e = map(
            json!({"Error": {"ErrorCode": "TicketUpdate.EmptyRequest", "ErrorMessage": "TicketUpdate: The request is empty!"}}),
        );
        assert_eq!(
            e.to_string(),
            "POST /Ticket: remote error (HTTP 200) TicketUpdate.EmptyRequest: TicketUpdate: The request is empty!"
        );
    }

    #[test]
    fn http_errors_keep_the_server_text() {
        let e = map_http_error(
            "GET /Nope",
            500,
            "HTTP::REST Error while determine Operation for request URI '/Nope'.",
        );
        assert_eq!(
            e.to_string(),
            "GET /Nope: remote error (HTTP 500): HTTP::REST Error while determine Operation for request URI '/Nope'."
        );
        let e = map_http_error(
            "POST /Ticket",
            500,
            r#"{"faultcode":"Server","faultstring":"Attachment could not be created"}"#,
        );
        assert_eq!(
            e.to_string(),
            "POST /Ticket: remote error (HTTP 500): Server fault: Attachment could not be created"
        );
        let e = map_http_error("GET /Ticket", 500, "");
        assert!(e.to_string().contains("unknown web service"), "{e}");
        let long = "x".repeat(5000);
        assert!(
            map_http_error("GET /", 502, &long)
                .to_string()
                .ends_with("… (5000 chars)")
        );
        assert!(map_http_error("GET /", 503, "busy").is_transient());
    }
}
