//! A pipe's params split by what is known when: static parts (converted once, at load) and
//! templates (rendered on each run). Decided from the compiled param tree, never from the text.

use std::any::Any;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use minijinja::Value as Jinja;
use serde_json::Value;

use super::path::{Seg, join};
use crate::template::{Param, Templates};
use otai_core::Result;

/// A value built once from a static param (see [`crate::Shared`]), shared by every run.
pub(crate) type Memo = OnceLock<Arc<dyn Any + Send + Sync>>;

/// A pipe's params as loaded.
#[derive(Debug)]
pub(crate) enum Plan {
    /// A subtree without templates: converted once at load, borrowed by every run.
    Static(Value, Arc<Memo>),
    /// A map with templates inside.
    Map(Vec<(String, Plan)>),
    /// A list with templates inside.
    List(Vec<Plan>),
    /// A template (or anything else known only at run time, such as a secret): rendered per run.
    Template(Param),
}

impl Plan {
    /// The plan of a compiled param tree. `broken` lists paths whose templates failed to
    /// compile: they count as templates, so their placeholder value raises no second error.
    /// No params at all (`null`) are an empty map.
    pub(crate) fn new(param: &Param, broken: &[String]) -> Self {
        let broken: HashSet<&str> = broken.iter().map(String::as_str).collect();
        match Self::build(param, "", &broken) {
            Plan::Static(Value::Null, _) => Plan::Map(Vec::new()),
            plan => plan,
        }
    }

    fn build(param: &Param, path: &str, broken: &HashSet<&str>) -> Self {
        if broken.contains(path) {
            return Plan::Template(param.clone());
        }
        match param {
            Param::Static(value) => Plan::Static(value.clone(), Arc::default()),
            Param::List(items) => {
                let plans: Vec<Plan> = items
                    .iter()
                    .enumerate()
                    .map(|(i, p)| Self::build(p, &format!("{path}[{i}]"), broken))
                    .collect();
                if plans.iter().all(|p| matches!(p, Plan::Static(..))) {
                    let values = plans.into_iter().filter_map(Plan::into_static).collect();
                    Plan::Static(Value::Array(values), Arc::default())
                } else {
                    Plan::List(plans)
                }
            }
            Param::Map(entries) => {
                let plans: Vec<(String, Plan)> = entries
                    .iter()
                    .map(|(k, p)| (k.clone(), Self::build(p, &join(path, k), broken)))
                    .collect();
                if plans.iter().all(|(_, p)| matches!(p, Plan::Static(..))) {
                    let map = plans
                        .into_iter()
                        .filter_map(|(k, p)| p.into_static().map(|v| (k, v)))
                        .collect();
                    Plan::Static(Value::Object(map), Arc::default())
                } else {
                    Plan::Map(plans)
                }
            }
            other => Plan::Template(other.clone()),
        }
    }

    fn into_static(self) -> Option<Value> {
        match self {
            Plan::Static(value, _) => Some(value),
            _ => None,
        }
    }

    /// The paths of the templates, e.g. `items`, `note.body`, `rules[0].label` (`""`: the
    /// params as a whole).
    pub(crate) fn templated_paths(&self) -> Vec<String> {
        let mut paths = Vec::new();
        self.collect_templates("", &mut paths);
        paths
    }

    fn collect_templates(&self, path: &str, into: &mut Vec<String>) {
        match self {
            Plan::Static(..) => {}
            Plan::Template(_) => into.push(path.to_owned()),
            Plan::Map(entries) => entries
                .iter()
                .for_each(|(k, p)| p.collect_templates(&join(path, k), into)),
            Plan::List(items) => items
                .iter()
                .enumerate()
                .for_each(|(i, p)| p.collect_templates(&format!("{path}[{i}]"), into)),
        }
    }

    /// The params as known at load: templates are placeholders.
    pub(crate) fn placeholders(&self) -> Filled<'_> {
        match self {
            Plan::Static(value, memo) => Filled::Static(value, Some(memo)),
            Plan::Map(entries) => Filled::Map(
                entries
                    .iter()
                    .map(|(k, p)| (k.as_str(), p.placeholders()))
                    .collect(),
            ),
            Plan::List(items) => Filled::List(items.iter().map(Plan::placeholders).collect()),
            Plan::Template(_) => Filled::Placeholder,
        }
    }

    /// The params of one run: templates rendered against `scope`, static parts borrowed. Top-level
    /// keys in `skip` are left as placeholders (the caller reads them another way).
    pub(crate) fn fill(
        &self,
        templates: &Templates,
        scope: &Jinja,
        skip: &[&str],
    ) -> Result<Filled<'_>> {
        match self {
            Plan::Map(entries) => Ok(Filled::Map(
                entries
                    .iter()
                    .map(|(k, p)| {
                        let filled = if skip.contains(&k.as_str()) {
                            Filled::Placeholder
                        } else {
                            p.fill(templates, scope, &[])?
                        };
                        Ok((k.as_str(), filled))
                    })
                    .collect::<Result<_>>()?,
            )),
            Plan::Static(value, memo) => Ok(Filled::Static(value, Some(memo))),
            Plan::List(items) => Ok(Filled::List(
                items
                    .iter()
                    .map(|p| p.fill(templates, scope, &[]))
                    .collect::<Result<_>>()?,
            )),
            Plan::Template(param) => Ok(match templates.render(param, scope)? {
                Value::String(text) => Filled::Text(Handed::new(text)),
                other => Filled::Owned(other),
            }),
        }
    }
}

