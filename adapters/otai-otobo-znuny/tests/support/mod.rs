//! Helpers the adapter's test files share.

use otai_core::Kwargs;
use serde_json::Value;

/// Kwargs from a JSON object (anything else: none).
pub(crate) fn kw(value: Value) -> Kwargs {
    value.as_object().cloned().unwrap_or_default()
}
