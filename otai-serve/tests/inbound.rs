//! The inbound API end to end over real HTTP on 127.0.0.1: every row of the contract, against
//! the local store and the OTOBO fake.

use std::sync::Arc;
use std::time::Duration;

use otai_core::registry::BuildContext;
use otai_pipeline::{Engine, LoadOptions, Registry, Secrets, load_str};
use otai_serve::{Gateway, Settings};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SECRETS: &str = "MONITORING_TOKEN: change-me\nZABBIX_TOKEN: zabbix-token-1234\nNAGIOS_PASSWORD: nagios-pw\nCRM_TOKEN: crm-token-5678\nOTOBO_PASSWORD: SdkAgent-Test-Pw1\n";

const INBOUND: &str = r#"
server:
  listen: 127.0.0.1:0
  body_limit: 2048
inbound:
  - id: monitoring
    service: helpdesk
    accounts:
      - { name: zabbix, token: '${{ secrets.ZABBIX_TOKEN }}' }
      - { name: nagios, username: nagios, password: '${{ secrets.NAGIOS_PASSWORD }}' }
      - { name: limited, token: limited-token, rate_limit: { per_second: 0.001, burst: 1 } }
    external_id: '{{ payload.event_id }}'
    redact_fields: [contact]
    validate:
      event_id: { required: true, type: string, max_length: 64 }
      severity: { required: true, enum: [info, warning, critical] }
      host:     { required: true, type: string, max_length: 255 }
      summary:  { required: true, type: string, min_length: 3, max_length: 200 }
      contact:  { type: string, pattern: '^[^@\s]+@[^@\s]+$' }
      details:  { type: string }
    ticket:
      subject: '[{{ payload.severity }}] {{ payload.host }}: {{ payload.summary }}'
      body: "{{ payload.details | default('') }} (from {{ account.name }})"
      queue: Raw
      priority: "{{ {'info': '2 low', 'warning': '3 normal', 'critical': '5 very high'}[payload.severity] }}"
  - id: crm
    service: helpdesk
    accounts:
      - { name: crm, token: '${{ secrets.CRM_TOKEN }}' }
    unknown_fields: ignore
    ticket:
      subject: '{{ payload.title }}'
      queue: Raw
"#;

const LOCAL: &str = "services:\n  - id: helpdesk\n    use: local\n    params: {path: ':memory:'}\n";

fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    otai_local::register(registry.services_mut());
    otai_otobo_znuny::register(registry.services_mut());
    registry
}

/// [`SECRETS`], read as a secrets file is.
fn secrets() -> Result<Secrets, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("secrets.yml");
    std::fs::write(&file, SECRETS)?;
    Ok(Secrets::from_file(&file)?)
}

fn engine(text: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    let options = LoadOptions::new(secrets()?);
    Ok(load_str(
        "otai.yml",
        text,
        &BuildContext::default(),
        &registry(),
        &options,
    )?)
}

/// `text` (from the file `name`) loaded as `otai validate` loads it: checked, nothing built.
fn checked(name: &str, text: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    let mut options = LoadOptions::new(secrets()?);
    options.validate_only = true;
    Ok(load_str(
        name,
        text,
        &BuildContext::default(),
        &registry(),
        &options,
    )?)
}

/// The first YAML block of a page's `text`.
fn yaml_block(text: &str) -> Option<&str> {
    text.split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
}

struct Running {
    url: String,
    client: reqwest::Client,
    gateway: Arc<Gateway>,
    engine: Engine,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn start(text: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let engine = engine(text)?;
        let settings = Settings::read(&engine)?;
        let store = Arc::new(otai_state::SqliteStore::in_memory()?);
        let gateway = Arc::new(settings.gateway(&engine, store));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(otai_serve::serve(
            Arc::clone(&gateway),
            listener,
            30,
            async {
                let _ = stopped.await;
            },
        ));
        Ok(Self {
            url,
            client: client()?,
            gateway,
            engine,
            stop: Some(stop),
            served,
        })
    }

    async fn stop(mut self) -> TestResult {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.served.await??;
        Ok(())
    }

