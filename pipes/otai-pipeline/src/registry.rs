//! The registry a configuration is loaded against: services (from `otai-core`) and pipes.

use std::collections::BTreeMap;

use otai_core::registry::{ServiceRegistry, closest_names, quote_list, unknown_name_message};
use otai_core::{Error, Result};

use crate::PipeSpec;

/// Known services and pipes by `use:` name.
#[derive(Clone, Default)]
pub struct Registry {
    services: ServiceRegistry,
    pipes: BTreeMap<String, PipeSpec>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("services", &self.services)
            .field("pipes", &self.pipes.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The services, to look them up.
    pub fn services(&self) -> &ServiceRegistry {
        &self.services
    }

    /// The services, for adapters' `register` functions.
    pub fn services_mut(&mut self) -> &mut ServiceRegistry {
        &mut self.services
    }

    /// Registers a pipe under `names` (short names and Open Ticket AI names alike).
    pub fn register_pipe(&mut self, names: &[&str], spec: PipeSpec) {
        for name in names {
            self.pipes.insert((*name).to_owned(), spec.clone());
        }
    }

    /// The pipe registered as `name`, or an error listing close names.
    pub fn pipe(&self, name: &str) -> Result<&PipeSpec> {
        self.pipes.get(name).ok_or_else(|| {
            let all = self.pipe_names_with_engine();
            let close = closest_names(name, all.iter().map(String::as_str));
            let short: Vec<String> = all.iter().filter(|n| !n.contains(':')).cloned().collect();
            let mut message = unknown_name_message("pipe", name, short.iter());
            if !close.is_empty() && !message.contains("did you mean") {
                let hint = format!("`{name}`; did you mean {}?", quote_list(&close));
                message = message.replacen(&format!("`{name}`"), &hint, 1);
            }
            Error::config("use", message)
        })
    }

    /// Every registered pipe name with its description.
    pub fn pipe_names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pipes
            .iter()
            .map(|(name, spec)| (name.as_str(), spec.description))
    }

    /// Every registered pipe name with its spec.
    pub fn pipe_specs(&self) -> impl Iterator<Item = (&str, &PipeSpec)> {
        self.pipes.iter().map(|(name, spec)| (name.as_str(), spec))
    }

    fn pipe_names_with_engine(&self) -> Vec<String> {
        let mut names: Vec<String> = self.pipes.keys().cloned().collect();
        names.push("foreach".into());
        names.sort();
        names
    }
}
