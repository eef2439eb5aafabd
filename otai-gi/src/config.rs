//! The `webservices:` section as written: one Generic Interface provider web service per item.
//!
//! Read with [`read`] (every problem at once, each at its line); [`check`] holds the rules that
//! serde cannot express (unique names and ids, known services, route syntax, …).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use otai_core::mapping::{CompiledMapping, SimpleMapping};
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The default `transport.max_length`: 100 MB, as the stock OTOBO web services.
pub const DEFAULT_MAX_LENGTH: usize = 100_000_000;
/// The default SOAP `transport.namespace`.
pub const DEFAULT_NAMESPACE: &str = "http://www.otrs.org/TicketConnector/";
/// The most web services, operations, routes, methods or accounts one list may hold.
pub const MAX_LIST: usize = 1_000;
/// The longest name, login, route or namespace accepted, in bytes.
pub const MAX_TEXT: usize = 1_000;

/// One web service of `webservices:`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebserviceConfig {
    /// Its name: served at `/<prefix>/nph-genericinterface.pl/Webservice/<name>/…`.
    pub name: String,
    /// Its numeric id: served at `/<prefix>/nph-genericinterface.pl/WebserviceID/<id>/…`.
    pub id: u64,
    /// What it is for (shown nowhere but in the file).
    #[serde(default)]
    pub description: Option<String>,
    /// The otai service (a key of `services:`) whose tickets it serves.
    pub service: String,
    /// Whether it answers: `valid` (default), `invalid` or `invalid-temporarily`.
    #[serde(default)]
    pub valid: Validity,
    /// The first path segment: `otobo` (default), `otrs` or `znuny`.
    #[serde(default)]
    pub prefix: Prefix,
    /// How requests arrive: REST routes or SOAP.
    pub transport: TransportConfig,
    /// The operations offered: operation name → settings.
    pub operations: BTreeMap<String, OperationConfig>,
    /// Agents who may authenticate (`UserLogin` and `Password`).
    #[serde(default)]
    pub users: Vec<AccountConfig>,
    /// Customer users who may authenticate (`CustomerUserLogin` and `Password`).
    #[serde(default)]
    pub customer_users: Vec<AccountConfig>,
    /// How long sessions from `SessionCreate` live.
    #[serde(default)]
    pub sessions: SessionConfig,
    /// Which communications the debugger keeps, and how long.
    #[serde(default)]
    pub debugger: DebuggerConfig,
}

/// Whether a web service answers (OTOBO's `ValidID`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    /// It answers.
    #[default]
    Valid,
    /// It answers as an unknown web service does.
    Invalid,
    /// Like `invalid`, and the log says it is off for now.
    InvalidTemporarily,
}

/// The first path segment of the provider URLs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Prefix {
    /// `/otobo/…` (OTOBO).
    #[default]
    Otobo,
    /// `/otrs/…` (OTRS and Znuny).
    Otrs,
    /// `/znuny/…`.
    Znuny,
}

impl Prefix {
    /// The path segment (`otobo`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Otobo => "otobo",
            Self::Otrs => "otrs",
            Self::Znuny => "znuny",
        }
    }
}

/// `transport:` of a web service.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransportConfig {
    /// `rest` or `soap`.
    #[serde(rename = "type")]
    pub kind: TransportKind,
    /// REST only: operation name → route; default, the stock GenericTicketConnectorREST routes
    /// of the offered operations.
    #[serde(default)]
    pub routes: Option<BTreeMap<String, RouteConfig>>,
    /// SOAP only: the namespace of requests and answers (default
    /// `http://www.otrs.org/TicketConnector/`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The largest request body accepted, in bytes (default 100000000); larger ones get 413.
    #[serde(default = "default_max_length")]
    pub max_length: usize,
}

fn default_max_length() -> usize {
    DEFAULT_MAX_LENGTH
}

impl TransportConfig {
    /// The SOAP namespace: the configured one or [`DEFAULT_NAMESPACE`].
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
    }
}

/// The transport of a web service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// HTTP::REST: a route and methods per operation, JSON bodies.
    Rest,
    /// HTTP::SOAP: one endpoint, the operation named by the body element.
    Soap,
}

