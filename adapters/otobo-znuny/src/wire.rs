//! OTOBO's JSON, read leniently: IDs and flags as strings or numbers, one object where a list is
//! expected, unknown keys kept.

use otai_core::model::lenient_id;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A single item or a list of them; both read as a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Many(Vec<T>),
            One(T),
            Nothing(()),
        }
        Ok(match Either::deserialize(d)? {
            Either::Many(items) => Self(items),
            Either::One(item) => Self(vec![item]),
            Either::Nothing(()) => Self(Vec::new()),
        })
    }
}

/// Reads a flag: `1`, `"1"`, `true` are true; `0`, `"0"`, `""`, null, `false` are false.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(Value::Number(n)) => Some(n.as_f64().is_some_and(|v| v != 0.0)),
        Some(Value::String(s)) => Some(!matches!(s.trim(), "" | "0")),
        Some(_) => None,
    })
}

/// A dynamic field as TicketGet returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct DynamicField {
    /// The field's name.
    pub name: String,
    /// Its value: string, list, list of lists, or null when unset.
    #[serde(default)]
    pub value: Value,
}

/// An article as TicketGet returns it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Article {
    /// ArticleID.
    #[serde(
        default,
        rename = "ArticleID",
        deserialize_with = "lenient_id::optional"
    )]
    pub article_id: Option<String>,
    /// Subject.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub subject: Option<String>,
    /// Body.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub body: Option<String>,
    /// Full content type, e.g. `text/plain; charset=utf8`.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub content_type: Option<String>,
    /// MIME type, e.g. `text/plain`.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub mime_type: Option<String>,
    /// Whether the customer sees it.
    #[serde(default, deserialize_with = "flag")]
    pub is_visible_for_customer: Option<bool>,
    /// `agent`, `system` or `customer`.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub sender_type: Option<String>,
    /// Sender.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub from: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, server time.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub create_time: Option<String>,
    /// Every other key, as the server sent it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A ticket as TicketGet returns it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Ticket {
    /// TicketID.
    #[serde(
        default,
        rename = "TicketID",
        deserialize_with = "lenient_id::optional"
    )]
    pub ticket_id: Option<String>,
    /// TicketNumber.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub ticket_number: Option<String>,
    /// Title.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub title: Option<String>,
    /// Queue name.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub queue: Option<String>,
    /// QueueID.
    #[serde(default, rename = "QueueID", deserialize_with = "lenient_id::optional")]
    pub queue_id: Option<String>,
    /// State name.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub state: Option<String>,
    /// StateID.
    #[serde(default, rename = "StateID", deserialize_with = "lenient_id::optional")]
    pub state_id: Option<String>,
    /// State type (`new`, `open`, `closed`, `pending reminder`, …).
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub state_type: Option<String>,
    /// Priority name.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub priority: Option<String>,
    /// PriorityID.
    #[serde(
        default,
        rename = "PriorityID",
        deserialize_with = "lenient_id::optional"
    )]
    pub priority_id: Option<String>,
    /// Type name.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub r#type: Option<String>,
    /// TypeID.
    #[serde(default, rename = "TypeID", deserialize_with = "lenient_id::optional")]
    pub type_id: Option<String>,
    /// Owner login.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub owner: Option<String>,
    /// OwnerID.
    #[serde(default, rename = "OwnerID", deserialize_with = "lenient_id::optional")]
    pub owner_id: Option<String>,
    /// Customer user login.
    #[serde(
        default,
        rename = "CustomerUserID",
        deserialize_with = "lenient_id::optional"
    )]
    pub customer_user_id: Option<String>,
    /// Customer company.
    #[serde(
        default,
        rename = "CustomerID",
        deserialize_with = "lenient_id::optional"
    )]
    pub customer_id: Option<String>,
    /// Creation time, server time.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub created: Option<String>,
    /// Last change, server time.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub changed: Option<String>,
    /// Dynamic fields (with `DynamicFields=1`).
    #[serde(default)]
    pub dynamic_field: OneOrMany<DynamicField>,
    /// Articles (with `AllArticles=1`).
    #[serde(default)]
    pub article: OneOrMany<Article>,
    /// Every other key, as the server sent it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The reply of TicketGet.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct TicketGetReply {
    /// The tickets, in request order.
    #[serde(default, rename = "Ticket")]
    pub tickets: OneOrMany<Ticket>,
}

/// The reply of TicketSearch: `{}` when nothing matched.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct TicketSearchReply {
    /// Matching IDs, in the server's order.
    #[serde(default, rename = "TicketID")]
    pub ticket_ids: OneOrMany<otai_core::LenientId>,
}

/// The reply of TicketCreate and TicketUpdate.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct TicketWriteReply {
    /// TicketID.
    #[serde(
        default,
        rename = "TicketID",
        deserialize_with = "lenient_id::optional"
    )]
    pub ticket_id: Option<String>,
    /// TicketNumber.
    #[serde(
        default,
        rename = "TicketNumber",
        deserialize_with = "lenient_id::optional"
    )]
    pub ticket_number: Option<String>,
    /// ArticleID, when an article was created.
    #[serde(
        default,
        rename = "ArticleID",
        deserialize_with = "lenient_id::optional"
    )]
    pub article_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_mixed_id_types_single_items_and_flags() -> Result<(), serde_json::Error> {
        let reply: TicketGetReply = serde_json::from_value(json!({"Ticket": {
            "TicketID": 71, "QueueID": "2", "ServiceID": "",
            "Article": {"ArticleID": "94", "IsVisibleForCustomer": "0"},
            "DynamicField": [{"Name": "A", "Value": null}]
        }}))?;
        let t = &reply.tickets.0[0];
        assert_eq!(t.ticket_id.as_deref(), Some("71"));
        assert_eq!(t.queue_id.as_deref(), Some("2"));
        assert_eq!(t.extra.get("ServiceID"), Some(&json!("")));
        assert_eq!(t.article.0[0].is_visible_for_customer, Some(false));
        assert_eq!(t.dynamic_field.0[0].value, Value::Null);
        Ok(())
    }

    #[test]
    fn empty_search_is_no_ids() -> Result<(), serde_json::Error> {
        let none: TicketSearchReply = serde_json::from_value(json!({}))?;
        assert!(none.ticket_ids.0.is_empty());
        let one: TicketSearchReply = serde_json::from_value(json!({"TicketID": 7}))?;
        assert_eq!(one.ticket_ids.0, vec![otai_core::LenientId::from("7")]);
        Ok(())
    }
}
