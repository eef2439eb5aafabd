//! The SOAP side of the Generic Interface: envelopes for requests, and replies decoded straight
//! from the XML into the same structures the REST transport yields.
//!
//! Requests are SOAP 1.1 document/literal with the TicketConnector namespace; objects nest, lists
//! repeat their element, `null` is left out, flags are `1`/`0`. Text is escaped by quick-xml;
//! control characters that XML 1.0 cannot carry are refused with an error naming the key (they
//! cannot reach the server intact over SOAP). Replies: a document deeper than [`MAX_DEPTH`] is
//! refused by an iterative scan before anything is decoded (nothing recurses on the reply);
//! a single element where a list is expected is read as a list of one by the lenient wire types;
//! `xsi:nil` is `null` (a nil reply element is `{}`, the empty search); empty elements are `""`;
//! numbers stay strings; `<Error>` becomes the same business error as over REST; a `Fault` or a
//! plain-text reply is a remote error with the server's text.

mod de;
mod encode;
mod scan;

use otai_core::Error;
use serde_json::{Map, Value};

use crate::errors::{BusinessError, MAX_SERVER_TEXT, server_text};
use crate::reply::{Answer, Expect, Raw, Typed, decode_tracked};
use crate::wire::ErrorReply;
use encode::write_value;
pub use scan::MAX_DEPTH;

/// The OTOBO TicketConnector namespace (the default).
pub const OTOBO_NAMESPACE: &str = "http://www.otobo.org/TicketConnector/";
/// The Znuny / OTRS TicketConnector namespace.
pub const ZNUNY_NAMESPACE: &str = "http://www.otrs.org/TicketConnector/";

const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The opening of a reply envelope, as OTOBO's SOAP::Lite writes it (encoding style and the
/// namespaces it declares).
const REPLY_ENVELOPE: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<soap:Envelope soap:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"",
    " xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"",
    " xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\"",
    " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"",
    " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
);

/// The request envelope for `operation` with `payload` as its children.
pub fn encode_request(
    namespace: &str,
    operation: &str,
    payload: &Map<String, Value>,
) -> Result<String, Error> {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"{ENVELOPE_NS}\" xmlns:tns=\"{}\"><soap:Body><tns:{operation}>",
        quick_xml::escape::escape(namespace)
    );
    for (key, value) in payload {
        write_value(&mut out, "tns:", key, value)
            .map_err(|message| Error::invalid_input(key.clone(), message))?;
    }
    out.push_str(&format!("</tns:{operation}></soap:Body></soap:Envelope>"));
    Ok(out)
}

/// A reply envelope as the server writes it: `<OperationResponse>` with `value`'s keys as
/// children, `xsi:nil` when `value` is empty.
pub fn encode_response(namespace: &str, operation: &str, value: &Value) -> Result<String, Error> {
    let mut out = format!("{REPLY_ENVELOPE}<soap:Body>");
    let ns = quick_xml::escape::escape(namespace);
    match value.as_object().filter(|m| !m.is_empty()) {
        None => out.push_str(&format!(
            "<{operation}Response xmlns=\"{ns}\" xsi:nil=\"true\" />"
        )),
        Some(map) => {
            out.push_str(&format!("<{operation}Response xmlns=\"{ns}\">"));
            for (key, child) in map {
                write_value(&mut out, "", key, child)
                    .map_err(|message| Error::invalid_input(key.clone(), message))?;
            }
            out.push_str(&format!("</{operation}Response>"));
        }
    }
    out.push_str("</soap:Body></soap:Envelope>");
    Ok(out)
}

/// A SOAP fault envelope.
pub fn encode_fault(namespace: &str, code: &str, message: &str) -> String {
    format!(
        "{REPLY_ENVELOPE}<soap:Body><Fault xmlns=\"{}\"><faultcode>{}</faultcode><faultstring>{}</faultstring></Fault></soap:Body></soap:Envelope>",
        quick_xml::escape::escape(namespace),
        quick_xml::escape::escape(code),
        quick_xml::escape::escape(message)
    )
}

