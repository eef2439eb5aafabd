//! Sending one operation over HTTP::REST or HTTP::SOAP and decoding the reply into JSON.

use std::time::{Duration, Instant};

use otai_core::{Error, Result};
use serde_json::{Map, Value};

use crate::errors::{MAX_SERVER_TEXT, map_http_error};
use crate::routes::{Method, Operation, RouteTable, fill_route};

/// A failed send, and whether the request may have reached the server.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// `false` only when the server surely saw nothing (the connection was never made).
    pub(crate) may_have_reached_server: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self {
            error,
            may_have_reached_server: false,
        }
    }
}

/// How requests travel: HTTP::REST routes, or HTTP::SOAP envelopes to the web service URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// JSON over the configured routes.
    Rest,
    /// SOAP envelopes in this TicketConnector namespace.
    Soap { namespace: String },
}

/// The transport: protocol, routes, one HTTP client (one connection pool), the web service URL.
#[derive(Debug, Clone)]
pub(crate) struct HttpTransport {
    pub(crate) protocol: Protocol,
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) routes: RouteTable,
    pub(crate) max_response_bytes: usize,
    pub(crate) timeout: Duration,
}

impl HttpTransport {
    /// The request as messages name it: `GET /Ticket/:TicketID`, or `SOAP TicketGet`.
    pub(crate) fn describe(&self, operation: Operation) -> String {
        match &self.protocol {
            Protocol::Soap { .. } => format!("SOAP {}", soap_operation(operation)),
            Protocol::Rest => {
                let route = self.routes.get(operation);
                format!("{} {}", route.method.as_str(), route.route)
            }
        }
    }

    /// Sends `payload` (credentials included) as `operation`; returns the reply's JSON object.
    pub(crate) async fn send(
        &self,
        operation: Operation,
        payload: Map<String, Value>,
    ) -> Result<Value, Failure> {
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(operation = operation.name(), request = %redacted(&payload), "generic interface request body");
        }
        match &self.protocol {
            Protocol::Rest => self.send_rest(operation, payload).await,
            Protocol::Soap { namespace } => self.send_soap(operation, &payload, namespace).await,
        }
    }

    /// One SOAP request: the envelope POSTed to the web service URL.
    async fn send_soap(
        &self,
        operation: Operation,
        payload: &Map<String, Value>,
        namespace: &str,
    ) -> Result<Value, Failure> {
        let name = soap_operation(operation);
        let request_name = format!("SOAP {name}");
        let envelope = crate::soap::encode_request(namespace, name, payload)?;
        let started = Instant::now();
        let response = self
            .http
            .post(&self.base)
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .body(envelope)
            .send()
            .await
            .map_err(|e| self.send_failure(&request_name, e))?;
        let status = response.status().as_u16();
        let body = otai_http::read_limited(response, self.max_response_bytes)
            .await
            .map_err(|e| self.body_failure(&request_name, e))?;
        tracing::debug!(operation = name, request = %request_name, status, bytes = body.len(), elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "generic interface request");
        let text = String::from_utf8_lossy(&body);
        crate::soap::decode_response(&request_name, name, status, &text).map_err(|error| Failure {
            error,
            may_have_reached_server: true,
        })
    }

    /// One REST request over the operation's route.
    async fn send_rest(
        &self,
        operation: Operation,
        mut payload: Map<String, Value>,
    ) -> Result<Value, Failure> {
        let route = self.routes.get(operation);
        let path = fill_route(&route.route, &mut payload)?;
        let request_name = format!("{} {}", route.method.as_str(), route.route);
        let url = format!("{}{}", self.base, path);
        let builder = match route.method {
            Method::Get => self
                .http
                .get(&url)
                .query(&query_pairs(&request_name, &payload)?),
            other => {
                let builder = match other {
                    Method::Post => self.http.post(&url),
                    Method::Put => self.http.put(&url),
                    _ => self.http.patch(&url),
                };
                if payload.is_empty() {
                    builder // never `{}`: the server rejects an empty object
                } else {
                    let body = serde_json::to_vec(&payload)
                        .map_err(|e| Error::invalid_input("payload", e.to_string()))?;
                    builder
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/json; charset=utf-8",
                        )
                        .body(body)
                }
            }
        };

        let started = Instant::now();
        let response = builder
            .send()
            .await
            .map_err(|e| self.send_failure(&request_name, e))?;
        let status = response.status().as_u16();
        let retry_after = otai_http::retry_after(&response);
        let body = otai_http::read_limited(response, self.max_response_bytes)
            .await
            .map_err(|e| self.body_failure(&request_name, e))?;
        tracing::debug!(
            operation = operation.name(),
            request = %request_name,
            status,
            bytes = body.len(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "generic interface request"
        );
        let text = String::from_utf8_lossy(&body);
        if operation != Operation::SessionCreate {
            // SessionCreate replies carry the session ID: never logged, at any level.
            tracing::trace!(operation = operation.name(), body = %otai_core::error::shorten(&text, 2000), "reply");
        }
        decode(&request_name, status, &text).map_err(|mut error| {
            if let Error::Remote {
                retry_after: slot, ..
            } = &mut error
            {
                *slot = retry_after;
            }
            Failure {
                error,
                may_have_reached_server: true,
            }
        })
    }

    fn send_failure(&self, request: &str, e: reqwest::Error) -> Failure {
        let reached = !e.is_connect();
        let error = if e.is_timeout() {
            Error::Timeout {
                request: request.to_owned(),
                after: self.timeout,
            }
        } else {
            let what = if e.is_connect() {
                format!("cannot connect to {}", otai_http::server_label(&self.base))
            } else {
                format!("request to {} failed", otai_http::server_label(&self.base))
            };
            Error::Transport {
                request: request.to_owned(),
                message: what,
                transient: true,
                source: Some(Box::new(e.without_url())),
            }
        };
        Failure {
            error,
            may_have_reached_server: reached,
        }
    }

    fn body_failure(&self, request: &str, e: otai_http::BodyError) -> Failure {
        let error = e.into_error(request, self.timeout);
        Failure {
            error,
            may_have_reached_server: true,
        }
    }
}

