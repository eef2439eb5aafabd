//! A faithful in-process fake of OTOBO's GenericTicketConnector, REST and SOAP (cargo feature `fake`).
//!
//! It really stores, filters and returns tickets in OTOBO's JSON shapes, with OTOBO's quirks:
//! IDs as numbers or strings, `{}` for a search without hits, business errors as HTTP 200 with
//! an `Error` object, `AccessDenied` for unknown tickets, plain-text HTTP 500 for unknown routes
//! and bad bodies, GET bodies ignored. It serves the stock routes of the web service
//! `GenericTicketConnectorREST` (under any web service name) on 127.0.0.1 and can add a fixed latency per operation to model
//! a real server. Tests, examples and benchmarks share it.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use otai_core::{TicketSystemService, request::SearchRequest};
//! let fake = otai_otobo_znuny::fake::FakeOtobo::start().await?;
//! let otobo = otai_otobo_znuny::OtoboService::new(&fake.config())?;
//! assert!(otobo.find_tickets(SearchRequest::all()).await?.is_empty());
//! assert_eq!(fake.requests_seen(), 2, "SessionCreate and TicketSearch");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use crate::input;
mod model;
mod store;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::OtoboConfig;
use store::{OpResult, State};

/// The script path the fake serves; any web service name below it answers.
pub const SCRIPT_PATH: &str = "/otobo/nph-genericinterface.pl";

/// Latency added before each operation answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Latency {
    /// SessionCreate.
    pub session: Duration,
    /// TicketSearch.
    pub search: Duration,
    /// TicketGet (and TicketHistoryGet).
    pub get: Duration,
    /// TicketCreate.
    pub create: Duration,
    /// TicketUpdate.
    pub update: Duration,
}

impl Latency {
    /// The same latency before every operation.
    pub fn uniform(latency: Duration) -> Self {
        Self {
            session: latency,
            search: latency,
            get: latency,
            create: latency,
            update: latency,
        }
    }

    /// What a real OTOBO 11 shows: TicketGet ~50 ms, TicketUpdate ~110 ms, TicketCreate ~230 ms.
    pub fn otobo_11() -> Self {
        Self {
            session: Duration::from_millis(60),
            search: Duration::from_millis(50),
            get: Duration::from_millis(50),
            create: Duration::from_millis(230),
            update: Duration::from_millis(110),
        }
    }
}

/// What the fake knows at start.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FakeOptions {
    /// Agents as (login, password); the first is what [`FakeOtobo::config`] logs in as.
    pub agents: Vec<(String, String)>,
    /// Known customer users (any address with `@` is accepted too).
    pub customers: Vec<String>,
    /// Ticket dynamic fields that exist.
    pub dynamic_fields: Vec<String>,
    /// Per-operation latency.
    pub latency: Latency,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            agents: vec![
                ("sdkagent".into(), "SdkAgent-Test-Pw1".into()),
                ("agent7".into(), "Agent7-Pw".into()),
            ],
            customers: vec!["sdkcustomer".into()],
            dynamic_fields: vec!["SDKText".into(), "SDKDropdown".into()],
            latency: Latency::default(),
        }
    }
}

impl FakeOptions {
    /// Sets the latency.
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }
}

/// A running fake; stops when dropped.
#[derive(Debug)]
pub struct FakeOtobo {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    latency: Latency,
    requests: Arc<AtomicUsize>,
    session_creates: Arc<AtomicUsize>,
    calls: Arc<Mutex<Calls>>,
    login: (String, String),
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("State")
    }
}

#[derive(Clone)]
struct Shared {
    state: Arc<Mutex<State>>,
    latency: Latency,
    requests: Arc<AtomicUsize>,
    session_creates: Arc<AtomicUsize>,
    calls: Arc<Mutex<Calls>>,
}

/// Operations answered, by name, plus `TicketGet IDs`: the ticket IDs TicketGet was asked for.
pub type Calls = std::collections::BTreeMap<String, usize>;

