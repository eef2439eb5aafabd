//! One field's value map between unified values and a helpdesk's own (native) values, both
//! ways: the rule every adapter's `mapping:` (priority, state, queue, …) follows.

use std::collections::BTreeMap;

use regex::Regex;

use super::MAX_ENTRIES;
use super::compile::whole_match;
use crate::{Error, Result};

/// One field's value map between unified and native values, both ways, checked at load.
///
/// - **Exact.** A unified value is looked up **without regard to case** (`High` and `high` are
///   one value); a native value is looked up **exactly**, as the helpdesk spells it.
/// - **Both ways, one answer.** Two unified values that differ only in case must map to the
///   same native value, and two unified values may not map to one native value, because reading
///   that native value back could not say which was meant: both are errors at load that name
///   the field and the values.
/// - **Unmapped values pass through** unchanged, both ways.
/// - **Patterns, one way.** `patterns` map native values to a unified value by regex (matching
///   the whole value, as [`SimpleMapping`](super::SimpleMapping)'s regexes do), for a helpdesk
///   with several native values for one unified value (`closed successful`,
///   `closed unsuccessful` → `closed`). They are read only from native to unified, after the
///   exact map, and each target must also be a key of the exact map, so that writing the value
///   back has one native value to go to: the round trip unified → native → unified holds for
///   every value.
#[derive(Debug, Clone, Default)]
pub struct FieldValueMap {
    to_native: BTreeMap<String, String>,
    to_unified: BTreeMap<String, String>,
    patterns: Vec<(Regex, String)>,
}

impl FieldValueMap {
    /// The map of unified value → native value `map`, with native → unified `patterns`.
    /// Errors are [`Error::Config`] at `path` (e.g. `mapping.state`), naming the values.
    pub fn new(
        path: &str,
        map: &BTreeMap<String, String>,
        patterns: &BTreeMap<String, String>,
    ) -> Result<Self> {
        for (len, at) in [
            (map.len(), path.to_owned()),
            (patterns.len(), format!("{path}_patterns")),
        ] {
            if len > MAX_ENTRIES {
                return Err(Error::config(
                    at,
                    format!("{len} entries; at most {MAX_ENTRIES} are allowed"),
                ));
            }
        }
        let mut to_native: BTreeMap<String, String> = BTreeMap::new();
        let mut spelled: BTreeMap<String, &str> = BTreeMap::new();
        let mut to_unified: BTreeMap<String, String> = BTreeMap::new();
        for (unified, native) in map {
            let key = unified.to_lowercase();
            if let Some(earlier) = to_native.get(&key) {
                if earlier != native {
                    let first = spelled.get(&key).copied().unwrap_or_default();
                    return Err(Error::config(
                        path,
                        format!(
                            "`{first}` and `{unified}` are one value (case is ignored) but map to `{earlier}` and `{native}`"
                        ),
                    ));
                }
                continue;
            }
            if let Some(other) = to_unified.get(native) {
                return Err(Error::config(
                    path,
                    format!(
                        "`{other}` and `{unified}` both map to `{native}`, so reading `{native}` back is ambiguous: keep one"
                    ),
                ));
            }
            to_native.insert(key.clone(), native.clone());
            spelled.insert(key, unified);
            to_unified.insert(native.clone(), unified.clone());
        }
        let mut compiled = Vec::with_capacity(patterns.len());
        for (pattern, unified) in patterns {
            let shown = crate::error::shorten(pattern, 60);
            let at = format!("{path}_patterns.{shown}");
            let regex = whole_match(pattern).map_err(|message| Error::config(&at, message))?;
            if !to_native.contains_key(&unified.to_lowercase()) {
                return Err(Error::config(
                    at,
                    format!(
                        "`{unified}` is not a key of `{path}`, so a `{unified}` read through this pattern could not be written back: add `{unified}: <native value>` there"
                    ),
                ));
            }
            compiled.push((regex, unified.clone()));
        }
        Ok(Self {
            to_native,
            to_unified,
            patterns: compiled,
        })
    }

    /// The native value of `unified` (any case), when it is mapped.
    pub fn native(&self, unified: &str) -> Option<&str> {
        if self.to_native.is_empty() {
            return None;
        }
        // Keys are kept in lower case: a value that lower case leaves as it is is looked up
        // without a copy.
        let found = if unified.chars().all(|c| c.to_lowercase().eq([c])) {
            self.to_native.get(unified)
        } else {
            self.to_native.get(&unified.to_lowercase())
        };
        found.map(String::as_str)
    }

