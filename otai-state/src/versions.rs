//! Every version of each Generic Interface web service definition: a new version whenever a
//! definition otai reads differs from the last one kept, with its time and where it came from.

use serde::Serialize;

use crate::StateError;

/// The most versions kept per web service; older ones are forgotten.
pub const MAX_VERSIONS: u32 = 100;
/// The largest definition kept, in bytes (a larger one is recorded as too large).
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// One kept version of a web service definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebserviceVersion {
    /// The web service's name.
    pub name: String,
    /// Its version, from 1.
    pub version: u32,
    /// When it was first seen (RFC 3339).
    pub created_at: String,
    /// Where it came from (`otai.yml`).
    pub source: String,
    /// The definition (JSON of the `webservices:` entry, credentials redacted by the caller).
    pub config: String,
}

/// Where versions of web service definitions are kept.
pub trait WebserviceVersions: Send + Sync {
    /// Keeps `config` as the newest version of `name` unless it equals the newest kept; the
    /// version number when a new one was kept.
    fn record_version(
        &self,
        name: &str,
        config: &str,
        source: &str,
    ) -> Result<Option<u32>, StateError>;
    /// The kept versions of `name`, newest first.
    fn versions(&self, name: &str) -> Result<Vec<WebserviceVersion>, StateError>;
}
