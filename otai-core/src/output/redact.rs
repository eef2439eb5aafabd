//! The one redactor: every value that must not be shown, and every form a text may show it in.

use std::sync::{Arc, PoisonError, RwLock};

use serde_json::Value;

use super::credentials::redact_credentials;
use super::{HIDDEN, escape_controls};
use crate::Error;

/// The shortest start of a value that is hidden where a shortened text ends with it.
const MIN_SHOWN_PREFIX: usize = 3;
/// What [`crate::error::shorten`] puts where it cut a text.
const CUT: char = '…';

/// Hides secret values from everything shown to a person: messages, errors, logs, reports.
///
/// Clones share what is hidden, so one redactor handed to the secrets, the services
/// ([`BuildContext::redactor`](crate::registry::BuildContext::redactor)), the pipes and the log
/// writer hides a value everywhere from the moment one of them [hides](Redactor::hide) it.
/// Besides the values it was given, it hides the value of every credential a text shows with
/// its name (`SessionID=…`, `"Password":"…"`, `<SessionID>…<`, `Authorization: token …`).
///
/// ```
/// use otai_core::output::Redactor;
///
/// let redactor = Redactor::new();
/// redactor.hide("hunter2\nline");
/// let shown = redactor.redact("pw hunter2\nline, JSON \"hunter2\\nline\", folded hunter2 line");
/// assert_eq!(shown, "pw ***, JSON \"***\", folded ***");
/// assert_eq!(redactor.redact("GET /x?SessionID=abc123"), "GET /x?SessionID=***");
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every hidden value, longest first.
    hidden: Arc<RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let forms = self.read().len();
        f.debug_struct("Redactor").field("forms", &forms).finish()
    }
}

impl Redactor {
    /// A redactor hiding nothing yet (but credentials shown with their names).
    pub fn new() -> Self {
        Self::default()
    }

    /// Hides `value` from now on, in every form a text may show it: as it is, escaped as JSON
    /// and as Rust strings, with control characters escaped (as output shows them), with its
    /// whitespace folded (as shortened server texts show it), percent-encoded (as a query or
    /// form) and HTML-escaped (as a proxy's error page echoes a request). An empty value hides
    /// nothing.
    pub fn hide(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        let mut hidden = self.hidden.write().unwrap_or_else(PoisonError::into_inner);
        let before = hidden.len();
        for form in forms(value) {
            if !form.is_empty() && !hidden.contains(&form) {
                hidden.push(form);
            }
        }
        if hidden.len() != before {
            hidden.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        }
    }

