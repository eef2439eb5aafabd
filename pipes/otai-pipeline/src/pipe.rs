//! The pipe contract: what built-in and plugin pipes implement.

use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::de::DeserializeOwned;

use crate::erased::{ErasedPipe, Typed};
use crate::params::path::PathSet;
use crate::usage::RunUsage;
use otai_core::output::Redactor;
use otai_core::request::NativeKeys;
use otai_core::{Error, Result, TicketSystemService};

/// One step of a pipeline: typed params in, a result out, which later pipes read as
/// `pipes.<id>`. Like a service, a pipe goes config → build → run: its [`Pipe::Params`] are
/// checked when the file is loaded (static params fully, templated ones once rendered), so a
/// typo or a bad value is reported by `otai validate`, never halfway through a run.
///
/// ```
/// use async_trait::async_trait;
/// use otai_pipeline::{CheckContext, ParamError, Pipe, PipeContext, TemplateValue};
///
/// /// Repeats `text` `times` times.
/// struct Repeat;
///
/// #[derive(serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct RepeatParams {
///     /// The text to repeat.
///     text: String,
///     /// How often: 1 to 10.
///     #[serde(default = "one")]
///     times: usize,
/// }
///
/// fn one() -> usize { 1 }
///
/// #[async_trait]
/// impl Pipe for Repeat {
///     type Params = RepeatParams;
///
///     fn check(&self, p: &RepeatParams, _ctx: &CheckContext<'_>) -> Result<(), Vec<ParamError>> {
///         if !(1..=10).contains(&p.times) {
///             return Err(vec![ParamError::new("times", format!("must be from 1 to 10, got {}", p.times))]);
///         }
///         Ok(())
///     }
///
///     async fn run(&self, _ctx: &PipeContext, p: &RepeatParams) -> otai_core::Result<TemplateValue> {
///         Ok(TemplateValue::from(p.text.repeat(p.times)))
///     }
/// }
///
/// let spec = otai_pipeline::PipeSpec::new("repeat `text`", Repeat);
/// # let _ = spec;
/// ```
#[async_trait]
pub trait Pipe: Send + Sync + 'static {
    /// The params: a serde struct with `#[serde(deny_unknown_fields)]` and a doc comment on every
    /// field. Unknown keys are always errors (with a suggestion), whatever the struct says. Wrap
    /// large static params in [`Shared`](crate::Shared) to parse them once for every run.
    type Params: DeserializeOwned + Send + Sync + 'static;

    /// Checks what serde cannot: ranges, combinations. Runs at load on the params written in the
    /// file (templated ones are placeholders there, and errors naming them are dropped) and again
    /// after rendering when any param is a template. Each error names its field.
    fn check(&self, params: &Self::Params, ctx: &CheckContext<'_>) -> Result<(), Vec<ParamError>> {
        let _ = (params, ctx);
        Ok(())
    }

    /// Checks params rendered for one run, which then gets these same params: a pipe may keep
    /// what it parsed for the run instead of parsing again. [`Pipe::check`] unless overridden.
    fn check_rendered(
        &self,
        params: &mut Self::Params,
        ctx: &CheckContext<'_>,
    ) -> Result<(), Vec<ParamError>> {
        self.check(params, ctx)
    }

    /// Runs the pipe. Errors are the pipe's own; bad params never reach here.
    async fn run(&self, ctx: &PipeContext, params: &Self::Params) -> Result<crate::TemplateValue>;

    /// For a pipe whose result is a list that only the `foreach` right after it reads (as
    /// `fetch_tickets` and `items: '{{ pipes.fetch.tickets }}'`): the list's items as they
    /// arrive, so the loop starts before the last one has arrived and holds only the items in
    /// flight. `None` (the default): the pipe runs as usual and the loop reads its result.
    fn stream(
        &self,
        ctx: &PipeContext,
        params: &Self::Params,
    ) -> Option<BoxFuture<'static, Result<ItemStream>>> {
        let _ = (ctx, params);
        None
    }
}

