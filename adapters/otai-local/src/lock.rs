//! The writer lock: an advisory lock on `<store file>.lock`, held while the store is open.
//!
//! The operating system releases it when the file is closed, so also when the process dies.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs4::TryLockError;
use otai_core::Result;

use crate::error::store_error;
use crate::options::{LockMode, OpenOptions};

/// Longest pause between two tries while waiting.
const MAX_PAUSE: Duration = Duration::from_millis(200);

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub(crate) struct WriterLock {
    _file: File,
}

/// The outcome of asking for the lock.
pub(crate) enum Locking {
    /// This process may write.
    Held(WriterLock),
    /// The lock file cannot be created or opened for writing (a read-only directory): nobody
    /// can write here, so the store opens read-only. Why, in words.
    Unwritable(String),
}

/// The lock file of the store file at `store`: `<name>.lock` beside it.
pub(crate) fn lock_path(store: &Path) -> PathBuf {
    let mut name = store.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the writer lock of the store file at `store`, waiting as `options` say.
pub(crate) fn acquire(store: &Path, options: &OpenOptions) -> Result<Locking> {
    let path = lock_path(store);
    let file = match File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(store_error(
                store,
                format!("cannot create {}: {e}", path.display()),
                false,
            ));
        }
        Err(e) => {
            return Ok(Locking::Unwritable(format!(
                "cannot create its lock file {}: {e}",
                path.display()
            )));
        }
    };
    let deadline = Instant::now() + options.lock_timeout;
    let mut pause = Duration::from_millis(10);
    loop {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                let message = format!("cannot lock {}: {e}", path.display());
                return Err(store_error(store, message, false));
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if options.lock == LockMode::Fail || left.is_zero() {
            return Err(busy(store, &path, options));
        }
        std::thread::sleep(pause.min(left));
        pause = (pause * 2).min(MAX_PAUSE);
    }
    // Who holds it, for the message of whoever waits; the lock works without it.
    let _ = file.set_len(0).and_then(|()| {
        let mut writer = &file;
        writer.write_all(format!("{}\n", std::process::id()).as_bytes())
    });
    Ok(Locking::Held(WriterLock { _file: file }))
}

/// The error for a lock another process holds, naming it when its lock file says who it is.
fn busy(store: &Path, path: &Path, options: &OpenOptions) -> otai_core::Error {
    let readers = "a store opened with read_only: true can read it meanwhile";
    let (holder, hint) = match holder_pid(path) {
        Some(pid) if pid == std::process::id() => (
            format!("this process (pid {pid}) holds it for writing already"),
            "open a store file once per process and clone the store",
        ),
        Some(pid) => (
            format!("another otai process (pid {pid}) holds it for writing"),
            readers,
        ),
        None => (
            "another otai process holds it for writing".to_owned(),
            readers,
        ),
    };
    let gave_up = match options.lock {
        LockMode::Fail => "gave up at once (lock: fail)".to_owned(),
        _ => format!("gave up after {:?} (lock_timeout)", options.lock_timeout),
    };
    let message = format!("{holder}; {gave_up}; {hint}");
    store_error(store, message, true)
}

/// The process ID written in the lock file, if it can be read.
fn holder_pid(path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(32).read_to_string(&mut text))
        .ok()?;
    text.trim().parse().ok()
}
