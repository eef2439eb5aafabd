//! What a run reports: each pipe's outcome and the run's figures.

use std::collections::BTreeMap;
use std::time::Duration;

use minijinja::Value as Jinja;
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

/// The outcome of one run of a pipeline. The figures are counted where the service calls pass
/// (see [`Counted`](crate::Counted)), whatever the pipes do.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// The pipeline.
    pub pipeline: String,
    /// False when a pipe failed with `on_error: fail`.
    pub succeeded: bool,
    /// Every pipe (and foreach item) that ran, in order.
    pub pipes: Vec<PipeReport>,
    /// Tickets fetched (returned by searches and reads).
    pub seen: usize,
    /// Distinct tickets changed (none in a dry run).
    pub changed: usize,
    /// Writes sent to a helpdesk that succeeded (none in a dry run).
    pub writes: usize,
    /// Pipes and items that failed.
    pub failed: usize,
    /// How long the run took.
    pub duration: Duration,
    /// The last result of every top-level pipe, as templates saw it.
    #[serde(skip)]
    pub(crate) results: BTreeMap<String, Jinja>,
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