/// The REST route of one operation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The path after the web service, `:Name` segments captured as input keys
    /// (`/Ticket/:TicketID`).
    pub route: String,
    /// The HTTP methods it answers (upper case); empty or absent: any method.
    #[serde(default)]
    pub methods: Vec<String>,
}

/// One offered operation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationConfig {
    /// What it does (`Ticket::TicketCreate`).
    #[serde(rename = "type")]
    pub kind: OperationType,
    /// The mapping applied to the request data before the operation runs (none: as sent).
    #[serde(default)]
    pub mapping_inbound: Option<SimpleMapping>,
    /// The mapping applied to the answer data before it is sent (none: as produced).
    #[serde(default)]
    pub mapping_outbound: Option<SimpleMapping>,
    /// `TicketCreate` and `TicketUpdate` only (OTOBO's `IncludeTicketData`): the answer also
    /// carries the ticket as `TicketGet` shows it, with its dynamic fields and the new article
    /// (or, on an update without one, the ticket's last article).
    #[serde(default)]
    pub include_ticket_data: bool,
}

impl OperationConfig {
    /// Its mappings, compiled (`at` names the operation in errors: a bad pattern).
    pub fn compiled(&self, at: &str) -> otai_core::Result<OperationMappings> {
        let compile = |mapping: &Option<SimpleMapping>, field: &str| {
            mapping
                .as_ref()
                .map(|m| CompiledMapping::compile(m, &format!("{at}.{field}")))
                .transpose()
        };
        Ok(OperationMappings {
            inbound: compile(&self.mapping_inbound, "mapping_inbound")?,
            outbound: compile(&self.mapping_outbound, "mapping_outbound")?,
        })
    }
}

/// The compiled mappings of one operation.
#[derive(Debug, Clone, Default)]
pub struct OperationMappings {
    /// Applied to the request data.
    pub inbound: Option<CompiledMapping>,
    /// Applied to the answer data.
    pub outbound: Option<CompiledMapping>,
}

/// The operation types otai offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(into = "String")]
#[schemars(with = "OperationTypeName")]
pub enum OperationType {
    /// `Session::SessionCreate`.
    SessionCreate,
    /// `Session::SessionGet`.
    SessionGet,
    /// `Ticket::TicketCreate`.
    TicketCreate,
    /// `Ticket::TicketUpdate`.
    TicketUpdate,
    /// `Ticket::TicketGet` (also behind the stock `TicketGetList`).
    TicketGet,
    /// `Ticket::TicketSearch`.
    TicketSearch,
    /// `Ticket::TicketHistoryGet`.
    TicketHistoryGet,
}

/// The names of [`OperationType`], for the JSON Schema.
#[derive(JsonSchema)]
#[allow(dead_code)]
enum OperationTypeName {
    #[serde(rename = "Session::SessionCreate")]
    SessionCreate,
    #[serde(rename = "Session::SessionGet")]
    SessionGet,
    #[serde(rename = "Ticket::TicketCreate")]
    TicketCreate,
    #[serde(rename = "Ticket::TicketUpdate")]
    TicketUpdate,
    #[serde(rename = "Ticket::TicketGet")]
    TicketGet,
    #[serde(rename = "Ticket::TicketSearch")]
    TicketSearch,
    #[serde(rename = "Ticket::TicketHistoryGet")]
    TicketHistoryGet,
}

impl OperationType {
    /// Every type, in the order of the stock web service.
    pub const ALL: [OperationType; 7] = [
        Self::SessionCreate,
        Self::SessionGet,
        Self::TicketCreate,
        Self::TicketUpdate,
        Self::TicketGet,
        Self::TicketSearch,
        Self::TicketHistoryGet,
    ];

    /// The name as OTOBO writes it (`Ticket::TicketCreate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionCreate => "Session::SessionCreate",
            Self::SessionGet => "Session::SessionGet",
            Self::TicketCreate => "Ticket::TicketCreate",
            Self::TicketUpdate => "Ticket::TicketUpdate",
            Self::TicketGet => "Ticket::TicketGet",
            Self::TicketSearch => "Ticket::TicketSearch",
            Self::TicketHistoryGet => "Ticket::TicketHistoryGet",
        }
    }

    /// The type named `name`, or a message naming the known ones (with a suggestion).
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<String> = Self::ALL.iter().map(|t| t.as_str().to_owned()).collect();
                otai_core::registry::unknown_name_message("operation type", name, &known)
            })
    }
}

