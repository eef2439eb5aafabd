//! The otai form of a mapping, as written in otai.yml.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A mapping in otai's form; see [the module](super) for what it does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimpleMapping {
    /// What happens to a key no map matched (default `keep`).
    #[serde(default, skip_serializing_if = "MapDefault::is_keep")]
    pub key_default: MapDefault,
    /// Keys renamed as they are: old key → new key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub key_exact: BTreeMap<String, String>,
    /// Keys renamed where a regex matches the whole key: pattern → new key (`$1` for a group).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub key_regex: BTreeMap<String, String>,
    /// What happens to a value no map matched (default `keep`).
    #[serde(default, skip_serializing_if = "MapDefault::is_keep")]
    pub value_default: MapDefault,
    /// Value maps by the (new) key whose values they map.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, ValueMap>,
}

/// The value maps of one key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueMap {
    /// Values replaced as they are: old value → new value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exact: BTreeMap<String, String>,
    /// Values replaced where a regex matches the whole value: pattern → new value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regex: BTreeMap<String, String>,
}

/// What happens to a key or value that no map matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MapDefault {
    /// Left as it is.
    #[default]
    Keep,
    /// The key and its value are dropped.
    Ignore,
    /// Replaced by this key or value (not empty).
    MapTo(String),
}

impl MapDefault {
    /// Whether this is [`MapDefault::Keep`].
    pub fn is_keep(&self) -> bool {
        *self == Self::Keep
    }
}
