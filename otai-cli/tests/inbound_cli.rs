//! `otai validate` checks the inbound API's sections; `otai inbound` reads the state store.

use assert_cmd::Command;
use serde_json::Value;

mod support;

use support::TestResult;

/// A local store in memory, as the service `helpdesk`.
const SERVICE: &str = support::LOCAL_SERVICE;

#[test]
fn validate_reports_problems_of_the_inbound_section_at_their_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = format!(
        "{SERVICE}server:\n  listen: 127.0.0.1:0\ninbound:\n  - id: forms\n    service: helpdesk\n    accounts: [{{ name: web, token: t }}]\n    validate:\n      title: {{ requried: true }}\n    ticket: {{ subject: x }}\n"
    );
    std::fs::write(dir.path().join("otai.yml"), config)?;
    let output = Command::cargo_bin("otai")?
        .current_dir(dir.path())
        .args(["validate", "-c", "otai.yml"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let shown = String::from_utf8_lossy(&output.stderr);
    assert!(
        shown.contains("otai.yml:12: inbound[0].validate.title.requried"),
        "{shown}"
    );
    assert!(shown.contains("`required`"), "{shown}");
    Ok(())
}

#[test]
fn inbound_reads_an_empty_state_store() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = format!(
        "{SERVICE}server:\n  listen: 127.0.0.1:0\ninbound:\n  - id: forms\n    service: helpdesk\n    accounts: [{{ name: web, token: t }}]\n    ticket: {{ subject: x }}\n"
    );
    std::fs::write(dir.path().join("otai.yml"), config)?;
    let output = Command::cargo_bin("otai")?
        .current_dir(dir.path())
        .args(["inbound", "-c", "otai.yml", "--json", "list"])
        .output()?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(rows, Value::Array(Vec::new()));
    assert!(dir.path().join("otai-state.sqlite").exists());
    let output = Command::cargo_bin("otai")?
        .current_dir(dir.path())
        .args(["inbound", "-c", "otai.yml", "show", "7"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no staged request 7"));
    Ok(())
}
