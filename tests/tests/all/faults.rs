//! Faults while a pipeline runs against a helpdesk: down at start, dying mid-run. The runner never
//! crashes, says what failed and why, and the next run finishes the work without duplicates.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use otai_core::registry::BuildContext;
use otai_core::{TicketSystemServiceExt, UnifiedTicket};
use otai_otobo_znuny::OtoboService;
use otai_otobo_znuny::fake::{FakeOptions, FakeOtobo, Latency};
use otai_pipeline::Registry;
use otai_pipeline::{Engine, LoadOptions, RunReport, load_str};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The triage: move every ticket out of Raw and note it, in one request per ticket.
fn triage(url: &str, trigger: &str) -> String {
    format!(
        "services:
  - id: otobo
    use: otobo-znuny
    params: {{base_url: '{url}', username: sdkagent, password: SdkAgent-Test-Pw1, retries: 0, timeout: 5}}
pipelines:
  triage:
    trigger: {trigger}
    pipes:
      - id: fetch
        use: fetch_tickets
        params: {{queue: Raw}}
      - id: each
        use: foreach
        params: {{items: '{{{{ pipes.fetch.tickets }}}}', concurrency: 2, collect: false}}
        pipes:
          - id: move
            use: update_ticket
            params:
              ticket_id: '{{{{ item.id }}}}'
              queue: Misc
              note: {{subject: triage, body: 'triaged'}}
              reread: false
"
    )
}

pub(crate) fn engine(text: &str) -> Result<Engine, String> {
    let mut registry = Registry::new();
    otai_otobo_znuny::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    load_str(
        "otai.yml",
        text,
        &BuildContext::default(),
        &registry,
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())
}

fn kw(value: Value) -> otai_core::Kwargs {
    value.as_object().cloned().unwrap_or_default()
}

/// `n` tickets in Raw; their ids.
pub(crate) async fn seed(
    fake: &FakeOtobo,
    n: usize,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let otobo = OtoboService::new(&fake.config())?;
    let mut ids = Vec::new();
    for i in 0..n {
        let ticket = otobo
            .create_ticket_kw(kw(
                json!({"subject": format!("ticket {i}"), "body": "help", "queue": "Raw"}),
            ))
            .await?;
        ids.push(ticket.id.unwrap_or_default());
    }
    Ok(ids)
}

/// Every ticket left Raw and carries exactly one triage note: nothing lost, nothing twice.
async fn assert_done_once(fake: &FakeOtobo, ids: &[String]) -> TestResult {
    let otobo = OtoboService::new(&fake.config())?;
    assert!(
        otobo
            .find_tickets_kw(kw(json!({"queue": "Raw"})))
            .await?
            .is_empty()
    );
    for id in ids {
        let ticket: UnifiedTicket = otobo
            .get_ticket_kw(kw(json!({"ticket_id": id})))
            .await?
            .ok_or("ticket gone")?;
        let notes = ticket
            .notes
            .iter()
            .filter(|n| n.body.as_deref() == Some("triaged"))
            .count();
        assert_eq!(notes, 1, "ticket {id} has {notes} triage notes");
    }
    Ok(())
}

/// Why pipe `id` failed (empty when it did not).
pub(crate) fn pipe_error(report: &RunReport, id: &str) -> String {
    report
        .pipes
        .iter()
        .find(|p| p.id == id)
        .and_then(|p| p.error.clone())
        .unwrap_or_default()
}

fn first_error(report: &RunReport) -> String {
    report
        .failures()
        .find_map(|f| f.error.clone())
        .unwrap_or_default()
}

/// Polls `done` every 20 ms for up to 20 s.
async fn wait_for(done: impl Fn() -> bool) -> bool {
    let started = Instant::now();
    while !done() {
        if started.elapsed() > Duration::from_secs(20) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

#[tokio::test]
async fn a_helpdesk_down_at_start_fails_the_run_clearly_and_the_next_trigger_catches_up()
-> TestResult {
    let mut fake = FakeOtobo::start().await?;
    let ids = seed(&fake, 3).await?;
    fake.stop().await;
    let engine = engine(&triage(&fake.url(), "{every: 1s}"))?;
    let reports = Mutex::new(Vec::<RunReport>::new());
    let on_report = |r: &RunReport| {
        if let Ok(mut all) = reports.lock() {
            all.push(r.clone());
        }
    };
    let seen = |f: &dyn Fn(&[RunReport]) -> bool| reports.lock().map(|r| f(&r)).unwrap_or(false);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let driver = async {
        let failed_first = wait_for(|| seen(&|r| !r.is_empty())).await;
        fake.restart().await?;
        let caught_up = wait_for(|| seen(&|r| r.iter().any(|r| r.succeeded))).await;
        let _ = stop_tx.send(());
        Ok::<_, std::io::Error>((failed_first, caught_up))
    };
    let shutdown = async {
        let _ = stop_rx.await;
    };
    let context = json!({});
    let (runner, driven) = tokio::join!(
        engine.run_forever(&["triage"], &context, false, shutdown, &on_report),
        driver
    );
    runner?;
    assert_eq!(driven?, (true, true), "a failed run, then a successful one");
    let reports = reports.into_inner().unwrap_or_default();
    let first = &reports[0];
    assert!(!first.succeeded);
    let server = fake.url().replace("http://", "");
    assert_eq!(
        first_error(first),
        format!(
            "pipe `fetch` failed: POST /Session: cannot connect to {server}: error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)"
        )
    );
    assert_done_once(&fake, &ids).await
}

#[tokio::test]
async fn a_helpdesk_dying_mid_run_fails_the_items_in_flight_and_the_next_run_finishes_once()
-> TestResult {
    let mut latency = Latency::default();
    latency.update = Duration::from_millis(40);
    let mut fake = FakeOtobo::start_with(FakeOptions::default().latency(latency)).await?;
    let ids = seed(&fake, 30).await?;
    let engine = engine(&triage(&fake.url(), "{}"))?;
    let context = json!({});
    let watcher = OtoboService::new(&fake.config())?;
    let (report, moved_before_stop) = tokio::join!(engine.run("triage", &context, false), async {
        // Some of the updates get through, then the server goes away.
        let mut moved = 0;
        for _ in 0..1000 {
            let misc = watcher.find_tickets_kw(kw(json!({"queue": "Misc"}))).await;
            moved = misc.map(|t| t.len()).unwrap_or_default();
            if moved >= 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        fake.stop().await;
        moved
    });
    assert!(
        moved_before_stop >= 5,
        "{moved_before_stop} moved before the stop"
    );
    let report = report?;
    assert!(!report.succeeded);
    let each = pipe_error(&report, "each");
    assert!(
        each.starts_with("pipe `each` failed: ") && each.contains(" of 30 items failed (items "),
        "{each}"
    );
    let item = report
        .failures()
        .find(|f| f.id.starts_with("each["))
        .and_then(|f| f.error.clone())
        .unwrap_or_default();
    assert!(
        item.contains("PATCH") && item.contains("/Ticket/") && item.contains("cannot connect"),
        "the item's error names the request and the cause: {item}"
    );
    let failed = report.failed;
    assert!(failed > 1 && failed < 31, "{failed} failures");

    fake.restart().await?;
    let again = engine.run("triage", &json!({}), false).await?;
    assert!(again.succeeded, "{}", first_error(&again));
    assert_eq!(
        again.seen,
        failed - 1,
        "only the tickets left in Raw are seen again"
    );
    assert_done_once(&fake, &ids).await
}
