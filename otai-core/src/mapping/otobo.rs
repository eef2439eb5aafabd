//! OTOBO's export form of a mapping (`MappingInbound` / `MappingOutbound`), both ways.
//!
//! ```yaml
//! Type: Simple
//! Config:
//!   KeyMapDefault: { MapType: Keep, MapTo: '' }     # Keep | Ignore | MapTo
//!   KeyMapExact: { Prio: Priority }
//!   KeyMapRegEx: { '^X-(.*)$': DynamicField }
//!   ValueMap: { Priority: { ValueMapExact: {...}, ValueMapRegEx: {...} } }
//!   ValueMapDefault: { MapType: Keep, MapTo: '' }
//! ```
//!
//! `{}` (and a `Simple` mapping without `Config`) means no mapping. OTOBO's replacements are
//! literal: import writes their `$` as `$$`, export writes `$$` back as `$` and refuses a
//! replacement that uses a group (`$1`), which OTOBO cannot express. Empty maps are left out,
//! as OTOBO refuses them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::config::{MapDefault, SimpleMapping, ValueMap};
use crate::{Error, Result};

/// The keys of a `Simple` mapping's `Config`.
const CONFIG_KEYS: [&str; 5] = [
    "KeyMapDefault",
    "KeyMapExact",
    "KeyMapRegEx",
    "ValueMap",
    "ValueMapDefault",
];

/// Reads OTOBO's form at `path`: the mapping (`None` for no mapping) and warnings about keys
/// OTOBO ignores. An `XSLT` mapping, a missing default and wrong types are errors.
pub fn from_otobo(value: &Value, path: &str) -> Result<(Option<SimpleMapping>, Vec<String>)> {
    let mut warnings = Vec::new();
    let map = match value {
        Value::Null => return Ok((None, warnings)),
        Value::Object(map) => map,
        _ => return Err(Error::config(path, "expected a map")),
    };
    if map.is_empty() {
        return Ok((None, warnings));
    }
    warn_unknown(map, &["Type", "Config"], path, &mut warnings);
    match map.get("Type").and_then(Value::as_str) {
        Some("Simple") => {}
        Some("XSLT") => {
            return Err(Error::config(
                format!("{path}.Type"),
                "XSLT mappings are not supported; only `Simple` mappings can be imported",
            ));
        }
        _ => return Err(Error::config(format!("{path}.Type"), "expected `Simple`")),
    }
    let config = match map.get("Config") {
        None | Some(Value::Null) => return Ok((None, warnings)),
        Some(Value::Object(c)) if c.is_empty() => return Ok((None, warnings)),
        Some(Value::Object(c)) => c,
        Some(_) => return Err(Error::config(format!("{path}.Config"), "expected a map")),
    };
    let at = format!("{path}.Config");
    warn_unknown(config, &CONFIG_KEYS, &at, &mut warnings);
    let mut values = BTreeMap::new();
    for (key, entry) in object(config.get("ValueMap"), &format!("{at}.ValueMap"))? {
        let vat = format!("{at}.ValueMap.{key}");
        let entry = object(Some(entry), &vat)?;
        warn_unknown(
            entry,
            &["ValueMapExact", "ValueMapRegEx"],
            &vat,
            &mut warnings,
        );
        let map = ValueMap {
            exact: strings(
                entry.get("ValueMapExact"),
                &format!("{vat}.ValueMapExact"),
                false,
            )?,
            regex: strings(
                entry.get("ValueMapRegEx"),
                &format!("{vat}.ValueMapRegEx"),
                true,
            )?,
        };
        values.insert(key.clone(), map);
    }
    let mapping = SimpleMapping {
        key_default: default_from(config.get("KeyMapDefault"), &format!("{at}.KeyMapDefault"))?,
        key_exact: strings(
            config.get("KeyMapExact"),
            &format!("{at}.KeyMapExact"),
            false,
        )?,
        key_regex: strings(
            config.get("KeyMapRegEx"),
            &format!("{at}.KeyMapRegEx"),
            true,
        )?,
        value_default: default_from(
            config.get("ValueMapDefault"),
            &format!("{at}.ValueMapDefault"),
        )?,
        values,
    };
    Ok((Some(mapping), warnings))
}

