//! Dynamic fields of a TicketGet reply. The process-management fields every OTOBO ticket
//! carries (usually null, never shown as custom fields) are read without being built.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::value::{BoundedValue, bounded};
use super::{MAX_DYNAMIC_FIELDS, OneOrMany};

/// The dynamic fields every OTOBO ticket carries: skipped when read, never custom fields.
const HIDDEN_DYNAMIC_FIELDS: [&str; 2] =
    ["ProcessManagementActivityID", "ProcessManagementProcessID"];

/// A dynamic field as TicketGet returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct DynamicField {
    /// The field's name.
    pub name: String,
    /// Its value: string, list, list of lists, or null when unset.
    #[serde(default, deserialize_with = "bounded")]
    pub value: Value,
}

/// Reads a ticket's `DynamicField` list without its hidden fields (for `deserialize_with`).
pub(crate) fn shown_fields<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<OneOrMany<DynamicField, MAX_DYNAMIC_FIELDS>, D::Error> {
    let listed = OneOrMany::<Shown, MAX_DYNAMIC_FIELDS>::deserialize(d)?;
    // Collected in place: the list's buffer is kept, not copied.
    Ok(OneOrMany(
        listed.0.into_iter().filter_map(|s| s.0).collect(),
    ))
}

/// One item of the list: the field, or `None` for a hidden one.
struct Shown(Option<DynamicField>);

/// The keys of a dynamic field.
const KEYS: &[&str] = &["Name", "Value"];

impl<'de> Deserialize<'de> for Shown {
    /// As [`DynamicField`] reads itself (its keys, each at most once; others skipped), but a
    /// hidden field's name is compared where it lies and its value skipped.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("DynamicField", KEYS, ShownVisitor)
    }
}

struct ShownVisitor;

impl<'de> Visitor<'de> for ShownVisitor {
    type Value = Shown;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct DynamicField")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shown, A::Error> {
        let (mut name, mut value): (Option<Name>, Option<Value>) = (None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Name if name.is_some() => return Err(de::Error::duplicate_field("Name")),
                Key::Value if value.is_some() => return Err(de::Error::duplicate_field("Value")),
                Key::Name => name = Some(map.next_value()?),
                Key::Value => {
                    let hidden = matches!(name, Some(Name::Hidden));
                    value = Some(if hidden {
                        map.next_value::<IgnoredAny>()?;
                        Value::Null
                    } else {
                        map.next_value::<BoundedValue>()?.0
                    });
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shown(
            match name.ok_or_else(|| de::Error::missing_field("Name"))? {
                Name::Hidden => None,
                Name::Shown(name) => Some(DynamicField {
                    name,
                    value: value.unwrap_or_default(),
                }),
            },
        ))
    }
}

/// A key of a dynamic field.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum Key {
    Name,
    Value,
    #[serde(other)]
    Other,
}

/// A field's name: built only when the field is shown.
enum Name {
    Hidden,
    Shown(String),
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl Visitor<'_> for NameVisitor {
            type Value = Name;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name, E> {
                Ok(if HIDDEN_DYNAMIC_FIELDS.contains(&name) {
                    Name::Hidden
                } else {
                    Name::Shown(name.to_owned())
                })
            }

            fn visit_string<E: de::Error>(self, name: String) -> Result<Name, E> {
                Ok(if HIDDEN_DYNAMIC_FIELDS.contains(&name.as_str()) {
                    Name::Hidden
                } else {
                    Name::Shown(name)
                })
            }
        }

        d.deserialize_string(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::super::TicketGetReply;
    use serde_json::json;

    fn fields(reply: serde_json::Value) -> Result<Vec<(String, serde_json::Value)>, String> {
        let reply: TicketGetReply = serde_json::from_value(reply).map_err(|e| e.to_string())?;
        Ok(reply
            .tickets
            .0
            .into_iter()
            .flat_map(|t| t.dynamic_field.0)
            .map(|f| (f.name, f.value))
            .collect())
    }

    #[test]
    fn hidden_fields_are_skipped_and_the_others_read_as_before() {
        let read = fields(json!({"Ticket": {"DynamicField": [
            {"Name": "ProcessManagementActivityID", "Value": null},
            {"Name": "Team", "Value": ["a", "b"], "Label": "ignored"},
            {"Value": {"deep": [1]}, "Name": "ProcessManagementProcessID"},
            {"Name": "Empty"},
        ]}}));
        assert_eq!(
            read,
            Ok(vec![
                ("Team".into(), json!(["a", "b"])),
                ("Empty".into(), json!(null))
            ])
        );
        let one = fields(json!({"Ticket": {"DynamicField": {"Name": "Solo", "Value": "x"}}}));
        assert_eq!(one, Ok(vec![("Solo".into(), json!("x"))]));
    }

    #[test]
    fn a_field_without_a_name_or_with_a_key_twice_is_refused() {
        let missing = fields(json!({"Ticket": {"DynamicField": [{"Value": "x"}]}}));
        assert!(
            missing
                .as_ref()
                .is_err_and(|e| e.contains("missing field `Name`")),
            "{missing:?}"
        );
        let twice = serde_json::from_str::<TicketGetReply>(
            r#"{"Ticket": {"DynamicField": [{"Name": "A", "Name": "B"}]}}"#,
        );
        assert!(twice.is_err());
        let number = fields(json!({"Ticket": {"DynamicField": [{"Name": 5}]}}));
        assert!(number.is_err(), "{number:?}");
    }

    #[test]
    fn hidden_fields_cost_no_allocation_of_their_own() -> serde_json::Result<()> {
        let hidden = r#"{"Ticket": {"DynamicField": [
            {"Name": "ProcessManagementActivityID", "Value": null},
            {"Name": "ProcessManagementProcessID", "Value": null}]}}"#;
        let mut reply = None;
        let info = allocation_counter::measure(|| {
            reply = Some(serde_json::from_str::<TicketGetReply>(hidden));
        });
        let reply = reply.transpose()?;
        assert_eq!(reply.map(|r| r.tickets.0[0].dynamic_field.0.len()), Some(0));
        // The ticket list and the field list, nothing per field.
        assert_eq!(info.count_total, 2, "{info:?}");
        Ok(())
    }
}
