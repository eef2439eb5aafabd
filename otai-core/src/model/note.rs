//! A note (OTOBO article, RT comment or correspondence) on a ticket.

use serde::{Deserialize, Serialize};

use super::{Timestamp, UnifiedAttachment, lenient_id};

/// A note on a ticket: an article in OTOBO/Znuny, a comment or correspondence in RT.
///
/// `internal` is `true` when the note is hidden from the customer; it defaults to `true` so that a
/// note never reaches a customer unless asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnifiedNote {
    /// The helpdesk's identifier of the note.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_id::optional"
    )]
    pub id: Option<String>,
    /// Subject line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Body text (plain or HTML, see `content_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// MIME type of the body, e.g. `text/plain` or `text/html`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Hidden from the customer when `true`.
    #[serde(default = "default_internal")]
    pub internal: bool,
    /// Who wrote it (login, name or address, as the helpdesk reports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When it was written.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::timestamp::optional"
    )]
    pub created: Option<Timestamp>,
    /// Files attached to the note (omitted from JSON when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<UnifiedAttachment>,
}

fn default_internal() -> bool {
    true
}

impl Default for UnifiedNote {
    fn default() -> Self {
        Self {
            id: None,
            subject: None,
            body: None,
            content_type: None,
            internal: true,
            author: None,
            created: None,
            attachments: Vec::new(),
        }
    }
}

impl UnifiedNote {
    /// An internal plain-text note with this subject and body.
    pub fn new(subject: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            subject: Some(subject.into()),
            body: Some(body.into()),
            ..Self::default()
        }
    }

    /// Sets the helpdesk's identifier.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the MIME type of the body.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets whether the note is hidden from the customer.
    pub fn internal(mut self, internal: bool) -> Self {
        self.internal = internal;
        self
    }

    /// Sets the author.
    pub fn author(mut self, author: impl Into<String>) -> Self {
        self.author = Some(author.into());
        self
    }

    /// Sets the creation time.
    pub fn created(mut self, created: Timestamp) -> Self {
        self.created = Some(created);
        self
    }

    /// The note as a read without attachment content shows it: attachments keep their name,
    /// type and size, not their bytes.
    pub fn without_attachment_content(mut self) -> Self {
        for attachment in &mut self.attachments {
            attachment.content = None;
        }
        self
    }

    /// Appends an attachment.
    pub fn attachment(mut self, attachment: UnifiedAttachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}
