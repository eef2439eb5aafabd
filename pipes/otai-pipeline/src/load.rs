//! Loading: config → validated, compiled engine. Every problem is collected, not just the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::Registry;
use crate::config::{self, Config, OnError, PipeDef};
use crate::engine::{CompiledPipe, CompiledPipeline, Engine, Step};
use crate::lines::LineIndex;
use crate::secrets::Secrets;
use crate::template::Templates;
use crate::trigger::Trigger;
use otai_core::registry::BuildContext;
use otai_core::{Error, TicketSystemService};

/// A secret's error without its own location: the param that asked for it is the place.
fn secret_message(e: Error) -> String {
    match e {
        Error::Config { message, .. } => message,
        other => other.to_string(),
    }
}

/// The params `foreach` takes.
const FOREACH_PARAMS: [&str; 4] = ["items", "concurrency", "fail_fast", "collect"];

/// What `load` needs besides the file.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Where secrets come from.
    pub secrets: Secrets,
    /// Check only: do not build services (no files, no connections).
    pub validate_only: bool,
}

impl LoadOptions {
    /// Options with these secrets.
    pub fn new(secrets: Secrets) -> Self {
        Self {
            secrets,
            validate_only: false,
        }
    }
}

/// Every problem found in a configuration.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<Error>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in the configuration:",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Loads, validates and compiles the configuration file at `path`.
pub fn load_file(
    path: &Path,
    registry: &Registry,
    options: &LoadOptions,
) -> Result<Engine, ConfigErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![Error::config(
            &file,
            format!("cannot read the config file: {e}"),
        )])
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&file, &text, &BuildContext::new(base), registry, options)
}

/// Loads, validates and compiles configuration `text`; `file` names it in errors.
pub fn load_str(
    file: &str,
    text: &str,
    ctx: &BuildContext,
    registry: &Registry,
    options: &LoadOptions,
) -> Result<Engine, ConfigErrors> {
    let config = config::parse(file, text).map_err(|e| ConfigErrors(vec![e]))?;
    let mut loader = Loader {
        file,
        lines: LineIndex::new(text),
        registry,
        secrets: &options.secrets,
        templates: Templates::new(config.allow_env.clone()),
        errors: Vec::new(),
    };
    let services = loader.services(&config, ctx, options.validate_only);
    let pipelines = loader.pipelines(&config, &services);
    if !loader.errors.is_empty() {
        let secrets = options.secrets.clone();
        let errors = loader
            .errors
            .into_iter()
            .map(|e| redact(e, &secrets))
            .collect();
        return Err(ConfigErrors(errors));
    }
    Ok(Engine::new(
        services,
        pipelines,
        loader.templates,
        options.secrets.clone(),
    ))
}

/// An error with secret values replaced by `***`.
fn redact(error: Error, secrets: &Secrets) -> Error {
    match error {
        Error::Config { path, message } => Error::Config {
            path,
            message: secrets.redact(&message),
        },
        Error::Template { name, message } => Error::Template {
            name,
            message: secrets.redact(&message),
        },
        other => other,
    }
}

struct Loader<'a> {
    file: &'a str,
    lines: LineIndex<'a>,
    registry: &'a Registry,
    secrets: &'a Secrets,
    templates: Templates,
    errors: Vec<Error>,
}

