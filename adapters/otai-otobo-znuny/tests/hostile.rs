//! Replies from a hostile server or a broken proxy: each is a typed error naming the request,
//! never a panic, a wrong ticket, an empty success or a secret in a message.

mod support;

use otai_core::request::{GetRequest, SearchRequest, TicketId};
use otai_core::{Error, TicketSearchCriteria, TicketSystemService, TicketSystemServiceExt};
use otai_otobo_znuny::{AuthMode, Operation, OtoboConfig, OtoboService, TransportKind};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};
use support::kw;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WS: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST";
const WS_SOAP: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorSOAP";
const PASSWORD: &str = "Pa55 w0rd&<secret>";
const SESSION: &str = "S3ss10nSecretXyZ0123456789abcdefQ";

fn config(server: &MockServer) -> OtoboConfig {
    OtoboConfig::new(server.uri())
        .agent("agent", PASSWORD)
        .retries(0)
        .timeout(10.0)
}

/// A server with a working SessionCreate.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Session")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"SessionID": SESSION})))
        .mount(&server)
        .await;
    server
}

fn raw(body: impl Into<Vec<u8>>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into(), "application/json")
}

/// A TicketGet that answers with the tickets named in the path, in that order.
struct EchoTickets;

impl Respond for EchoTickets {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let last = request
            .url
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or_default();
        let ids = percent_decode_str(last).decode_utf8_lossy().into_owned();
        let tickets: Vec<Value> = ids
            .split(',')
            .map(|id| json!({"TicketID": id, "Title": format!("ticket {id}")}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "Ticket": tickets }))
    }
}

fn message<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn a_ticket_get_answering_another_ticket_is_an_error() -> TestResult {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/1")))
        .respond_with(raw(
            r#"{"Ticket":[{"TicketID":"999","Title":"not yours"}]}"#,
        ))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let err = otobo
        .get_ticket(GetRequest::new("1".parse::<TicketId>()?))
        .await;
    assert!(matches!(err, Err(Error::Remote { .. })), "{err:?}");
    assert_eq!(
        message(err),
        "GET /Ticket/:TicketID: remote error (HTTP 200): the reply holds ticket `999`, which was not asked for (asked for 1)"
    );
    Ok(())
}

