//! `webservices:` from a loaded configuration: checked against its services, then built into
//! a [`Provider`] over the configured helpdesks.

use std::collections::BTreeMap;
use std::sync::Arc;

use otai_pipeline::{ConfigErrors, Engine};
use otai_state::StateStore;

use crate::config::{self, SECTION, WebserviceConfig};
use crate::hook::CommunicationHook;
use crate::provider::Provider;
use crate::sessions::Sessions;

/// Reads and checks `webservices:` of `engine` (every problem at once, each at its line); a
/// non-empty section needs `server:` to be served. `None` when there is no such section.
pub fn read(engine: &Engine) -> Result<Option<Vec<WebserviceConfig>>, ConfigErrors> {
    let sections = engine.sections();
    let known: Vec<String> = engine
        .service_ids()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let read = config::read(sections, Some(&known))?;
    if read.as_ref().is_some_and(|w| !w.is_empty()) && !sections.has("server") {
        return Err(ConfigErrors(vec![sections.error(
            SECTION,
            "",
            "`webservices:` needs a `server:` section to be served",
        )]));
    }
    Ok(read)
}

/// The provider of `webservices` over the services of `engine`, its sessions in `store`.
pub fn provider(
    engine: &Engine,
    webservices: Vec<WebserviceConfig>,
    store: Arc<dyn StateStore>,
    hook: Arc<dyn CommunicationHook>,
) -> Result<Provider, String> {
    let services: BTreeMap<String, _> = engine
        .services()
        .into_iter()
        .map(|(id, service)| (id.to_owned(), service))
        .collect();
    Provider::new(webservices, &services, Sessions::new(store), hook)
}

/// The routes of `webservices` (none when the list is empty), for `otai serve` to mount.
pub fn routes(
    engine: &Engine,
    webservices: Vec<WebserviceConfig>,
    store: Arc<dyn StateStore>,
    hook: Arc<dyn CommunicationHook>,
) -> Result<axum::Router, String> {
    if webservices.is_empty() {
        return Ok(axum::Router::new());
    }
    let provider = provider(engine, webservices, store, hook)?;
    Ok(crate::http::router(Arc::new(provider)))
}
