//! What nobody reads costs nothing: an `update_ticket` whose result no template, caller or
//! report reads does not read the ticket back, and a `foreach` nobody reads collects nothing,
//! unless their params ask. Counted at the helpdesk (the fake's calls).

use otai_otobo_znuny::fake::FakeOtobo;
use otai_pipeline::RunOptions;
use serde_json::json;

use crate::faults::{engine, pipe_error, seed};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The triage with `extra` params on `move`, and `after` appended to the loop's pipes.
fn triage(url: &str, extra: &str, after: &str) -> String {
    format!(
        "services:
  - id: otobo
    use: otobo-znuny
    params: {{base_url: '{url}', username: sdkagent, password: SdkAgent-Test-Pw1}}
pipes:
  - id: fetch
    use: fetch_tickets
    params: {{queue: Raw}}
  - id: each
    use: foreach
    params: {{items: '{{{{ pipes.fetch.tickets }}}}', concurrency: 2}}
    pipes:
      - id: move
        use: update_ticket
        params: {{ticket_id: '{{{{ item.id }}}}', queue: Misc{extra}}}
{after}"
    )
}

/// A fake with three tickets in Raw.
async fn seeded() -> Result<FakeOtobo, Box<dyn std::error::Error>> {
    let fake = FakeOtobo::start().await?;
    seed(&fake, 3).await?;
    fake.reset_calls();
    Ok(fake)
}

/// The IDs TicketGet was asked for in one run of `text` with `options`, and the run's report.
async fn ticket_gets(
    text: impl Fn(&str) -> String,
    options: RunOptions,
) -> Result<(usize, otai_pipeline::RunReport), Box<dyn std::error::Error>> {
    let fake = seeded().await?;
    let engine = engine(&text(&fake.url()))?;
    let report = engine
        .run_with("default", &json!({}), options, None)
        .await?;
    assert!(report.succeeded, "{:?}", report.pipes);
    assert_eq!(fake.tickets_in_queue("Raw"), 0, "every ticket moved");
    let gets = fake
        .calls()
        .get("TicketGet IDs")
        .copied()
        .unwrap_or_default();
    Ok((gets, report))
}

#[tokio::test]
async fn a_change_nobody_reads_is_not_read_back() -> TestResult {
    let unread = RunOptions::default().results(false);
    let (gets, report) = ticket_gets(|url| triage(url, "", ""), unread).await?;
    assert_eq!(gets, 3, "only the fetch reads the three tickets");
    assert_eq!(
        report.result("each"),
        None,
        "the caller asked for no results"
    );
    Ok(())
}

#[tokio::test]
async fn a_change_a_later_template_reads_is_read_back() -> TestResult {
    let after = "      - id: show
        use: expression
        params: {value: '{{ pipes.move.ticket.queue.name }}'}
";
    let unread = RunOptions::default().results(false);
    let (gets, _) = ticket_gets(|url| triage(url, "", after), unread).await?;
    assert_eq!(gets, 6, "the fetch, then each ticket read back once");
    let dynamic = after.replace(
        "{{ pipes.move.ticket.queue.name }}",
        "{% for k, v in pipes|items %}{% if k == \"move\" %}{{ v.ticket.queue.name }}{% endif %}{% endfor %}",
    );
    let (gets, _) = ticket_gets(|url| triage(url, "", &dynamic), unread).await?;
    assert_eq!(
        gets, 6,
        "a read that names no pipe counts as reading every result"
    );
    Ok(())
}

#[tokio::test]
async fn the_caller_a_report_or_reread_true_still_get_the_ticket_read_back() -> TestResult {
    // The SDK's default: the caller reads the top-level results, the loop's items included.
    let (gets, report) = ticket_gets(|url| triage(url, "", ""), RunOptions::default()).await?;
    assert_eq!(gets, 6);
    let items = report.result("each").unwrap_or_default()["items"].clone();
    assert_eq!(
        items[0]["move"]["ticket"]["queue"]["name"],
        json!("Misc"),
        "{items}"
    );

    let detailed = RunOptions::default().results(false).detail(true);
    let (gets, report) = ticket_gets(|url| triage(url, "", ""), detailed).await?;
    assert_eq!(gets, 6, "a report that keeps item results reads them");
    assert!(
        report
            .tickets
            .iter()
            .all(|t| t.results.contains_key("move"))
    );

    let unread = RunOptions::default().results(false);
    let (gets, _) = ticket_gets(|url| triage(url, ", reread: true", ""), unread).await?;
    assert_eq!(gets, 6, "`reread: true` is kept");
    Ok(())
}