    /// `text` with every hidden value (longest first), the start of one where a shortened text
    /// was cut, and every credential shown with its name replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let hidden = self.read();
        let mut out = text.to_owned();
        for form in hidden.iter() {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), HIDDEN);
            }
        }
        if out.contains(CUT) {
            out = hide_cut_prefixes(&hidden, &out);
        }
        redact_credentials(&out).into_owned()
    }

    /// [`Redactor::redact`], then [`escape_controls`]: a text as it may be shown to a person.
    pub fn shown(&self, text: &str) -> String {
        escape_controls(&self.redact(text)).into_owned()
    }

    /// [`Redactor::redact`] on every string (and map key) of a value tree, which stays exact
    /// JSON.
    pub fn redact_value(&self, value: &mut Value) {
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                Value::String(text) => {
                    let redacted = self.redact(text);
                    if redacted != *text {
                        *text = redacted;
                    }
                }
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(map) => {
                    if map.keys().any(|k| self.redact(k) != *k) {
                        *map = std::mem::take(map)
                            .into_iter()
                            .map(|(k, v)| (self.redact(&k), v))
                            .collect();
                    }
                    stack.extend(map.values_mut());
                }
                _ => {}
            }
        }
    }

    /// `error` with every text redacted; a cause whose text would change is dropped, as it
    /// cannot be rewritten.
    pub fn redact_error(&self, error: Error) -> Error {
        let r = |text: String| self.redact(&text);
        match error {
            Error::Config { path, message } => Error::Config {
                path: r(path),
                message: r(message),
            },
            Error::Template { name, message } => Error::Template {
                name: r(name),
                message: r(message),
            },
            Error::InvalidInput { field, message } => Error::InvalidInput {
                field: r(field),
                message: r(message),
            },
            Error::Authentication { message } => Error::Authentication {
                message: r(message),
            },
            Error::PermissionDenied { message } => Error::PermissionDenied {
                message: r(message),
            },
            Error::NotFound { what } => Error::NotFound { what: r(what) },
            Error::Pipeline {
                pipe,
                message,
                source,
            } => Error::Pipeline {
                pipe: r(pipe),
                message: r(message),
                source: source.map(|s| Box::new(self.redact_error(*s))),
            },
            Error::Remote {
                request,
                status,
                code,
                message,
                retry_after,
            } => Error::Remote {
                request: r(request),
                status,
                code: code.map(r),
                message: r(message),
                retry_after,
            },
            Error::Transport {
                request,
                message,
                transient,
                source,
            } => Error::Transport {
                request: r(request),
                message: r(message),
                transient,
                source: source.filter(|s| self.redact(&s.to_string()) == s.to_string()),
            },
            Error::Timeout { request, after } => Error::Timeout {
                request: r(request),
                after,
            },
            Error::Unsupported { operation, adapter } => Error::Unsupported {
                operation: r(operation),
                adapter: r(adapter),
            },
            other => other,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<String>> {
        self.hidden.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The forms of `value` that texts may show.
fn forms(value: &str) -> Vec<String> {
    let inner = |quoted: String| quoted[1..quoted.len() - 1].to_owned();
    let folded = value.split_whitespace().collect::<Vec<_>>().join(" ");
    vec![
        value.to_owned(),
        serde_json::to_string(value).map(inner).unwrap_or_default(),
        inner(format!("{value:?}")),
        escape_controls(value).into_owned(),
        folded,
        percent_encoded(value, "+"),
        percent_encoded(value, "%20"),
        html_escaped(value),
    ]
}

/// `value` as a query or form encodes it: unreserved characters as they are, `space` for a
/// space, every other byte as `%XX`.
fn percent_encoded(value: &str, space: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'*' => {
                out.push(char::from(byte));
            }
            b' ' => out.push_str(space),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// `value` with `& < > " '` escaped for HTML.
fn html_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// `text` with the start of a hidden value (at least [`MIN_SHOWN_PREFIX`] characters) hidden
/// where it ends right before a cut (`…`).
fn hide_cut_prefixes(hidden: &[String], text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(CUT) {
        let before = &rest[..at];
        let prefix = hidden
            .iter()
            .filter_map(|form| longest_prefix_at_end(form, before))
            .max()
            .unwrap_or(0);
        out.push_str(&before[..before.len() - prefix]);
        if prefix > 0 {
            out.push_str(HIDDEN);
        }
        out.push(CUT);
        rest = &rest[at + CUT.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The byte length of the longest proper start of `form` (at least [`MIN_SHOWN_PREFIX`]
/// characters) that `text` ends with.
fn longest_prefix_at_end(form: &str, text: &str) -> Option<usize> {
    form.char_indices()
        .skip(MIN_SHOWN_PREFIX)
        .map(|(end, _)| end)
        .filter(|end| text.ends_with(&form[..*end]))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_hidden_value_is_redacted() {
        let redactor = Redactor::new();
        assert_eq!(
            redactor.redact("a\"b c&d"),
            "a\"b c&d",
            "nothing hidden yet"
        );
        redactor.hide("a\"b c&d\u{1b}");
        for shown in [
            "a\"b c&d\u{1b}",
            "a\\\"b c&d\\u001b",
            "a\\\"b c&d\\u{1b}",
            "a\"b c&d\\u{1b}",
            "a%22b+c%26d%1B",
            "a%22b%20c%26d%1B",
            "a&quot;b c&amp;d\u{1b}",
        ] {
            assert_eq!(redactor.redact(&format!("<{shown}>")), "<***>", "{shown}");
        }
        redactor.hide("");
        assert_eq!(redactor.redact("x"), "x", "an empty value hides nothing");
    }

    #[test]
    fn longer_values_go_first_and_clones_share_what_is_hidden() {
        let redactor = Redactor::new();
        let clone = redactor.clone();
        clone.hide("abc");
        redactor.hide("abcdef");
        assert_eq!(clone.redact("abcdef abc"), "*** ***");
        assert_eq!(format!("{redactor:?}"), "Redactor { forms: 2 }");
    }

    #[test]
    fn the_start_of_a_value_is_hidden_where_a_shortened_text_was_cut() {
        let redactor = Redactor::new();
        redactor.hide("s3cr3t-password");
        let cut = crate::error::shorten("proxy said: SessionCreate with s3cr3t-password", 35);
        assert_eq!(cut, "proxy said: SessionCreate with s3cr… (46 chars)");
        assert_eq!(
            redactor.redact(&cut),
            "proxy said: SessionCreate with ***… (46 chars)"
        );
        assert_eq!(
            redactor.redact("ends in s3… (9 chars)"),
            "ends in s3… (9 chars)"
        );
    }

    #[test]
    fn values_stay_exact_json_and_errors_keep_their_shape() {
        let redactor = Redactor::new();
        redactor.hide("pw\"1");
        let mut tree = serde_json::json!({"a": ["x pw\"1", {"pw\"1": 1}], "b": "SessionID=abc"});
        redactor.redact_value(&mut tree);
        assert_eq!(
            tree,
            serde_json::json!({"a": ["x ***", {"***": 1}], "b": "SessionID=***"})
        );
        let error = redactor.redact_error(Error::Remote {
            request: "POST /Session".into(),
            status: Some(502),
            code: None,
            message: "<pre>{\"Password\":\"other\",\"x\":\"pw\\\"1\"}</pre>".into(),
            retry_after: None,
        });
        assert_eq!(
            error.to_string(),
            "POST /Session: remote error (HTTP 502): <pre>{\"Password\":\"***\",\"x\":\"***\"}</pre>"
        );
    }

    #[test]
    fn shown_text_is_redacted_then_escaped() {
        let redactor = Redactor::new();
        redactor.hide("k\u{1b}y");
        assert_eq!(
            redactor.shown("key k\u{1b}y \u{1b}[2J"),
            "key *** \\u{1b}[2J"
        );
    }
}
