//! The inbound API in front of a real RT 5 server: a request over HTTP makes one ticket, a
//! resend with the same external id none. Ignored by default; `.ci/run` starts RT and runs it
//! with `--ignored` (`OTAI_RT_URL`, `OTAI_RT_TOKEN` or `OTAI_RT_TOKEN_FILE`). Without a server it
//! fails: it never passes without having run.

use std::sync::Arc;
use std::time::Duration;

use otai_core::TicketSystemServiceExt;
use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, Secrets, load_str};
use serde_json::{Map, Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a live RT 5 server (OTAI_RT_URL, OTAI_RT_TOKEN_FILE): run by .ci/run"]
async fn an_inbound_request_makes_one_rt_ticket() -> TestResult {
    let url = std::env::var("OTAI_RT_URL").map_err(|_| "OTAI_RT_URL is not set")?;
    let token = match std::env::var("OTAI_RT_TOKEN") {
        Ok(token) if !token.is_empty() => token,
        _ => std::fs::read_to_string(std::env::var("OTAI_RT_TOKEN_FILE")?)?
            .trim()
            .to_owned(),
    };
    let dir = tempfile::tempdir()?;
    let secrets_file = dir.path().join("secrets.yml");
    std::fs::write(&secrets_file, format!("RT_TOKEN: '{token}'\n"))?;
    let config = format!(
        "services:\n  - id: rt\n    use: rt\n    params:\n      base_url: {url}\n      token: '${{{{ secrets.RT_TOKEN }}}}'\nserver:\n  listen: 127.0.0.1:0\ninbound:\n  - id: forms\n    service: rt\n    accounts:\n      - {{ name: web, token: web-form-token }}\n    external_id: '{{{{ payload.form_id }}}}'\n    validate:\n      form_id: {{ required: true, type: string }}\n      title: {{ required: true, type: string, min_length: 3 }}\n    ticket:\n      subject: 'web form: {{{{ payload.title }}}}'\n      queue: General\n"
    );
    let mut registry = otai_pipeline::Registry::new();
    otai_rt::register(registry.services_mut());
    let engine = load_str(
        "otai.yml",
        &config,
        &BuildContext::new(dir.path()),
        &registry,
        &LoadOptions::new(Secrets::from_file(&secrets_file)?),
    )?;
    let settings = otai_serve::Settings::read(&engine)?;
    let store = Arc::new(otai_state::SqliteStore::in_memory()?);
    let gateway = Arc::new(settings.gateway(&engine, store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(otai_serve::serve(gateway, listener, 30, async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let form_id = format!("form-{}", std::process::id());
    let body = json!({ "form_id": form_id, "title": "printer on fire" });
    let post = || {
        client
            .post(format!("{base}/api/v1/inbound/forms"))
            .bearer_auth("web-form-token")
            .json(&body)
            .send()
    };
    let first = post().await?;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await?;
    let ticket_id = first["ticket_id"]
        .as_str()
        .ok_or("no ticket id")?
        .to_owned();
    let again = post().await?;
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await?;
    assert_eq!(again["status"], "ignored");
    assert_eq!(again["ticket_id"], json!(ticket_id));

    let service = engine
        .services()
        .get("rt")
        .cloned()
        .ok_or("no rt service")?;
    let mut kwargs = Map::new();
    kwargs.insert("ticket_id".into(), json!(ticket_id));
    let ticket = service
        .get_ticket_kw(kwargs)
        .await?
        .ok_or("ticket not in RT")?;
    assert_eq!(ticket.subject.as_deref(), Some("web form: printer on fire"));

    let _ = stop.send(());
    served.await??;
    Ok(())
}