    fn post(&self, integration: &str, token: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}/api/v1/inbound/{integration}", self.url))
            .bearer_auth(token)
            .json(body)
    }

    async fn ticket_count(&self) -> Result<usize, Box<dyn std::error::Error>> {
        let service = self
            .engine
            .services()
            .get("helpdesk")
            .cloned()
            .ok_or("no service")?;
        let mut kwargs = serde_json::Map::new();
        kwargs.insert("all".into(), json!(true));
        kwargs.insert("limit".into(), json!(1000));
        use otai_core::TicketSystemServiceExt;
        Ok(service.find_tickets_kw(kwargs).await?.len())
    }
}

async fn answer(
    request: reqwest::RequestBuilder,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await?))
}

fn event(id: &str) -> Value {
    json!({"event_id": id, "severity": "critical", "host": "db1", "summary": "disk full",
           "contact": "ops@example.org", "details": "{{ 7 * 7 }} / at 99%"})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_request_creates_one_ticket_and_a_resend_is_ignored() -> TestResult {
    let server = Running::start(&format!("{LOCAL}{INBOUND}")).await?;
    let (status, body) =
        answer(server.post("monitoring", "zabbix-token-1234", &event("e-1"))).await?;
    assert_eq!(status, 201, "{body}");
    let ticket_id = body["ticket_id"].as_str().ok_or("no ticket id")?.to_owned();
    let number = body["ticket_number"].clone();
    assert_eq!(
        body,
        json!({"status": "inserted", "staging_id": 1, "ticket_id": ticket_id, "ticket_number": number})
    );
    let service = server
        .engine
        .services()
        .get("helpdesk")
        .cloned()
        .ok_or("no service")?;
    let mut kwargs = serde_json::Map::new();
    kwargs.insert("ticket_id".into(), json!(ticket_id));
    use otai_core::TicketSystemServiceExt;
    let ticket = service.get_ticket_kw(kwargs).await?.ok_or("no ticket")?;
    assert_eq!(ticket.subject.as_deref(), Some("[critical] db1: disk full"));
    // Payload values are data: the template text a caller sends is not run.
    assert_eq!(
        ticket.body.as_deref(),
        Some("{{ 7 * 7 }} / at 99% (from zabbix)")
    );
    assert_eq!(
        ticket.priority.and_then(|p| p.name).as_deref(),
        Some("5 very high")
    );

    let (status, again) =
        answer(server.post("monitoring", "zabbix-token-1234", &event("e-1"))).await?;
    assert_eq!(status, 200);
    assert_eq!(
        again,
        json!({"status": "ignored", "staging_id": 2, "duplicate_of": 1, "first_status": "inserted",
               "ticket_id": ticket_id, "ticket_number": number})
    );
    assert_eq!(server.ticket_count().await?, 1);

    // The staged record, to the integration's accounts only, without the redacted field.
    let staged = client()?
        .get(format!("{}/api/v1/inbound/monitoring/1", server.url))
        .basic_auth("nagios", Some("nagios-pw"))
        .send()
        .await?;
    assert_eq!(staged.status().as_u16(), 200);
    let staged: Value = staged.json().await?;
    assert_eq!(staged["status"], "inserted");
    assert_eq!(staged["account"], "zabbix");
    assert_eq!(staged["external_id"], "e-1");
    assert_eq!(staged["ticket_id"], json!(ticket_id));
    assert_eq!(staged["attempts"], 1);
    assert_eq!(staged["payload"]["host"], "db1");
    assert!(staged["payload"].get("contact").is_none(), "{staged}");
    let other = client()?
        .get(format!("{}/api/v1/inbound/monitoring/1", server.url))
        .bearer_auth("crm-token-5678")
        .send()
        .await?;
    assert_eq!(other.status().as_u16(), 403);
    let missing = client()?
        .get(format!("{}/api/v1/inbound/monitoring/999", server.url))
        .bearer_auth("zabbix-token-1234")
        .send()
        .await?;
    assert_eq!(missing.status().as_u16(), 404);
    server.stop().await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_refusal_has_its_status_and_the_error_shape() -> TestResult {
    let server = Running::start(&format!("{LOCAL}{INBOUND}")).await?;
    let bad = json!({"event_id": "e-2", "severity": "debug", "summary": "x", "colour": "red",
                     "contact": "nobody"});
    let (status, body) = answer(server.post("monitoring", "zabbix-token-1234", &bad)).await?;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"status": "error", "staging_id": 1, "errors": [
            {"field": "contact", "code": "pattern", "message": "must match `^[^@\\s]+@[^@\\s]+$`"},
            {"field": "host", "code": "required", "message": "is required"},
            {"field": "severity", "code": "enum", "message": "must be one of: info, warning, critical"},
            {"field": "summary", "code": "min_length", "message": "must have at least 3 characters"},
            {"field": "colour", "code": "unknown_field", "message": "is not a field of this API"},
        ]})
    );

    let client = client()?;
    let url = format!("{}/api/v1/inbound/monitoring", server.url);
    let raw = |body: &'static str, content_type: &'static str| {
        client
            .post(&url)
            .bearer_auth("zabbix-token-1234")
            .header("content-type", content_type)
            .body(body)
    };
    let (status, body) = answer(raw("{not json", "application/json")).await?;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (400, &json!("invalid_json"))
    );
    assert_eq!(body["staging_id"], 2);
    let (status, body) = answer(raw("[1, 2]", "application/json")).await?;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (400, &json!("not_an_object"))
    );
    let (status, body) = answer(raw("{}", "text/plain")).await?;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (415, &json!("unsupported_media_type"))
    );
    let deep = "[".repeat(40) + &"]".repeat(40);
    let (status, body) = answer(
        client
            .post(&url)
            .bearer_auth("zabbix-token-1234")
            .header("content-type", "application/json")
            .body(deep),
    )
    .await?;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (400, &json!("too_deep"))
    );

    // Credentials: none, wrong, another integration's.
    let response = client.post(&url).json(&event("e-3")).send().await?;
    assert_eq!(response.status().as_u16(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let body: Value = response.json().await?;
    assert_eq!(body["staging_id"], Value::Null);
    assert_eq!(body["errors"][0]["code"], "unauthorized");
    let (status, _) = answer(server.post("monitoring", "zabbix-token-123", &event("e-3"))).await?;
    assert_eq!(status, 401);
    let (status, body) = answer(server.post("monitoring", "crm-token-5678", &event("e-3"))).await?;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (403, &json!("forbidden"))
    );
    let (status, body) = answer(server.post("nowhere", "zabbix-token-1234", &event("e-3"))).await?;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (404, &json!("not_found"))
    );

    // Over the body limit (2048 bytes here).
    let mut big = event("e-4");
    big["details"] = json!("x".repeat(4096));
    let (status, body) = answer(server.post("monitoring", "zabbix-token-1234", &big)).await?;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (413, &json!("too_large"))
    );

    // A rate limit of one request: the second waits.
    let (status, _) = answer(server.post("monitoring", "limited-token", &event("e-5"))).await?;
    assert_eq!(status, 201);
    let response = server
        .post("monitoring", "limited-token", &event("e-6"))
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 429);
    let wait: u64 = response
        .headers()
        .get("retry-after")
        .ok_or("no Retry-After")?
        .to_str()?
        .parse()?;
    assert!(wait >= 1, "{wait}");

    // Nothing refused made a ticket; nothing unauthenticated was staged.
    assert_eq!(server.ticket_count().await?, 1);
    let rows = server
        .gateway
        .store()
        .list(&otai_state::StagingFilter::default())?;
    assert_eq!(rows.len(), 6, "{rows:?}");
    let stats = server.gateway.store().stats()?;
    let zabbix = stats
        .iter()
        .find(|s| s.account == "zabbix")
        .ok_or("no zabbix stats")?;
    assert_eq!(
        (zabbix.requests, zabbix.created, zabbix.rejected),
        (5, 0, 5)
    );
    server.stop().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_helpdesk_that_is_down_gets_the_request_again_and_makes_one_ticket() -> TestResult {
    let mut fake = otai_otobo_znuny::fake::FakeOtobo::start().await?;
    let services = format!(
        "services:\n  - id: helpdesk\n    use: otobo-znuny\n    params:\n      base_url: {}\n      username: sdkagent\n      password: '${{{{ secrets.OTOBO_PASSWORD }}}}'\n      retries: 0\n",
        fake.url()
    );
    let text = format!(
        "{services}{}",
        INBOUND.replace(
            "      queue: Raw\n      priority",
            "      queue: Raw\n      customer: sdkcustomer\n      priority"
        )
    );
    let server = Running::start(&text).await?;
    fake.stop().await;
    let (status, body) =
        answer(server.post("monitoring", "zabbix-token-1234", &event("e-down"))).await?;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["retryable"], true);
    assert_eq!(body["staging_id"], 1);
    // A resend while it waits makes no second ticket.
    let (status, again) =
        answer(server.post("monitoring", "zabbix-token-1234", &event("e-down"))).await?;
    assert_eq!(
        (status, &again["status"], &again["first_status"]),
        (200, &json!("ignored"), &json!("retrying"))
    );
    fake.restart().await?;
    let mut row = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let found = server.gateway.store().get(1)?.ok_or("row lost")?;
        if found.status == otai_state::Status::Inserted {
            row = Some(found);
            break;
        }
    }
    let row = row.ok_or("the staged request was not sent again")?;
    assert_eq!(row.attempts, 2);
    assert_eq!(server.ticket_count().await?, 1);
    let (status, later) =
        answer(server.post("monitoring", "zabbix-token-1234", &event("e-down"))).await?;
    assert_eq!(status, 200);
    assert_eq!(later["ticket_id"], json!(row.ticket_id));
    assert_eq!(server.ticket_count().await?, 1);
    server.stop().await
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_endpoints_answer() -> TestResult {
    let server = Running::start(&format!("{LOCAL}{INBOUND}")).await?;
    answer(server.post("monitoring", "zabbix-token-1234", &event("e-7"))).await?;
    let client = client()?;
    let health = client.get(format!("{}/healthz", server.url)).send().await?;
    assert_eq!(health.status().as_u16(), 200);
    let ready = client.get(format!("{}/readyz", server.url)).send().await?;
    assert_eq!(ready.status().as_u16(), 200);
    let ready: Value = ready.json().await?;
    assert_eq!(
        ready,
        json!({"status": "ready", "services": {"helpdesk": "ok"}})
    );
    let metrics = client
        .get(format!("{}/metrics", server.url))
        .send()
        .await?
        .text()
        .await?;
    for line in [
        "otai_inbound_requests_total{integration=\"monitoring\",account=\"zabbix\",status=\"201\"} 1",
        "otai_inbound_tickets_created_total{integration=\"monitoring\"} 1",
        "otai_inbound_staged_rows{integration=\"monitoring\",status=\"inserted\"} 1",
        "otai_inbound_request_duration_seconds_count{integration=\"monitoring\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }
    assert!(!metrics.contains("zabbix-token-1234"));
    let document: Value = client
        .get(format!("{}/api/v1/openapi.json", server.url))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(document["openapi"], "3.1.0");
    let schema = &document["components"]["schemas"]["MonitoringPayload"];
    assert_eq!(
        schema["required"],
        json!(["event_id", "host", "severity", "summary"])
    );
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["properties"]["severity"]["enum"],
        json!(["info", "warning", "critical"])
    );
    assert_eq!(schema["properties"]["summary"]["minLength"], 3);
    assert!(document["paths"]["/api/v1/inbound/crm"]["post"].is_object());
    let unknown = client.get(format!("{}/nothing", server.url)).send().await?;
    assert_eq!(unknown.status().as_u16(), 404);
    server.stop().await
}

