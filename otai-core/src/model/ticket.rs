//! The unified ticket.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Timestamp, UnifiedEntity, UnifiedNote, lenient_id};

/// A ticket as every adapter returns it, and as callers describe a ticket to create or a change
/// to make (unset fields are left alone).
///
/// `notes` and `custom_fields` are omitted from the JSON form when empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnifiedTicket {
    /// The helpdesk's internal identifier.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_id::optional"
    )]
    pub id: Option<String>,
    /// The ticket number people see (OTOBO's TicketNumber; RT uses the id).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_id::optional"
    )]
    pub number: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Body of the first note (the customer's request); also written as the first note on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<UnifiedEntity>,
    /// Priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<UnifiedEntity>,
    /// State (RT: status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UnifiedEntity>,
    /// Ticket type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<UnifiedEntity>,
    /// Owning agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UnifiedEntity>,
    /// Customer (OTOBO customer user, RT requestor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<UnifiedEntity>,
    /// Creation time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub created: Option<Timestamp>,
    /// Time of the last change.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub updated: Option<Timestamp>,
    /// Notes, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<UnifiedNote>,
    /// Custom fields by name (OTOBO dynamic fields, RT custom fields).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, Value>,
}

impl UnifiedTicket {
    /// An empty ticket; set fields with the builder methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the identifier.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the ticket number.
    pub fn number(mut self, number: impl Into<String>) -> Self {
        self.number = Some(number.into());
        self
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets the queue.
    pub fn queue(mut self, queue: UnifiedEntity) -> Self {
        self.queue = Some(queue);
        self
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: UnifiedEntity) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Sets the state.
    pub fn state(mut self, state: UnifiedEntity) -> Self {
        self.state = Some(state);
        self
    }

    /// Sets the ticket type.
    pub fn ticket_type(mut self, ticket_type: UnifiedEntity) -> Self {
        self.ticket_type = Some(ticket_type);
        self
    }

    /// Sets the owner.
    pub fn owner(mut self, owner: UnifiedEntity) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Sets the customer.
    pub fn customer(mut self, customer: UnifiedEntity) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Sets the creation time.
    pub fn created(mut self, created: Timestamp) -> Self {
        self.created = Some(created);
        self
    }

    /// Sets the time of the last change.
    pub fn updated(mut self, updated: Timestamp) -> Self {
        self.updated = Some(updated);
        self
    }

    /// Appends a note.
    pub fn note(mut self, note: UnifiedNote) -> Self {
        self.notes.push(note);
        self
    }

    /// Sets one custom field.
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_fields.insert(name.into(), value.into());
        self
    }
}
