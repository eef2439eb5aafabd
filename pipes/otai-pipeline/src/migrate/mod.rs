//! `otai migrate`: an Open Ticket AI 1.5 configuration (`open_ticket_ai:` with `orchestrator`,
//! runners, `CompositePipe` steps, `injects`, `get_env()`) converted into an otai
//! configuration, with a note for every conversion and everything that could not be converted.

use std::fmt;

use serde_json::Value;

use crate::config::{MAX_CONFIG_BYTES, at};
use crate::load::ConfigErrors;
use otai_core::Error;
use otai_yaml::{Lines, NodeId};

mod pipelines;
mod services;
mod templates;
mod yaml_out;

#[cfg(test)]
mod tests;

use yaml_out::Node;

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// Converted: what it became.
    Converted,
    /// Left out: otai does this another way, or it has no effect in otai.
    LeftOut,
    /// Could not be converted, and the configuration does not do what it did until a person
    /// acts.
    Essential,
}

/// One conversion, or one thing that could not be converted, at its place in the old file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The line in the old file.
    pub line: usize,
    /// The path in the old file (`orchestrator.steps[0].params.on`).
    pub path: String,
    /// How much it matters.
    pub severity: Severity,
    /// What happened, and why.
    pub message: String,
}

/// What converting gave: the otai configuration and a note for everything done or not done.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The otai configuration, as YAML.
    pub yaml: String,
    /// Every conversion and everything not converted, in the old file's order.
    pub notes: Vec<Note>,
    file: String,
}

impl Migration {
    /// Whether everything essential was converted.
    pub fn is_complete(&self) -> bool {
        !self.notes.iter().any(|n| n.severity == Severity::Essential)
    }

    /// The report, one line per note: `FILE:LINE: PATH: converted|left out|NOT CONVERTED: …`.
    pub fn report(&self) -> impl Iterator<Item = String> + '_ {
        self.notes.iter().map(|note| {
            let kind = match note.severity {
                Severity::Converted => "converted",
                Severity::LeftOut => "left out",
                Severity::Essential => "NOT CONVERTED",
            };
            format!(
                "{}: {kind}: {}",
                at(&self.file, note.line, &note.path),
                note.message
            )
        })
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.path, self.message)
    }
}

/// Converts Open Ticket AI 1.5 configuration `text`; `file` names it in the report. Fails only
/// when the text cannot be read as YAML (or is too large); everything else is a note.
pub fn migrate(file: &str, text: &str) -> Result<Migration, ConfigErrors> {
    if text.len() > MAX_CONFIG_BYTES {
        let message = format!("the file is larger than {MAX_CONFIG_BYTES} bytes");
        return Err(ConfigErrors(vec![Error::config(at(file, 1, ""), message)]));
    }
    let document = otai_yaml::read(text).map_err(|e| {
        ConfigErrors(vec![Error::config(
            at(file, e.line, ""),
            format!("invalid YAML: {}", e.message),
        )])
    })?;
    let mut converter = Converter {
        lines: &document.lines,
        notes: Vec::new(),
    };
    let root = converter.root(&document.value);
    converter.notes.sort_by_key(|n| n.line);
    Ok(Migration {
        yaml: format!(
            "# Converted by `otai migrate` from an Open Ticket AI configuration.\n{}",
            yaml_out::write(&root)
        ),
        notes: converter.notes,
        file: file.to_owned(),
    })
}

/// The root keys Open Ticket AI 1.5 has.
const OLD_ROOT_KEYS: [&str; 5] = [
    "api_version",
    "plugins",
    "infrastructure",
    "services",
    "orchestrator",
];

/// Walks the old file, building the new one and the notes.
pub(crate) struct Converter<'a> {
    lines: &'a Lines,
    notes: Vec<Note>,
}

