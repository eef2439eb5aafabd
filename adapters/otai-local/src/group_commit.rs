//! Group commit: writes that arrive while another is being committed wait in a queue, and the
//! next writer to get the connection runs all of them in one transaction, each in its own
//! savepoint, with one commit (one `fsync`) for the lot.
//!
//! A write's result is handed back only after the commit that makes it durable; a write that
//! fails is rolled back to its savepoint alone, and a commit that fails fails every write in
//! it. The queue is first in, first out.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use otai_core::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use crate::error::{is_busy, sqlite_problem};
use otai_sqlite::exec;

/// The most writes committed together.
const MAX_BATCH: usize = 128;

/// Makes the error a write gets when it is not run or not committed (one per write).
type MakeError<'a> = &'a dyn Fn() -> Error;

/// A queued write, its result type erased.
trait QueuedWrite: Send {
    /// Runs the work; returns whether it succeeded, and what to do once the commit is known.
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Box<dyn Done>);
    /// Hands back `error` without running the work.
    fn refuse(self: Box<Self>, error: Error);
}

/// A write that ran, waiting for its commit.
trait Done: Send {
    /// Hands back the write's result, or `error` when its commit failed.
    fn finish(self: Box<Self>, commit_failed: Option<MakeError<'_>>);
}

struct Write<T, F> {
    work: F,
    reply: oneshot::Sender<Result<T>>,
}

struct Ran<T> {
    result: Result<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> QueuedWrite for Write<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T> + Send,
{
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Box<dyn Done>) {
        let result = (self.work)(conn);
        let ok = result.is_ok();
        let ran = Ran {
            result,
            reply: self.reply,
        };
        (ok, Box::new(ran))
    }

