//! Conversions between RT's JSON and the unified model, through the value mapping.

use std::collections::BTreeMap;

use otai_core::mapping::FieldValueMap;
use otai_core::model::parse_timestamp;
use otai_core::{
    Error, Result, UnifiedAttachment, UnifiedEntity, UnifiedHistoryEntry, UnifiedNote,
    UnifiedTicket,
};
use serde_json::Value;

use crate::RtMapping;
use crate::json::{Obj, Text};
use crate::wire::{Attachment, Ref, Ticket, Transaction};

/// The value maps, both ways, each a [`FieldValueMap`]. RT's priorities are numbers: they are
/// mapped as their decimal text and parsed at the edge, so `80` and `080` from RT are one value.
#[derive(Debug, Clone, Default)]
pub struct Maps {
    priority: FieldValueMap,
    state: FieldValueMap,
    queue: FieldValueMap,
}

impl Maps {
    /// Maps from the configuration; an ambiguous map or a bad pattern is an
    /// [`Error::Config`] naming the field and values.
    pub fn new(mapping: &RtMapping) -> Result<Self> {
        let none = BTreeMap::new();
        let priority: BTreeMap<String, String> = mapping
            .priority
            .iter()
            .map(|(unified, number)| (unified.clone(), number.to_string()))
            .collect();
        Ok(Self {
            priority: FieldValueMap::new("params.mapping.priority", &priority, &none)?,
            state: FieldValueMap::new(
                "params.mapping.state",
                &mapping.state,
                &mapping.state_patterns,
            )?,
            queue: FieldValueMap::new("params.mapping.queue", &mapping.queue, &none)?,
        })
    }

    /// RT's status for a unified state.
    pub fn state_to_rt<'a>(&'a self, state: &'a str) -> &'a str {
        self.state.to_native(state)
    }

    /// RT's queue name for a unified queue name.
    pub fn queue_to_rt<'a>(&'a self, queue: &'a str) -> &'a str {
        self.queue.to_native(queue)
    }

