//! Validation rules, compiled once at load and checked against each payload: every violation is
//! reported, up to [`MAX_VIOLATIONS`].

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use crate::config::{Kind, RuleConfig, UnknownFields};

/// The most violations one reply lists.
pub const MAX_VIOLATIONS: usize = 100;
/// The deepest nesting of arrays and objects a payload may have.
pub const MAX_DEPTH: usize = 32;

/// One problem with a request, as the API reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The field (dotted path), or empty for the request as a whole.
    pub field: String,
    /// A stable code: `required`, `type`, `enum`, `min_length`, … .
    pub code: String,
    /// In words.
    pub message: String,
}

impl Violation {
    /// A violation of `field`.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// The rules of one field, compiled.
#[derive(Debug, Clone)]
pub struct FieldRule {
    /// The dotted path.
    pub path: String,
    segments: Vec<String>,
    /// The rule as written.
    pub rule: RuleConfig,
    pattern: Option<Regex>,
}

/// The rules of one integration.
#[derive(Debug, Clone)]
pub struct Rules {
    fields: Vec<FieldRule>,
    declared: BTreeSet<String>,
    parents: BTreeSet<String>,
    unknown: UnknownFields,
}

impl Rules {
    /// Compiles `rules`; problems are `(field, message)` pairs.
    pub fn compile(
        rules: &BTreeMap<String, RuleConfig>,
        unknown: UnknownFields,
    ) -> Result<Self, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut fields = Vec::new();
        let mut parents = BTreeSet::new();
        for (path, rule) in rules {
            let segments: Vec<String> = path.split('.').map(str::to_owned).collect();
            if segments.iter().any(String::is_empty) {
                problems.push((path.clone(), "a field path has an empty part".to_owned()));
                continue;
            }
            for end in 1..segments.len() {
                parents.insert(segments[..end].join("."));
            }
            let pattern = match &rule.pattern {
                Some(pattern) => match Regex::new(pattern) {
                    Ok(regex) => Some(regex),
                    Err(e) => {
                        problems.push((format!("{path}.pattern"), e.to_string()));
                        None
                    }
                },
                None => None,
            };
            if let (Some(min), Some(max)) = (rule.min_length, rule.max_length)
                && min > max
            {
                problems.push((path.clone(), "min_length is above max_length".to_owned()));
            }
            if let (Some(min), Some(max)) = (rule.minimum, rule.maximum)
                && min > max
            {
                problems.push((path.clone(), "minimum is above maximum".to_owned()));
            }
            fields.push(FieldRule {
                path: path.clone(),
                segments,
                rule: rule.clone(),
                pattern,
            });
        }
        for parent in &parents {
            if let Some(rule) = rules.get(parent)
                && rule.kind.is_some_and(|k| k != Kind::Object)
            {
                problems.push((
                    parent.clone(),
                    "has nested fields, so its type must be object".to_owned(),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            declared: rules.keys().cloned().collect(),
            fields,
            parents,
            unknown,
        })
    }

    /// The compiled rules, by path.
    pub fn fields(&self) -> &[FieldRule] {
        &self.fields
    }

    /// What happens to fields the rules do not name.
    pub fn unknown_fields(&self) -> UnknownFields {
        self.unknown
    }

    /// Every violation of the rules by `payload` (an object), at most [`MAX_VIOLATIONS`].
    pub fn check(&self, payload: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        for field in &self.fields {
            check_field(field, lookup(payload, &field.segments), &mut out);
        }
        if self.unknown == UnknownFields::Reject
            && let Value::Object(map) = payload
        {
            let mut stack = vec![(String::new(), map)];
            while let Some((prefix, map)) = stack.pop() {
                for (key, value) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    let nested = self.parents.contains(&path);
                    if nested {
                        if let Value::Object(inner) = value {
                            stack.push((path, inner));
                        }
                    } else if !self.declared.contains(&path) {
                        out.push(Violation::new(
                            &path,
                            "unknown_field",
                            "is not a field of this API",
                        ));
                    }
                }
            }
        }
        if out.len() > MAX_VIOLATIONS {
            out.truncate(MAX_VIOLATIONS);
            out.push(Violation::new(
                "",
                "too_many_errors",
                format!("more problems than the {MAX_VIOLATIONS} listed"),
            ));
        }
        out
    }
}

fn lookup<'a>(payload: &'a Value, segments: &[String]) -> Option<&'a Value> {
    let mut value = payload;
    for segment in segments {
        value = value.as_object()?.get(segment)?;
    }
    (!value.is_null()).then_some(value)
}

fn check_field(field: &FieldRule, value: Option<&Value>, out: &mut Vec<Violation>) {
    let path = field.path.as_str();
    let rule = &field.rule;
    let Some(value) = value else {
        if rule.required {
            out.push(Violation::new(path, "required", "is required"));
        }
        return;
    };
    if let Some(kind) = rule.kind
        && !kind.matches(value)
    {
        out.push(Violation::new(
            path,
            "type",
            format!("must be of type {}", kind.name()),
        ));
        return;
    }
    if let Some(allowed) = &rule.one_of
        && !allowed.contains(value)
    {
        let shown: Vec<String> = allowed
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        out.push(Violation::new(
            path,
            "enum",
            format!("must be one of: {}", shown.join(", ")),
        ));
    }
    let length = match value {
        Value::String(text) => Some((text.chars().count(), "characters")),
        Value::Array(items) => Some((items.len(), "items")),
        _ => None,
    };
    if let Some((length, unit)) = length {
        if let Some(min) = rule.min_length
            && length < min
        {
            out.push(Violation::new(
                path,
                "min_length",
                format!("must have at least {min} {unit}"),
            ));
        }
        if let Some(max) = rule.max_length
            && length > max
        {
            out.push(Violation::new(
                path,
                "max_length",
                format!("must have at most {max} {unit}"),
            ));
        }
    }
    if let (Some(regex), Value::String(text)) = (&field.pattern, value)
        && !regex.is_match(text)
    {
        let pattern = rule.pattern.as_deref().unwrap_or_default();
        out.push(Violation::new(
            path,
            "pattern",
            format!("must match `{pattern}`"),
        ));
    }
    if let Some(number) = value.as_f64() {
        if let Some(min) = rule.minimum
            && number < min
        {
            out.push(Violation::new(
                path,
                "minimum",
                format!("must be at least {min}"),
            ));
        }
        if let Some(max) = rule.maximum
            && number > max
        {
            out.push(Violation::new(
                path,
                "maximum",
                format!("must be at most {max}"),
            ));
        }
    }
}

/// Whether `value` nests arrays and objects deeper than `max` (checked without recursion).
pub fn too_deep(value: &Value, max: usize) -> bool {
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth >= max {
            return true;
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    false
}

#[cfg(test)]
mod tests;
