//! Running pipelines: render each pipe's params right before it runs, call it, record the result.

pub(crate) mod foreach;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use crate::config::OnError;
use crate::erased::{ErasedPipe, Input, Prepared, RunError};
use crate::params::plan::Plan;
use crate::pipe::{ItemStream, ParamError, PipeContext};
use crate::report::{PipeReport, PipeStatus, RunReport, TicketReport};
use crate::secrets::Secrets;
use crate::sections::Sections;
use crate::template::{Param, Results, Templates, jinja, scope};
use crate::trigger::Trigger;
use crate::usage::RunUsage;
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
    /// Its id, shared with the results it gives (a key per item costs no copy).
    pub(crate) id: Arc<str>,
    pub(crate) on_error: OnError,
    /// The compiled params, for `foreach` items and `otai render`.
    pub(crate) params: Param,
    /// The params split into static parts and templates.
    pub(crate) plan: Plan,
    pub(crate) condition: Option<Param>,
    /// The id of the service the pipe uses.
    pub(crate) service: Option<String>,
    /// Who reads the pipe's result.
    pub(crate) readers: Readers,
    /// Whether its result is a list only the `foreach` right after it reads: when the pipe
    /// streams ([`crate::Pipe::stream`]) and the caller does not read results, the loop takes
    /// the items as they arrive.
    pub(crate) feeds_next: bool,
    /// For a `foreach`: the pipe whose `tickets` are its `items`, when that is all they are.
    pub(crate) items_from: Option<String>,
    pub(crate) step: Step,
}

/// Who reads a pipe's result, as found at load.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Readers {
    /// A template of the pipeline (a later pipe, or a `foreach`'s collected items it reads).
    pub(crate) templates: bool,
    /// The caller of the run, through [`RunReport::result`] (top-level pipes, and the items a
    /// top-level `foreach` collects), when it keeps results ([`RunOptions::results`]).
    pub(crate) caller: bool,
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
    busy: Arc<Busy>,
}

/// What is running now: runs, and `foreach` items.
#[derive(Debug, Default)]
struct Busy {
    runs: AtomicUsize,
    items: AtomicUsize,
}

/// Counts one unit of work in one of [`Busy`]'s counters while it is alive, however it ends
/// (finished, failed or cancelled).
pub(crate) struct Working<'a>(&'a AtomicUsize);

impl<'a> Working<'a> {
    fn start(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Working<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What an item's pipes did to its ticket, kept for the run report.
#[derive(Default)]
struct ItemDetail {
    results: BTreeMap<String, Value>,
    errors: Vec<String>,
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

/// Called as `foreach` items finish: (foreach pipe, items done, items in all).
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Sync);

/// How a run is made.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RunOptions {
    /// Hold every write back (`--dry-run`).
    pub dry_run: bool,
    /// Keep, for each ticket of a `foreach` item, the results of its pipes
    /// ([`RunReport::tickets`]): what a report file shows. Costs a copy of every item's results.
    pub detail: bool,
    /// Keep the top-level results for [`RunReport::result`] (default). Without it, only what
    /// the pipeline's own templates read is kept: a `foreach` nobody reads collects nothing and
    /// an `update_ticket` nobody reads does not read the ticket back (unless their params ask).
    pub results: bool,
    /// Keep what each write did, ticket by ticket ([`TicketReport::changes`]; default). Without
    /// it the run counts its writes but neither describes nor keeps them.
    pub changes: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            detail: false,
            results: true,
            changes: true,
        }
    }
}

impl RunOptions {
    /// Sets [`RunOptions::dry_run`].
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Sets [`RunOptions::detail`].
    pub fn detail(mut self, detail: bool) -> Self {
        self.detail = detail;
        self
    }

    /// Sets [`RunOptions::results`].
    pub fn results(mut self, results: bool) -> Self {
        self.results = results;
        self
    }

