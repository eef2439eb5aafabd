//! YAML `params` of the local store.

use std::path::PathBuf;
use std::sync::Arc;

use otai_core::registry::{BuildContext, ServiceConfig};
use otai_core::{Error, Result, TicketSystemService};
use serde::Deserialize;

use crate::LocalStore;

/// Configuration of the local store.
///
/// ```yaml
/// services:
///   - id: store
///     use: local
///     params:
///       path: tickets.sqlite3     # relative to the config file; ":memory:" for a throw-away store
///       seed: sample-tickets.yml  # tickets to load
///       seed_if_empty: true       # load them only into an empty store (default)
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LocalConfig {
    /// The database file (created if missing), relative to the config file's directory, or
    /// `:memory:`. Default: `otai-local.sqlite3`.
    #[serde(default = "default_path")]
    pub path: PathBuf,
    /// A YAML or JSON file of tickets to load: a list of unified tickets, or a map with a
    /// `tickets` list.
    #[serde(default)]
    pub seed: Option<PathBuf>,
    /// Load the seed only when the store has no tickets yet (default `true`), so that reopening a
    /// file store does not duplicate them.
    #[serde(default = "default_true")]
    pub seed_if_empty: bool,
}

fn default_path() -> PathBuf {
    PathBuf::from("otai-local.sqlite3")
}

fn default_true() -> bool {
    true
}

impl ServiceConfig for LocalConfig {
    fn check(&self) -> Result<()> {
        if self.path.as_os_str().is_empty() {
            return Err(Error::config(
                "params.path",
                "must not be empty (use `:memory:` for a throw-away store)",
            ));
        }
        Ok(())
    }

    fn build(self, ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>> {
        let store = LocalStore::open(ctx.resolve(&self.path))?;
        if let Some(seed) = &self.seed {
            store.seed_from_file(&ctx.resolve(seed), self.seed_if_empty)?;
        }
        Ok(Arc::new(store))
    }
}
