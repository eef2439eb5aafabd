//! The attachment check: a note with a file round-trips by name, type and size, and with its
//! bytes when asked.

use serde_json::json;

use super::checks::{Check, Kit, expect_eq, kwargs};
use crate::TicketSystemServiceExt;

/// The file the check attaches: not valid UTF-8, so a helpdesk that stores it as text fails.
const CONTENT: &[u8] = b"otai attachment \x00\x01\xfe\xff end\n";
/// `CONTENT` in base64.
const CONTENT_BASE64: &str = "b3RhaSBhdHRhY2htZW50IAAB/v8gZW5kCg==";

impl Kit<'_> {
    pub(super) async fn attachment_round_trip(&self, id: &str) -> Check {
        let name = format!("{}-report.bin", self.profile.tag);
        let body = format!("{} see the attached report", self.profile.tag);
        let note = kwargs(json!({
            "ticket_id": id, "subject": "attachment", "body": body,
            "attachments": [{"name": name, "content_type": "application/octet-stream", "content": CONTENT_BASE64}],
        }))?;
        self.service
            .add_note_kw(note)
            .await
            .map_err(|e| e.to_string())?;
        for content in [false, true] {
            let asked = kwargs(json!({"ticket_id": id, "attachment_content": content}))?;
            let t = self
                .service
                .get_ticket_kw(asked)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("ticket {id} not found after adding a note"))?;
            let note = t
                .notes
                .iter()
                .find(|n| n.body.as_deref().is_some_and(|b| b.contains(&body)))
                .ok_or_else(|| format!("no note with the attachment in {:?}", t.notes))?;
            let [attachment] = note.attachments.as_slice() else {
                return Err(format!(
                    "the note has {} attachments, expected 1: {:?}",
                    note.attachments.len(),
                    note.attachments
                ));
            };
            expect_eq(
                "attachment name",
                Some(attachment.name.as_str()),
                Some(name.as_str()),
            )?;
            let essence = attachment
                .content_type
                .split(';')
                .next()
                .unwrap_or_default();
            expect_eq(
                "attachment content type",
                Some(essence.trim().to_ascii_lowercase().as_str()),
                Some("application/octet-stream"),
            )?;
            expect_eq(
                "attachment size",
                Some(&attachment.size),
                Some(&(CONTENT.len() as u64)),
            )?;
            let want = content.then_some(CONTENT);
            expect_eq(
                &format!("attachment content (attachment_content: {content})"),
                attachment.content.as_deref(),
                want,
            )?;
        }
        Ok(())
    }
}
