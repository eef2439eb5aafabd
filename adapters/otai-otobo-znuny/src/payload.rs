//! An operation's input as it is sent: its keys, and the parts TicketCreate/TicketUpdate write
//! on every call kept typed and borrowed (the ticket's keys, the ID, the note), written straight
//! into the request instead of being built as a JSON map first.
//!
//! The rules of what is sent live here, once: [`Payload::sent`] lists every key of a request,
//! each once (at the top, the typed `Ticket`, `TicketID` and `Article` win over a field of the
//! same name; inside `Ticket` and `Article`, a native key wins over a typed one; the credentials
//! win over any payload key). The REST body ([`JoinedMap`]), the SOAP envelope and trace lines
//! ([`Payload::with_auth`]) and the route ([`Payload::path_value`]) all read the payload through
//! it or [`Payload::get`].

use std::borrow::Cow;
use std::iter::Peekable;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::routes::PathValue;

/// The input of one operation (credentials aside).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Payload<'a> {
    /// The operation's other keys (`DynamicField`, `Attachment`, native keys, ...).
    pub(crate) fields: Map<String, Value>,
    /// `TicketID`: the ticket written to; wins over a `TicketID` in `fields`.
    pub(crate) ticket_id: Option<&'a str>,
    /// The `Ticket` object written, if any; wins over a `Ticket` in `fields`.
    pub(crate) ticket: Option<TicketBody<'a>>,
    /// The `Article` the operation writes, if any; wins over an `Article` in `fields`.
    pub(crate) article: Option<ArticleBody<'a>>,
}

impl From<Map<String, Value>> for Payload<'_> {
    fn from(fields: Map<String, Value>) -> Self {
        Self {
            fields,
            ..Self::default()
        }
    }
}

impl Payload<'_> {
    /// The top-level keys but `Article`, each once and in key order: `fields` with the typed
    /// ticket and ID in their places (they win over a field of the same name).
    fn entries(&self) -> impl Iterator<Item = (&str, Part<'_>)> {
        let typed = [
            self.ticket.as_ref().map(|t| ("Ticket", Part::Ticket(t))),
            self.ticket_id.map(|id| ("TicketID", Part::Text(id))),
        ];
        let fields = self
            .fields
            .iter()
            .filter(|(key, _)| !self.is_typed(key))
            .map(|(key, value)| (key.as_str(), Part::Value(value)));
        merge_in_key_order(fields, typed.into_iter().flatten())
    }

    /// Whether `key` is one of the typed parts this payload has.
    fn is_typed(&self, key: &str) -> bool {
        match key {
            "Ticket" => self.ticket.is_some(),
            "TicketID" => self.ticket_id.is_some(),
            "Article" => self.article.is_some(),
            _ => false,
        }
    }

    /// The value sent for the payload key `key` (credentials aside), as [`Payload::sent`]
    /// would write it; route templates are filled from it.
    pub(crate) fn get(&self, key: &str) -> Option<Part<'_>> {
        match key {
            "Ticket" if self.ticket.is_some() => self.ticket.as_ref().map(Part::Ticket),
            "TicketID" if self.ticket_id.is_some() => self.ticket_id.map(Part::Text),
            "Article" if self.article.is_some() => self.article.as_ref().map(Part::Article),
            _ => self.fields.get(key).map(Part::Value),
        }
    }

    /// The value for a route's `:key` segment: [`Payload::get`]'s.
    pub(crate) fn path_value(&self, key: &str) -> Option<PathValue<'_>> {
        self.get(key).map(|part| match part {
            Part::Value(value) => PathValue::Json(value),
            Part::Text(text) => PathValue::Text(text),
            Part::Flag(flag) => PathValue::Text(if flag { "1" } else { "0" }),
            Part::Ticket(_) | Part::Article(_) => PathValue::Map,
        })
    }

    /// Every key a request sends, each once, in the order of a REST body: the payload's keys
    /// that `skip` does not name (the route's `:Name`s) and `auth` does not name (the
    /// credentials win over a payload key of the same name), then the credential keys `auth`,
    /// then the `Article`.
    pub(crate) fn sent<'p>(
        &'p self,
        auth: &'p Map<String, Value>,
        skip: impl Fn(&str) -> bool + Copy + 'p,
    ) -> impl Iterator<Item = (&'p str, Part<'p>)> + 'p {
        let keep = move |(key, _): &(&str, Part<'_>)| !skip(key) && !auth.contains_key(*key);
        let article = self.article.as_ref().map(|a| ("Article", Part::Article(a)));
        self.entries()
            .filter(keep)
            .chain(
                auth.iter()
                    .map(|(key, value)| (key.as_str(), Part::Value(value))),
            )
            .chain(article.into_iter().filter(keep))
    }

    /// Everything, with the credential keys `auth`, as one JSON map (for SOAP envelopes and
    /// trace lines): the keys and values of [`Payload::sent`].
    pub(crate) fn with_auth(&self, auth: &Map<String, Value>) -> Map<String, Value> {
        json_map(self.sent(auth, |_| false))
    }
}

