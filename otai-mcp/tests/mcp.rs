//! `otai mcp` driven by the SDK's own client, in process: every tool against the local store,
//! the limits of the `mcp:` section, bad requests, ticket resources, prompts, HTTP with its
//! token, and the OTOBO fake.

use std::collections::BTreeMap;
use std::sync::Arc;

use otai_core::registry::BuildContext;
use otai_core::{TicketSystemService, TicketSystemServiceExt};
use otai_mcp::{McpConfig, McpServer};
use otai_pipeline::{Engine, LoadOptions, Registry, Secrets, load_str};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, GetPromptRequestParams, JsonObject,
    ReadResourceRequestParams, ResourceContents,
};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Client = RunningService<RoleClient, ()>;

/// A store with two tickets: 1 in Raw (long body), 2 in Junk.
const STORE: &str = "services:
  - id: store
    use: local
    params:
      path: ':memory:'
";

fn engine(mcp: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    let mut registry = Registry::new();
    otai_local::register(registry.services_mut());
    let text = format!("{STORE}{mcp}");
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("secrets.yml");
    std::fs::write(&file, "MCP_TOKEN: token-for-tests-0123456789\n")?;
    let secrets = Secrets::from_file(&file)?;
    let engine = load_str(
        "otai.yml",
        &text,
        &BuildContext::default(),
        &registry,
        &LoadOptions::new(secrets),
    )
    .map_err(|e| e.to_string())?;
    Ok(engine)
}

fn object(value: Value) -> JsonObject {
    value.as_object().cloned().unwrap_or_default()
}

async fn seed(service: &Arc<dyn TicketSystemService>) -> TestResult {
    service
        .create_ticket_kw(object(json!({
            "subject": "Printer on fire",
            "queue": "Raw",
            "body": "x".repeat(5_000),
        })))
        .await?;
    service
        .create_ticket_kw(object(
            json!({"subject": "Spam", "queue": "Junk", "body": "buy"}),
        ))
        .await?;
    Ok(())
}

/// A server over the seeded store with section `mcp`, and a client connected to it.
async fn connect(mcp: &str) -> Result<(Client, McpServer, Engine), Box<dyn std::error::Error>> {
    let engine = engine(mcp)?;
    let services: BTreeMap<String, Arc<dyn TicketSystemService>> = engine
        .services()
        .into_iter()
        .map(|(id, s)| (id.to_owned(), s))
        .collect();
    seed(services.get("store").ok_or("no store")?).await?;
    let config = McpConfig::from_sections(engine.sections()).map_err(|e| e.to_string())?;
    let server = McpServer::new(services, config, engine.secrets().clone())?;
    let client = serve_in_process(server.clone()).await?;
    Ok((client, server, engine))
}

async fn serve_in_process(server: McpServer) -> Result<Client, Box<dyn std::error::Error>> {
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    Ok(().serve(client_io).await?)
}

async fn call(
    client: &Client,
    tool: &str,
    args: Value,
) -> Result<CallToolResult, Box<dyn std::error::Error>> {
    Ok(client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(object(args)))
        .await?)
}

/// The text of a result.
fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

/// The JSON of a successful result.
fn ok_json(result: &CallToolResult) -> Result<Value, Box<dyn std::error::Error>> {
    if result.is_error == Some(true) {
        return Err(format!("tool error: {}", text(result)).into());
    }
    Ok(serde_json::from_str(&text(result))?)
}

/// The message of a failed result.
fn error_text(result: &CallToolResult) -> Result<String, Box<dyn std::error::Error>> {
    if result.is_error != Some(true) {
        return Err(format!("expected a tool error, got {}", text(result)).into());
    }
    Ok(text(result))
}

const WRITABLE: &str = "mcp:
  writes: [create_ticket, update_ticket, add_note]
";

#[tokio::test]
async fn a_read_only_server_lists_only_the_read_tools_with_closed_schemas() -> TestResult {
    let (client, _, _) = connect("").await?;
    let tools = client.list_all_tools().await?;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["list_services", "find_tickets", "get_ticket"]);
    let find = tools
        .iter()
        .find(|t| t.name == "find_tickets")
        .ok_or("find")?;
    assert_eq!(
        find.input_schema.get("additionalProperties"),
        Some(&json!(false))
    );
    let properties = find.input_schema.get("properties").ok_or("properties")?;
    for key in otai_core::TicketSearchCriteria::KEYS {
        assert!(properties.get(*key).is_some(), "schema lacks {key}");
    }
    let get = tools.iter().find(|t| t.name == "get_ticket").ok_or("get")?;
    assert_eq!(
        get.input_schema.get("required"),
        Some(&json!(["ticket_id"]))
    );
    Ok(())
}