/// The items of a streamed list ([`Pipe::stream`]).
#[non_exhaustive]
pub struct ItemStream {
    /// How many items the stream will hand over, when known before they arrive.
    pub total: Option<usize>,
    /// The items; an error ends the stream (and fails the loop).
    pub items: BoxStream<'static, Result<crate::TemplateValue>>,
}

impl ItemStream {
    /// `total` items (when known) from `items`.
    pub fn new(
        total: Option<usize>,
        items: BoxStream<'static, Result<crate::TemplateValue>>,
    ) -> Self {
        Self { total, items }
    }
}

impl std::fmt::Debug for ItemStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

/// A problem with one param: the field below `params` (e.g. `rules[0].patterns`; empty for the
/// params as a whole) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamError {
    /// The field, as a path below `params`.
    pub field: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
    /// Whether it is about the key itself (unknown, misspelt), not its value.
    about_key: bool,
}

impl ParamError {
    /// A problem with the value of `field`. At load, one about a templated field is dropped: its
    /// value is a placeholder there.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            about_key: false,
        }
    }

    /// A problem with the key `field` itself (unknown, misspelt): reported even when its value
    /// is a template, since keys never are.
    pub fn key(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            about_key: true,
            ..Self::new(field, message)
        }
    }

    /// Whether this is about a key rather than its value.
    pub fn is_about_key(&self) -> bool {
        self.about_key
    }
}

impl From<Error> for ParamError {
    /// An invalid-input error names its field; anything else is about the params as a whole.
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidInput { field, message } => {
                let field = if field == "(arguments)" {
                    String::new()
                } else {
                    field
                };
                Self::new(field, message)
            }
            other => Self::new("", other.to_string()),
        }
    }
}

/// What [`Pipe::check`] may consult.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CheckContext<'a> {
    /// The pipe's id.
    pub pipe_id: &'a str,
    /// The kind (`local`, `otobo-znuny`, …) and native keys of the pipe's service, when it has
    /// one and it is known.
    pub service: Option<(&'a str, &'static NativeKeys)>,
    templated: Option<&'a PathSet>,
    at_load: bool,
}

impl<'a> CheckContext<'a> {
    /// The context of a check after rendering, when every value is known.
    pub fn at_run(pipe_id: &'a str, service: Option<(&'a str, &'static NativeKeys)>) -> Self {
        Self {
            pipe_id,
            service,
            templated: None,
            at_load: false,
        }
    }

    /// The context of a check at load: `templated` lists the paths whose values are templates.
    pub(crate) fn at_load(
        pipe_id: &'a str,
        service: Option<(&'a str, &'static NativeKeys)>,
        templated: &'a PathSet,
    ) -> Self {
        Self {
            pipe_id,
            service,
            templated: Some(templated),
            at_load: true,
        }
    }

    /// Whether this check runs at load (before any template is rendered).
    pub fn is_load(&self) -> bool {
        self.at_load
    }

    /// Whether `field` (a path below `params`, `""` for all of them) is, holds or lies inside a
    /// template, so its value is a placeholder now.
    pub fn is_templated(&self, field: &str) -> bool {
        self.templated.is_some_and(|t| t.overlaps(field))
    }
}

/// What a running pipe may use.
#[derive(Clone)]
#[non_exhaustive]
pub struct PipeContext {
    /// The pipe's id.
    pub pipe_id: Arc<str>,
    /// The ticket system the pipe uses, when the config has one. The engine hands over a wrapped
    /// service: its calls are counted for the run report and, under `--dry-run`, its writes are
    /// logged and answered with placeholders instead of being sent.
    pub service: Option<Arc<dyn TicketSystemService>>,
    /// Whether this is a dry run. Writes through [`PipeContext::service`] are held back already;
    /// only pipes with side effects elsewhere (mail, webhooks) need to look at this.
    pub dry_run: bool,
    /// The one redactor: a pipe that logs or reports a text it was given shows it through
    /// [`Redactor::shown`] (or [`Redactor::redact`]), so no secret value reaches the output.
    pub redactor: Redactor,
    /// Whether anything reads this pipe's result: a later template, the caller of the run, or
    /// a report that keeps item results. When false, a pipe may skip work that only feeds its
    /// result (`update_ticket` does not read the ticket back unless `reread:` says so).
    pub result_read: bool,
    /// The run's usage figures, which [`PipeContext::add_usage`] adds to.
    usage: Arc<RunUsage>,
}

