//! What the fake stores.

use serde_json::Value;

/// A stored article.
#[derive(Debug, Clone)]
pub(super) struct StoredArticle {
    pub(super) id: u64,
    pub(super) subject: String,
    pub(super) body: String,
    pub(super) mime_type: String,
    pub(super) charset: String,
    pub(super) visible: bool,
    pub(super) sender_type: String,
    pub(super) channel_id: u64,
    pub(super) from: String,
    pub(super) created: String,
    pub(super) attachments: Vec<StoredAttachment>,
}

/// A stored attachment of an article.
#[derive(Debug, Clone)]
pub(super) struct StoredAttachment {
    pub(super) filename: String,
    pub(super) content_type: String,
    /// Base64, as sent.
    pub(super) content: String,
    pub(super) size: usize,
}

/// A stored ticket.
#[derive(Debug, Clone)]
pub(super) struct StoredTicket {
    pub(super) id: u64,
    pub(super) number: String,
    pub(super) title: String,
    pub(super) queue: usize,
    pub(super) state: usize,
    pub(super) priority: usize,
    pub(super) ticket_type: usize,
    pub(super) owner: usize,
    pub(super) customer_user: String,
    pub(super) created: String,
    pub(super) changed: String,
    pub(super) pending: Option<Value>,
    pub(super) dynamic_fields: Vec<(String, Value)>,
    pub(super) articles: Vec<StoredArticle>,
    /// History entries: `HistoryType`, `Name`, `CreateTime`.
    pub(super) history: Vec<(String, String, String)>,
}

/// A named thing with an ID (queue, state, priority, type, agent).
#[derive(Debug, Clone)]
pub(super) struct Named {
    pub(super) id: u64,
    pub(super) name: String,
    /// For states: the state type (`new`, `open`, `closed`, `pending reminder`).
    pub(super) kind: String,
}

impl Named {
    pub(super) fn new(id: u64, name: &str, kind: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            kind: kind.to_owned(),
        }
    }
}

/// Finds a named thing by name (`name_key`) or ID (`id_key`) in an input map.
pub(super) fn lookup(
    list: &[Named],
    input: &serde_json::Map<String, Value>,
    name_key: &str,
    id_key: &str,
) -> Option<Option<usize>> {
    if let Some(id) = crate::input::text(input, id_key) {
        return Some(list.iter().position(|n| n.id.to_string() == id));
    }
    crate::input::text(input, name_key)
        .map(|name| list.iter().position(|n| n.name.eq_ignore_ascii_case(&name)))
}