#[test]
fn bad_inbound_sections_are_refused_with_every_problem_at_its_line() -> TestResult {
    let text = format!(
        "{LOCAL}server:\n  listen: nowhere\ninbound:\n  - id: 'bad id'\n    service: nope\n    accounts:\n      - {{ name: a }}\n    validate:\n      x: {{ pattern: '(' }}\n    ticket: {{ subject: '{{{{ payload.' }}\n    colour: red\n"
    );
    let loaded = engine(&text)?;
    let Err(errors) = Settings::read(&loaded) else {
        return Err("a bad section was accepted".into());
    };
    let shown = errors.to_string();
    assert!(shown.contains("otai.yml:15: inbound[0].colour"), "{shown}");
    let fixed = text.replace("    colour: red\n", "");
    let Err(errors) = Settings::read(&engine(&fixed)?) else {
        return Err("a bad section was accepted".into());
    };
    let shown = errors.to_string();
    for expected in [
        "otai.yml:6: server.listen",
        "otai.yml:8: inbound[0].id",
        "otai.yml:9: inbound[0].service",
        "inbound[0].accounts[0]",
        "inbound[0].validate.x.pattern",
        "otai.yml:14: inbound[0].ticket",
    ] {
        assert!(shown.contains(expected), "{expected} not in {shown}");
    }
    Ok(())
}

