use super::*;
use crate::secrets::{TRICKY, tricky};
use crate::{Pipe, PipeContext, PipeSpec};
use async_trait::async_trait;
use otai_core::registry::ServiceFactory;
use serde_json::json;
use std::sync::Mutex;

type Seen = Arc<Mutex<Vec<Value>>>;

/// A pipe that records its params and fails, quoting them.
struct Capture(Seen);

#[async_trait]
impl Pipe for Capture {
    type Params = Value;

    async fn run(
        &self,
        _: &PipeContext,
        params: &Value,
    ) -> otai_core::Result<crate::TemplateValue> {
        self.0.lock().map(|mut s| s.push(params.clone())).ok();
        Err(Error::invalid_input(
            "params",
            format!("cannot send {params}"),
        ))
    }
}

/// A service that records the params it is checked with and rejects `reject`, quoting it.
struct Probe(Seen);

impl ServiceFactory for Probe {
    fn validate(&self, params: &Value) -> otai_core::Result<()> {
        self.0.lock().map(|mut s| s.push(params.clone())).ok();
        match params.get("reject") {
            Some(bad) => Err(Error::config("params.reject", format!("rejected {bad}"))),
            None => Ok(()),
        }
    }

    fn build(
        &self,
        _: &Value,
        _: &BuildContext,
    ) -> otai_core::Result<Arc<dyn TicketSystemService>> {
        Err(Error::unsupported("probe", "build"))
    }
}

struct Setup {
    registry: Registry,
    pipe_params: Seen,
    service_params: Seen,
}

fn setup() -> Setup {
    let (pipe_params, service_params) = (Seen::default(), Seen::default());
    let mut registry = Registry::new();
    let seen = Arc::clone(&pipe_params);
    registry.register_pipe(
        &["capture"],
        PipeSpec::new("records its params", Capture(Arc::clone(&seen))),
    );
    registry.services_mut().register_service_factory(
        &["probe"],
        "records its params",
        Arc::new(Probe(Arc::clone(&service_params))),
    );
    Setup {
        registry,
        pipe_params,
        service_params,
    }
}

impl Setup {
    fn load(&self, text: &str, secrets: Secrets) -> Result<Engine, Vec<String>> {
        let options = LoadOptions {
            secrets,
            validate_only: true,
        };
        load_str(
            "otai.yml",
            text,
            &BuildContext::new("."),
            &self.registry,
            &options,
        )
        .map_err(|e| e.0.iter().map(ToString::to_string).collect())
    }
}

fn errors(text: &str, secrets: Secrets) -> Vec<String> {
    setup().load(text, secrets).err().unwrap_or_default()
}

#[test]
fn a_duplicate_pipe_id_in_a_second_pipeline_names_it_at_its_own_line() {
    let text = "\
pipelines:
  first:
    pipes:
      - id: a
        use: capture
  second:
    pipes:
      - id: a
        use: capture
      - id: a
        use: capture
";
    assert_eq!(
        errors(text, Secrets::default()),
        ["config error at otai.yml:10: pipelines.second.pipes.a: duplicate pipe id `a`"]
    );
}

#[test]
fn parse_and_check_errors_come_together_without_follow_on_errors() {
    let text = "\
services:
  broken: {params: {}}
pipelines:
  a:
    trigger: {cron: 'not cron'}
    pipes:
      - id: x
        use: capture
        on_error: maybe
      - id: y
        use: capture
        service: broken
        params: {v: '{{ pipes.x }}', w: '{{ pipes.gone }}'}
  b:
    pipes:
      - id: z
        use: nope
";
    let found = errors(text, Secrets::default());
    assert_eq!(found.len(), 5, "{found:#?}");
    assert_eq!(
        found[..2],
        [
            "config error at otai.yml:2: services.broken: missing field `use`",
            "config error at otai.yml:9: pipelines.a.pipes.x.on_error: unknown variant `maybe`, expected `fail` or `continue`",
        ]
    );
    assert!(
        found[2].starts_with(
            "config error at otai.yml:5: pipelines.a.trigger: invalid cron expression `not cron`"
        ),
        "{}",
        found[2]
    );
    assert_eq!(
        found[3],
        "config error at otai.yml:13: pipelines.a.pipes.y.params: refers to pipe `gone`, which does not exist"
    );
    assert!(
        found[4].starts_with(
            "config error at otai.yml:17: pipelines.b.pipes.z.use: unknown pipe `nope`"
        ),
        "{}",
        found[4]
    );
}

/// A pipe whose params use every tricky secret, alone and in mixed text.
fn secret_params() -> String {
    let mut text = String::from("pipes:\n  - id: p\n    use: capture\n    params:\n");
    for (name, _) in TRICKY {
        text.push_str(&format!("      {name}: '${{{{ secrets.{name} }}}}'\n"));
    }
    text.push_str("      mixed: 'for {{ context.who }}: ${{ secrets.QUOTES }}!'\n");
    text
}