impl FakeOtobo {
    /// Starts a fake with the default options on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(FakeOptions::default()).await
    }

    /// Starts a fake with `options`.
    pub async fn start_with(options: FakeOptions) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::new(&options)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let mut fake = Self {
            addr: listener.local_addr()?,
            state,
            latency: options.latency,
            requests: Arc::new(AtomicUsize::new(0)),
            session_creates: Arc::new(AtomicUsize::new(0)),
            calls: Arc::default(),
            login: options.agents.first().cloned().unwrap_or_default(),
            shutdown: None,
            served: None,
        };
        fake.serve(listener);
        Ok(fake)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let shared = Shared {
            state: Arc::clone(&self.state),
            latency: self.latency,
            requests: Arc::clone(&self.requests),
            session_creates: Arc::clone(&self.session_creates),
            calls: Arc::clone(&self.calls),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let router = axum::Router::new().fallback(handle).with_state(shared);
        self.served = Some(tokio::spawn(async move {
            let served = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::warn!(error = %e, "fake OTOBO stopped");
            }
        }));
        self.shutdown = Some(tx);
    }

    /// Goes down like a crashed server: the port stops accepting connections (requests already
    /// being answered finish). What is stored is kept for [`FakeOtobo::restart`].
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), served).await;
        }
    }

    /// Comes back on the same address, with the tickets it had.
    pub async fn restart(&mut self) -> std::io::Result<()> {
        self.stop().await;
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        self.serve(listener);
        Ok(())
    }

    /// The server root, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An adapter configuration that talks to this fake as its first agent.
    pub fn config(&self) -> OtoboConfig {
        let mut config = OtoboConfig::new(self.url()).agent(&self.login.0, &self.login.1);
        config.defaults.customer_user = Some("sdkcustomer".into());
        config.defaults.queue = Some("Raw".into());
        config
    }

    /// How many HTTP requests reached the fake since it started (any route, any outcome).
    pub fn requests_seen(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// How many SessionCreate requests (REST or SOAP, any outcome) reached the fake.
    pub fn session_creates(&self) -> usize {
        self.session_creates.load(Ordering::SeqCst)
    }

    /// The operations answered so far, by name (`TicketGet IDs` counts the IDs TicketGet was
    /// asked for), so a benchmark can check that two clients made the same calls.
    pub fn calls(&self) -> Calls {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Starts [`FakeOtobo::calls`] and [`FakeOtobo::requests_seen`] over from zero.
    pub fn reset_calls(&self) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.clear();
        }
        self.requests.store(0, Ordering::SeqCst);
        self.session_creates.store(0, Ordering::SeqCst);
    }

    /// How many tickets are in the queue named `queue` now.
    pub fn tickets_in_queue(&self, queue: &str) -> usize {
        self.state
            .lock()
            .map(|state| state.count_in_queue(queue))
            .unwrap_or(0)
    }

    /// Forgets every session, as a server does when they expire.
    pub fn expire_sessions(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.expire_sessions();
        }
    }
}

impl Drop for FakeOtobo {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
        text,
    )
        .into_response()
}

