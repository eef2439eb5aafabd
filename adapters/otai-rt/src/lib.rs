//! # otai-rt: Request Tracker 5 through REST 2
//!
//! Returns otai's unified model for RT tickets: queues, owners and requestors by name, comments
//! (internal) and correspondence (visible) as notes, custom fields. See `docs/adapters/rt.md`.
//!
//! ```no_run
//! use otai_core::{TicketSystemService, TicketSearchCriteria, UnifiedEntity};
//! use otai_core::request::SearchRequest;
//! use otai_rt::{RtConfig, RtService};
//!
//! # async fn run() -> otai_core::Result<()> {
//! let rt = RtService::new(&RtConfig::with_token("https://rt.example.com", "1-14-abc"))?;
//! let criteria = TicketSearchCriteria::new().queue(UnifiedEntity::by_name("General")).limit(20);
//! let open = rt
//!     .find_tickets(SearchRequest::new(criteria).native("query", "Status = '__Active__'"))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! ## Native keys
//! Besides the unified keys: a search takes `query` (TicketSQL, AND-ed with the unified
//! filters), `orderby` and `order`; create and update take RT ticket fields (`Requestor`, `Cc`,
//! `AdminCc`, `CustomRoles`, `Due`, `Starts`, `TimeEstimated`, …); a note takes `Attachments`,
//! `TimeTaken`, `Status`, `CustomFields`, `TxnCustomFields`. A misspelt key is refused before any
//! request is sent; `native: {…}` passes anything else verbatim (as query parameters of a search,
//! into the JSON body of the other calls; `get_ticket` takes none).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod config;
mod history;
pub mod json;
mod limits;
pub mod mapping;
mod native;
mod paging;
mod params;
mod search;
mod service;
pub mod sql;
pub mod wire;

pub use client::RtClient;
pub use config::{RtConfig, RtMapping};
pub use service::RtService;

/// Registers the adapter as `rt`.
pub fn register(registry: &mut otai_core::ServiceRegistry) {
    registry.register_service_with_schema::<RtConfig>(
        &["rt", "otai:RTTicketSystemService"],
        "Request Tracker 5 (REST 2)",
    );
}
