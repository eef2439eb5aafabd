//! The debugger's table (`gi_debug`) in the SQLite store.

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, now};
use crate::StateError;
use crate::debugger::{
    Communication, DebugEntry, DebugFilter, DebugLevel, DebugSummary, DebuggerLog, MAX_LIST,
};
use otai_core::output::Redactor;

const SUMMARY: &str =
    "id, created_at, webservice, operation, remote_addr, level, duration_ms, error";

impl DebuggerLog for SqliteStore {
    fn record(
        &self,
        communication: &Communication,
        threshold: DebugLevel,
        redactor: &Redactor,
    ) -> Result<Option<i64>, StateError> {
        if communication.effective_level() < threshold {
            return Ok(None);
        }
        let c = communication.redacted(redactor);
        let duration_ms = i64::try_from(c.duration.as_millis()).unwrap_or(i64::MAX);
        let conn = self.conn();
        conn.execute(
            "INSERT INTO gi_debug (created_at, webservice, operation, remote_addr, level,
             duration_ms, request, mapped_request, response, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                now(),
                c.webservice,
                c.operation,
                c.remote_addr,
                c.level.as_str(),
                duration_ms,
                c.request,
                c.mapped_request,
                c.response,
                c.error
            ],
        )
        .map_err(self.db_err())?;
        Ok(Some(conn.last_insert_rowid()))
    }

    fn list(&self, filter: &DebugFilter) -> Result<Vec<DebugSummary>, StateError> {
        let limit = match filter.limit {
            0 => MAX_LIST,
            n => n.min(MAX_LIST),
        };
        let conn = self.reader();
        let mut statement = conn
            .prepare(&format!(
                "SELECT {SUMMARY} FROM gi_debug
                 WHERE (?1 IS NULL OR webservice = ?1) AND (?2 IS NULL OR created_at >= ?2)
                 ORDER BY id DESC LIMIT ?3"
            ))
            .map_err(self.db_err())?;
        let rows = statement
            .query_map(
                params![filter.webservice, filter.since, limit as i64],
                summary,
            )
            .map_err(self.db_err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.db_err())
    }

    fn show(&self, id: i64) -> Result<Option<DebugEntry>, StateError> {
        self.reader()
            .query_row(
                &format!(
                    "SELECT {SUMMARY}, request, mapped_request, response FROM gi_debug WHERE id = ?1"
                ),
                [id],
                |row| {
                    Ok(DebugEntry {
                        summary: summary(row)?,
                        request: row.get(8)?,
                        mapped_request: row.get(9)?,
                        response: row.get(10)?,
                    })
                },
            )
            .optional()
            .map_err(self.db_err())
    }

    fn prune(&self, webservice: Option<&str>, before: &str) -> Result<usize, StateError> {
        self.conn()
            .execute(
                "DELETE FROM gi_debug WHERE (?1 IS NULL OR webservice = ?1) AND created_at < ?2",
                params![webservice, before],
            )
            .map_err(self.db_err())
    }
}

fn summary(row: &Row<'_>) -> rusqlite::Result<DebugSummary> {
    let level: String = row.get(5)?;
    let duration_ms: i64 = row.get(6)?;
    Ok(DebugSummary {
        id: row.get(0)?,
        created_at: row.get(1)?,
        webservice: row.get(2)?,
        operation: row.get(3)?,
        remote_addr: row.get(4)?,
        // The column only ever holds what `as_str` wrote; an unknown name reads as `error`.
        level: DebugLevel::parse(&level).unwrap_or(DebugLevel::Error),
        duration_ms: u64::try_from(duration_ms).unwrap_or(0),
        error: row.get(7)?,
    })
}

#[cfg(test)]
mod tests;
