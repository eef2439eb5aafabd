//! Who a request is: `SessionID` (used exclusively when present), `UserLogin` + `Password`, or
//! `CustomerUserLogin` + `Password`, with OTOBO's error codes and words.

use otai_otobo_znuny::input::text;
use serde_json::{Map, Value};

use super::Caller;
use crate::accounts::Identity;
use crate::config::OperationType;
use crate::error::OpError;
use crate::provider::{Provider, Webservice};
use crate::sessions::Refused;

/// The AuthFail text of `kind`: TicketCreate and TicketUpdate word it differently.
fn auth_fail(kind: OperationType) -> OpError {
    match kind {
        OperationType::TicketCreate | OperationType::TicketUpdate => {
            OpError::new("AuthFail", "User could not be authenticated!")
        }
        _ => OpError::new("AuthFail", "Authorization failing!"),
    }
}

/// Checks `UserLogin`/`CustomerUserLogin` and `Password` against the web service's accounts;
/// `None` when no login is given.
pub(super) fn by_password(
    webservice: &Webservice,
    input: &Map<String, Value>,
    kind: OperationType,
) -> Result<Option<Identity>, OpError> {
    let user = text(input, "UserLogin");
    let customer = text(input, "CustomerUserLogin");
    if user.is_none() && customer.is_none() {
        return Ok(None);
    }
    let Some(password) = text(input, "Password") else {
        return Err(OpError::missing(match kind {
            OperationType::SessionCreate => "Password parameter is missing!",
            _ => "Password or SessionID is required!",
        }));
    };
    let identity = match (user, customer) {
        (Some(login), _) => webservice
            .accounts
            .agent(&login, &password)
            .then_some(Identity::Agent(login)),
        (None, Some(login)) => webservice
            .accounts
            .customer(&login, &password)
            .then_some(Identity::Customer(login)),
        (None, None) => None,
    };
    match identity {
        Some(identity) => Ok(Some(identity)),
        None => {
            tracing::info!(webservice = %webservice.config.name, "authentication failed");
            Err(auth_fail(kind))
        }
    }
}

/// The identity of a ticket operation's request.
pub async fn authenticate(
    provider: &Provider,
    webservice: &Webservice,
    kind: OperationType,
    input: &Map<String, Value>,
    caller: Caller,
) -> Result<Identity, OpError> {
    if let Some(session) = text(input, "SessionID") {
        return match provider
            .sessions
            .check(
                &webservice.config.name,
                &session,
                caller.remote,
                &webservice.config.sessions,
                caller.now,
            )
            .await
        {
            Ok(Ok(identity)) => Ok(identity),
            Ok(Err(refused)) => {
                let why = match refused {
                    Refused::Unknown => "unknown",
                    Refused::Idle => "idle too long",
                    Refused::Expired => "past its maximum lifetime",
                    Refused::Address => "used from another address",
                };
                tracing::info!(webservice = %webservice.config.name, "session refused: {why}");
                Err(auth_fail(kind))
            }
            Err(e) => {
                tracing::error!("{e}");
                Err(auth_fail(kind))
            }
        };
    }
    by_password(webservice, input, kind)?
        .ok_or_else(|| OpError::missing("UserLogin, CustomerUserLogin or SessionID is required!"))
}
