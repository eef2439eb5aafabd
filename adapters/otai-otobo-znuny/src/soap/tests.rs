//! Every recorded SOAP exchange of OTOBO 11, plus round-trip properties.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;

macro_rules! fixture {
    ($name:literal, $part:literal) => {
        include_str!(concat!("../../tests/fixtures/soap/", $name, ".", $part))
    };
}

/// Every recording: (name, request, response, meta).
const RECORDINGS: &[(&str, &str, &str, &str)] = &[
    (
        "session-create-ok",
        fixture!("session-create-ok", "request.xml"),
        fixture!("session-create-ok", "response.xml"),
        fixture!("session-create-ok", "meta"),
    ),
    (
        "session-create-authfail",
        fixture!("session-create-authfail", "request.xml"),
        fixture!("session-create-authfail", "response.xml"),
        fixture!("session-create-authfail", "meta"),
    ),
    (
        "ticket-create-ok",
        fixture!("ticket-create-ok", "request.xml"),
        fixture!("ticket-create-ok", "response.xml"),
        fixture!("ticket-create-ok", "meta"),
    ),
    (
        "ticket-create-missing-title",
        fixture!("ticket-create-missing-title", "request.xml"),
        fixture!("ticket-create-missing-title", "response.xml"),
        fixture!("ticket-create-missing-title", "meta"),
    ),
    (
        "ticket-get-full",
        fixture!("ticket-get-full", "request.xml"),
        fixture!("ticket-get-full", "response.xml"),
        fixture!("ticket-get-full", "meta"),
    ),
    (
        "ticket-get-not-found",
        fixture!("ticket-get-not-found", "request.xml"),
        fixture!("ticket-get-not-found", "response.xml"),
        fixture!("ticket-get-not-found", "meta"),
    ),
    (
        "ticket-history",
        fixture!("ticket-history", "request.xml"),
        fixture!("ticket-history", "response.xml"),
        fixture!("ticket-history", "meta"),
    ),
    (
        "ticket-search-many",
        fixture!("ticket-search-many", "request.xml"),
        fixture!("ticket-search-many", "response.xml"),
        fixture!("ticket-search-many", "meta"),
    ),
    (
        "ticket-search-none",
        fixture!("ticket-search-none", "request.xml"),
        fixture!("ticket-search-none", "response.xml"),
        fixture!("ticket-search-none", "meta"),
    ),
    (
        "ticket-search-one",
        fixture!("ticket-search-one", "request.xml"),
        fixture!("ticket-search-one", "response.xml"),
        fixture!("ticket-search-one", "meta"),
    ),
    (
        "ticket-update-note",
        fixture!("ticket-update-note", "request.xml"),
        fixture!("ticket-update-note", "response.xml"),
        fixture!("ticket-update-note", "meta"),
    ),
    (
        "unknown-operation",
        fixture!("unknown-operation", "request.xml"),
        fixture!("unknown-operation", "response.xml"),
        fixture!("unknown-operation", "meta"),
    ),
    (
        "malformed",
        fixture!("malformed", "request.xml"),
        fixture!("malformed", "response.xml"),
        fixture!("malformed", "meta"),
    ),
];

