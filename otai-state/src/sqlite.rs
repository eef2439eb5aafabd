//! The default state store: one SQLite file (WAL), or memory.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};

use otai_sqlite::{exec, query_one};

use crate::StateStore;
use crate::error::StateError;
use crate::gi_sessions::GiSession;
use crate::schema;
use crate::staging::{
    AccountStats, Admission, Admitted, Claim, NewStaged, StagedRecord, StagingFilter, Status,
    Verdict,
};

/// The longest cache key kept, in bytes.
pub const MAX_CACHE_KEY_BYTES: usize = 512;
/// The largest cache value kept, in bytes.
pub const MAX_CACHE_VALUE_BYTES: usize = 64 * 1024;

/// How long a write waits for another process's write.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Statements kept parsed per connection (rusqlite keeps 16 by default): all the store's.
const STATEMENT_CACHE: usize = 64;
/// Read-only connections beside the writer, so reads (GET, metrics, the CLI) neither wait for
/// nor hold up the writes.
const READERS: usize = 2;

const COLUMNS: &str = "id, integration, account, external_id, status, payload, request, ticket_id, \
     ticket_number, duplicate_of, errors, attempts, received_at, updated_at, next_attempt_at";

/// A state store in one SQLite file (WAL; `synchronous = NORMAL`, so a committed row survives
/// the process being killed) or in memory: one writer connection and, for a file, a few readers.
#[derive(Debug)]
pub struct SqliteStore {
    location: String,
    conn: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl SqliteStore {
    /// Opens (creating and migrating as needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let location = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| database(&location, &e))?;
        let mut store = Self::prepare(location, conn, true)?;
        for _ in 0..READERS {
            let failed = |e: rusqlite::Error| database(&store.location, &e);
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(failed)?;
            reader.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
            reader.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            store.readers.push(Mutex::new(reader));
        }
        Ok(store)
    }

    /// A store in memory (tests, `:memory:`).
    pub fn in_memory() -> Result<Self, StateError> {
        let location = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|e| database(&location, &e))?;
        Self::prepare(location, conn, false)
    }

    fn prepare(location: String, mut conn: Connection, wal: bool) -> Result<Self, StateError> {
        let failed = |e: rusqlite::Error| database(&location, &e);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        if wal {
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(failed)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(failed)?;
        }
        schema::migrate(&mut conn).map_err(|message| StateError::Incompatible {
            location: location.clone(),
            message,
        })?;
        Ok(Self {
            location,
            conn: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        lock(&self.conn)
    }

    /// A connection for reading: a free reader, else the next one in turn; the writer for a
    /// store in memory (which has no readers).
    fn reader(&self) -> MutexGuard<'_, Connection> {
        for reader in &self.readers {
            if let Ok(guard) = reader.try_lock() {
                return guard;
            }
        }
        let turn = self.next_reader.fetch_add(1, Ordering::Relaxed);
        match self.readers.get(turn % self.readers.len().max(1)) {
            Some(reader) => lock(reader),
            None => self.conn(),
        }
    }

    fn db_err(&self) -> impl Fn(rusqlite::Error) -> StateError + '_ {
        move |e| database(&self.location, &e)
    }
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite consistent (every change is a statement or a
    // transaction), so the connection stays usable.
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn count(conn: &Connection, id: i64, column: &str) -> rusqlite::Result<()> {
    exec(
        conn,
        &format!(
            "UPDATE account_stats SET {column} = {column} + 1 WHERE (integration, account) = \
             (SELECT integration, account FROM staging WHERE id = ?1)"
        ),
        [id],
    )
    .map(|_| ())
}

/// Inserts the row and counts the request for its account.
fn stage(conn: &Connection, new: &NewStaged) -> rusqlite::Result<i64> {
    exec(
        conn,
        "INSERT INTO staging (integration, account, status, payload, received_at, updated_at)
         VALUES (?1, ?2, 'received', ?3, ?4, ?4)",
        params![new.integration, new.account, new.payload, new.received_at],
    )?;
    let id = conn.last_insert_rowid();
    exec(
        conn,
        "INSERT INTO account_stats (integration, account, requests, last_seen)
         VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (integration, account)
         DO UPDATE SET requests = requests + 1, last_seen = excluded.last_seen",
        params![new.integration, new.account, new.received_at],
    )?;
    Ok(id)
}

/// The key rule of [`StateStore::claim`], inside the caller's transaction.
fn claim(conn: &Connection, id: i64, external_id: &str) -> rusqlite::Result<Claim> {
    let first = query_one(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM staging WHERE external_id = ?2
                 AND integration = (SELECT integration FROM staging WHERE id = ?1)"
        ),
        params![id, external_id],
        record,
    )
    .optional()?;
    match first {
        Some(first) if first.id == id => {}
        Some(first) if first.status != Status::Error => return Ok(Claim::Taken(Box::new(first))),
        Some(first) => {
            exec(
                conn,
                "UPDATE staging SET external_id = NULL WHERE id = ?1",
                [first.id],
            )?;
        }
        None => {}
    }
    // Only one connection writes, inside the caller's transaction, so the UNIQUE index cannot
    // refuse this; if it ever does, the error is returned as it is.
    exec(
        conn,
        "UPDATE staging SET external_id = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, external_id, now()],
    )?;
    Ok(Claim::Claimed)
}

