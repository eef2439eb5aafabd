//! The adapter against a real RT 5 server: the conformance kit and round trips.
//!
//! Ignored by default (`cargo test` reports them as ignored); `.ci/run` starts RT 5 and runs them
//! with `--ignored`, configured by `OTAI_RT_URL` and `OTAI_RT_TOKEN` (or `OTAI_RT_TOKEN_FILE`).
//! Run without a server, they fail: they never pass without having run.

use otai_core::testkit::{ConformanceProfile, run_conformance};
use otai_core::{Error, TicketSystemService, TicketSystemServiceExt, UnifiedEntity};
use otai_rt::{RtConfig, RtMapping, RtService};
use serde_json::{Map, Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The live server's settings; an error (so the test fails, never passes) when there is none.
pub(super) fn live() -> Result<(String, String), String> {
    let url = std::env::var("OTAI_RT_URL").ok().filter(|u| !u.is_empty());
    let token = std::env::var("OTAI_RT_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .or_else(|| {
            let file = std::env::var("OTAI_RT_TOKEN_FILE").ok()?;
            std::fs::read_to_string(file)
                .ok()
                .map(|t| t.trim().to_owned())
        });
    match (url, token) {
        (Some(url), Some(token)) => Ok((url, token)),
        _ => Err(
            "no RT server: set OTAI_RT_URL and OTAI_RT_TOKEN (or OTAI_RT_TOKEN_FILE), as .ci/run does"
                .into(),
        ),
    }
}

fn mapping() -> RtMapping {
    let mut mapping = RtMapping::default();
    mapping.priority.insert("low".into(), 10);
    mapping.priority.insert("high".into(), 80);
    mapping
}

pub(super) async fn service(
    url: &str,
    token: &str,
) -> Result<RtService, Box<dyn std::error::Error>> {
    ensure_queue(url, token, "Hardware").await?;
    Ok(RtService::new(
        &RtConfig::with_token(url, token).mapping(mapping()),
    )?)
}

/// Creates a queue unless it exists (REST 2 answers 400 "Queue already exists").
pub(super) async fn ensure_queue(url: &str, token: &str, name: &str) -> TestResult {
    let http = reqwest::Client::builder().build()?;
    let base = url.trim_end_matches('/');
    let rest = if base.ends_with("/REST/2.0") {
        base.to_owned()
    } else {
        format!("{base}/REST/2.0")
    };
    let reply = http
        .post(format!("{rest}/queue"))
        .header("Authorization", format!("token {token}"))
        .json(&json!({"Name": name}))
        .send()
        .await?;
    let status = reply.status().as_u16();
    let text = reply.text().await?;
    assert!(
        status == 201 || text.contains("already exists"),
        "creating queue {name}: {status} {text}"
    );
    Ok(())
}

/// What the test RT has: its queues, lifecycle states and the mapped priorities, and a
/// customer. Left out: ticket types (RT has none), custom fields (RT's must be created first)
/// and the owner (each caller adds it where it can be searched).
pub(crate) fn rt_profile() -> ConformanceProfile {
    ConformanceProfile::new(
        UnifiedEntity::by_name("General"),
        UnifiedEntity::by_name("Hardware"),
    )
    .states(
        UnifiedEntity::by_name("open"),
        UnifiedEntity::by_name("resolved"),
    )
    .priorities(
        UnifiedEntity::by_name("low"),
        UnifiedEntity::by_name("high"),
    )
    .customer(UnifiedEntity::by_name("alice@example.com"))
}

