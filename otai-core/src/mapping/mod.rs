//! The one data mapping layer: key maps and value maps, exact and by regex, with defaults for
//! what no map matched. The Generic Interface provider maps each operation's data with it
//! (`mapping_inbound` / `mapping_outbound`), the inbound API maps a remote system's bodies with
//! it (`mapping:`), and it reads and writes OTOBO's export form. The adapters' value maps
//! between unified and native values (priority, state, queue, …) are [`FieldValueMap`]s.
//!
//! It follows OTOBO's `Mapping::Simple` exactly:
//!
//! - only the keys of the **top level** are mapped; a value that is a map or a list passes
//!   through unchanged (so mapping never walks nested input). A list at the top is a list of
//!   non-empty maps, each mapped; any other top-level value passes through; `null` maps to `{}`;
//! - keys are handled in sorted order; an empty key is dropped. A key is looked up in
//!   `key_exact`, then tried against every `key_regex` pattern in sorted order (the first match
//!   wins; if its target key was already written with a non-empty value, the key is dropped with
//!   a notice), then `key_default` applies (`keep`; `ignore` drops the pair; `map_to` renames,
//!   unless the target already holds a non-empty value, which drops the pair with a notice);
//! - values are mapped only where they are strings or numbers, by the map under the **new** key:
//!   `exact`, then `regex` in sorted order, then `value_default` (`keep`; `ignore` drops the
//!   pair; `map_to` replaces the value);
//! - a key written twice (an exact map and a kept key giving the same name) keeps the later
//!   value, with a notice, so a caller can refuse the data instead of losing a value silently;
//! - a regex matches the **whole** key or value (OTOBO anchors with `\A … \z`) with the flags
//!   `x` (whitespace and `#…` comments in the pattern are ignored: write `\ ` for a space), `m`
//!   and `s`. Patterns are compiled once, with size limits.
//!
//! One extension: a regex's replacement may use the match's groups (`$1`, `${name}`; `$$` is a
//! `$`). OTOBO's replacements are literal, so import escapes their `$` and export refuses a
//! replacement that uses a group.
//!
//! ```
//! use otai_core::mapping::{CompiledMapping, SimpleMapping};
//! use serde_json::json;
//!
//! let config: SimpleMapping = serde_json::from_value(json!({
//!     "key_exact": {"Prio": "Priority"},
//!     "key_regex": {"X-(.*)": "DynamicField_$1"},
//!     "values": {"Priority": {"exact": {"1": "1 very low"}}},
//! }))?;
//! let mapping = CompiledMapping::compile(&config, "mapping_inbound")?;
//! let mapped = mapping.apply(json!({"Prio": 1, "X-Team": "a", "Title": "t"}))?;
//! assert_eq!(
//!     mapped.data,
//!     json!({"Priority": "1 very low", "DynamicField_Team": "a", "Title": "t"})
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod apply;
mod compile;
mod config;
mod field;
mod inverse;
mod otobo;
#[cfg(test)]
mod tests;

pub use apply::Mapped;
pub use compile::CompiledMapping;
pub use config::{MapDefault, SimpleMapping, ValueMap};
pub use field::FieldValueMap;
pub use inverse::KeySources;
pub use otobo::{from_otobo, to_otobo};

/// The most entries one map of a mapping (`key_exact`, `key_regex`, `values`, a value map's
/// `exact` or `regex`) may hold.
pub const MAX_ENTRIES: usize = 1024;
/// The longest regex pattern, in bytes.
pub const MAX_PATTERN_LEN: usize = 4096;
/// The most memory one compiled regex may take, in bytes.
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;
