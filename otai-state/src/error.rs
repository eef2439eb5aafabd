//! The state store's error.

/// A state store failure, in words that name the store.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The database failed.
    #[error("state store {location}: {message}")]
    Database {
        /// The store (a file path, or `:memory:`).
        location: String,
        /// What failed.
        message: String,
    },
    /// The file holds something otai cannot use.
    #[error("state store {location}: {message}")]
    Incompatible {
        /// The store.
        location: String,
        /// Why.
        message: String,
    },
}
