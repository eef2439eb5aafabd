//! A ticket's history: one row per change, written with the change, read oldest first.

use otai_core::model::{Timestamp, parse_timestamp};
use otai_core::{Result, UnifiedHistoryEntry};
use rusqlite::{Connection, params};

use crate::error::db_error;
use crate::read::format_time;
use crate::schema::has_history;

/// The most entries `load` returns: the oldest ones.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// The most characters of a note's text kept in its history entry.
const NOTE_CHARS: usize = 500;

/// Writes `entry` for ticket `ticket` at `time`, inside the change's transaction.
pub(crate) fn record(
    tx: &Connection,
    ticket: i64,
    time: Timestamp,
    entry: &UnifiedHistoryEntry,
) -> Result<()> {
    let note = entry
        .note
        .as_deref()
        .map(|n| n.chars().take(NOTE_CHARS).collect::<String>());
    otai_sqlite::exec(
        tx,
        "INSERT INTO history (ticket_id, time, kind, field, old, new, by, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            ticket,
            format_time(&time),
            entry.kind,
            entry.field,
            entry.old,
            entry.new,
            entry.by,
            note,
        ],
    )
    .map_err(db_error("record history"))?;
    Ok(())
}

/// Ticket `ticket`'s history, oldest first, at most [`MAX_ENTRIES`]. A store written before the
/// history table existed (schema 1, opened read-only) has an empty history.
pub(crate) fn load(conn: &Connection, ticket: i64) -> Result<Vec<UnifiedHistoryEntry>> {
    if !has_history(conn).map_err(db_error("read history"))? {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(MAX_ENTRIES).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT time, kind, field, old, new, by, note FROM history
         WHERE ticket_id = ?1 ORDER BY time, id LIMIT ?2",
    )
    .and_then(|mut s| {
        s.query_map(params![ticket, limit], |row| {
            let mut entry = UnifiedHistoryEntry::new(row.get::<_, String>(1)?);
            entry.time = parse_timestamp(&row.get::<_, String>(0)?);
            entry.field = row.get(2)?;
            entry.old = row.get(3)?;
            entry.new = row.get(4)?;
            entry.by = row.get(5)?;
            entry.note = row.get(6)?;
            Ok(entry)
        })?
        .collect()
    })
    .map_err(db_error("read history"))
}
