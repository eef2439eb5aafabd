//! Web services as OTRS / OTOBO / Znuny administrators export and import them (YAML), both
//! ways: [`import()`] turns an export into a `webservices:` entry, [`export()`] turns an entry into
//! YAML that OTOBO's `Admin::WebService::Add` accepts.
//!
//! What the OTOBO form holds that otai does not serve (a requester, a remote system, transport
//! options otai does not offer) and what the otai form holds that OTOBO's does not (accounts,
//! sessions, validity, prefix) is reported as a warning, never dropped silently. Passwords are
//! never carried over: import writes a `${{ secrets.NAME }}` reference and names the secret to
//! set, export replaces every password, token and session id by `***`.

mod export;
mod import;
#[cfg(test)]
mod tests;

pub use export::{Exported, export, redact_credentials};
pub use import::{ImportOptions, Imported, MAX_IMPORT_BYTES, import};

/// `value` as YAML (only for values otai built itself, which are of bounded depth).
pub fn to_yaml(value: &serde_json::Value) -> String {
    // Writing a JSON value cannot fail: every key is a string.
    serde_yaml::to_string(value).unwrap_or_else(|e| format!("# {e}\n"))
}

/// Whether an OTOBO key holds a credential (`BasicAuthPassword`, `SSLP12Password`, a token…).
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "token",
        "secret",
        "sessionid",
        "apikey",
        "api_key",
    ]
    .iter()
    .any(|word| key.contains(word))
        || otai_core::output::is_credential_key(&key)
}

/// Whether `key` or any key below it in `value` holds a credential (walked without recursion).
pub fn holds_secret(key: &str, value: &serde_json::Value) -> bool {
    let mut stack = vec![(key, value)];
    while let Some((key, value)) = stack.pop() {
        if is_secret_key(key) {
            return true;
        }
        match value {
            serde_json::Value::Object(map) => {
                stack.extend(map.iter().map(|(k, v)| (k.as_str(), v)))
            }
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| ("", v))),
            _ => {}
        }
    }
    false
}
