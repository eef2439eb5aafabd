//! The session cache: one file per (web service URL, login) holding a session ID, so that
//! separate processes (cron-driven `otai tickets …`, `otai run --once`) share one session
//! instead of each creating a new one; the Generic Interface has no logout and OTOBO limits
//! the sessions an agent may hold.
//!
//! The file holds the session ID only; its modification time is when the session was created.
//! It is written atomically (a temporary file created with mode 0600, then renamed), read with
//! a size bound, and ignored when it is not a private regular file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

/// The largest cache file read; a session ID is far shorter.
const MAX_FILE_BYTES: u64 = 4096;

/// Where the session ID of one web service and login is kept between processes.
#[derive(Debug, Clone)]
pub(crate) struct SessionCache {
    file: PathBuf,
}

/// A session ID read from the cache, and how long ago it was created.
pub(crate) struct CachedSession {
    /// The session ID.
    pub(crate) id: SecretString,
    /// Time since the file was written.
    pub(crate) age: Duration,
}

impl SessionCache {
    /// The cache of `webservice_url` and `login` in directory `dir`.
    pub(crate) fn new(dir: &Path, webservice_url: &str, login_key: &str, login: &str) -> Self {
        let key = format!("otobo-znuny\n{webservice_url}\n{login_key}\n{login}");
        Self {
            file: dir.join(format!("otobo-session-{:016x}", fnv1a(key.as_bytes()))),
        }
    }

    /// The file this cache uses.
    #[cfg(test)]
    pub(crate) fn file(&self) -> &Path {
        &self.file
    }

    /// The cached session, if there is a usable one: a private regular file, not larger than
    /// [`MAX_FILE_BYTES`], holding one line without control characters, at most
    /// `max_id_len` bytes. Anything else is ignored (and logged).
    pub(crate) fn load(&self, max_id_len: usize) -> Option<CachedSession> {
        match self.read(max_id_len) {
            Ok(found) => found,
            Err(problem) => {
                tracing::warn!(file = %self.file.display(), %problem, "session cache ignored");
                None
            }
        }
    }

    fn read(&self, max_id_len: usize) -> Result<Option<CachedSession>, String> {
        let meta = match std::fs::symlink_metadata(&self.file) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        if !meta.file_type().is_file() {
            return Err("not a regular file".into());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err("readable or writable by others (expected mode 0600)".into());
            }
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!("larger than {MAX_FILE_BYTES} bytes"));
        }
        let mut text = String::new();
        std::fs::File::open(&self.file)
            .and_then(|f| f.take(MAX_FILE_BYTES).read_to_string(&mut text))
            .map_err(|e| e.to_string())?;
        let id = text.trim_end_matches('\n');
        if id.is_empty() {
            return Ok(None);
        }
        if id.len() > max_id_len || id.chars().any(char::is_control) {
            return Err("does not hold a session ID".into());
        }
        let age = meta
            .modified()
            .ok()
            .and_then(|written| SystemTime::now().duration_since(written).ok())
            .unwrap_or(Duration::MAX);
        Ok(Some(CachedSession {
            id: SecretString::from(id.to_owned()),
            age,
        }))
    }

    /// Keeps `id` for other processes. A failure is logged, never fatal: the session still
    /// works for this process.
    pub(crate) fn store(&self, id: &SecretString) {
        if let Err(e) = self.write(id.expose_secret()) {
            tracing::warn!(file = %self.file.display(), error = %e, "session not cached");
        }
    }

    fn write(&self, id: &str) -> std::io::Result<()> {
        let dir = self.file.parent().unwrap_or_else(|| Path::new("."));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temp).and_then(|mut file| {
            file.write_all(id.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()
        });
        let renamed = written.and_then(|()| std::fs::rename(&temp, &self.file));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        renamed
    }

    /// Drops the cached session if it is still `id` (another process may have replaced it).
    pub(crate) fn forget(&self, id: &str, max_id_len: usize) {
        let holds_it = self
            .read(max_id_len)
            .ok()
            .flatten()
            .is_some_and(|cached| cached.id.expose_secret() == id);
        if !holds_it {
            return;
        }
        if let Err(e) = std::fs::remove_file(&self.file) {
            tracing::warn!(file = %self.file.display(), error = %e, "stale session not removed");
        }
    }
}

/// The default cache directory: `$XDG_CACHE_HOME/otai`, else `$HOME/.cache/otai`; `None`
/// when neither variable is set to an absolute path.
pub(crate) fn default_dir() -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    absolute("XDG_CACHE_HOME")
        .map(|dir| dir.join("otai"))
        .or_else(|| absolute("HOME").map(|home| home.join(".cache").join("otai")))
}

/// FNV-1a, 64 bits: a stable file name for a key (a collision only costs a SessionCreate).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn cache(dir: &Path) -> SessionCache {
        SessionCache::new(dir, "http://127.0.0.1:1/ws", "UserLogin", "agent")
    }

    #[test]
    fn a_stored_session_is_loaded_back_and_private() -> TestResult {
        let dir = tempfile::tempdir()?;
        let cache = cache(&dir.path().join("otai"));
        assert!(cache.load(64).is_none(), "nothing cached yet");
        cache.store(&SecretString::from("abc123".to_owned()));
        let loaded = cache.load(64).ok_or("stored session not loaded")?;
        assert_eq!(loaded.id.expose_secret(), "abc123");
        assert!(loaded.age < Duration::from_secs(60));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache.file())?.permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(dir.path().join("otai"))?
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
        let leftovers = std::fs::read_dir(dir.path().join("otai"))?.count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        Ok(())
    }

    #[test]
    fn keys_differ_by_url_and_login() {
        let dir = Path::new("/c");
        let a = cache(dir);
        let b = SessionCache::new(dir, "http://127.0.0.1:2/ws", "UserLogin", "agent");
        let c = SessionCache::new(dir, "http://127.0.0.1:1/ws", "UserLogin", "other");
        assert_ne!(a.file(), b.file());
        assert_ne!(a.file(), c.file());
        assert_eq!(a.file(), cache(dir).file());
    }

    #[test]
    fn forget_removes_only_the_session_it_names() -> TestResult {
        let dir = tempfile::tempdir()?;
        let cache = cache(dir.path());
        cache.store(&SecretString::from("newer".to_owned()));
        cache.forget("older", 64);
        assert!(cache.load(64).is_some(), "another process's session kept");
        cache.forget("newer", 64);
        assert!(cache.load(64).is_none());
        Ok(())
    }

    #[test]
    fn hostile_files_are_ignored() -> TestResult {
        let dir = tempfile::tempdir()?;
        let cache = cache(dir.path());
        std::fs::write(cache.file(), "x".repeat(100))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(cache.file(), std::fs::Permissions::from_mode(0o600))?;
            assert!(cache.load(64).is_none(), "longer than a session ID");
            std::fs::write(cache.file(), "ok-id\n")?;
            std::fs::set_permissions(cache.file(), std::fs::Permissions::from_mode(0o644))?;
            assert!(cache.load(64).is_none(), "readable by others");
            std::fs::set_permissions(cache.file(), std::fs::Permissions::from_mode(0o600))?;
            assert!(cache.load(64).is_some(), "private again");
            std::fs::write(cache.file(), "a\u{1b}b")?;
            assert!(cache.load(64).is_none(), "control characters");
            std::fs::remove_file(cache.file())?;
            std::fs::create_dir(cache.file())?;
            assert!(cache.load(64).is_none(), "a directory");
        }
        Ok(())
    }
}
