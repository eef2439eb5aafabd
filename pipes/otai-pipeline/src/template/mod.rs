//! Pipe params as minijinja templates, compiled at load time and rendered right before a pipe runs.

use std::sync::Arc;

use minijinja::value::{Enumerator, Value as Jinja};
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior};
use serde_json::Value;

use crate::secrets::{Piece, Secrets, pieces};
use otai_core::{Error, Result};

mod bounds;
mod results;
mod set;
mod splice;

use splice::Slot;

pub(crate) use results::Results;
pub use set::TemplateSet;

/// The most output one template may produce, in bytes.
const MAX_OUTPUT: usize = 1 << 20;
/// The variable a compiled single expression stores its value in.
const RESULT: &str = "__otai_value";
/// Fuel for one render: bounds loops and recursion.
const FUEL: u64 = 500_000;
/// The longest template source shown in an error, in characters.
const MAX_SHOWN_SOURCE: usize = 120;
/// The scope variable a template with secret markers reads their values from, by name.
const SECRETS: &str = "__otai_secrets";

/// A param tree with its templates compiled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    /// A value without templates.
    Static(Value),
    /// A template yielding a string (mixed text), by name, with the secrets its markers name,
    /// and its slots when it is only text and plain paths (filled without the engine).
    Text(String, Vec<String>, Option<Vec<Slot>>),
    /// A string that is exactly one `${{ secrets.NAME }}`: the secret's value, by name.
    Secret(String),
    /// Text and secrets without template syntax, joined as they are: name and parts.
    Joined(String, Vec<Part>),
    /// A single `{{ expr }}` yielding a native value: name and expression.
    Native(String, String),
    /// A list of params.
    List(Vec<Param>),
    /// A map of params.
    Map(Vec<(String, Param)>),
}

/// A part of [`Param::Joined`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// Text as written.
    Text(String),
    /// A secret, by name.
    Secret(String),
}

/// The template environment of one configuration.
pub(crate) struct Templates {
    env: Environment<'static>,
    secrets: Secrets,
    allow_env: Option<Vec<String>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// `{{ expr }}` alone (no other text, no second expression) → `expr`.
fn single_expression(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.contains("{%"))
        .then_some(inner.trim())
}

