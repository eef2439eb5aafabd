//! Replies that do not answer the request, or cannot be read: each is a typed error naming the
//! request, never a wrong ticket or an empty success; links in replies are never followed.

use otai_core::{Error, TicketSystemService, TicketSystemServiceExt};
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::{mount_any_ticket, rt_with, search_page, shown};
use super::{kw, untouchable};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Asserts `err` is a remote error of `request` with HTTP `status` whose text contains `says`.
fn assert_remote(err: &Option<Error>, request: &str, status: u16, says: &str) {
    let text = shown(err);
    assert!(
        matches!(err, Some(Error::Remote { request: r, status: Some(s), .. }) if r == request && *s == status),
        "{err:?}"
    );
    assert!(text.contains(says), "{text}");
}

/// A history of no messages for every ticket, which must not be read (the reply before it was
/// wrong); without the check the adapter would go on to return the wrong record.
async fn history_not_read(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path_regex(r"^/REST/2\.0/ticket/\d+/history$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .named("history after a wrong reply")
        .expect(0)
        .mount(server)
        .await;
}

async fn reply(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_read_answered_with_another_ticket_is_an_error() -> TestResult {
    let server = MockServer::start().await;
    history_not_read(&server).await;
    reply(
        &server,
        "GET",
        "/REST/2.0/ticket/1",
        ResponseTemplate::new(200).set_body_json(json!({"id": 999, "Subject": "not yours"})),
    )
    .await;
    let err = rt_with(&server, |_| {})?
        .get_ticket_kw(kw(json!({"ticket_id": 1})))
        .await
        .err();
    assert_remote(
        &err,
        "GET /ticket/:id",
        200,
        "asked for ticket 1, the reply is about ticket 999",
    );
    Ok(())
}

#[tokio::test]
async fn a_searched_ticket_read_as_another_is_an_error() -> TestResult {
    let server = MockServer::start().await;
    history_not_read(&server).await;
    reply(
        &server,
        "GET",
        "/REST/2.0/tickets",
        ResponseTemplate::new(200).set_body_json(search_page([5], json!({"total": 1}))),
    )
    .await;
    reply(
        &server,
        "GET",
        "/REST/2.0/ticket/5",
        ResponseTemplate::new(200).set_body_json(json!({"id": "6"})),
    )
    .await;
    let err = rt_with(&server, |_| {})?
        .find_tickets_kw(kw(json!({"queue": "General"})))
        .await
        .err();
    assert_remote(
        &err,
        "GET /ticket/:id",
        200,
        "asked for ticket 5, the reply is about ticket 6",
    );
    Ok(())
}

#[tokio::test]
async fn a_queue_answered_with_another_is_an_error() -> TestResult {
    let server = MockServer::start().await;
    history_not_read(&server).await;
    reply(
        &server,
        "GET",
        "/REST/2.0/ticket/1",
        ResponseTemplate::new(200).set_body_json(json!({"id": 1, "Queue": {"id": "1"}})),
    )
    .await;
    reply(
        &server,
        "GET",
        "/REST/2.0/queue/1",
        ResponseTemplate::new(200).set_body_json(json!({"id": 2, "Name": "Other"})),
    )
    .await;
    let err = rt_with(&server, |_| {})?
        .get_ticket_kw(kw(json!({"ticket_id": 1})))
        .await
        .err();
    assert_remote(
        &err,
        "GET /queue/:id",
        200,
        "asked for queue 1, the reply is about queue 2",
    );
    Ok(())
}

#[tokio::test]
async fn a_create_without_a_ticket_id_is_an_error() -> TestResult {
    for (body, says) in [
        (json!({"type": "ticket"}), "reply has no id"),
        (
            json!({"type": "queue", "id": "3"}),
            "the reply is about a `queue`, not a ticket",
        ),
        (json!({"id": "three"}), "where RT sends the new ticket's id"),
        (json!(["Ticket 3 created"]), "expected a JSON object"),
    ] {
        let server = MockServer::start().await;
        reply(
            &server,
            "POST",
            "/REST/2.0/ticket",
            ResponseTemplate::new(201).set_body_json(body),
        )
        .await;
        let err = rt_with(&server, |_| {})?
            .create_ticket_kw(kw(json!({"subject": "x", "queue": "General"})))
            .await
            .err();
        assert_remote(&err, "POST /ticket", 201, says);
    }
    Ok(())
}

#[tokio::test]
async fn an_update_reply_about_another_ticket_is_an_error_and_no_note_follows() -> TestResult {
    let server = MockServer::start().await;
    reply(
        &server,
        "PUT",
        "/REST/2.0/ticket/1",
        ResponseTemplate::new(200)
            .set_body_json(json!(["Ticket 2: Subject changed from 'a' to 'b'"])),
    )
    .await;
    Mock::given(any())
        .and(path("/REST/2.0/ticket/1/comment"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let err = rt_with(&server, |_| {})?
        .update_ticket_kw(kw(
            json!({"ticket_id": 1, "subject": "b", "note": "n", "reread": false}),
        ))
        .await
        .err();
    assert_remote(
        &err,
        "PUT /ticket/:id",
        200,
        "asked to change ticket 1, the reply is about ticket 2",
    );
    Ok(())
}

/// Bodies a 200 reply must not be read as "nothing".
fn unreadable_bodies() -> Vec<(&'static str, String, &'static str)> {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    vec![
        (
            "an SSO login page",
            "<!DOCTYPE html><html><title>Sign in</title><form action=/login></form></html>".into(),
            "an HTML page where RT sends",
        ),
        (
            "an empty body",
            String::new(),
            "an empty reply where RT sends",
        ),
        ("blanks", "  \n ".into(), "an empty reply where RT sends"),
        ("deep nesting", deep.clone(), "where RT sends"),
        (
            "deep nesting inside",
            format!(r#"{{"items": {deep}}}"#),
            "where RT sends",
        ),
        ("a list", "[]".into(), "expected a JSON object"),
        (
            "truncated JSON",
            r#"{"items": [{"id": "1"}"#.into(),
            "EOF while parsing",
        ),
        ("a string", r#""ok""#.into(), "expected a JSON object"),
    ]
}

#[tokio::test]
async fn unreadable_200_replies_are_errors_for_every_read() -> TestResult {
    let routes = [
        ("search", "/REST/2.0/tickets", "GET /tickets"),
        ("get", "/REST/2.0/ticket/1", "GET /ticket/:id"),
        (
            "history",
            "/REST/2.0/ticket/1/history",
            "GET /ticket/:id/history",
        ),
        (
            "parts",
            "/REST/2.0/transaction/7/attachments",
            "GET /transaction/:id/attachments",
        ),
        ("queue", "/REST/2.0/queue/1", "GET /queue/:id"),
        ("health", "/REST/2.0/rt", "GET /rt"),
    ];
    for (route_name, route, request) in routes {
        for (name, body, says) in unreadable_bodies() {
            let server = MockServer::start().await;
            Mock::given(method("GET"))
                .and(path(route))
                .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/html"))
                .expect(1)
                .mount(&server)
                .await;
            // What comes before the broken read answers properly.
            Mock::given(method("GET"))
                .and(path("/REST/2.0/ticket/1"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"id": 1, "Queue": {"id": "1"}})),
                )
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/REST/2.0/ticket/1/history"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"items": [{"id": 7, "Type": "Create"}]})),
                )
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/REST/2.0/queue/1"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
                .mount(&server)
                .await;
            let rt = rt_with(&server, |_| {})?;
            let err = match route_name {
                "search" => rt
                    .find_tickets_kw(kw(json!({"all": true, "limit": 5})))
                    .await
                    .err(),
                "health" => rt.healthcheck().await.err(),
                _ => rt.get_ticket_kw(kw(json!({"ticket_id": 1}))).await.err(),
            };
            let text = shown(&err);
            assert!(
                matches!(&err, Some(Error::Remote { request: r, status: Some(200), .. }) if r == request),
                "{route_name}, {name}: {err:?}"
            );
            assert!(text.contains(says), "{route_name}, {name}: {text}");
            assert!(text.len() < 700, "{route_name}, {name}: {text}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn deep_nesting_where_nothing_is_read_is_skipped_without_recursion() -> TestResult {
    let server = MockServer::start().await;
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let body = format!(
        r#"{{"id": 1, "Subject": "s", "_hyperlinks": {deep}, "CustomFields": [{{"name": "a", "values": ["x"], "_url": {deep}}}]}}"#
    );
    reply(
        &server,
        "GET",
        "/REST/2.0/ticket/1",
        ResponseTemplate::new(200).set_body_raw(body, "application/json"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1/history"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&server)
        .await;
    let ticket = rt_with(&server, |_| {})?
        .get_ticket_kw(kw(json!({"ticket_id": 1})))
        .await?
        .ok_or("missing")?;
    assert_eq!(ticket.custom_fields.get("a"), Some(&json!("x")));
    Ok(())
}

#[tokio::test]
async fn lists_over_their_caps_are_refused_while_parsing() -> TestResult {
    let values = |n: usize| -> Vec<Value> { (0..n).map(|i| json!(i.to_string())).collect() };
    let fields = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"name": format!("f{i}"), "values": []}))
            .collect()
    };
    let cases = [
        (
            "/REST/2.0/ticket/1",
            json!({"id": 1, "CustomFields": fields(101)}),
            "GET /ticket/:id",
        ),
        (
            "/REST/2.0/ticket/1",
            json!({"id": 1, "CustomFields": [{"name": "tags", "values": values(101)}]}),
            "GET /ticket/:id",
        ),
        (
            "/REST/2.0/transaction/7/attachments",
            json!({"items": (1..=101).map(|i| json!({"id": i})).collect::<Vec<_>>()}),
            "GET /transaction/:id/attachments",
        ),
        (
            "/REST/2.0/ticket/1/history",
            json!({"items": (1..=101).map(|i| json!({"id": i})).collect::<Vec<_>>()}),
            "GET /ticket/:id/history",
        ),
    ];
    for (route, body, request) in cases {
        let server = MockServer::start().await;
        reply(
            &server,
            "GET",
            route,
            ResponseTemplate::new(200).set_body_json(body),
        )
        .await;
        Mock::given(method("GET"))
            .and(path("/REST/2.0/ticket/1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/REST/2.0/ticket/1/history"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"items": [{"id": 7, "Type": "Comment"}]})),
            )
            .mount(&server)
            .await;
        let err = rt_with(&server, |_| {})?
            .get_ticket_kw(kw(json!({"ticket_id": 1})))
            .await
            .err();
        assert_remote(
            &err,
            request,
            200,
            "a list longer than the limit of 100 items",
        );
    }
    Ok(())
}

#[tokio::test]
async fn links_in_replies_are_never_followed() -> TestResult {
    let elsewhere = untouchable().await;
    let link = |route: &str| format!("{}{route}", elsewhere.uri());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "page": 1, "per_page": 5, "total": 1, "pages": 1,
            "items": [{"type": "ticket", "id": "1", "_url": link("/REST/2.0/ticket/1")}],
            "next_page": link("/REST/2.0/tickets?page=2")
        })))
        .expect(1)
        .mount(&server)
        .await;
    reply(
        &server,
        "GET",
        "/REST/2.0/ticket/1",
        ResponseTemplate::new(200).set_body_json(json!({
            "id": 1, "Subject": "s", "_url": link("/REST/2.0/ticket/1"),
            "Queue": {"type": "queue", "id": "1", "_url": link("/REST/2.0/queue/1")},
            "_hyperlinks": [{"ref": "history", "_url": link("/REST/2.0/ticket/1/history")}]
        })),
    )
    .await;
    reply(
        &server,
        "GET",
        "/REST/2.0/queue/1",
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": 1, "Name": "General", "_url": link("/")})),
    )
    .await;
    reply(
        &server,
        "GET",
        "/REST/2.0/ticket/1/history",
        ResponseTemplate::new(200).set_body_json(json!({
            "items": [{"id": "7", "Type": "Create", "_url": link("/REST/2.0/transaction/7")}],
            "next_page": link("/REST/2.0/ticket/1/history?page=2")
        })),
    )
    .await;
    reply(
        &server,
        "GET",
        "/REST/2.0/transaction/7/attachments",
        ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": "9", "ContentType": "text/plain", "Content": "hi", "_url": link("/REST/2.0/attachment/9")}
        ]})),
    )
    .await;
    let found = rt_with(&server, |_| {})?
        .find_tickets_kw(kw(json!({"all": true, "limit": 5})))
        .await?;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].body.as_deref(), Some("hi"));
    Ok(())
}

#[tokio::test]
async fn an_honest_search_still_reads_its_tickets() -> TestResult {
    let server = MockServer::start().await;
    reply(
        &server,
        "GET",
        "/REST/2.0/tickets",
        ResponseTemplate::new(200).set_body_json(search_page(
            [2, 1],
            json!({"count": 2, "page": 1, "pages": 1, "per_page": 100, "total": 2}),
        )),
    )
    .await;
    mount_any_ticket(&server).await;
    let found = rt_with(&server, |_| {})?
        .find_tickets_kw(kw(json!({"queue": "General"})))
        .await?;
    let ids: Vec<_> = found.iter().filter_map(|t| t.id.as_deref()).collect();
    assert_eq!(ids, ["2", "1"], "in the server's order");
    Ok(())
}
