//! The HTTP side: `/<prefix>/nph-genericinterface.pl/Webservice/<name>/…` and
//! `…/WebserviceID/<id>/…` for every prefix, each request to its web service's transport.
//! Status codes and bodies as OTOBO's: unknown or invalid web service 500 with an empty body,
//! unknown route and unreadable body 500 `text/plain`, body over `max_length` 413; SOAP faults
//! 500 with the fault envelope as `text/plain` (sic, as OTOBO 11).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Map, Value};

use crate::config::{Prefix, TransportKind};
use crate::hook::{Communication, redact, redact_value};
use crate::ops::{self, Caller};
use crate::provider::{Provider, Webservice};

/// The script every path goes through.
pub const SCRIPT: &str = "nph-genericinterface.pl";
/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The provider's routes, for every prefix (`otobo`, `otrs`, `znuny`); a web service answers
/// under its own prefix only. Serve with connect info (`into_make_service_with_connect_info`)
/// for sessions bound to the client address.
pub fn router(provider: Arc<Provider>) -> Router {
    let mut router = Router::new();
    for prefix in [Prefix::Otobo, Prefix::Otrs, Prefix::Znuny] {
        for kind in ["Webservice", "WebserviceID"] {
            let base = format!("/{}/{SCRIPT}/{kind}/{{ws}}", prefix.as_str());
            router = router
                .route(&base, any(handle))
                .route(&format!("{base}/{{*route}}"), any(handle));
        }
    }
    router.with_state(provider)
}

fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
        text.into(),
    )
        .into_response()
}

fn unknown_webservice() -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The web service a path names, and the route after it.
fn locate<'p>(provider: &'p Provider, path: &'p str) -> Option<(&'p Arc<Webservice>, &'p str)> {
    let rest = path.strip_prefix('/')?;
    let (prefix, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix(SCRIPT)?.strip_prefix('/')?;
    let (kind, rest) = rest.split_once('/')?;
    let (name, route) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    let webservice = match kind {
        "Webservice" => {
            let name = percent_encoding::percent_decode_str(name)
                .decode_utf8()
                .ok()?;
            provider.by_name(&name)?
        }
        "WebserviceID" => provider.by_id(name.parse().ok()?)?,
        _ => return None,
    };
    (webservice.config.prefix.as_str() == prefix).then_some((webservice, route))
}

async fn handle(State(provider): State<Arc<Provider>>, request: Request) -> Response {
    let started = Instant::now();
    let remote = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let Some((webservice, route)) = locate(&provider, &path) else {
        return unknown_webservice();
    };
    let webservice = Arc::clone(webservice);
    let route = route.to_owned();
    let body = match read_body(body, webservice.config.transport.max_length).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let exchange = Exchange {
        provider: &provider,
        webservice: &webservice,
        caller: Caller {
            remote: remote.map(|r| r.ip()),
            now: chrono::Utc::now().timestamp(),
        },
    };
    let (response, record) = match webservice.config.transport.kind {
        TransportKind::Rest => {
            let query = parts.uri.query().unwrap_or_default();
            exchange.rest(&parts.method, &route, query, &body).await
        }
        TransportKind::Soap => exchange.soap(&parts.method, &parts.headers, &body).await,
    };
    provider.hook.record(Communication {
        webservice: webservice.config.name.clone(),
        operation: record.operation,
        remote_addr: remote,
        request: record.request,
        mapped_request: record.mapped_request,
        response: redact_value(&record.response),
        error: record.error,
        notices: record.notices,
        duration: started.elapsed(),
    });
    response
}

/// The body, at most `limit` bytes (413 beyond, as OTOBO).
async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, Response> {
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes.to_vec()),
        Ok(Err(_)) => Err(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request Entity Too Large",
        )),
        Err(_) => Err(plain(StatusCode::REQUEST_TIMEOUT, "Request Timeout")),
    }
}

/// What the debugger gets of one exchange.
#[derive(Default)]
struct Record {
    operation: Option<String>,
    request: Value,
    mapped_request: Option<Value>,
    response: Value,
    error: Option<String>,
    notices: Vec<String>,
}

impl Record {
    fn failed(error: impl Into<String>) -> Self {
        Self {
            error: Some(error.into()),
            ..Self::default()
        }
    }
}

