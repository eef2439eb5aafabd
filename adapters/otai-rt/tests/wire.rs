//! RT's quirks against a mock server; hostile servers in the modules below.

#[path = "wire/paging.rs"]
mod paging;
#[path = "wire/replies.rs"]
mod replies;
#[path = "wire/secrets.rs"]
mod secrets;
#[path = "wire/support.rs"]
mod support;

use otai_core::{Error, ServiceRegistry, TicketSystemService, TicketSystemServiceExt};
use otai_rt::{RtConfig, RtService};
use serde_json::{Map, Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TOKEN: &str = "1-14-secret-token";

fn kw(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

async fn ticket_one(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1"))
        .and(header("Authorization", format!("token {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 1, "Subject": "Printer on fire", "Status": "new", "Priority": "10",
            "Queue": {"type": "queue", "id": "1"}, "Owner": {"type": "user", "id": "Nobody"},
            "Requestor": [{"type": "user", "id": "alice@example.com"}],
            "Created": "2026-11-23T03:40:48Z", "LastUpdated": "2026-11-23T03:40:48Z", "CustomFields": []
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/queue/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "Name": "General"})))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1/history"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 2, "page": 1, "pages": 1, "per_page": 100, "total": 2,
            "items": [
                {"id": "33", "Type": "Create", "Creator": {"id": "root"}, "Created": "2026-11-23T03:40:48Z"},
                {"id": 34, "Type": "EmailRecord", "Creator": {"id": "RT_System"}}
            ]
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/transaction/33/attachments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": "1", "ContentType": "text/plain", "Content": "It burns.", "Subject": "Printer on fire"}
        ]})))
        .mount(server)
        .await;
}

fn rt(server: &MockServer) -> Result<RtService, Error> {
    RtService::new(&RtConfig::with_token(server.uri(), TOKEN))
}

#[tokio::test]
async fn get_resolves_names_and_reads_the_first_message() -> TestResult {
    let server = MockServer::start().await;
    ticket_one(&server).await;
    let rt = rt(&server)?;
    let t = rt
        .get_ticket_kw(kw(json!({"ticket_id": 1})))
        .await?
        .ok_or("missing")?;
    assert_eq!(
        t.queue.as_ref().and_then(|q| q.name.as_deref()),
        Some("General")
    );
    assert_eq!(t.body.as_deref(), Some("It burns."));
    assert_eq!(t.notes.len(), 1, "EmailRecord is not a note");
    assert!(!t.notes[0].internal);
    // The queue name is cached: a second read does not ask again (expect(1) above).
    rt.get_ticket_kw(kw(json!({"ticket_id": "1"}))).await?;
    Ok(())
}

#[tokio::test]
async fn searches_without_hits_have_float_pages_and_missing_tickets_are_none() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .and(query_param(
            "query",
            "Queue = 'General' AND Subject LIKE 'it\\'s'",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"count": 0, "page": 1, "pages": 0.0, "per_page": 100, "total": 0, "items": []}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/99"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let rt = rt(&server)?;
    assert!(
        rt.find_tickets_kw(kw(json!({"queue": "General", "subject_contains": "it's"})))
            .await?
            .is_empty()
    );
    assert_eq!(rt.get_ticket_kw(kw(json!({"ticket_id": 99}))).await?, None);
    Ok(())
}

#[tokio::test]
async fn a_200_update_with_failure_messages_is_an_error() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/REST/2.0/ticket/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            "Ticket 1: That user does not exist",
            "Ticket 1: Subject changed from 'a' to 'b'"
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let rt = rt(&server)?;
    let err = rt
        .update_ticket_kw(kw(
            json!({"ticket_id": 1, "owner": "ghost", "subject": "b", "reread": false}),
        ))
        .await
        .err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("invalid input `owner`: Ticket 1: That user does not exist")
    );
    Ok(())
}

