//! The one redactor: every value that must not be shown, and every form a text may show it in.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
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
    hidden: Arc<RwLock<Hidden>>,
}

/// What a [`Redactor`] hides.
#[derive(Default)]
struct Hidden {
    /// The values handed to [`Redactor::hide`], so hiding one again costs a look-up.
    values: HashSet<String>,
    /// Every form of every hidden value, longest first.
    forms: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let forms = self.read().forms.len();
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
    /// whitespace folded (as shortened server texts show it), percent-encoded the ways queries,
    /// forms and URLs encode it (space as `+` or `%20`), and escaped for HTML and XML (as a
    /// proxy's error page or a SOAP fault echoes a request). An empty value hides nothing.
    pub fn hide(&self, value: &str) {
        if value.is_empty() || self.read().values.contains(value) {
            return;
        }
        let mut hidden = self.hidden.write().unwrap_or_else(PoisonError::into_inner);
        if !hidden.values.insert(value.to_owned()) {
            return;
        }
        let forms = &mut hidden.forms;
        let before = forms.len();
        for form in self::forms(value) {
            if !form.is_empty() && !forms.contains(&form) {
                forms.push(form);
            }
        }
        if forms.len() != before {
            forms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        }
    }

    /// Hides the credentials of HTTP basic authentication: `password`, and the Base64 of
    /// `user:password` that an `Authorization: Basic` header carries (echoed by a proxy page).
    pub fn hide_basic_auth(&self, user: &str, password: &str) {
        self.hide(password);
        if !password.is_empty() {
            self.hide(&BASE64.encode(format!("{user}:{password}")));
        }
    }

