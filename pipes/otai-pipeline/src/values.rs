//! Pipe results as template values.
//!
//! Later pipes read results through templates (`{{ pipes.fetch.tickets }}`), so the engine keeps
//! every result as a [`minijinja::Value`]. Tickets stay typed: a ticket value wraps the
//! [`UnifiedTicket`] and converts a field only when a template reads it. A list of ten thousand
//! tickets therefore costs what the tickets cost, not a second tree of maps, and handing it to
//! `foreach` copies nothing. Serialised (for reports or a native param), a ticket value gives
//! exactly the JSON of the ticket.
//!
//! A template reads a ticket's fields by name ([`TICKET_FIELDS`]); a field the ticket lacks
//! reads as `none` (an empty list for `notes`, an empty map for `custom_fields`), and a name
//! that is no field is undefined, which fails the render with a suggestion
//! ([`unknown_field_hint`]).

use std::sync::Arc;

use minijinja::Value as Jinja;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use serde::Serialize;

use otai_core::UnifiedTicket;

/// A ticket as a template value, shared without copying.
///
/// ```
/// use otai_core::UnifiedTicket;
/// use otai_pipeline::ticket_value;
///
/// let value = ticket_value(UnifiedTicket::new().id("7").subject("Printer on fire"));
/// assert_eq!(value.get_attr("subject").unwrap().as_str(), Some("Printer on fire"));
/// assert_eq!(serde_json::to_value(&value).unwrap(), serde_json::json!({"id": "7", "subject": "Printer on fire"}));
/// ```
pub fn ticket_value(ticket: UnifiedTicket) -> Jinja {
    Jinja::from_object(TicketObject(ticket))
}

/// A list of tickets as a template value: a sequence whose items are ticket values. The list
/// is moved, not copied; an item is a reference into it, made when a template reads it.
pub fn tickets_value(tickets: Vec<UnifiedTicket>) -> Jinja {
    Jinja::from_object(TicketList(tickets))
}

/// Any serialisable value (JSON, a pipe's result struct) as a template value, converted once
/// without an intermediate JSON tree.
pub fn template_value<T: Serialize + ?Sized>(value: &T) -> Jinja {
    Jinja::from(minijinja::value::Serde(value))
}

/// An optional ticket: `none` when absent.
pub fn optional_ticket_value(ticket: Option<UnifiedTicket>) -> Jinja {
    ticket.map(ticket_value).unwrap_or(Jinja::from(()))
}

#[derive(Debug)]
struct TicketObject(UnifiedTicket);

#[derive(Debug)]
struct TicketList(Vec<UnifiedTicket>);

/// Ticket `index` of a shared list.
#[derive(Debug)]
struct TicketAt {
    list: Arc<TicketList>,
    index: usize,
}

/// The fields a template can read on a ticket, in the order its JSON has them.
pub const TICKET_FIELDS: [&str; 14] = [
    "id",
    "number",
    "subject",
    "body",
    "queue",
    "priority",
    "state",
    "type",
    "owner",
    "customer",
    "created",
    "updated",
    "notes",
    "custom_fields",
];

fn optional<T: Serialize>(value: Option<&T>) -> Option<Jinja> {
    value.map(template_value)
}

/// Field `name` of ticket `t` as a template value, as its JSON has it (absent → `None`).
fn field(t: &UnifiedTicket, name: &str) -> Option<Jinja> {
    match name {
        "id" => t.id.as_deref().map(Jinja::from),
        "number" => t.number.as_deref().map(Jinja::from),
        "subject" => t.subject.as_deref().map(Jinja::from),
        "body" => t.body.as_deref().map(Jinja::from),
        "queue" => optional(t.queue.as_ref()),
        "priority" => optional(t.priority.as_ref()),
        "state" => optional(t.state.as_ref()),
        "type" => optional(t.ticket_type.as_ref()),
        "owner" => optional(t.owner.as_ref()),
        "customer" => optional(t.customer.as_ref()),
        "created" => optional(t.created.as_ref()),
        "updated" => optional(t.updated.as_ref()),
        "notes" => (!t.notes.is_empty()).then(|| template_value(&t.notes)),
        "custom_fields" => (!t.custom_fields.is_empty()).then(|| template_value(&t.custom_fields)),
        _ => None,
    }
}

/// Field `name` of ticket `t` as a template reads it: absent known fields are `none` (empty
/// for `notes` and `custom_fields`), unknown names undefined.
fn read(t: &UnifiedTicket, name: &str) -> Option<Jinja> {
    if let Some(value) = field(t, name) {
        return Some(value);
    }
    match name {
        "notes" => Some(Jinja::from(Vec::<Jinja>::new())),
        "custom_fields" => Some(Jinja::from_pairs(Vec::<(&str, Jinja)>::new())),
        _ if TICKET_FIELDS.contains(&name) => Some(Jinja::from(())),
        _ => None,
    }
}

/// Whether `value` is a ticket (not any map).
fn is_ticket(value: &Jinja) -> bool {
    value.downcast_object_ref::<TicketObject>().is_some()
        || value.downcast_object_ref::<TicketAt>().is_some()
}

