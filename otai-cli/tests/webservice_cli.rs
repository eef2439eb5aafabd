//! `otai webservice import|export|list|history`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod support;

use support::TestResult;

/// A local store in memory, as the service `helpdesk`.
const SERVICE: &str = support::LOCAL_SERVICE;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../otai-gi/tests/fixtures/webservices")
        .join(name)
}

fn otai(dir: &Path, args: &[&str]) -> Result<std::process::Output, Box<dyn std::error::Error>> {
    Ok(Command::cargo_bin("otai")?
        .current_dir(dir)
        .arg("webservice")
        .args(args)
        .output()?)
}

#[test]
fn an_import_is_configured_listed_exported_and_versioned() -> TestResult {
    let dir = tempfile::tempdir()?;
    let rest = fixture("GenericTicketConnectorREST.yml");
    let output = otai(dir.path(), &["import", &rest.display().to_string()])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entry = String::from_utf8(output.stdout)?;
    assert!(entry.starts_with("webservices:\n- "), "{entry}");
    assert!(
        entry.contains("\n  name: GenericTicketConnectorREST\n"),
        "{entry}"
    );
    let stderr = String::from_utf8(output.stderr)?;
    assert!(
        stderr.contains("warning: ") && stderr.contains("8 operation descriptions are not kept"),
        "{stderr}"
    );
    std::fs::write(dir.path().join("otai.yml"), format!("{SERVICE}{entry}"))?;

    let output = otai(dir.path(), &["list", "--json"])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(rows[0]["name"], "GenericTicketConnectorREST");
    assert_eq!(rows[0]["operations"], 8);
    assert_eq!(rows[0]["version"], 1);

    let output = otai(dir.path(), &["export", "GenericTicketConnectorREST"])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let exported = String::from_utf8(output.stdout)?;
    assert!(
        exported.starts_with("---\nDebugger:\n  DebugThreshold: debug\n"),
        "{exported}"
    );
    assert!(exported.contains("Route: /Ticket/:TicketID"), "{exported}");

    // A changed definition is a new version; an unchanged one is not.
    std::fs::write(
        dir.path().join("otai.yml"),
        format!(
            "{SERVICE}{}",
            entry.replace("threshold: debug", "threshold: error")
        ),
    )?;
    otai(dir.path(), &["list"])?;
    otai(dir.path(), &["list"])?;
    let output = otai(
        dir.path(),
        &["history", "GenericTicketConnectorREST", "--json"],
    )?;
    let versions: Value = serde_json::from_slice(&output.stdout)?;
    let numbers: Vec<u64> = versions
        .as_array()
        .map(|v| v.iter().filter_map(|v| v["version"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(numbers, [2, 1]);

    let output = otai(dir.path(), &["export", "GenericTicketConnectorRST"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("did you mean `GenericTicketConnectorREST`")
    );
    Ok(())
}

#[test]
fn passwords_in_an_export_never_reach_the_output() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("pw.yml");
    std::fs::write(
        &file,
        "Provider:\n  Operation:\n    SessionCreate: {Type: Session::SessionCreate}\n  Transport:\n    Type: HTTP::SOAP\n    Config:\n      Authentication: {AuthType: BasicAuth, BasicAuthUser: agent1, BasicAuthPassword: pl41n-pw}\n      SSL: {SSLPassword: pl41n-pw-2}\n",
    )?;
    let output = otai(dir.path(), &["import", "pw.yml", "--name", "ws"])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8(output.stdout.clone())?,
        String::from_utf8(output.stderr.clone())?
    );
    assert!(!all.contains("pl41n-pw"), "{all}");
    assert!(
        all.contains("password: ${{ secrets.GI_WS_AGENT1_PASSWORD }}"),
        "{all}"
    );
    assert!(all.contains("set secret GI_WS_AGENT1_PASSWORD"), "{all}");
    assert!(
        all.contains("SSL: holds a credential, which is not imported"),
        "{all}"
    );

    let output = otai(dir.path(), &["import", "missing.yml"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.yml"));
    Ok(())
}
