//! HTTP to RT's REST 2 API: auth header, JSON, error mapping, retries of reads.

use std::time::Duration;

use otai_core::error::shorten;
use otai_core::{Error, Result};
use otai_http::{Failure, HttpClient, HttpReply, Repeatable};
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
    http: HttpClient,
    auth: Auth,
}

impl std::fmt::Debug for RtClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtClient")
            .field("base", &self.http.base_url())
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

impl From<HttpReply> for Reply {
    fn from(reply: HttpReply) -> Self {
        let body = serde_json::from_slice(&reply.body).unwrap_or_else(|_| {
            if reply.body.is_empty() {
                Value::Null
            } else {
                Value::String(String::from_utf8_lossy(&reply.body).into_owned())
            }
        });
        Self {
            status: reply.status,
            body,
            retry_after: reply.retry_after,
        }
    }
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
        let http = HttpClient::new(
            &config.rest_url()?,
            &config.http_params(),
            config.concurrency.max(4),
        )?;
        Ok(Self { http, auth })
    }

    /// Sends a request and returns the reply whatever its status; see [`error_for`] to turn a
    /// failure status into an error. Transient failures and 429/502/503/504 are retried as
    /// [`otai_http::RetryPolicy`] allows: reads always, writes only when surely unsent.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply> {
        let request = format!("{method} {path}");
        let repeatable = Repeatable::for_method(&method);
        let reply = self
            .http
            .retries()
            .run_replies(&request, repeatable, || {
                self.send_once(&method, path, query, body, &request)
            })
            .await?;
        Ok(Reply::from(reply))
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
    ) -> Result<HttpReply, Failure> {
        let mut builder = self.http.request(method.clone(), path).query(query);
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
        self.http.send(request, builder).await
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
            retry_after: reply.retry_after,
        },
    }
}
