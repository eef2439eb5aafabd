//! `otai mcp` against a real RT 5 server: an agent triages a ticket through the MCP tools.
//!
//! Ignored by default, like the other live RT tests; `.ci/run` runs it with `--ignored`.

use std::collections::BTreeMap;
use std::sync::Arc;

use otai_core::TicketSystemService;
use otai_mcp::tools::WriteTool;
use otai_mcp::{McpConfig, McpServer, QueueLists};
use otai_pipeline::Secrets;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use serde_json::{Value, json};

use super::live_rt::{live, service};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    args: Value,
) -> Result<CallToolResult, Box<dyn std::error::Error>> {
    let args = args.as_object().cloned().unwrap_or_default();
    Ok(client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args))
        .await?)
}

fn ok_json(result: &CallToolResult) -> Result<Value, Box<dyn std::error::Error>> {
    let text: String = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect();
    if result.is_error == Some(true) {
        return Err(format!("tool error: {text}").into());
    }
    Ok(serde_json::from_str(&text)?)
}

#[tokio::test]
#[ignore = "needs a Request Tracker 5 server: .ci/run starts one and runs these with --ignored"]
async fn an_agent_triages_an_rt_ticket_through_the_mcp_tools() -> TestResult {
    let (url, token) = live()?;
    let rt: Arc<dyn TicketSystemService> = Arc::new(service(&url, &token).await?);
    let config = McpConfig {
        writes: vec![
            WriteTool::CreateTicket,
            WriteTool::UpdateTicket,
            WriteTool::AddNote,
        ],
        queues: QueueLists {
            read: Some(vec!["General".into(), "Hardware".into()]),
            write: None,
        },
        ..McpConfig::default()
    };
    let server = McpServer::new(
        BTreeMap::from([("rt".to_owned(), rt)]),
        config,
        Secrets::default(),
    )?;
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = ().serve(client_io).await?;

    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let subject = format!("otaimcp{nanos} printer on fire");
    let created = ok_json(
        &call(
            &client,
            "create_ticket",
            json!({"subject": subject, "queue": "General", "body": "room 42"}),
        )
        .await?,
    )?;
    let id = created["id"].as_str().ok_or("no id")?.to_owned();
    let found = ok_json(
        &call(
            &client,
            "find_tickets",
            json!({"queue": "General", "subject_contains": format!("otaimcp{nanos}")}),
        )
        .await?,
    )?;
    assert_eq!(
        found["tickets"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );
    let updated = ok_json(
        &call(
            &client,
            "update_ticket",
            json!({"ticket_id": id, "queue": "Hardware", "priority": "high"}),
        )
        .await?,
    )?;
    assert_eq!(updated["queue"]["name"], json!("Hardware"), "{updated}");
    ok_json(
        &call(
            &client,
            "add_note",
            json!({"ticket_id": id, "body": "moved by the agent"}),
        )
        .await?,
    )?;
    let ticket = ok_json(&call(&client, "get_ticket", json!({"ticket_id": id})).await?)?;
    let notes = ticket["notes"].as_array().ok_or("no notes")?;
    assert!(
        notes.iter().any(|n| n["body"]
            .as_str()
            .is_some_and(|b| b.contains("moved by the agent"))),
        "{ticket}"
    );
    let other = call(&client, "find_tickets", json!({"queue": "Secret"})).await?;
    assert_eq!(
        other.is_error,
        Some(true),
        "a queue off the list is refused"
    );
    Ok(())
}
