//! An operation's input as it is sent: its keys, and the note written with it kept typed (its
//! six keys are written straight into the request, not built as a JSON map first).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// The input of one operation (credentials aside).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Payload {
    /// The operation's keys (`TicketID`, `Ticket`, `DynamicField`, ...).
    pub(crate) fields: Map<String, Value>,
    /// The `Article` the operation writes, if any.
    pub(crate) article: Option<ArticleBody>,
}

impl From<Map<String, Value>> for Payload {
    fn from(fields: Map<String, Value>) -> Self {
        Self {
            fields,
            article: None,
        }
    }
}

impl Payload {
    /// Everything, with the credential keys `auth`, as one JSON map (for SOAP envelopes and
    /// trace lines); the credentials win over a key of the same name.
    pub(crate) fn with_auth(&self, auth: &Map<String, Value>) -> Map<String, Value> {
        let mut map = self.fields.clone();
        if let Some(article) = &self.article {
            map.insert("Article".into(), article.to_value());
        }
        map.extend(auth.clone());
        map
    }
}

/// A TicketCreate/TicketUpdate `Article`: an agent's note on the internal channel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArticleBody {
    /// `Subject`.
    pub(crate) subject: String,
    /// `Body`.
    pub(crate) body: String,
    /// `ContentType`, with its charset.
    pub(crate) content_type: String,
    /// `IsVisibleForCustomer`.
    pub(crate) visible_for_customer: bool,
    /// Further `Article` keys given natively; they win over the keys above.
    pub(crate) extra: Map<String, Value>,
}

impl ArticleBody {
    /// The article as a JSON value.
    pub(crate) fn to_value(&self) -> Value {
        let mut map = Map::new();
        for (key, value) in self.entries() {
            map.insert(key.to_owned(), value.to_value());
        }
        map.extend(self.extra.clone());
        Value::Object(map)
    }

    /// The typed keys that `extra` does not replace.
    fn entries(&self) -> impl Iterator<Item = (&'static str, Field<'_>)> {
        [
            ("Subject", Field::Text(&self.subject)),
            ("Body", Field::Text(&self.body)),
            ("ContentType", Field::Text(&self.content_type)),
            ("CommunicationChannel", Field::Text("Internal")),
            ("SenderType", Field::Text("agent")),
            (
                "IsVisibleForCustomer",
                Field::Flag(self.visible_for_customer),
            ),
        ]
        .into_iter()
        .filter(|(key, _)| !self.extra.contains_key(*key))
    }
}

/// One typed value of an article.
#[derive(Clone, Copy)]
enum Field<'a> {
    Text(&'a str),
    /// Sent as `0` or `1`, as the server writes flags.
    Flag(bool),
}

impl Field<'_> {
    fn to_value(self) -> Value {
        match self {
            Field::Text(text) => text.into(),
            Field::Flag(flag) => u8::from(flag).into(),
        }
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Text(text) => serializer.serialize_str(text),
            Field::Flag(flag) => serializer.serialize_u8(u8::from(*flag)),
        }
    }
}

impl Serialize for ArticleBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.entries() {
            map.serialize_entry(key, &value)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note() -> ArticleBody {
        ArticleBody {
            subject: "triage".into(),
            body: "triaged: \"x\"".into(),
            content_type: "text/plain; charset=utf-8".into(),
            visible_for_customer: false,
            extra: Map::new(),
        }
    }

    #[test]
    fn an_article_is_written_as_the_same_json_as_its_value() -> serde_json::Result<()> {
        let expected = json!({
            "Subject": "triage", "Body": "triaged: \"x\"",
            "ContentType": "text/plain; charset=utf-8", "CommunicationChannel": "Internal",
            "SenderType": "agent", "IsVisibleForCustomer": 0,
        });
        let written: Value = serde_json::from_slice(&serde_json::to_vec(&note())?)?;
        assert_eq!(written, expected);
        assert_eq!(note().to_value(), expected);
        Ok(())
    }

    #[test]
    fn native_article_keys_win_once_and_join_the_rest() -> serde_json::Result<()> {
        let mut article = note();
        article.extra.insert("SenderType".into(), "system".into());
        article.extra.insert("TimeUnit".into(), 5.into());
        let text = serde_json::to_string(&article)?;
        assert_eq!(text.matches("SenderType").count(), 1, "{text}");
        let written: Value = serde_json::from_str(&text)?;
        assert_eq!(written, article.to_value());
        assert_eq!(written["SenderType"], "system");
        assert_eq!(written["TimeUnit"], 5);
        let payload = Payload {
            fields: Map::new(),
            article: Some(article),
        };
        let auth = Map::from_iter([("SessionID".to_owned(), Value::from("s"))]);
        let full = payload.with_auth(&auth);
        assert_eq!(
            (&full["Article"], &full["SessionID"]),
            (&written, &json!("s"))
        );
        Ok(())
    }
}
