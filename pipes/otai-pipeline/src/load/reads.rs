//! Which pipes' results are read, found at load: a pipe whose result nobody reads may skip the
//! work that only feeds it (`update_ticket`'s read-back, `foreach`'s collected items).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::config::PipeDef;
use crate::engine::{CompiledPipe, Readers, Step};
use crate::params::plan::Plan;

/// The ways a template names a pipe's result, and whether the id is quoted after the marker.
const MARKERS: [(&str, bool); 5] = [
    ("pipes.", false),
    ("pipes['", true),
    ("pipes[\"", true),
    ("get_pipe_result('", true),
    ("get_pipe_result(\"", true),
];

/// The pipe results one pipeline's templates (params and `if:`) read.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct TemplateReads {
    /// Pipe ids named in templates, each with the number of templates naming it.
    ids: BTreeMap<String, usize>,
    /// A template reaches results in a way that names no pipe (`pipes` as a whole, an index
    /// that is not a literal): every result counts as read.
    dynamic: bool,
}

impl TemplateReads {
    /// What the templates of `pipes` (and of the pipes nested in them) read.
    pub(crate) fn of(pipes: &[PipeDef]) -> Self {
        let mut reads = Self::default();
        let mut stack: Vec<&PipeDef> = pipes.iter().collect();
        while let Some(def) = stack.pop() {
            for_each_text(&def.params, |text| {
                if is_template(text) {
                    reads.template(text);
                }
            });
            if let Some(condition) = &def.condition {
                reads.template(condition);
            }
            stack.extend(&def.pipes);
        }
        reads
    }

    fn template(&mut self, text: &str) {
        for id in references_in(text) {
            *self.ids.entry(id).or_default() += 1;
        }
        self.dynamic |= reads_dynamically(text);
    }

    /// Whether a template reads the result of pipe `id`.
    fn reads(&self, id: &str) -> bool {
        self.dynamic || self.ids.contains_key(id)
    }

    /// Whether exactly one template reads the result of pipe `id`, by name.
    fn read_once(&self, id: &str) -> bool {
        !self.dynamic && self.ids.get(id) == Some(&1)
    }

    /// Sets who reads each pipe's result. A top-level pipe's result reaches the caller of the
    /// run; a `foreach` that collects passes its readers on to its nested pipes (their results
    /// are its `items`). A pipe whose result only the `foreach` right after it reads, as its
    /// `items`, feeds that loop ([`CompiledPipe::feeds_next`]), when neither has an `if:`.
    pub(crate) fn mark(&self, pipes: &mut [CompiledPipe]) {
        let top = Readers {
            templates: false,
            caller: true,
        };
        let mut stack: Vec<(&mut [CompiledPipe], Readers)> = vec![(pipes, top)];
        while let Some((siblings, inherited)) = stack.pop() {
            for at in 1..siblings.len() {
                let (before, after) = siblings.split_at_mut(at);
                if let (Some(source), Some(each)) = (before.last_mut(), after.first()) {
                    source.feeds_next = self.feeds(source, each);
                }
            }
            for pipe in siblings.iter_mut() {
                pipe.readers = Readers {
                    templates: inherited.templates || self.reads(&pipe.id),
                    caller: inherited.caller,
                };
                let passed = if collect_turned_off(&pipe.plan) {
                    Readers::default()
                } else {
                    pipe.readers
                };
                if let Step::Foreach(children) = &mut pipe.step {
                    stack.push((children.as_mut_slice(), passed));
                }
            }
        }
    }

    /// Whether `source` can feed `each`, the pipe after it.
    fn feeds(&self, source: &CompiledPipe, each: &CompiledPipe) -> bool {
        matches!(source.step, Step::Pipe { .. })
            && matches!(each.step, Step::Foreach(_))
            && each.items_from.as_deref() == Some(&*source.id)
            && source.condition.is_none()
            && each.condition.is_none()
            && self.read_once(&source.id)
    }
}

