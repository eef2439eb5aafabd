//! `Ticket::TicketSearch`: the filters the unified criteria can express, `Limit`, `SortBy` and
//! `OrderBy`; any other parameter is refused with `InvalidParameter` (never ignored, so a
//! misspelt filter cannot widen a search). Answers `{"TicketID": [...]}`, or `{}` for none.

use otai_core::request::SearchRequest;
use otai_core::{TicketSystemService, UnifiedTicket};
use otai_otobo_znuny::input::{list, text};
use serde_json::{Map, Value, json};

use crate::accounts::Identity;
use crate::error::{OpError, from_service};

/// OTOBO's default `Limit` (SysConfig `SearchLimit`).
pub(super) const DEFAULT_LIMIT: usize = 500;
/// The most tickets one search reads from the helpdesk (to sort them) and returns.
pub(super) const MAX_LIMIT: usize = 10_000;

/// Keys every request may carry besides its own.
const CREDENTIALS: [&str; 5] = [
    "UserLogin",
    "CustomerUserLogin",
    "Password",
    "SessionID",
    "RequestMethod",
];
/// List filters: GI key, unified key, by ID.
const LISTS: [(&str, &str, bool); 9] = [
    ("Queues", "queue", false),
    ("QueueIDs", "queue", true),
    ("States", "state", false),
    ("StateIDs", "state", true),
    ("Priorities", "priority", false),
    ("PriorityIDs", "priority", true),
    ("Types", "type", false),
    ("TypeIDs", "type", true),
    ("OwnerIDs", "owner", true),
];
/// Time filters: GI key, unified key.
const TIMES: [(&str, &str); 4] = [
    ("TicketCreateTimeNewerDate", "created_after"),
    ("TicketCreateTimeOlderDate", "created_before"),
    ("TicketLastChangeTimeNewerDate", "updated_after"),
    ("TicketLastChangeTimeOlderDate", "updated_before"),
];
/// The other keys understood.
const OTHERS: [&str; 8] = [
    "Limit",
    "SortBy",
    "OrderBy",
    "Title",
    "Fulltext",
    "CustomerID",
    "TicketNumber",
    "DynamicField",
];

fn known_keys() -> Vec<String> {
    CREDENTIALS
        .iter()
        .chain(LISTS.iter().map(|(k, _, _)| k))
        .chain(TIMES.iter().map(|(k, _)| k))
        .chain(OTHERS.iter())
        .map(|k| (*k).to_owned())
        .collect()
}

/// The most searches one TicketSearch runs: list filters with several values (OR-ed) run one
/// search per combination.
const MAX_COMBINATIONS: usize = 16;

/// The values of a list filter (a scalar counts as one).
fn values(input: &Map<String, Value>, key: &str) -> Result<Vec<String>, OpError> {
    let values = list(input, key);
    if values.len() > MAX_COMBINATIONS {
        return Err(OpError::invalid(format!(
            "{key}: at most {MAX_COMBINATIONS} values, got {}",
            values.len()
        )));
    }
    Ok(values)
}

/// A `*text*` pattern as the text it contains; inner wildcards are refused.
fn contains(key: &str, pattern: &str) -> Result<String, OpError> {
    let inner = pattern.trim_matches(|c| c == '*' || c == '%');
    if inner.contains(['*', '%']) || inner.is_empty() {
        return Err(OpError::invalid(format!(
            "{key}: only `*text*` (contains) patterns are supported"
        )));
    }
    Ok(inner.to_owned())
}

/// The unified kwargs of the search input: one map per combination of the values of its list
/// filters (their results are OR-ed).
fn kwargs(
    input: &Map<String, Value>,
    identity: &Identity,
) -> Result<Vec<Map<String, Value>>, OpError> {
    let known = known_keys();
    for key in input.keys() {
        if !known.iter().any(|k| k == key) {
            let message = otai_core::registry::unknown_name_message("parameter", key, &known);
            return Err(OpError::invalid(message));
        }
    }
    let mut out = Map::new();
    let mut lists: Vec<(&str, Vec<Value>)> = Vec::new();
    for (gi, unified, by_id) in LISTS {
        let entities: Vec<Value> = values(input, gi)?
            .into_iter()
            .map(|v| {
                if by_id {
                    json!({"id": v})
                } else {
                    json!({"name": v})
                }
            })
            .collect();
        if entities.is_empty() {
            continue;
        }
        if lists.iter().any(|(u, _)| *u == unified) {
            return Err(OpError::invalid(format!(
                "{gi}: give names or IDs, not both"
            )));
        }
        lists.push((unified, entities));
    }
    for (gi, unified) in TIMES {
        if let Some(at) = text(input, gi) {
            out.insert(unified.into(), at.into());
        }
    }
    if let Some(title) = text(input, "Title") {
        out.insert("subject_contains".into(), contains("Title", &title)?.into());
    }
    if let Some(fulltext) = text(input, "Fulltext") {
        out.insert("text_contains".into(), fulltext.into());
    }
    let customer = match identity {
        Identity::Customer(login) => Some(login.clone()),
        Identity::Agent(_) => text(input, "CustomerUserLogin").or(text(input, "CustomerID")),
    };
    if let Some(customer) = customer {
        out.insert("customer".into(), json!({"name": customer}));
    }
    if let Some(fields) = dynamic_fields(input)? {
        out.insert("custom_fields".into(), fields);
    }
    let mut combinations = vec![out];
    for (unified, entities) in lists {
        if combinations.len() * entities.len() > MAX_COMBINATIONS {
            return Err(OpError::invalid(format!(
                "the list filters give more than {MAX_COMBINATIONS} combinations of values"
            )));
        }
        combinations = combinations
            .into_iter()
            .flat_map(|base| {
                entities.iter().map(move |entity| {
                    let mut next = base.clone();
                    next.insert(unified.into(), entity.clone());
                    next
                })
            })
            .collect();
    }
    for combination in &mut combinations {
        if combination.is_empty() {
            combination.insert("all".into(), true.into());
        }
    }
    Ok(combinations)
}