#[tokio::test]
async fn collect_false_stops_the_caller_reading_the_loops_items() -> TestResult {
    let collect_off = |url: &str| {
        triage(url, "", "").replace("concurrency: 2}", "concurrency: 2, collect: false}")
    };
    let (gets, report) = ticket_gets(collect_off, RunOptions::default()).await?;
    assert_eq!(gets, 3, "nothing can read the items, so no read-back");
    assert_eq!(report.result("each"), Some(json!({"count": 3})));
    Ok(())
}

/// A `fetch_tickets` that only the loop after it reads hands the loop its tickets as they
/// arrive (20 per TicketGet): the same calls as reading them all first.
#[tokio::test]
async fn a_fetch_only_the_loop_reads_streams_its_tickets_with_the_same_calls() -> TestResult {
    let unread = RunOptions::default().results(false);
    let (gets, report) = ticket_gets(|url| triage(url, "", ""), unread).await?;
    assert_eq!(gets, 3);
    let ids: Vec<&str> = report.pipes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["fetch", "each"],
        "items' pipes that succeeded are counted, not listed"
    );
    assert_eq!((report.seen, report.changed), (3, 3));
    Ok(())
}

/// When the helpdesk goes away between two pages, the loop finishes the items it has, fails
/// saying where its items stopped and why, and the run fails.
#[tokio::test]
async fn a_stream_that_breaks_fails_the_loop_naming_where_and_why() -> TestResult {
    let mut latency = otai_otobo_znuny::fake::Latency::default();
    latency.get = std::time::Duration::from_millis(150);
    let options = otai_otobo_znuny::fake::FakeOptions::default().latency(latency);
    let mut fake = FakeOtobo::start_with(options).await?;
    seed(&fake, 60).await?;
    let text = triage(&fake.url(), "", "").replace(
        "password: SdkAgent-Test-Pw1}",
        "password: SdkAgent-Test-Pw1, concurrency: 1, retries: 0}",
    );
    let engine = engine(&text)?;
    let unread = RunOptions::default().results(false);
    let context = json!({});
    let (report, ()) = tokio::join!(engine.run_with("default", &context, unread, None), async {
        // The first page is being worked on: the server goes away before the second.
        while fake.tickets_in_queue("Misc") == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        fake.stop().await;
    });
    let report = report?;
    assert!(!report.succeeded);
    let each = pipe_error(&report, "each");
    assert!(
        each.starts_with("pipe `each` failed: reading its items stopped after "),
        "{each}"
    );
    assert!(
        each.contains("TicketGet") || each.contains("/Ticket"),
        "{each}"
    );
    assert!(
        report.changed >= 1 && report.changed < 60,
        "{}",
        report.changed
    );
    Ok(())
}

#[tokio::test]
async fn kwargs_rendered_into_the_request_report_every_problem_and_change_nothing() -> TestResult {
    let fake = seeded().await?;
    // Both values are known only after rendering, and both are wrong.
    let extra = ", reread: '{{ \"yes\" }}', subject: '{{ [1, 2] }}'";
    let engine = engine(&triage(&fake.url(), extra, ""))?;
    let report = engine
        .run_with("default", &json!({}), RunOptions::default(), None)
        .await?;
    assert!(!report.succeeded);
    let error = pipe_error(&report, "each[0].move");
    for expected in ["reread", "expected true or false", "subject"] {
        assert!(error.contains(expected), "{expected} in: {error}");
    }
    assert_eq!(fake.tickets_in_queue("Raw"), 3, "no ticket was changed");
    assert_eq!(fake.calls().get("TicketUpdate"), None);
    Ok(())
}
