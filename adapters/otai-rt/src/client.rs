//! HTTP to RT's REST 2 API: auth header, JSON, error mapping, retries of reads.

use std::time::Duration;

use otai_core::error::shorten;
use otai_core::{Error, Result};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::RtConfig;

/// How the client authenticates.
#[derive(Clone)]
enum Auth {
    Token(SecretString),
    Basic(String, SecretString),
}

/// A REST 2 client. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct RtClient {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    retries: u32,
    max_response_bytes: usize,
    timeout: Duration,
}

impl std::fmt::Debug for RtClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A reply: status and JSON body (`Null` when the body is not JSON).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    /// The server's `Retry-After`, when it sent one.
    pub(crate) retry_after: Option<Duration>,
}

impl RtClient {
    /// Builds a client; contacts nobody.
    pub fn new(config: &RtConfig) -> Result<Self> {
        config.validate()?;
        let auth = match (&config.token, &config.username, &config.password) {
            (Some(token), _, _) => Auth::Token(token.clone()),
            (None, Some(user), Some(password)) => Auth::Basic(user.clone(), password.clone()),
            _ => return Err(Error::config("params.token", "missing")),
        };
        let timeout = Duration::from_secs_f64(config.timeout);
        let options = otai_http::ClientOptions::new(timeout, timeout.min(Duration::from_secs(10)))
            .ca_file(config.ca_file.as_deref())
            .insecure_skip_verify(config.insecure_skip_verify)
            .proxy(config.proxy.as_deref())
            .pool(config.concurrency.max(4));
        let http = otai_http::build_client(&options)?;
        Ok(Self {
            http,
            base: config.rest_url()?,
            auth,
            retries: config.retries,
            max_response_bytes: config.max_response_bytes,
            timeout,
        })
    }

    /// Sends a request; GETs are retried on transient failures. Returns the reply whatever its
    /// status; see [`error_for`] to turn a failure status into an error.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply> {
        let request = format!("{method} {path}");
        let mut attempt = 0;
        loop {
            let result = self.send_once(&method, path, query, body, &request).await;
            match result {
                Err(e) if method == Method::GET && e.is_transient() && attempt < self.retries => {
                    let delay = otai_http::backoff(attempt, None);
                    tracing::warn!(request = %request, attempt = attempt + 1, error = %e, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Ok(reply)
                    if method == Method::GET
                        && matches!(reply.status, 429 | 502..=504)
                        && attempt < self.retries =>
                {
                    let delay = otai_http::backoff(attempt, reply.retry_after);
                    tracing::warn!(request = %request, attempt = attempt + 1, status = reply.status, delay_ms = delay.as_millis() as u64, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// GETs `path` and returns the body of a 200; any other status is an error naming `what`
    /// (e.g. `GET /queue/:id`).
    pub(crate) async fn get_ok(
        &self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<Value> {
        let reply = self.send(Method::GET, path, query, None).await?;
        if reply.status != 200 {
            return Err(error_for(what, &reply));
        }
        Ok(reply.body)
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        request: &str,
    ) -> Result<Reply> {
        let mut builder = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .query(query);
        builder = match &self.auth {
            Auth::Token(token) => builder.header(
                reqwest::header::AUTHORIZATION,
                format!("token {}", token.expose_secret()),
            ),
            Auth::Basic(user, password) => builder.basic_auth(user, Some(password.expose_secret())),
        };
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let started = std::time::Instant::now();
        let response = builder
            .send()
            .await
            .map_err(|e| self.transport_error(request, e))?;
        let status = response.status().as_u16();
        let retry_after = otai_http::retry_after(&response);
        let bytes = otai_http::read_limited(response, self.max_response_bytes)
            .await
            .map_err(|e| e.into_error(request, self.timeout))?;
        tracing::debug!(request = %request, status, bytes = bytes.len(), elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "rt request");
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            if bytes.is_empty() {
                Value::Null
            } else {
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
        });
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }

    fn transport_error(&self, request: &str, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            return Error::Timeout {
                request: request.to_owned(),
                after: self.timeout,
            };
        }
        let server = otai_http::server_label(&self.base);
        let what = if e.is_connect() {
            format!("cannot connect to {server}")
        } else {
            format!("request to {server} failed")
        };
        Error::Transport {
            request: request.to_owned(),
            message: what,
            transient: true,
            source: Some(Box::new(e.without_url())),
        }
    }
}

/// RT's `{"message": …}` text of a reply.
pub(crate) fn message_of(body: &Value) -> String {
    match body {
        Value::Object(map) => map
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The error for a reply whose status is not a success.
pub(crate) fn error_for(request: &str, reply: &Reply) -> Error {
    let message = shorten(&message_of(&reply.body), 300);
    match reply.status {
        401 => Error::Authentication {
            message: if message.is_empty() {
                "Unauthorized".into()
            } else {
                message
            },
        },
        403 if message.contains("queue") => Error::InvalidInput {
            field: "queue".into(),
            message,
        },
        403 => Error::PermissionDenied { message },
        404 => Error::NotFound {
            what: request.to_owned(),
        },
        status => Error::Remote {
            request: request.to_owned(),
            status: Some(status),
            code: None,
            message,
            retry_after: None,
        },
    }
}