    /// RT's priority number for a unified priority: a number, or a mapped name.
    pub fn priority_to_rt(&self, priority: &UnifiedEntity) -> Result<i64> {
        for part in [&priority.name, &priority.id].into_iter().flatten() {
            if let Ok(number) = part.trim().parse::<i64>() {
                return Ok(number);
            }
            if let Some(number) = self.priority.native(part).and_then(|n| n.parse().ok()) {
                return Ok(number);
            }
        }
        let known: Vec<&str> = self.priority.unified_values().collect();
        Err(Error::invalid_input(
            "priority",
            format!(
                "RT priorities are numbers; `{}` is not one and not in mapping.priority (known: {})",
                priority,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ))
    }

    fn priority_entity(&self, rt: Option<&str>) -> Option<UnifiedEntity> {
        let text = rt?.trim();
        let name = text
            .parse::<i64>()
            .ok()
            .and_then(|n| self.priority.unified(&n.to_string()))
            .map_or_else(|| text.to_owned(), str::to_owned);
        Some(UnifiedEntity::new(text, name))
    }
}

/// An RT timestamp; RT's "unset" (`1970-01-01T00:00:00Z`) is `None`.
fn time(value: Option<Text>) -> Option<otai_core::model::Timestamp> {
    let text = value?.0;
    if text.starts_with("1970-01-01") {
        return None;
    }
    parse_timestamp(&text)
}

/// Non-empty text.
fn text(value: Option<Text>) -> Option<String> {
    value.map(|t| t.0).filter(|s| !s.is_empty())
}

/// The `id` of an RT reference (`{"type": "user", "id": "root", …}`).
fn ref_id(value: Option<Obj<Ref>>) -> Option<String> {
    text(value?.0.id)
}

/// A custom field's values: one value as itself, none as `null`, several as a list.
fn field_value(values: Vec<Text>) -> Value {
    let mut values: Vec<Value> = values.into_iter().map(|t| Value::String(t.0)).collect();
    match values.len() {
        0 => Value::Null,
        1 => values.pop().unwrap_or_default(),
        _ => Value::Array(values),
    }
}

/// An RT ticket (as `GET /ticket/N` returns it) as a unified ticket. `queue_name` is the name of
/// its queue (RT only gives the ID); `notes` are its messages, oldest first.
pub fn ticket_from_rt(
    rt: Ticket,
    queue_name: Option<String>,
    notes: Vec<UnifiedNote>,
    maps: &Maps,
) -> UnifiedTicket {
    let mut t = UnifiedTicket::new();
    t.id = Some(rt.id.to_string());
    t.number = t.id.clone();
    t.subject = text(rt.subject);
    let queue_id = rt.queue.map(|q| q.0.id.to_string());
    let queue_name = queue_name.map(|q| maps.queue.to_unified(q));
    t.queue = UnifiedEntity::from_parts(queue_id, queue_name);
    t.state = text(rt.status).map(|s| UnifiedEntity::by_name(maps.state.to_unified(s)));
    t.priority = maps.priority_entity(text(rt.priority).as_deref());
    t.owner = ref_id(rt.owner).map(UnifiedEntity::by_name);
    t.customer = ref_id(rt.requestor.and_then(|r| r.0)).map(UnifiedEntity::by_name);
    t.created = time(rt.created);
    t.updated = time(rt.last_updated);
    for Obj(field) in rt.custom_fields.unwrap_or_default().0 {
        let Some(name) = text(field.name) else {
            continue;
        };
        let values = field.values.unwrap_or_default().0;
        t.custom_fields.insert(name, field_value(values));
    }
    t.body = notes.first().and_then(|n| n.body.clone());
    t.notes = notes;
    t
}

/// A message (Create, Comment or Correspond transaction) as a unified note: the text of its first
/// non-empty `text/plain` or `text/html` part, the first subject of any part.
///
/// Parts with a file name are the note's attachments (at most
/// [`MAX_ATTACHMENTS`](otai_core::model::MAX_ATTACHMENTS), without content): their size is
/// RT's `Content-Length` header, else the length of the content the listing returned.
pub fn note_from_transaction(transaction: Transaction, parts: Vec<Attachment>) -> UnifiedNote {
    let kind = transaction.kind.map(|k| k.0).unwrap_or_default();
    let mut note = UnifiedNote::default().internal(kind == "Comment");
    note.id = Some(transaction.id.to_string());
    note.author = ref_id(transaction.creator);
    note.created = time(transaction.created);
    let mut subject = None;
    for part in parts {
        if let Some(name) = text(part.filename.clone()) {
            if note.attachments.len() < otai_core::model::MAX_ATTACHMENTS {
                note.attachments.push(attachment_of(name, part));
            }
            continue;
        }
        let content_type = text(part.content_type);
        let is_text = content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("text/plain") || ct.starts_with("text/html"));
        let part_subject = text(part.subject);
        if note.body.is_none() && is_text {
            if let Some(body) = text(part.content) {
                note.body = Some(body);
                note.content_type = content_type;
                note.subject = part_subject.clone();
            }
        }
        if subject.is_none() {
            subject = part_subject;
        }
    }
    if note.subject.is_none() {
        note.subject = subject;
    }
    note
}

/// A file part of a message, described (its content is read apart, on request).
fn attachment_of(name: String, part: Attachment) -> UnifiedAttachment {
    let header_size = text(part.headers).and_then(|headers| {
        headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<u64>().ok())?
        })
    });
    let size = header_size
        .or_else(|| part.content.as_ref().map(|c| c.0.len() as u64))
        .unwrap_or_default();
    let content_type = text(part.content_type)
        .unwrap_or_else(|| otai_core::model::DEFAULT_ATTACHMENT_TYPE.to_owned());
    UnifiedAttachment::described(bounded(&name), content_type, size)
}