struct Exchange<'a> {
    provider: &'a Provider,
    webservice: &'a Webservice,
    caller: Caller,
}

impl Exchange<'_> {
    /// Runs operation `name` on `input`; `None` when the web service does not offer it.
    async fn operation(
        &self,
        name: &str,
        input: Map<String, Value>,
    ) -> Option<(ops::Answer, Record)> {
        let operation = self.webservice.config.operations.get(name)?;
        let request = redact(&input);
        let answer = ops::run(
            self.provider,
            self.webservice,
            name,
            operation,
            input,
            self.caller,
        )
        .await;
        let record = Record {
            operation: Some(name.to_owned()),
            request,
            mapped_request: answer.mapped_request.as_ref().map(redact_value),
            response: answer.body.clone(),
            error: answer.error.clone(),
            notices: answer.notices.clone(),
        };
        Some((answer, record))
    }

    async fn rest(
        &self,
        method: &Method,
        route: &str,
        query: &str,
        body: &[u8],
    ) -> (Response, Record) {
        let Some((name, params)) = self.webservice.routes.find(method.as_str(), route) else {
            let message =
                format!("HTTP::REST Error while determine Operation for request URI '{route}'.");
            return (
                plain(StatusCode::INTERNAL_SERVER_ERROR, message.clone()),
                Record::failed(message),
            );
        };
        let name = name.to_owned();
        let reads_body = matches!(*method, Method::POST | Method::PUT | Method::PATCH);
        let mut input = if reads_body {
            match otai_otobo_znuny::input::parse_body(body) {
                Ok(map) => map,
                Err(e) => {
                    let message = e.message();
                    return (
                        plain(StatusCode::INTERNAL_SERVER_ERROR, message),
                        Record::failed(message),
                    );
                }
            }
        } else {
            Map::new()
        };
        input.extend(otai_otobo_znuny::input::parse_query(query));
        input.extend(params);
        if !reads_body {
            input.insert("RequestMethod".into(), method.as_str().into());
        }
        match self.operation(&name, input).await {
            Some((answer, record)) => {
                let response = (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
                    answer.body.to_string(),
                )
                    .into_response();
                (response, record)
            }
            None => {
                let message = format!(
                    "HTTP::REST Error while determine Operation for request URI '{route}'."
                );
                (
                    plain(StatusCode::INTERNAL_SERVER_ERROR, message.clone()),
                    Record::failed(message),
                )
            }
        }
    }

    async fn soap(&self, method: &Method, headers: &HeaderMap, body: &[u8]) -> (Response, Record) {
        let namespace = self.webservice.config.transport.namespace();
        // A fault is a SOAP envelope sent as `text/plain`, as OTOBO 11 sends it.
        let fault = |message: &str| {
            let xml = otai_otobo_znuny::soap::encode_fault(namespace, "Server", message);
            let response = (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
                xml,
            )
                .into_response();
            (response, Record::failed(message))
        };
        if *method != Method::POST {
            return fault("Request method is not POST!");
        }
        let Ok(text) = std::str::from_utf8(body) else {
            return fault("Error deserializing message: not UTF-8");
        };
        let (name, input) = match otai_otobo_znuny::soap::decode_request(text) {
            Ok(parsed) => parsed,
            Err(e) => {
                let message = format!("Error deserializing message:\n{e}");
                return (
                    plain(StatusCode::INTERNAL_SERVER_ERROR, message.clone()),
                    Record::failed(message),
                );
            }
        };
        if let Some(action) = headers.get("SOAPAction").and_then(|v| v.to_str().ok()) {
            let action = action.trim_matches('"');
            let expected = [format!("{namespace}#{name}"), format!("{namespace}/{name}")];
            if !action.is_empty() && !expected.iter().any(|e| e == action) {
                return fault(&format!(
                    "SOAPAction '{action}' does not match expected result '{}'",
                    expected[0]
                ));
            }
        }
        let Some((answer, record)) = self.operation(&name, input).await else {
            return fault("Got no OperationType!");
        };
        match otai_otobo_znuny::soap::encode_response(namespace, &name, &answer.body) {
            Ok(xml) => {
                let response = (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "text/xml; charset=UTF-8")],
                    xml,
                )
                    .into_response();
                (response, record)
            }
            Err(e) => fault(&e.to_string()),
        }
    }
}
