//! `otai migrate` on Open Ticket AI 1.5 configurations (`tests/open-ticket-ai/`): each converts,
//! and the result loads with the real loader and every adapter and pipe.

use std::path::Path;

use otai_core::registry::BuildContext;
use otai_pipeline::migrate::{Migration, Severity, migrate};
use otai_pipeline::{LoadOptions, Secrets, load_str};

type Result<T = ()> = std::result::Result<T, String>;

fn convert(name: &str) -> Result<Migration> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("open-ticket-ai")
        .join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{name}: {e}"))?;
    migrate(name, &text).map_err(|e| e.to_string())
}

/// Loads converted text as `otai validate` does, with `secrets` as the secrets file.
fn validate(name: &str, yaml: &str, secrets: &[&str]) -> Result {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("secrets.yml");
    let text: String = secrets
        .iter()
        .map(|s| format!("{s}: not-the-real-one\n"))
        .collect();
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    let secrets = Secrets::from_file(&file).map_err(|e| e.to_string())?;
    let mut options = LoadOptions::new(secrets);
    options.validate_only = true;
    load_str(
        name,
        yaml,
        &BuildContext::new("."),
        &otai_cli::default_registry(),
        &options,
    )
    .map(drop)
    .map_err(|e| format!("{e}\n{yaml}"))
}

fn notes(m: &Migration, severity: Severity) -> Vec<String> {
    m.notes
        .iter()
        .filter(|n| n.severity == severity)
        .map(|n| format!("{}: {}: {}", n.line, n.path, n.message))
        .collect()
}

#[test]
fn every_example_converts_to_a_configuration_that_validates() -> Result {
    for (name, secrets) in [
        ("fetch-add-note.yml", &["OTAI_OTOBO_PASSWORD"][..]),
        ("queue-priority.yml", &["OTAI_OTOBO_PASSWORD"]),
        ("ticket-routing.yml", &["OTAI_ZNUNY_PASSWORD"]),
        ("numeric-password.yml", &["HELPDESK_PASSWORD"]),
    ] {
        let m = convert(name)?;
        validate(name, &m.yaml, secrets)?;
        assert!(!m.yaml.contains("get_env"), "{name}: {}", m.yaml);
        assert!(!m.yaml.contains("fetched_tickets"), "{name}: {}", m.yaml);
        assert!(!m.notes.is_empty(), "{name}: no report");
    }
    Ok(())
}

#[test]
fn a_fetch_and_note_pipeline_converts_completely() -> Result {
    let m = convert("fetch-add-note.yml")?;
    assert!(m.is_complete(), "{:?}", notes(&m, Severity::Essential));
    let expected = "\
# Converted by `otai migrate` from an Open Ticket AI configuration.
services:
  - id: otobo_znuny
    use: otobo-znuny
    params:
      base_url: https://helpdesk.example.com/otobo/nph-genericinterface.pl
      username: otai-agent
      password: \"${{ secrets.OTAI_OTOBO_PASSWORD }}\"
      webservice_name: OpenTicketAI
      routes: python-client
      auth_mode: per_request
pipelines:
  inbox-runner:
    trigger:
      every: \"1m\"
    pipes:
      - id: next-ticket
        use: fetch_tickets
        service: otobo_znuny
        params:
          ticket_search_criteria:
            queue:
              name: Inbox
            limit: 1
      - id: acknowledge-note
        use: add_note
        service: otobo_znuny
        params:
          ticket_id: \"{{ get_pipe_result('next-ticket', 'tickets')[0]['id'] }}\"
          note:
            subject: Received
            body: We have your ticket and are working on it.
      - id: move-on
        use: update_ticket
        service: otobo_znuny
        params:
          ticket_id: \"{{ get_pipe_result('next-ticket', 'tickets')[0]['id'] }}\"
          updated_ticket:
            queue:
              name: Processed
";
    assert_eq!(m.yaml, expected);
    let report: Vec<String> = m.report().collect();
    assert!(
        report.contains(&"fetch-add-note.yml:2: api_version: left out: otai has no api_version: it reads its own layout".to_owned()),
        "{report:#?}"
    );
    assert!(
        report.iter().any(|l| l.starts_with("fetch-add-note.yml:19: services.otobo_znuny.params.password: converted: `get_env('OTAI_OTOBO_PASSWORD')` is the secret")),
        "{report:#?}"
    );
    Ok(())
}

#[test]
fn a_hugging_face_classification_is_reported_as_not_converted() -> Result {
    let m = convert("queue-priority.yml")?;
    assert!(!m.is_complete());
    let essential = notes(&m, Severity::Essential);
    assert_eq!(essential.len(), 2, "{essential:#?}");
    assert!(
        essential[0].starts_with("30: orchestrator.params.steps[0].params.run.params.steps[0](classify-queue).params: otai runs no Hugging Face model (`softoft/otai-queue-de-bert-v1`)"),
        "{essential:#?}"
    );
    assert!(m.yaml.contains("use: classify"), "{}", m.yaml);
    let left_out = notes(&m, Severity::LeftOut);
    assert!(
        left_out
            .iter()
            .any(|n| n.starts_with("11: services.hf_local: otai has no Hugging Face service")),
        "{left_out:#?}"
    );
    assert!(m.yaml.contains("every: \"1s\""), "{}", m.yaml);
    Ok(())
}

