//! Sending one operation over HTTP::REST or HTTP::SOAP and decoding the reply into JSON.

use otai_core::{Error, Result};
use otai_http::{Failure, HttpClient, HttpReply};
use serde_json::{Map, Value};

use crate::redact::{Secrets, redacted};
use crate::reply::{Answer, Expect};
use crate::routes::{Method, Operation, RouteTable, fill_route};

/// How requests travel: HTTP::REST routes, or HTTP::SOAP envelopes to the web service URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// JSON over the configured routes.
    Rest,
    /// SOAP envelopes in this TicketConnector namespace.
    Soap { namespace: String },
}

/// The transport: protocol, routes, and one HTTP client for the web service URL.
#[derive(Debug, Clone)]
pub(crate) struct HttpTransport {
    pub(crate) protocol: Protocol,
    pub(crate) http: HttpClient,
    pub(crate) routes: RouteTable,
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

    /// Sends `payload` (credentials included) as `operation` and decodes the reply as `expect`
    /// says. Every error's text has the request's secrets redacted.
    pub(crate) async fn send<E: Expect>(
        &self,
        operation: Operation,
        payload: Map<String, Value>,
        expect: &E,
    ) -> Result<Answer<E::Output>, Failure> {
        let secrets = Secrets::of(&payload);
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(operation = operation.name(), request = %redacted(&payload), "generic interface request body");
        }
        let answer = match &self.protocol {
            Protocol::Rest => self.send_rest(operation, payload, expect, &secrets).await,
            Protocol::Soap { namespace } => {
                self.send_soap(operation, &payload, namespace, expect).await
            }
        };
        match answer {
            Ok(Answer::Failed(mut error)) => {
                error.code = secrets.redact(&error.code);
                error.message = secrets.redact(&error.message);
                Ok(Answer::Failed(error))
            }
            Ok(done) => Ok(done),
            Err(Failure {
                error,
                may_have_reached_server,
                ..
            }) => {
                let error = secrets.redact_error(error);
                Err(if may_have_reached_server {
                    Failure::sent(error)
                } else {
                    Failure::unsent(error)
                })
            }
        }
    }

    /// One SOAP request: the envelope POSTed to the web service URL.
    async fn send_soap<E: Expect>(
        &self,
        operation: Operation,
        payload: &Map<String, Value>,
        namespace: &str,
        expect: &E,
    ) -> Result<Answer<E::Output>, Failure> {
        let name = soap_operation(operation);
        let request_name = format!("SOAP {name}");
        let envelope = crate::soap::encode_request(namespace, name, payload)?;
        let builder = self
            .http
            .request(reqwest::Method::POST, "")
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .body(envelope);
        let reply = self.http.send(&request_name, builder).await?;
        let text = String::from_utf8_lossy(&reply.body);
        crate::soap::decode_reply(&request_name, name, reply.status, &text, expect)
            .map_err(|error| reply_failure(error, &reply))
    }

    /// One REST request over the operation's route.
    async fn send_rest<E: Expect>(
        &self,
        operation: Operation,
        mut payload: Map<String, Value>,
        expect: &E,
        secrets: &Secrets,
    ) -> Result<Answer<E::Output>, Failure> {
        let route = self.routes.get(operation);
        let path = fill_route(&route.route, &mut payload)?;
        let request_name = format!("{} {}", route.method.as_str(), route.route);
        let builder = self.http.request(route.method.http(), &path);
        let builder = match route.method {
            Method::Get => builder.query(&query_pairs(&request_name, &payload)?),
            _ if payload.is_empty() => builder, // never `{}`: the server rejects an empty object
            _ => {
                let body = serde_json::to_vec(&payload)
                    .map_err(|e| Error::invalid_input("payload", e.to_string()))?;
                builder
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/json; charset=utf-8",
                    )
                    .body(body)
            }
        };
        let reply = self.http.send(&request_name, builder).await?;
        if operation != Operation::SessionCreate && tracing::enabled!(tracing::Level::TRACE) {
            // SessionCreate replies carry the session ID: never logged, at any level.
            // A proxy page may echo the request's secrets: redacted like error texts.
            let text = String::from_utf8_lossy(&reply.body[..reply.body.len().min(8192)]);
            let shown = secrets.redact(&crate::errors::server_text(&text, 2000));
            tracing::trace!(operation = operation.name(), body = %shown, "reply");
        }
        crate::reply::decode_json(&request_name, reply.status, &reply.body, expect)
            .map_err(|error| reply_failure(error, &reply))
    }
}

/// An error read from a reply: the request reached the server, and the server's `Retry-After`
/// goes with it.
fn reply_failure(mut error: Error, reply: &HttpReply) -> Failure {
    if let Error::Remote { retry_after, .. } = &mut error {
        *retry_after = reply.retry_after;
    }
    Failure::sent(error)
}

/// The SOAP operation name: TicketGetList is TicketGet with a list of IDs.
pub(crate) fn soap_operation(operation: Operation) -> &'static str {
    match operation {
        Operation::TicketGetList => Operation::TicketGet.name(),
        other => other.name(),
    }
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
}
