//! An integration's `mapping:`: the remote system's names and values translated, in one
//! declared place, before the rules, templates and staging read the body.

use std::collections::BTreeMap;

use otai_core::mapping::{CompiledMapping, KeySources, SimpleMapping};
use serde_json::Value;

use crate::rules::Violation;

/// A compiled `mapping:` of one integration.
#[derive(Debug, Clone)]
pub struct InboundMapping {
    compiled: CompiledMapping,
}

/// A body after the mapping.
#[derive(Debug)]
pub struct MappedBody {
    /// The mapped body.
    pub payload: Value,
    /// The top-level keys as sent (see [`InboundMapping::received_names`]).
    pub sent_keys: Vec<String>,
    /// Keys lost to another key of the same new name: the request is refused with these.
    pub conflicts: Vec<Violation>,
}

impl InboundMapping {
    /// Checks and compiles `config`; an error is the field below `mapping` and the message.
    pub fn compile(config: &SimpleMapping) -> Result<Self, (String, String)> {
        match CompiledMapping::compile(config, "mapping") {
            Ok(compiled) => Ok(Self { compiled }),
            Err(otai_core::Error::Config { path, message }) => Err((path, message)),
            Err(other) => Err(("mapping".to_owned(), other.to_string())),
        }
    }

    /// Maps a body (a JSON object): only its top-level keys and their string or number values,
    /// so nothing nested is walked and the work grows with the body's top-level size times the
    /// mapping's patterns.
    pub fn apply(&self, payload: Value) -> MappedBody {
        let sent_keys = match &payload {
            Value::Object(map) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        match self.compiled.apply(payload) {
            Ok(mapped) => MappedBody {
                payload: mapped.data,
                sent_keys,
                conflicts: mapped
                    .notices
                    .into_iter()
                    .map(|notice| Violation::new("", "mapping_conflict", notice))
                    .collect(),
            },
            // An object always maps; this only guards the contract.
            Err(e) => MappedBody {
                payload: Value::Object(serde_json::Map::new()),
                sent_keys,
                conflicts: vec![Violation::new("", "mapping_conflict", e.to_string())],
            },
        }
    }

    /// The name each mapped key was sent under (new → as sent), for `sent_keys` of a body.
    /// Only a refused request needs it, so it is worked out only then.
    pub fn received_names(&self, sent_keys: &[String]) -> BTreeMap<String, String> {
        sent_keys
            .iter()
            .filter_map(|old| Some((self.compiled.map_key(old)?, old.clone())))
            .collect()
    }

    /// The input keys that become top-level key `key`.
    pub fn key_sources(&self, key: &str) -> KeySources {
        self.compiled.key_sources(key)
    }

    /// Whether keys no map names are accepted too (a `key_regex`, or a `key_default` other
    /// than `keep`).
    pub fn accepts_unnamed_keys(&self) -> bool {
        self.compiled.accepts_unnamed_keys()
    }

    /// Whether a text or number value no value map matches is dropped (`value_default: ignore`).
    pub fn drops_unmapped_values(&self) -> bool {
        self.compiled.drops_unmapped_values()
    }

    /// Whether the values under top-level key `key` may be changed.
    pub fn maps_values_of(&self, key: &str) -> bool {
        self.compiled.maps_values_of(key)
    }

    /// `violation` named as the caller sent it: the first part of its field path becomes the
    /// name it was received under (or, for a missing field, the one name that maps to it), and
    /// the message says what it was mapped to.
    pub(crate) fn as_received(
        &self,
        mut violation: Violation,
        received: &BTreeMap<String, String>,
    ) -> Violation {
        let (first, rest) = match violation.field.split_once('.') {
            Some((first, rest)) => (first.to_owned(), Some(rest.to_owned())),
            None => (violation.field.clone(), None),
        };
        if first.is_empty() {
            return violation;
        }
        let remote = received.get(&first).cloned().or_else(|| {
            let sources = self.key_sources(&first);
            match (sources.open, sources.known.as_slice()) {
                (false, [only]) => Some(only.clone()),
                _ => None,
            }
        });
        if let Some(remote) = remote.filter(|remote| *remote != first) {
            violation.message =
                format!("{} (`{remote}` is mapped to `{first}`)", violation.message);
            violation.field = match rest {
                Some(rest) => format!("{remote}.{rest}"),
                None => remote,
            };
        }
        violation
    }
}

#[cfg(test)]
mod tests;
