//! Typed requests: what each [`TicketSystemService`](crate::TicketSystemService) method receives.
//!
//! Keyword arguments ([`Kwargs`], usually rendered from YAML) are parsed once, here, into these
//! types; adapters never parse kwargs themselves. Rust callers build the requests directly:
//!
//! ```
//! use otai_core::request::{SearchRequest, UpdateRequest};
//! use otai_core::{TicketSearchCriteria, UnifiedEntity, UnifiedNote, UnifiedTicket};
//!
//! let search = SearchRequest::new(TicketSearchCriteria::new().queue(UnifiedEntity::by_name("Raw")));
//! let update = UpdateRequest::new("7".parse()?, UnifiedTicket::new().queue(UnifiedEntity::by_name("Support")))
//!     .note(UnifiedNote::new("triage", "moved by otai"))
//!     .reread(false);
//! assert!(!update.reread);
//! # Ok::<(), otai_core::Error>(())
//! ```
//!
//! # Keys
//! | method | unified keys |
//! |---|---|
//! | `find_tickets`, `find_first_ticket` | the fields of [`TicketSearchCriteria`] (`queue`, `state`, `limit`, …), `all` |
//! | `get_ticket` | `ticket_id` (alias `id`) or `ticket_number`, `attachment_content` |
//! | `create_ticket` | [`TICKET_KEYS`] |
//! | `update_ticket` | `ticket_id` or `ticket_number`, `reread`, `note`, plus [`TICKET_KEYS`] except `body` |
//! | `add_note` | `ticket_id` or `ticket_number`, `reread`, plus [`NOTE_KEYS`] |
//!
//! A `ticket_number` is looked up with
//! [`TicketSystemService::ticket_id_by_number`](crate::TicketSystemService::ticket_id_by_number)
//! by the `*_kw` methods of [`TicketSystemServiceExt`](crate::TicketSystemServiceExt); the typed
//! requests always hold the ticket's ID.
//!
//! Any other key must be one of the adapter's declared [`NativeKeys`] for that operation, or it
//! is refused with a suggestion ("unknown key `queu`; did you mean `queue`?"). `native: {…}`
//! passes a map verbatim to the helpdesk, for callers who know better. A search with no filter
//! must say `all: true`: a misspelt filter never widens a search to every ticket.

mod id;
mod native;
mod parse;
pub mod schema;

#[cfg(test)]
mod tests;

pub use id::{MAX_TICKET_ID_LEN, TicketId};
pub use native::{NativeKey, NativeKeys, NativeKind, Operation};

pub use parse::{NUMBER_KEY, RequestErrors, check_kwargs, number_stands_in_for_id};

use crate::kwargs::Kwargs;
use crate::{TicketSearchCriteria, UnifiedNote, UnifiedTicket};

/// Unified keys of `create_ticket` / `update_ticket`.
pub const TICKET_KEYS: &[&str] = &[
    "subject",
    "body",
    "queue",
    "priority",
    "state",
    "type",
    "owner",
    "customer",
    "custom_fields",
];

/// Unified keys of a note (`add_note`, and the `note` of `update_ticket`).
///
/// `attachments` is a list of `{name, content_type, content}` maps, `content` in base64; see
/// [`check_attachments`](crate::model::check_attachments) for the limits (at most
/// [`MAX_ATTACHMENT_BYTES`](crate::model::MAX_ATTACHMENT_BYTES), 20 MiB, per note).
pub const NOTE_KEYS: &[&str] = &["subject", "body", "content_type", "internal", "attachments"];

/// The key of `get_ticket` that asks for the content of attachments (default `false`: only
/// their name, type and size).
pub const ATTACHMENT_CONTENT_KEY: &str = "attachment_content";

/// The most tickets a search returns when it gives no `limit`: adapters make it configurable
/// (`max_results`) and apply it with [`SearchRequest::limit_or`], so a server that matches a
/// million tickets cannot make one search fetch them all.
pub const DEFAULT_MAX_RESULTS: usize = 10_000;

/// The key that passes a map of native arguments verbatim, unchecked.
pub const NATIVE_KEY: &str = "native";

/// The key of `update_ticket` and `add_note` that says whether to read the ticket back after
/// the change ([`UpdateRequest::reread`]).
pub const REREAD_KEY: &str = "reread";

/// `find_tickets` / `find_first_ticket`.
///
/// Built in Rust, a request is taken as written: `SearchRequest::new(TicketSearchCriteria::new())`
/// searches every ticket (within `limit` or the adapter's `max_results`). The kwargs parser,
/// which reads what people type, asks for `all: true` instead.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SearchRequest {
    /// The unified criteria.
    pub criteria: TicketSearchCriteria,
    /// Set when the caller means a search without any filter.
    pub all: bool,
    /// Native arguments for the helpdesk's API (declared keys, or given under `native:`).
    pub native: Kwargs,
}

impl SearchRequest {
    /// A search by `criteria`.
    pub fn new(criteria: TicketSearchCriteria) -> Self {
        Self {
            criteria,
            ..Self::default()
        }
    }

