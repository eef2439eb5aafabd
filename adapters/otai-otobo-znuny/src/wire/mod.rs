//! OTOBO's replies, read leniently but bounded: IDs and flags as strings or numbers, one object
//! where a list is expected, unknown keys skipped without being built, duplicate keys refused,
//! lists capped, and every list item charged to the decoding [`budget`].

pub mod budget;
mod fields;
mod list;
mod value;

use otai_core::model::{Timestamp, lenient_id, lenient_timestamp};
use serde::Deserialize;
use serde::Serialize;
use serde::de::{self, Deserializer, Visitor};

pub use fields::DynamicField;
pub(crate) use list::ListVisitor;
pub use list::OneOrMany;
pub use value::BoundedValue;
use value::flag;

/// The most tickets one TicketGet asks for, and so the most a reply may hold.
pub const MAX_TICKETS_PER_GET: usize = 20;
/// The most articles a ticket in a TicketGet reply may carry.
pub const MAX_ARTICLES: usize = 1000;
/// The most dynamic fields a ticket in a TicketGet reply may carry.
pub const MAX_DYNAMIC_FIELDS: usize = 500;
/// The most attachments an article in a TicketGet reply may carry.
pub const MAX_ATTACHMENTS: usize = otai_core::model::MAX_ATTACHMENTS;

/// A ticket ID as the server sends it: a positive whole number, as a JSON number or a string of
/// digits. Anything else (`..`, `1,2`, `a/b`) is refused, so an ID from a reply is always safe
/// in a URL path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct WireTicketId(pub u64);

impl std::fmt::Display for WireTicketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl WireTicketId {
    /// Reads an ID from text: 1 to 20 ASCII digits, not zero.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().filter(|id| *id > 0).map(Self)
    }
}

impl<'de> Deserialize<'de> for WireTicketId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WireIdVisitor)
    }
}

struct WireIdVisitor;

impl Visitor<'_> for WireIdVisitor {
    type Value = WireTicketId;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a ticket ID (a positive whole number)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireTicketId, E> {
        Some(v)
            .filter(|v| *v > 0)
            .map(WireTicketId)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireTicketId, E> {
        u64::try_from(v)
            .ok()
            .filter(|v| *v > 0)
            .map(WireTicketId)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<WireTicketId, E> {
        WireTicketId::parse(v).ok_or_else(|| {
            E::invalid_value(
                de::Unexpected::Str(&crate::errors::server_text(v, 40)),
                &self,
            )
        })
    }
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
    /// Sender.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub from: Option<String>,
    /// When it was written: `YYYY-MM-DD HH:MM:SS` server time, read as UTC (absent when it
    /// does not parse).
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub create_time: Option<Timestamp>,
    /// Attachments (with `Attachments=1`).
    #[serde(default)]
    pub attachment: OneOrMany<Attachment, MAX_ATTACHMENTS>,
}

/// An attachment of an article as TicketGet returns it (spec §3.2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Attachment {
    /// File name.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub filename: Option<String>,
    /// Content type, e.g. `text/plain; charset=utf-8`.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub content_type: Option<String>,
    /// Size in bytes (a number or a string of digits; anything else is refused).
    #[serde(default, deserialize_with = "file_size")]
    pub filesize_raw: Option<u64>,
    /// Base64 content; `""` with `GetAttachmentContents=0`.
    #[serde(default, deserialize_with = "lenient_id::optional")]
    pub content: Option<String>,
}

/// Reads `FilesizeRaw`: a whole number of bytes, as a number or digits.
fn file_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let Some(text) = lenient_id::optional(d)? else {
        return Ok(None);
    };
    text.trim().parse::<u64>().map(Some).map_err(|_| {
        de::Error::custom(format_args!(
            "FilesizeRaw: expected a size in bytes, got `{}`",
            crate::errors::server_text(&text, 40)
        ))
    })
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
    /// Creation time (server time, read as UTC; absent when it does not parse).
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub created: Option<Timestamp>,
    /// Last change (server time, read as UTC; absent when it does not parse).
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub changed: Option<Timestamp>,
    /// Dynamic fields (with `DynamicFields=1`), without the process-management fields every
    /// ticket carries.
    #[serde(default, deserialize_with = "fields::shown_fields")]
    pub dynamic_field: OneOrMany<DynamicField, MAX_DYNAMIC_FIELDS>,
    /// Articles (with `AllArticles=1`).
    #[serde(default)]
    pub article: OneOrMany<Article, MAX_ARTICLES>,
}

