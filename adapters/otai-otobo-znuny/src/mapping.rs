//! Pure conversions between OTOBO's shapes and the unified model, through the mapping layer.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otai_core::model::DEFAULT_ATTACHMENT_TYPE;
use otai_core::{
    Error, Result, TicketSearchCriteria, UnifiedAttachment, UnifiedEntity, UnifiedNote,
    UnifiedTicket,
};
use serde_json::{Map, Value, json};

use otai_core::mapping::FieldValueMap;

use crate::config::MappingConfig;
use crate::payload::{Named, TicketBody};
use crate::wire::{Article, Attachment, Ticket};

/// The mapping layer: unified values ↔ this server's names, custom-field renames.
#[derive(Debug, Clone, Default)]
pub struct ValueMaps {
    priority: FieldValueMap,
    state: FieldValueMap,
    queue: FieldValueMap,
    ticket_type: FieldValueMap,
    custom_fields: FieldValueMap,
}

impl ValueMaps {
    /// Maps from the configuration; an ambiguous map or a bad pattern is an
    /// [`Error::Config`] naming the field and values.
    pub fn new(config: &MappingConfig) -> Result<Self> {
        let none = BTreeMap::new();
        Ok(Self {
            priority: FieldValueMap::new("params.mapping.priority", &config.priority, &none)?,
            state: FieldValueMap::new(
                "params.mapping.state",
                &config.state,
                &config.state_patterns,
            )?,
            queue: FieldValueMap::new("params.mapping.queue", &config.queue, &none)?,
            ticket_type: FieldValueMap::new("params.mapping.type", &config.ticket_type, &none)?,
            custom_fields: FieldValueMap::new(
                "params.mapping.custom_fields",
                &config.custom_fields,
                &none,
            )?,
        })
    }

    /// The native state name of a unified state name.
    pub fn state_to_native<'a>(&'a self, unified: &'a str) -> &'a str {
        self.state.to_native(unified)
    }
}

fn entity(
    id: Option<String>,
    name: Option<String>,
    map: Option<&FieldValueMap>,
) -> Option<UnifiedEntity> {
    let name = match map {
        Some(map) => name.map(|n| map.to_unified(n)),
        None => name,
    };
    UnifiedEntity::from_parts(id, name)
}

/// An article as a unified note (its texts moved, not copied).
pub fn article_to_note(article: Article) -> UnifiedNote {
    let mut note = UnifiedNote::default().internal(article.is_visible_for_customer == Some(false));
    note.id = article.article_id;
    note.subject = article.subject;
    note.body = article.body;
    note.content_type = article.mime_type.or_else(|| {
        article
            .content_type
            .as_deref()
            .map(|c| c.split(';').next().unwrap_or(c).trim().to_owned())
    });
    note.author = article.from;
    note.created = article.create_time;
    note.attachments = article.attachment.0.iter().map(attachment).collect();
    note
}

/// An article's attachment in the unified form. Content is there when the server sent it
/// (non-empty, valid base64); the size is `FilesizeRaw`, or the content's length without it.
pub fn attachment(wire: &Attachment) -> UnifiedAttachment {
    let content = wire
        .content
        .as_deref()
        .filter(|c| !c.is_empty())
        .and_then(|c| match STANDARD.decode(c.trim()) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                tracing::warn!("an attachment's content is not valid base64 ({e}): left out");
                None
            }
        });
    let size = wire
        .filesize_raw
        .or_else(|| content.as_ref().map(|c| c.len() as u64))
        .unwrap_or_default();
    let mut unified = UnifiedAttachment::described(
        wire.filename.clone().unwrap_or_else(|| "attachment".into()),
        wire.content_type
            .clone()
            .unwrap_or_else(|| DEFAULT_ATTACHMENT_TYPE.into()),
        size,
    );
    unified.content = content;
    unified
}

