//! The adapter against a mock GenericTicketConnector, answering with recorded OTOBO 11 replies.

mod support;

use std::sync::Arc;

use otai_core::request::SearchRequest;
use otai_core::{
    Error, ServiceRegistry, TicketSystemService, TicketSystemServiceExt, UnifiedEntity,
};
use otai_otobo_znuny::config::MappingConfig;
use otai_otobo_znuny::{AuthMode, Operation, OtoboConfig, OtoboService, RoutePreset};
use serde_json::{Map, Value, json};
use support::kw;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WS: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST";
const PASSWORD: &str = "SdkAgent-Test-Pw1";
const SESSION: &str = "4MxP6P8k1UG59OMaF3E6Gj0tDrDopyIX";
const SESSION_SOAP: &str = "Z9EyimRoRZG2H10hMItL7FJwrMz4glwS";

/// A recorded reply: status, content type, body text.
fn recorded(name: &str) -> ResponseTemplate {
    let text = match name {
        "session-create-ok" => include_str!("fixtures/rest/session-create-ok.json"),
        "session-create-authfail" => include_str!("fixtures/rest/session-create-authfail.json"),
        "ticket-get-full" => include_str!("fixtures/rest/ticket-get-full.json"),
        "ticket-get-not-found" => include_str!("fixtures/rest/ticket-get-not-found.json"),
        "ticket-get-bad-session" => include_str!("fixtures/rest/ticket-get-bad-session.json"),
        "ticket-search-queue-state" => include_str!("fixtures/rest/ticket-search-queue-state.json"),
        "ticket-search-none" => include_str!("fixtures/rest/ticket-search-none.json"),
        "ticket-create-ok" => include_str!("fixtures/rest/ticket-create-ok.json"),
        "ticket-create-invalid-queue" => {
            include_str!("fixtures/rest/ticket-create-invalid-queue.json")
        }
        "ticket-update-fields" => include_str!("fixtures/rest/ticket-update-fields.json"),
        "ticket-update-note" => include_str!("fixtures/rest/ticket-update-note.json"),
        "ticket-update-not-found" => include_str!("fixtures/rest/ticket-update-not-found.json"),
        "ticket-history" => include_str!("fixtures/rest/ticket-history.json"),
        "unknown-route" => include_str!("fixtures/rest/unknown-route.json"),
        other => panic!("no fixture {other}"),
    };
    let fixture: Value = serde_json::from_str(text).unwrap_or_default();
    let response = &fixture["response"];
    let status = response["status"].as_u64().unwrap_or(500) as u16;
    let content_type = response["content_type"]
        .as_str()
        .unwrap_or("text/plain")
        .to_owned();
    let body = match &response["body"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ResponseTemplate::new(status).set_body_raw(body, content_type.as_str())
}

/// The body the recorded request sent.
fn recorded_request(name: &str) -> Value {
    let text = match name {
        "ticket-create-ok" => include_str!("fixtures/rest/ticket-create-ok.json"),
        "ticket-update-fields" => include_str!("fixtures/rest/ticket-update-fields.json"),
        "ticket-update-note" => include_str!("fixtures/rest/ticket-update-note.json"),
        _ => "{}",
    };
    let fixture: Value = serde_json::from_str(text).unwrap_or_default();
    fixture["request"]["body"].clone()
}

fn config(server: &MockServer) -> OtoboConfig {
    OtoboConfig::new(server.uri())
        .agent("sdkagent", PASSWORD)
        .retries(2)
        .timeout(5.0)
}

async fn session_ok(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Session")))
        .and(body_partial_json(
            json!({"UserLogin": "sdkagent", "Password": PASSWORD}),
        ))
        .respond_with(recorded("session-create-ok"))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn concurrent_calls_share_one_session() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("SessionID", SESSION))
        .respond_with(recorded("ticket-search-none"))
        .expect(20)
        .mount(&server)
        .await;
    let otobo = Arc::new(OtoboService::new(&config(&server))?);
    let calls = (0..20).map(|_| {
        let otobo = Arc::clone(&otobo);
        tokio::spawn(async move { otobo.find_tickets_kw(kw(json!({"queue": "Raw"}))).await })
    });
    for call in futures::future::join_all(calls).await {
        assert!(call??.is_empty());
    }
    Ok(())
}

