//! Native keys: the helpdesk-specific arguments an adapter declares it accepts, per operation.

use serde_json::Value;

use crate::kwargs::describe;

/// The five operations that take arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `find_tickets` and `find_first_ticket`.
    Search,
    /// `get_ticket`.
    Get,
    /// `create_ticket`.
    Create,
    /// `update_ticket`.
    Update,
    /// `add_note`.
    Note,
}

impl Operation {
    /// Every operation, in the order above.
    pub const ALL: [Operation; 5] = [
        Operation::Search,
        Operation::Get,
        Operation::Create,
        Operation::Update,
        Operation::Note,
    ];

    /// The service method's name, for messages.
    pub fn method(self) -> &'static str {
        match self {
            Operation::Search => "find_tickets",
            Operation::Get => "get_ticket",
            Operation::Create => "create_ticket",
            Operation::Update => "update_ticket",
            Operation::Note => "add_note",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.method())
    }
}

/// The JSON type a native key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NativeKind {
    /// A string (numbers are accepted and sent as given).
    Text,
    /// A whole number (or a string of digits).
    Integer,
    /// `true` or `false` (or 0/1, as OTOBO writes them).
    Bool,
    /// A list, or a single value the helpdesk treats as a list of one.
    List,
    /// A map.
    Map,
    /// Anything.
    Any,
}

impl NativeKind {
    /// Checks `value` against the kind; the error says what was expected and what came.
    pub fn check(self, value: &Value) -> Result<(), String> {
        let ok = match self {
            NativeKind::Text => matches!(value, Value::String(_) | Value::Number(_)),
            NativeKind::Integer => match value {
                Value::Number(n) => n.is_i64() || n.is_u64(),
                Value::String(s) => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
                _ => false,
            },
            NativeKind::Bool => match value {
                Value::Bool(_) => true,
                Value::Number(n) => matches!(n.as_u64(), Some(0 | 1)),
                _ => false,
            },
            NativeKind::List => !matches!(value, Value::Object(_) | Value::Null),
            NativeKind::Map => value.is_object(),
            NativeKind::Any => true,
        };
        if ok {
            return Ok(());
        }
        let expected = match self {
            NativeKind::Text => "text",
            NativeKind::Integer => "a whole number",
            NativeKind::Bool => "true or false",
            NativeKind::List => "a list (or one value)",
            NativeKind::Map => "a map",
            NativeKind::Any => "a value",
        };
        Err(format!("expected {expected}, got {}", describe(value)))
    }
}

/// One native key: its name as the helpdesk spells it, its type and a one-line doc.
///
/// A name ending in `*` is a family of keys sharing a prefix: `DynamicField_*` accepts
/// `DynamicField_Building` (the part after the prefix must not be empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeKey {
    /// The name, exactly as the helpdesk's API spells it (e.g. OTOBO's `StateType`), or a
    /// prefix followed by `*`.
    pub name: &'static str,
    /// The type it takes.
    pub kind: NativeKind,
    /// One line: what it does.
    pub doc: &'static str,
}

impl NativeKey {
    /// A native key (for `const` tables).
    pub const fn new(name: &'static str, kind: NativeKind, doc: &'static str) -> Self {
        Self { name, kind, doc }
    }

    /// Whether `key` is this key: the same name, or, for a name ending in `*`, the prefix
    /// followed by at least one character.
    pub fn matches(&self, key: &str) -> bool {
        match self.name.strip_suffix('*') {
            Some(prefix) => key.len() > prefix.len() && key.starts_with(prefix),
            None => key == self.name,
        }
    }
}

/// The native keys an adapter accepts, per operation. Everything else that is not unified is
/// refused before a request is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NativeKeys {
    /// `find_tickets` / `find_first_ticket`.
    pub search: &'static [NativeKey],
    /// `get_ticket`.
    pub get: &'static [NativeKey],
    /// `create_ticket`.
    pub create: &'static [NativeKey],
    /// `update_ticket`.
    pub update: &'static [NativeKey],
    /// `add_note`.
    pub note: &'static [NativeKey],
}

impl NativeKeys {
    /// No native keys at all (an adapter without a native API, such as the local store).
    pub const NONE: NativeKeys = NativeKeys {
        search: &[],
        get: &[],
        create: &[],
        update: &[],
        note: &[],
    };

    /// The keys of `operation`.
    pub fn of(&self, operation: Operation) -> &'static [NativeKey] {
        match operation {
            Operation::Search => self.search,
            Operation::Get => self.get,
            Operation::Create => self.create,
            Operation::Update => self.update,
            Operation::Note => self.note,
        }
    }

    /// The declared key of `operation` that `key` is, if any (see [`NativeKey::matches`]).
    pub fn find(&self, operation: Operation, key: &str) -> Option<&'static NativeKey> {
        self.of(operation).iter().find(|k| k.matches(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_accept_what_helpdesks_send_and_name_what_they_refuse() {
        assert!(NativeKind::Integer.check(&json!("42")).is_ok());
        assert!(NativeKind::Bool.check(&json!(1)).is_ok());
        assert!(NativeKind::List.check(&json!("new")).is_ok());
        assert_eq!(
            NativeKind::Integer.check(&json!("4x")),
            Err("expected a whole number, got a string".into())
        );
        assert_eq!(
            NativeKind::Map.check(&json!([1])),
            Err("expected a map, got a list".into())
        );
    }

    #[test]
    fn a_trailing_star_matches_a_non_empty_suffix_only() {
        let family = NativeKey::new("DynamicField_*", NativeKind::Map, "a field filter");
        assert!(family.matches("DynamicField_Building"));
        assert!(
            !family.matches("DynamicField_"),
            "the name after the prefix is missing"
        );
        assert!(!family.matches("DynamicField"));
        assert!(
            !family.matches("dynamicfield_Building"),
            "names are case-sensitive"
        );
        let exact = NativeKey::new("StateType", NativeKind::List, "state types");
        assert!(exact.matches("StateType"));
        assert!(!exact.matches("StateTypes"));
        static KEYS: &[NativeKey] = &[NativeKey::new("Title", NativeKind::Text, "t")];
        let keys = NativeKeys {
            search: KEYS,
            ..NativeKeys::NONE
        };
        assert_eq!(
            keys.find(Operation::Search, "Title").map(|k| k.name),
            Some("Title")
        );
        assert_eq!(keys.find(Operation::Get, "Title"), None);
    }
}
