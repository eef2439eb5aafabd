//! JSON Schemas of the unified request keys, for everything that describes them to a person or
//! a program: `otai schema` (the ticket pipes' params) and `otai mcp` (its tools' inputs).

use serde_json::{Map, Value, json};

use super::NOTE_KEYS;

type JsonObject = Map<String, Value>;

/// A queue, state, priority, type, owner or customer: a name, or `{id, name}`.
pub fn entity(what: &str) -> Value {
    json!({
        "description": format!("The {what}: its name as text, or an object with `id` and/or `name`."),
        "anyOf": [
            {"type": "string"},
            {"type": "object", "properties": {
                "id": {"type": ["string", "integer"]},
                "name": {"type": "string"}
            }, "additionalProperties": false}
        ]
    })
}

/// A ticket's ID.
pub fn ticket_id() -> Value {
    json!({"type": ["string", "integer"], "description": "The ticket's ID."})
}

/// A time, RFC 3339.
pub fn timestamp(what: &str) -> Value {
    json!({"type": "string", "description": format!("{what} (RFC 3339, e.g. 2026-01-31T12:00:00Z).")})
}

/// The schema of a search criterion.
pub fn search_key(key: &str) -> Value {
    match key {
        "queue" | "state" | "priority" | "owner" | "customer" => entity(key),
        "type" => entity("ticket type"),
        "subject_contains" => {
            json!({"type": "string", "description": "Subject contains this text (case-insensitive)."})
        }
        "text_contains" => json!({
            "type": "string",
            "description": "Subject or any note body contains this text (case-insensitive)."
        }),
        "created_after" => timestamp("Created at or after this time"),
        "created_before" => timestamp("Created before this time"),
        "updated_after" => timestamp("Changed at or after this time"),
        "updated_before" => timestamp("Changed before this time"),
        "custom_fields" => json!({
            "type": "object",
            "description": "Custom fields that must equal these values."
        }),
        "limit" => {
            json!({"type": "integer", "minimum": 1, "description": "At most this many tickets."})
        }
        "offset" => {
            json!({"type": "integer", "minimum": 0, "description": "Skip this many matches first."})
        }
        other => json!({"description": format!("Search criterion `{other}`.")}),
    }
}

/// The schema of a ticket field (create, update).
pub fn ticket_key(key: &str) -> Value {
    match key {
        "subject" => json!({"type": "string", "description": "The ticket's subject line."}),
        "body" => json!({"type": "string", "description": "The first note's text."}),
        "queue" | "state" | "priority" | "owner" | "customer" => entity(key),
        "type" => entity("ticket type"),
        "custom_fields" => json!({
            "type": "object",
            "description": "Custom (dynamic) fields to set, by name."
        }),
        other => json!({"description": format!("Ticket field `{other}`.")}),
    }
}

/// The schema of a note field.
pub fn note_key(key: &str) -> Value {
    match key {
        "subject" => json!({"type": "string", "description": "The note's subject."}),
        "body" => json!({"type": "string", "description": "The note's text."}),
        "content_type" => json!({
            "type": "string",
            "description": "The body's MIME type, e.g. text/plain (the default) or text/html."
        }),
        "internal" => json!({
            "type": "boolean",
            "description": "Whether the note is internal, hidden from the customer (default true)."
        }),
        "attachments" => json!({
            "type": "array",
            "description": "Files attached to the note, at most 20 MiB together.",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The file name, without a directory."},
                    "content_type": {
                        "type": "string",
                        "description": "The MIME type, e.g. text/plain (default application/octet-stream)."
                    },
                    "content": {"type": "string", "description": "The file's bytes in base64."}
                },
                "required": ["name", "content"],
                "additionalProperties": false
            }
        }),
        other => json!({"description": format!("Note field `{other}`.")}),
    }
}

/// The `note` of `update_ticket`.
pub fn note_object() -> Value {
    let mut properties = JsonObject::new();
    for key in NOTE_KEYS {
        properties.insert((*key).into(), note_key(key));
    }
    json!({
        "type": "object",
        "description": "A note added with the change.",
        "properties": properties,
        "additionalProperties": false
    })
}
