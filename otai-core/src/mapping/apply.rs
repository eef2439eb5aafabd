//! Applying a compiled mapping to data, as OTOBO's `Mapping::Simple` does.

use serde_json::{Map, Value};

use super::compile::{CompiledMapping, Rule};
use super::config::MapDefault;
use crate::{Error, Result};

/// Mapped data, and the notices OTOBO's debugger would log (keys dropped on a collision).
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The mapped data.
    pub data: Value,
    /// What was dropped and why, in the order it happened.
    pub notices: Vec<String>,
}

impl CompiledMapping {
    /// Maps `data`: a map's top-level keys and values, each map of a list of maps; any other
    /// value as it is, `null` as `{}`. A list with an item that is not a non-empty map is an
    /// [`Error::InvalidInput`], as in OTOBO.
    pub fn apply(&self, data: Value) -> Result<Mapped> {
        let mut notices = Vec::new();
        let data = match data {
            Value::Null => Value::Object(Map::new()),
            Value::Object(map) => Value::Object(self.map_object(map, &mut notices)),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    match item {
                        Value::Object(map) if !map.is_empty() => {
                            out.push(Value::Object(self.map_object(map, &mut notices)));
                        }
                        _ => {
                            return Err(Error::invalid_input(
                                format!("[{index}]"),
                                "mapping a list needs a map with content in each item",
                            ));
                        }
                    }
                }
                Value::Array(out)
            }
            other => other,
        };
        Ok(Mapped { data, notices })
    }

    fn map_object(&self, map: Map<String, Value>, notices: &mut Vec<String>) -> Map<String, Value> {
        let mut entries: Vec<(String, Value)> = map.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Map::new();
        for (old, value) in entries {
            if old.is_empty() {
                notices.push("dropped an empty key".to_owned());
                continue;
            }
            let Some(key) = self.new_key(&old, &out, notices) else {
                continue;
            };
            if let Some(value) = self.new_value(&key, value)
                && out.insert(key.clone(), value).is_some()
            {
                notices.push(format!("the data key '{key}' was overwritten"));
            }
        }
        out
    }

    /// The new name of key `old`, or `None` where the pair is dropped.
    fn new_key(
        &self,
        old: &str,
        out: &Map<String, Value>,
        notices: &mut Vec<String>,
    ) -> Option<String> {
        match self.key_rule(old) {
            KeyRule::Exact(key) => Some(key),
            KeyRule::Regex(target) if out.get(&target).is_some_and(perl_true) => {
                notices.push(format!("the data key '{target}' already exists"));
                None
            }
            KeyRule::Regex(target) => Some(target),
            KeyRule::Default => match &self.key_default {
                MapDefault::Keep => Some(old.to_owned()),
                MapDefault::Ignore => None,
                MapDefault::MapTo(to) => {
                    if out.get(to).is_some_and(perl_true) {
                        notices.push(format!("the data key '{to}' already exists"));
                        return None;
                    }
                    Some(to.clone())
                }
            },
        }
    }

    /// Which map names key `old`: `key_exact`, else the first `key_regex` that matches (a
    /// match whose target Perl takes as false falls through), else `key_default`.
    pub(super) fn key_rule(&self, old: &str) -> KeyRule {
        if let Some(key) = self.key_exact.get(old).filter(|k| perl_true_str(k)) {
            return KeyRule::Exact(key.clone());
        }
        match first_match(&self.key_regex, old) {
            Some(target) if perl_true_str(&target) => KeyRule::Regex(target),
            _ => KeyRule::Default,
        }
    }

    /// The new name of key `old` taken alone (no other key to collide with), or `None` where
    /// it is dropped.
    pub fn map_key(&self, old: &str) -> Option<String> {
        if old.is_empty() {
            return None;
        }
        self.new_key(old, &Map::new(), &mut Vec::new())
    }

    /// The new value under `key`, or `None` where the pair is dropped.
    fn new_value(&self, key: &str, value: Value) -> Option<Value> {
        let text = match &value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Some(value),
        };
        if let Some(map) = self.values.get(key) {
            if let Some(to) = map.exact.get(&text) {
                return Some(Value::String(to.clone()));
            }
            if let Some(to) = first_match(&map.regex, &text) {
                return Some(Value::String(to));
            }
        }
        match &self.value_default {
            MapDefault::Keep => Some(value),
            MapDefault::Ignore => None,
            MapDefault::MapTo(to) => Some(Value::String(to.clone())),
        }
    }
}

/// The replacement of the first rule matching `text`, its groups filled in.
fn first_match(rules: &[Rule], text: &str) -> Option<String> {
    rules.iter().find_map(|rule| {
        rule.regex.captures(text).map(|caps| {
            let mut out = String::new();
            caps.expand(&rule.replacement, &mut out);
            out
        })
    })
}

/// The map that names a key.
pub(super) enum KeyRule {
    /// `key_exact` gives this name.
    Exact(String),
    /// A `key_regex` gives this name.
    Regex(String),
    /// No map matched: `key_default` applies.
    Default,
}

/// Whether Perl takes `text` as true: not empty and not `0`.
fn perl_true_str(text: &str) -> bool {
    !text.is_empty() && text != "0"
}

/// Whether Perl takes a decoded JSON value as true.
fn perl_true(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => perl_true_str(s),
        Value::Array(_) | Value::Object(_) => true,
    }
}
