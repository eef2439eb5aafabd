//! A `webservices:` entry → YAML that OTOBO's `Admin::WebService::Add` accepts.

use serde_json::{Map, Value, json};

use otai_core::Error;
use otai_core::mapping::to_otobo;
use otai_core::output::HIDDEN;

use crate::config::{SessionConfig, TransportKind, Validity, WebserviceConfig, stock_route};

/// The framework version written: OTOBO 11 takes the definition as its own.
const FRAMEWORK_VERSION: &str = "11.0.x";

/// An exported web service.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The definition in OTOBO's form, every credential replaced by `***`.
    pub value: Value,
    /// What OTOBO's form cannot hold, and was left out.
    pub warnings: Vec<String>,
}

impl Exported {
    /// The definition as YAML, as OTOBO's export writes it (starting with `---`).
    pub fn yaml(&self) -> String {
        format!("---\n{}", super::to_yaml(&self.value))
    }
}

/// Exports `ws`. A mapping OTOBO cannot express (a regex replacement using a group) is an
/// [`Error::Config`] naming it.
pub fn export(ws: &WebserviceConfig) -> Result<Exported, Error> {
    let at = format!("webservices.{}", ws.name);
    let mut warnings = Vec::new();
    let mut operations = Map::new();
    for (name, operation) in &ws.operations {
        let oat = format!("{at}.operations.{name}");
        let mut entry = Map::new();
        entry.insert("Description".into(), json!(name));
        for (key, mapping) in [
            ("MappingInbound", &operation.mapping_inbound),
            ("MappingOutbound", &operation.mapping_outbound),
        ] {
            let field = if key == "MappingInbound" {
                "mapping_inbound"
            } else {
                "mapping_outbound"
            };
            let path = format!("{oat}.{field}");
            entry.insert(key.into(), to_otobo(mapping.as_ref(), &path)?);
        }
        entry.insert("Type".into(), json!(operation.kind.as_str()));
        if operation.include_ticket_data {
            entry.insert("IncludeTicketData".into(), json!("1"));
        }
        operations.insert(name.clone(), Value::Object(entry));
    }
    let transport = transport(ws);
    let leftovers = [
        (ws.valid != Validity::Valid, "valid"),
        (ws.prefix.as_str() != "otobo", "prefix"),
        (!ws.users.is_empty(), "users"),
        (!ws.customer_users.is_empty(), "customer_users"),
        (ws.sessions != SessionConfig::default(), "sessions"),
        (ws.debugger.retention_days != 7, "debugger.retention_days"),
    ];
    for (_, key) in leftovers.iter().filter(|(set, _)| *set) {
        warnings.push(format!(
            "{at}.{key}: OTOBO's web service definition has no such setting; not exported"
        ));
    }
    let threshold = serde_json::to_value(ws.debugger.threshold).unwrap_or(json!("error"));
    let mut value = json!({
        "Debugger": {"DebugThreshold": threshold, "TestMode": "0"},
        "Description": ws.description.clone().unwrap_or_default(),
        "FrameworkVersion": FRAMEWORK_VERSION,
        "Provider": {"Operation": operations, "Transport": transport},
        "RemoteSystem": "",
        "Requester": {"Transport": {"Type": ""}},
    });
    redact_credentials(&mut value);
    Ok(Exported { value, warnings })
}

fn transport(ws: &WebserviceConfig) -> Value {
    let t = &ws.transport;
    let max_length = t.max_length.to_string();
    match t.kind {
        TransportKind::Rest => {
            let mut routes = Map::new();
            for name in ws.operations.keys() {
                let route = match &t.routes {
                    Some(routes) => routes.get(name).cloned(),
                    None => stock_route(name),
                };
                if let Some(route) = route {
                    routes.insert(
                        name.clone(),
                        json!({"RequestMethod": route.methods, "Route": route.route}),
                    );
                }
            }
            json!({
                "Config": {"KeepAlive": "", "MaxLength": max_length, "RouteOperationMapping": routes},
                "Type": "HTTP::REST",
            })
        }
        TransportKind::Soap => json!({
            "Config": {
                "MaxLength": max_length,
                "NameSpace": t.namespace(),
                "RequestNameFreeText": "",
                "RequestNameScheme": "Plain",
                "ResponseNameFreeText": "",
                "ResponseNameScheme": "Response",
            },
            "Type": "HTTP::SOAP",
        }),
    }
}

/// Replaces the value of every credential key (`…Password`, tokens, session ids) by `***`,
/// without recursion.
pub fn redact_credentials(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if super::is_secret_key(key) && !value.is_object() && !value.is_array() {
                        *value = json!(HIDDEN);
                    } else {
                        stack.push(value);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}
