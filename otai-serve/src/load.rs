//! Reading `server:`, `inbound:` and `state:` from a loaded configuration, every problem at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use otai_pipeline::{ConfigErrors, Engine, Sections};
use otai_state::{SqliteStore, StateStore};

use crate::auth::Credential;
use crate::config::{InboundConfig, ServerConfig, StateConfig};
use crate::gateway::{Account, Gateway, Integration};
use crate::limit::Bucket;
use crate::mapping::InboundMapping;
use crate::metrics::Metrics;
use crate::rules::Rules;

/// The default state file, next to the configuration file.
pub const DEFAULT_STATE_FILE: &str = "otai-state.sqlite";

/// The checked `server:`, `state:` and `inbound:` sections.
#[derive(Debug)]
pub struct Settings {
    /// `server:`, when present.
    pub server: Option<ServerConfig>,
    /// `state:` (defaults when absent).
    pub state: StateConfig,
    integrations: Vec<Integration>,
}

impl Settings {
    /// Reads and checks the sections of `engine` (every problem at once, each at its line).
    /// Services are looked up among the configured ones; they need not be built (validation).
    pub fn read(engine: &Engine) -> Result<Self, ConfigErrors> {
        let sections = engine.sections();
        let mut errors = Vec::new();
        let server = sections.read::<ServerConfig>("server").unwrap_or_else(|e| {
            errors.extend(e.0);
            None
        });
        if let Some(server) = &server {
            if server.listen.parse::<std::net::SocketAddr>().is_err() {
                errors.push(sections.error(
                    "server",
                    "listen",
                    "expected an address and port, like 127.0.0.1:8787",
                ));
            }
            if server.cert_file.is_some() != server.key_file.is_some() {
                let field = if server.cert_file.is_some() {
                    "cert_file"
                } else {
                    "key_file"
                };
                errors.push(sections.error(
                    "server",
                    field,
                    "give both `cert_file` and `key_file`, or neither",
                ));
            }
            if server.body_limit == 0 {
                errors.push(sections.error("server", "body_limit", "must be above 0"));
            }
        }
        let state = sections
            .read::<StateConfig>("state")
            .unwrap_or_else(|e| {
                errors.extend(e.0);
                None
            })
            .unwrap_or_default();
        let inbound = sections
            .read::<Vec<InboundConfig>>("inbound")
            .unwrap_or_else(|e| {
                errors.extend(e.0);
                None
            })
            .unwrap_or_default();
        if !inbound.is_empty() && server.is_none() {
            errors.push(sections.error(
                "inbound",
                "",
                "`inbound:` needs a `server:` section to be served",
            ));
        }
        let built = engine.services();
        let known: Vec<&str> = engine.service_ids();
        let mut ids = BTreeSet::new();
        let mut integrations = Vec::new();
        for (index, config) in inbound.into_iter().enumerate() {
            match integration(sections, index, config, &known, &built, &mut ids) {
                Ok(integration) => integrations.push(integration),
                Err(problems) => errors.extend(problems),
            }
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Self {
            server,
            state,
            integrations,
        })
    }

    /// The state file for a configuration at `config_file`.
    pub fn state_path(&self, config_file: &Path) -> Option<PathBuf> {
        match self.state.path.as_deref() {
            Some(":memory:") => None,
            Some(path) => Some(config_file.parent().unwrap_or(Path::new(".")).join(path)),
            None => Some(
                config_file
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(DEFAULT_STATE_FILE),
            ),
        }
    }

    /// The TLS acceptor of `server.cert_file` and `server.key_file` (relative to
    /// `config_file`), when both are given.
    pub fn tls(&self, config_file: &Path) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
        let Some(server) = &self.server else {
            return Ok(None);
        };
        let (Some(cert), Some(key)) = (&server.cert_file, &server.key_file) else {
            return Ok(None);
        };
        let dir = config_file.parent().unwrap_or(Path::new("."));
        crate::tls::acceptor(&dir.join(cert), &dir.join(key)).map(Some)
    }

    /// Opens the state store for a configuration at `config_file`.
    pub fn open_store(
        &self,
        config_file: &Path,
    ) -> Result<Arc<dyn StateStore>, otai_state::StateError> {
        Ok(match self.state_path(config_file) {
            Some(path) => Arc::new(SqliteStore::open(&path)?),
            None => Arc::new(SqliteStore::in_memory()?),
        })
    }

    /// The gateway over `store`.
    pub fn gateway(self, engine: &Engine, store: Arc<dyn StateStore>) -> Gateway {
        let services = engine
            .services()
            .into_iter()
            .map(|(id, service)| (id.to_owned(), service))
            .collect();
        Gateway {
            integrations: self
                .integrations
                .into_iter()
                .map(|i| (i.id.clone(), i))
                .collect(),
            services,
            store,
            metrics: Metrics::default(),
            secrets: engine.secrets().clone(),
            body_limit: self
                .server
                .as_ref()
                .map_or(crate::config::DEFAULT_BODY_LIMIT, |s| s.body_limit),
        }
    }
}

