//! [`Shared`]: a param deserialized once when it is written in the file.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::plan::Memo;

/// The newtype name by which the params deserializer recognises a [`Shared`] param.
pub(crate) const TOKEN: &str = "$otai::Shared";

thread_local! {
    /// The memo of the static value being deserialized right now, set by the params
    /// deserializer just before it hands a static value to a `Shared` param.
    static MEMO: RefCell<Option<Arc<Memo>>> = const { RefCell::new(None) };
}

/// Runs `f` (a synchronous deserialization) with `memo` offered to the next `Shared` param.
pub(crate) fn with_memo<R>(memo: &Arc<Memo>, f: impl FnOnce() -> R) -> R {
    MEMO.with(|slot| *slot.borrow_mut() = Some(Arc::clone(memo)));
    let result = f();
    MEMO.with(|slot| slot.borrow_mut().take());
    result
}

/// A param that is deserialized (and checked, and compiled) once when it is static, written in
/// the file, and then shared by every run of the pipe. A templated one is deserialized on each
/// run, as any param. Use it for large or costly params: rule tables, mappings, patterns.
///
/// ```
/// use otai_pipeline::Shared;
/// use std::collections::BTreeMap;
///
/// #[derive(serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct MapParams {
///     /// The value to look up (usually a template).
///     value: String,
///     /// The table: parsed once when it is written in the file.
///     mapping: Shared<BTreeMap<String, String>>,
/// }
///
/// let p: MapParams = serde_json::from_value(serde_json::json!({"value": "a", "mapping": {"a": "b"}}))?;
/// assert_eq!(p.mapping.get(&p.value).map(String::as_str), Some("b"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    /// Wraps a value (for tests and defaults).
    pub fn new(value: T) -> Self {
        Self(Arc::new(value))
    }

    /// The shared value itself, for a result that keeps part of it without a copy.
    pub fn to_arc(&self) -> Arc<T> {
        Arc::clone(&self.0)
    }
}

/// A `Shared<T>` is written as a `T`.
impl<T: schemars::JsonSchema> schemars::JsonSchema for Shared<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<T>()
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: DeserializeOwned + Send + Sync + 'static> de::Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(TOKEN, SharedVisitor(PhantomData))
    }
}

struct SharedVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: DeserializeOwned + Send + Sync + 'static> Visitor<'de> for SharedVisitor<T> {
    type Value = Shared<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Shared<T>, D::Error> {
        // Taken before anything else is deserialized, so nested values never see it.
        let memo = MEMO.with(|slot| slot.borrow_mut().take());
        let cached = memo
            .as_ref()
            .and_then(|m| m.get())
            .and_then(|any| Arc::clone(any).downcast::<T>().ok());
        if let Some(value) = cached {
            return Ok(Shared(value));
        }
        let value = Arc::new(T::deserialize(d)?);
        if let Some(memo) = memo {
            let any: Arc<dyn Any + Send + Sync> = value.clone();
            let _ = memo.set(any);
        }
        Ok(Shared(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::de::{Sink, deserialize};
    use crate::params::plan::Filled;
    use serde::Deserialize;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static BUILT: AtomicUsize = AtomicUsize::new(0);

    /// Counts how often it is deserialized.
    #[derive(Debug)]
    struct Costly(Vec<String>);

    impl<'de> Deserialize<'de> for Costly {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            BUILT.fetch_add(1, Ordering::SeqCst);
            Vec::<String>::deserialize(d).map(Costly)
        }
    }

    #[derive(Debug, Deserialize)]
    struct Params {
        rules: Shared<Costly>,
        text: String,
    }

    #[test]
    fn a_static_value_is_built_once_and_shared_by_every_run() -> Result<(), String> {
        let rules = json!(["a", "b"]);
        let memo = Arc::default();
        let mut first = None;
        for text in ["one", "two", "three"] {
            let filled = Filled::Map(vec![
                ("rules", Filled::Static(&rules, Some(&memo))),
                ("text", Filled::Owned(json!(text))),
            ]);
            let p: Params = deserialize(&filled, &Sink::default()).map_err(|e| e.to_string())?;
            assert_eq!(p.text, text);
            let arc = Arc::clone(&p.rules.0);
            if let Some(first) = &first {
                assert!(Arc::ptr_eq(first, &arc), "the same value, not a copy");
            }
            first = Some(arc);
        }
        assert_eq!(BUILT.load(Ordering::SeqCst), 1);
        let rendered = Filled::Map(vec![
            ("rules", Filled::Owned(json!(["c"]))),
            ("text", Filled::Owned(json!("x"))),
        ]);
        let p: Params = deserialize(&rendered, &Sink::default()).map_err(|e| e.to_string())?;
        assert_eq!(p.rules.0.0, ["c"], "a rendered value is read anew");
        assert_eq!(BUILT.load(Ordering::SeqCst), 2);
        Ok(())
    }
}
