//! Lenient timestamp parsing for values people type into YAML and helpdesks put on the wire.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::Timestamp;

/// Parses RFC 3339 (`2025-03-14T09:12:01Z`), `YYYY-MM-DD HH:MM:SS` (taken as UTC) or a bare date
/// `YYYY-MM-DD` (midnight UTC).
///
/// ```
/// use otai_core::model::parse_timestamp;
/// let a = parse_timestamp("2025-03-14 09:12:01").unwrap();
/// let b = parse_timestamp("2025-03-14T09:12:01Z").unwrap();
/// assert_eq!(a, b);
/// assert!(parse_timestamp("14.03.2025").is_none());
/// ```
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Serde helper: an optional timestamp in any form [`parse_timestamp`] accepts; `""` is absent.
pub(crate) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => parse_timestamp(t).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid timestamp `{t}`: expected RFC 3339 (2025-03-14T09:12:01Z), \
                 `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`"
            ))
        }),
    }
}
