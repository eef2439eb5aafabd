//! `foreach`: a built-in pipe with typed params, run by the engine (it runs nested pipes).

use serde::Deserialize;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};

use crate::pipe::ParamError;

/// The name `foreach` is used by.
pub(crate) const NAME: &str = "foreach";

/// The most items run at once.
pub(crate) const MAX_CONCURRENCY: usize = 1024;

/// The params of `foreach`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForeachParams {
    /// The list to iterate, usually a template such as `{{ pipes.fetch.tickets }}`. Read by the
    /// engine as a template value (never copied); here only its type is checked.
    #[serde(default)]
    pub(crate) items: Option<ItemList>,
    /// How many items run at once: 1 to 1024 (default 1).
    #[serde(default = "one")]
    pub(crate) concurrency: usize,
    /// Whether to start no new item after the first failure (default false).
    #[serde(default)]
    pub(crate) fail_fast: bool,
    /// Whether to keep every item's results as `items` (default true); false keeps only `count`.
    #[serde(default = "yes")]
    pub(crate) collect: bool,
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

impl ForeachParams {
    /// What serde cannot check: `items` given, `concurrency` in range.
    pub(crate) fn check(&self) -> Result<(), Vec<ParamError>> {
        let mut errors = Vec::new();
        if self.items.is_none() {
            errors.push(ParamError::new(
                "items",
                "missing: the list to iterate, e.g. `items: '{{ pipes.fetch.tickets }}'`",
            ));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            errors.push(ParamError::new(
                "concurrency",
                format!(
                    "must be from 1 to {MAX_CONCURRENCY}, got {}",
                    self.concurrency
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// `items` as the params check sees it: a list (of anything).
#[derive(Debug)]
pub(crate) struct ItemList;

impl<'de> Deserialize<'de> for ItemList {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;

        impl<'de> Visitor<'de> for ListVisitor {
            type Value = ItemList;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of items")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ItemList, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ItemList)
            }
        }

        deserializer.deserialize_seq(ListVisitor)
    }
}
