//! The LLM backend's persistent answer cache: an otai state store file (`llm.cache.path`), keyed
//! by model and prompt hash, so answers outlive a run. Without it, answers are kept in memory only.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use otai_core::{Error, Result};
use otai_state::{SqliteStore, StateStore};
use serde::Deserialize;

use crate::llm::LlmAnswer;

/// The longest `max_age_days`.
const MAX_AGE_DAYS: u32 = 3650;

/// `llm.cache`: where answers are kept between runs.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// An otai state store file (SQLite; created when missing). It may be the `state:` file of
    /// `otai serve`. Relative paths are from the working directory.
    pub path: PathBuf,
    /// Days an answer is reused (default 30); older ones are forgotten when the store is opened.
    #[serde(default = "default_max_age_days")]
    pub max_age_days: u32,
}

fn default_max_age_days() -> u32 {
    30
}

/// An open answer cache.
#[derive(Debug)]
pub(crate) struct AnswerCache {
    store: Arc<SqliteStore>,
    max_age: Duration,
}

impl AnswerCache {
    /// Opens (creating and migrating as needed) the store and forgets expired answers.
    pub(crate) fn open(settings: &CacheSettings) -> Result<Self> {
        if !(1..=MAX_AGE_DAYS).contains(&settings.max_age_days) {
            return Err(Error::invalid_input(
                "llm.cache.max_age_days",
                format!("must be from 1 to {MAX_AGE_DAYS}"),
            ));
        }
        let store = SqliteStore::open(&settings.path)
            .map_err(|e| Error::invalid_input("llm.cache.path", e.to_string()))?;
        let cache = Self {
            store: Arc::new(store),
            max_age: Duration::from_secs(u64::from(settings.max_age_days) * 86_400),
        };
        cache
            .store
            .cache_sweep(&cache.oldest())
            .map_err(|e| Error::invalid_input("llm.cache.path", e.to_string()))?;
        Ok(cache)
    }

    /// The oldest time an answer may have been stored at to be reused (RFC 3339).
    fn oldest(&self) -> String {
        let age = chrono::Duration::from_std(self.max_age).unwrap_or(chrono::Duration::zero());
        (chrono::Utc::now() - age).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// The answer stored under `key`, if fresh; a store failure is logged and counts as a miss.
    pub(crate) async fn get(&self, key: &str) -> Option<LlmAnswer> {
        let (store, key, oldest) = (Arc::clone(&self.store), key.to_owned(), self.oldest());
        let found = tokio::task::spawn_blocking(move || store.cache_get(&key, &oldest)).await;
        match found {
            Ok(Ok(Some(text))) => serde_json::from_str(&text).ok(),
            Ok(Ok(None)) => None,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "llm answer cache: read failed");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "llm answer cache: read failed");
                None
            }
        }
    }

    /// Stores `answer` under `key`; a store failure is logged, never fatal.
    pub(crate) async fn put(&self, key: &str, answer: &LlmAnswer) {
        let Ok(text) = serde_json::to_string(answer) else {
            return;
        };
        let (store, key) = (Arc::clone(&self.store), key.to_owned());
        let stored = tokio::task::spawn_blocking(move || store.cache_put(&key, &text)).await;
        if let Ok(Err(e)) = stored {
            tracing::warn!(error = %e, "llm answer cache: write failed");
        }
    }
}
