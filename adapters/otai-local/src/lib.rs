//! # otai-local: the embedded ticket store
//!
//! A real, file-backed ticket store on SQLite (compiled in, nothing to install) that implements
//! the whole [`TicketSystemService`](otai_core::TicketSystemService) contract. It is what the quick
//! start and the examples run against when no helpdesk exists, and a real option for developing
//! pipelines offline.
//!
//! ```
//! use otai_core::{TicketSystemService, TicketSearchCriteria, UnifiedEntity, UnifiedTicket};
//! use otai_local::LocalStore;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = LocalStore::in_memory()?;
//! let created = store
//!     .create_ticket(UnifiedTicket::new().subject("Printer on fire").queue(UnifiedEntity::by_name("Raw")).into())
//!     .await?;
//! let found = store
//!     .find_tickets(TicketSearchCriteria::new().queue(UnifiedEntity::by_name("raw")).into())
//!     .await?;
//! assert_eq!(found[0].id, created.id);
//! # Ok::<(), otai_core::Error>(())
//! # }).unwrap();
//! ```
//!
//! ## Semantics
//! - Queues, states, priorities, types, owners and customers are stored by name; their ID *is* the
//!   name, so filters by `id` or `name` both work (case-insensitively).
//! - Ticket IDs count up from 1. Ticket numbers are the creation date and the zero-padded ID,
//!   e.g. `20261123000042`.
//! - `find_tickets` returns matches by ascending ID. `text_contains` searches the subject, the
//!   body and every note.
//! - New tickets are in state `new` unless a state is given. The body becomes the first note,
//!   visible to the customer.
//! - There is no native API: it declares no native keys, so an argument that is not a unified
//!   key is an [`Error::InvalidInput`](otai_core::Error::InvalidInput) naming it, and so is
//!   anything given under `native:`.
//! - One connection serves all tasks, so concurrent use from many tasks never fails with
//!   "database is locked"; files use WAL and a busy timeout for other processes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod read;
mod search;
mod seed;
mod service;
mod store;
mod write;

pub use config::LocalConfig;
pub use store::LocalStore;

/// Registers the local store as `local` (and `otai:LocalTicketSystemService`).
pub fn register(registry: &mut otai_core::ServiceRegistry) {
    registry.register_service::<LocalConfig>(
        &["local", "otai:LocalTicketSystemService"],
        "embedded SQLite ticket store",
    );
}
