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