#[test]
fn a_password_written_in_the_file_is_never_copied() -> Result {
    let m = convert("numeric-password.yml")?;
    assert!(!m.yaml.contains("123456"), "{}", m.yaml);
    assert!(m.report().all(|l| !l.contains("123456")));
    assert!(
        m.yaml
            .contains("password: \"${{ secrets.HELPDESK_PASSWORD }}\""),
        "{}",
        m.yaml
    );
    assert!(
        m.yaml.contains("routes:\n        preset: python-client\n        TicketSearch:\n          method: POST\n          route: \"/search-tickets\"\n"),
        "{}",
        m.yaml
    );
    assert!(m.yaml.contains("every: \"1h\""), "{}", m.yaml);
    assert!(m.is_complete(), "{:?}", notes(&m, Severity::Essential));
    Ok(())
}

#[test]
fn fail_and_expressions_convert_and_keep_their_meaning() -> Result {
    let m = convert("ticket-routing.yml")?;
    assert!(m.is_complete(), "{:?}", notes(&m, Severity::Essential));
    assert!(
        m.yaml.contains("value: \"{{ fail() if (get_pipe_result('ticket_fetcher', 'tickets') | length) == 0 else 'Tickets found' }}\\n\""),
        "{}",
        m.yaml
    );
    Ok(())
}

#[test]
fn unknown_parts_are_reported_never_dropped_silently() -> Result {
    let text = "\
open_ticket_ai:
  plugins: [otai-hf-local]
  surprise: 1
  services:
    weird:
      use: acme:AcmeTicketSystem
  orchestrator:
    use: base:SimpleSequentialOrchestrator
    params:
      steps:
        - id: r
          use: base:SimpleSequentialRunner
          params:
            on:
              use: base:CronishTrigger
            run:
              id: p
              use: acme:MagicPipe
";
    let m = migrate("old.yml", text).map_err(|e| e.to_string())?;
    assert_eq!(
        notes(&m, Severity::Essential),
        [
            "2: plugins: Python plugins cannot load in otai: an otai plugin is a Rust crate built into its own binary (see examples/custom-pipe); the pipes they gave are reported below",
            "3: surprise: unknown key, not converted (Open Ticket AI 1.5 has `api_version`, `plugins`, `infrastructure`, `services`, `orchestrator`)",
            "6: services.weird.use: otai has no service `acme:AcmeTicketSystem`: its adapters are otobo-znuny, rt and local",
            "14: orchestrator.params.steps[0].params.on: unknown trigger `base:CronishTrigger`: no trigger (otai has `every` and `cron`)",
            "16: orchestrator.params.steps[0].params.run(p): otai has no pipe `acme:MagicPipe`: not converted",
        ]
    );
    Ok(())
}

#[test]
fn unreadable_yaml_is_an_error_with_its_line() {
    let e = migrate("old.yml", "open_ticket_ai:\n  services: [\n")
        .err()
        .map(|e| e.to_string());
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("old.yml:") && e.contains("invalid YAML")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_converted_pipeline_runs_against_the_otobo_fake()
-> std::result::Result<(), Box<dyn std::error::Error>> {
    use otai_core::TicketSystemServiceExt;
    use otai_otobo_znuny::OtoboService;
    use otai_otobo_znuny::fake::{FakeOptions, FakeOtobo};
    use serde_json::json;

    let mut options = FakeOptions::default();
    options.agents = vec![("otai-agent".into(), "agent-pw-1".into())];
    let fake = FakeOtobo::start_with(options).await?;
    let otobo = OtoboService::new(&fake.config())?;
    let kwargs = json!({"subject": "Printer on fire", "body": "Room 42", "queue": "Raw"});
    let created = otobo
        .create_ticket_kw(kwargs.as_object().cloned().unwrap_or_default())
        .await?;
    let m = convert("fetch-add-note.yml")?;
    // The fake serves the stock routes under the stock path, and has the queues Raw and Misc;
    // everything else is the converted file as it is.
    let text = m
        .yaml
        .replace(
            "https://helpdesk.example.com/otobo/nph-genericinterface.pl",
            &fake.url(),
        )
        .replace("routes: python-client", "routes: stock")
        .replace("name: Inbox", "name: Raw")
        .replace("name: Processed", "name: Misc");
    let dir = tempfile::tempdir()?;
    let secrets = dir.path().join("secrets.yml");
    std::fs::write(&secrets, "OTAI_OTOBO_PASSWORD: agent-pw-1\n")?;
    let engine = load_str(
        "otai.yml",
        &text,
        &BuildContext::default(),
        &otai_cli::default_registry(),
        &LoadOptions::new(Secrets::from_file(&secrets)?),
    )
    .map_err(|e| format!("{e}\n{text}"))?;
    let report = engine.run("inbox-runner", &json!({}), false).await?;
    assert!(report.succeeded, "{report:?}");
    let id = created.id.unwrap_or_default();
    let ticket = otobo.get_ticket_by_id(&id).await?;
    let ticket = ticket.ok_or("the ticket is gone")?;
    assert_eq!(ticket.queue.and_then(|q| q.name).as_deref(), Some("Misc"));
    assert!(
        ticket
            .notes
            .iter()
            .any(|n| n.body.as_deref() == Some("We have your ticket and are working on it.")),
        "{:?}",
        ticket.notes
    );
    Ok(())
}
