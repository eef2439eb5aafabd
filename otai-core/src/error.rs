//! The one error type of otai.

use std::time::Duration;

/// Result with otai's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed cause kept in [`std::error::Error::source`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong talking to a helpdesk or running a pipeline.
///
/// Messages are lower case and never contain secrets; the cause, where there is one, is kept in
/// `source()` (print the chain with `{:#}` via a reporter, or walk `source()`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The ticket (or other object) does not exist, or the caller may not see it.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `ticket 42`.
        what: String,
    },

    /// The helpdesk rejected the credentials (or the session).
    #[error("authentication failed: {message}")]
    Authentication {
        /// The helpdesk's explanation.
        message: String,
    },

    /// The caller is known but lacks a permission.
    #[error("permission denied: {message}")]
    PermissionDenied {
        /// The helpdesk's explanation.
        message: String,
    },

    /// An argument was missing or invalid.
    #[error("invalid input `{field}`: {message}")]
    InvalidInput {
        /// The field or key path at fault, e.g. `queue.id` or `Ticket.Title`.
        field: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },

    /// The helpdesk answered with an error the categories above do not cover.
    #[error("{request}: remote error{}{}: {message}",
        status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
        code.as_ref().map(|c| format!(" {c}")).unwrap_or_default())]
    Remote {
        /// The request that failed: method and route, never credentials.
        request: String,
        /// HTTP status, when there was one.
        status: Option<u16>,
        /// The helpdesk's error code, e.g. `TicketCreate.InvalidParameter`.
        code: Option<String>,
        /// The helpdesk's message (shortened).
        message: String,
        /// How long the server asked us to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
    },

    /// The request did not complete: connection refused or reset, TLS failure, unreadable reply.
    #[error("{request}: {message}")]
    Transport {
        /// The request that failed: method and route, never credentials.
        request: String,
        /// What happened.
        message: String,
        /// Whether repeating the request may succeed.
        transient: bool,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// No reply within the configured time.
    #[error("{request}: timed out after {after:?}")]
    Timeout {
        /// The request that timed out.
        request: String,
        /// The limit that was hit.
        after: Duration,
    },

    /// The adapter cannot do this operation.
    #[error("{adapter} does not support {operation}")]
    Unsupported {
        /// The operation asked for.
        operation: String,
        /// The adapter asked.
        adapter: String,
    },

    /// Configuration is invalid.
    #[error("config error at {path}: {message}")]
    Config {
        /// Where: file, line and the path of the field, as far as known.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A template failed to compile or render.
    #[error("template error in {name}: {message}")]
    Template {
        /// The template's name: `<pipe id>.<param path>`.
        name: String,
        /// What is wrong.
        message: String,
    },

    /// A pipeline or pipe failed.
    #[error("pipe `{pipe}` failed{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Pipeline {
        /// The pipe (and item) that failed.
        pipe: String,
        /// What happened (empty when the source says it all).
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<Error>>,
    },

    /// The run was cancelled (shutdown requested).
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// A not-found error for ticket `id`.
    pub fn ticket_not_found(id: impl std::fmt::Display) -> Self {
        Self::NotFound {
            what: format!("ticket {id}"),
        }
    }

    /// An invalid-input error naming `field`.
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A config error at `path`.
    pub fn config(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config {
            path: path.into(),
            message: message.into(),
        }
    }

    /// An unsupported-operation error.
    pub fn unsupported(adapter: impl Into<String>, operation: impl Into<String>) -> Self {
        Self::Unsupported {
            operation: operation.into(),
            adapter: adapter.into(),
        }
    }

    /// Whether the same request may succeed if repeated later: timeouts, connection failures,
    /// HTTP 429/502/503/504.
    ///
    /// Callers must still decide whether repeating is *safe*: a create whose request may have
    /// reached the server must not be repeated blindly.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Transport { transient, .. } => *transient,
            Self::Remote { status, .. } => matches!(status, Some(429 | 502 | 503 | 504)),
            Self::Pipeline {
                source: Some(inner),
                ..
            } => inner.is_transient(),
            _ => false,
        }
    }

    /// Whether this is a not-found error.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

/// The last line of a multi-line message, trimmed: parsers that echo the input with a caret
/// (cron, regex) say what is wrong there.
///
/// ```
/// assert_eq!(otai_core::error::last_line("regex parse error:\n  (\n  ^\nerror: unclosed group"), "error: unclosed group");
/// ```
pub fn last_line(message: &str) -> &str {
    message.lines().last().unwrap_or_default().trim()
}

