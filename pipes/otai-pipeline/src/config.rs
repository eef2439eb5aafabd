//! The YAML configuration: services, pipelines, pipes. Read in one function, [`parse`].
//!
//! The file is read once into values with the line of every node ([`otai_yaml`]); then the
//! top level, each service, each pipeline and each pipe are read on their own, so every broken
//! one reports its own error at its own line, and the rest is still read and checked.

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use crate::load::ConfigErrors;
use crate::sections::SECTION_KEYS;
use otai_core::Error;
use otai_yaml::{Lines, NodeId};

/// The largest configuration read, in bytes.
pub const MAX_CONFIG_BYTES: usize = 4 << 20;

/// A whole configuration file.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Services in file order.
    pub services: Vec<ServiceDef>,
    /// Pipelines in file order; top-level `pipes:` form the pipeline `default`, first.
    pub pipelines: Vec<PipelineDef>,
    /// Environment variables templates may read with `env()`, and secrets may come from when
    /// there is no secrets file; `None` allows every name.
    pub allow_env: Option<Vec<String>>,
    /// The line of every node.
    pub(crate) lines: Lines,
    /// Ids of services that could not be read (their errors are reported).
    pub(crate) unreadable_services: Vec<String>,
    /// The sections other parts of otai read ([`crate::sections::SECTION_KEYS`]): node, value.
    pub(crate) sections: std::collections::BTreeMap<String, (NodeId, Value)>,
}

/// Where a definition is: its node (for lines) and its path in messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    /// Its node in [`Config::lines`].
    pub(crate) node: NodeId,
    /// `services.<id>`, `pipelines.<id>`, `pipelines.<id>.pipes.<pipe id>`, `pipes.<pipe id>`.
    pub(crate) path: String,
}

/// A service: `{id, use, params}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a service: a map with `use` and `params`"
)]
#[non_exhaustive]
pub struct ServiceDef {
    /// The service's id, which pipes name in `service:`.
    #[serde(default)]
    pub id: String,
    /// The registered name of the adapter.
    #[serde(rename = "use")]
    pub use_name: String,
    /// The adapter's params (may hold `${{ secrets.NAME }}`).
    #[serde(default)]
    pub params: Value,
    /// `false`: checked, but not built; a pipe that uses it is an error.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Where it is in the file.
    #[serde(skip)]
    pub(crate) origin: Origin,
}

/// A pipeline: a trigger and its pipes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PipelineDef {
    /// The pipeline's id.
    pub id: String,
    /// When it runs (default: once).
    pub trigger: TriggerDef,
    /// Its pipes, in order.
    pub pipes: Vec<PipeDef>,
    /// `false`: checked, but never run.
    pub enabled: bool,
    /// Where it is in the file.
    pub(crate) origin: Origin,
    /// Ids of its pipes (nested ones too) that could not be read.
    pub(crate) unreadable_pipes: Vec<String>,
}

/// When a pipeline runs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a trigger: a map with `every` or `cron`"
)]
#[non_exhaustive]
pub struct TriggerDef {
    /// Run every this long: `30s`, `5m`, `1h`, `1d` (or a number of seconds).
    #[serde(default)]
    #[schemars(with = "Option<Interval>")]
    pub every: Option<Value>,
    /// Run on this cron schedule (`sec min hour day month weekday`, or 5 fields without seconds).
    #[serde(default)]
    pub cron: Option<String>,
    /// The IANA time zone the cron schedule is read in (`Europe/Berlin`); default: the
    /// system's.
    #[serde(default)]
    pub tz: Option<String>,
}

/// An interval as written: `30s`, `5m`, `1h`, `1d`, or a number of seconds.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Interval {
    /// `30s`, `5m`, `1h`, `1d`.
    Text(String),
    /// Seconds.
    Seconds(f64),
}

/// What to do when a pipe fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OnError {
    /// Fail the run (default).
    #[default]
    Fail,
    /// Record the failure and go on.
    Continue,
}

/// One step.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PipeDef {
    /// The pipe's id: its result is `pipes.<id>` in later templates.
    pub id: String,
    /// The registered name of the pipe.
    pub use_name: String,
    /// The service the pipe uses (default: the only service).
    pub service: Option<String>,
    /// Params; strings are minijinja templates, rendered right before the pipe runs.
    pub params: Value,
    /// A condition template: the pipe is skipped when it renders false.
    pub condition: Option<String>,
    /// `fail` (default) or `continue`.
    pub on_error: OnError,
    /// Nested pipes, for `foreach`.
    pub pipes: Vec<PipeDef>,
    /// `false`: checked, but skipped (with its nested pipes).
    pub enabled: bool,
    /// Where it is in the file.
    pub(crate) origin: Origin,
}