/// The reply of TicketGet.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct TicketGetReply {
    /// The tickets, in request order.
    #[serde(default, rename = "Ticket")]
    pub tickets: OneOrMany<Ticket, MAX_TICKETS_PER_GET>,
}

/// The reply of TicketSearch: `{}` when nothing matched; any other key is refused (a reply
/// of another operation must not read as an empty search).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TicketSearchReply {
    /// Matching IDs, in the server's order.
    #[serde(default, rename = "TicketID")]
    pub ticket_ids: OneOrMany<WireTicketId>,
}

/// The reply of SessionCreate.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct SessionReply {
    /// The new session's ID.
    #[serde(
        default,
        rename = "SessionID",
        deserialize_with = "lenient_id::optional"
    )]
    pub session_id: Option<String>,
}

/// The `Error` object any reply may carry instead of its result.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ErrorReply {
    /// The error, when the operation failed.
    #[serde(default, rename = "Error")]
    pub error: Option<ErrorObject>,
}

/// `{"ErrorCode": "TicketGet.AccessDenied", "ErrorMessage": "..."}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ErrorObject {
    /// `<Operation>.<Kind>`.
    #[serde(
        default,
        rename = "ErrorCode",
        deserialize_with = "lenient_id::optional"
    )]
    pub code: Option<String>,
    /// The server's message.
    #[serde(
        default,
        rename = "ErrorMessage",
        deserialize_with = "lenient_id::optional"
    )]
    pub message: Option<String>,
}

/// The reply of TicketCreate and TicketUpdate.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct TicketWriteReply {
    /// TicketID.
    #[serde(default, rename = "TicketID")]
    pub ticket_id: Option<WireTicketId>,
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
    use serde_json::{Value, json};

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
        assert_eq!(t.article.0[0].is_visible_for_customer, Some(false));
        assert_eq!(t.dynamic_field.0[0].value, Value::Null);
        Ok(())
    }

    #[test]
    fn empty_search_is_no_ids() -> Result<(), serde_json::Error> {
        let none: TicketSearchReply = serde_json::from_value(json!({}))?;
        assert!(none.ticket_ids.0.is_empty());
        let one: TicketSearchReply = serde_json::from_value(json!({"TicketID": 7}))?;
        assert_eq!(one.ticket_ids.0, vec![WireTicketId(7)]);
        let other = serde_json::from_value::<TicketSearchReply>(json!({"Ticket": []}));
        assert!(
            other.is_err(),
            "another operation's reply is no empty search"
        );
        Ok(())
    }

    #[test]
    fn ids_from_a_reply_are_positive_whole_numbers() {
        let read = |v| serde_json::from_value::<WireTicketId>(v).ok();
        assert_eq!(read(json!("71")), Some(WireTicketId(71)));
        assert_eq!(read(json!(71)), Some(WireTicketId(71)));
        for bad in [
            json!(".."),
            json!("1,2"),
            json!("a/b"),
            json!(0),
            json!(-1),
            json!(""),
        ] {
            assert_eq!(read(bad.clone()), None, "{bad}");
        }
    }

    #[test]
    fn duplicate_keys_and_oversized_lists_are_errors() {
        let dup = serde_json::from_str::<TicketGetReply>(
            r#"{"Ticket":[{"TicketID":"1","TicketID":"666"}]}"#,
        );
        assert!(
            dup.err()
                .is_some_and(|e| e.to_string().contains("duplicate field `TicketID`"))
        );
        let many = format!(
            r#"{{"Ticket":[{}{{}}]}}"#,
            "{},".repeat(MAX_TICKETS_PER_GET)
        );
        assert!(serde_json::from_str::<TicketGetReply>(&many).is_err());
        let articles = format!(
            r#"{{"Ticket":{{"Article":[{}{{}}]}}}}"#,
            "{},".repeat(MAX_ARTICLES)
        );
        assert!(serde_json::from_str::<TicketGetReply>(&articles).is_err());
    }

    #[test]
    fn one_or_many_reads_every_shape_in_one_pass_and_names_bad_items() -> serde_json::Result<()> {
        let read = |v: serde_json::Value| serde_json::from_value::<OneOrMany<u32>>(v).map(|o| o.0);
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
