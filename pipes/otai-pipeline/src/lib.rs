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

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
mod engine;
mod load;
mod pipe;
mod registry;
mod secrets;
mod template;
mod trigger;
mod values;

pub use config::{Config, OnError, PipeDef, PipelineDef, ServiceDef, TriggerDef, parse};
pub use engine::{Engine, PipeReport, PipeStatus, Progress, RunReport};
pub use load::{ConfigErrors, LoadOptions, load_file, load_str};
pub use pipe::{Pipe, PipeContext, PipeSpec, RunStats, params};
pub use registry::Registry;
pub use secrets::Secrets;
pub use trigger::Trigger;
pub use values::{optional_ticket_value, template_value, ticket_value, tickets_value};

/// The template engine's value type, for pipes that hand typed results to templates.
pub use minijinja::Value as TemplateValue;
