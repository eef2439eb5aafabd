//! TicketHistoryGet entries in the unified model.
//!
//! An entry's `Name` is OTOBO's history text: `%%`-separated values whose meaning depends on the
//! `HistoryType` (`Move`: `%%NewQueue%%NewQueueID%%OldQueue%%OldQueueID`). The types decoded
//! here become field changes; any other keeps its text as the entry's `note`.

use otai_core::UnifiedHistoryEntry;
use otai_core::model::parse_timestamp;
use serde_json::Value;

/// The most entries read of one ticket's history: the oldest ones.
pub(crate) const MAX_HISTORY: usize = 10_000;

/// The most characters kept of an entry's text.
const MAX_TEXT: usize = 500;

/// One TicketHistoryGet entry; `None` when it is not an object with a `HistoryType`.
pub(crate) fn entry_from_raw(raw: &Value) -> Option<UnifiedHistoryEntry> {
    let kind = text(raw.get("HistoryType")?)?;
    let mut entry = UnifiedHistoryEntry::new(bounded(&kind));
    entry.time = raw
        .get("CreateTime")
        .and_then(text)
        .and_then(|t| parse_timestamp(&t));
    entry.by = raw.get("CreateBy").and_then(text).map(|b| bounded(&b));
    let name = raw.get("Name").and_then(text).unwrap_or_default();
    let parts: Vec<&str> = name.trim_start_matches("%%").split("%%").collect();
    let part = |i: usize| parts.get(i).filter(|p| !p.is_empty()).map(|p| bounded(p));
    let change = match kind.as_str() {
        "Move" => Some(("queue".to_owned(), part(2), part(0))),
        "StateUpdate" => Some(("state".to_owned(), part(0), part(1))),
        "PriorityUpdate" => Some(("priority".to_owned(), part(0), part(2))),
        "TypeUpdate" => Some(("type".to_owned(), part(2), part(0))),
        "OwnerUpdate" => Some(("owner".to_owned(), None, part(0))),
        "TitleUpdate" => Some(("subject".to_owned(), part(0), part(1))),
        "CustomerUpdate" => Some(("customer".to_owned(), None, customer_user(&name))),
        "TicketDynamicFieldUpdate" if parts.first() == Some(&"FieldName") => {
            part(1).map(|field| (field, part(5), part(3)))
        }
        _ => None,
    };
    match change {
        Some((field, old, new)) => entry = entry.change(field, old, new),
        None => {
            let note = name.trim_start_matches("%%").replace("%%", " ");
            entry.note = Some(bounded(note.trim())).filter(|n| !n.is_empty());
        }
    }
    Some(entry)
}

/// `CustomerUser=` of a CustomerUpdate text (`%%CustomerID=co;CustomerUser=login;`).
fn customer_user(name: &str) -> Option<String> {
    name.trim_start_matches("%%")
        .split(';')
        .find_map(|pair| pair.strip_prefix("CustomerUser="))
        .filter(|user| !user.is_empty())
        .map(bounded)
}

/// A string or number as text.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// At most [`MAX_TEXT`] characters.
fn bounded(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_move_is_a_queue_change() -> Result<(), String> {
        let entry = entry_from_raw(&json!({
            "HistoryType": "Move", "Name": "%%Misc%%4%%Raw%%2",
            "CreateTime": "2026-11-23 03:47:22", "CreateBy": 4,
        }))
        .ok_or("no entry")?;
        assert_eq!(entry.field.as_deref(), Some("queue"));
        assert_eq!(entry.old.as_deref(), Some("Raw"));
        assert_eq!(entry.new.as_deref(), Some("Misc"));
        assert_eq!(entry.by.as_deref(), Some("4"));
        assert!(entry.time.is_some());
        Ok(())
    }

    #[test]
    fn other_kinds_keep_their_text_and_dynamic_fields_their_name() -> Result<(), String> {
        let note =
            entry_from_raw(&json!({"HistoryType": "AddNote", "Name": "%%GenericInterface Note"}))
                .ok_or("no entry")?;
        assert_eq!(note.note.as_deref(), Some("GenericInterface Note"));
        assert_eq!(note.field, None);
        let field = entry_from_raw(&json!({
            "HistoryType": "TicketDynamicFieldUpdate",
            "Name": "%%FieldName%%SDKText%%Value%%hello-df%%OldValue%%",
        }))
        .ok_or("no entry")?;
        assert_eq!(field.field.as_deref(), Some("SDKText"));
        assert_eq!(field.new.as_deref(), Some("hello-df"));
        assert_eq!(field.old, None);
        assert!(entry_from_raw(&json!(["not an entry"])).is_none());
        Ok(())
    }
}
