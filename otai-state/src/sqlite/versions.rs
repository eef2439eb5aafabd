//! Web service definition versions (`gi_webservice_versions`) in the SQLite store.

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, now};
use crate::StateError;
use crate::versions::{MAX_CONFIG_BYTES, MAX_VERSIONS, WebserviceVersion, WebserviceVersions};

impl WebserviceVersions for SqliteStore {
    fn record_version(
        &self,
        name: &str,
        config: &str,
        source: &str,
    ) -> Result<Option<u32>, StateError> {
        let config = if config.len() > MAX_CONFIG_BYTES {
            format!(
                "(a definition of {} bytes, too large to keep)",
                config.len()
            )
        } else {
            config.to_owned()
        };
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db_err())?;
        let last: Option<(u32, String)> = tx
            .query_row(
                "SELECT version, config FROM gi_webservice_versions WHERE name = ?1
                 ORDER BY version DESC LIMIT 1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.db_err())?;
        if last.as_ref().is_some_and(|(_, kept)| *kept == config) {
            return Ok(None);
        }
        let version = last.map_or(1, |(v, _)| v.saturating_add(1));
        tx.execute(
            "INSERT INTO gi_webservice_versions (name, version, created_at, source, config)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, version, now(), source, config],
        )
        .map_err(self.db_err())?;
        tx.execute(
            "DELETE FROM gi_webservice_versions WHERE name = ?1 AND version <= ?2",
            params![name, i64::from(version) - i64::from(MAX_VERSIONS)],
        )
        .map_err(self.db_err())?;
        tx.commit().map_err(self.db_err())?;
        Ok(Some(version))
    }

    fn versions(&self, name: &str) -> Result<Vec<WebserviceVersion>, StateError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare(
                "SELECT name, version, created_at, source, config FROM gi_webservice_versions
                 WHERE name = ?1 ORDER BY version DESC",
            )
            .map_err(self.db_err())?;
        let rows = statement
            .query_map([name], |r| {
                Ok(WebserviceVersion {
                    name: r.get(0)?,
                    version: r.get(1)?,
                    created_at: r.get(2)?,
                    source: r.get(3)?,
                    config: r.get(4)?,
                })
            })
            .map_err(self.db_err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.db_err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_version_is_kept_only_when_the_definition_changed() -> TestResult {
        let store = SqliteStore::in_memory()?;
        assert_eq!(
            store.record_version("rest", "{\"id\":1}", "otai.yml")?,
            Some(1)
        );
        assert_eq!(
            store.record_version("rest", "{\"id\":1}", "otai.yml")?,
            None
        );
        assert_eq!(
            store.record_version("soap", "{\"id\":1}", "otai.yml")?,
            Some(1)
        );
        assert_eq!(
            store.record_version("rest", "{\"id\":2}", "import x.yml")?,
            Some(2)
        );
        let versions = store.versions("rest")?;
        let got: Vec<(u32, &str)> = versions
            .iter()
            .map(|v| (v.version, v.source.as_str()))
            .collect();
        assert_eq!(got, [(2, "import x.yml"), (1, "otai.yml")]);
        assert!(store.versions("none")?.is_empty());
        Ok(())
    }

    #[test]
    fn old_versions_and_huge_definitions_are_bounded() -> TestResult {
        let store = SqliteStore::in_memory()?;
        for i in 0..MAX_VERSIONS + 5 {
            store.record_version("ws", &i.to_string(), "otai.yml")?;
        }
        let versions = store.versions("ws")?;
        assert_eq!(versions.len(), MAX_VERSIONS as usize);
        assert_eq!(versions.last().map(|v| v.version), Some(6));
        let huge = "x".repeat(MAX_CONFIG_BYTES + 1);
        store.record_version("ws", &huge, "otai.yml")?;
        let newest = store.versions("ws")?.remove(0);
        assert_eq!(
            newest.config,
            format!(
                "(a definition of {} bytes, too large to keep)",
                MAX_CONFIG_BYTES + 1
            )
        );
        Ok(())
    }
}
