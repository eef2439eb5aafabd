//! A search's native arguments as the query parameters of `GET /tickets`.

use otai_core::kwargs::describe;
use otai_core::{Error, Kwargs, Result};
use serde_json::Value;

use crate::native::{ORDER, ORDER_BY, QUERY};

/// Parameters the adapter sets itself to page through results: not to be overridden.
const MANAGED: &[&str] = &["fields", "page", "per_page"];

/// What a search sends besides the unified filters.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct SearchParams {
    /// TicketSQL to AND with the unified filters.
    pub(crate) query: Option<String>,
    /// Further query parameters: the order (by `id`, ascending, unless given) and anything
    /// passed verbatim under `native:`.
    pub(crate) extra: Vec<(String, String)>,
}

/// Reads the native arguments of a search: `query`, `orderby`, `order`, and any other key as a
/// verbatim query parameter (a list repeats it).
pub(crate) fn search_params(native: Kwargs) -> Result<SearchParams> {
    let mut params = SearchParams {
        query: None,
        extra: vec![
            (ORDER_BY.to_owned(), "id".to_owned()),
            (ORDER.to_owned(), "ASC".to_owned()),
        ],
    };
    for (key, value) in native {
        if MANAGED.contains(&key.as_str()) {
            return Err(Error::invalid_input(
                format!("native.{key}"),
                "the adapter sets it to page through the results",
            ));
        }
        if key == QUERY {
            params.query = Some(scalar(&key, &value)?);
            continue;
        }
        let texts = texts(&key, value)?;
        if key == ORDER_BY || key == ORDER {
            params.extra.retain(|(k, _)| *k != key);
        }
        params
            .extra
            .extend(texts.into_iter().map(|text| (key.clone(), text)));
    }
    Ok(params)
}

/// A query parameter's value as text.
fn scalar(key: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_owned()),
        other => Err(Error::invalid_input(
            key,
            format!("expected text, got {}", describe(other)),
        )),
    }
}

/// A query parameter's values: one scalar, or a list of them (repeated); `null` sends nothing.
fn texts(key: &str, value: Value) -> Result<Vec<String>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(|item| scalar(key, item)).collect(),
        other => scalar(key, &other).map(|text| vec![text]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(value: Value) -> Result<SearchParams> {
        search_params(value.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn the_order_defaults_to_ascending_ids_and_can_be_replaced() -> Result<()> {
        assert_eq!(
            params(json!({}))?,
            SearchParams {
                query: None,
                extra: vec![
                    ("orderby".into(), "id".into()),
                    ("order".into(), "ASC".into())
                ],
            }
        );
        let given = params(json!({
            "query": "Status = '__Active__'", "orderby": ["Created", "id"], "order": "DESC",
            "simple": 1
        }))?;
        assert_eq!(given.query.as_deref(), Some("Status = '__Active__'"));
        // Kwargs are a sorted map: keys come in name order, a list's values in list order.
        assert_eq!(
            given.extra,
            [
                ("order".to_owned(), "DESC".to_owned()),
                ("orderby".to_owned(), "Created".to_owned()),
                ("orderby".to_owned(), "id".to_owned()),
                ("simple".to_owned(), "1".to_owned()),
            ]
        );
        Ok(())
    }

    #[test]
    fn paging_parameters_and_nested_values_are_refused() {
        let message = |value| params(value).err().map(|e| e.to_string());
        assert_eq!(
            message(json!({"per_page": 5})).as_deref(),
            Some(
                "invalid input `native.per_page`: the adapter sets it to page through the results"
            )
        );
        assert_eq!(
            message(json!({"query": ["a", "b"]})).as_deref(),
            Some("invalid input `query`: expected text, got a list")
        );
        assert_eq!(
            message(json!({"x": [{"a": 1}]})).as_deref(),
            Some("invalid input `x`: expected text, got a map")
        );
    }
}
