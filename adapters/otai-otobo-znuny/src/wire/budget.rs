//! The decoding budget: how much memory the structures decoded from one reply may take.
//!
//! A reply of `n` bytes may hold at most `n / 2` values, but each decoded list item costs its
//! in-memory size (a ticket is some 500 bytes, a JSON value 32), so a small reply of tiny items
//! would otherwise grow a hundredfold in memory. Every list item and dynamic-field value decoded
//! from a reply is charged here; past the budget, decoding stops with an error. Strings are not
//! charged: each takes at most the bytes it had in the reply.
//!
//! The budget lives in a thread-local for the duration of one synchronous decode
//! (`within`), so the `serde` types need no extra plumbing. Outside such a decode (a caller
//! deserializing [`crate::wire`] types with serde, not through [`crate::decode_reply`]) nothing
//! is charged: only the list caps apply.

use std::cell::Cell;

/// Bytes every decode may spend besides the per-byte allowance.
pub const BASE_BYTES: usize = 1 << 20;

/// Structures of a typed reply (tickets, articles, IDs) may take this many bytes per reply byte.
pub const TYPED_PER_BYTE: usize = 2;

/// A raw reply decoded as a generic JSON value (maps are B-trees: costly) may take this many
/// bytes per reply byte.
pub const RAW_PER_BYTE: usize = 16;

thread_local! {
    static LEFT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The budget for a reply of `reply_bytes` at `per_byte`.
pub fn for_reply(reply_bytes: usize, per_byte: usize) -> usize {
    reply_bytes
        .saturating_mul(per_byte)
        .saturating_add(BASE_BYTES)
}

/// Runs `decode` with `bytes` to spend; the previous budget (if any) is restored afterwards.
pub(crate) fn within<R>(bytes: usize, decode: impl FnOnce() -> R) -> R {
    let previous = LEFT.with(|left| left.replace(Some(bytes)));
    let result = decode();
    LEFT.with(|left| left.set(previous));
    result
}

/// Spends `bytes`; an error once the budget is gone.
pub(crate) fn charge<E: serde::de::Error>(bytes: usize) -> Result<(), E> {
    LEFT.with(|left| match left.get() {
        None => Ok(()),
        Some(rest) if rest >= bytes => {
            left.set(Some(rest - bytes));
            Ok(())
        }
        Some(_) => {
            left.set(Some(0));
            Err(E::custom(
                "the reply holds more items than its size allows (decoding budget exceeded)",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_stop_at_the_budget_and_nothing_is_charged_outside() {
        let spend = |n| charge::<serde_json::Error>(n).is_ok();
        assert!(spend(usize::MAX), "no budget outside `within`");
        within(100, || {
            assert!(spend(60));
            assert!(spend(40));
            assert!(!spend(1));
            within(5, || assert!(!spend(6)));
            assert!(!spend(1), "the outer budget is restored");
        });
        assert!(spend(usize::MAX));
        assert_eq!(for_reply(10, 2), 20 + BASE_BYTES);
    }
}
