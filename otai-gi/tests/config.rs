//! `webservices:` read from a whole otai.yml: defaults, every check, errors at their lines.

use otai_core::registry::BuildContext;
use otai_gi::config::{self, OperationType, Prefix, TransportKind, Validity};
use otai_pipeline::{Engine, LoadOptions, Registry, Secrets, load_str};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SERVICES: &str =
    "services:\n  - id: helpdesk\n    use: local\n    params: {path: ':memory:'}\n";

fn engine(webservices: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("secrets.yml");
    std::fs::write(
        &file,
        "GI_AGENT1: agent-secret-1\nGI_CUSTOMER1: customer-secret-1\n",
    )?;
    let mut registry = Registry::new();
    otai_local::register(registry.services_mut());
    let text = format!("{SERVICES}{webservices}");
    Ok(load_str(
        "otai.yml",
        &text,
        &BuildContext::default(),
        &registry,
        &LoadOptions::new(Secrets::from_file(&file)?),
    )?)
}

fn read(webservices: &str) -> Result<Vec<config::WebserviceConfig>, String> {
    let engine = engine(webservices).map_err(|e| e.to_string())?;
    let known: Vec<String> = engine
        .service_ids()
        .into_iter()
        .map(str::to_owned)
        .collect();
    config::read(engine.sections(), Some(&known))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no section".to_owned())
}

const FULL: &str = r#"
webservices:
  - name: GenericTicketConnectorREST
    id: 1
    description: Ticket Connector
    service: helpdesk
    valid: invalid-temporarily
    prefix: znuny
    transport:
      type: rest
      routes:
        SessionCreate: { route: /Session, methods: [POST] }
        TicketGet: { route: '/Ticket/:TicketID', methods: [GET] }
      max_length: 1000
    operations:
      SessionCreate: { type: Session::SessionCreate }
      TicketGet:
        type: Ticket::TicketGet
        mapping_inbound: { key_default: keep, key_exact: { Prio: Priority } }
    users:
      - { login: agent1, password: '${{ secrets.GI_AGENT1 }}' }
    customer_users:
      - { login: customer1, password: '${{ secrets.GI_CUSTOMER1 }}' }
    sessions: { idle_minutes: 5, max_minutes: 50, bind_to_address: true }
    debugger: { threshold: debug, retention_days: 2 }
  - name: GenericTicketConnectorSOAP
    id: 2
    service: helpdesk
    transport: { type: soap, namespace: 'http://www.otobo.org/TicketConnector/' }
    operations:
      TicketSearch: { type: Ticket::TicketSearch }
"#;

#[test]
fn reads_every_field_of_the_agreed_shape() -> TestResult {
    let read = read(FULL)?;
    assert_eq!(read.len(), 2);
    let rest = &read[0];
    assert_eq!(rest.name, "GenericTicketConnectorREST");
    assert_eq!(rest.id, 1);
    assert_eq!(rest.description.as_deref(), Some("Ticket Connector"));
    assert_eq!(rest.valid, Validity::InvalidTemporarily);
    assert_eq!(rest.prefix, Prefix::Znuny);
    assert_eq!(rest.transport.kind, TransportKind::Rest);
    assert_eq!(rest.transport.max_length, 1000);
    let routes = rest.transport.routes.as_ref().ok_or("routes")?;
    assert_eq!(routes["TicketGet"].route, "/Ticket/:TicketID");
    assert_eq!(routes["TicketGet"].methods, ["GET"]);
    assert_eq!(rest.operations["TicketGet"].kind, OperationType::TicketGet);
    assert!(rest.operations["TicketGet"].mapping_inbound.is_some());
    assert!(rest.operations["TicketGet"].mapping_outbound.is_none());
    assert_eq!(rest.users[0].login, "agent1");
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&rest.users[0].password),
        "agent-secret-1"
    );
    assert_eq!(rest.customer_users[0].login, "customer1");
    assert_eq!(rest.sessions.idle_minutes, 5);
    assert!(rest.sessions.bind_to_address);
    assert_eq!(rest.debugger.threshold, config::Threshold::Debug);
    let soap = &read[1];
    assert_eq!(soap.valid, Validity::Valid);
    assert_eq!(soap.prefix, Prefix::Otobo);
    assert_eq!(
        soap.transport.namespace(),
        "http://www.otobo.org/TicketConnector/"
    );
    assert_eq!(soap.transport.max_length, config::DEFAULT_MAX_LENGTH);
    assert_eq!(soap.sessions, config::SessionConfig::default());
    assert_eq!(soap.debugger.retention_days, 7);
    Ok(())
}

