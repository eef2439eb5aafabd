//! The connection, the schema and running work off the async executor.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otai_core::{Error, Result};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

/// The embedded SQLite ticket store. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct LocalStore {
    conn: Arc<Mutex<Connection>>,
    location: PathBuf,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("location", &self.location)
            .finish()
    }
}

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

impl LocalStore {
    /// Opens (or creates) the store at `path`; `:memory:` gives a throw-away store.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if path.as_os_str() == ":memory:" {
            return Self::in_memory();
        }
        let conn = Connection::open(path).map_err(db_error(format!("open {}", path.display())))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error("enable WAL"))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(db_error("set busy timeout"))?;
        Self::init(conn, path.to_path_buf())
    }

    /// A throw-away store in memory.
    pub fn in_memory() -> Result<Self> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(db_error("open in memory"))?;
        Self::init(conn, path)
    }

    /// Where the store lives (a file path or `:memory:`).
    pub fn location(&self) -> &Path {
        &self.location
    }

    fn init(conn: Connection, location: PathBuf) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(db_error("enable foreign keys"))?;
        conn.execute_batch(SCHEMA)
            .map_err(db_error("create schema"))?;
        conn.create_scalar_function(
            "otai_lower",
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
        )
        .map_err(db_error("register functions"))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            location,
        })
    }

    /// Runs `work` with the connection on the blocking thread pool.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.run_blocking(work))
            .await
            .map_err(|e| Error::Transport {
                request: "local store".into(),
                message: "a store task did not finish".into(),
                transient: false,
                source: Some(Box::new(e)),
            })?
    }

    /// Runs `work` with the connection on this thread.
    pub(crate) fn run_blocking<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.conn.lock().map_err(|_| Error::Transport {
            request: "local store".into(),
            message: "the store's connection is unusable after an earlier panic".into(),
            transient: false,
            source: None,
        })?;
        work(&mut conn)
    }
}

/// Maps a SQLite error during `op` to an otai error (transient when the database was busy).
pub(crate) fn db_error(op: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
    let request = format!("local store: {}", op.into());
    move |e| Error::Transport {
        message: "database error".into(),
        transient: matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        ),
        request,
        source: Some(Box::new(e)),
    }
}