fn kw(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs a Request Tracker 5 server: .ci/run starts one and runs these with --ignored"]
async fn real_rt_passes_the_conformance_kit() -> TestResult {
    let (url, token) = live()?;
    let rt = service(&url, &token).await?;
    let profile = rt_profile().owner(UnifiedEntity::by_name("root"));
    run_conformance(&rt, &profile).await.assert_all_passed();
    Ok(())
}

#[tokio::test]
#[ignore = "needs a Request Tracker 5 server: .ci/run starts one and runs these with --ignored"]
async fn failed_field_changes_are_typed_errors_although_rt_answers_200() -> TestResult {
    let (url, token) = live()?;
    let rt = service(&url, &token).await?;
    let t = rt
        .create_ticket_kw(kw(
            json!({"subject": "otai live bad update", "queue": "General", "body": "x"}),
        ))
        .await?;
    let id = t.id.ok_or("the created ticket has no id")?;
    let err = rt
        .update_ticket_kw(kw(json!({"ticket_id": id, "state": "bogus"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, message }) if field == "state" && message.contains("isn't a valid status")),
        "{err:?}"
    );
    let err = rt
        .update_ticket_kw(kw(json!({"ticket_id": id, "owner": "no-such-user-otai"})))
        .await
        .err();
    assert!(matches!(&err, Some(Error::InvalidInput { .. })), "{err:?}");
    Ok(())
}

#[tokio::test]
#[ignore = "needs a Request Tracker 5 server: .ci/run starts one and runs these with --ignored"]
async fn hostile_search_values_cannot_change_the_query() -> TestResult {
    let (url, token) = live()?;
    let rt = service(&url, &token).await?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let tag = format!("otaiq{nanos}");
    let subject = format!("{tag} it's a \\ backslash");
    rt.create_ticket_kw(kw(
        json!({"subject": subject, "queue": "General", "body": "x"}),
    ))
    .await?;
    let exact = rt
        .find_tickets_kw(kw(json!({"subject_contains": format!("{tag} it's a \\")})))
        .await?;
    assert_eq!(exact.len(), 1, "the quoted value matched literally");
    let injected = rt
        .find_tickets_kw(kw(json!({"subject_contains": "x' OR id > '0"})))
        .await?;
    assert!(
        injected.is_empty(),
        "an injection attempt matched {} tickets",
        injected.len()
    );
    Ok(())
}

#[tokio::test]
#[ignore = "needs a Request Tracker 5 server: .ci/run starts one and runs these with --ignored"]
async fn native_ticketsql_and_bad_queries() -> TestResult {
    let (url, token) = live()?;
    let rt = service(&url, &token).await?;
    let t = rt
        .create_ticket(
            otai_core::UnifiedTicket::new()
                .subject("otai live native")
                .queue(UnifiedEntity::by_name("General"))
                .into(),
        )
        .await?;
    let id = t.id.ok_or("the created ticket has no id")?;
    let found = rt
        .find_tickets_kw(kw(json!({"query": format!("id = {id}")})))
        .await?;
    assert_eq!(found.len(), 1);
    let err = rt
        .find_tickets_kw(kw(json!({"query": "Subject LIKE"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "query"),
        "{err:?}"
    );
    assert!(rt.healthcheck().await.is_ok());
    let bad = RtService::new(&RtConfig::with_token(&url, "1-1-wrong"))?;
    assert!(matches!(
        bad.healthcheck().await,
        Err(Error::Authentication { .. })
    ));
    Ok(())
}

#[tokio::test]
#[ignore = "needs a Request Tracker 5 server: .ci/run starts one and runs these with --ignored"]
async fn the_quickstart_triage_pipeline_runs_against_real_rt() -> TestResult {
    use otai_pipeline::{LoadOptions, load_str};
    let (url, token) = live()?;
    let rt = service(&url, &token).await?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let tag = format!("otaitriage{nanos}");
    for (subject, body) in [
        ("Printer on fire", "Room 42 is burning"),
        ("VPN down", "my password is rejected"),
        ("Coffee", "strange noises"),
    ] {
        rt.create_ticket_kw(kw(json!({"subject": format!("{tag} {subject}"), "body": body, "queue": "General", "customer": "alice@example.com"}))).await?;
    }
    let text = format!(
        "services:
  - id: rt
    use: rt
    params:
      base_url: '{url}'
      token: '{token}'
      mapping: {{priority: {{low: 10, high: 80}}}}
pipelines:
  triage:
    pipes:
      - id: fetch
        use: fetch_tickets
        params: {{queue: General, subject_contains: '{tag}'}}
      - id: each
        use: foreach
        params: {{items: '{{{{ pipes.fetch.tickets }}}}', concurrency: 2}}
        pipes:
          - id: classify
            use: classify
            params:
              subject: '{{{{ item.subject }}}}'
              body: \"{{{{ item.body or '' }}}}\"
              rules:
                - {{label: hardware, keywords: [printer, fire], queue: Hardware, priority: high}}
                - {{label: access, keywords: [vpn, password], queue: Hardware, priority: high}}
              default: {{label: other, queue: Hardware, priority: low}}
          - id: move
            use: update_ticket
            params: {{ticket_id: '{{{{ item.id }}}}', queue: '{{{{ pipes.classify.queue }}}}', priority: '{{{{ pipes.classify.priority }}}}', reread: false}}
          - id: note
            use: add_note
            params: {{ticket_id: '{{{{ item.id }}}}', body: 'triaged: {{{{ pipes.classify.label }}}}', reread: false}}
      - id: left
        use: fetch_tickets
        params: {{queue: General, subject_contains: '{tag}'}}
"
    );
    let mut registry = otai_pipeline::Registry::new();
    otai_rt::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    let engine = load_str(
        "rt.yml",
        &text,
        &Default::default(),
        &registry,
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let report = engine.run("triage", &json!({}), false).await?;
    assert!(report.succeeded, "{report:?}");
    assert_eq!((report.seen, report.changed, report.failed), (3, 3, 0));
    assert_eq!(
        report.result("left").unwrap_or_default()["count"],
        json!(0),
        "nothing left in General"
    );
    let moved = rt
        .find_tickets_kw(kw(json!({"queue": "Hardware", "subject_contains": tag})))
        .await?;
    assert_eq!(moved.len(), 3);
    let printer = moved
        .iter()
        .find(|t| t.subject.as_deref().is_some_and(|s| s.contains("Printer")))
        .ok_or("printer ticket")?;
    assert_eq!(
        printer.priority.as_ref().and_then(|p| p.name.as_deref()),
        Some("high")
    );
    let note = printer.notes.last().ok_or("no note")?;
    assert_eq!(
        (note.body.as_deref(), note.internal),
        (Some("triaged: hardware"), true)
    );
    Ok(())
}
