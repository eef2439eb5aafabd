//! Templates of a config section, compiled once and rendered against data: for the crates that
//! own a top-level section (`inbound:` tickets) and want the pipelines' template rules.

use std::sync::Arc;

use serde_json::Value;

use super::{Param, Templates, jinja};
use otai_core::Result;

/// A value of a config section with its templates compiled (secret markers resolved at render,
/// never parsed as template source). Render it against plain data: the data's values are only
/// ever values, never template source.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    templates: Arc<Templates>,
    param: Param,
}

impl TemplateSet {
    pub(crate) fn new(templates: Templates, param: Param) -> Self {
        Self {
            templates: Arc::new(templates),
            param,
        }
    }

    /// Renders the value with `scope` (name → data) as the templates' variables. Nested data
    /// deeper than a caller can trust should be refused before it reaches here.
    pub fn render(&self, scope: &[(&str, &Value)]) -> Result<Value> {
        let scope =
            minijinja::Value::from_pairs(scope.iter().map(|(name, value)| (*name, jinja(value))));
        self.templates.render(&self.param, &scope)
    }
}
