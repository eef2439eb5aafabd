//! Loading: config → validated, compiled engine. Every problem is collected, not just the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::Registry;
use crate::config::{self, Config, OnError, Origin, PipeDef};
use crate::engine::foreach::{self, ForeachParams};
use crate::engine::{CompiledPipe, CompiledPipeline, Engine, Readers, Step};
use crate::params::check_at_load;
use crate::params::plan::Plan;
use crate::pipe::{CheckContext, ParamError};
use crate::secrets::Secrets;
use crate::template::{Param, Templates};
use crate::trigger::Trigger;
use otai_core::registry::BuildContext;
use otai_core::{Error, TicketSystemService};
use otai_yaml::Lines;
use reads::{TemplateReads, references};

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

/// The services of a config as pipes refer to them: by id, the built service (none when only
/// validating, or when it failed) and its `use:` name.
type Services = BTreeMap<String, (Option<Arc<dyn TicketSystemService>>, String)>;

/// Every problem found in a configuration.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<Error>);

impl ConfigErrors {
    /// The report line by line: how many problems, then `  - <problem>` for each.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        let n = self.0.len();
        let header = format!(
            "{n} problem{} in the configuration:",
            if n == 1 { "" } else { "s" }
        );
        std::iter::once(header).chain(self.0.iter().map(|e| format!("  - {e}")))
    }
}

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in self.lines() {
            writeln!(f, "{line}")?;
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
    use std::io::Read;
    let file = path.display().to_string();
    let cannot = |e: std::io::Error| {
        ConfigErrors(vec![Error::config(
            &file,
            format!("cannot read the config file: {e}"),
        )])
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| {
            // One byte more than the limit is enough for `load_str` to refuse the file.
            f.take(config::MAX_CONFIG_BYTES as u64 + 1)
                .read_to_string(&mut text)
        })
        .map_err(cannot)?;
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
    let (config, errors) = config::read(file, text);
    let ctx = &ctx
        .clone()
        .with_redactor(options.secrets.redactor().clone());
    let mut loader = Loader {
        file,
        lines: &config.lines,
        registry,
        secrets: &options.secrets,
        allow_env: config.allow_env.as_deref(),
        templates: Templates::new(config.allow_env.clone(), options.secrets.clone()),
        errors,
        suggestions_left: MAX_SUGGESTIONS,
        disabled: Disabled::default(),
    };
    let services = loader.services(&config, ctx, options.validate_only);
    let pipelines = loader.pipelines(&config, &services);
    let disabled = &loader.disabled;
    let services = services
        .into_iter()
        .filter(|(id, _)| !disabled.services.contains(id))
        .map(|(id, (built, _))| (id, built))
        .collect();
    loader.disabled.log();
    if !loader.errors.is_empty() {
        let errors = loader
            .errors
            .into_iter()
            .map(|e| options.secrets.redact_error(e))
            .collect();
        return Err(ConfigErrors(errors));
    }
    let sections = crate::sections::Sections::new(
        file,
        config.lines.clone(),
        config.sections.clone(),
        config.allow_env.clone(),
        options.secrets.clone(),
    );
    Ok(Engine::new(
        services,
        pipelines,
        loader.templates,
        options.secrets.clone(),
        sections,
    ))
}

/// How many unknown service names of one file get a suggestion (each costs comparisons with
/// the file's service names; the rest only list them).
const MAX_SUGGESTIONS: usize = 100;

struct Loader<'a> {
    file: &'a str,
    lines: &'a Lines,
    registry: &'a Registry,
    secrets: &'a Secrets,
    allow_env: Option<&'a [String]>,
    templates: Templates,
    errors: Vec<Error>,
    /// Unknown service names that may still get a suggestion.
    suggestions_left: usize,
    /// What is switched off (`enabled: false`): checked, but neither built nor run.
    disabled: Disabled,
}

/// The ids of what a configuration switches off with `enabled: false`.
#[derive(Default)]
struct Disabled {
    services: BTreeSet<String>,
    pipelines: BTreeSet<String>,
    /// Pipe ids, each disabled itself or inside a disabled pipe or pipeline.
    pipes: BTreeSet<String>,
}

