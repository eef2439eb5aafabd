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

pub use export::{Exported, export};
pub use import::{ImportOptions, Imported, MAX_IMPORT_BYTES, import};

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
