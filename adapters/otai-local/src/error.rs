//! The store's errors: short, naming the file, never quoting SQL.

use std::path::Path;

use otai_core::Error;

/// A problem with the store file at `location` (opening, locking, its contents).
pub(crate) fn store_error(location: &Path, message: impl Into<String>, transient: bool) -> Error {
    Error::Transport {
        request: format!("local store {}", location.display()),
        message: message.into(),
        transient,
        source: None,
    }
}

/// A write refused by a read-only store; `reason` says why it is read-only.
pub(crate) fn read_only_error(location: &Path, reason: &str) -> Error {
    Error::PermissionDenied {
        message: format!("local store {} is read-only: {reason}", location.display()),
    }
}

/// What a SQLite error says, in a few words: the file's problem for the codes that describe the
/// file, else SQLite's own message. Never the SQL text.
pub(crate) fn sqlite_problem(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            "not a SQLite database (a damaged file, or another kind of file)".to_owned()
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            "the file is damaged (SQLite: database disk image is malformed)".to_owned()
        }
        _ => match e {
            rusqlite::Error::SqliteFailure(code, Some(message)) => {
                format!("{message} (SQLite error {})", code.extended_code)
            }
            rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
            other => other.to_string(),
        },
    }
}

/// Maps a SQLite error during `op` to an otai error (transient when the database was busy).
pub(crate) fn db_error(op: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
    let request = format!("local store: {}", op.into());
    move |e| match e {
        // Its text would quote the whole statement: keep SQLite's message only.
        rusqlite::Error::SqlInputError { msg, .. } => Error::Transport {
            request,
            message: format!("database error: {msg}"),
            transient: false,
            source: None,
        },
        e => Error::Transport {
            request,
            message: "database error".into(),
            transient: is_busy(&e),
            source: Some(Box::new(e)),
        },
    }
}

/// Whether the database was busy (another connection held it): worth trying again.
pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
