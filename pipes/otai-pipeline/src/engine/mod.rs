//! Running pipelines: render each pipe's params right before it runs, call it, record the result.

pub(crate) mod foreach;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

use crate::config::OnError;
use crate::erased::{ErasedPipe, Input, Prepared, RunError};
use crate::params::plan::Plan;
use crate::pipe::{ParamError, PipeContext};
use crate::report::{PipeReport, PipeStatus, RunReport};
use crate::secrets::Secrets;
use crate::sections::Sections;
use crate::template::{Param, Templates, jinja, scope};
use crate::trigger::Trigger;
use crate::wrappers::{Counted, DryRun, RunStats};
use minijinja::Value as Jinja;
use otai_core::{Error, Result, TicketId, TicketSystemService};

/// What a compiled pipe does.
pub(crate) enum Step {
    /// A registered pipe, by its `use:` name, with its params parsed at load when all static.
    Pipe {
        name: String,
        pipe: Arc<dyn ErasedPipe>,
        prepared: Option<Prepared>,
    },
    /// `foreach` with its nested pipes.
    Foreach(Vec<CompiledPipe>),
    /// A pipe that failed validation (never run: loading fails first).
    Invalid,
}

/// A pipe ready to run.
pub(crate) struct CompiledPipe {
    pub(crate) id: String,
    pub(crate) on_error: OnError,
    /// The compiled params, for `foreach` items and `otai render`.
    pub(crate) params: Param,
    /// The params split into static parts and templates.
    pub(crate) plan: Plan,
    pub(crate) condition: Option<Param>,
    /// The id of the service the pipe uses.
    pub(crate) service: Option<String>,
    pub(crate) step: Step,
}

/// A pipeline ready to run.
pub(crate) struct CompiledPipeline {
    pub(crate) id: String,
    pub(crate) trigger: Trigger,
    pub(crate) pipes: Vec<CompiledPipe>,
}

/// A loaded configuration, ready to run.
pub struct Engine {
    services: BTreeMap<String, Option<Arc<dyn TicketSystemService>>>,
    pipelines: Vec<CompiledPipeline>,
    templates: Templates,
    secrets: Secrets,
    sections: Sections,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .field(
                "pipelines",
                &self.pipelines.iter().map(|p| &p.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Results of the pipes run so far, as template values. Values share their data, so cloning is
/// cheap and every foreach item can have its own.
type Results = BTreeMap<String, Jinja>;

/// Called as `foreach` items finish: (foreach pipe, items done, items in all).
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Sync);

/// Shared by every pipe of one run.
struct RunState<'a> {
    pipeline: &'a str,
    context: minijinja::Value,
    dry_run: bool,
    /// The services as pipes get them: counted, and held back under dry run.
    services: BTreeMap<String, Arc<dyn TicketSystemService>>,
    stats: Arc<RunStats>,
    failed: AtomicUsize,
    progress: Option<Progress<'a>>,
}

impl Engine {
    pub(crate) fn new(
        services: BTreeMap<String, Option<Arc<dyn TicketSystemService>>>,
        pipelines: Vec<CompiledPipeline>,
        templates: Templates,
        secrets: Secrets,
        sections: Sections,
    ) -> Self {
        Self {
            services,
            pipelines,
            templates,
            secrets,
            sections,
        }
    }

    /// The top-level sections other parts of otai read (`server:`, `inbound:`, `mcp:`...).
    pub fn sections(&self) -> &Sections {
        &self.sections
    }

    /// The pipeline ids, in file order.
    pub fn pipeline_ids(&self) -> Vec<&str> {
        self.pipelines.iter().map(|p| p.id.as_str()).collect()
    }

    /// The built services by id (empty when loaded with `validate_only`).
    pub fn services(&self) -> BTreeMap<&str, Arc<dyn TicketSystemService>> {
        self.services
            .iter()
            .filter_map(|(id, s)| s.clone().map(|s| (id.as_str(), s)))
            .collect()
    }

    /// The id of every configured service, built or not (under `validate_only` none is built).
    pub fn service_ids(&self) -> Vec<&str> {
        self.services.keys().map(String::as_str).collect()
    }

    /// The secrets, to redact output.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Runs pipeline `id` once with `context` (values from the command line or the trigger).
    pub async fn run(&self, id: &str, context: &Value, dry_run: bool) -> Result<RunReport> {
        self.run_with_progress(id, context, dry_run, None).await
    }

