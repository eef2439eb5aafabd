//! Sending one operation over HTTP::REST or HTTP::SOAP and decoding the reply into JSON.

use otai_core::output::Redactor;
use otai_core::{Error, Result};
use otai_http::{Failure, HttpClient, HttpReply};
use serde_json::{Map, Value};

use crate::payload::{JoinedMap, Part, Payload};
use crate::reply::{Answer, Expect};
use crate::routes::{Method, Operation, RouteTable, fill_route_from, is_route_name};
use crate::secrets::hide_secrets;

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
    /// [`HttpTransport::describe`] of every operation, worked out once.
    names: Vec<(Operation, String)>,
}

impl HttpTransport {
    /// The transport over `http`.
    pub(crate) fn new(protocol: Protocol, http: HttpClient, routes: RouteTable) -> Self {
        let mut transport = Self {
            protocol,
            http,
            routes,
            names: Vec::new(),
        };
        transport.names = Operation::ALL
            .iter()
            .map(|&op| (op, transport.describe(op)))
            .collect();
        transport
    }

    /// [`HttpTransport::describe`], without building it again.
    pub(crate) fn name(&self, operation: Operation) -> &str {
        self.names
            .iter()
            .find(|(op, _)| *op == operation)
            .map_or("", |(_, name)| name.as_str())
    }

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

    /// Sends `payload` plus the credential keys `auth` as `operation` and decodes the reply as
    /// `expect` says. Neither map is copied: the request is built from both. Every error's text
    /// is redacted by `redactor`, with the request's secrets hidden first (only when there is
    /// such a text).
    pub(crate) async fn send<E: Expect>(
        &self,
        operation: Operation,
        request: &str,
        payload: &Payload<'_>,
        auth: &Map<String, Value>,
        expect: &E,
        redactor: &Redactor,
    ) -> Result<Answer<E::Output>, Failure> {
        let secrets = || {
            hide_secrets(redactor, &[auth, &payload.fields]);
            redactor
        };
        if tracing::enabled!(tracing::Level::TRACE) {
            let full = Value::Object(payload.with_auth(auth));
            let shown = secrets().redact(&full.to_string());
            tracing::trace!(operation = operation.name(), request = %shown, "generic interface request body");
        }
        let answer = match &self.protocol {
            Protocol::Rest => {
                self.send_rest(operation, request, payload, auth, expect, &secrets)
                    .await
            }
            Protocol::Soap { namespace } => {
                let full = payload.with_auth(auth);
                self.send_soap(operation, &full, namespace, expect).await
            }
        };
        match answer {
            Ok(Answer::Failed(mut error)) => {
                let secrets = secrets();
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
                let error = secrets().redact_error(error);
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

    /// One REST request over the operation's route: the route's `:Name`s from `payload`, the
    /// rest of `payload` and `auth` in the query string (GET) or the JSON body.
    async fn send_rest<'r, E: Expect>(
        &self,
        operation: Operation,
        request_name: &str,
        payload: &Payload<'_>,
        auth: &Map<String, Value>,
        expect: &E,
        secrets: &(dyn Fn() -> &'r Redactor + Sync),
    ) -> Result<Answer<E::Output>, Failure> {
        let route = self.routes.get(operation);
        let path = fill_route_from(&route.route, |name| payload.path_value(name))?;
        let article = payload.article.as_ref();
        let rest = || payload.sent(auth, |key| is_route_name(&route.route, key));
        let builder = self.http.request(route.method.http(), &path);
        let builder = match route.method {
            Method::Get if article.is_some() => {
                return Err(Failure::unsent(nested_in_query("Article", request_name)));
            }
            Method::Get => builder.query(&query_pairs(request_name, rest())?),
            // never `{}`: the server rejects an empty object
            _ if rest().next().is_none() => builder,
            _ => {
                // Room for a typical request up front: one buffer instead of one per doubling.
                let mut body = Vec::with_capacity(BODY_CAPACITY);
                serde_json::to_writer(&mut body, &JoinedMap(rest))
                    .map_err(|e| Error::invalid_input("payload", e.to_string()))?;
                builder
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        reqwest::header::HeaderValue::from_static(
                            "application/json; charset=utf-8",
                        ),
                    )
                    .body(body)
            }
        };
        let reply = self.http.send(request_name, builder).await?;
        if operation != Operation::SessionCreate && tracing::enabled!(tracing::Level::TRACE) {
            // SessionCreate replies carry the session ID: never logged, at any level.
            // A proxy page may echo the request's secrets: redacted like error texts.
            let text = String::from_utf8_lossy(&reply.body[..reply.body.len().min(8192)]);
            let shown = secrets().redact(&crate::errors::server_text(&text, 2000));
            tracing::trace!(operation = operation.name(), body = %shown, "reply");
        }
        crate::reply::decode_json(request_name, reply.status, &reply.body, expect)
            .map_err(|error| reply_failure(error, &reply))
    }
}

/// The bytes a JSON request body starts with room for (a TicketUpdate with a note and its
/// credentials is about 400).
const BODY_CAPACITY: usize = 1024;

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
fn query_pairs<'a>(
    request: &str,
    entries: impl Iterator<Item = (&'a str, Part<'a>)>,
) -> Result<Vec<(&'a str, String)>> {
    let mut pairs = Vec::with_capacity(entries.size_hint().0);
    for (key, value) in entries {
        match value {
            Part::Value(Value::Array(items)) => {
                for item in items {
                    pairs.push((key, scalar(request, key, item)?));
                }
            }
            Part::Value(other) => pairs.push((key, scalar(request, key, other)?)),
            Part::Text(text) => pairs.push((key, text.to_owned())),
            Part::Flag(flag) => pairs.push((key, u8::from(flag).to_string())),
            Part::Ticket(_) | Part::Article(_) => return Err(nested_in_query(key, request)),
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
        _ => Err(nested_in_query(key, request)),
    }
}

/// A nested value for `key` in a request that sends everything in the query string.
fn nested_in_query(key: &str, request: &str) -> Error {
    Error::invalid_input(
        key,
        format!(
            "`{request}` sends everything in the query string, which cannot carry nested values; configure a POST route for this operation"
        ),
    )
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
                .ok_or_else(|| Error::invalid_input("x", "x"))?
                .iter()
                .map(|(key, value)| (key.as_str(), Part::Value(value))),
        )?;
        assert_eq!(
            pairs,
            vec![
                ("Flag", "1".to_owned()),
                ("Limit", "3".to_owned()),
                ("States", "new".to_owned()),
                ("States", "open".to_owned()),
            ]
        );
        let nested = json!({"DynamicField": [{"Name": "X", "Equals": "y"}]});
        let err = query_pairs(
            "GET /Ticket",
            nested
                .as_object()
                .ok_or_else(|| Error::invalid_input("x", "x"))?
                .iter()
                .map(|(key, value)| (key.as_str(), Part::Value(value))),
        )
        .err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "DynamicField"),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn typed_parts_travel_in_a_query_string_as_their_json_would() -> Result<()> {
        let typed = [("TicketID", Part::Text("7")), ("Flag", Part::Flag(true))];
        assert_eq!(
            query_pairs("GET /Ticket", typed.into_iter())?,
            vec![("TicketID", "7".to_owned()), ("Flag", "1".to_owned())]
        );
        let ticket = crate::payload::TicketBody::default();
        let err = query_pairs(
            "GET /Ticket",
            [("Ticket", Part::Ticket(&ticket))].into_iter(),
        )
        .err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "Ticket"),
            "{err:?}"
        );
        Ok(())
    }
}
