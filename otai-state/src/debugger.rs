//! The Generic Interface debugger: every communication of a provider web service, kept at or
//! above the web service's threshold, credentials redacted, bodies capped, for a while.
//!
//! Levels, lowest first: `debug` < `info` < `notice` < `error`. A communication that ended in an
//! error is always `error`; the provider records a normal one as `info`, and finer detail
//! (e.g. a session check) as `debug`. A web service with threshold `notice` thus keeps errors
//! and notices; with `debug`, everything.
//!
//! Before a communication is stored, every text passes the [`Redactor`] (values it hides, and
//! every credential shown with its name: `Password`, `SessionID`, tokens) and each body is cut
//! to [`MAX_BODY_BYTES`] with a marker saying how long it was.

use std::time::Duration;

use otai_core::output::Redactor;
use serde::{Deserialize, Serialize};

use crate::StateError;

/// The largest body kept (request, mapped request, response, error), in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most communications [`DebuggerLog::list`] returns at once.
pub const MAX_LIST: usize = 1000;

/// How important a communication is; see [the module](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DebugLevel {
    /// Detail.
    Debug,
    /// A normal communication.
    Info,
    /// Something to look at (e.g. a key dropped by a mapping).
    Notice,
    /// A failed communication.
    Error,
}

impl DebugLevel {
    /// Its name: `debug`, `info`, `notice`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Notice => "notice",
            Self::Error => "error",
        }
    }

    /// The level named `name` (as [`DebugLevel::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Debug, Self::Info, Self::Notice, Self::Error]
            .into_iter()
            .find(|l| l.as_str() == name)
    }
}

/// One communication of a provider web service, as the provider hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct Communication {
    /// The web service's name.
    pub webservice: String,
    /// The operation called, when it was found.
    pub operation: Option<String>,
    /// The remote address (`ip:port`).
    pub remote_addr: Option<String>,
    /// The request as received (body, or the query for a GET).
    pub request: String,
    /// The request's data after the inbound mapping.
    pub mapped_request: Option<String>,
    /// The response as sent.
    pub response: Option<String>,
    /// Why the communication failed.
    pub error: Option<String>,
    /// How long it took.
    pub duration: Duration,
    /// Its level; [`DebugLevel::Error`] whenever `error` is set.
    pub level: DebugLevel,
}

impl Communication {
    /// Its level as stored: [`DebugLevel::Error`] when it has an error, else its own.
    pub fn effective_level(&self) -> DebugLevel {
        if self.error.is_some() {
            DebugLevel::Error
        } else {
            self.level
        }
    }

    /// This communication as it may be stored: every text redacted, bodies capped.
    pub fn redacted(&self, redactor: &Redactor) -> Self {
        let text = |t: &str| cap(&redactor.redact(t));
        let opt = |t: &Option<String>| t.as_deref().map(text);
        Self {
            webservice: self.webservice.clone(),
            operation: self.operation.clone(),
            remote_addr: self.remote_addr.clone(),
            request: text(&self.request),
            mapped_request: opt(&self.mapped_request),
            response: opt(&self.response),
            error: opt(&self.error),
            duration: self.duration,
            level: self.effective_level(),
        }
    }
}

/// `text` cut to at most [`MAX_BODY_BYTES`] (at a character boundary), with a marker.
pub fn cap(text: &str) -> String {
    if text.len() <= MAX_BODY_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_BODY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… [truncated: {} bytes in all]",
        &text[..end],
        text.len()
    )
}

/// A stored communication without its bodies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DebugSummary {
    /// Its id.
    pub id: i64,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
    /// The web service.
    pub webservice: String,
    /// The operation, when found.
    pub operation: Option<String>,
    /// The remote address.
    pub remote_addr: Option<String>,
    /// Its level.
    pub level: DebugLevel,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Why it failed.
    pub error: Option<String>,
}

/// A stored communication with its bodies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DebugEntry {
    /// What [`DebuggerLog::list`] shows.
    #[serde(flatten)]
    pub summary: DebugSummary,
    /// The request as received.
    pub request: String,
    /// The request after the inbound mapping.
    pub mapped_request: Option<String>,
    /// The response.
    pub response: Option<String>,
}

/// Which communications [`DebuggerLog::list`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebugFilter {
    /// Only this web service's.
    pub webservice: Option<String>,
    /// Only those recorded at or after this time (RFC 3339).
    pub since: Option<String>,
    /// At most this many (at most [`MAX_LIST`]; 0 means [`MAX_LIST`]).
    pub limit: usize,
}

/// Where the debugger keeps communications.
pub trait DebuggerLog: Send + Sync {
    /// Stores `communication`, redacted by `redactor` and capped, when its level is at or above
    /// `threshold`; its id, or `None` when it was below the threshold.
    fn record(
        &self,
        communication: &Communication,
        threshold: DebugLevel,
        redactor: &Redactor,
    ) -> Result<Option<i64>, StateError>;
    /// Stored communications, newest first.
    fn list(&self, filter: &DebugFilter) -> Result<Vec<DebugSummary>, StateError>;
    /// One stored communication.
    fn show(&self, id: i64) -> Result<Option<DebugEntry>, StateError>;
    /// Forgets the communications (of `webservice`, or all) recorded before `before`
    /// (RFC 3339); returns how many.
    fn prune(&self, webservice: Option<&str>, before: &str) -> Result<usize, StateError>;
}
