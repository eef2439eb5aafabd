//! HTTP to RT's REST 2 API: auth header, reading replies, error mapping, retries of reads.

use std::time::Duration;

use otai_core::error::shorten;
use otai_core::output::Redactor;
use otai_core::{Error, Result};
use otai_http::{Failure, HttpClient, HttpReply, Repeatable};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::RtConfig;
use crate::json::{Obj, Text};
use crate::limits::{SERVER_TEXT_BYTES, SERVER_TEXT_CHARS};
use crate::wire::{self, ErrorBody};

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
    /// Hides the configured token or password from server text.
    redactor: Redactor,
}

impl std::fmt::Debug for RtClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtClient")
            .field("base", &self.http.base_url())
            .finish_non_exhaustive()
    }
}

/// A reply: status and body, as read (at most `max_response_bytes`).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// The server's `Retry-After`, when it sent one.
    pub(crate) retry_after: Option<Duration>,
}

impl From<HttpReply> for Reply {
    fn from(reply: HttpReply) -> Self {
        Self {
            status: reply.status,
            body: reply.body,
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
        let client = Self {
            http,
            auth,
            redactor: Redactor::new(),
        };
        client.hide_secrets();
        Ok(client)
    }

    /// Hides the configured token or password with `redactor` (the program's one redactor), and
    /// redacts server text with it.
    pub(crate) fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self.hide_secrets();
        self
    }

    /// Hands the configured token, or the password and the Basic credentials, to the redactor.
    fn hide_secrets(&self) {
        match &self.auth {
            Auth::Token(token) => self.redactor.hide(token.expose_secret()),
            Auth::Basic(user, password) => {
                self.redactor
                    .hide_basic_auth(user, password.expose_secret());
            }
        }
    }

    /// Sends a request and returns the reply whatever its status; see [`RtClient::error_for`] to
    /// turn a failure status into an error. Transient failures and 429/502/503/504 are retried as
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

    /// GETs `path` and reads a 200 reply as `T` (see [`RtClient::decode`]); any other status is
    /// an error naming `request` (e.g. `GET /queue/:id`).
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        request: &str,
        expected: &str,
    ) -> Result<T> {
        let reply = self.send(Method::GET, path, query, None).await?;
        if reply.status != 200 {
            return Err(self.error_for(request, &reply));
        }
        self.decode(request, expected, &reply)
    }

    /// Reads a reply as `T`. A body that is empty, HTML, not JSON, nested too deep, of another
    /// shape or with a list over its cap is an [`Error::Remote`] naming `request` and saying what
    /// RT sends there (`expected`, e.g. "a ticket"), never an empty success.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        request: &str,
        expected: &str,
        reply: &Reply,
    ) -> Result<T> {
        wire::decode(&reply.body).map_err(|e| {
            let first = reply.body.iter().find(|b| !b.is_ascii_whitespace());
            let message = match first {
                None => format!("an empty reply where RT sends {expected}"),
                Some(b'<') => format!(
                    "an HTML page where RT sends {expected} (a login or proxy page?): {}",
                    self.server_text(&reply.body)
                ),
                // serde_json quotes the offending value, which is server text too.
                Some(_) => format!(
                    "an unreadable reply where RT sends {expected}: {}",
                    self.server_text(e.to_string().as_bytes())
                ),
            };
            reply_error(request, reply.status, message)
        })
    }

    /// The error for a reply whose status is not a success, with RT's message (or the start of
    /// the body), redacted and shortened.
    pub(crate) fn error_for(&self, request: &str, reply: &Reply) -> Error {
        let message = self.message_of(reply);
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

    /// RT's `{"message": …}` of a reply, else the start of its body; redacted and shortened.
    fn message_of(&self, reply: &Reply) -> String {
        match wire::decode::<Obj<ErrorBody>>(&reply.body) {
            Ok(Obj(ErrorBody {
                message: Some(Text(message)),
            })) => self.server_text(message.as_bytes()),
            Ok(_) => String::new(),
            Err(_) => self.server_text(&reply.body),
        }
    }

    /// Server text for an error message: the first [`SERVER_TEXT_BYTES`] redacted (the
    /// configured token or password, in every form, replaced by `***`; the one place that
    /// happens), then cut to [`SERVER_TEXT_CHARS`] characters.
    pub(crate) fn server_text(&self, text: &[u8]) -> String {
        shorten(
            &self.redactor.redact_start(text, SERVER_TEXT_BYTES),
            SERVER_TEXT_CHARS,
        )
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

/// A reply that does not answer the request (wrong record, unreadable, inconsistent paging):
/// an [`Error::Remote`] naming `request`, never retried.
pub(crate) fn reply_error(request: &str, status: u16, message: impl Into<String>) -> Error {
    Error::Remote {
        request: request.to_owned(),
        status: Some(status),
        code: None,
        message: message.into(),
        retry_after: None,
    }
}
