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
        // Bound sessions fail closed: no known address never matches.
        let address = remote.map(|a| a.to_string());
        if config.bind_to_address && (address.is_none() || session.remote_addr != address) {
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

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn sessions() -> Result<Sessions, StateError> {
        Ok(Sessions::new(Arc::new(
            otai_state::SqliteStore::in_memory()?
        )))
    }

    const CONFIG: SessionConfig = SessionConfig {
        idle_minutes: 10,
        max_minutes: 60,
        bind_to_address: true,
    };

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[tokio::test]
    async fn a_session_ends_after_its_idle_time_and_use_keeps_it_alive() -> TestResult {
        let sessions = sessions()?;
        let agent = Identity::Agent("a".into());
        let id = sessions.create("ws", &agent, ip("127.0.0.1"), 0).await?;
        let check = |now| sessions.check("ws", &id, ip("127.0.0.1"), &CONFIG, now);
        assert_eq!(check(599).await?, Ok(agent.clone()));
        assert_eq!(
            check(1198).await?,
            Ok(agent.clone()),
            "used at 599: idle from there"
        );
        assert_eq!(check(1798).await?, Err(Refused::Idle));
        assert_eq!(
            check(1799).await?,
            Err(Refused::Unknown),
            "forgotten once refused"
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_session_ends_at_its_maximum_lifetime_however_used() -> TestResult {
        let sessions = sessions()?;
        let agent = Identity::Agent("a".into());
        let id = sessions.create("ws", &agent, ip("127.0.0.1"), 0).await?;
        for now in (500..3600).step_by(500) {
            assert!(
                sessions
                    .check("ws", &id, ip("127.0.0.1"), &CONFIG, now)
                    .await?
                    .is_ok()
            );
        }
        let late = sessions
            .check("ws", &id, ip("127.0.0.1"), &CONFIG, 3600)
            .await?;
        assert_eq!(late, Err(Refused::Expired));
        Ok(())
    }

    #[tokio::test]
    async fn a_bound_session_refuses_another_address_and_other_web_services() -> TestResult {
        let sessions = sessions()?;
        let customer = Identity::Customer("c".into());
        let id = sessions.create("ws", &customer, ip("127.0.0.1"), 0).await?;
        assert_eq!(
            sessions
                .check("ws", &id, ip("127.0.0.2"), &CONFIG, 1)
                .await?,
            Err(Refused::Address)
        );
        assert_eq!(
            sessions.check("ws", &id, None, &CONFIG, 1).await?,
            Err(Refused::Address)
        );
        assert_eq!(
            sessions
                .check("other", &id, ip("127.0.0.1"), &CONFIG, 1)
                .await?,
            Err(Refused::Unknown)
        );
        let unbound = SessionConfig {
            bind_to_address: false,
            ..CONFIG
        };
        assert_eq!(
            sessions
                .check("ws", &id, ip("127.0.0.2"), &unbound, 1)
                .await?,
            Ok(customer)
        );
        let long = "x".repeat(MAX_ID_LEN + 1);
        assert_eq!(
            sessions.check("ws", &long, None, &unbound, 1).await?,
            Err(Refused::Unknown)
        );
        Ok(())
    }

    #[tokio::test]
    async fn session_ids_are_random() -> TestResult {
        let sessions = sessions()?;
        let agent = Identity::Agent("a".into());
        let a = sessions.create("ws", &agent, None, 0).await?;
        let b = sessions.create("ws", &agent, None, 0).await?;
        assert_ne!(a, b);
        assert_eq!(a.len(), 2 * ID_BYTES);
        Ok(())
    }
}
