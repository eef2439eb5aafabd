//! Memory per hostile reply, measured with a per-thread allocation counter: the client runs on
//! this thread (a current-thread runtime), wiremock on its own, so the peak counts what the
//! adapter allocates to read and decode the reply, the HTTP client included.
//!
//! The bound asserted is the one `docs/reliability.md` states: a typed reply costs at most
//! [`FACTOR`] × its size + [`BASE`]; a raw reply ([`OtoboService::call`]) at most
//! [`RAW_FACTOR`] × its size + [`BASE`].

use otai_core::request::SearchRequest;
use otai_core::{TicketSearchCriteria, TicketSystemService, TicketSystemServiceExt};
use otai_otobo_znuny::{AuthMode, Operation, OtoboConfig, OtoboService, TransportKind};
use serde_json::Map;
use tokio::runtime::Runtime;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const MIB: usize = 1 << 20;
/// Peak bytes per reply byte for typed replies.
const FACTOR: usize = 4;
/// Peak bytes per reply byte for raw replies decoded as JSON values.
const RAW_FACTOR: usize = 18;
/// Bytes on top: the runtime, the HTTP client, the connection's buffers.
const BASE: usize = 8 * MIB;
/// The size of each hostile reply.
const SIZE: usize = 24 * MIB;

const WS: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST";
const WS_SOAP: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorSOAP";

/// `head`, then `item` repeated to about `size` bytes (separated by `sep`), then `tail`.
fn repeated(head: &str, item: &str, sep: &str, tail: &str, size: usize) -> String {
    let count = size / (item.len() + sep.len());
    let mut out = String::with_capacity(size + head.len() + tail.len());
    out.push_str(head);
    for i in 0..count {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
    out.push_str(tail);
    out
}

fn soap(operation: &str, inner: &str, size: usize) -> String {
    repeated(
        &format!(
            "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><{operation}Response>"
        ),
        inner,
        "",
        &format!("</{operation}Response></soap:Body></soap:Envelope>"),
        size,
    )
}

/// A hostile server for one REST or SOAP operation, and a client configured for it.
struct Setup {
    runtime: Runtime,
    _server: MockServer,
    otobo: OtoboService,
}

fn setup(
    body: String,
    soap_transport: bool,
    edit: impl FnOnce(&mut OtoboConfig),
) -> Result<Setup, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let server = runtime.block_on(MockServer::start());
    let mount = async {
        let reply = ResponseTemplate::new(200).set_body_raw(body, "application/json");
        let route = if soap_transport {
            Mock::given(method("POST")).and(path(WS_SOAP))
        } else {
            Mock::given(method("GET")).and(path_regex(format!("^{WS}/Ticket")))
        };
        route.respond_with(reply).mount(&server).await;
    };
    runtime.block_on(mount);
    let mut config = OtoboConfig::new(server.uri())
        .agent("agent", "pw")
        .auth_mode(AuthMode::PerRequest)
        .retries(0)
        .timeout(120.0);
    if soap_transport {
        config = config.transport(TransportKind::Soap);
    }
    edit(&mut config);
    let otobo = OtoboService::new(&config)?;
    Ok(Setup {
        runtime,
        _server: server,
        otobo,
    })
}

/// Runs `call` on this thread and returns its peak allocated bytes and its error text.
fn peak<T: std::fmt::Debug>(
    setup: &Setup,
    call: impl std::future::Future<Output = otai_core::Result<T>>,
) -> (usize, String) {
    let mut outcome = None;
    let info = allocation_counter::measure(|| outcome = Some(setup.runtime.block_on(call)));
    let text = match outcome {
        Some(Err(e)) => e.to_string(),
        other => format!("no error: {other:?}"),
    };
    (usize::try_from(info.bytes_max).unwrap_or(usize::MAX), text)
}

fn check(shape: &str, reply: usize, factor: usize, peak: usize, error: &str, expected: &str) {
    let bound = factor * reply + BASE;
    println!(
        "{shape}: {reply} bytes, peak {peak} bytes ({:.2}x): {error}",
        peak as f64 / reply as f64
    );
    assert!(
        peak <= bound,
        "{shape}: peak {peak} > {bound} for {reply} bytes"
    );
    assert!(error.contains(expected), "{shape}: {error}");
}