fn status(meta: &str) -> u16 {
    meta.lines()
        .find_map(|l| l.strip_prefix("status="))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn reply(name: &str) -> Result<Value, Error> {
    let (_, request, response, meta) = RECORDINGS
        .iter()
        .find(|r| r.0 == name)
        .copied()
        .unwrap_or_default();
    let operation = decode_request(request)
        .map(|(op, _)| op)
        .unwrap_or_default();
    decode_response(
        &format!("SOAP {operation}"),
        &operation,
        status(meta),
        response,
    )
}

#[test]
fn requests_we_build_have_the_recorded_structure() -> Result<(), Error> {
    for (name, request, _, _) in RECORDINGS.iter().filter(|r| r.0 != "malformed") {
        let (operation, input) =
            decode_request(request).map_err(|e| Error::invalid_input(*name, e))?;
        let ours = encode_request(OTOBO_NAMESPACE, &operation, &input)?;
        let (again_op, again) =
            decode_request(&ours).map_err(|e| Error::invalid_input(*name, e))?;
        assert_eq!((again_op, again), (operation, input), "{name}");
    }
    Ok(())
}

#[test]
fn request_text_is_escaped_and_lists_repeat() -> Result<(), Error> {
    let (op, input) = decode_request(fixture!("ticket-create-ok", "request.xml"))
        .map_err(|e| Error::invalid_input("x", e))?;
    assert_eq!(op, "TicketCreate");
    assert_eq!(
        input["Article"]["Body"],
        json!("Nobody in sales can reach the VPN & the CRM. äöü")
    );
    let (_, search) = decode_request(fixture!("ticket-search-many", "request.xml"))
        .map_err(|e| Error::invalid_input("x", e))?;
    assert_eq!(search["Queues"], json!(["Raw", "Misc"]));
    let payload = json!({"SessionID": "s", "Queues": ["Raw", "Misc"], "Limit": 3, "Flag": true, "Skip": null, "Title": "a<b & \"c\""});
    let xml = encode_request(
        OTOBO_NAMESPACE,
        "TicketSearch",
        payload
            .as_object()
            .ok_or_else(|| Error::invalid_input("x", "x"))?,
    )?;
    assert!(
        xml.contains("<tns:Queues>Raw</tns:Queues><tns:Queues>Misc</tns:Queues>"),
        "{xml}"
    );
    assert!(
        xml.contains("<tns:Flag>1</tns:Flag>") && !xml.contains("Skip"),
        "{xml}"
    );
    assert!(
        xml.contains("<tns:Title>a&lt;b &amp; &quot;c&quot;</tns:Title>"),
        "{xml}"
    );
    assert!(
        xml.contains("xmlns:tns=\"http://www.otobo.org/TicketConnector/\""),
        "{xml}"
    );
    Ok(())
}

#[test]
fn unsendable_text_and_names_are_refused_naming_the_key() {
    let bad = json!({"Title": "bell \u{7}"});
    let err = encode_request(
        OTOBO_NAMESPACE,
        "TicketSearch",
        bad.as_object().cloned().as_ref().unwrap_or(&Map::new()),
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "invalid input `Title`: `Title` holds the control character U+0007, which XML 1.0 cannot carry"
        )
    );
    let bad = json!({"a b": "x"});
    let err = encode_request(
        OTOBO_NAMESPACE,
        "TicketSearch",
        bad.as_object().cloned().as_ref().unwrap_or(&Map::new()),
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid input `a b`: `a b` cannot be an XML element name")
    );
}

#[test]
fn replies_decode_to_the_rest_shapes() -> Result<(), Error> {
    assert_eq!(
        reply("ticket-search-many")?,
        json!({"TicketID": ["72", "71", "70"]})
    );
    assert_eq!(
        reply("ticket-search-one")?,
        json!({"TicketID": "72"}),
        "one element: the lenient wire types read a list of one"
    );
    assert_eq!(
        reply("ticket-search-none")?,
        json!({}),
        "xsi:nil is the empty search"
    );
    assert_eq!(
        reply("ticket-create-ok")?,
        json!({"ArticleID": "96", "TicketID": "72", "TicketNumber": "2026112310000717"})
    );
    let session = reply("session-create-ok")?;
    assert!(session["SessionID"].as_str().is_some_and(|s| s.len() >= 32));
    let get = reply("ticket-get-full")?;
    let ticket: crate::wire::TicketGetReply =
        serde_json::from_value(get).map_err(|e| Error::invalid_input("x", e.to_string()))?;
    let unified = crate::mapping::ticket_to_unified(
        &ticket.tickets.0[0],
        &crate::mapping::ValueMaps::default(),
    );
    assert_eq!(unified.id.as_deref(), Some("72"));
    assert!(!unified.notes.is_empty());
    Ok(())
}

