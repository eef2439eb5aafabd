//! An OTOBO web service export → a `webservices:` entry.

use serde_json::{Map, Value, json};

use otai_core::Error;
use otai_core::mapping::from_otobo;
use otai_yaml::{Document, NodeId};

use crate::config::{self, OperationType, WebserviceConfig};

/// The largest export read, in bytes.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;

/// What the imported entry is called and serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The web service's name (OTOBO keeps it outside the export: usually the file's name).
    pub name: String,
    /// Its id.
    pub id: u64,
    /// The otai service behind it.
    pub service: String,
}

/// An imported web service.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The `webservices:` entry, in otai's form.
    pub entry: Value,
    /// What was not imported, and why.
    pub warnings: Vec<String>,
    /// Secrets the entry refers to, each with what to set it to.
    pub secrets: Vec<String>,
}

/// Reads the export `text` of `file`. Errors are [`Error::Config`] naming `file:line: key path`.
pub fn import(text: &str, file: &str, options: &ImportOptions) -> Result<Imported, Error> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(Error::config(
            file,
            format!("{} bytes; at most {MAX_IMPORT_BYTES} are read", text.len()),
        ));
    }
    let doc = otai_yaml::read(text)
        .map_err(|e| Error::config(format!("{file}:{}", e.line), e.message))?;
    let mut reader = Reader {
        doc: &doc,
        file,
        name: &options.name,
        warnings: Vec::new(),
        secrets: Vec::new(),
    };
    let entry = reader.entry(options)?;
    // The entry must be one the provider accepts: the same checks as otai.yml.
    let typed: WebserviceConfig = serde_path_to_error::deserialize(entry.clone()).map_err(|e| {
        Error::config(
            format!("{file}: (imported) {}", e.path()),
            otai_core::error::plain_serde_message(&e.into_inner().to_string()),
        )
    })?;
    if let Some(problem) = config::check(std::slice::from_ref(&typed), None)
        .into_iter()
        .next()
    {
        return Err(Error::config(
            format!(
                "{file}: (imported){}",
                problem.field.trim_start_matches("[0]")
            ),
            problem.message,
        ));
    }
    Ok(Imported {
        entry,
        warnings: reader.warnings,
        secrets: reader.secrets,
    })
}

struct Reader<'a> {
    doc: &'a Document,
    file: &'a str,
    name: &'a str,
    warnings: Vec<String>,
    secrets: Vec<String>,
}