#[tokio::test]
async fn every_tool_works_against_the_local_store() -> TestResult {
    let (client, server, _) = connect(WRITABLE).await?;
    let tools = client.list_all_tools().await?;
    assert_eq!(tools.len(), 6);

    let services = ok_json(&call(&client, "list_services", json!({})).await?)?;
    assert_eq!(
        services["services"],
        json!([{"id": "store", "kind": "local"}])
    );
    assert_eq!(services["read_only"], json!(false));

    let found = ok_json(&call(&client, "find_tickets", json!({"queue": "Raw"})).await?)?;
    let tickets = found["tickets"].as_array().ok_or("tickets")?;
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["subject"], json!("Printer on fire"));

    let created = ok_json(
        &call(
            &client,
            "create_ticket",
            json!({"subject": "VPN down", "queue": "Raw", "body": "since 9am"}),
        )
        .await?,
    )?;
    let id = created["id"].as_str().ok_or("id")?.to_owned();

    let updated = ok_json(
        &call(
            &client,
            "update_ticket",
            json!({"ticket_id": id, "queue": "IT Access", "priority": "high"}),
        )
        .await?,
    )?;
    assert_eq!(updated["queue"]["name"], json!("IT Access"));

    let noted = ok_json(
        &call(
            &client,
            "add_note",
            json!({"ticket_id": id, "body": "looking into it"}),
        )
        .await?,
    )?;
    let notes = noted["notes"].as_array().ok_or("notes")?;
    let last = notes.last().ok_or("no note")?;
    assert_eq!(last["body"], json!("looking into it"));
    assert_eq!(
        last["internal"],
        json!(true),
        "notes are internal by default"
    );

    let got = ok_json(&call(&client, "get_ticket", json!({"ticket_id": id})).await?)?;
    assert_eq!(got["subject"], json!("VPN down"));
    assert_eq!(got["priority"]["name"], json!("high"));

    let stats = server.stats();
    assert_eq!((stats.calls, stats.succeeded, stats.writes), (6, 6, 3));
    Ok(())
}

#[tokio::test]
async fn write_tools_are_refused_when_read_only_and_nothing_changes() -> TestResult {
    let (client, server, engine) = connect("").await?;
    let result = call(
        &client,
        "create_ticket",
        json!({"subject": "x", "queue": "Raw"}),
    )
    .await?;
    let message = error_text(&result)?;
    assert!(
        message.contains("`create_ticket` is turned off"),
        "{message}"
    );
    assert!(message.contains("mcp.writes"), "{message}");
    let store = engine.services().get("store").cloned().ok_or("store")?;
    let all = store.find_tickets_kw(object(json!({"all": true}))).await?;
    assert_eq!(all.len(), 2, "no ticket was created");
    assert_eq!(server.stats().refused, 1);
    Ok(())
}

#[tokio::test]
async fn the_queue_allow_lists_limit_reads_and_writes() -> TestResult {
    let mcp = "mcp:
  writes: [update_ticket]
  queues:
    read: [Raw, Junk]
    write: [Raw]
";
    let (client, _, engine) = connect(mcp).await?;
    let no_queue = error_text(&call(&client, "find_tickets", json!({"all": true})).await?)?;
    assert!(no_queue.contains("give a `queue`"), "{no_queue}");
    let other = error_text(&call(&client, "find_tickets", json!({"queue": "Secret"})).await?)?;
    assert!(other.contains("`Secret` may not be read"), "{other}");
    let raw = ok_json(&call(&client, "find_tickets", json!({"queue": "Raw"})).await?)?;
    assert_eq!(raw["tickets"].as_array().map(Vec::len), Some(1));

    // Ticket 2 is in Junk: readable, not writable.
    let store = engine.services().get("store").cloned().ok_or("store")?;
    let junk = store
        .find_tickets_kw(object(json!({"queue": "Junk"})))
        .await?;
    let junk_id = junk.first().and_then(|t| t.id.clone()).ok_or("junk id")?;
    let refused = error_text(
        &call(
            &client,
            "update_ticket",
            json!({"ticket_id": junk_id, "state": "closed"}),
        )
        .await?,
    )?;
    assert!(refused.contains("`Junk` may not be written"), "{refused}");
    // Moving a writable ticket out to a queue not on the write list is refused too.
    let raw_id = raw["tickets"][0]["id"].as_str().ok_or("raw id")?;
    let moved = error_text(
        &call(
            &client,
            "update_ticket",
            json!({"ticket_id": raw_id, "queue": "Junk"}),
        )
        .await?,
    )?;
    assert!(moved.contains("new queue"), "{moved}");
    let still = store.get_ticket_by_id(raw_id).await?.ok_or("gone")?;
    assert_eq!(still.queue.and_then(|q| q.name).as_deref(), Some("Raw"));
    Ok(())
}

