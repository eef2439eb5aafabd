//! The operations: authentication, then the GenericTicketConnector input mapped to unified
//! requests on the helpdesk behind, and the results in OTOBO 11's answer shapes.

mod auth;
mod read;
mod search;
mod session;
mod write;

use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::config::{OperationConfig, OperationType};
use crate::error::OpError;
use crate::provider::{Provider, Webservice};

pub use auth::authenticate;

/// Who calls, from where, and when.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// The client's address.
    pub remote: Option<IpAddr>,
    /// Now, in Unix seconds.
    pub now: i64,
}

/// What an operation answered: the body, and the `ErrorCode` of a business error.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The answer data (after the outbound mapping).
    pub body: Value,
    /// `TicketGet.AuthFail`, …; `None` on success.
    pub error: Option<String>,
    /// The request data after the inbound mapping, when the operation has one.
    pub mapped_request: Option<Value>,
    /// What the mappings dropped or could not map (for the debugger, at `notice`).
    pub notices: Vec<String>,
}

/// The short name of an operation type, as its error codes start (`TicketGet`).
pub fn short_name(kind: OperationType) -> &'static str {
    let name = kind.as_str();
    name.rsplit("::").next().unwrap_or(name)
}

/// Runs operation `name` (`operation`) of `webservice` on `input`: the inbound mapping, the
/// operation, the outbound mapping.
pub async fn run(
    provider: &Provider,
    webservice: &Webservice,
    name: &str,
    operation: &OperationConfig,
    input: Map<String, Value>,
    caller: Caller,
) -> Answer {
    let mappings = webservice.mappings.get(name);
    let op = short_name(operation.kind);
    let inbound = mappings.and_then(|m| m.inbound.as_ref());
    let (result, mapped_request, mut notices) = match crate::mapping::apply_inbound(inbound, input)
    {
        Ok((input, notices)) => {
            let mapped = inbound.map(|_| Value::Object(input.clone()));
            let result = dispatch(provider, webservice, operation, &input, caller).await;
            (result, mapped, notices)
        }
        Err(e) => (Err(e), None, Vec::new()),
    };
    let (body, error) = match result {
        Ok(body) => (body, None),
        Err(e) => {
            let body = e.to_value(op);
            (body, Some(format!("{op}.{}", e.kind)))
        }
    };
    let outbound = mappings.and_then(|m| m.outbound.as_ref());
    let (body, outbound_notices) = crate::mapping::apply_outbound(outbound, body);
    notices.extend(outbound_notices);
    Answer {
        body,
        error,
        mapped_request,
        notices,
    }
}

async fn dispatch(
    provider: &Provider,
    webservice: &Webservice,
    operation: &OperationConfig,
    input: &Map<String, Value>,
    caller: Caller,
) -> Result<Value, OpError> {
    let kind = operation.kind;
    match kind {
        OperationType::SessionCreate => session::create(provider, webservice, input, caller).await,
        OperationType::SessionGet => session::get(provider, webservice, input, caller).await,
        _ => {
            if input.is_empty() {
                return Err(OpError::new("EmptyRequest", "The request data is invalid!"));
            }
            let identity = authenticate(provider, webservice, kind, input, caller).await?;
            let service = webservice.service.as_ref();
            let written = match kind {
                OperationType::TicketCreate => write::create(service, &identity, input).await?,
                OperationType::TicketUpdate => write::update(service, &identity, input).await?,
                OperationType::TicketGet => {
                    return read::get(service, &identity, input, caller).await;
                }
                OperationType::TicketHistoryGet => {
                    return read::history(service, &identity, input).await;
                }
                OperationType::TicketSearch => {
                    return search::search(service, &identity, input).await;
                }
                OperationType::SessionCreate | OperationType::SessionGet => {
                    return Err(OpError::new("Fail", "not a ticket operation"));
                }
            };
            // Only TicketCreate and TicketUpdate get here (the configuration check refuses
            // `include_ticket_data` elsewhere).
            if operation.include_ticket_data {
                write::include_ticket(service, &identity, written, caller).await
            } else {
                Ok(written)
            }
        }
    }
}