/// A serde error message in words people use: Rust type names (`usize`, `f64`, `struct Root`)
/// become what they mean.
///
/// ```
/// let m = otai_core::error::plain_serde_message("invalid value: integer `-1`, expected usize");
/// assert_eq!(m, "invalid value: integer `-1`, expected a whole number (0 or more)");
/// let m = otai_core::error::plain_serde_message(
///     "unknown field `base_ur`, expected one of `base_url`, `username`",
/// );
/// assert_eq!(m, "unknown field `base_ur`; did you mean `base_url`? (known: base_url, username)");
/// ```
pub fn plain_serde_message(message: &str) -> String {
    const WORDS: [(&str, &str); 11] = [
        ("expected a sequence", "expected a list"),
        ("invalid type: sequence", "invalid type: list"),
        ("expected usize", "expected a whole number (0 or more)"),
        ("expected u64", "expected a whole number (0 or more)"),
        ("expected u32", "expected a whole number (0 or more)"),
        ("expected u16", "expected a whole number (0 or more)"),
        ("expected u8", "expected a whole number (0 or more)"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
    ];
    let mut text = unknown_field_with_suggestion(message).unwrap_or_else(|| message.to_owned());
    for (from, to) in WORDS {
        if let Some(at) = text.find(from) {
            let end = at + from.len();
            // Only whole words: `expected u8` must not match inside `expected u80`.
            if !text[end..].starts_with(|c: char| c.is_alphanumeric()) {
                text.replace_range(at..end, to);
            }
        }
    }
    text
}

/// serde's "unknown field `x`, expected one of `a`, `b`" as "unknown field `x`; did you mean
/// `a`? (known: a, b)", the form every other unknown name in otai takes.
fn unknown_field_with_suggestion(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, rest) = rest.split_once('`')?;
    let known = rest
        .strip_prefix(", expected one of ")
        .or_else(|| rest.strip_prefix(", expected "))?;
    let known: Vec<String> = known
        .split(", ")
        .flat_map(|k| k.split(" or "))
        .map(|k| k.trim_matches('`').to_owned())
        .collect();
    Some(crate::registry::unknown_name_message(
        "field",
        name,
        known.iter(),
    ))
}

/// Shortens server text for an error message: at most `max` characters, whitespace folded.
///
/// ```
/// assert_eq!(otai_core::error::shorten("a\n\n b", 10), "a b");
/// assert_eq!(otai_core::error::shorten("abcdefghij", 4), "abcd… (10 chars)");
/// ```
pub fn shorten(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = folded.chars().count();
    if count <= max {
        folded
    } else {
        let head: String = folded.chars().take(max).collect();
        format!("{head}… ({count} chars)")
    }
}

/// Renders an error with its whole cause chain: `outer: cause: root cause`.
pub fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_the_retryable_ones() {
        let remote = |status| Error::Remote {
            request: "GET /Ticket".into(),
            status: Some(status),
            code: None,
            message: "x".into(),
            retry_after: None,
        };
        assert!(remote(503).is_transient());
        assert!(remote(429).is_transient());
        assert!(!remote(500).is_transient());
        assert!(!remote(400).is_transient());
        assert!(
            Error::Timeout {
                request: "GET /x".into(),
                after: Duration::from_secs(1)
            }
            .is_transient()
        );
        assert!(!Error::ticket_not_found(4).is_transient());
        assert!(!Error::invalid_input("queue", "unknown").is_transient());
    }

    #[test]
    fn messages_name_what_and_where() {
        let remote = Error::Remote {
            request: "POST /Ticket".into(),
            status: Some(200),
            code: Some("TicketCreate.InvalidParameter".into()),
            message: "TicketCreate: Ticket->Queue parameter is invalid!".into(),
            retry_after: None,
        };
        assert_eq!(
            remote.to_string(),
            "POST /Ticket: remote error (HTTP 200) TicketCreate.InvalidParameter: \
             TicketCreate: Ticket->Queue parameter is invalid!"
        );
        assert_eq!(
            Error::ticket_not_found("71").to_string(),
            "ticket 71 not found"
        );
        assert_eq!(
            Error::invalid_input("queue.id", "expected an identifier").to_string(),
            "invalid input `queue.id`: expected an identifier"
        );
    }

    #[test]
    fn report_walks_the_cause_chain() {
        let inner = Error::ticket_not_found(9);
        let outer = Error::Pipeline {
            pipe: "get".into(),
            message: "get_ticket failed".into(),
            source: Some(Box::new(inner)),
        };
        assert_eq!(
            report(&outer),
            "pipe `get` failed: get_ticket failed: ticket 9 not found"
        );
    }
}
