//! Sessions of otai's Generic Interface provider (`SessionCreate`), kept by a hash of the
//! session id so the store never holds one that could be used.

/// One session, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiSession {
    /// The hash of the session id (hex); the id itself is never stored.
    pub id_hash: String,
    /// The web service that created it.
    pub webservice: String,
    /// `User` (agent) or `Customer`.
    pub kind: String,
    /// The login it authenticates.
    pub login: String,
    /// The client address that created it.
    pub remote_addr: Option<String>,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it was last used (Unix seconds).
    pub last_used_at: i64,
}
