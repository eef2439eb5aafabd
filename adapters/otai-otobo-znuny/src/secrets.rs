//! The secrets of a request, registered with the program's redactor
//! ([`otai_core::output::Redactor`]) when a text that leaves the adapter needs them: an error,
//! a trace line.

use otai_core::output::Redactor;
use serde_json::{Map, Value};

/// Keys whose values are secrets.
const SECRET_KEYS: [&str; 3] = ["Password", "SessionID", "TwoFactorToken"];

/// Hides with `redactor` the secrets in any of `payloads` (one request's keys, kept in more
/// than one map).
pub(crate) fn hide_secrets(redactor: &Redactor, payloads: &[&Map<String, Value>]) {
    let values = payloads
        .iter()
        .flat_map(|payload| SECRET_KEYS.iter().filter_map(|key| payload.get(*key)));
    for value in values {
        if let Value::String(secret) = value {
            redactor.hide(secret);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_values_of_secret_keys_are_hidden_and_no_other() {
        let redactor = Redactor::new();
        let auth = map(json!({"UserLogin": "agent", "Password": "p\"w&1"}));
        let payload = map(json!({"TwoFactorToken": "991", "Ticket": {"Title": "t"}, "X": 5}));
        hide_secrets(&redactor, &[&auth, &payload]);
        assert_eq!(
            redactor.redact("agent p\"w&1 p%22w%261 991 t"),
            "agent *** *** *** t"
        );
        hide_secrets(&redactor, &[&map(json!({"SessionID": 7, "Password": ""}))]);
        assert_eq!(redactor.redact("7"), "7", "only text values are secrets");
    }
}