#[tokio::test]
async fn a_ticket_outside_the_read_queues_is_not_shown() -> TestResult {
    let (client, _, engine) = connect("mcp:\n  queues: {read: [Raw]}\n").await?;
    let store = engine.services().get("store").cloned().ok_or("store")?;
    let junk = store
        .find_tickets_kw(object(json!({"queue": "Junk"})))
        .await?;
    let junk_id = junk.first().and_then(|t| t.id.clone()).ok_or("junk id")?;
    let message = error_text(&call(&client, "get_ticket", json!({"ticket_id": junk_id})).await?)?;
    assert!(message.contains("may not read"), "{message}");
    assert!(
        !message.contains("Spam"),
        "nothing of the ticket leaks: {message}"
    );
    Ok(())
}

#[tokio::test]
async fn oversized_bodies_are_cut_with_a_marker() -> TestResult {
    let (client, _, _) = connect("mcp:\n  body_limit: 100\n").await?;
    let found = ok_json(&call(&client, "find_tickets", json!({"queue": "Raw"})).await?)?;
    let id = found["tickets"][0]["id"].as_str().ok_or("id")?;
    let ticket = ok_json(&call(&client, "get_ticket", json!({"ticket_id": id})).await?)?;
    let body = ticket["notes"][0]["body"].as_str().ok_or("body")?;
    assert!(body.starts_with(&"x".repeat(100)), "{body}");
    assert!(
        body.ends_with("[… truncated: showing 100 of 5000 characters]"),
        "{body}"
    );
    assert!(!body.contains(&"x".repeat(101)));
    Ok(())
}

#[tokio::test]
async fn the_write_budget_refuses_writes_once_spent() -> TestResult {
    let (client, server, _) = connect("mcp:\n  writes: [create_ticket]\n  max_writes: 1\n").await?;
    ok_json(
        &call(
            &client,
            "create_ticket",
            json!({"subject": "one", "queue": "Raw"}),
        )
        .await?,
    )?;
    let second = error_text(
        &call(
            &client,
            "create_ticket",
            json!({"subject": "two", "queue": "Raw"}),
        )
        .await?,
    )?;
    assert!(second.contains("write limit"), "{second}");
    assert_eq!(server.stats().writes, 1);
    Ok(())
}

