//! Mapping GenericTicketConnector replies onto otai's errors.

use otai_core::Error;

/// The longest server text kept in an error message.
pub(crate) const MAX_SERVER_TEXT: usize = 300;

/// Server text for a message: whitespace folded, at most `max` characters, then `… (N chars)`
/// (as [`otai_core::error::shorten`] writes it). Reads the text once and allocates only what
/// it keeps, so a reply of any size costs `max` characters.
pub(crate) fn server_text(text: &str, max: usize) -> String {
    let mut kept = String::new();
    let (mut count, mut taken) = (0usize, 0usize);
    for (i, word) in text.split_whitespace().enumerate() {
        let parts = (i > 0).then_some(" ").into_iter().chain([word]);
        for part in parts {
            for c in part.chars() {
                if taken < max {
                    kept.push(c);
                    taken += 1;
                }
                count += 1;
            }
        }
    }
    if count > max {
        kept.push_str(&format!("… ({count} chars)"));
    }
    kept
}

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

/// Maps a business error of `operation` to otai's error.
pub(crate) fn map_business_error(request: &str, error: BusinessError) -> Error {
    let message = server_text(&error.message, MAX_SERVER_TEXT);
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

/// A SOAP-style fault as some proxies and web service configs send it in JSON; any other key
/// is skipped unread.
#[derive(serde::Deserialize)]
struct JsonFault {
    #[serde(
        default,
        rename = "faultcode",
        deserialize_with = "otai_core::model::lenient_id::optional"
    )]
    code: Option<String>,
    #[serde(default, rename = "faultstring")]
    text: Option<String>,
}

/// Maps a non-200 reply (or a 200 that is not JSON) to otai's error.
pub(crate) fn map_http_error(request: &str, status: u16, body: &str) -> Error {
    let fault = serde_json::from_str::<JsonFault>(body).ok();
    let text = if let Some(JsonFault {
        code: Some(code),
        text: Some(text),
    }) = fault
    {
        server_text(&format!("{code} fault: {text}"), MAX_SERVER_TEXT)
    } else if body.trim().is_empty() {
        match status {
            500 => "empty reply (unknown web service name or ID, or a broken web service config)"
                .to_owned(),
            _ => "empty reply".to_owned(),
        }
    } else {
        server_text(body, MAX_SERVER_TEXT)
    };
    Error::Remote {
        request: request.to_owned(),
        status: Some(status),
        code: None,
        message: text,
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;

    fn map(reply: Value) -> Error {
        let text = |key: &str| reply["Error"][key].as_str().unwrap_or_default().to_owned();
        let error = Some(BusinessError {
            code: text("ErrorCode"),
            message: text("ErrorMessage"),
        })
        .filter(|_| reply.get("Error").is_some())
        .unwrap_or(BusinessError {
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
        for text in [
            "",
            "a",
            "  a \n b  ",
            &"word ".repeat(200),
            "äöü ".repeat(100).as_str(),
        ] {
            assert_eq!(
                server_text(text, 300),
                otai_core::error::shorten(text, 300),
                "{text}"
            );
        }
        assert!(map_http_error("GET /", 503, "busy").is_transient());
    }
}
