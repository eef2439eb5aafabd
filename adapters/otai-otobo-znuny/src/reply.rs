//! Decoding a reply body into what the request expects, in one pass from the bytes: a business
//! error, or the typed result, under the decoding budget. Shared by REST and SOAP.

use std::marker::PhantomData;

use otai_core::{Error, Result};
use serde::Deserializer;
use serde::de::{DeserializeOwned, DeserializeSeed};
use serde_json::Value;

use crate::errors::{BusinessError, MAX_SERVER_TEXT, map_http_error};
use crate::wire::{BoundedValue, ErrorReply, ListVisitor, WireTicketId, budget};

/// What a request expects from its reply.
pub(crate) trait Expect: Send + Sync {
    /// The decoded result.
    type Output: Send;
    /// Bytes of decoded structure allowed per reply byte (see [`budget`]).
    const PER_BYTE: usize = budget::TYPED_PER_BYTE;
    /// Decodes the result from `d`.
    fn decode<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Self::Output, D::Error>;
}

/// A typed reply.
pub(crate) struct Typed<T>(PhantomData<fn() -> T>);

impl<T> Typed<T> {
    /// Expects a `T`.
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: DeserializeOwned + Send> Expect for Typed<T> {
    type Output = T;

    fn decode<'de, D: Deserializer<'de>>(&self, d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
}

/// A raw reply as a JSON value (for [`crate::OtoboService::call`]).
pub(crate) struct Raw;

impl Expect for Raw {
    type Output = Value;
    const PER_BYTE: usize = budget::RAW_PER_BYTE;

    fn decode<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Value, D::Error> {
        <BoundedValue as serde::Deserialize>::deserialize(d).map(|v| v.0)
    }
}

/// A TicketSearch reply: `{}` or `{"TicketID": [...]}` with at most `max` IDs.
pub(crate) struct SearchIds {
    /// The most IDs the search asked for (its `Limit`).
    pub(crate) max: usize,
}

impl Expect for SearchIds {
    type Output = Vec<WireTicketId>;

    fn decode<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Self::Output, D::Error> {
        d.deserialize_map(SearchVisitor { max: self.max })
    }
}

struct SearchVisitor {
    max: usize,
}

impl<'de> serde::de::Visitor<'de> for SearchVisitor {
    type Value = Vec<WireTicketId>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a TicketSearch reply")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut ids = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "TicketID" {
                return Err(serde::de::Error::custom(format_args!(
                    "unexpected key `{}` (a TicketSearch reply holds `TicketID` only)",
                    crate::errors::server_text(&key, 40)
                )));
            }
            if ids.is_some() {
                return Err(serde::de::Error::duplicate_field("TicketID"));
            }
            ids = Some(map.next_value_seed(ListSeed { max: self.max })?);
        }
        Ok(ids.unwrap_or_default())
    }
}

/// A one-or-many list of at most `max` IDs.
struct ListSeed {
    max: usize,
}

impl<'de> DeserializeSeed<'de> for ListSeed {
    type Value = Vec<WireTicketId>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ListVisitor::new(self.max))
    }
}

/// What a reply said.
#[derive(Debug)]
pub(crate) enum Answer<T> {
    /// The operation's result.
    Done(T),
    /// The `Error` object the server sent instead.
    Failed(BusinessError),
}

/// Decodes `expect` from `d` under the budget for `reply_bytes`; a shape error names the path
/// in the reply.
pub(crate) fn decode_tracked<'de, D: Deserializer<'de>, E: Expect>(
    request: &str,
    d: D,
    expect: &E,
    reply_bytes: usize,
) -> Result<E::Output>
where
    D::Error: std::fmt::Display,
{
    let mut track = serde_path_to_error::Track::new();
    let decoded = budget::within(budget::for_reply(reply_bytes, E::PER_BYTE), || {
        expect.decode(serde_path_to_error::Deserializer::new(d, &mut track))
    });
    decoded.map_err(|e| unexpected(request, &track.path().to_string(), &e.to_string()))
}

/// The error for a reply of an unexpected shape.
pub(crate) fn unexpected(request: &str, path: &str, what: &str) -> Error {
    Error::Transport {
        request: request.to_owned(),
        message: format!(
            "unexpected reply at `{path}`: {}",
            crate::errors::server_text(what, MAX_SERVER_TEXT)
        ),
        transient: false,
        source: None,
    }
}

/// The business error of a reply, if it carries one.
fn business_error<'de, D: Deserializer<'de>>(
    request: &str,
    d: D,
    reply_bytes: usize,
) -> Result<Option<BusinessError>>
where
    D::Error: std::fmt::Display,
{
    let reply: ErrorReply = decode_tracked(request, d, &Typed::new(), reply_bytes)?;
    Ok(reply.error.map(|e| BusinessError {
        code: e.code.unwrap_or_default(),
        message: e.message.unwrap_or_default(),
    }))
}

