//! An operation's mappings applied both ways over HTTP, and the debugger keeping
//! communications in the state store at or above each web service's threshold.

mod support;

use std::sync::Arc;
use std::time::Duration;

use otai_core::output::Redactor;
use otai_gi::{Communication, CommunicationHook, StateDebugger, WebserviceConfig};
use otai_state::{DebugFilter, DebugLevel, SqliteStore, StateStore};
use serde_json::json;
use support::{Served, TestResult, client, yaml_to_json};

const MAPPED: &str = r#"
- name: Mapped
  id: 7
  service: helpdesk
  transport: { type: rest }
  operations:
    TicketCreate:
      type: Ticket::TicketCreate
      mapping_inbound:
        key_exact: { Tkt: Ticket, Art: Article }
      mapping_outbound:
        key_exact: { TicketID: RemoteTicketID }
        values: { RemoteTicketID: { regex: { '^(\d+)$': 'otai-$1' } } }
  users: [ { login: agent, password: agent-pw } ]
"#;

#[tokio::test]
async fn the_remote_systems_names_are_mapped_in_and_out() -> TestResult {
    let served = Served::start(MAPPED).await?;
    let base = served.webservice("Mapped");
    let answer: serde_json::Value = client()?
        .post(format!("{base}/Ticket"))
        .json(&json!({"UserLogin": "agent", "Password": "agent-pw",
            "Tkt": {"Title": "mapped", "Queue": "Raw", "CustomerUser": "bob"},
            "Art": {"Subject": "s", "Body": "b", "ContentType": "text/plain"}}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(answer["RemoteTicketID"], "otai-1", "{answer}");
    assert!(answer.get("TicketID").is_none(), "{answer}");
    let kept = served.kept.0.lock().map_err(|_| "poisoned")?.clone();
    let mapped = kept[0]
        .mapped_request
        .as_ref()
        .ok_or("the mapped request")?;
    assert_eq!(mapped["Ticket"]["Title"], "mapped");
    assert_eq!(mapped["Password"], "[redacted]");
    Ok(())
}

#[test]
fn a_bad_pattern_is_a_config_problem_naming_the_operation() -> TestResult {
    let yaml = MAPPED.replace(r"'^(\d+)$'", "'('");
    let configs: Vec<WebserviceConfig> = serde_json::from_value(yaml_to_json(&yaml)?)?;
    let problems = otai_gi::config::check(&configs, Some(&["helpdesk".to_owned()]));
    let shown = format!("{problems:?}");
    assert!(shown.contains("operations.TicketCreate"), "{shown}");
    assert!(shown.contains("mapping_outbound"), "{shown}");
    Ok(())
}

fn debugger(
    threshold: &str,
) -> Result<(Arc<StateDebugger>, Arc<SqliteStore>), Box<dyn std::error::Error>> {
    let yaml = MAPPED.replace(
        "  users:",
        &format!("  debugger: {{ threshold: {threshold} }}\n  users:"),
    );
    let configs: Vec<WebserviceConfig> = serde_json::from_value(yaml_to_json(&yaml)?)?;
    let store = Arc::new(SqliteStore::in_memory()?);
    let redactor = Redactor::new();
    redactor.hide("program-secret");
    let state: Arc<dyn StateStore> = store.clone();
    Ok((
        Arc::new(StateDebugger::new(state, &configs, redactor)),
        store,
    ))
}

fn communication(error: Option<&str>, notices: &[&str]) -> Communication {
    Communication {
        webservice: "Mapped".into(),
        operation: Some("TicketCreate".into()),
        remote_addr: None,
        request: json!({"UserLogin": "agent", "Password": "[redacted]", "Note": "program-secret"}),
        mapped_request: None,
        response: json!({"TicketID": "1"}),
        error: error.map(str::to_owned),
        notices: notices.iter().map(|n| (*n).to_owned()).collect(),
        duration: Duration::from_millis(3),
    }
}

#[test]
fn the_debugger_keeps_what_reaches_the_threshold_redacted() -> TestResult {
    let (debugger, store) = debugger("notice")?;
    debugger.record(communication(None, &[]));
    debugger.record(communication(
        None,
        &["key `Prio` dropped: `Priority` is taken"],
    ));
    debugger.record(communication(Some("TicketCreate.AuthFail"), &[]));
    let kept = store.debugger().list(&DebugFilter::default())?;
    let levels: Vec<DebugLevel> = kept.iter().map(|k| k.level).collect();
    assert_eq!(
        levels,
        [DebugLevel::Error, DebugLevel::Notice],
        "newest first"
    );
    let entry = store.debugger().show(kept[0].id)?.ok_or("kept")?;
    assert!(
        !entry.request.contains("program-secret"),
        "{}",
        entry.request
    );
    Ok(())
}

#[test]
fn at_the_default_threshold_only_errors_are_kept() -> TestResult {
    let (debugger, store) = debugger("error")?;
    debugger.record(communication(None, &["a notice"]));
    assert!(store.debugger().list(&DebugFilter::default())?.is_empty());
    debugger.record(communication(Some("TicketGet.NotValidTicketID"), &[]));
    assert_eq!(store.debugger().list(&DebugFilter::default())?.len(), 1);
    assert_eq!(debugger.prune(), 0, "nothing is older than its retention");
    Ok(())
}
