//! [`TicketId`]: the ticket a request is about, checked once.

use serde_json::Value;

use crate::Error;
use crate::kwargs::describe;

/// The longest ticket ID accepted, in bytes.
pub const MAX_TICKET_ID_LEN: usize = 128;

/// A ticket ID: 1 to 128 characters of letters, digits and `.` `_` `-` `:`, not made of dots
/// only, so that it is safe in a URL path segment, a query and a log line. Numbers are accepted
/// and kept as their decimal text.
///
/// ```
/// use otai_core::request::TicketId;
/// assert_eq!("71".parse::<TicketId>().map(|id| id.to_string()).ok().as_deref(), Some("71"));
/// assert!("..".parse::<TicketId>().is_err());
/// assert!("1/2".parse::<TicketId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId(String);

impl TicketId {
    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ID as owned text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// [`TicketId::from_value`], taking the value: a string without surrounding spaces becomes
    /// the ID without a copy.
    pub fn from_owned_value(value: Value) -> Result<Self, String> {
        match value {
            Value::String(s) if s.trim().len() == s.len() => {
                valid(&s)?;
                Ok(Self(s))
            }
            other => Self::from_value(&other),
        }
    }

    /// Reads a ticket ID from a kwargs value (string or whole number).
    pub fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::String(s) => check(s.trim()),
            Value::Number(n) if n.is_u64() || n.is_i64() => check(&n.to_string()),
            other => Err(format!(
                "expected a ticket ID (string or number), got {}",
                describe(other)
            )),
        }
    }
}

fn check(text: &str) -> Result<TicketId, String> {
    valid(text)?;
    Ok(TicketId(text.to_owned()))
}

/// Whether `text` is a ticket ID; the problem when not.
fn valid(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("expected a ticket ID (string or number), got an empty string".into());
    }
    if text.len() > MAX_TICKET_ID_LEN {
        return Err(format!(
            "a ticket ID has at most {MAX_TICKET_ID_LEN} characters, got {}",
            text.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':');
    if !text.chars().all(allowed) || text.chars().all(|c| c == '.') {
        return Err(
            "not a ticket ID: use letters, digits and . _ - : only (and not dots alone)".into(),
        );
    }
    Ok(())
}

impl std::str::FromStr for TicketId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        check(s.trim()).map_err(|message| Error::invalid_input("ticket_id", message))
    }
}

impl std::fmt::Display for TicketId {
    /// The ID as text; honours width and alignment (`{id:<6}`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

impl AsRef<str> for TicketId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<u64> for TicketId {
    fn from(id: u64) -> Self {
        TicketId(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_text_or_whole_numbers_and_safe_in_a_path() {
        assert_eq!(
            TicketId::from_value(&json!(" 7 ")).map(|i| i.0),
            Ok("7".into())
        );
        assert_eq!(
            TicketId::from_value(&json!(71)).map(|i| i.0),
            Ok("71".into())
        );
        for bad in [
            json!("."),
            json!(".."),
            json!("a/b"),
            json!("1 2"),
            json!("x\u{1b}"),
        ] {
            assert!(TicketId::from_value(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            TicketId::from_value(&json!(1.5)),
            Err("expected a ticket ID (string or number), got a number".into())
        );
        assert!(TicketId::from_value(&json!("9".repeat(129))).is_err());
        assert_eq!(
            format!("#{:<3}|", TicketId::from(7)),
            "#7  |",
            "width is honoured"
        );
    }

    #[test]
    fn taking_a_value_reads_it_as_borrowing_does() {
        for value in [
            json!("71"),
            json!(" 7 "),
            json!(71),
            json!(""),
            json!(".."),
            json!("a/b"),
            json!(1.5),
            json!(null),
            json!("9".repeat(129)),
        ] {
            assert_eq!(
                TicketId::from_owned_value(value.clone()),
                TicketId::from_value(&value),
                "{value}"
            );
        }
    }
}
