//! What the issue found against a real OTOBO, fixed: bad params are load errors (all at once),
//! a param that renders to the wrong type names where, and `--dry-run` holds back every write.

use async_trait::async_trait;
use otai_core::registry::BuildContext;
use otai_core::request::{CreateRequest, SearchRequest, UpdateRequest};
use otai_core::{TicketSystemServiceExt, UnifiedEntity, UnifiedTicket};
use otai_otobo_znuny::OtoboService;
use otai_otobo_znuny::fake::FakeOtobo;
use otai_pipeline::{
    Engine, LoadOptions, Pipe, PipeContext, PipeSpec, Registry, Secrets, TemplateValue, load_str,
    ticket_value,
};
use serde::Deserialize;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn registry() -> Registry {
    let mut registry = Registry::new();
    otai_local::register(registry.services_mut());
    otai_otobo_znuny::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    registry
}

/// The issue's configuration, with one more mistake of each kind (a misspelt key whose value
/// is a template among them: keys are never templates).
const BAD: &str = "services:
  - id: otobo
    use: otobo-znuny
    params: {base_url: 'https://helpdesk.example.com', username: agent, password: '${{ secrets.OTOBO_PASSWORD }}'}
pipes:
  - id: fetch
    use: fetch_tickets
    params: {queu: Junk, limit: many}
  - id: each
    use: foreach
    params: {items: '{{ pipes.fetch.tickets }}', concurrency: 'eight', fail_fast: 'yes'}
    pipes:
      - id: classify
        use: classify
        params:
          subject: '{{ item.subject }}'
          rules: [{label: spam, patterns: ['(lottery']}]
          treshold: 2
      - id: route
        use: map
        params: {value: '{{ pipes.classify.label }}', mapping: {spam: Junk}, defualt: Misc}
      - id: move
        use: update_ticket
        params: {ticket_id: '{{ item.id }}', queue: '{{ pipes.route }}', reread: maybe}
  - id: first
    use: find_first_ticket
    params: {stat: '{{ context.state }}', queue: Raw}
  - id: idle
    use: foreach
    params: {items: [], concurrency: 0, colect: false}
    pipes:
      - id: say
        use: log
        params: {message: hi, levle: info}
";

#[test]
fn otai_validate_reports_every_problem_the_issue_found_at_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let secrets = dir.path().join("secrets.yml");
    std::fs::write(&secrets, "OTOBO_PASSWORD: agent-password\n")?;
    let mut options = LoadOptions::new(Secrets::from_file(&secrets)?);
    options.validate_only = true;
    let errors = load_str(
        "otai.yml",
        BAD,
        &BuildContext::default(),
        &registry(),
        &options,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert_eq!(
        errors,
        "12 problems in the configuration:
  - config error at otai.yml:8: pipes.fetch.params.queu: unknown key for find_tickets; did you mean `queue` or `Queues` or `QueueIDs`? (pass anything else verbatim under `native:`)
  - config error at otai.yml:8: pipes.fetch.params.limit: invalid type: string \"many\", expected a whole number (0 or more)
  - config error at otai.yml:11: pipes.each.params.concurrency: invalid type: string \"eight\", expected a whole number (0 or more)
  - config error at otai.yml:11: pipes.each.params.fail_fast: invalid type: string \"yes\", expected a boolean
  - config error at otai.yml:18: pipes.each.pipes.classify.params.treshold: unknown param; `classify` accepts: text, subject, body, rules, model, llm, api_key, also, top_k, multi_label, min_confidence, default
  - config error at otai.yml:17: pipes.each.pipes.classify.params.rules[0].patterns[0]: invalid regex `(lottery`: unclosed group
  - config error at otai.yml:21: pipes.each.pipes.route.params.defualt: unknown param; did you mean `default`? (`map` accepts: value, mapping, default)
  - config error at otai.yml:24: pipes.each.pipes.move.params.reread: expected true or false, got a string
  - config error at otai.yml:27: pipes.first.params.stat: unknown key for find_tickets; did you mean `state` or `SLAs` or `States`? (pass anything else verbatim under `native:`)
  - config error at otai.yml:30: pipes.idle.params.colect: unknown param; did you mean `collect`? (`foreach` accepts: items, concurrency, fail_fast, collect)
  - config error at otai.yml:30: pipes.idle.params.concurrency: must be from 1 to 1024, got 0
  - config error at otai.yml:34: pipes.idle.pipes.say.params.levle: unknown param; did you mean `level`? (`log` accepts: message, level)
"
    );
    Ok(())
}