#[tokio::test]
async fn secrets_reach_pipes_exactly_and_every_output_shows_stars() -> otai_core::Result<()> {
    let setup = setup();
    let engine = setup
        .load(&secret_params(), tricky())
        .map_err(|e| Error::config("load", e.join("\n")))?;
    let context = json!({"who": "bob"});
    let mut shown = json!({"mixed": "for bob: ***!"});
    for (name, _) in TRICKY {
        shown[name] = json!("***");
    }
    assert_eq!(engine.render("p", &context)?, shown);

    let report = engine.run("default", &context, false).await?;
    let mut exact = json!({"mixed": "for bob: a\"b'c!"});
    for (name, value) in TRICKY {
        exact[name] = json!(value);
    }
    let received = setup
        .pipe_params
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    assert_eq!(received, [exact]);
    let error = report.pipes[0].error.clone().unwrap_or_default();
    assert!(
        error.contains("cannot send") && error.contains("***"),
        "{error}"
    );
    for (_, value) in TRICKY {
        let escaped = serde_json::to_string(value).unwrap_or_default();
        assert!(
            !error.contains(value) && !error.contains(&escaped[1..escaped.len() - 1]),
            "{error}"
        );
    }
    Ok(())
}

#[test]
fn secret_problems_are_load_errors_naming_the_param() {
    let text = "\
allow_env: []
pipes:
  - id: p
    use: capture
    params:
      body: 'x ${{ secrets.NOPE }}'
      inside: '{{ \"${{ secrets.QUOTES }}\" }}'
      cond: '${{ secrets.PATH }}'
";
    assert_eq!(
        errors(text, tricky()),
        [
            "config error at otai.yml:6: pipes.p.params.body: secret `NOPE` is not in the secrets file",
            "config error at otai.yml:8: pipes.p.params.cond: secret `PATH` is not in the secrets file",
            "config error at otai.yml:7: pipes.p.params.inside: a secret marker cannot be inside `{{ … }}`: write `${{ secrets.NAME }}` outside it",
        ]
    );
    assert_eq!(
        errors(text, Secrets::from_env())[1],
        "config error at otai.yml:8: pipes.p.params.cond: secret `PATH` may not come from the environment: add `PATH` to `allow_env`, or give a secrets file (--secrets, OTAI_SECRETS_FILE)"
    );
}

#[test]
fn service_params_get_secret_values_exactly_and_errors_hide_them() {
    let setup = setup();
    let text = "\
services:
  - id: s
    use: probe
    params:
      token: '${{ secrets.QUOTES }}'
      list: ['${{ secrets.LINES }}', 'x${{ secrets.TEMPLATE }}']
      reject: '${{ secrets.UNICODE }}'
pipes: []
";
    assert_eq!(
        setup.load(text, tricky()).err().unwrap_or_default(),
        ["config error at otai.yml:7: services.s.params.reject: rejected \"***\""]
    );
    let received = setup
        .service_params
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    assert_eq!(
        received,
        [json!({"token": "a\"b'c", "list": ["line1\nline2", "x{{ 7*6 }}"], "reject": "ümlaut ✓"})]
    );
}

/// The params the probe service was checked with.
fn received(setup: &Setup) -> Vec<Value> {
    setup
        .service_params
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default()
}

#[test]
fn service_param_templates_are_rendered_once_with_env_and_secrets() -> Result<(), Vec<String>> {
    let setup = setup();
    // Cargo sets CARGO_PKG_NAME for the tests it runs.
    let text = "\
services:
  - id: s
    use: probe
    params:
      user: \"{{ env('CARGO_PKG_NAME') }}\"
      header: 'Bearer ${{ secrets.TEMPLATE }} for {{ env(\"CARGO_PKG_NAME\") | upper }}'
      nested: { list: ['{% if true %}yes{% endif %}', 7] }
      password: 1234
pipes: []
";
    setup.load(text, tricky())?;
    assert_eq!(
        received(&setup),
        [json!({
            "user": "otai-pipeline",
            "header": "Bearer {{ 7*6 }} for OTAI-PIPELINE",
            "nested": {"list": ["yes", 7]},
            "password": "1234",
        })]
    );
    Ok(())
}

#[test]
fn service_param_templates_that_cannot_render_at_load_are_refused_never_sent() {
    let setup = setup();
    let text = "\
services:
  - id: a
    use: probe
    params:
      url: 'https://{{ context.host }}/api'
  - id: b
    use: probe
    params:
      nested:
        user: '{{ oops( }}'
  - id: c
    use: probe
    params:
      token: \"{{ get_pipe_result('fetch') }}\"
pipes: []
";
    let found = setup.load(text, tricky()).err().unwrap_or_default();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].starts_with(
            "config error at otai.yml:5: services.a.params.url: cannot render: undefined value"
        ),
        "{}",
        found[0]
    );
    assert!(
        found[0].ends_with("(service params are rendered once, when the file is loaded, and see only `env('NAME')` and `${{ secrets.NAME }}`)"),
        "{}",
        found[0]
    );
    assert!(
        found[1].starts_with(
            "config error at otai.yml:10: services.b.params.nested.user: bad template: syntax error"
        ),
        "{}",
        found[1]
    );
    assert!(
        found[2].starts_with(
            "config error at otai.yml:14: services.c.params.token: cannot render: undefined value"
        ),
        "{}",
        found[2]
    );
    assert!(received(&setup).is_empty(), "a service got template source");
}

#[test]
fn an_env_variable_outside_allow_env_is_refused_in_service_params() {
    let text = "\
allow_env: []
services:
  - id: s
    use: probe
    params:
      user: \"{{ env('CARGO_PKG_NAME') }}\"
pipes: []
";
    let found = errors(text, Secrets::default());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("config error at otai.yml:6: services.s.params.user: cannot render: ")
            && found[0].contains("env('CARGO_PKG_NAME') is not allowed: add it to `allow_env`"),
        "{}",
        found[0]
    );
}
