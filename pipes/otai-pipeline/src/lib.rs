//! YAML pipelines: configuration, templating, pipes and the engine that runs them.
//!
//! ```yaml
//! services:
//!   - id: store
//!     use: local
//!     params: { path: ':memory:' }
//! pipelines:
//!   triage:
//!     trigger: { every: 5m }
//!     pipes:
//!       - id: fetch
//!         use: fetch_tickets
//!         params: { queue: Raw, limit: 50 }
//!       - id: each
//!         use: foreach
//!         params: { items: '{{ pipes.fetch.tickets }}', concurrency: 8 }
//!         pipes:
//!           - id: note
//!             use: add_note
//!             params: { ticket_id: '{{ item.id }}', body: 'seen by otai' }
//! ```
//!
//! Load with [`load_file`] (every problem is reported at once, with file, line and path), then
//! [`Engine::run`] a pipeline or [`Engine::run_forever`] on the triggers.
//!
//! Pipes go config → build → run, like services: each [`Pipe`] declares typed
//! [`Params`](Pipe::Params), checked when the file is loaded as far as they are written in it,
//! and parsed by the same struct once templates are rendered. The engine hands pipes their
//! services wrapped: [`Counted`] counts the run's figures and, under `--dry-run`, [`DryRun`]
//! keeps every write from the helpdesk, whatever a pipe does.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
mod engine;
mod erased;
mod load;
pub mod migrate;
mod params;
mod pipe;
mod registry;
mod report;
pub mod schema;
mod secrets;
mod sections;
mod template;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
mod trigger;
pub mod usage;
mod values;
mod wrappers;

pub use config::{Config, OnError, PipeDef, PipelineDef, ServiceDef, TriggerDef, parse};
pub use engine::{Engine, Progress, RunOptions};
pub use load::{ConfigErrors, LoadOptions, load_file, load_str};
pub use params::Shared;
pub use pipe::{CheckContext, ItemStream, ParamError, Pipe, PipeContext, PipeSpec};
pub use registry::Registry;
pub use report::{PipeReport, PipeStatus, RunReport, TicketReport};
pub use schema::config_schema;
pub use secrets::Secrets;
pub use sections::{SECTION_KEYS, Sections};
pub use template::TemplateSet;
pub use trigger::{Trigger, parse_interval};
pub use usage::RunUsage;
pub use values::{
    TICKET_FIELDS, optional_ticket_value, template_value, ticket_value, tickets_value,
};
pub use wrappers::{Counted, DryRun, RunStats, RunTotals};

/// The template engine's value type, for pipes that hand typed results to templates.
pub use minijinja::Value as TemplateValue;
