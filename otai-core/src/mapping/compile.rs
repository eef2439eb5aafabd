//! Checking a mapping and compiling its regexes, once, at load time.

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};

use super::config::{MapDefault, SimpleMapping};
use super::{MAX_ENTRIES, MAX_PATTERN_LEN, REGEX_SIZE_LIMIT};
use crate::{Error, Result};

/// A checked mapping with its regexes compiled, ready to [apply](CompiledMapping::apply).
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    pub(super) key_default: MapDefault,
    pub(super) key_exact: BTreeMap<String, String>,
    pub(super) key_regex: Vec<Rule>,
    pub(super) value_default: MapDefault,
    pub(super) values: BTreeMap<String, CompiledValueMap>,
}

/// The compiled value maps of one key.
#[derive(Debug, Clone)]
pub(super) struct CompiledValueMap {
    pub(super) exact: BTreeMap<String, String>,
    pub(super) regex: Vec<Rule>,
}

/// A regex (matching the whole text) and its replacement, in the order of their patterns.
#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) regex: Regex,
    pub(super) replacement: String,
}

impl CompiledMapping {
    /// Checks `config` and compiles its regexes. Errors are [`Error::Config`] naming the key
    /// path below `path` (e.g. `webservices[0].operations.TicketCreate.mapping_inbound`).
    pub fn compile(config: &SimpleMapping, path: &str) -> Result<Self> {
        check_default(&config.key_default, &format!("{path}.key_default"))?;
        check_default(&config.value_default, &format!("{path}.value_default"))?;
        check_len(config.key_exact.len(), &format!("{path}.key_exact"))?;
        check_len(config.values.len(), &format!("{path}.values"))?;
        let mut values = BTreeMap::new();
        for (key, map) in &config.values {
            let at = format!("{path}.values.{key}");
            check_len(map.exact.len(), &format!("{at}.exact"))?;
            let compiled = CompiledValueMap {
                exact: map.exact.clone(),
                regex: rules(&map.regex, &format!("{at}.regex"))?,
            };
            values.insert(key.clone(), compiled);
        }
        Ok(Self {
            key_default: config.key_default.clone(),
            key_exact: config.key_exact.clone(),
            key_regex: rules(&config.key_regex, &format!("{path}.key_regex"))?,
            value_default: config.value_default.clone(),
            values,
        })
    }
}

fn check_default(default: &MapDefault, path: &str) -> Result<()> {
    match default {
        MapDefault::MapTo(to) if to.is_empty() => Err(Error::config(
            path,
            "`map_to` needs a value that is not empty",
        )),
        _ => Ok(()),
    }
}

fn check_len(len: usize, path: &str) -> Result<()> {
    if len > MAX_ENTRIES {
        return Err(Error::config(
            path,
            format!("{len} entries; at most {MAX_ENTRIES} are allowed"),
        ));
    }
    Ok(())
}

/// The rules of a `pattern → replacement` map, in the order of their patterns.
fn rules(map: &BTreeMap<String, String>, path: &str) -> Result<Vec<Rule>> {
    check_len(map.len(), path)?;
    map.iter()
        .map(|(pattern, replacement)| {
            Ok(Rule {
                regex: whole_match(pattern).map_err(|message| {
                    let shown = crate::error::shorten(pattern, 60);
                    Error::config(format!("{path}.{shown}"), message)
                })?,
                replacement: replacement.clone(),
            })
        })
        .collect()
}

/// `pattern` compiled to match a whole text with the flags `x`, `m` and `s`, as OTOBO's
/// `m{ \A $pattern \z }xms` does. The newline ends a `#` comment before the group closes.
pub(super) fn whole_match(pattern: &str) -> std::result::Result<Regex, String> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(format!(
            "the regex is {} bytes long; at most {MAX_PATTERN_LEN} are allowed",
            pattern.len()
        ));
    }
    RegexBuilder::new(&format!("\\A(?xms:{pattern}\n)\\z"))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("invalid regex: {}", crate::error::last_line(&e.to_string())))
}