/// A pipe's own keys ([`PipeDef`]); its nested `pipes` are read one by one afterwards.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a pipe: a map with `id`, `use` and `params`"
)]
struct PipeFields {
    id: String,
    #[serde(rename = "use")]
    use_name: String,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    params: Value,
    #[serde(default, rename = "if")]
    condition: Option<String>,
    #[serde(default)]
    on_error: OnError,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    #[allow(dead_code)]
    pipes: IgnoredAny,
}

/// A pipeline's own keys ([`PipelineDef`]); its trigger and pipes are read afterwards.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a pipeline: a map with `trigger` and `pipes`"
)]
struct PipelineFields {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    trigger: IgnoredAny,
    #[serde(default)]
    #[allow(dead_code)]
    pipes: IgnoredAny,
    #[serde(default = "yes")]
    enabled: bool,
}

/// `true`: what `enabled` is when it is not written.
fn yes() -> bool {
    true
}

/// The keys each kind of node accepts (checked first, so an unknown key gets a suggestion).
/// `$schema` names the JSON Schema editors check the file with (`otai schema`).
pub(crate) const ROOT_KEYS: [&str; 5] = ["services", "pipes", "pipelines", "allow_env", "$schema"];
const SERVICE_KEYS: [&str; 4] = ["id", "use", "params", "enabled"];
const PIPELINE_KEYS: [&str; 4] = ["id", "trigger", "pipes", "enabled"];
const TRIGGER_KEYS: [&str; 3] = ["every", "cron", "tz"];
const PIPE_KEYS: [&str; 8] = [
    "id", "use", "service", "params", "if", "on_error", "enabled", "pipes",
];

/// Root keys the whole file may sit under.
pub(crate) const WRAPPERS: [&str; 2] = ["otai", "open_ticket_ai"];

/// Parses configuration text; `file` names it in errors, which are all reported at once, each
/// with its line and path. The whole file may sit under a root key `otai:` or `open_ticket_ai:`.
pub fn parse(file: &str, text: &str) -> Result<Config, ConfigErrors> {
    let (config, errors) = read(file, text);
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(errors))
    }
}

/// Reads what can be read of a configuration, and every problem found.
pub(crate) fn read(file: &str, text: &str) -> (Config, Vec<Error>) {
    if text.len() > MAX_CONFIG_BYTES {
        let message = format!("the file is larger than {MAX_CONFIG_BYTES} bytes");
        return (
            Config::default(),
            vec![Error::config(at(file, 1, ""), message)],
        );
    }
    let document = match otai_yaml::read(text) {
        Ok(document) => document,
        Err(e) => {
            let message = format!("invalid YAML: {}", e.message);
            return (
                Config::default(),
                vec![Error::config(at(file, e.line, ""), message)],
            );
        }
    };
    let mut reader = Reader {
        file,
        lines: &document.lines,
        errors: Vec::new(),
    };
    let mut config = reader.root(&document.value);
    let errors = reader.errors;
    config.lines = document.lines;
    (config, errors)
}

/// `file:line: path`, as config errors name their place.
pub(crate) fn at(file: &str, line: usize, path: &str) -> String {
    if path.is_empty() {
        format!("{file}:{line}")
    } else {
        format!("{file}:{line}: {path}")
    }
}

/// `parent.child`, or `child` at the top.
fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

struct Reader<'a> {
    file: &'a str,
    lines: &'a Lines,
    errors: Vec<Error>,
}

