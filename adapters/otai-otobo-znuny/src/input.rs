//! Assembling an operation's input the way the Generic Interface provider does: query string,
//! path parameters and (for non-GET requests) the JSON body; and reading input values leniently.
//! Shared by the fake server and otai's own provider (`otai-gi`).

use serde_json::{Map, Value};

/// Splits a query string on `&` and `;`; `+` is a space; repeated keys become lists.
pub fn parse_query(query: &str) -> Map<String, Value> {
    let mut input = Map::new();
    for pair in query.split(['&', ';']).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = unescape(key);
        let value = Value::String(unescape(value));
        match input.get_mut(&key) {
            Some(Value::Array(list)) => list.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
            None => {
                input.insert(key, value);
            }
        }
    }
    input
}

fn unescape(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Why a request body was refused, with the server's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Not JSON.
    Decode,
    /// `{}`, a scalar, or not an object.
    Structure,
}

impl BodyError {
    /// OTOBO's words for it (the body of its HTTP 500).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Decode => "Error while decoding request content.",
            Self::Structure => "Unsupported request content structure.",
        }
    }
}

/// The JSON body as input keys; an empty body is no input.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, BodyError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) if !map.is_empty() => Ok(map),
        Ok(_) => Err(BodyError::Structure),
        Err(_) => Err(BodyError::Decode),
    }
}

/// A scalar input value as text (numbers too).
pub fn text(input: &Map<String, Value>, key: &str) -> Option<String> {
    match input.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list input value (a scalar counts as a list of one) as texts.
pub fn list(input: &Map<String, Value>, key: &str) -> Vec<String> {
    match input.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// A flag input value: `1`/`"1"` are true.
pub fn flag(input: &Map<String, Value>, key: &str) -> bool {
    matches!(input.get(key), Some(Value::Number(n)) if n.as_u64() == Some(1))
        || matches!(input.get(key), Some(Value::String(s)) if s == "1")
}
