//! One entry of a ticket's history: what changed, when, and who changed it.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// One entry of a ticket's history (an OTOBO history line, an RT transaction, a local change).
///
/// `kind` is the helpdesk's own name for the entry (`Move`, `StateUpdate`, `Set`, `Comment`,
/// `update`, …). For a changed field, `field` names it in the unified model's words (`queue`,
/// `state`, `priority`, `owner`, `subject`, `type`, `customer`, or a custom field's name) with
/// its `old` and `new` values as the helpdesk reports them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnifiedHistoryEntry {
    /// When it happened.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub time: Option<Timestamp>,
    /// The helpdesk's name for the kind of entry.
    pub kind: String,
    /// The field that changed, if the entry is a change of one field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The value before the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The value after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Who made it (login, name or user ID, as the helpdesk reports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The text of a note added by this entry, or the helpdesk's comment on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl UnifiedHistoryEntry {
    /// An entry of this kind, with nothing else set.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            ..Self::default()
        }
    }

    /// Sets the time.
    pub fn time(mut self, time: Timestamp) -> Self {
        self.time = Some(time);
        self
    }

    /// Sets the changed field and its old and new values.
    pub fn change(
        mut self,
        field: impl Into<String>,
        old: Option<String>,
        new: Option<String>,
    ) -> Self {
        self.field = Some(field.into());
        self.old = old;
        self.new = new;
        self
    }

    /// Sets who made it.
    pub fn by(mut self, by: impl Into<String>) -> Self {
        self.by = Some(by.into());
        self
    }

    /// Sets the note text.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// In a few words, for tables: `queue: Raw → Misc`, or the kind and the note.
    pub fn summary(&self) -> String {
        match (&self.field, &self.old, &self.new) {
            (Some(field), old, new) => format!(
                "{field}: {} → {}",
                old.as_deref().unwrap_or("-"),
                new.as_deref().unwrap_or("-")
            ),
            _ => match &self.note {
                Some(note) => format!("{}: {}", self.kind, note),
                None => self.kind.clone(),
            },
        }
    }
}