    /// `text` with every hidden value (longest first), the start of one where a shortened text
    /// was cut, and every credential shown with its name replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let hidden = &self.read().forms;
        let mut out = text.to_owned();
        for form in hidden {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), HIDDEN);
            }
        }
        finish(hidden, out)
    }

    /// [`Redactor::redact`] on the first `keep` bytes of `text` (a server's reply, read as lossy
    /// UTF-8), for an error message: a hidden value that starts within them is replaced whole,
    /// even where it runs past them, so no start of it survives the cut. Costs
    /// `O(keep × hidden forms)`, however long `text` is.
    ///
    /// ```
    /// use otai_core::output::Redactor;
    ///
    /// let redactor = Redactor::new();
    /// redactor.hide("1-14-abcdef");
    /// assert_eq!(redactor.redact_start(b"bad token 1-14-abcdef, more", 12), "bad token ***");
    /// ```
    pub fn redact_start(&self, text: &[u8], keep: usize) -> String {
        let hidden = &self.read().forms;
        let mut out = Vec::with_capacity(keep.min(text.len()));
        let mut at = 0;
        while at < text.len() && at < keep {
            let rest = &text[at..];
            match hidden.iter().find(|form| rest.starts_with(form.as_bytes())) {
                Some(form) => {
                    out.extend_from_slice(HIDDEN.as_bytes());
                    at += form.len();
                }
                None => {
                    out.push(text[at]);
                    at += 1;
                }
            }
        }
        finish(hidden, String::from_utf8_lossy(&out).into_owned())
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

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Hidden> {
        self.hidden.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `text`, whose hidden values are replaced, with the start of one hidden where it was cut and
/// every credential shown with its name hidden too.
fn finish(hidden: &[String], text: String) -> String {
    let text = if text.contains(CUT) {
        hide_cut_prefixes(hidden, &text)
    } else {
        text
    };
    match redact_credentials(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(redacted) => redacted,
    }
}

/// The characters percent-encoders leave as they are besides letters and digits: none, a
/// form's (`* - . _`, as queries and form bodies are sent), RFC 3986's unreserved (`- . _ ~`),
/// and both.
const PERCENT_KEPT: [&AsciiSet; 4] = [
    NON_ALPHANUMERIC,
    &NON_ALPHANUMERIC
        .remove(b'*')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_'),
    &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~'),
    &NON_ALPHANUMERIC
        .remove(b'*')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~'),
];

/// The forms of `value` that texts may show.
fn forms(value: &str) -> Vec<String> {
    let inner = |quoted: String| quoted[1..quoted.len() - 1].to_owned();
    let folded = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut forms = vec![
        value.to_owned(),
        serde_json::to_string(value).map(inner).unwrap_or_default(),
        inner(format!("{value:?}")),
        escape_controls(value).into_owned(),
        folded,
        markup_escaped(value, "&#39;"),
        markup_escaped(value, "&apos;"),
    ];
    for kept in PERCENT_KEPT {
        let encoded = utf8_percent_encode(value, kept).to_string();
        // `%` itself is encoded, so every `%20` stands for a space, which forms write as `+`.
        forms.push(encoded.replace("%20", "+"));
        forms.push(encoded);
    }
    forms
}

/// `value` with `& < > " '` escaped for HTML or XML, `'` as `apostrophe` (`&#39;` or `&apos;`).
fn markup_escaped(value: &str, apostrophe: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
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
    fn every_encoding_a_request_sends_is_redacted() {
        let redactor = Redactor::new();
        redactor.hide("x~y*z-w'v u");
        for shown in [
            "x%7Ey%2Az%2Dw%27v%20u",
            "x%7Ey%2Az%2Dw%27v+u",
            "x%7Ey*z-w%27v+u",
            "x%7Ey*z-w%27v%20u",
            "x~y%2Az-w%27v%20u",
            "x~y*z-w%27v+u",
            "x~y*z-w&#39;v u",
            "x~y*z-w&apos;v u",
        ] {
            assert_eq!(redactor.redact(&format!("={shown}&")), "=***&", "{shown}");
        }
        for other in ["x~y*z-w'v", "x%7Ey%2Az", "X~Y*Z-W'V U", "x~y*z-w&quot;v u"] {
            assert_eq!(redactor.redact(other), other, "not the hidden value");
        }
    }

    #[test]
    fn an_echoed_request_shows_no_secret_in_any_form() {
        let redactor = Redactor::new();
        redactor.hide("a b&c<d>\"");
        redactor.hide("S1");
        let page = "GET /x?SessionID=S1&Password=a+b%26c%3Cd%3E%22 or a%20b%26c%3Cd%3E%22 or \
                    a b&amp;c&lt;d&gt;&quot; or a b&c<d>\" or \"a b&c<d>\\\"\" (S1)";
        let shown = redactor.redact(page);
        assert_eq!(
            shown,
            "GET /x?SessionID=***&Password=*** or *** or *** or *** or \"***\" (***)"
        );
    }

    #[test]
    fn the_basic_auth_header_of_a_password_is_hidden() {
        let redactor = Redactor::new();
        redactor.hide_basic_auth("root", "correct horse");
        assert_eq!(
            redactor.redact("proxy echoed cm9vdDpjb3JyZWN0IGhvcnNl for correct+horse"),
            "proxy echoed *** for ***"
        );
        assert_eq!(redactor.redact("root:correct"), "root:correct");
    }

    #[test]
    fn an_empty_value_is_never_registered() {
        let redactor = Redactor::new();
        redactor.hide("");
        redactor.hide_basic_auth("root", "");
        assert_eq!(format!("{redactor:?}"), "Redactor { forms: 0 }");
        assert_eq!(redactor.redact("root: a text"), "root: a text");
    }

    #[test]
    fn a_value_inside_another_and_one_sharing_its_start_are_both_hidden() {
        let redactor = Redactor::new();
        redactor.hide("pass");
        redactor.hide("my-pass-word");
        redactor.hide("my-pa");
        assert_eq!(
            redactor.redact("my-pass-word, pass, my-pa, my-p"),
            "***, ***, ***, my-p"
        );
    }

    #[test]
    fn the_start_of_a_reply_is_redacted_in_bytes() {
        let token = "1-14-0123456789abcdef";
        let redactor = Redactor::new();
        redactor.hide(token);
        let text = format!("<p>bad token {token}</p>token={token}&x");
        assert_eq!(
            redactor.redact_start(text.as_bytes(), 1_000),
            "<p>bad token ***</p>token=***&x"
        );
        let text = format!("abc {token} tail");
        assert_eq!(redactor.redact_start(text.as_bytes(), 6), "abc ***");
        assert_eq!(redactor.redact_start(text.as_bytes(), 3), "abc");
        assert_eq!(redactor.redact_start(b"a\xffb", 10), "a\u{fffd}b");
        assert_eq!(redactor.redact_start(b"", 10), "");
        assert_eq!(
            redactor.redact_start(b"x Authorization: token abc", 100),
            "x Authorization: token ***",
            "credentials by name too"
        );
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
        redactor.hide("4MxP6P8k1UG59OMaF3E6");
        assert_eq!(
            redactor.redact("echo 4MxP6P… (900 chars)"),
            "echo ***… (900 chars)"
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