/// Entries, written as one JSON object without copying them into a map first; the function
/// gives the entries (a REST body: [`Payload::sent`]).
pub(crate) struct JoinedMap<F>(pub(crate) F);

impl<'p, F, I> Serialize for JoinedMap<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (&'p str, Part<'p>)>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in (self.0)() {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

/// A ticket as TicketCreate/TicketUpdate's `Ticket` object names it: by name (`Queue`) or by
/// ID (`QueueID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Named<'a> {
    /// Written under the key (`Queue`).
    Name(&'a str),
    /// Written under the key plus `ID` (`QueueID`).
    Id(&'a str),
}

/// A TicketCreate/TicketUpdate `Ticket` object: the keys the unified model sets, borrowed, and
/// the keys given natively.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TicketBody<'a> {
    /// `Title`.
    pub(crate) title: Option<&'a str>,
    /// `Queue` or `QueueID`.
    pub(crate) queue: Option<Named<'a>>,
    /// `State` or `StateID`.
    pub(crate) state: Option<Named<'a>>,
    /// `Priority` or `PriorityID`.
    pub(crate) priority: Option<Named<'a>>,
    /// `Type` or `TypeID`.
    pub(crate) ticket_type: Option<Named<'a>>,
    /// `Owner` or `OwnerID`.
    pub(crate) owner: Option<Named<'a>>,
    /// `CustomerUser`.
    pub(crate) customer_user: Option<&'a str>,
    /// Further `Ticket` keys given natively (`PendingTime` among them); they win over the keys
    /// above.
    pub(crate) extra: Map<String, Value>,
}

impl TicketBody<'_> {
    /// The typed keys that are set, in key order (the order a JSON map keeps).
    fn typed(&self) -> impl Iterator<Item = (&'static str, &str)> {
        /// `key` or `id_key`, as `entity` names it.
        fn named<'e>(
            key: &'static str,
            id_key: &'static str,
            entity: Option<Named<'e>>,
        ) -> Option<(&'static str, &'e str)> {
            entity.map(|entity| match entity {
                Named::Name(name) => (key, name),
                Named::Id(id) => (id_key, id),
            })
        }
        [
            self.customer_user
                .map(|customer| ("CustomerUser", customer)),
            named("Owner", "OwnerID", self.owner),
            named("Priority", "PriorityID", self.priority),
            named("Queue", "QueueID", self.queue),
            named("State", "StateID", self.state),
            self.title.map(|title| ("Title", title)),
            named("Type", "TypeID", self.ticket_type),
        ]
        .into_iter()
        .flatten()
    }

    /// Every key, each once and in key order: the typed keys `extra` does not replace, and
    /// `extra`.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, Part<'_>)> {
        let typed = self
            .typed()
            .filter(|(key, _)| !self.extra.contains_key(*key))
            .map(|(key, value)| (key, Part::Text(value)));
        let extra = self
            .extra
            .iter()
            .map(|(key, value)| (key.as_str(), Part::Value(value)));
        merge_in_key_order(typed, extra)
    }

    /// The value written for `key`, if any.
    pub(crate) fn get(&self, key: &str) -> Option<Part<'_>> {
        self.entries()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value)
    }

    /// Whether no key would be written.
    pub(crate) fn is_empty(&self) -> bool {
        self.typed().next().is_none() && self.extra.is_empty()
    }

    /// The ticket as a JSON value.
    pub(crate) fn to_value(&self) -> Value {
        Value::Object(json_map(self.entries()))
    }
}

