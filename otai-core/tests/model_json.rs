//! The JSON form of the unified model is a public contract: these tests pin it down.

use std::collections::BTreeMap;

use otai_core::model::parse_timestamp;
use otai_core::{TicketSearchCriteria, UnifiedEntity, UnifiedNote, UnifiedTicket};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn ts(text: &str) -> Result<otai_core::model::Timestamp, String> {
    parse_timestamp(text).ok_or_else(|| format!("bad timestamp {text}"))
}

fn printer_ticket() -> Result<UnifiedTicket, String> {
    Ok(UnifiedTicket::new()
        .id("71")
        .number("2026112310000708")
        .subject("Printer on fire in room 42")
        .body("The printer in room 42 is on fire.\nPlease help. äöü €")
        .queue(UnifiedEntity::new("2", "Raw"))
        .priority(UnifiedEntity::new("3", "3 normal"))
        .state(UnifiedEntity::new("1", "new"))
        .ticket_type(UnifiedEntity::new("1", "Unclassified"))
        .owner(UnifiedEntity::new("4", "sdkagent"))
        .customer(UnifiedEntity::by_name("sdkcustomer"))
        .created(ts("2026-11-23T03:47:16Z")?)
        .updated(ts("2026-11-23T03:47:16Z")?)
        .note(
            UnifiedNote::new("Printer on fire", "The printer in room 42 is on fire.")
                .id("94")
                .content_type("text/plain")
                .internal(false)
                .author("sdkcustomer@example.com")
                .created(ts("2026-11-23T03:47:16Z")?),
        )
        .custom_field("SDKText", "hello-df")
        .custom_field("SDKMulti", json!(["a", "b"])))
}

#[test]
fn ticket_serializes_with_the_documented_field_names() -> TestResult {
    let value = serde_json::to_value(printer_ticket()?)?;
    assert_eq!(
        value,
        json!({
            "id": "71",
            "number": "2026112310000708",
            "subject": "Printer on fire in room 42",
            "body": "The printer in room 42 is on fire.\nPlease help. äöü €",
            "queue": {"id": "2", "name": "Raw"},
            "priority": {"id": "3", "name": "3 normal"},
            "state": {"id": "1", "name": "new"},
            "type": {"id": "1", "name": "Unclassified"},
            "owner": {"id": "4", "name": "sdkagent"},
            "customer": {"name": "sdkcustomer"},
            "created": "2026-11-23T03:47:16Z",
            "updated": "2026-11-23T03:47:16Z",
            "notes": [{
                "id": "94",
                "subject": "Printer on fire",
                "body": "The printer in room 42 is on fire.",
                "content_type": "text/plain",
                "internal": false,
                "author": "sdkcustomer@example.com",
                "created": "2026-11-23T03:47:16Z"
            }],
            "custom_fields": {"SDKMulti": ["a", "b"], "SDKText": "hello-df"}
        })
    );
    Ok(())
}

#[test]
fn ticket_round_trips_through_json() -> TestResult {
    let ticket = printer_ticket()?;
    let text = serde_json::to_string(&ticket)?;
    let back: UnifiedTicket = serde_json::from_str(&text)?;
    assert_eq!(back, ticket);
    Ok(())
}

#[test]
fn absent_optionals_are_omitted() -> TestResult {
    let value = serde_json::to_value(UnifiedTicket::new().id("5"))?;
    assert_eq!(value, json!({"id": "5"}));
    let note = serde_json::to_value(UnifiedNote::default())?;
    assert_eq!(note, json!({"internal": true}));
    Ok(())
}

#[test]
fn ids_deserialize_from_strings_or_numbers() -> TestResult {
    let ticket: UnifiedTicket = serde_json::from_value(json!({
        "id": 71, "number": 2026112310000708_u64,
        "queue": {"id": 2, "name": "Raw"},
        "notes": [{"id": 94, "body": "x"}]
    }))?;
    assert_eq!(ticket.id.as_deref(), Some("71"));
    assert_eq!(ticket.number.as_deref(), Some("2026112310000708"));
    assert_eq!(ticket.queue, Some(UnifiedEntity::new("2", "Raw")));
    assert_eq!(ticket.notes[0].id.as_deref(), Some("94"));
    Ok(())
}

#[test]
fn notes_are_internal_unless_said_otherwise() -> TestResult {
    let note: UnifiedNote = serde_json::from_value(json!({"body": "hi"}))?;
    assert!(note.internal);
    let note: UnifiedNote = serde_json::from_value(json!({"body": "hi", "internal": false}))?;
    assert!(!note.internal);
    Ok(())
}

#[test]
fn timestamps_accept_rfc3339_and_helpdesk_forms() -> TestResult {
    let t: UnifiedTicket = serde_json::from_value(json!({
        "created": "2026-11-23 03:47:16", "updated": "2026-11-23T04:47:16+01:00"
    }))?;
    assert_eq!(t.created, t.updated);
    assert_eq!(
        serde_json::to_value(t.created)?,
        json!("2026-11-23T03:47:16Z")
    );
    Ok(())
}

#[test]
fn bad_timestamps_are_rejected_with_the_value() {
    let err = serde_json::from_value::<UnifiedTicket>(json!({"created": "23.11.2026"}))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("invalid timestamp `23.11.2026`"), "{err}");
}

#[test]
fn criteria_parse_from_open_ticket_ai_style_values() -> TestResult {
    let criteria: TicketSearchCriteria =
        serde_json::from_value(json!({"queue": {"id": "5"}, "limit": 20, "state": "open"}))?;
    assert_eq!(criteria.queue, Some(UnifiedEntity::by_id("5")));
    assert_eq!(criteria.state, Some(UnifiedEntity::by_name("open")));
    assert_eq!(criteria.limit, Some(20));
    Ok(())
}

#[test]
fn criteria_reject_unknown_keys() {
    let err = serde_json::from_value::<TicketSearchCriteria>(json!({"queeu": "Raw"}))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.starts_with("unknown field `queeu`"), "{err}");
}

#[test]
fn criteria_kwargs_round_trip() -> TestResult {
    let criteria = TicketSearchCriteria::new()
        .queue(UnifiedEntity::by_name("Raw"))
        .subject_contains("printer")
        .created_after(ts("2026-01-01")?)
        .custom_field("Building", "B2")
        .limit(10)
        .offset(20);
    let kwargs = criteria.to_kwargs();
    let keys: Vec<&str> = kwargs.keys().map(String::as_str).collect();
    for key in &keys {
        assert!(
            TicketSearchCriteria::KEYS.contains(key),
            "{key} is not a documented key"
        );
    }
    let back: TicketSearchCriteria = serde_json::from_value(Value::Object(kwargs))?;
    assert_eq!(back, criteria);
    Ok(())
}

#[test]
fn custom_fields_keep_any_json_value() -> TestResult {
    let mut fields = BTreeMap::new();
    fields.insert("Set".to_owned(), json!([["a", "b"], ["c"]]));
    fields.insert("Unset".to_owned(), Value::Null);
    let mut ticket = UnifiedTicket::new();
    ticket.custom_fields = fields.clone();
    let back: UnifiedTicket = serde_json::from_str(&serde_json::to_string(&ticket)?)?;
    assert_eq!(back.custom_fields, fields);
    Ok(())
}
