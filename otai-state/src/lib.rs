//! otai's state store: what otai keeps between requests and runs.
//!
//! Today it holds the [`staging`] area of the inbound API (every request as received, what became
//! of it, per-account statistics) and a small cache of answers (LLM replies by model and prompt
//! hash), and the Generic Interface [`debugger`]'s record of provider communications. It is
//! reached through the [`StateStore`] trait, so another
//! database can be added next to the default [`SqliteStore`] (one file, WAL, versioned schema).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod debugger;
mod error;
pub mod gi_sessions;
mod schema;
mod sqlite;
pub mod staging;
pub mod versions;

pub use debugger::{Communication, DebugEntry, DebugFilter, DebugLevel, DebugSummary, DebuggerLog};
pub use error::StateError;
pub use gi_sessions::GiSession;
pub use sqlite::SqliteStore;
pub use sqlite::{MAX_CACHE_KEY_BYTES, MAX_CACHE_VALUE_BYTES};
pub use staging::{
    AccountStats, Admission, Admitted, Claim, NewStaged, StagedRecord, StagingFilter, Status,
    Verdict,
};
pub use versions::{WebserviceVersion, WebserviceVersions};

/// Where otai keeps its state. Every method is synchronous and short; async callers run them
/// on a blocking thread.
pub trait StateStore: Send + Sync + std::fmt::Debug {
    /// The Generic Interface debugger's record in the same store.
    fn debugger(&self) -> &dyn DebuggerLog;
    /// Stores a request as received and counts it for its account; returns its staging id.
    fn stage(&self, new: &NewStaged) -> Result<i64, StateError>;
    /// Stages a request and, in the same transaction, claims its key and begins its attempt or
    /// refuses it (see [`Admission`]): one commit where [`stage`](Self::stage),
    /// [`claim`](Self::claim) and [`begin_attempt`](Self::begin_attempt) take three.
    fn admit(&self, new: &NewStaged, admission: &Admission) -> Result<Admitted, StateError>;
    /// Gives staged row `id` the idempotency key `external_id` of its integration. When another
    /// row already holds the key, that row is returned instead ([`Claim::Taken`]); a row that
    /// ended in `error` gives its key up to the newcomer.
    fn claim(&self, id: i64, external_id: &str) -> Result<Claim, StateError>;
    /// Marks `id` as being sent to the helpdesk, with `request` (the rendered ticket) kept for
    /// retries; counts the attempt. `false` when the row is not in `from` (another worker has it).
    fn begin_attempt(&self, id: i64, from: &[Status], request: &str) -> Result<bool, StateError>;
    /// Records a created ticket: status `inserted`, the request dropped, the account's count up.
    fn inserted(
        &self,
        id: i64,
        ticket_id: &str,
        ticket_number: Option<&str>,
    ) -> Result<(), StateError>;
    /// Records a duplicate of row `first`: status `ignored`.
    fn ignored(&self, id: i64, first: i64) -> Result<(), StateError>;
    /// Records a failure (`errors` is a JSON array): status `error`, the account's rejections up.
    fn failed(&self, id: i64, errors: &str) -> Result<(), StateError>;
    /// Records a transient failure: status `retrying`, next attempt at `next_attempt` (RFC 3339).
    fn retry_later(&self, id: i64, errors: &str, next_attempt: &str) -> Result<(), StateError>;
    /// Rows in `retrying` due by `now` (RFC 3339), oldest first, at most `limit`.
    fn due(&self, now: &str, limit: usize) -> Result<Vec<StagedRecord>, StateError>;
    /// Rows left `processing` by a process that stopped mid-attempt become `interrupted`:
    /// whether their ticket was created is unknown, so they are never sent again blindly and
    /// keep their idempotency key. Returns how many.
    fn interrupted(&self) -> Result<usize, StateError>;
    /// One staged row.
    fn get(&self, id: i64) -> Result<Option<StagedRecord>, StateError>;
    /// Staged rows, newest first.
    fn list(&self, filter: &StagingFilter) -> Result<Vec<StagedRecord>, StateError>;
    /// Rows by integration and status.
    fn counts(&self) -> Result<Vec<(String, Status, u64)>, StateError>;
    /// Per-account statistics.
    fn stats(&self) -> Result<Vec<AccountStats>, StateError>;
    /// Forgets finished rows received before `before` (RFC 3339): `ignored` and `error` rows and
    /// tickets without an idempotency key are deleted; a created ticket with a key keeps the key
    /// and ticket (so a late resend is still recognised) but not its payload. Returns how many.
    fn sweep(&self, before: &str) -> Result<usize, StateError>;
    /// The cached value of `key`, when it was stored at or after `not_before` (RFC 3339).
    fn cache_get(&self, key: &str, not_before: &str) -> Result<Option<String>, StateError>;
    /// Caches `value` under `key` (replacing what was there). A key over
    /// [`MAX_CACHE_KEY_BYTES`] or a value over [`MAX_CACHE_VALUE_BYTES`] is not kept.
    fn cache_put(&self, key: &str, value: &str) -> Result<(), StateError>;
    /// Forgets cached values stored before `before` (RFC 3339); returns how many.
    fn cache_sweep(&self, before: &str) -> Result<usize, StateError>;
    /// Stores a Generic Interface session (replacing one with the same hash).
    fn gi_session_put(&self, session: &GiSession) -> Result<(), StateError>;
    /// The Generic Interface session whose id hashes to `id_hash`.
    fn gi_session_get(&self, id_hash: &str) -> Result<Option<GiSession>, StateError>;
    /// Marks session `id_hash` used at `at` (Unix seconds).
    fn gi_session_touch(&self, id_hash: &str, at: i64) -> Result<(), StateError>;
    /// Forgets session `id_hash`.
    fn gi_session_delete(&self, id_hash: &str) -> Result<(), StateError>;
    /// Forgets the sessions created before `before` (Unix seconds); returns how many.
    fn gi_session_sweep(&self, before: i64) -> Result<usize, StateError>;
}