/// Decodes a REST reply: a JSON object on 200 (its `Error`, or the result); on any other status
/// a JSON `Error` object, else an error with the server's text.
pub(crate) fn decode_json<E: Expect>(
    request: &str,
    status: u16,
    body: &[u8],
    expect: &E,
) -> Result<Answer<E::Output>> {
    // The common case, in one pass: a 200 object with no `"Error"` anywhere in it cannot be a
    // business error (nor can one with no `\u` escape spell the key another way), so it is
    // decoded straight into what is expected (under the same budget and depth limit). Anything
    // else, or any failure here, takes the careful path below, which gives the error its text.
    if status == 200
        && body.trim_ascii_start().starts_with(b"{")
        && memchr::memmem::find(body, b"\"Error\"").is_none()
        && memchr::memmem::find(body, b"\\u").is_none()
    {
        let mut de = serde_json::Deserializer::from_slice(body);
        let decoded = budget::within(budget::for_reply(body.len(), E::PER_BYTE), || {
            expect.decode(&mut de)
        });
        if let Ok(output) = decoded {
            if de.end().is_ok() {
                return Ok(Answer::Done(output));
            }
        }
    }
    let json = || serde_json::Deserializer::from_slice(body);
    let mut probe = json();
    let probed = business_error(request, &mut probe, body.len()).and_then(|error| {
        probe
            .end()
            .map(|()| error)
            .map_err(|e| unexpected(request, ".", &e.to_string()))
    });
    if status != 200 {
        return match probed {
            Ok(Some(error)) => Ok(Answer::Failed(error)),
            _ => Err(map_http_error(
                request,
                status,
                &String::from_utf8_lossy(body),
            )),
        };
    }
    match probed {
        Ok(Some(error)) => return Ok(Answer::Failed(error)),
        Ok(None) => {}
        // Valid JSON of the wrong shape (a list, duplicate `Error` keys): the shape error.
        Err(e)
            if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
                && body.trim_ascii_start().starts_with(b"{") =>
        {
            return Err(e);
        }
        Err(_) => return Err(not_json(request, body)),
    }
    // The probe read the whole document already: nothing follows it.
    let output = decode_tracked(request, &mut json(), expect, body.len())?;
    Ok(Answer::Done(output))
}

/// The error for a 200 reply that is not a JSON object.
fn not_json(request: &str, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return Error::Remote {
            request: request.to_owned(),
            status: Some(200),
            code: None,
            message: "empty reply".into(),
            retry_after: None,
        };
    }
    let why = match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Err(e) if text.trim_start().starts_with(['{', '[']) => format!(" ({e})"),
        _ => String::new(),
    };
    Error::Transport {
        request: request.to_owned(),
        message: format!(
            "reply is not a JSON object{why}: {}",
            crate::errors::server_text(&text, MAX_SERVER_TEXT)
        ),
        transient: false,
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<E: Expect>(status: u16, body: &str, expect: &E) -> Result<Answer<E::Output>> {
        decode_json("GET /", status, body.as_bytes(), expect)
    }

    #[test]
    fn decodes_business_errors_on_any_status_and_rejects_non_objects() {
        assert!(matches!(
            json(200, r#"{"TicketID":["1"]}"#, &SearchIds { max: 5 }),
            Ok(Answer::Done(ids)) if ids == vec![WireTicketId(1)]
        ));
        assert!(matches!(
            json(500, r#"{"Error":{"ErrorCode":"X.Fail"}}"#, &Raw),
            Ok(Answer::Failed(e)) if e.code == "X.Fail"
        ));
        let message = |r: Result<Answer<Value>>| r.err().map(|e| e.to_string());
        assert_eq!(
            message(json(200, "<html>proxy error</html>", &Raw)).as_deref(),
            Some("GET /: reply is not a JSON object: <html>proxy error</html>")
        );
        assert_eq!(
            message(json(200, "", &Raw)).as_deref(),
            Some("GET /: remote error (HTTP 200): empty reply")
        );
        assert_eq!(
            message(json(413, "Request Entity Too Large", &Raw)).as_deref(),
            Some("GET /: remote error (HTTP 413): Request Entity Too Large")
        );
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let deep = message(json(200, &format!(r#"{{"a":{deep}}}"#), &Raw)).unwrap_or_default();
        assert!(deep.contains("recursion limit exceeded"), "{deep}");
        assert!(
            message(json(200, r#"{"a":1} {"b":2}"#, &Raw)).is_some(),
            "trailing data"
        );
    }

    #[test]
    fn searches_refuse_more_ids_than_asked_other_keys_and_duplicates() {
        let message = |body: &str| {
            json(200, body, &SearchIds { max: 2 })
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(message(r#"{"TicketID":[1,2,3]}"#).contains("more than 2 items"));
        assert!(message(r#"{"Ticket":[]}"#).contains("unexpected key `Ticket`"));
        assert!(message(r#"{"TicketID":1,"TicketID":2}"#).contains("duplicate field"));
        assert!(message(r#"{"TicketID":["../x"]}"#).contains("positive whole number"));
        assert!(
            matches!(json(200, "{}", &SearchIds { max: 2 }), Ok(Answer::Done(ids)) if ids.is_empty())
        );
    }
}