/// Keys whose values never reach a log.
const SECRET_KEYS: [&str; 3] = ["Password", "SessionID", "TwoFactorToken"];

/// The payload as JSON with passwords, session IDs and tokens replaced by `***`.
pub(crate) fn redacted(payload: &Map<String, Value>) -> String {
    let mut shown = payload.clone();
    for key in SECRET_KEYS {
        if let Some(value) = shown.get_mut(key) {
            *value = Value::String("***".into());
        }
    }
    Value::Object(shown).to_string()
}

/// The SOAP operation name: TicketGetList is TicketGet with a list of IDs.
fn soap_operation(operation: Operation) -> &'static str {
    match operation {
        Operation::TicketGetList => Operation::TicketGet.name(),
        other => other.name(),
    }
}

/// Decodes a reply: a JSON object on 200; anything else becomes an error with the server's text.
fn decode(request: &str, status: u16, text: &str) -> Result<Value> {
    if status == 200 {
        match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => return Ok(value),
            Ok(_) | Err(_) if text.trim().is_empty() => {
                return Err(Error::Remote {
                    request: request.to_owned(),
                    status: Some(200),
                    code: None,
                    message: "empty reply".into(),
                    retry_after: None,
                });
            }
            Ok(_) | Err(_) => {
                return Err(Error::Transport {
                    request: request.to_owned(),
                    message: format!(
                        "reply is not a JSON object: {}",
                        otai_core::error::shorten(text, MAX_SERVER_TEXT)
                    ),
                    transient: false,
                    source: None,
                });
            }
        }
    }
    // A JSON business error can come with any status: check it first.
    if let Ok(reply) = serde_json::from_str::<Value>(text) {
        if reply.get("Error").is_some() {
            return Ok(reply);
        }
    }
    Err(map_http_error(request, status, text))
}

/// Scalars and lists of scalars as query pairs; nested maps cannot travel in a query string.
fn query_pairs(request: &str, payload: &Map<String, Value>) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::with_capacity(payload.len());
    for (key, value) in payload {
        match value {
            Value::Array(items) => {
                for item in items {
                    pairs.push((key.clone(), scalar(request, key, item)?));
                }
            }
            other => pairs.push((key.clone(), scalar(request, key, other)?)),
        }
    }
    Ok(pairs)
}

fn scalar(request: &str, key: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_owned()),
        Value::Null => Ok(String::new()),
        _ => Err(Error::invalid_input(
            key,
            format!(
                "`{request}` sends everything in the query string, which cannot carry nested values; configure a POST route for this operation"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn logged_payloads_hide_credentials() {
        let payload = json!({"UserLogin": "agent", "Password": "pw1", "SessionID": "s3ss", "Ticket": {"Title": "t"}});
        let shown = redacted(payload.as_object().cloned().as_ref().unwrap_or(&Map::new()));
        assert_eq!(
            shown,
            r#"{"Password":"***","SessionID":"***","Ticket":{"Title":"t"},"UserLogin":"agent"}"#
        );
    }

    #[test]
    fn query_pairs_repeat_lists_and_refuse_nesting() -> Result<()> {
        let payload = json!({"States": ["new", "open"], "Limit": 3, "Flag": true});
        let pairs = query_pairs(
            "GET /Ticket",
            payload
                .as_object()
                .ok_or_else(|| Error::invalid_input("x", "x"))?,
        )?;
        assert_eq!(
            pairs,
            vec![
                ("Flag".to_owned(), "1".to_owned()),
                ("Limit".to_owned(), "3".to_owned()),
                ("States".to_owned(), "new".to_owned()),
                ("States".to_owned(), "open".to_owned()),
            ]
        );
        let nested = json!({"DynamicField": [{"Name": "X", "Equals": "y"}]});
        let err = query_pairs(
            "GET /Ticket",
            nested
                .as_object()
                .ok_or_else(|| Error::invalid_input("x", "x"))?,
        )
        .err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "DynamicField"),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn decodes_business_errors_on_any_status_and_rejects_non_objects() {
        assert!(decode("GET /", 200, r#"{"TicketID":["1"]}"#).is_ok());
        assert!(decode("GET /", 500, r#"{"Error":{"ErrorCode":"X.Fail"}}"#).is_ok());
        let e = decode("GET /", 200, "<html>proxy error</html>")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("GET /: reply is not a JSON object: <html>proxy error</html>")
        );
        let e = decode("GET /", 200, "").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("GET /: remote error (HTTP 200): empty reply")
        );
        let e = decode("POST /Ticket", 413, "Request Entity Too Large")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("POST /Ticket: remote error (HTTP 413): Request Entity Too Large")
        );
    }
}