/// The `Attachments` of a comment or correspondence (RT 5 REST2:
/// `{FileName, FileType, FileContent}` with the content in base64).
pub fn attachment_items(note: &UnifiedNote) -> Vec<Value> {
    use base64::Engine;
    note.attachments
        .iter()
        .map(|a| {
            serde_json::json!({
                "FileName": a.name,
                "FileType": a.content_type,
                "FileContent": base64::engine::general_purpose::STANDARD
                    .encode(a.content.as_deref().unwrap_or_default()),
            })
        })
        .collect()
}

/// A history entry from a transaction. RT's field names become the unified ones (`Status` is
/// `state`, `Queue` is `queue`, …); values are RT's (queue and user IDs, as RT records them).
pub fn history_entry(transaction: Transaction) -> UnifiedHistoryEntry {
    let kind = text(transaction.kind).unwrap_or_default();
    let mut entry = UnifiedHistoryEntry::new(bounded(&kind));
    entry.time = time(transaction.created);
    entry.by = ref_id(transaction.creator);
    let field = text(transaction.field).or_else(|| (kind == "Status").then(|| "Status".into()));
    match field {
        Some(field) => {
            let field = match field.as_str() {
                "Status" => "state".to_owned(),
                "Queue" | "Subject" | "Priority" | "Owner" | "Type" => field.to_lowercase(),
                _ => bounded(&field),
            };
            let (old, new) = (text(transaction.old_value), text(transaction.new_value));
            entry = entry.change(field, old.map(|o| bounded(&o)), new.map(|n| bounded(&n)));
        }
        None => entry.note = text(transaction.data).map(|d| bounded(&d)),
    }
    entry
}

/// At most [`SERVER_TEXT_CHARS`](crate::limits::SERVER_TEXT_CHARS) characters.
fn bounded(text: &str) -> String {
    text.chars()
        .take(crate::limits::SERVER_TEXT_CHARS)
        .collect()
}

