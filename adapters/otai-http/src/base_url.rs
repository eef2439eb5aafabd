//! Checking a configured `base_url`, and naming its server in messages.

use otai_core::{Error, Result};
use reqwest::Url;

/// `base_url` checked (`http://` or `https://`, a host, no credentials, query or fragment) and
/// returned trimmed, without a trailing slash. Errors name `params.base_url`.
///
/// ```
/// assert_eq!(otai_http::check_base_url(" https://h.example/otobo/ ").ok().as_deref(), Some("https://h.example/otobo"));
/// assert!(otai_http::check_base_url("https://user:pw@h.example").is_err());
/// ```
pub fn check_base_url(base_url: &str) -> Result<String> {
    let base = base_url.trim().trim_end_matches('/');
    let bad = |message: String| Error::config("params.base_url", message);
    let parsed = Url::parse(base).map_err(|e| match base.contains('@') {
        // It may hold a password: never echo it.
        true => bad(format!("not a URL ({e})")),
        false => bad(format!("not a URL ({e}): `{base}`")),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Never echo the URL: it holds a password.
        return Err(bad(
            "must not hold a user or password (`user:pw@`); give credentials in their own params"
                .into(),
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not contain `?` or `#`".into()));
    }
    Ok(base.to_owned())
}

/// `host:port` of `url`, for messages (no path, no credentials).
///
/// ```
/// assert_eq!(otai_http::server_label("https://user:pw@helpdesk.example.com/otobo"), "helpdesk.example.com:443");
/// ```
pub fn server_label(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some(match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| "the server".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> String {
        check_base_url(url).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn accepts_http_and_https_and_trims() {
        assert_eq!(check("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(check(" https://h.example/rt// "), "https://h.example/rt");
        assert_eq!(check("https://[::1]:8443/x"), "https://[::1]:8443/x");
    }

    #[test]
    fn refuses_what_cannot_be_a_helpdesk_root() {
        assert_eq!(
            check("helpdesk.example.com"),
            "config error at params.base_url: not a URL (relative URL without a base): `helpdesk.example.com`"
        );
        assert_eq!(
            check("ftp://h.example"),
            "config error at params.base_url: must start with http:// or https://"
        );
        assert_eq!(
            check("https://h.example/x?a=1"),
            "config error at params.base_url: must not contain `?` or `#`"
        );
        assert_eq!(
            check("https://h.example/#top"),
            "config error at params.base_url: must not contain `?` or `#`"
        );
        let shown = check("https://agent:S3cret@h.example");
        assert_eq!(
            shown,
            "config error at params.base_url: must not hold a user or password (`user:pw@`); give credentials in their own params"
        );
        assert!(!shown.contains("S3cret"));
        let shown = check("https://agent:S3cret@h.example:99999");
        assert!(
            shown.starts_with("config error at params.base_url: not a URL"),
            "{shown}"
        );
        assert!(!shown.contains("S3"), "{shown}");
    }

    #[test]
    fn server_labels_never_show_paths_or_credentials() {
        assert_eq!(
            server_label("http://127.0.0.1:8080/a?b=c"),
            "127.0.0.1:8080"
        );
        assert_eq!(server_label("https://u:p@h.example"), "h.example:443");
        assert_eq!(server_label("not a url"), "the server");
    }
}
