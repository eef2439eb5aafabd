//! Loading and running with test pipes: typed params checked at load and after rendering,
//! `foreach` checked like any pipe, and the wrappers the engine puts around services.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use crate::testing::{Recorder, RecorderFactory, writes};
use crate::{
    CheckContext, Engine, LoadOptions, ParamError, Pipe, PipeContext, PipeSpec, Registry, Shared,
    TemplateValue, load_str, ticket_value,
};
use otai_core::registry::BuildContext;
use otai_core::request::{CreateRequest, UpdateRequest};
use otai_core::{Result, UnifiedEntity, UnifiedTicket};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// `repeat`: `text` repeated `times` (1 to 10) times.
struct Repeat;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepeatParams {
    text: String,
    #[serde(default = "one")]
    times: usize,
}

fn one() -> usize {
    1
}

#[async_trait]
impl Pipe for Repeat {
    type Params = RepeatParams;

    fn check(&self, p: &RepeatParams, _ctx: &CheckContext<'_>) -> Result<(), Vec<ParamError>> {
        if (1..=10).contains(&p.times) {
            return Ok(());
        }
        Err(vec![ParamError::new(
            "times",
            format!("must be from 1 to 10, got {}", p.times),
        )])
    }

    async fn run(&self, _ctx: &PipeContext, p: &RepeatParams) -> Result<TemplateValue> {
        Ok(TemplateValue::from(p.text.repeat(p.times)))
    }
}

/// A plugin that ignores dry runs: it creates and moves a ticket through its service directly.
struct CreateAndMove;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    subject: String,
}

#[async_trait]
impl Pipe for CreateAndMove {
    type Params = CreateParams;

    async fn run(&self, ctx: &PipeContext, p: &CreateParams) -> Result<TemplateValue> {
        let service = ctx.service()?;
        let created = service
            .create_ticket(CreateRequest::new(UnifiedTicket::new().subject(&p.subject)))
            .await?;
        let id = created.id.unwrap_or_default().parse()?;
        let changes = UnifiedTicket::new().queue(UnifiedEntity::by_name("Done"));
        let moved = service
            .update_ticket(UpdateRequest::new(id, changes))
            .await?;
        Ok(ticket_value(moved))
    }
}

static TABLES_BUILT: AtomicUsize = AtomicUsize::new(0);
static FIXED_BUILT: AtomicUsize = AtomicUsize::new(0);

/// A table that counts how often it is built.
struct Table(Vec<String>, &'static AtomicUsize);

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        TABLES_BUILT.fetch_add(1, Ordering::SeqCst);
        Vec::<String>::deserialize(d).map(|t| Table(t, &TABLES_BUILT))
    }
}

/// `lookup`: whether `text` is in `table` (a `Shared` param).
struct Lookup;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupParams {
    table: Shared<Table>,
    text: String,
}

#[async_trait]
impl Pipe for Lookup {
    type Params = LookupParams;

    async fn run(&self, _ctx: &PipeContext, p: &LookupParams) -> Result<TemplateValue> {
        assert!(std::ptr::eq(p.table.1, &TABLES_BUILT));
        Ok(TemplateValue::from(p.table.0.contains(&p.text)))
    }
}

/// `fixed`: counts how often its (static) params are parsed.
struct Fixed;

struct FixedParams;

impl<'de> Deserialize<'de> for FixedParams {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        FIXED_BUILT.fetch_add(1, Ordering::SeqCst);
        serde::de::IgnoredAny::deserialize(d).map(|_| FixedParams)
    }
}

#[async_trait]
impl Pipe for Fixed {
    type Params = FixedParams;

    async fn run(&self, _ctx: &PipeContext, _p: &FixedParams) -> Result<TemplateValue> {
        Ok(TemplateValue::from(true))
    }
}

/// `wait`: waits `ms` milliseconds, then gives `ms`, or fails when `fail` is set.
struct Wait;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitParams {
    ms: u64,
    #[serde(default)]
    fail: bool,
}

#[async_trait]
impl Pipe for Wait {
    type Params = WaitParams;

    async fn run(&self, _ctx: &PipeContext, p: &WaitParams) -> Result<TemplateValue> {
        tokio::time::sleep(std::time::Duration::from_millis(p.ms)).await;
        if p.fail {
            return Err(otai_core::Error::invalid_input("fail", "asked to fail"));
        }
        Ok(TemplateValue::from(p.ms))
    }
}

