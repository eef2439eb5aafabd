//! Typed pipe params: checked at load as far as they are known, parsed after rendering by the
//! same struct.
//!
//! A pipe's params compile into a [`Plan`]: static parts (no template inside) and templates. At
//! load the plan is deserialized with every template a [`placeholder`](placeholder::Placeholder),
//! so the static parts are type-checked, unknown keys found and missing ones named without
//! rendering anything; each problem found is replaced by a placeholder and the check goes on,
//! so every problem is reported at once. At run the templates are rendered and the same struct
//! is deserialized from the static parts where they are (never copied).

mod de;
pub(crate) mod path;
mod placeholder;
pub(crate) mod plan;
mod shared;

use serde::de::DeserializeOwned;

use crate::pipe::ParamError;
use de::{DeError, Problem, Sink, Unknown};
use otai_core::registry::{closest_names, quote_list};
use path::{PathSet, display, join};
use plan::{Filled, Plan};

pub use shared::Shared;

/// The most passes the load-time check makes (each fixes one problem).
const MAX_PASSES: usize = 64;

/// What the load-time check found: every problem, and the params when all are static and valid.
pub(crate) struct Checked<P> {
    pub(crate) errors: Vec<ParamError>,
    pub(crate) params: Option<P>,
}

/// Checks params as known at load, for pipe `name` (for messages). `check` is the pipe's own
/// check; its errors about the values of templated params (placeholders here) are dropped.
pub(crate) fn check_at_load<P: DeserializeOwned>(
    plan: &Plan,
    name: &str,
    check: impl Fn(&P) -> Result<(), Vec<ParamError>>,
) -> Checked<P> {
    let templated = plan.templated_paths();
    let mut unsure: PathSet = templated.iter().cloned().collect();
    let mut errors = Errors::default();
    let mut filled = plan.placeholders();
    for _ in 0..MAX_PASSES {
        let sink = Sink::default();
        let result = de::deserialize::<P>(&filled, &sink);
        for unknown in sink.into_inner() {
            errors.push(unknown_error(name, &unknown));
        }
        let error = match result {
            Ok(params) => {
                let found = check(&params).err().unwrap_or_default();
                for e in found {
                    if e.is_about_key() || !unsure.overlaps(&e.field) {
                        errors.push(e);
                    }
                }
                let valid = errors.list.is_empty() && templated.is_empty();
                return Checked {
                    errors: errors.list,
                    params: valid.then_some(params),
                };
            }
            Err(error) => error,
        };
        let at = error.path.clone().unwrap_or_default();
        let field = display(&at);
        let progressed = match error.problem {
            Problem::Missing(key) => {
                // `valeu: 1` already says "did you mean `value`?": `value` is not missing too.
                if !suggested(&errors.list, &field, key) {
                    errors.push(ParamError::new(join(&field, key), "missing required param"));
                }
                filled.insert(&at, key, Filled::Placeholder)
            }
            Problem::NotAMap(_) if at.is_empty() => {
                errors.push(ParamError::new("", "params must be a map"));
                filled = Filled::Map(Vec::new());
                true
            }
            _ => {
                // A value known only later, or one that replaced an earlier mistake, can cause
                // errors of its own: those are not the user's.
                if !unsure.overlaps(&field) {
                    errors.push(to_param_error(&error));
                }
                unsure.insert(field);
                filled.replace(&at, Filled::Placeholder)
            }
        };
        if !progressed {
            break;
        }
    }
    Checked {
        errors: errors.list,
        params: None,
    }
}

/// Problems found so far, each once (looked up by its field and message, not by a scan).
#[derive(Default)]
struct Errors {
    list: Vec<ParamError>,
    seen: std::collections::HashSet<(String, String, bool)>,
}

impl Errors {
    fn push(&mut self, error: ParamError) {
        let key = (
            error.field.clone(),
            error.message.clone(),
            error.is_about_key(),
        );
        if self.seen.insert(key) {
            self.list.push(error);
        }
    }
}

/// Parses rendered params; every unknown key and the first other problem.
pub(crate) fn parse<P: DeserializeOwned>(
    filled: &Filled<'_>,
    name: &str,
) -> Result<P, Vec<ParamError>> {
    let sink = Sink::default();
    let result = de::deserialize::<P>(filled, &sink);
    let mut errors: Vec<ParamError> = sink
        .into_inner()
        .iter()
        .map(|u| unknown_error(name, u))
        .collect();
    match result {
        Ok(params) if errors.is_empty() => Ok(params),
        Ok(_) => Err(errors),
        Err(error) => {
            errors.push(to_param_error(&error));
            Err(errors)
        }
    }
}

/// Whether an unknown key beside `parent.key` was already reported with `key` as its suggestion.
fn suggested(errors: &[ParamError], parent: &str, key: &str) -> bool {
    let hint = format!("did you mean `{key}`");
    errors.iter().any(|e| {
        let sibling = match e.field.rsplit_once('.') {
            Some((up, _)) => up == parent,
            None => parent.is_empty(),
        };
        sibling && e.message.starts_with("unknown") && e.message.contains(&hint)
    })
}

fn to_param_error(error: &DeError) -> ParamError {
    let field = display(error.path.as_deref().unwrap_or_default());
    match &error.problem {
        Problem::Missing(key) => ParamError::new(join(&field, key), "missing required param"),
        Problem::NotAMap(_) if field.is_empty() => ParamError::new("", "params must be a map"),
        _ => ParamError::new(
            field,
            otai_core::error::plain_serde_message(&error.to_string()),
        ),
    }
}

/// `unknown param; did you mean `value`? (`expression` accepts: value)`.
fn unknown_error(name: &str, unknown: &Unknown) -> ParamError {
    let field = display(&unknown.path);
    let key = match unknown.path.last() {
        Some(path::Seg::Key(key)) => key.as_str(),
        _ => "",
    };
    let what = if unknown.path.len() == 1 {
        "param"
    } else {
        "key"
    };
    let accepts = if unknown.path.len() == 1 {
        format!("`{name}` accepts: {}", unknown.expected.join(", "))
    } else {
        format!("accepts: {}", unknown.expected.join(", "))
    };
    let close = closest_names(key, unknown.expected.iter().copied());
    let message = if close.is_empty() {
        format!("unknown {what}; {accepts}")
    } else {
        format!(
            "unknown {what}; did you mean {}? ({accepts})",
            quote_list(&close)
        )
    };
    ParamError::key(field, message)
}

#[cfg(test)]
mod tests;
