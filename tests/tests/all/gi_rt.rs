//! otai as a Generic Interface provider in front of a real RT 5 server: `otai serve`'s
//! configuration path (services, server and `webservices:` from YAML), then the project's OTOBO
//! adapter, over REST and over SOAP, runs the whole conformance kit against it. Ignored by
//! default; `.ci/run` starts RT and runs it with `--ignored` (`OTAI_RT_URL`, `OTAI_RT_TOKEN` or
//! `OTAI_RT_TOKEN_FILE`). Without a server it fails: it never passes without having run.

use std::sync::{Arc, Mutex};

use otai_core::registry::BuildContext;
use otai_core::testkit::{ConformanceProfile, run_conformance};
use otai_gi::{Communication, CommunicationHook};
use otai_otobo_znuny::{OtoboConfig, OtoboService, TransportKind};
use otai_pipeline::{LoadOptions, Secrets, load_str};
use otai_state::StateStore;

use super::live_rt::{ensure_queue, live};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The agent the OTOBO adapter logs in as.
const AGENT: &str = "otai-gi-agent";
/// Its password (a secret of the configuration, as in production).
const AGENT_PASSWORD: &str = "Gi-Agent-Test-Pw1";

/// `otai serve`'s configuration: the RT service and the two stock web services in front of it.
fn config(url: &str) -> String {
    format!(
        r#"services:
  - id: rt
    use: rt
    params:
      base_url: '{url}'
      token: '${{{{ secrets.RT_TOKEN }}}}'
      mapping: {{ priority: {{ low: 10, high: 80 }} }}
server:
  listen: 127.0.0.1:0
webservices:
  - name: GenericTicketConnectorREST
    id: 1
    service: rt
    transport: {{ type: rest }}
    operations:
      SessionCreate: {{ type: Session::SessionCreate }}
      SessionGet: {{ type: Session::SessionGet }}
      TicketCreate: {{ type: Ticket::TicketCreate }}
      TicketUpdate: {{ type: Ticket::TicketUpdate }}
      TicketGet: {{ type: Ticket::TicketGet }}
      TicketGetList: {{ type: Ticket::TicketGet }}
      TicketSearch: {{ type: Ticket::TicketSearch }}
      TicketHistoryGet: {{ type: Ticket::TicketHistoryGet }}
    users: [ {{ login: {AGENT}, password: '${{{{ secrets.GI_AGENT }}}}' }} ]
  - name: GenericTicketConnectorSOAP
    id: 2
    service: rt
    transport: {{ type: soap, namespace: 'http://www.otobo.org/TicketConnector/' }}
    operations:
      SessionCreate: {{ type: Session::SessionCreate }}
      TicketCreate: {{ type: Ticket::TicketCreate }}
      TicketUpdate: {{ type: Ticket::TicketUpdate }}
      TicketGet: {{ type: Ticket::TicketGet }}
      TicketSearch: {{ type: Ticket::TicketSearch }}
      TicketHistoryGet: {{ type: Ticket::TicketHistoryGet }}
    users: [ {{ login: {AGENT}, password: '${{{{ secrets.GI_AGENT }}}}' }} ]
"#
    )
}

/// Counts the communications that reached the provider.
#[derive(Debug, Default)]
struct Counted(Mutex<usize>);

impl Counted {
    fn count(&self) -> usize {
        self.0.lock().map(|n| *n).unwrap_or_default()
    }
}

impl CommunicationHook for Counted {
    fn record(&self, _: Communication) {
        if let Ok(mut n) = self.0.lock() {
            *n += 1;
        }
    }
}

/// What RT has, named as the OTOBO adapter sends it on: the RT adapter's own conformance
/// profile, without the owner: the OTOBO adapter searches owners by `OwnerIDs` only, while RT's
/// users reach the unified model by login alone, so TicketGet gives them no owner ID to search by.
fn profile() -> ConformanceProfile {
    crate::live_rt::rt_profile()
}

