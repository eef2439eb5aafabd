//! One helpdesk's HTTP client: the connection pool and the rules every request follows.

use std::time::{Duration, Instant};

use otai_core::{Error, Result};
use reqwest::{Method, RequestBuilder};

use crate::failure::{Target, body_failure, send_failure};
use crate::redirect::{self, Verdict};
use crate::{Failure, HttpParams, RetryPolicy, retry_after, server_label};

/// A reply: status, body (at most `max_response_bytes`) and the server's `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpReply {
    /// HTTP status.
    pub status: u16,
    /// The whole body.
    pub body: Vec<u8>,
    /// How long the server asked to wait, when it did.
    pub retry_after: Option<Duration>,
}

/// One helpdesk's HTTP client. Cheap to clone; clones share the connection pool.
///
/// Every request goes to the service URL given to [`HttpClient::new`] plus a path, follows
/// redirects only within the same origin and only for GET and HEAD, reads at most
/// `max_response_bytes`, and fails with a typed error that names the request, never the URL.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    base: String,
    /// `base`, parsed once: a request's URL is this with its path extended.
    base_url: Option<reqwest::Url>,
    server: String,
    https: bool,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    retries: RetryPolicy,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client for the service at `base` (a checked URL without a trailing slash, see
    /// [`check_base_url`](crate::check_base_url)) that makes about `concurrency` calls at once
    /// (its pool keeps [`idle_per_host`] of that). Reads `ca_file`; contacts nobody.
    pub fn new(base: &str, params: &HttpParams, concurrency: usize) -> Result<Self> {
        params.validate()?;
        let timeout = params.timeout_duration()?;
        let connect_timeout = params.connect_timeout_duration()?;
        let client = build_client(params, timeout, connect_timeout, idle_per_host(concurrency))?;
        Ok(Self {
            client,
            base: base.to_owned(),
            base_url: reqwest::Url::parse(base).ok(),
            server: server_label(base),
            https: base.starts_with("https:"),
            timeout,
            connect_timeout,
            max_response_bytes: params.max_response_bytes,
            retries: RetryPolicy::new(params.retries),
        })
    }

    /// The service URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `host:port` of the service, for messages.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The configured retries.
    pub fn retries(&self) -> RetryPolicy {
        self.retries
    }

    /// A request to the service URL plus `path` (empty, or starting with `/`).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        match &self.base_url {
            // The service URL is parsed once; only the path is added per request. A path with
            // `?` or `#` (not one a route makes: those are percent-encoded) is parsed whole.
            Some(base) if !path.contains(['?', '#']) && base.query().is_none() => {
                let mut url = base.clone();
                if !path.is_empty() {
                    let mut joined = String::with_capacity(base.path().len() + path.len());
                    joined.push_str(base.path().trim_end_matches('/'));
                    joined.push_str(path);
                    url.set_path(&joined);
                }
                self.client.request(method, url)
            }
            _ => self.client.request(method, format!("{}{path}", self.base)),
        }
    }

    /// Sends `builder` once (redirects aside) and reads the reply, whatever its status. Errors
    /// name `request` (`GET /Ticket/:TicketID`).
    pub async fn send(&self, request: &str, builder: RequestBuilder) -> Result<HttpReply, Failure> {
        let mut next = builder.build().map_err(|e| {
            Failure::unsent(Error::Transport {
                request: request.to_owned(),
                message: "cannot build the request".into(),
                transient: false,
                source: Some(Box::new(e.without_url())),
            })
        })?;
        let started = Instant::now();
        let mut followed = 0;
        let response = loop {
            let method = next.method().clone();
            // Only GET and HEAD are ever repeated at a new URL; they have no body to copy.
            let copy = matches!(method, Method::GET | Method::HEAD)
                .then(|| next.try_clone())
                .flatten();
            let response = self
                .client
                .execute(next)
                .await
                .map_err(|e| send_failure(request, self.target(), e))?;
            if !redirect::is_redirect(response.status()) {
                break response;
            }
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok());
            // Redirects are never followed by reqwest itself: the reply's URL is the request's.
            let from = response.url();
            let message = match (redirect::judge(&method, from, location, followed), copy) {
                (Verdict::Follow(to), Some(mut copy)) => {
                    tracing::debug!(request, to = %redirect::shown(&to), "following a redirect");
                    *copy.url_mut() = to;
                    next = copy;
                    followed += 1;
                    continue;
                }
                (Verdict::Follow(to), None) => format!(
                    "refused redirect to {}: the request cannot be repeated",
                    redirect::shown(&to)
                ),
                (Verdict::Refuse(message), _) => message,
            };
            tracing::warn!(request, status, reason = %message, "redirect refused");
            return Err(Failure::sent(Error::Remote {
                request: request.to_owned(),
                status: Some(status),
                code: None,
                message,
                retry_after: None,
            }));
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = self.read_limited(request, response).await?;
        tracing::debug!(
            request,
            status,
            bytes = body.len(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "http request"
        );
        Ok(HttpReply {
            status,
            body,
            retry_after,
        })
    }

    /// Reads a reply body, refusing more than `max_response_bytes` (checked before and while
    /// reading, so a huge or endless reply never fills memory).
    async fn read_limited(
        &self,
        request: &str,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, Failure> {
        let limit = self.max_response_bytes;
        let too_large = || {
            Failure::sent(Error::Transport {
                request: request.to_owned(),
                message: format!(
                    "reply larger than the limit of {limit} bytes (max_response_bytes)"
                ),
                transient: false,
                source: None,
            })
        };
        let announced = response.content_length();
        if announced.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        // A reply that says its length is read into one buffer of that size, not one per
        // doubling; a length only claimed reserves at most PREALLOCATED_REPLY (the limit holds
        // for what arrives either way).
        let reserve = announced.map_or(0, |n| n.min(PREALLOCATED_REPLY as u64) as usize);
        let mut body = Vec::with_capacity(reserve);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| body_failure(request, self.timeout, e))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn target(&self) -> Target<'_> {
        Target {
            server: &self.server,
            https: self.https,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
        }
    }
}