/// A SOAP fault's code and text.
#[derive(Debug, Default, serde::Deserialize)]
struct Fault {
    #[serde(
        default,
        rename = "faultcode",
        deserialize_with = "otai_core::model::lenient_id::optional"
    )]
    code: Option<String>,
    #[serde(
        default,
        rename = "faultstring",
        deserialize_with = "otai_core::model::lenient_id::optional"
    )]
    text: Option<String>,
}

/// Decodes the body element at `offset` of a scanned document as `expect`.
fn decode_at<E: Expect>(
    request: &str,
    xml: &str,
    found: &scan::Scan,
    offset: usize,
    expect: &E,
) -> Result<E::Output, Error> {
    let rest = xml.get(offset..).unwrap_or_default();
    let mut stream = de::Stream::new(rest, &found.repeats);
    let element = stream
        .body_element()
        .map_err(|e| crate::reply::unexpected(request, ".", &e.to_string()))?;
    decode_tracked(request, element, expect, xml.len())
}

/// Decodes a reply to `operation` into its business error or `expect`'s result.
pub(crate) fn decode_reply<E: Expect>(
    request: &str,
    operation: &str,
    status: u16,
    body: &str,
    expect: &E,
) -> Result<Answer<E::Output>, Error> {
    let remote = |message: String, code: Option<String>| Error::Remote {
        request: request.to_owned(),
        status: Some(status),
        code,
        message,
        retry_after: None,
    };
    let shown = || server_text(body, MAX_SERVER_TEXT);
    let found = match scan::scan(body) {
        Ok(found) => found,
        Err(_) if status != 200 || body.trim().is_empty() => {
            let text = if body.trim().is_empty() {
                "empty reply".to_owned()
            } else {
                shown()
            };
            return Err(remote(text, None));
        }
        Err(e) => {
            return Err(Error::Transport {
                request: request.to_owned(),
                message: format!(
                    "reply is not a SOAP envelope ({e}): {}",
                    server_text(body, 200)
                ),
                transient: false,
                source: None,
            });
        }
    };
    let body_element = found.body.clone().filter(|_| found.root == "Envelope");
    let Some((name, offset)) = body_element else {
        return Err(remote(format!("reply has no SOAP body: {}", shown()), None));
    };
    if name == "Fault" {
        let fault: Fault = decode_at(request, body, &found, offset, &Typed::new())?;
        let code = fault.code.unwrap_or_default().trim().to_owned();
        let text = fault.text.unwrap_or_default();
        return Err(remote(
            server_text(&format!("{code} fault: {}", text.trim()), MAX_SERVER_TEXT),
            Some(server_text(&code, 100)),
        ));
    }
    if status != 200 {
        return Err(remote(shown(), None));
    }
    let expected = format!("{operation}Response");
    if name != expected {
        return Err(Error::Transport {
            request: request.to_owned(),
            message: format!("expected <{expected}>, got <{}>", server_text(&name, 60)),
            transient: false,
            source: None,
        });
    }
    let probe: ErrorReply = decode_at(request, body, &found, offset, &Typed::new())?;
    if let Some(error) = probe.error {
        return Ok(Answer::Failed(BusinessError {
            code: error.code.unwrap_or_default(),
            message: error.message.unwrap_or_default(),
        }));
    }
    decode_at(request, body, &found, offset, expect).map(Answer::Done)
}

/// Decodes a reply to `operation` into the JSON the REST transport yields (`{"Error": {...}}`
/// for a business error). Values are built under the raw decoding budget.
pub fn decode_response(
    request: &str,
    operation: &str,
    status: u16,
    body: &str,
) -> Result<Value, Error> {
    Ok(
        match decode_reply(request, operation, status, body, &Raw)? {
            Answer::Done(value) => value,
            Answer::Failed(error) => {
                serde_json::json!({"Error": {"ErrorCode": error.code, "ErrorMessage": error.message}})
            }
        },
    )
}

/// Decodes a request envelope into (operation, input): what the server reads.
pub fn decode_request(body: &str) -> Result<(String, Map<String, Value>), String> {
    let found = scan::scan(body)?;
    let (name, offset) = found.body.clone().ok_or("no SOAP body")?;
    match decode_at("request", body, &found, offset, &Raw).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok((name, map)),
        _ => Err("the operation element is not a map".into()),
    }
}

#[cfg(test)]
mod tests;
