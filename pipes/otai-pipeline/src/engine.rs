//! Running pipelines: render each pipe's params right before it runs, call it, record the result.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::OnError;
use crate::pipe::{Pipe, PipeContext, RunStats};
use crate::secrets::Secrets;
use crate::template::{Param, Templates, jinja, scope};
use crate::trigger::Trigger;
use minijinja::Value as Jinja;
use minijinja::value::ValueKind;
use otai_core::{Error, Result, TicketSystemService};

/// What a compiled pipe does.
pub(crate) enum Step {
    /// A registered pipe.
    Pipe(Arc<dyn Pipe>),
    /// `foreach` with its nested pipes.
    Foreach(Vec<CompiledPipe>),
    /// A pipe that failed validation (never run: loading fails first).
    Invalid,
}

/// A pipe ready to run.
pub(crate) struct CompiledPipe {
    pub(crate) id: String,
    pub(crate) on_error: OnError,
    pub(crate) params: Param,
    pub(crate) condition: Option<Param>,
    pub(crate) service: Option<Arc<dyn TicketSystemService>>,
    pub(crate) step: Step,
}

/// A pipeline ready to run.
pub(crate) struct CompiledPipeline {
    pub(crate) id: String,
    pub(crate) trigger: Trigger,
    pub(crate) pipes: Vec<CompiledPipe>,
}

/// How a pipe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PipeStatus {
    /// It ran and returned data.
    Succeeded,
    /// Its `if:` was false.
    Skipped,
    /// It failed (for foreach: at least one item failed).
    Failed,
}

/// One pipe's outcome.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct PipeReport {
    /// The pipe's id; inside foreach, `<foreach id>[<item>].<pipe id>`.
    pub id: String,
    /// How it ended.
    pub status: PipeStatus,
    /// Why it failed, with the cause chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The outcome of one run of a pipeline.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// The pipeline.
    pub pipeline: String,
    /// False when a pipe failed with `on_error: fail`.
    pub succeeded: bool,
    /// Every pipe (and foreach item) that ran, in order.
    pub pipes: Vec<PipeReport>,
    /// Tickets fetched.
    pub seen: usize,
    /// Distinct tickets changed.
    pub changed: usize,
    /// Pipes and items that failed.
    pub failed: usize,
    /// How long the run took.
    pub duration: Duration,
    /// The last result of every top-level pipe, as templates saw it.
    #[serde(skip)]
    results: BTreeMap<String, Jinja>,
}

impl RunReport {
    /// The result of top-level pipe `id` as JSON (converted on each call).
    pub fn result(&self, id: &str) -> Option<Value> {
        self.results
            .get(id)
            .and_then(|v| serde_json::to_value(v).ok())
    }

    /// The ids of the top-level pipes that returned a result.
    pub fn result_ids(&self) -> impl Iterator<Item = &str> {
        self.results.keys().map(String::as_str)
    }

    /// The failures, one line each.
    pub fn failures(&self) -> impl Iterator<Item = &PipeReport> {
        self.pipes.iter().filter(|p| p.status == PipeStatus::Failed)
    }
}

/// A loaded configuration, ready to run.
pub struct Engine {
    services: BTreeMap<String, Option<Arc<dyn TicketSystemService>>>,
    pipelines: Vec<CompiledPipeline>,
    templates: Templates,
    secrets: Secrets,
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

/// One foreach item's outcome: index, whether it succeeded, its own results (`None` when not
/// run after a `fail_fast` stop; `Some(None)` when results are not collected), its reports.
type ItemOutcome = (usize, bool, Option<Option<Jinja>>, Vec<PipeReport>);

/// Called as `foreach` items finish: (foreach pipe, items done, items in all).
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Sync);

/// Shared by every pipe of one run.
struct RunState<'a> {
    context: minijinja::Value,
    dry_run: bool,
    stats: Arc<RunStats>,
    progress: Option<Progress<'a>>,
}