#[test]
fn passwords_stay_out_of_debug_output() -> TestResult {
    let read = read(FULL)?;
    let shown = format!("{read:?}");
    assert!(shown.contains("agent1"));
    assert!(!shown.contains("agent-secret-1"), "{shown}");
    assert!(!shown.contains("customer-secret-1"), "{shown}");
    Ok(())
}

#[test]
fn an_unknown_key_is_refused_with_a_suggestion_at_its_line() {
    let text = "webservices:\n  - name: A\n    id: 1\n    service: helpdesk\n    transport: { type: rest }\n    operations: { TicketGet: { type: Ticket::TicketGet } }\n    user: []\n";
    let error = read(text).err().unwrap_or_default();
    assert!(error.contains("otai.yml:11"), "{error}");
    assert!(error.contains("webservices[0]"), "{error}");
    assert!(error.contains("did you mean `users`"), "{error}");
}

#[test]
fn an_unknown_operation_type_is_refused_with_a_suggestion() {
    let text = "webservices:\n  - name: A\n    id: 1\n    service: helpdesk\n    transport: { type: rest }\n    operations: { TicketGet: { type: Ticket::TicketGt } }\n";
    let error = read(text).err().unwrap_or_default();
    assert!(
        error.contains(
            "unknown operation type `Ticket::TicketGt`; did you mean `Ticket::TicketGet`?"
        ),
        "{error}"
    );
}

#[test]
fn every_rule_serde_cannot_express_is_checked_at_once() {
    let text = r#"
webservices:
  - name: A
    id: 1
    service: helpdsk
    transport:
      type: rest
      namespace: urn:x
      max_length: 0
      routes:
        TicketGet: { route: 'Ticket/:TicketID', methods: [get] }
        TicketGot: { route: '/Ticket/:ID/:ID' }
    operations:
      TicketGet: { type: Ticket::TicketGet, include_ticket_data: true }
      TicketSearch: { type: Ticket::TicketSearch }
    users:
      - { login: a, password: x }
      - { login: a, password: '' }
    sessions: { idle_minutes: 0 }
  - name: A
    id: 1
    service: helpdesk
    transport: { type: soap, routes: {} }
    operations: {}
  - name: 'B/C'
    id: 3
    service: helpdesk
    transport: { type: rest }
    operations: { MyGet: { type: Ticket::TicketGet } }
"#;
    let error = read(text).err().unwrap_or_default();
    for expected in [
        "webservices[0].service: unknown service `helpdsk`; did you mean `helpdesk`?",
        "webservices[0].transport.max_length: must be above 0",
        "webservices[0].transport.namespace: only a `soap` transport has a namespace",
        "webservices[0].transport.routes.TicketGet.route: route `Ticket/:TicketID` must start with `/`",
        "webservices[0].transport.routes.TicketGet.methods[0]: `get` is not an HTTP method",
        "webservices[0].transport.routes.TicketGot: unknown operation `TicketGot`; did you mean `TicketGet`?",
        "webservices[0].transport.routes.TicketGot.route: route `/Ticket/:ID/:ID`: parameter `:ID` appears twice",
        "webservices[0].transport.routes: operation `TicketSearch` has no route",
        "webservices[0].operations.TicketGet.include_ticket_data: only a Ticket::TicketCreate or Ticket::TicketUpdate operation includes ticket data, not Ticket::TicketGet",
        "webservices[0].users[1].login: login `a` is listed twice",
        "webservices[0].users[1].password: must not be empty",
        "webservices[0].sessions.idle_minutes: must be above 0",
        "webservices[1].name: web service `A` is defined twice",
        "webservices[1].id: web service id 1 is used twice",
        "webservices[1].transport.routes: only a `rest` transport has routes",
        "webservices[1].operations: offer at least one operation",
        "webservices[2].name: `B/C` cannot be served",
        "webservices[2].operations.MyGet: `MyGet` has no stock route",
    ] {
        assert!(
            error.contains(expected),
            "missing {expected:?} in:\n{error}"
        );
    }
}

#[test]
fn route_syntax_is_checked() {
    assert_eq!(config::check_route("/Ticket/:TicketID"), Ok(()));
    assert_eq!(config::check_route("/"), Ok(()));
    for bad in [
        "",
        "Ticket",
        "/Ticket/:",
        "/Ticket/a:b",
        "/T?x=1",
        "/T/:Ticket-ID",
        "/a b",
    ] {
        assert!(config::check_route(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn the_stock_routes_cover_the_stock_operations() {
    let route = config::stock_route("TicketUpdate");
    assert_eq!(
        route.as_ref().map(|r| r.route.as_str()),
        Some("/Ticket/:TicketID")
    );
    assert_eq!(route.map(|r| r.methods), Some(vec!["PATCH".to_owned()]));
    assert!(config::stock_route("TicketMerge").is_none());
}