#[test]
fn business_errors_come_out_as_rest_error_objects() -> Result<(), Error> {
    assert_eq!(
        reply("session-create-authfail")?,
        json!({"Error": {"ErrorCode": "SessionCreate.AuthFail", "ErrorMessage": "SessionCreate: Authorization failing!"}})
    );
    assert_eq!(
        reply("ticket-get-not-found")?["Error"]["ErrorCode"],
        json!("TicketGet.AccessDenied")
    );
    assert_eq!(
        reply("ticket-create-missing-title")?["Error"]["ErrorCode"],
        json!("TicketCreate.MissingParameter")
    );
    Ok(())
}

#[test]
fn faults_and_plain_text_500s_are_remote_errors_with_the_servers_text() {
    let err = reply("unknown-operation").err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "SOAP NoSuchOperation: remote error (HTTP 500) Server: Server fault: Got no OperationType!"
        )
    );
    let err = decode_response(
        "SOAP TicketGet",
        "TicketGet",
        500,
        fixture!("malformed", "response.xml"),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        err.starts_with(
            "SOAP TicketGet: remote error (HTTP 500): Error deserializing message: unclosed token"
        ),
        "{err}"
    );
    let err = decode_response("SOAP TicketGet", "TicketGet", 200, "<html>proxy</html>")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("reply has no SOAP body"), "{err}");
    let err = decode_response("SOAP TicketGet", "TicketGet", 200, "<a><b>")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("SOAP TicketGet: reply is not a SOAP envelope"),
        "{err}"
    );
}

#[test]
fn the_fakes_replies_decode_back() -> Result<(), Error> {
    let value = json!({"TicketID": ["1", "2"], "Ticket": {"Title": "x & y", "DynamicField": [{"Name": "A", "Value": "1"}]}});
    let xml = encode_response(OTOBO_NAMESPACE, "TicketGet", &value)?;
    let mut collapsed = value.clone();
    collapsed["Ticket"]["DynamicField"] = json!({"Name": "A", "Value": "1"});
    assert_eq!(
        decode_response("r", "TicketGet", 200, &xml)?,
        collapsed,
        "a list of one is one element in SOAP"
    );
    assert_eq!(
        decode_response(
            "r",
            "TicketSearch",
            200,
            &encode_response(ZNUNY_NAMESPACE, "TicketSearch", &json!({}))?
        )?,
        json!({})
    );
    let fault = encode_fault(OTOBO_NAMESPACE, "Server", "boom <1>");
    assert_eq!(
        decode_response("r", "X", 500, &fault)
            .err()
            .map(|e| e.to_string())
            .as_deref(),
        Some("r: remote error (HTTP 500) Server: Server fault: boom <1>")
    );
    Ok(())
}

proptest! {
    #[test]
    fn any_sendable_string_survives_a_round_trip(text in "\\PC*") {
        let text: String = text.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect();
        let payload = json!({"Body": text.clone()});
        let xml = encode_request(OTOBO_NAMESPACE, "TicketUpdate", payload.as_object().cloned().as_ref().unwrap_or(&Map::new()))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (_, input) = decode_request(&xml).map_err(TestCaseError::fail)?;
        prop_assert_eq!(input.get("Body"), Some(&Value::String(text)));
    }

    #[test]
    fn line_ends_and_separators_survive(text in "[a\r\n\u{2028}\u{85}]{0,8}") {
        let payload = json!({"Body": text.clone()});
        let xml = encode_request(OTOBO_NAMESPACE, "TicketUpdate", payload.as_object().cloned().as_ref().unwrap_or(&Map::new()))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (_, input) = decode_request(&xml).map_err(TestCaseError::fail)?;
        prop_assert_eq!(input.get("Body"), Some(&Value::String(text)));
    }

    #[test]
    fn decoding_never_panics(body in ".{0,200}", status in 100u16..600) {
        let _ = decode_response("r", "TicketGet", status, &body);
        let _ = decode_request(&body);
    }
}