/// Whether a transaction is a message: a Create, Comment or Correspond.
pub fn is_message(transaction: &Transaction) -> bool {
    matches!(
        transaction.kind.as_ref().map(|k| k.0.as_str()),
        Some("Create" | "Comment" | "Correspond")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::decode;
    use serde_json::json;

    fn read<T: serde::de::DeserializeOwned>(value: Value) -> Result<T> {
        decode::<Obj<T>>(value.to_string().as_bytes())
            .map(|o| o.0)
            .map_err(|e| Error::invalid_input("reply", e.to_string()))
    }

    #[test]
    fn converts_a_recorded_ticket() -> Result<()> {
        let rt = read::<Ticket>(json!({
            "id": 1, "Subject": "Printer on fire", "Status": "new", "Priority": "80",
            "Queue": {"type": "queue", "id": "1"}, "Owner": {"type": "user", "id": "Nobody"},
            "Requestor": [{"type": "user", "id": "alice@example.com"}],
            "Created": "2026-11-23T03:40:48Z", "LastUpdated": "1970-01-01T00:00:00Z",
            "CustomFields": [{"name": "Building", "values": ["B2"]}, {"name": "Tags", "values": ["a", "b"]}]
        }))?;
        let maps = Maps::new(&RtMapping {
            priority: [("high".to_owned(), 80)].into(),
            ..Default::default()
        })?;
        let t = ticket_from_rt(rt, Some("General".into()), Vec::new(), &maps);
        assert_eq!(t.id.as_deref(), Some("1"));
        assert_eq!(t.queue, Some(UnifiedEntity::new("1", "General")));
        assert_eq!(t.priority, Some(UnifiedEntity::new("80", "high")));
        assert_eq!(t.owner, Some(UnifiedEntity::by_name("Nobody")));
        assert_eq!(
            t.customer,
            Some(UnifiedEntity::by_name("alice@example.com"))
        );
        assert!(t.created.is_some());
        assert_eq!(t.updated, None, "1970 means unset");
        assert_eq!(t.custom_fields.get("Building"), Some(&json!("B2")));
        assert_eq!(t.custom_fields.get("Tags"), Some(&json!(["a", "b"])));
        Ok(())
    }

    #[test]
    fn priorities_are_numbers_mapped_as_their_text_and_states_by_pattern() -> Result<()> {
        let maps = Maps::new(&RtMapping {
            priority: [("High".to_owned(), 80), ("low".to_owned(), 20)].into(),
            state: [("closed".to_owned(), "resolved".to_owned())].into(),
            state_patterns: [("resolved|rejected".to_owned(), "closed".to_owned())].into(),
            ..Default::default()
        })?;
        assert_eq!(maps.priority_to_rt(&UnifiedEntity::by_name("high"))?, 80);
        assert_eq!(maps.priority_to_rt(&UnifiedEntity::by_name("35"))?, 35);
        assert_eq!(
            maps.priority_entity(Some(" 080")),
            Some(UnifiedEntity::new("080", "High"))
        );
        assert_eq!(
            maps.priority_entity(Some("50")),
            Some(UnifiedEntity::new("50", "50"))
        );
        assert_eq!(maps.state_to_rt("CLOSED"), "resolved");
        let rt = read::<Ticket>(json!({"id": 2, "Status": "rejected"}))?;
        let t = ticket_from_rt(rt, None, Vec::new(), &maps);
        assert_eq!(t.state, Some(UnifiedEntity::by_name("closed")));
        let twice = Maps::new(&RtMapping {
            priority: [("high".to_owned(), 80), ("urgent".to_owned(), 80)].into(),
            ..Default::default()
        });
        let err = twice.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("mapping.priority"), "{err}");
        assert!(
            err.contains("`high` and `urgent` both map to `80`"),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn comments_are_internal_and_correspondence_is_not() -> Result<()> {
        let parts = || -> Result<Vec<Attachment>> {
            Ok(vec![
                read(json!({"id": 1, "ContentType": "multipart/mixed", "Subject": "s"}))?,
                read(json!({"id": 2, "ContentType": "text/plain", "Content": "hello"}))?,
            ])
        };
        let comment =
            read::<Transaction>(json!({"id": "35", "Type": "Comment", "Creator": {"id": "root"}}))?;
        assert!(is_message(&comment));
        let comment = note_from_transaction(comment, parts()?);
        assert!(comment.internal);
        assert_eq!(comment.author.as_deref(), Some("root"));
        assert_eq!(comment.subject.as_deref(), Some("s"), "from the first part");
        let reply = note_from_transaction(read(json!({"id": 36, "Type": "Correspond"}))?, parts()?);
        assert!(!reply.internal);
        assert_eq!(reply.id.as_deref(), Some("36"));
        assert_eq!(reply.body.as_deref(), Some("hello"));
        assert_eq!(reply.content_type.as_deref(), Some("text/plain"));
        assert!(!is_message(&read(
            json!({"id": 37, "Type": "EmailRecord"})
        )?));
        Ok(())
    }

    #[test]
    fn transactions_become_history_entries() -> Result<()> {
        let status = history_entry(read::<Transaction>(json!({
            "id": 40, "Type": "Status", "Field": "Status", "OldValue": "new", "NewValue": "open",
            "Creator": {"type": "user", "id": "root"}, "Created": "2026-03-14T09:12:01Z",
        }))?);
        assert_eq!(status.field.as_deref(), Some("state"));
        assert_eq!(
            (status.old.as_deref(), status.new.as_deref()),
            (Some("new"), Some("open"))
        );
        assert_eq!(status.by.as_deref(), Some("root"));
        assert!(status.time.is_some());
        let comment = history_entry(read::<Transaction>(json!({
            "id": 41, "Type": "Comment", "Data": "Called back",
        }))?);
        assert_eq!(
            (comment.field, comment.note.as_deref()),
            (None, Some("Called back"))
        );
        Ok(())
    }
}
