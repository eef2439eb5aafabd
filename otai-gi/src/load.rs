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
    let longest = webservices.iter().map(|w| w.sessions.max_minutes).max();
    let provider = Arc::new(provider(engine, webservices, store, hook)?);
    if let (Some(minutes), Ok(runtime)) = (longest, tokio::runtime::Handle::try_current()) {
        runtime.spawn(forget_expired_sessions(Arc::clone(&provider), minutes));
    }
    Ok(crate::http::router(provider))
}

/// How often sessions past every web service's maximum lifetime are deleted.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes, now and every [`SWEEP_EVERY`], the sessions created more than `max_minutes` ago
/// (the longest maximum lifetime of the web services): an expired session is refused when it
/// is presented, and one never presented again would otherwise stay in the store.
async fn forget_expired_sessions(provider: Arc<Provider>, max_minutes: u32) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        let before = chrono::Utc::now().timestamp() - i64::from(max_minutes) * 60;
        match provider.sessions.sweep(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("forgot {n} expired Generic Interface sessions"),
            Err(e) => tracing::warn!("cannot forget expired Generic Interface sessions: {e}"),
        }
    }
}