#[test]
fn a_ticket_get_of_empty_objects_stops_at_the_ticket_cap() -> TestResult {
    let body = repeated(r#"{"Ticket":["#, "{}", ",", "]}", SIZE);
    let len = body.len();
    let s = setup(body, false, |_| {})?;
    let (peak, error) = peak(&s, s.otobo.get_ticket_by_id("1"));
    check(
        "TicketGet of {}",
        len,
        FACTOR,
        peak,
        &error,
        "more than 20 items",
    );
    Ok(())
}

#[test]
fn articles_dynamic_fields_and_their_values_are_bounded() -> TestResult {
    let shapes = [
        (
            r#"{"Ticket":[{"TicketID":"1","Article":["#,
            "{}",
            "]}]}",
            "more than 1000 items",
        ),
        (
            r#"{"Ticket":[{"TicketID":"1","DynamicField":["#,
            r#"{"Name":"a"}"#,
            "]}]}",
            "more than 500 items",
        ),
        (
            r#"{"Ticket":[{"TicketID":"1","DynamicField":[{"Name":"a","Value":["#,
            "[]",
            "]}]}]}",
            "decoding budget exceeded",
        ),
    ];
    for (head, item, tail, expected) in shapes {
        let body = repeated(head, item, ",", tail, SIZE);
        let len = body.len();
        let s = setup(body, false, |_| {})?;
        let (peak, error) = peak(&s, s.otobo.get_ticket_by_id("1"));
        check(head, len, FACTOR, peak, &error, expected);
    }
    Ok(())
}

#[test]
fn unknown_keys_are_skipped_without_being_built() -> TestResult {
    let body = repeated(
        r#"{"Ticket":[{"TicketID":"1","X":["#,
        r#"{"a":[0]}"#,
        ",",
        "]}]}",
        SIZE,
    );
    let len = body.len();
    let s = setup(body, false, |_| {})?;
    let mut outcome = None;
    let info = allocation_counter::measure(|| {
        outcome = Some(s.runtime.block_on(s.otobo.get_ticket_by_id("1")));
    });
    let peak = usize::try_from(info.bytes_max).unwrap_or(usize::MAX);
    let found = outcome.and_then(Result::ok).flatten().and_then(|t| t.id);
    check("unknown key", len, FACTOR, peak, "", "");
    assert_eq!(found.as_deref(), Some("1"));
    Ok(())
}

#[test]
fn search_ids_are_bounded_by_the_limit_and_the_budget() -> TestResult {
    let body = repeated(r#"{"TicketID":["#, r#""1""#, ",", "]}", SIZE);
    let len = body.len();
    let s = setup(body, false, |_| {})?;
    let (peak_default, error) = peak(&s, s.otobo.find_tickets(SearchRequest::all()));
    check(
        "TicketSearch IDs, default max_results",
        len,
        FACTOR,
        peak_default,
        &error,
        "more than 10000 items",
    );
    let huge = SearchRequest::new(TicketSearchCriteria::new().limit(100_000_000));
    let (peak, error) = peak(&s, s.otobo.find_tickets(huge));
    check(
        "TicketSearch IDs, limit 10^8",
        len,
        FACTOR,
        peak,
        &error,
        "decoding budget exceeded",
    );
    Ok(())
}

#[test]
fn soap_replies_are_bounded_too() -> TestResult {
    let shapes = [
        (
            "TicketGet",
            "<Ticket><A/></Ticket>",
            "more than 20 items",
            None,
        ),
        (
            "TicketSearch",
            "<TicketID>1</TicketID>",
            "the reply names ticket 1 twice",
            Some(100_000_000),
        ),
        (
            "TicketSearch",
            "<TicketID>1</TicketID>",
            "more than 10000 items",
            None,
        ),
    ];
    for (operation, item, expected, limit) in shapes {
        let body = soap(operation, item, SIZE);
        let len = body.len();
        let s = setup(body, true, |_| {})?;
        let (peak, error) = if operation == "TicketGet" {
            peak(&s, s.otobo.get_ticket_by_id("1"))
        } else {
            let criteria = limit.map_or_else(TicketSearchCriteria::new, |n| {
                TicketSearchCriteria::new().limit(n)
            });
            peak(&s, s.otobo.find_tickets(SearchRequest::new(criteria)))
        };
        check(
            &format!("SOAP {operation} {item}"),
            len,
            FACTOR,
            peak,
            &error,
            expected,
        );
    }
    Ok(())
}

#[test]
fn raw_replies_are_bounded_by_the_raw_budget() -> TestResult {
    let size = 8 * MIB;
    let body = repeated(r#"{"TicketID":["#, r#"{"a":0}"#, ",", "]}", size);
    let len = body.len();
    let s = setup(body, false, |_| {})?;
    let (peak, error) = peak(&s, s.otobo.call(Operation::TicketSearch, Map::new()));
    check(
        "raw call of maps",
        len,
        RAW_FACTOR,
        peak,
        &error,
        "decoding budget exceeded",
    );
    Ok(())
}
