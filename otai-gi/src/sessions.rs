//! Sessions from `SessionCreate`, kept in the state store by a hash of their id: random ids of
//! 160 bits, an idle and a maximum lifetime, optionally bound to the creating address.

use std::net::IpAddr;
use std::sync::Arc;

use otai_state::{GiSession, StateError, StateStore};
use sha2::{Digest, Sha256};

use crate::accounts::Identity;
use crate::config::SessionConfig;

/// Random bytes in a session id.
const ID_BYTES: usize = 20;
/// The longest session id looked up (a longer one cannot be ours).
pub const MAX_ID_LEN: usize = 2 * ID_BYTES;

/// The sessions of every web service, in one state store.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Arc<dyn StateStore>,
}

/// Why a session was refused (logged, never told the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No such session (or of another web service).
    Unknown,
    /// Past its idle time.
    Idle,
    /// Past its maximum lifetime.
    Expired,
    /// Used from another address than the one that created it.
    Address,
}

fn hash(id: &str) -> String {
    let digest: [u8; 32] = Sha256::digest(id.as_bytes()).into();
    hex(&digest)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    /// Sessions kept in `store`.
    pub fn new(store: Arc<dyn StateStore>) -> Self {
        Self { store }
    }

    /// A new session of `identity` on `webservice`, created from `remote`, at `now` (Unix
    /// seconds); returns its id (the only copy: the store keeps a hash).
    pub async fn create(
        &self,
        webservice: &str,
        identity: &Identity,
        remote: Option<IpAddr>,
        now: i64,
    ) -> Result<String, StateError> {
        let mut bytes = [0u8; ID_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| failure(format!("no random session id: {e}")))?;
        let id = hex(&bytes);
        let session = GiSession {
            id_hash: hash(&id),
            webservice: webservice.to_owned(),
            kind: identity.kind().to_owned(),
            login: identity.login().to_owned(),
            remote_addr: remote.map(|a| a.to_string()),
            created_at: now,
            last_used_at: now,
        };
        let store = Arc::clone(&self.store);
        blocking(move || store.gi_session_put(&session)).await?;
        Ok(id)
    }

    /// The identity of session `id` on `webservice`, used from `remote` at `now`; a session past
    /// its lifetime is forgotten. A good session counts as used.
    pub async fn check(
        &self,
        webservice: &str,
        id: &str,
        remote: Option<IpAddr>,
        config: &SessionConfig,
        now: i64,
    ) -> Result<Result<Identity, Refused>, StateError> {
        if id.len() > MAX_ID_LEN {
            return Ok(Err(Refused::Unknown));
        }
        let id_hash = hash(id);
        let store = Arc::clone(&self.store);
        let key = id_hash.clone();
        let Some(session) = blocking(move || store.gi_session_get(&key)).await? else {
            return Ok(Err(Refused::Unknown));
        };
        if session.webservice != webservice {
            return Ok(Err(Refused::Unknown));
        }
        let refused = if now - session.created_at >= i64::from(config.max_minutes) * 60 {
            Some(Refused::Expired)
        } else if now - session.last_used_at >= i64::from(config.idle_minutes) * 60 {
            Some(Refused::Idle)
        } else {
            None
        };
        let store = Arc::clone(&self.store);
        if let Some(refused) = refused {
            blocking(move || store.gi_session_delete(&id_hash)).await?;
            return Ok(Err(refused));
        }
        if config.bind_to_address && session.remote_addr != remote.map(|a| a.to_string()) {
            return Ok(Err(Refused::Address));
        }
        blocking(move || store.gi_session_touch(&id_hash, now)).await?;
        Ok(Identity::from_parts(&session.kind, session.login).ok_or(Refused::Unknown))
    }

    /// Forgets sessions created before `before` (Unix seconds).
    pub async fn sweep(&self, before: i64) -> Result<usize, StateError> {
        let store = Arc::clone(&self.store);
        blocking(move || store.gi_session_sweep(before)).await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StateError> + Send + 'static,
) -> Result<T, StateError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| failure(format!("state store task failed: {e}")))?
}

fn failure(message: String) -> StateError {
    StateError::Database {
        location: "generic interface sessions".to_owned(),
        message,
    }
}
