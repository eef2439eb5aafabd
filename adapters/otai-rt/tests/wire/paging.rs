//! Search and history paging against servers that lie: every walk ends, within a known number
//! of requests, with a typed error naming the request when the server contradicts itself.

use otai_core::{Error, TicketSystemServiceExt};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::kw;
use super::support::{
    Warnings, bounded, endless_search, mount_any_ticket, rt_with, search_page, shown,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// One way a server can lie about a search: its first and second pages, the `limit` asked for,
/// what the error must say and how many searches may be sent.
struct Lie {
    name: &'static str,
    limit: usize,
    first: Value,
    second: Value,
    says: &'static str,
    requests: u64,
}

fn lies() -> Vec<Lie> {
    let full = |ids: std::ops::RangeInclusive<u64>, meta: Value| search_page(ids, meta);
    vec![
        Lie {
            name: "ignores page and says so",
            limit: 150,
            first: full(1..=100, json!({"page": 1, "per_page": 100})),
            second: full(1..=100, json!({"page": 1, "per_page": 100})),
            says: "page 2: asked for page 2, the reply is page 1",
            requests: 2,
        },
        Lie {
            name: "ignores page silently",
            limit: 150,
            first: full(1..=100, json!({})),
            second: full(1..=100, json!({})),
            says: "page 2: ticket 1 listed twice",
            requests: 2,
        },
        Lie {
            name: "repeats ids on the next page",
            limit: 150,
            first: full(1..=100, json!({})),
            second: full(51..=150, json!({})),
            says: "page 2: ticket 51 listed twice",
            requests: 2,
        },
        Lie {
            name: "lists a ticket twice on one page",
            limit: 5,
            first: search_page([1, 2, 2], json!({})),
            second: json!({}),
            says: "page 1: ticket 2 listed twice",
            requests: 1,
        },
        Lie {
            name: "full pages without ids",
            limit: 150,
            first: json!({"items": vec![json!({"type": "ticket"}); 100]}),
            second: json!({}),
            says: "missing field `id`",
            requests: 1,
        },
        Lie {
            name: "ids that are no ids",
            limit: 150,
            first: json!({"items": [{"id": "../../admin"}]}),
            second: json!({}),
            says: "expected a positive id",
            requests: 1,
        },
        Lie {
            name: "more items than asked for",
            limit: 3,
            first: full(1..=100, json!({})),
            second: json!({}),
            says: "page 1: 100 items on a page of 3 asked for",
            requests: 1,
        },
        Lie {
            name: "another page size",
            limit: 3,
            first: full(1..=3, json!({"per_page": 20})),
            second: json!({}),
            says: "page 1: asked for 3 per page, the reply says 20",
            requests: 1,
        },
        Lie {
            name: "a total smaller than the items",
            limit: 150,
            first: full(1..=100, json!({"total": 7})),
            second: json!({}),
            says: "page 1: 100 tickets listed, more than the total of 7 the reply gives",
            requests: 1,
        },
        Lie {
            name: "pages that do not fit the total",
            limit: 150,
            first: full(1..=100, json!({"total": 500, "pages": 1})),
            second: json!({}),
            says: "page 1: 1 pages for a total of 500 at 100 per page",
            requests: 1,
        },
        Lie {
            name: "says it has one page (the walk ends there)",
            limit: 300,
            first: full(1..=100, json!({"pages": 1})),
            second: json!({}),
            says: "",
            requests: 1,
        },
    ]
}

#[tokio::test]
async fn every_lie_of_a_search_ends_it_with_an_error_naming_the_request() -> TestResult {
    for lie in lies() {
        let server = MockServer::start().await;
        for (page, body, times) in [("1", &lie.first, 1), ("2", &lie.second, lie.requests - 1)] {
            Mock::given(method("GET"))
                .and(path("/REST/2.0/tickets"))
                .and(query_param("page", page))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .named(format!("{}: page {page}", lie.name))
                .expect(times)
                .mount(&server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path("/REST/2.0/tickets"))
            .respond_with(ResponseTemplate::new(500))
            .named(format!("{}: pages after 2", lie.name))
            .expect(0)
            .mount(&server)
            .await;
        // Tickets a search accepted are read: none exist.
        Mock::given(method("GET"))
            .and(path_regex(r"^/REST/2\.0/ticket/\d+$"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        let rt = rt_with(&server, |_| {})?;
        let err = bounded(rt.find_tickets_kw(kw(json!({"all": true, "limit": lie.limit}))))
            .await?
            .err();
        let text = shown(&err);
        if lie.says.is_empty() {
            assert!(err.is_none(), "{}: {text}", lie.name);
        } else {
            assert!(
                matches!(&err, Some(Error::Remote { request, status: Some(200), .. }) if request == "GET /tickets"),
                "{}: {err:?}",
                lie.name
            );
            assert!(text.contains(lie.says), "{}: {text}", lie.name);
        }
        server.verify().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_small_limit_sends_one_search_however_many_tickets_the_server_makes_up() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .and(query_param("per_page", "3"))
        .respond_with(endless_search)
        .expect(1)
        .mount(&server)
        .await;
    mount_any_ticket(&server).await;
    let warnings = Warnings::start();
    let rt = rt_with(&server, |_| {})?;
    let found = bounded(rt.find_tickets_kw(kw(json!({"all": true, "limit": 3})))).await??;
    let ids: Vec<_> = found.iter().filter_map(|t| t.id.as_deref()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(
        warnings.count(),
        0,
        "an explicit limit is met without a warning"
    );
    Ok(())
}

#[tokio::test]
async fn without_a_limit_a_search_stops_at_max_results_and_warns() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/tickets"))
        .respond_with(endless_search)
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/REST/2\.0/ticket/\d+$"))
        .respond_with(ResponseTemplate::new(404))
        .expect(250)
        .mount(&server)
        .await;
    let warnings = Warnings::start();
    let rt = rt_with(&server, |c| c.max_results = 250)?;
    assert!(
        bounded(rt.find_tickets_kw(kw(json!({"all": true}))))
            .await??
            .is_empty()
    );
    assert_eq!(warnings.count(), 1, "stopping at max_results warns");
    Ok(())
}

#[test]
fn max_results_defaults_to_the_core_constant_and_is_checked() -> TestResult {
    let config: otai_rt::RtConfig =
        serde_json::from_value(json!({"base_url": "https://rt.example.com", "token": "t"}))?;
    assert_eq!(config.max_results, otai_core::request::DEFAULT_MAX_RESULTS);
    let mut registry = otai_core::ServiceRegistry::new();
    otai_rt::register(&mut registry);
    for bad in [0, 100_001] {
        let err = registry
            .validate_service(
                "rt",
                &json!({"base_url": "https://rt.example.com", "token": "t", "max_results": bad}),
            )
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("config error at params.max_results: must be 1 to 100000")
        );
    }
    Ok(())
}

#[tokio::test]
async fn text_filtering_reads_at_most_max_results_candidates() -> TestResult {
    for (text, found_ids, warnings_expected) in [("TICKET 3", vec!["3"], 0), ("nowhere", vec![], 1)]
    {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/REST/2.0/tickets"))
            .and(query_param("per_page", "10"))
            .respond_with(endless_search)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/REST/2\.0/ticket/\d+$"))
            .and(path_regex(r"/(1[1-9]|[2-9]\d|\d{3,})$"))
            .respond_with(ResponseTemplate::new(500))
            .named("tickets past max_results")
            .expect(0)
            .mount(&server)
            .await;
        mount_any_ticket(&server).await;
        let warnings = Warnings::start();
        let rt = rt_with(&server, |c| c.max_results = 10)?;
        let search = rt.find_tickets_kw(kw(json!({"text_contains": text, "limit": 1})));
        let found = bounded(search).await??;
        let ids: Vec<_> = found.iter().filter_map(|t| t.id.as_deref()).collect();
        assert_eq!(ids, found_ids, "{text}");
        assert_eq!(warnings.count(), warnings_expected, "{text}");
    }
    Ok(())
}

#[tokio::test]
async fn an_endless_history_is_cut_at_its_cap_with_a_warning() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "Subject": "s"})))
        .expect(1)
        .mount(&server)
        .await;
    // Full pages of new, non-message transactions, for ever.
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1/history"))
        .respond_with(|request: &wiremock::Request| {
            let page = super::support::number(request, "page").unwrap_or(1);
            let items: Vec<Value> = (0..100)
                .map(|i| json!({"id": (page * 100 + i).to_string(), "Type": "Set"}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"page": page, "items": items}))
        })
        .expect(50)
        .mount(&server)
        .await;
    let warnings = Warnings::start();
    let rt = rt_with(&server, |_| {})?;
    let ticket = bounded(rt.get_ticket_kw(kw(json!({"ticket_id": 1})))).await??;
    assert!(ticket.is_some_and(|t| t.notes.is_empty()));
    assert_eq!(warnings.count(), 1);
    Ok(())
}

#[tokio::test]
async fn a_ticket_keeps_its_oldest_500_messages() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/ticket/1/history"))
        .respond_with(|request: &wiremock::Request| {
            let page = super::support::number(request, "page").unwrap_or(1);
            let items: Vec<Value> = (0..100)
                .map(|i| json!({"id": page * 100 + i, "Type": "Comment"}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"items": items}))
        })
        .expect(6)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/REST/2\.0/transaction/\d+/attachments$"))
        .and(query_param("per_page", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": 1, "ContentType": "text/plain", "Content": "note"}
        ]})))
        .expect(500)
        .mount(&server)
        .await;
    let rt = rt_with(&server, |c| c.concurrency = 16)?;
    let ticket = bounded(rt.get_ticket_kw(kw(json!({"ticket_id": 1}))))
        .await??
        .ok_or("missing")?;
    assert_eq!(ticket.notes.len(), 500);
    assert_eq!(ticket.notes[0].id.as_deref(), Some("100"), "oldest first");
    Ok(())
}
