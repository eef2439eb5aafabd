//! Which redirects are followed: only GET and HEAD, only within the same origin, at most
//! [`MAX_REDIRECTS`] in a row. Requests carry credentials (a password, a session, a token) and
//! changes; following a redirect elsewhere would hand them to whoever the server names.

use reqwest::{Method, StatusCode, Url};

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// What to do with a redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Repeat the request at this URL.
    Follow(Url),
    /// Stop; the message names the target (without credentials or query) and the reason.
    Refuse(String),
}

/// Whether `status` is a redirect that names a new location.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Judges the redirect of a `method` request at `from` to `location` (the raw `Location`
/// header), after `followed` redirects.
pub(crate) fn judge(
    method: &Method,
    from: &Url,
    location: Option<&str>,
    followed: usize,
) -> Verdict {
    let Some(to) = location.and_then(|l| from.join(l.trim()).ok()) else {
        return Verdict::Refuse("refused redirect without a usable Location".into());
    };
    let refuse =
        |reason: &str| Verdict::Refuse(format!("refused redirect to {}: {reason}", shown(&to)));
    if from.scheme() == "https" && to.scheme() != "https" {
        return refuse("from https to http, which would send credentials in clear");
    }
    if to.origin() != from.origin() {
        return refuse(
            "another origin (scheme, host or port), which must not see credentials; if the helpdesk moved, change base_url",
        );
    }
    if !matches!(*method, Method::GET | Method::HEAD) {
        return refuse(&format!(
            "a {method} is not repeated at another address; only GET and HEAD follow redirects"
        ));
    }
    if followed >= MAX_REDIRECTS {
        return refuse(&format!("more than {MAX_REDIRECTS} redirects in a row"));
    }
    Verdict::Follow(to)
}

/// A URL for messages: scheme, host, port and path; never user, password, query or fragment,
/// which may hold credentials.
pub(crate) fn shown(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn verdict(method: Method, from: &str, location: &str) -> Verdict {
        judge(&method, &url(from), Some(location), 0)
    }

    #[test]
    fn same_origin_reads_are_followed_relative_or_absolute() {
        assert_eq!(
            verdict(Method::GET, "https://h.example/a/b?x=1", "c"),
            Verdict::Follow(url("https://h.example/a/c"))
        );
        assert_eq!(
            verdict(
                Method::HEAD,
                "http://h.example:8080/a",
                "http://h.example:8080/z"
            ),
            Verdict::Follow(url("http://h.example:8080/z"))
        );
        assert_eq!(
            verdict(
                Method::GET,
                "https://h.example/a",
                "https://h.example:443/z"
            ),
            Verdict::Follow(url("https://h.example/z"))
        );
    }

    #[test]
    fn other_origins_are_refused_without_showing_credentials() {
        let refused = |v: Verdict| match v {
            Verdict::Refuse(message) => message,
            Verdict::Follow(to) => format!("followed to {to}"),
        };
        assert_eq!(
            refused(verdict(
                Method::GET,
                "https://h.example/a",
                "https://user:pw@evil.example/steal?Password=pw#frag"
            )),
            "refused redirect to https://evil.example:443/steal: another origin (scheme, host or port), which must not see credentials; if the helpdesk moved, change base_url"
        );
        assert!(
            refused(verdict(
                Method::GET,
                "http://h.example/a",
                "http://h.example:81/a"
            ))
            .contains("another origin")
        );
        assert!(
            refused(verdict(
                Method::GET,
                "http://h.example/a",
                "https://h.example/a"
            ))
            .contains("another origin")
        );
        assert_eq!(
            refused(verdict(
                Method::GET,
                "https://h.example/a",
                "http://h.example/a"
            )),
            "refused redirect to http://h.example:80/a: from https to http, which would send credentials in clear"
        );
        assert!(
            refused(verdict(
                Method::GET,
                "https://h.example/a",
                "ftp://h.example/a"
            ))
            .contains("from https to http")
        );
    }

    #[test]
    fn writes_are_never_redirected_even_within_the_origin() {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let v = verdict(method.clone(), "https://h.example/Session", "/Session2");
            assert_eq!(
                v,
                Verdict::Refuse(format!(
                    "refused redirect to https://h.example:443/Session2: a {method} is not repeated at another address; only GET and HEAD follow redirects"
                ))
            );
        }
    }

    #[test]
    fn loops_and_missing_locations_end() {
        let from = url("https://h.example/a");
        assert!(matches!(
            judge(&Method::GET, &from, Some("/b"), MAX_REDIRECTS),
            Verdict::Refuse(m) if m.ends_with("more than 5 redirects in a row")
        ));
        for location in [None, Some("http://[::1")] {
            assert_eq!(
                judge(&Method::GET, &from, location, 0),
                Verdict::Refuse("refused redirect without a usable Location".into())
            );
        }
    }

    #[test]
    fn only_redirect_statuses_count() {
        for code in [301, 302, 303, 307, 308] {
            assert!(StatusCode::from_u16(code).is_ok_and(is_redirect), "{code}");
        }
        for code in [200, 300, 304, 305, 400] {
            assert!(!StatusCode::from_u16(code).is_ok_and(is_redirect), "{code}");
        }
    }
}