/// The provider served in process, as `otai serve` builds it.
struct Served {
    url: String,
    hook: Arc<Counted>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve(url: &str, token: &str) -> Result<Served, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let secrets_file = dir.path().join("secrets.yml");
    std::fs::write(
        &secrets_file,
        format!("RT_TOKEN: '{token}'\nGI_AGENT: '{AGENT_PASSWORD}'\n"),
    )?;
    let mut registry = otai_pipeline::Registry::new();
    otai_rt::register(registry.services_mut());
    let engine = load_str(
        "otai.yml",
        &config(url),
        &BuildContext::new(dir.path()),
        &registry,
        &LoadOptions::new(Secrets::from_file(&secrets_file)?),
    )?;
    let settings = otai_serve::Settings::read(&engine)?;
    let webservices = otai_gi::load::read(&engine)?.ok_or("no webservices: section")?;
    let store: Arc<dyn StateStore> = Arc::new(otai_state::SqliteStore::in_memory()?);
    let hook = Arc::new(Counted::default());
    let routes = otai_gi::load::routes(&engine, webservices, Arc::clone(&store), hook.clone())?;
    let gateway = Arc::new(settings.gateway(&engine, store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(otai_serve::serve_routes(
        gateway,
        routes,
        listener,
        None,
        30,
        async {
            let _ = stopped.await;
        },
    ));
    Ok(Served {
        url,
        hook,
        stop,
        task,
    })
}

/// Runs the kit through `transport` and checks that it reached RT through the provider.
async fn passes(transport: TransportKind) -> TestResult {
    let (url, token) = live()?;
    ensure_queue(&url, &token, "Hardware").await?;
    let served = serve(&url, &token).await?;
    let mut adapter = OtoboConfig::new(served.url.clone())
        .agent(AGENT, AGENT_PASSWORD)
        .transport(transport);
    adapter.defaults.customer_user = Some("alice@example.com".into());
    adapter.defaults.queue = Some("General".into());
    let otobo = OtoboService::new(&adapter)?;
    let report = run_conformance(&otobo, &profile()).await;
    report.assert_all_passed();
    assert!(
        report.checks.len() >= 20,
        "only {} checks ran",
        report.checks.len()
    );
    let reached = served.hook.count();
    assert!(
        reached >= 20,
        "only {reached} requests reached the provider"
    );
    let _ = served.stop.send(());
    served.task.await??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a live RT 5 server (OTAI_RT_URL, OTAI_RT_TOKEN_FILE): run by .ci/run"]
async fn the_otobo_adapter_over_rest_passes_against_otai_in_front_of_rt() -> TestResult {
    passes(TransportKind::Rest).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a live RT 5 server (OTAI_RT_URL, OTAI_RT_TOKEN_FILE): run by .ci/run"]
async fn the_otobo_adapter_over_soap_passes_against_otai_in_front_of_rt() -> TestResult {
    passes(TransportKind::Soap).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_is_served_and_logs_the_agent_in_without_rt() -> TestResult {
    // Runs without RT: SessionCreate does not reach the helpdesk, so the configuration, the
    // secrets and the serving path above are checked on every run, not only where RT runs.
    let served = serve("http://127.0.0.1:9", "1-2-3").await?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()?;
    let base = format!("{}/otobo/nph-genericinterface.pl/Webservice", served.url);
    let rest: serde_json::Value = client
        .post(format!("{base}/GenericTicketConnectorREST/Session"))
        .json(&serde_json::json!({"UserLogin": AGENT, "Password": AGENT_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    assert!(rest["SessionID"].is_string(), "{rest}");
    let wrong: serde_json::Value = client
        .post(format!("{base}/GenericTicketConnectorREST/Session"))
        .json(&serde_json::json!({"UserLogin": AGENT, "Password": "wrong"}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(wrong["Error"]["ErrorCode"], "SessionCreate.AuthFail");
    let soap = client
        .post(format!("{base}/GenericTicketConnectorSOAP"))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(format!(
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><SessionCreate xmlns=\"http://www.otobo.org/TicketConnector/\"><UserLogin>{AGENT}</UserLogin><Password>{AGENT_PASSWORD}</Password></SessionCreate></soap:Body></soap:Envelope>"
        ))
        .send()
        .await?
        .text()
        .await?;
    assert!(soap.contains("<SessionID>"), "{soap}");
    assert_eq!(served.hook.count(), 3);
    let _ = served.stop.send(());
    served.task.await??;
    Ok(())
}
