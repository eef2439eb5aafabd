//! Checks of naming a ticket by its number (`ticket_number`) instead of its ID.

use serde_json::json;

use super::checks::{Check, Kit, MISSING, expect_eq, expect_invalid, kwargs};
use crate::{Error, TicketSystemServiceExt};

impl Kit<'_> {
    /// Get and add_note by the number of ticket `id`; a missing number; ID and number together.
    pub(super) async fn by_number(&self, id: &str) -> Check {
        let number = self
            .get(id)
            .await?
            .number
            .ok_or_else(|| format!("ticket {id} has no number"))?;
        let found = self
            .service
            .get_ticket_kw(kwargs(json!({"ticket_number": number}))?)
            .await
            .map_err(|e| format!("get by ticket_number {number}: {e}"))?
            .ok_or_else(|| format!("get by ticket_number {number} returned None"))?;
        expect_eq(
            "id of the ticket got by number",
            found.id.as_deref(),
            Some(id),
        )?;
        let noted = self
            .service
            .add_note_kw(kwargs(json!({
                "ticket_number": number, "body": "noted by number", "reread": false,
            }))?)
            .await
            .map_err(|e| format!("add_note by ticket_number {number}: {e}"))?;
        expect_eq(
            "id of the ticket noted by number",
            noted.id.as_deref(),
            Some(id),
        )?;
        let missing = self
            .service
            .get_ticket_kw(kwargs(json!({"ticket_number": MISSING}))?)
            .await;
        if !matches!(missing, Ok(None)) {
            return Err(format!(
                "get by a missing number: expected Ok(None), got {missing:?}"
            ));
        }
        let update = self
            .service
            .update_ticket_kw(kwargs(json!({"ticket_number": MISSING, "subject": "x"}))?)
            .await;
        if !matches!(update, Err(Error::NotFound { .. })) {
            return Err(format!(
                "update by a missing number: expected Error::NotFound, got {update:?}"
            ));
        }
        let both = self
            .service
            .get_ticket_kw(kwargs(json!({"ticket_id": id, "ticket_number": number}))?)
            .await;
        expect_invalid(
            "ticket_id with ticket_number",
            both.map(|_| ()),
            "ticket_number",
        )
    }
}