impl Serialize for TicketBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        JoinedMap(|| self.entries()).serialize(serializer)
    }
}

/// A TicketUpdate `Article`: an agent's note on the internal channel, its texts borrowed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArticleBody<'a> {
    /// `Subject`.
    pub(crate) subject: &'a str,
    /// `Body`.
    pub(crate) body: &'a str,
    /// `ContentType`, with its charset (owned only when a charset had to be added).
    pub(crate) content_type: Cow<'a, str>,
    /// `IsVisibleForCustomer`.
    pub(crate) visible_for_customer: bool,
    /// Further `Article` keys given natively; they win over the keys above.
    pub(crate) extra: Map<String, Value>,
}

impl ArticleBody<'_> {
    /// The article as a JSON value.
    pub(crate) fn to_value(&self) -> Value {
        Value::Object(json_map(self.entries()))
    }

    /// Every key, each once: the typed keys that `extra` does not replace, then `extra`.
    fn entries(&self) -> impl Iterator<Item = (&str, Part<'_>)> {
        let typed = [
            ("Subject", Part::Text(self.subject)),
            ("Body", Part::Text(self.body)),
            ("ContentType", Part::Text(&self.content_type)),
            ("CommunicationChannel", Part::Text("Internal")),
            ("SenderType", Part::Text("agent")),
            (
                "IsVisibleForCustomer",
                Part::Flag(self.visible_for_customer),
            ),
        ];
        typed
            .into_iter()
            .filter(|(key, _)| !self.extra.contains_key(*key))
            .chain(
                self.extra
                    .iter()
                    .map(|(key, value)| (key.as_str(), Part::Value(value))),
            )
    }
}

impl Serialize for ArticleBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        JoinedMap(|| self.entries()).serialize(serializer)
    }
}

/// Entries as one JSON map.
fn json_map<'p>(entries: impl Iterator<Item = (&'p str, Part<'p>)>) -> Map<String, Value> {
    entries
        .map(|(key, value)| (key.to_owned(), value.to_value()))
        .collect()
}

/// One value of a payload, typed or JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part<'p> {
    /// A JSON value.
    Value(&'p Value),
    /// A string.
    Text(&'p str),
    /// A flag, sent as `0` or `1` (as the server writes flags).
    Flag(bool),
    /// A typed `Ticket` object.
    Ticket(&'p TicketBody<'p>),
    /// A typed `Article` object.
    Article(&'p ArticleBody<'p>),
}

impl<'p> Part<'p> {
    /// The text, if the value is a string.
    pub(crate) fn as_str(self) -> Option<&'p str> {
        match self {
            Part::Text(text) => Some(text),
            Part::Value(value) => value.as_str(),
            Part::Flag(_) | Part::Ticket(_) | Part::Article(_) => None,
        }
    }

    /// The value as JSON.
    pub(crate) fn to_value(self) -> Value {
        match self {
            Part::Value(value) => value.clone(),
            Part::Text(text) => text.into(),
            Part::Flag(flag) => u8::from(flag).into(),
            Part::Ticket(ticket) => ticket.to_value(),
            Part::Article(article) => article.to_value(),
        }
    }
}

impl Serialize for Part<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Part::Value(value) => value.serialize(serializer),
            Part::Text(text) => serializer.serialize_str(text),
            Part::Flag(flag) => serializer.serialize_u8(u8::from(*flag)),
            Part::Ticket(ticket) => ticket.serialize(serializer),
            Part::Article(article) => article.serialize(serializer),
        }
    }
}