    fn refuse(self: Box<Self>, error: Error) {
        // The caller may have stopped waiting; nothing to tell it then.
        let _ = self.reply.send(Err(error));
    }
}

impl<T: Send> Done for Ran<T> {
    fn finish(self: Box<Self>, commit_failed: Option<MakeError<'_>>) {
        let result = match commit_failed {
            Some(error) if self.result.is_ok() => Err(error()),
            _ => self.result,
        };
        let _ = self.reply.send(result);
    }
}

/// The writes waiting for a transaction.
#[derive(Default)]
pub(crate) struct WriteQueue {
    writes: Mutex<VecDeque<Box<dyn QueuedWrite>>>,
}

impl WriteQueue {
    /// Queues `work`; the receiver gets its result once it is committed (or failed). Someone
    /// must then call [`Self::run`] (or [`Self::refuse_all`]).
    pub(crate) fn push<T, F>(&self, work: F) -> oneshot::Receiver<Result<T>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, received) = oneshot::channel();
        self.lock().push_back(Box::new(Write { work, reply }));
        received
    }

    /// Runs the queued writes (at most [`MAX_BATCH`]) in one transaction on `conn`; nothing
    /// when another caller took them already.
    pub(crate) fn run(&self, conn: &mut Connection) {
        let writes = self.take(MAX_BATCH);
        if writes.is_empty() {
            return;
        }
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let make = sqlite_error("begin write", e);
                return writes.into_iter().for_each(|write| write.refuse(make()));
            }
        };
        let mut ran = Vec::with_capacity(writes.len());
        for write in writes {
            if let Err(e) = exec(&tx, "SAVEPOINT otai_write", []) {
                write.refuse(sqlite_error("begin write", e)());
                continue;
            }
            let (ok, done) = write.run(&tx);
            let undone = if ok {
                Ok(0)
            } else {
                exec(&tx, "ROLLBACK TO otai_write", [])
            };
            match undone.and_then(|_| exec(&tx, "RELEASE otai_write", [])) {
                Ok(_) => ran.push(done),
                Err(e) => done.finish(Some(&sqlite_error("end write", e))),
            }
        }
        let failed = tx.commit().err().map(|e| sqlite_error("commit", e));
        for done in ran {
            done.finish(failed.as_ref().map(|make| make as MakeError<'_>));
        }
    }

    /// Hands every queued write `error` (the first one) or a copy of it, without running them:
    /// the store could not be opened, or is read-only.
    pub(crate) fn refuse_all(&self, error: Error) {
        let copy = copy_error(&error);
        let mut writes = self.take(usize::MAX).into_iter();
        if let Some(first) = writes.next() {
            first.refuse(error);
        }
        writes.for_each(|write| write.refuse(copy_error(&copy)));
    }

    fn take(&self, most: usize) -> Vec<Box<dyn QueuedWrite>> {
        let mut queue = self.lock();
        let n = queue.len().min(most);
        queue.drain(..n).collect()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Box<dyn QueuedWrite>>> {
        // Only pushed to and drained: the queue is whole even after a panic elsewhere.
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A factory of the error a SQLite failure during `op` gives every write it concerns.
fn sqlite_error(op: &'static str, e: rusqlite::Error) -> impl Fn() -> Error {
    let (problem, transient) = (sqlite_problem(&e), is_busy(&e));
    move || Error::Transport {
        request: format!("local store: {op}"),
        message: format!("database error: {problem}"),
        transient,
        source: None,
    }
}

/// A copy of a store error for another write (errors are not `Clone`: the source is left out).
fn copy_error(error: &Error) -> Error {
    match error {
        Error::PermissionDenied { message } => Error::PermissionDenied {
            message: message.clone(),
        },
        Error::Transport {
            request,
            message,
            transient,
            ..
        } => Error::Transport {
            request: request.clone(),
            message: message.clone(),
            transient: *transient,
            source: None,
        },
        other => Error::Transport {
            request: "local store".into(),
            message: other.to_string(),
            transient: false,
            source: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::db_error;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn table() -> rusqlite::Result<Connection> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE rows (name TEXT NOT NULL,
                 parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
        )?;
        Ok(conn)
    }

    fn insert(conn: &Connection, name: &str, parent: Option<i64>) -> Result<usize> {
        conn.execute(
            "INSERT INTO rows (name, parent) VALUES (?1, ?2)",
            rusqlite::params![name, parent],
        )
        .map_err(db_error("insert"))
    }

    fn names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
        let mut statement = conn.prepare("SELECT name FROM rows ORDER BY name")?;
        let rows = statement.query_map([], |r| r.get(0))?;
        rows.collect()
    }

    /// The answer a queued write got (an error when it got none).
    fn answer<T>(received: oneshot::Receiver<Result<T>>) -> Result<T> {
        received.blocking_recv().unwrap_or_else(|_| {
            Err(Error::invalid_input(
                "answer",
                "the write was never answered",
            ))
        })
    }

    #[test]
    fn a_failed_write_is_undone_alone_and_the_others_are_committed() -> TestResult {
        let mut conn = table()?;
        let queue = WriteQueue::default();
        let first = queue.push(|conn| insert(conn, "first", None));
        let failed = queue.push(|conn| {
            insert(conn, "half-done", None)?;
            Err::<usize, _>(Error::invalid_input("subject", "refused half-way"))
        });
        let last = queue.push(|conn| insert(conn, "last", None));
        queue.run(&mut conn);
        assert_eq!(answer(first)?, 1);
        let error = answer(failed).err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("refused half-way")));
        assert_eq!(answer(last)?, 1);
        assert_eq!(names(&conn)?, ["first", "last"]);
        Ok(())
    }

    #[test]
    fn a_failed_commit_fails_every_write_in_it() -> TestResult {
        let mut conn = table()?;
        let queue = WriteQueue::default();
        let fine = queue.push(|conn| insert(conn, "fine", None));
        // A deferred foreign key: the write itself succeeds, the commit refuses it.
        let orphan = queue.push(|conn| insert(conn, "orphan", Some(42)));
        queue.run(&mut conn);
        for received in [fine, orphan] {
            let error = answer(received).err().map(|e| e.to_string());
            assert!(
                error.as_deref().is_some_and(|e| e.contains("commit")),
                "{error:?}"
            );
        }
        assert!(names(&conn)?.is_empty());
        assert!(
            conn.is_autocommit(),
            "the failed transaction is rolled back"
        );
        Ok(())
    }

    #[test]
    fn writes_past_the_batch_size_wait_for_the_next_run() -> TestResult {
        let mut conn = table()?;
        let queue = WriteQueue::default();
        let answers: Vec<_> = (0..MAX_BATCH + 3)
            .map(|n| queue.push(move |conn| insert(conn, &format!("{n:04}"), None)))
            .collect();
        queue.run(&mut conn);
        assert_eq!(names(&conn)?.len(), MAX_BATCH);
        queue.run(&mut conn);
        assert_eq!(names(&conn)?.len(), MAX_BATCH + 3);
        for received in answers {
            assert_eq!(answer(received)?, 1);
        }
        Ok(())
    }

    #[test]
    fn refused_writes_each_get_the_error_and_are_never_run() -> TestResult {
        let conn = table()?;
        let queue = WriteQueue::default();
        let answers: Vec<_> = (0..3)
            .map(|_| queue.push(|conn| insert(conn, "never", None)))
            .collect();
        queue.refuse_all(Error::PermissionDenied {
            message: "local store x is read-only: asked to".into(),
        });
        for received in answers {
            let error = answer(received).err();
            assert!(
                matches!(&error, Some(Error::PermissionDenied { message }) if message.contains("read-only")),
                "{error:?}"
            );
        }
        assert!(names(&conn)?.is_empty());
        Ok(())
    }
}