#[test]
fn the_example_of_docs_serve_is_read_without_problems() -> TestResult {
    let doc = include_str!("../../docs/serve.md");
    let block = yaml_block(doc).ok_or("no example in docs/serve.md")?;
    let engine = checked("serve.md", block)?;
    let settings = Settings::read(&engine)?;
    assert_eq!(
        settings.server.map(|s| s.listen).as_deref(),
        Some("127.0.0.1:8787")
    );
    assert_eq!(settings.state.retention_days, 30);
    Ok(())
}

#[test]
fn the_inbound_example_is_read_without_problems() -> TestResult {
    let text = include_str!("../../examples/inbound/otai.yml");
    let engine = checked("otai.yml", text)?;
    let settings = Settings::read(&engine)?;
    assert_eq!(
        settings.server.map(|s| s.listen).as_deref(),
        Some("127.0.0.1:8787")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_certificate_the_api_is_served_over_https_only() -> TestResult {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");
    let text = format!(
        "{LOCAL}{}",
        INBOUND.replace(
            "  body_limit: 2048\n",
            &format!("  body_limit: 2048\n  cert_file: {fixtures}/server.crt\n  key_file: {fixtures}/server.key\n"),
        )
    );
    let engine = engine(&text)?;
    let settings = Settings::read(&engine)?;
    let tls = settings
        .tls(std::path::Path::new("otai.yml"))?
        .ok_or("no TLS")?;
    let store = Arc::new(otai_state::SqliteStore::in_memory()?);
    let gateway = Arc::new(settings.gateway(&engine, store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(otai_serve::serve_with(
        gateway,
        listener,
        Some(tls),
        30,
        async {
            let _ = stopped.await;
        },
    ));
    let certificate =
        reqwest::Certificate::from_pem(&std::fs::read(format!("{fixtures}/server.crt"))?)?;
    let https = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .add_root_certificate(certificate)
        .build()?;
    let (status, body) = answer(
        https
            .post(format!(
                "https://127.0.0.1:{port}/api/v1/inbound/monitoring"
            ))
            .bearer_auth("zabbix-token-1234")
            .json(&event("e-tls")),
    )
    .await?;
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("inserted")),
        "{body}"
    );
    let plain = client()?
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP was answered on the HTTPS port");
    let _ = stop.send(());
    served.await??;
    Ok(())
}

#[test]
fn a_certificate_without_its_key_is_refused() -> TestResult {
    let text = format!("{LOCAL}server:\n  listen: 127.0.0.1:0\n  cert_file: server.crt\n");
    let Err(errors) = Settings::read(&engine(&text)?) else {
        return Err("a certificate without a key was accepted".into());
    };
    let shown = errors.to_string();
    assert!(shown.contains("otai.yml:7: server.cert_file"), "{shown}");
    Ok(())
}

const MAPPED: &str = r#"
server:
  listen: 127.0.0.1:0
  body_limit: 2048
inbound:
  - id: partner
    service: helpdesk
    accounts:
      - { name: partner, token: partner-token }
    mapping:
      key_exact: { Prio: priority, Betreff: summary }
      key_regex: { 'X-(\w+)': 'tag_$1' }
      values:
        priority: { exact: { '1': low, '2': medium }, regex: { '[3-5]': high } }
    external_id: '{{ payload.summary }}'
    redact_fields: [secret]
    validate:
      priority: { required: true, enum: [low, medium, high] }
      summary:  { required: true, type: string, min_length: 3 }
      tag_team: { type: string }
      secret:   { type: string }
    ticket:
      subject: '{{ payload.summary }}'
      queue: Raw
      priority: '{{ payload.priority }}'
  - id: strict
    service: helpdesk
    accounts:
      - { name: strict, token: strict-token }
    mapping:
      key_exact: { Host: host }
      key_default: ignore
    validate:
      host: { required: true, type: string }
    ticket:
      subject: '{{ payload.host }}'
      queue: Raw
  - id: dropping
    service: helpdesk
    accounts:
      - { name: dropping, token: dropping-token }
    mapping:
      value_default: ignore
      values: { level: { exact: { '1': low } } }
    validate:
      level: { enum: [low] }
      meta:  { type: object }
    ticket:
      subject: s
      queue: Raw
  - id: closed
    service: helpdesk
    accounts:
      - { name: closed, token: closed-token }
    mapping:
      key_exact: { Host: host }
    validate:
      host: { required: true, type: string }
      note: { type: string }
    ticket:
      subject: '{{ payload.host }}'
      queue: Raw
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_translates_the_remote_names_and_values_before_the_rules() -> TestResult {
    let server = Running::start(&format!("{LOCAL}{MAPPED}")).await?;
    let sent = json!({"Prio": 1, "Betreff": "printer on fire", "X-team": "ops", "secret": "s3"});
    let (status, body) = answer(server.post("partner", "partner-token", &sent)).await?;
    assert_eq!(status, 201, "{body}");
    let staged: Value = client()?
        .get(format!("{}/api/v1/inbound/partner/1", server.url))
        .bearer_auth("partner-token")
        .send()
        .await?
        .json()
        .await?;
    // Staged, validated and rendered in the mapped names; `redact_fields` names them too.
    assert_eq!(
        staged["payload"],
        json!({"priority": "low", "summary": "printer on fire", "tag_team": "ops"})
    );
    assert_eq!(staged["external_id"], "printer on fire");
    let (status, body) = answer(server.post(
        "partner",
        "partner-token",
        &json!({"Prio": "4", "Betreff": "second"}),
    ))
    .await?;
    assert_eq!(status, 201, "{body}");

    // A violation names the field as sent, and what it was mapped to.
    let (status, body) = answer(server.post(
        "partner",
        "partner-token",
        &json!({"Prio": "9", "Betreff": "third"}),
    ))
    .await?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["errors"],
        json!([{"field": "Prio", "code": "enum",
                "message": "must be one of: low, medium, high (`Prio` is mapped to `priority`)"}])
    );
    // Two keys that become one are refused, not silently merged.
    let (status, body) = answer(server.post(
        "partner",
        "partner-token",
        &json!({"Prio": "1", "priority": "high", "Betreff": "fourth"}),
    ))
    .await?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["code"], "mapping_conflict");
    // `key_default: ignore` drops what the mapping does not name; the rules see the rest.
    let (status, body) = answer(server.post(
        "strict",
        "strict-token",
        &json!({"Host": "db1", "colour": "red"}),
    ))
    .await?;
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        answer(server.post("strict", "strict-token", &json!({"host": "db1"}))).await?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "Host");
    assert_eq!(body["errors"][0]["code"], "required");
    // The body limit still holds before any mapping.
    let many: serde_json::Map<String, Value> =
        (0..400).map(|i| (format!("X-k{i}"), json!(i))).collect();
    let (status, _) = answer(server.post("partner", "partner-token", &Value::Object(many))).await?;
    assert_eq!(status, 413);
    assert_eq!(server.ticket_count().await?, 3);
    server.stop().await
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_mapping_the_openapi_schema_describes_what_the_remote_sends() -> TestResult {
    let server = Running::start(&format!("{LOCAL}{MAPPED}")).await?;
    let document: Value = server
        .client
        .get(format!("{}/api/v1/openapi.json", server.url))
        .send()
        .await?
        .json()
        .await?;
    let partner = &document["components"]["schemas"]["PartnerPayload"];
    let names: Vec<&str> = partner["properties"]
        .as_object()
        .ok_or("no properties")?
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "Betreff", "Prio", "priority", "secret", "summary", "tag_team"
        ]
    );
    // `Prio` and `priority` both reach `priority`: one of them is required; the values are
    // mapped, so the schema does not constrain them.
    assert_eq!(
        partner["allOf"],
        json!([
            {"anyOf": [{"required": ["Prio"]}, {"required": ["priority"]}]},
            {"anyOf": [{"required": ["Betreff"]}, {"required": ["summary"]}]}
        ])
    );
    assert_eq!(partner["required"], json!([]));
    assert!(partner["properties"]["Prio"].get("enum").is_none());
    assert_eq!(partner["properties"]["Betreff"]["minLength"], 3);
    assert_eq!(
        partner["properties"]["Betreff"]["description"],
        "mapped to `summary`"
    );
    // A key_regex may produce `tag_team` from names no schema can list: it is not required
    // and other fields are allowed.
    assert!(partner.get("additionalProperties").is_none());
    let strict = &document["components"]["schemas"]["StrictPayload"];
    assert_eq!(strict["required"], json!(["Host"]));
    assert_eq!(
        strict["properties"],
        json!({"Host": {"type": "string", "description": "mapped to `host`"}})
    );
    assert!(strict.get("additionalProperties").is_none());
    // With `value_default: ignore`, a text or number in an object field is dropped, not refused.
    let dropping = &document["components"]["schemas"]["DroppingPayload"];
    assert_eq!(
        dropping["properties"]["meta"],
        json!({"anyOf": [{"type": "object"}, {"type": ["string", "number"]}]})
    );
    assert!(dropping["properties"]["level"].get("enum").is_none());
    let (status, body) = answer(server.post(
        "dropping",
        "dropping-token",
        &json!({"meta": "text", "level": 1}),
    ))
    .await?;
    assert_eq!(status, 201, "{body}");
    // Only exact key maps and `key_default: keep`: every name is known, so the schema stays
    // closed, as `unknown_fields: reject` is.
    let closed = &document["components"]["schemas"]["ClosedPayload"];
    assert_eq!(closed["additionalProperties"], false);
    assert_eq!(
        closed["allOf"],
        json!([{"anyOf": [{"required": ["Host"]}, {"required": ["host"]}]}])
    );
    assert_eq!(closed["properties"]["note"], json!({"type": "string"}));
    server.stop().await
}

