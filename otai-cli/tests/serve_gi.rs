//! `otai serve` with only `webservices:` (no `inbound:`): the Generic Interface provider answers
//! over real HTTP, sessions bound to the client address; `otai validate` checks the section.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

mod support;

use support::{TestResult, serve};

const CONFIG: &str = r#"services:
  - id: helpdesk
    use: local
    params: {path: tickets.sqlite}
server:
  listen: 127.0.0.1:0
state:
  path: ':memory:'
webservices:
  - name: GenericTicketConnectorREST
    id: 7
    service: helpdesk
    transport: { type: rest }
    operations:
      SessionCreate: { type: Session::SessionCreate }
      TicketCreate: { type: Ticket::TicketCreate }
      TicketGet: { type: Ticket::TicketGet }
    users:
      - { login: agent1, password: agent1-password }
    sessions: { bind_to_address: true }
"#;

#[tokio::test]
async fn otai_serve_serves_web_services_without_inbound() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("otai.yml"), CONFIG)?;
    let (mut child, url) = serve(dir.path())?;
    let result = async {
        let base = format!("{url}/otobo/nph-genericinterface.pl/WebserviceID/7");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let session: Value = client
            .post(format!("{base}/Session"))
            .json(&json!({"UserLogin": "agent1", "Password": "agent1-password"}))
            .send()
            .await?
            .json()
            .await?;
        let session = session["SessionID"].as_str().ok_or("no session")?;
        let created: Value = client
            .post(format!("{base}/Ticket"))
            .json(&json!({"SessionID": session,
                "Ticket": {"Title": "from the GI", "Queue": "Raw", "CustomerUser": "c"},
                "Article": {"Subject": "s", "Body": "b"}}))
            .send()
            .await?
            .json()
            .await?;
        let id = created["TicketID"].as_str().ok_or(format!("{created}"))?;
        let got: Value = client
            .get(format!("{base}/Ticket/{id}?SessionID={session}"))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(got["Ticket"][0]["Title"], "from the GI", "{got}");
        let inbound = client
            .get(format!("{url}/api/v1/inbound/x/1"))
            .send()
            .await?;
        assert_eq!(inbound.status(), 404, "no inbound integration");
        Ok::<(), Box<dyn std::error::Error>>(())
    }
    .await;
    child.kill()?;
    child.wait()?;
    result
}

#[test]
fn otai_validate_refuses_a_misspelt_webservices_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let text = CONFIG.replace("    users:", "    usres:");
    std::fs::write(dir.path().join("otai.yml"), text)?;
    let output = Command::new(env!("CARGO_BIN_EXE_otai"))
        .args(["validate", "-c"])
        .arg(dir.path().join("otai.yml"))
        .output()?;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("webservices[0]"), "{stderr}");
    assert!(stderr.contains("did you mean `users`?"), "{stderr}");
    Ok(())
}
