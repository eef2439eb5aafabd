//! Search criteria every adapter understands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Timestamp, UnifiedEntity};
use crate::Kwargs;

/// What to search for. Every set field must match (AND); unset fields do not filter.
///
/// The serde form is the set of unified keyword arguments of `find_tickets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TicketSearchCriteria {
    /// Tickets in this queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<UnifiedEntity>,
    /// Tickets in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UnifiedEntity>,
    /// Tickets with this priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<UnifiedEntity>,
    /// Tickets of this type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<UnifiedEntity>,
    /// Tickets owned by this agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UnifiedEntity>,
    /// Tickets of this customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<UnifiedEntity>,
    /// Subject contains this text (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_contains: Option<String>,
    /// Subject or any note body contains this text (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_contains: Option<String>,
    /// Created at or after this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub created_after: Option<Timestamp>,
    /// Created before this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub updated_before: Option<Timestamp>,
    /// Custom fields that must equal these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, Value>,
    /// At most this many tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Skip this many matches first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
}

impl TicketSearchCriteria {
    /// The unified keyword names, as `find_tickets` recognises them.
    pub const KEYS: &'static [&'static str] = &[
        "queue",
        "state",
        "priority",
        "type",
        "owner",
        "customer",
        "subject_contains",
        "text_contains",
        "created_after",
        "created_before",
        "updated_after",
        "updated_before",
        "custom_fields",
        "limit",
        "offset",
    ];

    /// Criteria that match every ticket.
    pub fn new() -> Self {
        Self::default()
    }

    /// Filters by queue.
    pub fn queue(mut self, queue: UnifiedEntity) -> Self {
        self.queue = Some(queue);
        self
    }

    /// Filters by state.
    pub fn state(mut self, state: UnifiedEntity) -> Self {
        self.state = Some(state);
        self
    }

    /// Filters by priority.
    pub fn priority(mut self, priority: UnifiedEntity) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Filters by ticket type.
    pub fn ticket_type(mut self, ticket_type: UnifiedEntity) -> Self {
        self.ticket_type = Some(ticket_type);
        self
    }

    /// Filters by owner.
    pub fn owner(mut self, owner: UnifiedEntity) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Filters by customer.
    pub fn customer(mut self, customer: UnifiedEntity) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Subject contains `text`.
    pub fn subject_contains(mut self, text: impl Into<String>) -> Self {
        self.subject_contains = Some(text.into());
        self
    }

    /// Subject or a note body contains `text`.
    pub fn text_contains(mut self, text: impl Into<String>) -> Self {
        self.text_contains = Some(text.into());
        self
    }

    /// Created at or after `t`.
    pub fn created_after(mut self, t: Timestamp) -> Self {
        self.created_after = Some(t);
        self
    }

    /// Created before `t`.
    pub fn created_before(mut self, t: Timestamp) -> Self {
        self.created_before = Some(t);
        self
    }

    /// Changed at or after `t`.
    pub fn updated_after(mut self, t: Timestamp) -> Self {
        self.updated_after = Some(t);
        self
    }

    /// Changed before `t`.
    pub fn updated_before(mut self, t: Timestamp) -> Self {
        self.updated_before = Some(t);
        self
    }

    /// Custom field `name` equals `value`.
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_fields.insert(name.into(), value.into());
        self
    }

    /// At most `limit` results.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` matches.
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The criteria as `find_tickets` keyword arguments.
    pub fn to_kwargs(&self) -> Kwargs {
        crate::kwargs::to_kwargs(self)
    }
}
