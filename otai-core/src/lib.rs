//! # otai-core
//!
//! The heart of otai: one model of tickets and notes that every helpdesk adapter speaks, the
//! [`TicketSystemService`] contract adapters implement, the [`Error`] type callers branch on, and
//! the [`ServiceRegistry`] that turns a YAML `use:` name into a running service.
//!
//! ```
//! use otai_core::{TicketSearchCriteria, UnifiedEntity};
//!
//! let criteria = TicketSearchCriteria::new()
//!     .queue(UnifiedEntity::by_name("Raw"))
//!     .limit(20);
//! let request = otai_core::request::SearchRequest::new(criteria);
//! assert_eq!(request.criteria.limit, Some(20));
//! ```
//!
//! ## Features
//! - `testkit`: the `testkit` module, a conformance suite every adapter runs against itself.
//!
//! ## Errors
//! Every fallible call returns [`Result`]; [`Error::is_transient`] tells what may be retried.
//!
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod kwargs;
pub mod mapping;
pub mod model;
pub mod output;
pub mod registry;
pub mod request;
pub mod service;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use error::{Error, Result};
pub use kwargs::Kwargs;
pub use model::{
    TicketSearchCriteria, UnifiedAttachment, UnifiedEntity, UnifiedHistoryEntry, UnifiedNote,
    UnifiedTicket, lenient_id::LenientId,
};
pub use registry::ServiceRegistry;
pub use request::{CreateRequest, GetRequest, NoteRequest, SearchRequest, TicketId, UpdateRequest};
pub use service::{TicketStream, TicketSystemService, TicketSystemServiceExt};
