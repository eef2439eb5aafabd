//! [`OneOrMany`]: a single item or a list, read in one pass, with a cap on its length and every
//! item charged to the decoding budget.

use std::marker::PhantomData;

use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::budget;

/// A single item or a list of them; both read as a list of at most `MAX` items (more is an
/// error naming the cap).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct OneOrMany<T, const MAX: usize = { usize::MAX }>(pub Vec<T>);

impl<T, const MAX: usize> Default for OneOrMany<T, MAX> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for OneOrMany<T, MAX> {
    /// Reads in one pass (no buffering of the whole value, unlike an untagged enum): a list
    /// item by item, a map or a scalar as the single item, null as nothing.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor::new(MAX)).map(OneOrMany)
    }
}

/// Reads one item or a list of at most `max` items into a `Vec`, charging each slot.
pub(crate) struct ListVisitor<T> {
    max: usize,
    item: PhantomData<T>,
}

impl<T> ListVisitor<T> {
    /// A visitor accepting at most `max` items.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            item: PhantomData,
        }
    }

    fn one<'de, E: de::Error, X: IntoDeserializer<'de, E>>(value: X) -> Result<Vec<T>, E>
    where
        T: Deserialize<'de>,
    {
        budget::charge(std::mem::size_of::<T>())?;
        T::deserialize(value.into_deserializer()).map(|item| vec![item])
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list, a single item, or null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items: Vec<T> = Vec::new();
        while let Some(item) = seq.next_element()? {
            if items.len() >= self.max {
                return Err(de::Error::custom(format_args!(
                    "more than {} items, the most this adapter accepts here",
                    self.max
                )));
            }
            if items.len() == items.capacity() {
                // Grow by doubling, and pay for the new slots before taking them.
                let more = items.capacity().max(4).min(self.max - items.len());
                budget::charge(more.saturating_mul(std::mem::size_of::<T>()))?;
                items.reserve_exact(more);
            }
            items.push(item);
        }
        Ok(items)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if self.max == 0 {
            return Err(de::Error::custom("expected no items"));
        }
        budget::charge(std::mem::size_of::<T>())?;
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|item| vec![item])
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Self::one(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Self::one(v)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Self::one(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Self::one(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Self::one(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Self::one(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_shape_and_refuses_more_than_the_cap() -> serde_json::Result<()> {
        let read = |v| serde_json::from_value::<OneOrMany<u32, 3>>(v).map(|o| o.0);
        assert_eq!(read(json!([1, 2, 3]))?, vec![1, 2, 3]);
        assert_eq!(read(json!(4))?, vec![4]);
        assert_eq!(read(json!(null))?, Vec::<u32>::new());
        let err = read(json!([1, 2, 3, 4])).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("more than 3 items, the most this adapter accepts here")
        );
        Ok(())
    }

    #[test]
    fn every_slot_is_charged_to_the_budget() {
        let text = format!("[{}0]", "0,".repeat(999));
        let within = |bytes| {
            budget::within(bytes, || {
                serde_json::from_str::<OneOrMany<u64>>(&text).map(|o| o.0.len())
            })
        };
        assert_eq!(within(8 * 1024).ok(), Some(1000), "1024 slots of 8 bytes");
        assert!(within(8 * 1000).is_err(), "the last doubling does not fit");
    }
}
