//! RT's replies as the adapter reads them: only the fields it uses, every list capped (the caps
//! are listed in `docs/reliability.md`), every object an object. Anything else in a reply (`_url`, `_hyperlinks`,
//! fields the adapter ignores) is skipped unbuilt and never followed.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::json::{Capped, Count, First, Id, Obj, Text};
use crate::limits::{MAX_CUSTOM_FIELDS, MAX_FIELD_VALUES, MAX_REPLY_MESSAGES, PAGE};

/// Reads a reply body as `T`; `T` decides what is accepted (use [`Obj`] for objects).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(body)
}

/// A reference to another record (`{"type": "user", "id": "root", "_url": …}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Ref {
    pub(crate) id: Option<Text>,
}

/// A reference to a queue: its id is a number.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueRef {
    pub(crate) id: Id,
}

/// One custom field of a ticket.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CustomField {
    pub(crate) name: Option<Text>,
    pub(crate) values: Option<Capped<Text, MAX_FIELD_VALUES>>,
}

/// `GET /ticket/:id`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ticket {
    #[serde(rename = "id")]
    pub(crate) id: Id,
    pub(crate) subject: Option<Text>,
    pub(crate) queue: Option<Obj<QueueRef>>,
    pub(crate) status: Option<Text>,
    pub(crate) priority: Option<Text>,
    pub(crate) owner: Option<Obj<Ref>>,
    pub(crate) requestor: Option<First<Obj<Ref>>>,
    pub(crate) created: Option<Text>,
    pub(crate) last_updated: Option<Text>,
    pub(crate) custom_fields: Option<Capped<Obj<CustomField>, MAX_CUSTOM_FIELDS>>,
}

/// `GET /queue/:id`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Queue {
    pub(crate) id: Id,
    #[serde(rename = "Name")]
    pub(crate) name: Option<Text>,
}

/// A page of a collection (`/tickets`, `/ticket/:id/history`, `/transaction/:id/attachments`):
/// at most 100 items, and what the server says about the paging.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Page<T> {
    pub(crate) page: Option<Count>,
    pub(crate) pages: Option<Count>,
    pub(crate) per_page: Option<Count>,
    pub(crate) total: Option<Count>,
    pub(crate) items: Capped<Obj<T>, PAGE>,
}

impl<T> Page<T> {
    /// The page's items, in the server's order.
    pub fn into_items(self) -> Vec<T> {
        self.items.0.into_iter().map(|Obj(item)| item).collect()
    }
}

/// Anything in a page that has an id.
pub trait Item {
    /// The record's id.
    fn id(&self) -> Id;
}

/// A search result: the ticket's id, nothing else is asked for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Found {
    pub(crate) id: Id,
}

/// A transaction of a ticket's history.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transaction {
    #[serde(rename = "id")]
    pub(crate) id: Id,
    #[serde(rename = "Type")]
    pub(crate) kind: Option<Text>,
    pub(crate) creator: Option<Obj<Ref>>,
    pub(crate) created: Option<Text>,
    /// The changed field, for a `Set` (and the like).
    #[serde(default)]
    pub(crate) field: Option<Text>,
    /// The value before the change.
    #[serde(default)]
    pub(crate) old_value: Option<Text>,
    /// The value after the change.
    #[serde(default)]
    pub(crate) new_value: Option<Text>,
    /// RT's description (a message's subject).
    #[serde(default)]
    pub(crate) data: Option<Text>,
}

/// An attachment (message part) of a transaction.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attachment {
    #[serde(rename = "id")]
    pub(crate) id: Id,
    pub(crate) content_type: Option<Text>,
    pub(crate) content: Option<Text>,
    pub(crate) subject: Option<Text>,
    /// Set for a file attached to the message (not its body).
    #[serde(default)]
    pub(crate) filename: Option<Text>,
    /// The part's MIME headers; RT records `Content-Length` there.
    #[serde(default)]
    pub(crate) headers: Option<Text>,
}

/// `GET /attachment/:id`: the part with its `Content` in base64.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentContent {
    #[serde(rename = "id")]
    pub(crate) id: Id,
    pub(crate) content: Option<Text>,
}

macro_rules! items_with_ids {
    ($($t:ty),*) => {$(
        impl Item for $t {
            fn id(&self) -> Id {
                self.id
            }
        }
    )*};
}
items_with_ids!(Found, Transaction, Attachment);

/// `POST /ticket`: `{"type": "ticket", "id": "2", "_url": …}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Created {
    pub(crate) id: Option<Id>,
    #[serde(rename = "type")]
    pub(crate) kind: Option<Text>,
}

/// The messages RT answers an update or a note with (`["Ticket 1: Status changed …"]`).
pub type Messages = Capped<Text, MAX_REPLY_MESSAGES>;

/// `GET /rt`: `{"Version": "5.0.3", …}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemInfo {
    #[serde(rename = "Version")]
    pub(crate) _version: Text,
}

/// An error reply: `{"message": …}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    pub(crate) message: Option<Text>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_ticket_reads_and_its_links_are_skipped() -> serde_json::Result<()> {
        let body = br#"{"id":1,"Subject":"Printer on fire","Status":"new","Priority":"10",
            "Queue":{"type":"queue","id":"1","_url":"http://elsewhere/REST/2.0/queue/1"},
            "Owner":{"type":"user","id":"Nobody"},
            "Requestor":[{"type":"user","id":"alice@example.com"},{"type":"user","id":"bob"}],
            "Created":"2026-11-23T03:40:48Z","Due":"1970-01-01T00:00:00Z","CustomFields":[],
            "_hyperlinks":[{"ref":"self","_url":"http://elsewhere/"}]}"#;
        let Obj(ticket) = decode::<Obj<Ticket>>(body)?;
        assert_eq!(ticket.id, Id(1));
        assert_eq!(ticket.queue.map(|q| q.0.id), Some(Id(1)));
        assert_eq!(
            ticket.requestor.and_then(|r| r.0).and_then(|r| r.0.id),
            Some(Text("alice@example.com".into()))
        );
        Ok(())
    }

    #[test]
    fn pages_with_too_many_items_or_items_without_ids_are_refused() {
        let items = vec![r#"{"id": "1"}"#; PAGE + 1].join(",");
        let err = decode::<Obj<Page<Found>>>(format!(r#"{{"items": [{items}]}}"#).as_bytes())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("a list longer than the limit of 100 items"),
            "{err}"
        );
        assert!(decode::<Obj<Page<Found>>>(br#"{"items": [{"id": ""}]}"#).is_err());
        assert!(decode::<Obj<Page<Found>>>(br#"{"items": [{}]}"#).is_err());
        assert!(decode::<Obj<Page<Found>>>(br#"{"total": 3}"#).is_err());
        assert!(decode::<Obj<Page<Found>>>(br#"{"items": [["1"]]}"#).is_err());
    }
}
