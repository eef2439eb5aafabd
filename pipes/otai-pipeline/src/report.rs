//! What a run reports: each pipe's outcome and the run's figures.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

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

/// What one run did to one ticket: the writes (or, in a dry run, the writes held back), the
/// results of the pipes that ran for it inside `foreach` (say, which rule matched), and why
/// any of them failed. Secrets are redacted.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct TicketReport {
    /// The ticket's id (`dry-run-1`… for a ticket a dry run would have created).
    pub id: String,
    /// What each write did, in order: `updated: queue=Hardware, note=…`; in a dry run
    /// `would update: …`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// The results of the pipes run for this ticket's `foreach` item, by pipe id (kept only
    /// when the run was asked for details: [`Engine::run_detailed`](crate::Engine::run_detailed)).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub results: BTreeMap<String, Value>,
    /// Why pipes failed for this ticket.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The outcome of one run of a pipeline. The figures are counted where the service calls pass
/// (see [`Counted`](crate::Counted)), whatever the pipes do.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// The pipeline.
    pub pipeline: String,
    /// False when a pipe failed with `on_error: fail`.
    pub succeeded: bool,
    /// Every pipe that ran, in order; of the pipes run for `foreach` items, those that failed
    /// or were skipped (the ones that succeeded are counted, not listed).
    pub pipes: Vec<PipeReport>,
    /// Whether writes were held back (`--dry-run`).
    pub dry_run: bool,
    /// Distinct tickets fetched (returned by searches and reads).
    pub seen: usize,
    /// Distinct tickets changed (none in a dry run).
    pub changed: usize,
    /// Writes sent to a helpdesk that succeeded (none in a dry run).
    pub writes: usize,
    /// Distinct tickets for which a pipe failed (inside `foreach`, the item's ticket).
    pub failed_tickets: usize,
    /// Pipes (and foreach items' pipes) that failed.
    pub failed: usize,
    /// How long the run took (in the JSON form: `duration_ms`).
    #[serde(rename = "duration_ms", serialize_with = "milliseconds")]
    pub duration: Duration,
    /// Every ticket the run changed, would have changed, or failed on, by id.
    pub tickets: Vec<TicketReport>,
    /// What pipes used, summed by name (`llm_calls`, `llm_prompt_tokens`, …; see
    /// [`usage::names`](crate::usage::names)); left out of the JSON form when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub usage: BTreeMap<String, u64>,
    /// The last result of every top-level pipe, as templates saw it.
    #[serde(skip)]
    pub(crate) results: crate::template::Results,
}

/// A duration as milliseconds, with microsecond precision.
fn milliseconds<S: serde::Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
    let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    s.serialize_f64(micros as f64 / 1000.0)
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
        self.results.keys().map(|id| &**id)
    }

    /// The failures, one line each.
    pub fn failures(&self) -> impl Iterator<Item = &PipeReport> {
        self.pipes.iter().filter(|p| p.status == PipeStatus::Failed)
    }
}
