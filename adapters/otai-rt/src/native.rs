//! The native keys this adapter accepts besides the unified ones, from RT's REST 2 API: the
//! TicketSQL `query` and ordering of a search, ticket fields of create and update, and what a
//! comment or correspondence takes. Anything else can still be sent verbatim under `native:`
//! (not for `get_ticket`, which has nothing to pass it to).

use otai_core::request::{NativeKey, NativeKeys, NativeKind};

/// What RT accepts, per operation.
pub(crate) const NATIVE_KEYS: NativeKeys = NativeKeys {
    search: SEARCH,
    get: &[],
    create: CREATE,
    update: UPDATE,
    note: NOTE,
};

/// The search parameter that carries TicketSQL.
pub(crate) const QUERY: &str = "query";
/// The search parameter naming the sort field.
pub(crate) const ORDER_BY: &str = "orderby";
/// The search parameter giving the sort direction.
pub(crate) const ORDER: &str = "order";

const fn key(name: &'static str, kind: NativeKind, doc: &'static str) -> NativeKey {
    NativeKey::new(name, kind, doc)
}

/// `GET /tickets`.
const SEARCH: &[NativeKey] = &[
    key(
        QUERY,
        NativeKind::Text,
        "TicketSQL, AND-ed with the unified filters (e.g. `Status = '__Active__'`).",
    ),
    key(
        ORDER_BY,
        NativeKind::Text,
        "The field to sort by (default `id`).",
    ),
    key(ORDER, NativeKind::Text, "`ASC` (default) or `DESC`."),
];

/// Ticket fields both `POST /ticket` and `PUT /ticket/:id` take, beyond the unified ones.
macro_rules! ticket_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            key("Requestor", NativeKind::List, "Requestor addresses (replaces `customer`)."),
            key("Cc", NativeKind::List, "Cc watcher addresses."),
            key("AdminCc", NativeKind::List, "AdminCc watcher addresses."),
            key("CustomRoles", NativeKind::Map, "Members of custom roles, by role name."),
            key("Due", NativeKind::Text, "Due date, `YYYY-MM-DD HH:MM:SS` (UTC)."),
            key("Starts", NativeKind::Text, "Start date, `YYYY-MM-DD HH:MM:SS` (UTC)."),
            key("Started", NativeKind::Text, "When work started, `YYYY-MM-DD HH:MM:SS` (UTC)."),
            key("TimeEstimated", NativeKind::Integer, "Estimated minutes."),
            key("TimeWorked", NativeKind::Integer, "Minutes worked."),
            key("TimeLeft", NativeKind::Integer, "Minutes left."),
            key("InitialPriority", NativeKind::Integer, "The priority the ticket starts from."),
            key("FinalPriority", NativeKind::Integer, "The priority the ticket moves towards."),
            $($extra,)*
        ]
    };
}

/// `POST /ticket`.
const CREATE: &[NativeKey] = ticket_fields![
    key(
        "ContentType",
        NativeKind::Text,
        "Content type of the first message (default `text/plain`)."
    ),
    key(
        "Attachments",
        NativeKind::List,
        "`{FileName, FileType, FileContent (base64)}` items for the first message."
    ),
];

/// `PUT /ticket/:id`.
const UPDATE: &[NativeKey] = ticket_fields![];

/// `POST /ticket/:id/comment` and `/correspond`.
const NOTE: &[NativeKey] = &[
    key(
        "Attachments",
        NativeKind::List,
        "`{FileName, FileType, FileContent (base64)}` items.",
    ),
    key(
        "TimeTaken",
        NativeKind::Integer,
        "Minutes spent, added to the ticket's time worked.",
    ),
    key(
        "Status",
        NativeKind::Text,
        "A status to set with the message (e.g. `resolved`).",
    ),
    key(
        "CustomFields",
        NativeKind::Map,
        "Ticket custom fields to set with the message.",
    ),
    key(
        "TxnCustomFields",
        NativeKind::Map,
        "Custom fields of the message's transaction.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use otai_core::request::Operation;

    #[test]
    fn keys_are_unique_and_documented_and_get_takes_none() {
        for operation in Operation::ALL {
            let keys = NATIVE_KEYS.of(operation);
            for (i, key) in keys.iter().enumerate() {
                assert!(!key.doc.is_empty(), "{}", key.name);
                assert!(
                    keys[..i].iter().all(|k| k.name != key.name),
                    "{} twice for {operation}",
                    key.name
                );
            }
        }
        assert!(NATIVE_KEYS.get.is_empty());
        assert!(NATIVE_KEYS.find(Operation::Create, "Attachments").is_some());
        assert!(NATIVE_KEYS.find(Operation::Update, "Attachments").is_none());
        assert!(NATIVE_KEYS.find(Operation::Search, "query").is_some());
    }
}
