//! Keyword arguments: the JSON map every [`TicketSystemService`](crate::TicketSystemService) method
//! takes, and the shared parsing that splits it into unified values and native pass-through keys.
//!
//! Unified keys mean the same in every adapter:
//!
//! | method | unified keys |
//! |---|---|
//! | `find_tickets`, `find_first_ticket` | the fields of [`TicketSearchCriteria`] (`queue`, `state`, `limit`, …) |
//! | `get_ticket` | `ticket_id` (alias `id`) |
//! | `create_ticket` | the fields of [`UnifiedTicket`] except `id`, `number`, `created`, `updated`, `notes` |
//! | `update_ticket` | `ticket_id` (alias `id`), `reread`, plus the `create_ticket` keys |
//! | `add_note` | `ticket_id`, `reread`, plus `subject`, `body`, `content_type`, `internal` |
//!
//! Every other key is *native*: adapters pass it through to the helpdesk's API where that makes
//! sense (e.g. OTOBO's `StateType` or `SortBy`), and reject it with [`Error::InvalidInput`]
//! where it cannot be honoured.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Error, Result, TicketSearchCriteria, UnifiedNote, UnifiedTicket};

/// Keyword arguments: a JSON object, usually rendered from a pipe's YAML `params`.
pub type Kwargs = Map<String, Value>;

/// Unified keys of `create_ticket` / `update_ticket`.
pub const TICKET_KEYS: &[&str] = &[
    "subject",
    "body",
    "queue",
    "priority",
    "state",
    "type",
    "owner",
    "customer",
    "custom_fields",
];

/// Unified keys of `add_note` (besides `ticket_id`).
pub const NOTE_KEYS: &[&str] = &["subject", "body", "content_type", "internal"];

/// The unified key that turns off the re-read after `update_ticket` / `add_note`.
pub const REREAD_KEY: &str = "reread";

/// Unified arguments parsed from kwargs, plus the keys left for the native API.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Parsed<T> {
    /// The ticket the call is about, for `get_ticket`, `update_ticket` and `add_note`.
    pub ticket_id: Option<String>,
    /// The unified part.
    pub unified: T,
    /// Every key that is not unified, untouched.
    pub native: Kwargs,
    /// For `update_ticket` and `add_note`: whether to return the ticket as re-read from the
    /// helpdesk (`reread`, default `true`) or only what the call itself knows.
    pub reread: bool,
}

/// Serializes a model into kwargs (its serde form must be a JSON object).
pub fn to_kwargs<T: Serialize>(value: &T) -> Kwargs {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Kwargs::new(),
    }
}

/// Splits `find_tickets` kwargs into criteria and native keys.
pub fn parse_search(kwargs: Kwargs) -> Result<Parsed<TicketSearchCriteria>> {
    let (unified, native) = split(kwargs, TicketSearchCriteria::KEYS);
    Ok(Parsed {
        ticket_id: None,
        unified: from_map(unified)?,
        native,
        reread: false,
    })
}

/// Parses `get_ticket` kwargs: the ticket ID plus native keys.
pub fn parse_get(mut kwargs: Kwargs) -> Result<Parsed<()>> {
    let ticket_id = take_ticket_id(&mut kwargs)?;
    Ok(Parsed {
        ticket_id: Some(ticket_id),
        unified: (),
        native: kwargs,
        reread: false,
    })
}

/// Parses `create_ticket` kwargs: ticket fields plus native keys. A new ticket needs a subject.
pub fn parse_create(kwargs: Kwargs) -> Result<Parsed<UnifiedTicket>> {
    let (unified, native) = split(kwargs, TICKET_KEYS);
    let ticket: UnifiedTicket = from_map(unified)?;
    if ticket
        .subject
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        return Err(Error::invalid_input(
            "subject",
            "a new ticket needs a non-empty subject",
        ));
    }
    Ok(Parsed {
        ticket_id: None,
        unified: ticket,
        native,
        reread: true,
    })
}

/// The `update_ticket` key that adds a note with the change (a map of note keys, or the body).
pub const UPDATE_NOTE_KEY: &str = "note";

