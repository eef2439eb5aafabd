//! Checks of a ticket's history.

use serde_json::json;

use super::checks::{Check, Kit, kwargs};
use crate::TicketSystemServiceExt;

impl Kit<'_> {
    /// After ticket `id` was created, moved to the other queue and given a note: its history
    /// is non-empty, oldest first, and has an entry changing the queue to the other queue.
    pub(super) async fn history(&self, id: &str) -> Check {
        self.service
            .add_note_kw(kwargs(json!({
                "ticket_id": id, "body": "noted before reading history", "reread": false,
            }))?)
            .await
            .map_err(|e| format!("add_note before reading history: {e}"))?;
        let history = self
            .service
            .ticket_history_kw(kwargs(json!({"ticket_id": id}))?)
            .await
            .map_err(|e| format!("ticket_history of {id}: {e}"))?;
        if history.is_empty() {
            return Err(format!("ticket {id} has an empty history"));
        }
        let times: Vec<_> = history.iter().filter_map(|h| h.time).collect();
        if times.windows(2).any(|w| w[0] > w[1]) {
            return Err(format!("history of {id} is not oldest first: {times:?}"));
        }
        let other = &self.profile.other_queue;
        let moved = history.iter().any(|h| {
            h.field.as_deref() == Some("queue")
                && h.new.as_deref().is_some_and(|new| {
                    Some(new) == other.name.as_deref()
                        || Some(new) == other.id.as_deref()
                        || other.name.is_none() && other.id.is_none()
                })
        });
        if moved {
            Ok(())
        } else {
            Err(format!(
                "history of {id} has no entry changing the queue to {}: {history:?}",
                other.label().unwrap_or("the other queue")
            ))
        }
    }
}
