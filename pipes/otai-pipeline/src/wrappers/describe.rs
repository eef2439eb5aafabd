//! Writes described as `key=value, …`: the one wording of dry-run lines and of what a run changed.

use serde_json::Value;

use otai_core::request::{CreateRequest, NoteRequest, UpdateRequest};
use otai_core::{Kwargs, UnifiedTicket};

/// The longest value shown, in characters.
pub(crate) const MAX_SHOWN: usize = 80;

/// The order ticket fields are shown in (others follow, by name).
const FIELD_ORDER: [&str; 9] = [
    "subject",
    "queue",
    "priority",
    "state",
    "type",
    "owner",
    "customer",
    "custom_fields",
    "body",
];

/// How a value is shown: redacted, escaped, shortened as the caller needs.
pub(crate) type Show<'a> = &'a dyn Fn(&str) -> String;

/// `key=value` for every field set in `ticket`, then its native arguments.
pub(crate) fn fields(ticket: &UnifiedTicket, native: &Kwargs, show: Show<'_>) -> Vec<String> {
    let Ok(Value::Object(map)) = serde_json::to_value(ticket) else {
        return Vec::new();
    };
    let mut fields: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "id" | "notes"))
        .collect();
    fields.sort_by_key(|(k, _)| FIELD_ORDER.iter().position(|o| o == k));
    fields
        .into_iter()
        .chain(native.iter())
        .map(|(k, v)| format!("{}={}", show(k), show(&text_of(v))))
        .collect()
}

/// The fields a create sets.
pub(crate) fn create(request: &CreateRequest, show: Show<'_>) -> Vec<String> {
    fields(&request.ticket, &request.native, show)
}

/// The fields an update changes, then its note's body.
pub(crate) fn update(request: &UpdateRequest, show: Show<'_>) -> Vec<String> {
    let mut fields = fields(&request.changes, &request.native, show);
    if let Some(note) = &request.note {
        let body = note.body.as_deref().unwrap_or_default();
        fields.push(format!("note={}", show(body)));
    }
    fields
}

/// A note's subject and body, then its native arguments.
pub(crate) fn note(request: &NoteRequest, show: Show<'_>) -> Vec<String> {
    let note = &request.note;
    let mut fields = Vec::new();
    if let Some(subject) = &note.subject {
        fields.push(format!("subject={}", show(subject)));
    }
    let body = note.body.as_deref().unwrap_or_default();
    fields.push(format!("body={}", show(body)));
    fields.extend(self::fields(&UnifiedTicket::new(), &request.native, show));
    fields
}

/// A value shortened to [`MAX_SHOWN`] characters, as it is otherwise.
pub(crate) fn shortened(text: &str) -> String {
    otai_core::error::shorten(text, MAX_SHOWN)
}

/// A JSON value as plain text: strings as they are, entities by name (or `#id`).
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) => match (map.get("name"), map.get("id")) {
            (Some(Value::String(name)), _) => name.clone(),
            (_, Some(Value::String(id))) if map.len() == 1 => format!("#{id}"),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}