/// Writes OTOBO's form of `mapping` (`{}` for none). A regex replacement using a group is an
/// [`Error::Config`] at `path`.
pub fn to_otobo(mapping: Option<&SimpleMapping>, path: &str) -> Result<Value> {
    let Some(mapping) = mapping else {
        return Ok(json!({}));
    };
    let mut config = Map::new();
    config.insert("KeyMapDefault".into(), default_to(&mapping.key_default));
    put(&mut config, "KeyMapExact", &mapping.key_exact);
    let key_regex = literals(&mapping.key_regex, &format!("{path}.key_regex"))?;
    put(&mut config, "KeyMapRegEx", &key_regex);
    let mut value_map = Map::new();
    for (key, map) in &mapping.values {
        let mut entry = Map::new();
        put(&mut entry, "ValueMapExact", &map.exact);
        let regex = literals(&map.regex, &format!("{path}.values.{key}.regex"))?;
        put(&mut entry, "ValueMapRegEx", &regex);
        if !entry.is_empty() {
            value_map.insert(key.clone(), Value::Object(entry));
        }
    }
    if !value_map.is_empty() {
        config.insert("ValueMap".into(), Value::Object(value_map));
    }
    config.insert("ValueMapDefault".into(), default_to(&mapping.value_default));
    Ok(json!({"Type": "Simple", "Config": config}))
}

fn warn_unknown(map: &Map<String, Value>, known: &[&str], path: &str, warnings: &mut Vec<String>) {
    for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
        let shown = crate::output::escape_controls(&crate::error::shorten(key, 60)).into_owned();
        warnings.push(format!(
            "{path}.{shown}: OTOBO ignores this key; it is not imported"
        ));
    }
}

/// The map at `path`; absent or `null` is empty.
fn object<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match value {
        None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(Error::config(path, "expected a map")),
    }
}

/// A map of strings (numbers are taken as their text); replacements escaped where `regex`.
fn strings(value: Option<&Value>, path: &str, regex: bool) -> Result<BTreeMap<String, String>> {
    let map = object(value, path)?;
    let mut out = BTreeMap::new();
    for (key, value) in map {
        let text = scalar_text(value)
            .ok_or_else(|| Error::config(format!("{path}.{key}"), "expected a string"))?;
        let text = if regex { text.replace('$', "$$") } else { text };
        out.insert(key.clone(), text);
    }
    if out.len() > super::MAX_ENTRIES {
        return Err(Error::config(
            path,
            format!(
                "{} entries; at most {} are allowed",
                out.len(),
                super::MAX_ENTRIES
            ),
        ));
    }
    Ok(out)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `KeyMapDefault` / `ValueMapDefault`, which OTOBO requires.
fn default_from(value: Option<&Value>, path: &str) -> Result<MapDefault> {
    let Some(value) = value else {
        return Err(Error::config(path, "missing; OTOBO requires it"));
    };
    let map = object(Some(value), path)?;
    let map_to = map.get("MapTo").and_then(scalar_text).unwrap_or_default();
    match map.get("MapType").and_then(Value::as_str) {
        Some("Keep") => Ok(MapDefault::Keep),
        Some("Ignore") => Ok(MapDefault::Ignore),
        Some("MapTo") if !map_to.is_empty() => Ok(MapDefault::MapTo(map_to)),
        Some("MapTo") => Err(Error::config(
            format!("{path}.MapTo"),
            "`MapType: MapTo` needs a `MapTo` value that is not empty",
        )),
        _ => Err(Error::config(
            format!("{path}.MapType"),
            "expected `Keep`, `Ignore` or `MapTo`",
        )),
    }
}

fn default_to(default: &MapDefault) -> Value {
    match default {
        MapDefault::Keep => json!({"MapType": "Keep", "MapTo": ""}),
        MapDefault::Ignore => json!({"MapType": "Ignore", "MapTo": ""}),
        MapDefault::MapTo(to) => json!({"MapType": "MapTo", "MapTo": to}),
    }
}

fn put(map: &mut Map<String, Value>, key: &str, entries: &BTreeMap<String, String>) {
    if !entries.is_empty() {
        let entries = entries
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        map.insert(key.to_owned(), Value::Object(entries));
    }
}

/// The replacements of `rules` as OTOBO's literal texts.
fn literals(rules: &BTreeMap<String, String>, path: &str) -> Result<BTreeMap<String, String>> {
    rules
        .iter()
        .map(|(pattern, replacement)| {
            let literal = literal(replacement).ok_or_else(|| {
                Error::config(
                    format!("{path}.{pattern}"),
                    "the replacement uses a regex group (`$…`), which OTOBO cannot express; \
                     write `$$` for a `$`",
                )
            })?;
            Ok((pattern.clone(), literal))
        })
        .collect()
}

/// `replacement` as a literal text (`$$` → `$`), or `None` where it refers to a group.
fn literal(replacement: &str) -> Option<String> {
    let mut out = String::with_capacity(replacement.len());
    let mut chars = replacement.chars();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('$') => out.push('$'),
            _ => return None,
        }
    }
    Some(out)
}
