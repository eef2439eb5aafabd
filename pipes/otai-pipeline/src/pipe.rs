//! The pipe contract: what built-in and plugin pipes implement.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;

use otai_core::{Error, Result, TicketSystemService};

/// One step of a pipeline. It gets its rendered params and returns its result data, which later
/// pipes read as `pipes.<id>`.
///
/// ```
/// use async_trait::async_trait;
/// use otai_pipeline::{Pipe, PipeContext};
/// use serde_json::Value;
///
/// struct Shout;
///
/// #[async_trait]
/// impl Pipe for Shout {
///     async fn run(&self, _ctx: &PipeContext, params: Value) -> otai_core::Result<Value> {
///         let text = params["text"].as_str().unwrap_or_default();
///         Ok(Value::from(text.to_uppercase()))
///     }
/// }
/// ```
#[async_trait]
pub trait Pipe: Send + Sync {
    /// Runs the pipe with its rendered params.
    async fn run(&self, ctx: &PipeContext, params: Value) -> Result<Value>;

    /// Runs the pipe and returns its result as later templates see it. The engine calls this;
    /// the default converts [`Pipe::run`]'s JSON. Pipes with large results (ticket lists)
    /// override it to hand over typed values that are never copied into maps, such as
    /// [`tickets_value`](crate::tickets_value).
    async fn run_value(&self, ctx: &PipeContext, params: Value) -> Result<minijinja::Value> {
        Ok(crate::template::jinja(&self.run(ctx, params).await?))
    }
}

/// What a running pipe may use.
#[derive(Clone)]
#[non_exhaustive]
pub struct PipeContext {
    /// The pipe's id.
    pub pipe_id: String,
    /// The ticket system the pipe uses, when the config has one.
    pub service: Option<Arc<dyn TicketSystemService>>,
    /// When true, pipes that write must not: they log and return what they would send.
    pub dry_run: bool,
    /// Counters for the run summary.
    pub stats: Arc<RunStats>,
}

impl std::fmt::Debug for PipeContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipeContext")
            .field("pipe_id", &self.pipe_id)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

impl PipeContext {
    /// A context for `pipe_id` (mostly for tests of pipes).
    pub fn new(pipe_id: impl Into<String>, service: Option<Arc<dyn TicketSystemService>>) -> Self {
        Self {
            pipe_id: pipe_id.into(),
            service,
            dry_run: false,
            stats: Arc::default(),
        }
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

/// Counters of one run: tickets seen, tickets changed, items failed.
#[derive(Debug, Default)]
pub struct RunStats {
    seen: AtomicUsize,
    changed: Mutex<HashSet<String>>,
    writes: AtomicUsize,
    failed: AtomicUsize,
}

impl RunStats {
    /// Counts `n` tickets seen.
    pub fn saw(&self, n: usize) {
        self.seen.fetch_add(n, Ordering::Relaxed);
    }

    /// Records a change of ticket `id`.
    pub fn changed(&self, id: Option<&str>) {
        self.writes.fetch_add(1, Ordering::Relaxed);
        if let (Some(id), Ok(mut set)) = (id, self.changed.lock()) {
            set.insert(id.to_owned());
        }
    }

    /// Counts one failed pipe or item.
    pub fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// (seen, distinct tickets changed, failed).
    pub fn totals(&self) -> (usize, usize, usize) {
        let changed = self.changed.lock().map(|s| s.len()).unwrap_or_default();
        (
            self.seen.load(Ordering::Relaxed),
            changed,
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// How a registered pipe is described and built.
#[derive(Clone)]
#[non_exhaustive]
pub struct PipeSpec {
    /// One line for `otai` listings and docs.
    pub description: &'static str,
    /// Params that must be present.
    pub required: &'static [&'static str],
    /// Every accepted param, or `None` to accept any.
    pub accepted: Option<&'static [&'static str]>,
    /// Whether the pipe uses a ticket system service.
    pub needs_service: bool,
    /// Builds the pipe.
    pub factory: Arc<dyn Fn() -> Arc<dyn Pipe> + Send + Sync>,
}

impl std::fmt::Debug for PipeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipeSpec")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl PipeSpec {
    /// A spec for a pipe built by `factory`, accepting any params.
    pub fn new(
        description: &'static str,
        factory: impl Fn() -> Arc<dyn Pipe> + Send + Sync + 'static,
    ) -> Self {
        Self {
            description,
            required: &[],
            accepted: None,
            needs_service: false,
            factory: Arc::new(factory),
        }
    }

    /// Declares required params.
    pub fn required(mut self, params: &'static [&'static str]) -> Self {
        self.required = params;
        self
    }

    /// Declares every accepted param (others are config errors).
    pub fn accepted(mut self, params: &'static [&'static str]) -> Self {
        self.accepted = Some(params);
        self
    }

    /// Declares that the pipe uses a ticket system.
    pub fn with_service(mut self) -> Self {
        self.needs_service = true;
        self
    }
}

/// Reads a JSON value into `T` for pipe `pipe`; errors name the param path.
pub fn params<T: serde::de::DeserializeOwned>(pipe: &str, value: Value) -> Result<T> {
    otai_core::kwargs::deserialize_tracked(value).map_err(|e| {
        let path = e.path().to_string();
        Error::config(
            format!(
                "pipes.{pipe}.params{}",
                if path == "." {
                    String::new()
                } else {
                    format!(".{path}")
                }
            ),
            otai_core::error::plain_serde_message(&e.into_inner().to_string()),
        )
    })
}