#[tokio::test]
async fn duplicate_keys_are_errors_not_the_last_value() -> TestResult {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket/1")))
        .respond_with(raw(r#"{"Ticket":[{"TicketID":"1","TicketID":"666"}]}"#))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(raw(r#"{"TicketID":["1"],"TicketID":["666"]}"#))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let err = message(otobo.get_ticket_by_id("1").await);
    assert!(err.contains("duplicate field `TicketID`"), "{err}");
    assert!(
        err.starts_with("GET /Ticket/:TicketID: unexpected reply at `Ticket[0]"),
        "{err}"
    );
    let err = message(otobo.find_tickets(SearchRequest::all()).await);
    assert!(err.contains("duplicate field `TicketID`"), "{err}");
    Ok(())
}

#[tokio::test]
async fn a_search_shows_exactly_the_tickets_it_found() -> TestResult {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(raw(r#"{"TicketID":["1","2"]}"#))
        .mount(&server)
        .await;
    // An extra ticket, then an empty batch, then the asked tickets in another order.
    let replies = [
        r#"{"Ticket":[{"TicketID":"1"},{"TicketID":"2"},{"TicketID":"3"}]}"#,
        r#"{}"#,
        r#"{"Ticket":[{"TicketID":"1"},{"TicketID":"1"}]}"#,
        r#"{"Ticket":[{"TicketID":"2"},{"TicketID":"1"}]}"#,
    ];
    for reply in replies {
        Mock::given(method("GET"))
            .and(path(format!("{WS}/Ticket/1,2")))
            .respond_with(raw(reply))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let otobo = OtoboService::new(&config(&server))?;
    let search = || otobo.find_tickets(SearchRequest::all());
    assert_eq!(
        message(search().await),
        "GET /Ticket/:TicketID: remote error (HTTP 200): asked for 2 ticket(s) (1, 2), the reply holds 3"
    );
    assert_eq!(
        message(search().await),
        "GET /Ticket/:TicketID: remote error (HTTP 200): asked for 2 ticket(s) (1, 2), the reply holds 0"
    );
    assert_eq!(
        message(search().await),
        "GET /Ticket/:TicketID: remote error (HTTP 200): the reply holds ticket 1 twice (asked for 1, 2)"
    );
    let found = search().await?;
    let ids: Vec<_> = found
        .iter()
        .map(|t| t.id.clone().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["1", "2"], "in the search's order");
    Ok(())
}

#[tokio::test]
async fn a_search_answer_longer_than_asked_is_an_error() -> TestResult {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("Limit", "2"))
        .respond_with(raw(r#"{"TicketID":["1","2","3"]}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("Limit", "3"))
        .respond_with(raw(r#"{"TicketID":["1","2","2"]}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path_regex("/Ticket/.+"))
        .respond_with(EchoTickets)
        .expect(0)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let limited = |n| SearchRequest::new(TicketSearchCriteria::new().limit(n));
    let err = message(otobo.find_tickets(limited(2)).await);
    assert!(
        err.starts_with("GET /Ticket: unexpected reply at `TicketID`: more than 2 items"),
        "{err}"
    );
    assert_eq!(
        message(otobo.find_tickets(limited(3)).await),
        "GET /Ticket: remote error (HTTP 200): the reply names ticket 2 twice"
    );
    Ok(())
}

#[tokio::test]
async fn searches_without_a_limit_stop_at_max_results() -> TestResult {
    let server = server().await;
    let ids: Vec<String> = (1..=45).map(|i| i.to_string()).collect();
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("Limit", "45"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "TicketID": ids })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/Ticket/.+"))
        .respond_with(EchoTickets)
        .expect(3)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.max_results = 45;
    let otobo = OtoboService::new(&config)?;
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let found = otobo.find_tickets(SearchRequest::all()).await?;
    assert_eq!(found.len(), 45, "three TicketGets of at most 20");
    assert!(
        logs.text().contains("search stopped at max_results"),
        "{}",
        logs.text()
    );
    Ok(())
}

#[tokio::test]
async fn a_search_meeting_its_own_limit_warns_of_nothing() -> TestResult {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .and(query_param("Limit", "2"))
        .respond_with(raw(r#"{"TicketID":["1","2"]}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/Ticket/.+"))
        .respond_with(EchoTickets)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let found = otobo
        .find_tickets(SearchRequest::new(TicketSearchCriteria::new().limit(2)))
        .await?;
    assert_eq!(found.len(), 2);
    assert!(!logs.text().contains("max_results"), "{}", logs.text());
    Ok(())
}

/// Log lines written on this thread while a subscriber from [`Logs::subscriber`] is the default.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + use<> {
        let logs = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || logs.clone())
            .finish()
    }

    fn text(&self) -> String {
        self.0
            .lock()
            .map(|buf| String::from_utf8_lossy(&buf).into_owned())
            .unwrap_or_default()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buf) = self.0.lock() {
            buf.extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn updates_and_notes_must_name_the_ticket_they_changed() -> TestResult {
    let server = server().await;
    for reply in [r#"{"TicketID":"2","TicketNumber":"x"}"#, "{}"] {
        Mock::given(method("PATCH"))
            .and(path(format!("{WS}/Ticket/1")))
            .respond_with(raw(reply))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("PATCH"))
        .and(path(format!("{WS}/Ticket/1")))
        .respond_with(raw(r#"{"TicketID":1,"ArticleID":"5"}"#))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let update = || {
        otobo.update_ticket_kw(kw(
            json!({"ticket_id": "1", "subject": "x", "reread": false}),
        ))
    };
    assert_eq!(
        message(update().await),
        "PATCH /Ticket/:TicketID: remote error (HTTP 200): asked to update ticket 1, the reply names ticket 2"
    );
    assert_eq!(
        message(
            otobo
                .add_note_kw(kw(json!({"ticket_id": "1", "body": "hi", "reread": false})))
                .await
        ),
        "PATCH /Ticket/:TicketID: remote error (HTTP 200): asked to update ticket 1, the reply names no TicketID"
    );
    assert!(update().await.is_ok(), "the number 1 answers the ID \"1\"");
    Ok(())
}

#[tokio::test]
async fn a_created_ticket_id_that_is_no_number_is_refused_before_any_reread() -> TestResult {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(raw(r#"{"TicketID":"../../Session","TicketNumber":"1"}"#))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(EchoTickets)
        .expect(0)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.defaults.queue = Some("Raw".into());
    config.defaults.customer_user = Some("c@example.com".into());
    let otobo = OtoboService::new(&config)?;
    let err = message(
        otobo
            .create_ticket_kw(kw(json!({"subject": "s", "body": "b"})))
            .await,
    );
    assert!(
        err.starts_with("POST /Ticket: unexpected reply at `TicketID`: invalid value"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn unparseable_success_replies_are_errors_never_empty_results() -> TestResult {
    let deep = format!(r#"{{"TicketID":{}1{}}}"#, "[".repeat(500), "]".repeat(500));
    let bodies: [(&str, &str); 5] = [
        (
            "<html><body>Single sign-on: please log in</body></html>",
            "reply is not a JSON object: <html>",
        ),
        ("", "remote error (HTTP 200): empty reply"),
        (&deep, "unexpected reply at `TicketID[0]`"),
        (r#"{"Ticket":[]}"#, "unexpected key `Ticket`"),
        (r#"["1","2"]"#, "reply is not a JSON object"),
    ];
    for (body, expected) in bodies {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path(format!("{WS}/Ticket")))
            .respond_with(raw(body))
            .mount(&server)
            .await;
        let otobo = OtoboService::new(&config(&server))?;
        let err = message(otobo.find_tickets(SearchRequest::all()).await);
        assert!(
            err.starts_with("GET /Ticket: ") && err.contains(expected),
            "{err}"
        );
        let raw_call = otobo.call(Operation::TicketSearch, Map::new()).await;
        assert!(
            raw_call.is_err() || body.starts_with("{\"Ticket"),
            "{raw_call:?}"
        );
    }
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(raw(deep))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let err = message(otobo.call(Operation::TicketSearch, Map::new()).await);
    assert!(err.contains("recursion limit exceeded"), "{err}");
    Ok(())
}

#[tokio::test]
async fn a_soap_reply_nested_20_000_deep_is_an_error_not_a_stack_overflow() -> TestResult {
    let depth = 20_000;
    let envelope = format!(
        "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><TicketSearchResponse>{}{}</TicketSearchResponse></soap:Body></soap:Envelope>",
        "<TicketID>".repeat(depth),
        "</TicketID>".repeat(depth)
    );
    for status in [200, 500] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(WS_SOAP))
            .respond_with(ResponseTemplate::new(status).set_body_raw(envelope.clone(), "text/xml"))
            .expect(1)
            .mount(&server)
            .await;
        let config = config(&server)
            .transport(TransportKind::Soap)
            .auth_mode(AuthMode::PerRequest);
        let otobo = OtoboService::new(&config)?;
        let err = message(otobo.find_tickets(SearchRequest::all()).await);
        let expected = match status {
            200 => {
                "SOAP TicketSearch: reply is not a SOAP envelope (elements nested deeper than 64 levels"
            }
            _ => "SOAP TicketSearch: remote error (HTTP 500): <?xml",
        };
        assert!(err.starts_with(expected), "{status}: {err}");
    }
    Ok(())
}

#[tokio::test]
async fn secrets_echoed_by_a_proxy_or_the_server_never_reach_an_error() -> TestResult {
    let encoded: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
    let page = format!(
        "<html>502 Bad Gateway for GET {WS}/Ticket?SessionID={SESSION}&UserLogin=agent&Password={encoded} \
         (password {PASSWORD}, escaped {})</html>",
        PASSWORD
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    );
    // Session mode: the session ID in a 502 page and in a business error.
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(ResponseTemplate::new(502).set_body_string(page.clone()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(raw(format!(
            r#"{{"Error":{{"ErrorCode":"TicketSearch.Fail","ErrorMessage":"session {SESSION} broke"}}}}"#
        )))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    for _ in 0..2 {
        let err = message(otobo.find_tickets(SearchRequest::all()).await);
        assert!(
            !err.contains(SESSION) && !err.contains(&SESSION[..8]),
            "{err}"
        );
        assert!(err.contains("***"), "{err}");
    }
    // Per-request mode: the password, as sent and escaped, in a 500 page.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/Ticket")))
        .respond_with(ResponseTemplate::new(500).set_body_string(page))
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server).auth_mode(AuthMode::PerRequest))?;
    let err = message(otobo.find_tickets(SearchRequest::all()).await);
    for form in [PASSWORD, encoded.as_str(), "Pa55", "w0rd"] {
        assert!(!err.contains(form), "{form} in {err}");
    }
    Ok(())
}

#[tokio::test]
async fn ticket_ids_never_leave_the_route() -> TestResult {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path_regex("/Ticket/[^/]+$"))
        .respond_with(EchoTickets)
        .mount(&server)
        .await;
    let otobo = OtoboService::new(&config(&server))?;
    let ids = ["a.b", "..a", "a..", ".-", ":", "1:2", "._.", "-..", "9.9.9"];
    for id in ids {
        let ticket = otobo
            .get_ticket(GetRequest::new(id.parse::<TicketId>()?))
            .await?;
        assert_eq!(ticket.and_then(|t| t.id).as_deref(), Some(id));
    }
    for bad in ["..", ".", "a/b", "1,2", "%2e%2e", "a?b", "a#b", ""] {
        assert!(bad.parse::<TicketId>().is_err(), "{bad:?} is no ticket ID");
    }
    let requests = server.received_requests().await.unwrap_or_default();
    let gets: Vec<_> = requests
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .collect();
    assert_eq!(gets.len(), ids.len());
    for request in gets {
        let segments: Vec<&str> = request.url.path_segments().into_iter().flatten().collect();
        assert_eq!(segments.len(), 6, "{}", request.url);
        assert_eq!(segments[4], "Ticket", "{}", request.url);
        assert!(request.url.fragment().is_none());
    }
    Ok(())
}