impl std::fmt::Debug for PipeContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipeContext")
            .field("pipe_id", &self.pipe_id)
            .field("dry_run", &self.dry_run)
            .field("result_read", &self.result_read)
            .finish_non_exhaustive()
    }
}

impl PipeContext {
    /// A context for `pipe_id` (mostly for tests of pipes).
    pub fn new(
        pipe_id: impl Into<Arc<str>>,
        service: Option<Arc<dyn TicketSystemService>>,
    ) -> Self {
        Self::for_run(pipe_id.into(), service, Redactor::default(), Arc::default())
    }

    /// The engine's context for a run of `pipe_id`, sharing the run's redactor and usage.
    pub(crate) fn for_run(
        pipe_id: Arc<str>,
        service: Option<Arc<dyn TicketSystemService>>,
        redactor: Redactor,
        usage: Arc<RunUsage>,
    ) -> Self {
        Self {
            pipe_id,
            service,
            dry_run: false,
            redactor,
            result_read: true,
            usage,
        }
    }

    /// This context, adding its usage figures to `usage` (the engine's run; tests' own).
    pub fn with_usage(mut self, usage: Arc<RunUsage>) -> Self {
        self.usage = usage;
        self
    }

    /// Adds `amount` to the run's usage figure `name` (e.g.
    /// [`names::LLM_CALLS`](crate::usage::names::LLM_CALLS)); the run report sums them by name.
    pub fn add_usage(&self, name: &str, amount: u64) {
        self.usage.add(name, amount);
    }

    /// The ticket system, or an error naming the pipe.
    pub fn service(&self) -> Result<&Arc<dyn TicketSystemService>> {
        self.service.as_ref().ok_or_else(|| {
            Error::config(
                format!("pipes.{}.service", self.pipe_id),
                "this pipe needs a ticket system service, and none is configured",
            )
        })
    }
}

/// A registered pipe: its description and the pipe itself, its params type erased.
#[derive(Clone)]
#[non_exhaustive]
pub struct PipeSpec {
    /// One line for `otai` listings and docs.
    pub description: &'static str,
    /// Whether the pipe uses a ticket system service.
    pub needs_service: bool,
    pub(crate) pipe: Arc<dyn ErasedPipe>,
    /// Makes the schema of its params, when they declare one ([`Self::new_with_schema`]).
    pub(crate) params_schema: Option<otai_core::registry::SchemaFn>,
}

impl std::fmt::Debug for PipeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipeSpec")
            .field("description", &self.description)
            .field("needs_service", &self.needs_service)
            .finish_non_exhaustive()
    }
}

impl PipeSpec {
    /// A spec for `pipe`; its params are what [`Pipe::Params`] declares.
    /// Its params schema (`otai schema`) is any map; [`Self::new_with_schema`] declares it.
    pub fn new<P: Pipe>(description: &'static str, pipe: P) -> Self {
        Self {
            description,
            needs_service: false,
            pipe: Arc::new(Typed(pipe)),
            params_schema: None,
        }
    }

    /// A spec for `pipe` whose params' JSON Schema is [`Pipe::Params`]'s (`otai schema`).
    pub fn new_with_schema<P: Pipe>(description: &'static str, pipe: P) -> Self
    where
        P::Params: schemars::JsonSchema,
    {
        Self {
            params_schema: Some(|generator| generator.subschema_for::<P::Params>()),
            ..Self::new(description, pipe)
        }
    }

    /// Declares the JSON Schema of the pipe's params, for params read by hand (kwargs).
    pub fn with_params_schema(mut self, schema: otai_core::registry::SchemaFn) -> Self {
        self.params_schema = Some(schema);
        self
    }

    /// Declares that the pipe uses a ticket system.
    pub fn with_service(mut self) -> Self {
        self.needs_service = true;
        self
    }
}
