//! The staging area: every inbound request as received (an import set), and what became of it.

use serde::Serialize;

/// Where a staged request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored, not yet checked or sent.
    Received,
    /// Being sent to the helpdesk.
    Processing,
    /// The ticket was created.
    Inserted,
    /// A duplicate of an earlier request with the same external id: no ticket made.
    Ignored,
    /// Refused (validation) or failed for good.
    Error,
    /// The helpdesk failed for now: sent again later.
    Retrying,
    /// otai stopped while sending it: whether its ticket exists is unknown, so it is neither
    /// sent again on its own nor made a second time by a resend (replay it once checked).
    Interrupted,
}

impl Status {
    /// Every status, in order.
    pub const ALL: [Status; 7] = [
        Status::Received,
        Status::Processing,
        Status::Inserted,
        Status::Ignored,
        Status::Error,
        Status::Retrying,
        Status::Interrupted,
    ];

    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Processing => "processing",
            Status::Inserted => "inserted",
            Status::Ignored => "ignored",
            Status::Error => "error",
            Status::Retrying => "retrying",
            Status::Interrupted => "interrupted",
        }
    }

    /// The status named `text`.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to stage.
#[derive(Debug, Clone)]
pub struct NewStaged {
    /// The integration (`inbound[].id`).
    pub integration: String,
    /// The account that sent it.
    pub account: String,
    /// The body as received (fields named in `redact_fields` already removed).
    pub payload: String,
    /// When it was received (RFC 3339).
    pub received_at: String,
}

/// What [`StateStore::claim`](crate::StateStore::claim) found.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The key is this row's now.
    Claimed,
    /// An earlier row holds the key.
    Taken(Box<StagedRecord>),
}

/// What to do with a request as it is staged, in the same transaction
/// ([`StateStore::admit`](crate::StateStore::admit)).
#[derive(Debug, Clone)]
pub struct Admission {
    /// Its idempotency key, claimed first: when an earlier row holds it, the request is only
    /// recorded as that row's duplicate.
    pub external_id: Option<String>,
    /// Send it, or refuse it.
    pub verdict: Verdict,
}

/// Whether an admitted request is sent or refused.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Send this rendered ticket: the row becomes `processing`, its attempt counted.
    Send(String),
    /// Refuse it with these errors (a JSON array): the row becomes `error`.
    Refuse(String),
}

/// What [`StateStore::admit`](crate::StateStore::admit) did.
#[derive(Debug, Clone, PartialEq)]
pub enum Admitted {
    /// Staged and `processing`: send it now.
    Sending(i64),
    /// Staged and refused (`error`).
    Refused(i64),
    /// Staged as a duplicate (`ignored`) of the earlier row `first`.
    Duplicate {
        /// The new row.
        id: i64,
        /// The earlier row holding the key.
        first: Box<StagedRecord>,
    },
}

/// One staged request and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StagedRecord {
    /// The staging id.
    pub id: i64,
    /// The integration.
    pub integration: String,
    /// The account that sent it.
    pub account: String,
    /// Its idempotency key, once claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// The body as received (redacted fields removed).
    pub payload: String,
    /// The rendered ticket, kept while the row may be sent again.
    #[serde(skip)]
    pub request: Option<String>,
    /// The ticket made from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
    /// The ticket's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    /// For an ignored duplicate: the row it repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<i64>,
    /// The errors (a JSON array), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<String>,
    /// How many times it was sent to the helpdesk.
    pub attempts: u32,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
    /// When it is sent again, while `retrying`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
}

/// Which rows [`StateStore::list`](crate::StateStore::list) returns.
#[derive(Debug, Clone, Default)]
pub struct StagingFilter {
    /// Only this integration.
    pub integration: Option<String>,
    /// Only this status.
    pub status: Option<Status>,
    /// At most this many (newest first).
    pub limit: usize,
}

/// What one account of one integration sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountStats {
    /// The integration.
    pub integration: String,
    /// The account.
    pub account: String,
    /// Requests staged.
    pub requests: u64,
    /// Tickets created.
    pub created: u64,
    /// Requests refused or failed for good.
    pub rejected: u64,
    /// When it last sent a request (RFC 3339).
    pub last_seen: String,
}