/// Parses `update_ticket` kwargs: the ticket ID, the fields to change, native keys, and an
/// optional `note` to add in the same change (in `notes`). The body of an existing ticket
/// cannot change (notes add text).
pub fn parse_update(mut kwargs: Kwargs) -> Result<Parsed<UnifiedTicket>> {
    let ticket_id = take_ticket_id(&mut kwargs)?;
    let reread = take_reread(&mut kwargs)?;
    let note = kwargs
        .remove(UPDATE_NOTE_KEY)
        .map(update_note)
        .transpose()?;
    let (unified, native) = split(kwargs, TICKET_KEYS);
    let mut changes: UnifiedTicket = from_map(unified)?;
    if changes.body.is_some() {
        return Err(Error::invalid_input(
            "body",
            "the body of an existing ticket cannot be changed; add a note instead",
        ));
    }
    changes.notes.extend(note);
    Ok(Parsed {
        ticket_id: Some(ticket_id),
        unified: changes,
        native,
        reread,
    })
}

/// Parses `add_note` kwargs: the ticket ID, the note, native keys. A note needs a body.
pub fn parse_note(mut kwargs: Kwargs) -> Result<Parsed<UnifiedNote>> {
    let ticket_id = take_ticket_id(&mut kwargs)?;
    let reread = take_reread(&mut kwargs)?;
    let (unified, native) = split(kwargs, NOTE_KEYS);
    let note: UnifiedNote = from_map(unified)?;
    if note.body.as_deref().is_none_or(|b| b.trim().is_empty()) {
        return Err(Error::invalid_input(
            "body",
            "a note needs a non-empty body",
        ));
    }
    Ok(Parsed {
        ticket_id: Some(ticket_id),
        unified: note,
        native,
        reread,
    })
}

/// The `note` of an update: a map of note keys or just the body.
fn update_note(value: Value) -> Result<UnifiedNote> {
    let note: UnifiedNote = match value {
        Value::String(body) => UnifiedNote::new("Note", body),
        Value::Object(map) => {
            if let Some(key) = map.keys().find(|k| !NOTE_KEYS.contains(&k.as_str())) {
                return Err(Error::invalid_input(
                    format!("note.{key}"),
                    format!("unknown note key; a note takes: {}", NOTE_KEYS.join(", ")),
                ));
            }
            from_map(map).map_err(|e| match e {
                Error::InvalidInput { field, message } => {
                    Error::invalid_input(format!("note.{field}"), message)
                }
                other => other,
            })?
        }
        other => {
            return Err(Error::invalid_input(
                "note",
                format!(
                    "expected a map of note keys or the body text, got {}",
                    describe(&other)
                ),
            ));
        }
    };
    if note.body.as_deref().is_none_or(|b| b.trim().is_empty()) {
        return Err(Error::invalid_input(
            "note.body",
            "a note needs a non-empty body",
        ));
    }
    Ok(note)
}

/// Removes `reread` and returns it (default `true`).
fn take_reread(kwargs: &mut Kwargs) -> Result<bool> {
    match kwargs.remove(REREAD_KEY) {
        None | Some(Value::Null) => Ok(true),
        Some(Value::Bool(b)) => Ok(b),
        Some(other) => Err(Error::invalid_input(
            REREAD_KEY,
            format!("expected true or false, got {}", describe(&other)),
        )),
    }
}

/// Removes and returns `ticket_id` (or its alias `id`), as text; numbers are accepted.
pub fn take_ticket_id(kwargs: &mut Kwargs) -> Result<String> {
    let value = match (kwargs.remove("ticket_id"), kwargs.remove("id")) {
        (Some(v), None) | (None, Some(v)) => v,
        (Some(_), Some(_)) => {
            return Err(Error::invalid_input(
                "ticket_id",
                "give either `ticket_id` or `id`, not both",
            ));
        }
        (None, None) => {
            return Err(Error::invalid_input("ticket_id", "missing: which ticket?"));
        }
    };
    match value {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        other => Err(Error::invalid_input(
            "ticket_id",
            format!(
                "expected a ticket ID (string or number), got {}",
                describe(&other)
            ),
        )),
    }
}

/// Splits `kwargs` into the keys listed in `unified` and the rest.
pub fn split(kwargs: Kwargs, unified: &[&str]) -> (Kwargs, Kwargs) {
    kwargs
        .into_iter()
        .partition(|(key, _)| unified.contains(&key.as_str()))
}

/// Deserializes a map into `T`; an error names the offending key path.
pub fn from_map<T: DeserializeOwned>(map: Kwargs) -> Result<T> {
    from_value(Value::Object(map))
}

/// Deserializes `value` into `T`, tracking the key path only when that fails: path tracking
/// costs on every field, and the common case is a value that fits.
pub fn deserialize_tracked<T: DeserializeOwned>(
    value: Value,
) -> std::result::Result<T, serde_path_to_error::Error<serde_json::Error>> {
    match T::deserialize(&value) {
        Ok(t) => Ok(t),
        Err(_) => serde_path_to_error::deserialize(value),
    }
}