#[tokio::test]
async fn get_ticket_converts_the_recorded_reply() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/71")))
        .and(query_param("AllArticles", "1"))
        .and(query_param("DynamicFields", "1"))
        .and(query_param("Attachments", "1"))
        .respond_with(recorded("ticket-get-full"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let ticket = otobo
        .get_ticket_kw(kw(json!({"ticket_id": 71, "Attachments": 1})))
        .await?;
    let ticket = ticket.ok_or("ticket 71 missing")?;
    assert_eq!(
        ticket.subject.as_deref(),
        Some("Printer on fire in room 42")
    );
    assert_eq!(ticket.queue, Some(UnifiedEntity::new("2", "Raw")));
    assert_eq!(
        ticket.custom_fields.get("SDKText"),
        Some(&json!("hello-df"))
    );
    assert_eq!(ticket.notes.len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_missing_ticket_is_none_for_get_and_not_found_for_changes() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/99999999")))
        .respond_with(recorded("ticket-get-not-found"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{WS}/Ticket/99999999")))
        .respond_with(recorded("ticket-update-not-found"))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    assert_eq!(otobo.get_ticket_by_id("99999999").await?, None);
    let err = otobo
        .update_ticket_kw(kw(json!({"ticket_id": "99999999", "subject": "x"})))
        .await
        .err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("ticket 99999999 (or no permission to see it) not found")
    );
    Ok(())
}

#[tokio::test]
async fn an_expired_session_is_recreated_transparently() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Session")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"SessionID": "OldSession"})))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/71")))
        .and(query_param("SessionID", "OldSession"))
        .respond_with(recorded("ticket-get-bad-session"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/71")))
        .and(query_param("SessionID", SESSION))
        .respond_with(recorded("ticket-get-full"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    assert!(otobo.get_ticket_by_id("71").await?.is_some());
    Ok(())
}

#[tokio::test]
async fn wrong_credentials_are_an_authentication_error_without_secrets() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Session")))
        .respond_with(recorded("session-create-authfail"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let err = otobo
        .get_ticket_by_id("71")
        .await
        .err()
        .ok_or("expected an error")?;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    let shown = format!("{err} {err:?} {otobo:?} {:?}", config(&server));
    assert!(!shown.contains(PASSWORD), "{shown}");
    Ok(())
}

#[tokio::test]
async fn get_requests_percent_encode_every_value_and_send_no_body() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    let tricky = "a&b=c;d+e f äö €";
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("Title", format!("*{tricky}*")))
        .and(query_param("Queues", "Raw & Co"))
        .respond_with(recorded("ticket-search-none"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let found = otobo
        .find_tickets_kw(kw(json!({"queue": "Raw & Co", "subject_contains": tricky})))
        .await?;
    assert!(found.is_empty());
    let requests = server.received_requests().await.unwrap_or_default();
    let search = requests
        .iter()
        .find(|r| r.method.as_str() == "GET")
        .ok_or("no search sent")?;
    assert!(search.body.is_empty(), "GET sent a body");
    let query = search.url.query().unwrap_or_default();
    for raw in ["&", "=", ";", "+", " "] {
        assert!(
            !query.contains(&format!("a{raw}b")),
            "`{raw}` not encoded in {query}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn search_then_details_keep_the_search_order_and_honour_offset() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("Queues", "Raw"))
        .and(query_param("States", "new"))
        .and(query_param("Limit", "3"))
        .respond_with(recorded("ticket-search-queue-state"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/4,2")))
        .respond_with(move |_: &Request| {
            ResponseTemplate::new(200).set_body_json(json!({"Ticket": [
                {"TicketID": "4", "Title": "four"}, {"TicketID": 2, "Title": "two"}
            ]}))
        })
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let found = otobo
        .find_tickets_kw(kw(
            json!({"queue": "Raw", "state": "new", "limit": 2, "offset": 1}),
        ))
        .await?;
    let ids: Vec<_> = found.iter().map(|t| t.id.as_deref()).collect();
    assert_eq!(ids, [Some("4"), Some("2")]);
    Ok(())
}

#[tokio::test]
async fn create_sends_the_recorded_structure_and_rereads() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    let mut expected = recorded_request("ticket-create-ok");
    if let Some(map) = expected.as_object_mut() {
        map.remove("SessionID");
    }
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Ticket")))
        .and(body_partial_json(expected))
        .respond_with(recorded("ticket-create-ok"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/71")))
        .respond_with(recorded("ticket-get-full"))
        .expect(1)
        .mount(&server)
        .await;
    let request = recorded_request("ticket-create-ok");
    let article = request["Article"].clone();
    let otobo = OtoboService::new(&config(&server))?;
    let created = otobo
        .create_ticket_kw(kw(json!({
            "subject": "Printer on fire in room 42",
            "queue": "Raw", "state": "new", "priority": "3 normal", "customer": "sdkcustomer",
            "body": article["Body"],
            "Article": article,
            "DynamicField": request["DynamicField"],
            "Attachment": request["Attachment"],
        })))
        .await?;
    assert_eq!(created.id.as_deref(), Some("71"));
    assert_eq!(created.number.as_deref(), Some("2026112310000708"));
    Ok(())
}

#[tokio::test]
async fn create_without_queue_or_customer_names_what_is_missing() -> TestResult {
    let server = MockServer::start().await;
    let otobo = OtoboService::new(&config(&server))?;
    let err = otobo
        .create_ticket_kw(kw(json!({"subject": "s", "body": "b", "customer": "c"})))
        .await
        .err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("invalid input `queue`: OTOBO needs a queue: set `queue` or `defaults.queue`")
    );
    let err = otobo
        .create_ticket_kw(kw(json!({"subject": "s", "body": "b", "queue": "Raw"})))
        .await
        .err();
    assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "customer"));
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing was sent"
    );
    Ok(())
}

#[tokio::test]
async fn invalid_queue_is_invalid_input_naming_the_field() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(recorded("ticket-create-invalid-queue"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let err = otobo
        .create_ticket_kw(kw(
            json!({"subject": "t", "body": "b", "queue": "NoSuchQueue", "customer": "sdkcustomer"}),
        ))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "Ticket.Queue"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn update_maps_values_and_skips_the_reread_when_asked() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{WS}/Ticket/71")))
        .and(body_partial_json(
            json!({"Ticket": recorded_request("ticket-update-fields")["Ticket"]}),
        ))
        .respond_with(recorded("ticket-update-fields"))
        .expect(1)
        .mount(&server)
        .await;
    let mut mapping = MappingConfig::default();
    mapping.priority.insert("high".into(), "4 high".into());
    let otobo = OtoboService::new(&config(&server).mapping(mapping))?;
    let t = otobo
        .update_ticket_kw(kw(json!({
            "ticket_id": "71", "queue": "Misc", "priority": "high", "state": "open", "reread": false
        })))
        .await?;
    assert_eq!(t.id.as_deref(), Some("71"));
    assert_eq!(t.priority, Some(UnifiedEntity::by_name("high")));
    Ok(())
}

#[tokio::test]
async fn pending_states_need_a_pending_time_before_anything_is_sent() -> TestResult {
    let server = MockServer::start().await;
    let otobo = OtoboService::new(&config(&server))?;
    let err = otobo
        .update_ticket_kw(kw(json!({"ticket_id": 71, "state": "pending reminder"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "PendingTime"),
        "{err:?}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn notes_are_internal_by_default_and_visible_when_asked() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{WS}/Ticket/71")))
        .and(body_partial_json(json!({"Article": {
            "CommunicationChannel": "Internal", "IsVisibleForCustomer": 0, "SenderType": "agent",
            "Subject": "triaged", "Body": "Moved to Misc by rule 'printer'.",
            "ContentType": "text/plain; charset=utf-8"
        }})))
        .respond_with(recorded("ticket-update-note"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{WS}/Ticket/71")))
        .and(body_partial_json(json!({"Article": {"IsVisibleForCustomer": 1, "ContentType": "text/html; charset=utf-8"}})))
        .respond_with(recorded("ticket-update-note"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    otobo
        .add_note_kw(kw(json!({"ticket_id": 71, "subject": "triaged", "body": "Moved to Misc by rule 'printer'.", "reread": false})))
        .await?;
    otobo
        .add_note_kw(kw(json!({"ticket_id": 71, "body": "<p>hi</p>", "content_type": "text/html", "internal": false, "reread": false})))
        .await?;
    Ok(())
}

#[tokio::test]
async fn native_article_keys_join_the_note_and_win_over_its_own() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{WS}/Ticket/71")))
        .and(body_partial_json(json!({"Article": {
            "SenderType": "customer", "TimeUnit": 3, "Subject": "s", "Body": "b",
        }})))
        .respond_with(recorded("ticket-update-note"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    otobo
        .add_note_kw(kw(
            json!({"ticket_id": 71, "subject": "s", "body": "b", "reread": false,
            "native": {"Article": {"SenderType": "customer", "TimeUnit": 3}}}),
        ))
        .await?;
    let requests = server.received_requests().await.unwrap_or_default();
    let sent = requests
        .iter()
        .find(|r| r.method.as_str() == "PATCH")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .unwrap_or_default();
    assert_eq!(sent.matches("SenderType").count(), 1, "{sent}");
    Ok(())
}

#[tokio::test]
async fn a_note_cannot_travel_in_a_query_string() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/71")))
        .respond_with(recorded("ticket-update-note"))
        .expect(0)
        .mount(&server)
        .await;
    let routed = config(&server).route(
        Operation::TicketUpdate,
        otai_otobo_znuny::routes::Route::new(
            otai_otobo_znuny::routes::Method::Get,
            "/Ticket/:TicketID",
        ),
    );
    let otobo = OtoboService::new(&routed)?;
    let err = otobo
        .add_note_kw(kw(json!({"ticket_id": 71, "body": "b", "reread": false})))
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "invalid input `Article`: `GET /Ticket/:TicketID` sends everything in the query string, which cannot carry nested values; configure a POST route for this operation"
        )
    );
    Ok(())
}

#[tokio::test]
async fn server_failures_keep_the_server_text_and_the_request() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/TicketHistory/71")))
        .respond_with(recorded("unknown-route"))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server).retries(0))?;
    let err = otobo
        .raw_ticket_history(&"71".parse()?)
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "GET /TicketHistory/:TicketID: remote error (HTTP 500): HTTP::REST Error while determine Operation for request URI '/Nope'."
        )
    );
    Ok(())
}

#[tokio::test]
async fn rate_limits_are_waited_out_as_the_server_asks() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    for status in [429, 503] {
        Mock::given(method("GET"))
            .and(path(format!("{WS}/Ticket")))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("Retry-After", "1")
                    .set_body_string("slow down"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(recorded("ticket-search-none"))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let started = std::time::Instant::now();
    assert!(otobo.find_tickets(SearchRequest::all()).await?.is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(2),
        "two `Retry-After: 1` replies, waited {waited:?}"
    );
    let searches = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with("/Ticket"))
        .count();
    assert_eq!(searches, 3);
    Ok(())
}

#[tokio::test]
async fn safe_requests_are_retried_but_creates_are_not() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(recorded("ticket-search-none"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    assert!(otobo.find_tickets(SearchRequest::all()).await?.is_empty());
    let err = otobo
        .create_ticket_kw(kw(
            json!({"subject": "s", "body": "b", "queue": "Raw", "customer": "c"}),
        ))
        .await
        .err();
    assert!(
        matches!(
            &err,
            Some(Error::Remote {
                status: Some(503),
                ..
            })
        ),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn history_returns_the_recorded_entries() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/TicketHistory/71")))
        .respond_with(recorded("ticket-history"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let history = otobo.raw_ticket_history(&"71".parse()?).await?;
    assert!(!history.is_empty());
    assert!(history.iter().all(|h| h.get("HistoryType").is_some()));
    Ok(())
}

#[tokio::test]
async fn unified_history_decodes_the_recorded_changes() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/TicketHistory/71")))
        .respond_with(recorded("ticket-history"))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let history = otobo
        .ticket_history(otai_core::GetRequest::new("71".parse()?))
        .await?;
    assert_eq!(history.len(), 10);
    let moved = history
        .iter()
        .find(|h| h.kind == "Move")
        .ok_or("no Move entry")?;
    assert_eq!(moved.field.as_deref(), Some("queue"));
    assert_eq!(moved.old.as_deref(), Some("Raw"));
    assert_eq!(moved.new.as_deref(), Some("Misc"));
    assert_eq!(moved.by.as_deref(), Some("4"));
    let state = history
        .iter()
        .find(|h| h.kind == "StateUpdate")
        .ok_or("no StateUpdate entry")?;
    assert_eq!(
        (state.old.as_deref(), state.new.as_deref()),
        (Some("new"), Some("open"))
    );
    assert!(history.windows(2).all(|w| w[0].time <= w[1].time));
    Ok(())
}

#[tokio::test]
async fn per_request_mode_sends_credentials_and_never_a_session() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("UserLogin", "sdkagent"))
        .and(query_param("Password", PASSWORD))
        .respond_with(recorded("ticket-search-none"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server).auth_mode(AuthMode::PerRequest))?;
    assert!(otobo.find_tickets(SearchRequest::all()).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_python_client_preset_posts_searches_with_nested_filters() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/ticket-search")))
        .and(body_partial_json(
            json!({"Queues": ["Raw"], "DynamicField": [{"Name": "SDKText", "Equals": "x"}]}),
        ))
        .respond_with(recorded("ticket-search-none"))
        .expect(1)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server).route_preset(RoutePreset::PythonClient))?;
    let found = otobo
        .find_tickets_kw(kw(
            json!({"queue": "Raw", "custom_fields": {"SDKText": "x"}}),
        ))
        .await?;
    assert!(found.is_empty());
    Ok(())
}

#[tokio::test]
async fn an_unreachable_server_is_a_transient_transport_error_without_secrets() -> TestResult {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    drop(listener);
    let config = OtoboConfig::new(format!("http://127.0.0.1:{port}"))
        .agent("sdkagent", PASSWORD)
        .auth_mode(AuthMode::PerRequest)
        .retries(0);
    let otobo = OtoboService::new(&config)?;
    let err = otobo
        .call(Operation::TicketSearch, Map::new())
        .await
        .err()
        .ok_or("expected an error")?;
    assert!(err.is_transient(), "{err:?}");
    let shown = otai_core::error::report(&err);
    assert!(shown.starts_with("GET /Ticket: cannot connect"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    Ok(())
}

#[test]
fn registry_names_and_config_errors() {
    let mut registry = ServiceRegistry::new();
    otai_otobo_znuny::register(&mut registry);
    assert!(registry.has_service("otobo-znuny:OTOBOZnunyTicketSystemService"));
    let check = |params: Value| {
        registry
            .validate_service("otobo-znuny", &params)
            .err()
            .map(|e| e.to_string())
    };
    assert_eq!(
        check(json!({"base_url": "https://h", "username": "a", "password": "p"})),
        None
    );
    assert_eq!(
        check(json!({"base_url": "https://h", "username": "a"})).as_deref(),
        Some(
            "config error at params.password: missing (tip: `password: '${{ secrets.OTOBO_PASSWORD }}'`)"
        )
    );
    assert_eq!(
        check(json!({"base_url": "https://h", "username": "a", "password": "p", "routes": {"TicketSerch": {"method": "POST", "route": "/S"}}})).as_deref(),
        Some("config error at params.routes.TicketSerch: unknown operation; known: preset, SessionCreate, TicketCreate, TicketGet, TicketGetList, TicketSearch, TicketUpdate, TicketHistoryGet")
    );
    assert!(check(json!({"base_url": "https://h", "username": "a", "password": "p", "routes": "python-client"})).is_none());
    let unknown = check(json!({"base_url": "https://h", "usernme": "a"})).unwrap_or_default();
    assert!(
        unknown.starts_with("config error at params.usernme: unknown field `usernme`"),
        "{unknown}"
    );
}

#[test]
fn tls_and_proxy_settings_are_checked_when_building() -> TestResult {
    let base = || OtoboConfig::new("https://h.example.com").agent("a", "p");
    let mut missing_ca = base();
    missing_ca.ca_file = Some("does-not-exist.pem".into());
    let err = OtoboService::new(&missing_ca)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("config error at params.ca_file: cannot read `does-not-exist.pem`"),
        "{err}"
    );

    let dir = std::env::temp_dir().join(format!("otai-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let junk = dir.join("junk.pem");
    std::fs::write(&junk, "not a certificate")?;
    let mut junk_ca = base();
    junk_ca.ca_file = Some(junk.clone());
    let err = OtoboService::new(&junk_ca)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    std::fs::remove_dir_all(&dir)?;
    assert!(err.starts_with("config error at params.ca_file:"), "{err}");

    let mut bad_proxy = base();
    bad_proxy.proxy = Some("::not a url::".into());
    let err = OtoboService::new(&bad_proxy)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("config error at params.proxy: invalid proxy URL"),
        "{err}"
    );

    let mut insecure = base();
    insecure.insecure_skip_verify = true;
    assert!(
        OtoboService::new(&insecure).is_ok(),
        "an explicit opt-out is allowed"
    );
    Ok(())
}

#[tokio::test]
async fn oversized_replies_are_refused() -> TestResult {
    let server = MockServer::start().await;
    session_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(format!("{{\"TicketID\":[\"{}\"]}}", "1".repeat(4096))),
        )
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.max_response_bytes = 1024;
    let otobo = OtoboService::new(&config)?;
    let err = otobo
        .find_tickets(SearchRequest::all())
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("GET /Ticket: reply larger than the limit of 1024 bytes (max_response_bytes)")
    );
    Ok(())
}

#[tokio::test]
async fn customer_users_log_in_as_customers() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Session")))
        .and(body_partial_json(
            json!({"CustomerUserLogin": "sdkcustomer", "Password": PASSWORD}),
        ))
        .respond_with(recorded("session-create-ok"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("SessionID", SESSION))
        .respond_with(recorded("ticket-search-none"))
        .expect(1)
        .mount(&server)
        .await;
    let config = OtoboConfig::new(server.uri()).customer("sdkcustomer", PASSWORD);
    let otobo = OtoboService::new(&config)?;
    assert!(otobo.find_tickets(SearchRequest::all()).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn soap_posts_envelopes_to_the_web_service_url_in_the_configured_namespace() -> TestResult {
    let server = MockServer::start().await;
    let url = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorSOAP";
    Mock::given(method("POST"))
        .and(path(url))
        .respond_with(|request: &Request| {
            let body = String::from_utf8_lossy(&request.body);
            let xml = if body.contains("<tns:SessionCreate>") {
                include_str!("fixtures/soap/session-create-ok.response.xml")
            } else {
                include_str!("fixtures/soap/ticket-search-none.response.xml")
            };
            ResponseTemplate::new(200).set_body_raw(xml, "text/xml; charset=UTF-8")
        })
        .expect(2)
        .mount(&server)
        .await;
    let mut config = config(&server).transport(otai_otobo_znuny::TransportKind::Soap);
    config.soap_namespace = Some(otai_otobo_znuny::soap::ZNUNY_NAMESPACE.into());
    let otobo = OtoboService::new(&config)?;
    assert!(
        otobo
            .find_tickets_kw(kw(json!({"queue": "Raw"})))
            .await?
            .is_empty()
    );
    let requests = server.received_requests().await.unwrap_or_default();
    let bodies: Vec<String> = requests
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert!(
        bodies[0].contains("<tns:UserLogin>sdkagent</tns:UserLogin>"),
        "{}",
        bodies[0]
    );
    assert!(
        bodies
            .iter()
            .all(|b| b.contains("xmlns:tns=\"http://www.otrs.org/TicketConnector/\""))
    );
    assert!(
        bodies[1].contains("<tns:TicketSearch>")
            && bodies[1].contains("<tns:Queues>Raw</tns:Queues>"),
        "{}",
        bodies[1]
    );
    assert!(
        bodies[1].contains(&format!("<tns:SessionID>{SESSION_SOAP}</tns:SessionID>")),
        "{}",
        bodies[1]
    );
    let content_type = requests[0]
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    assert_eq!(content_type, Some("text/xml; charset=utf-8"));
    Ok(())
}
