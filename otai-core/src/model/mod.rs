//! The unified model: what every adapter reads and writes, whatever the helpdesk.
//!
//! The serde form of these types is a public contract: the CLI prints it and users script
//! against it. Field names are snake_case and absent optional fields are omitted.

mod attachment;
mod criteria;
mod entity;
mod history;
pub mod lenient_id;
mod note;
mod ticket;
mod timestamp;

pub use attachment::{
    DEFAULT_ATTACHMENT_TYPE, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_NAME_LEN, MAX_ATTACHMENTS,
    UnifiedAttachment, attachment_name_problem, check_attachments, content_type_problem,
};
pub use criteria::TicketSearchCriteria;
pub use entity::UnifiedEntity;
pub use history::UnifiedHistoryEntry;
pub use note::UnifiedNote;
pub use ticket::UnifiedTicket;
pub use timestamp::{lenient_timestamp, parse_timestamp};

/// A timestamp in the unified model: UTC, serialized as RFC 3339.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