#[tokio::test]
async fn status_codes_map_to_typed_errors_without_the_token() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"message": "No permission to create tickets in the queue 'Nope'"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/rt"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket/5/comment"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"message": "Message could not be recorded"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/5"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let rt = rt(&server)?;
    let err = rt
        .create_ticket_kw(kw(json!({"subject": "x", "queue": "Nope"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, message }) if field == "queue" && message.contains("'Nope'")),
        "{err:?}"
    );
    let err = rt.healthcheck().await.err();
    assert!(
        matches!(&err, Some(Error::Authentication { .. })),
        "{err:?}"
    );
    let err = rt
        .add_note_kw(kw(json!({"ticket_id": 5, "body": "hi"})))
        .await
        .err();
    assert!(err.as_ref().is_some_and(Error::is_not_found), "{err:?}");
    let shown = format!("{err:?} {rt:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    Ok(())
}

/// A server that fails the test (when dropped) if any request reaches it.
async fn untouchable() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .named("no request may be sent")
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn unknown_keys_are_refused_with_a_suggestion_before_any_request() -> TestResult {
    let server = untouchable().await;
    let rt = rt(&server)?;
    let message = |err: Option<Error>| err.map(|e| e.to_string()).unwrap_or_default();
    let err = rt
        .find_tickets_kw(kw(json!({"queu": "General"})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `queu`: unknown key for find_tickets; did you mean `queue` or `query`? \
         (pass anything else verbatim under `native:`)"
    );
    let err = rt
        .find_tickets_kw(kw(json!({"queue": "General", "Query": "id > 0"})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `Query`: unknown key for find_tickets; did you mean `query` or `queue`? \
         (pass anything else verbatim under `native:`)"
    );
    // Kwargs built at run time (e.g. `otai run --kw`) go through the same parser.
    let mut dynamic = kw(json!({"ticket_id": 1}));
    dynamic.insert("TimeWorkd".into(), json!(5));
    let err = rt.update_ticket_kw(dynamic).await.err();
    assert_eq!(
        message(err),
        "invalid input `TimeWorkd`: unknown key for update_ticket; did you mean `TimeWorked`? \
         (pass anything else verbatim under `native:`)"
    );
    let err = rt
        .get_ticket_kw(kw(json!({"ticket_id": 1, "Extended": 1})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `Extended`: unknown key for get_ticket; it takes ticket_id, id, ticket_number, \
         attachment_content; rt declares no native keys for it"
    );
    let err = rt
        .add_note_kw(kw(json!({"ticket_id": 1, "body": "b", "TimeTaken": "ten"})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `TimeTaken`: expected a whole number, got a string"
    );
    let err = rt
        .find_tickets_kw(kw(json!({"priority": "urgent"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "priority"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn escaped_native_arguments_have_to_fit_where_they_go() -> TestResult {
    let server = untouchable().await;
    let rt = rt(&server)?;
    let message = |err: Option<Error>| err.map(|e| e.to_string()).unwrap_or_default();
    let err = rt
        .find_tickets_kw(kw(json!({"native": {"page": 3}})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `native.page`: the adapter sets it to page through the results"
    );
    let err = rt
        .get_ticket_kw(kw(json!({"ticket_id": 1, "native": {"fields": "id"}})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `native.fields`: RT's get_ticket has no native arguments"
    );
    Ok(())
}

#[tokio::test]
async fn native_search_arguments_reach_the_query_string() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .and(query_param(
            "query",
            "(Status = '__Active__') AND Queue = 'General'",
        ))
        .and(query_param("orderby", "Created"))
        .and(query_param("order", "DESC"))
        .and(query_param("simple", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"count": 0, "page": 1, "pages": 0.0, "per_page": 100, "total": 0, "items": []}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let found = rt(&server)?
        .find_tickets_kw(kw(json!({
            "queue": "General", "query": "Status = '__Active__'", "orderby": "Created",
            "order": "DESC", "native": {"simple": 0}
        })))
        .await?;
    assert!(found.is_empty());
    Ok(())
}

#[tokio::test]
async fn native_write_arguments_join_the_json_body() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/REST/2.0/ticket/1"))
        .and(wiremock::matchers::body_json(
            json!({"Subject": "b", "TimeWorked": 15, "Cc": ["bob@example.com"]}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!(["Ticket 1: Subject changed"])),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket/1/comment"))
        .and(wiremock::matchers::body_json(json!({
            "Subject": "Note", "Content": "done", "ContentType": "text/plain"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!(["Comments added"])))
        .expect(1)
        .mount(&server)
        .await;
    let t = rt(&server)?
        .update_ticket_kw(kw(json!({
            "ticket_id": 1, "subject": "b", "TimeWorked": 15, "Cc": ["bob@example.com"],
            "note": "done", "reread": false
        })))
        .await?;
    assert_eq!(t.id.as_deref(), Some("1"));
    assert_eq!(t.notes.len(), 1, "the note sent with the change");
    Ok(())
}

#[test]
fn config_is_checked_and_secrets_stay_hidden() {
    let mut registry = ServiceRegistry::new();
    otai_rt::register(&mut registry);
    let check = |params: Value| {
        registry
            .validate_service("rt", &params)
            .err()
            .map(|e| e.to_string())
    };
    assert_eq!(
        check(json!({"base_url": "https://rt.example.com", "token": "t"})),
        None
    );
    assert_eq!(
        check(json!({"base_url": "https://rt.example.com"})).as_deref(),
        Some(
            "config error at params.token: missing: give `token` (tip: `token: '${{ secrets.RT_TOKEN }}'`) or `username`/`password`"
        )
    );
    assert_eq!(
        check(json!({"base_url": "https://rt.example.com", "token": "t", "username": "u"}))
            .as_deref(),
        Some(
            "config error at params.token: give either `token` or `username`/`password`, not both"
        )
    );
    let config = RtConfig::with_token("https://rt.example.com", TOKEN);
    assert_eq!(
        config.rest_url().ok().as_deref(),
        Some("https://rt.example.com/REST/2.0")
    );
    assert!(!format!("{config:?}").contains(TOKEN));
}

#[tokio::test]
async fn reads_wait_out_rate_limits_and_refuse_oversized_replies() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    ticket_one(&server).await;
    let started = std::time::Instant::now();
    let ticket = rt(&server)?
        .get_ticket_kw(kw(json!({"ticket_id": 1})))
        .await?;
    assert_eq!(
        ticket.and_then(|t| t.subject).as_deref(),
        Some("Printer on fire")
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After honoured"
    );

    let big = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4096)))
        .mount(&big)
        .await;
    let mut config = RtConfig::with_token(big.uri(), TOKEN);
    config.max_response_bytes = 1024;
    let err = RtService::new(&config)?
        .get_ticket_kw(kw(json!({"ticket_id": 2})))
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("GET /ticket/2: reply larger than the limit of 1024 bytes (max_response_bytes)")
    );
    Ok(())
}

/// Ticket 3 whose one comment (transaction 50) has a body and a file (attachment 9).
async fn ticket_with_a_file(server: &MockServer, file: Value) {
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 3, "Subject": "s", "Status": "new", "Queue": {"type": "queue", "id": "1"}
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/queue/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "Name": "General"})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/3/history"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "page": 1, "pages": 1, "per_page": 100, "total": 1,
            "items": [{"id": "50", "Type": "Comment", "Creator": {"id": "root"}}]
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/transaction/50/attachments"))
        .and(query_param("fields", "ContentType,Content,Subject,Filename,Headers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": "8", "ContentType": "text/plain", "Content": "see file", "Subject": "n", "Filename": ""},
            file
        ]})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn comments_carry_attachments_both_ways() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/REST/2.0/ticket/3/comment"))
        .and(wiremock::matchers::body_json(json!({
            "Content": "see file", "ContentType": "text/plain",
            "Attachments": [{"FileName": "a.bin", "FileType": "application/octet-stream", "FileContent": "AAH/"}]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!(["Comments added"])))
        .expect(1)
        .mount(&server)
        .await;
    ticket_with_a_file(
        &server,
        json!({"id": "9", "ContentType": "application/octet-stream", "Filename": "a.bin",
               "Content": "\u{0}\u{1}?", "Headers": "Content-Type: application/octet-stream\nContent-Length: 3\n"}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/attachment/9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 9, "Content": "AAH/"})))
        .expect(1)
        .mount(&server)
        .await;
    let rt = rt(&server)?;
    let t = rt
        .add_note_kw(kw(
            json!({"ticket_id": 3, "body": "see file", "reread": false,
            "attachments": [{"name": "a.bin", "content": "AAH/"}]}),
        ))
        .await?;
    assert_eq!(
        t.notes[0].attachments[0].content, None,
        "a write returns attachments as a read without content does"
    );
    let t = rt
        .get_ticket_kw(kw(json!({"ticket_id": 3})))
        .await?
        .ok_or("missing")?;
    assert_eq!(t.notes[0].body.as_deref(), Some("see file"));
    let a = &t.notes[0].attachments[0];
    assert_eq!(
        (
            a.name.as_str(),
            a.content_type.as_str(),
            a.size,
            a.content.is_none()
        ),
        ("a.bin", "application/octet-stream", 3, true)
    );
    let t = rt
        .get_ticket_kw(kw(json!({"ticket_id": 3, "attachment_content": true})))
        .await?
        .ok_or("missing")?;
    assert_eq!(
        t.notes[0].attachments[0].content.as_deref(),
        Some(&[0u8, 1, 255][..])
    );
    Ok(())
}

#[tokio::test]
async fn hostile_attachment_replies_are_bounded_or_refused() -> TestResult {
    // A size that is not a number falls back to the listed content; a file over the budget is
    // listed without its content (and never fetched).
    let server = MockServer::start().await;
    ticket_with_a_file(
        &server,
        json!({"id": "9", "ContentType": "text/plain", "Filename": "big.txt", "Content": "abc",
               "Headers": "Content-Length: 99999999999\n"}),
    )
    .await;
    let t = rt(&server)?
        .get_ticket_kw(kw(json!({"ticket_id": 3, "attachment_content": true})))
        .await?
        .ok_or("missing")?;
    let a = &t.notes[0].attachments[0];
    assert_eq!((a.size, a.content.is_none()), (99_999_999_999, true));

    let server = MockServer::start().await;
    ticket_with_a_file(
        &server,
        json!({"id": "9", "Filename": "x", "Content": "abcd", "Headers": "Content-Length: lots\n"}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/attachment/9"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 9, "Content": "not base64!"})),
        )
        .mount(&server)
        .await;
    let service = rt(&server)?;
    let t = service
        .get_ticket_kw(kw(json!({"ticket_id": 3})))
        .await?
        .ok_or("missing")?;
    assert_eq!(
        t.notes[0].attachments[0].size, 4,
        "the listed content's length"
    );
    assert_eq!(
        t.notes[0].attachments[0].content_type, "application/octet-stream",
        "no type given"
    );
    let err = service
        .get_ticket_kw(kw(json!({"ticket_id": 3, "attachment_content": true})))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("attachment 9: the content is not valid base64"),
        "{err}"
    );

    // A file name that is not text is refused with the reply.
    let server = MockServer::start().await;
    ticket_with_a_file(&server, json!({"id": "9", "Filename": ["a", "b"]})).await;
    let err = rt(&server)?
        .get_ticket_kw(kw(json!({"ticket_id": 3})))
        .await
        .err();
    assert!(err.is_some(), "a list as a file name is an error");
    Ok(())
}
