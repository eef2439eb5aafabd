//! The results of the pipes run so far, as templates see them under `pipes`.
//!
//! One shared list, in id order: a `foreach` item starts from its parent's list without a
//! copy, and a scope hands the list to its templates without one. A list is copied only when
//! it is changed while shared (an item's first result), with room for the results to come.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, Value as Jinja};

/// Results by pipe id, cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Results(Arc<PipesScope>);

/// The list behind [`Results`]: the template value of `pipes`.
#[derive(Debug, Default)]
pub(crate) struct PipesScope(Vec<(Arc<str>, Jinja)>);

/// Room for results beyond those copied, when a shared list is copied to be changed.
const ROOM: usize = 4;

impl Clone for PipesScope {
    fn clone(&self) -> Self {
        let mut list = Vec::with_capacity(self.0.len() + ROOM);
        list.extend(self.0.iter().cloned());
        Self(list)
    }
}

impl Results {
    /// Sets the result of pipe `id`, replacing an earlier one.
    pub(crate) fn insert(&mut self, id: Arc<str>, value: Jinja) {
        let list = &mut Arc::make_mut(&mut self.0).0;
        match list.binary_search_by(|(k, _)| (**k).cmp(&*id)) {
            Ok(at) => list[at].1 = value,
            Err(at) => list.insert(at, (id, value)),
        }
    }

    /// The result of pipe `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&Jinja> {
        let list = &self.0.0;
        list.binary_search_by(|(k, _)| (**k).cmp(id))
            .ok()
            .map(|at| &list[at].1)
    }

    /// The ids, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        self.0.0.iter().map(|(id, _)| id)
    }

    /// Forgets every result.
    pub(crate) fn clear(&mut self) {
        self.0 = Arc::default();
    }

    /// The results as the template value `pipes` (shared, not copied).
    pub(crate) fn value(&self) -> Jinja {
        Jinja::from_dyn_object(Arc::clone(&self.0))
    }
}

impl Object for PipesScope {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        let key = key.as_str()?;
        self.0
            .binary_search_by(|(id, _)| (**id).cmp(key))
            .ok()
            .map(|at| self.0[at].1.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let ids: Vec<Jinja> = self
            .0
            .iter()
            .map(|(id, _)| Jinja::from(id.clone()))
            .collect();
        Enumerator::Iter(Box::new(ids.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_kept_in_id_order_and_replaced_by_id() {
        let mut results = Results::default();
        results.insert("b".into(), Jinja::from(2));
        results.insert("a".into(), Jinja::from(1));
        results.insert("b".into(), Jinja::from(3));
        let ids: Vec<&str> = results.keys().map(|k| &**k).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(results.get("b"), Some(&Jinja::from(3)));
        assert_eq!(results.get("c"), None);
        let value = results.value();
        assert_eq!(value.get_attr("a").ok(), Some(Jinja::from(1)));
        assert_eq!(value.len(), Some(2));
    }

    #[test]
    fn a_clone_changes_apart_from_its_parent() {
        let mut parent = Results::default();
        parent.insert("fetch".into(), Jinja::from("tickets"));
        let shown = parent.value();
        let mut item = parent.clone();
        item.insert("classify".into(), Jinja::from("label"));
        assert_eq!(parent.keys().count(), 1);
        assert_eq!(item.keys().count(), 2);
        assert!(shown.get_attr("classify").is_ok_and(|v| v.is_undefined()));
        parent.clear();
        assert_eq!(item.get("fetch"), Some(&Jinja::from("tickets")));
    }
}
