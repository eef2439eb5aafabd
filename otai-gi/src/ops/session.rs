//! `Session::SessionCreate` and `Session::SessionGet`.

use serde_json::{Map, Value, json};

use super::Caller;
use super::auth::by_password;
use crate::config::OperationType;
use crate::error::OpError;
use crate::provider::{Provider, Webservice};

/// SessionCreate: a new session for a good login and password: `{"SessionID": "…"}`.
pub(super) async fn create(
    provider: &Provider,
    webservice: &Webservice,
    input: &Map<String, Value>,
    caller: Caller,
) -> Result<Value, OpError> {
    let identity = by_password(webservice, input, OperationType::SessionCreate)?
        .ok_or_else(|| OpError::missing("UserLogin or CustomerUserLogin parameter is missing!"))?;
    let id = provider
        .sessions
        .create(
            &webservice.config.name,
            &identity,
            caller.remote,
            caller.now,
        )
        .await
        .map_err(|e| {
            tracing::error!("{e}");
            OpError::new("AuthFail", "Authorization failing!")
        })?;
    Ok(json!({"SessionID": id}))
}

/// SessionGet: what a session holds, as OTOBO lists it (`SessionData` key/value pairs).
pub(super) async fn get(
    provider: &Provider,
    webservice: &Webservice,
    input: &Map<String, Value>,
    caller: Caller,
) -> Result<Value, OpError> {
    let Some(session) = otai_otobo_znuny::input::text(input, "SessionID") else {
        return Err(OpError::missing("SessionID parameter is missing!"));
    };
    let config = &webservice.config.sessions;
    let checked = provider
        .sessions
        .check(
            &webservice.config.name,
            &session,
            caller.remote,
            config,
            caller.now,
        )
        .await;
    let Ok(Ok(identity)) = checked else {
        return Err(OpError::new("SessionInvalid", "SessionID is Invalid!"));
    };
    let login_key = match identity {
        crate::accounts::Identity::Agent(_) => "UserLogin",
        crate::accounts::Identity::Customer(_) => "CustomerUserLogin",
    };
    Ok(json!({"SessionData": [
        {"Key": login_key, "Value": identity.login()},
        {"Key": "UserType", "Value": identity.kind()},
        {"Key": "SessionSource", "Value": "GenericInterface"},
    ]}))
}
