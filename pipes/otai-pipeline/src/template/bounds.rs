//! How much a template may make: a value is measured before it leaves the template engine, and
//! before the filters that copy a whole value into text (`tojson`, `string`, `pprint`,
//! `format`) run.
//!
//! minijinja charges fuel for the data a render creates, but repeating a list (`[0] * n`) is
//! lazy and free: a 25-byte template names a list of 100 000 000 items, and anything that
//! copies it (turning it into JSON for a pipe, or `tojson`) takes gigabytes. A value is
//! therefore measured as it would be copied, without copying it: lists and maps by their
//! length first, then item by item, stopping at the limit.

use minijinja::value::{Kwargs, Rest, Value as Jinja, ValueIter, ValueKind, ValueOrKwargs};
use minijinja::{Error as JinjaError, ErrorKind, State};

/// The most memory a value a template hands out may take once copied, in bytes.
pub(crate) const MAX_VALUE_BYTES: usize = 64 << 20;
/// What each list item and map entry counts for (a JSON value in memory), in bytes.
pub(crate) const ITEM_BYTES: usize = 32;
/// How deeply a value a template hands out may nest (as deep as any JSON reply may).
pub(crate) const MAX_VALUE_DEPTH: usize = 128;
/// Fuel charged per byte of text a copying filter makes (minijinja charges a quarter fuel).
const BYTES_PER_FUEL: usize = 4;

/// Why a value is too large to hand out, or `Ok` when it fits. Visits at most
/// [`MAX_VALUE_BYTES`] / [`ITEM_BYTES`] items, whatever the (lazy) size of the value.
pub(crate) fn check_size(value: &Jinja) -> Result<(), String> {
    let mut used = ITEM_BYTES;
    let mut open: Vec<(Jinja, ValueIter)> = Vec::new();
    let mut next = Some(value.clone());
    loop {
        if let Some(value) = next.take() {
            used = used.saturating_add(own_bytes(&value));
            if is_container(&value) {
                let items = value.len().unwrap_or(0);
                used = used.saturating_add(items.saturating_mul(ITEM_BYTES));
                if open.len() >= MAX_VALUE_DEPTH {
                    return Err(format!(
                        "the value nests more than {MAX_VALUE_DEPTH} lists or maps deep"
                    ));
                }
                if let Ok(iter) = value.try_iter() {
                    open.push((value, iter));
                }
            }
            if used > MAX_VALUE_BYTES {
                return Err(too_large());
            }
        }
        let Some((container, items)) = open.last_mut() else {
            return Ok(());
        };
        match items.next() {
            Some(item) if container.kind() == ValueKind::Map => {
                used = used.saturating_add(own_bytes(&item));
                next = Some(container.get_item(&item).unwrap_or_default());
            }
            Some(item) => {
                if container.len().is_none() {
                    used = used.saturating_add(ITEM_BYTES);
                }
                next = Some(item);
            }
            None => {
                open.pop();
            }
        }
    }
}

/// The error message of a value over [`MAX_VALUE_BYTES`].
fn too_large() -> String {
    format!(
        "the value is too large: a template may make at most {} MiB of data ({ITEM_BYTES} bytes a list item or map entry, plus text)",
        MAX_VALUE_BYTES >> 20
    )
}

fn is_container(value: &Jinja) -> bool {
    matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    )
}

/// The bytes of a value's own text (not its items).
fn own_bytes(value: &Jinja) -> usize {
    match value.kind() {
        ValueKind::String => value.as_str().map_or(0, str::len),
        ValueKind::Bytes => value.as_bytes().map_or(0, <[u8]>::len),
        _ => 0,
    }
}

/// `check_size` as a template error.
fn checked(value: &Jinja) -> Result<(), JinjaError> {
    check_size(value).map_err(|message| JinjaError::new(ErrorKind::InvalidOperation, message))
}

/// Charges fuel for `text`, which a filter made by copying a value.
fn charge(state: &State<'_, '_>, text: &str) -> Result<(), JinjaError> {
    state.consume_fuel((text.len() / BYTES_PER_FUEL) as u64)
}

/// `tojson`, measuring the value before copying it.
pub(crate) fn tojson(
    state: &State<'_, '_>,
    value: &Jinja,
    indent: Option<Jinja>,
    kwargs: Kwargs,
) -> Result<Jinja, JinjaError> {
    checked(value)?;
    let json = minijinja::filters::tojson(value, indent, kwargs)?;
    charge(state, json.as_str().unwrap_or_default())?;
    Ok(json)
}

/// `string`, measuring the value before copying it.
pub(crate) fn string(state: &State<'_, '_>, value: &Jinja) -> Result<Jinja, JinjaError> {
    checked(value)?;
    let text = minijinja::filters::string(state, value)?;
    charge(state, text.as_str().unwrap_or_default())?;
    Ok(text)
}

/// `pprint`, measuring the value before copying it.
pub(crate) fn pprint(state: &State<'_, '_>, value: &Jinja) -> Result<String, JinjaError> {
    checked(value)?;
    let text = minijinja::filters::pprint(value);
    charge(state, &text)?;
    Ok(text)
}

/// `format`, measuring its arguments before copying them.
pub(crate) fn format(
    state: &mut State<'_, '_>,
    format: &Jinja,
    args: Rest<ValueOrKwargs>,
) -> Result<Jinja, JinjaError> {
    for value in Rest(args.0.clone()).into_values() {
        checked(&value)?;
    }
    let text = minijinja::filters::format(state, format, args)?;
    charge(state, text.as_str().unwrap_or_default())?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazily_repeated_lists_are_measured_by_their_length_without_being_walked() {
        let huge = Jinja::from(vec![Jinja::from(0)]);
        let env = minijinja::Environment::new();
        let repeated = env
            .compile_expression("x * 100000000")
            .and_then(|e| e.eval(minijinja::context! {x => huge}));
        let repeated = repeated.unwrap_or_default();
        assert_eq!(repeated.len(), Some(100_000_000));
        assert_eq!(check_size(&repeated), Err(too_large()));
        let small = Jinja::from(vec![Jinja::from("a"); 1000]);
        assert_eq!(check_size(&small), Ok(()));
    }

    #[test]
    fn nesting_and_text_count() {
        let mut deep = Jinja::from(0);
        for _ in 0..MAX_VALUE_DEPTH {
            deep = Jinja::from(vec![deep]);
        }
        assert_eq!(check_size(&deep), Ok(()));
        let deeper = Jinja::from(vec![deep]);
        assert_eq!(
            check_size(&deeper),
            Err("the value nests more than 128 lists or maps deep".to_owned())
        );
        let text = Jinja::from("x".repeat(MAX_VALUE_BYTES));
        assert_eq!(check_size(&text), Err(too_large()));
        let map = Jinja::from_iter([("k".repeat(MAX_VALUE_BYTES), 1)]);
        assert_eq!(check_size(&map), Err(too_large()));
    }
}
