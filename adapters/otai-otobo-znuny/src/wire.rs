//! OTOBO's JSON, read leniently: IDs and flags as strings or numbers, one object where a list is
//! expected, unknown keys kept.

use otai_core::model::lenient_id;
use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Visitor};
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
    /// Reads in one pass (no buffering of the whole value, unlike an untagged enum): a list
    /// item by item, a map or a scalar as the single item, null as nothing.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
    }
}

struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);

impl<T> OneOrManyVisitor<T> {
    fn one<'de, E: de::Error, X: IntoDeserializer<'de, E>>(value: X) -> Result<OneOrMany<T>, E>
    where
        T: Deserialize<'de>,
    {
        T::deserialize(value.into_deserializer()).map(|item| OneOrMany(vec![item]))
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
    type Value = OneOrMany<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list, a single item, or null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(OneOrMany(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|item| OneOrMany(vec![item]))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(OneOrMany(Vec::new()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(OneOrMany(Vec::new()))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        OneOrMany::deserialize(d)
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

    #[test]
    fn one_or_many_reads_every_shape_in_one_pass_and_names_bad_items() -> serde_json::Result<()> {
        let read = |v: Value| serde_json::from_value::<OneOrMany<u32>>(v).map(|o| o.0);
        assert_eq!(read(json!([1, 2]))?, vec![1, 2]);
        assert_eq!(read(json!(3))?, vec![3]);
        assert_eq!(read(json!(null))?, Vec::<u32>::new());
        let tickets: OneOrMany<Ticket> = serde_json::from_value(json!({"TicketID": "9"}))?;
        assert_eq!(tickets.0.len(), 1, "a single object is one item");
        let err = otai_core::kwargs::deserialize_tracked::<TicketGetReply>(
            json!({"Ticket": [{"TicketID": 1}, {"TicketID": 2, "Article": [{"ArticleID": [1]}]}]}),
        )
        .err()
        .map(|e| e.path().to_string());
        assert_eq!(err.as_deref(), Some("Ticket[1].Article[0].ArticleID"));
        Ok(())
    }
}