    /// A search for every ticket (`all: true`), within `limit` and `offset`.
    pub fn all() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }

    /// The most tickets to return: the request's `limit`, or `max_results` (the adapter's
    /// configured maximum) when it gives none.
    pub fn limit_or(&self, max_results: usize) -> usize {
        self.criteria.limit.unwrap_or(max_results)
    }
}

impl From<TicketSearchCriteria> for SearchRequest {
    fn from(criteria: TicketSearchCriteria) -> Self {
        Self::new(criteria)
    }
}

/// `get_ticket`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GetRequest {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Whether the notes' attachments come with their content (default `false`: name, type
    /// and size only).
    pub attachment_content: bool,
    /// Native arguments.
    pub native: Kwargs,
}

impl GetRequest {
    /// Reads ticket `ticket_id`.
    pub fn new(ticket_id: TicketId) -> Self {
        Self {
            ticket_id,
            attachment_content: false,
            native: Kwargs::new(),
        }
    }

    /// Whether to read the content of attachments (default `false`).
    pub fn attachment_content(mut self, content: bool) -> Self {
        self.attachment_content = content;
        self
    }
}

impl From<TicketId> for GetRequest {
    fn from(id: TicketId) -> Self {
        Self::new(id)
    }
}

/// `create_ticket`.
///
/// Built in Rust, a request is taken as written; the kwargs parser also checks that the new
/// ticket has a subject.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateRequest {
    /// The new ticket (`id`, `number`, `created`, `updated` and `notes` are ignored; the body
    /// becomes the first note).
    pub ticket: UnifiedTicket,
    /// Native arguments.
    pub native: Kwargs,
}

impl CreateRequest {
    /// Creates `ticket`.
    pub fn new(ticket: UnifiedTicket) -> Self {
        Self {
            ticket,
            native: Kwargs::new(),
        }
    }
}

impl From<UnifiedTicket> for CreateRequest {
    fn from(ticket: UnifiedTicket) -> Self {
        Self::new(ticket)
    }
}

/// `update_ticket`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateRequest {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The fields to set (every field that is set; `body` cannot change).
    pub changes: UnifiedTicket,
    /// A note added in the same change.
    pub note: Option<UnifiedNote>,
    /// Whether to return the ticket re-read from the helpdesk (default) or only what the call
    /// itself knows (`id` plus the changed fields), saving a request.
    pub reread: bool,
    /// Native arguments.
    pub native: Kwargs,
}

impl UpdateRequest {
    /// Sets `changes` on ticket `ticket_id`.
    pub fn new(ticket_id: TicketId, changes: UnifiedTicket) -> Self {
        Self {
            ticket_id,
            changes,
            note: None,
            reread: true,
            native: Kwargs::new(),
        }
    }

    /// Adds `note` with the change.
    pub fn note(mut self, note: UnifiedNote) -> Self {
        self.note = Some(note);
        self
    }

    /// Whether to re-read the ticket after the change (default `true`).
    pub fn reread(mut self, reread: bool) -> Self {
        self.reread = reread;
        self
    }
}

/// `add_note`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NoteRequest {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The note (`id`, `author`, `created` are ignored).
    pub note: UnifiedNote,
    /// See [`UpdateRequest::reread`].
    pub reread: bool,
    /// Native arguments.
    pub native: Kwargs,
}

impl NoteRequest {
    /// Adds `note` to ticket `ticket_id`.
    pub fn new(ticket_id: TicketId, note: UnifiedNote) -> Self {
        Self {
            ticket_id,
            note,
            reread: true,
            native: Kwargs::new(),
        }
    }

    /// Whether to re-read the ticket after the change (default `true`).
    pub fn reread(mut self, reread: bool) -> Self {
        self.reread = reread;
        self
    }
}

/// The two methods every request has: a native argument added verbatim, and parsing from kwargs
/// (the one place kwargs become requests, [`parse`]).
macro_rules! request_from_kwargs {
    ($($request:ident => $parse:ident),* $(,)?) => {$(
        impl $request {
            /// Adds a native argument, passed verbatim (the Rust form of `native: {…}`).
            pub fn native(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
                self.native.insert(key.into(), value.into());
                self
            }

            /// Parses kwargs for an adapter that declares `native` keys (`adapter` names it in
            /// errors); every problem is reported, in one error.
            pub fn from_kwargs(kwargs: Kwargs, adapter: &str, native: &NativeKeys) -> crate::Result<Self> {
                Self::read_kwargs(kwargs, adapter, native).map_err(Into::into)
            }

            /// Parses kwargs like [`Self::from_kwargs`], every problem an error of its own.
            pub fn read_kwargs(
                kwargs: Kwargs,
                adapter: &str,
                native: &NativeKeys,
            ) -> Result<Self, RequestErrors> {
                parse::$parse(kwargs, adapter, native)
            }
        }
    )*};
}

request_from_kwargs! {
    SearchRequest => search,
    GetRequest => get,
    CreateRequest => create,
    UpdateRequest => update,
    NoteRequest => note,
}
