//! `otai debugger` reads the Generic Interface debugger's record from the state store.

use std::time::Duration;

use assert_cmd::Command;
use otai_core::output::Redactor;
use otai_state::{Communication, DebugLevel, DebuggerLog, SqliteStore};
use serde_json::Value;

mod support;

use support::TestResult;

/// A local store in memory, as the service `helpdesk`.
const CONFIG: &str = support::LOCAL_SERVICE;

fn otai(
    dir: &std::path::Path,
    args: &[&str],
) -> Result<std::process::Output, Box<dyn std::error::Error>> {
    Ok(Command::cargo_bin("otai")?
        .current_dir(dir)
        .arg("debugger")
        .args(["-c", "otai.yml"])
        .args(args)
        .output()?)
}

fn recorded(dir: &std::path::Path) -> Result<Vec<i64>, Box<dyn std::error::Error>> {
    let store = SqliteStore::open(&dir.join("otai-state.sqlite"))?;
    let mut ids = Vec::new();
    for (webservice, error) in [("rest", None), ("soap", Some("boom \u{1b}[2J"))] {
        let communication = Communication {
            webservice: webservice.into(),
            operation: Some("TicketGet".into()),
            remote_addr: Some("127.0.0.1:4000".into()),
            request: "{\"SessionID\":\"s3ss10n\",\"TicketID\":1}".into(),
            mapped_request: None,
            response: Some("{\"Ticket\":[]}".into()),
            error: error.map(str::to_owned),
            duration: Duration::from_millis(3),
            level: DebugLevel::Info,
        };
        let id = store.record(&communication, DebugLevel::Debug, &Redactor::new())?;
        ids.push(id.ok_or("not kept")?);
    }
    Ok(ids)
}

#[test]
fn list_and_show_read_the_record_redacted_and_escaped() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("otai.yml"), CONFIG)?;
    let ids = recorded(dir.path())?;
    let output = otai(
        dir.path(),
        &["--json", "list", "--webservice", "soap", "--since", "1h"],
    )?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Value = serde_json::from_slice(&output.stdout)?;
    let rows = rows.as_array().ok_or("a list")?;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], ids[1]);
    assert_eq!(rows[0]["level"], "error");

    let output = otai(dir.path(), &["show", &ids[1].to_string()])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout)?;
    assert!(text.contains("level:       error"), "{text}");
    assert!(
        text.contains("boom \\u{1b}[2J"),
        "control characters escaped: {text}"
    );
    assert!(!text.contains('\u{1b}'));
    assert!(!text.contains("s3ss10n"), "session id shown: {text}");
    assert!(
        text.contains("{\"SessionID\":\"***\",\"TicketID\":1}"),
        "{text}"
    );

    let output = otai(dir.path(), &["list", "--since", "2999-01-01T00:00:00Z"])?;
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    Ok(())
}

#[test]
fn bad_arguments_and_unknown_ids_are_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("otai.yml"), CONFIG)?;
    let output = otai(dir.path(), &["show", "7"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no communication 7"));
    let output = otai(dir.path(), &["list", "--since", "last week"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--since `last week`: expected"));
    Ok(())
}