/// Two lists of entries, each in key order and with no key in both, as one list in key order
/// (the order of a JSON map, so a typed part lands where the map would put it). Callers filter
/// out the keys of one list that the other has, so nothing is written twice whatever the order.
fn merge_in_key_order<'k, V, A, B>(a: A, b: B) -> MergeInKeyOrder<A, B>
where
    A: Iterator<Item = (&'k str, V)>,
    B: Iterator<Item = (&'k str, V)>,
{
    MergeInKeyOrder {
        a: a.peekable(),
        b: b.peekable(),
    }
}

/// The iterator of [`merge_in_key_order`].
struct MergeInKeyOrder<A: Iterator, B: Iterator> {
    /// The first list.
    a: Peekable<A>,
    /// The second list.
    b: Peekable<B>,
}

impl<'k, V, A, B> Iterator for MergeInKeyOrder<A, B>
where
    A: Iterator<Item = (&'k str, V)>,
    B: Iterator<Item = (&'k str, V)>,
{
    type Item = (&'k str, V);

    fn next(&mut self) -> Option<Self::Item> {
        let a_first = match (self.a.peek(), self.b.peek()) {
            (Some((a, _)), Some((b, _))) => a <= b,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if a_first {
            self.a.next()
        } else {
            self.b.next()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note() -> ArticleBody<'static> {
        ArticleBody {
            subject: "triage",
            body: "triaged: \"x\"",
            content_type: Cow::Borrowed("text/plain; charset=utf-8"),
            visible_for_customer: false,
            extra: Map::new(),
        }
    }

    fn ticket() -> TicketBody<'static> {
        TicketBody {
            title: Some("printer \"on fire\""),
            queue: Some(Named::Name("Misc")),
            state: Some(Named::Name("open")),
            priority: Some(Named::Id("4")),
            ticket_type: Some(Named::Id("2")),
            owner: Some(Named::Name("agent")),
            customer_user: Some("cu"),
            extra: Map::new(),
        }
    }

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// The credentials of the tests.
    fn auth() -> Map<String, Value> {
        map(json!({"UserLogin": "agent", "Password": "pw"}))
    }

    /// A TicketUpdate with every typed part, native keys and a REST route's `:TicketID`.
    fn update() -> Payload<'static> {
        let mut ticket = ticket();
        ticket.extra = map(json!({"Queue": "Native", "PendingTime": {"Diff": 60}, "Lock": "lock"}));
        let mut article = note();
        article.extra = map(json!({"TimeUnit": 3}));
        Payload {
            fields: map(json!({
                "DynamicField": [{"Name": "x", "Value": "y"}], "TicketID": "99",
                "Zed": 1, "Password": "native", "Article": {"Subject": "lost"},
            })),
            ticket_id: Some("71"),
            ticket: Some(ticket),
            article: Some(article),
        }
    }

    /// The REST body of `payload` with `auth`, `skip` naming the route's keys.
    fn body(
        payload: &Payload<'_>,
        auth: &Map<String, Value>,
        skip: fn(&str) -> bool,
    ) -> serde_json::Result<String> {
        serde_json::to_string(&JoinedMap(|| payload.sent(auth, skip)))
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
            article: Some(article),
            ..Payload::default()
        };
        let auth = Map::from_iter([("SessionID".to_owned(), Value::from("s"))]);
        let full = payload.with_auth(&auth);
        assert_eq!(
            (&full["Article"], &full["SessionID"]),
            (&written, &json!("s"))
        );
        Ok(())
    }

    #[test]
    fn a_typed_ticket_is_written_in_key_order_as_a_map_would_be() -> serde_json::Result<()> {
        let ticket = ticket();
        let text = serde_json::to_string(&ticket)?;
        assert_eq!(
            text,
            r#"{"CustomerUser":"cu","Owner":"agent","PriorityID":"4","Queue":"Misc","State":"open","Title":"printer \"on fire\"","TypeID":"2"}"#
        );
        // A JSON map keeps its keys in order: the same text as the map of the same keys.
        assert_eq!(serde_json::to_string(&ticket.to_value())?, text);
        let by_other_keys = TicketBody {
            priority: Some(Named::Name("4 high")),
            owner: Some(Named::Id("3")),
            ticket_type: Some(Named::Name("Incident")),
            queue: Some(Named::Id("5")),
            state: Some(Named::Id("4")),
            ..ticket
        };
        let text = serde_json::to_string(&by_other_keys)?;
        assert_eq!(serde_json::to_string(&by_other_keys.to_value())?, text);
        assert!(text.contains(r#""OwnerID":"3","Priority":"4 high","QueueID":"5","StateID":"4""#));
        assert!(TicketBody::default().is_empty() && !by_other_keys.is_empty());
        Ok(())
    }

    #[test]
    fn native_ticket_keys_win_once_and_pending_time_lands_inside()
    -> Result<(), Box<dyn std::error::Error>> {
        let payload = update();
        let ticket = payload.ticket.as_ref().ok_or("the payload has a ticket")?;
        let text = serde_json::to_string(ticket)?;
        assert_eq!(text.matches("\"Queue\"").count(), 1, "{text}");
        assert_eq!(
            text,
            r#"{"CustomerUser":"cu","Lock":"lock","Owner":"agent","PendingTime":{"Diff":60},"PriorityID":"4","Queue":"Native","State":"open","Title":"printer \"on fire\"","TypeID":"2"}"#
        );
        assert_eq!(ticket.get("Queue").and_then(Part::as_str), Some("Native"));
        assert_eq!(ticket.get("State").and_then(Part::as_str), Some("open"));
        assert!(ticket.get("PendingTime").is_some() && ticket.get("QueueID").is_none());
        let full = payload.with_auth(&auth());
        assert_eq!(full["Ticket"]["PendingTime"], json!({"Diff": 60}));
        assert!(!full.contains_key("PendingTime"), "{full:?}");
        Ok(())
    }

    #[test]
    fn the_rest_body_is_the_json_of_with_auth_minus_the_route() -> serde_json::Result<()> {
        let payload = update();
        let auth = auth();
        // A route without `:TicketID` (PUT /ticket-update): everything in the body.
        let text = body(&payload, &auth, |_| false)?;
        let written: Value = serde_json::from_str(&text)?;
        let full = Value::Object(payload.with_auth(&auth));
        assert_eq!(written, full);
        for key in [
            "\"Ticket\"",
            "\"TicketID\"",
            "\"Article\"",
            "\"Password\"",
            "\"Queue\"",
        ] {
            assert_eq!(text.matches(key).count(), 1, "{key} in {text}");
        }
        assert_eq!(full["TicketID"], "71", "the ID updated is not overridden");
        assert_eq!(full["Password"], "pw", "the credentials win");
        assert_eq!(full["Article"]["Subject"], "triage", "the typed note wins");
        assert_eq!(full["Article"]["TimeUnit"], 3);
        assert_eq!(full["Zed"], 1);
        // The order of a REST body: the payload's keys in key order, the credentials, the note.
        let keys: Vec<&str> = payload.sent(&auth, |_| false).map(|(key, _)| key).collect();
        assert_eq!(
            keys,
            [
                "DynamicField",
                "Ticket",
                "TicketID",
                "Zed",
                "Password",
                "UserLogin",
                "Article"
            ]
        );
        // A route with `:TicketID` (PATCH /Ticket/:TicketID): the ID goes into the path only.
        let in_path: Value =
            serde_json::from_str(&body(&payload, &auth, |key| key == "TicketID")?)?;
        let mut expected = full;
        if let Value::Object(map) = &mut expected {
            map.remove("TicketID");
        }
        assert_eq!(in_path, expected);
        assert_eq!(payload.get("TicketID").and_then(Part::as_str), Some("71"));
        Ok(())
    }

    #[test]
    fn without_typed_parts_the_fields_are_sent_as_they_are() -> serde_json::Result<()> {
        let payload = Payload::from(map(json!({
            "Ticket": {"Title": "raw"}, "TicketID": "5", "Article": {"Body": "b"}, "UserLogin": "x",
        })));
        let auth = auth();
        let text = body(&payload, &auth, |_| false)?;
        assert_eq!(
            text,
            r#"{"Article":{"Body":"b"},"Ticket":{"Title":"raw"},"TicketID":"5","Password":"pw","UserLogin":"agent"}"#
        );
        assert_eq!(
            serde_json::from_str::<Value>(&text)?,
            Value::Object(payload.with_auth(&auth))
        );
        assert_eq!(payload.get("TicketID").and_then(Part::as_str), Some("5"));
        Ok(())
    }

    #[test]
    fn writing_an_update_allocates_nothing_but_the_buffer() -> serde_json::Result<()> {
        let payload = update();
        let auth = auth();
        let mut buffer = Vec::with_capacity(4096);
        let info = allocation_counter::measure(|| {
            let written =
                serde_json::to_writer(&mut buffer, &JoinedMap(|| payload.sent(&auth, |_| false)));
            assert!(written.is_ok());
        });
        assert_eq!(info.count_total, 0, "{info:?}");
        let written: Value = serde_json::from_slice(&buffer)?;
        assert_eq!(written, Value::Object(payload.with_auth(&auth)));
        Ok(())
    }
}
