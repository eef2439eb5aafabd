//! Deserializing a pipe's typed params from [`Filled`] params: static parts are read where they
//! are (never copied into a new tree), every error carries its path, and every unknown key of a
//! struct is collected (not just the first).

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde_json::Value;

use super::path::Seg;
use super::placeholder::Placeholder;
use super::plan::{Filled, Handed, Memo};
use super::shared;
use otai_core::kwargs::describe;

/// What went wrong deserializing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    /// A visitor's message (wrong type, bad value, a failed conversion).
    Custom(String),
    /// A required field is absent.
    Missing(&'static str),
    /// A struct was given something other than a map.
    NotAMap(&'static str),
}

/// A deserialization error and where it happened (the innermost node that failed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeError {
    pub(crate) problem: Problem,
    pub(crate) path: Option<Vec<Seg>>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Custom(message) => f.write_str(message),
            Problem::Missing(field) => write!(f, "missing field `{field}`"),
            Problem::NotAMap(got) => write!(f, "expected a map, got {got}"),
        }
    }
}

impl std::error::Error for DeError {}

impl DeError {
    /// The error placed at `path()`, unless it has a place already.
    fn at(mut self, path: impl FnOnce() -> Vec<Seg>) -> Self {
        if self.path.is_none() {
            self.path = Some(path());
        }
        self
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self {
            problem: Problem::Custom(message.to_string()),
            path: None,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self {
            problem: Problem::Missing(field),
            path: None,
        }
    }
}

/// A key that no field of its struct takes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unknown {
    /// The path of the key itself.
    pub(crate) path: Vec<Seg>,
    /// The fields the struct takes.
    pub(crate) expected: &'static [&'static str],
}

/// Where unknown keys are collected while deserializing.
pub(crate) type Sink = RefCell<Vec<Unknown>>;

/// Deserializes `T` from `filled`; unknown struct keys go to `sink` (and are skipped).
pub(crate) fn deserialize<T: DeserializeOwned>(
    filled: &Filled<'_>,
    sink: &Sink,
) -> Result<T, DeError> {
    T::deserialize(NodeDe {
        src: Src::of(filled),
        path: None,
        sink,
    })
}

/// The path of a node: its last step and the path above it, on the stack of the nodes being
/// read (the whole path is put together only for an error or an unknown key).
#[derive(Debug, Clone, Copy)]
struct Link<'a, 'p> {
    step: Step<'a>,
    up: Option<&'p Link<'a, 'p>>,
}

/// One step of a path while deserializing (keys borrowed from the tree).
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A node: a JSON value (static or rendered), or a node of the filled tree.
#[derive(Debug, Clone, Copy)]
enum Src<'a> {
    Value(&'a Value, Option<&'a Arc<Memo>>),
    /// A rendered text, taken when read.
    Text(&'a Handed),
    Node(&'a Filled<'a>),
}

impl<'a> Src<'a> {
    fn of(filled: &'a Filled<'a>) -> Self {
        match filled {
            Filled::Static(value, memo) => Src::Value(value, *memo),
            Filled::Owned(value) => Src::Value(value, None),
            Filled::Text(text) => Src::Text(text),
            other => Src::Node(other),
        }
    }

    /// The entries when this is a map, read where they are.
    fn entries(self) -> Option<EntryIter<'a>> {
        match self {
            Src::Value(Value::Object(map), _) => Some(EntryIter::Value(map.iter())),
            Src::Node(Filled::Map(entries)) => Some(EntryIter::Node(entries.iter())),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Src::Value(value, _) => describe(value),
            Src::Text(_) => "a string",
            Src::Node(Filled::List(_)) => "a list",
            Src::Node(_) => "a map",
        }
    }
}

struct NodeDe<'a, 'p> {
    src: Src<'a>,
    path: Option<&'p Link<'a, 'p>>,
    sink: &'a Sink,
}

impl<'a, 'p> NodeDe<'a, 'p> {
    /// The node at `link` (a step below this node), reading `src`.
    fn child<'q>(&self, link: &'q Link<'a, 'q>, src: Src<'a>) -> NodeDe<'a, 'q>
    where
        'p: 'q,
    {
        NodeDe {
            src,
            path: Some(link),
            sink: self.sink,
        }
    }

    /// The link of `step` below this node.
    fn link(&self, step: Step<'a>) -> Link<'a, 'p> {
        Link {
            step,
            up: self.path,
        }
    }

    fn segs(&self) -> Vec<Seg> {
        let mut segs = Vec::new();
        let mut at = self.path;
        while let Some(link) = at {
            segs.push(match link.step {
                Step::Key(k) => Seg::Key(k.to_owned()),
                Step::Index(i) => Seg::Index(i),
            });
            at = link.up;
        }
        segs.reverse();
        segs
    }

    /// Gives an error without a place this node's path.
    fn at<T>(&self, result: Result<T, DeError>) -> Result<T, DeError> {
        result.map_err(|mut e| {
            if e.path.is_none() {
                e.path = Some(self.segs());
            }
            e
        })
    }