const LOCAL: &str = "services:\n  - id: store\n    use: local\n    params: {path: ':memory:'}\n";

async fn seeded(pipes: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    let engine = load_str(
        "otai.yml",
        &format!("{LOCAL}{pipes}"),
        &BuildContext::default(),
        &registry(),
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let store = engine.services().get("store").cloned().ok_or("no store")?;
    for subject in ["one", "two", "three"] {
        let ticket = UnifiedTicket::new()
            .subject(subject)
            .queue(UnifiedEntity::by_name("Raw"));
        store.create_ticket(CreateRequest::new(ticket)).await?;
    }
    Ok(engine)
}

fn failures(report: &otai_pipeline::RunReport) -> Vec<(String, String)> {
    report
        .failures()
        .map(|f| (f.id.clone(), f.error.clone().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn a_param_rendering_to_the_wrong_type_names_pipeline_pipe_field_and_ticket() -> TestResult {
    let engine = seeded(
        "pipelines:
  triage:
    pipes:
      - id: fetch
        use: fetch_tickets
        params: {queue: Raw}
      - id: each
        use: foreach
        on_error: continue
        params: {items: '{{ pipes.fetch.tickets }}'}
        pipes:
          - id: move
            use: update_ticket
            params: {ticket_id: '{{ item.id }}', queue: Done, reread: '{{ item.subject }}'}
      - id: route
        use: map
        params: {value: x, mapping: '{{ pipes.fetch.count }}'}
",
    )
    .await?;
    let report = engine.run("triage", &json!({}), false).await?;
    let all = failures(&report);
    assert_eq!(
        all[0],
        (
            "each[0].move".to_owned(),
            "config error at pipelines.triage.pipes.move.params.reread (item 0, ticket 1): expected true or false, got a string".to_owned()
        )
    );
    assert_eq!(all.len(), 5, "3 items, the foreach and the map: {all:?}");
    assert_eq!(
        all[4],
        (
            "route".to_owned(),
            "config error at pipelines.triage.pipes.route.params.mapping: invalid type: integer `3`, expected a map".to_owned()
        )
    );
    assert_eq!((report.changed, report.writes), (0, 0), "nothing was sent");
    Ok(())
}

/// A plugin pipe as people write them: it calls the service directly and ignores dry runs.
struct CreateAndMove;

/// Its params.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateAndMoveParams {
    /// The new ticket's subject.
    subject: String,
}

#[async_trait]
impl Pipe for CreateAndMove {
    type Params = CreateAndMoveParams;

    async fn run(
        &self,
        ctx: &PipeContext,
        p: &CreateAndMoveParams,
    ) -> otai_core::Result<TemplateValue> {
        let service = ctx.service()?;
        let ticket = UnifiedTicket::new()
            .subject(&p.subject)
            .body("from the plugin")
            .queue(UnifiedEntity::by_name("Raw"))
            .customer(UnifiedEntity::by_name("sdkcustomer"));
        let created = service.create_ticket(CreateRequest::new(ticket)).await?;
        let id = created.id.unwrap_or_default().parse()?;
        let changes = UnifiedTicket::new().queue(UnifiedEntity::by_name("Misc"));
        let moved = service
            .update_ticket(UpdateRequest::new(id, changes).reread(false))
            .await?;
        Ok(TemplateValue::from_pairs([("ticket", ticket_value(moved))]))
    }
}

#[tokio::test]
async fn under_dry_run_a_plugin_that_writes_directly_sends_nothing_to_otobo() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let config = format!(
        "services:
  - id: otobo
    use: otobo-znuny
    params: {{base_url: '{}', username: sdkagent, password: SdkAgent-Test-Pw1, retries: 0}}
pipes:
  - id: fetch
    use: fetch_tickets
    params: {{queue: Raw}}
  - id: plugin
    use: my_plugin:CreateAndMove
    params: {{subject: 'Printer on fire'}}
  - id: after
    use: expression
    params: {{value: '{{{{ pipes.plugin.ticket.id }}}} in {{{{ pipes.plugin.ticket.queue.name }}}}'}}
",
        fake.url()
    );
    let mut registry = registry();
    registry.register_pipe(
        &["my_plugin:CreateAndMove"],
        PipeSpec::new("create a ticket and move it", CreateAndMove).with_service(),
    );
    let engine = load_str(
        "otai.yml",
        &config,
        &BuildContext::default(),
        &registry,
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;

    let report = engine.run("default", &json!({}), true).await?;
    assert!(report.succeeded, "{:?}", failures(&report));
    assert_eq!(
        report.result("after"),
        Some(json!("dry-run-1 in Misc")),
        "the next pipe ran on the placeholder"
    );
    assert_eq!(
        fake.requests_seen(),
        2,
        "SessionCreate and the search: no write reached the helpdesk"
    );
    assert_eq!((report.seen, report.changed, report.writes), (0, 0, 0));

    let report = engine.run("default", &json!({}), false).await?;
    assert!(report.succeeded, "{:?}", failures(&report));
    assert_eq!(report.result("after"), Some(json!("1 in Misc")));
    assert_eq!((report.changed, report.writes), (1, 2));
    let otobo = OtoboService::new(&fake.config())?;
    let misc = otobo
        .find_tickets_kw(
            json!({"queue": "Misc"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .await?;
    assert_eq!(misc.len(), 1, "written for real this time");
    Ok(())
}

#[tokio::test]
async fn the_run_figures_are_counted_where_the_calls_pass() -> TestResult {
    let pipes = "pipes:
  - id: fetch
    use: fetch_tickets
    params: {queue: Raw}
  - id: first
    use: get_ticket
    params: {ticket_id: 1}
  - id: each
    use: foreach
    params: {items: '{{ pipes.fetch.tickets }}', concurrency: 2}
    pipes:
      - id: move
        use: update_ticket
        params: {ticket_id: '{{ item.id }}', queue: Done, reread: false}
  - id: note
    use: add_note
    params: {ticket_id: 1, body: 'moved by otai', reread: false}
  - id: new
    use: create_ticket
    params: {subject: 'New one', queue: Raw}
  - id: missing
    use: get_ticket
    params: {ticket_id: 99}
";
    let engine = seeded(pipes).await?;
    let report = engine.run("default", &json!({}), true).await?;
    assert!(report.succeeded, "{:?}", failures(&report));
    assert_eq!(
        (report.seen, report.changed, report.writes, report.failed),
        (3, 0, 0, 0),
        "dry run: reads are counted (tickets 1-3, ticket 1 once), nothing is written"
    );
    let would: Vec<(&str, usize)> = report
        .tickets
        .iter()
        .map(|t| (t.id.as_str(), t.changes.len()))
        .collect();
    assert_eq!(
        would,
        [("1", 2), ("2", 1), ("3", 1), ("dry-run-1", 1)],
        "each held-back write, ticket by ticket"
    );
    let report = engine.run("default", &json!({}), false).await?;
    assert!(report.succeeded, "{:?}", failures(&report));
    assert_eq!(
        (report.seen, report.changed, report.writes, report.failed),
        (3, 4, 5, 0),
        "tickets 1-3 fetched (1 read again); tickets 1-3 moved and 4 created; 3 updates, 1 note, 1 create"
    );
    let first = report.tickets.first().ok_or("no tickets")?;
    assert_eq!(
        (first.id.as_str(), first.changes.as_slice()),
        (
            "1",
            &[
                "updated: queue=Done".to_owned(),
                "added a note: body=moved by otai".to_owned()
            ][..]
        )
    );
    let store = engine.services().get("store").cloned().ok_or("no store")?;
    let raw = store
        .find_tickets(SearchRequest::new(
            otai_core::TicketSearchCriteria::new().queue(UnifiedEntity::by_name("Raw")),
        ))
        .await?;
    assert_eq!(raw.len(), 1, "only the new ticket is left in Raw");
    Ok(())
}