#[tokio::test]
async fn dry_run_reports_the_change_and_makes_none() -> TestResult {
    let (client, server, engine) =
        connect("mcp:\n  writes: [update_ticket]\n  dry_run: true\n").await?;
    let store = engine.services().get("store").cloned().ok_or("store")?;
    let raw = store
        .find_tickets_kw(object(json!({"queue": "Raw"})))
        .await?;
    let id = raw.first().and_then(|t| t.id.clone()).ok_or("id")?;
    let report = ok_json(
        &call(
            &client,
            "update_ticket",
            json!({"ticket_id": id, "state": "closed"}),
        )
        .await?,
    )?;
    assert_eq!(report["dry_run"], json!(true));
    assert_eq!(report["would_apply"]["state"], json!("closed"));
    assert_eq!(report["ticket_now"]["queue"]["name"], json!("Raw"));
    let after = store.get_ticket_by_id(&id).await?.ok_or("gone")?;
    assert_ne!(after.state.and_then(|s| s.name).as_deref(), Some("closed"));
    assert_eq!(server.stats().writes, 0);
    Ok(())
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_the_server_keeps_running() -> TestResult {
    let (client, server, _) = connect("").await?;
    let unknown = client
        .call_tool(CallToolRequestParams::new("find_ticket"))
        .await
        .err()
        .ok_or("an unknown tool must fail")?;
    assert!(
        unknown.to_string().contains("did you mean `find_tickets`"),
        "{unknown}"
    );

    let typo = error_text(&call(&client, "find_tickets", json!({"queu": "Raw"})).await?)?;
    assert!(typo.contains("did you mean `queue`"), "{typo}");
    let native = error_text(&call(&client, "find_tickets", json!({"native": {"x": 1}})).await?)?;
    assert!(native.contains("invalid input `native`"), "{native}");
    let wrong_type = error_text(&call(&client, "find_tickets", json!({"limit": "ten"})).await?)?;
    assert!(wrong_type.contains("limit"), "{wrong_type}");
    let too_many =
        error_text(&call(&client, "find_tickets", json!({"all": true, "limit": 999})).await?)?;
    assert!(
        too_many.contains("more than this server returns"),
        "{too_many}"
    );
    let service = error_text(
        &call(
            &client,
            "get_ticket",
            json!({"ticket_id": 1, "service": "stor"}),
        )
        .await?,
    )?;
    assert!(service.contains("did you mean `store`"), "{service}");
    let missing = error_text(&call(&client, "get_ticket", json!({"ticket_id": 999})).await?)?;
    assert!(missing.contains("not found"), "{missing}");

    // Still serving.
    assert_eq!(client.list_all_tools().await?.len(), 3);
    let stats = server.stats();
    assert_eq!((stats.failed, stats.succeeded), (6, 0));
    Ok(())
}

#[tokio::test]
async fn tickets_are_resources_and_prompts_embed_them() -> TestResult {
    let (client, _, _) = connect("mcp:\n  queues: {read: [Raw]}\n").await?;
    let templates = client.list_resource_templates(None).await?;
    assert_eq!(
        templates
            .resource_templates
            .first()
            .map(|t| t.uri_template.as_str()),
        Some("ticket://{service}/{id}")
    );
    let found = ok_json(&call(&client, "find_tickets", json!({"queue": "Raw"})).await?)?;
    let id = found["tickets"][0]["id"].as_str().ok_or("id")?;
    let read = client
        .read_resource(ReadResourceRequestParams::new(format!(
            "ticket://store/{id}"
        )))
        .await?;
    let Some(ResourceContents::TextResourceContents { text, .. }) = read.contents.first() else {
        return Err("no text".into());
    };
    let ticket: Value = serde_json::from_str(text)?;
    assert_eq!(ticket["subject"], json!("Printer on fire"));
    let bad = client
        .read_resource(ReadResourceRequestParams::new("ticket://store"))
        .await;
    assert!(bad.is_err());

    let prompts = client.list_prompts(None).await?;
    let names: Vec<&str> = prompts.prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["summarize_ticket", "draft_reply"]);
    let prompt = client
        .get_prompt(
            GetPromptRequestParams::new("summarize_ticket")
                .with_arguments(object(json!({"ticket_id": id}))),
        )
        .await?;
    let message = serde_json::to_string(&prompt.messages)?;
    assert!(message.contains("Printer on fire"), "{message}");
    Ok(())
}

#[test]
fn mistakes_in_the_mcp_section_are_config_errors_at_their_line() -> TestResult {
    let typos = engine("mcp:\n  writes: [creat_ticket]\n  body_limit: 5\n  queus: {}\n")?;
    let errors = McpConfig::from_sections(typos.sections())
        .err()
        .ok_or("must fail")?
        .to_string();
    assert!(errors.contains("otai.yml:"), "{errors}");
    assert!(errors.contains("mcp"), "{errors}");
    let range = engine("mcp:\n  writes: [create_ticket]\n  body_limit: 5\n")?;
    let errors = McpConfig::from_sections(range.sections())
        .err()
        .ok_or("must fail")?
        .to_string();
    assert!(
        errors.contains("otai.yml:8: mcp.body_limit: 5 is out of range"),
        "{errors}"
    );
    Ok(())
}