    /// The entries of this map node; with `known`, only the keys it names.
    fn map_access(
        &self,
        entries: EntryIter<'a>,
        known: Option<&'static [&'static str]>,
    ) -> Entries<'a, 'p> {
        Entries {
            node: NodeDe {
                src: self.src,
                path: self.path,
                sink: self.sink,
            },
            entries,
            known,
            value: None,
        }
    }

    fn any<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match self.src {
            Src::Value(value, _) => match value {
                Value::Null => visitor.visit_unit(),
                Value::Bool(b) => visitor.visit_bool(*b),
                Value::Number(n) => {
                    if let Some(u) = n.as_u64() {
                        visitor.visit_u64(u)
                    } else if let Some(i) = n.as_i64() {
                        visitor.visit_i64(i)
                    } else {
                        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                    }
                }
                Value::String(s) => visitor.visit_str(s),
                Value::Array(items) => {
                    let items = items.iter().map(|v| Src::Value(v, None)).collect();
                    visitor.visit_seq(Items::new(&self, items))
                }
                Value::Object(_) => {
                    let entries = self.src.entries().unwrap_or_default();
                    visitor.visit_map(self.map_access(entries, None))
                }
            },
            Src::Text(text) => visitor.visit_string(text.take()),
            Src::Node(Filled::List(items)) => {
                let items = items.iter().map(Src::of).collect();
                visitor.visit_seq(Items::new(&self, items))
            }
            Src::Node(Filled::Placeholder) => {
                de::Deserializer::deserialize_any(Placeholder, visitor)
            }
            Src::Node(_) => {
                let entries = self.src.entries().unwrap_or_default();
                visitor.visit_map(self.map_access(entries, None))
            }
        };
        self.at(result)
    }

    fn is_placeholder(&self) -> bool {
        matches!(self.src, Src::Node(Filled::Placeholder))
    }
}

/// Methods that read the node as it is, except that a placeholder answers the type hint.
macro_rules! hinted {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            if self.is_placeholder() {
                return self.at(Placeholder.$method(visitor));
            }
            self.any(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDe<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match self.src {
            Src::Value(Value::Null, _) | Src::Node(Filled::Placeholder) => visitor.visit_none(),
            _ => return visitor.visit_some(self),
        };
        self.at(result)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.src {
            Src::Value(_, Some(memo)) if name == shared::TOKEN => {
                let memo = Arc::clone(memo);
                shared::with_memo(&memo, || visitor.visit_newtype_struct(self))
            }
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if self.is_placeholder() {
            return self.at(Placeholder.deserialize_struct(name, fields, visitor));
        }
        let Some(entries) = self.src.entries() else {
            let error = DeError {
                problem: Problem::NotAMap(self.src.describe()),
                path: None,
            };
            return self.at(Err(error));
        };
        // Every unknown key is reported before any value is read; the visitor sees the rest.
        for (key, _) in entries.clone() {
            if let (false, Ok(mut sink)) = (fields.contains(&key), self.sink.try_borrow_mut()) {
                let mut path = self.segs();
                path.push(Seg::Key(key.to_owned()));
                sink.push(Unknown {
                    path,
                    expected: fields,
                });
            }
        }
        let result = visitor.visit_map(self.map_access(entries, Some(fields)));
        self.at(result)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result = match self.src {
            Src::Value(Value::String(s), _) => {
                visitor.visit_enum(StrDeserializer::<DeError>::new(s.as_str()))
            }
            Src::Text(text) => visitor.visit_enum(text.take().into_deserializer()),
            Src::Node(Filled::Placeholder) => Placeholder.deserialize_enum(name, variants, visitor),
            src => match src.entries() {
                Some(entries) if entries.len() == 1 => {
                    visitor.visit_enum(MapAccessDeserializer::new(self.map_access(entries, None)))
                }
                _ => Err(de::Error::custom(format!(
                    "expected one of {}, got {}",
                    variants.join(", "),
                    src.describe()
                ))),
            },
        };
        self.at(result)
    }

    hinted! {
        deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64,
        deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32, deserialize_u64,
        deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char, deserialize_str,
        deserialize_string, deserialize_bytes, deserialize_byte_buf, deserialize_seq,
        deserialize_map, deserialize_identifier,
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if self.is_placeholder() {
            return self.at(Placeholder.deserialize_unit_struct(name, visitor));
        }
        self.any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if self.is_placeholder() {
            return self.at(Placeholder.deserialize_tuple(len, visitor));
        }
        self.any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if self.is_placeholder() {
            return self.at(Placeholder.deserialize_tuple_struct(name, len, visitor));
        }
        self.any(visitor)
    }
}

/// The entries of a map node where they lie: a JSON map's or a filled map's.
#[derive(Debug, Clone)]
enum EntryIter<'a> {
    Value(serde_json::map::Iter<'a>),
    Node(std::slice::Iter<'a, (&'a str, Filled<'a>)>),
}

impl Default for EntryIter<'_> {
    fn default() -> Self {
        EntryIter::Node([].iter())
    }
}

impl<'a> Iterator for EntryIter<'a> {
    type Item = (&'a str, Src<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            EntryIter::Value(map) => map.next().map(|(k, v)| (k.as_str(), Src::Value(v, None))),
            EntryIter::Node(entries) => entries.next().map(|(k, f)| (*k, Src::of(f))),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            EntryIter::Value(map) => map.size_hint(),
            EntryIter::Node(entries) => entries.size_hint(),
        }
    }
}