    /// [`Engine::run`], reporting `foreach` progress to `progress`.
    pub async fn run_with_progress(
        &self,
        id: &str,
        context: &Value,
        dry_run: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<RunReport> {
        let pipeline = self.pipeline(id)?;
        let started = Instant::now();
        let stats = Arc::<RunStats>::default();
        let state = RunState {
            pipeline: id,
            context: jinja(context),
            dry_run,
            services: self.wrapped_services(dry_run, &stats),
            stats,
            failed: AtomicUsize::new(0),
            progress,
        };
        let mut results = Results::default();
        let mut reports = Vec::new();
        let succeeded = self
            .run_pipes(
                &pipeline.pipes,
                &state,
                &mut results,
                None,
                "",
                &mut reports,
            )
            .await;
        let totals = state.stats.totals();
        Ok(RunReport {
            pipeline: id.to_owned(),
            succeeded,
            pipes: reports,
            seen: totals.seen,
            changed: totals.changed,
            writes: totals.writes,
            failed: state.failed.load(Ordering::Relaxed),
            duration: started.elapsed(),
            results,
        })
    }

    /// Each built service as the pipes of one run get it: `Counted`, inside `DryRun` when
    /// nothing may be written. The one place both rules are enforced.
    fn wrapped_services(
        &self,
        dry_run: bool,
        stats: &Arc<RunStats>,
    ) -> BTreeMap<String, Arc<dyn TicketSystemService>> {
        let built = self
            .services
            .iter()
            .filter_map(|(id, s)| Some((id, s.clone()?)));
        built
            .map(|(id, service)| {
                let counted: Arc<dyn TicketSystemService> =
                    Arc::new(Counted::new(service, id.clone(), Arc::clone(stats)));
                let service = if dry_run {
                    Arc::new(DryRun::new(counted, self.secrets.redactor().clone()))
                } else {
                    counted
                };
                (id.clone(), service)
            })
            .collect()
    }

    /// Runs every pipeline on its trigger until `shutdown` resolves; a pipeline's runs never
    /// overlap, and a run in progress finishes before stopping. `on_report` sees every run.
    pub async fn run_forever(
        &self,
        ids: &[&str],
        context: &Value,
        dry_run: bool,
        shutdown: impl std::future::Future<Output = ()>,
        on_report: &(dyn Fn(&RunReport) + Sync),
    ) -> Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let loops = ids.iter().map(|id| {
            let mut stop = stop_rx.clone();
            async move {
                let pipeline = self.pipeline(id)?;
                loop {
                    let report = self.run(id, context, dry_run).await?;
                    on_report(&report);
                    let Some(delay) = pipeline.trigger.next_delay() else {
                        return Ok(());
                    };
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        _ = stop.wait_for(|s| *s) => return Ok(()),
                    }
                }
            }
        });
        let all = futures::future::try_join_all(loops);
        tokio::pin!(all);
        tokio::pin!(shutdown);
        tokio::select! {
            done = &mut all => done.map(|_| ()),
            () = &mut shutdown => {
                tracing::info!("shutdown requested: finishing runs in progress, starting no new ones");
                let _ = stop_tx.send(true);
                all.await.map(|_| ())
            }
        }
    }

    /// The params pipe `pipe_id` would receive, rendered with `context` and no earlier results
    /// (the pipe's `if:` is ignored). Secrets are shown as `***`.
    pub fn render(&self, pipe_id: &str, context: &Value) -> Result<Value> {
        let pipe = self
            .pipelines
            .iter()
            .find_map(|p| find_pipe(&p.pipes, pipe_id))
            .ok_or_else(|| Error::config("--pipe", format!("no pipe `{pipe_id}`")))?;
        let scope = scope(&jinja(context), &BTreeMap::new(), None);
        match self.templates.render(&pipe.params, &scope) {
            Ok(mut rendered) => {
                self.secrets.redact_value(&mut rendered);
                Ok(rendered)
            }
            Err(e) => Err(self.secrets.redact_error(e)),
        }
    }

    fn pipeline(&self, id: &str) -> Result<&CompiledPipeline> {
        self.pipelines.iter().find(|p| p.id == id).ok_or_else(|| {
            let known: Vec<String> = self.pipelines.iter().map(|p| p.id.clone()).collect();
            Error::config(
                "--pipeline",
                otai_core::registry::unknown_name_message("pipeline", id, known.iter()),
            )
        })
    }

