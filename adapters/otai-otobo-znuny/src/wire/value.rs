//! Values of unknown shape from a reply, decoded under the budget: generic JSON values (dynamic
//! field values, raw replies) and flags.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::budget;

/// What one JSON value costs in a list.
const SLOT: usize = std::mem::size_of::<Value>();
/// What one key-value pair of a map costs, with the B-tree's spare room.
const ENTRY: usize = 2 * (std::mem::size_of::<String>() + std::mem::size_of::<Value>());
/// What the first B-tree node of a map costs.
const MAP_NODE: usize = 11 * (std::mem::size_of::<String>() + std::mem::size_of::<Value>()) + 16;

/// A JSON value decoded with every list slot, map and key charged to the decoding budget. Its
/// depth is the parser's: 128 for JSON, [`crate::soap::MAX_DEPTH`] for SOAP.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoundedValue(pub Value);

impl<'de> Deserialize<'de> for BoundedValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoundedVisitor).map(BoundedValue)
    }
}

/// Deserializes a [`Value`] through [`BoundedValue`] (for `deserialize_with`).
pub(crate) fn bounded<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    BoundedValue::deserialize(d).map(|v| v.0)
}

struct BoundedVisitor;

impl<'de> Visitor<'de> for BoundedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(BoundedValue(item)) = seq.next_element()? {
            if items.len() == items.capacity() {
                let more = items.capacity().max(4);
                budget::charge(more.saturating_mul(SLOT))?;
                items.reserve_exact(more);
            }
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            budget::charge(ENTRY + key.len() + if out.is_empty() { MAP_NODE } else { 0 })?;
            let BoundedValue(value) = map.next_value()?;
            if out.insert(key, value).is_some() {
                return Err(de::Error::custom("duplicate key in a reply"));
            }
        }
        Ok(Value::Object(out))
    }
}

/// Reads a flag: `1`, `"1"`, `true` are true; `0`, `"0"`, `""`, `false` are false; null and
/// anything else (skipped without building it) are unknown.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(FlagVisitor)
}

struct FlagVisitor;

impl<'de> Visitor<'de> for FlagVisitor {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a flag")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v != 0))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v != 0))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v != 0.0))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(!matches!(v.trim(), "" | "0")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_charged_and_duplicate_keys_refused() {
        let decode = |text: &str, bytes| {
            budget::within(bytes, || {
                serde_json::from_str::<BoundedValue>(text).map(|v| v.0)
            })
        };
        assert_eq!(
            decode(r#"{"a": [1, "x", null]}"#, 4096).ok(),
            Some(json!({"a": [1, "x", null]}))
        );
        let many = format!("[{}{{}}]", "{},".repeat(99));
        assert!(
            decode(&many, 1000).is_err(),
            "100 maps cost more than 1000 bytes"
        );
        let err = decode(r#"{"a": 1, "a": 666}"#, 4096)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.is_some_and(|e| e.starts_with("duplicate key in a reply")),
            "a duplicate key is an error"
        );
    }

    #[test]
    fn flags_read_scalars_and_skip_the_rest() -> serde_json::Result<()> {
        #[derive(Deserialize)]
        struct F {
            #[serde(default, deserialize_with = "flag")]
            f: Option<bool>,
        }
        let read = |v| serde_json::from_value::<F>(json!({ "f": v })).map(|f| f.f);
        assert_eq!(read(json!("1"))?, Some(true));
        assert_eq!(read(json!(0))?, Some(false));
        assert_eq!(read(json!(""))?, Some(false));
        assert_eq!(read(json!(null))?, None);
        assert_eq!(read(json!([[1], {"a": 2}]))?, None);
        Ok(())
    }
}