impl fmt::Display for OperationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<OperationType> for String {
    fn from(kind: OperationType) -> Self {
        kind.as_str().to_owned()
    }
}

impl<'de> Deserialize<'de> for OperationType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// An account that may authenticate: a login and its password.
#[derive(Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The login (`UserLogin` or `CustomerUserLogin`).
    pub login: String,
    /// The password; write it as a secret: `password: '${{ secrets.GI_AGENT1 }}'`.
    #[schemars(with = "String")]
    pub password: SecretString,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// `sessions:`: how long a session from `SessionCreate` lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Minutes after its last use (OTOBO: after its creation) a session ends (default 120).
    #[serde(default = "default_idle")]
    pub idle_minutes: u32,
    /// Minutes after its creation a session ends however it is used (default 600).
    #[serde(default = "default_max")]
    pub max_minutes: u32,
    /// Accept a session only from the address that created it (default false).
    #[serde(default)]
    pub bind_to_address: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_minutes: default_idle(),
            max_minutes: default_max(),
            bind_to_address: false,
        }
    }
}

fn default_idle() -> u32 {
    120
}
fn default_max() -> u32 {
    600
}

/// `debugger:`: which communications are kept, and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DebuggerConfig {
    /// The least severity kept: `debug`, `info`, `notice` or `error` (default).
    #[serde(default)]
    pub threshold: Threshold,
    /// Days a communication is kept (default 7).
    #[serde(default = "default_retention")]
    pub retention_days: u32,
}

impl Default for DebuggerConfig {
    fn default() -> Self {
        Self {
            threshold: Threshold::default(),
            retention_days: default_retention(),
        }
    }
}

fn default_retention() -> u32 {
    7
}

/// The debugger's threshold, least to most severe.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Threshold {
    /// Everything.
    Debug,
    /// Information and above.
    Info,
    /// Notices and above.
    Notice,
    /// Errors only.
    #[default]
    Error,
}

/// One problem of a `webservices:` section: the field (`[0].transport.routes`, relative to the
/// section) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field, relative to `webservices` (`[1].id`).
    pub field: String,
    /// What is wrong, in lower case.
    pub message: String,
}

