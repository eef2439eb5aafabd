//! What may be shown to a person: the one redactor and the one escaper.
//!
//! Every output path of otai (command output, error lines, run reports, dry-run lines, logs at
//! every level and in every format) passes its text through a [`Redactor`], so no secret value,
//! session ID or token is shown, and text meant for a terminal through [`escape_controls`], so
//! a ticket subject or a server's error page cannot move the cursor, clear the screen, retitle
//! the window or reorder what is shown. JSON output is redacted but not escaped: it stays
//! exact JSON, whose encoder escapes control characters itself.
//!
//! Adapters get the redactor in [`BuildContext::redactor`](crate::registry::BuildContext) and
//! [hide](Redactor::hide) what they obtain at run time (a session ID), so it is redacted
//! wherever it shows up later, e.g. in a proxy's error page that echoes a request.

mod credentials;
mod escape;
mod redact;

pub use credentials::is_credential_key;
pub use escape::escape_controls;
pub use redact::Redactor;

/// What a hidden value is replaced by.
pub const HIDDEN: &str = "***";