fn registry(recorder: &Arc<Recorder>) -> Registry {
    let mut registry = Registry::new();
    registry.services_mut().register_service_factory(
        &["recorder"],
        "a helpdesk in memory",
        Arc::new(RecorderFactory(Arc::clone(recorder))),
    );
    registry.register_pipe(&["repeat"], PipeSpec::new("repeat text", Repeat));
    registry.register_pipe(
        &["create_and_move"],
        PipeSpec::new("create and move a ticket", CreateAndMove).with_service(),
    );
    registry.register_pipe(&["lookup"], PipeSpec::new("look text up", Lookup));
    registry.register_pipe(&["fixed"], PipeSpec::new("static params", Fixed));
    registry.register_pipe(&["wait"], PipeSpec::new("wait, then answer", Wait));
    registry
}

fn load(text: &str, recorder: &Arc<Recorder>) -> std::result::Result<Engine, String> {
    load_str(
        "otai.yml",
        text,
        &BuildContext::default(),
        &registry(recorder),
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn foreach_and_pipe_params_are_checked_at_load_all_at_once() {
    let text = "pipes:
  - id: a
    use: foreach
    params: {items: [1], concurrency: 'eight', fail_fast: 'yes'}
    pipes:
      - id: r
        use: repeat
        params: {text: x, tims: 2}
  - id: b
    use: foreach
    params: {items: '{{ context.items }}', concurrency: 0, colect: false}
    pipes:
      - id: r2
        use: repeat
        params: {text: '{{ item }}', times: 11}
  - id: c
    use: repeat
    params: [x]
";
    let errors = load(text, &Arc::default()).err().unwrap_or_default();
    assert_eq!(
        errors,
        "8 problems in the configuration:
  - config error at otai.yml:4: pipes.a.params.concurrency: invalid type: string \"eight\", expected a whole number (0 or more)
  - config error at otai.yml:4: pipes.a.params.fail_fast: invalid type: string \"yes\", expected a boolean
  - config error at otai.yml:8: pipes.a.pipes.r.params.tims: unknown param; did you mean `times`? (`repeat` accepts: text, times)
  - config error at otai.yml:11: pipes.b.params.colect: unknown param; did you mean `collect`? (`foreach` accepts: items, concurrency, fail_fast, collect)
  - config error at otai.yml:11: pipes.b.params.concurrency: must be from 1 to 1024, got 0
  - config error at otai.yml:15: pipes.b.pipes.r2.params.times: must be from 1 to 10, got 11
  - config error at otai.yml:18: pipes.c.params: params must be a map
  - config error at otai.yml:18: pipes.c.params.text: missing required param
"
    );
}

#[tokio::test]
async fn a_templated_param_of_the_wrong_type_fails_naming_pipeline_pipe_field_and_item()
-> TestResult {
    let text = "pipelines:
  triage:
    pipes:
      - id: each
        use: foreach
        params: {items: '{{ context.items }}', concurrency: '{{ context.n }}'}
        pipes:
          - id: rep
            use: repeat
            params: {text: 'id {{ item.id }}', times: '{{ item.times }}'}
";
    let engine = load(text, &Arc::default())?;
    let items =
        json!([{"id": 7, "times": 2}, {"id": 8, "times": "many"}, {"id": "x y", "times": 0}]);
    let report = engine
        .run("triage", &json!({"items": items, "n": 2}), false)
        .await?;
    let failures: Vec<(String, String)> = report
        .failures()
        .map(|f| (f.id.clone(), f.error.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        failures,
        [
            (
                "each[1].rep".to_owned(),
                "config error at pipelines.triage.pipes.rep.params.times (item 1, ticket 8): invalid type: string \"many\", expected a whole number (0 or more)".to_owned()
            ),
            (
                "each[2].rep".to_owned(),
                "config error at pipelines.triage.pipes.rep.params.times (item 2): must be from 1 to 10, got 0".to_owned()
            ),
            (
                "each".to_owned(),
                "pipe `each` failed: 2 of 3 items failed (items 1, 2)".to_owned()
            ),
        ]
    );
    let report = engine
        .run("triage", &json!({"items": items, "n": 0}), false)
        .await?;
    let error = report.failures().find_map(|f| f.error.clone());
    assert_eq!(
        error.as_deref(),
        Some(
            "config error at pipelines.triage.pipes.each.params.concurrency: must be from 1 to 1024, got 0"
        )
    );
    let report = engine
        .run("triage", &json!({"items": "abc", "n": 1}), false)
        .await?;
    let error = report.failures().find_map(|f| f.error.clone());
    assert_eq!(
        error.as_deref(),
        Some(
            "config error at pipelines.triage.pipes.each.params.items: expected a list, got string"
        )
    );
    Ok(())
}

#[tokio::test]
async fn under_dry_run_a_plugin_that_writes_directly_sends_nothing_and_the_next_pipe_runs()
-> TestResult {
    let text = "services:
  - id: rec
    use: recorder
pipes:
  - id: plugin
    use: create_and_move
    params: {subject: 'Printer on fire'}
  - id: after
    use: repeat
    params: {text: '{{ pipes.plugin.id }} in {{ pipes.plugin.queue.name }}'}
";
    let recorder = Arc::<Recorder>::default();
    let engine = load(text, &recorder)?;
    let report = engine.run("default", &json!({}), true).await?;
    assert!(report.succeeded, "{report:?}");
    assert_eq!(writes(&recorder), 0, "no write reached the helpdesk");
    assert_eq!(report.result("after"), Some(json!("dry-run-1 in Done")));
    assert_eq!((report.changed, report.writes), (0, 0));

    let report = engine.run("default", &json!({}), false).await?;
    assert!(report.succeeded, "{report:?}");
    assert_eq!(writes(&recorder), 2, "a create and an update");
    assert_eq!(report.result("after"), Some(json!("1 in Done")));
    assert_eq!((report.seen, report.changed, report.writes), (0, 1, 2));
    Ok(())
}

#[tokio::test]
async fn static_params_are_parsed_once_not_per_item_or_run() -> TestResult {
    let text = "pipes:
  - id: each
    use: foreach
    params: {items: [a, b, c, d], concurrency: 2}
    pipes:
      - id: look
        use: lookup
        params: {table: [a, c], text: '{{ item }}'}
      - id: fix
        use: fixed
        params: {any: [1, 2, 3]}
";
    let engine = load(text, &Arc::default())?;
    let loaded = (
        TABLES_BUILT.load(Ordering::SeqCst),
        FIXED_BUILT.load(Ordering::SeqCst),
    );
    assert_eq!(loaded, (1, 1), "both checked (and parsed) at load");
    for _ in 0..2 {
        let report = engine.run("default", &json!({}), false).await?;
        assert!(report.succeeded, "{report:?}");
        let found: Vec<serde_json::Value> = report.result("each").unwrap_or_default()["items"]
            .as_array()
            .map(|items| items.iter().map(|i| i["look"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(
            found,
            [json!(true), json!(false), json!(true), json!(false)]
        );
    }
    assert_eq!(
        (
            TABLES_BUILT.load(Ordering::SeqCst),
            FIXED_BUILT.load(Ordering::SeqCst)
        ),
        (1, 1),
        "8 items later, nothing parsed again"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn items_finish_in_any_order_and_are_reported_in_item_order() -> TestResult {
    let text = "pipes:
  - id: each
    use: foreach
    params: {items: '{{ context.items }}', concurrency: 4}
    pipes:
      - id: wait
        use: wait
        params: {ms: '{{ item.ms }}', fail: '{{ item.fail }}'}
";
    let engine = load(text, &Arc::default())?;
    // Item 0 takes longest: with ordered buffering it would hold up the other three.
    let items = json!([
        {"ms": 40, "fail": false}, {"ms": 0, "fail": false},
        {"ms": 20, "fail": false}, {"ms": 5, "fail": false},
    ]);
    let report = engine
        .run("default", &json!({"items": items}), false)
        .await?;
    assert!(report.succeeded, "{report:?}");
    let each = report.result("each").unwrap_or_default();
    let waited: Vec<serde_json::Value> = each["items"]
        .as_array()
        .map(|items| items.iter().map(|i| i["wait"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(waited, [json!(40), json!(0), json!(20), json!(5)]);

    // Two at a time, the slow first item beside four quick ones: the quick ones pass it by
    // (40 ms in all; waiting for the first to finish before starting more takes 42).
    let items = json!([
        {"ms": 40, "fail": false}, {"ms": 1, "fail": false}, {"ms": 1, "fail": false},
        {"ms": 1, "fail": false}, {"ms": 1, "fail": false},
    ]);
    let text = text.replace("concurrency: 4", "concurrency: 2");
    let engine2 = load(&text, &Arc::default())?;
    let started = tokio::time::Instant::now();
    let report = engine2
        .run("default", &json!({"items": items}), false)
        .await?;
    assert!(report.succeeded, "{report:?}");
    assert_eq!(started.elapsed(), std::time::Duration::from_millis(40));

    let items = json!([
        {"ms": 40, "fail": true}, {"ms": 0, "fail": false},
        {"ms": 20, "fail": true}, {"ms": 5, "fail": true},
    ]);
    let report = engine
        .run("default", &json!({"items": items}), false)
        .await?;
    let failed: Vec<String> = report.failures().map(|f| f.id.clone()).collect();
    assert_eq!(
        failed,
        ["each[0].wait", "each[2].wait", "each[3].wait", "each"]
    );
    let message = report.failures().last().and_then(|f| f.error.clone());
    assert_eq!(
        message.as_deref(),
        Some("pipe `each` failed: 3 of 4 items failed (items 0, 2, 3)")
    );
    Ok(())
}