/// Deserializes a JSON value into `T`; an error names the offending key path.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    deserialize_tracked(value).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." {
            String::from("(arguments)")
        } else {
            path
        };
        Error::invalid_input(
            field,
            crate::error::plain_serde_message(&err.into_inner().to_string()),
        )
    })
}

/// A short description of a JSON value's kind, for error messages (never the value itself,
/// which may be a secret).
pub fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.trim().is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnifiedEntity;
    use serde_json::json;

    fn kw(v: Value) -> Kwargs {
        match v {
            Value::Object(m) => m,
            _ => Kwargs::new(),
        }
    }

    #[test]
    fn search_splits_unified_from_native() -> Result<()> {
        let parsed = parse_search(kw(json!({
            "queue": {"id": "5"}, "limit": 20, "StateType": ["new", "open"]
        })))?;
        assert_eq!(parsed.unified.queue, Some(UnifiedEntity::by_id("5")));
        assert_eq!(parsed.unified.limit, Some(20));
        assert_eq!(
            Value::Object(parsed.native),
            json!({"StateType": ["new", "open"]})
        );
        Ok(())
    }

    #[test]
    fn bad_unified_values_name_the_field() {
        let err = parse_search(kw(json!({"limit": "many"}))).err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "limit"),
            "{err:?}"
        );
        let err = parse_search(kw(json!({"queue": {"idd": 5}}))).err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, message }) if field == "queue" && message.contains("idd")),
            "{err:?}"
        );
        let err = parse_search(kw(json!({"created_after": "yesterday"}))).err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, message }) if field == "created_after" && message.contains("yesterday")),
            "{err:?}"
        );
    }

    #[test]
    fn ticket_id_accepts_number_string_or_alias() -> Result<()> {
        assert_eq!(
            parse_get(kw(json!({"ticket_id": 71})))?
                .ticket_id
                .as_deref(),
            Some("71")
        );
        assert_eq!(
            parse_get(kw(json!({"id": " 71 "})))?.ticket_id.as_deref(),
            Some("71")
        );
        Ok(())
    }

    #[test]
    fn ticket_id_errors_are_clear() {
        let msg = |v| {
            parse_get(kw(v))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            msg(json!({})),
            "invalid input `ticket_id`: missing: which ticket?"
        );
        assert_eq!(
            msg(json!({"ticket_id": 1, "id": 2})),
            "invalid input `ticket_id`: give either `ticket_id` or `id`, not both"
        );
        assert_eq!(
            msg(json!({"ticket_id": ""})),
            "invalid input `ticket_id`: expected a ticket ID (string or number), got an empty string"
        );
        assert_eq!(
            msg(json!({"ticket_id": 1.5})),
            "invalid input `ticket_id`: expected a ticket ID (string or number), got a number"
        );
    }

    #[test]
    fn update_keeps_changes_and_native_keys() -> Result<()> {
        let parsed = parse_update(kw(json!({
            "ticket_id": "7", "queue": "Support", "priority": {"name": "high"},
            "custom_fields": {"Building": "B2"}, "PendingTime": {"Diff": 60}
        })))?;
        assert_eq!(parsed.ticket_id.as_deref(), Some("7"));
        assert_eq!(
            parsed.unified.queue,
            Some(UnifiedEntity::by_name("Support"))
        );
        assert_eq!(
            parsed.unified.custom_fields.get("Building"),
            Some(&json!("B2"))
        );
        assert_eq!(
            Value::Object(parsed.native),
            json!({"PendingTime": {"Diff": 60}})
        );
        Ok(())
    }

    #[test]
    fn creates_need_a_subject_and_updates_cannot_rewrite_the_body() {
        let err = parse_create(kw(json!({"subject": "  ", "body": "x"}))).err();
        assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "subject"));
        let err = parse_update(kw(json!({"ticket_id": 1, "body": "new"})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "invalid input `body`: the body of an existing ticket cannot be changed; add a note instead"
            )
        );
    }

    #[test]
    fn note_needs_a_body_and_defaults_to_internal() -> Result<()> {
        let parsed = parse_note(kw(json!({"ticket_id": 3, "body": "triaged"})))?;
        assert!(parsed.unified.internal);
        let err = parse_note(kw(json!({"ticket_id": 3, "subject": "x", "body": "  "}))).err();
        assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "body"));
        Ok(())
    }
}
