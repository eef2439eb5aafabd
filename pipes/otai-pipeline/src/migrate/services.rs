//! Open Ticket AI services → otai services.

use serde_json::Value;

use super::templates::{is_secret_name, only_get_env};
use super::yaml_out::Node;
use super::{Converter, Severity, class_name, join};
use otai_yaml::NodeId;

/// Open Ticket AI's OTOBO / Znuny defaults, which otai's adapter does not share.
const OTOBO_DEFAULTS: [(&str, &str); 2] = [
    ("username", "open_ticket_ai"),
    ("webservice_name", "OpenTicketAI"),
];

/// The routes of the web service Open Ticket AI's OTOBO client talks to (otai's `python-client`
/// preset): operation, method, route.
const PYTHON_CLIENT_ROUTES: [(&str, &str, &str); 4] = [
    ("TicketCreate", "POST", "ticket-create"),
    ("TicketGet", "POST", "ticket-get"),
    ("TicketSearch", "POST", "ticket-search"),
    ("TicketUpdate", "PUT", "ticket-update"),
];

impl Converter<'_> {
    /// The services, and the ids of the ticket services among them.
    pub(super) fn services(&mut self, node: NodeId, value: &Value) -> (Node, Vec<String>) {
        let mut out = Vec::new();
        let mut ids = Vec::new();
        let entries: Vec<(String, NodeId, &Value)> = match value {
            Value::Object(_) => self.entries(node, value),
            Value::Array(_) => self
                .items(node, value)
                .into_iter()
                .enumerate()
                .map(|(i, (child, v))| {
                    let id = v.get("id").and_then(Value::as_str).map(str::to_owned);
                    (id.unwrap_or_else(|| format!("service-{}", i + 1)), child, v)
                })
                .collect(),
            _ => {
                self.note(
                    node,
                    "services",
                    Severity::Essential,
                    "`services` must be a map of id → {use, params}",
                );
                Vec::new()
            }
        };
        for (id, child, def) in entries {
            let path = format!("services.{id}");
            if let Some(service) = self.service(child, def, &id, &path) {
                let mut entry = vec![("id".to_owned(), Node::text(&id))];
                entry.extend(service);
                out.push(Node::Map(entry));
                ids.push(id);
            }
        }
        (Node::List(out), ids)
    }

    /// One service: its `use` and `params` in otai's words, or `None` when it is not a ticket
    /// system (noted).
    fn service(
        &mut self,
        node: NodeId,
        def: &Value,
        id: &str,
        path: &str,
    ) -> Option<Vec<(String, Node)>> {
        let use_name = def.get("use").and_then(Value::as_str).unwrap_or_default();
        for (key, child, v) in self.entries(node, def) {
            match key.as_str() {
                "id" | "use" | "params" => {}
                "injects" if v.as_object().is_some_and(serde_json::Map::is_empty) => {}
                other => self.note(
                    child,
                    &join(path, other),
                    Severity::Essential,
                    "otai services take only `use` and `params`: not converted",
                ),
            }
        }
        let use_node = self.lines.child(node, "use").unwrap_or(node);
        let params = self.child(node, def, "params");
        match class_name(use_name) {
            "JinjaRenderer" => {
                self.note(
                    use_node,
                    path,
                    Severity::LeftOut,
                    "otai renders templates itself (minijinja): no renderer service",
                );
                None
            }
            "HFClassificationService" => {
                self.note(
                    use_node,
                    path,
                    Severity::LeftOut,
                    "otai has no Hugging Face service; the pipes that used it are reported where they are",
                );
                None
            }
            "OTOBOZnunyTicketSystemService" => {
                self.note(
                    use_node,
                    &join(path, "use"),
                    Severity::Converted,
                    format!("`{use_name}` is otai's `otobo-znuny` adapter"),
                );
                let params = self.otobo_params(node, params, path);
                Some(vec![
                    ("use".to_owned(), Node::text("otobo-znuny")),
                    ("params".to_owned(), params),
                ])
            }
            "otobo-znuny" | "rt" | "local" => {
                let params = match params {
                    Some((child, v)) => self.params(child, v, &join(path, "params"), id),
                    None => Node::Map(Vec::new()),
                };
                Some(vec![
                    ("use".to_owned(), Node::text(use_name)),
                    ("params".to_owned(), params),
                ])
            }
            _ => {
                self.note(
                    use_node,
                    &join(path, "use"),
                    Severity::Essential,
                    format!("otai has no service `{use_name}`: its adapters are otobo-znuny, rt and local"),
                );
                None
            }
        }
    }

    /// Service params in file order: credentials become secret markers, templates otai's.
    fn params(&mut self, node: NodeId, value: &Value, path: &str, id: &str) -> Node {
        let mut out = Vec::new();
        for (key, child, v) in self.entries(node, value) {
            let at = join(path, &key);
            if otai_core::output::is_credential_key(&key) {
                if let Some(marker) = self.credential(child, v, &at, id, &key) {
                    out.push((key, marker));
                }
                continue;
            }
            let converted = self.tree(child, v, &at);
            out.push((key, converted));
        }
        Node::Map(out)
    }

    /// A credential as a secret marker (never its value), or a template rendered at load.
    fn credential(
        &mut self,
        node: NodeId,
        value: &Value,
        path: &str,
        id: &str,
        key: &str,
    ) -> Option<Node> {
        match value {
            Value::Null => {
                self.note(node, path, Severity::LeftOut, "empty (null): not needed");
                None
            }
            Value::String(text) if text.contains("${{") => Some(Node::text(text)),
            Value::String(text) if only_get_env(text).is_some() => {
                let name = only_get_env(text).unwrap_or_default();
                self.note(
                    node,
                    path,
                    Severity::Converted,
                    format!(
                        "`get_env('{name}')` is the secret `${{{{ secrets.{name} }}}}`: from the secrets file (--secrets), else the environment variable {name} as before"
                    ),
                );
                Some(Node::text(format!("${{{{ secrets.{name} }}}}")))
            }
            Value::String(text) if super::templates::is_template(text) => {
                let text = self.template(node, path, text);
                self.note(
                    node,
                    path,
                    Severity::Converted,
                    "kept as a template: otai renders service params once, when the file is loaded",
                );
                Some(Node::text(text))
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                let name = secret_name(id, key);
                self.note(
                    node,
                    path,
                    Severity::Converted,
                    format!(
                        "the value written in the file is not copied: it is the secret `${{{{ secrets.{name} }}}}`; put the value in the secrets file (--secrets) or the environment variable {name}"
                    ),
                );
                Some(Node::text(format!("${{{{ secrets.{name} }}}}")))
            }
            _ => {
                self.note(
                    node,
                    path,
                    Severity::Essential,
                    "a credential must be text: not converted",
                );
                None
            }
        }
    }

    /// OTOBO / Znuny params: Open Ticket AI's defaults written out, `operation_urls` as routes,
    /// and logins with every request (its web service has no Session route).
    fn otobo_params(&mut self, node: NodeId, params: Option<(NodeId, &Value)>, path: &str) -> Node {
        let id = path.strip_prefix("services.").unwrap_or(path);
        let params_path = join(path, "params");
        let (params_node, value) = params.unwrap_or((node, &Value::Null));
        let mut out = Vec::new();
        let mut routes = None;
        let plain = match value {
            Value::Object(map) => {
                let mut rest = map.clone();
                rest.remove("operation_urls");
                Value::Object(rest)
            }
            _ => Value::Object(serde_json::Map::new()),
        };
        if let Node::Map(entries) = self.params(params_node, &plain, &params_path, id) {
            out.extend(entries);
        }
        if let Some((child, urls)) = self.child(params_node, value, "operation_urls") {
            routes = Some(self.routes(child, urls, &join(&params_path, "operation_urls")));
        }
        if value.get("password").is_none() {
            self.note(
                params_node,
                &params_path,
                Severity::Essential,
                "no `password` (Open Ticket AI required one too): add `password: '${{ secrets.NAME }}'`",
            );
        }
        for (key, default) in OTOBO_DEFAULTS {
            if value.get(key).is_none() {
                self.note(
                    params_node,
                    &params_path,
                    Severity::Converted,
                    format!("`{key}: {default}` written out: Open Ticket AI's default"),
                );
                out.push((key.to_owned(), Node::text(default)));
            }
        }
        out.push((
            "routes".to_owned(),
            routes.unwrap_or_else(|| Node::text("python-client")),
        ));
        out.push(("auth_mode".to_owned(), Node::text("per_request")));
        self.note(
            params_node,
            &params_path,
            Severity::Converted,
            "`routes` and `auth_mode: per_request` added: Open Ticket AI's OTOBO web service has the ticket-create/-get/-search/-update routes and no Session route",
        );
        Node::Map(out)
    }

    /// `operation_urls` as otai routes: the `python-client` preset when they are its routes,
    /// else the preset with the differing operations overridden.
    fn routes(&mut self, node: NodeId, urls: &Value, path: &str) -> Node {
        let mut overrides = Vec::new();
        for (key, child, v) in self.entries(node, urls) {
            let operation = PYTHON_CLIENT_ROUTES
                .iter()
                .find(|(op, _, route)| *op == key || *route == key);
            let (Some((op, method, default)), Some(url)) = (operation, v.as_str()) else {
                self.note(
                    child,
                    &join(path, &key),
                    Severity::Essential,
                    "not an operation Open Ticket AI's client knows with a text URL: not converted",
                );
                continue;
            };
            let url = url.trim_start_matches('/');
            if url != *default {
                overrides.push((
                    (*op).to_owned(),
                    Node::map([
                        ("method", Node::text(*method)),
                        ("route", Node::text(format!("/{url}"))),
                    ]),
                ));
            }
        }
        self.note(
            node,
            path,
            Severity::Converted,
            "`operation_urls` are `routes` (preset `python-client`, the same web service)",
        );
        if overrides.is_empty() {
            Node::text("python-client")
        } else {
            let mut map = vec![("preset".to_owned(), Node::text("python-client"))];
            map.extend(overrides);
            Node::Map(map)
        }
    }
}

/// The secret name for a credential written in the file: `OTOBO_ZNUNY_PASSWORD`.
fn secret_name(id: &str, key: &str) -> String {
    let name: String = format!("{id}_{key}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if is_secret_name(&name) {
        name
    } else {
        "PASSWORD".to_owned()
    }
}