fn begin_attempt(
    conn: &Connection,
    id: i64,
    from: &[Status],
    request: &str,
) -> rusqlite::Result<bool> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let from = serde_json::to_string(&from).unwrap_or_default();
    let changed = exec(
        conn,
        "UPDATE staging SET status = 'processing', request = ?2,
         attempts = attempts + 1, updated_at = ?3, next_attempt_at = NULL
         WHERE id = ?1 AND status IN (SELECT value FROM json_each(?4))",
        params![id, request, now(), from],
    )?;
    Ok(changed == 1)
}

fn ignored(conn: &Connection, id: i64, first: i64) -> rusqlite::Result<()> {
    exec(
        conn,
        "UPDATE staging SET status = 'ignored', duplicate_of = ?2, updated_at = ?3
         WHERE id = ?1",
        params![id, first, now()],
    )
    .map(|_| ())
}

fn failed(conn: &Connection, id: i64, errors: &str) -> rusqlite::Result<()> {
    exec(
        conn,
        "UPDATE staging SET status = 'error', errors = ?2, request = NULL,
         next_attempt_at = NULL, updated_at = ?3 WHERE id = ?1",
        params![id, errors, now()],
    )?;
    count(conn, id, "rejected")
}

fn database(location: &str, e: &rusqlite::Error) -> StateError {
    StateError::Database {
        location: location.to_owned(),
        message: e.to_string(),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn record(row: &Row<'_>) -> rusqlite::Result<StagedRecord> {
    let status: String = row.get(4)?;
    Ok(StagedRecord {
        id: row.get(0)?,
        integration: row.get(1)?,
        account: row.get(2)?,
        external_id: row.get(3)?,
        status: Status::parse(&status).unwrap_or(Status::Error),
        payload: row.get(5)?,
        request: row.get(6)?,
        ticket_id: row.get(7)?,
        ticket_number: row.get(8)?,
        duplicate_of: row.get(9)?,
        errors: row.get(10)?,
        attempts: row.get(11)?,
        received_at: row.get(12)?,
        updated_at: row.get(13)?,
        next_attempt_at: row.get(14)?,
    })
}

fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<StagedRecord>> {
    query_one(
        conn,
        &format!("SELECT {COLUMNS} FROM staging WHERE id = ?1"),
        [id],
        record,
    )
    .optional()
}

impl StateStore for SqliteStore {
    fn debugger(&self) -> &dyn crate::DebuggerLog {
        self
    }

    fn stage(&self, new: &NewStaged) -> Result<i64, StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db_err())?;
        let id = stage(&tx, new).map_err(self.db_err())?;
        tx.commit().map_err(self.db_err())?;
        Ok(id)
    }

    fn admit(&self, new: &NewStaged, admission: &Admission) -> Result<Admitted, StateError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.db_err())?;
        let id = stage(&tx, new).map_err(self.db_err())?;
        if let Some(key) = &admission.external_id
            && let Claim::Taken(first) = claim(&tx, id, key).map_err(self.db_err())?
        {
            ignored(&tx, id, first.id).map_err(self.db_err())?;
            tx.commit().map_err(self.db_err())?;
            return Ok(Admitted::Duplicate { id, first });
        }
        let admitted = match &admission.verdict {
            Verdict::Send(request) => {
                begin_attempt(&tx, id, &[Status::Received], request).map_err(self.db_err())?;
                Admitted::Sending(id)
            }
            Verdict::Refuse(errors) => {
                failed(&tx, id, errors).map_err(self.db_err())?;
                Admitted::Refused(id)
            }
        };
        tx.commit().map_err(self.db_err())?;
        Ok(admitted)
    }

    fn claim(&self, id: i64, external_id: &str) -> Result<Claim, StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db_err())?;
        let claimed = claim(&tx, id, external_id).map_err(self.db_err())?;
        tx.commit().map_err(self.db_err())?;
        Ok(claimed)
    }

    fn begin_attempt(&self, id: i64, from: &[Status], request: &str) -> Result<bool, StateError> {
        begin_attempt(&self.conn(), id, from, request).map_err(self.db_err())
    }

    fn inserted(
        &self,
        id: i64,
        ticket_id: &str,
        ticket_number: Option<&str>,
    ) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db_err())?;
        exec(
            &tx,
            "UPDATE staging SET status = 'inserted', ticket_id = ?2, ticket_number = ?3,
             request = NULL, errors = NULL, updated_at = ?4 WHERE id = ?1",
            params![id, ticket_id, ticket_number, now()],
        )
        .map_err(self.db_err())?;
        count(&tx, id, "created").map_err(self.db_err())?;
        tx.commit().map_err(self.db_err())
    }

    fn ignored(&self, id: i64, first: i64) -> Result<(), StateError> {
        ignored(&self.conn(), id, first).map_err(self.db_err())
    }

    fn failed(&self, id: i64, errors: &str) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db_err())?;
        failed(&tx, id, errors).map_err(self.db_err())?;
        tx.commit().map_err(self.db_err())
    }

    fn retry_later(&self, id: i64, errors: &str, next_attempt: &str) -> Result<(), StateError> {
        self.conn()
            .execute(
                "UPDATE staging SET status = 'retrying', errors = ?2, next_attempt_at = ?3,
                 updated_at = ?4 WHERE id = ?1",
                params![id, errors, next_attempt, now()],
            )
            .map(|_| ())
            .map_err(|e| database(&self.location, &e))
    }

    fn due(&self, now: &str, limit: usize) -> Result<Vec<StagedRecord>, StateError> {
        let conn = self.conn();
        let failed = |e: rusqlite::Error| database(&self.location, &e);
        let mut statement = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM staging WHERE status = 'retrying' AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT ?2"
            ))
            .map_err(failed)?;
        let rows = statement
            .query_map(params![now, limit as i64], record)
            .map_err(failed)?;
        rows.collect::<rusqlite::Result<_>>().map_err(failed)
    }

    fn interrupted(&self) -> Result<usize, StateError> {
        let errors = r#"[{"field":"","code":"interrupted","message":"otai stopped while sending this request to the helpdesk: check whether its ticket exists, then replay it if not"}]"#;
        // Kept as `interrupted`, with its key: a resend is answered as a duplicate.
        let mut conn = self.conn();
        let failed = |e: rusqlite::Error| database(&self.location, &e);
        let tx = conn.transaction().map_err(failed)?;
        let ids: Vec<i64> = {
            let mut statement = tx
                .prepare("SELECT id FROM staging WHERE status = 'processing'")
                .map_err(failed)?;
            let rows = statement.query_map([], |r| r.get(0)).map_err(failed)?;
            rows.collect::<rusqlite::Result<_>>().map_err(failed)?
        };
        for id in &ids {
            tx.execute(
                "UPDATE staging SET status = 'interrupted', errors = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, errors, now()],
            )
            .map_err(failed)?;
            count(&tx, *id, "rejected").map_err(failed)?;
        }
        tx.commit().map_err(failed)?;
        Ok(ids.len())
    }

    fn get(&self, id: i64) -> Result<Option<StagedRecord>, StateError> {
        get(&self.reader(), id).map_err(|e| database(&self.location, &e))
    }

    fn list(&self, filter: &StagingFilter) -> Result<Vec<StagedRecord>, StateError> {
        let conn = self.reader();
        let failed = |e: rusqlite::Error| database(&self.location, &e);
        let mut statement = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM staging
                 WHERE (?1 IS NULL OR integration = ?1) AND (?2 IS NULL OR status = ?2)
                 ORDER BY id DESC LIMIT ?3"
            ))
            .map_err(failed)?;
        let limit = if filter.limit == 0 {
            -1
        } else {
            filter.limit as i64
        };
        let rows = statement
            .query_map(
                params![filter.integration, filter.status.map(Status::as_str), limit],
                record,
            )
            .map_err(failed)?;
        rows.collect::<rusqlite::Result<_>>().map_err(failed)
    }

    fn counts(&self) -> Result<Vec<(String, Status, u64)>, StateError> {
        let conn = self.reader();
        let failed = |e: rusqlite::Error| database(&self.location, &e);
        let mut statement = conn
            .prepare(
                "SELECT integration, status, count(*) FROM staging
                 GROUP BY integration, status ORDER BY integration, status",
            )
            .map_err(failed)?;
        let rows = statement
            .query_map([], |r| {
                let status: String = r.get(1)?;
                Ok((r.get(0)?, status, r.get::<_, i64>(2)?))
            })
            .map_err(failed)?;
        let mut out = Vec::new();
        for row in rows {
            let (integration, status, count) = row.map_err(failed)?;
            if let Some(status) = Status::parse(&status) {
                out.push((integration, status, count.max(0) as u64));
            }
        }
        Ok(out)
    }

    fn stats(&self) -> Result<Vec<AccountStats>, StateError> {
        let conn = self.reader();
        let failed = |e: rusqlite::Error| database(&self.location, &e);
        let mut statement = conn
            .prepare(
                "SELECT integration, account, requests, created, rejected, last_seen
                 FROM account_stats ORDER BY integration, account",
            )
            .map_err(failed)?;
        let rows = statement
            .query_map([], |r| {
                Ok(AccountStats {
                    integration: r.get(0)?,
                    account: r.get(1)?,
                    requests: r.get::<_, i64>(2)?.max(0) as u64,
                    created: r.get::<_, i64>(3)?.max(0) as u64,
                    rejected: r.get::<_, i64>(4)?.max(0) as u64,
                    last_seen: r.get(5)?,
                })
            })
            .map_err(failed)?;
        rows.collect::<rusqlite::Result<_>>().map_err(failed)
    }

    fn sweep(&self, before: &str) -> Result<usize, StateError> {
        let mut conn = self.conn();
        let failed = |e: rusqlite::Error| database(&self.location, &e);
        let tx = conn.transaction().map_err(failed)?;
        // A created ticket's key is kept (without its payload), so a resend much later is
        // still recognised; everything else finished is deleted.
        let emptied = tx
            .execute(
                "UPDATE staging SET payload = '', errors = NULL WHERE status = 'inserted'
                 AND external_id IS NOT NULL AND received_at < ?1 AND payload != ''",
                [before],
            )
            .map_err(failed)?;
        let deleted = tx
            .execute(
                "DELETE FROM staging WHERE received_at < ?1 AND (status IN ('ignored', 'error')
                 OR (status = 'inserted' AND external_id IS NULL))",
                [before],
            )
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        Ok(emptied + deleted)
    }

    fn cache_get(&self, key: &str, not_before: &str) -> Result<Option<String>, StateError> {
        self.conn()
            .query_row(
                "SELECT value FROM cache WHERE key = ?1 AND created_at >= ?2",
                [key, not_before],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db_err())
    }

    fn cache_put(&self, key: &str, value: &str) -> Result<(), StateError> {
        if key.len() > MAX_CACHE_KEY_BYTES || value.len() > MAX_CACHE_VALUE_BYTES {
            return Ok(());
        }
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO cache (key, value, created_at) VALUES (?1, ?2, ?3)",
                params![key, value, now()],
            )
            .map(|_| ())
            .map_err(self.db_err())
    }

    fn cache_sweep(&self, before: &str) -> Result<usize, StateError> {
        self.conn()
            .execute("DELETE FROM cache WHERE created_at < ?1", [before])
            .map_err(self.db_err())
    }

    fn gi_session_put(&self, session: &GiSession) -> Result<(), StateError> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO gi_sessions
                 (id_hash, webservice, kind, login, remote_addr, created_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    session.id_hash,
                    session.webservice,
                    session.kind,
                    session.login,
                    session.remote_addr,
                    session.created_at,
                    session.last_used_at
                ],
            )
            .map(|_| ())
            .map_err(self.db_err())
    }

    fn gi_session_get(&self, id_hash: &str) -> Result<Option<GiSession>, StateError> {
        self.reader()
            .query_row(
                "SELECT id_hash, webservice, kind, login, remote_addr, created_at, last_used_at
                 FROM gi_sessions WHERE id_hash = ?1",
                [id_hash],
                |r| {
                    Ok(GiSession {
                        id_hash: r.get(0)?,
                        webservice: r.get(1)?,
                        kind: r.get(2)?,
                        login: r.get(3)?,
                        remote_addr: r.get(4)?,
                        created_at: r.get(5)?,
                        last_used_at: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(self.db_err())
    }

    fn gi_session_touch(&self, id_hash: &str, at: i64) -> Result<(), StateError> {
        self.conn()
            .execute(
                "UPDATE gi_sessions SET last_used_at = ?2 WHERE id_hash = ?1",
                params![id_hash, at],
            )
            .map(|_| ())
            .map_err(self.db_err())
    }

    fn gi_session_delete(&self, id_hash: &str) -> Result<(), StateError> {
        self.conn()
            .execute("DELETE FROM gi_sessions WHERE id_hash = ?1", [id_hash])
            .map(|_| ())
            .map_err(self.db_err())
    }

    fn gi_session_sweep(&self, before: i64) -> Result<usize, StateError> {
        self.conn()
            .execute("DELETE FROM gi_sessions WHERE created_at < ?1", [before])
            .map_err(self.db_err())
    }
}

mod debugger;
#[cfg(test)]
mod tests;
mod versions;
