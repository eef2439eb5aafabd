use serde_json::{Value, json};

use super::*;
use crate::config::WebserviceConfig;
use otai_core::Error;

type R = Result<(), Box<dyn std::error::Error>>;

const REST: &str = include_str!("../../tests/fixtures/webservices/GenericTicketConnectorREST.yml");
const SOAP: &str = include_str!("../../tests/fixtures/webservices/GenericTicketConnectorSOAP.yml");
const SAMPLE: &str = include_str!("../../tests/fixtures/webservices/ticket-connector-sample.yml");

fn options(name: &str) -> ImportOptions {
    ImportOptions {
        name: name.into(),
        id: 1,
        service: "helpdesk".into(),
    }
}

fn import_error(text: &str) -> (String, String) {
    match import(text, "ws.yml", &options("ws")) {
        Err(Error::Config { path, message }) => (path, message),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn the_rest_sample_imports_with_its_routes() -> R {
    let imported = import(
        REST,
        "GenericTicketConnectorREST.yml",
        &options("GenericTicketConnectorREST"),
    )?;
    let entry = &imported.entry;
    assert_eq!(entry["transport"]["type"], "rest");
    assert_eq!(entry["transport"]["max_length"], 100_000_000);
    assert_eq!(
        entry["transport"]["routes"]["TicketUpdate"],
        json!({"route": "/Ticket/:TicketID", "methods": ["PATCH"]})
    );
    assert_eq!(entry["operations"].as_object().map(|o| o.len()), Some(8));
    assert_eq!(
        entry["operations"]["TicketGetList"],
        json!({"type": "Ticket::TicketGet"})
    );
    assert_eq!(entry["debugger"], json!({"threshold": "debug"}));
    assert_eq!(entry["description"], "Ticket Connector REST Sample");
    assert_eq!(
        imported.warnings,
        [
            "GenericTicketConnectorREST.yml:8: Provider.Operation: 8 operation descriptions are not kept"
        ]
    );
    assert!(imported.secrets.is_empty());
    Ok(())
}

#[test]
fn the_soap_samples_import_with_their_namespace() -> R {
    let soap = import(SOAP, "soap.yml", &options("GenericTicketConnectorSOAP"))?;
    assert_eq!(
        soap.entry["transport"],
        json!({"type": "soap", "namespace": "http://www.otobo.org/TicketConnector/", "max_length": 100_000_000})
    );
    let sample = import(SAMPLE, "sample.yml", &options("TicketConnector"))?;
    assert_eq!(
        sample.entry["transport"]["namespace"],
        "http://www.otrs.org/TicketConnector/"
    );
    assert_eq!(
        sample.entry["transport"]["max_length"], 100_000_000,
        "a number, not a string"
    );
    assert_eq!(
        sample.entry["operations"].as_object().map(|o| o.len()),
        Some(5)
    );
    Ok(())
}

/// import(export(x)) == x for each sample's entry, through the YAML text.
#[test]
fn export_then_import_gives_the_same_entry() -> R {
    for (text, name) in [(REST, "rest"), (SOAP, "soap"), (SAMPLE, "sample")] {
        let entry = import(text, "in.yml", &options(name))?.entry;
        let ws: WebserviceConfig = serde_json::from_value(entry.clone())?;
        let exported = export(&ws)?;
        assert!(exported.warnings.is_empty(), "{:?}", exported.warnings);
        let again = import(&exported.yaml(), "out.yml", &options(name))?;
        assert_eq!(again.entry, entry, "{name}");
    }
    Ok(())
}

#[test]
fn exports_have_the_keys_of_otobo_exports() -> R {
    for (text, name) in [(REST, "rest"), (SOAP, "soap")] {
        let original = otai_yaml::read(text)?.value;
        let ws: WebserviceConfig =
            serde_json::from_value(import(text, "in.yml", &options(name))?.entry)?;
        let exported = export(&ws)?.value;
        let keys = |v: &Value| -> Vec<String> {
            v.as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(keys(&exported), keys(&original), "{name}");
        let config = |v: &Value| keys(&v["Provider"]["Transport"]["Config"]);
        assert_eq!(config(&exported), config(&original), "{name}");
        assert_eq!(
            exported["Provider"]["Transport"], original["Provider"]["Transport"],
            "{name}"
        );
        assert_eq!(exported["Requester"], json!({"Transport": {"Type": ""}}));
        let op = |v: &Value| keys(&v["Provider"]["Operation"]["TicketCreate"]);
        assert_eq!(op(&exported), op(&original));
    }
    Ok(())
}

#[test]
fn mappings_are_converted_both_ways() -> R {
    let text = REST.replace(
        "    TicketCreate:\n      Description: Create a Ticket\n      MappingInbound: {}\n",
        "    TicketCreate:\n      Description: Create a Ticket\n      MappingInbound:\n        Type: Simple\n        Config:\n          KeyMapDefault: {MapType: Keep, MapTo: ''}\n          KeyMapExact: {UserLogin: UserLogin}\n          ValueMap:\n            UserLogin:\n              ValueMapRegEx: {'.*': otai}\n          ValueMapDefault: {MapType: Keep, MapTo: ''}\n",
    );
    let entry = import(&text, "in.yml", &options("rest"))?.entry;
    assert_eq!(
        entry["operations"]["TicketCreate"]["mapping_inbound"],
        json!({"key_exact": {"UserLogin": "UserLogin"}, "values": {"UserLogin": {"regex": {".*": "otai"}}}})
    );
    let ws: WebserviceConfig = serde_json::from_value(entry)?;
    let exported = export(&ws)?.value;
    let original = otai_yaml::read(&text)?.value;
    assert_eq!(
        exported["Provider"]["Operation"]["TicketCreate"]["MappingInbound"],
        original["Provider"]["Operation"]["TicketCreate"]["MappingInbound"]
    );
    Ok(())
}

const WITH_PASSWORDS: &str = "Debugger: {DebugThreshold: error}
Provider:
  Operation:
    SessionCreate: {Type: Session::SessionCreate}
  Transport:
    Type: HTTP::REST
    Config:
      Authentication: {AuthType: BasicAuth, BasicAuthUser: agent1, BasicAuthPassword: pl41n-pw-1}
      RouteOperationMapping:
        SessionCreate: {Route: /Session, RequestMethod: [POST]}
Requester:
  Transport:
    Type: HTTP::REST
    Config:
      Authentication: {AuthType: BasicAuth, BasicAuthUser: u, BasicAuthPassword: pl41n-pw-2}
      SSL: {SSLP12Password: pl41n-pw-3}
";

#[test]
fn passwords_never_reach_the_entry_warnings_or_export() -> R {
    let imported = import(WITH_PASSWORDS, "pw.yml", &options("My Service"))?;
    let everything = format!(
        "{} {:?} {:?}",
        imported.entry, imported.warnings, imported.secrets
    );
    for secret in ["pl41n-pw-1", "pl41n-pw-2", "pl41n-pw-3"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    assert_eq!(
        imported.entry["users"],
        json!([{"login": "agent1", "password": "${{ secrets.GI_MY_SERVICE_AGENT1_PASSWORD }}"}])
    );
    assert_eq!(imported.secrets.len(), 1);
    assert!(
        imported.secrets[0].starts_with("GI_MY_SERVICE_AGENT1_PASSWORD: the password of `agent1`")
    );
    assert!(
        imported.warnings.iter().any(|w| w.starts_with(
            "pw.yml:11: Requester: a requester (HTTP::REST, 0 invokers) is not imported"
        )),
        "{:?}",
        imported.warnings
    );
    let mut ws: WebserviceConfig = serde_json::from_value(imported.entry)?;
    ws.description = Some("x".into());
    let exported = export(&ws)?;
    let yaml = exported.yaml();
    assert!(
        !yaml.contains("GI_MY_SERVICE") && !yaml.contains("agent1"),
        "{yaml}"
    );
    assert_eq!(
        exported.warnings,
        [
            "webservices.My Service.users: OTOBO's web service definition has no such setting; not exported"
        ]
    );
    Ok(())
}

#[test]
fn credential_keys_are_redacted_in_exports() {
    let mut value =
        json!({"a": {"BasicAuthPassword": "p", "SessionID": 5, "Token": ["x"], "keep": "k"}});
    redact_credentials(&mut value);
    assert_eq!(
        value,
        json!({"a": {"BasicAuthPassword": "***", "SessionID": "***", "Token": ["x"], "keep": "k"}})
    );
}

#[test]
fn hostile_exports_are_refused_with_the_place() {
    let deep = format!("Provider: {}{}\n", "[".repeat(200), "]".repeat(200));
    let (path, message) = import_error(&deep);
    assert_eq!(path, "ws.yml:1");
    assert!(
        message.contains("nested more than 64 levels deep"),
        "{message}"
    );

    let (path, message) = import_error(
        "Provider:\n  Operation:\n    X: {Type: [1]}\n  Transport: {Type: HTTP::REST}\n",
    );
    assert_eq!(path, "ws.yml:3: Provider.Operation.X.Type");
    assert!(message.contains("unknown operation type"), "{message}");

    let (path, message) = import_error(
        "Provider:\n  Operation:\n    X: {Type: Ticket::TicketGt}\n  Transport: {Type: HTTP::REST}\n",
    );
    assert_eq!(path, "ws.yml:3: Provider.Operation.X.Type");
    assert!(
        message.contains("did you mean `Ticket::TicketGet`"),
        "{message}"
    );

    let (path, _) = import_error(
        "Provider:\n  Transport:\n    Type: HTTP::REST\n    Config: {MaxLength: lots}\n",
    );
    assert_eq!(path, "ws.yml:4: Provider.Transport.Config.MaxLength");

    let (path, message) = import_error("Provider: {Transport: {Type: ''}}\n");
    assert_eq!(path, "ws.yml:1: Provider.Transport.Type");
    assert!(message.contains("no provider transport"), "{message}");

    let (path, _) = import_error("Provider: [1]\n");
    assert_eq!(path, "ws.yml:1: Provider");

    let bad_regex = "Provider:\n  Operation:\n    X:\n      Type: Ticket::TicketGet\n      MappingInbound:\n        Type: Simple\n        Config:\n          KeyMapDefault: {MapType: Keep}\n          ValueMapDefault: {MapType: Keep}\n          KeyMapRegEx: {'(': x}\n  Transport: {Type: HTTP::SOAP}\n";
    let (path, message) = import_error(bad_regex);
    assert_eq!(
        path,
        "ws.yml:5: Provider.Operation.X.MappingInbound.key_regex.("
    );
    assert!(message.contains("unclosed group"), "{message}");

    let xslt = "Provider:\n  Operation:\n    X: {Type: Ticket::TicketGet, MappingInbound: {Type: XSLT}}\n  Transport: {Type: HTTP::SOAP}\n";
    let (path, message) = import_error(xslt);
    assert_eq!(path, "ws.yml:3: Provider.Operation.X.MappingInbound.Type");
    assert!(message.contains("XSLT"), "{message}");

    let mut many = String::from("Provider:\n  Transport: {Type: HTTP::SOAP}\n  Operation:\n");
    for i in 0..=crate::config::MAX_LIST {
        many.push_str(&format!("    Op{i}: {{Type: Ticket::TicketGet}}\n"));
    }
    let (path, message) = import_error(&many);
    assert!(path.starts_with("ws.yml: (imported)"), "{path}");
    assert!(message.contains("1000"), "{message}");

    let huge = "#".repeat(MAX_IMPORT_BYTES + 1);
    let (path, _) = import_error(&huge);
    assert_eq!(path, "ws.yml");
}

#[test]
fn include_ticket_data_is_imported_and_exported() -> R {
    let text = REST.replace(
        "      Type: Ticket::TicketCreate\n",
        "      Type: Ticket::TicketCreate\n      IncludeTicketData: '1'\n",
    );
    assert_ne!(text, REST, "the sample has a TicketCreate");
    let imported = import(&text, "in.yml", &options("rest"))?;
    assert_eq!(
        imported.entry["operations"]["TicketCreate"]["include_ticket_data"],
        json!(true)
    );
    assert!(
        !imported
            .warnings
            .iter()
            .any(|w| w.contains("IncludeTicketData")),
        "{:?}",
        imported.warnings
    );
    assert!(
        imported.entry["operations"]["TicketGet"]
            .get("include_ticket_data")
            .is_none()
    );
    let ws: WebserviceConfig = serde_json::from_value(imported.entry)?;
    let exported = export(&ws)?.value;
    let operations = &exported["Provider"]["Operation"];
    assert_eq!(operations["TicketCreate"]["IncludeTicketData"], json!("1"));
    assert!(operations["TicketGet"].get("IncludeTicketData").is_none());

    let off = REST.replace(
        "      Type: Ticket::TicketCreate\n",
        "      Type: Ticket::TicketCreate\n      IncludeTicketData: '0'\n",
    );
    let imported = import(&off, "in.yml", &options("rest"))?;
    assert!(
        imported.entry["operations"]["TicketCreate"]
            .get("include_ticket_data")
            .is_none()
    );

    let (path, message) = import_error(&REST.replace(
        "      Type: Ticket::TicketCreate\n",
        "      Type: Ticket::TicketCreate\n      IncludeTicketData: 'yes'\n",
    ));
    assert!(
        path.ends_with("Provider.Operation.TicketCreate.IncludeTicketData"),
        "{path}"
    );
    assert_eq!(message, "expected 1 or 0");

    let (path, message) = import_error(&REST.replace(
        "      Type: Ticket::TicketGet\n",
        "      Type: Ticket::TicketGet\n      IncludeTicketData: '1'\n",
    ));
    assert!(path.contains("(imported)"), "{path}");
    assert!(
        message.contains("only a Ticket::TicketCreate or Ticket::TicketUpdate operation"),
        "{message}"
    );
    Ok(())
}