    /// Runs `pipes` in order; returns false when one failed with `on_error: fail`.
    fn run_pipes<'a>(
        &'a self,
        pipes: &'a [CompiledPipe],
        state: &'a RunState<'a>,
        results: &'a mut Results,
        item: Option<(&'a Jinja, usize)>,
        prefix: &'a str,
        reports: &'a mut Vec<PipeReport>,
    ) -> futures::future::BoxFuture<'a, bool> {
        Box::pin(async move {
            for pipe in pipes {
                let name = format!("{prefix}{}", pipe.id);
                let outcome = self
                    .run_pipe(pipe, state, results, item, &name, reports)
                    .await;
                match outcome {
                    Ok(Some(data)) => {
                        results.insert(pipe.id.clone(), data);
                        reports.push(PipeReport {
                            id: name,
                            status: PipeStatus::Succeeded,
                            error: None,
                        });
                    }
                    Ok(None) => reports.push(PipeReport {
                        id: name,
                        status: PipeStatus::Skipped,
                        error: None,
                    }),
                    Err(e) => {
                        state.failed.fetch_add(1, Ordering::Relaxed);
                        let message = self.secrets.redact(&otai_core::error::report(&e));
                        tracing::warn!(pipe = %name, error = %message, "pipe failed");
                        reports.push(PipeReport {
                            id: name,
                            status: PipeStatus::Failed,
                            error: Some(message),
                        });
                        results.insert(pipe.id.clone(), jinja(&json!({"failed": true})));
                        if pipe.on_error == OnError::Fail {
                            return false;
                        }
                    }
                }
            }
            true
        })
    }

    /// Runs one pipe: `Ok(None)` when skipped.
    async fn run_pipe(
        &self,
        pipe: &CompiledPipe,
        state: &RunState<'_>,
        results: &Results,
        item: Option<(&Jinja, usize)>,
        name: &str,
        reports: &mut Vec<PipeReport>,
    ) -> Result<Option<Jinja>> {
        let jinja = scope(&state.context, results, item);
        if let Some(condition) = &pipe.condition {
            if !self.templates.truthy(condition, &jinja)? {
                return Ok(None);
            }
        }
        match &pipe.step {
            Step::Pipe {
                name: use_name,
                pipe: runner,
                prepared,
            } => {
                let input = match prepared {
                    Some(prepared) => Input::Prepared(prepared),
                    None => Input::Filled(pipe.plan.fill(&self.templates, &jinja, &[])?),
                };
                let service = pipe.service.as_ref();
                let ctx = PipeContext {
                    pipe_id: pipe.id.clone(),
                    service: service.and_then(|id| state.services.get(id)).cloned(),
                    dry_run: state.dry_run,
                    redactor: self.secrets.redactor().clone(),
                };
                let started = Instant::now();
                let data = runner
                    .run(&ctx, use_name, input)
                    .await
                    .map_err(|e| match e {
                        RunError::Params(errors) => {
                            params_error(state.pipeline, &pipe.id, item, errors)
                        }
                        RunError::Failed(e) => Error::Pipeline {
                            pipe: name.to_owned(),
                            message: String::new(),
                            source: Some(Box::new(e)),
                        },
                    })?;
                tracing::debug!(pipe = %name, elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "pipe succeeded");
                Ok(Some(data))
            }
            Step::Foreach(children) => self
                .run_foreach(pipe, children, state, results, item, name, reports, &jinja)
                .await
                .map(Some),
            Step::Invalid => Err(Error::config(name, "invalid pipe")),
        }
    }
}

/// The error of params that do not fit their pipe after rendering: it names the pipeline, the
/// pipe, the field and, inside `foreach`, the item (and its ticket).
fn params_error(
    pipeline: &str,
    pipe_id: &str,
    item: Option<(&Jinja, usize)>,
    errors: Vec<ParamError>,
) -> Error {
    let at_item = item
        .map(|(value, index)| {
            let ticket = value
                .get_attr("id")
                .ok()
                .filter(|id| !id.is_undefined() && !id.is_none())
                .and_then(|id| id.to_string().parse::<TicketId>().ok());
            match ticket {
                Some(id) => format!(" (item {index}, ticket {id})"),
                None => format!(" (item {index})"),
            }
        })
        .unwrap_or_default();
    let mut errors = errors.into_iter();
    let first = errors
        .next()
        .unwrap_or_else(|| ParamError::new("", "invalid params"));
    let field = if first.field.is_empty() {
        String::new()
    } else {
        format!(".{}", first.field)
    };
    let mut message = first.message;
    for more in errors {
        message.push_str(&format!("; also `{}`: {}", more.field, more.message));
    }
    Error::config(
        format!("pipelines.{pipeline}.pipes.{pipe_id}.params{field}{at_item}"),
        message,
    )
}

fn find_pipe<'a>(pipes: &'a [CompiledPipe], id: &str) -> Option<&'a CompiledPipe> {
    pipes.iter().find_map(|p| {
        if p.id == id {
            return Some(p);
        }
        match &p.step {
            Step::Foreach(children) => find_pipe(children, id),
            _ => None,
        }
    })
}