    /// Sets [`RunOptions::changes`].
    pub fn changes(mut self, changes: bool) -> Self {
        self.changes = changes;
        self
    }
}

/// Shared by every pipe of one run.
struct RunState<'a> {
    pipeline: &'a str,
    context: minijinja::Value,
    dry_run: bool,
    /// The services as pipes get them: counted, and held back under dry run.
    services: BTreeMap<String, Arc<dyn TicketSystemService>>,
    stats: Arc<RunStats>,
    /// What pipes used (LLM calls, tokens), by name.
    usage: Arc<RunUsage>,
    failed: AtomicUsize,
    /// The tickets of `foreach` items a pipe failed for.
    failed_tickets: Mutex<HashSet<String>>,
    /// Whether to keep each ticket's item results for the report.
    detail: bool,
    /// Whether the caller reads the top-level results ([`RunReport::result`]).
    results: bool,
    /// Each ticket's item results and errors (kept when `detail`).
    details: Mutex<BTreeMap<String, ItemDetail>>,
    progress: Option<Progress<'a>>,
}

impl RunState<'_> {
    /// Whether anything reads the result of a pipe with `readers` in this run.
    fn reads(&self, readers: Readers) -> bool {
        readers.templates || self.detail || (readers.caller && self.results)
    }
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
            busy: Arc::default(),
        }
    }

    /// What is running now: (pipeline runs, `foreach` items).
    pub fn in_flight(&self) -> (usize, usize) {
        (
            self.busy.runs.load(Ordering::Relaxed),
            self.busy.items.load(Ordering::Relaxed),
        )
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
        let options = RunOptions::default().dry_run(dry_run);
        self.run_with(id, context, options, progress).await
    }

    /// [`Engine::run_with_progress`], keeping for each ticket of a `foreach` item the results
    /// of its pipes (in [`RunReport::tickets`]): what a report file shows. Costs a copy of
    /// every item's results, so long-running loops should use [`Engine::run`].
    pub async fn run_detailed(
        &self,
        id: &str,
        context: &Value,
        dry_run: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<RunReport> {
        let options = RunOptions::default().dry_run(dry_run).detail(true);
        self.run_with(id, context, options, progress).await
    }

    /// Runs pipeline `id` once as `options` say, reporting `foreach` progress to `progress`.
    pub async fn run_with(
        &self,
        id: &str,
        context: &Value,
        options: RunOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<RunReport> {
        let pipeline = self.pipeline(id)?;
        let _running = Working::start(&self.busy.runs);
        let started = Instant::now();
        let state = self.state(id, context, options, progress);
        let mut results = Results::default();
        let mut reports = Vec::new();
        let succeeded = self
            .run_pipes(
                &pipeline.pipes,
                &state,
                &mut results,
                None,
                &"",
                &mut reports,
            )
            .await;
        let totals = state.stats.totals();
        let failed_tickets = state
            .failed_tickets
            .lock()
            .map(|f| f.len())
            .unwrap_or_default();
        let tickets = self.ticket_reports(&state);
        if !options.results {
            results.clear();
        }
        Ok(RunReport {
            pipeline: id.to_owned(),
            succeeded,
            pipes: reports,
            dry_run: options.dry_run,
            seen: totals.seen,
            changed: totals.changed,
            writes: totals.writes,
            failed_tickets,
            failed: state.failed.load(Ordering::Relaxed),
            duration: started.elapsed(),
            tickets,
            usage: state.usage.figures(),
            results,
        })
    }

    /// The state of a new run of pipeline `id`.
    fn state<'a>(
        &self,
        id: &'a str,
        context: &Value,
        options: RunOptions,
        progress: Option<Progress<'a>>,
    ) -> RunState<'a> {
        let stats = Arc::new(if options.changes {
            RunStats::default()
        } else {
            RunStats::without_changes()
        });
        RunState {
            pipeline: id,
            context: jinja(context),
            dry_run: options.dry_run,
            services: self.wrapped_services(options.dry_run, &stats),
            stats,
            usage: Arc::default(),
            failed: AtomicUsize::new(0),
            failed_tickets: Mutex::default(),
            detail: options.detail,
            results: options.results,
            details: Mutex::default(),
            progress,
        }
    }

    /// Every ticket the run changed (or would have), failed on or kept details of, in id
    /// order (numbers by value), secrets redacted.
    fn ticket_reports(&self, state: &RunState<'_>) -> Vec<TicketReport> {
        fn entry<'m>(
            tickets: &'m mut BTreeMap<String, TicketReport>,
            id: &str,
        ) -> &'m mut TicketReport {
            tickets
                .entry(id.to_owned())
                .or_insert_with(|| TicketReport {
                    id: id.to_owned(),
                    ..TicketReport::default()
                })
        }
        let mut tickets: BTreeMap<String, TicketReport> = BTreeMap::new();
        for (id, changes) in state.stats.changes() {
            entry(&mut tickets, &id).changes =
                changes.iter().map(|c| self.secrets.redact(c)).collect();
        }
        if let Ok(details) = state.details.lock() {
            for (id, detail) in details.iter() {
                let report = entry(&mut tickets, id);
                report.results = detail.results.clone();
                report.errors = detail.errors.clone();
            }
        }
        if let Ok(failed) = state.failed_tickets.lock() {
            for id in failed.iter() {
                entry(&mut tickets, id);
            }
        }
        let mut tickets: Vec<TicketReport> = tickets.into_values().collect();
        tickets.sort_by(|a, b| {
            let key = |id: &str| (id.parse::<u64>().ok().unwrap_or(u64::MAX), id.to_owned());
            key(&a.id).cmp(&key(&b.id))
        });
        tickets
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
                    Arc::new(
                        DryRun::new(counted, self.secrets.redactor().clone())
                            .recording(Arc::clone(stats)),
                    )
                } else {
                    counted
                };
                (id.clone(), service)
            })
            .collect()
    }

    /// Runs every pipeline on its trigger until `shutdown` resolves; a pipeline's runs never
    /// overlap, and a run in progress finishes before stopping. `on_report` sees every run,
    /// without top-level results ([`RunOptions::results`] off: a loop keeps only what its own
    /// templates read).
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
                    let options = RunOptions::default().dry_run(dry_run).results(false);
                    let report = self.run_with(id, context, options, None).await?;
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
        let scope = scope(&jinja(context), &Results::default(), None);
        let in_a_loop = self
            .pipelines
            .iter()
            .any(|p| in_loop(&p.pipes, pipe_id).is_some());
        match self.templates.render(&pipe.params, &scope) {
            Ok(mut rendered) => {
                self.secrets.redact_value(&mut rendered);
                Ok(rendered)
            }
            Err(Error::Template { name, message }) if in_a_loop => {
                Err(self.secrets.redact_error(Error::Template {
                    name,
                    message: format!(
                        "{message}; `{pipe_id}` runs inside `foreach`: render it for an item with --ticket ID or --item JSON"
                    ),
                }))
            }
            Err(e) => Err(self.secrets.redact_error(e)),
        }
    }

    /// The params pipe `pipe_id`, inside a `foreach`, would receive for `item`: the pipes
    /// before it in the loop run first with that item, in a dry run (reads reach the services,
    /// no write does), so it sees their results as in a run. Results of pipes outside the loop
    /// are not available. Secrets are shown as `***`.
    pub async fn render_for_item(
        &self,
        pipe_id: &str,
        context: &Value,
        item: &Jinja,
    ) -> Result<Value> {
        let (pipeline, siblings, at) = self
            .pipelines
            .iter()
            .find_map(|p| in_loop(&p.pipes, pipe_id).map(|(s, at)| (p.id.as_str(), s, at)))
            .ok_or_else(|| {
                Error::config(
                    "--pipe",
                    format!("no pipe `{pipe_id}` inside a `foreach` (without --item or --ticket, a pipe is rendered on its own)"),
                )
            })?;
        let state = self.state(pipeline, context, RunOptions::default().dry_run(true), None);
        let mut results = Results::default();
        let mut reports = Vec::new();
        let ok = self
            .run_pipes(
                &siblings[..at],
                &state,
                &mut results,
                Some((item, 0)),
                &"",
                &mut reports,
            )
            .await;
        if let Some(error) = reports.iter().find_map(|r| r.error.clone()) {
            if !ok {
                return Err(Error::config(
                    format!("--pipe {pipe_id}"),
                    format!("a pipe before it failed: {error}"),
                ));
            }
        }
        let scope = scope(&state.context, &results, Some((item, 0)));
        let pipe = &siblings[at];
        match self.templates.render(&pipe.params, &scope) {
            Ok(mut rendered) => {
                self.secrets.redact_value(&mut rendered);
                Ok(rendered)
            }
            Err(e) => Err(self.secrets.redact_error(e)),
        }
    }

    /// Ticket `id` as an item, read from the service of pipe `pipe_id` (or the only service).
    pub async fn item_ticket(&self, pipe_id: &str, id: &str) -> Result<Jinja> {
        let pipe = self
            .pipelines
            .iter()
            .find_map(|p| find_pipe(&p.pipes, pipe_id))
            .ok_or_else(|| Error::config("--pipe", format!("no pipe `{pipe_id}`")))?;
        let services = self.services();
        let service = match &pipe.service {
            Some(name) => services.get(name.as_str()).cloned(),
            None if services.len() == 1 => services.values().next().cloned(),
            None => None,
        }
        .ok_or_else(|| {
            Error::config(
                "--ticket",
                format!("pipe `{pipe_id}` uses no service to read the ticket from"),
            )
        })?;
        let ticket_id: TicketId = id
            .parse()
            .map_err(|e: Error| Error::config("--ticket", e.to_string()))?;
        let ticket = service
            .get_ticket(otai_core::request::GetRequest::new(ticket_id))
            .await?
            .ok_or_else(|| Error::config("--ticket", format!("no ticket `{id}`")))?;
        Ok(crate::values::ticket_value(ticket))
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
        prefix: &'a Prefix<'a>,
        reports: &'a mut Vec<PipeReport>,
    ) -> futures::future::BoxFuture<'a, bool> {
        Box::pin(async move {
            // The items a pipe streams to the `foreach` after it.
            let mut feed = None;
            for pipe in pipes {
                let name = PipeName {
                    prefix,
                    id: &pipe.id,
                };
                let outcome = if pipe.feeds_next && !(pipe.readers.caller && state.results) {
                    match self.start_stream(pipe, state, results, item, name).await {
                        Ok(Some(stream)) => {
                            let count = stream.total.map_or(Jinja::UNDEFINED, Jinja::from);
                            feed = Some(stream);
                            Ok(Some(Jinja::from_pairs(vec![("count", count)])))
                        }
                        Ok(None) => {
                            self.run_pipe(pipe, state, results, item, name, reports, None)
                                .await
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    self.run_pipe(pipe, state, results, item, name, reports, feed.take())
                        .await
                };
                match outcome {
                    Ok(Some(data)) => {
                        results.insert(pipe.id.clone(), data);
                        // An item's pipes that succeed are counted by the loop, not reported.
                        if item.is_none() {
                            reports.push(PipeReport {
                                id: name.to_string(),
                                status: PipeStatus::Succeeded,
                                error: None,
                            });
                        }
                    }
                    Ok(None) => reports.push(PipeReport {
                        id: name.to_string(),
                        status: PipeStatus::Skipped,
                        error: None,
                    }),
                    Err(e) => {
                        state.failed.fetch_add(1, Ordering::Relaxed);
                        let message = self.secrets.redact(&otai_core::error::report(&e));
                        tracing::warn!(pipe = %name, error = %message, "pipe failed");
                        reports.push(PipeReport {
                            id: name.to_string(),
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

    /// The context pipe `pipe` runs with.
    fn pipe_context(&self, pipe: &CompiledPipe, state: &RunState<'_>) -> PipeContext {
        let service = pipe.service.as_ref();
        let mut ctx = PipeContext::for_run(
            pipe.id.clone(),
            service.and_then(|id| state.services.get(id)).cloned(),
            self.secrets.redactor().clone(),
            Arc::clone(&state.usage),
        );
        ctx.dry_run = state.dry_run;
        ctx.result_read = state.reads(pipe.readers);
        ctx
    }

    /// The params pipe `pipe` runs with: parsed at load, or rendered against `jinja` now.
    fn input<'p>(
        &self,
        pipe: &'p CompiledPipe,
        prepared: Option<&'p Prepared>,
        jinja: &Jinja,
        item: Option<(&Jinja, usize)>,
    ) -> Result<Input<'p>> {
        Ok(match prepared {
            Some(prepared) => Input::Prepared(prepared),
            None => Input::Filled(
                pipe.plan
                    .fill(&self.templates, jinja, &[])
                    .map_err(|e| at_item(e, item))?,
            ),
        })
    }

    /// Starts pipe `pipe`'s stream of items for the `foreach` after it (it has no `if:`);
    /// `None` when the pipe does not stream.
    async fn start_stream(
        &self,
        pipe: &CompiledPipe,
        state: &RunState<'_>,
        results: &Results,
        item: Option<(&Jinja, usize)>,
        name: PipeName<'_>,
    ) -> Result<Option<ItemStream>> {
        let Step::Pipe {
            name: use_name,
            pipe: runner,
            prepared,
        } = &pipe.step
        else {
            return Ok(None);
        };
        let jinja = scope(&state.context, results, item);
        let input = self.input(pipe, prepared.as_ref(), &jinja, item)?;
        let ctx = self.pipe_context(pipe, state);
        let started = Instant::now();
        let stream = runner
            .stream(&ctx, use_name, input)
            .map_err(|e| run_error(e, state.pipeline, &pipe.id, name, item))?;
        let Some(stream) = stream else {
            return Ok(None);
        };
        let stream = stream
            .await
            .map_err(|e| run_error(RunError::Failed(e), state.pipeline, &pipe.id, name, item))?;
        succeeded(state.pipeline, name, started);
        Ok(Some(stream))
    }

    /// Runs one pipe: `Ok(None)` when skipped. A `foreach` takes its items from `feed` when
    /// the pipe before it streams them.
    #[allow(clippy::too_many_arguments)]
    async fn run_pipe(
        &self,
        pipe: &CompiledPipe,
        state: &RunState<'_>,
        results: &Results,
        item: Option<(&Jinja, usize)>,
        name: PipeName<'_>,
        reports: &mut Vec<PipeReport>,
        feed: Option<ItemStream>,
    ) -> Result<Option<Jinja>> {
        let jinja = scope(&state.context, results, item);
        if let Some(condition) = &pipe.condition {
            let truthy = self.templates.truthy(condition, &jinja);
            if !truthy.map_err(|e| at_item(e, item))? {
                tracing::info!(pipeline = %state.pipeline, pipe = %name, "pipe skipped: its `if:` is false");
                return Ok(None);
            }
        }
        match &pipe.step {
            Step::Pipe {
                name: use_name,
                pipe: runner,
                prepared,
            } => {
                let input = self.input(pipe, prepared.as_ref(), &jinja, item)?;
                let ctx = self.pipe_context(pipe, state);
                let started = Instant::now();
                let data = runner
                    .run(&ctx, use_name, input)
                    .await
                    .map_err(|e| run_error(e, state.pipeline, &pipe.id, name, item))?;
                succeeded(state.pipeline, name, started);
                Ok(Some(data))
            }
            Step::Foreach(children) => {
                let started = Instant::now();
                let name = name.to_string();
                let data = self
                    .run_foreach(
                        pipe, children, state, results, item, &name, reports, &jinja, feed,
                    )
                    .await?;
                succeeded(state.pipeline, name, started);
                Ok(Some(data))
            }
            Step::Invalid => Err(Error::config(name.to_string(), "invalid pipe")),
        }
    }
}

/// A template error inside `foreach` names the item (and its ticket) too.
fn at_item(error: Error, item: Option<(&Jinja, usize)>) -> Error {
    match error {
        Error::Template { name, message } => Error::Template {
            name,
            message: format!("{message}{}", item_label(item)),
        },
        other => other,
    }
}

/// The error of a pipe's run: its params, or the pipe's own.
fn run_error(
    error: RunError,
    pipeline: &str,
    pipe_id: &str,
    name: impl std::fmt::Display,
    item: Option<(&Jinja, usize)>,
) -> Error {
    match error {
        RunError::Params(errors) => params_error(pipeline, pipe_id, item, errors),
        RunError::Failed(e) => Error::Pipeline {
            pipe: name.to_string(),
            message: String::new(),
            source: Some(Box::new(e)),
        },
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
    let at_item = item_label(item);
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

/// The `-v` line of a pipe that succeeded: one per pipe (and per `foreach` item's pipe).
fn succeeded(pipeline: &str, pipe: impl std::fmt::Display, started: Instant) {
    // Not even the text of the time when nobody reads the line (`-q`, or not `-v`).
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let micros = started.elapsed().as_micros();
    let elapsed = format!("{}.{:03} ms", micros / 1000, micros % 1000);
    tracing::info!(pipeline = %pipeline, pipe = %pipe, elapsed = %elapsed, "pipe succeeded");
}

/// What goes before the names of a run's pipes: nothing at the top level, `each[3].` for an
/// item's (written out only when shown).
pub(crate) type Prefix<'a> = dyn std::fmt::Display + Sync + 'a;

/// A pipe's name in reports and logs, `<prefix><id>` (`each[3].move`): written out only when
/// something shows it.
#[derive(Clone, Copy)]
struct PipeName<'a> {
    prefix: &'a Prefix<'a>,
    id: &'a str,
}

impl std::fmt::Display for PipeName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.prefix.fmt(f)?;
        f.write_str(self.id)
    }
}

/// The ticket id of a `foreach` item, when the item has one that is a valid id.
pub(crate) fn item_ticket(item: &Jinja) -> Option<TicketId> {
    item.get_attr("id")
        .ok()
        .filter(|id| !id.is_undefined() && !id.is_none())
        .and_then(|id| id.to_string().parse::<TicketId>().ok())
}

/// ` (item 3, ticket 7)` inside `foreach`, else nothing.
fn item_label(item: Option<(&Jinja, usize)>) -> String {
    item.map(|(value, index)| match item_ticket(value) {
        Some(id) => format!(" (item {index}, ticket {id})"),
        None => format!(" (item {index})"),
    })
    .unwrap_or_default()
}

/// The pipes of the `foreach` that holds pipe `id` and its position among them.
fn in_loop<'a>(pipes: &'a [CompiledPipe], id: &str) -> Option<(&'a [CompiledPipe], usize)> {
    pipes.iter().find_map(|p| match &p.step {
        Step::Foreach(children) => children
            .iter()
            .position(|c| &*c.id == id)
            .map(|at| (children.as_slice(), at))
            .or_else(|| in_loop(children, id)),
        _ => None,
    })
}

fn find_pipe<'a>(pipes: &'a [CompiledPipe], id: &str) -> Option<&'a CompiledPipe> {
    pipes.iter().find_map(|p| {
        if &*p.id == id {
            return Some(p);
        }
        match &p.step {
            Step::Foreach(children) => find_pipe(children, id),
            _ => None,
        }
    })
}
