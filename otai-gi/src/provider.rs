//! The web services as served: each configured one with its helpdesk, accounts and routes,
//! and the sessions and communication hook they share.

use std::collections::BTreeMap;
use std::sync::Arc;

use otai_core::TicketSystemService;

use crate::accounts::Accounts;
use crate::config::{OperationMappings, TransportKind, Validity, WebserviceConfig};
use crate::hook::CommunicationHook;
use crate::routes::RouteTable;
use crate::sessions::Sessions;

/// One web service, ready to answer.
pub struct Webservice {
    /// Its configuration.
    pub config: WebserviceConfig,
    /// The helpdesk behind it.
    pub service: Arc<dyn TicketSystemService>,
    /// Who may authenticate.
    pub accounts: Accounts,
    /// Its REST routes (empty for SOAP).
    pub routes: RouteTable,
    /// Each operation's mappings, compiled, by operation name.
    pub mappings: BTreeMap<String, OperationMappings>,
}

impl std::fmt::Debug for Webservice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webservice")
            .field("config", &self.config)
            .field("service", &self.service.kind())
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

/// Every web service of `webservices:`, by name and by id.
#[derive(Debug)]
pub struct Provider {
    by_name: BTreeMap<String, Arc<Webservice>>,
    by_id: BTreeMap<u64, Arc<Webservice>>,
    /// The sessions of all web services.
    pub sessions: Sessions,
    /// Where each communication is handed over.
    pub hook: Arc<dyn CommunicationHook>,
}

impl Provider {
    /// The provider of `webservices`, each with the service its `service` names in `services`
    /// (a web service whose service is missing is left out, with an error in the log: the
    /// configuration check refuses that before).
    pub fn new(
        webservices: Vec<WebserviceConfig>,
        services: &BTreeMap<String, Arc<dyn TicketSystemService>>,
        sessions: Sessions,
        hook: Arc<dyn CommunicationHook>,
    ) -> Result<Self, String> {
        let mut by_name = BTreeMap::new();
        let mut by_id = BTreeMap::new();
        for config in webservices {
            let Some(service) = services.get(&config.service) else {
                return Err(format!(
                    "web service `{}`: service `{}` is not configured",
                    config.name, config.service
                ));
            };
            let accounts = Accounts::new(&config.users, &config.customer_users)
                .map_err(|e| format!("no random source for password salts: {e}"))?;
            let routes = match config.transport.kind {
                TransportKind::Rest => RouteTable::new(&config),
                TransportKind::Soap => RouteTable::default(),
            };
            let mut mappings = BTreeMap::new();
            for (name, operation) in &config.operations {
                let at = format!("webservices.{}.operations.{name}", config.name);
                let compiled = operation.compiled(&at).map_err(|e| e.to_string())?;
                mappings.insert(name.clone(), compiled);
            }
            let webservice = Arc::new(Webservice {
                service: Arc::clone(service),
                accounts,
                routes,
                mappings,
                config,
            });
            by_id.insert(webservice.config.id, Arc::clone(&webservice));
            by_name.insert(webservice.config.name.clone(), webservice);
        }
        Ok(Self {
            by_name,
            by_id,
            sessions,
            hook,
        })
    }

    /// The web service named `name`, when it answers; an invalid one is logged and `None`.
    pub fn by_name(&self, name: &str) -> Option<&Arc<Webservice>> {
        answering(self.by_name.get(name))
    }

    /// The web service with id `id`, when it answers.
    pub fn by_id(&self, id: u64) -> Option<&Arc<Webservice>> {
        answering(self.by_id.get(&id))
    }
}

fn answering(found: Option<&Arc<Webservice>>) -> Option<&Arc<Webservice>> {
    let webservice = found?;
    match webservice.config.valid {
        Validity::Valid => Some(webservice),
        Validity::Invalid => {
            tracing::info!(webservice = %webservice.config.name, "request to an invalid web service");
            None
        }
        Validity::InvalidTemporarily => {
            tracing::warn!(
                webservice = %webservice.config.name,
                "request to a web service that is invalid temporarily: answered as unknown"
            );
            None
        }
    }
}