fn reply(result: OpResult) -> Response {
    let body = match result {
        Ok(value) => value,
        Err((code, message)) => json!({"Error": {"ErrorCode": code, "ErrorMessage": message}}),
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

async fn handle(
    AxumState(shared): AxumState<Shared>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    // Any web service name is served: `…/Webservice/<name><route>`.
    let Some(route) = uri
        .path()
        .strip_prefix(SCRIPT_PATH)
        .and_then(|rest| rest.strip_prefix("/Webservice/"))
        .and_then(|rest| rest.find('/').map(|at| &rest[at..]).or(Some("")))
    else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if route.is_empty() && method == Method::POST {
        return soap(&shared, &body).await;
    }
    let segments: Vec<&str> = route.split('/').collect();
    let (operation, path_id) = match (method.as_str(), segments.as_slice()) {
        ("POST", ["", "Session"]) => ("SessionCreate", None),
        ("POST", ["", "Ticket"]) => ("TicketCreate", None),
        ("GET", ["", "Ticket"]) => ("TicketSearch", None),
        ("GET", ["", "TicketList"]) => ("TicketGet", None),
        ("GET", ["", "Ticket", id]) if !id.is_empty() => ("TicketGet", Some(*id)),
        ("PATCH", ["", "Ticket", id]) if !id.is_empty() => ("TicketUpdate", Some(*id)),
        ("GET", ["", "TicketHistory", id]) if !id.is_empty() => ("TicketHistoryGet", Some(*id)),
        _ => {
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("HTTP::REST Error while determine Operation for request URI '{route}'."),
            );
        }
    };
    let mut payload = if method == Method::GET {
        serde_json::Map::new()
    } else {
        match input::parse_body(&body) {
            Ok(map) => map,
            Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, e.message().to_owned()),
        }
    };
    payload.extend(input::parse_query(uri.query().unwrap_or_default()));
    if let Some(id) = path_id {
        let id = percent_encoding::percent_decode_str(id)
            .decode_utf8_lossy()
            .into_owned();
        payload.insert("TicketID".into(), Value::String(id));
    }
    match execute(&shared, operation, &payload).await {
        Some(result) => reply(result),
        None => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "fake state poisoned".into(),
        ),
    }
}

/// Runs one operation after its latency; `None` when the state is unusable.
async fn execute(
    shared: &Shared,
    operation: &str,
    payload: &serde_json::Map<String, Value>,
) -> Option<OpResult> {
    let latency = match operation {
        "SessionCreate" => shared.latency.session,
        "TicketSearch" => shared.latency.search,
        "TicketCreate" => shared.latency.create,
        "TicketUpdate" => shared.latency.update,
        _ => shared.latency.get,
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if operation == "SessionCreate" {
        shared.session_creates.fetch_add(1, Ordering::SeqCst);
    }
    if let Ok(mut calls) = shared.calls.lock() {
        *calls.entry(operation.to_owned()).or_default() += 1;
        if operation == "TicketGet" {
            let ids = match payload.get("TicketID") {
                Some(Value::String(ids)) => ids.split(',').count(),
                Some(Value::Array(ids)) => ids.len(),
                _ => 0,
            };
            *calls.entry("TicketGet IDs".to_owned()).or_default() += ids;
        }
    }
    let mut state = shared.state.lock().ok()?;
    if operation == "SessionCreate" {
        return Some(state.session_create(payload));
    }
    let agent = match state.authenticate(operation, payload) {
        Ok(agent) => agent,
        Err(e) => return Some(Err(e)),
    };
    Some(match operation {
        "TicketCreate" => state.ticket_create(payload, agent),
        "TicketSearch" => state.ticket_search(payload),
        "TicketUpdate" => state.ticket_update(payload),
        "TicketHistoryGet" => state.ticket_history(payload),
        _ => state.ticket_get(payload),
    })
}

/// Answers a SOAP request as GenericTicketConnectorSOAP does.
async fn soap(shared: &Shared, body: &[u8]) -> Response {
    let text = String::from_utf8_lossy(body);
    let (operation, payload) = match crate::soap::decode_request(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Error deserializing message:\n{e}"),
            );
        }
    };
    let known = [
        "SessionCreate",
        "TicketCreate",
        "TicketGet",
        "TicketSearch",
        "TicketUpdate",
        "TicketHistoryGet",
    ];
    if !known.contains(&operation.as_str()) {
        let fault = crate::soap::encode_fault(
            crate::soap::OTOBO_NAMESPACE,
            "Server",
            "Got no OperationType!",
        );
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
            fault,
        )
            .into_response();
    }
    let Some(result) = execute(shared, &operation, &payload).await else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "fake state poisoned".into(),
        );
    };
    let value = match result {
        Ok(value) => value,
        Err((code, message)) => json!({"Error": {"ErrorCode": code, "ErrorMessage": message}}),
    };
    match crate::soap::encode_response(crate::soap::OTOBO_NAMESPACE, &operation, &value) {
        Ok(xml) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml; charset=UTF-8")],
            xml,
        )
            .into_response(),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
