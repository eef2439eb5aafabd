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
//! - Writes that arrive while another is being committed are committed together (group
//!   commit): each in its own savepoint, one `fsync` for them all, each answered only once it is
//!   on disk. A write that fails is undone alone.
//!
//! ## One writer per file, any number of readers
//! A process that opens a store file for writing holds an advisory lock on `<file>.lock` until
//! the store is dropped, so two pipelines never work on the same tickets at once. Another
//! process waits for it ([`LockMode::Wait`], at most [`OpenOptions::lock_timeout`]) or gives up
//! ([`LockMode::Fail`]) with an error naming the file and the process that holds it. A store
//! opened with [`OpenOptions::read_only`] takes no lock and reads while another process
//! writes; so does a file or directory that cannot be written. Writes to a read-only store fail
//! with [`Error::PermissionDenied`](otai_core::Error::PermissionDenied).
//!
//! ## Files otai did not write
//! A store file is marked as otai's (SQLite `application_id`) and its tables are checked when it
//! is opened. A damaged file, a file that is not a SQLite database, another application's
//! database and a store written by a newer otai are refused with a short error naming the file
//! and the problem, and left exactly as they were.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod error;
mod group_commit;
mod history;
mod lock;
mod open;
mod options;
mod read;
mod schema;
mod search;
mod seed;
mod service;
mod store;
mod write;

pub use config::LocalConfig;
pub use options::{LockMode, OpenOptions};
pub use store::LocalStore;

/// Registers the local store as `local` (and `otai:LocalTicketSystemService`).
pub fn register(registry: &mut otai_core::ServiceRegistry) {
    registry.register_service_with_schema::<LocalConfig>(
        &["local", "otai:LocalTicketSystemService"],
        "embedded SQLite ticket store",
    );
}