/// The `Attachment` list of TicketCreate/TicketUpdate for a note's attachments (spec §3.2);
/// OTOBO refuses an empty `Content`, so an empty file is refused here, naming it.
pub(crate) fn attachment_items(note: &UnifiedNote, prefix: &str) -> Result<Vec<Value>> {
    note.attachments
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let content = a.content.as_deref().unwrap_or_default();
            if content.is_empty() {
                return Err(Error::invalid_input(
                    format!("{prefix}attachments[{index}].content"),
                    "OTOBO refuses an empty attachment",
                ));
            }
            Ok(json!({
                "Content": STANDARD.encode(content),
                "ContentType": a.content_type,
                "Filename": a.name,
            }))
        })
        .collect()
}

/// A TicketGet ticket as a unified ticket, through `maps`.
pub fn ticket_to_unified(ticket: &Ticket, maps: &ValueMaps) -> UnifiedTicket {
    ticket_into_unified(ticket.clone(), maps)
}

/// [`ticket_to_unified`], taking the ticket (no copy of its text).
pub fn ticket_into_unified(t: Ticket, maps: &ValueMaps) -> UnifiedTicket {
    let mut unified = UnifiedTicket::new();
    unified.id = t.ticket_id;
    unified.number = t.ticket_number;
    unified.subject = t.title;
    unified.queue = entity(t.queue_id, t.queue, Some(&maps.queue));
    unified.state = entity(t.state_id, t.state, Some(&maps.state));
    unified.priority = entity(t.priority_id, t.priority, Some(&maps.priority));
    unified.ticket_type = entity(t.type_id, t.r#type, Some(&maps.ticket_type));
    unified.owner = entity(t.owner_id, t.owner, None);
    unified.customer = entity(None, t.customer_user_id, None);
    unified.created = t.created;
    unified.updated = t.changed;
    unified.notes = t.article.0.into_iter().map(article_to_note).collect();
    unified.body = unified.notes.first().and_then(|n| n.body.clone());
    // The process-management fields every ticket carries were skipped when read.
    for field in t.dynamic_field.0 {
        unified
            .custom_fields
            .insert(maps.custom_fields.to_unified(field.name), field.value);
    }
    unified
}

/// `entity` as a `Ticket` key names it: by name (mapped through `map`) or by ID.
fn named<'a>(entity: &'a UnifiedEntity, map: Option<&'a FieldValueMap>) -> Option<Named<'a>> {
    if let Some(name) = &entity.name {
        Some(Named::Name(
            map.map_or(name.as_str(), |m| m.to_native(name)),
        ))
    } else {
        entity.id.as_deref().map(Named::Id)
    }
}

/// The `Ticket` object of TicketCreate/TicketUpdate for the fields set in `ticket`, borrowing
/// its texts (and the mapped names from `maps`).
pub(crate) fn ticket_fields<'a>(ticket: &'a UnifiedTicket, maps: &'a ValueMaps) -> TicketBody<'a> {
    let entity = |value: &'a Option<UnifiedEntity>, map: Option<&'a FieldValueMap>| {
        value.as_ref().and_then(|value| named(value, map))
    };
    TicketBody {
        title: ticket.subject.as_deref(),
        queue: entity(&ticket.queue, Some(&maps.queue)),
        state: entity(&ticket.state, Some(&maps.state)),
        priority: entity(&ticket.priority, Some(&maps.priority)),
        ticket_type: entity(&ticket.ticket_type, Some(&maps.ticket_type)),
        owner: entity(&ticket.owner, None),
        customer_user: ticket.customer.as_ref().and_then(UnifiedEntity::label),
        extra: Map::new(),
    }
}

/// The `DynamicField` list for unified custom fields. Values are strings or lists of strings;
/// `null` clears a field.
pub(crate) fn dynamic_fields(
    fields: &BTreeMap<String, Value>,
    maps: &ValueMaps,
) -> Result<Vec<Value>> {
    fields
        .iter()
        .map(|(name, value)| {
            let native = maps.custom_fields.to_native(name);
            Ok(json!({"Name": native, "Value": field_value(name, value)?}))
        })
        .collect()
}

fn field_value(name: &str, value: &Value) -> Result<Value> {
    Ok(match value {
        Value::Null => Value::String(String::new()),
        Value::String(_) => value.clone(),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(if *b { "1" } else { "0" }.into()),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| field_value(name, item))
                .collect::<Result<_>>()?,
        ),
        Value::Object(_) => {
            return Err(Error::invalid_input(
                format!("custom_fields.{name}"),
                "a dynamic field value is a string or a list, not a map",
            ));
        }
    })
}

