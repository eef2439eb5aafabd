//! Conversions between RT's JSON and the unified model, through the value mapping.

use std::collections::BTreeMap;

use otai_core::model::parse_timestamp;
use otai_core::{Error, Result, UnifiedEntity, UnifiedNote, UnifiedTicket};
use serde_json::Value;

use crate::RtMapping;

/// The value maps, both ways.
#[derive(Debug, Clone, Default)]
pub struct Maps {
    priority: BTreeMap<String, i64>,
    priority_back: BTreeMap<i64, String>,
    state: BTreeMap<String, String>,
    state_back: BTreeMap<String, String>,
    queue: BTreeMap<String, String>,
    queue_back: BTreeMap<String, String>,
}

fn lower_keys<V: Clone>(map: &BTreeMap<String, V>) -> BTreeMap<String, V> {
    map.iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect()
}

fn reversed(map: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    map.iter().map(|(u, n)| (n.clone(), u.clone())).collect()
}

impl Maps {
    /// Maps from the configuration.
    pub fn new(mapping: &RtMapping) -> Self {
        Self {
            priority: lower_keys(&mapping.priority),
            priority_back: mapping
                .priority
                .iter()
                .map(|(u, n)| (*n, u.clone()))
                .collect(),
            state: lower_keys(&mapping.state),
            state_back: reversed(&mapping.state),
            queue: lower_keys(&mapping.queue),
            queue_back: reversed(&mapping.queue),
        }
    }

    /// RT's status for a unified state.
    pub fn state_to_rt<'a>(&'a self, state: &'a str) -> &'a str {
        self.state
            .get(&state.to_lowercase())
            .map_or(state, String::as_str)
    }

    /// RT's queue name for a unified queue name.
    pub fn queue_to_rt<'a>(&'a self, queue: &'a str) -> &'a str {
        self.queue
            .get(&queue.to_lowercase())
            .map_or(queue, String::as_str)
    }

    /// RT's priority number for a unified priority: a number, or a mapped name.
    pub fn priority_to_rt(&self, priority: &UnifiedEntity) -> Result<i64> {
        for part in [&priority.name, &priority.id].into_iter().flatten() {
            if let Ok(number) = part.trim().parse::<i64>() {
                return Ok(number);
            }
            if let Some(number) = self.priority.get(&part.to_lowercase()) {
                return Ok(*number);
            }
        }
        let known: Vec<&str> = self.priority.keys().map(String::as_str).collect();
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
            .and_then(|n| self.priority_back.get(&n).cloned())
            .unwrap_or_else(|| text.to_owned());
        Some(UnifiedEntity::new(text, name))
    }
}

/// An RT timestamp; RT's "unset" (`1970-01-01T00:00:00Z`) is `None`.
fn time(value: &Value) -> Option<otai_core::model::Timestamp> {
    let text = value.as_str()?;
    if text.starts_with("1970-01-01") {
        return None;
    }
    parse_timestamp(text)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `id` of an RT reference (`{"type": "user", "id": "root", …}`).
fn ref_id(value: &Value) -> Option<String> {
    text(value.get("id")?)
}

/// An RT ticket (as `GET /ticket/N` returns it) as a unified ticket. `queue_name` is the name of
/// its queue (RT only gives the ID); `notes` are its messages, oldest first.
pub fn ticket_from_rt(
    rt: &Value,
    queue_name: Option<String>,
    notes: Vec<UnifiedNote>,
    maps: &Maps,
) -> UnifiedTicket {
    let mut t = UnifiedTicket::new();
    t.id = rt.get("id").and_then(text);
    t.number = t.id.clone();
    t.subject = rt.get("Subject").and_then(text);
    let queue_id = rt.get("Queue").and_then(ref_id);
    let queue_name = queue_name.map(|q| maps.queue_back.get(&q).cloned().unwrap_or(q));
    t.queue = UnifiedEntity::from_parts(queue_id, queue_name);
    t.state = rt
        .get("Status")
        .and_then(text)
        .map(|s| UnifiedEntity::by_name(maps.state_back.get(&s).cloned().unwrap_or(s)));
    t.priority = maps.priority_entity(rt.get("Priority").and_then(text).as_deref());
    t.owner = rt.get("Owner").and_then(ref_id).map(UnifiedEntity::by_name);
    t.customer = rt
        .get("Requestor")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(ref_id)
        .map(UnifiedEntity::by_name);
    t.created = rt.get("Created").and_then(time);
    t.updated = rt.get("LastUpdated").and_then(time);
    if let Some(fields) = rt.get("CustomFields").and_then(Value::as_array) {
        for field in fields {
            let Some(name) = field.get("name").and_then(text) else {
                continue;
            };
            let value = match field.get("values") {
                Some(Value::Array(values)) if values.len() == 1 => values[0].clone(),
                Some(Value::Array(values)) if values.is_empty() => Value::Null,
                Some(other) => other.clone(),
                None => Value::Null,
            };
            t.custom_fields.insert(name, value);
        }
    }
    t.body = notes.first().and_then(|n| n.body.clone());
    t.notes = notes;
    t
}

/// A message (Create, Comment or Correspond transaction) as a unified note.
pub fn note_from_transaction(transaction: &Value, part: Option<&Value>) -> UnifiedNote {
    let kind = transaction
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut note = UnifiedNote::default().internal(kind == "Comment");
    note.id = transaction.get("id").and_then(text);
    note.author = transaction.get("Creator").and_then(ref_id);
    note.created = transaction.get("Created").and_then(time);
    if let Some(part) = part {
        note.subject = part.get("Subject").and_then(text);
        note.body = part.get("Content").and_then(text);
        note.content_type = part.get("ContentType").and_then(text);
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_a_recorded_ticket() {
        let rt = json!({
            "id": 1, "Subject": "Printer on fire", "Status": "new", "Priority": "80",
            "Queue": {"type": "queue", "id": "1"}, "Owner": {"type": "user", "id": "Nobody"},
            "Requestor": [{"type": "user", "id": "alice@example.com"}],
            "Created": "2026-11-23T03:40:48Z", "LastUpdated": "1970-01-01T00:00:00Z",
            "CustomFields": [{"name": "Building", "values": ["B2"]}, {"name": "Tags", "values": ["a", "b"]}]
        });
        let maps = Maps::new(&RtMapping {
            priority: [("high".to_owned(), 80)].into(),
            ..Default::default()
        });
        let t = ticket_from_rt(&rt, Some("General".into()), Vec::new(), &maps);
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
    }

    #[test]
    fn comments_are_internal_and_correspondence_is_not() {
        let part = json!({"Subject": "s", "Content": "hello", "ContentType": "text/plain"});
        let comment = note_from_transaction(
            &json!({"id": "35", "Type": "Comment", "Creator": {"id": "root"}}),
            Some(&part),
        );
        assert!(comment.internal);
        assert_eq!(comment.author.as_deref(), Some("root"));
        let reply = note_from_transaction(&json!({"id": 36, "Type": "Correspond"}), Some(&part));
        assert!(!reply.internal);
        assert_eq!(reply.id.as_deref(), Some("36"));
        assert_eq!(reply.body.as_deref(), Some("hello"));
    }
}