    /// The native value of `unified`, or `unified` itself when it is not mapped.
    pub fn to_native<'a>(&'a self, unified: &'a str) -> &'a str {
        self.native(unified).unwrap_or(unified)
    }

    /// The unified value of `native` (exact, then the first pattern in sorted order), when it
    /// is mapped.
    pub fn unified(&self, native: &str) -> Option<&str> {
        self.to_unified.get(native).map(String::as_str).or_else(|| {
            self.patterns
                .iter()
                .find(|(regex, _)| regex.is_match(native))
                .map(|(_, unified)| unified.as_str())
        })
    }

    /// The unified value of `native`, or `native` itself when it is not mapped.
    pub fn to_unified(&self, native: String) -> String {
        match self.unified(&native) {
            Some(unified) => unified.to_owned(),
            None => native,
        }
    }

    /// The mapped unified values, in lower case and sorted (for error messages).
    pub fn unified_values(&self) -> impl Iterator<Item = &str> {
        self.to_native.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Result<(), Box<dyn std::error::Error>>;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn unified_values_match_any_case_and_native_values_exactly() -> R {
        let m = FieldValueMap::new("mapping.priority", &map(&[("High", "4 high")]), &map(&[]))?;
        assert_eq!(m.to_native("high"), "4 high");
        assert_eq!(m.to_native("HIGH"), "4 high");
        assert_eq!(m.to_native("low"), "low");
        let titled = FieldValueMap::new("mapping.queue", &map(&[("ǅesk", "Desk")]), &map(&[]))?;
        assert_eq!(titled.to_native("ǆesk"), "Desk");
        assert_eq!(
            titled.to_native("ǅESK"),
            "Desk",
            "a title-case letter is lowered too"
        );
        assert_eq!(m.to_unified("4 high".into()), "High");
        assert_eq!(m.to_unified("4 HIGH".into()), "4 HIGH");
        assert_eq!(m.unified_values().collect::<Vec<_>>(), ["high"]);
        Ok(())
    }

    /// Why `FieldValueMap::new("mapping.state", values, patterns)` refuses (empty if it does not).
    fn refusal(values: &[(&str, &str)], patterns: &[(&str, &str)]) -> String {
        FieldValueMap::new("mapping.state", &map(values), &map(patterns))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn two_values_for_one_native_value_are_refused_with_the_field_and_values() {
        let err = refusal(
            &[
                ("closed", "closed successful"),
                ("done", "closed successful"),
            ],
            &[],
        );
        assert!(err.contains("mapping.state"), "{err}");
        assert!(
            err.contains("`closed` and `done` both map to `closed successful`"),
            "{err}"
        );
        let err = refusal(&[("Open", "open"), ("open", "new")], &[]);
        assert!(
            err.contains(
                "`Open` and `open` are one value (case is ignored) but map to `open` and `new`"
            ),
            "{err}"
        );
        // The same native value under two spellings of one unified value is one entry.
        assert!(
            FieldValueMap::new("m", &map(&[("Open", "open"), ("open", "open")]), &map(&[])).is_ok()
        );
    }

    #[test]
    fn patterns_read_several_native_values_as_one_and_write_it_back_one_way() -> R {
        let m = FieldValueMap::new(
            "mapping.state",
            &map(&[("closed", "closed successful")]),
            &map(&[("closed\\ .*", "closed")]),
        )?;
        assert_eq!(m.to_unified("closed unsuccessful".into()), "closed");
        assert_eq!(m.to_unified("closed successful".into()), "closed");
        assert_eq!(m.to_native("closed"), "closed successful");
        assert_eq!(m.to_unified("reclosed x".into()), "reclosed x");
        Ok(())
    }

    #[test]
    fn a_pattern_must_name_a_mapped_value_and_compile() {
        let err = refusal(&[], &[("closed.*", "closed")]);
        assert!(err.contains("mapping.state_patterns.closed.*"), "{err}");
        assert!(
            err.contains("`closed` is not a key of `mapping.state`"),
            "{err}"
        );
        let err = refusal(&[("a", "b")], &[("(", "a")]);
        assert!(err.contains("invalid regex"), "{err}");
    }
}
