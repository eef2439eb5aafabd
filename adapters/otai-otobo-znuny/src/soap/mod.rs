//! The SOAP side of the Generic Interface: envelopes for requests, decoding of replies into the
//! same JSON the REST transport yields, and the reverse for the in-process fake.
//!
//! Requests are SOAP 1.1 document/literal with the TicketConnector namespace; objects nest, lists
//! repeat their element, `null` is left out, flags are `1`/`0`. Text is escaped by quick-xml;
//! control characters that XML 1.0 cannot carry are refused with an error naming the key (they
//! cannot reach the server intact over SOAP). Replies: a single element where a list is expected
//! is read as a list of one by the lenient wire types; `xsi:nil` is `null` (a nil reply element is
//! `{}`, the empty search); empty elements are `""`; numbers stay strings; `<Error>` becomes the
//! same `{"Error": {...}}` as over REST; a `Fault` or a plain-text reply is a remote error with
//! the server's text.

mod tree;

use otai_core::Error;
use otai_core::error::shorten;
use serde_json::{Map, Value};

pub(crate) use tree::parse;
use tree::write_value;

/// The OTOBO TicketConnector namespace (the default).
pub const OTOBO_NAMESPACE: &str = "http://www.otobo.org/TicketConnector/";
/// The Znuny / OTRS TicketConnector namespace.
pub const ZNUNY_NAMESPACE: &str = "http://www.otrs.org/TicketConnector/";

const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

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
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"{ENVELOPE_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Body>"
    );
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
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"{ENVELOPE_NS}\"><soap:Body><Fault xmlns=\"{}\"><faultcode>{}</faultcode><faultstring>{}</faultstring></Fault></soap:Body></soap:Envelope>",
        quick_xml::escape::escape(namespace),
        quick_xml::escape::escape(code),
        quick_xml::escape::escape(message)
    )
}

/// The first element inside `soap:Body`.
fn body_element(root: &tree::Node) -> Option<&tree::Node> {
    root.child("Body")?.children.first()
}

/// Decodes a reply to `operation` into the JSON the REST transport yields.
pub fn decode_response(
    request: &str,
    operation: &str,
    status: u16,
    body: &str,
) -> Result<Value, Error> {
    let remote = |message: String, code: Option<String>| Error::Remote {
        request: request.to_owned(),
        status: Some(status),
        code,
        message: shorten(&message, 300),
        retry_after: None,
    };
    let root = match parse(body) {
        Ok(root) => root,
        Err(_) if status != 200 || body.trim().is_empty() => {
            let text = if body.trim().is_empty() {
                "empty reply".to_owned()
            } else {
                body.to_owned()
            };
            return Err(remote(text, None));
        }
        Err(e) => {
            return Err(Error::Transport {
                request: request.to_owned(),
                message: format!("reply is not a SOAP envelope ({e}): {}", shorten(body, 200)),
                transient: false,
                source: None,
            });
        }
    };
    let element = body_element(&root)
        .ok_or_else(|| remote(format!("reply has no SOAP body: {body}"), None))?;
    if element.name == "Fault" {
        let text = |name: &str| {
            element
                .child(name)
                .map(|c| c.text.trim().to_owned())
                .unwrap_or_default()
        };
        return Err(remote(
            format!("{} fault: {}", text("faultcode"), text("faultstring")),
            Some(text("faultcode")),
        ));
    }
    if status != 200 {
        return Err(remote(body.to_owned(), None));
    }
    let expected = format!("{operation}Response");
    if element.name != expected {
        return Err(Error::Transport {
            request: request.to_owned(),
            message: format!("expected <{expected}>, got <{}>", element.name),
            transient: false,
            source: None,
        });
    }
    Ok(Value::Object(element.children_to_map()))
}

/// Decodes a request envelope into (operation, input): what the server reads.
pub fn decode_request(body: &str) -> Result<(String, Map<String, Value>), String> {
    let root = parse(body)?;
    let element = body_element(&root).ok_or("no SOAP body")?;
    Ok((element.name.clone(), element.children_to_map()))
}

#[cfg(test)]
mod tests;
