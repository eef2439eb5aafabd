//! The tools an agent sees: names, descriptions written for a model to read, and JSON schemas
//! built from the unified model's keys (so a key added to the model shows up here or fails a
//! test).

use std::sync::Arc;

use otai_core::TicketSearchCriteria;
use otai_core::request::schema::{note_key, note_object, search_key, ticket_id, ticket_key};
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
