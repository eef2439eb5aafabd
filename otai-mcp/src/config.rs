//! The `mcp:` section of `otai.yml`: what an agent may do through `otai mcp`.

use otai_pipeline::{ConfigErrors, Sections};
use secrecy::SecretString;
use serde::Deserialize;

use crate::tools::WriteTool;

/// The section's name in `otai.yml`.
pub const SECTION: &str = "mcp";

/// Most characters of one ticket or note body shown by default.
const DEFAULT_BODY_LIMIT: usize = 2_000;
/// Most tickets one `find_tickets` call returns by default.
const DEFAULT_MAX_RESULTS: usize = 50;
/// Most writes per run of `otai mcp` by default.
const DEFAULT_MAX_WRITES: usize = 20;

/// Bounds of the numbers a configuration may set.
const BODY_LIMIT_RANGE: (usize, usize) = (100, 1_000_000);
const MAX_RESULTS_RANGE: (usize, usize) = (1, 1_000);
const MAX_WRITES_RANGE: (usize, usize) = (0, 100_000);
/// Most entries in one list of the section (queues, hosts).
const MAX_LIST: usize = 1_000;

/// The `mcp:` section. Without it, `otai mcp` is read-only, reads every queue of its services,
/// shows bodies up to 2000 characters and returns at most 50 tickets per search.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// The write tools the agent may call (`create_ticket`, `update_ticket`, `add_note`);
    /// empty (the default) means read-only.
    #[serde(default)]
    pub writes: Vec<WriteTool>,
    /// The queues the agent may read and write.
    #[serde(default)]
    pub queues: QueueLists,
    /// The most writes (attempts included) in one run of `otai mcp`.
    #[serde(default = "default_max_writes")]
    pub max_writes: usize,
    /// Check and report each write without making it.
    #[serde(default)]
    pub dry_run: bool,
    /// The most characters of a ticket or note body shown to the agent; longer bodies are cut
    /// with a marker saying how much was left out.
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,
    /// The most tickets one `find_tickets` call returns (also the default `limit`).
    #[serde(default = "default_max_results")]
    pub max_results: usize,
    /// The bearer token clients must send over HTTP (`--listen`); write it as a secret:
    /// `token: '${{ secrets.MCP_TOKEN }}'`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub token: Option<SecretString>,
    /// Host names (or `host:port`) the HTTP server answers to besides loopback ones
    /// (protection against DNS rebinding).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

/// Which queues the agent may touch, by name or ID. An absent list allows every queue.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueLists {
    /// Queues whose tickets the agent may find, read and summarise.
    #[serde(default)]
    pub read: Option<Vec<String>>,
    /// Queues whose tickets the agent may create, update and note; defaults to `read`.
    #[serde(default)]
    pub write: Option<Vec<String>>,
}

fn default_max_writes() -> usize {
    DEFAULT_MAX_WRITES
}
fn default_body_limit() -> usize {
    DEFAULT_BODY_LIMIT
}
fn default_max_results() -> usize {
    DEFAULT_MAX_RESULTS
}

impl Default for McpConfig {
    fn default() -> Self {
        Self {
            writes: Vec::new(),
            queues: QueueLists::default(),
            max_writes: DEFAULT_MAX_WRITES,
            dry_run: false,
            body_limit: DEFAULT_BODY_LIMIT,
            max_results: DEFAULT_MAX_RESULTS,
            token: None,
            allowed_hosts: Vec::new(),
        }
    }
}

impl McpConfig {
    /// Reads and checks the `mcp:` section (the defaults when there is none); every problem is
    /// reported at its line.
    pub fn from_sections(sections: &Sections) -> Result<Self, ConfigErrors> {
        let config: Self = sections.read(SECTION)?.unwrap_or_default();
        let mut problems = Vec::new();
        for (field, value, (min, max)) in [
            ("body_limit", config.body_limit, BODY_LIMIT_RANGE),
            ("max_results", config.max_results, MAX_RESULTS_RANGE),
            ("max_writes", config.max_writes, MAX_WRITES_RANGE),
        ] {
            if value < min || value > max {
                problems.push(sections.error(
                    SECTION,
                    field,
                    format!("{value} is out of range: give {min} to {max}"),
                ));
            }
        }
        for (field, list) in [
            ("queues.read", config.queues.read.as_deref()),
            ("queues.write", config.queues.write.as_deref()),
            ("allowed_hosts", Some(config.allowed_hosts.as_slice())),
        ] {
            let Some(list) = list else { continue };
            if list.len() > MAX_LIST {
                problems.push(sections.error(
                    SECTION,
                    field,
                    format!("{} entries; at most {MAX_LIST}", list.len()),
                ));
            }
            if let Some(i) = list.iter().position(|q| q.trim().is_empty()) {
                problems.push(sections.error(
                    SECTION,
                    &format!("{field}[{i}]"),
                    "empty name: give a queue name or ID",
                ));
            }
        }
        let mut seen = Vec::new();
        for (i, tool) in config.writes.iter().enumerate() {
            if seen.contains(tool) {
                problems.push(sections.error(
                    SECTION,
                    &format!("writes[{i}]"),
                    format!("`{}` is listed twice", tool.name()),
                ));
            }
            seen.push(*tool);
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(problems))
        }
    }

    /// Whether the agent may call write tool `tool`.
    pub fn allows(&self, tool: WriteTool) -> bool {
        self.writes.contains(&tool)
    }

    /// The queues writes may touch: `queues.write`, else `queues.read`, else all (`None`).
    pub fn write_queues(&self) -> Option<&[String]> {
        self.queues.write.as_deref().or(self.queues.read.as_deref())
    }

    /// The queues reads may touch (`None`: all).
    pub fn read_queues(&self) -> Option<&[String]> {
        self.queues.read.as_deref()
    }
}