impl Templates {
    /// An environment with otai's globals: `env(name)` (limited to `allow_env` when given),
    /// `get_pipe_result(id, key)` and `fail(message)`. Secret markers are checked against `secrets`.
    pub(crate) fn new(allow_env: Option<Vec<String>>, secrets: Secrets) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        // The filters that copy a whole value into text measure it first (see `bounds`).
        env.add_filter("tojson", bounds::tojson);
        env.add_filter("string", bounds::string);
        env.add_filter("pprint", bounds::pprint);
        env.add_filter("format", bounds::format);
        // Params are text, not HTML or JSON, whatever their name ends with (`body.html`).
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let allowed = allow_env.clone();
        env.add_function(
            "env",
            move |name: String| -> Result<Jinja, minijinja::Error> {
                if allowed
                    .as_ref()
                    .is_some_and(|allowed| !allowed.contains(&name))
                {
                    return Err(minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("env('{name}') is not allowed: add it to `allow_env`"),
                    ));
                }
                Ok(std::env::var(&name)
                    .map(Jinja::from)
                    .unwrap_or(Jinja::UNDEFINED))
            },
        );
        // Open Ticket AI's `fail()`: the pipe fails, and with it the run (or the item).
        env.add_function(
            "fail",
            |message: Option<String>| -> Result<Jinja, minijinja::Error> {
                Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    message.unwrap_or_else(|| "fail() was called".to_owned()),
                ))
            },
        );
        env.add_function(
            "get_pipe_result",
            |state: &State<'_, '_>, id: String, key: Option<String>| {
                let pipes = state.lookup("pipes").unwrap_or(Jinja::UNDEFINED);
                let result = pipes.get_attr(&id)?;
                if result.is_undefined() {
                    return Err(minijinja::Error::new(
                        minijinja::ErrorKind::UndefinedError,
                        format!("no result of pipe `{id}` (yet)"),
                    ));
                }
                match key {
                    Some(key) => result.get_attr(&key),
                    None => Ok(result),
                }
            },
        );
        Self {
            env,
            secrets,
            allow_env,
        }
    }

    /// Compiles every template in `value`, naming them `<prefix>.<path>`. Collects syntax errors.
    pub(crate) fn compile(
        &mut self,
        prefix: &str,
        value: &Value,
        errors: &mut Vec<Error>,
    ) -> Param {
        match value {
            Value::String(text) if text.contains("${{") => {
                self.compile_with_secrets(prefix, text, errors)
            }
            Value::String(text) if is_template(text) => {
                if let Some(expr) = single_expression(text) {
                    // Compiled once as `{% set %}`, so rendering does not parse it again.
                    // Checked as an expression first, for its error messages.
                    let compiled = self
                        .env
                        .compile_expression(expr)
                        .map(|_| ())
                        .and_then(|()| {
                            if expr.contains("%}") {
                                return Ok(());
                            }
                            let source = format!("{{% set {RESULT} = {expr} %}}");
                            self.env.add_template_owned(prefix.to_owned(), source)
                        });
                    return match compiled {
                        Ok(()) => Param::Native(prefix.to_owned(), expr.to_owned()),
                        Err(e) => {
                            errors.push(Error::Template {
                                name: prefix.to_owned(),
                                message: describe(&e),
                            });
                            Param::Static(Value::Null)
                        }
                    };
                }
                match self.env.add_template_owned(prefix.to_owned(), text.clone()) {
                    Ok(()) => Param::Text(prefix.to_owned(), Vec::new(), splice::slots(text)),
                    Err(e) => {
                        errors.push(Error::Template {
                            name: prefix.to_owned(),
                            message: describe(&e),
                        });
                        Param::Static(Value::Null)
                    }
                }
            }
            Value::Array(items) => Param::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.compile(&format!("{prefix}[{i}]"), v, errors))
                    .collect(),
            ),
            Value::Object(map) => Param::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.compile(&format!("{prefix}.{k}"), v, errors)))
                    .collect(),
            ),
            other => Param::Static(other.clone()),
        }
    }

    /// Compiles a string with secret markers: the markers become references to the secrets,
    /// whose values are read when rendering and never parsed as template source.
    fn compile_with_secrets(&mut self, prefix: &str, text: &str, errors: &mut Vec<Error>) -> Param {
        let problem = |message: String| Error::Config {
            path: prefix.to_owned(),
            message,
        };
        let pieces = match pieces(text) {
            Ok(pieces) => pieces,
            Err(message) => {
                errors.push(problem(message));
                return Param::Static(Value::Null);
            }
        };
        if let Some(tag) = tag_around_a_marker(&pieces) {
            errors.push(problem(format!(
                "a secret marker cannot be inside `{tag}`: write `${{{{ secrets.NAME }}}}` outside it"
            )));
            return Param::Static(Value::Null);
        }
        let mut names = Vec::new();
        for piece in &pieces {
            if let Piece::Secret(name) = piece {
                match self.secrets.resolve(name, self.allow_env.as_deref()) {
                    Ok(()) if !names.iter().any(|n| n == name) => names.push((*name).to_owned()),
                    Ok(()) => {}
                    Err(message) => errors.push(problem(message)),
                }
            }
        }
        if let [Piece::Secret(name)] = pieces.as_slice() {
            return Param::Secret((*name).to_owned());
        }
        if !pieces
            .iter()
            .any(|p| matches!(p, Piece::Text(t) if is_template(t)))
        {
            return Param::Joined(
                prefix.to_owned(),
                pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => Part::Text((*t).to_owned()),
                        Piece::Secret(n) => Part::Secret((*n).to_owned()),
                    })
                    .collect(),
            );
        }
        let source: String = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => (*t).to_owned(),
                Piece::Secret(n) => format!("{{{{ {SECRETS}[\"{n}\"] }}}}"),
            })
            .collect();
        match self.env.add_template_owned(prefix.to_owned(), source) {
            Ok(()) => Param::Text(prefix.to_owned(), names, None),
            Err(e) => {
                errors.push(Error::Template {
                    name: prefix.to_owned(),
                    message: describe(&e),
                });
                Param::Static(Value::Null)
            }
        }
    }

    /// The value of secret `secret`, for param `name`.
    fn secret(&self, name: &str, secret: &str) -> Result<String> {
        self.secrets.value(secret).ok_or_else(|| Error::Template {
            name: name.to_owned(),
            message: format!("secret `{secret}` was not loaded"),
        })
    }

    /// `Param::Joined`'s text.
    fn joined(&self, name: &str, parts: &[Part]) -> Result<String> {
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Secret(secret) => out.push_str(&self.secret(name, secret)?),
            }
        }
        Ok(out)
    }

    /// Renders a compiled param tree against `scope`.
    pub(crate) fn render(&self, param: &Param, scope: &Jinja) -> Result<Value> {
        Ok(match param {
            Param::Static(v) => v.clone(),
            Param::Text(name, secrets, slots) => {
                Value::String(self.text(name, secrets, slots.as_deref(), scope)?)
            }
            Param::Secret(secret) => Value::String(self.secret(secret, secret)?),
            Param::Joined(name, parts) => Value::String(self.joined(name, parts)?),
            Param::Native(name, expr) => {
                let value = self.eval_native(name, expr, scope)?;
                serde_json::to_value(&value).map_err(|e| Error::Template {
                    name: name.clone(),
                    message: format!("not a value: {e}"),
                })?
            }
            Param::List(items) => Value::Array(
                items
                    .iter()
                    .map(|p| self.render(p, scope))
                    .collect::<Result<_>>()?,
            ),
            Param::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, p)| Ok((k.clone(), self.render(p, scope)?)))
                    .collect::<Result<_>>()?,
            ),
        })
    }

    /// Evaluates a compiled param tree to a template value: like [`Templates::render`], but a
    /// single expression's value is kept as it is (a list of tickets stays shared, not copied).
    pub(crate) fn eval(&self, param: &Param, scope: &Jinja) -> Result<Jinja> {
        Ok(match param {
            Param::Static(v) => jinja(v),
            Param::Text(name, secrets, slots) => {
                Jinja::from(self.text(name, secrets, slots.as_deref(), scope)?)
            }
            Param::Secret(secret) => Jinja::from(self.secret(secret, secret)?),
            Param::Joined(name, parts) => Jinja::from(self.joined(name, parts)?),
            Param::Native(name, expr) => self.eval_native(name, expr, scope)?,
            Param::List(items) => items
                .iter()
                .map(|p| self.eval(p, scope))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .collect(),
            Param::Map(entries) => Jinja::from_pairs(
                entries
                    .iter()
                    .map(|(k, p)| Ok((k.as_str(), self.eval(p, scope)?)))
                    .collect::<Result<Vec<_>>>()?,
            ),
        })
    }

    fn eval_native(&self, name: &str, expr: &str, scope: &Jinja) -> Result<Jinja> {
        // Most params are a plain path (`item.subject`, `pipes.classify.queue`): walked directly.
        // Anything else, and any path that does not resolve, goes through the engine, which
        // also gives the exact error.
        if let Some(value) = simple_path(expr).and_then(|path| lookup(scope, path)) {
            return Ok(value);
        }
        if let Some(value) = splice::path_or_text(expr, scope) {
            return Ok(value);
        }
        let failed = |e: minijinja::Error| self.render_error(name, expr, scope, describe(&e));
        let value = match self.env.get_template(name) {
            Ok(template) => template
                .render_captured(scope)
                .map_err(failed)?
                .state()
                .lookup(RESULT)
                .unwrap_or(Jinja::UNDEFINED),
            Err(_) => self
                .env
                .compile_expression_owned(expr.to_owned())
                .map_err(failed)?
                .eval(scope.clone())
                .map_err(failed)?,
        };
        if value.is_undefined() {
            return Err(self.render_error(name, expr, scope, "undefined value".into()));
        }
        // A value made by the template is measured before anyone copies it.
        bounds::check_size(&value)
            .map_err(|message| self.render_error(name, expr, scope, message))?;
        Ok(value)
    }

    /// A text param: filled from its slots when they show it exactly, else rendered.
    fn text(
        &self,
        name: &str,
        secrets: &[String],
        slots: Option<&[Slot]>,
        scope: &Jinja,
    ) -> Result<String> {
        match slots.and_then(|slots| splice::fill(slots, scope)) {
            Some(text) if text.len() <= MAX_OUTPUT => Ok(text),
            _ => self.render_text(name, secrets, scope),
        }
    }

    fn render_text(&self, name: &str, secrets: &[String], scope: &Jinja) -> Result<String> {
        let template = self.env.get_template(name).map_err(|e| Error::Template {
            name: name.to_owned(),
            message: describe(&e),
        })?;
        let scope = if secrets.is_empty() {
            scope.clone()
        } else {
            let values = secrets
                .iter()
                .map(|s| Ok((s.as_str(), Jinja::from(self.secret(name, s)?))))
                .collect::<Result<Vec<_>>>()?;
            let values = Jinja::from_pairs(values);
            minijinja::value::merge_maps([Jinja::from_pairs([(SECRETS, values)]), scope.clone()])
        };
        let text = template
            .render(&scope)
            .map_err(|e| self.render_error(name, template.source(), &scope, describe(&e)))?;
        if text.len() > MAX_OUTPUT {
            return Err(Error::Template {
                name: name.to_owned(),
                message: format!("output larger than {MAX_OUTPUT} bytes"),
            });
        }
        Ok(text)
    }

    /// A render failure of template `name` (source `source`): `message`, why an item's field
    /// is undefined when that is the cause, and the expression, shortened and without secrets.
    fn render_error(&self, name: &str, source: &str, scope: &Jinja, message: String) -> Error {
        let mut message = message;
        if message.starts_with("undefined value") {
            if let Some(hint) = crate::values::unknown_field_hint(source, scope) {
                message = format!("undefined value: {hint}");
            }
        }
        let shown = otai_core::error::shorten(source.trim(), MAX_SHOWN_SOURCE);
        let shown = self.secrets.redact(&shown);
        let shown = if source.contains("{{") || source.contains("{%") {
            shown
        } else {
            format!("{{{{ {shown} }}}}")
        };
        Error::Template {
            name: name.to_owned(),
            message: format!("{message} (in `{shown}`)"),
        }
    }

    /// Whether a condition template renders truthy (`false`, `0`, empty, `none` are false).
    pub(crate) fn truthy(&self, param: &Param, scope: &Jinja) -> Result<bool> {
        Ok(match self.render(param, scope)? {
            Value::Bool(b) => b,
            Value::Null => false,
            Value::Number(n) => n.as_f64().is_some_and(|v| v != 0.0),
            Value::String(s) => !matches!(
                s.trim().to_lowercase().as_str(),
                "" | "false" | "0" | "no" | "none"
            ),
            Value::Array(a) => !a.is_empty(),
            Value::Object(m) => !m.is_empty(),
        })
    }
}

