//! How a store file is opened: for writing under a lock, or read-only.

use std::time::Duration;

use serde::Deserialize;

/// What to do when another process holds the store file for writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LockMode {
    /// Wait for it, at most [`OpenOptions::lock_timeout`] (the default).
    #[default]
    Wait,
    /// Give up at once.
    Fail,
}

/// How [`LocalStore::open_with`](crate::LocalStore::open_with) opens a store file.
///
/// A store file has one writer at a time: the process that opens it for writing holds an
/// advisory lock on `<file>.lock` until the store (and every clone of it) is dropped. Read-only
/// stores take no lock, so they read while another process writes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Open without writing: no lock, nothing created or changed, writes fail.
    pub read_only: bool,
    /// What to do when another process holds the file for writing.
    pub lock: LockMode,
    /// How long [`LockMode::Wait`] waits.
    pub lock_timeout: Duration,
}

impl OpenOptions {
    /// The default wait for the lock.
    pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

    /// Options to open for writing, waiting for the lock as long as the default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens read-only (no lock; writes fail).
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// What to do when another process holds the lock.
    pub fn lock(mut self, lock: LockMode) -> Self {
        self.lock = lock;
        self
    }

    /// How long to wait for the lock.
    pub fn lock_timeout(mut self, lock_timeout: Duration) -> Self {
        self.lock_timeout = lock_timeout;
        self
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            read_only: false,
            lock: LockMode::Wait,
            lock_timeout: Self::DEFAULT_LOCK_TIMEOUT,
        }
    }
}
