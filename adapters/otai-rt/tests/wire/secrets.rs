//! Server text that echoes the credentials (a proxy page, an RT message) never carries them into
//! an error: they are replaced by `***` wherever server text is shown.

use otai_core::output::Redactor;
use otai_core::{Error, TicketSystemService, TicketSystemServiceExt};
use otai_rt::{RtConfig, RtService};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::kw;
use super::support::{TOKEN, rt_with, shown};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Asserts the error shows `***` where the server echoed `secret`, and never `secret`.
fn assert_redacted(err: &Option<Error>, secret: &str, case: &str) {
    let text = format!("{} {err:?}", shown(err));
    assert!(err.is_some(), "{case}: no error");
    assert!(!text.contains(secret), "{case}: {text}");
    assert!(text.contains("***"), "{case}: {text}");
}

#[tokio::test]
async fn echoed_tokens_are_redacted_in_every_error() -> TestResult {
    let proxy_page = format!(
        "<html><body><h1>502 Bad Gateway</h1><p>upstream refused Authorization: token {TOKEN}</p></body></html>"
    );
    let cases = [
        ("a proxy page", 500, proxy_page.clone(), "text/html"),
        ("an HTML 200", 200, proxy_page, "text/html"),
        (
            "an RT message",
            401,
            json!({"message": format!("token {TOKEN} is not valid")}).to_string(),
            "application/json",
        ),
        (
            "a permission message",
            403,
            json!({"message": format!("{TOKEN} may not see this")}).to_string(),
            "application/json",
        ),
        (
            "a value quoted in a parse error",
            200,
            json!({"id": TOKEN}).to_string(),
            "application/json",
        ),
        (
            "past the first 4 KiB after blanks",
            500,
            format!("{}{TOKEN} and more", " ".repeat(4_094)),
            "text/plain",
        ),
    ];
    for (case, status, body, mime) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/REST/2.0/ticket/1"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, mime))
            .expect(1)
            .mount(&server)
            .await;
        let err = rt_with(&server, |_| {})?
            .get_ticket_kw(kw(json!({"ticket_id": 1})))
            .await
            .err();
        assert_redacted(&err, TOKEN, case);
    }
    Ok(())
}

#[tokio::test]
async fn echoed_tokens_are_redacted_from_search_and_update_messages() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"message": format!("Wrong query, expecting a OR in 'token {TOKEN}'")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/REST/2.0/ticket/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([format!("Ticket 1: Owner {TOKEN} does not exist")])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let rt = rt_with(&server, |_| {})?;
    let err = rt
        .find_tickets_kw(kw(json!({"all": true, "limit": 1})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "query"),
        "{err:?}"
    );
    assert_redacted(&err, TOKEN, "search");
    let err = rt
        .update_ticket_kw(kw(json!({"ticket_id": 1, "owner": "x", "reread": false})))
        .await
        .err();
    assert_redacted(&err, TOKEN, "update");
    Ok(())
}

#[tokio::test]
async fn an_echoed_password_is_redacted_too() -> TestResult {
    let password = "correct-horse-battery";
    // What an `Authorization: Basic` header of root and the password carries.
    let basic = "cm9vdDpjb3JyZWN0LWhvcnNlLWJhdHRlcnk=";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/rt"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"message": format!("bad password {password} (credentials {basic})")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = RtConfig::with_basic(server.uri(), "root", password);
    config.retries = 0;
    let err = RtService::new(&config)?.healthcheck().await.err();
    assert_redacted(&err, password, "basic auth");
    assert_redacted(&err, basic, "basic auth header");
    Ok(())
}

#[test]
fn the_program_redactor_hides_the_configured_secrets() -> TestResult {
    let shared = Redactor::new();
    let config = RtConfig::with_token("http://127.0.0.1:9", TOKEN);
    let _rt = RtService::new(&config)?.with_redactor(shared.clone());
    assert_eq!(shared.redact(&format!("token {TOKEN}")), "token ***");
    let config = RtConfig::with_basic("http://127.0.0.1:9", "root", "correct-horse-battery");
    let _rt = RtService::new(&config)?.with_redactor(shared.clone());
    assert_eq!(
        shared.redact("correct-horse-battery cm9vdDpjb3JyZWN0LWhvcnNlLWJhdHRlcnk="),
        "*** ***"
    );
    Ok(())
}
