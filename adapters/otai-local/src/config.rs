//! YAML `params` of the local store.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use otai_core::registry::{BuildContext, ServiceConfig};
use otai_core::{Error, Result, TicketSystemService};
use serde::Deserialize;

use crate::seed::Seed;
use crate::{LocalStore, LockMode, OpenOptions};

/// The longest `lock_timeout`: a day.
const MAX_LOCK_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

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
///       lock: wait                # another otai writes this file: wait (default) or fail
///       lock_timeout: 10          # seconds to wait (default)
///       read_only: false          # true: read while another process writes; never write
/// ```
///
/// The file is opened by the store's first operation, not when the configuration is loaded:
/// a file that is damaged, not a SQLite database, another application's database or locked by
/// another otai is a runtime error of that operation, naming the file (`otai` exits with 1, and
/// `otai validate --connect` reports it beforehand).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LocalConfig {
    /// The database file (created if missing), relative to the config file's directory, or
    /// `:memory:`. Default: `otai-local.sqlite3`.
    #[serde(default = "default_path")]
    pub path: PathBuf,
    /// A YAML or JSON file of tickets to load: a list of unified tickets, or a map with a
    /// `tickets` list. Read when the configuration is loaded (its errors are config errors with
    /// file, line and field), loaded by the process that opens the store for writing.
    #[serde(default)]
    pub seed: Option<PathBuf>,
    /// Load the seed only when the store has no tickets yet (default `true`), so that reopening a
    /// file store does not duplicate them.
    #[serde(default = "default_true")]
    pub seed_if_empty: bool,
    /// Open the file read-only (default `false`): no lock is taken, so it reads while another
    /// process writes; every write fails. A file or directory that cannot be written is opened
    /// read-only without it.
    #[serde(default)]
    pub read_only: bool,
    /// When another otai process holds the file for writing: `wait` (default) for it, at most
    /// `lock_timeout`, or `fail` at once.
    #[serde(default)]
    pub lock: LockMode,
    /// Seconds to wait for another process's writer lock (default 10).
    #[serde(default = "default_lock_timeout")]
    pub lock_timeout: f64,
}

fn default_path() -> PathBuf {
    PathBuf::from("otai-local.sqlite3")
}

fn default_true() -> bool {
    true
}

fn default_lock_timeout() -> f64 {
    OpenOptions::DEFAULT_LOCK_TIMEOUT.as_secs_f64()
}

impl LocalConfig {
    /// The options to open the store with; errors name the param.
    pub fn open_options(&self) -> Result<OpenOptions> {
        let lock_timeout = Duration::try_from_secs_f64(self.lock_timeout)
            .ok()
            .filter(|d| !d.is_zero() && *d <= MAX_LOCK_TIMEOUT)
            .ok_or_else(|| {
                Error::config(
                    "params.lock_timeout",
                    format!(
                        "must be a positive number of seconds, at most {}",
                        MAX_LOCK_TIMEOUT.as_secs()
                    ),
                )
            })?;
        Ok(OpenOptions::new()
            .read_only(self.read_only)
            .lock(self.lock)
            .lock_timeout(lock_timeout))
    }
}

impl ServiceConfig for LocalConfig {
    fn check(&self) -> Result<()> {
        if self.path.as_os_str().is_empty() {
            return Err(Error::config(
                "params.path",
                "must not be empty (use `:memory:` for a throw-away store)",
            ));
        }
        if self.read_only && self.seed.is_some() {
            return Err(Error::config(
                "params.seed",
                "a read-only store is never seeded: remove `seed` or `read_only: true`",
            ));
        }
        self.open_options().map(|_| ())
    }

    fn build(self, ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>> {
        let options = self.open_options()?;
        let seed = match &self.seed {
            Some(seed) => Some(Seed::read(&ctx.resolve(seed), self.seed_if_empty)?),
            None => None,
        };
        let store = LocalStore::deferred(ctx.resolve(&self.path), options, seed);
        Ok(Arc::new(store))
    }
}