impl Problem {
    fn new(index: usize, field: &str, message: impl Into<String>) -> Self {
        let field = if field.is_empty() {
            format!("[{index}]")
        } else {
            format!("[{index}].{field}")
        };
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Checks what serde cannot: sizes, unique names and ids, known services (when `services` is
/// given), transport settings, routes and accounts. Returns every problem, in file order.
pub fn check(webservices: &[WebserviceConfig], services: Option<&[String]>) -> Vec<Problem> {
    let mut problems = Vec::new();
    if webservices.len() > MAX_LIST {
        problems.push(Problem {
            field: String::new(),
            message: format!("at most {MAX_LIST} web services"),
        });
        return problems;
    }
    let mut names = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (index, ws) in webservices.iter().enumerate() {
        let mut problem =
            |field: &str, message: String| problems.push(Problem::new(index, field, message));
        if let Err(message) = check_name(&ws.name) {
            problem("name", message);
        } else if !names.insert(ws.name.as_str()) {
            problem(
                "name",
                format!("web service `{}` is defined twice", ws.name),
            );
        }
        if !ids.insert(ws.id) {
            problem("id", format!("web service id {} is used twice", ws.id));
        }
        if let Some(known) = services
            && !known.iter().any(|s| s == &ws.service)
        {
            let message = otai_core::registry::unknown_name_message("service", &ws.service, known);
            problem("service", message);
        }
        check_transport(ws, &mut problem);
        check_operations(ws, &mut problem);
        check_accounts("users", &ws.users, &mut problem);
        check_accounts("customer_users", &ws.customer_users, &mut problem);
        if ws.sessions.idle_minutes == 0 {
            problem("sessions.idle_minutes", "must be above 0".to_owned());
        }
        if ws.sessions.max_minutes == 0 {
            problem("sessions.max_minutes", "must be above 0".to_owned());
        }
    }
    problems
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_TEXT {
        return Err(format!("must have 1 to {MAX_TEXT} characters"));
    }
    if name.chars().any(|c| c == '/' || c == '?' || c.is_control()) {
        return Err(format!(
            "`{name}` cannot be served: a name holds no `/`, `?` or control character"
        ));
    }
    Ok(())
}

fn check_transport(ws: &WebserviceConfig, problem: &mut impl FnMut(&str, String)) {
    let transport = &ws.transport;
    if transport.max_length == 0 {
        problem("transport.max_length", "must be above 0".to_owned());
    }
    match transport.kind {
        TransportKind::Rest => {
            if transport.namespace.is_some() {
                problem(
                    "transport.namespace",
                    "only a `soap` transport has a namespace".to_owned(),
                );
            }
            if let Some(routes) = &transport.routes {
                check_routes(ws, routes, problem);
            }
        }
        TransportKind::Soap => {
            if transport.routes.is_some() {
                problem(
                    "transport.routes",
                    "only a `rest` transport has routes".to_owned(),
                );
            }
            if let Some(namespace) = &transport.namespace
                && (namespace.is_empty() || namespace.len() > MAX_TEXT)
            {
                problem(
                    "transport.namespace",
                    format!("must have 1 to {MAX_TEXT} characters"),
                );
            }
        }
    }
}

fn check_routes(
    ws: &WebserviceConfig,
    routes: &BTreeMap<String, RouteConfig>,
    problem: &mut impl FnMut(&str, String),
) {
    if routes.len() > MAX_LIST {
        problem("transport.routes", format!("at most {MAX_LIST} routes"));
        return;
    }
    let offered: Vec<String> = ws.operations.keys().cloned().collect();
    for (operation, route) in routes {
        let at = format!("transport.routes.{operation}");
        if !ws.operations.contains_key(operation) {
            let message =
                otai_core::registry::unknown_name_message("operation", operation, &offered);
            problem(
                &at,
                format!("{message}: a route needs an operation of `operations:`"),
            );
        }
        if let Err(message) = check_route(&route.route) {
            problem(&format!("{at}.route"), message);
        }
        if route.methods.len() > MAX_LIST {
            problem(
                &format!("{at}.methods"),
                format!("at most {MAX_LIST} methods"),
            );
        }
        for (i, method) in route.methods.iter().enumerate() {
            if !is_method(method) {
                problem(
                    &format!("{at}.methods[{i}]"),
                    format!("`{method}` is not an HTTP method (GET, POST, PUT, PATCH, DELETE, …)"),
                );
            }
        }
    }
    for operation in ws.operations.keys() {
        if !routes.contains_key(operation) {
            problem(
                "transport.routes",
                format!(
                    "operation `{operation}` has no route: give one, or leave `routes:` out for the stock routes"
                ),
            );
        }
    }
}

/// Whether `method` is an HTTP method name as OTOBO compares them: upper-case letters only.
fn is_method(method: &str) -> bool {
    !method.is_empty() && method.len() <= 20 && method.bytes().all(|b| b.is_ascii_uppercase())
}

/// Checks a route template: starts with `/`, at most [`MAX_TEXT`] bytes, `:Name` segments
/// named by letters, digits and `_`, each name once.
pub fn check_route(route: &str) -> Result<(), String> {
    if !route.starts_with('/') {
        return Err(format!("route `{route}` must start with `/`"));
    }
    if route.len() > MAX_TEXT {
        return Err(format!("a route has at most {MAX_TEXT} characters"));
    }
    if route.contains('?') || route.contains('#') || route.chars().any(char::is_whitespace) {
        return Err(format!(
            "route `{route}` holds a `?`, `#` or space: a route is a path only"
        ));
    }
    let mut seen = BTreeSet::new();
    for segment in route.split('/').skip(1) {
        let Some(name) = segment.strip_prefix(':') else {
            if segment.contains(':') {
                return Err(format!(
                    "route `{route}`: a parameter takes a whole segment (`/Ticket/:TicketID`)"
                ));
            }
            continue;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "route `{route}`: parameter `:{name}` must be named by letters, digits and `_`"
            ));
        }
        if !seen.insert(name) {
            return Err(format!(
                "route `{route}`: parameter `:{name}` appears twice"
            ));
        }
    }
    Ok(())
}

fn check_operations(ws: &WebserviceConfig, problem: &mut impl FnMut(&str, String)) {
    if ws.operations.is_empty() {
        problem("operations", "offer at least one operation".to_owned());
    }
    if ws.operations.len() > MAX_LIST {
        problem("operations", format!("at most {MAX_LIST} operations"));
    }
    for (name, operation) in &ws.operations {
        if let Err(e) = operation.compiled(&format!("operations.{name}")) {
            problem(&format!("operations.{name}"), e.to_string());
        }
        if operation.include_ticket_data
            && !matches!(
                operation.kind,
                OperationType::TicketCreate | OperationType::TicketUpdate
            )
        {
            problem(
                &format!("operations.{name}.include_ticket_data"),
                format!(
                    "only a Ticket::TicketCreate or Ticket::TicketUpdate operation includes ticket data, not {}",
                    operation.kind.as_str()
                ),
            );
        }
        if name.is_empty() || name.len() > MAX_TEXT || name.chars().any(char::is_control) {
            problem(
                "operations",
                format!(
                    "an operation name has 1 to {MAX_TEXT} characters, none a control character"
                ),
            );
        }
    }
    if ws.transport.kind == TransportKind::Rest && ws.transport.routes.is_none() {
        for name in ws.operations.keys() {
            if stock_route(name).is_none() {
                problem(
                    &format!("operations.{name}"),
                    format!(
                        "`{name}` has no stock route: give `transport.routes` (the stock ones: {})",
                        STOCK_ROUTES
                            .iter()
                            .map(|r| r.0)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
}

fn check_accounts(field: &str, accounts: &[AccountConfig], problem: &mut impl FnMut(&str, String)) {
    if accounts.len() > MAX_LIST {
        problem(field, format!("at most {MAX_LIST} accounts"));
        return;
    }
    let mut logins = BTreeSet::new();
    for (i, account) in accounts.iter().enumerate() {
        if account.login.is_empty() || account.login.len() > MAX_TEXT {
            problem(
                &format!("{field}[{i}].login"),
                format!("must have 1 to {MAX_TEXT} characters"),
            );
        } else if !logins.insert(account.login.as_str()) {
            problem(
                &format!("{field}[{i}].login"),
                format!("login `{}` is listed twice", account.login),
            );
        }
        if secrecy::ExposeSecret::expose_secret(&account.password).is_empty() {
            problem(
                &format!("{field}[{i}].password"),
                "must not be empty".to_owned(),
            );
        }
    }
}

/// The stock GenericTicketConnectorREST routes: operation name, method, route.
pub const STOCK_ROUTES: [(&str, &str, &str); 8] = [
    ("SessionCreate", "POST", "/Session"),
    ("SessionGet", "GET", "/Session/:SessionID"),
    ("TicketCreate", "POST", "/Ticket"),
    ("TicketGet", "GET", "/Ticket/:TicketID"),
    ("TicketGetList", "GET", "/TicketList"),
    ("TicketHistoryGet", "GET", "/TicketHistory/:TicketID"),
    ("TicketSearch", "GET", "/Ticket"),
    ("TicketUpdate", "PATCH", "/Ticket/:TicketID"),
];

/// The stock route of operation `name`, if it has one.
pub fn stock_route(name: &str) -> Option<RouteConfig> {
    STOCK_ROUTES
        .iter()
        .find(|(op, _, _)| *op == name)
        .map(|(_, method, route)| RouteConfig {
            route: (*route).to_owned(),
            methods: vec![(*method).to_owned()],
        })
}

/// Reads `webservices:` from `sections` and checks it ([`check`]); services are looked up in
/// `services` when given. `None` when the file has no such section.
pub fn read(
    sections: &otai_pipeline::Sections,
    services: Option<&[String]>,
) -> Result<Option<Vec<WebserviceConfig>>, otai_pipeline::ConfigErrors> {
    let Some(webservices) = sections.read::<Vec<WebserviceConfig>>(SECTION)? else {
        return Ok(None);
    };
    let problems = check(&webservices, services);
    if problems.is_empty() {
        return Ok(Some(webservices));
    }
    Err(otai_pipeline::ConfigErrors(
        problems
            .into_iter()
            .map(|p| sections.error(SECTION, &p.field, p.message))
            .collect(),
    ))
}

/// The name of the section.
pub const SECTION: &str = "webservices";