impl Disabled {
    /// Says at info level what is switched off, so a run that skips it is not a surprise.
    fn log(&self) {
        for (kind, ids, skipped) in [
            ("service", &self.services, "not built"),
            ("pipeline", &self.pipelines, "not run"),
            ("pipe", &self.pipes, "not run"),
        ] {
            for id in ids {
                tracing::info!("{kind} `{id}` is disabled (`enabled: false`): checked, {skipped}");
            }
        }
    }
}

impl Loader<'_> {
    /// An error about `field` (`params.limit`, or nothing for the node itself) of the node at
    /// `origin`, at the line of the deepest part of `field` in the file.
    fn error(&mut self, origin: &Origin, field: &str, message: impl Into<String>) {
        let line = self.lines.line(self.lines.find(origin.node, field));
        let path = match (origin.path.as_str(), field) {
            (path, "") => path.to_owned(),
            ("", field) => field.to_owned(),
            (path, field) => format!("{path}.{field}"),
        };
        let at = config::at(self.file, line, &path);
        self.errors.push(Error::config(at, message));
    }

    fn services(&mut self, config: &Config, ctx: &BuildContext, validate_only: bool) -> Services {
        let mut built = Services::new();
        for (i, service) in config.services.iter().enumerate() {
            let id = if service.id.is_empty() {
                format!("#{}", i + 1)
            } else {
                service.id.clone()
            };
            let origin = &service.origin;
            if service.id.is_empty() {
                self.error(origin, "", "a service needs an `id`");
            }
            if built.contains_key(&id) {
                self.error(origin, "", format!("duplicate service id `{id}`"));
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
                self.error(origin, "use", message.unwrap_or_default());
                built.insert(id, (None, service.use_name.clone()));
                continue;
            }
            let Some(params) = self.service_params(origin, &service.params) else {
                built.insert(id, (None, service.use_name.clone()));
                continue;
            };
            hide_credentials(&params, self.secrets.redactor());
            if !service.enabled {
                self.disabled.services.insert(id.clone());
            }
            let result = if validate_only || !service.enabled {
                self.validate_service(&service.use_name, params.clone())
                    .map(|()| None)
            } else {
                self.registry
                    .services()
                    .build_service(&service.use_name, &params, ctx)
                    .map(Some)
            };
            match result {
                Ok(ready) => {
                    built.insert(id, (ready, service.use_name.clone()));
                }
                Err(Error::Config {
                    path: inner,
                    message,
                }) => {
                    self.error(origin, &inner, message);
                    built.insert(id, (None, service.use_name.clone()));
                }
                Err(e) => {
                    self.error(origin, "", otai_core::error::report(&e));
                    built.insert(id, (None, service.use_name.clone()));
                }
            }
        }
        // Services that could not be read were reported; pipes naming them are not wrong.
        for id in &config.unreadable_services {
            built.entry(id.clone()).or_insert((None, String::new()));
        }
        built
    }

    /// A service's params as the service receives them: `${{ secrets.NAME }}` markers filled
    /// and templates (`{{ … }}`, `{% … %}`) rendered here, once, with `env()` and secrets as
    /// their only inputs, so no template source ever reaches a service. A credential written as
    /// a number (`password: 1234`) is its text. `None` once the problems are reported.
    fn service_params(&mut self, origin: &Origin, params: &Value) -> Option<Value> {
        let params = credentials_as_text(params);
        let mut templates = Templates::new(self.allow_env.map(<[_]>::to_vec), self.secrets.clone());
        let mut errors = Vec::new();
        let compiled = templates.compile(SERVICE_TEMPLATE, &params, &mut errors);
        let failed = !errors.is_empty();
        for error in errors {
            let (name, message) = match error {
                Error::Template { name, message } => (name, format!("bad template: {message}")),
                Error::Config { path, message } => (path, message),
                other => {
                    self.errors.push(other);
                    continue;
                }
            };
            self.error(origin, &service_field(&name), message);
        }
        if failed {
            return None;
        }
        match templates.render(&compiled, &minijinja::context! {}) {
            Ok(rendered) => Some(rendered),
            Err(Error::Template { name, message }) => {
                let message = format!(
                    "cannot render: {message} (service params are rendered once, when the file is loaded, and see only `env('NAME')` and `${{{{ secrets.NAME }}}}`)"
                );
                self.error(origin, &service_field(&name), message);
                None
            }
            Err(other) => {
                self.error(origin, "params", otai_core::error::report(&other));
                None
            }
        }
    }

    /// Checks a service's params. A param holding a secret that is not set
    /// ([`Secrets::missing_ok`]) is tried with stand-ins of the usual shapes (a URL, a
    /// number), so its placeholder does not keep the rest of the params from being checked.
    fn validate_service(&self, use_name: &str, mut params: Value) -> otai_core::Result<()> {
        const STAND_INS: [&str; 2] = ["https://secret-not-set.invalid/", "1"];
        let unset = placeholder_paths(&params);
        let mut tried = BTreeMap::<String, usize>::new();
        loop {
            let result = self.registry.services().validate_service(use_name, &params);
            let Err(Error::Config { path, .. }) = &result else {
                return result;
            };
            if !unset.contains(path) {
                return result;
            }
            let next = tried.entry(path.clone()).or_default();
            let Some(stand_in) = STAND_INS.get(*next) else {
                // No stand-in fits: what the check says of this param is the secret's business.
                return Ok(());
            };
            *next += 1;
            let Some(slot) = param_at(&mut params, path) else {
                return Ok(());
            };
            *slot = Value::String((*stand_in).to_owned());
        }
    }

    fn pipelines(&mut self, config: &Config, services: &Services) -> Vec<CompiledPipeline> {
        let mut seen_pipelines = BTreeSet::new();
        let mut compiled = Vec::new();
        for pipeline in &config.pipelines {
            if !seen_pipelines.insert(pipeline.id.clone()) {
                let message = format!("duplicate pipeline id `{}`", pipeline.id);
                self.error(&pipeline.origin, "", message);
            }
            let trigger = match Trigger::from_def(&pipeline.trigger) {
                Ok(t) => t,
                Err(message) => {
                    self.error(&pipeline.origin, "trigger", message);
                    Trigger::Once
                }
            };
            let mut ids = BTreeSet::new();
            collect_ids(&pipeline.pipes, &mut ids);
            // Pipes that could not be read were reported; references to them are not wrong.
            ids.extend(pipeline.unreadable_pipes.iter().cloned());
            let mut defined = BTreeSet::new();
            let mut pipes: Vec<CompiledPipe> = pipeline
                .pipes
                .iter()
                .filter_map(|p| self.pipe(p, services, &ids, &mut defined, pipeline.enabled))
                .collect();
            if !pipeline.enabled {
                self.disabled.pipelines.insert(pipeline.id.clone());
                continue;
            }
            TemplateReads::of(&pipeline.pipes).mark(&mut pipes);
            compiled.push(CompiledPipeline {
                id: pipeline.id.clone(),
                trigger,
                pipes,
            });
        }
        compiled
    }

    /// Checks and compiles a pipe; `None` when it is disabled, or runs inside a pipeline or
    /// pipe that is (`active` is false): it is checked all the same.
    fn pipe(
        &mut self,
        def: &PipeDef,
        services: &Services,
        all_ids: &BTreeSet<String>,
        defined: &mut BTreeSet<String>,
        active: bool,
    ) -> Option<CompiledPipe> {
        let compiled = self.checked_pipe(def, services, all_ids, defined, active && def.enabled);
        if def.enabled {
            compiled
        } else {
            self.disabled.pipes.insert(def.id.clone());
            None
        }
    }

    fn checked_pipe(
        &mut self,
        def: &PipeDef,
        services: &Services,
        all_ids: &BTreeSet<String>,
        defined: &mut BTreeSet<String>,
        active: bool,
    ) -> Option<CompiledPipe> {
        let at = &def.origin;
        if !defined.insert(def.id.clone()) {
            self.error(at, "", format!("duplicate pipe id `{}`", def.id));
        }
        let (params, condition, broken) = self.compile(def);
        self.check_references(def, all_ids);
        let service = self.pipe_service(def, services);
        let native = service
            .as_ref()
            .and_then(|id| services.get(id))
            .and_then(|(_, use_name)| self.registry.services().native_keys(use_name));
        let mut compiled = CompiledPipe {
            id: def.id.as_str().into(),
            on_error: def.on_error,
            plan: Plan::new(&params, &broken),
            params,
            condition,
            service,
            readers: Readers::default(),
            feeds_next: false,
            items_from: None,
            step: Step::Invalid,
        };
        if def.use_name == foreach::NAME {
            if active {
                self.check_service_enabled(def, compiled.service.as_ref(), false);
            }
            if def.pipes.is_empty() {
                self.error(&def.origin, "pipes", "foreach needs nested `pipes:`");
            }
            let checked =
                check_at_load::<ForeachParams>(&compiled.plan, foreach::NAME, ForeachParams::check);
            self.param_errors(&def.origin, checked.errors);
            let children = def
                .pipes
                .iter()
                .filter_map(|p| self.pipe(p, services, all_ids, defined, active))
                .collect();
            compiled.step = Step::Foreach(children);
            compiled.items_from = reads::items_from(&def.params);
            return Some(compiled);
        }
        if !def.pipes.is_empty() {
            self.error(&def.origin, "pipes", "only `foreach` takes nested pipes");
        }
        let spec = match self.registry.pipe(&def.use_name) {
            Ok(spec) => spec.clone(),
            Err(e) => {
                let message = match e {
                    Error::Config { message, .. } => message,
                    other => other.to_string(),
                };
                self.error(&def.origin, "use", message);
                compiled.on_error = OnError::Fail;
                return Some(compiled);
            }
        };
        if spec.needs_service && def.service.is_none() && services.len() != 1 {
            let message = if services.is_empty() {
                "this pipe needs a ticket system: add a service".to_owned()
            } else {
                format!(
                    "name the service to use (`service:`); there are {}",
                    services.len()
                )
            };
            self.error(&def.origin, "service", message);
        }
        if active {
            self.check_service_enabled(def, compiled.service.as_ref(), spec.needs_service);
        }
        let templated = compiled.plan.templated_paths().into_iter().collect();
        let ctx = CheckContext::at_load(&def.id, native, &templated);
        let (errors, prepared) = spec.pipe.load(&compiled.plan, &def.use_name, &ctx);
        self.param_errors(&def.origin, errors);
        compiled.step = Step::Pipe {
            name: def.use_name.clone(),
            pipe: spec.pipe,
            prepared,
        };
        Some(compiled)
    }

    /// Compiles the pipe's params and `if:`, reporting template errors. Also returns the paths
    /// of params that failed to compile: the params check treats them as templates.
    fn compile(&mut self, def: &PipeDef) -> (Param, Option<Param>, Vec<String>) {
        let mut broken = Vec::new();
        let mut param_errors = Vec::new();
        let params = self
            .templates
            .compile(&def.id, &def.params, &mut param_errors);
        let mut condition_errors = Vec::new();
        let condition = def.condition.as_ref().map(|c| {
            let source = if c.contains("{{") {
                c.clone()
            } else {
                format!("{{{{ {c} }}}}")
            };
            self.templates.compile(
                &format!("{}.if", def.id),
                &Value::String(source),
                &mut condition_errors,
            )
        });
        // Templates are named `<pipe id>.<param path>`; secret problems name the same path.
        for error in param_errors {
            let (name, message) = match error {
                Error::Template { name, message } => (name, format!("bad template: {message}")),
                Error::Config { path, message } => (path, message),
                other => {
                    self.errors.push(other);
                    continue;
                }
            };
            let field = name.strip_prefix(def.id.as_str()).unwrap_or(&name);
            let field = field.strip_prefix('.').unwrap_or(field).to_owned();
            self.error(&def.origin, &format!("params{}", below(&field)), message);
            broken.push(field);
        }
        for error in condition_errors {
            match error {
                Error::Template { message, .. } => {
                    self.error(&def.origin, "if", format!("bad template: {message}"))
                }
                other => self.errors.push(other),
            }
        }
        (params, condition, broken)
    }

    /// Reports every pipe id the params and `if:` refer to that does not exist.
    fn check_references(&mut self, def: &PipeDef, all_ids: &BTreeSet<String>) {
        for reference in references(&def.params).into_iter().chain(
            def.condition
                .iter()
                .flat_map(|c| references(&Value::String(c.clone()))),
        ) {
            if !all_ids.contains(&reference) {
                self.error(
                    &def.origin,
                    "params",
                    format!("refers to pipe `{reference}`, which does not exist"),
                );
            }
        }
    }

    /// A pipe that runs (`active`) and uses a service (names one, or needs one) may not use a
    /// disabled one.
    fn check_service_enabled(&mut self, def: &PipeDef, service: Option<&String>, needs: bool) {
        let Some(service) = service.filter(|s| self.disabled.services.contains(*s)) else {
            return;
        };
        if def.service.is_some() || needs {
            let message = format!(
                "uses service `{service}`, which is disabled (`enabled: false`): enable it, or disable this pipe"
            );
            self.error(&def.origin, "service", message);
        }
    }

    /// The id of the service the pipe uses: the one it names, else the only one.
    fn pipe_service(&mut self, def: &PipeDef, services: &Services) -> Option<String> {
        match &def.service {
            Some(name) if services.contains_key(name) => Some(name.clone()),
            Some(name) => {
                let known = services.keys();
                let message = if self.suggestions_left > 0 {
                    self.suggestions_left -= 1;
                    otai_core::registry::unknown_name_message("service", name, known)
                } else {
                    otai_core::registry::unknown_name_list_message("service", name, known)
                };
                self.error(&def.origin, "service", message);
                None
            }
            None if services.len() == 1 => services.keys().next().cloned(),
            None => None,
        }
    }

    /// Reports a pipe's param problems, each at `<pipe path>.params.<field>`.
    fn param_errors(&mut self, origin: &Origin, errors: Vec<ParamError>) {
        for e in errors {
            self.error(origin, &format!("params{}", below(&e.field)), e.message);
        }
    }
}

