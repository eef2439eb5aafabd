//! The mapping read backwards: which input keys become a given key, and whose values are
//! mapped. Used to describe what a remote system sends (the inbound API's OpenAPI document).

use regex::Regex;

use super::apply::KeyRule;
use super::compile::CompiledMapping;
use super::config::MapDefault;

/// The input keys a mapping turns into one key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySources {
    /// Input keys known to become the key, sorted: `key_exact` entries naming it, and the key
    /// itself where it is kept as it is.
    pub known: Vec<String>,
    /// Whether other input keys may become it too, by a `key_regex` or `key_default: map_to`,
    /// so the full set of names cannot be listed.
    pub open: bool,
}

impl CompiledMapping {
    /// The input keys that become `key`.
    pub fn key_sources(&self, key: &str) -> KeySources {
        let mut known: Vec<String> = self
            .key_exact
            .keys()
            .filter(|old| matches!(self.key_rule(old), KeyRule::Exact(new) if new == key))
            .cloned()
            .collect();
        let kept = match self.key_rule(key) {
            KeyRule::Exact(new) | KeyRule::Regex(new) => new == key,
            KeyRule::Default => self.key_default == MapDefault::Keep,
        };
        if kept && !known.iter().any(|k| k == key) {
            known.push(key.to_owned());
            known.sort();
        }
        let by_default = matches!(&self.key_default, MapDefault::MapTo(to) if to == key);
        let by_regex = self
            .key_regex
            .iter()
            .any(|rule| may_produce(&rule.replacement, key));
        KeySources {
            known,
            open: by_default || by_regex,
        }
    }

    /// Whether input keys other than those some map names are accepted: there is a `key_regex`,
    /// or `key_default` is not `keep` (an unknown key is dropped or renamed).
    pub fn accepts_unnamed_keys(&self) -> bool {
        !self.key_regex.is_empty() || self.key_default != MapDefault::Keep
    }

    /// Whether values under (new) key `key` may be changed: it has a value map, or
    /// `value_default` is not `keep`.
    pub fn maps_values_of(&self, key: &str) -> bool {
        self.values.contains_key(key) || self.value_default != MapDefault::Keep
    }

    /// Whether a text or number value no value map matches is dropped with its key
    /// (`value_default: ignore`).
    pub fn drops_unmapped_values(&self) -> bool {
        self.value_default == MapDefault::Ignore
    }
}

/// Whether filling in the groups of `replacement` (`$1`, `$name`, `${name}`; `$$` is a `$`)
/// may give `key`. Each group may be any text, so this errs towards yes.
fn may_produce(replacement: &str, key: &str) -> bool {
    let mut pattern = String::from("\\A");
    let mut rest = replacement;
    while let Some(at) = rest.find('$') {
        pattern.push_str(&regex::escape(&rest[..at]));
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            pattern.push_str("\\$");
            rest = tail;
        } else if let Some(end) = after.strip_prefix('{').and_then(|a| a.find('}')) {
            pattern.push_str("(?s:.*)");
            rest = &after[end + 2..];
        } else {
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name_len == 0 {
                pattern.push_str("\\$");
            } else {
                pattern.push_str("(?s:.*)");
            }
            rest = &after[name_len..];
        }
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push_str("\\z");
    // The pattern is as long as the replacement, which the configuration bounds; if it cannot
    // be built, assume the key may be produced.
    Regex::new(&pattern).map_or(true, |regex| regex.is_match(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::SimpleMapping;
    use serde_json::json;

    type R = Result<(), Box<dyn std::error::Error>>;

    fn compiled(value: serde_json::Value) -> Result<CompiledMapping, Box<dyn std::error::Error>> {
        let config: SimpleMapping = serde_json::from_value(value)?;
        Ok(CompiledMapping::compile(&config, "m")?)
    }

    #[test]
    fn exact_key_maps_are_inverted() -> R {
        let m =
            compiled(json!({"key_exact": {"Prio": "priority", "P": "priority", "priority": "x"}}))?;
        let sources = m.key_sources("priority");
        assert_eq!(sources.known, ["P", "Prio"]);
        assert!(!sources.open);
        assert_eq!(m.key_sources("title").known, ["title"]);
        assert_eq!(m.key_sources("x").known, ["priority", "x"]);
        assert!(!m.accepts_unnamed_keys());
        Ok(())
    }

    #[test]
    fn regexes_and_map_to_make_the_sources_open() -> R {
        let m = compiled(json!({"key_regex": {"X-(.*)": "df_$1", "Y": "plain"}}))?;
        assert!(m.key_sources("df_team").open);
        assert!(m.key_sources("plain").open);
        assert!(!m.key_sources("title").open);
        assert_eq!(m.key_sources("title").known, ["title"]);
        assert!(m.accepts_unnamed_keys());
        let m = compiled(json!({"key_default": "ignore"}))?;
        assert_eq!(m.key_sources("title"), KeySources::default());
        let m = compiled(json!({"key_default": {"map_to": "rest"}}))?;
        assert!(m.key_sources("rest").open);
        Ok(())
    }

    #[test]
    fn replacements_are_read_as_templates() {
        assert!(may_produce("df_${name}_x", "df_a_x"));
        assert!(!may_produce("df_${name}_x", "df_a_y"));
        assert!(may_produce("cost$$", "cost$"));
        assert!(!may_produce("cost$$", "costs"));
        assert!(may_produce("a$", "a$"));
        assert!(may_produce("$1", ""));
    }

    #[test]
    fn value_maps_are_reported_by_key() -> R {
        let m = compiled(json!({"values": {"priority": {"exact": {"1": "low"}}}}))?;
        assert!(m.maps_values_of("priority"));
        assert!(!m.maps_values_of("title"));
        assert!(!m.drops_unmapped_values());
        let m = compiled(json!({"value_default": "ignore"}))?;
        assert!(m.maps_values_of("title"));
        assert!(m.drops_unmapped_values());
        Ok(())
    }
}