/// `DynamicField` filters: `{"Name": …, "Equals": …}` (one or a list); other operators refused.
fn dynamic_fields(input: &Map<String, Value>) -> Result<Option<Value>, OpError> {
    let items: Vec<&Value> = match input.get("DynamicField") {
        None => return Ok(None),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    let mut fields = Map::new();
    for item in items.into_iter().take(super::read::MAX_IDS + 1) {
        let Value::Object(item) = item else {
            return Err(OpError::invalid(
                "DynamicField: expected {\"Name\": …, \"Equals\": …}",
            ));
        };
        let name =
            text(item, "Name").ok_or_else(|| OpError::invalid("DynamicField: Name is missing"))?;
        for key in item.keys() {
            if key != "Name" && key != "Equals" {
                return Err(OpError::invalid(format!(
                    "DynamicField `{name}`: only `Equals` is supported, not `{key}`"
                )));
            }
        }
        let equals = item
            .get("Equals")
            .cloned()
            .ok_or_else(|| OpError::invalid(format!("DynamicField `{name}`: Equals is missing")))?;
        fields.insert(name, equals);
    }
    Ok(Some(Value::Object(fields)))
}

/// `Limit` (0 or absent: the default), at most [`MAX_LIMIT`].
fn limit(input: &Map<String, Value>) -> Result<usize, OpError> {
    match text(input, "Limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(limit) => match limit.parse::<usize>() {
            Ok(0) => Ok(DEFAULT_LIMIT),
            Ok(n) => Ok(n.min(MAX_LIMIT)),
            Err(_) => Err(OpError::invalid("Limit must be a whole number!")),
        },
    }
}

/// Sorts `tickets` by `SortBy` (default `Age`) and `OrderBy` (default `Down`).
fn sort(tickets: &mut [UnifiedTicket], input: &Map<String, Value>) -> Result<(), OpError> {
    let by = text(input, "SortBy").unwrap_or_else(|| "Age".into());
    let down = match text(input, "OrderBy").as_deref() {
        None | Some("Down") => true,
        Some("Up") => false,
        Some(other) => {
            return Err(OpError::invalid(format!(
                "OrderBy `{other}`: expected Up or Down"
            )));
        }
    };
    let numeric_id = |t: &UnifiedTicket| {
        t.id.as_deref()
            .and_then(|i| i.parse::<u64>().ok())
            .unwrap_or(0)
    };
    match by.as_str() {
        // Age Down is the youngest first: newest creation first.
        "Age" | "Created" => tickets.sort_by_key(|t| (t.created, numeric_id(t))),
        "Changed" => tickets.sort_by_key(|t| (t.updated, numeric_id(t))),
        "Ticket" | "TicketNumber" => tickets.sort_by(|a, b| a.number.cmp(&b.number)),
        "Title" => tickets.sort_by(|a, b| a.subject.cmp(&b.subject)),
        "TicketID" => tickets.sort_by_key(numeric_id),
        other => {
            return Err(OpError::invalid(format!(
                "SortBy `{other}`: this provider sorts by Age, Created, Changed, Ticket, TicketNumber, Title or TicketID"
            )));
        }
    }
    if down {
        tickets.reverse();
    }
    Ok(())
}

/// TicketSearch.
pub(super) async fn search(
    service: &dyn TicketSystemService,
    identity: &Identity,
    input: &Map<String, Value>,
) -> Result<Value, OpError> {
    let limit = limit(input)?;
    let ids: Vec<String> = if let Some(number) = text(input, "TicketNumber") {
        if input
            .keys()
            .any(|k| !CREDENTIALS.contains(&k.as_str()) && k != "TicketNumber" && k != "Limit")
        {
            return Err(OpError::invalid(
                "TicketNumber cannot be combined with other filters",
            ));
        }
        let found = service
            .ticket_id_by_number(&number)
            .await
            .map_err(|e| from_service(&e))?;
        match found {
            Some(id) => {
                let ticket = super::read::visible(service, identity, &id).await;
                ticket.ok().and_then(|t| t.id).into_iter().collect()
            }
            None => Vec::new(),
        }
    } else {
        let mut tickets: Vec<UnifiedTicket> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for mut kwargs in kwargs(input, identity)? {
            kwargs.insert("limit".into(), MAX_LIMIT.into());
            let request = SearchRequest::from_kwargs(kwargs, service.kind(), service.native_keys())
                .map_err(|e| from_service(&e))?;
            let found = service
                .find_tickets(request)
                .await
                .map_err(|e| from_service(&e))?;
            for ticket in found {
                if tickets.len() < MAX_LIMIT && seen.insert(ticket.id.clone()) {
                    tickets.push(ticket);
                }
            }
        }
        sort(&mut tickets, input)?;
        tickets
            .into_iter()
            .take(limit)
            .filter_map(|t| t.id)
            .collect()
    };
    if ids.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({"TicketID": ids}))
}
