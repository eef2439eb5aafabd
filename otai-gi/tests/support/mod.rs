//! A provider served on 127.0.0.1 with the local store (in memory) behind it.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use otai_core::TicketSystemService;
use otai_gi::{Communication, CommunicationHook, Provider, Sessions, WebserviceConfig};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The agent every test logs in as.
pub const AGENT: (&str, &str) = ("sdkagent", "SdkAgent-Test-Pw1");
/// The customer user.
pub const CUSTOMER: (&str, &str) = ("alice@example.com", "Customer-Pw-1");

/// The stock REST web service and a SOAP one, with `extra` YAML lines appended to the REST one.
pub fn webservices(rest_extra: &str) -> String {
    format!(
        r#"
- name: GenericTicketConnectorREST
  id: 1
  service: helpdesk
  transport: {{ type: rest, max_length: 100000 }}
  operations:
    SessionCreate: {{ type: Session::SessionCreate }}
    SessionGet: {{ type: Session::SessionGet }}
    TicketCreate: {{ type: Ticket::TicketCreate }}
    TicketUpdate: {{ type: Ticket::TicketUpdate }}
    TicketGet: {{ type: Ticket::TicketGet }}
    TicketGetList: {{ type: Ticket::TicketGet }}
    TicketSearch: {{ type: Ticket::TicketSearch }}
    TicketHistoryGet: {{ type: Ticket::TicketHistoryGet }}
  users: [ {{ login: {}, password: {} }} ]
  customer_users: [ {{ login: '{}', password: {} }} ]
{rest_extra}
- name: GenericTicketConnectorSOAP
  id: 2
  service: helpdesk
  transport: {{ type: soap, namespace: 'http://www.otobo.org/TicketConnector/' }}
  operations:
    SessionCreate: {{ type: Session::SessionCreate }}
    TicketCreate: {{ type: Ticket::TicketCreate }}
    TicketUpdate: {{ type: Ticket::TicketUpdate }}
    TicketGet: {{ type: Ticket::TicketGet }}
    TicketSearch: {{ type: Ticket::TicketSearch }}
    TicketHistoryGet: {{ type: Ticket::TicketHistoryGet }}
  users: [ {{ login: {}, password: {} }} ]
- name: Retired
  id: 3
  service: helpdesk
  valid: invalid
  transport: {{ type: rest }}
  operations: {{ TicketGet: {{ type: Ticket::TicketGet }} }}
"#,
        AGENT.0, AGENT.1, CUSTOMER.0, CUSTOMER.1, AGENT.0, AGENT.1
    )
}

/// Keeps every communication.
#[derive(Debug, Default)]
pub struct Kept(pub Mutex<Vec<Communication>>);

impl CommunicationHook for Kept {
    fn record(&self, communication: Communication) {
        if let Ok(mut kept) = self.0.lock() {
            kept.push(communication);
        }
    }
}

/// A running provider.
pub struct Served {
    pub url: String,
    pub store: Arc<otai_local::LocalStore>,
    pub kept: Arc<Kept>,
    pub state: Arc<otai_state::SqliteStore>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Served {
    /// Serves the web services of `yaml` (a list) on 127.0.0.1.
    pub async fn start(yaml: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let configs: Vec<WebserviceConfig> = serde_json::from_value(yaml_to_json(yaml)?)?;
        let problems = otai_gi::config::check(&configs, Some(&["helpdesk".to_owned()]));
        if !problems.is_empty() {
            return Err(format!("{problems:?}").into());
        }
        let store = Arc::new(otai_local::LocalStore::in_memory()?);
        let service: Arc<dyn TicketSystemService> = store.clone();
        let services = BTreeMap::from([("helpdesk".to_owned(), service)]);
        let state = Arc::new(otai_state::SqliteStore::in_memory()?);
        let kept = Arc::new(Kept::default());
        let provider = Provider::new(
            configs,
            &services,
            Sessions::new(state.clone()),
            kept.clone(),
        )?;
        let router = otai_gi::router(Arc::new(provider));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            url,
            store,
            kept,
            state,
            _stop: stop,
        })
    }

    /// The URL of web service `name`.
    pub fn webservice(&self, name: &str) -> String {
        format!(
            "{}/otobo/nph-genericinterface.pl/Webservice/{name}",
            self.url
        )
    }
}

/// YAML text as JSON (through the workspace's YAML reader).
pub fn yaml_to_json(yaml: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    Ok(serde_yaml::from_str(yaml)?)
}

/// A reply's status, content type and text, as the replays compare them.
pub async fn answer(response: reqwest::Response) -> Result<(u16, String, String), reqwest::Error> {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((status, content_type, response.text().await?))
}

pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
}
