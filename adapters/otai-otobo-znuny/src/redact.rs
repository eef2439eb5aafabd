//! Keeping secrets out of logs and errors: the one place that knows what a secret looks like.
//!
//! The secrets of a request are the values of its `Password`, `SessionID` and `TwoFactorToken`
//! keys. Any text that leaves the adapter (a logged payload, a server's text in an error) has
//! each of them replaced by `***`, in every form a server or proxy may echo it: as sent, JSON-
//! or XML-escaped, percent- or form-encoded.

use otai_core::Error;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

/// Keys whose values are secrets.
const SECRET_KEYS: [&str; 3] = ["Password", "SessionID", "TwoFactorToken"];

/// The secrets of one request, in every form they may be echoed in.
#[derive(Default)]
pub(crate) struct Secrets(Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} forms)", self.0.len())
    }
}

impl Secrets {
    /// The secrets in `payload`.
    pub(crate) fn of(payload: &Map<String, Value>) -> Self {
        Self::of_all(&[payload])
    }

    /// The secrets in any of `payloads` (one request's keys, kept in more than one map).
    pub(crate) fn of_all(payloads: &[&Map<String, Value>]) -> Self {
        let mut forms: Vec<String> = Vec::new();
        let secrets = payloads
            .iter()
            .flat_map(|payload| SECRET_KEYS.iter().filter_map(|key| payload.get(*key)));
        for value in secrets {
            let Value::String(secret) = value else {
                continue;
            };
            if secret.is_empty() {
                continue;
            }
            let json = Value::String(secret.clone()).to_string();
            let json = json
                .strip_prefix('"')
                .and_then(|j| j.strip_suffix('"'))
                .unwrap_or(&json)
                .to_owned();
            let candidates = [
                secret.clone(),
                json,
                quick_xml::escape::escape(secret.as_str()).into_owned(),
                utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
                url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            ];
            for form in candidates {
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        // Longest first, so that a secret inside another is not half-replaced.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Self(forms)
    }

    /// `text` with every secret replaced by `***`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in &self.0 {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), "***");
            }
        }
        // A shortened text (`… (N chars)`) may end in the first characters of a secret.
        if let Some(cut) = text.find("… (") {
            let head = &text[..cut];
            let partial = self.0.iter().find_map(|form| {
                (3..form.len())
                    .rev()
                    .filter(|len| form.is_char_boundary(*len))
                    .find(|len| head.ends_with(&form[..*len]))
            });
            if let Some(len) = partial {
                text = format!("{}***{}", &head[..head.len() - len], &text[cut..]);
            }
        }
        text
    }

    /// `error` with every secret removed from its message and code.
    pub(crate) fn redact_error(&self, error: Error) -> Error {
        match error {
            Error::Remote {
                request,
                status,
                code,
                message,
                retry_after,
            } => Error::Remote {
                request,
                status,
                code: code.map(|c| self.redact(&c)),
                message: self.redact(&message),
                retry_after,
            },
            Error::Transport {
                request,
                message,
                transient,
                source,
            } => Error::Transport {
                request,
                message: self.redact(&message),
                transient,
                source,
            },
            Error::Authentication { message } => Error::Authentication {
                message: self.redact(&message),
            },
            Error::PermissionDenied { message } => Error::PermissionDenied {
                message: self.redact(&message),
            },
            Error::InvalidInput { field, message } => Error::InvalidInput {
                field: self.redact(&field),
                message: self.redact(&message),
            },
            other => other,
        }
    }
}

/// The payload as JSON for a log, with its secrets replaced by `***`.
pub(crate) fn redacted(payload: &Map<String, Value>) -> String {
    Secrets::of(payload).redact(&Value::Object(payload.clone()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn logged_payloads_hide_credentials() {
        let payload = map(
            json!({"UserLogin": "agent", "Password": "p\"w&1", "SessionID": "s3ss", "Ticket": {"Title": "t"}}),
        );
        assert_eq!(
            redacted(&payload),
            r#"{"Password":"***","SessionID":"***","Ticket":{"Title":"t"},"UserLogin":"agent"}"#
        );
    }

    #[test]
    fn every_echoed_form_is_redacted() {
        let secrets = Secrets::of(&map(json!({"Password": "a b&c<d>\"", "SessionID": "S1"})));
        let page = "GET /x?SessionID=S1&Password=a+b%26c%3Cd%3E%22 or a%20b%26c%3Cd%3E%22 or \
                    a b&amp;c&lt;d&gt;&quot; or a b&c<d>\" or \"a b&c<d>\\\"\"";
        let shown = secrets.redact(page);
        assert!(!shown.contains("S1") && !shown.contains("b&c") && !shown.contains("b%26c"));
        assert!(
            !shown.contains("b&amp;c") && !shown.contains("a+b"),
            "{shown}"
        );
        assert_eq!(
            secrets.redact("proxy said SessionID=S… (900 chars)"),
            "proxy said SessionID=S… (900 chars)",
            "too short a tail to tell"
        );
        let long = Secrets::of(&map(json!({"SessionID": "4MxP6P8k1UG59OMaF3E6"})));
        assert_eq!(
            long.redact("SessionID=4MxP6P… (900 chars)"),
            "SessionID=***… (900 chars)"
        );
        let error = secrets.redact_error(Error::Remote {
            request: "GET /Ticket".into(),
            status: Some(502),
            code: None,
            message: "bad gateway for SessionID=S1".into(),
            retry_after: None,
        });
        assert_eq!(
            error.to_string(),
            "GET /Ticket: remote error (HTTP 502): bad gateway for SessionID=***"
        );
    }
}
