//! The store: its file, opened at first use, and running work off the async executor.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use otai_core::{Error, Result};
use rusqlite::Connection;

use crate::error::read_only_error;
use crate::group_commit::WriteQueue;
use crate::open::{self, Db, MEMORY};
use crate::options::OpenOptions;
use crate::seed::Seed;

/// The embedded SQLite ticket store. Cheap to clone; clones share the connection and the
/// writer lock, which is released when the last clone is dropped.
#[derive(Clone)]
pub struct LocalStore {
    shared: Arc<Shared>,
}

struct Shared {
    location: PathBuf,
    options: OpenOptions,
    /// Tickets to load when the store is opened for writing.
    seed: Option<Seed>,
    /// `None` until the first operation opens the file.
    db: Mutex<Option<Db>>,
    /// Writes waiting to be committed together.
    writes: WriteQueue,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("location", &self.shared.location)
            .finish()
    }
}

/// Whether an operation reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Reads only: works on a read-only store.
    Read,
    /// Changes the store: refused by a read-only store.
    Write,
}

impl LocalStore {
    /// Opens (or creates) the store at `path` for writing, waiting for the writer lock as long
    /// as the default; `:memory:` gives a throw-away store. See [`Self::open_with`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &OpenOptions::default())
    }

    /// Opens the store at `path` now, as `options` say.
    ///
    /// For writing, it takes the writer lock (`<path>.lock`) first and holds it until the store
    /// and its clones are dropped; it opens read-only instead when `options.read_only` is set or
    /// nothing can be written there (a file or directory that is not writable). Errors name the
    /// file: another process holds the lock, the file is damaged, not a SQLite database, another
    /// application's database, or written by a newer otai. Nothing is written to such a file.
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Self> {
        let store = Self::deferred(path.as_ref().to_path_buf(), options.clone(), None);
        store.run_blocking(Access::Read, |_| Ok(()))?;
        Ok(store)
    }

    /// A throw-away store in memory.
    pub fn in_memory() -> Result<Self> {
        Self::open(MEMORY)
    }

    /// A store whose file is opened (and `seed` loaded into it) by its first operation, so that
    /// building it from a configuration touches no file; a failed opening is tried again by
    /// the next operation.
    pub(crate) fn deferred(location: PathBuf, options: OpenOptions, seed: Option<Seed>) -> Self {
        Self {
            shared: Arc::new(Shared {
                location,
                options,
                seed,
                db: Mutex::new(None),
                writes: WriteQueue::default(),
            }),
        }
    }

    /// Where the store lives (a file path or `:memory:`).
    pub fn location(&self) -> &Path {
        &self.shared.location
    }

    /// Checks that the store can be opened without opening it: nothing is created, changed or
    /// locked. A store already open is fine.
    pub(crate) fn check(&self) -> Result<()> {
        let opened = self.shared.db.lock().is_ok_and(|db| db.is_some());
        if opened {
            return Ok(());
        }
        open::check(&self.shared.location)
    }

    /// Runs `work` with the connection on the blocking thread pool.
    pub(crate) async fn run<T, F>(&self, access: Access, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let store = self.clone();
        off_executor(move || store.run_blocking(access, work)).await
    }

    /// Runs the write `work` on the blocking thread pool, in one transaction with the writes
    /// queued beside it (group commit: one `fsync` for them all); its result comes back once
    /// that transaction is committed. `work` must not begin or commit a transaction itself.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let committed = self.shared.writes.push(work);
        let store = self.clone();
        off_executor(move || {
            let ran = store.run_blocking(Access::Write, |conn| {
                store.shared.writes.run(conn);
                Ok(())
            });
            if let Err(error) = ran {
                store.shared.writes.refuse_all(error);
            }
            Ok(())
        })
        .await?;
        committed.await.map_err(|_| Error::Transport {
            request: "local store".into(),
            message: "a store task did not finish".into(),
            transient: false,
            source: None,
        })?
    }

    /// Runs `work` with the connection on this thread, opening the store first if needed.
    pub(crate) fn run_blocking<T>(
        &self,
        access: Access,
        work: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut guard = self.shared.db.lock().map_err(|_| Error::Transport {
            request: "local store".into(),
            message: "the store's connection is unusable after an earlier panic".into(),
            transient: false,
            source: None,
        })?;
        let db = match &mut *guard {
            Some(db) => db,
            None => guard.insert(self.open_now()?),
        };
        if let (Access::Write, Some(reason)) = (access, &db.read_only) {
            return Err(read_only_error(&self.shared.location, reason));
        }
        work(&mut db.conn)
    }

    fn open_now(&self) -> Result<Db> {
        let shared = &self.shared;
        let mut db = open::open(&shared.location, &shared.options)?;
        if let Some(seed) = &shared.seed {
            match &db.read_only {
                None => {
                    seed.load(&mut db.conn)?;
                }
                Some(reason) => tracing::warn!(
                    store = %shared.location.display(),
                    seed = %seed.file(),
                    "the seed is not loaded into a read-only store: {reason}"
                ),
            }
        }
        Ok(db)
    }
}

/// Runs blocking `work` on the blocking thread pool.
pub(crate) async fn off_executor<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Transport {
            request: "local store".into(),
            message: "a store task did not finish".into(),
            transient: false,
            source: Some(Box::new(e)),
        })?
}
