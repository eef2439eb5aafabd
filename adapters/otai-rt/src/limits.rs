//! Every bound the adapter puts on what a server can make it do, in one place. Documented in
//! `docs/reliability.md` ("Request Tracker") and `docs/adapters/rt.md`.

/// Items asked for per page of search results, history and attachments (RT's maximum); a page
/// with more is refused while it is parsed.
pub(crate) const PAGE: usize = 100;

/// Ticket ids one search may collect: `offset + limit`, `max_results` and the candidates a
/// `text_contains` search scans are capped here, so a search sends at most 1 000 `GET /tickets`.
pub(crate) const MAX_SEARCH_IDS: usize = 100_000;

/// History pages read per ticket (5 000 transactions); a longer history is cut with a warning.
pub(crate) const MAX_HISTORY_PAGES: usize = 50;

/// Messages (notes) read per ticket, one request each for its attachments; more are cut with a
/// warning, the oldest are kept.
pub(crate) const MAX_NOTES: usize = 500;

/// Custom fields per ticket; a ticket reply with more is refused.
pub(crate) const MAX_CUSTOM_FIELDS: usize = 100;

/// Values per custom field; a ticket reply with more is refused.
pub(crate) const MAX_FIELD_VALUES: usize = 100;

/// Messages in the reply to an update or a note; a reply with more is refused.
pub(crate) const MAX_REPLY_MESSAGES: usize = 1_000;

/// Queue names remembered (RT gives tickets' queues by id).
pub(crate) const MAX_CACHED_QUEUES: usize = 1_000;

/// Bytes of a reply looked at for the server text of an error (then shortened to
/// [`SERVER_TEXT_CHARS`]).
pub(crate) const SERVER_TEXT_BYTES: usize = 4_096;

/// Characters of server text kept in an error message.
pub(crate) const SERVER_TEXT_CHARS: usize = 300;
