//! The tools an agent sees: names, descriptions written for a model to read, and JSON schemas
//! built from the unified model's keys (so a key added to the model shows up here or fails a
//! test).

use std::sync::Arc;

use otai_core::TicketSearchCriteria;
use otai_core::request::{NOTE_KEYS, TICKET_KEYS};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde::Deserialize;
use serde_json::{Value, json};

/// The argument naming the service, on every ticket tool.
pub const SERVICE_ARG: &str = "service";

/// Every tool, reads first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolName {
    /// The services the agent may use.
    ListServices,
    /// Search tickets by unified criteria.
    FindTickets,
    /// One ticket with its notes.
    GetTicket,
    /// A write tool.
    Write(WriteTool),
}

/// The tools that change tickets, each turned on by name under `mcp.writes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteTool {
    /// Open a new ticket.
    CreateTicket,
    /// Change a ticket's fields, optionally with a note.
    UpdateTicket,
    /// Add a note (internal unless said otherwise).
    AddNote,
}

impl WriteTool {
    /// The tool's name.
    pub fn name(self) -> &'static str {
        match self {
            WriteTool::CreateTicket => "create_ticket",
            WriteTool::UpdateTicket => "update_ticket",
            WriteTool::AddNote => "add_note",
        }
    }
}

impl ToolName {
    /// Every tool.
    pub const ALL: [ToolName; 6] = [
        ToolName::ListServices,
        ToolName::FindTickets,
        ToolName::GetTicket,
        ToolName::Write(WriteTool::CreateTicket),
        ToolName::Write(WriteTool::UpdateTicket),
        ToolName::Write(WriteTool::AddNote),
    ];

    /// The tool's name.
    pub fn name(self) -> &'static str {
        match self {
            ToolName::ListServices => "list_services",
            ToolName::FindTickets => "find_tickets",
            ToolName::GetTicket => "get_ticket",
            ToolName::Write(w) => w.name(),
        }
    }

    /// The tool called `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What the model reads about the tool.
    fn description(self) -> &'static str {
        match self {
            ToolName::ListServices => {
                "List the helpdesks (services) this server reaches, with their kind (local, \
                 otobo-znuny, rt), which tools are enabled and the limits in force. Call this \
                 first to learn the service names and what you may do."
            }
            ToolName::FindTickets => {
                "Find tickets by criteria; every given criterion must match. Returns \
                 {\"tickets\": [...]} in the unified ticket format (bodies shortened). Give at \
                 least one filter, or `all: true` to list tickets without a filter. Names of \
                 queues, states, priorities are the helpdesk's own (e.g. queue \"Raw\")."
            }
            ToolName::GetTicket => {
                "Read one ticket by ID with its notes (articles), in the unified ticket format. \
                 Long bodies are cut, marked with `[… truncated: …]`."
            }
            ToolName::Write(WriteTool::CreateTicket) => {
                "Open a new ticket. `subject` and `queue` are needed by most helpdesks; `body` \
                 becomes the first note. Returns the created ticket."
            }
            ToolName::Write(WriteTool::UpdateTicket) => {
                "Change fields of an existing ticket (queue, state, priority, owner, type, \
                 customer, subject, custom_fields); only the given fields change. `note` adds a \
                 note with the change. Returns the ticket after the change."
            }
            ToolName::Write(WriteTool::AddNote) => {
                "Add a note (article) to a ticket. Notes are internal (not sent to the \
                 customer) unless `internal: false` is given. Returns the ticket."
            }
        }
    }

    /// The tool as listed to the agent.
    pub fn tool(self) -> Tool {
        let read_only = !matches!(self, ToolName::Write(_));
        let annotations = ToolAnnotations::new()
            .read_only(read_only)
            .destructive(false)
            .idempotent(read_only)
            .open_world(false);
        Tool::new(self.name(), self.description(), Arc::new(self.schema())).annotate(annotations)
    }

    /// The tool's input schema: an object of exactly the unified keys of its operation.
    pub fn schema(self) -> JsonObject {
        let mut properties = JsonObject::new();
        let mut required: Vec<&str> = Vec::new();
        let service = json!({
            "type": "string",
            "description": "The service (helpdesk) to use, as listed by list_services; may be left \
                            out when there is only one."
        });
        match self {
            ToolName::ListServices => {}
            ToolName::FindTickets => {
                properties.insert(SERVICE_ARG.into(), service);
                for key in TicketSearchCriteria::KEYS {
                    properties.insert((*key).into(), search_key(key));
                }
                properties.insert(
                    "all".into(),
                    json!({"type": "boolean", "description": "Search without any filter."}),
                );
            }
            ToolName::GetTicket => {
                properties.insert(SERVICE_ARG.into(), service);
                properties.insert("ticket_id".into(), ticket_id());
                required.push("ticket_id");
            }
            ToolName::Write(WriteTool::CreateTicket) => {
                properties.insert(SERVICE_ARG.into(), service);
                for key in TICKET_KEYS {
                    properties.insert((*key).into(), ticket_key(key));
                }
                required.push("subject");
            }
            ToolName::Write(WriteTool::UpdateTicket) => {
                properties.insert(SERVICE_ARG.into(), service);
                properties.insert("ticket_id".into(), ticket_id());
                for key in TICKET_KEYS.iter().filter(|k| **k != "body") {
                    properties.insert((*key).into(), ticket_key(key));
                }
                properties.insert("note".into(), note_object());
                required.push("ticket_id");
            }
            ToolName::Write(WriteTool::AddNote) => {
                properties.insert(SERVICE_ARG.into(), service);
                properties.insert("ticket_id".into(), ticket_id());
                for key in NOTE_KEYS {
                    properties.insert((*key).into(), note_key(key));
                }
                required.push("ticket_id");
                required.push("body");
            }
        }
        let mut schema = JsonObject::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), json!(required));
        }
        schema.insert("additionalProperties".into(), json!(false));
        schema
    }
}

/// A queue, state, priority, type, owner or customer: a name, or `{id, name}`.
fn entity(what: &str) -> Value {
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

fn ticket_id() -> Value {
    json!({"type": ["string", "integer"], "description": "The ticket's ID."})
}

fn timestamp(what: &str) -> Value {
    json!({"type": "string", "description": format!("{what} (RFC 3339, e.g. 2026-01-31T12:00:00Z).")})
}

/// The schema of a search criterion.
fn search_key(key: &str) -> Value {
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
fn ticket_key(key: &str) -> Value {
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
fn note_key(key: &str) -> Value {
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
fn note_object() -> Value {
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