/// When `source` reads `item.<name>` and the current `item` of `scope` is a ticket without
/// such a field: why, with the closest field names (`tickets have no field `bdy`; did you
/// mean `body`?`).
pub(crate) fn unknown_field_hint(source: &str, scope: &Jinja) -> Option<String> {
    let item = scope.get_attr("item").ok()?;
    if !is_ticket(&item) {
        return None;
    }
    let mut rest = source;
    while let Some(at) = rest.find("item.") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "item.".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() || TICKET_FIELDS.contains(&name) {
            continue;
        }
        let close = otai_core::registry::closest_names(name, TICKET_FIELDS.iter().copied());
        let suggestion = match close.first() {
            None => format!("the fields are {}", TICKET_FIELDS.join(", ")),
            Some(closest) => format!("did you mean `{closest}`?"),
        };
        let shown = otai_core::error::shorten(name, 40);
        return Some(format!("tickets have no field `{shown}`; {suggestion}"));
    }
    None
}

/// The names of the fields `t` has.
fn present_fields(t: &UnifiedTicket) -> Enumerator {
    let present = TICKET_FIELDS
        .iter()
        .filter(|name| field(t, name).is_some())
        .map(|name| Jinja::from(*name))
        .collect();
    Enumerator::Values(present)
}

impl Object for TicketObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        read(&self.0, key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Jinja> {
        read(&self.0, key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        present_fields(&self.0)
    }
}

impl TicketAt {
    fn ticket(&self) -> Option<&UnifiedTicket> {
        self.list.0.get(self.index)
    }
}

impl Object for TicketAt {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        read(self.ticket()?, key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Jinja> {
        read(self.ticket()?, key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.ticket().map_or(Enumerator::Empty, present_fields)
    }
}

impl Object for TicketList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        let index = key.as_usize()?;
        (index < self.0.len()).then(|| {
            Jinja::from_object(TicketAt {
                list: Arc::clone(self),
                index,
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otai_core::model::parse_timestamp;
    use otai_core::{UnifiedEntity, UnifiedNote};
    use serde_json::json;

    fn full() -> UnifiedTicket {
        let created = parse_timestamp("2026-11-23T08:00:00Z");
        let updated = parse_timestamp("2026-11-23 09:30:00");
        let mut ticket = UnifiedTicket::new()
            .id("42")
            .number("2026112310000042")
            .subject("VPN down")
            .body("It says: password rejected")
            .queue(UnifiedEntity::new("3", "Raw"))
            .priority(UnifiedEntity::by_name("3 normal"))
            .state(UnifiedEntity::by_id("1"))
            .ticket_type(UnifiedEntity::by_name("Incident"))
            .owner(UnifiedEntity::by_name("root@localhost"))
            .customer(UnifiedEntity::by_name("alice@example.com"))
            .note(UnifiedNote::new("first", "hello").author("alice"))
            .custom_field("Team", json!(["ops", "net"]));
        ticket.created = created;
        ticket.updated = updated;
        assert!(ticket.created.is_some() && ticket.updated.is_some());
        ticket
    }

    #[test]
    fn serialises_exactly_like_the_ticket() -> serde_json::Result<()> {
        for ticket in [full(), UnifiedTicket::new(), UnifiedTicket::new().id("1")] {
            let expected = serde_json::to_value(&ticket)?;
            assert_eq!(serde_json::to_value(ticket_value(ticket))?, expected);
        }
        Ok(())
    }

    #[test]
    fn templates_read_fields_absent_ones_as_none_and_unknown_ones_are_undefined()
    -> std::result::Result<(), minijinja::Error> {
        let env = minijinja::Environment::new();
        let ctx = minijinja::context! { t => ticket_value(full()), e => ticket_value(UnifiedTicket::new()) };
        let out = env.render_str(
            "{{ t.subject }}|{{ t.queue.name }}|{{ t.notes[0].body }}|{{ t.custom_fields.Team | join(',') }}|{{ t.type.name }}|{{ e.subject is none }}|{{ e.notes | length }}|{{ e.custom_fields | length }}|{{ e.bdy is defined }}|{{ e | length }}",
            ctx,
        )?;
        assert_eq!(out, "VPN down|Raw|hello|ops,net|Incident|True|0|0|False|0");
        Ok(())
    }

    #[test]
    fn unknown_item_fields_get_a_suggestion_only_when_the_item_is_a_ticket() {
        let ticket = minijinja::context! { item => ticket_value(full()) };
        assert_eq!(
            unknown_field_hint("x {{ item.bdy | upper }}", &ticket).as_deref(),
            Some("tickets have no field `bdy`; did you mean `body`?")
        );
        let far = unknown_field_hint("{{ item.zzzzzzzzzz }}", &ticket).unwrap_or_default();
        assert!(
            far.starts_with("tickets have no field `zzzzzzzzzz`; the fields are id, number"),
            "{far}"
        );
        assert_eq!(
            unknown_field_hint("{{ item.body }} {{ myitem.x }}", &ticket),
            None
        );
        let map = minijinja::context! { item => minijinja::context! { bdy => 1 } };
        assert_eq!(unknown_field_hint("{{ item.bdyy }}", &map), None);
    }

    #[test]
    fn lists_of_tickets_are_sequences() -> serde_json::Result<()> {
        let value = tickets_value(vec![
            UnifiedTicket::new().id("1"),
            UnifiedTicket::new().id("2"),
        ]);
        assert_eq!(value.len(), Some(2));
        assert_eq!(
            serde_json::to_value(&value)?,
            json!([{"id": "1"}, {"id": "2"}])
        );
        assert!(optional_ticket_value(None).is_none());
        let env = minijinja::Environment::new();
        let out = env
            .render_str(
                "{{ t | length }}:{% for x in t %}{{ x.id }}{{ x.subject or '-' }},{% endfor %}{{ t[1].id }}{{ t[5] is defined }}",
                minijinja::context! { t => value },
            )
            .map_err(serde::ser::Error::custom)?;
        assert_eq!(out, "2:1-,2-,2False");
        Ok(())
    }
}
