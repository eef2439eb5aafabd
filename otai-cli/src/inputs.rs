//! What commands read from the user: the configuration and `KEY=VALUE` flags.

use std::sync::Arc;

use otai_core::TicketSystemService;
use otai_pipeline::{Engine, LoadOptions, Registry, Secrets, load_file};
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
    let secrets = match &config.secrets {
        Some(path) => Secrets::from_file(path)?,
        None => Secrets::from_env(),
    };
    let secrets = secrets.redacting_with(output.redactor().clone());
    let mut options = LoadOptions::new(secrets);
    options.validate_only = validate_only;
    Ok(load_file(&config.config, registry, &options)?)
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
