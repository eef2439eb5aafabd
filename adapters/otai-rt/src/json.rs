//! Strict, bounded building blocks for reading RT's JSON: objects that must be objects, lists
//! with a cap checked while parsing, ids that must be ids.
//!
//! Replies are parsed straight into the types of [`crate::wire`]: fields the adapter does not use
//! are skipped by serde_json without building anything (and without recursion), so a reply costs
//! its bytes, the strings kept, and lists no longer than their caps, never a `serde_json::Value`
//! tree of the whole reply.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON object read as `T`. Derived structs also accept a JSON list (field by field, in
/// order); this refuses it, so `[1, "x"]` is never read as a ticket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(ObjVisitor(PhantomData))
            .map(Obj)
    }
}

/// A JSON list of at most `N` items; the `N + 1`th is an error before it is built.
#[derive(Debug, Clone, PartialEq)]
pub struct Capped<T, const N: usize>(pub Vec<T>);

impl<T, const N: usize> Default for Capped<T, N> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Capped<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CappedVisitor<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for CappedVisitor<T, N> {
            type Value = Capped<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {N} items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if items.len() == N {
                        return Err(de::Error::custom(format_args!(
                            "a list longer than the limit of {N} items"
                        )));
                    }
                    items.push(item);
                }
                Ok(Capped(items))
            }
        }
        deserializer.deserialize_seq(CappedVisitor(PhantomData))
    }
}

/// The first item of a JSON list; the others are skipped without being built.
#[derive(Debug, Clone, PartialEq)]
pub struct First<T>(pub Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FirstVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for FirstVisitor<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        deserializer.deserialize_seq(FirstVisitor(PhantomData))
    }
}

/// A text field: RT sends strings, and numbers as strings or numbers (`"Priority": "10"`,
/// `"id": 1`). Lists and objects are an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// An RT record id: a positive whole number, sent as a number or as digits. Ids from replies
/// are only ever used as such, so a reply cannot choose a path (or a host) for the next request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub u64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive id")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                if v == 0 {
                    return Err(E::invalid_value(de::Unexpected::Unsigned(0), &self));
                }
                Ok(Id(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                if v.is_empty() || v.len() > 19 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::invalid_value(de::Unexpected::Str(v), &self));
                }
                v.parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
                    .and_then(|n| self.visit_u64(n))
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

/// A count in a page's header (`page`, `pages`, `per_page`, `total`): a whole number, which RT
/// sometimes sends as a float (`"pages": 0.0`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl Visitor<'_> for CountVisitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                // Exact whole numbers up to 2^53 only.
                if v.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&v) {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    return Ok(Count(v as u64));
                }
                Err(E::invalid_value(de::Unexpected::Float(v), &self))
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair {
        id: Id,
        name: Option<Text>,
    }

    fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_must_be_objects() {
        assert_eq!(
            parse::<Obj<Pair>>(r#"{"id": "7", "name": 5, "_url": "http://x"}"#),
            Ok(Obj(Pair {
                id: Id(7),
                name: Some(Text("5".into()))
            }))
        );
        // A derived struct alone would read this list as {id: 7, name: "x"}.
        assert!(parse::<Pair>(r#"[7, "x"]"#).is_ok());
        assert_eq!(
            parse::<Obj<Pair>>(r#"[7, "x"]"#),
            Err("invalid type: sequence, expected a JSON object at line 1 column 0".into())
        );
    }

    #[test]
    fn capped_lists_fail_at_the_first_item_too_many() {
        assert_eq!(
            parse::<Capped<Id, 2>>("[1, 2]"),
            Ok(Capped(vec![Id(1), Id(2)]))
        );
        let err = parse::<Capped<Id, 2>>("[1, 2, 3, 4]")
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("a list longer than the limit of 2 items"),
            "{err}"
        );
        assert!(parse::<Capped<Id, 2>>(r#"{"a": 1}"#).is_err());
    }

    #[test]
    fn first_keeps_one_item_and_skips_the_rest_unbuilt() {
        let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        assert_eq!(
            parse::<First<Text>>(&format!(r#"["a", {deep}, {{"x": 1}}]"#)),
            Ok(First(Some(Text("a".into()))))
        );
        assert_eq!(parse::<First<Text>>("[]"), Ok(First(None)));
    }

    #[test]
    fn ids_are_positive_whole_numbers() {
        assert_eq!(parse::<Id>("12"), Ok(Id(12)));
        assert_eq!(parse::<Id>(r#""12""#), Ok(Id(12)));
        for bad in [
            "0",
            "-1",
            "1.5",
            r#""""#,
            r#""+3""#,
            r#""../admin""#,
            r#""99999999999999999999""#,
            "null",
            "[1]",
        ] {
            assert!(parse::<Id>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_accept_whole_floats_only() {
        assert_eq!(parse::<Count>("0.0"), Ok(Count(0)));
        assert_eq!(parse::<Count>("3"), Ok(Count(3)));
        for bad in ["1.5", "-1", "1e300", r#""3""#] {
            assert!(parse::<Count>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_refuses_lists_and_objects() {
        assert_eq!(parse::<Text>("-4"), Ok(Text("-4".into())));
        assert!(parse::<Text>("[]").is_err());
        assert!(parse::<Text>("{}").is_err());
        assert!(parse::<Text>("true").is_err());
    }
}
