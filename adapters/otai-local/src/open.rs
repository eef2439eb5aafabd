//! Opening a store file: for writing under the writer lock, or read-only.

use std::path::Path;
use std::time::Duration;

use otai_core::Result;
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, ErrorCode, MAIN_DB, OpenFlags};

use crate::error::{sqlite_problem, store_error};
use crate::lock::{self, Locking, WriterLock};
use crate::options::OpenOptions;
use crate::schema::{self, Contents, Problem};

/// The location of a throw-away store.
pub(crate) const MEMORY: &str = ":memory:";

/// How long a statement waits for another connection's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open store: its connection, whether it may write, and the lock that lets it.
#[derive(Debug)]
pub(crate) struct Db {
    /// The connection.
    pub(crate) conn: Connection,
    /// Why the store is read-only; `None` when it may write.
    pub(crate) read_only: Option<String>,
    _lock: Option<WriterLock>,
}

/// Opens the store at `location` as `options` say: for writing under the writer lock, or
/// read-only when asked to or when nothing can be written there.
pub(crate) fn open(location: &Path, options: &OpenOptions) -> Result<Db> {
    if location.as_os_str() == MEMORY {
        let mut conn = Connection::open_in_memory().map_err(|e| problem(location, &e))?;
        prepare(&conn).map_err(|e| problem(location, &e))?;
        schema::create(&mut conn).map_err(|e| problem(location, &e))?;
        return Ok(writable(conn, None));
    }
    if options.read_only {
        return read_only(location, "it is opened with read_only: true".to_owned());
    }
    let lock = match lock::acquire(location, options)? {
        Locking::Held(lock) => lock,
        Locking::Unwritable(reason) => return read_only(location, reason),
    };
    match open_writer(location) {
        Ok(conn) => Ok(writable(conn, Some(lock))),
        Err(Writer::Unwritable(reason)) => {
            drop(lock);
            read_only(location, reason)
        }
        Err(Writer::Failed(message)) => Err(store_error(location, message, false)),
    }
}

/// Checks that the store at `location` can be opened, changing nothing and taking no lock: a
/// missing file is fine when its directory exists (it will be created).
pub(crate) fn check(location: &Path) -> Result<()> {
    if location.as_os_str() == MEMORY {
        return Ok(());
    }
    match std::fs::metadata(location) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = location.parent().filter(|p| !p.as_os_str().is_empty());
            match parent {
                Some(dir) if !dir.is_dir() => Err(store_error(
                    location,
                    format!("its directory {} does not exist", dir.display()),
                    false,
                )),
                _ => Ok(()),
            }
        }
        _ => open_reader(location).map(|_| ()),
    }
}

fn writable(conn: Connection, lock: Option<WriterLock>) -> Db {
    Db {
        conn,
        read_only: None,
        _lock: lock,
    }
}

/// Why opening for writing did not work.
enum Writer {
    /// Nothing can be written there; read-only may work. Why, in words.
    Unwritable(String),
    /// The file cannot be used, in words.
    Failed(String),
}

fn open_writer(location: &Path) -> std::result::Result<Connection, Writer> {
    let failed = |e: rusqlite::Error| {
        if matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)
        ) {
            Writer::Unwritable(format!("cannot write there ({})", sqlite_problem(&e)))
        } else {
            Writer::Failed(sqlite_problem(&e))
        }
    };
    let mut conn = Connection::open(location).map_err(failed)?;
    if conn.is_readonly(MAIN_DB).map_err(failed)? {
        return Err(Writer::Unwritable("the file is not writable".to_owned()));
    }
    prepare(&conn).map_err(failed)?;
    // Before anything is written: a foreign file is left exactly as it was.
    match schema::inspect(&conn) {
        Ok(Contents::Empty) => schema::create(&mut conn).map_err(failed)?,
        Ok(Contents::Store { stamped: false }) => {
            schema::upgrade(&mut conn).map_err(failed)?;
            schema::stamp(&conn).map_err(failed)?;
        }
        Ok(Contents::Store { stamped: true }) => schema::upgrade(&mut conn).map_err(failed)?,
        Err(Problem::Sqlite(e)) => return Err(failed(e)),
        Err(problem) => return Err(Writer::Failed(problem.message())),
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(failed)?;
    Ok(conn)
}

/// Opens the store read-only; `reason` says why (for the error of a write).
fn read_only(location: &Path, reason: String) -> Result<Db> {
    if let Err(e) = std::fs::metadata(location) {
        let message = if e.kind() == std::io::ErrorKind::NotFound {
            format!("no store file here, and a read-only store cannot create one ({reason})")
        } else {
            format!("cannot read it: {e}")
        };
        return Err(store_error(location, message, false));
    }
    let (conn, contents) = open_reader(location)?;
    if contents == Contents::Empty {
        let message = format!("the file holds no otai store yet, and it is read-only ({reason})");
        return Err(store_error(location, message, false));
    }
    tracing::info!(store = %location.display(), "local store opened read-only: {reason}");
    Ok(Db {
        conn,
        read_only: Some(reason),
        _lock: None,
    })
}

/// A read-only connection to an existing file, and what it holds.
fn open_reader(location: &Path) -> Result<(Connection, Contents)> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(location, flags)
        .map_err(Problem::from)
        .and_then(inspected)
        .map_err(|p| store_error(location, p.message(), false))
}

fn inspected(conn: Connection) -> std::result::Result<(Connection, Contents), Problem> {
    prepare(&conn)?;
    let contents = schema::inspect(&conn)?;
    Ok((conn, contents))
}

/// Statements kept parsed per connection: more than the store's distinct statements.
const STATEMENT_CACHE: usize = 64;

/// Settings and functions every connection needs.
fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Every statement the store runs, parsed once (rusqlite keeps 16 by default).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.create_scalar_function(
        "otai_lower",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )
}

fn problem(location: &Path, e: &rusqlite::Error) -> otai_core::Error {
    store_error(location, sqlite_problem(e), false)
}