impl Converter<'_> {
    /// Adds a note about `node` at `path`.
    pub(crate) fn note(
        &mut self,
        node: NodeId,
        path: &str,
        severity: Severity,
        message: impl Into<String>,
    ) {
        self.notes.push(Note {
            line: self.lines.line(node),
            path: path.to_owned(),
            severity,
            message: message.into(),
        });
    }

    /// The entries of the map at `node` in the file's order: key, node and value.
    pub(crate) fn entries<'v>(
        &self,
        node: NodeId,
        value: &'v Value,
    ) -> Vec<(String, NodeId, &'v Value)> {
        let Some(map) = value.as_object() else {
            return Vec::new();
        };
        self.lines
            .entries(node)
            .filter_map(|(key, child)| map.get(key).map(|v| (key.to_owned(), child, v)))
            .collect()
    }

    /// The items of the list at `node`: node and value.
    pub(crate) fn items<'v>(&self, node: NodeId, value: &'v Value) -> Vec<(NodeId, &'v Value)> {
        match value.as_array() {
            Some(items) => self.lines.items(node).zip(items).collect(),
            None => Vec::new(),
        }
    }

    /// The node and value of `key` in the map at `node`.
    pub(crate) fn child<'v>(
        &self,
        node: NodeId,
        value: &'v Value,
        key: &str,
    ) -> Option<(NodeId, &'v Value)> {
        let child = value.get(key)?;
        Some((self.lines.child(node, key).unwrap_or(node), child))
    }

    /// A value copied in the file's order, its templates rewritten for otai (each change noted).
    pub(crate) fn tree(&mut self, node: NodeId, value: &Value, path: &str) -> Node {
        match value {
            Value::Object(_) => Node::Map(
                self.entries(node, value)
                    .into_iter()
                    .map(|(key, child, v)| {
                        let path = join(path, &key);
                        (key, self.tree(child, v, &path))
                    })
                    .collect(),
            ),
            Value::Array(_) => Node::List(
                self.items(node, value)
                    .into_iter()
                    .enumerate()
                    .map(|(i, (child, v))| self.tree(child, v, &format!("{path}[{i}]")))
                    .collect(),
            ),
            Value::String(text) => Node::text(self.template(node, path, text)),
            other => Node::Scalar(other.clone()),
        }
    }

    /// A string with its template rewritten for otai; changes and unsupported functions noted.
    pub(crate) fn template(&mut self, node: NodeId, path: &str, text: &str) -> String {
        let rewritten = templates::rewrite(text);
        for change in &rewritten.changes {
            self.note(node, path, Severity::Converted, *change);
        }
        for function in &rewritten.unsupported {
            self.note(
                node,
                path,
                Severity::Essential,
                format!("otai has no `{function}()`: rewrite this template by hand"),
            );
        }
        rewritten.text
    }

    fn root(&mut self, value: &Value) -> Node {
        let mut node = NodeId::default();
        let mut value = value;
        if let Some((key, child)) = self.lines.entries(node).next() {
            if matches!(key, "open_ticket_ai" | "otai")
                && value.as_object().is_some_and(|m| m.len() == 1)
            {
                value = value.get(key).unwrap_or(&Value::Null);
                node = child;
            }
        }
        if !value.is_object() {
            self.note(
                node,
                "",
                Severity::Essential,
                "not an Open Ticket AI configuration: expected a map under `open_ticket_ai:`",
            );
            return Node::Map(Vec::new());
        }
        let mut out = Vec::new();
        let mut ticket_services = Vec::new();
        if let Some((child, services)) = self.child(node, value, "services") {
            let (converted, ids) = self.services(child, services);
            ticket_services = ids;
            out.push(("services".to_owned(), converted));
        }
        for (key, child, v) in self.entries(node, value) {
            match key.as_str() {
                "services" => {}
                "api_version" => self.note(
                    child,
                    &key,
                    Severity::LeftOut,
                    "otai has no api_version: it reads its own layout",
                ),
                "infrastructure" => self.note(
                    child,
                    &key,
                    Severity::LeftOut,
                    "logging is set on the command line: -v/-vv/-q and --log-format text|json",
                ),
                "plugins" if v.as_array().is_some_and(Vec::is_empty) => {
                    self.note(child, &key, Severity::LeftOut, "no plugins listed")
                }
                "plugins" => self.note(
                    child,
                    &key,
                    Severity::Essential,
                    "Python plugins cannot load in otai: an otai plugin is a Rust crate built into its own binary (see examples/custom-pipe); the pipes they gave are reported below",
                ),
                "orchestrator" => {
                    let pipelines = self.orchestrator(child, v, &ticket_services);
                    out.push(("pipelines".to_owned(), pipelines));
                }
                "pipes" | "pipelines" | "allow_env" => {
                    let copied = self.tree(child, v, &key);
                    out.push((key, copied));
                }
                other => {
                    let known = OLD_ROOT_KEYS.join("`, `");
                    self.note(
                        child,
                        other,
                        Severity::Essential,
                        format!("unknown key, not converted (Open Ticket AI 1.5 has `{known}`)"),
                    );
                }
            }
        }
        Node::Map(out)
    }
}

/// `parent.child`, or `child` at the top.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// The class part of an Open Ticket AI `use:` name: `base:FetchTicketsPipe` and
/// `otai_base:pipes.ticket_system_pipes.FetchTicketsPipe` are `FetchTicketsPipe`.
pub(crate) fn class_name(use_name: &str) -> &str {
    let after_colon = use_name.rsplit(':').next().unwrap_or(use_name);
    after_colon.rsplit('.').next().unwrap_or(after_colon)
}
