//! What commands read from the user: the configuration and `KEY=VALUE` flags.

use std::sync::Arc;

use otai_core::TicketSystemService;
use otai_pipeline::{
    Engine, LoadOptions, Registry, Secrets, TICKET_FIELDS, TemplateValue, load_file,
    template_value, ticket_value,
};
use serde_json::{Map, Value};

use crate::args::ConfigArgs;
use crate::failure::Failure;
use crate::output::Output;

/// Loads the configuration; its secrets hide their values through `output`'s redactor.
pub(crate) fn load(
    config: &ConfigArgs,
    registry: &Registry,
    validate_only: bool,
    output: &Output,
) -> Result<Engine, Failure> {
    let secrets = secrets(config, output)?;
    let mut options = LoadOptions::new(secrets);
    options.validate_only = validate_only;
    Ok(load_file(&config.config, registry, &options)?)
}

/// Checks the configuration without building anything; with `secrets_missing_ok`, a secret
/// that is not set is no error (everything else is checked).
pub(crate) fn load_checked(
    config: &ConfigArgs,
    registry: &Registry,
    secrets_missing_ok: bool,
    output: &Output,
) -> Result<Engine, Failure> {
    let mut secrets = secrets(config, output)?;
    if secrets_missing_ok {
        secrets = secrets.missing_ok();
    }
    let mut options = LoadOptions::new(secrets);
    options.validate_only = true;
    Ok(load_file(&config.config, registry, &options)?)
}

/// The secrets the flags name, hiding their values through `output`'s redactor.
fn secrets(config: &ConfigArgs, output: &Output) -> Result<Secrets, Failure> {
    let secrets = match &config.secrets {
        Some(path) => Secrets::from_file(path)?,
        None => Secrets::from_env(),
    };
    Ok(secrets.redacting_with(output.redactor().clone()))
}

/// `KEY=VALUE` pairs of `flag` as a JSON map; VALUE is JSON when it parses, else text.
pub(crate) fn pairs(flag: &str, pairs: &[String]) -> Result<Value, Failure> {
    let mut map = Map::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Failure::bad_input(format!("{flag} `{pair}`: expected KEY=VALUE")))?;
        if key.trim().is_empty() {
            return Err(Failure::bad_input(format!(
                "{flag} `{pair}`: the key is empty"
            )));
        }
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        map.insert(key.trim().to_owned(), value);
    }
    Ok(Value::Object(map))
}

/// `--item JSON` as a `foreach` item: a ticket when every key is a ticket field (so templates
/// read it as they read a fetched ticket), else the value as it is.
pub(crate) fn item(json: &str) -> Result<TemplateValue, Failure> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| Failure::bad_input(format!("--item: not JSON: {e}")))?;
    let is_ticket = value
        .as_object()
        .is_some_and(|map| map.keys().all(|k| TICKET_FIELDS.contains(&k.as_str())));
    if is_ticket {
        if let Ok(ticket) = serde_json::from_value(value.clone()) {
            return Ok(ticket_value(ticket));
        }
    }
    Ok(template_value(&value))
}

/// The service named `id`, or the only one when no name is given.
pub(crate) fn service(
    engine: &Engine,
    id: Option<&str>,
) -> Result<Arc<dyn TicketSystemService>, Failure> {
    let services = engine.services();
    let service = match id {
        Some(id) => services.get(id).cloned(),
        None if services.len() == 1 => services.values().next().cloned(),
        None => None,
    };
    service.ok_or_else(|| {
        let known: Vec<&str> = services.keys().copied().collect();
        Failure::bad_input(match id {
            Some(id) => format!("no service `{id}` (known: {})", known.join(", ")),
            None => format!("name the service with -s (known: {})", known.join(", ")),
        })
    })
}