impl Engine {
    pub(crate) fn new(
        services: BTreeMap<String, Option<Arc<dyn TicketSystemService>>>,
        pipelines: Vec<CompiledPipeline>,
        templates: Templates,
        secrets: Secrets,
    ) -> Self {
        Self {
            services,
            pipelines,
            templates,
            secrets,
        }
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
        let state = RunState {
            context: jinja(context),
            dry_run,
            stats: Arc::default(),
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
        let (seen, changed, failed) = state.stats.totals();
        Ok(RunReport {
            pipeline: id.to_owned(),
            succeeded,
            pipes: reports,
            seen,
            changed,
            failed,
            duration: started.elapsed(),
            results,
        })
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
                        state.stats.failed();
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
            Step::Pipe(runner) => {
                let params = self.templates.render(&pipe.params, &jinja)?;
                let ctx = PipeContext {
                    pipe_id: pipe.id.clone(),
                    service: pipe.service.clone(),
                    dry_run: state.dry_run,
                    stats: Arc::clone(&state.stats),
                };
                let started = Instant::now();
                let data = runner
                    .run_value(&ctx, params)
                    .await
                    .map_err(|e| Error::Pipeline {
                        pipe: name.to_owned(),
                        message: String::new(),
                        source: Some(Box::new(e)),
                    })?;
                tracing::debug!(pipe = %name, elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "pipe succeeded");
                Ok(Some(data))
            }
            Step::Foreach(children) => self
                .foreach(
                    pipe,
                    children,
                    self.templates.eval(&pipe.params, &jinja)?,
                    state,
                    results,
                    name,
                    reports,
                )
                .await
                .map(Some),
            Step::Invalid => Err(Error::config(name, "invalid pipe")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn foreach(
        &self,
        pipe: &CompiledPipe,
        children: &[CompiledPipe],
        params: Jinja,
        state: &RunState<'_>,
        results: &Results,
        name: &str,
        reports: &mut Vec<PipeReport>,
    ) -> Result<Jinja> {
        let param = |key: &str| params.get_attr(key).unwrap_or_default();
        let items = param("items");
        let item_values: Vec<Jinja> = match items.kind() {
            ValueKind::Seq => items.try_iter().map(Iterator::collect).unwrap_or_default(),
            ValueKind::Undefined | ValueKind::None => Vec::new(),
            other => {
                return Err(Error::config(
                    format!("pipes.{}.params.items", pipe.id),
                    format!("expected a list, got {other}"),
                ));
            }
        };
        let concurrency = param("concurrency").as_usize().unwrap_or(1).clamp(1, 1024);
        let flag = |key: &str, default: bool| {
            let value = param(key);
            if value.kind() == ValueKind::Bool {
                value.is_true()
            } else {
                default
            }
        };
        let (fail_fast, collect) = (flag("fail_fast", false), flag("collect", true));
        let stop = std::sync::atomic::AtomicBool::new(false);
        let total = item_values.len();
        // Items start lazily, `concurrency` at a time; each clones the (cheap, shared) results
        // when it starts and hands back only its own pipes' results, and outcomes are folded in
        // as they finish (in order), so nothing per item outlives it.
        let (stop, item_values) = (&stop, &item_values);
        let starts = (0..total).map(|index| {
            let item = &item_values[index];
            let run: futures::future::BoxFuture<'_, ItemOutcome> = Box::pin(async move {
                let mut item_reports = Vec::new();
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return (index, false, None, item_reports);
                }
                let mut item_results = results.clone();
                let prefix = format!("{name}[{index}].");
                let ok = self
                    .run_pipes(
                        children,
                        state,
                        &mut item_results,
                        Some((item, index)),
                        &prefix,
                        &mut item_reports,
                    )
                    .await;
                if !ok && fail_fast {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                let own = collect.then(|| {
                    Jinja::from_pairs(children.iter().filter_map(|c| {
                        item_results.get(&c.id).map(|v| (c.id.as_str(), v.clone()))
                    }))
                });
                (index, ok, Some(own), item_reports)
            });
            run
        });
        let mut runs = futures::stream::iter(starts).buffered(concurrency);
        let mut outputs = Vec::new();
        let (mut failed, mut skipped, mut finished) = (Vec::new(), 0, 0);
        while let Some((index, ok, own, item_reports)) = runs.next().await {
            finished += 1;
            if let Some(progress) = state.progress {
                progress(name, finished, total);
            }
            reports.extend(item_reports);
            let Some(own) = own else {
                skipped += 1;
                continue;
            };
            if !ok {
                failed.push(index);
            }
            outputs.extend(own);
        }
        if !failed.is_empty() || skipped > 0 {
            let shown: Vec<String> = failed.iter().take(10).map(|i| i.to_string()).collect();
            return Err(Error::Pipeline {
                pipe: name.to_owned(),
                message: format!(
                    "{} of {} items failed (items {}{}){}",
                    failed.len(),
                    total,
                    shown.join(", "),
                    if failed.len() > 10 { ", …" } else { "" },
                    if skipped > 0 {
                        format!("; {skipped} not run after the first failure (fail_fast)")
                    } else {
                        String::new()
                    }
                ),
                source: None,
            });
        }
        let mut output = vec![("count", Jinja::from(total))];
        if collect {
            output.push(("items", outputs.into_iter().collect()));
        }
        Ok(Jinja::from_pairs(output))
    }
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