#[test]
fn a_bad_mapping_is_refused_with_where() -> TestResult {
    let text = format!(
        "{LOCAL}server:\n  listen: 127.0.0.1:0\ninbound:\n  - id: a\n    service: helpdesk\n    accounts: [{{ name: a, token: t }}]\n    mapping:\n      key_regex: {{ '(': x }}\n      key_default: {{ map_to: '' }}\n      valeus: {{}}\n    ticket: {{ subject: s }}\n"
    );
    let Err(errors) = Settings::read(&engine(&text)?) else {
        return Err("a bad mapping was accepted".into());
    };
    let shown = errors.to_string();
    assert!(shown.contains("inbound[0].mapping.valeus"), "{shown}");
    let fixed = text.replace("      valeus: {}\n", "");
    let Err(errors) = Settings::read(&engine(&fixed)?) else {
        return Err("a bad mapping was accepted".into());
    };
    let shown = errors.to_string();
    assert!(shown.contains("inbound[0].mapping.key_default"), "{shown}");
    let fixed = fixed.replace("      key_default: { map_to: '' }\n", "");
    let Err(errors) = Settings::read(&engine(&fixed)?) else {
        return Err("a bad mapping was accepted".into());
    };
    let shown = errors.to_string();
    assert!(
        shown.contains("otai.yml:12: inbound[0].mapping.key_regex.("),
        "{shown}"
    );
    assert!(shown.contains("invalid regex"), "{shown}");
    // A rule no key of a request can reach is refused, not left to fail every request.
    let unreachable = format!(
        "{LOCAL}server:\n  listen: 127.0.0.1:0\ninbound:\n  - id: a\n    service: helpdesk\n    accounts: [{{ name: a, token: t }}]\n    mapping: {{ key_default: ignore }}\n    validate:\n      host: {{ required: true }}\n    ticket: {{ subject: s }}\n"
    );
    let Err(errors) = Settings::read(&engine(&unreachable)?) else {
        return Err("an unreachable rule was accepted".into());
    };
    let shown = errors.to_string();
    assert!(shown.contains("inbound[0].validate.host"), "{shown}");
    assert!(
        shown.contains("no key of a request is mapped to `host`"),
        "{shown}"
    );
    Ok(())
}

#[test]
fn the_mapping_example_of_docs_serve_maps_what_it_says() -> TestResult {
    let doc = include_str!("../../docs/serve.md");
    let section = doc
        .split("## Mapping a remote system's names and values")
        .nth(1)
        .ok_or("no mapping section in docs/serve.md")?;
    let block = yaml_block(section).ok_or("no mapping example in docs/serve.md")?;
    let engine = checked("serve.md", block)?;
    let settings = Settings::read(&engine)?;
    let gateway = settings.gateway(&engine, Arc::new(otai_state::SqliteStore::in_memory()?));
    let mapping = gateway
        .integrations()
        .find(|i| i.id() == "partner")
        .and_then(|i| i.mapping())
        .ok_or("no mapping in the example")?;
    let mapped = mapping.apply(json!({"Prio": 1, "Betreff": "printer on fire", "X-Team": "ops"}));
    assert_eq!(
        mapped.payload,
        json!({"priority": "low", "summary": "printer on fire", "tag_Team": "ops"})
    );
    assert!(
        section
            .contains(r#"`{"priority": "low", "summary": "printer on fire", "tag_Team": "ops"}`"#)
    );
    Ok(())
}
