//! The schema and its migrations: each step runs once, in order, in one transaction with the
//! version it reaches (`PRAGMA user_version`).

use rusqlite::{Connection, TransactionBehavior};

/// Marks a file as an otai state store (`PRAGMA application_id`, "OTAS").
pub(crate) const APPLICATION_ID: i32 = 0x4f54_4153;

/// The migrations, in order: the schema reaches version `i + 1` after step `i`.
const MIGRATIONS: &[&str] = &[
    // 1: staging and per-account statistics.
    "CREATE TABLE staging (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        integration TEXT NOT NULL,
        account TEXT NOT NULL,
        external_id TEXT,
        status TEXT NOT NULL,
        payload TEXT NOT NULL,
        request TEXT,
        ticket_id TEXT,
        ticket_number TEXT,
        duplicate_of INTEGER,
        errors TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        received_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        next_attempt_at TEXT
    );
    CREATE UNIQUE INDEX staging_external_id ON staging (integration, external_id);
    CREATE INDEX staging_status ON staging (status, next_attempt_at);
    CREATE INDEX staging_received ON staging (received_at);
    CREATE TABLE account_stats (
        integration TEXT NOT NULL,
        account TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (integration, account)
    );",
    // 2: a cache of answers (LLM replies, by model and prompt hash).
    "CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX cache_created ON cache (created_at);",
    // 3: Generic Interface sessions (SessionCreate), by a hash of the session id.
    "CREATE TABLE gi_sessions (
        id_hash TEXT PRIMARY KEY,
        webservice TEXT NOT NULL,
        kind TEXT NOT NULL,
        login TEXT NOT NULL,
        remote_addr TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL
    );
    CREATE INDEX gi_sessions_created ON gi_sessions (created_at);",
    // 4: the Generic Interface debugger: provider communications, redacted and capped.
    "CREATE TABLE gi_debug (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        webservice TEXT NOT NULL,
        operation TEXT,
        remote_addr TEXT,
        level TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        request TEXT NOT NULL,
        mapped_request TEXT,
        response TEXT,
        error TEXT
    );
    CREATE INDEX gi_debug_webservice ON gi_debug (webservice, created_at);
    CREATE INDEX gi_debug_created ON gi_debug (created_at);",
    // 5: every version of each Generic Interface web service definition otai has seen.
    "CREATE TABLE gi_webservice_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        source TEXT NOT NULL,
        config TEXT NOT NULL,
        PRIMARY KEY (name, version)
    );",
];

/// The version this build writes.
pub(crate) const VERSION: i32 = MIGRATIONS.len() as i32;

/// Brings the schema up to [`VERSION`]; refuses a file of another application or a newer otai.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), String> {
    let sqlite = |e: rusqlite::Error| e.to_string();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite)?;
    let application: i32 = tx
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(sqlite)?;
    let version: i32 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sqlite)?;
    let tables: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(sqlite)?;
    if application != APPLICATION_ID && (application != 0 || tables > 0) {
        return Err("the file is not an otai state store".to_owned());
    }
    if version > VERSION {
        return Err(format!(
            "the store has schema version {version}, newer than this otai knows ({VERSION})"
        ));
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.execute_batch(sql)
            .map_err(|e| format!("migration to version {}: {e}", step + 1))?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(sqlite)?;
    tx.pragma_update(None, "user_version", VERSION)
        .map_err(sqlite)?;
    tx.commit().map_err(sqlite)
}