/// The most a reply's announced length reserves before its bytes arrive.
const PREALLOCATED_REPLY: usize = 1 << 20;

/// The idle connections the pool keeps for a service of `concurrency`: its own calls at once
/// plus as many again from a pipeline's loop beside them, with room to spare. A pool smaller
/// than the calls in flight closes connections after a burst and opens new ones for the next
/// (each a TCP handshake on both sides); idle ones close after reqwest's idle timeout anyway.
pub fn idle_per_host(concurrency: usize) -> usize {
    concurrency.saturating_mul(4).max(32)
}

/// The reqwest client: rustls with the platform's roots plus `ca_file`, timeouts, proxy, and no
/// automatic redirects ([`HttpClient::send`] judges each one). Errors name the param.
fn build_client(
    params: &HttpParams,
    timeout: Duration,
    connect_timeout: Duration,
    idle_per_host: usize,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("otai/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(idle_per_host);
    if let Some(path) = &params.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Error::config(
                "params.ca_file",
                format!("cannot read `{}`: {e}", path.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_default();
        if certs.is_empty() {
            return Err(Error::config(
                "params.ca_file",
                format!("`{}` holds no PEM certificate", path.display()),
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if params.insecure_skip_verify {
        tracing::warn!(
            "TLS certificate verification is OFF (insecure_skip_verify); never use this in production"
        );
        builder = builder.danger_accept_invalid_certs(true);
    }
    if let Some(proxy) = &params.proxy {
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|e| Error::config("params.proxy", format!("invalid proxy URL: {e}")))?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|e| Error::config("params", format!("cannot build the HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn build_error(f: fn(&mut HttpParams)) -> String {
        let mut params = HttpParams::default();
        f(&mut params);
        HttpClient::new("http://127.0.0.1:1", &params, 1)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn bad_tls_and_proxy_settings_name_the_param() {
        let err = build_error(|p| p.ca_file = Some(PathBuf::from("missing.pem")));
        assert!(
            err.starts_with("config error at params.ca_file: cannot read `missing.pem`"),
            "{err}"
        );
        let err = build_error(|p| {
            p.ca_file = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        });
        assert!(err.ends_with("holds no PEM certificate"), "{err}");
        let err = build_error(|p| p.proxy = Some("::nope::".into()));
        assert!(
            err.starts_with("config error at params.proxy: invalid proxy URL"),
            "{err}"
        );
        let err = build_error(|p| p.timeout = -3.0);
        assert_eq!(
            err,
            "config error at params.timeout: must be a positive number of seconds"
        );
        assert_eq!(build_error(|p| p.insecure_skip_verify = true), "");
    }

    #[test]
    fn requests_go_below_the_service_url_and_debug_shows_no_path() -> Result<()> {
        let client = HttpClient::new("https://h.example/otobo/ws", &HttpParams::default(), 1)?;
        let request = client
            .request(Method::GET, "/Ticket/1")
            .build()
            .map_err(|e| Error::invalid_input("url", e.to_string()))?;
        assert_eq!(
            request.url().as_str(),
            "https://h.example/otobo/ws/Ticket/1"
        );
        assert_eq!(client.server(), "h.example:443");
        assert_eq!(
            format!("{client:?}"),
            r#"HttpClient { server: "h.example:443", .. }"#
        );
        Ok(())
    }
}
