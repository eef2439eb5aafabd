//! # otai-rt: Request Tracker 5 through REST 2
//!
//! Returns otai's unified model for RT tickets: queues, owners and requestors by name, comments
//! (internal) and correspondence (visible) as notes, custom fields. See `docs/adapters/rt.md`.
//!
//! ```no_run
//! use otai_core::{TicketSystemServiceExt, TicketSearchCriteria, UnifiedEntity};
//! use otai_rt::{RtConfig, RtService};
//!
//! # async fn run() -> otai_core::Result<()> {
//! let rt = RtService::new(&RtConfig::with_token("https://rt.example.com", "1-14-abc"))?;
//! let open = rt
//!     .find_tickets_by(&TicketSearchCriteria::new().queue(UnifiedEntity::by_name("General")).limit(20))
//!     .await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod config;
pub mod mapping;
mod service;
pub mod sql;

pub use client::RtClient;
pub use config::{RtConfig, RtMapping};
pub use service::RtService;

/// Registers the adapter as `rt`.
pub fn register(registry: &mut otai_core::ServiceRegistry) {
    registry.register_service::<RtConfig>(
        &["rt", "otai:RTTicketSystemService"],
        "Request Tracker 5 (REST 2)",
    );
}
