//! The YAML configuration: services, pipelines, pipes. Parsed in one function, [`parse`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use otai_core::{Error, Result};

/// A whole configuration file.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Services in file order.
    pub services: Vec<ServiceDef>,
    /// Pipelines in file order; top-level `pipes:` form the pipeline `default`.
    pub pipelines: Vec<PipelineDef>,
    /// Environment variables templates may read with `env()`; `None` allows every name.
    pub allow_env: Option<Vec<String>>,
}

/// A service: `{id, use, params}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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
}

/// A pipeline: a trigger and its pipes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PipelineDef {
    /// The pipeline's id.
    #[serde(default)]
    pub id: String,
    /// When it runs (default: once).
    #[serde(default)]
    pub trigger: TriggerDef,
    /// Its pipes, in order.
    pub pipes: Vec<PipeDef>,
}

/// When a pipeline runs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerDef {
    /// Run every this long: `30s`, `5m`, `1h`, `1d` (or a number of seconds).
    #[serde(default)]
    pub every: Option<Value>,
    /// Run on this cron schedule (`sec min hour day month weekday`, or 5 fields without seconds).
    #[serde(default)]
    pub cron: Option<String>,
}

/// What to do when a pipe fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PipeDef {
    /// The pipe's id: its result is `pipes.<id>` in later templates.
    pub id: String,
    /// The registered name of the pipe.
    #[serde(rename = "use")]
    pub use_name: String,
    /// The service the pipe uses (default: the only service).
    #[serde(default)]
    pub service: Option<String>,
    /// Params; strings are minijinja templates, rendered right before the pipe runs.
    #[serde(default)]
    pub params: Value,
    /// A condition template: the pipe is skipped when it renders false.
    #[serde(default, rename = "if")]
    pub condition: Option<String>,
    /// `fail` (default) or `continue`.
    #[serde(default)]
    pub on_error: OnError,
    /// Nested pipes, for `foreach`.
    #[serde(default)]
    pub pipes: Vec<PipeDef>,
}

/// The file's top level, with services as a list or a map.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Root {
    #[serde(default)]
    services: Option<Services>,
    #[serde(default)]
    pipes: Option<Vec<PipeDef>>,
    #[serde(default)]
    pipelines: Option<Pipelines>,
    #[serde(default)]
    allow_env: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Services {
    List(Vec<ServiceDef>),
    Map(BTreeMap<String, ServiceDef>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Pipelines {
    List(Vec<PipelineDef>),
    Map(BTreeMap<String, PipelineDef>),
}

/// Parses configuration text; `file` names it in errors. The whole file may sit under a root
/// key `otai:` or `open_ticket_ai:`.
pub fn parse(file: &str, text: &str) -> Result<Config> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| yaml_error(file, &e))?;
    let value = match value {
        serde_yaml::Value::Mapping(mut map) if map.len() == 1 => {
            let key = ["otai", "open_ticket_ai"]
                .into_iter()
                .find(|k| map.contains_key(serde_yaml::Value::from(*k)));
            match key {
                Some(k) => map.remove(serde_yaml::Value::from(k)).unwrap_or_default(),
                None => serde_yaml::Value::Mapping(map),
            }
        }
        serde_yaml::Value::Null => {
            return Err(Error::config(format!("{file}:1"), "the file is empty"));
        }
        serde_yaml::Value::Mapping(map) => serde_yaml::Value::Mapping(map),
        _ => {
            return Err(Error::config(
                format!("{file}:1"),
                "the file must be a map with `services`, `pipes` or `pipelines` at the top",
            ));
        }
    };
    let root: Root = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let line = crate::lines::LineIndex::new(text).line_of_path(&path);
        Error::config(
            format!("{file}:{line}: {path}"),
            otai_core::error::plain_serde_message(&e.into_inner().to_string()),
        )
    })?;
    let services = match root.services {
        None => Vec::new(),
        Some(Services::List(list)) => list,
        Some(Services::Map(map)) => map
            .into_iter()
            .map(|(id, mut s)| {
                if s.id.is_empty() {
                    s.id = id;
                }
                s
            })
            .collect(),
    };
    let mut pipelines = match root.pipelines {
        None => Vec::new(),
        Some(Pipelines::List(list)) => list,
        Some(Pipelines::Map(map)) => map
            .into_iter()
            .map(|(id, mut p)| {
                if p.id.is_empty() {
                    p.id = id;
                }
                p
            })
            .collect(),
    };
    if let Some(pipes) = root.pipes {
        pipelines.insert(
            0,
            PipelineDef {
                id: "default".into(),
                trigger: TriggerDef::default(),
                pipes,
            },
        );
    }
    Ok(Config {
        services,
        pipelines,
        allow_env: root.allow_env,
    })
}

fn yaml_error(file: &str, e: &serde_yaml::Error) -> Error {
    let at = e
        .location()
        .map(|l| format!("{file}:{}", l.line()))
        .unwrap_or_else(|| file.to_owned());
    Error::config(at, format!("invalid YAML: {e}"))
}