/// TicketSearch parameters for unified criteria, at most `limit` tickets after `offset`:
/// `Limit` covers `offset + limit`; the caller slices. Nested parameters (custom-field filters)
/// need a route that is not GET.
pub(crate) fn search_payload(
    criteria: &TicketSearchCriteria,
    maps: &ValueMaps,
    limit: usize,
) -> Result<Map<String, Value>> {
    let mut p = Map::new();
    let lists = [
        ("Queues", "QueueIDs", &criteria.queue, Some(&maps.queue)),
        ("States", "StateIDs", &criteria.state, Some(&maps.state)),
        (
            "Priorities",
            "PriorityIDs",
            &criteria.priority,
            Some(&maps.priority),
        ),
        (
            "Types",
            "TypeIDs",
            &criteria.ticket_type,
            Some(&maps.ticket_type),
        ),
    ];
    for (by_name, by_id, filter, map) in lists {
        let Some(filter) = filter else { continue };
        if let Some(name) = &filter.name {
            let native = map.map_or(name.as_str(), |m| m.to_native(name));
            p.insert(by_name.into(), json!([native]));
        } else if let Some(id) = &filter.id {
            p.insert(by_id.into(), json!([id]));
        }
    }
    if let Some(owner) = &criteria.owner {
        let id = owner.id.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "owner",
                "OTOBO searches owners by ID only: give `owner: {id: ...}`",
            )
        })?;
        p.insert("OwnerIDs".into(), json!([id]));
    }
    if let Some(customer) = criteria.customer.as_ref().and_then(UnifiedEntity::label) {
        p.insert("CustomerUserLogin".into(), customer.into());
    }
    if let Some(text) = &criteria.subject_contains {
        p.insert("Title".into(), format!("*{text}*").into());
    }
    if let Some(text) = &criteria.text_contains {
        p.insert("Fulltext".into(), text.clone().into());
    }
    let times = [
        ("TicketCreateTimeNewerDate", &criteria.created_after),
        ("TicketCreateTimeOlderDate", &criteria.created_before),
        ("TicketLastChangeTimeNewerDate", &criteria.updated_after),
        ("TicketLastChangeTimeOlderDate", &criteria.updated_before),
    ];
    for (key, at) in times {
        if let Some(at) = at {
            p.insert(
                key.into(),
                at.format("%Y-%m-%d %H:%M:%S").to_string().into(),
            );
        }
    }
    if !criteria.custom_fields.is_empty() {
        let filters: Vec<Value> = criteria
            .custom_fields
            .iter()
            .map(|(name, value)| Ok(json!({"Name": maps.custom_fields.to_native(name), "Equals": field_value(name, value)?})))
            .collect::<Result<_>>()?;
        p.insert("DynamicField".into(), Value::Array(filters));
    }
    p.insert(
        "Limit".into(),
        limit.saturating_add(criteria.offset.unwrap_or(0)).into(),
    );
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use otai_core::model::parse_timestamp;

    fn maps() -> Result<ValueMaps> {
        let mut config = MappingConfig::default();
        config.priority.insert("high".into(), "4 high".into());
        config
            .custom_fields
            .insert("building".into(), "SDKText".into());
        ValueMaps::new(&config)
    }

    #[test]
    fn converts_a_recorded_ticket() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let fixture: Value =
            serde_json::from_str(include_str!("../tests/fixtures/rest/ticket-get-full.json"))?;
        let reply: crate::wire::TicketGetReply =
            serde_json::from_value(fixture["response"]["body"].clone())?;
        let t = ticket_to_unified(&reply.tickets.0[0], &maps()?);
        assert_eq!(t.id.as_deref(), Some("71"));
        assert_eq!(t.number.as_deref(), Some("2026112310000708"));
        assert_eq!(t.queue, Some(UnifiedEntity::new("2", "Raw")));
        assert_eq!(t.owner, Some(UnifiedEntity::new("4", "sdkagent")));
        assert_eq!(t.customer, Some(UnifiedEntity::by_name("sdkcustomer")));
        assert_eq!(
            t.created.map(|c| c.to_rfc3339()),
            Some("2026-11-23T03:47:16+00:00".into())
        );
        assert_eq!(
            t.custom_fields.get("building"),
            Some(&json!("hello-df")),
            "renamed back"
        );
        assert!(!t.custom_fields.contains_key("ProcessManagementProcessID"));
        assert_eq!(t.custom_fields.get("SDKDropdown"), Some(&Value::Null));
        assert_eq!(t.notes.len(), 1);
        assert!(!t.notes[0].internal);
        assert_eq!(t.notes[0].content_type.as_deref(), Some("text/plain"));
        assert_eq!(
            t.body.as_deref(),
            Some("The printer in room 42 is on fire.\nPlease help. äöü €")
        );
        Ok(())
    }

    #[test]
    fn reads_the_recorded_attachment() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let fixture: Value =
            serde_json::from_str(include_str!("../tests/fixtures/rest/ticket-get-full.json"))?;
        let reply: crate::wire::TicketGetReply =
            serde_json::from_value(fixture["response"]["body"].clone())?;
        let t = ticket_to_unified(&reply.tickets.0[0], &maps()?);
        let a = &t.notes[0].attachments[0];
        assert_eq!(
            (a.name.as_str(), a.content_type.as_str(), a.size),
            ("hello.txt", "text/plain", 17)
        );
        assert_eq!(a.content.as_deref(), Some(&b"hello attachment\n"[..]));
        Ok(())
    }

    fn article_with(attachment: Value) -> std::result::Result<UnifiedNote, String> {
        serde_json::from_value::<crate::wire::TicketGetReply>(
            json!({"Ticket": [{"TicketID": 1, "Article": [{"ArticleID": 2, "Attachment": attachment}]}]}),
        )
        .map(|reply| article_to_note(reply.tickets.0[0].article.0[0].clone()))
        .map_err(|e| e.to_string())
    }

    #[test]
    fn hostile_attachment_lists_are_refused_or_bounded() {
        // One map stands for a list of one (as SOAP sends it); an empty content is no content.
        let one = article_with(json!({"Filename": "a", "FilesizeRaw": 3, "Content": ""}));
        assert_eq!(
            one.map(|n| (
                n.attachments.len(),
                n.attachments[0].size,
                n.attachments[0].content.is_none()
            )),
            Ok((1, 3, true))
        );
        let text = article_with(json!("not a list")).err().unwrap_or_default();
        assert!(text.contains("invalid type"), "{text}");
        let size = article_with(json!([{"Filename": "a", "FilesizeRaw": "huge"}]))
            .err()
            .unwrap_or_default();
        assert!(
            size.contains("FilesizeRaw: expected a size in bytes, got `huge`"),
            "{size}"
        );
        let many = vec![json!({"Filename": "a"}); crate::wire::MAX_ATTACHMENTS + 1];
        let many = article_with(Value::Array(many)).err().unwrap_or_default();
        assert!(many.contains("more than 100 items"), "{many}");
        // Content that is not base64 is left out, the attachment still listed.
        let bad = article_with(json!([{"Filename": "a", "Content": "!!", "FilesizeRaw": "2"}]));
        assert_eq!(
            bad.map(|n| (n.attachments[0].size, n.attachments[0].content.is_none())),
            Ok((2, true))
        );
    }

    #[test]
    fn an_empty_file_is_refused_before_otobo_sees_it() {
        let note = UnifiedNote::new("s", "b").attachment(UnifiedAttachment::new(
            "a.txt",
            "text/plain",
            Vec::new(),
        ));
        let err = attachment_items(&note, "note.").err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "note.attachments[0].content"),
            "{err:?}"
        );
    }

    #[test]
    fn maps_values_on_the_way_out_and_back() -> Result<()> {
        let ticket = UnifiedTicket::new()
            .subject("s")
            .priority(UnifiedEntity::by_name("HIGH"))
            .queue(UnifiedEntity::by_id("5"))
            .custom_field("building", 42);
        let m = maps()?;
        let fields = ticket_fields(&ticket, &m);
        assert_eq!(
            fields.to_value(),
            json!({"Title": "s", "Priority": "4 high", "QueueID": "5"})
        );
        assert_eq!(
            serde_json::to_value(&fields).map_err(|e| Error::invalid_input("x", e.to_string()))?,
            fields.to_value()
        );
        assert_eq!(
            dynamic_fields(&ticket.custom_fields, &m)?,
            vec![json!({"Name": "SDKText", "Value": "42"})]
        );
        Ok(())
    }

    #[test]
    fn state_patterns_read_several_states_as_one_and_write_one() -> Result<()> {
        let config: MappingConfig = serde_json::from_value(json!({
            "state": {"closed": "closed successful"},
            "state_patterns": {"closed\\ .*": "closed"},
        }))
        .map_err(|e| Error::config("mapping", e.to_string()))?;
        let m = ValueMaps::new(&config)?;
        let reply: crate::wire::TicketGetReply = serde_json::from_value(json!({"Ticket": [
            {"TicketID": 1, "State": "closed unsuccessful", "StateID": 3}
        ]}))
        .map_err(|e| Error::config("fixture", e.to_string()))?;
        let t = ticket_to_unified(&reply.tickets.0[0], &m);
        assert_eq!(t.state, Some(UnifiedEntity::new("3", "closed")));
        assert_eq!(m.state_to_native("Closed"), "closed successful");
        Ok(())
    }

    #[test]
    fn an_ambiguous_map_is_refused_with_the_field_and_values() {
        let mut config = MappingConfig::default();
        config.priority.insert("high".into(), "4 high".into());
        config.priority.insert("urgent".into(), "4 high".into());
        let err = ValueMaps::new(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("mapping.priority"), "{err}");
        assert!(
            err.contains("`high` and `urgent` both map to `4 high`"),
            "{err}"
        );
    }

    #[test]
    fn translates_every_criterion() -> Result<()> {
        let at =
            parse_timestamp("2026-01-02 03:04:05").ok_or_else(|| Error::invalid_input("t", "t"))?;
        let c = TicketSearchCriteria::new()
            .queue(UnifiedEntity::by_name("Raw"))
            .state(UnifiedEntity::by_id("4"))
            .priority(UnifiedEntity::by_name("high"))
            .owner(UnifiedEntity::by_id("7"))
            .customer(UnifiedEntity::by_name("alice"))
            .subject_contains("printer")
            .text_contains("tray")
            .created_after(at)
            .updated_before(at)
            .limit(10)
            .offset(5);
        assert_eq!(
            Value::Object(search_payload(&c, &maps()?, 10)?),
            json!({
                "Queues": ["Raw"], "StateIDs": ["4"], "Priorities": ["4 high"], "OwnerIDs": ["7"],
                "CustomerUserLogin": "alice", "Title": "*printer*", "Fulltext": "tray",
                "TicketCreateTimeNewerDate": "2026-01-02 03:04:05",
                "TicketLastChangeTimeOlderDate": "2026-01-02 03:04:05", "Limit": 15
            })
        );
        let err = search_payload(
            &TicketSearchCriteria::new().owner(UnifiedEntity::by_name("bob")),
            &maps()?,
            10,
        )
        .err();
        assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "owner"));
        Ok(())
    }
}