impl Loader<'_> {
    fn at(&self, id: &str, path: &str) -> String {
        format!("{}:{}: {path}", self.file, self.lines.line_of_id(id))
    }

    fn error(&mut self, id: &str, path: &str, message: impl Into<String>) {
        let at = self.at(id, path);
        self.errors.push(Error::config(at, message));
    }

    fn services(
        &mut self,
        config: &Config,
        ctx: &BuildContext,
        validate_only: bool,
    ) -> BTreeMap<String, Option<Arc<dyn TicketSystemService>>> {
        let mut built = BTreeMap::new();
        for (i, service) in config.services.iter().enumerate() {
            let id = if service.id.is_empty() {
                format!("#{}", i + 1)
            } else {
                service.id.clone()
            };
            let path = format!("services.{id}");
            if service.id.is_empty() {
                self.error(&id, &path, "a service needs an `id`");
            }
            if built.contains_key(&id) {
                self.error(&id, &path, format!("duplicate service id `{id}`"));
                continue;
            }
            if !self.registry.services().has_service(&service.use_name) {
                let e = self
                    .registry
                    .services()
                    .validate_service(&service.use_name, &Value::Null)
                    .err();
                let message = e.map(|e| match e {
                    Error::Config { message, .. } => message,
                    other => other.to_string(),
                });
                self.error(&id, &format!("{path}.use"), message.unwrap_or_default());
                built.insert(id, None);
                continue;
            }
            let params = match self.secrets.substitute_value(&service.params) {
                Ok(params) => params,
                Err(e) => {
                    self.error(&id, &format!("{path}.params"), secret_message(e));
                    built.insert(id, None);
                    continue;
                }
            };
            let result = if validate_only {
                self.registry
                    .services()
                    .validate_service(&service.use_name, &params)
                    .map(|()| None)
            } else {
                self.registry
                    .services()
                    .build_service(&service.use_name, &params, ctx)
                    .map(Some)
            };
            match result {
                Ok(service) => {
                    built.insert(id, service);
                }
                Err(Error::Config {
                    path: inner,
                    message,
                }) => {
                    self.error(&id, &format!("{path}.{inner}"), message);
                    built.insert(id, None);
                }
                Err(e) => {
                    self.error(&id, &path, otai_core::error::report(&e));
                    built.insert(id, None);
                }
            }
        }
        built
    }

    fn pipelines(
        &mut self,
        config: &Config,
        services: &BTreeMap<String, Option<Arc<dyn TicketSystemService>>>,
    ) -> Vec<CompiledPipeline> {
        let mut seen_pipelines = BTreeSet::new();
        let mut compiled = Vec::new();
        for pipeline in &config.pipelines {
            if !seen_pipelines.insert(pipeline.id.clone()) {
                self.error(
                    &pipeline.id,
                    &format!("pipelines.{}", pipeline.id),
                    "duplicate pipeline id",
                );
            }
            let trigger = match Trigger::from_def(&pipeline.trigger) {
                Ok(t) => t,
                Err(message) => {
                    self.error(
                        &pipeline.id,
                        &format!("pipelines.{}.trigger", pipeline.id),
                        message,
                    );
                    Trigger::Once
                }
            };
            let mut ids = BTreeSet::new();
            collect_ids(&pipeline.pipes, &mut ids);
            let mut defined = BTreeSet::new();
            let pipes = pipeline
                .pipes
                .iter()
                .map(|p| self.pipe(p, services, &ids, &mut defined))
                .collect();
            compiled.push(CompiledPipeline {
                id: pipeline.id.clone(),
                trigger,
                pipes,
            });
        }
        compiled
    }

    fn pipe(
        &mut self,
        def: &PipeDef,
        services: &BTreeMap<String, Option<Arc<dyn TicketSystemService>>>,
        all_ids: &BTreeSet<String>,
        defined: &mut BTreeSet<String>,
    ) -> CompiledPipe {
        let path = format!("pipes.{}", def.id);
        if !defined.insert(def.id.clone()) {
            self.error(&def.id, &path, format!("duplicate pipe id `{}`", def.id));
        }
        let mut template_errors = Vec::new();
        let raw_params = match self.secrets.substitute_value(&def.params) {
            Ok(value) => value,
            Err(e) => {
                self.error(&def.id, &format!("{path}.params"), secret_message(e));
                Value::Null
            }
        };
        let params = self
            .templates
            .compile(&def.id, &raw_params, &mut template_errors);
        let condition = def.condition.as_ref().map(|c| {
            let source = if c.contains("{{") {
                c.clone()
            } else {
                format!("{{{{ {c} }}}}")
            };
            self.templates.compile(
                &format!("{}.if", def.id),
                &Value::String(source),
                &mut template_errors,
            )
        });
        for error in template_errors {
            match error {
                Error::Template { name, message } => {
                    let field = name.strip_prefix(&def.id).unwrap_or(&name);
                    let field = if field == ".if" {
                        field.to_owned()
                    } else {
                        format!(".params{field}")
                    };
                    self.error(
                        &def.id,
                        &format!("pipes.{}{field}", def.id),
                        format!("bad template: {message}"),
                    );
                }
                other => self.errors.push(other),
            }
        }
        for reference in references(&def.params).into_iter().chain(
            def.condition
                .iter()
                .flat_map(|c| references(&Value::String(c.clone()))),
        ) {
            if !all_ids.contains(&reference) {
                self.error(
                    &def.id,
                    &format!("{path}.params"),
                    format!("refers to pipe `{reference}`, which does not exist"),
                );
            }
        }
        let service = match &def.service {
            Some(name) => match services.get(name) {
                Some(service) => service.clone(),
                None => {
                    let known: Vec<String> = services.keys().cloned().collect();
                    self.error(
                        &def.id,
                        &format!("{path}.service"),
                        otai_core::registry::unknown_name_message("service", name, known.iter()),
                    );
                    None
                }
            },
            None if services.len() == 1 => services.values().next().cloned().flatten(),
            None => None,
        };
        if def.use_name == "foreach" {
            if def.pipes.is_empty() {
                self.error(
                    &def.id,
                    &format!("{path}.pipes"),
                    "foreach needs nested `pipes:`",
                );
            }
            if def.params.get("items").is_none() {
                self.error(
                    &def.id,
                    &format!("{path}.params.items"),
                    "missing: the list to iterate, e.g. `items: '{{ pipes.fetch.tickets }}'`",
                );
            }
            for key in def.params.as_object().into_iter().flat_map(|m| m.keys()) {
                if !FOREACH_PARAMS.contains(&key.as_str()) {
                    self.error(
                        &def.id,
                        &format!("{path}.params.{key}"),
                        format!(
                            "unknown param; `foreach` accepts: {}",
                            FOREACH_PARAMS.join(", ")
                        ),
                    );
                }
            }
            let children = def
                .pipes
                .iter()
                .map(|p| self.pipe(p, services, all_ids, defined))
                .collect();
            return CompiledPipe {
                id: def.id.clone(),
                on_error: def.on_error,
                params,
                condition,
                service,
                step: Step::Foreach(children),
            };
        }
        if !def.pipes.is_empty() {
            self.error(
                &def.id,
                &format!("{path}.pipes"),
                "only `foreach` takes nested pipes",
            );
        }
        let spec = match self.registry.pipe(&def.use_name) {
            Ok(spec) => spec.clone(),
            Err(Error::Config { message, .. }) => {
                self.error(&def.id, &format!("{path}.use"), message);
                return CompiledPipe {
                    id: def.id.clone(),
                    on_error: OnError::Fail,
                    params,
                    condition,
                    service,
                    step: Step::Invalid,
                };
            }
            Err(e) => {
                self.error(&def.id, &format!("{path}.use"), e.to_string());
                return CompiledPipe {
                    id: def.id.clone(),
                    on_error: OnError::Fail,
                    params,
                    condition,
                    service,
                    step: Step::Invalid,
                };
            }
        };
        let given: Vec<String> = def
            .params
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if !def.params.is_null() && !def.params.is_object() {
            self.error(&def.id, &format!("{path}.params"), "params must be a map");
        }
        for required in spec.required {
            if !given.iter().any(|g| g == required) {
                self.error(
                    &def.id,
                    &format!("{path}.params.{required}"),
                    "missing required param",
                );
            }
        }
        if let Some(accepted) = spec.accepted {
            for key in &given {
                if !accepted.contains(&key.as_str()) {
                    self.error(
                        &def.id,
                        &format!("{path}.params.{key}"),
                        format!(
                            "unknown param; `{}` accepts: {}",
                            def.use_name,
                            accepted.join(", ")
                        ),
                    );
                }
            }
        }
        if spec.needs_service && def.service.is_none() && services.len() != 1 {
            let message = if services.is_empty() {
                "this pipe needs a ticket system: add a service".to_owned()
            } else {
                format!(
                    "name the service to use (`service:`); there are {}",
                    services.len()
                )
            };
            self.error(&def.id, &format!("{path}.service"), message);
        }
        CompiledPipe {
            id: def.id.clone(),
            on_error: def.on_error,
            params,
            condition,
            service,
            step: Step::Pipe((spec.factory)()),
        }
    }
}

fn collect_ids(pipes: &[PipeDef], ids: &mut BTreeSet<String>) {
    for p in pipes {
        ids.insert(p.id.clone());
        collect_ids(&p.pipes, ids);
    }
}

/// Pipe ids a param tree refers to: `pipes.<id>`, `pipes['<id>']` and `get_pipe_result('<id>'`.
fn references(value: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    match value {
        Value::String(text) => {
            for (marker, quoted) in [
                ("pipes.", false),
                ("pipes['", true),
                ("pipes[\"", true),
                ("get_pipe_result('", true),
                ("get_pipe_result(\"", true),
            ] {
                let mut rest = text.as_str();
                while let Some(at) = rest.find(marker) {
                    let before = rest[..at].chars().last();
                    rest = &rest[at + marker.len()..];
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                        continue;
                    }
                    let id: String = if quoted {
                        rest.chars()
                            .take_while(|c| *c != '\'' && *c != '"')
                            .collect()
                    } else {
                        rest.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect()
                    };
                    if !id.is_empty() {
                        found.insert(id);
                    }
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| found.extend(references(v))),
        Value::Object(map) => map.values().for_each(|v| found.extend(references(v))),
        _ => {}
    }
    found
}
