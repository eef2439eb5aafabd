//! The debugger: each communication of a web service kept in the state store when its level is
//! at or above the web service's `debugger.threshold`, redacted and capped there, and forgotten
//! after its `debugger.retention_days`. Read with `otai debugger list|show`.
//!
//! Levels: a communication with an error is `error`; one whose mapping dropped or could not map
//! something is `notice`; any other is `info`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use otai_core::output::Redactor;
use otai_state::{DebugLevel, StateStore};

use crate::config::{DebuggerConfig, Threshold, WebserviceConfig};
use crate::hook::{Communication, CommunicationHook};

/// Communications recorded between two sweeps of old ones.
const PRUNE_EVERY: u64 = 1_000;

/// A [`CommunicationHook`] that keeps communications in the state store.
pub struct StateDebugger {
    store: Arc<dyn StateStore>,
    settings: BTreeMap<String, DebuggerConfig>,
    redactor: Redactor,
    recorded: AtomicU64,
}

impl std::fmt::Debug for StateDebugger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateDebugger")
            .field("webservices", &self.settings.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl StateDebugger {
    /// The debugger of `webservices` over `store`; `redactor` hides the program's secrets
    /// besides the credentials the provider already took out.
    pub fn new(
        store: Arc<dyn StateStore>,
        webservices: &[WebserviceConfig],
        redactor: Redactor,
    ) -> Self {
        let settings = webservices
            .iter()
            .map(|ws| (ws.name.clone(), ws.debugger))
            .collect();
        Self {
            store,
            settings,
            redactor,
            recorded: AtomicU64::new(0),
        }
    }

    /// Forgets each web service's communications older than its retention; returns how many.
    pub fn prune(&self) -> usize {
        let now = chrono::Utc::now();
        let mut forgotten = 0;
        for (name, settings) in &self.settings {
            let before = now - chrono::Duration::days(i64::from(settings.retention_days));
            let before = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            match self.store.debugger().prune(Some(name), &before) {
                Ok(n) => forgotten += n,
                Err(e) => {
                    tracing::warn!(webservice = %name, "debugger: cannot forget old communications: {e}")
                }
            }
        }
        forgotten
    }

    fn keep(&self, communication: Communication) {
        let Some(settings) = self.settings.get(&communication.webservice) else {
            return;
        };
        let threshold = level(settings.threshold);
        let level = if communication.error.is_some() {
            DebugLevel::Error
        } else if communication.notices.is_empty() {
            DebugLevel::Info
        } else {
            DebugLevel::Notice
        };
        for notice in &communication.notices {
            tracing::info!(webservice = %communication.webservice, "mapping: {notice}");
        }
        if level < threshold {
            return;
        }
        let stored = otai_state::Communication {
            webservice: communication.webservice,
            operation: communication.operation,
            remote_addr: communication.remote_addr.map(|a| a.to_string()),
            request: communication.request.to_string(),
            mapped_request: communication.mapped_request.map(|v| v.to_string()),
            response: Some(communication.response.to_string()),
            error: communication.error,
            duration: communication.duration,
            level,
        };
        if let Err(e) = self
            .store
            .debugger()
            .record(&stored, threshold, &self.redactor)
        {
            tracing::warn!(webservice = %stored.webservice, "debugger: cannot keep a communication: {e}");
        }
        if self.recorded.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
    }
}

impl CommunicationHook for Arc<StateDebugger> {
    /// Keeps `communication` on a blocking thread (the store is SQLite), so the answer does
    /// not wait for it.
    fn record(&self, communication: Communication) {
        let debugger = Arc::clone(self);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn_blocking(move || debugger.keep(communication));
            }
            Err(_) => debugger.keep(communication),
        }
    }
}

/// The store's level of a configured threshold.
fn level(threshold: Threshold) -> DebugLevel {
    match threshold {
        Threshold::Debug => DebugLevel::Debug,
        Threshold::Info => DebugLevel::Info,
        Threshold::Notice => DebugLevel::Notice,
        Threshold::Error => DebugLevel::Error,
    }
}
