//! Lenient identifiers: helpdesks send IDs as JSON strings or numbers, sometimes both in one reply.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An identifier that deserializes from a string or a number and always serializes as a string.
///
/// ```
/// use otai_core::LenientId;
/// let a: LenientId = serde_json::from_str("42").unwrap();
/// let b: LenientId = serde_json::from_str("\"42\"").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct LenientId(pub String);

impl LenientId {
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the identifier, returning its text.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for LenientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for LenientId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for LenientId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<u64> for LenientId {
    fn from(value: u64) -> Self {
        Self(value.to_string())
    }
}

impl Serialize for LenientId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LenientId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IdVisitor).map(LenientId)
    }
}

/// Visits a string or a number and yields its text form.
struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an identifier (string or number)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
            // An integral float such as `42.0`: keep the integer text.
            Ok(format!("{v:.0}"))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

/// Deserializes an optional identifier from a string, a number or null; `""` counts as absent.
///
/// Use with `#[serde(default, deserialize_with = "otai_core::model::lenient_id::optional")]`.
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value: Option<LenientId> = Option::deserialize(deserializer)?;
    Ok(value.map(LenientId::into_string).filter(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "optional")]
        id: Option<String>,
    }

    fn id_of(json: &str) -> Option<String> {
        serde_json::from_str::<Holder>(json)
            .map(|h| h.id)
            .unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn accepts_strings_numbers_and_integral_floats() {
        assert_eq!(id_of(r#"{"id":"71"}"#).as_deref(), Some("71"));
        assert_eq!(id_of(r#"{"id":71}"#).as_deref(), Some("71"));
        assert_eq!(id_of(r#"{"id":-3}"#).as_deref(), Some("-3"));
        assert_eq!(id_of(r#"{"id":71.0}"#).as_deref(), Some("71"));
    }

    #[test]
    fn treats_null_missing_and_empty_as_absent() {
        assert_eq!(id_of(r#"{"id":null}"#), None);
        assert_eq!(id_of(r#"{}"#), None);
        assert_eq!(id_of(r#"{"id":""}"#), None);
    }

    #[test]
    fn rejects_fractions_and_structures() {
        assert!(serde_json::from_str::<Holder>(r#"{"id":1.5}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"id":[1]}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"id":true}"#).is_err());
    }

    #[test]
    fn serializes_as_string() {
        let id = LenientId::from(7_u64);
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("\"7\""));
    }
}