#[tokio::test]
async fn over_http_the_bearer_token_is_required() -> TestResult {
    let engine = engine("mcp:\n  token: '${{ secrets.MCP_TOKEN }}'\n")?;
    let services: BTreeMap<String, Arc<dyn TicketSystemService>> = engine
        .services()
        .into_iter()
        .map(|(id, s)| (id.to_owned(), s))
        .collect();
    let config = McpConfig::from_sections(engine.sections()).map_err(|e| e.to_string())?;
    let server = McpServer::new(services, config.clone(), engine.secrets().clone())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}{}", listener.local_addr()?, otai_mcp::PATH);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(async move {
        otai_mcp::serve_http(server, &config, listener, async {
            let _ = stopped.await;
        })
        .await
    });

    let plain = reqwest::Client::builder().build()?;
    let refused = plain
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        .send()
        .await?;
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);

    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str())
            .auth_header("token-for-tests-0123456789"),
    );
    let client = ().serve(transport).await?;
    let tools = client.list_all_tools().await?;
    assert_eq!(tools.len(), 3);
    let services = ok_json(&call(&client, "list_services", json!({})).await?)?;
    assert_eq!(services["services"][0]["id"], json!("store"));
    client.cancel().await?;
    let _ = stop.send(());
    serving.await??;
    Ok(())
}

#[tokio::test]
async fn a_server_without_a_token_does_not_serve_http() -> TestResult {
    let engine = engine("")?;
    let services: BTreeMap<String, Arc<dyn TicketSystemService>> = engine
        .services()
        .into_iter()
        .map(|(id, s)| (id.to_owned(), s))
        .collect();
    let config = McpConfig::from_sections(engine.sections()).map_err(|e| e.to_string())?;
    let server = McpServer::new(services, config.clone(), engine.secrets().clone())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let error = otai_mcp::serve_http(server, &config, listener, async {})
        .await
        .err()
        .ok_or("must refuse")?;
    assert!(
        error.to_string().contains("needs a bearer token"),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn the_tools_work_against_the_otobo_fake() -> TestResult {
    let fake = otai_otobo_znuny::fake::FakeOtobo::start().await?;
    let otobo: Arc<dyn TicketSystemService> =
        Arc::new(otai_otobo_znuny::OtoboService::new(&fake.config())?);
    let services = BTreeMap::from([("otobo".to_owned(), otobo)]);
    let config = McpConfig {
        writes: vec![
            otai_mcp::tools::WriteTool::CreateTicket,
            otai_mcp::tools::WriteTool::UpdateTicket,
            otai_mcp::tools::WriteTool::AddNote,
        ],
        ..McpConfig::default()
    };
    let client = serve_in_process(McpServer::new(services, config, Secrets::default())?).await?;
    let created = ok_json(
        &call(
            &client,
            "create_ticket",
            json!({"subject": "Printer on fire", "queue": "Raw", "body": "room 42"}),
        )
        .await?,
    )?;
    let id = created["id"].as_str().ok_or("id")?.to_owned();
    let found = ok_json(&call(&client, "find_tickets", json!({"queue": "Raw"})).await?)?;
    assert!(
        found["tickets"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["id"] == json!(id))),
        "{found}"
    );
    ok_json(
        &call(
            &client,
            "update_ticket",
            json!({"ticket_id": id, "priority": "5 very high"}),
        )
        .await?,
    )?;
    ok_json(
        &call(
            &client,
            "add_note",
            json!({"ticket_id": id, "body": "on it", "attachments": [
                {"name": "log.txt", "content_type": "text/plain", "content": "aGVsbG8="}
            ]}),
        )
        .await?,
    )?;
    let ticket = ok_json(&call(&client, "get_ticket", json!({"ticket_id": id})).await?)?;
    assert_eq!(ticket["priority"]["name"], json!("5 very high"));
    let notes = ticket["notes"].as_array().ok_or("notes")?;
    assert!(
        notes.iter().any(|n| n["body"] == json!("on it")
            && n["attachments"]
                == json!([{"name": "log.txt", "content_type": "text/plain", "size": 5}])),
        "the note and its attachment: {ticket}"
    );
    Ok(())
}

#[test]
fn the_safety_settings_example_in_the_docs_is_read_as_written() -> TestResult {
    let doc = include_str!("../../docs/mcp.md");
    let block = doc
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .ok_or("no yaml example in docs/mcp.md")?;
    let mcp = block
        .split_once("mcp:")
        .map(|(_, rest)| format!("mcp:{rest}"))
        .ok_or("no mcp: section in the example")?;
    let engine = engine(&mcp)?;
    let config = McpConfig::from_sections(engine.sections()).map_err(|e| e.to_string())?;
    assert_eq!(config.writes.len(), 2);
    assert_eq!(config.write_queues(), Some(&["IT Access".to_owned()][..]));
    assert_eq!(
        (config.max_writes, config.body_limit, config.max_results),
        (20, 2000, 50)
    );
    assert!(config.token.is_some());
    otai_mcp::check_http(&config)?;
    Ok(())
}
