//! A named thing a ticket points at: queue, state, priority, type, owner, customer.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::lenient_id::LenientId;

/// A reference to a queue, state, priority, type, user or customer, by ID, by name or both.
///
/// Deserializes from a map (`{id: '5'}`, `{name: 'Raw'}`, IDs as string or number), from a plain
/// string (taken as the name: `queue: Raw`) or from a plain number (taken as the ID).
///
/// ```
/// use otai_core::UnifiedEntity;
/// let q: UnifiedEntity = serde_json::from_str(r#"{"id": 5}"#).unwrap();
/// assert_eq!(q, UnifiedEntity::by_id("5"));
/// let q: UnifiedEntity = serde_json::from_str(r#""Raw""#).unwrap();
/// assert_eq!(q, UnifiedEntity::by_name("Raw"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct UnifiedEntity {
    /// The helpdesk's identifier, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The human-readable name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl UnifiedEntity {
    /// An entity known by both ID and name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            name: Some(name.into()),
        }
    }

    /// An entity known by its ID only.
    pub fn by_id(id: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            name: None,
        }
    }

    /// An entity known by its name only.
    pub fn by_name(name: impl Into<String>) -> Self {
        Self {
            id: None,
            name: Some(name.into()),
        }
    }

    /// Builds an entity from optional parts; `None` when both are missing or empty.
    pub fn from_parts(id: Option<String>, name: Option<String>) -> Option<Self> {
        let id = id.filter(|s| !s.is_empty());
        let name = name.filter(|s| !s.is_empty());
        (id.is_some() || name.is_some()).then_some(Self { id, name })
    }

    /// True when neither ID nor name is set.
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.name.is_none()
    }

    /// Whether `other` (a filter) matches this entity: every part the filter sets must be equal;
    /// names compare case-insensitively.
    pub fn matches(&self, filter: &UnifiedEntity) -> bool {
        let id_ok = filter
            .id
            .as_ref()
            .is_none_or(|f| self.id.as_ref() == Some(f));
        let name_ok = filter.name.as_ref().is_none_or(|f| {
            self.name
                .as_ref()
                .is_some_and(|n| n.to_lowercase() == f.to_lowercase())
        });
        id_ok && name_ok && !filter.is_empty()
    }

    /// The name when known, else the ID: what to show a person.
    pub fn label(&self) -> Option<&str> {
        self.name.as_deref().or(self.id.as_deref())
    }
}

impl fmt::Display for UnifiedEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.id, &self.name) {
            (Some(id), Some(name)) => write!(f, "{name} (#{id})"),
            (None, Some(name)) => f.write_str(name),
            (Some(id), None) => write!(f, "#{id}"),
            (None, None) => f.write_str("-"),
        }
    }
}

impl<'de> Deserialize<'de> for UnifiedEntity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EntityVisitor)
    }
}

/// Accepts the three spellings of an entity described on [`UnifiedEntity`].
struct EntityVisitor;

impl<'de> Visitor<'de> for EntityVisitor {
    type Value = UnifiedEntity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name, an ID, or a map with `id` and/or `name`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(UnifiedEntity::by_name(v))
    }

    /// An owned name is kept, not copied.
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(UnifiedEntity::by_name(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(UnifiedEntity::by_id(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(UnifiedEntity::by_id(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entity = UnifiedEntity::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "id" => {
                    let id: Option<LenientId> = map.next_value()?;
                    entity.id = id.map(LenientId::into_string).filter(|s| !s.is_empty());
                }
                "name" => {
                    let name: Option<String> = map.next_value()?;
                    entity.name = name.filter(|s| !s.is_empty());
                }
                other => return Err(de::Error::unknown_field(other, &["id", "name"])),
            }
        }
        Ok(entity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<UnifiedEntity, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn an_owned_name_is_moved_not_copied() -> Result<(), serde_json::Error> {
        let name = String::from("Misc");
        let at = name.as_ptr();
        let entity = parse(serde_json::Value::String(name))?;
        assert_eq!(entity, UnifiedEntity::by_name("Misc"));
        assert_eq!(entity.name.map(|n| n.as_ptr()), Some(at));
        Ok(())
    }

    #[test]
    fn parses_every_spelling() -> Result<(), serde_json::Error> {
        assert_eq!(parse(json!({"id": "5"}))?, UnifiedEntity::by_id("5"));
        assert_eq!(parse(json!({"id": 5}))?, UnifiedEntity::by_id("5"));
        assert_eq!(
            parse(json!({"name": "Raw"}))?,
            UnifiedEntity::by_name("Raw")
        );
        assert_eq!(
            parse(json!({"id": 2, "name": "Raw"}))?,
            UnifiedEntity::new("2", "Raw")
        );
        assert_eq!(parse(json!("Raw"))?, UnifiedEntity::by_name("Raw"));
        assert_eq!(parse(json!(7))?, UnifiedEntity::by_id("7"));
        assert_eq!(
            parse(json!({"id": "", "name": null}))?,
            UnifiedEntity::default()
        );
        Ok(())
    }

    #[test]
    fn rejects_unknown_keys_and_wrong_types() {
        let err = parse(json!({"nmae": "Raw"})).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown field `nmae`, expected `id` or `name`")
        );
        assert!(parse(json!(true)).is_err());
        assert!(parse(json!([1])).is_err());
    }

    #[test]
    fn omits_absent_parts() -> Result<(), serde_json::Error> {
        assert_eq!(
            serde_json::to_value(UnifiedEntity::by_name("Raw"))?,
            json!({"name": "Raw"})
        );
        Ok(())
    }

    #[test]
    fn matching_needs_every_filter_part() {
        let raw = UnifiedEntity::new("2", "Raw");
        assert!(raw.matches(&UnifiedEntity::by_id("2")));
        assert!(raw.matches(&UnifiedEntity::by_name("raw")));
        assert!(!raw.matches(&UnifiedEntity::new("3", "Raw")));
        assert!(!raw.matches(&UnifiedEntity::default()));
        assert!(!UnifiedEntity::by_id("2").matches(&UnifiedEntity::by_name("Raw")));
    }
}