/// Params with every value known (or a placeholder, at load), ready to deserialize.
#[derive(Debug)]
pub(crate) enum Filled<'p> {
    /// A static value, borrowed from the plan, with its memo for [`crate::Shared`] params.
    Static(&'p Value, Option<&'p Arc<Memo>>),
    /// A rendered template.
    Owned(Value),
    /// A rendered text, moved (not copied) into the params that read it.
    Text(Handed),
    /// A map with templates inside.
    Map(Vec<(&'p str, Filled<'p>)>),
    /// A list with templates inside.
    List(Vec<Filled<'p>>),
    /// A value known only at run time: it takes whatever type is asked for.
    Placeholder,
}

/// A text the one deserialization of its params takes over; read again, it is empty.
#[derive(Debug, Default)]
pub(crate) struct Handed(Mutex<String>);

impl Handed {
    pub(crate) fn new(text: String) -> Self {
        Self(Mutex::new(text))
    }

    /// The text, leaving an empty one.
    pub(crate) fn take(&self) -> String {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<'p> Filled<'p> {
    /// Replaces the node at `path`; false when there is none, or it is a placeholder already.
    pub(crate) fn replace(&mut self, path: &[Seg], with: Filled<'p>) -> bool {
        match self.node_mut(path) {
            Some(Filled::Placeholder) | None => false,
            Some(node) => {
                *node = with;
                true
            }
        }
    }

    /// Adds `key` to the map at `path`; false when there is no map there, or it has the key.
    pub(crate) fn insert(&mut self, path: &[Seg], key: &'p str, with: Filled<'p>) -> bool {
        match self.node_mut(path) {
            Some(Filled::Map(entries)) if !entries.iter().any(|(k, _)| *k == key) => {
                entries.push((key, with));
                true
            }
            _ => false,
        }
    }

    /// The node at `path`, with static maps and lists on the way opened into their children.
    fn node_mut(&mut self, path: &[Seg]) -> Option<&mut Filled<'p>> {
        self.open();
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match (self, first) {
            (Filled::Map(entries), Seg::Key(key)) => entries
                .iter_mut()
                .find(|(k, _)| k == key)
                .and_then(|(_, node)| node.node_mut(rest)),
            (Filled::List(items), Seg::Index(i)) => items.get_mut(*i)?.node_mut(rest),
            _ => None,
        }
    }

    /// A static map or list as a map or list of static children, so that one child can change.
    fn open(&mut self) {
        let Filled::Static(value, _) = self else {
            return;
        };
        let value: &'p Value = value;
        match value {
            Value::Object(map) => {
                *self = Filled::Map(
                    map.iter()
                        .map(|(k, v)| (k.as_str(), Filled::Static(v, None)))
                        .collect(),
                );
            }
            Value::Array(items) => {
                *self = Filled::List(items.iter().map(|v| Filled::Static(v, None)).collect());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(params: Value) -> Plan {
        let mut templates = Templates::new(None, crate::Secrets::default());
        let mut errors = Vec::new();
        let param = templates.compile("p", &params, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        Plan::new(&param, &[])
    }

    #[test]
    fn static_subtrees_are_one_value_and_templates_are_named_by_path() {
        let p = plan(
            json!({"rules": [{"label": "a"}], "text": "{{ item.subject }}",
                            "note": {"subject": "s", "body": "x {{ item.id }}"}}),
        );
        assert!(!matches!(p, Plan::Static(..)));
        assert_eq!(p.templated_paths(), ["note.body", "text"]);
        let Plan::Map(entries) = &p else {
            panic!("expected a map plan, got {p:?}")
        };
        let rules = entries.iter().find(|(k, _)| k == "rules").map(|(_, p)| p);
        assert!(matches!(rules, Some(Plan::Static(v, _)) if *v == json!([{"label": "a"}])));
        assert!(matches!(
            plan(json!({"a": [1, {"b": 2}]})),
            Plan::Static(..)
        ));
        assert!(matches!(plan(Value::Null), Plan::Map(e) if e.is_empty()));
        assert_eq!(plan(json!("{{ context.p }}")).templated_paths(), [""]);
    }

    #[test]
    fn nodes_inside_static_values_can_be_replaced_and_added() {
        let p = plan(json!({"rules": [{"label": "a"}, {"label": "b"}]}));
        let mut filled = p.placeholders();
        let at = [Seg::Key("rules".into()), Seg::Index(1)];
        assert!(filled.replace(&at, Filled::Placeholder));
        assert!(
            !filled.replace(&at, Filled::Placeholder),
            "already a placeholder"
        );
        assert!(filled.insert(&[], "default", Filled::Placeholder));
        assert!(
            !filled.insert(&[], "default", Filled::Placeholder),
            "already there"
        );
        assert!(!filled.replace(&[Seg::Key("nope".into())], Filled::Placeholder));
    }
}
