//! Working out the web service URL from `base_url`, `script_path` and the web service.

use otai_core::{Error, Result};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// Where the web service is: the parts of the config that make its URL, defaults filled in by the
/// config ([`crate::OtoboConfig`]), so this module needs nothing from it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Location<'a> {
    /// The configured `base_url`.
    pub(crate) base_url: &'a str,
    /// The script path (`script_path`, or the default).
    pub(crate) script_path: &'a str,
    /// The configured `webservice_name`, when given.
    pub(crate) webservice_name: Option<&'a str>,
    /// The configured `webservice_id`, when given.
    pub(crate) webservice_id: Option<u64>,
    /// The web service name used when neither is given (it depends on the transport).
    pub(crate) default_webservice: &'a str,
}

/// The web service URL (`…/nph-genericinterface.pl/Webservice/<name>`), without a trailing slash.
pub(crate) fn webservice_url(config: &Location<'_>) -> Result<String> {
    let base = otai_http::check_base_url(config.base_url)?;
    let base = base.as_str();
    if config.webservice_name.is_some() && config.webservice_id.is_some() {
        return Err(Error::config(
            "params.webservice_id",
            "give either `webservice_name` or `webservice_id`, not both",
        ));
    }
    if base.contains("/Webservice/") || base.contains("/WebserviceID/") {
        if config.webservice_name.is_some() || config.webservice_id.is_some() {
            return Err(Error::config(
                "params.base_url",
                "already names the web service; drop `webservice_name`/`webservice_id` or shorten `base_url`",
            ));
        }
        return Ok(base.to_owned());
    }
    let service = match (config.webservice_id, config.webservice_name) {
        (Some(id), _) => format!("WebserviceID/{id}"),
        (None, name) => {
            let name = name.unwrap_or(config.default_webservice);
            if name.trim().is_empty() {
                return Err(Error::config("params.webservice_name", "must not be empty"));
            }
            // Even encoded (`%2E%2E`), dots alone are a dot segment to a URL parser.
            if name.chars().all(|c| c == '.') {
                return Err(Error::config(
                    "params.webservice_name",
                    "`.` and `..` are not web service names",
                ));
            }
            format!("Webservice/{}", utf8_percent_encode(name, NON_ALPHANUMERIC))
        }
    };
    if base.ends_with("nph-genericinterface.pl") {
        return Ok(format!("{base}/{service}"));
    }
    let script = config.script_path.trim_matches('/');
    Ok(format!("{base}/{script}/{service}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OtoboConfig;

    fn url(base: &str, f: impl FnOnce(OtoboConfig) -> OtoboConfig) -> String {
        webservice_url(&f(OtoboConfig::new(base)).location()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn works_out_the_url_from_each_form() {
        assert_eq!(
            url("https://helpdesk.example.com/", |c| c),
            "https://helpdesk.example.com/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
        );
        assert_eq!(
            url("https://h.example.com", |mut c| {
                c.script_path = Some("/otrs/nph-genericinterface.pl".into());
                c.webservice_name("My Service")
            }),
            "https://h.example.com/otrs/nph-genericinterface.pl/Webservice/My%20Service"
        );
        assert_eq!(
            url(
                "https://h.example.com/otrs/nph-genericinterface.pl",
                |mut c| {
                    c.webservice_id = Some(3);
                    c
                }
            ),
            "https://h.example.com/otrs/nph-genericinterface.pl/WebserviceID/3"
        );
        assert_eq!(
            url(
                "http://127.0.0.1:8080/otobo/nph-genericinterface.pl/Webservice/X/",
                |c| c
            ),
            "http://127.0.0.1:8080/otobo/nph-genericinterface.pl/Webservice/X"
        );
    }

    #[test]
    fn the_web_service_name_stays_one_segment() {
        for name in ["a/../b", "../x", "?q", "#f", "a b", "%2e%2e"] {
            let got = url("https://h.example", |c| c.webservice_name(name));
            let parsed = url::Url::parse(&got).ok();
            let segments: Vec<String> = parsed
                .iter()
                .flat_map(|u| u.path_segments().into_iter().flatten().map(str::to_owned))
                .collect();
            assert_eq!(segments.len(), 4, "{name:?} -> {got}");
            assert_eq!(segments[2], "Webservice", "{name:?} -> {got}");
            assert!(parsed.is_some_and(|u| u.query().is_none() && u.fragment().is_none()));
        }
        for name in [".", ".."] {
            assert_eq!(
                url("https://h.example", |c| c.webservice_name(name)),
                "config error at params.webservice_name: `.` and `..` are not web service names"
            );
        }
    }

    #[test]
    fn contradictions_and_bad_urls_are_config_errors() {
        assert_eq!(
            url("helpdesk.example.com", |c| c),
            "config error at params.base_url: not a URL (relative URL without a base): `helpdesk.example.com`"
        );
        assert_eq!(
            url("ftp://h", |c| c),
            "config error at params.base_url: must start with http:// or https://"
        );
        assert_eq!(
            url(
                "https://h/otobo/nph-genericinterface.pl/Webservice/X",
                |c| c.webservice_name("Y")
            ),
            "config error at params.base_url: already names the web service; drop `webservice_name`/`webservice_id` or shorten `base_url`"
        );
    }
}