/// The tag (`{{ … }}`, `{% … %}`, `{# … #}`) a secret marker stands inside, if one does. One
/// pass: where each kind of tag next opens is remembered, and looked for again only once passed.
fn tag_around_a_marker(pieces: &[Piece<'_>]) -> Option<&'static str> {
    const TAGS: [(&str, &str, &str); 3] = [
        ("{{", "}}", "{{ … }}"),
        ("{%", "%}", "{% … %}"),
        ("{#", "#}", "{# … #}"),
    ];
    let mut open: Option<(&str, &'static str)> = None;
    for piece in pieces {
        let text = match piece {
            Piece::Secret(_) => match open {
                Some((_, shown)) => return Some(shown),
                None => continue,
            },
            Piece::Text(text) => *text,
        };
        let mut at = 0;
        let mut next: [Option<usize>; 3] = TAGS.map(|(start, ..)| text.find(start));
        loop {
            match open {
                Some((close, _)) => match text[at..].find(close) {
                    Some(found) => {
                        at += found + close.len();
                        open = None;
                    }
                    None => break,
                },
                None => {
                    for (slot, (start, ..)) in next.iter_mut().zip(TAGS) {
                        if slot.is_some_and(|p| p < at) {
                            *slot = text[at..].find(start).map(|found| at + found);
                        }
                    }
                    let first = next
                        .iter()
                        .zip(TAGS)
                        .filter_map(|(p, (start, close, shown))| {
                            p.map(|p| (p, start.len(), close, shown))
                        })
                        .min_by_key(|(p, ..)| *p);
                    match first {
                        Some((p, len, close, shown)) => {
                            at = p + len;
                            open = Some((close, shown));
                        }
                        None => break,
                    }
                }
            }
        }
    }
    None
}

/// `expr` as a dotted path of plain names (`item.queue.name`), when it is one.
fn simple_path(expr: &str) -> Option<std::str::Split<'_, char>> {
    let plain = |segment: &str| {
        let mut chars = segment.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let literal = matches!(
        expr,
        "true" | "false" | "none" | "True" | "False" | "None" | "loop" | "self"
    );
    (!literal && expr.split('.').all(plain)).then(|| expr.split('.'))
}

/// Walks `path` from `scope`; `None` when any step is undefined.
fn lookup<'a>(scope: &Jinja, mut path: impl Iterator<Item = &'a str>) -> Option<Jinja> {
    let mut value = scope.get_attr(path.next()?).ok()?;
    for segment in path {
        if value.is_undefined() {
            return None;
        }
        value = value.get_attr(segment).ok()?;
    }
    (!value.is_undefined()).then_some(value)
}

/// A minijinja error as one line: kind and detail, without the template source.
fn describe(e: &minijinja::Error) -> String {
    if e.kind() == minijinja::ErrorKind::OutOfFuel {
        return format!(
            "the template did too much work (a runaway loop?): a render may take at most {FUEL} steps"
        );
    }
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// A JSON value as a template value (converted once, then shared cheaply).
pub(crate) fn jinja(value: &Value) -> Jinja {
    Jinja::from(minijinja::value::Serde(value))
}

/// The scope templates see: `context`, `pipes`, and in loops `item` and `index`. Every part is
/// already a template value, so building a scope copies no data: it is one small object that
/// shares the parts.
pub(crate) fn scope(context: &Jinja, pipes: &Results, item: Option<(&Jinja, usize)>) -> Jinja {
    Jinja::from_object(Scope {
        context: context.clone(),
        pipes: pipes.value(),
        item: item.map(|(item, index)| (item.clone(), index)),
    })
}

/// The root of a template's scope (see [`scope`]).
#[derive(Debug)]
struct Scope {
    context: Jinja,
    pipes: Jinja,
    item: Option<(Jinja, usize)>,
}

impl minijinja::value::Object for Scope {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        match key.as_str()? {
            "context" => Some(self.context.clone()),
            "pipes" => Some(self.pipes.clone()),
            "item" => self.item.as_ref().map(|(item, _)| item.clone()),
            "index" => self.item.as_ref().map(|(_, index)| Jinja::from(*index)),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.item {
            Some(_) => Enumerator::Str(&["context", "pipes", "item", "index"]),
            None => Enumerator::Str(&["context", "pipes"]),
        }
    }
}

#[cfg(test)]
mod tests;