fn integration(
    sections: &Sections,
    index: usize,
    config: InboundConfig,
    known: &[&str],
    built: &BTreeMap<&str, Arc<dyn otai_core::TicketSystemService>>,
    ids: &mut BTreeSet<String>,
) -> Result<Integration, Vec<otai_core::Error>> {
    let at = |field: &str| {
        if field.is_empty() {
            format!("[{index}]")
        } else {
            format!("[{index}].{field}")
        }
    };
    let mut errors = Vec::new();
    let valid_id = !config.id.is_empty()
        && config
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_id {
        errors.push(sections.error(
            "inbound",
            &at("id"),
            "use letters, digits, `-` and `_` only",
        ));
    } else if !ids.insert(config.id.clone()) {
        errors.push(sections.error(
            "inbound",
            &at("id"),
            format!("`{}` is used twice", config.id),
        ));
    }
    if !known.contains(&config.service.as_str()) {
        let message = format!(
            "no service `{}` is configured (services: {})",
            config.service,
            known.join(", ")
        );
        errors.push(sections.error("inbound", &at("service"), message));
    }
    if config.accounts.is_empty() {
        errors.push(sections.error("inbound", &at("accounts"), "give at least one account"));
    }
    let mut accounts = Vec::new();
    let mut names = BTreeSet::new();
    for (i, account) in config.accounts.into_iter().enumerate() {
        let field = at(&format!("accounts[{i}]"));
        if !names.insert(account.name.clone()) {
            errors.push(sections.error(
                "inbound",
                &field,
                format!("account `{}` is named twice", account.name),
            ));
        }
        let credential = match (account.token, account.username, account.password) {
            (Some(token), None, None) => Credential::Token(token),
            (None, Some(user), Some(password)) => Credential::Basic(user, password),
            _ => {
                errors.push(sections.error(
                    "inbound",
                    &field,
                    "give either `token`, or `username` and `password`",
                ));
                continue;
            }
        };
        let bucket = match account.rate_limit {
            Some(limit) if !(limit.per_second > 0.0 && limit.per_second.is_finite()) => {
                errors.push(sections.error(
                    "inbound",
                    &format!("{field}.rate_limit.per_second"),
                    "must be above 0",
                ));
                None
            }
            Some(limit) => Some(Bucket::new(limit)),
            None => None,
        };
        accounts.push(Account {
            name: account.name,
            credential,
            bucket,
        });
    }
    let rules = match Rules::compile(&config.validate, config.unknown_fields) {
        Ok(rules) => Some(rules),
        Err(problems) => {
            for (field, message) in problems {
                errors.push(sections.error("inbound", &at(&format!("validate.{field}")), message));
            }
            None
        }
    };
    let mapping = match config.mapping.as_ref().map(InboundMapping::compile) {
        Some(Ok(mapping)) => Some(mapping),
        Some(Err((field, message))) => {
            errors.push(sections.error("inbound", &at(&field), message));
            None
        }
        None => None,
    };
    if let Some(mapping) = &mapping {
        for path in config.validate.keys() {
            let top = path.split('.').next().unwrap_or_default();
            let sources = mapping.key_sources(top);
            if sources.known.is_empty() && !sources.open {
                errors.push(sections.error(
                    "inbound",
                    &at(&format!("validate.{path}")),
                    format!(
                        "no key of a request is mapped to `{top}`: name one in `mapping.key_exact`"
                    ),
                ));
            }
        }
    }
    let raw = sections.raw("inbound").and_then(|v| v.get(index));
    let template = |field: &str| -> Option<Result<otai_pipeline::TemplateSet, ConfigErrors>> {
        let value = raw?.get(field)?;
        Some(sections.templates("inbound", &at(field), value))
    };
    let ticket = match template("ticket") {
        Some(Ok(ticket)) => Some(ticket),
        Some(Err(e)) => {
            errors.extend(e.0);
            None
        }
        None => None,
    };
    let external_id = match config.external_id.as_ref().and(template("external_id")) {
        Some(Ok(set)) => Some(set),
        Some(Err(e)) => {
            errors.extend(e.0);
            None
        }
        None => None,
    };
    let (Some(rules), Some(ticket), true) = (rules, ticket, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Integration {
        service: built.get(config.service.as_str()).cloned(),
        service_id: config.service,
        id: config.id,
        accounts,
        mapping,
        rules,
        external_id,
        ticket,
        redact_fields: config
            .redact_fields
            .iter()
            .map(|f| f.split('.').map(str::to_owned).collect())
            .collect(),
        max_attempts: config.max_attempts.max(1),
    })
}