/// The pipe whose `tickets` a `foreach`'s `items` are, when `items` is exactly
/// `{{ pipes.<id>.tickets }}`.
pub(crate) fn items_from(params: &Value) -> Option<String> {
    let text = params.get("items")?.as_str()?.trim();
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let id = inner.strip_prefix("pipes.")?.strip_suffix(".tickets")?;
    let valid = !id.is_empty() && id.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then(|| id.to_owned())
}

/// Whether a `foreach`'s params say `collect: false`.
fn collect_turned_off(plan: &Plan) -> bool {
    let is_false = |value: Option<&Value>| value == Some(&Value::Bool(false));
    match plan {
        Plan::Static(Value::Object(map), _) => is_false(map.get("collect")),
        Plan::Map(entries) => entries.iter().any(|(key, plan)| {
            key == "collect" && matches!(plan, Plan::Static(value, _) if is_false(Some(value)))
        }),
        _ => false,
    }
}

/// Whether `text` is a template (static text reads nothing).
fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// Calls `f` with every string in `value`.
fn for_each_text(value: &Value, mut f: impl FnMut(&str)) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(text) => f(text),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
}

/// Whether `text` names `pipes` or `get_pipe_result` in a way [`references`] cannot resolve to
/// a pipe id: `pipes` alone, `pipes[name]`, `get_pipe_result(name)`.
fn reads_dynamically(text: &str) -> bool {
    for word in ["pipes", "get_pipe_result"] {
        let mut rest = text;
        while let Some(at) = rest.find(word) {
            let before = rest[..at].chars().last();
            rest = &rest[at + word.len()..];
            let after = rest.chars().next();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                || after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let resolved = MARKERS.iter().any(|(marker, _)| {
                marker
                    .strip_prefix(word)
                    .is_some_and(|m| rest.starts_with(m))
            });
            if !resolved {
                return true;
            }
        }
    }
    false
}

/// Pipe ids a param tree refers to: `pipes.<id>`, `pipes['<id>']` and `get_pipe_result('<id>'`.
pub(super) fn references(value: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for_each_text(value, |text| found.extend(references_in(text)));
    found
}

fn references_in(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (marker, quoted) in MARKERS {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            let before = rest[..at].chars().last();
            rest = &rest[at + marker.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let id: String = if quoted {
                rest.chars()
                    .take_while(|c| *c != '\'' && *c != '"')
                    .collect()
            } else {
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            };
            if !id.is_empty() {
                found.insert(id);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_pipes_a_template_reads() {
        let params = serde_json::json!({
            "a": "{{ pipes.fetch.tickets }}",
            "b": ["{{ pipes['classify'].label }}", "{{ get_pipe_result(\"x\") }}"],
            "c": "{{ item.pipes.not_a_pipe }}",
        });
        let ids: Vec<String> = references(&params).into_iter().collect();
        assert_eq!(ids, ["classify", "fetch", "x"]);
    }

    #[test]
    fn a_loop_reads_a_pipes_tickets_only_in_the_exact_form() {
        let items = |text: &str| items_from(&serde_json::json!({ "items": text }));
        assert_eq!(items("{{ pipes.fetch.tickets }}"), Some("fetch".into()));
        assert_eq!(items(" {{pipes.f_2.tickets}} "), Some("f_2".into()));
        for other in [
            "{{ pipes.fetch.tickets[:5] }}",
            "{{ pipes.fetch.tickets | reverse }}",
            "{{ pipes.fetch }}",
            "{{ pipes.a.b.tickets }}",
            "x {{ pipes.fetch.tickets }}",
        ] {
            assert_eq!(items(other), None, "{other}");
        }
    }

    #[test]
    fn reads_that_name_no_pipe_count_as_reading_every_result() {
        for text in [
            "{{ pipes }}",
            "{% for k, v in pipes|items %}{{ k }}{% endfor %}",
            "{{ pipes[name] }}",
            "{{ get_pipe_result(name) }}",
        ] {
            assert!(reads_dynamically(text), "{text}");
        }
        for text in [
            "{{ pipes.move.ticket }}",
            "{{ pipes['move'] }}",
            "{{ item.pipes }}",
            "{{ my_pipes }}",
            "{{ pipes_seen }}",
        ] {
            assert!(!reads_dynamically(text), "{text}");
        }
    }
}