/// The name service param templates are compiled under; [`service_field`] turns it back into
/// the param's path.
const SERVICE_TEMPLATE: &str = "params";

/// `params.<path>` of a service param template named `name`.
fn service_field(name: &str) -> String {
    let field = name.strip_prefix(SERVICE_TEMPLATE).unwrap_or(name);
    format!("params{}", below(field.strip_prefix('.').unwrap_or(field)))
}

/// `params` with every number under a credential key (`password: 1234`) turned into its text:
/// a password is text, however YAML reads it.
fn credentials_as_text(params: &Value) -> Value {
    let mut params = params.clone();
    let mut stack = vec![&mut params];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    match value {
                        Value::Number(n) if otai_core::output::is_credential_key(key) => {
                            *value = Value::String(n.to_string());
                        }
                        other => stack.push(other),
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    params
}

/// Hides the value of every param named like a credential (`password`, `token`, …), however it
/// is written (a secret marker, a template, or the value itself).
fn hide_credentials(params: &Value, redactor: &otai_core::output::Redactor) {
    let mut stack = vec![params];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        Value::String(text) if otai_core::output::is_credential_key(key) => {
                            redactor.hide(text);
                        }
                        other => stack.push(other),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// The paths (`params.password`) of the params that hold a secret that is not set.
fn placeholder_paths(params: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![(params, "params".to_owned())];
    while let Some((value, path)) = stack.pop() {
        match value {
            Value::String(text) if text.contains(crate::secrets::PLACEHOLDER) => {
                found.insert(path);
            }
            Value::Object(map) => {
                stack.extend(map.iter().map(|(k, v)| (v, format!("{path}.{k}"))));
            }
            Value::Array(items) => {
                stack.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (v, format!("{path}[{i}]"))),
                );
            }
            _ => {}
        }
    }
    found
}

/// The value at `path` (`params.a.b`, object keys only) of service params.
fn param_at<'v>(params: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let mut value = params;
    for key in path.strip_prefix("params.")?.split('.') {
        value = value.as_object_mut()?.get_mut(key)?;
    }
    Some(value)
}

/// A param path as it follows `params`: `.queue`, `[0]`, or nothing for the params themselves.
fn below(field: &str) -> String {
    if field.is_empty() || field.starts_with('[') {
        field.to_owned()
    } else {
        format!(".{field}")
    }
}

fn collect_ids(pipes: &[PipeDef], ids: &mut BTreeSet<String>) {
    for p in pipes {
        ids.insert(p.id.clone());
        collect_ids(&p.pipes, ids);
    }
}

mod reads;
#[cfg(test)]
mod tests;
