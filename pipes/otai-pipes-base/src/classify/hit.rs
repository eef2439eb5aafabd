//! A classification by rules as a template value: it reads its label and extra values from the
//! rule (or default) that gave them, converting a value only when a template reads it, and is
//! written out exactly as the [`Classification`] it stands for.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value as Jinja};
use otai_pipeline::template_value;
use serde_json::{Map, Value};

use super::rules::{Best, Classification, DefaultLabel, RESULT_KEYS, Rules};

/// What `classify` with rules gives, shared with its rule table.
#[derive(Debug)]
pub(crate) enum HitValue {
    /// A rule matched.
    Rule(Arc<Rules>, Best),
    /// No rule matched: the default.
    Default(Arc<DefaultLabel>),
}

impl HitValue {
    /// The label.
    pub(crate) fn label(&self) -> &str {
        match self {
            HitValue::Rule(rules, best) => rules.rule(best.rule).label(),
            HitValue::Default(default) => &default.0.label,
        }
    }

    /// How sure it is.
    pub(crate) fn confidence(&self) -> f64 {
        match self {
            HitValue::Rule(_, best) => best.confidence,
            HitValue::Default(default) => default.0.confidence,
        }
    }

    /// The extra values of the rule or default.
    fn extra(&self) -> &Map<String, Value> {
        match self {
            HitValue::Rule(rules, best) => rules.rule(best.rule).extra(),
            HitValue::Default(default) => &default.0.extra,
        }
    }

    /// What matched, as written.
    fn matched(&self) -> Vec<&str> {
        match self {
            HitValue::Rule(rules, best) => rules.matched(best).collect(),
            HitValue::Default(default) => default.0.matched.iter().map(String::as_str).collect(),
        }
    }

    /// The classification it stands for (a copy).
    pub(crate) fn to_classification(&self) -> Classification {
        match self {
            HitValue::Rule(rules, best) => rules.classification(best),
            HitValue::Default(default) => default.0.clone(),
        }
    }
}

impl Object for HitValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        match key.as_str()? {
            "label" => Some(Jinja::from(self.label())),
            "confidence" => Some(Jinja::from(self.confidence())),
            "matched" => Some(template_value(&self.matched())),
            other => self.extra().get(other).map(template_value),
        }
    }

    /// The keys in order, as a template map of the classification has them.
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<&str> = RESULT_KEYS
            .into_iter()
            .chain(self.extra().keys().map(String::as_str))
            .collect();
        keys.sort_unstable();
        Enumerator::Values(keys.into_iter().map(Jinja::from).collect())
    }
}
