//! Whole pipelines through the engine, on the embedded store and the OTOBO fake.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use otai_core::registry::BuildContext;
use otai_core::{Kwargs, TicketSystemServiceExt};
use otai_pipeline::Registry;
use otai_pipeline::{
    Engine, LoadOptions, Pipe, PipeContext, PipeSpec, PipeStatus, Secrets, TemplateValue,
    load_file, load_str, template_value,
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

fn load(text: &str, registry: &Registry) -> Result<Engine, String> {
    load_str(
        "otai.yml",
        text,
        &BuildContext::default(),
        registry,
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())
}

#[tokio::test]
async fn the_quickstart_pipeline_triages_every_ticket() -> TestResult {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/otai.yml");
    let engine =
        load_file(&path, &registry(), &LoadOptions::default()).map_err(|e| e.to_string())?;
    let report = engine.run("triage", &json!({}), false).await?;
    assert!(report.succeeded, "{report:?}");
    assert_eq!((report.seen, report.changed, report.failed), (4, 4, 0));
    assert_eq!(
        report.result("check").unwrap_or_default()["count"],
        json!(0),
        "nothing left in Raw"
    );
    let store = engine.services().get("store").cloned().ok_or("no store")?;
    let hardware = store
        .find_tickets_kw(
            json!({"queue": "Hardware"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .await?;
    assert_eq!(hardware.len(), 1);
    let note = hardware[0]
        .notes
        .last()
        .and_then(|n| n.body.clone())
        .unwrap_or_default();
    assert_eq!(note, "triaged: hardware (printer, fire)");
    assert!(hardware[0].notes.last().is_some_and(|n| n.internal));
    Ok(())
}

/// The Open Ticket AI users' plugin pipe: creates a ticket from `ticket_payload`.
struct CreateTicketPipe;

/// Its params.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTicketParams {
    /// The ticket's fields, as `create_ticket` takes them.
    ticket_payload: Kwargs,
}

#[async_trait]
impl Pipe for CreateTicketPipe {
    type Params = CreateTicketParams;

    async fn run(
        &self,
        ctx: &PipeContext,
        p: &CreateTicketParams,
    ) -> otai_core::Result<TemplateValue> {
        let mut kwargs = p.ticket_payload.clone();
        kwargs.entry("queue").or_insert_with(|| json!("Raw"));
        kwargs
            .entry("customer")
            .or_insert_with(|| json!("otai@example.com"));
        let ticket = ctx.service()?.create_ticket_kw(kwargs).await?;
        Ok(template_value(&json!({"ticket": ticket})))
    }
}

const OPEN_TICKET_AI_FILE: &str = "services:
  - id: 'otobo'
    use: 'otobo-znuny:OTOBOZnunyTicketSystemService'
    params:
      webservice_name: 'GenericTicketConnector'
      base_url: 'https://helpdesk.example.com'
      username: 'agent'
      password: '${{ secrets.OTOBO_PASSWORD }}'
pipes:
  - id: 'fetch-open'
    use: 'otai_base:pipes.ticket_system_pipes.FetchTicketsPipe'
    params:
      ticket_search_criteria:
        queue:
          id: '5'
        limit: 20
  - id: 'create'
    use: 'my_plugin:CreateTicketPipe'
    params:
      ticket_payload:
        subject: '{{ context.subject }}'
        body: '{{ context.body }}'
";

#[tokio::test]
async fn the_open_ticket_ai_file_loads_and_runs_against_the_fake() -> TestResult {
    let mut options = otai_otobo_znuny::fake::FakeOptions::default();
    options.agents = vec![("agent".into(), "hunter2-secret".into())];
    let fake = otai_otobo_znuny::fake::FakeOtobo::start_with(options).await?;
    let dir = tempfile::tempdir()?;
    let secrets = dir.path().join("secrets.yml");
    std::fs::write(&secrets, "OTOBO_PASSWORD: hunter2-secret\n")?;
    let mut registry = registry();
    registry.register_pipe(
        &["my_plugin:CreateTicketPipe"],
        PipeSpec::new("create from ticket_payload", CreateTicketPipe).with_service(),
    );
    // Only the server address differs from the file users write.
    let text = OPEN_TICKET_AI_FILE.replace("https://helpdesk.example.com", &fake.url());
    let options = LoadOptions::new(Secrets::from_file(&secrets)?);
    let engine = load_str(
        "otai.yml",
        &text,
        &BuildContext::default(),
        &registry,
        &options,
    )
    .map_err(|e| e.to_string())?;
    let context = json!({"subject": "Printer on fire", "body": "Room 42"});
    let report = engine.run("default", &context, false).await?;
    assert!(report.succeeded, "{report:?}");
    assert_eq!(
        report.result("fetch-open").unwrap_or_default()["count"],
        json!(0)
    );
    let created = &report.result("create").unwrap_or_default()["ticket"];
    assert_eq!(created["subject"], json!("Printer on fire"));
    assert_eq!(created["queue"]["name"], json!("Raw"));
    let rendered = engine.render("create", &context)?;
    assert_eq!(
        rendered,
        json!({"ticket_payload": {"subject": "Printer on fire", "body": "Room 42"}})
    );
    Ok(())
}

#[test]
fn every_problem_is_reported_with_file_line_and_path() {
    let text = "services:
  - id: store
    use: lokal
  - id: fake
    use: otobo-znuny
    params: {base_url: 'https://h', username: a}
pipes:
  - id: fetch
    use: fetch_tikets
  - id: note
    use: add_note
    service: nowhere
    params: {body: '{{ pipes.nope.x }}'}
  - id: expr
    use: expression
    params: {valeu: 1}
  - id: bad
    use: log
    params: {message: '{{ context. }}'}
  - id: loop
    use: foreach
";
    let errors = load(text, &registry()).err().unwrap_or_default();
    let expected = "9 problems in the configuration:
  - config error at otai.yml:3: services.store.use: unknown service `lokal`; did you mean `local`? (known: local, otai:LocalTicketSystemService, otobo-znuny, otobo-znuny:OTOBOZnunyTicketSystemService)
  - config error at otai.yml:6: services.fake.params.password: missing (tip: `password: '${{ secrets.OTOBO_PASSWORD }}'`)
  - config error at otai.yml:9: pipes.fetch.use: unknown pipe `fetch_tikets`; did you mean `fetch_tickets`? (known: add_note, classify, create_ticket, expression, fetch_tickets, find_first_ticket, foreach, get_ticket, log, map, update_ticket)
  - config error at otai.yml:13: pipes.note.params: refers to pipe `nope`, which does not exist
  - config error at otai.yml:12: pipes.note.service: unknown service `nowhere` (known: fake, store)
  - config error at otai.yml:16: pipes.expr.params.valeu: unknown param; did you mean `value`? (`expression` accepts: value)
  - config error at otai.yml:19: pipes.bad.params.message: bad template: syntax error: unexpected end of input, expected identifier or integer
  - config error at otai.yml:20: pipes.loop.pipes: foreach needs nested `pipes:`
  - config error at otai.yml:20: pipes.loop.params.items: missing: the list to iterate, e.g. `items: '{{ pipes.fetch.tickets }}'`
";
    assert_eq!(errors, expected);
}

#[test]
fn yaml_and_shape_errors_name_the_line() {
    let err = load("services: [\n", &registry()).err().unwrap_or_default();
    assert!(
        err.starts_with(
            "1 problem in the configuration:\n  - config error at otai.yml:2: invalid YAML:"
        ),
        "{err}"
    );
    let err = load(
        "pipes:\n  - id: a\n    use: log\n    parms: {}\n",
        &registry(),
    )
    .err()
    .unwrap_or_default();
    assert!(
        err == "1 problem in the configuration:\n  - config error at otai.yml:4: pipes.a.parms: unknown key `parms`; did you mean `params`? (known: id, use, service, params, if, on_error, enabled, pipes)\n",
        "{err}"
    );
    let err = load("", &registry()).err().unwrap_or_default();
    assert!(
        err.contains("config error at otai.yml:1: the file is empty"),
        "{err}"
    );
}

#[test]
fn a_missing_secret_is_named_and_values_never_show() {
    let text = "services:\n  - id: s\n    use: otobo-znuny\n    params: {base_url: 'https://h', username: a, password: '${{ secrets.OTAI_TEST_UNSET_SECRET }}'}\npipes:\n  - id: f\n    use: fetch_tickets\n    params: {queue: Raw}\n";
    let err = load(text, &registry()).err().unwrap_or_default();
    assert_eq!(
        err,
        "1 problem in the configuration:\n  - config error at otai.yml:4: services.s.params.password: secret `OTAI_TEST_UNSET_SECRET` is missing: set the environment variable OTAI_TEST_UNSET_SECRET or give a secrets file (--secrets, OTAI_SECRETS_FILE)\n"
    );
}

const LOCAL: &str = "services:\n  - id: store\n    use: local\n    params: {path: ':memory:'}\n";

async fn seeded(extra: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    let engine = load(&format!("{LOCAL}{extra}"), &registry())?;
    let store = engine.services().get("store").cloned().ok_or("no store")?;
    for subject in ["one", "two", "three"] {
        store
            .create_ticket_kw(
                json!({"subject": subject, "queue": "Raw"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )
            .await?;
    }
    Ok(engine)
}

#[tokio::test]
async fn one_failing_item_does_not_stop_the_others_but_fails_the_foreach() -> TestResult {
    let pipes = "pipes:
  - id: each
    use: foreach
    params: {items: [1, 999, 3], concurrency: 3}
    pipes:
      - id: move
        use: update_ticket
        params: {ticket_id: '{{ item }}', queue: Done, reread: false}
";
    let engine = seeded(pipes).await?;
    let report = engine.run("default", &json!({}), false).await?;
    assert!(!report.succeeded);
    assert_eq!(
        (report.changed, report.failed),
        (2, 2),
        "two moved; the item and the foreach failed"
    );
    let failed: Vec<&str> = report.failures().map(|f| f.id.as_str()).collect();
    assert_eq!(failed, ["each[1].move", "each"]);
    let each = report
        .failures()
        .last()
        .and_then(|f| f.error.clone())
        .unwrap_or_default();
    assert_eq!(each, "pipe `each` failed: 1 of 3 items failed (items 1)");

    let tolerant =
        seeded(&pipes.replace("use: foreach\n", "use: foreach\n    on_error: continue\n")).await?;
    let report = tolerant.run("default", &json!({}), false).await?;
    assert!(report.succeeded, "on_error: continue tolerates the failure");
    assert_eq!(report.failed, 2);
    Ok(())
}

#[tokio::test]
async fn conditions_skip_pipes_and_dry_runs_write_nothing() -> TestResult {
    let pipes = "pipes:
  - id: fetch
    use: fetch_tickets
    params: {queue: Raw}
  - id: never
    use: log
    if: 'pipes.fetch.count > 10'
    params: {message: many}
  - id: note
    use: add_note
    params: {ticket_id: '{{ pipes.fetch.tickets[0].id }}', body: hello}
";
    let engine = seeded(pipes).await?;
    let report = engine.run("default", &json!({}), true).await?;
    assert!(report.succeeded);
    let statuses: Vec<PipeStatus> = report.pipes.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        [
            PipeStatus::Succeeded,
            PipeStatus::Skipped,
            PipeStatus::Succeeded
        ]
    );
    let note = &report.result("note").unwrap_or_default()["ticket"];
    assert_eq!(
        note["id"],
        json!("1"),
        "the placeholder is the ticket noted"
    );
    assert_eq!(note["notes"][0]["body"], json!("hello"));
    assert_eq!((report.seen, report.changed, report.writes), (3, 0, 0));
    let store = engine.services().get("store").cloned().ok_or("no store")?;
    let first = store
        .get_ticket_kw(
            json!({"ticket_id": 1})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .await?;
    assert!(
        first.is_some_and(|t| t.notes.is_empty()),
        "dry run added a note"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn interval_triggers_repeat_and_stop_on_shutdown() -> TestResult {
    let text = "pipelines:\n  tick:\n    trigger: {every: 1m}\n    pipes:\n      - id: e\n        use: expression\n        params: {value: '{{ context.n }}'}\n";
    let engine = load(text, &registry())?;
    let runs = AtomicUsize::new(0);
    let on_report = |r: &otai_pipeline::RunReport| {
        assert!(r.succeeded);
        runs.fetch_add(1, Ordering::SeqCst);
    };
    let shutdown = tokio::time::sleep(std::time::Duration::from_secs(150));
    engine
        .run_forever(&["tick"], &json!({"n": 1}), false, shutdown, &on_report)
        .await?;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "runs at 0 s, 60 s and 120 s"
    );
    Ok(())
}

#[tokio::test]
async fn foreach_reports_progress_per_item() -> TestResult {
    let pipes = "pipes:\n  - id: each\n    use: foreach\n    params: {items: [1, 2, 3], concurrency: 2}\n    pipes:\n      - id: e\n        use: expression\n        params: {value: '{{ item }}'}\n";
    let engine = load(pipes, &registry())?;
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |pipe: &str, done: usize, total: usize| {
        if let Ok(mut seen) = seen.lock() {
            seen.push(format!("{pipe} {done}/{total}"));
        }
    };
    let report = engine
        .run_with_progress("default", &json!({}), false, Some(&progress))
        .await?;
    assert!(report.succeeded);
    assert_eq!(
        seen.into_inner().unwrap_or_default(),
        ["each 1/3", "each 2/3", "each 3/3"]
    );
    assert_eq!(
        report.result("each").unwrap_or_default()["items"],
        json!([{"e": 1}, {"e": 2}, {"e": 3}]),
        "results keep item order"
    );
    Ok(())
}

#[tokio::test]
async fn foreach_with_collect_false_keeps_only_the_count() -> TestResult {
    let engine = seeded(
        "pipes:\n  - id: fetch\n    use: fetch_tickets\n    params: {queue: Raw}\n  - id: each\n    use: foreach\n    params: {items: '{{ pipes.fetch.tickets }}', concurrency: 4, collect: false}\n    pipes:\n      - id: e\n        use: expression\n        params: {value: '{{ item.subject }}'}\n",
    )
    .await?;
    let report = engine.run("default", &json!({}), false).await?;
    assert!(report.succeeded, "{:?}", report.pipes);
    let fetched = report.result("fetch").unwrap_or_default()["count"].clone();
    assert!(fetched.as_u64().is_some_and(|n| n > 0), "{fetched}");
    assert_eq!(
        report.result("each"),
        Some(json!({"count": fetched})),
        "no per-item results kept"
    );
    Ok(())
}

#[tokio::test]
async fn foreach_items_must_be_a_list_and_its_params_are_checked() -> TestResult {
    let engine = load(
        "pipes:\n  - id: each\n    use: foreach\n    params: {items: '{{ \"abc\" }}'}\n    pipes:\n      - id: e\n        use: expression\n        params: {value: 1}\n",
        &registry(),
    )?;
    let report = engine.run("default", &json!({}), false).await?;
    let errors: Vec<String> = report.failures().filter_map(|f| f.error.clone()).collect();
    assert_eq!(
        errors,
        ["config error at pipelines.default.pipes.each.params.items: expected a list, got string"]
    );
    let err = load(
        "pipes:\n  - id: each\n    use: foreach\n    params: {items: [], colect: false}\n    pipes:\n      - id: e\n        use: expression\n        params: {value: 1}\n",
        &registry(),
    )
    .err()
    .unwrap_or_default();
    assert!(
        err.contains("pipes.each.params.colect: unknown param; did you mean `collect`? (`foreach` accepts: items, concurrency, fail_fast, collect)"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn ticket_pipes_name_tickets_by_number() -> TestResult {
    let pipes = "pipes:
  - id: fetch
    use: fetch_tickets
    params: {subject_contains: two}
  - id: get
    use: get_ticket
    params: {ticket_number: '{{ pipes.fetch.tickets[0].number }}'}
  - id: note
    use: add_note
    params: {ticket_number: '{{ pipes.fetch.tickets[0].number }}', body: by number, reread: false}
  - id: nobody
    use: get_ticket
    params: {ticket_number: '20000101-999'}
";
    let engine = seeded(pipes).await?;
    let report = engine.run("default", &json!({}), false).await?;
    assert!(report.succeeded, "{report:?}");
    let got = report.result("get").unwrap_or_default();
    assert_eq!(
        (&got["found"], &got["ticket"]["subject"]),
        (&json!(true), &json!("two"))
    );
    let noted = report.result("note").unwrap_or_default();
    assert_eq!(noted["ticket"]["id"], got["ticket"]["id"]);
    assert_eq!(
        report.result("nobody").unwrap_or_default()["found"],
        json!(false)
    );
    Ok(())
}