impl Reader<'_> {
    fn error(&mut self, node: NodeId, path: &str, message: impl Into<String>) {
        let line = self.lines.line(node);
        self.errors
            .push(Error::config(at(self.file, line, path), message));
    }

    fn root(&mut self, value: &Value) -> Config {
        let mut node = NodeId::default();
        let mut value = value;
        if let Some(map) = value.as_object().filter(|m| m.len() == 1) {
            if let Some((key, child)) = self.lines.entries(node).next() {
                if WRAPPERS.contains(&key) {
                    node = child;
                    value = map.get(key).unwrap_or(&Value::Null);
                }
            }
        }
        let mut config = Config::default();
        let Some(map) = value.as_object() else {
            let message = if value.is_null() {
                "the file is empty"
            } else {
                "the file must be a map with `services`, `pipes` or `pipelines` at the top"
            };
            self.error(node, "", message);
            return config;
        };
        if map.contains_key("orchestrator") {
            let at = self.lines.child(node, "orchestrator").unwrap_or(node);
            let file = self.file;
            self.error(
                at,
                "orchestrator",
                format!("an Open Ticket AI 1.5 configuration: convert it with `otai migrate {file} -o otai.yml`"),
            );
            return config;
        }
        let known: Vec<&str> = ROOT_KEYS.iter().chain(&SECTION_KEYS).copied().collect();
        self.unknown_keys(node, "", &known);
        let child = |key: &str| self.lines.child(node, key).unwrap_or(node);
        for key in SECTION_KEYS {
            if let Some(section) = map.get(key) {
                config
                    .sections
                    .insert(key.to_owned(), (child(key), section.clone()));
            }
        }
        if let Some(services) = map.get("services") {
            self.services(child("services"), services, &mut config);
        }
        if let Some(pipes) = map.get("pipes") {
            let node = child("pipes");
            let mut pipeline = PipelineDef {
                id: "default".into(),
                trigger: TriggerDef::default(),
                pipes: Vec::new(),
                enabled: true,
                origin: Origin {
                    node,
                    path: "pipes".into(),
                },
                unreadable_pipes: Vec::new(),
            };
            pipeline.pipes = self.pipes(node, pipes, "", &mut pipeline.unreadable_pipes);
            config.pipelines.push(pipeline);
        }
        if let Some(pipelines) = map.get("pipelines") {
            self.pipelines(child("pipelines"), pipelines, &mut config);
        }
        if let Some(allow_env) = map.get("allow_env") {
            config.allow_env = self.fields(child("allow_env"), allow_env, "allow_env", &[]);
        }
        config
    }

    /// A list of `{id, ...}` or a map keyed by id: each entry's node, value, id and path.
    fn entries<'v>(
        &mut self,
        node: NodeId,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Vec<(NodeId, &'v Value, Option<String>, String)> {
        match value {
            Value::Array(items) => self
                .lines
                .items(node)
                .zip(items)
                .enumerate()
                .map(|(i, (node, value))| {
                    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
                    let shown = match &id {
                        Some(id) => join(path, id),
                        None => format!("{path}[{i}]"),
                    };
                    (node, value, id, shown)
                })
                .collect(),
            Value::Object(map) => self
                .lines
                .entries(node)
                .filter_map(|(key, node)| {
                    let value = map.get(key)?;
                    Some((node, value, Some(key.to_owned()), join(path, key)))
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                self.error(node, path, format!("expected a list or a map of {what}"));
                Vec::new()
            }
        }
    }

    fn services(&mut self, node: NodeId, value: &Value, config: &mut Config) {
        let keyed = value.is_object();
        for (node, value, id, path) in self.entries(node, value, "services", "services") {
            match self.fields::<ServiceDef>(node, value, &path, &SERVICE_KEYS) {
                Some(mut service) => {
                    if keyed && service.id.is_empty() {
                        service.id = id.unwrap_or_default();
                    }
                    service.origin = Origin { node, path };
                    config.services.push(service);
                }
                None => config.unreadable_services.extend(id),
            }
        }
    }

    fn pipelines(&mut self, node: NodeId, value: &Value, config: &mut Config) {
        let keyed = value.is_object();
        for (node, value, id, path) in self.entries(node, value, "pipelines", "pipelines") {
            let fields = self.fields::<PipelineFields>(node, value, &path, &PIPELINE_KEYS);
            let enabled = fields.as_ref().is_none_or(|f| f.enabled);
            let mut pipeline = PipelineDef {
                id: match (keyed, fields.and_then(|f| f.id)) {
                    (_, Some(own)) if !own.is_empty() => own,
                    _ => id.unwrap_or_default(),
                },
                trigger: TriggerDef::default(),
                pipes: Vec::new(),
                enabled,
                origin: Origin {
                    node,
                    path: path.clone(),
                },
                unreadable_pipes: Vec::new(),
            };
            if pipeline.id.is_empty() {
                self.error(node, &path, "a pipeline needs an `id`");
            }
            if let Some(trigger) = value.get("trigger") {
                let node = self.lines.child(node, "trigger").unwrap_or(node);
                let path = join(&path, "trigger");
                pipeline.trigger = self
                    .fields(node, trigger, &path, &TRIGGER_KEYS)
                    .unwrap_or_default();
            }
            match value.get("pipes") {
                Some(pipes) => {
                    let node = self.lines.child(node, "pipes").unwrap_or(node);
                    let prefix = format!("{path}.");
                    pipeline.pipes =
                        self.pipes(node, pipes, &prefix, &mut pipeline.unreadable_pipes);
                }
                None if value.is_object() => self.error(node, &path, "missing field `pipes`"),
                None => {}
            }
            config.pipelines.push(pipeline);
        }
    }

    /// The pipes of the list at `node`; `prefix` is the path of their parent and a dot (or
    /// nothing at the top). Nested pipes recurse, at most [`otai_yaml::MAX_DEPTH`] / 2 deep.
    fn pipes(
        &mut self,
        node: NodeId,
        value: &Value,
        prefix: &str,
        unreadable: &mut Vec<String>,
    ) -> Vec<PipeDef> {
        let path = format!("{prefix}pipes");
        if !value.is_array() {
            if !value.is_null() {
                self.error(node, &path, "expected a list of pipes");
            }
            return Vec::new();
        }
        let mut pipes = Vec::new();
        for (node, value, id, path) in self.entries(node, value, &path, "pipes") {
            let fields = self.fields::<PipeFields>(node, value, &path, &PIPE_KEYS);
            let nested = match value.get("pipes") {
                Some(nested) => {
                    let nested_node = self.lines.child(node, "pipes").unwrap_or(node);
                    self.pipes(nested_node, nested, &format!("{path}."), unreadable)
                }
                None => Vec::new(),
            };
            match fields {
                Some(f) => pipes.push(PipeDef {
                    id: f.id,
                    use_name: f.use_name,
                    service: f.service,
                    params: f.params,
                    condition: f.condition,
                    on_error: f.on_error,
                    pipes: nested,
                    enabled: f.enabled,
                    origin: Origin { node, path },
                }),
                None => unreadable.extend(id),
            }
        }
        pipes
    }

    /// Reports every key of the map at `node` that is not `known`, with close names; whether
    /// there was one.
    fn unknown_keys(&mut self, node: NodeId, path: &str, known: &[&str]) -> bool {
        let unknown: Vec<(String, NodeId)> = self
            .lines
            .entries(node)
            .filter(|(key, _)| !known.contains(key))
            .map(|(key, node)| (key.to_owned(), node))
            .collect();
        let known: Vec<String> = known.iter().map(|k| (*k).to_owned()).collect();
        for (key, node) in &unknown {
            let message = otai_core::registry::unknown_name_message("key", key, known.iter());
            self.error(*node, &join(path, key), message);
        }
        !unknown.is_empty()
    }

    /// Reads `value` as a `T`: unknown keys (when `known` is not empty) are reported with a
    /// close name, then serde's first error, at the line of the node it concerns. `None` when
    /// anything was reported.
    fn fields<T: DeserializeOwned>(
        &mut self,
        node: NodeId,
        value: &Value,
        path: &str,
        known: &[&str],
    ) -> Option<T> {
        let mut filtered = None;
        if let Some(map) = value.as_object() {
            if !known.is_empty() && self.unknown_keys(node, path, known) {
                let mut kept = map.clone();
                kept.retain(|key, _| known.contains(&key.as_str()));
                filtered = Some(Value::Object(kept));
            }
        }
        let value = filtered.as_ref().unwrap_or(value);
        match serde_path_to_error::deserialize::<_, T>(value) {
            // A node with a misspelt key is reported once: checking the rest of it would only
            // add errors that the typo causes (a `parms:` leaves the params "missing").
            Ok(_) if filtered.is_some() => None,
            Ok(read) => Some(read),
            Err(e) => {
                let inner = e.path().to_string();
                let at = self.lines.follow(node, e.path());
                let path = if inner == "." {
                    path.to_owned()
                } else {
                    join(path, &inner)
                };
                let message = otai_core::error::plain_serde_message(&e.into_inner().to_string());
                self.error(at, &path, message);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
