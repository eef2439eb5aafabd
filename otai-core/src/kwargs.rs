//! Keyword arguments: the JSON map a service call starts as (usually rendered from a pipe's YAML
//! `params`), and helpers to read JSON values with errors that name the key. Kwargs are parsed
//! into typed requests in one place, [`crate::request`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// Keyword arguments: a JSON object, usually rendered from a pipe's YAML `params`.
pub type Kwargs = Map<String, Value>;

/// Serializes a model into kwargs (its serde form must be a JSON object).
pub fn to_kwargs<T: Serialize>(value: &T) -> Kwargs {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Kwargs::new(),
    }
}

/// Deserializes a map into `T`; an error names the offending key path.
pub fn from_map<T: DeserializeOwned>(map: Kwargs) -> Result<T> {
    from_value(Value::Object(map))
}

/// Deserializes `value` into `T`, tracking the key path only when that fails: path tracking
/// costs on every field, and the common case is a value that fits.
pub fn deserialize_tracked<T: DeserializeOwned>(
    value: Value,
) -> std::result::Result<T, serde_path_to_error::Error<serde_json::Error>> {
    match T::deserialize(&value) {
        Ok(t) => Ok(t),
        Err(_) => serde_path_to_error::deserialize(value),
    }
}

/// Deserializes a JSON value into `T`; an error names the offending key path.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    deserialize_tracked(value).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." {
            String::from("(arguments)")
        } else {
            path
        };
        Error::invalid_input(
            field,
            crate::error::plain_serde_message(&err.into_inner().to_string()),
        )
    })
}

/// Why [`take_map`] failed, and what it had not read yet.
#[derive(Debug)]
pub struct TakeFailed {
    /// The error, naming the key (and the path inside its value) where it happened, or
    /// `(arguments)` when no single value failed.
    pub error: Error,
    /// The entries after the failing one, untouched.
    pub rest: Kwargs,
}

/// Deserializes `map` into `T`, moving its values (texts are not copied). On failure, the
/// error names where it happened, and the entries not read yet are handed back, so a caller
/// can check each of them alone.
pub fn take_map<T: DeserializeOwned>(map: Kwargs) -> std::result::Result<T, TakeFailed> {
    let mut entries = Moving {
        entries: map.into_iter(),
        value: None,
        current: None,
        track: serde_path_to_error::Track::new(),
    };
    let result = T::deserialize(serde::de::value::MapAccessDeserializer::new(&mut entries));
    result.map_err(|e| {
        let field = match entries.current.take() {
            Some(key) => match entries.track.path().to_string() {
                inner if inner == "." => key,
                inner if inner.starts_with('[') => format!("{key}{inner}"),
                inner => format!("{key}.{inner}"),
            },
            None => "(arguments)".to_owned(),
        };
        TakeFailed {
            error: Error::invalid_input(field, crate::error::plain_serde_message(&e.to_string())),
            rest: entries.entries.collect(),
        }
    })
}

/// A map's entries handed out by value, remembering the key being read.
struct Moving {
    entries: serde_json::map::IntoIter,
    value: Option<Value>,
    /// The key whose value is being read (or that failed), while it is.
    current: Option<String>,
    track: serde_path_to_error::Track,
}

impl<'de> serde::de::MapAccess<'de> for &mut Moving {
    type Error = serde_json::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> std::result::Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.entries.next() else {
            self.current = None;
            return Ok(None);
        };
        self.value = Some(value);
        let key = &*self.current.insert(key);
        seed.deserialize(serde::de::value::StrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> std::result::Result<V::Value, Self::Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| serde::de::Error::custom("a value without its key"))?;
        let read = seed.deserialize(serde_path_to_error::Deserializer::new(
            value,
            &mut self.track,
        ))?;
        self.current = None;
        Ok(read)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A short description of a JSON value's kind, for error messages (never the value itself,
/// which may be a secret).
pub fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.trim().is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        a: String,
        #[serde(default)]
        b: Vec<Inner>,
        #[serde(default)]
        c: Option<u8>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        n: u8,
    }

    fn map(value: Value) -> Kwargs {
        match value {
            Value::Object(map) => map,
            _ => Kwargs::new(),
        }
    }

    fn failed(value: Value) -> Option<(String, String, Kwargs)> {
        match take_map::<Outer>(map(value)).err()? {
            TakeFailed {
                error: Error::InvalidInput { field, message },
                rest,
            } => Some((field, message, rest)),
            _ => None,
        }
    }

    #[test]
    fn a_map_is_read_by_moving_its_values() {
        let read = take_map::<Outer>(map(json!({"a": "x", "b": [{"n": 1}], "c": 3}))).ok();
        assert_eq!(
            read,
            Some(Outer {
                a: "x".into(),
                b: vec![Inner { n: 1 }],
                c: Some(3)
            })
        );
    }

    #[test]
    fn a_failure_names_its_path_and_hands_back_what_was_not_read() {
        let (field, message, rest) =
            failed(json!({"a": "x", "b": [{"n": 1}, {"n": "many"}], "c": "z"})).unwrap_or_default();
        assert_eq!(field, "b[1].n");
        assert!(
            message.starts_with("invalid type: string \"many\""),
            "{message}"
        );
        assert_eq!(Value::Object(rest), json!({"c": "z"}));
        let (field, _, rest) = failed(json!({"a": 5, "c": 1})).unwrap_or_default();
        assert_eq!((field.as_str(), rest.len()), ("a", 1));
        let (field, message, _) = failed(json!({"a": "x", "d": 1})).unwrap_or_default();
        assert_eq!(field, "d");
        assert!(message.starts_with("unknown field `d`"), "{message}");
        let (field, message, rest) = failed(json!({"c": 1})).unwrap_or_default();
        assert_eq!(
            (field.as_str(), message.as_str(), rest.len()),
            ("(arguments)", "missing field `a`", 0)
        );
    }
}
