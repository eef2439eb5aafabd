//! The store's tables, and telling an otai store from an empty, foreign or newer file.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::sqlite_problem;

/// `PRAGMA application_id` of otai stores: "otai" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x6f74_6169;

/// `PRAGMA user_version` of the tables below. A store with a higher one is refused.
///
/// Version 1: tickets, notes, custom fields. Version 2 adds [`HISTORY`]: a version-1 store gets
/// it on its next writable open ([`upgrade`]); opened read-only, it reads as an empty history.
/// Version 3 adds [`ATTACHMENTS`] the same way: an older store opened read-only reads as one
/// whose notes have no attachments.
pub(crate) const SCHEMA_VERSION: i32 = 3;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tickets (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    number   TEXT NOT NULL DEFAULT '',
    subject  TEXT,
    body     TEXT,
    queue    TEXT,
    priority TEXT,
    state    TEXT,
    type     TEXT,
    owner    TEXT,
    customer TEXT,
    created  TEXT NOT NULL,
    updated  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_queue ON tickets (queue);
CREATE INDEX IF NOT EXISTS tickets_state ON tickets (state);
CREATE TABLE IF NOT EXISTS notes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    subject      TEXT,
    body         TEXT NOT NULL,
    content_type TEXT,
    internal     INTEGER NOT NULL,
    author       TEXT,
    created      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_ticket ON notes (ticket_id);
CREATE TABLE IF NOT EXISTS custom_fields (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (ticket_id, name)
);
";

/// Version 2: one row per change of a ticket (creation, a field, a note), written in the same
/// transaction as the change. Not in [`SCHEMA`]: a version-1 store lacks it and is still a store.
pub(crate) const HISTORY: &str = "
CREATE TABLE IF NOT EXISTS history (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    time      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    field     TEXT,
    old       TEXT,
    new       TEXT,
    by        TEXT,
    note      TEXT
);
CREATE INDEX IF NOT EXISTS history_ticket ON history (ticket_id);
";

/// Version 3: the files attached to notes, written in the same transaction as their note.
/// `size` is the length of `content`, kept apart so that listing attachments reads no content.
pub(crate) const ATTACHMENTS: &str = "
CREATE TABLE IF NOT EXISTS attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id      INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content      BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_note ON attachments (note_id);
";

/// What an opened database file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contents {
    /// Nothing yet: a new or empty file.
    Empty,
    /// An otai store; `stamped` when it carries otai's application ID (stores written before
    /// it existed do not).
    Store {
        /// Whether `PRAGMA application_id` is otai's.
        stamped: bool,
    },
}

/// Why a database cannot serve as a store.
#[derive(Debug)]
pub(crate) enum Problem {
    /// SQLite could not read it.
    Sqlite(rusqlite::Error),
    /// It is not a store otai can use, in words.
    Contents(String),
}

impl Problem {
    /// In a few words, never SQL.
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Sqlite(e) => sqlite_problem(e),
            Self::Contents(message) => message.clone(),
        }
    }
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

/// What the database holds, without changing it.
pub(crate) fn inspect(conn: &Connection) -> Result<Contents, Problem> {
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables = table_names(conn)?;
    if application_id != 0 && application_id != APPLICATION_ID {
        return Err(Problem::Contents(format!(
            "not an otai store: the file belongs to another application (SQLite application id {application_id:#010x})"
        )));
    }
    if application_id == 0 && tables.is_empty() {
        return Ok(Contents::Empty);
    }
    let stamped = application_id == APPLICATION_ID;
    if stamped && version > SCHEMA_VERSION {
        return Err(Problem::Contents(format!(
            "written by a newer otai (store schema {version}; this one knows {SCHEMA_VERSION})"
        )));
    }
    if let Some(missing) = missing_columns(conn)? {
        return Err(Problem::Contents(if stamped {
            format!("the otai store is damaged: {missing}")
        } else {
            format!(
                "not an otai store: it holds another application's tables ({})",
                shortened(&tables)
            )
        }));
    }
    Ok(Contents::Store { stamped })
}

/// Creates the tables in an empty database and marks it as an otai store, in one transaction.
pub(crate) fn create(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    tx.execute_batch(HISTORY)?;
    tx.execute_batch(ATTACHMENTS)?;
    stamp(&tx)?;
    tx.commit()
}

/// Brings an otai store of an older schema version up to [`SCHEMA_VERSION`], in one
/// transaction; a current store is left untouched.
pub(crate) fn upgrade(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Each step creates only what is missing, so one batch serves every older version.
    tx.execute_batch(HISTORY)?;
    tx.execute_batch(ATTACHMENTS)?;
    stamp(&tx)?;
    tx.commit()
}

/// Whether the store has the history table (a version-1 store opened read-only has not).
pub(crate) fn has_history(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(!columns(conn, "history")?.is_empty())
}

/// Whether the store has the attachments table (a store older than version 3 opened read-only
/// has not).
pub(crate) fn has_attachments(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(!columns(conn, "attachments")?.is_empty())
}

/// Marks a store as otai's (application ID and schema version).
pub(crate) fn stamp(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    stmt.query_map([table], |r| r.get(0))?.collect()
}

/// The first table or columns the store lacks, in words; `None` when it has all of them.
fn missing_columns(conn: &Connection) -> rusqlite::Result<Option<String>> {
    // The tables as SCHEMA creates them: the one description of what a store has.
    let reference = Connection::open_in_memory()?;
    reference.execute_batch(SCHEMA)?;
    for table in table_names(&reference)? {
        let have = columns(conn, &table)?;
        if have.is_empty() {
            return Ok(Some(format!("it has no table `{table}`")));
        }
        let lacking: Vec<String> = columns(&reference, &table)?
            .into_iter()
            .filter(|c| !have.contains(c))
            .collect();
        if !lacking.is_empty() {
            return Ok(Some(format!(
                "its table `{table}` lacks {}",
                lacking.join(", ")
            )));
        }
    }
    Ok(None)
}

/// At most three names, then an ellipsis.
fn shortened(names: &[String]) -> String {
    let mut shown = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        shown.push_str(", …");
    }
    shown
}