impl ExactSizeIterator for EntryIter<'_> {}

/// The entries of a map node.
struct Entries<'a, 'p> {
    node: NodeDe<'a, 'p>,
    entries: EntryIter<'a>,
    /// The keys a struct takes: the others were reported as unknown and are skipped.
    known: Option<&'static [&'static str]>,
    value: Option<(&'a str, Src<'a>)>,
}

impl<'de> de::MapAccess<'de> for Entries<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let known = self.known;
        let Some((key, src)) = self
            .entries
            .find(|(key, _)| known.is_none_or(|known| known.contains(key)))
        else {
            return Ok(None);
        };
        self.value = Some((key, src));
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some((key, src)) => {
                let link = self.node.link(Step::Key(key));
                // Errors raised by the value's own type after reading it get the value's path.
                seed.deserialize(self.node.child(&link, src)).map_err(|e| {
                    e.at(|| {
                        let mut path = self.node.segs();
                        path.push(Seg::Key(key.to_owned()));
                        path
                    })
                })
            }
            None => Err(de::Error::custom("a map value without its key")),
        }
    }

    /// The entries left of a map; none is promised of a struct (its unknown keys are skipped).
    fn size_hint(&self) -> Option<usize> {
        self.known.is_none().then(|| self.entries.len())
    }
}

/// The items of a list node.
struct Items<'a, 'p> {
    node: NodeDe<'a, 'p>,
    items: std::vec::IntoIter<Src<'a>>,
    index: usize,
}

impl<'a, 'p> Items<'a, 'p> {
    fn new(node: &NodeDe<'a, 'p>, items: Vec<Src<'a>>) -> Self {
        Self {
            node: NodeDe {
                src: node.src,
                path: node.path,
                sink: node.sink,
            },
            items: items.into_iter(),
            index: 0,
        }
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(src) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        let link = self.node.link(Step::Index(index));
        seed.deserialize(self.node.child(&link, src))
            .map(Some)
            .map_err(|e| {
                e.at(|| {
                    let mut path = self.node.segs();
                    path.push(Seg::Index(index));
                    path
                })
            })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        label: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        limit: usize,
        #[serde(default)]
        inner: Vec<Inner>,
        #[serde(default)]
        level: Option<Level>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Info,
        Warn,
    }

    fn run<T: DeserializeOwned>(value: &Value) -> (Result<T, DeError>, Vec<Unknown>) {
        let filled = Filled::Static(value, None);
        let sink = Sink::default();
        let result = deserialize::<T>(&filled, &sink);
        (result, sink.into_inner())
    }

    #[test]
    fn reads_typed_params_from_static_values() {
        let value = json!({"limit": 5, "inner": [{"label": "a"}], "level": "warn"});
        let (result, unknown) = run::<Outer>(&value);
        assert_eq!(
            result,
            Ok(Outer {
                limit: 5,
                inner: vec![Inner { label: "a".into() }],
                level: Some(Level::Warn)
            })
        );
        assert!(unknown.is_empty());
    }

    #[test]
    fn errors_name_the_innermost_path_and_every_unknown_key_is_kept() {
        let value =
            json!({"limit": 1, "inner": [{"label": "a"}, {"label": 7, "lable": 1}], "lmit": 2});
        let (result, unknown) = run::<Outer>(&value);
        let error = result.err();
        assert_eq!(
            error.as_ref().map(|e| (e.to_string(), e.path.clone())),
            Some((
                "invalid type: integer `7`, expected a string".to_owned(),
                Some(vec![
                    Seg::Key("inner".into()),
                    Seg::Index(1),
                    Seg::Key("label".into())
                ])
            ))
        );
        let keys: Vec<String> = unknown
            .iter()
            .map(|u| super::super::path::display(&u.path))
            .collect();
        assert_eq!(keys, ["lmit", "inner[1].lable"]);
        assert_eq!(unknown[0].expected, ["limit", "inner", "level"]);
    }

    #[test]
    fn missing_fields_and_non_maps_are_told_apart() {
        let (result, _) = run::<Outer>(&json!({}));
        assert_eq!(
            result.err().map(|e| e.problem),
            Some(Problem::Missing("limit"))
        );
        let (result, _) = run::<Outer>(&json!([1]));
        assert_eq!(
            result.err().map(|e| (e.to_string(), e.path)),
            Some(("expected a map, got a list".to_owned(), Some(vec![])))
        );
        let (result, _) = run::<Outer>(&json!({"limit": 1, "level": {"info": 1, "warn": 2}}));
        assert_eq!(
            result.err().map(|e| e.to_string()),
            Some("expected one of info, warn, got a map".to_owned())
        );
    }
}