impl Reader<'_> {
    /// `file:line: path`.
    fn at(&self, path: &str) -> String {
        let line = self
            .doc
            .lines
            .line(self.doc.lines.find(NodeId::default(), path));
        format!("{}:{line}: {path}", self.file)
    }

    fn error(&self, path: &str, message: impl Into<String>) -> Error {
        Error::config(self.at(path), message)
    }

    fn warn(&mut self, path: &str, message: &str) {
        let at = self.at(path);
        self.warnings.push(format!("{at}: {message}"));
    }

    /// The map at `path` (absent: empty).
    fn map(&self, value: Option<&'_ Value>, path: &str) -> Result<Map<String, Value>, Error> {
        match value {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map.clone()),
            Some(_) => Err(self.error(path, "expected a map")),
        }
    }

    /// Warns about every key of `map` not in `known`; a key holding a credential says so.
    fn unknown(&mut self, map: &Map<String, Value>, known: &[&str], path: &str) {
        for (key, value) in map.iter().filter(|(k, _)| !known.contains(&k.as_str())) {
            let shown = otai_core::output::escape_controls(&otai_core::error::shorten(key, 60))
                .into_owned();
            let what = if super::holds_secret(key, value) {
                "holds a credential, which is not imported"
            } else {
                "not supported by otai; not imported"
            };
            self.warn(&join(path, &shown), what);
        }
    }

    fn entry(&mut self, options: &ImportOptions) -> Result<Value, Error> {
        let root = self.map(Some(&self.doc.value), "")?;
        if self.doc.value.is_null() {
            return Err(Error::config(self.file, "the file is empty"));
        }
        self.unknown(
            &root,
            &[
                "Debugger",
                "Description",
                "FrameworkVersion",
                "Provider",
                "Requester",
                "RemoteSystem",
            ],
            "",
        );
        let mut entry = Map::new();
        entry.insert("name".into(), json!(options.name));
        entry.insert("id".into(), json!(options.id));
        if let Some(description) = text(root.get("Description")).filter(|d| !d.is_empty()) {
            entry.insert("description".into(), json!(description));
        }
        entry.insert("service".into(), json!(options.service));
        let provider = self.map(root.get("Provider"), "Provider")?;
        self.unknown(
            &provider,
            &[
                "Operation",
                "Transport",
                "ErrorHandling",
                "ErrorHandlingPriority",
            ],
            "Provider",
        );
        if provider.get("ErrorHandling").is_some_and(non_empty) {
            self.warn(
                "Provider.ErrorHandling",
                "error handling modules are not supported; not imported",
            );
        }
        let (transport, auth) = self.transport(&provider)?;
        entry.insert("transport".into(), transport);
        entry.insert("operations".into(), self.operations(&provider)?);
        if let Some(user) = auth {
            entry.insert("users".into(), json!([user]));
        }
        entry.insert("debugger".into(), self.debugger(&root)?);
        self.requester(&root)?;
        if text(root.get("RemoteSystem")).is_some_and(|r| !r.is_empty()) {
            self.warn("RemoteSystem", "only used by requesters; not imported");
        }
        Ok(Value::Object(entry))
    }

    fn transport(
        &mut self,
        provider: &Map<String, Value>,
    ) -> Result<(Value, Option<Value>), Error> {
        let transport = self.map(provider.get("Transport"), "Provider.Transport")?;
        self.unknown(&transport, &["Type", "Config"], "Provider.Transport");
        let kind = match text(transport.get("Type")).as_deref() {
            Some("HTTP::REST") => "rest",
            Some("HTTP::SOAP") => "soap",
            Some("") | None => {
                return Err(self.error(
                    "Provider.Transport.Type",
                    "the web service has no provider transport: nothing for otai to serve",
                ));
            }
            Some(_) => {
                return Err(self.error(
                    "Provider.Transport.Type",
                    "expected `HTTP::REST` or `HTTP::SOAP`",
                ));
            }
        };
        let at = "Provider.Transport.Config";
        let config = self.map(transport.get("Config"), at)?;
        let mut out = Map::new();
        out.insert("type".into(), json!(kind));
        let mut known = vec!["MaxLength", "Authentication"];
        if kind == "rest" {
            known.extend(["RouteOperationMapping", "KeepAlive"]);
            out.insert("routes".into(), self.routes(&config)?);
            if config.get("KeepAlive").is_some_and(non_empty) {
                self.warn(
                    &join(at, "KeepAlive"),
                    "keep-alive is not configurable; not imported",
                );
            }
        } else {
            known.extend([
                "NameSpace",
                "RequestNameScheme",
                "ResponseNameScheme",
                "RequestNameFreeText",
                "ResponseNameFreeText",
            ]);
            if let Some(ns) = text(config.get("NameSpace")).filter(|n| !n.is_empty()) {
                out.insert("namespace".into(), json!(ns));
            }
            for (key, stock) in [
                ("RequestNameScheme", "Plain"),
                ("ResponseNameScheme", "Response"),
            ] {
                if text(config.get(key)).is_some_and(|v| v != stock) {
                    self.warn(
                        &join(at, key),
                        &format!("only `{stock}` is supported; not imported"),
                    );
                }
            }
            for key in ["RequestNameFreeText", "ResponseNameFreeText"] {
                if config.get(key).is_some_and(non_empty) {
                    self.warn(&join(at, key), "not supported; not imported");
                }
            }
        }
        self.unknown(&config, &known, at);
        if let Some(max) = config.get("MaxLength") {
            let max: u64 = text(Some(max))
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| {
                    self.error(&join(at, "MaxLength"), "expected a whole number of bytes")
                })?;
            out.insert("max_length".into(), json!(max));
        }
        let auth = self.authentication(&config)?;
        Ok((Value::Object(out), auth))
    }

    fn routes(&mut self, config: &Map<String, Value>) -> Result<Value, Error> {
        let at = "Provider.Transport.Config.RouteOperationMapping";
        let mut routes = Map::new();
        for (operation, route) in self.map(config.get("RouteOperationMapping"), at)? {
            let rat = join(at, &operation);
            let route = self.map(Some(&route), &rat)?;
            self.unknown(&route, &["Route", "RequestMethod", "ParserBackend"], &rat);
            if text(route.get("ParserBackend")).is_some_and(|p| !p.is_empty() && p != "JSON") {
                self.warn(
                    &join(&rat, "ParserBackend"),
                    "only `JSON` is supported; not imported",
                );
            }
            let path = text(route.get("Route"))
                .ok_or_else(|| self.error(&join(&rat, "Route"), "expected a route"))?;
            let methods = match route.get("RequestMethod") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|m| {
                        text(Some(m)).ok_or_else(|| {
                            self.error(&join(&rat, "RequestMethod"), "expected a list of methods")
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Some(one) => vec![text(Some(one)).ok_or_else(|| {
                    self.error(&join(&rat, "RequestMethod"), "expected a list of methods")
                })?],
            };
            routes.insert(operation, json!({"route": path, "methods": methods}));
        }
        Ok(Value::Object(routes))
    }

    /// Znuny's provider basic authentication: its user becomes an account whose password is a
    /// secret reference; the password itself is never carried over.
    fn authentication(&mut self, config: &Map<String, Value>) -> Result<Option<Value>, Error> {
        let at = "Provider.Transport.Config.Authentication";
        let auth = self.map(config.get("Authentication"), at)?;
        let kind = text(auth.get("AuthType")).unwrap_or_default();
        if auth.is_empty() || kind.is_empty() {
            return Ok(None);
        }
        if kind != "BasicAuth" {
            self.warn(
                &join(at, "AuthType"),
                "only `BasicAuth` is imported; not imported",
            );
            return Ok(None);
        }
        self.unknown(
            &auth,
            &["AuthType", "BasicAuthUser", "BasicAuthPassword"],
            at,
        );
        let user = text(auth.get("BasicAuthUser"))
            .filter(|u| !u.is_empty())
            .ok_or_else(|| self.error(&join(at, "BasicAuthUser"), "expected the user name"))?;
        let secret = secret_name(self.name, &user);
        self.secrets.push(format!(
            "{secret}: the password of `{user}` (the export's {at}.BasicAuthPassword, not copied)"
        ));
        Ok(Some(
            json!({"login": user, "password": format!("${{{{ secrets.{secret} }}}}")}),
        ))
    }

    fn operations(&mut self, provider: &Map<String, Value>) -> Result<Value, Error> {
        let at = "Provider.Operation";
        let mut out = Map::new();
        let mut descriptions = 0;
        for (name, operation) in self.map(provider.get("Operation"), at)? {
            let oat = join(at, &name);
            let operation = self.map(Some(&operation), &oat)?;
            self.unknown(
                &operation,
                &[
                    "Type",
                    "Description",
                    "MappingInbound",
                    "MappingOutbound",
                    "IncludeTicketData",
                ],
                &oat,
            );
            if operation.get("Description").is_some_and(non_empty) {
                descriptions += 1;
            }
            let kind = text(operation.get("Type")).unwrap_or_default();
            let kind =
                OperationType::parse(&kind).map_err(|m| self.error(&join(&oat, "Type"), m))?;
            let mut entry = Map::new();
            entry.insert("type".into(), json!(kind.as_str()));
            match text(operation.get("IncludeTicketData")).as_deref() {
                None | Some("" | "0") => {}
                Some("1") => {
                    entry.insert("include_ticket_data".into(), json!(true));
                }
                Some(_) => {
                    return Err(self.error(&join(&oat, "IncludeTicketData"), "expected 1 or 0"));
                }
            }
            for (key, field) in [
                ("MappingInbound", "mapping_inbound"),
                ("MappingOutbound", "mapping_outbound"),
            ] {
                let mat = join(&oat, key);
                let located = self.at(&mat);
                let value = operation.get(key).cloned().unwrap_or(Value::Null);
                let (mapping, warnings) = from_otobo(&value, &located)?;
                self.warnings.extend(warnings);
                if let Some(mapping) = mapping {
                    // The mapping must compile here, so a bad regex is named at its import.
                    otai_core::mapping::CompiledMapping::compile(&mapping, &located)?;
                    let value = serde_json::to_value(&mapping)
                        .map_err(|e| self.error(&mat, e.to_string()))?;
                    entry.insert(field.into(), value);
                }
            }
            out.insert(name, Value::Object(entry));
        }
        if descriptions > 0 {
            self.warn(
                at,
                &format!("{descriptions} operation descriptions are not kept"),
            );
        }
        Ok(Value::Object(out))
    }

    fn debugger(&mut self, root: &Map<String, Value>) -> Result<Value, Error> {
        let debugger = self.map(root.get("Debugger"), "Debugger")?;
        self.unknown(&debugger, &["DebugThreshold", "TestMode"], "Debugger");
        if text(debugger.get("TestMode")).is_some_and(|t| t != "0" && !t.is_empty()) {
            self.warn(
                "Debugger.TestMode",
                "test mode is not supported; not imported",
            );
        }
        let threshold = text(debugger.get("DebugThreshold")).unwrap_or_else(|| "error".into());
        if !["debug", "info", "notice", "error"].contains(&threshold.as_str()) {
            return Err(self.error(
                "Debugger.DebugThreshold",
                "expected debug, info, notice or error",
            ));
        }
        Ok(json!({"threshold": threshold}))
    }

    fn requester(&mut self, root: &Map<String, Value>) -> Result<(), Error> {
        let requester = self.map(root.get("Requester"), "Requester")?;
        let transport = self.map(requester.get("Transport"), "Requester.Transport")?;
        let kind = text(transport.get("Type")).unwrap_or_default();
        let invokers = self
            .map(requester.get("Invoker"), "Requester.Invoker")?
            .len();
        if !kind.is_empty() || invokers > 0 {
            self.warn(
                "Requester",
                &format!("a requester ({kind}, {invokers} invokers) is not imported: otai serves providers only"),
            );
        }
        Ok(())
    }
}

/// A scalar as text (numbers too, as exports write `MaxLength` either way).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn non_empty(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        _ => true,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `GI_<WEBSERVICE>_<USER>_PASSWORD`, upper case, other characters as `_`.
fn secret_name(webservice: &str, user: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("GI_{}_{}_PASSWORD", clean(webservice), clean(user))
}
